---------------------------- MODULE SyntaxError ----------------------------
(* Test fixture: "x + + 1" does not parse, so SANY rejects the module. *)
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x' = x + + 1
=============================================================================
