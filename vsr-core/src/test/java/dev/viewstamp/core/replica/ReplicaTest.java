package dev.viewstamp.core.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.message.Commit;
import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.Entries;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.GetEntries;
import dev.viewstamp.core.message.GetState;
import dev.viewstamp.core.message.NewState;
import dev.viewstamp.core.message.Prepare;
import dev.viewstamp.core.message.PrepareOk;
import dev.viewstamp.core.message.Recovery;
import dev.viewstamp.core.message.RecoveryResponse;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.message.StartView;
import dev.viewstamp.core.message.StartViewChange;
import dev.viewstamp.core.replica.RecordingOutput.Event;
import dev.viewstamp.core.replica.RecordingOutput.PersistedPrepare;
import dev.viewstamp.core.replica.RecordingOutput.PersistedState;
import dev.viewstamp.core.replica.RecordingOutput.Replied;
import dev.viewstamp.core.replica.RecordingOutput.Sent;
import dev.viewstamp.core.service.StateMachine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * One to three replicas driven by hand: each test feeds messages, ticks and durability completions
 * and inspects what the replica asked of the world.
 */
class ReplicaTest {

    private static final long CLIENT = 7;

    /** Echoes each operation back; its state is the number of operations executed. */
    static final class EchoStateMachine implements StateMachine {
        long executed;

        @Override
        public byte[] execute(long op, long timestamp, byte[] operation) {
            executed++;
            return operation.clone();
        }

        @Override
        public long stateChecksum() {
            return executed;
        }
    }

    private final ClusterConfig config = ClusterConfig.builder().replicaCount(3).build();
    /** The checksum a commit number of 0 names: the root of every log of the cluster. */
    private static final long ROOT = OpLog.rootChecksum(0);
    private final RecordingOutput out = new RecordingOutput();

    // ---------------------------------------------------------------------------------------------
    // Normal operation (VRR 4.1).

    @Test
    void primaryPreparesRequestAndSendsPrepareToBothBackupsAfterItsPersistIsIssued() {
        Replica primary = replica(0);

        primary.step(Request.register(CLIENT), out);

        assertThat(primary.op()).isEqualTo(1);
        Entry entry = primary.entry(1);
        assertThat(entry.view()).isZero();
        assertThat(entry.parent()).isEqualTo(OpLog.rootChecksum(config.clusterId()));
        assertThat(entry.requests()).containsExactly(Request.register(CLIENT));
        assertThat(out.events).containsExactly(
                new PersistedPrepare(entry),
                new Sent(1, new Prepare(0, 0, ROOT, entry, 0)),
                new Sent(2, new Prepare(0, 0, ROOT, entry, 0)));
        assertThat(primary.commit()).isZero();
        assertThat(out.replies()).isEmpty();
    }

    @Test
    void backupSendsPrepareOkOnlyAfterPrepareDurable() {
        Entry entry = preparesFromPrimary(Request.register(CLIENT)).get(0).entry();
        Replica backup = replica(1);

        backup.step(new Prepare(0, 0, ROOT, entry, 0), out);
        assertThat(out.events).containsExactly(new PersistedPrepare(entry));
        assertThat(backup.op()).isEqualTo(1);
        assertThat(backup.opDurable()).isZero();
        out.clear();

        backup.onPrepareDurable(1, entry.checksum(), out);
        assertThat(out.events).containsExactly(new Sent(0, new PrepareOk(0, 1, 1)));
        assertThat(backup.opDurable()).isEqualTo(1);
    }

    @Test
    void backupDoesNotAckADurableWriteOfAnotherEntry() {
        Entry entry = preparesFromPrimary(Request.register(CLIENT)).get(0).entry();
        Replica backup = replica(1);
        backup.step(new Prepare(0, 0, ROOT, entry, 0), out);
        out.clear();

        // A completion for an entry this log does not hold (a stale write) proves nothing.
        backup.onPrepareDurable(1, entry.checksum() ^ 1, out);

        assertThat(out.sent(PrepareOk.class)).isEmpty();
        assertThat(backup.opDurable()).isZero();
    }

    @Test
    void backupResendsPrepareOkForARetransmittedPrepare() {
        Entry entry = preparesFromPrimary(Request.register(CLIENT)).get(0).entry();
        Replica backup = replica(1);
        backup.step(new Prepare(0, 0, ROOT, entry, 0), out);
        backup.onPrepareDurable(1, entry.checksum(), out);
        out.clear();

        backup.step(new Prepare(0, 0, ROOT, entry, 0), out);

        assertThat(out.events).containsExactly(new Sent(0, new PrepareOk(0, 1, 1)));
        assertThat(backup.op()).isEqualTo(1);
    }

    @Test
    void primaryDoesNotCommitOnItsOwnDurabilityAlone() {
        Replica primary = replica(0);
        primary.step(Request.register(CLIENT), out);
        Entry entry = primary.entry(1);
        out.clear();

        primary.onPrepareDurable(1, entry.checksum(), out);

        assertThat(primary.commit()).isZero();
        assertThat(out.replies()).isEmpty();
    }

    @Test
    void primaryDoesNotCommitOnOneBackupAckWithoutItsOwnDurability() {
        Replica primary = replica(0);
        primary.step(Request.register(CLIENT), out);
        out.clear();

        primary.step(new PrepareOk(0, 1, 1), out);

        assertThat(primary.commit()).isZero();
        assertThat(out.replies()).isEmpty();
    }

    @Test
    void primaryCommitsAndRepliesAfterOneBackupAckAndItsOwnDurability() {
        // n = 3, so f + 1 = 2: the primary's own durable copy and one backup's PrepareOk.
        Replica primary = replica(0);
        primary.step(Request.register(CLIENT), out);
        primary.step(new PrepareOk(0, 1, 1), out);
        out.clear();

        primary.onPrepareDurable(1, primary.entry(1).checksum(), out);

        assertThat(primary.commit()).isEqualTo(1);
        assertThat(out.replies()).containsExactly(new Reply(0, CLIENT, 0, Reply.Status.OK, new byte[0], 0));
    }

    @Test
    void primaryRepliesWithTheStateMachineResult() {
        EchoStateMachine stateMachine = new EchoStateMachine();
        Replica primary = Replica.create(config, 0, stateMachine, new Prng(1));
        commitOnPrimary(primary, Request.register(CLIENT));
        out.clear();

        commitOnPrimary(primary, new Request(CLIENT, 1, bytes("hello")));

        assertThat(out.replies()).containsExactly(new Reply(0, CLIENT, 1, Reply.Status.OK, bytes("hello"), 0));
        assertThat(stateMachine.executed).isEqualTo(1);
        assertThat(primary.commit()).isEqualTo(2);
    }

    @Test
    void primaryRepliesEvictedToAnUnregisteredClientWithoutExecuting() {
        EchoStateMachine stateMachine = new EchoStateMachine();
        Replica primary = Replica.create(config, 0, stateMachine, new Prng(1));

        commitOnPrimary(primary, new Request(CLIENT, 1, bytes("hello")));

        assertThat(out.replies()).containsExactly(new Reply(0, CLIENT, 1, Reply.Status.EVICTED, new byte[0], 0));
        assertThat(stateMachine.executed).isZero();
    }

    @Test
    void primaryRepliesTooLargeToARequestThatFitsNoBatchAndDoesNotPrepareIt() {
        // A 100-byte batch holds a request of 20 bytes of overhead and at most 80 of operation.
        ClusterConfig small = ClusterConfig.builder().batchSizeBytesMax(100).build();
        EchoStateMachine stateMachine = new EchoStateMachine();
        Replica primary = Replica.create(small, 0, stateMachine, new Prng(1));
        commitOnPrimary(primary, Request.register(CLIENT));
        out.clear();

        primary.step(new Request(CLIENT, 1, new byte[81]), out);

        assertThat(out.events).containsExactly(
                new Replied(new Reply(0, CLIENT, 1, Reply.Status.TOO_LARGE, new byte[0], 0)));
        assertThat(primary.op()).isEqualTo(1);

        // A retry gets the same answer, and the session goes on with its next request, which fits.
        out.clear();
        primary.step(new Request(CLIENT, 1, new byte[81]), out);
        assertThat(out.replies()).extracting(Reply::status).containsExactly(Reply.Status.TOO_LARGE);
        commitOnPrimary(primary, new Request(CLIENT, 2, new byte[80]));
        assertThat(primary.entry(2).requests()).containsExactly(new Request(CLIENT, 2, new byte[80]));
        assertThat(stateMachine.executed).isEqualTo(1);
    }

    @Test
    void backupDoesNotAnswerARequestThatFitsNoBatch() {
        // Only the primary says TOO_LARGE; its reply carries the view the client needs.
        Replica backup = Replica.create(ClusterConfig.builder().batchSizeBytesMax(100).build(), 1,
                new EchoStateMachine(), new Prng(2));
        backup.step(new Request(CLIENT, 1, new byte[81]), out);
        assertThat(out.events).isEmpty();
    }

    @Test
    void prepareOkFromSameBackupTwiceCountsOnce() {
        // n = 5 needs three durable copies: the primary's and two different backups'.
        ClusterConfig five = ClusterConfig.builder().replicaCount(5).build();
        Replica primary = Replica.create(five, 0, new EchoStateMachine(), new Prng(1));
        primary.step(Request.register(CLIENT), out);
        primary.onPrepareDurable(1, primary.entry(1).checksum(), out);

        primary.step(new PrepareOk(0, 1, 1), out);
        primary.step(new PrepareOk(0, 1, 1), out);
        assertThat(primary.commit()).isZero();

        primary.step(new PrepareOk(0, 1, 2), out);
        assertThat(primary.commit()).isEqualTo(1);
    }

    @Test
    void prepareOkForALaterOpAcknowledgesEarlierOps() {
        Replica primary = replica(0);
        primary.step(Request.register(CLIENT), out);
        primary.step(Request.register(CLIENT + 1), out);
        primary.onPrepareDurable(2, primary.entry(2).checksum(), out);

        primary.step(new PrepareOk(0, 2, 2), out);

        assertThat(primary.commit()).isEqualTo(2);
        assertThat(out.replies()).extracting(Reply::clientId).containsExactly(CLIENT, CLIENT + 1);
    }

    @Test
    void duplicateOfLatestRequestGetsCachedReplyWithoutNewPrepare() {
        EchoStateMachine stateMachine = new EchoStateMachine();
        Replica primary = Replica.create(config, 0, stateMachine, new Prng(1));
        commitOnPrimary(primary, Request.register(CLIENT));
        commitOnPrimary(primary, new Request(CLIENT, 1, bytes("hello")));
        out.clear();

        primary.step(new Request(CLIENT, 1, bytes("hello")), out);

        assertThat(out.events).containsExactly(
                new Replied(new Reply(0, CLIENT, 1, Reply.Status.OK, bytes("hello"), 0)));
        assertThat(primary.op()).isEqualTo(2);
        assertThat(primary.duplicateRequestCount()).isEqualTo(1);
        assertThat(stateMachine.executed).isEqualTo(1);
    }

    @Test
    void olderRequestNumberIsIgnored() {
        Replica primary = replica(0);
        commitOnPrimary(primary, Request.register(CLIENT));
        commitOnPrimary(primary, new Request(CLIENT, 1, bytes("a")));
        commitOnPrimary(primary, new Request(CLIENT, 2, bytes("b")));
        out.clear();

        primary.step(new Request(CLIENT, 1, bytes("a")), out);

        assertThat(out.events).isEmpty();
        assertThat(primary.op()).isEqualTo(3);
    }

    @Test
    void requestAlreadyBeingPreparedIsNotPreparedAgain() {
        Replica primary = replica(0);
        commitOnPrimary(primary, Request.register(CLIENT));
        primary.step(new Request(CLIENT, 1, bytes("a")), out);
        out.clear();

        primary.step(new Request(CLIENT, 1, bytes("a")), out);

        assertThat(out.events).isEmpty();
        assertThat(primary.op()).isEqualTo(2);
    }

    @Test
    void primaryPreparesNoMoreThanThePipelineAllows() {
        ClusterConfig narrow = ClusterConfig.builder().pipelinePrepareCountMax(2).build();
        Replica primary = Replica.create(narrow, 0, new EchoStateMachine(), new Prng(1));

        primary.step(Request.register(1), out);
        primary.step(Request.register(2), out);
        primary.step(Request.register(3), out);
        assertThat(primary.op()).isEqualTo(2);
        assertThat(out.persistedPrepares()).hasSize(2);

        // Committing op 1 frees a slot, and the queued request is prepared.
        primary.onPrepareDurable(2, primary.entry(2).checksum(), out);
        primary.step(new PrepareOk(0, 1, 1), out);
        assertThat(primary.commit()).isEqualTo(1);
        assertThat(primary.op()).isEqualTo(3);
        assertThat(primary.entry(3).requests()).containsExactly(Request.register(3));
    }

    @Test
    void primaryBatchesUpToExactlyTheByteLimitAndNeverOneByteMore() {
        // Requests of 120 bytes each (20 of overhead and 100 of operation): three fill a 360-byte body.
        ClusterConfig tight = ClusterConfig.builder().pipelinePrepareCountMax(1).batchSizeBytesMax(360).build();

        Entry atLimit = batchQueuedBehindAFullPipeline(tight, 100, 100, 100);
        assertThat(atLimit.requests()).hasSize(3);
        assertThat(atLimit.bodySizeBytes()).isEqualTo(360);

        // One byte more and the third request waits for the next prepare.
        Entry overByOne = batchQueuedBehindAFullPipeline(tight, 100, 100, 101);
        assertThat(overByOne.requests()).hasSize(2);
        assertThat(overByOne.bodySizeBytes()).isEqualTo(240);
    }

    @Test
    void backupIgnoresRequests() {
        Replica backup = replica(1);
        backup.step(Request.register(CLIENT), out);
        assertThat(out.events).isEmpty();
        assertThat(backup.op()).isZero();
    }

    @Test
    void backupExecutesCommittedOpsWithoutReplying() {
        List<Prepare> prepares = preparesFromPrimary(Request.register(CLIENT), new Request(CLIENT, 1, bytes("hello")));
        EchoStateMachine stateMachine = new EchoStateMachine();
        Replica backup = Replica.create(config, 1, stateMachine, new Prng(2));
        for (Prepare prepare : prepares) {
            backup.step(prepare, out);
            backup.onPrepareDurable(prepare.entry().op(), prepare.entry().checksum(), out);
        }

        backup.step(new Commit(0, 2, prepares.get(1).entry().checksum(), 0), out);

        assertThat(backup.commit()).isEqualTo(2);
        assertThat(stateMachine.executed).isEqualTo(1);
        assertThat(out.replies()).isEmpty();
    }

    /**
     * Review 4, finding 1: a backup that missed the votes carrying a newer incarnation of itself
     * (announced by a recovery of its own that never finished) learns it from the primary's
     * Commit, takes the next, and acknowledges with it only once it is durable: the primary
     * discards acknowledgements from an incarnation older than it knows.
     */
    @Test
    void backupLearnsANewerIncarnationOfItselfFromACommitAndAcksWithItOnceDurable() {
        List<Prepare> prepares = preparesFromPrimary(Request.register(CLIENT));
        Replica backup = Replica.create(config, 1, new EchoStateMachine(), new Prng(2));
        backup.step(prepares.get(0), out);
        backup.onPrepareDurable(1, prepares.get(0).entry().checksum(), out);
        assertThat(out.sent(PrepareOk.class)).extracting(PrepareOk::incarnation).containsOnly(0L);
        out.events.clear();

        backup.step(new Commit(0, 0, ROOT, 0, new long[] {0, 2, 0}), out);
        assertThat(backup.incarnation()).as("the next above the one announced").isEqualTo(3);
        List<RecordingOutput.PersistedState> written = out.persistedStates();
        assertThat(written).as("the new incarnation is written").hasSize(1);

        backup.step(prepares.get(0), out); // a retransmission: acknowledged again, with the durable incarnation
        assertThat(out.sent(PrepareOk.class)).extracting(PrepareOk::incarnation).containsOnly(0L);
        out.events.clear();

        RecordingOutput.PersistedState state = written.get(0);
        backup.onStateDurable(state.view(), state.logView(), state.lastOp(), state.lastChecksum(), out);
        backup.step(prepares.get(0), out);
        assertThat(out.sent(PrepareOk.class)).isNotEmpty().extracting(PrepareOk::incarnation).containsOnly(3L);
    }

    // ---------------------------------------------------------------------------------------------
    // State transfer (VRR 5.2), repair of a damaged journal, recovery of a lost disk.

    @Test
    void backupBehindInItsViewAsksThePrimaryForTheRestAndExecutesWhatTheAnswerProvesCommitted() {
        List<Prepare> prepares = preparesFromPrimary(Request.register(CLIENT), new Request(CLIENT, 1, bytes("a")),
                new Request(CLIENT, 2, bytes("b")));
        List<Entry> entries = prepares.stream().map(Prepare::entry).toList();
        Replica backup = Replica.create(config, 1, new EchoStateMachine(), new Prng(2));

        backup.step(new Commit(0, 3, entries.get(2).checksum(), 0), out);
        assertThat(backup.commit()).as("nothing held to execute").isZero();
        GetState asked = out.sent(GetState.class).get(0);
        assertThat(out.recipients(GetState.class)).containsExactly(0);
        assertThat(asked.fromOp()).isZero();

        backup.step(new NewState(0, 3, 3, 0, ROOT, true, entries, 0, asked.nonce()), out);
        assertThat(backup.op()).isEqualTo(3);
        assertThat(backup.commit()).as("the answer's entries prove its commit number for this log").isEqualTo(3);
        assertThat(out.persistedStates()).last().satisfies(state -> {
            assertThat(state.anchorOp()).isZero();
            assertThat(state.suffix()).isEqualTo(entries);
        });
    }

    @Test
    void damagedBackupFetchesALostBodyByChecksumAndIsWholeOnceItIsDurable() {
        List<Prepare> prepares = preparesFromPrimary(Request.register(CLIENT), new Request(CLIENT, 1, bytes("a")),
                new Request(CLIENT, 2, bytes("b")));
        List<Entry> entries = prepares.stream().map(Prepare::entry).toList();
        long[] checksums = entries.stream().mapToLong(Entry::checksum).toArray();
        Entry[] bodies = {entries.get(0), null, entries.get(2)};
        Replica backup = Replica.restart(config, 1, new EchoStateMachine(), new Prng(2),
                new Replica.Durable(0, 0, List.of(), new Replica.Damage(3, 1, checksums, bodies, 3)));
        assertThat(backup.logDamaged()).isTrue();
        assertThat(backup.op()).as("the intact prefix").isEqualTo(1);

        backup.tick(out);
        GetEntries asked = out.sent(GetEntries.class).get(0);
        assertThat(asked.fromOp()).isEqualTo(1);
        assertThat(asked.toOp()).isEqualTo(2);
        assertThat(asked.toChecksum()).isEqualTo(checksums[1]);

        backup.step(new Entries(List.of(entries.get(1)), 2), out);
        assertThat(backup.op()).as("the fetched entry and the journal's own after it").isEqualTo(3);
        assertThat(out.persistedPrepares()).as("only what came from a peer is written").containsExactly(entries.get(1));
        assertThat(backup.logDamaged()).as("whole only once the fetched entry is durable").isTrue();

        backup.onPrepareDurable(2, checksums[1], out);
        assertThat(backup.logDamaged()).isFalse();
        assertThat(out.persistedStates()).last().satisfies(state -> assertThat(state.damagedOpMax()).isEqualTo(-1));
    }

    @Test
    void replicaThatLostItsDiskTakesTheNextIncarnationAfterTwoQuorumRoundsAndRejoinsDamaged() {
        Replica lost = Replica.restart(config, 2, new EchoStateMachine(), new Prng(3), Replica.Durable.LOST);
        assertThat(lost.status()).isEqualTo(Status.RECOVERING);

        lost.tick(out);
        Recovery first = out.sent(Recovery.class).get(0);
        assertThat(out.recipients(Recovery.class)).containsExactly(0, 1);
        lost.step(new RecoveryResponse(first.nonce(), new long[] {0, 0, 0}, 3, 0), out);
        lost.step(new RecoveryResponse(first.nonce(), new long[] {0, 0, 0}, 4, 1), out);
        Recovery announce = out.sent(Recovery.class).get(out.sent(Recovery.class).size() - 1);
        assertThat(announce.crashVector()[2]).as("the next incarnation, announced").isEqualTo(1);
        assertThat(lost.status()).isEqualTo(Status.RECOVERING);

        lost.step(new RecoveryResponse(announce.nonce(), new long[] {0, 0, 1}, 4, 0), out);
        lost.step(new RecoveryResponse(announce.nonce(), new long[] {0, 0, 1}, 4, 1), out);
        // View 4's primary is replica 1; a replica that rejoins as its view's primary moves on instead.
        assertThat(lost.status()).as("rejoins the highest view an answer told of").isEqualTo(Status.NORMAL);
        assertThat(lost.view()).isEqualTo(4);
        assertThat(lost.incarnation()).isEqualTo(1);
        assertThat(lost.logDamaged()).as("it may lack any op until a primary makes it whole").isTrue();
        assertThat(out.persistedStates()).isNotEmpty();
    }

    @Test
    void backupIgnoresPrepareFromOlderView() {
        // Replica 2 restarts normal in view 1, whose primary is replica 1.
        Entry entry = preparesFromPrimary(Request.register(CLIENT)).get(0).entry();
        Replica backup = Replica.restart(config, 2, new EchoStateMachine(), new Prng(3),
                new Replica.Durable(1, 1, List.of()));
        assertThat(backup.status()).isEqualTo(Status.NORMAL);

        backup.step(new Prepare(0, 0, ROOT, entry, 0), out);

        assertThat(out.events).isEmpty();
        assertThat(backup.op()).isZero();
        assertThat(backup.view()).isEqualTo(1);
        assertThat(backup.catchingUp()).isFalse();
    }

    @Test
    void backupThatSeesPrepareWithGapSendsGetState() {
        List<Prepare> prepares = preparesFromPrimary(Request.register(1), Request.register(2), Request.register(3));
        Replica backup = replica(1);
        backup.step(prepares.get(0), out);
        backup.onPrepareDurable(1, prepares.get(0).entry().checksum(), out);
        out.clear();

        backup.step(prepares.get(2), out);

        assertThat(out.events).hasSize(1);
        assertThat(out.recipients(GetState.class)).containsExactly(0);
        assertThat(out.sent(GetState.class)).singleElement().satisfies(g -> {
            assertThat(g.view()).isZero();
            assertThat(g.fromOp()).isEqualTo(1);
            assertThat(g.replica()).isEqualTo(1);
        });
        assertThat(backup.op()).isEqualTo(1);
        assertThat(backup.catchingUp()).isTrue();
    }

    @Test
    void backupThatSeesPrepareFromNewerViewCatchesUpWithoutChangingItsView() {
        // DESIGN 2: no truncation and no view change on a normal-case message from a newer view.
        List<Prepare> prepares = preparesFromPrimary(Request.register(1));
        Replica backup = replica(1);
        backup.step(prepares.get(0), out);
        backup.onPrepareDurable(1, prepares.get(0).entry().checksum(), out);
        out.clear();
        Entry newer = Entry.create(2, 2, prepares.get(0).entry().checksum(), 5, List.of(Request.register(2)));

        backup.step(new Prepare(2, 0, ROOT, newer, 2), out);

        assertThat(out.events).hasSize(1);
        assertThat(out.recipients(GetState.class)).containsExactly(2);
        assertThat(out.sent(GetState.class)).singleElement().satisfies(g -> {
            assertThat(g.view()).isEqualTo(2);
            assertThat(g.fromOp()).isZero();
            assertThat(g.replica()).isEqualTo(1);
        });
        assertThat(backup.view()).isZero();
        assertThat(backup.logView()).isZero();
        assertThat(backup.status()).isEqualTo(Status.NORMAL);
        assertThat(backup.op()).isEqualTo(1);

        // Until it has caught up it takes no further part in view 0.
        out.clear();
        backup.step(prepares.get(0), out);
        assertThat(out.events).isEmpty();
    }

    @Test
    void idlePrimarySendsCommitAsHeartbeat() {
        Replica primary = replica(0);
        commitOnPrimary(primary, Request.register(CLIENT));
        out.clear();

        for (int i = 0; i < config.commitIntervalTicks(); i++) primary.tick(out);

        assertThat(out.sent(Commit.class)).containsOnly(new Commit(0, 1, primary.checksumAt(1), 0));
        assertThat(out.recipients(Commit.class)).containsExactly(1, 2);
    }

    @Test
    void primaryRetransmitsUncommittedPrepareOnlyToBackupsThatHaveNotAcked() {
        Replica primary = replica(0);
        primary.step(Request.register(CLIENT), out);
        primary.step(new PrepareOk(0, 1, 1), out);
        out.clear();

        for (int i = 0; i < config.prepareRetransmitTicks(); i++) primary.tick(out);

        assertThat(out.recipients(Prepare.class)).containsExactly(2);
        assertThat(out.sent(Prepare.class)).containsExactly(new Prepare(0, 0, ROOT, primary.entry(1), 0));
    }

    @Test
    void primaryStopsRetransmittingOnceEverythingIsCommitted() {
        // A backup that missed a committed prepare learns of it from the Commit heartbeat instead.
        Replica primary = replica(0);
        commitOnPrimary(primary, Request.register(CLIENT));
        out.clear();

        for (int i = 0; i < 3 * config.prepareRetransmitTicks(); i++) primary.tick(out);

        assertThat(out.sent(Prepare.class)).isEmpty();
    }

    @Test
    void primaryIgnoresPrepareOkFromAnotherView() {
        Replica primary = replica(0);
        primary.step(Request.register(CLIENT), out);
        primary.onPrepareDurable(1, primary.entry(1).checksum(), out);

        primary.step(new PrepareOk(1, 1, 1), out);

        assertThat(primary.commit()).isZero();
    }

    // ---------------------------------------------------------------------------------------------
    // View change (VRR 4.2) and restart (DESIGN 2: durable state).

    @Test
    void backupNormalTimeoutPersistsTheNewViewBeforeSendingStartViewChange() {
        Replica backup = replica(2);

        tickUntil(backup, () -> backup.status() == Status.VIEW_CHANGE, config.normalTimeoutTicks());

        assertThat(backup.view()).isEqualTo(1);
        assertThat(backup.logView()).isZero();
        long root = OpLog.rootChecksum(config.clusterId());
        assertThat(out.events).containsExactly(new PersistedState(1, 0, 0, root, List.of()));

        // Retransmit timeouts pass, but nothing of view 1 goes out before view 1 is durable.
        for (int i = 0; i < 2 * config.viewChangeRetransmitTicks() + 1; i++) backup.tick(out);
        assertThat(out.sent(StartViewChange.class)).isEmpty();
        assertThat(out.events).hasSize(1);

        backup.onStateDurable(1, 0, 0, root, out);
        assertThat(out.sent(StartViewChange.class)).containsOnly(new StartViewChange(1, 2));
        assertThat(out.recipients(StartViewChange.class)).containsExactly(0, 1);
    }

    @Test
    void doViewChangeWaitsForTheViewToBeDurable() {
        Replica backup = replica(2);
        tickUntil(backup, () -> backup.status() == Status.VIEW_CHANGE, config.normalTimeoutTicks());
        out.clear();

        // f = 1 vote from another replica is enough for a DoViewChange, but only once durable.
        backup.step(new StartViewChange(1, 1), out);
        assertThat(out.events).isEmpty();

        long root = OpLog.rootChecksum(config.clusterId());
        backup.onStateDurable(1, 0, 0, root, out);
        assertThat(out.recipients(StartViewChange.class)).containsExactly(0, 1);
        assertThat(out.recipients(DoViewChange.class)).containsExactly(1);
        DoViewChange vote = out.sent(DoViewChange.class).get(0);
        assertThat(vote.view()).isEqualTo(1);
        assertThat(vote.logView()).isZero();
        assertThat(vote.replica()).isEqualTo(2);
        assertThat(out.indexOfFirstSent(StartViewChange.class)).isLessThan(out.indexOfFirstSent(DoViewChange.class));
    }

    @Test
    void backupAdoptsHigherViewFromStartViewChangeAndPersistsItFirst() {
        Replica backup = replica(2);

        backup.step(new StartViewChange(1, 1), out);

        assertThat(backup.status()).isEqualTo(Status.VIEW_CHANGE);
        assertThat(backup.view()).isEqualTo(1);
        assertThat(out.events).containsExactly(
                new PersistedState(1, 0, 0, OpLog.rootChecksum(config.clusterId()), List.of()));
    }

    @Test
    void newPrimaryStartsTheViewAfterFPlusOneDoViewChangesAndAnnouncesItOnceDurable() {
        // Replica 1, the primary of view 1, hears replica 2's DoViewChange before anything else.
        Replica candidate = replica(1);
        long root = OpLog.rootChecksum(config.clusterId());

        candidate.step(new DoViewChange(1, 0, 0, 0, 0, root, List.of(), 2), out);
        assertThat(candidate.status()).isEqualTo(Status.VIEW_CHANGE);
        assertThat(out.events).containsExactly(new PersistedState(1, 0, 0, root, List.of()));
        out.clear();

        // View 1 durable: it adds its own DoViewChange, has f + 1 = 2, and becomes primary. The
        // log view is written before the StartView goes out.
        candidate.onStateDurable(1, 0, 0, root, out);
        assertThat(candidate.isPrimaryNormal()).isTrue();
        assertThat(candidate.logView()).isEqualTo(1);
        assertThat(out.sent(StartView.class)).isEmpty();
        assertThat(out.persistedStates()).containsExactly(new PersistedState(1, 1, 0, root, List.of()));

        // Requests wait for the log view to be durable too.
        out.clear();
        candidate.step(Request.register(CLIENT), out);
        assertThat(out.events).isEmpty();

        candidate.onStateDurable(1, 1, 0, root, out);
        assertThat(out.sent(StartView.class)).containsOnly(new StartView(1, 0, 0, 0, root, List.of(), 1));
        assertThat(out.recipients(StartView.class)).containsExactly(0, 2);

        out.clear();
        candidate.step(Request.register(CLIENT), out);
        assertThat(out.recipients(Prepare.class)).containsExactly(0, 2);
    }

    @Test
    void backupAdoptsStartViewAndAcksOnlyOnceTheNewLogViewIsDurable() {
        Entry entry = preparesFromPrimary(Request.register(CLIENT)).get(0).entry();
        Replica backup = Replica.restart(config, 2, new EchoStateMachine(), new Prng(3),
                new Replica.Durable(1, 0, List.of(entry)));
        long root = OpLog.rootChecksum(config.clusterId());

        backup.step(new StartView(1, 1, 0, 0, root, List.of(entry), 1), out);

        assertThat(backup.status()).isEqualTo(Status.NORMAL);
        assertThat(backup.view()).isEqualTo(1);
        assertThat(backup.logView()).isEqualTo(1);
        assertThat(out.events).containsExactly(new PersistedState(1, 1, 1, entry.checksum(), List.of()));
        out.clear();

        backup.onStateDurable(1, 1, 1, entry.checksum(), out);
        assertThat(out.events).containsExactly(new Sent(1, new PrepareOk(1, 1, 2)));
    }

    @Test
    void backupIgnoresStartViewForTheViewItIsAlreadyNormalIn() {
        Replica backup = Replica.restart(config, 2, new EchoStateMachine(), new Prng(3),
                new Replica.Durable(1, 1, List.of()));
        Entry entry = Entry.create(1, 1, OpLog.rootChecksum(config.clusterId()), 1, List.of(Request.register(CLIENT)));

        backup.step(new StartView(1, 1, 0, 0, OpLog.rootChecksum(config.clusterId()), List.of(entry), 1), out);

        assertThat(out.events).isEmpty();
        assertThat(backup.op()).isZero();
    }

    @Test
    void restartedPrimaryMovesToTheNextViewInsteadOfResumingAsPrimary() {
        Entry entry = preparesFromPrimary(Request.register(CLIENT)).get(0).entry();

        Replica restarted = Replica.restart(config, 0, new EchoStateMachine(), new Prng(1),
                new Replica.Durable(0, 0, List.of(entry)));

        assertThat(restarted.isPrimaryNormal()).isFalse();
        assertThat(restarted.status()).isEqualTo(Status.VIEW_CHANGE);
        assertThat(restarted.view()).isEqualTo(1);
        assertThat(restarted.logView()).isZero();
        assertThat(restarted.op()).isEqualTo(1);

        // It takes no requests, and its first tick persists view 1 before any message of it.
        restarted.step(new Request(CLIENT, 1, bytes("x")), out);
        assertThat(out.events).isEmpty();
        restarted.tick(out);
        assertThat(out.events).containsExactly(new PersistedState(1, 0, 1, entry.checksum(), List.of()));
        out.clear();

        restarted.onStateDurable(1, 0, 1, entry.checksum(), out);
        assertThat(out.sent(StartViewChange.class)).containsOnly(new StartViewChange(1, 0));
        assertThat(out.recipients(StartViewChange.class)).containsExactly(1, 2);
    }

    @Test
    void restartedBackupResumesAsBackupOfItsView() {
        Entry entry = preparesFromPrimary(Request.register(CLIENT)).get(0).entry();

        Replica restarted = Replica.restart(config, 1, new EchoStateMachine(), new Prng(2),
                new Replica.Durable(0, 0, List.of(entry)));

        assertThat(restarted.status()).isEqualTo(Status.NORMAL);
        assertThat(restarted.view()).isZero();
        assertThat(restarted.op()).isEqualTo(1);
        assertThat(restarted.opDurable()).isEqualTo(1);
        assertThat(restarted.commit()).isZero();
    }

    @Test
    void replicaRestartedDuringViewChangeStaysInThatViewChange() {
        Replica restarted = Replica.restart(config, 2, new EchoStateMachine(), new Prng(3),
                new Replica.Durable(1, 0, List.of()));

        assertThat(restarted.status()).isEqualTo(Status.VIEW_CHANGE);
        assertThat(restarted.view()).isEqualTo(1);

        // View 1 is already durable: the retransmit timeout resends StartViewChange, no write first.
        for (int i = 0; i < config.viewChangeRetransmitTicks(); i++) restarted.tick(out);
        assertThat(out.persistedStates()).isEmpty();
        assertThat(out.recipients(StartViewChange.class)).containsExactly(0, 1);
    }

    // ---------------------------------------------------------------------------------------------
    // Whole clusters, delivered by hand.

    @Test
    void singleReplicaCommitsOnItsOwnDurability() {
        ClusterConfig one = ClusterConfig.builder().replicaCount(1).build();
        Replica only = Replica.create(one, 0, new EchoStateMachine(), new Prng(1));

        only.step(Request.register(CLIENT), out);
        assertThat(out.sent(Prepare.class)).isEmpty();
        only.onPrepareDurable(1, only.entry(1).checksum(), out);

        assertThat(only.commit()).isEqualTo(1);
        assertThat(out.replies()).containsExactly(new Reply(0, CLIENT, 0, Reply.Status.OK, new byte[0], 0));
    }

    @Test
    void singleReplicaRestartsIntoTheNextViewAndCommitsItsLog() {
        ClusterConfig one = ClusterConfig.builder().replicaCount(1).build();
        Replica first = Replica.create(one, 0, new EchoStateMachine(), new Prng(1));
        first.step(Request.register(CLIENT), out);
        Entry entry = first.entry(1);

        TestCluster cluster = new TestCluster(one, Replica.restart(one, 0, new EchoStateMachine(), new Prng(1),
                new Replica.Durable(0, 0, List.of(entry))));
        cluster.tickUntil(() -> cluster.replicas[0].isPrimaryNormal() && cluster.replicas[0].commit() == 1, 10);

        assertThat(cluster.replicas[0].view()).isEqualTo(1);
        assertThat(cluster.replicas[0].entry(1)).isEqualTo(entry);
        assertThat(cluster.replies).contains(new Reply(1, CLIENT, 0, Reply.Status.OK, new byte[0], 0));
    }

    @Test
    void viewChangeAfterPrimaryFailureKeepsCommittedOps() {
        // Three replicas commit a registration and one request, then the primary goes down. The
        // backups time out, elect replica 1 as primary of view 1, and the new primary still holds
        // both ops and answers the retried request from its client table.
        TestCluster cluster = new TestCluster(config, replica(0), replica(1), replica(2));
        cluster.request(Request.register(CLIENT));
        cluster.request(new Request(CLIENT, 1, bytes("hello")));
        assertThat(cluster.replies).contains(new Reply(0, CLIENT, 1, Reply.Status.OK, bytes("hello"), 0));
        long checksum = cluster.replicas[0].checksumAt(2);

        cluster.down[0] = true;
        cluster.tickUntil(() -> cluster.replicas[1].isPrimaryNormal() && cluster.replicas[2].status() == Status.NORMAL
                && cluster.replicas[2].commit() == 2, 10 * config.normalTimeoutTicks());

        Replica primary = cluster.replicas[1];
        assertThat(primary.view()).isEqualTo(1);
        assertThat(primary.commit()).isEqualTo(2);
        assertThat(primary.checksumAt(2)).isEqualTo(checksum);
        assertThat(cluster.replicas[2].view()).isEqualTo(1);
        assertThat(cluster.replicas[2].checksumAt(2)).isEqualTo(checksum);
        assertThat(primary.stateChecksum()).isEqualTo(cluster.replicas[2].stateChecksum());

        RecordingOutput direct = new RecordingOutput();
        primary.step(new Request(CLIENT, 1, bytes("hello")), direct);
        assertThat(direct.events).containsExactly(
                new Replied(new Reply(1, CLIENT, 1, Reply.Status.OK, bytes("hello"), 1)));
    }

    // ---------------------------------------------------------------------------------------------

    private Replica replica(int index) {
        return Replica.create(config, index, new EchoStateMachine(), new Prng(index + 1));
    }

    /** The prepares a fresh primary of view 0 sends for {@code requests}, one per request. */
    private List<Prepare> preparesFromPrimary(Request... requests) {
        Replica primary = replica(0);
        RecordingOutput primaryOut = new RecordingOutput();
        for (Request request : requests) primary.step(request, primaryOut);
        List<Prepare> prepares = new ArrayList<>();
        for (Event event : primaryOut.events) {
            if (event instanceof Sent s && s.replica() == 1 && s.message() instanceof Prepare p) prepares.add(p);
        }
        assertThat(prepares).hasSize(requests.length);
        return prepares;
    }

    /**
     * The prepare that a primary with a one-deep pipeline builds from requests (of these operation
     * sizes, one client each) that queued while op 1 was in flight.
     */
    private Entry batchQueuedBehindAFullPipeline(ClusterConfig config, int... operationSizes) {
        Replica primary = Replica.create(config, 0, new EchoStateMachine(), new Prng(1));
        primary.step(Request.register(CLIENT), out);
        for (int i = 0; i < operationSizes.length; i++) {
            primary.step(new Request(CLIENT + 1 + i, 1, new byte[operationSizes[i]]), out);
        }
        assertThat(primary.op()).isEqualTo(1);
        primary.onPrepareDurable(1, primary.entry(1).checksum(), out);
        primary.step(new PrepareOk(0, 1, 1), out);
        assertThat(primary.op()).isEqualTo(2);
        return primary.entry(2);
    }

    /** Drives the primary through a prepare, its own durability and backup 1's PrepareOk. */
    private void commitOnPrimary(Replica primary, Request request) {
        long commitBefore = primary.commit();
        primary.step(request, out);
        long op = primary.op();
        primary.onPrepareDurable(op, primary.entry(op).checksum(), out);
        primary.step(new PrepareOk(primary.view(), op, 1), out);
        assertThat(primary.commit()).isEqualTo(commitBefore + 1);
    }

    private void tickUntil(Replica replica, BooleanSupplier done, int ticksMax) {
        for (int i = 0; i < ticksMax; i++) {
            if (done.getAsBoolean()) return;
            replica.tick(out);
        }
        assertThat(done.getAsBoolean()).as("condition reached within %d ticks", ticksMax).isTrue();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Replicas wired together by hand: every message is delivered at once (except to or from a
     * replica that is down), and every write completes at once, in the order it was issued.
     */

}
