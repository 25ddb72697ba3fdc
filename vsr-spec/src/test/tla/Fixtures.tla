------------------------------ MODULE Fixtures ------------------------------
(***************************************************************************)
(* Test fixture, not a specification: each Fixtures*.cfg makes TLC end in *)
(* one of the outcomes TlcResult tells apart.                              *)
(***************************************************************************)
EXTENDS Naturals, Sequences, TLC

CONSTANT N

ASSUME N > 3

VARIABLE x

Init == x = 0
Next == x < 3 /\ x' = x + 1
Spec == Init /\ [][Next]_x /\ WF_x(Next)

(* Head of the empty sequence: an evaluation error in the first step. *)
NextEvalError == x' = Head(<<>>)
(* A failed Assert in the third step. *)
NextAssert == x < 3 /\ x' = x + 1 /\ Assert(x < 2, "x too big")

NeverTwo == [][x' # 2]_x
ReachesFive == <>(x = 5)
=============================================================================
