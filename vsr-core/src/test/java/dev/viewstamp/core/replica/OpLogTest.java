package dev.viewstamp.core.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpLogTest {

    private static final long CLUSTER = 5;

    @Test
    void emptyLogEndsAtOpZeroWithTheRootChecksum() {
        OpLog log = new OpLog(CLUSTER);
        assertThat(log.op()).isZero();
        assertThat(log.checksumAt(0)).isEqualTo(OpLog.rootChecksum(CLUSTER));
        assertThat(log.holds(0, OpLog.rootChecksum(CLUSTER))).isTrue();
    }

    @Test
    void rootChecksumDependsOnTheCluster() {
        assertThat(OpLog.rootChecksum(1)).isNotEqualTo(OpLog.rootChecksum(2));
        assertThat(OpLog.rootChecksum(1)).isEqualTo(OpLog.rootChecksum(1));
    }

    @Test
    void appendAddsTheNextOp() {
        OpLog log = new OpLog(CLUSTER);
        List<Entry> chain = chain(CLUSTER, 0, 3, "a");
        for (Entry entry : chain) {
            assertThat(log.chains(entry)).isTrue();
            log.append(entry);
        }
        assertThat(log.op()).isEqualTo(3);
        for (int op = 1; op <= 3; op++) {
            assertThat(log.entry(op)).isEqualTo(chain.get(op - 1));
            assertThat(log.checksumAt(op)).isEqualTo(chain.get(op - 1).checksum());
        }
    }

    @Test
    void appendRejectsEntryThatDoesNotChain() {
        OpLog log = logOf(chain(CLUSTER, 0, 2, "a"));
        Entry stranger = Entry.create(0, 3, 0x1234L, 3, List.of(request(3, "x")));
        assertThat(log.chains(stranger)).isFalse();
        assertThatThrownBy(() -> log.append(stranger)).isInstanceOf(AssertionError.class);
        assertThat(log.op()).isEqualTo(2);
    }

    @Test
    void appendRejectsFirstEntryOfAnotherCluster() {
        OpLog log = new OpLog(CLUSTER);
        Entry other = chain(CLUSTER + 1, 0, 1, "a").get(0);
        assertThat(log.chains(other)).isFalse();
        assertThatThrownBy(() -> log.append(other)).isInstanceOf(AssertionError.class);
    }

    @Test
    void appendRejectsEntryThatSkipsAnOp() {
        List<Entry> chain = chain(CLUSTER, 0, 3, "a");
        OpLog log = logOf(chain.subList(0, 1));
        assertThat(log.chains(chain.get(2))).isFalse();
        assertThatThrownBy(() -> log.append(chain.get(2))).isInstanceOf(AssertionError.class);
    }

    @Test
    void appendRejectsEntryAtAnOpAlreadyHeld() {
        List<Entry> chain = chain(CLUSTER, 0, 2, "a");
        OpLog log = logOf(chain);
        assertThat(log.chains(chain.get(1))).isFalse();
        assertThatThrownBy(() -> log.append(chain.get(1))).isInstanceOf(AssertionError.class);
    }

    @Test
    void entryOutsideTheLogIsAnInvariantFailure() {
        OpLog log = logOf(chain(CLUSTER, 0, 2, "a"));
        assertThatThrownBy(() -> log.entry(0)).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> log.entry(3)).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> log.checksumAt(3)).isInstanceOf(AssertionError.class);
    }

    @Test
    void holdsRequiresTheOpAndTheChecksum() {
        List<Entry> chain = chain(CLUSTER, 0, 2, "a");
        OpLog log = logOf(chain);
        assertThat(log.holds(2, chain.get(1).checksum())).isTrue();
        assertThat(log.holds(2, chain.get(0).checksum())).isFalse();
        assertThat(log.holds(3, chain.get(1).checksum())).isFalse();
        assertThat(log.holds(-1, 0)).isFalse();
    }

    @Test
    void truncateAfterDropsLaterEntries() {
        List<Entry> chain = chain(CLUSTER, 0, 5, "a");
        OpLog log = logOf(chain);
        log.truncateAfter(2);
        assertThat(log.op()).isEqualTo(2);
        assertThat(log.chains(chain.get(2))).isTrue();
        log.truncateAfter(0);
        assertThat(log.op()).isZero();
    }

    @Test
    void truncateAfterTheLastOpChangesNothing() {
        OpLog log = logOf(chain(CLUSTER, 0, 3, "a"));
        log.truncateAfter(3);
        assertThat(log.op()).isEqualTo(3);
    }

    @Test
    void truncateBeyondTheLogIsAnInvariantFailure() {
        OpLog log = logOf(chain(CLUSTER, 0, 3, "a"));
        assertThatThrownBy(() -> log.truncateAfter(4)).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> log.truncateAfter(-1)).isInstanceOf(AssertionError.class);
        assertThat(log.op()).isEqualTo(3);
    }

    @Test
    void sliceReturnsEntriesAfterFromUpToAndIncludingTo() {
        List<Entry> chain = chain(CLUSTER, 0, 5, "a");
        OpLog log = logOf(chain);
        assertThat(log.slice(1, 3)).containsExactly(chain.get(1), chain.get(2));
        assertThat(log.slice(0, 5)).containsExactlyElementsOf(chain);
        assertThat(log.slice(2, 2)).isEmpty();
        assertThat(log.slice(5, 5)).isEmpty();
    }

    @Test
    void sliceIsACopyThatLaterTruncationDoesNotChange() {
        List<Entry> chain = chain(CLUSTER, 0, 5, "a");
        OpLog log = logOf(chain);
        List<Entry> slice = log.slice(0, 5);
        log.truncateAfter(1);
        assertThat(slice).containsExactlyElementsOf(chain);
        assertThatThrownBy(() -> slice.add(chain.get(0))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void sliceOutsideTheLogIsAnInvariantFailure() {
        OpLog log = logOf(chain(CLUSTER, 0, 3, "a"));
        assertThatThrownBy(() -> log.slice(0, 4)).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> log.slice(2, 1)).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> log.slice(-1, 1)).isInstanceOf(AssertionError.class);
    }

    @Test
    void replaceAfterKeepsMatchingPrefixAndReturnsFirstChangedOp() {
        // Ours: 1 2 3 4 5 (view 0). Theirs after anchor 2: 3 4' 5' 6', forking after op 3.
        List<Entry> ours = chain(CLUSTER, 0, 5, "a");
        List<Entry> theirs = new ArrayList<>(ours.subList(0, 3));
        theirs.addAll(extend(theirs.get(2), 1, 3, "b"));
        OpLog log = logOf(ours);

        long firstChanged = log.replaceAfter(2, theirs.subList(2, 6));

        assertThat(firstChanged).isEqualTo(4);
        assertThat(log.op()).isEqualTo(6);
        assertThat(log.slice(0, 6)).containsExactlyElementsOf(theirs);
    }

    @Test
    void replaceAfterWithSuffixThatIsAPrefixOfTheLogTruncatesTheExtraEntries() {
        List<Entry> ours = chain(CLUSTER, 0, 5, "a");
        OpLog log = logOf(ours);

        long firstChanged = log.replaceAfter(2, ours.subList(2, 4));

        assertThat(log.op()).isEqualTo(4);
        assertThat(log.slice(0, 4)).containsExactlyElementsOf(ours.subList(0, 4));
        assertThat(firstChanged).isEqualTo(5);
    }

    @Test
    void replaceAfterWithEmptySuffixTruncatesToTheAnchor() {
        OpLog log = logOf(chain(CLUSTER, 0, 5, "a"));
        assertThat(log.replaceAfter(2, List.of())).isEqualTo(3);
        assertThat(log.op()).isEqualTo(2);
    }

    @Test
    void replaceAfterWithTheSameEntriesChangesNothing() {
        List<Entry> ours = chain(CLUSTER, 0, 5, "a");
        OpLog log = logOf(ours);
        assertThat(log.replaceAfter(2, ours.subList(2, 5))).isEqualTo(6);
        assertThat(log.replaceAfter(5, List.of())).isEqualTo(6);
        assertThat(log.slice(0, 5)).containsExactlyElementsOf(ours);
    }

    @Test
    void replaceAfterThatExtendsAMatchingLogReturnsTheFirstNewOp() {
        List<Entry> longer = chain(CLUSTER, 0, 5, "a");
        OpLog log = logOf(longer.subList(0, 3));
        assertThat(log.replaceAfter(1, longer.subList(1, 5))).isEqualTo(4);
        assertThat(log.slice(0, 5)).containsExactlyElementsOf(longer);
    }

    @Test
    void replaceAfterReplacesADivergentSuffixFromTheAnchor() {
        List<Entry> ours = chain(CLUSTER, 0, 4, "a");
        List<Entry> theirs = extend(ours.get(0), 1, 2, "b");
        OpLog log = logOf(ours);

        assertThat(log.replaceAfter(1, theirs)).isEqualTo(2);
        assertThat(log.op()).isEqualTo(3);
        assertThat(log.entry(1)).isEqualTo(ours.get(0));
        assertThat(log.slice(1, 3)).containsExactlyElementsOf(theirs);
    }

    @Test
    void replaceAfterRejectsSuffixThatDoesNotChainToTheAnchor() {
        OpLog log = logOf(chain(CLUSTER, 0, 3, "a"));
        List<Entry> unrelated = extend(chain(CLUSTER, 0, 1, "z").get(0), 1, 2, "b");
        assertThatThrownBy(() -> log.replaceAfter(1, unrelated)).isInstanceOf(AssertionError.class);
    }

    // ---------------------------------------------------------------------------------------------

    /** A hash chain of {@code count} entries of {@code view} from the root of {@code clusterId}. */
    @Test
    void compactingKeepsTheEntriesAfterTheCheckpointAndItsChecksumAsTheAnchor() {
        OpLog log = new OpLog(CLUSTER);
        List<Entry> chain = chain(CLUSTER, 0, 6, "a");
        chain.forEach(log::append);
        log.compactTo(4);
        assertThat(log.anchorOp()).isEqualTo(4);
        assertThat(log.op()).isEqualTo(6);
        assertThat(log.checksumAt(4)).isEqualTo(chain.get(3).checksum());
        assertThat(log.holds(4, chain.get(3).checksum())).isTrue();
        assertThat(log.holds(3, chain.get(2).checksum())).as("compacted ops are not held").isFalse();
        assertThat(log.entry(5)).isEqualTo(chain.get(4));
        assertThat(log.slice(4, 6)).containsExactly(chain.get(4), chain.get(5));
        assertThatThrownBy(() -> log.entry(4)).hasMessageContaining("entry op above the anchor");
        assertThatThrownBy(() -> log.slice(3, 6)).hasMessageContaining("slice from at or above the anchor");
    }

    @Test
    void aLogCompactedToItsLastOpStillChainsTheNextEntryAndKnowsItsTimestamp() {
        OpLog log = new OpLog(CLUSTER);
        List<Entry> chain = chain(CLUSTER, 0, 4, "a");
        chain.forEach(log::append);
        log.compactTo(4);
        assertThat(log.op()).isEqualTo(4);
        assertThat(log.lastTimestamp()).isEqualTo(chain.get(3).timestamp());
        Entry next = extend(chain.get(3), 0, 1, "b").get(0);
        assertThat(log.chains(next)).isTrue();
        log.append(next);
        assertThat(log.op()).isEqualTo(5);
        assertThat(log.lastTimestamp()).isEqualTo(next.timestamp());
    }

    @Test
    void truncationAndReplacementStopAtTheAnchor() {
        OpLog log = new OpLog(CLUSTER);
        List<Entry> chain = chain(CLUSTER, 0, 6, "a");
        chain.forEach(log::append);
        log.compactTo(3);
        List<Entry> other = extend(chain.get(3), 1, 3, "b");
        assertThat(log.replaceAfter(4, other)).isEqualTo(5);
        assertThat(log.op()).isEqualTo(7);
        log.truncateAfter(3);
        assertThat(log.op()).isEqualTo(3);
        assertThatThrownBy(() -> log.truncateAfter(2)).hasMessageContaining("truncate at or above the anchor");
        assertThatThrownBy(() -> log.compactTo(2)).hasMessageContaining("compact forwards");
    }

    @Test
    void resetToAnAnchorForgetsEveryEntry() {
        OpLog log = new OpLog(CLUSTER);
        List<Entry> chain = chain(CLUSTER, 0, 6, "a");
        chain.forEach(log::append);
        log.resetTo(40, 0xABCL, 99);
        assertThat(log.anchorOp()).isEqualTo(40);
        assertThat(log.op()).isEqualTo(40);
        assertThat(log.holds(40, 0xABCL)).isTrue();
        assertThat(log.lastTimestamp()).isEqualTo(99);
        log.resetTo(0, 0, 0);
        assertThat(log.holds(0, OpLog.rootChecksum(CLUSTER))).isTrue();
    }

    static List<Entry> chain(long clusterId, long view, int count, String tag) {
        List<Entry> entries = new ArrayList<>();
        long parent = OpLog.rootChecksum(clusterId);
        for (int op = 1; op <= count; op++) {
            Entry entry = Entry.create(view, op, parent, op, List.of(request(op, tag)));
            entries.add(entry);
            parent = entry.checksum();
        }
        return entries;
    }

    /** {@code count} entries of {@code view} that chain after {@code last}. */
    static List<Entry> extend(Entry last, long view, int count, String tag) {
        List<Entry> entries = new ArrayList<>();
        long parent = last.checksum();
        for (long op = last.op() + 1; op <= last.op() + count; op++) {
            Entry entry = Entry.create(view, op, parent, op, List.of(request(op, tag)));
            entries.add(entry);
            parent = entry.checksum();
        }
        return entries;
    }

    private static OpLog logOf(List<Entry> entries) {
        OpLog log = new OpLog(CLUSTER);
        for (Entry entry : entries) log.append(entry);
        return log;
    }

    private static Request request(long n, String tag) {
        return new Request(1, n, (tag + n).getBytes());
    }
}
