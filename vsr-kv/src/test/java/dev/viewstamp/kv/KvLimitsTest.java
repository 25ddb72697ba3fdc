package dev.viewstamp.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.ClusterConfig;
import org.junit.jupiter.api.Test;

class KvLimitsTest {

    @Test
    void defaultsAre256ByteKeysAnd64KibValues() {
        assertThat(KvLimits.defaults()).isEqualTo(new KvLimits(256, 65_536));
    }

    @Test
    void theLongestCommandOfTheDefaultsFitsTheCoresDefaultBatch() {
        // A compare-and-set of a 256-byte key and two 64 KiB values: 1 + 3 * 4 + 256 + 2 * 65,536.
        long requestSizeBytes = Request.OVERHEAD_SIZE_BYTES + KvLimits.defaults().commandSizeBytesMax();
        assertThat(requestSizeBytes).isEqualTo(131_361);
        assertThat(requestSizeBytes).isLessThanOrEqualTo(ClusterConfig.builder().build().batchSizeBytesMax());
        // What `vsr format` used to default to: not even the largest put fitted.
        assertThat(requestSizeBytes).isGreaterThan(64 * 1024);
    }

    @Test
    void keySizeMaxMustBePositive() {
        assertThatThrownBy(() -> new KvLimits(0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("keySizeBytesMax must be positive: 0");
    }

    @Test
    void valueSizeMaxMustBePositive() {
        assertThatThrownBy(() -> new KvLimits(1, -5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("valueSizeBytesMax must be positive: -5");
    }
}
