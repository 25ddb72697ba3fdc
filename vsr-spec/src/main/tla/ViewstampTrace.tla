--------------------------- MODULE ViewstampTrace ---------------------------
(***************************************************************************)
(* Trace validation: is a run of the code a behaviour of the model?        *)
(*                                                                         *)
(* TraceData (written by vsr-sim's ModelTrace for one simulator seed run   *)
(* within the model's scope) defines Trace, a sequence of lines: after     *)
(* replica r stepped, each replica's status, view, log view, log (the      *)
(* view that prepared each entry), known-committed op, catch-up target and *)
(* durable op (-1 while a state write is in flight: the model takes state  *)
(* writes as durable when issued, the code when they complete), and the    *)
(* restarts so far.  A behaviour of Viewstamp reproduces the trace when it *)
(* passes through every line in order.  Between two lines it may take      *)
(* steps the code does not show (votes counted, acknowledgements,          *)
(* heartbeats) as long as no replica's projection changes but the next     *)
(* line's replica's, and that one only through at most FreeMax states that *)
(* lie between the two lines (a code event that is several model steps: a  *)
(* commit and the next prepare, a prepare that carries a commit number).   *)
(* A line the state already matches may be passed without a step.          *)
(*                                                                         *)
(* TLC looks for such a behaviour; TraceNotDone is violated when it finds  *)
(* one, and its counterexample is the behaviour.  When TLC ends without a  *)
(* violation, no behaviour of the model passes through the whole trace: the*)
(* code and the model disagree (TraceReached says up to which line they    *)
(* agree).                                                                 *)
(*                                                                         *)
(* Two devices keep the search small; neither lets through a trace that    *)
(* the model cannot produce:                                               *)
(*  - Pool (the messages a replica may receive) is msgs with every message *)
(*    a step that sends and changes nothing else could have sent at some   *)
(*    earlier state of the behaviour (Pooled).  Such a behaviour is one of *)
(*    the model's: take those sends where they were possible (they change  *)
(*    nothing but msgs, and the one guard that reads the absence of a      *)
(*    message, AfterViewDurable's, reads Pool).                            *)
(*  - TraceView leaves out msgs, pool and the ghost variables that only    *)
(*    the invariants read: TLC explores one of two states that only these  *)
(*    tell apart.  That can cost a reproduction (a false failure), never   *)
(*    make one; messages that a step sends without changing anything else  *)
(*    are in Pool for this reason, or their sends would look like no step. *)
(***************************************************************************)
EXTENDS Viewstamp, TraceData

CONSTANT FreeMax        \* intermediate model steps one code event may take

VARIABLES
    at,          \* the line of Trace the behaviour has reached
    pool,       \* what the sending-only steps could have sent so far (Pooled)
    free        \* steps since line at whose projection matches neither line at nor line at + 1

traceVars == <<at, pool, free>>

Obs(r) == [st |-> status[r], v |-> view[r], lv |-> logView[r], log |-> log[r], cm |-> commitMax[r], cu |-> catchUp[r]]
Line(k, r) == Trace[k].obs[r + 1]
\* Replica r's state matches projection o: the durable op too, unless o has none (-1: a state write was in
\* flight in the code, which the model takes as durable when issued).
Matches(r, o) ==
    /\ Obs(r) = [st |-> o.st, v |-> o.v, lv |-> o.lv, log |-> o.log, cm |-> o.cm, cu |-> o.cu]
    /\ o.od = -1 \/ opDurable[r] = o.od
IsPrefix(a, b) == Len(a) <= Len(b) /\ a = SubSeq(b, 1, Len(a))
\* Replica r's state lies between projections o and n: a step of one code event that is several model steps.
Between(r, o, n) ==
    /\ status[r] \in {o.st, n.st} /\ view[r] \in {o.v, n.v} /\ logView[r] \in {o.lv, n.lv}
    /\ catchUp[r] \in {o.cu, n.cu}
    /\ commitMax[r] \in Min(o.cm, n.cm) .. Max(o.cm, n.cm)
    /\ IsPrefix(log[r], n.log) \/ IsPrefix(log[r], o.log)

TracePool == msgs \cup pool

\* What Pool takes after each step: the messages of the send-only actions, and those the steps that send without
\* changing anything else could send (acknowledgements of retransmitted prepares among the messages sent, and
\* a StartViewChange once a view is durable). Without them, such a step would lead to a state that TraceView
\* takes for the one before it, and its message would be lost.
Pooled(sent) == ResendableMsgs \cup UNION {HeldAcks(r, sent) \cup DurableSvcs(r) : r \in R}

\* Pool keeps a message while some replica could still take it: every receive action but OnNewState's and
\* InstallSync's needs a message of the receiver's view or a later one. (Dropping a message from Pool can only
\* cost a reproduction, as a lost message would.)
StillReceivable(m) ==
    m.type \in {"NewState", "SyncOffer"} \/ m.v >= MinSet({view[r] : r \in R})

TraceInit ==
    /\ Init
    /\ at = 1 /\ free = 0
    /\ pool = Pooled(msgs)
    /\ \A r \in R : Matches(r, Line(1, r))
    /\ TLCSet(1, 1)

TraceNext ==
    /\ at < Len(Trace)
    /\ Next
    \* The lines are bound by \E, not LET: inside a primed expression a LET that reads at would read at'.
    /\ \E cur \in {Trace[at]} : \E nxt \in {Trace[at + 1]} :
       LET s == nxt.r IN
       /\ \A q \in R \ {s} : Matches(q, cur.obs[q + 1])'
       /\ \/ /\ Matches(s, nxt.obs[s + 1])' /\ crashes' = nxt.crashes
             /\ at' = at + 1 /\ free' = 0
          \/ /\ crashes' = cur.crashes
             /\ at' = at
             /\ IF Matches(s, cur.obs[s + 1])' THEN free' = free
                ELSE free < FreeMax /\ Between(s, cur.obs[s + 1], nxt.obs[s + 1])' /\ free' = free + 1
    \* Last but one: TLC evaluates conjuncts in order, and most successors of Next fail the lines above.
    /\ \E sent \in {msgs' \cup pool} :
          pool' = {m \in pool \cup Pooled(sent)' : StillReceivable(m)'}
    /\ IF at' > TLCGet(1) THEN TLCSet(1, at') /\ PrintT(<<"TraceReached", at'>>) ELSE TRUE

\* A line the model's state already matches is passed without a step (TLA+ allows stuttering): the code took a
\* step the model has no action for, such as the completion of a state write (the model's are durable at once).
TraceStutter ==
    /\ at < Len(Trace)
    /\ \A q \in R : Matches(q, Trace[at + 1].obs[q + 1])
    /\ crashes = Trace[at + 1].crashes
    /\ at' = at + 1 /\ free' = 0
    /\ UNCHANGED <<vars, pool>>
    /\ IF at' > TLCGet(1) THEN TLCSet(1, at') /\ PrintT(<<"TraceReached", at'>>) ELSE TRUE

TraceSteps == TraceNext \/ TraceStutter

\* The send-only actions, replaced (in the configuration) by Pool, which holds whatever they could send.
NoSend(r) == FALSE
NoAnswer(q, r) == FALSE

\* What TLC tells states apart by: everything but the ghost state the invariants alone read, and msgs only
\* as part of what can be received.
TraceView ==
    <<status, view, logView, log, anchor, commitMax, claim, opDurable, damaged, repair, catchUp, acked, svcFrom,
      dvcFrom, dvcSent, cv, nonce, dView, dLogView, dCommit, dDamaged, incarnation, nonces, crashes,
      damages, losts, at, free>>

\* Violated when a behaviour has reached the last line: the trace is one of the model's behaviours.
TraceNotDone == at < Len(Trace)

=============================================================================
