package dev.viewstamp.check;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrefixBitSetTest {

    @Test
    void snapshotLeavesOutLeadingOnesAndTrailingZeros() {
        PrefixBitSet bits = new PrefixBitSet(1_000);
        for (int i = 0; i < 130; i++) bits.set(i);
        PrefixBitSet.Snapshot snapshot = bits.snapshot();
        assertThat(snapshot.onesWordCount()).isEqualTo(2);
        assertThat(snapshot.words()).containsExactly(0b11L);
    }

    @Test
    void equalSetsReachedDifferentlyHaveEqualSnapshots() {
        PrefixBitSet inOrder = new PrefixBitSet(300);
        for (int i = 0; i < 200; i++) inOrder.set(i);
        PrefixBitSet withDetours = new PrefixBitSet(300);
        for (int i = 299; i >= 0; i--) withDetours.set(i);
        for (int i = 299; i >= 200; i--) withDetours.clear(i);
        withDetours.clear(5);
        withDetours.set(5);
        assertThat(withDetours.snapshot()).isEqualTo(inOrder.snapshot()).hasSameHashCodeAs(inOrder.snapshot());
        assertThat(withDetours.get(5)).isTrue();
        assertThat(withDetours.get(200)).isFalse();
    }

    @Test
    void differentSetsHaveDifferentSnapshots() {
        PrefixBitSet a = new PrefixBitSet(200);
        PrefixBitSet b = new PrefixBitSet(200);
        a.set(64);
        b.set(0);
        assertThat(a.snapshot()).isNotEqualTo(b.snapshot());
        assertThat(new PrefixBitSet(200).snapshot()).isEqualTo(new PrefixBitSet(0).snapshot());
    }
}
