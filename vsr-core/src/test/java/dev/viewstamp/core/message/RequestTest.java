package dev.viewstamp.core.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RequestTest {

    @Test
    void registerIsRequestNumberZeroWithEmptyOperation() {
        Request register = Request.register(7);
        assertThat(register.clientId()).isEqualTo(7);
        assertThat(register.requestNumber()).isEqualTo(Request.REGISTER).isZero();
        assertThat(register.operation()).isEmpty();
        assertThat(register.isRegister()).isTrue();
        assertThat(new Request(7, 1, new byte[0]).isRegister()).isFalse();
    }

    @Test
    void rejectsNegativeRequestNumber() {
        assertThatThrownBy(() -> new Request(7, -1, new byte[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("requestNumber < 0");
    }

    @Test
    void rejectsNullOperation() {
        assertThatThrownBy(() -> new Request(7, 1, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("operation is null");
    }

    @Test
    void equalityComparesOperationBytes() {
        Request a = new Request(7, 1, new byte[] {1, 2});
        assertThat(a).isEqualTo(new Request(7, 1, new byte[] {1, 2}));
        assertThat(a).hasSameHashCodeAs(new Request(7, 1, new byte[] {1, 2}));
        assertThat(a).isNotEqualTo(new Request(7, 1, new byte[] {1, 3}));
        assertThat(a).isNotEqualTo(new Request(7, 2, new byte[] {1, 2}));
        assertThat(a).isNotEqualTo(new Request(8, 1, new byte[] {1, 2}));
    }

    @Test
    void sizeBytesCountsOverheadAndOperation() {
        assertThat(new Request(7, 1, new byte[10]).sizeBytes()).isEqualTo(30);
        assertThat(Request.register(7).sizeBytes()).isEqualTo(Request.OVERHEAD_SIZE_BYTES);
    }
}
