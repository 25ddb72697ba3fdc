package dev.viewstamp.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestClockTest {

    @Test
    void timesARequestFromItsArrivalToItsReply() {
        RequestClock clock = new RequestClock();
        clock.onRequest(42, 7, 1_000);
        assertThat(clock.onReply(42, 7, 4_500)).isEqualTo(3_500);
    }

    @Test
    void aRetryKeepsTheFirstArrival() {
        RequestClock clock = new RequestClock();
        clock.onRequest(42, 7, 1_000);
        clock.onRequest(42, 7, 3_000);
        assertThat(clock.onReply(42, 7, 4_000)).isEqualTo(3_000);
    }

    @Test
    void aReplyIsTimedOnceAndOnlyForTheRequestTimed() {
        RequestClock clock = new RequestClock();
        clock.onRequest(42, 7, 1_000);
        assertThat(clock.onReply(42, 6, 2_000)).as("an older request's reply (a duplicate answered again)").isEqualTo(-1);
        assertThat(clock.onReply(43, 7, 2_000)).as("another client").isEqualTo(-1);
        assertThat(clock.onReply(42, 7, 2_000)).isEqualTo(1_000);
        assertThat(clock.onReply(42, 7, 3_000)).as("the same reply again").isEqualTo(-1);
    }

    @Test
    void theNextRequestOfAClientReplacesItsLast() {
        RequestClock clock = new RequestClock();
        clock.onRequest(42, 7, 1_000);
        clock.onRequest(42, 8, 5_000);
        assertThat(clock.onReply(42, 7, 6_000)).isEqualTo(-1);
        assertThat(clock.onReply(42, 8, 6_000)).isEqualTo(1_000);
    }
}
