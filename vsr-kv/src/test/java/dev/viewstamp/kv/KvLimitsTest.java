package dev.viewstamp.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KvLimitsTest {

    @Test
    void defaultsAre256ByteKeysAnd64KibValues() {
        assertThat(KvLimits.defaults()).isEqualTo(new KvLimits(256, 65_536));
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
