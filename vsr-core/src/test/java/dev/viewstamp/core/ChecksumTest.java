package dev.viewstamp.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChecksumTest {

    @Test
    void sameFieldsSameValue() {
        long a = new Checksum().add(1).add(2).add(new byte[] {3, 4, 5}).value();
        long b = new Checksum().add(1).add(2).add(new byte[] {3, 4, 5}).value();
        assertThat(a).isEqualTo(b);
    }

    @Test
    void emptyChecksumIsFixed() {
        assertThat(new Checksum().value()).isEqualTo(new Checksum().value());
    }

    @Test
    void fieldOrderMatters() {
        assertThat(new Checksum().add(1).add(2).value()).isNotEqualTo(new Checksum().add(2).add(1).value());
        assertThat(new Checksum().add(new byte[] {1}).add(new byte[] {2}).value())
                .isNotEqualTo(new Checksum().add(new byte[] {2}).add(new byte[] {1}).value());
    }

    @Test
    void fieldCountMatters() {
        assertThat(new Checksum().value()).isNotEqualTo(new Checksum().add(0).value());
        assertThat(new Checksum().add(0).value()).isNotEqualTo(new Checksum().add(0).add(0).value());
    }

    @Test
    void everyLongValueChangesTheChecksum() {
        Set<Long> values = new HashSet<>();
        for (long v = -500; v < 500; v++) values.add(new Checksum().add(v).value());
        values.add(new Checksum().add(Long.MIN_VALUE).value());
        values.add(new Checksum().add(Long.MAX_VALUE).value());
        assertThat(values).hasSize(1002);
    }

    @Test
    void byteArraysOfDifferentLengthsDiffer() {
        // Trailing zero bytes pack into the same words; only the length prefix tells these apart.
        List<byte[]> arrays = List.of(
                new byte[0], new byte[1], new byte[2], new byte[7], new byte[8], new byte[9], new byte[16],
                new byte[] {1}, new byte[] {1, 0}, new byte[] {1, 0, 0, 0, 0, 0, 0, 0}, new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0});
        Set<Long> values = new HashSet<>();
        for (byte[] bytes : arrays) values.add(new Checksum().add(bytes).value());
        assertThat(values).hasSize(arrays.size());
    }

    @Test
    void byteBoundariesBetweenFieldsMatter() {
        long split = new Checksum().add(new byte[] {1}).add(new byte[] {2, 3}).value();
        long moved = new Checksum().add(new byte[] {1, 2}).add(new byte[] {3}).value();
        long joined = new Checksum().add(new byte[] {1, 2, 3}).value();
        assertThat(Set.of(split, moved, joined)).hasSize(3);
    }

    @Test
    void everyByteOfALongArrayCounts() {
        byte[] bytes = new byte[37];
        long original = new Checksum().add(bytes).value();
        for (int i = 0; i < bytes.length; i++) {
            byte[] changed = bytes.clone();
            changed[i] = 1;
            assertThat(new Checksum().add(changed).value()).as("byte %d", i).isNotEqualTo(original);
        }
    }

    @Test
    void singleBitFlipChangesAboutHalfTheOutputBits() {
        long base = new Checksum().add(0x0123456789ABCDEFL).value();
        int totalBits = 0;
        for (int bit = 0; bit < 64; bit++) {
            long flipped = new Checksum().add(0x0123456789ABCDEFL ^ (1L << bit)).value();
            int changed = Long.bitCount(base ^ flipped);
            assertThat(changed).as("bit %d", bit).isBetween(12, 52);
            totalBits += changed;
        }
        assertThat(totalBits / 64.0).isBetween(28.0, 36.0);
    }

    @Test
    void mixIsABijectionOnSmallInputs() {
        Set<Long> values = new HashSet<>();
        for (long v = 0; v < 10_000; v++) values.add(Checksum.mix(v));
        assertThat(values).hasSize(10_000);
    }
}
