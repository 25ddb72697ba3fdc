------------------------------- MODULE Viewstamp -------------------------------
(***************************************************************************)
(* Viewstamp's protocol as built in vsr-core, for the TLC model checker.   *)
(*                                                                         *)
(* This is our variant of Viewstamped Replication (VR Revisited, Liskov    *)
(* and Cowling 2012), not the paper's: durable views and logs instead of   *)
(* the paper's recovery, a bounded log suffix after a committed anchor,    *)
(* catch-up that never truncates what may be committed, commit claims that *)
(* name their chain, damaged journals whose votes count only where a whole *)
(* log covers them, lost-disk recovery with incarnations, and checkpoints  *)
(* with state sync.  docs/PROTOCOL.md describes the protocol; each action  *)
(* below names the class and method of vsr-core it models.                 *)
(*                                                                         *)
(* Abstractions (docs/PROTOCOL.md, "The model", says why each is sound):   *)
(*  - An entry is the view that prepared it.  One primary prepares each op *)
(*    of its view once (a restarted primary never leads its view again),   *)
(*    so (op, view) names an entry and, like the code's hash chain, the    *)
(*    whole prefix below it.  ChainNamesPrefix checks that assumption.     *)
(*  - Messages live in one set that only grows: any message may be lost,   *)
(*    duplicated, reordered or delivered late.                             *)
(*  - Prepare writes complete asynchronously, one op at a time (WriteDone).*)
(*    A state write (views, log changes, damage, incarnations) is durable  *)
(*    when issued: nothing that depends on it leaves a replica before it   *)
(*    completes, so a crash before completion is a crash before the step.  *)
(*  - Requests and client tables are not modelled: the primary prepares    *)
(*    an entry whenever its pipeline has room.  Execution is commitMax.    *)
(*  - State transfer answers carry the whole rest of the log (no op limit) *)
(*    and a state sync installs a checkpoint in one step.                  *)
(*  - Logs keep the entries below a checkpoint for the invariants; a      *)
(*    replica neither serves nor compares them (anchor).                   *)
(*  - Not modelled: a restart that finds its checkpoint's file lost       *)
(*    (Checkpoints.restoreLost), and the durability of incarnations        *)
(*    learned from others: a restart keeps what the replica knew.          *)
(***************************************************************************)
EXTENDS Naturals, Integers, Sequences, FiniteSets, TLC

CONSTANTS
    N,              \* replicas 0..N-1
    P,              \* pipelinePrepareCountMax
    MaxView,        \* views 0..MaxView
    MaxOp,          \* ops 1..MaxOp
    MaxCrash,       \* restarts from an intact journal
    MaxDamage,      \* restarts from a damaged journal
    MaxLost,        \* lost disks (recovery with incarnations)
    CheckpointEvery,\* checkpointIntervalOps; 0: no checkpoints
    Mutant,         \* "none", or the planted bug of a mutant (ViewstampModelTest)
    MaxSteps        \* behaviours of at most this many steps (StepBound; 0: unbounded)

ASSUME N \in Nat /\ N >= 1 /\ P \in Nat /\ P >= 1
ASSUME MaxView \in Nat /\ MaxOp \in Nat /\ CheckpointEvery \in Nat

R == 0 .. N - 1
F == (N - 1) \div 2
Quorum == F + 1
PrimaryOf(v) == v % N
Root == -1            \* the entry at op 0, the same in every log
NoClaim == [op |-> 0, proofOp |-> 0, proofE |-> Root]
\* A damaged journal's chain being repaired: its ops up to head (jl, known by the redundant headers) and
\* the ops whose bodies were lost.
NoRepair == [head |-> -1, jl |-> <<>>, lost |-> {}]
NoVote == [type |-> "NoVote"]
AnyE == -2          \* mutant trustHead: a claim that names no entry
Whole == -1           \* damagedOpMax of a whole log
DamagedAll == MaxOp + 1
NoCatchUp == -1

Max(a, b) == IF a > b THEN a ELSE b
Min(a, b) == IF a < b THEN a ELSE b
MaxSet(S) == CHOOSE x \in S : \A y \in S : y <= x
MinSet(S) == CHOOSE x \in S : \A y \in S : x <= y

VARIABLES
    status,         \* "normal" | "viewchange" | "recovering"
    view, logView,
    log,            \* Seq of entries (the view that prepared each op)
    anchor,         \* the durable checkpoint's op: the log starts after it
    commitMax,      \* highest op of this log known committed (executed too)
    claim,          \* a commit claim about a chain not held yet
    opDurable,      \* log[1..opDurable] is durable in the journal
    damaged,        \* Whole, or the highest op this replica may have acknowledged and lost
    repair,         \* the damaged journal's chain being filled from peers
    catchUp,        \* the view this replica catches up to, or NoCatchUp
    acked,          \* primary: acked[r][q], q's acknowledged op
    svcFrom,        \* StartViewChange votes for the current view
    dvcFrom,        \* primary-elect: the DoViewChange per sender, or NoVote
    dvcSent,
    cv,             \* crash vector: cv[r][q], the incarnation r knows of q
    nonce,          \* the process's request nonce (fresh at each start)
    dView, dLogView,\* durable views (superblock)
    dCommit,        \* durable commit claim: [op, e]
    dDamaged,       \* durable damage
    msgs,
    \* Ghost state for the invariants and the fault budgets.
    committed,      \* {[n, e, v]}: op n committed with entry e by the primary of view v
    startLog,       \* startLog[v]: the log the primary of v started its view with
    incarnation,    \* the true incarnation of each replica
    nonces,         \* nonces handed out so far
    crashes, damages, losts

replicaVars == <<status, view, logView, log, anchor, commitMax, claim, opDurable, damaged,
                 repair, catchUp, acked, svcFrom, dvcFrom, dvcSent, cv, nonce>>
durableVars == <<dView, dLogView, dCommit, dDamaged>>
ghostVars == <<committed, startLog, incarnation, nonces, crashes, damages, losts>>
vars == <<replicaVars, durableVars, msgs, ghostVars>>

-----------------------------------------------------------------------------
(* Logs. *)

At(l, n) == IF n = 0 THEN Root ELSE l[n]
Op(r) == Len(log[r])
\* OpLog.holds: an entry this replica can compare (at or above its anchor).
Holds(r, l, n, e) == n >= anchor[r] /\ n <= Len(l) /\ At(l, n) = e
Slice(l, a, b) == SubSeq(l, a + 1, b)          \* ops a+1..b
\* ProtocolState.opCommittedKnown: fact 2, a pipeline below the last op is committed.
OpCommittedKnown(r) == Max(commitMax[r], Max(0, Op(r) - P))
\* Output.ReplicaState: every state write carries the commit number and its entry (the durable commit claim).
CommitNow(r) == [op |-> commitMax[r], e |-> At(log[r], commitMax[r])]
IsPrimary(r) == PrimaryOf(view[r]) = r
\* ProtocolState.normalDurable
NormalDurable(r) == dLogView[r] >= view[r]
CatchingUpToNewerView(r) == catchUp[r] > view[r]
Damaged(r) == damaged[r] # Whole
\* ProtocolState.servesItsView
ServesItsView(r) == status[r] = "normal" /\ NormalDurable(r) /\ ~CatchingUpToNewerView(r) /\ ~Damaged(r)

\* ProtocolState.keepsCommitted: replacing our log after a with suffix keeps every entry up to commitMax.
KeepsCommitted(r, a, suffix) ==
    /\ a + Len(suffix) >= commitMax[r]
    /\ \A i \in 1 .. Len(suffix) :
          (a + i <= commitMax[r] /\ a + i >= anchor[r]) => log[r][a + i] = suffix[i]

\* ProtocolState.place: where a message's suffix lies on our (perhaps compacted) log; [ok |-> FALSE] when we lack its anchor.
Place(r, a, ae, suffix) ==
    LET ours == anchor[r] IN
    IF Holds(r, log[r], a, ae) THEN [ok |-> TRUE, a |-> a, suffix |-> suffix]
    ELSE IF a >= ours THEN [ok |-> FALSE, a |-> a, suffix |-> suffix]
    ELSE IF a + Len(suffix) < ours THEN [ok |-> TRUE, a |-> a, suffix |-> suffix]
    ELSE IF suffix[ours - a] # At(log[r], ours) THEN [ok |-> TRUE, a |-> a, suffix |-> suffix]
    ELSE [ok |-> TRUE, a |-> ours, suffix |-> SubSeq(suffix, ours - a + 1, Len(suffix))]

ReplaceAfter(l, a, suffix) == SubSeq(l, 1, a) \o suffix

\* ProtocolState.learnCommit with proveCommitClaim: a claim counts only where this log holds its proof.
\* Mutant trustHead (issue 7, bug 3): a claim named by no entry (AnyE), a bare commit number that raises commitMax
\* as far as the log reaches, whatever chain the log holds.
ClaimHolds(r, l, c) == Holds(r, l, c.proofOp, c.proofE)
Bare(l, cm, c) ==
    [cm |-> Max(cm, Min(c.op, Len(l))), claim |-> IF c.op > Len(l) THEN c ELSE NoClaim]
LearnCommit(r, l, cm, cl, op, proofOp, proofE) ==
    LET c == [op |-> op, proofOp |-> proofOp, proofE |-> proofE] IN
    IF op <= cm \/ op > proofOp THEN [cm |-> cm, claim |-> cl]
    ELSE IF proofE = AnyE THEN Bare(l, cm, c)
    ELSE IF ClaimHolds(r, l, c) THEN [cm |-> op, claim |-> cl]
    ELSE IF op > cl.op THEN [cm |-> cm, claim |-> c]
    ELSE [cm |-> cm, claim |-> cl]
ProveClaim(r, l, cm, cl) ==
    IF cl.op <= cm THEN [cm |-> cm, claim |-> NoClaim]
    ELSE IF cl.proofE = AnyE THEN Bare(l, cm, cl)
    ELSE IF ClaimHolds(r, l, cl) THEN [cm |-> cl.op, claim |-> NoClaim]
    ELSE [cm |-> cm, claim |-> cl]
\* learnCommit then executeCommitted (whose first step proves the pending claim).
Learn(r, l, cm, cl, op, proofOp, proofE) ==
    LET k == LearnCommit(r, l, cm, cl, op, proofOp, proofE) IN ProveClaim(r, l, k.cm, k.claim)

\* StateTransfer.mergeEntries: install entries after fromOp that fit; never cut an entry at or below commitMax.
FirstDiff(l, f, es) ==
    CHOOSE i \in 1 .. Len(es) + 1 :
        /\ \A j \in 1 .. i - 1 : f + j <= Len(l) /\ l[f + j] = es[j]
        /\ (i = Len(es) + 1 \/ f + i > Len(l) \/ l[f + i] # es[i])
Merge(l, cm, f, es) ==
    LET i == FirstDiff(l, f, es) IN
    IF i = Len(es) + 1 THEN [log |-> l, changed |-> FALSE]
    ELSE IF f + i <= Len(l) /\ f + i <= cm THEN [log |-> l, changed |-> FALSE]
    ELSE [log |-> SubSeq(l, 1, f + i - 1) \o SubSeq(es, i, Len(es)), changed |-> TRUE]

-----------------------------------------------------------------------------
(* Messages. *)

PrepareMsgs == {m \in msgs : m.type = "Prepare"}
\* The messages a replica may receive. Trace validation (ViewstampTrace.tla) widens it by the messages that
\* send-only actions could have sent (ResendableMsgs), instead of exploring each subset of those sends.
Pool == msgs
Send(m) == msgs' = msgs \cup {m}
SendAll(S) == msgs' = msgs \cup S

PrepareOkMsg(r, n) ==
    [type |-> "PrepareOk", v |-> view[r], src |-> r, n |-> n, inc |-> cv[r][r], e |-> log[r][n]]

\* NormalOperation.sendPrepareOk: the conditions under which an acknowledgement goes out.
CanAck(r, st, v, dl, dmg, cu, n) ==
    st = "normal" /\ PrimaryOf(v) # r /\ dl >= v /\ n > 0 /\ dmg = Whole /\ ~(cu > v)

\* ViewChange.doViewChange: a damaged log votes without its log (unless mutant damagedWhole).
DoViewChangeMsg(r, v) ==
    IF Damaged(r) /\ Mutant # "damagedWhole"
    THEN [type |-> "DoViewChange", v |-> v, src |-> r, inc |-> cv[r][r], logView |-> logView[r],
          op |-> Op(r), a |-> anchor[r], ae |-> At(log[r], anchor[r]), suffix |-> <<>>,
          damaged |-> damaged[r], glog |-> log[r]]
    ELSE LET a == OpCommittedKnown(r) IN
         [type |-> "DoViewChange", v |-> v, src |-> r, inc |-> cv[r][r], logView |-> logView[r],
          op |-> Op(r), a |-> a, ae |-> At(log[r], a), suffix |-> Slice(log[r], a, Op(r)),
          damaged |-> Whole, glog |-> log[r]]

\* ViewChange.startView
StartViewMsg(r, l, cm) ==
    LET a == Max(cm, Max(0, Len(l) - P)) IN
    [type |-> "StartView", v |-> view[r], src |-> r, op |-> Len(l), c |-> cm, a |-> a,
     ae |-> At(l, a), suffix |-> Slice(l, a, Len(l))]

\* StateTransfer.requestState: within the view, after our last op; else after what we know committed.
GetStateMsg(r, st, v, target, l, cm) ==
    LET fromOp == IF st = "normal" /\ target = v THEN Len(l) ELSE Max(cm, Max(0, Len(l) - P)) IN
    [type |-> "GetState", v |-> target, src |-> r, fromOp |-> fromOp, nonce |-> nonce[r]]

-----------------------------------------------------------------------------
(* Initial state: a formatted cluster in view 0. *)

Init ==
    /\ status = [r \in R |-> "normal"]
    /\ view = [r \in R |-> 0]
    /\ logView = [r \in R |-> 0]
    /\ log = [r \in R |-> <<>>]
    /\ anchor = [r \in R |-> 0]
    /\ commitMax = [r \in R |-> 0]
    /\ claim = [r \in R |-> NoClaim]
    /\ opDurable = [r \in R |-> 0]
    /\ damaged = [r \in R |-> Whole]
    /\ repair = [r \in R |-> NoRepair]
    /\ catchUp = [r \in R |-> NoCatchUp]
    /\ acked = [r \in R |-> [q \in R |-> 0]]
    /\ svcFrom = [r \in R |-> {}]
    /\ dvcFrom = [r \in R |-> [q \in R |-> NoVote]]
    /\ dvcSent = [r \in R |-> FALSE]
    /\ cv = [r \in R |-> [q \in R |-> 0]]
    /\ nonce = [r \in R |-> r]
    /\ dView = [r \in R |-> 0]
    /\ dLogView = [r \in R |-> 0]
    /\ dCommit = [r \in R |-> [op |-> 0, e |-> Root]]
    /\ dDamaged = [r \in R |-> Whole]
    /\ msgs = {}
    /\ committed = {}
    /\ startLog = [v \in {0} |-> <<>>]
    /\ incarnation = [r \in R |-> 0]
    /\ nonces = N
    /\ crashes = 0
    /\ damages = 0
    /\ losts = 0

-----------------------------------------------------------------------------
(* Normal operation (VRR 4.1): NormalOperation. *)

\* NormalOperation.primaryPrepareQueued: a request arrived and the pipeline has room.
Prepare(r) ==
    /\ status[r] = "normal" /\ IsPrimary(r) /\ NormalDurable(r) /\ ~CatchingUpToNewerView(r)
    /\ Op(r) - commitMax[r] < P
    /\ Op(r) < MaxOp
    /\ log' = [log EXCEPT ![r] = Append(@, view[r])]
    /\ Send([type |-> "Prepare", v |-> view[r], src |-> r, n |-> Op(r) + 1, e |-> view[r],
             pe |-> At(log[r], Op(r))])
    /\ UNCHANGED <<status, view, logView, anchor, commitMax, claim, opDurable, damaged, repair, catchUp,
                   acked, svcFrom, dvcFrom, dvcSent, cv, nonce, durableVars, ghostVars>>

\* NormalOperation.onPrepareTimeout: resend the entries a pipeline below the last op.
RetransmitMsgs(r) ==
    IF status[r] = "normal" /\ IsPrimary(r) /\ NormalDurable(r) /\ ~CatchingUpToNewerView(r)
    THEN {[type |-> "Prepare", v |-> view[r], src |-> r, n |-> n, e |-> log[r][n], pe |-> At(log[r], n - 1)] :
          n \in Max(Op(r) - P, anchor[r]) + 1 .. Op(r)}
    ELSE {}
RetransmitPrepare(r) ==
    /\ \E m \in RetransmitMsgs(r) : Send(m)
    /\ UNCHANGED <<replicaVars, durableVars, ghostVars>>

\* StateTransfer.startCatchUp (with requestState when it starts or moves to a newer view).
CatchUpTo(r, target, st, l, cm) ==
    IF target < catchUp[r] THEN [cu |-> catchUp[r], msgs |-> {}]
    ELSE IF catchUp[r] = NoCatchUp \/ target > catchUp[r]
         THEN [cu |-> target, msgs |-> {}]
         ELSE [cu |-> catchUp[r], msgs |-> {}]

\* VRR 5.2 as published (mutant truncate): cut the log to the commit number and adopt the newer view.
TruncateToNewerView(r, m) ==
    /\ Mutant = "truncate"
    /\ (m.v > view[r] \/ (m.v = view[r] /\ status[r] = "viewchange"))
    /\ PrimaryOf(m.v) # r
    /\ LET l == SubSeq(log[r], 1, commitMax[r]) IN
       /\ log' = [log EXCEPT ![r] = l]
       /\ status' = [status EXCEPT ![r] = "normal"]
       /\ view' = [view EXCEPT ![r] = m.v]
       /\ logView' = [logView EXCEPT ![r] = m.v]
       /\ opDurable' = [opDurable EXCEPT ![r] = Len(l)]
       /\ damaged' = [damaged EXCEPT ![r] = IF m.v > logView[r] THEN Whole ELSE @]
       /\ repair' = [repair EXCEPT ![r] = NoRepair]
       /\ svcFrom' = [svcFrom EXCEPT ![r] = {}]
       /\ dvcFrom' = [dvcFrom EXCEPT ![r] = [q \in R |-> NoVote]]
       /\ dvcSent' = [dvcSent EXCEPT ![r] = FALSE]
       /\ catchUp' = [catchUp EXCEPT ![r] = m.v]
       /\ dView' = [dView EXCEPT ![r] = m.v]
       /\ dLogView' = [dLogView EXCEPT ![r] = m.v]
       /\ dCommit' = [dCommit EXCEPT ![r] = [op |-> commitMax[r], e |-> At(l, commitMax[r])]]
       /\ dDamaged' = [dDamaged EXCEPT ![r] = damaged'[r]]
       /\ Send([type |-> "GetState", v |-> m.v, src |-> r, fromOp |-> Len(l), nonce |-> nonce[r]])
       /\ UNCHANGED <<anchor, commitMax, claim, acked, cv, nonce, ghostVars>>

\* NormalOperation.catchUpIfNewerView: a Prepare or Commit of a newer view (or of ours during a view change).
CatchUpOnNewerView(r, m) ==
    /\ m.v > view[r] \/ status[r] = "viewchange"
    /\ IF Mutant = "truncate" /\ PrimaryOf(m.v) # r
       THEN TruncateToNewerView(r, m)
       ELSE LET c == CatchUpTo(r, m.v, status[r], log[r], commitMax[r]) IN
            /\ catchUp' = [catchUp EXCEPT ![r] = c.cu]
            /\ SendAll(c.msgs)
            /\ UNCHANGED <<status, view, logView, log, anchor, commitMax, claim, opDurable, damaged, repair,
                           acked, svcFrom, dvcFrom, dvcSent, cv, nonce, durableVars, ghostVars>>

\* NormalOperation.onPrepare and appendOrAcknowledge.
OnPrepare(r, m) ==
    /\ m.type = "Prepare" /\ status[r] # "recovering"
    /\ m.v >= view[r] /\ m.src # r
    /\ ~(m.v = view[r] /\ CatchingUpToNewerView(r))
    /\ IF m.v > view[r] \/ status[r] = "viewchange" THEN CatchUpOnNewerView(r, m)
       ELSE
       \* A normal backup of the prepare's view.
       LET n == m.n
           held == n <= Op(r)
           conflict == held /\ n >= anchor[r] /\ log[r][n] # m.e
           append == ~Damaged(r) /\ n = Op(r) + 1 /\ At(log[r], n - 1) = m.pe
           gap == ~Damaged(r) /\ n > Op(r) /\ ~append
           l == IF append THEN Append(log[r], m.e) ELSE log[r]
           k == ProveClaim(r, l, commitMax[r], claim[r])
           ackOp == Min(opDurable[r], n)
           ack == ~Damaged(r) /\ held /\ ~conflict /\ n >= anchor[r]
                  /\ CanAck(r, status[r], view[r], dLogView[r], damaged[r], catchUp[r], ackOp)
           \* Mutant ackBeforeDurable: the appended entry is acknowledged before its write completes.
           early == Mutant = "ackBeforeDurable" /\ append
                    /\ CanAck(r, status[r], view[r], dLogView[r], damaged[r], catchUp[r], n)
           c == IF gap THEN CatchUpTo(r, view[r], status[r], log[r], commitMax[r])
                ELSE [cu |-> catchUp[r], msgs |-> {}]
       IN
       /\ ~(~Damaged(r) /\ (n < anchor[r] \/ conflict))   \* ignored: no change
       /\ log' = [log EXCEPT ![r] = l]
       /\ commitMax' = [commitMax EXCEPT ![r] = k.cm]
       /\ claim' = [claim EXCEPT ![r] = k.claim]
       /\ catchUp' = [catchUp EXCEPT ![r] = c.cu]
       /\ SendAll(c.msgs \cup (IF ack THEN {PrepareOkMsg(r, ackOp)} ELSE {})
                 \cup (IF early THEN {[type |-> "PrepareOk", v |-> view[r], src |-> r, n |-> n, inc |-> cv[r][r], e |-> m.e]} ELSE {}))
       /\ UNCHANGED <<status, view, logView, anchor, opDurable, damaged, repair, acked, svcFrom, dvcFrom,
                      dvcSent, cv, nonce, durableVars, ghostVars>>

\* The acknowledgements OnPrepare sends, changing nothing else, for prepares (among S) of a normal backup's view
\* whose entries it holds: retransmissions. Trace validation takes them as sent at once (ViewstampTrace.tla).
HeldAcks(r, S) ==
    IF status[r] = "normal" /\ ~CatchingUpToNewerView(r) /\ ~Damaged(r)
       /\ ProveClaim(r, log[r], commitMax[r], claim[r]) = [cm |-> commitMax[r], claim |-> claim[r]]
    THEN {PrepareOkMsg(r, Min(opDurable[r], m.n)) :
            m \in {m \in S : m.type = "Prepare" /\ m.v = view[r] /\ m.src # r /\ m.n >= anchor[r] /\ m.n <= Op(r)
                             /\ log[r][m.n] = m.e
                             /\ CanAck(r, status[r], view[r], dLogView[r], damaged[r], catchUp[r], Min(opDurable[r], m.n))}}
    ELSE {}

\* NormalOperation.primaryCommit: the (f+1)-th highest durable acknowledgement is committed.
QuorumOp(r, ack) ==
    LET q == IF Mutant = "fAcks" THEN Max(1, Quorum - 1) ELSE Quorum IN
    MaxSet({n \in 0 .. Op(r) : Cardinality({x \in R : ack[x] >= n}) >= q})
CommitAsPrimary(r, ack) ==
    LET a == [ack EXCEPT ![r] = opDurable[r]]
        qop == QuorumOp(r, a)
        new == Max(commitMax[r], qop)
    IN
    /\ acked' = [acked EXCEPT ![r] = a]
    /\ commitMax' = [commitMax EXCEPT ![r] = new]
    /\ committed' = committed \cup {[n |-> n, e |-> log[r][n], v |-> view[r]] : n \in commitMax[r] + 1 .. new}

PrimaryCanCommit(r) ==
    status[r] = "normal" /\ IsPrimary(r) /\ NormalDurable(r) /\ ~CatchingUpToNewerView(r)

\* NormalOperation.onPrepareOk (with Incarnations.staleIncarnation).
OnPrepareOk(r, m) ==
    /\ m.type = "PrepareOk" /\ status[r] = "normal"
    /\ m.inc >= cv[r][m.src]
    /\ m.v = view[r] /\ IsPrimary(r) /\ m.src # r
    /\ LET ack0 == IF m.inc > cv[r][m.src] THEN [acked[r] EXCEPT ![m.src] = 0] ELSE acked[r]
           ack == [ack0 EXCEPT ![m.src] = Max(@, Min(m.n, Op(r)))]
       IN
       /\ cv' = [cv EXCEPT ![r][m.src] = Max(@, m.inc)]
       /\ svcFrom' = [svcFrom EXCEPT ![r] = IF m.inc > cv[r][m.src] THEN @ \ {m.src} ELSE @]
       /\ dvcFrom' = [dvcFrom EXCEPT ![r][m.src] = IF m.inc > cv[r][m.src] THEN NoVote ELSE @]
       /\ IF PrimaryCanCommit(r) THEN CommitAsPrimary(r, ack)
          ELSE /\ acked' = [acked EXCEPT ![r] = ack] /\ UNCHANGED <<commitMax, committed>>
    /\ UNCHANGED <<status, view, logView, log, anchor, claim, opDurable, damaged, repair, catchUp,
                   dvcSent, nonce, durableVars, msgs, startLog, incarnation, nonces, crashes, damages, losts>>

\* A prepare write completed (Replica.onPrepareDurable, afterDurable): a backup acknowledges, a primary commits.
WriteDone(r) ==
    /\ status[r] # "recovering"
    /\ opDurable[r] < Op(r)
    /\ opDurable' = [opDurable EXCEPT ![r] = @ + 1]
    /\ IF status[r] = "normal" /\ IsPrimary(r)
       THEN /\ IF PrimaryCanCommit(r)
               THEN LET a == [acked[r] EXCEPT ![r] = opDurable'[r]]
                        qop == QuorumOp(r, a)
                        new == Max(commitMax[r], qop)
                    IN /\ acked' = [acked EXCEPT ![r] = a]
                       /\ commitMax' = [commitMax EXCEPT ![r] = new]
                       /\ committed' = committed \cup
                             {[n |-> n, e |-> log[r][n], v |-> view[r]] : n \in commitMax[r] + 1 .. new}
               ELSE UNCHANGED <<acked, commitMax, committed>>
            /\ UNCHANGED msgs
       ELSE /\ IF CanAck(r, status[r], view[r], dLogView[r], damaged[r], catchUp[r], opDurable'[r])
               THEN Send(PrepareOkMsg(r, opDurable[r] + 1))
               ELSE UNCHANGED msgs
            /\ UNCHANGED <<acked, commitMax, committed>>
    /\ UNCHANGED <<status, view, logView, log, anchor, claim, damaged, repair, catchUp, svcFrom, dvcFrom,
                   dvcSent, cv, nonce, durableVars, startLog, incarnation, nonces, crashes, damages, losts>>

\* NormalOperation.onCommitTimeout: the heartbeat with the commit number and its entry.
CommitMsgs(r) ==
    IF status[r] = "normal" /\ IsPrimary(r) /\ NormalDurable(r) /\ ~CatchingUpToNewerView(r)
    THEN {[type |-> "Commit", v |-> view[r], src |-> r, c |-> commitMax[r], ce |-> At(log[r], commitMax[r])]}
    ELSE {}
SendCommit(r) ==
    /\ \E m \in CommitMsgs(r) : Send(m)
    /\ UNCHANGED <<replicaVars, durableVars, ghostVars>>

\* NormalOperation.onCommit
OnCommit(r, m) ==
    /\ m.type = "Commit" /\ status[r] # "recovering"
    /\ m.v >= view[r] /\ m.src # r
    /\ ~(m.v = view[r] /\ CatchingUpToNewerView(r))
    /\ IF m.v > view[r] \/ status[r] = "viewchange" THEN CatchUpOnNewerView(r, m)
       ELSE
       LET differs == m.c <= Op(r) /\ m.c >= anchor[r] /\ At(log[r], m.c) # m.ce
           k == Learn(r, log[r], commitMax[r], claim[r], m.c, m.c, m.ce)
           c == IF ~Damaged(r) /\ m.c > Op(r) THEN CatchUpTo(r, view[r], status[r], log[r], commitMax[r])
                ELSE [cu |-> catchUp[r], msgs |-> {}]
       IN
       /\ ~(~Damaged(r) /\ differs)
       /\ commitMax' = [commitMax EXCEPT ![r] = k.cm]
       /\ claim' = [claim EXCEPT ![r] = k.claim]
       /\ catchUp' = [catchUp EXCEPT ![r] = c.cu]
       /\ SendAll(c.msgs)
       /\ UNCHANGED <<status, view, logView, log, anchor, opDurable, damaged, repair, acked, svcFrom,
                      dvcFrom, dvcSent, cv, nonce, durableVars, ghostVars>>

-----------------------------------------------------------------------------
(* View change (VRR 4.2): ViewChange. *)

SVC(r, v) == [type |-> "StartViewChange", v |-> v, src |-> r, inc |-> cv[r][r]]

\* ViewChange.transitionToViewChange: votes, acknowledgements and catch-up of older views go, and the view
\* is persisted (unless a repair holds it back: JournalRepair); once durable, StartViewChange goes out.
EnterViewChange(r, v) ==
    /\ status' = [status EXCEPT ![r] = "viewchange"]
    /\ view' = [view EXCEPT ![r] = v]
    /\ svcFrom' = [svcFrom EXCEPT ![r] = {}]
    /\ dvcFrom' = [dvcFrom EXCEPT ![r] = [q \in R |-> NoVote]]
    /\ dvcSent' = [dvcSent EXCEPT ![r] = FALSE]
    /\ acked' = [acked EXCEPT ![r] = [q \in R |-> 0]]
    /\ catchUp' = [catchUp EXCEPT ![r] = IF @ <= v THEN NoCatchUp ELSE @]
    /\ dView' = [dView EXCEPT ![r] = IF repair[r] = NoRepair THEN v ELSE @]

\* ViewChange.onNormalTimeout and onViewChangeTimeout: try the next view.
Timeout(r) ==
    /\ \/ status[r] = "normal" /\ ~IsPrimary(r)
       \/ status[r] = "viewchange"
    /\ view[r] < MaxView
    /\ EnterViewChange(r, view[r] + 1)
    \* Writes complete in issue order: a completed state write means every earlier prepare write completed.
    /\ opDurable' = [opDurable EXCEPT ![r] = IF repair[r] = NoRepair THEN Op(r) ELSE @]
    /\ dCommit' = [dCommit EXCEPT ![r] = IF repair[r] = NoRepair THEN CommitNow(r) ELSE @]
    /\ IF repair[r] = NoRepair THEN Send(SVC(r, view[r] + 1)) ELSE UNCHANGED msgs
    /\ UNCHANGED <<logView, log, anchor, commitMax, claim, damaged, repair, cv, nonce,
                   dLogView, dDamaged, ghostVars>>

\* Replica.tick: a view moved in memory (restart as primary, or during a repair) is persisted.
PersistView(r) ==
    /\ status[r] # "recovering"
    /\ dView[r] < view[r] /\ repair[r] = NoRepair
    /\ dView' = [dView EXCEPT ![r] = view[r]]
    /\ dCommit' = [dCommit EXCEPT ![r] = CommitNow(r)]
    /\ opDurable' = [opDurable EXCEPT ![r] = Op(r)]
    /\ UNCHANGED <<status, view, logView, log, anchor, commitMax, claim, damaged, repair, catchUp, acked,
                   svcFrom, dvcFrom, dvcSent, cv, nonce, dLogView, dDamaged, msgs, ghostVars>>

\* ViewChange.sendDoViewChangeIfReady after f votes from others, and at the primary-elect its own vote
\* once another's DoViewChange arrived (onDoViewChange, afterViewDurable): the updates to dvcFrom, dvcSent
\* and the messages, given the votes svc and dvc as they are after the step.
VoteIfReady(r, v, durable, svc, dvc, sent) ==
    LET ready == durable /\ ~sent /\ Cardinality(svc \ {r}) >= F
        primary == PrimaryOf(v) = r
        ownToo == primary /\ durable /\ dvc[r] = NoVote /\ (ready \/ \E q \in R \ {r} : dvc[q] # NoVote)
    IN
    IF primary
    THEN [dvc |-> IF ownToo THEN [dvc EXCEPT ![r] = DoViewChangeMsg(r, v)] ELSE dvc,
          sent |-> sent \/ ownToo, msgs |-> {}]
    ELSE [dvc |-> dvc, sent |-> sent \/ ready, msgs |-> IF ready THEN {DoViewChangeMsg(r, v)} ELSE {}]

\* ViewChange.afterViewDurable: a view that became durable later (PersistView, a repair's end) is announced.
AfterViewDurable(r) ==
    /\ status[r] = "viewchange" /\ dView[r] >= view[r]
    /\ SVC(r, view[r]) \notin Pool
    /\ LET vote == VoteIfReady(r, view[r], TRUE, svcFrom[r], dvcFrom[r], dvcSent[r]) IN
       /\ dvcFrom' = [dvcFrom EXCEPT ![r] = vote.dvc]
       /\ dvcSent' = [dvcSent EXCEPT ![r] = vote.sent]
       /\ SendAll({SVC(r, view[r])} \cup vote.msgs)
    /\ UNCHANGED <<status, view, logView, log, anchor, commitMax, claim, opDurable, damaged, repair,
                   catchUp, acked, svcFrom, cv, nonce, durableVars, ghostVars>>

\* The StartViewChange AfterViewDurable sends when it changes nothing else (no vote is ready).
DurableSvcs(r) ==
    IF status[r] = "viewchange" /\ dView[r] >= view[r]
       /\ VoteIfReady(r, view[r], TRUE, svcFrom[r], dvcFrom[r], dvcSent[r]) = [dvc |-> dvcFrom[r], sent |-> dvcSent[r], msgs |-> {}]
    THEN {SVC(r, view[r])}
    ELSE {}

\* ViewChange.onViewChangeRetransmitTimeout: a backup's DoViewChange again, rebuilt from its log as it is now.
ResendDvcMsgs(r) ==
    IF status[r] = "viewchange" /\ dvcSent[r] /\ ~IsPrimary(r) THEN {DoViewChangeMsg(r, view[r])} ELSE {}
ResendDoViewChange(r) ==
    /\ \E m \in ResendDvcMsgs(r) : m \notin msgs /\ Send(m)
    /\ UNCHANGED <<replicaVars, durableVars, ghostVars>>

\* Incarnations.staleIncarnation for a vote: one from an older incarnation is discarded.
FreshVote(r, m) == m.inc >= cv[r][m.src]

\* A vote (StartViewChange or DoViewChange) of a higher view makes its receiver enter that view's change
\* (transitionToViewChange, the view persisted unless a repair holds it back); a vote of its own view only
\* makes it forget what an older incarnation of the sender acknowledged.
VoteInView(r, m, higher, fresh, durable) ==
    IF higher
    THEN /\ status' = [status EXCEPT ![r] = "viewchange"]
         /\ view' = [view EXCEPT ![r] = m.v]
         /\ acked' = [acked EXCEPT ![r] = [q \in R |-> 0]]
         /\ catchUp' = [catchUp EXCEPT ![r] = IF @ <= m.v THEN NoCatchUp ELSE @]
         /\ dView' = [dView EXCEPT ![r] = IF durable THEN m.v ELSE @]
         /\ dCommit' = [dCommit EXCEPT ![r] = IF durable THEN CommitNow(r) ELSE @]
         /\ opDurable' = [opDurable EXCEPT ![r] = IF durable THEN Op(r) ELSE @]
    ELSE /\ acked' = [acked EXCEPT ![r][m.src] = IF fresh THEN 0 ELSE @]
         /\ UNCHANGED <<status, view, catchUp, dView, dCommit, opDurable>>

\* ViewChange.onStartViewChange: a higher view is entered; a vote counts only for the current view.
OnStartViewChange(r, m) ==
    /\ m.type = "StartViewChange" /\ status[r] # "recovering"
    /\ FreshVote(r, m)
    /\ m.src # r /\ m.v >= view[r]
    /\ ~(m.v = view[r] /\ status[r] = "normal")
    /\ cv' = [cv EXCEPT ![r][m.src] = Max(@, m.inc)]
    /\ LET fresh == m.inc > cv[r][m.src]
           higher == m.v > view[r]
           durable == IF higher THEN repair[r] = NoRepair ELSE dView[r] >= view[r]
           svc == IF higher THEN {m.src} ELSE svcFrom[r] \cup {m.src}
           dvc0 == IF higher THEN [q \in R |-> NoVote] ELSE [dvcFrom[r] EXCEPT ![m.src] = IF fresh THEN NoVote ELSE @]
           vote == VoteIfReady(r, m.v, durable, svc, dvc0, IF higher THEN FALSE ELSE dvcSent[r])
       IN
       /\ VoteInView(r, m, higher, fresh, durable)
       /\ svcFrom' = [svcFrom EXCEPT ![r] = svc]
       /\ dvcFrom' = [dvcFrom EXCEPT ![r] = vote.dvc]
       /\ dvcSent' = [dvcSent EXCEPT ![r] = vote.sent]
       /\ SendAll(vote.msgs \cup (IF higher /\ durable THEN {SVC(r, m.v)} ELSE {}))
    /\ UNCHANGED <<logView, log, anchor, commitMax, claim, damaged, repair, nonce,
                   dLogView, dDamaged, ghostVars>>

\* ViewChange.onDoViewChange: the primary-elect keeps the latest DoViewChange per sender, and adds its own.
OnDoViewChange(r, m) ==
    /\ m.type = "DoViewChange" /\ status[r] # "recovering"
    /\ FreshVote(r, m)
    /\ m.v >= view[r] /\ PrimaryOf(m.v) = r /\ m.src # r
    /\ ~(m.v = view[r] /\ status[r] = "normal")
    /\ cv' = [cv EXCEPT ![r][m.src] = Max(@, m.inc)]
    /\ LET fresh == m.inc > cv[r][m.src]
           higher == m.v > view[r]
           durable == IF higher THEN repair[r] = NoRepair ELSE dView[r] >= view[r]
           svc == IF higher THEN {} ELSE IF fresh THEN svcFrom[r] \ {m.src} ELSE svcFrom[r]
           dvc0 == IF higher THEN [[q \in R |-> NoVote] EXCEPT ![m.src] = m] ELSE [dvcFrom[r] EXCEPT ![m.src] = m]
           vote == VoteIfReady(r, m.v, durable, svc, dvc0, IF higher THEN FALSE ELSE dvcSent[r])
       IN
       /\ VoteInView(r, m, higher, fresh, durable)
       /\ svcFrom' = [svcFrom EXCEPT ![r] = svc]
       /\ dvcFrom' = [dvcFrom EXCEPT ![r] = vote.dvc]
       /\ dvcSent' = [dvcSent EXCEPT ![r] = vote.sent]
       /\ SendAll(vote.msgs \cup (IF higher /\ durable THEN {SVC(r, m.v)} ELSE {}))
    /\ UNCHANGED <<logView, log, anchor, commitMax, claim, damaged, repair, nonce,
                   dLogView, dDamaged, ghostVars>>

\* ViewChange.newer: the greater (logView, op); ties go to the lower replica index.
Better(m1, m2) ==
    \/ m1.logView > m2.logView
    \/ m1.logView = m2.logView /\ m1.op > m2.op
    \/ m1.logView = m2.logView /\ m1.op = m2.op /\ m1.src < m2.src
\* ViewChange.covers: a damaged vote counts only where the chosen whole log covers it.
Covers(w, d) == w.logView > d.logView \/ (w.logView = d.logView /\ w.op >= d.damaged)

Votes(r) == {dvcFrom[r][q] : q \in {q \in R : dvcFrom[r][q] # NoVote}}

\* ViewChange.primaryStartViewIfReady, chosenLog and adoptChosenLog.
StartViewIfReady(r) ==
    /\ status[r] = "viewchange" /\ IsPrimary(r) /\ dvcFrom[r][r] # NoVote
    /\ Cardinality(Votes(r)) >= Quorum
    /\ ~CatchingUpToNewerView(r)
    /\ LET wholes == {m \in Votes(r) : m.damaged = Whole}
       IN
       /\ wholes # {}
       /\ LET best == CHOOSE m \in wholes : \A o \in wholes \ {m} : Better(m, o)
              counted == {m \in Votes(r) : m.damaged = Whole \/ Covers(best, m)}
              placed == Place(r, best.a, best.ae, best.suffix)
          IN
          /\ Cardinality(counted) >= Quorum
          /\ IF ~placed.ok
             THEN \* Lacks committed entries below the chosen suffix: fetch them first.
                  LET c == CatchUpTo(r, view[r], status[r], log[r], commitMax[r]) IN
                  /\ c.cu # catchUp[r]
                  /\ catchUp' = [catchUp EXCEPT ![r] = c.cu]
                  /\ SendAll(c.msgs)
                  /\ UNCHANGED <<status, logView, log, commitMax, claim, opDurable, damaged, repair, acked,
                                 durableVars, committed, startLog, svcFrom, dvcFrom, dvcSent>>
             ELSE
             /\ KeepsCommitted(r, placed.a, placed.suffix)
             /\ LET l == ReplaceAfter(log[r], placed.a, placed.suffix)
                    anchors == {m.a : m \in {m \in Votes(r) : Holds(r, l, m.a, m.ae)}}
                    cm0 == MaxSet({commitMax[r], placed.a} \cup anchors)
                    k == ProveClaim(r, l, cm0, claim[r])
                IN
                /\ log' = [log EXCEPT ![r] = l]
                /\ status' = [status EXCEPT ![r] = "normal"]
                /\ logView' = [logView EXCEPT ![r] = view[r]]
                /\ damaged' = [damaged EXCEPT ![r] = Whole]
                /\ commitMax' = [commitMax EXCEPT ![r] = k.cm]
                /\ claim' = [claim EXCEPT ![r] = k.claim]
                /\ opDurable' = [opDurable EXCEPT ![r] = Len(l)]
                /\ catchUp' = [catchUp EXCEPT ![r] = NoCatchUp]
                /\ acked' = [acked EXCEPT ![r] = [q \in R |-> 0]]
                /\ repair' = [repair EXCEPT ![r] = NoRepair]
                /\ dView' = [dView EXCEPT ![r] = view[r]]
                /\ dLogView' = [dLogView EXCEPT ![r] = view[r]]
                /\ dCommit' = [dCommit EXCEPT ![r] = [op |-> cm0, e |-> At(l, cm0)]]
                /\ dDamaged' = [dDamaged EXCEPT ![r] = Whole]
                /\ Send(StartViewMsg(r, l, k.cm))
                /\ svcFrom' = [svcFrom EXCEPT ![r] = {}]
                /\ dvcFrom' = [dvcFrom EXCEPT ![r] = [q \in R |-> NoVote]]
                /\ dvcSent' = [dvcSent EXCEPT ![r] = FALSE]
                /\ startLog' = [v \in DOMAIN startLog \cup {view[r]} |-> IF v = view[r] THEN l ELSE startLog[v]]
                /\ UNCHANGED committed
    /\ UNCHANGED <<view, anchor, cv, nonce, incarnation, nonces, crashes, damages, losts>>

\* ViewChange.ignoreStartViewChange/ignoreDoViewChange: the primary sends its StartView again.
ResendSvMsgs(r) == IF IsPrimary(r) /\ ServesItsView(r) THEN {StartViewMsg(r, log[r], commitMax[r])} ELSE {}
ResendStartView(r) ==
    /\ \E m \in ResendSvMsgs(r) : Send(m)
    /\ UNCHANGED <<replicaVars, durableVars, ghostVars>>

\* ViewChange.transitionToNormalBackup, after the log was replaced with l (firstChanged ignored: the write is durable).
EnterAsBackup(r, v, l, cm, cl) ==
    /\ status' = [status EXCEPT ![r] = "normal"]
    /\ view' = [view EXCEPT ![r] = v]
    /\ logView' = [logView EXCEPT ![r] = v]
    /\ log' = [log EXCEPT ![r] = l]
    /\ damaged' = [damaged EXCEPT ![r] = IF v > logView[r] THEN Whole ELSE @]
    /\ opDurable' = [opDurable EXCEPT ![r] = Len(l)]
    /\ svcFrom' = [svcFrom EXCEPT ![r] = {}]
    /\ dvcFrom' = [dvcFrom EXCEPT ![r] = [q \in R |-> NoVote]]
    /\ dvcSent' = [dvcSent EXCEPT ![r] = FALSE]
    /\ acked' = [acked EXCEPT ![r] = [q \in R |-> 0]]
    /\ catchUp' = [catchUp EXCEPT ![r] = IF @ <= v THEN NoCatchUp ELSE @]
    /\ repair' = [repair EXCEPT ![r] = NoRepair]
    /\ commitMax' = [commitMax EXCEPT ![r] = cm]
    /\ claim' = [claim EXCEPT ![r] = cl]
    /\ dView' = [dView EXCEPT ![r] = v]
    /\ dLogView' = [dLogView EXCEPT ![r] = v]
    /\ dCommit' = [dCommit EXCEPT ![r] = [op |-> commitMax[r], e |-> At(l, commitMax[r])]]
    /\ dDamaged' = [dDamaged EXCEPT ![r] = damaged'[r]]

\* ViewChange.onStartView
OnStartView(r, m) ==
    /\ m.type = "StartView" /\ status[r] # "recovering"
    /\ m.v >= view[r] /\ ~(m.v = view[r] /\ status[r] = "normal") /\ m.src # r
    /\ LET placed == Place(r, m.a, m.ae, m.suffix) IN
       IF ~placed.ok
       THEN LET c == CatchUpTo(r, m.v, status[r], log[r], commitMax[r]) IN
            /\ c.cu # catchUp[r] \/ c.msgs # {}
            /\ catchUp' = [catchUp EXCEPT ![r] = c.cu]
            /\ SendAll(c.msgs)
            /\ UNCHANGED <<status, view, logView, log, anchor, commitMax, claim, opDurable, damaged, repair,
                           acked, svcFrom, dvcFrom, dvcSent, cv, nonce, durableVars, ghostVars>>
       ELSE
       /\ KeepsCommitted(r, placed.a, placed.suffix)
       /\ LET l == ReplaceAfter(log[r], placed.a, placed.suffix)
              k == Learn(r, l, commitMax[r], claim[r], m.c, placed.a, At(l, placed.a))
              dmg == IF m.v > logView[r] THEN Whole ELSE damaged[r]
          IN
          /\ EnterAsBackup(r, m.v, l, k.cm, k.claim)
          /\ IF CanAck(r, "normal", m.v, m.v, dmg, catchUp'[r], Len(l))
             THEN Send([type |-> "PrepareOk", v |-> m.v, src |-> r, n |-> Len(l), inc |-> cv[r][r], e |-> l[Len(l)]])
             ELSE UNCHANGED msgs
          /\ UNCHANGED <<anchor, cv, nonce, ghostVars>>

-----------------------------------------------------------------------------
(* State transfer (VRR 5.2, without truncation): StateTransfer. *)

\* StateTransfer.onStateTransferTimeout: a catch-up whose target fell behind the view stops.
StopCatchUp(r) ==
    /\ status[r] # "recovering" /\ catchUp[r] # NoCatchUp /\ catchUp[r] < view[r]
    /\ catchUp' = [catchUp EXCEPT ![r] = NoCatchUp]
    /\ UNCHANGED <<status, view, logView, log, anchor, commitMax, claim, opDurable, damaged, repair, acked,
                   svcFrom, dvcFrom, dvcSent, cv, nonce, durableVars, msgs, ghostVars>>

\* StateTransfer.requestState and onGetState: a replica catching up asks (any peer, again and again) for the
\* entries after its last op (within its view) or after what it knows committed; the GetState is built from
\* its state when the peer answers. The answer is what the peer knows committed or, when it serves its view,
\* the whole rest of its log; StateSync.offer when the asked ops were compacted.
StateAnswers(q, r) ==
    IF q # r /\ status[q] # "recovering" /\ status[r] # "recovering"
       /\ catchUp[r] # NoCatchUp /\ catchUp[r] >= view[r]
    THEN LET m == GetStateMsg(r, status[r], view[r], catchUp[r], log[r], commitMax[r])
             known == OpCommittedKnown(q)
             \* What q knows committed. A replica that serves its view answers so too while its last state write is
             \* in flight (the code's normalDurable), which the model, whose state writes are durable at once, cannot
             \* tell apart: it may answer either way.
             committedOnly ==
                 IF known > m.fromOp
                 THEN {[type |-> "NewState", v |-> view[q], src |-> q, dst |-> m.src, op |-> Op(q),
                        committedOp |-> known, fromOp |-> m.fromOp, ae |-> At(log[q], m.fromOp),
                        complete |-> FALSE, entries |-> Slice(log[q], m.fromOp, known), nonce |-> m.nonce]}
                 ELSE {}
         IN
         IF m.fromOp > Op(q) THEN {}
         ELSE IF m.fromOp < anchor[q]
         THEN IF anchor[q] > 0
              THEN {[type |-> "SyncOffer", src |-> q, dst |-> m.src, nonce |-> m.nonce, op |-> anchor[q],
                     prefix |-> SubSeq(log[q], 1, anchor[q])]}
              ELSE {}
         ELSE IF ServesItsView(q)
         THEN {[type |-> "NewState", v |-> view[q], src |-> q, dst |-> m.src, op |-> Op(q),
                committedOp |-> known, fromOp |-> m.fromOp, ae |-> At(log[q], m.fromOp), complete |-> TRUE,
                entries |-> Slice(log[q], m.fromOp, Op(q)), nonce |-> m.nonce]} \cup committedOnly
         ELSE committedOnly
    ELSE {}
OnGetState(q, r) ==
    /\ \E m \in StateAnswers(q, r) : Send(m)
    /\ UNCHANGED <<replicaVars, durableVars, ghostVars>>

\* Every message a send-only action (a retransmission, a heartbeat, an answer to a GetState) could send now.
ResendableMsgs ==
    UNION {RetransmitMsgs(r) \cup CommitMsgs(r) \cup ResendDvcMsgs(r) \cup ResendSvMsgs(r)
           \cup UNION {StateAnswers(q, r) : q \in R} : r \in R}

\* StateTransfer.onNewState, with mergeEntries and JournalRepair.clearDamageIfWholeFromPrimary.
OnNewState(r, m) ==
    /\ m.type = "NewState" /\ m.dst = r /\ status[r] # "recovering"
    /\ ~(status[r] = "normal" /\ catchUp[r] = NoCatchUp)
    /\ ~(status[r] = "normal" /\ catchUp[r] < view[r])
    /\ m.fromOp >= anchor[r] /\ Holds(r, log[r], m.fromOp, m.ae)
    /\ LET sameView == status[r] = "normal" /\ m.v = view[r] /\ catchUp[r] = view[r]
           newerView == m.v > view[r] \/ (m.v = view[r] /\ status[r] = "viewchange")
           lastOp == m.fromOp + Len(m.entries)
           adopt == m.complete /\ newerView /\ PrimaryOf(m.v) # r /\ KeepsCommitted(r, m.fromOp, m.entries)
           committedEs == SubSeq(m.entries, 1, Max(0, Min(Len(m.entries), m.committedOp - m.fromOp)))
       IN
       IF adopt
       THEN LET l == ReplaceAfter(log[r], m.fromOp, m.entries)
                k == Learn(r, l, commitMax[r], claim[r], Min(m.committedOp, lastOp), lastOp, At(l, lastOp))
            IN
            /\ EnterAsBackup(r, m.v, l, k.cm, k.claim)
            /\ LET acks == IF CanAck(r, "normal", m.v, m.v, Whole, catchUp'[r], Len(l))
                           THEN {[type |-> "PrepareOk", v |-> m.v, src |-> r, n |-> Len(l), inc |-> cv[r][r],
                                  e |-> l[Len(l)]]}
                           ELSE {}
               IN SendAll(acks)
            /\ UNCHANGED <<anchor, cv, nonce, ghostVars>>
       ELSE
       LET es2 == IF sameView THEN m.entries ELSE committedEs
           mg == Merge(log[r], commitMax[r], m.fromOp, es2)
           l == mg.log
           k0 == IF sameView
                 THEN LearnCommit(r, l, commitMax[r], claim[r], Min(m.committedOp, lastOp), lastOp,
                                  IF m.entries = <<>> THEN m.ae ELSE m.entries[Len(m.entries)])
                 ELSE IF es2 # <<>>
                      THEN LearnCommit(r, l, commitMax[r], claim[r], m.fromOp + Len(es2), m.fromOp + Len(es2),
                                       es2[Len(es2)])
                      ELSE [cm |-> commitMax[r], claim |-> claim[r]]
           whole == sameView /\ Damaged(r) /\ m.complete /\ m.src = PrimaryOf(view[r]) /\ m.nonce = nonce[r]
                    /\ lastOp = m.op /\ Len(l) = lastOp
                    /\ Holds(r, l, lastOp, IF m.entries = <<>> THEN m.ae ELSE m.entries[Len(m.entries)])
           dmg == IF whole THEN Whole ELSE damaged[r]
           k == ProveClaim(r, l, k0.cm, k0.claim)
           cu == IF sameView /\ Len(l) >= m.op /\ catchUp[r] = view[r] THEN NoCatchUp ELSE catchUp[r]
           od == IF mg.changed \/ whole THEN Len(l) ELSE opDurable[r]
           acks == IF status[r] = "normal" /\ ~IsPrimary(r) /\ CanAck(r, "normal", view[r], dLogView[r], dmg, cu, od)
                   THEN {[type |-> "PrepareOk", v |-> view[r], src |-> r, n |-> od, inc |-> cv[r][r], e |-> l[od]]}
                   ELSE {}
       IN
       /\ log' = [log EXCEPT ![r] = l]
       /\ commitMax' = [commitMax EXCEPT ![r] = k.cm]
       /\ claim' = [claim EXCEPT ![r] = k.claim]
       /\ opDurable' = [opDurable EXCEPT ![r] = od]
       /\ damaged' = [damaged EXCEPT ![r] = dmg]
       /\ repair' = [repair EXCEPT ![r] = IF mg.changed \/ whole THEN NoRepair ELSE @]
       /\ catchUp' = [catchUp EXCEPT ![r] = cu]
       /\ dView' = [dView EXCEPT ![r] = IF mg.changed \/ whole THEN view[r] ELSE @]
       /\ dLogView' = [dLogView EXCEPT ![r] = IF mg.changed \/ whole THEN logView[r] ELSE @]
       /\ dCommit' = [dCommit EXCEPT ![r] = IF mg.changed \/ whole THEN [op |-> commitMax[r], e |-> At(l, commitMax[r])]
                                              ELSE @]
       /\ dDamaged' = [dDamaged EXCEPT ![r] = IF mg.changed \/ whole THEN dmg ELSE @]
       /\ SendAll(acks)
       /\ UNCHANGED <<status, view, logView, anchor, acked, svcFrom, dvcFrom, dvcSent, cv, nonce, ghostVars>>

-----------------------------------------------------------------------------
(* Checkpoints and state sync: Checkpoints, StateSync. *)

\* Checkpoints.afterExecute and onDurable: a checkpoint at a multiple of CheckpointEvery compacts the log.
TakeCheckpoint(r) ==
    /\ CheckpointEvery > 0 /\ status[r] # "recovering"
    /\ \E c \in anchor[r] + 1 .. commitMax[r] :
          /\ c % CheckpointEvery = 0
          /\ anchor' = [anchor EXCEPT ![r] = c]
    /\ UNCHANGED <<status, view, logView, log, commitMax, claim, opDurable, damaged, repair, catchUp, acked,
                   svcFrom, dvcFrom, dvcSent, cv, nonce, durableVars, msgs, ghostVars>>

\* StateSync.onSyncOffer .. onInstalled in one step: the log is cut to the checkpoint; acknowledged ops past it
\* become damage (StateSync.installState).
InstallSync(r, m) ==
    /\ m.type = "SyncOffer" /\ m.dst = r /\ m.nonce = nonce[r] /\ status[r] # "recovering"
    /\ catchUp[r] # NoCatchUp
    /\ m.op > commitMax[r]
    /\ LET c == m.op
           dmg0 == IF damaged[r] > c THEN damaged[r] ELSE Whole
           dmg == IF opDurable[r] > c THEN Max(dmg0, opDurable[r]) ELSE dmg0
           toViewChange == dmg # Whole /\ status[r] = "normal" /\ IsPrimary(r)
       IN
       /\ log' = [log EXCEPT ![r] = m.prefix]
       /\ anchor' = [anchor EXCEPT ![r] = c]
       /\ commitMax' = [commitMax EXCEPT ![r] = c]
       /\ claim' = [claim EXCEPT ![r] = NoClaim]
       /\ opDurable' = [opDurable EXCEPT ![r] = c]
       /\ damaged' = [damaged EXCEPT ![r] = dmg]
       /\ repair' = [repair EXCEPT ![r] = NoRepair]
       /\ dDamaged' = [dDamaged EXCEPT ![r] = dmg]
       /\ dCommit' = [dCommit EXCEPT ![r] = [op |-> c, e |-> At(m.prefix, c)]]
       /\ IF toViewChange
          THEN /\ EnterViewChange(r, view[r] + 1)
               /\ UNCHANGED <<logView, dLogView, msgs>>
          ELSE /\ UNCHANGED msgs
               /\ UNCHANGED <<status, view, logView, catchUp, acked, svcFrom, dvcFrom, dvcSent, dView, dLogView>>
    /\ UNCHANGED <<cv, nonce, ghostVars>>

-----------------------------------------------------------------------------
(* Damaged journals: JournalRepair. *)

\* JournalRepair.requestRepair, onGetEntries, onEntries and repairAdvance: a peer that holds the top entry of
\* the lowest run of lost ops (named by its checksum) fills that run, and the journal's own entries above it
\* follow up to the next lost op. The filled entries are written (WriteDone); the hash chain authenticates them.
RepairFromPeer(r, q) ==
    /\ status[r] # "recovering" /\ status[q] # "recovering" /\ q # r
    /\ repair[r] # NoRepair
    /\ Op(r) < repair[r].head
    /\ LET rp == repair[r]
           low == Op(r) + 1
           top == CHOOSE j \in low .. rp.head :
                      (\A i \in low .. j : i \in rp.lost) /\ (j = rp.head \/ j + 1 \notin rp.lost)
           above == {i \in rp.lost : i > top}
           next == IF above = {} THEN rp.head + 1 ELSE MinSet(above)
           l == SubSeq(rp.jl, 1, next - 1)
           k == ProveClaim(r, l, commitMax[r], claim[r])
       IN
       /\ anchor[q] <= Op(r)
       /\ top <= Op(q) /\ log[q][top] = rp.jl[top]
       /\ log' = [log EXCEPT ![r] = l]
       /\ commitMax' = [commitMax EXCEPT ![r] = k.cm]
       /\ claim' = [claim EXCEPT ![r] = k.claim]
    /\ UNCHANGED <<status, view, logView, anchor, opDurable, damaged, repair, catchUp, acked, svcFrom, dvcFrom,
                   dvcSent, cv, nonce, durableVars, msgs, ghostVars>>

\* JournalRepair.finishRepairIfDone: the journal's chain is back and durable; the damage clears if it reaches
\* every op this replica may have acknowledged, and the view is persisted.
FinishRepair(r) ==
    /\ status[r] # "recovering" /\ repair[r] # NoRepair
    /\ Op(r) >= repair[r].head /\ opDurable[r] >= repair[r].head
    /\ LET dmg == IF Op(r) >= damaged[r] THEN Whole ELSE damaged[r] IN
       /\ damaged' = [damaged EXCEPT ![r] = dmg]
       /\ dDamaged' = [dDamaged EXCEPT ![r] = dmg]
    /\ repair' = [repair EXCEPT ![r] = NoRepair]
    /\ dView' = [dView EXCEPT ![r] = view[r]]
    /\ dCommit' = [dCommit EXCEPT ![r] = CommitNow(r)]
    /\ opDurable' = [opDurable EXCEPT ![r] = Op(r)]
    /\ UNCHANGED <<status, view, logView, log, anchor, commitMax, claim, catchUp, acked, svcFrom,
                   dvcFrom, dvcSent, cv, nonce, dLogView, msgs, ghostVars>>

\* JournalRepair.onRepairTimeout: no peer answered; the journal's chain is given up, the damage stays.
RepairGiveUp(r) ==
    /\ status[r] # "recovering" /\ repair[r] # NoRepair
    /\ repair' = [repair EXCEPT ![r] = NoRepair]
    /\ dView' = [dView EXCEPT ![r] = view[r]]
    /\ opDurable' = [opDurable EXCEPT ![r] = IF dView[r] < view[r] THEN Op(r) ELSE @]
    /\ dCommit' = [dCommit EXCEPT ![r] = IF dView[r] < view[r] THEN CommitNow(r) ELSE @]
    /\ UNCHANGED <<status, view, logView, log, anchor, commitMax, claim, damaged, catchUp, acked,
                   svcFrom, dvcFrom, dvcSent, cv, nonce, dLogView, dDamaged, msgs, ghostVars>>

\* JournalRepair.onRepairTimeout: a damaged normal backup without a chain asks its primary for the whole log.
RepairAskPrimary(r) ==
    /\ status[r] = "normal" /\ ~IsPrimary(r) /\ Damaged(r) /\ repair[r] = NoRepair /\ catchUp[r] = NoCatchUp
    /\ LET c == CatchUpTo(r, view[r], status[r], log[r], commitMax[r]) IN
       /\ catchUp' = [catchUp EXCEPT ![r] = c.cu]
       /\ SendAll(c.msgs)
    /\ UNCHANGED <<status, view, logView, log, anchor, commitMax, claim, opDurable, damaged, repair, acked,
                   svcFrom, dvcFrom, dvcSent, cv, nonce, durableVars, ghostVars>>

-----------------------------------------------------------------------------
(* Crashes and restarts: Replica.restart, learnCommitFromDisk, startIn. *)

\* The volatile state a restarted process starts with, from its journal log jl and damage.
Restarted(r, jl, dmg, rep, cl0) ==
    LET v == IF Mutant = "forgetView" THEN dLogView[r] ELSE dView[r]
        cm0 == Max(anchor[r], Len(jl) - P)
        k1 == LearnCommit(r, jl, cm0, NoClaim, dCommit[r].op, dCommit[r].op, dCommit[r].e)
        k == IF cl0.op > 0 THEN LearnCommit(r, jl, k1.cm, k1.claim, cl0.op, cl0.proofOp, cl0.proofE) ELSE k1
        asPrimary == v = dLogView[r] /\ PrimaryOf(v) = r
    IN
    /\ log' = [log EXCEPT ![r] = jl]
    /\ opDurable' = [opDurable EXCEPT ![r] = Len(jl)]
    /\ commitMax' = [commitMax EXCEPT ![r] = k.cm]
    /\ claim' = [claim EXCEPT ![r] = k.claim]
    /\ damaged' = [damaged EXCEPT ![r] = dmg]
    /\ repair' = [repair EXCEPT ![r] = rep]
    /\ view' = [view EXCEPT ![r] = IF asPrimary THEN v + 1 ELSE v]
    /\ logView' = [logView EXCEPT ![r] = dLogView[r]]
    /\ status' = [status EXCEPT ![r] = IF v > dLogView[r] \/ asPrimary THEN "viewchange" ELSE "normal"]
    /\ catchUp' = [catchUp EXCEPT ![r] = NoCatchUp]
    /\ acked' = [acked EXCEPT ![r] = [q \in R |-> 0]]
    /\ svcFrom' = [svcFrom EXCEPT ![r] = {}]
    /\ dvcFrom' = [dvcFrom EXCEPT ![r] = [q \in R |-> NoVote]]
    /\ dvcSent' = [dvcSent EXCEPT ![r] = FALSE]
    /\ nonce' = [nonce EXCEPT ![r] = nonces]
    /\ nonces' = nonces + 1
    /\ dView' = [dView EXCEPT ![r] = v]

\* A crash and restart from an intact journal (a durably damaged one restarts as damaged).
Restart(r) ==
    /\ crashes < MaxCrash /\ status[r] # "recovering"
    /\ crashes' = crashes + 1
    \* The journal holds the durable writes after the durable checkpoint, which holds the ops up to its own.
    /\ LET jl == SubSeq(log[r], 1, Max(anchor[r], opDurable[r])) IN
       IF dDamaged[r] = Whole
       THEN Restarted(r, jl, Whole, NoRepair, NoClaim)
       ELSE LET h == Len(jl)
                dmg == Max(dDamaged[r], h)
            IN Restarted(r, jl, dmg, IF h > anchor[r] THEN [head |-> h, jl |-> jl, lost |-> {}] ELSE NoRepair,
                         NoClaim)
    /\ UNCHANGED <<anchor, cv, dLogView, dCommit, dDamaged, msgs, committed, startLog, incarnation,
                   damages, losts>>

\* A crash whose journal comes back damaged: the bodies of some ops after the checkpoint are lost (torn or
\* corrupt), the chain is known by the redundant headers, and the log is the intact prefix below the lowest
\* lost op. The journal head's commit claim names the head's entry (mutant trustHead: no entry).
RestartDamaged(r) ==
    /\ damages < MaxDamage /\ status[r] # "recovering"
    /\ opDurable[r] > anchor[r]
    /\ damages' = damages + 1
    /\ LET jl == SubSeq(log[r], 1, Max(anchor[r], opDurable[r]))
           h == Len(jl)
           dmg == Max(dDamaged[r], h)
           headClaim == [op |-> Max(0, h - P), proofOp |-> h,
                         proofE |-> IF Mutant = "trustHead" THEN AnyE ELSE At(jl, h)]
       IN
       \E lost \in SUBSET (anchor[r] + 1 .. h) \ {{}} :
          /\ Restarted(r, SubSeq(jl, 1, MinSet(lost) - 1), dmg, [head |-> h, jl |-> jl, lost |-> lost], headClaim)
          /\ dDamaged' = [dDamaged EXCEPT ![r] = dmg]
    /\ UNCHANGED <<anchor, cv, dLogView, dCommit, msgs, committed, startLog, incarnation, crashes, losts>>

-----------------------------------------------------------------------------
(* Lost disks: LostDiskRecovery and Incarnations. *)

\* The disk is gone: the process restarts recovering, with nothing (Durable.LOST).
LoseDisk(r) ==
    /\ losts < MaxLost
    /\ losts' = losts + 1
    /\ status' = [status EXCEPT ![r] = "recovering"]
    /\ view' = [view EXCEPT ![r] = 0]
    /\ logView' = [logView EXCEPT ![r] = 0]
    /\ log' = [log EXCEPT ![r] = <<>>]
    /\ anchor' = [anchor EXCEPT ![r] = 0]
    /\ commitMax' = [commitMax EXCEPT ![r] = 0]
    /\ claim' = [claim EXCEPT ![r] = NoClaim]
    /\ opDurable' = [opDurable EXCEPT ![r] = 0]
    /\ damaged' = [damaged EXCEPT ![r] = DamagedAll]
    /\ repair' = [repair EXCEPT ![r] = NoRepair]
    /\ catchUp' = [catchUp EXCEPT ![r] = NoCatchUp]
    /\ acked' = [acked EXCEPT ![r] = [q \in R |-> 0]]
    /\ svcFrom' = [svcFrom EXCEPT ![r] = {}]
    /\ dvcFrom' = [dvcFrom EXCEPT ![r] = [q \in R |-> NoVote]]
    /\ dvcSent' = [dvcSent EXCEPT ![r] = FALSE]
    \* Recovery's first round learns the highest incarnation anyone knows; the next is taken (not in disc2017).
    /\ incarnation' = [incarnation EXCEPT ![r] = IF Mutant = "disc2017" THEN @ ELSE @ + 1]
    /\ cv' = [cv EXCEPT ![r] = [[q \in R |-> 0] EXCEPT ![r] = incarnation'[r]]]
    /\ nonce' = [nonce EXCEPT ![r] = nonces]
    /\ nonces' = nonces + 1
    /\ dView' = [dView EXCEPT ![r] = 0]
    /\ dLogView' = [dLogView EXCEPT ![r] = 0]
    /\ dCommit' = [dCommit EXCEPT ![r] = [op |-> 0, e |-> Root]]
    /\ dDamaged' = [dDamaged EXCEPT ![r] = DamagedAll]
    /\ UNCHANGED <<msgs, committed, startLog, crashes, damages>>

\* LostDiskRecovery.onRecovery: a replica that is not recovering learns the new incarnation durably
\* (forgetting the older one's votes and acknowledgements) and answers with its view.
AnswerRecovery(q, r) ==
    /\ status[r] = "recovering" /\ status[q] # "recovering" /\ q # r
    /\ Mutant = "disc2017" => status[q] = "normal"     \* VRR 4.3: only normal replicas answer
    \* It answers once the new incarnation is durable, and a repair holds every state write back.
    /\ incarnation[r] <= cv[q][r] \/ repair[q] = NoRepair
    /\ LET fresh == incarnation[r] > cv[q][r] IN
       /\ cv' = [cv EXCEPT ![q][r] = Max(@, incarnation[r])]
       /\ svcFrom' = [svcFrom EXCEPT ![q] = IF fresh THEN @ \ {r} ELSE @]
       /\ dvcFrom' = [dvcFrom EXCEPT ![q][r] = IF fresh THEN NoVote ELSE @]
       /\ acked' = [acked EXCEPT ![q][r] = IF fresh THEN 0 ELSE @]
       /\ opDurable' = [opDurable EXCEPT ![q] = IF fresh /\ repair[q] = NoRepair THEN Op(q) ELSE @]
       /\ dCommit' = [dCommit EXCEPT ![q] = IF fresh /\ repair[q] = NoRepair THEN CommitNow(q) ELSE @]
    /\ Send([type |-> "RecoveryResponse", src |-> q, dst |-> r, inc |-> incarnation[r], v |-> view[q],
             \* What VRR 4.3's responses carry (mutant disc2017 only): the responder's log, if it is a normal primary.
             primary |-> status[q] = "normal" /\ IsPrimary(q),
             log |-> IF Mutant = "disc2017" THEN log[q] ELSE <<>>,
             c |-> IF Mutant = "disc2017" THEN commitMax[q] ELSE 0,
             \* VRR 4.3's nonce (mutant disc2017 only, which keeps the incarnation): answers to this recovery only.
             nonce |-> IF Mutant = "disc2017" THEN nonce[r] ELSE 0])
    /\ UNCHANGED <<status, view, logView, log, anchor, commitMax, claim, damaged, repair, catchUp,
                   dvcSent, nonce, dView, dLogView, dDamaged, ghostVars>>

\* LostDiskRecovery.finishRecovery: f + 1 answers for this incarnation; rejoin in the highest view told,
\* damaged with every op (JournalRepair.startFromNothing); a primary of that view moves on to the next view.
FinishRecovery(r) ==
    /\ status[r] = "recovering"
    /\ \E S \in SUBSET {m \in msgs : m.type = "RecoveryResponse" /\ m.dst = r /\ m.inc = incarnation[r]
                           /\ (Mutant = "disc2017" => m.nonce = nonce[r])} :
          /\ Cardinality({m.src : m \in S}) >= Quorum
          /\ Cardinality(S) = Cardinality({m.src : m \in S})
          /\ LET v == MaxSet({m.v : m \in S})
                 asPrimary == PrimaryOf(v) = r
             IN
             IF Mutant = "disc2017"
             THEN \* VRR 4.3 as published: take the log of the primary of the highest view, whole.
                  \E p \in S :
                    /\ p.v = v /\ p.primary
                    /\ status' = [status EXCEPT ![r] = "normal"]
                    /\ view' = [view EXCEPT ![r] = v]
                    /\ logView' = [logView EXCEPT ![r] = v]
                    /\ log' = [log EXCEPT ![r] = p.log]
                    /\ commitMax' = [commitMax EXCEPT ![r] = p.c]
                    /\ opDurable' = [opDurable EXCEPT ![r] = Len(p.log)]
                    /\ damaged' = [damaged EXCEPT ![r] = Whole]
                    /\ dView' = [dView EXCEPT ![r] = v]
                    /\ dLogView' = [dLogView EXCEPT ![r] = v]
                    /\ dCommit' = [dCommit EXCEPT ![r] = [op |-> p.c, e |-> At(p.log, p.c)]]
                    /\ dDamaged' = [dDamaged EXCEPT ![r] = Whole]
             ELSE
             /\ status' = [status EXCEPT ![r] = IF asPrimary THEN "viewchange" ELSE "normal"]
             /\ view' = [view EXCEPT ![r] = IF asPrimary THEN v + 1 ELSE v]
             /\ logView' = [logView EXCEPT ![r] = v]
             /\ dView' = [dView EXCEPT ![r] = view'[r]]
             /\ dLogView' = [dLogView EXCEPT ![r] = v]
             /\ UNCHANGED <<log, commitMax, opDurable, damaged, dCommit, dDamaged>>
    /\ UNCHANGED <<anchor, claim, repair, catchUp, acked, svcFrom, dvcFrom, dvcSent, cv, nonce, msgs, ghostVars>>

-----------------------------------------------------------------------------

Next ==
    \/ \E r \in R :
          \/ Prepare(r)
          \/ WriteDone(r)
          \/ SendCommit(r)
          \/ Timeout(r)
          \/ PersistView(r)
          \/ AfterViewDurable(r)
          \/ ResendDoViewChange(r)
          \/ StartViewIfReady(r)
          \/ ResendStartView(r)
          \/ StopCatchUp(r)
          \/ TakeCheckpoint(r)
          \/ RepairGiveUp(r)
          \/ FinishRepair(r)
          \/ RepairAskPrimary(r)
          \/ Restart(r)
          \/ RestartDamaged(r)
          \/ LoseDisk(r)
          \/ FinishRecovery(r)
          \/ RetransmitPrepare(r)
          \/ \E q \in R : RepairFromPeer(r, q) \/ AnswerRecovery(q, r) \/ OnGetState(q, r)
    \/ \E m \in Pool : \E r \in R :
          \/ OnPrepare(r, m)
          \/ OnPrepareOk(r, m)
          \/ OnCommit(r, m)
          \/ OnStartViewChange(r, m)
          \/ OnDoViewChange(r, m)
          \/ OnStartView(r, m)
          \/ OnNewState(r, m)
          \/ InstallSync(r, m)

Spec == Init /\ [][Next]_vars

\* A state constraint: exhaustive checks in the build cover every behaviour of at most MaxSteps steps.
StepBound == MaxSteps = 0 \/ TLCGet("level") < MaxSteps

-----------------------------------------------------------------------------
(* Invariants. *)

CommittedEntry(n, e) == \E c \in committed : c.n = n /\ c.e = e

\* The model's premise, as the hash chain makes it true in the code: the entry at an op names the prefix.
ChainNamesPrefix ==
    \A r, s \in R : \A n \in 1 .. Min(Op(r), Op(s)) :
        log[r][n] = log[s][n] => SubSeq(log[r], 1, n) = SubSeq(log[s], 1, n)

\* 1. Agreement: no two replicas commit different entries at an op, now or ever.
Agreement ==
    /\ \A c1, c2 \in committed : c1.n = c2.n => c1.e = c2.e
    /\ \A r, s \in R : \A n \in 1 .. Min(commitMax[r], commitMax[s]) : log[r][n] = log[s][n]

\* 2. Every op committed in a view is in the starting log of every later view.
StartLogsHoldCommitted ==
    \A c \in committed : \A v \in DOMAIN startLog :
        v > c.v => (c.n <= Len(startLog[v]) /\ startLog[v][c.n] = c.e)

\* 2'. The same of every whole log: a replica holds, at every op committed in a view before its log view, the
\*     committed entry (a damaged or recovering replica knows it may lack some).
LogsHoldCommitted ==
    \A r \in R : (status[r] # "recovering" /\ ~Damaged(r)) =>
        \A c \in committed : c.v < logView[r] => (c.n <= Op(r) /\ log[r][c.n] = c.e)

\* 3. Every entry at or below a replica's known-committed point is the committed entry.
KnownCommittedIsCommitted ==
    \A r \in R : \A n \in 1 .. commitMax[r] : CommittedEntry(n, log[r][n])

\* 4. An acknowledged prepare survives in its acknowledger's journal while that replica's log view is the
\*    acknowledgement's, unless the replica knows it may have lost it (damage) or the entry can never commit.
AcksSurvive ==
    \A m \in msgs :
        (m.type = "PrepareOk" /\ status[m.src] # "recovering" /\ m.inc = incarnation[m.src]
         /\ dLogView[m.src] = m.v) =>
            \/ dDamaged[m.src] >= m.n
            \/ (m.n <= opDurable[m.src] /\ log[m.src][m.n] = m.e)
            \/ \E c \in committed : c.n = m.n /\ c.e # m.e

\* 6. A recovering or damaged replica never votes as a whole log: a whole DoViewChange holds every op its
\*    sender acknowledged in its log view (or one that can never commit).
AllVotes == {m \in msgs : m.type = "DoViewChange"} \cup
            {dvcFrom[r][r] : r \in {r \in R : dvcFrom[r][r] # NoVote}}
WholeVotesHoldAcks ==
    \A d \in AllVotes : d.damaged = Whole =>
        \A a \in msgs :
            (a.type = "PrepareOk" /\ a.src = d.src /\ a.inc = d.inc /\ a.v = d.logView) =>
                \/ (a.n <= Len(d.glog) /\ d.glog[a.n] = a.e)
                \/ \E c \in committed : c.n = a.n /\ c.e # a.e

\* The code's own checks (Replica.checkInvariants) that the model shares.
LocalInvariants ==
    \A r \in R :
        /\ commitMax[r] <= Op(r)
        /\ opDurable[r] <= Op(r)
        /\ anchor[r] <= commitMax[r] \/ status[r] = "recovering"
        /\ view[r] >= logView[r]
        /\ status[r] = "normal" => view[r] = logView[r]
        /\ status[r] = "viewchange" => view[r] > logView[r]
        /\ dView[r] <= view[r]
        /\ (status[r] = "normal" /\ IsPrimary(r)) => ~Damaged(r)

Safety ==
    /\ ChainNamesPrefix /\ Agreement /\ StartLogsHoldCommitted /\ LogsHoldCommitted /\ KnownCommittedIsCommitted
    /\ AcksSurvive /\ WholeVotesHoldAcks /\ LocalInvariants

\* 5. Views never decrease: the durable view, which every vote waits for, never goes back (but across a lost
\*    disk, which starts a new incarnation); within a process's life neither does the view in memory. (A
\*    view moved in memory but not persisted, as during a repair, may be forgotten by a crash: no vote or
\*    message of it went out.)
ViewsNeverDecrease ==
    [][\A r \in R :
         incarnation'[r] = incarnation[r] /\ status'[r] # "recovering" =>
             /\ dView'[r] >= dView[r]
             /\ (crashes' = crashes /\ damages' = damages) => view'[r] >= view[r]]_vars

=============================================================================
