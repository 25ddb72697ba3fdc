-------------------------------- MODULE Toy --------------------------------
(***************************************************************************)
(* A toy specification that proves the vsr-spec harness: two counters that *)
(* each count up to Limit. Toy.cfg checks it clean; ToyMutant.cfg asks for *)
(* an invariant that does not hold, so TLC must report a counterexample.   *)
(***************************************************************************)
EXTENDS Naturals

CONSTANT Limit

VARIABLES x, y

vars == <<x, y>>

Init == x = 0 /\ y = 0

IncX == x < Limit /\ x' = x + 1 /\ UNCHANGED y
IncY == y < Limit /\ y' = y + 1 /\ UNCHANGED x

Next == IncX \/ IncY

Spec == Init /\ [][Next]_vars

TypeOK == x \in 0..Limit /\ y \in 0..Limit

(* Holds: neither counter passes Limit. *)
Bounded == x + y <= 2 * Limit

(* Does not hold once x reaches 4; ToyMutant.cfg checks it. *)
XSmall == x <= 3

(* An action property: the counters never go down. *)
Monotonic == [][x' >= x /\ y' >= y]_vars
=============================================================================
