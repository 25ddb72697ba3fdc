package dev.viewstamp.core.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.Test;

/** The defaults a service gets when it implements only {@code execute} and {@code stateChecksum}. */
class StateMachineTest {

    /** A service that does not snapshot: it overrides nothing but the two abstract methods. */
    private static final class Counter implements StateMachine {
        long executed;

        @Override
        public byte[] execute(long op, long timestamp, byte[] operation) {
            executed++;
            return new byte[0];
        }

        @Override
        public long stateChecksum() {
            return executed;
        }
    }

    @Test
    void serviceWithoutSnapshotsReturnsNullSnapshot() {
        assertThat(new Counter().snapshot()).isNull();
    }

    @Test
    void serviceWithoutSnapshotsRefusesToRestoreAndKeepsItsState() {
        Counter counter = new Counter();
        counter.execute(1, 0, new byte[0]);

        assertThatThrownBy(() -> counter.restore(new ByteArrayInputStream(new byte[8])))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(Counter.class.getName())
                .hasMessageContaining("cannot restore");
        assertThat(counter.stateChecksum()).isEqualTo(1);
    }
}
