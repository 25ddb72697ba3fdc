------------------------- MODULE ViewstampScenario_disc2017 -------------------------
(***************************************************************************)
(* A directed scope for mutant disc2017: the recovery of VR Revisited,     *)
(* section 4.3, loses a committed op (Michael, Ports et al., DISC 2017,    *)
(* appendix B), on three replicas with two lost disks.  One lost disk is   *)
(* not enough: a DoViewChange for view v + 1 needs f others in that view's *)
(* change, which leaves at most f replicas normal in view v to answer a    *)
(* recovery that needs f + 1.  The second recovery is what makes the       *)
(* answers: replica 1 votes, loses its disk and recovers into view 0 while *)
(* the others are still normal there; its vote, still in flight, makes     *)
(* replica 2 vote in its turn, and replica 2 loses its disk and recovers   *)
(* into view 0 from replicas 0 and 1.  Replica 0, primary of view 0,       *)
(* commits op 1 with replica 2's acknowledgement.  Then replica 1 reads    *)
(* replica 2's old vote, votes itself, and reads replica 2's old           *)
(* DoViewChange: two votes, neither holding op 1, start view 1.            *)
(*                                                                         *)
(* With a nonce and no new incarnation (ViewstampMutant_disc2017.cfg),     *)
(* the votes of the incarnations before the lost disks count, and view 1   *)
(* starts without the committed op 1.  With crash vectors (the code,       *)
(* ViewstampScenario_disc2017.cfg), replica 2 has learnt replica 1's new   *)
(* incarnation when it answered its recovery and discards the old vote:    *)
(* the behaviour stops there, every invariant kept.                        *)
(***************************************************************************)
EXTENDS Viewstamp

VARIABLE step

\* Replica r takes a message of type t from src in view v with action A (and op n).
Get(r, t, src, v, A(_, _)) == \E m \in msgs : m.type = t /\ m.src = src /\ m.v = v /\ A(r, m)
GetN(r, t, src, v, n, A(_, _)) == \E m \in msgs : m.type = t /\ m.src = src /\ m.v = v /\ m.n = n /\ A(r, m)

Script(k) ==
    CASE \* Replica 1 times out, votes for view 1, loses its disk and recovers into view 0 from replicas 0 and 2.
         k = 0 -> Timeout(1)
      [] k = 1 -> LoseDisk(1)
      [] k = 2 -> AnswerRecovery(0, 1)
      [] k = 3 -> AnswerRecovery(2, 1)
      [] k = 4 -> FinishRecovery(1)
         \* Replica 2 reads the old incarnation's StartViewChange: it sends its DoViewChange to replica 1.
      [] k = 5 -> Get(2, "StartViewChange", 1, 1, OnStartViewChange)
         \* Replica 2 loses its disk and recovers into view 0 from replicas 0 and 1.
      [] k = 6 -> LoseDisk(2)
      [] k = 7 -> AnswerRecovery(0, 2)
      [] k = 8 -> AnswerRecovery(1, 2)
      [] k = 9 -> FinishRecovery(2)
         \* Replica 0 commits op 1 in view 0 with replica 2's acknowledgement.
      [] k = 10 -> Prepare(0)
      [] k = 11 -> GetN(2, "Prepare", 0, 0, 1, OnPrepare)
      [] k = 12 -> WriteDone(2)
      [] k = 13 -> WriteDone(0)
      [] k = 14 -> GetN(0, "PrepareOk", 2, 0, 1, OnPrepareOk)
         \* Replica 1 reads replica 2's old votes and starts view 1 without op 1.
      [] k = 15 -> Get(1, "StartViewChange", 2, 1, OnStartViewChange)
      [] k = 16 -> Get(1, "DoViewChange", 2, 1, OnDoViewChange)
      [] k = 17 -> StartViewIfReady(1)
         \* View 1 commits its own op 1 with replica 2, which adopts view 1's log.
      [] k = 18 -> Get(2, "StartView", 1, 1, OnStartView)
      [] k = 19 -> Prepare(1)
      [] k = 20 -> GetN(2, "Prepare", 1, 1, 1, OnPrepare)
      [] k = 21 -> WriteDone(2)
      [] k = 22 -> WriteDone(1)
      [] k = 23 -> GetN(1, "PrepareOk", 2, 1, 1, OnPrepareOk)

Steps == 24

ScenarioInit == Init /\ step = 0

ScenarioNext == step < Steps /\ Script(step) /\ step' = step + 1

\* Violated when the behaviour has taken every step: the scenario is a behaviour of the spec.
ScenarioNotDone == step < Steps

=============================================================================
