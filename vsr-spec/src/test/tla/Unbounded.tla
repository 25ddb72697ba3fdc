----------------------------- MODULE Unbounded -----------------------------
(* Test fixture: three counters with no bound, so neither model checking  *)
(* nor simulation ever finishes; for time boxes and stopAfter.            *)
EXTENDS Naturals
VARIABLES x, y, z
vars == <<x, y, z>>
Init == x = 0 /\ y = 0 /\ z = 0
Next == \/ x' = x + 1 /\ UNCHANGED <<y, z>>
        \/ y' = y + 1 /\ UNCHANGED <<x, z>>
        \/ z' = z + 1 /\ UNCHANGED <<x, y>>
NonNegative == x >= 0 /\ y >= 0 /\ z >= 0
=============================================================================
