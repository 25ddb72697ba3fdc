package dev.viewstamp.codec;

import dev.viewstamp.core.message.Commit;
import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.Entries;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.GetEntries;
import dev.viewstamp.core.message.GetState;
import dev.viewstamp.core.message.GetSyncChunk;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.NewState;
import dev.viewstamp.core.message.Prepare;
import dev.viewstamp.core.message.PrepareOk;
import dev.viewstamp.core.message.Recovery;
import dev.viewstamp.core.message.RecoveryResponse;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.message.StartView;
import dev.viewstamp.core.message.StartViewChange;
import dev.viewstamp.core.message.SyncChunk;
import dev.viewstamp.core.message.SyncOffer;
import dev.viewstamp.core.replica.ClusterConfig;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Arbitrary instances of every message kind, within what the records' constructors and the core
 * allow: request numbers are not negative, entries are built by {@link Entry#create} (so their
 * checksums hold) with at least one request, replica indexes and crash vectors fit
 * {@link ClusterConfig#REPLICAS_MAX}. Other numbers range over all longs, edge cases included,
 * because the codec must carry whatever the core puts in them.
 */
final class MessageArbitraries {
    private MessageArbitraries() {}

    /** One of every kind, with equal weight. */
    static Arbitrary<Message> messages() {
        return Arbitraries.oneOf(List.of(requests(), replies(), prepares(), prepareOks(), commits(), startViewChanges(),
                doViewChanges(), startViews(), getStates(), newStates(), getEntries(), entries(), recoveries(),
                recoveryResponses(), syncOffers(), getSyncChunks(), syncChunks()));
    }

    static Arbitrary<Hello> hellos() {
        Arbitrary<Hello> replicas = Combinators.combine(Arbitraries.longs(), replica())
                .as((clusterId, replica) -> new Hello(clusterId, Hello.Role.REPLICA, replica));
        Arbitrary<Hello> clients = Combinators.combine(Arbitraries.longs(), Arbitraries.longs())
                .as((clusterId, clientId) -> new Hello(clusterId, Hello.Role.CLIENT, clientId));
        return Arbitraries.oneOf(replicas, clients);
    }

    static Arbitrary<StatusReport> statusReports() {
        Arbitrary<Long> counts = Arbitraries.longs().between(0, Long.MAX_VALUE);
        return Combinators.combine(replica(), Arbitraries.of(dev.viewstamp.core.replica.Status.class), counts, counts,
                counts, counts, Arbitraries.longs(), counts)
                .as(StatusReport::new);
    }

    static Arbitrary<Message> requests() {
        return request().map(r -> r);
    }

    static Arbitrary<Message> replies() {
        return Combinators.combine(longs(3), Arbitraries.of(Reply.Status.class), bytes(64), replica())
                .as((l, status, result, replica) -> new Reply(l[0], l[1], l[2], status, result, replica));
    }

    static Arbitrary<Message> prepares() {
        return Combinators.combine(longs(5), entry(), replica())
                .as((l, entry, replica) -> new Prepare(l[0], l[1], l[2], entry, replica, l[3], l[4]));
    }

    static Arbitrary<Message> prepareOks() {
        return Combinators.combine(longs(3), replica()).as((l, replica) -> new PrepareOk(l[0], l[1], replica, l[2]));
    }

    static Arbitrary<Message> commits() {
        return Combinators.combine(longs(5), replica(), crashVectorOrNull())
                .as((l, replica, crashVector) -> new Commit(l[0], l[1], l[2], replica, crashVector, l[3], l[4]));
    }

    static Arbitrary<Message> startViewChanges() {
        return Combinators.combine(Arbitraries.longs(), replica(), crashVectorOrNull()).as(StartViewChange::new);
    }

    static Arbitrary<Message> doViewChanges() {
        Arbitrary<Long> damagedOpMax = Arbitraries.oneOf(Arbitraries.just(DoViewChange.WHOLE), Arbitraries.longs());
        return Combinators.combine(longs(6), entryList(), replica(), damagedOpMax, crashVectorOrNull())
                .as((l, suffix, replica, damaged, crashVector) -> new DoViewChange(l[0], l[1], l[2], l[3], l[4], l[5],
                        suffix, replica, damaged, crashVector));
    }

    static Arbitrary<Message> startViews() {
        return Combinators.combine(longs(5), entryList(), replica())
                .as((l, suffix, replica) -> new StartView(l[0], l[1], l[2], l[3], l[4], suffix, replica));
    }

    static Arbitrary<Message> getStates() {
        return Combinators.combine(longs(3), replica()).as((l, replica) -> new GetState(l[0], l[1], replica, l[2]));
    }

    static Arbitrary<Message> newStates() {
        return Combinators.combine(longs(6), Arbitraries.of(true, false), entryList(), replica())
                .as((l, complete, entries, replica) -> new NewState(l[0], l[1], l[2], l[3], l[4], complete, entries,
                        replica, l[5]));
    }

    static Arbitrary<Message> getEntries() {
        return Combinators.combine(longs(3), replica()).as((l, replica) -> new GetEntries(l[0], l[1], l[2], replica));
    }

    static Arbitrary<Message> entries() {
        return Combinators.combine(entryList(), replica()).as(Entries::new);
    }

    static Arbitrary<Message> recoveries() {
        return Combinators.combine(Arbitraries.longs(), crashVector(), replica()).as(Recovery::new);
    }

    static Arbitrary<Message> recoveryResponses() {
        return Combinators.combine(longs(2), crashVector(), replica())
                .as((l, crashVector, replica) -> new RecoveryResponse(l[0], crashVector, l[1], replica));
    }

    static Arbitrary<Message> syncOffers() {
        return Combinators.combine(longs(6), replica())
                .as((l, replica) -> new SyncOffer(l[0], l[1], l[2], l[3], l[4], replica, l[5]));
    }

    static Arbitrary<Message> getSyncChunks() {
        return Combinators.combine(longs(4), replica())
                .as((l, replica) -> new GetSyncChunk(l[0], l[1], l[2], replica, l[3]));
    }

    /** Chunks whose checksum matches their bytes, and chunks whose checksum does not: the codec carries both. */
    static Arbitrary<Message> syncChunks() {
        return Combinators.combine(longs(6), bytes(256), Arbitraries.of(true, false), replica())
                .as((l, bytes, intact, replica) -> new SyncChunk(l[0], l[1], l[2], l[3], l[4], bytes,
                        intact ? SyncChunk.checksumOf(bytes) : l[5], replica));
    }

    static Arbitrary<Request> request() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.longs().between(0, Long.MAX_VALUE), bytes(48))
                .as(Request::new);
    }

    /** Entries as the core builds them: view not negative, op from 1, a batch of at least one request. */
    static Arbitrary<Entry> entry() {
        return Combinators.combine(Arbitraries.longs().between(0, Long.MAX_VALUE),
                        Arbitraries.longs().between(1, Long.MAX_VALUE), longs(2), request().list().ofMinSize(1).ofMaxSize(3))
                .as((view, op, l, requests) -> Entry.create(view, op, l[0], l[1], requests));
    }

    static Arbitrary<List<Entry>> entryList() {
        return entry().list().ofMaxSize(3);
    }

    static Arbitrary<Integer> replica() {
        return Arbitraries.integers().between(0, ClusterConfig.REPLICAS_MAX - 1);
    }

    static Arbitrary<long[]> crashVector() {
        return Arbitraries.longs().between(0, Long.MAX_VALUE).array(long[].class).ofMaxSize(ClusterConfig.REPLICAS_MAX);
    }

    static Arbitrary<long[]> crashVectorOrNull() {
        return crashVector().injectNull(0.3);
    }

    private static Arbitrary<long[]> longs(int count) {
        return Arbitraries.longs().array(long[].class).ofSize(count);
    }

    private static Arbitrary<byte[]> bytes(int sizeBytesMax) {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(sizeBytesMax);
    }
}
