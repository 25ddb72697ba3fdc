package dev.viewstamp.core.message;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReplyTest {

    @Test
    void equalityComparesResultBytes() {
        Reply a = new Reply(1, 7, 2, Reply.Status.OK, new byte[] {1, 2}, 0);
        assertThat(a).isEqualTo(new Reply(1, 7, 2, Reply.Status.OK, new byte[] {1, 2}, 0));
        assertThat(a).hasSameHashCodeAs(new Reply(1, 7, 2, Reply.Status.OK, new byte[] {1, 2}, 0));
        assertThat(a).isNotEqualTo(new Reply(1, 7, 2, Reply.Status.OK, new byte[] {1, 3}, 0));
        assertThat(a).isNotEqualTo(new Reply(1, 7, 2, Reply.Status.EVICTED, new byte[] {1, 2}, 0));
        assertThat(a).isNotEqualTo(new Reply(2, 7, 2, Reply.Status.OK, new byte[] {1, 2}, 0));
        assertThat(a).isNotEqualTo(new Reply(1, 7, 2, Reply.Status.OK, new byte[] {1, 2}, 1));
    }
}
