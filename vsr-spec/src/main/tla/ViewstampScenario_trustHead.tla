------------------------- MODULE ViewstampScenario_trustHead -------------------------
(***************************************************************************)
(* A directed scope for mutant trustHead (issue 7, bug 3): one behaviour   *)
(* of Viewstamp, step by step, with five replicas.  Neither the exhaustive *)
(* scopes nor random behaviours reach it: it needs about forty steps in    *)
(* one order.  Replicas 2, 3 and 4 start view 2 and commit ops 1 and 2;    *)
(* replica 1, still a backup of view 0, catches up from replica 3 (which   *)
(* has moved on to a view change, so it answers with committed entries     *)
(* only) and installs view 2's ops while staying in log view 0; replica 0, *)
(* still primary of view 0, prepares its own op 1.  Replica 1 crashes and  *)
(* op 1's body comes back lost: it restarts damaged, with the head's claim *)
(* that op 1 is committed; its repair gives up and replica 0's complete    *)
(* answer clears the damage with view 0's op 1.                            *)
(*                                                                         *)
(* With the claim named by the head's entry (the code), the claim waits    *)
(* for an entry replica 1 never gets, and the behaviour ends safely        *)
(* (ViewstampScenario_trustHead.cfg: ScenarioNotDone is violated, nothing  *)
(* else).  With a bare commit number (ViewstampMutant_trustHead.cfg),     *)
(* replica 1 takes view 0's op 1 for committed.                            *)
(***************************************************************************)
EXTENDS Viewstamp

VARIABLE step

\* Replica r takes a message of type t from src in view v with action A (and op n).
Get(r, t, src, v, A(_, _)) == \E m \in msgs : m.type = t /\ m.src = src /\ m.v = v /\ A(r, m)
GetN(r, t, src, v, n, A(_, _)) == \E m \in msgs : m.type = t /\ m.src = src /\ m.v = v /\ m.n = n /\ A(r, m)
\* Replica r takes src's answer to its GetState.
GetState(r, src) == \E m \in msgs : m.type = "NewState" /\ m.src = src /\ m.dst = r /\ OnNewState(r, m)

Script(k) ==
    CASE \* View 2 among replicas 2, 3 and 4: replica 2 times out twice, the others follow its StartViewChange.
         k = 0 -> Timeout(2)
      [] k = 1 -> Timeout(2)
      [] k = 2 -> Get(3, "StartViewChange", 2, 2, OnStartViewChange)
      [] k = 3 -> Get(4, "StartViewChange", 2, 2, OnStartViewChange)
      [] k = 4 -> Get(3, "StartViewChange", 4, 2, OnStartViewChange)
      [] k = 5 -> Get(4, "StartViewChange", 3, 2, OnStartViewChange)
      [] k = 6 -> Get(2, "DoViewChange", 3, 2, OnDoViewChange)
      [] k = 7 -> Get(2, "DoViewChange", 4, 2, OnDoViewChange)
      [] k = 8 -> StartViewIfReady(2)
      [] k = 9 -> Get(3, "StartView", 2, 2, OnStartView)
      [] k = 10 -> Get(4, "StartView", 2, 2, OnStartView)
         \* Ops 1 and 2 committed in view 2.
      [] k = 11 -> Prepare(2)
      [] k = 12 -> GetN(3, "Prepare", 2, 2, 1, OnPrepare)
      [] k = 13 -> GetN(4, "Prepare", 2, 2, 1, OnPrepare)
      [] k = 14 -> WriteDone(3)
      [] k = 15 -> WriteDone(4)
      [] k = 16 -> WriteDone(2)
      [] k = 17 -> GetN(2, "PrepareOk", 3, 2, 1, OnPrepareOk)
      [] k = 18 -> GetN(2, "PrepareOk", 4, 2, 1, OnPrepareOk)
      [] k = 19 -> Prepare(2)
      [] k = 20 -> GetN(3, "Prepare", 2, 2, 2, OnPrepare)
      [] k = 21 -> GetN(4, "Prepare", 2, 2, 2, OnPrepare)
      [] k = 22 -> WriteDone(3)
      [] k = 23 -> WriteDone(4)
      [] k = 24 -> WriteDone(2)
      [] k = 25 -> GetN(2, "PrepareOk", 3, 2, 2, OnPrepareOk)
      [] k = 26 -> GetN(2, "PrepareOk", 4, 2, 2, OnPrepareOk)
      [] k = 27 -> SendCommit(2)
      [] k = 28 -> Get(3, "Commit", 2, 2, OnCommit)
         \* Replica 3 moves on to a view change: it no longer serves view 2.
      [] k = 29 -> Timeout(3)
         \* Replica 1 (view 0) hears of view 2 and installs its committed entries from replica 3, in view 0.
      [] k = 30 -> Get(1, "Commit", 2, 2, OnCommit)
      [] k = 31 -> OnGetState(3, 1)
      [] k = 32 -> GetState(1, 3)
         \* Replica 0, primary of view 0, prepares its own op 1.
      [] k = 33 -> Prepare(0)
         \* Replica 1 restarts with op 1's body lost, gives up its repair and asks its primary.
      [] k = 34 -> RestartDamaged(1) /\ log'[1] = <<>>
      [] k = 35 -> RepairGiveUp(1)
      [] k = 36 -> RepairAskPrimary(1)
      [] k = 37 -> OnGetState(0, 1)
      [] k = 38 -> GetState(1, 0)

Steps == 39

ScenarioInit == Init /\ step = 0

ScenarioNext == step < Steps /\ Script(step) /\ step' = step + 1

\* Violated when the behaviour has taken every step: the scenario is a behaviour of the spec.
ScenarioNotDone == step < Steps

=============================================================================
