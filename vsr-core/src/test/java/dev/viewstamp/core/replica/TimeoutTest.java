package dev.viewstamp.core.replica;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TimeoutTest {

    @Test
    void firesOnceAtItsDeadline() {
        Timeout timeout = new Timeout("t");
        timeout.start(10, 5);
        assertThat(timeout.running()).isTrue();
        assertThat(timeout.fired(14)).isFalse();
        assertThat(timeout.fired(15)).isTrue();
        assertThat(timeout.running()).isFalse();
        assertThat(timeout.fired(16)).isFalse();
    }

    @Test
    void firesLateWhenTheDeadlineWasMissed() {
        Timeout timeout = new Timeout("t");
        timeout.start(0, 5);
        assertThat(timeout.fired(100)).isTrue();
    }

    @Test
    void stoppedTimeoutNeverFires() {
        Timeout timeout = new Timeout("t");
        timeout.start(0, 5);
        timeout.stop();
        assertThat(timeout.fired(5)).isFalse();
        assertThat(new Timeout("never started").fired(1_000)).isFalse();
    }

    @Test
    void restartMovesTheDeadline() {
        Timeout timeout = new Timeout("t");
        timeout.start(0, 5);
        timeout.start(4, 5);
        assertThat(timeout.fired(5)).isFalse();
        assertThat(timeout.fired(9)).isTrue();
        timeout.start(9, 1);
        assertThat(timeout.fired(10)).isTrue();
    }
}
