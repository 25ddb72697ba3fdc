package dev.viewstamp.core.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientSessionTest {

    private static final long CLIENT = 7;

    /** Records what a session sends. */
    private static final class RecordingSender implements ClientSession.Sender {
        record Sent(int replica, Request request) {}

        final List<Sent> sent = new ArrayList<>();

        @Override
        public void send(int replica, Request request) {
            sent.add(new Sent(replica, request));
        }

        List<Integer> replicas() {
            return sent.stream().map(Sent::replica).toList();
        }

        Request last() {
            return sent.get(sent.size() - 1).request();
        }
    }

    private final RecordingSender sender = new RecordingSender();

    @Test
    void registerSendsRequestNumberZeroToThePrimaryOfViewZero() {
        ClientSession session = session(3, 10, 80);
        session.register(sender);

        assertThat(sender.sent).containsExactly(new RecordingSender.Sent(0, Request.register(CLIENT)));
        assertThat(session.requestNumber()).isZero();
        assertThat(session.hasOutstanding()).isTrue();
        assertThat(session.registered()).isFalse();
        assertThat(session.idle()).isFalse();
    }

    @Test
    void registerTwiceIsAnInvariantFailure() {
        ClientSession session = session(3, 10, 80);
        session.register(sender);
        assertThatThrownBy(() -> session.register(sender)).isInstanceOf(AssertionError.class);
    }

    @Test
    void registrationReplyMakesTheSessionIdle() {
        ClientSession session = session(3, 10, 80);
        session.register(sender);

        ClientSession.Completion completion = session.onReply(ok(0, 0, new byte[0]));

        assertThat(completion.requestNumber()).isZero();
        assertThat(completion.status()).isEqualTo(Reply.Status.OK);
        assertThat(session.registered()).isTrue();
        assertThat(session.idle()).isTrue();
        assertThat(session.hasOutstanding()).isFalse();
    }

    @Test
    void submitBeforeRegistrationCompletesIsRejected() {
        ClientSession unregistered = session(3, 10, 80);
        assertThatThrownBy(() -> unregistered.submit(new byte[] {1}, sender)).isInstanceOf(IllegalStateException.class);
        unregistered.register(sender);
        assertThatThrownBy(() -> unregistered.submit(new byte[] {1}, sender)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void submitNumbersRequestsInOrder() {
        ClientSession session = registered(3);

        Request first = session.submit(new byte[] {1}, sender);
        assertThat(first).isEqualTo(new Request(CLIENT, 1, new byte[] {1}));
        assertThat(sender.last()).isEqualTo(first);
        session.onReply(ok(0, 1, new byte[] {1}));

        Request second = session.submit(new byte[] {2}, sender);
        assertThat(second.requestNumber()).isEqualTo(2);
        assertThat(session.requestNumber()).isEqualTo(2);
    }

    @Test
    void onlyOneRequestIsOutstanding() {
        ClientSession session = registered(3);
        session.submit(new byte[] {1}, sender);
        assertThatThrownBy(() -> session.submit(new byte[] {2}, sender)).isInstanceOf(IllegalStateException.class);
        assertThat(session.requestNumber()).isEqualTo(1);
    }

    @Test
    void replyCompletesTheOutstandingRequestWithItsResult() {
        ClientSession session = registered(3);
        session.submit(new byte[] {1}, sender);

        ClientSession.Completion completion = session.onReply(ok(0, 1, new byte[] {4, 2}));

        assertThat(completion.requestNumber()).isEqualTo(1);
        assertThat(completion.status()).isEqualTo(Reply.Status.OK);
        assertThat(completion.result()).containsExactly(4, 2);
        assertThat(session.idle()).isTrue();
    }

    @Test
    void ignoresRepliesForOtherRequestNumbers() {
        ClientSession session = registered(3);
        session.submit(new byte[] {1}, sender);

        // A late duplicate of the registration reply, then a reply from the future.
        assertThat(session.onReply(ok(0, 0, new byte[0]))).isNull();
        assertThat(session.onReply(ok(0, 2, new byte[0]))).isNull();

        assertThat(session.hasOutstanding()).isTrue();
        assertThat(session.onReply(ok(0, 1, new byte[0]))).isNotNull();
    }

    @Test
    void duplicateReplyAfterCompletionIsIgnored() {
        ClientSession session = registered(3);
        session.submit(new byte[] {1}, sender);
        assertThat(session.onReply(ok(0, 1, new byte[0]))).isNotNull();
        assertThat(session.onReply(ok(0, 1, new byte[0]))).isNull();
        assertThat(session.idle()).isTrue();
    }

    @Test
    void ignoresRepliesForOtherClients() {
        ClientSession session = registered(3);
        session.submit(new byte[] {1}, sender);

        assertThat(session.onReply(new Reply(5, CLIENT + 1, 1, Reply.Status.OK, new byte[0], 2))).isNull();

        assertThat(session.hasOutstanding()).isTrue();
        assertThat(session.view()).isZero();
    }

    @Test
    void replyTeachesTheView() {
        ClientSession session = registered(3);
        session.submit(new byte[] {1}, sender);
        session.onReply(ok(4, 1, new byte[0]));
        assertThat(session.view()).isEqualTo(4);

        session.submit(new byte[] {2}, sender);
        assertThat(sender.sent.get(sender.sent.size() - 1).replica()).isEqualTo(1);
    }

    @Test
    void replyForAnotherRequestStillTeachesTheView() {
        ClientSession session = registered(3);
        session.submit(new byte[] {1}, sender);
        assertThat(session.onReply(ok(2, 0, new byte[0]))).isNull();
        assertThat(session.view()).isEqualTo(2);
    }

    @Test
    void olderViewInAReplyDoesNotMoveTheViewBack() {
        ClientSession session = registered(3);
        session.submit(new byte[] {1}, sender);
        session.onReply(ok(5, 1, new byte[0]));
        session.submit(new byte[] {2}, sender);
        session.onReply(ok(3, 2, new byte[0]));
        assertThat(session.view()).isEqualTo(5);
    }

    @Test
    void firstRetryGoesToBelievedPrimaryLaterRetriesToAll() {
        ClientSession session = registered(3);
        session.onReply(ok(1, 0, new byte[0])); // Learns view 1: primary is replica 1.
        session.submit(new byte[] {1}, sender);
        sender.sent.clear();

        tickUntilSent(session);
        assertThat(sender.replicas()).containsExactly(1);
        sender.sent.clear();

        tickUntilSent(session);
        assertThat(sender.replicas()).containsExactly(0, 1, 2);
        sender.sent.clear();

        tickUntilSent(session);
        assertThat(sender.replicas()).containsExactly(0, 1, 2);
        assertThat(sender.sent).allSatisfy(sent -> assertThat(sent.request().requestNumber()).isEqualTo(1));
    }

    @Test
    void noRetryBeforeTheTimeout() {
        ClientSession session = registered(3, 10, 80);
        session.submit(new byte[] {1}, sender);
        sender.sent.clear();
        for (int i = 0; i < 9; i++) session.tick(sender);
        assertThat(sender.sent).isEmpty();
    }

    @Test
    void noRetryOnceTheReplyArrived() {
        ClientSession session = registered(3, 10, 80);
        session.submit(new byte[] {1}, sender);
        session.onReply(ok(0, 1, new byte[0]));
        sender.sent.clear();
        for (int i = 0; i < 1_000; i++) session.tick(sender);
        assertThat(sender.sent).isEmpty();
    }

    @Test
    void retryTimeoutDoublesUpToItsMaximum() {
        // With a one-tick base timeout the jitter, drawn from [0, base / 2], is always zero.
        ClientSession session = registered(3, 1, 8);
        session.submit(new byte[] {1}, sender);
        sender.sent.clear();

        List<Integer> retryTicks = new ArrayList<>();
        for (int tick = 1; tick <= 40; tick++) {
            int before = sender.sent.size();
            session.tick(sender);
            if (sender.sent.size() > before) retryTicks.add(tick);
        }
        assertThat(retryTicks).containsExactly(1, 3, 7, 15, 23, 31, 39);
    }

    @Test
    void retryTimeoutStaysWithinBackoffPlusJitter() {
        int base = 10;
        int max = 80;
        ClientSession session = registered(3, base, max);
        session.submit(new byte[] {1}, sender);
        sender.sent.clear();

        for (int attempt = 0; attempt < 8; attempt++) {
            int waited = tickUntilSent(session);
            int backoff = Math.min(base << attempt, max);
            assertThat(waited).as("attempt %d", attempt).isBetween(backoff, backoff + base / 2);
        }
    }

    @Test
    void sameSeedSameRetrySchedule() {
        RecordingSender otherSender = new RecordingSender();
        ClientSession a = registered(3, 10, 80, new Prng(99), sender);
        ClientSession b = registered(3, 10, 80, new Prng(99), otherSender);
        a.submit(new byte[] {1}, sender);
        b.submit(new byte[] {1}, otherSender);
        List<Integer> ticksA = new ArrayList<>();
        List<Integer> ticksB = new ArrayList<>();
        for (int tick = 1; tick <= 500; tick++) {
            int beforeA = sender.sent.size();
            int beforeB = otherSender.sent.size();
            a.tick(sender);
            b.tick(otherSender);
            if (sender.sent.size() > beforeA) ticksA.add(tick);
            if (otherSender.sent.size() > beforeB) ticksB.add(tick);
        }
        assertThat(ticksA).isNotEmpty().isEqualTo(ticksB);
    }

    @Test
    void retryCountStartsAfreshForEachRequest() {
        ClientSession session = registered(3);
        session.submit(new byte[] {1}, sender);
        tickUntilSent(session);
        tickUntilSent(session);
        session.onReply(ok(0, 1, new byte[0]));

        session.submit(new byte[] {2}, sender);
        sender.sent.clear();
        tickUntilSent(session);
        assertThat(sender.replicas()).containsExactly(0);
    }

    @Test
    void evictionReplyEndsTheSession() {
        ClientSession session = registered(3);
        session.submit(new byte[] {1}, sender);

        ClientSession.Completion completion =
                session.onReply(new Reply(0, CLIENT, 1, Reply.Status.EVICTED, new byte[0], 0));

        assertThat(completion.status()).isEqualTo(Reply.Status.EVICTED);
        assertThat(session.evicted()).isTrue();
        assertThat(session.idle()).isFalse();
        assertThat(session.hasOutstanding()).isFalse();
        assertThatThrownBy(() -> session.submit(new byte[] {2}, sender)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void evictedSessionStopsRetrying() {
        ClientSession session = registered(3, 10, 80);
        session.submit(new byte[] {1}, sender);
        session.onReply(new Reply(0, CLIENT, 1, Reply.Status.EVICTED, new byte[0], 0));
        sender.sent.clear();
        for (int i = 0; i < 1_000; i++) session.tick(sender);
        assertThat(sender.sent).isEmpty();
    }

    @Test
    void tooLargeReplyCompletesTheRequestAndStopsItsRetries() {
        ClientSession session = registered(3, 10, 80);
        session.submit(new byte[1000], sender);

        ClientSession.Completion completion =
                session.onReply(new Reply(2, CLIENT, 1, Reply.Status.TOO_LARGE, new byte[0], 2));

        assertThat(completion.status()).isEqualTo(Reply.Status.TOO_LARGE);
        assertThat(completion.requestNumber()).isEqualTo(1);
        assertThat(session.hasOutstanding()).isFalse();
        sender.sent.clear();
        for (int i = 0; i < 1_000; i++) session.tick(sender);
        assertThat(sender.sent).isEmpty();

        // The session is still open: the next request takes the next number, to the primary it learnt.
        assertThat(session.evicted()).isFalse();
        assertThat(session.idle()).isTrue();
        Request next = session.submit(new byte[] {2}, sender);
        assertThat(next.requestNumber()).isEqualTo(2);
        assertThat(sender.sent).containsExactly(new RecordingSender.Sent(2, next));
    }

    @Test
    void constructorRejectsBadSettings() {
        Prng prng = new Prng(1);
        assertThatThrownBy(() -> new ClientSession(CLIENT, 0, 10, 80, prng)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClientSession(CLIENT, 3, 0, 80, prng)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClientSession(CLIENT, 3, 10, 9, prng)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------------------------------------

    private ClientSession session(int replicaCount, int timeoutTicks, int timeoutTicksMax) {
        return new ClientSession(CLIENT, replicaCount, timeoutTicks, timeoutTicksMax, new Prng(1));
    }

    private ClientSession registered(int replicaCount) {
        return registered(replicaCount, 10, 80);
    }

    private ClientSession registered(int replicaCount, int timeoutTicks, int timeoutTicksMax) {
        return registered(replicaCount, timeoutTicks, timeoutTicksMax, new Prng(1), sender);
    }

    private static ClientSession registered(int replicaCount, int timeoutTicks, int timeoutTicksMax, Prng prng,
            RecordingSender sender) {
        ClientSession session = new ClientSession(CLIENT, replicaCount, timeoutTicks, timeoutTicksMax, prng);
        session.register(sender);
        assertThat(session.onReply(ok(0, 0, new byte[0]))).isNotNull();
        sender.sent.clear();
        return session;
    }

    /** Ticks until the session sends something; returns how many ticks that took. */
    private int tickUntilSent(ClientSession session) {
        int before = sender.sent.size();
        for (int ticks = 1; ticks <= 10_000; ticks++) {
            session.tick(sender);
            if (sender.sent.size() > before) return ticks;
        }
        throw new AssertionError("no retry within 10000 ticks");
    }

    private static Reply ok(long view, long requestNumber, byte[] result) {
        return new Reply(view, CLIENT, requestNumber, Reply.Status.OK, result, 0);
    }
}
