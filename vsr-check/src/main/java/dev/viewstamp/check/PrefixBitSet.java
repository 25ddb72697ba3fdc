package dev.viewstamp.check;

import java.util.Arrays;

/**
 * A fixed-size bit set whose {@link #snapshot()} leaves out the all-ones words at the start and
 * the all-zero words at the end.
 *
 * <p>The search memoises every set of linearized ops it reaches. Those sets are mostly "every op
 * up to about here": in a sequential history of 100,000 ops, a full copy per memo entry would
 * take 100,000 x 12.5 KB, over a gigabyte, while a trimmed snapshot is a word or two.
 */
final class PrefixBitSet {

    private final long[] words;

    /** Every word below this index is all ones. */
    private int onesWordCount;

    /** Every word at or above this index is zero. */
    private int usedWordCount;

    PrefixBitSet(int bitCount) {
        words = new long[(bitCount + 63) >>> 6];
    }

    boolean get(int index) {
        return (words[index >>> 6] & (1L << index)) != 0;
    }

    void set(int index) {
        int word = index >>> 6;
        words[word] |= 1L << index;
        usedWordCount = Math.max(usedWordCount, word + 1);
        while (onesWordCount < words.length && words[onesWordCount] == -1L) onesWordCount++;
    }

    void clear(int index) {
        int word = index >>> 6;
        words[word] &= ~(1L << index);
        onesWordCount = Math.min(onesWordCount, word);
        while (usedWordCount > 0 && words[usedWordCount - 1] == 0) usedWordCount--;
    }

    Snapshot snapshot() {
        return new Snapshot(onesWordCount, Arrays.copyOfRange(words, onesWordCount, usedWordCount));
    }

    /**
     * An immutable copy: the first {@code onesWordCount} words are all ones, then come {@code
     * words}, then zeros. Equal sets give equal snapshots, because both bounds are exact.
     */
    record Snapshot(int onesWordCount, long[] words) {

        @Override
        public boolean equals(Object other) {
            return other instanceof Snapshot that
                    && onesWordCount == that.onesWordCount
                    && Arrays.equals(words, that.words);
        }

        @Override
        public int hashCode() {
            return 31 * onesWordCount + Arrays.hashCode(words);
        }

        @Override
        public String toString() {
            return "Snapshot[onesWordCount=" + onesWordCount + ", words=" + Arrays.toString(words) + "]";
        }
    }
}
