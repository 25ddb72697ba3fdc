package dev.viewstamp.check;

import static dev.viewstamp.check.Operation.append;
import static dev.viewstamp.check.Operation.casFail;
import static dev.viewstamp.check.Operation.casOk;
import static dev.viewstamp.check.Operation.casUnknown;
import static dev.viewstamp.check.Operation.delete;
import static dev.viewstamp.check.Operation.get;
import static dev.viewstamp.check.Operation.put;
import static dev.viewstamp.check.Operation.putUnknown;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.check.Result.Verdict;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {

    private final LinearizabilityChecker checker = new LinearizabilityChecker();

    private Verdict verdict(String initialValue, Operation... history) {
        return checker.check(List.of(history), initialValue).verdict();
    }

    private Verdict verdict(Operation... history) {
        return verdict(null, history);
    }

    @Test
    void emptyHistoryIsLinearizable() {
        assertThat(verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void readOfInitialValueIsLinearizable() {
        assertThat(verdict(get(0, "x", null, 0, 1))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict("", get(0, "x", "", 0, 1))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict("", get(0, "x", null, 0, 1))).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void staleReadAfterCompletedWriteIsNotLinearizable() {
        assertThat(verdict(
                put(0, "x", "1", 0, 1),
                put(0, "x", "2", 2, 3),
                get(1, "x", "1", 4, 5)))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void readConcurrentWithWriteMaySeeEitherValue() {
        Operation write = put(0, "x", "1", 0, 10);
        assertThat(verdict(write, get(1, "x", null, 2, 3))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict(write, get(1, "x", "1", 2, 3))).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void readsMayNotSeeConcurrentWriteAndThenUndoIt() {
        // Both reads overlap the write, but the first saw it, so the second, which starts after
        // the first returned, must see it too.
        assertThat(verdict(
                put(0, "x", "1", 0, 10),
                get(1, "x", "1", 2, 3),
                get(2, "x", null, 4, 5)))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void opsThatTouchAtOneInstantAreConcurrent() {
        // The write returns at 5 and the read is invoked at 5: neither precedes the other.
        assertThat(verdict(put(0, "x", "1", 0, 5), get(1, "x", null, 5, 6))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict(put(0, "x", "1", 0, 5), get(1, "x", null, 6, 7))).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void concurrentWritesMayTakeEffectInEitherOrder() {
        Operation one = put(0, "x", "1", 0, 5);
        Operation two = put(1, "x", "2", 1, 4);
        assertThat(verdict(one, two, get(2, "x", "1", 6, 7))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict(one, two, get(2, "x", "2", 6, 7))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict(one, two, get(2, "x", "2", 6, 7), get(2, "x", "1", 8, 9)))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void failedCasMeansTheValueDifferedFromExpected() {
        assertThat(verdict(put(0, "x", "1", 0, 1), casFail(1, "x", "1", "2", 2, 3)))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdict(put(0, "x", "1", 0, 1), casFail(1, "x", "3", "2", 2, 3), get(1, "x", "1", 4, 5)))
                .isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void failedCasChangesNothing() {
        assertThat(verdict(put(0, "x", "1", 0, 1), casFail(1, "x", "3", "2", 2, 3), get(1, "x", "2", 4, 5)))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void failedCasConcurrentWithWriteMayGoBeforeIt() {
        assertThat(verdict(put(0, "x", "1", 0, 10), casFail(1, "x", "1", "2", 2, 3)))
                .isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void successfulCasNeedsTheExpectedValueIncludingAbsent() {
        assertThat(verdict(casOk(0, "x", null, "1", 0, 1), get(1, "x", "1", 2, 3))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict(put(0, "x", "0", 0, 1), casOk(1, "x", null, "1", 2, 3)))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void deleteMakesTheKeyAbsentAndAppendTreatsAbsentAsEmpty() {
        assertThat(verdict(
                put(0, "x", "a", 0, 1),
                delete(0, "x", 2, 3),
                get(0, "x", null, 4, 5),
                append(0, "x", "b", 6, 7),
                append(0, "x", null, 8, 9),
                get(0, "x", "b", 10, 11)))
                .isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void concurrentAppendsShowUpInOneOrderForAllReaders() {
        Operation a = append(0, "x", "a", 0, 10);
        Operation b = append(1, "x", "b", 0, 10);
        assertThat(verdict("", a, b, get(2, "x", "ba", 11, 12))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict("", a, b, get(2, "x", "ab", 1, 2), get(3, "x", "b", 3, 4)))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void unknownWriteMayHaveTakenEffectOrNot() {
        Operation before = put(0, "x", "1", 0, 1);
        Operation unknown = putUnknown(1, "x", "2", 2);
        assertThat(verdict(before, unknown, get(2, "x", "1", 3, 4))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict(before, unknown, get(2, "x", "2", 3, 4))).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void unknownWriteTakesEffectAtMostOnce() {
        assertThat(verdict(
                put(0, "x", "1", 0, 1),
                putUnknown(1, "x", "2", 2),
                get(2, "x", "2", 3, 4),
                put(0, "x", "1", 5, 6),
                get(2, "x", "2", 7, 8)))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void unknownWriteMayTakeEffectLongAfterItsInvocation() {
        // Reads at 3 and 10 still see "1", so the write, if it happened, happened after 11.
        assertThat(verdict(
                put(0, "x", "1", 0, 1),
                putUnknown(1, "x", "2", 2),
                get(2, "x", "1", 3, 4),
                get(2, "x", "1", 10, 11),
                get(2, "x", "2", 100, 101)))
                .isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void unknownWriteCannotTakeEffectBeforeItsInvocation() {
        assertThat(verdict(get(2, "x", "2", 0, 1), putUnknown(1, "x", "2", 2))).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void unknownReturnTimeIsIgnored() {
        Operation unknown = new Operation(1, "x", Operation.Kind.PUT, "2", null, Operation.Outcome.UNKNOWN, 2, 3);
        assertThat(unknown.returnTime()).isEqualTo(Operation.NEVER_RETURNED);
        assertThat(verdict(unknown, get(2, "x", "2", 10, 11))).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void unknownCasSwapsOnlyFromItsExpectedValue() {
        Operation unknown = casUnknown(1, "x", "1", "2", 2);
        assertThat(verdict(put(0, "x", "1", 0, 1), unknown, get(2, "x", "2", 3, 4))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict(put(0, "x", "3", 0, 1), unknown, get(2, "x", "2", 3, 4)))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void chainOfUnknownWritesCanExplainAValue() {
        // "3" is reachable only by the unknown put of "2", then the unknown CAS from "2" to "3".
        assertThat(verdict(
                put(0, "x", "1", 0, 1),
                casUnknown(1, "x", "2", "3", 2),
                putUnknown(2, "x", "2", 3),
                get(3, "x", "3", 10, 11)))
                .isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void unknownWriteObservedOnlyThroughFailedCasCounts() {
        // The CAS from "1" failed, so the register did not hold "1": only the unknown write explains it.
        assertThat(verdict(put(0, "x", "1", 0, 1), putUnknown(1, "x", "2", 2), casFail(2, "x", "1", "5", 3, 4)))
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict(put(0, "x", "1", 0, 1), casFail(2, "x", "1", "5", 3, 4)))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void readsAndWritesThatFailedOrGotNoReplyConstrainNothing() {
        Operation unknownRead =
                new Operation(1, "x", Operation.Kind.GET, "9", null, Operation.Outcome.UNKNOWN, 0, 0);
        Operation failedRead = new Operation(1, "x", Operation.Kind.GET, "9", null, Operation.Outcome.FAIL, 1, 2);
        Operation failedPut = new Operation(1, "x", Operation.Kind.PUT, "9", null, Operation.Outcome.FAIL, 3, 4);
        assertThat(verdict(unknownRead, failedRead, failedPut, get(0, "x", null, 5, 6))).isEqualTo(Verdict.LINEARIZABLE);
    }

    // The search forgets values that no op left can observe (RegisterModel.UNOBSERVED).

    @Test
    void anAppendToAValueNobodyReadsStaysUnreadable() {
        // Nobody reads "z", so the search forgets it; "zb" still must not pass for "b".
        assertThat(verdict(put(0, "x", "z", 0, 1), append(0, "x", "b", 2, 3), get(1, "x", "b", 4, 5)))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdict(put(0, "x", "z", 0, 1), append(0, "x", "b", 2, 3), get(1, "x", "zb", 4, 5)))
                .isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void failedCasAcceptsAValueNobodyReadsButAStaleReadIsStillCaught() {
        Operation[] history = {put(0, "x", "1", 0, 1), put(0, "x", "z", 2, 3), casFail(1, "x", "1", "2", 4, 5)};
        assertThat(verdict(history)).isEqualTo(Verdict.LINEARIZABLE);
        List<Operation> stale = new ArrayList<>(List.of(history));
        stale.add(get(1, "x", "1", 6, 7));
        assertThat(checker.check(stale, null).verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void absentAndEmptyDifferUnlessAnAppendMayComeBetween() {
        // Nobody reads absent, but an append of "" would make it "", which is read.
        assertThat(verdict(delete(0, "x", 0, 1), append(0, "x", "", 2, 3), get(1, "x", "", 4, 5)))
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict(delete(0, "x", 0, 1), get(1, "x", "", 2, 3))).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void concurrentAppendsNobodyReadsMeetInTheMemo() {
        // Eight concurrent appends, then a read of what two of them make, after a put has hidden
        // it: every order of the appends must fail before the search can say no. Each order makes
        // another value, 109,601 in all; but once their readers are linearized, the values are
        // forgotten, and little more than the 256 sets of appends done remain.
        List<Operation> history = new ArrayList<>();
        for (int i = 0; i < 8; i++) history.add(append(i, "x", "+" + i, 0, 10));
        history.add(get(8, "x", "+0", 0, 10));
        history.add(put(8, "x", "p", 11, 12));
        history.add(get(9, "x", "+0+1", 13, 14));
        Result result = new LinearizabilityChecker(1_000).check(history, null);
        assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    // Reads go first (KeySearch.enabledRead).

    @Test
    void concurrentReadsCostOneStateEach() {
        // Twenty reads that all overlap, then a read of a value never written: every way to
        // reach it must fail first. 2^20 sets of the reads could be linearized at each point, but
        // a read that accepts the value now goes first, so each is tried once.
        List<Operation> history = new ArrayList<>();
        history.add(put(0, "x", "1", 0, 1));
        for (int i = 1; i <= 20; i++) history.add(get(i, "x", "1", 2, 100));
        history.add(get(21, "x", "2", 101, 102));
        Result result = new LinearizabilityChecker(1_000).check(history, null);
        assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.stateCount()).isEqualTo(21);
    }

    @Test
    void readThatGoesFirstStillLetsALaterReadExposeAViolation() {
        // The read of absent goes first; the put must then precede the read of "1", and the
        // last read of absent has nowhere to go.
        assertThat(verdict(
                put(0, "x", "1", 0, 10),
                get(1, "x", null, 1, 2),
                get(1, "x", "1", 3, 4),
                get(1, "x", null, 5, 6)))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdict(
                put(0, "x", "1", 0, 10),
                get(1, "x", null, 1, 9),
                get(2, "x", "1", 2, 3)))
                .isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void failedCasThatGoesFirstStillLetsALaterReadExposeAViolation() {
        assertThat(verdict(
                put(0, "x", "1", 0, 10),
                casFail(1, "x", "1", "2", 1, 2),
                get(1, "x", "1", 3, 4),
                casFail(1, "x", "1", "2", 5, 6)))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void keysAreCheckedIndependently() {
        // Interleaved in time, but a put on y says nothing about x.
        List<Operation> history = List.of(
                put(0, "x", "1", 0, 1),
                put(1, "y", "2", 2, 3),
                get(2, "x", "1", 4, 5),
                get(2, "y", "2", 4, 5));
        assertThat(checker.check(history, null).verdict()).isEqualTo(Verdict.LINEARIZABLE);

        List<Operation> badY = new ArrayList<>(history);
        badY.add(get(3, "y", "1", 6, 7));
        Result result = checker.check(badY, null);
        assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.key()).isEqualTo("y");
    }

    @Test
    void explanationNamesTheOpThatCannotBeLinearizedAndTheValuesSeen() {
        Result result = checker.check(List.of(
                put(0, "x", "1", 0, 1),
                put(0, "x", "2", 2, 3),
                get(1, "x", "1", 4, 5)), null);
        assertThat(result.explanation())
                .contains("key \"x\"")
                .contains("no order of the ops explains p1 GET -> \"1\" [4..5]")
                .contains("the register held one of: \"2\"")
                .contains("p0 PUT \"2\" [2..3]");
    }

    @Test
    void explanationShowsOpsNearTheStuckOpWhenManyUnknownWritesArePending() {
        // Every unknown write is concurrent with all that follows it, so all 30 are "around" the
        // stale read; the explanation keeps to a window that includes the read. (The failed CAS
        // that may follow them is what keeps the checker from leaving them out as unobservable.)
        List<Operation> history = new ArrayList<>();
        for (int i = 0; i < 30; i++) history.add(putUnknown(i, "x", "u" + i, i));
        history.add(casFail(32, "x", "2", "3", 0, 200));
        history.add(put(30, "x", "1", 100, 101));
        history.add(put(30, "x", "2", 102, 103));
        history.add(get(31, "x", "1", 104, 105));
        String explanation = checker.check(history, null).explanation();
        assertThat(explanation)
                .contains("  > p31 GET -> \"1\" [104..105]")
                .contains("p30 PUT \"2\" [102..103]")
                .contains("more before");
        assertThat(explanation.lines().count()).isLessThan(25);
    }

    @Test
    void searchThatRunsOutOfBudgetIsUnknownAndNamesTheKey() {
        // Ten concurrent writes of distinct values, then a read of a value never written: the
        // search must try many orders before it can say no.
        List<Operation> history = new ArrayList<>();
        for (int i = 0; i < 10; i++) history.add(put(i, "x", Integer.toString(i), 0, 100));
        history.add(get(10, "x", "never", 101, 102));
        Result result = new LinearizabilityChecker(50).check(history, null);
        assertThat(result.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(result.key()).isEqualTo("x");
        assertThat(result.explanation()).contains("gave up after 50 search states");
    }

    @Test
    void violationOnOneKeyIsReportedEvenIfAnotherKeyRanOutOfBudget() {
        List<Operation> history = new ArrayList<>();
        for (int i = 0; i < 10; i++) history.add(put(i, "a", Integer.toString(i), 0, 100));
        history.add(get(10, "a", "never", 101, 102));
        history.add(put(0, "b", "1", 0, 1));
        history.add(get(0, "b", "2", 2, 3));
        Result result = new LinearizabilityChecker(50).check(history, null);
        assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.key()).isEqualTo("b");
    }

    @Test
    void longSequentialHistoryIsCheckedWithoutDeepRecursion() {
        // A recursive search would need one stack frame per op: 100,000 of them.
        int opCount = 100_000;
        List<Operation> history = new ArrayList<>(opCount);
        for (int i = 0; i < opCount / 2; i++) {
            history.add(put(0, "x", Integer.toString(i), 4L * i, 4L * i + 1));
            history.add(get(1, "x", Integer.toString(i), 4L * i + 2, 4L * i + 3));
        }
        Result result = checker.check(history, null);
        assertThat(result.verdict()).isEqualTo(Verdict.LINEARIZABLE);
        // A sequential history has one order, so the search visits one state per op.
        assertThat(result.stateCount()).isEqualTo(opCount);

        history.add(get(1, "x", "0", 4L * opCount, 4L * opCount + 1));
        assertThat(checker.check(history, null).verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }
}
