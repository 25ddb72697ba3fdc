--------------------------- MODULE SemanticError ---------------------------
(* Test fixture: parses, but y is not declared, so SANY's semantic check fails. *)
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x' = x + y
=============================================================================
