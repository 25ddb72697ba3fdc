package dev.viewstamp.check;

import static dev.viewstamp.check.Operation.append;
import static dev.viewstamp.check.Operation.appendUnknown;
import static dev.viewstamp.check.Operation.casFail;
import static dev.viewstamp.check.Operation.casUnknown;
import static dev.viewstamp.check.Operation.delete;
import static dev.viewstamp.check.Operation.deleteUnknown;
import static dev.viewstamp.check.Operation.get;
import static dev.viewstamp.check.Operation.put;
import static dev.viewstamp.check.Operation.putUnknown;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.check.Result.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which ops the search leaves out, and that the verdicts stay right: each rule has a history
 * where it applies and the history is still not linearizable, and one where a look-alike op must
 * stay because the verdict depends on it.
 */
class RedundantOpsTest {

    private static List<Operation> kept(String initialValue, Operation... history) {
        return RedundantOps.without(List.of(history), initialValue);
    }

    private static Verdict verdict(String initialValue, Operation... history) {
        return new LinearizabilityChecker().check(List.of(history), initialValue).verdict();
    }

    // Rule 1: a failed CAS whose expected value the register can never hold.

    @Test
    void failedCasExpectingAValueNeverWrittenIsLeftOut() {
        Operation guess = casFail(1, "x", "never", "2", 2, 3);
        assertThat(kept(null, put(0, "x", "1", 0, 1), guess)).doesNotContain(guess);
    }

    @Test
    void historyWithALeftOutFailedCasCanStillBeNonLinearizable() {
        // The guess is left out, but the stale read is still caught.
        Operation[] history = {
                put(0, "x", "1", 0, 1),
                casFail(1, "x", "never", "2", 2, 3),
                put(0, "x", "2", 4, 5),
                get(2, "x", "1", 6, 7)};
        assertThat(kept(null, history)).hasSize(3);
        assertThat(verdict(null, history)).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void failedCasExpectingAValueOnlyAppendsMakeIsKept() {
        // Nobody writes "ab", but two appends make it, so this CAS failing is a violation.
        Operation cas = casFail(1, "x", "ab", "z", 4, 5);
        Operation[] history = {append(0, "x", "a", 0, 1), append(0, "x", "b", 2, 3), cas};
        assertThat(kept(null, history)).contains(cas);
        assertThat(verdict(null, history)).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void failedCasExpectingTheInitialValueOrAbsenceIsKept() {
        Operation expectsInitial = casFail(1, "x", "0", "z", 0, 1);
        assertThat(kept("0", expectsInitial)).contains(expectsInitial);
        assertThat(verdict("0", expectsInitial)).isEqualTo(Verdict.NOT_LINEARIZABLE);

        // Absent is the value a delete leaves.
        Operation expectsAbsent = casFail(1, "x", null, "z", 4, 5);
        Operation[] history = {put(0, "x", "1", 0, 1), delete(0, "x", 2, 3), expectsAbsent};
        assertThat(kept("0", history)).contains(expectsAbsent);
        assertThat(verdict("0", history)).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void failedCasExpectingAnEmptyValueIsKeptWhenAppendingNothingMakesIt() {
        // An append of "" turns an absent register into "".
        Operation cas = casFail(1, "x", "", "z", 2, 3);
        Operation[] history = {append(0, "x", "", 0, 1), cas};
        assertThat(kept(null, history)).contains(cas);
        assertThat(verdict(null, history)).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    // Rule 2: an unknown write whose effect no op can observe, when no failed CAS can follow it.

    @Test
    void unknownWritesNobodyCanObserveAreLeftOut() {
        Operation unknownPut = putUnknown(1, "x", "u", 2);
        Operation unknownAppend = appendUnknown(2, "x", "+v", 2);
        Operation unknownCas = casUnknown(3, "x", "1", "w", 2);
        List<Operation> kept = kept(null, put(0, "x", "1", 0, 1), unknownPut, unknownAppend, unknownCas,
                get(4, "x", "1", 3, 4));
        assertThat(kept).doesNotContain(unknownPut, unknownAppend, unknownCas);
    }

    @Test
    void historyWithALeftOutUnknownWriteCanStillBeNonLinearizable() {
        Operation[] history = {
                put(0, "x", "1", 0, 1),
                putUnknown(1, "x", "u", 2),
                put(0, "x", "2", 3, 4),
                get(2, "x", "1", 5, 6)};
        assertThat(kept(null, history)).hasSize(3);
        assertThat(verdict(null, history)).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void unknownWriteIsKeptWhenAFailedCasMayFollowIt() {
        // Nobody reads "u", but only the unknown write explains why the CAS from "1" failed.
        Operation unknown = putUnknown(1, "x", "u", 2);
        Operation[] history = {put(0, "x", "1", 0, 1), unknown, casFail(2, "x", "1", "5", 3, 4)};
        assertThat(kept(null, history)).contains(unknown);
        assertThat(verdict(null, history)).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void unknownWriteIsLeftOutWhenEveryFailedCasReturnedBeforeIt() {
        // The CAS from absent failed before the unknown put was invoked, so it cannot see it.
        Operation unknown = putUnknown(1, "x", "u", 4);
        Operation[] history = {put(0, "x", "1", 0, 1), casFail(2, "x", null, "5", 2, 3), unknown,
                put(0, "x", "2", 5, 6), get(2, "x", "1", 7, 8)};
        assertThat(kept(null, history)).hasSize(4).doesNotContain(unknown);
        assertThat(verdict(null, history)).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void unknownPutIsKeptWhenAReadSeesAnAppendToIt() {
        // "ab" can only be the unknown put of "a", then the append of "b".
        Operation unknown = putUnknown(1, "x", "a", 0);
        Operation[] history = {unknown, append(0, "x", "b", 2, 3), get(2, "x", "ab", 4, 5)};
        assertThat(kept(null, history)).contains(unknown);
        assertThat(verdict(null, history)).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void unknownAppendIsKeptWhenAReadContainsItsString() {
        Operation unknown = appendUnknown(1, "x", "b", 2);
        Operation[] history = {put(0, "x", "a", 0, 1), unknown, append(0, "x", "c", 3, 4), get(2, "x", "abc", 5, 6)};
        assertThat(kept(null, history)).contains(unknown);
        assertThat(verdict(null, history)).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void unknownDeleteIsKeptWhenAnAppendToAbsentIsRead() {
        // "b" can only be an append to an absent (or empty) register: after the unknown delete.
        Operation unknown = deleteUnknown(1, "x", 2);
        Operation[] history = {put(0, "x", "a", 0, 1), unknown, append(0, "x", "b", 3, 4), get(2, "x", "b", 5, 6)};
        assertThat(kept(null, history)).contains(unknown);
        assertThat(verdict(null, history)).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void opsThatConstrainNothingAreLeftOut() {
        Operation unknownRead = new Operation(1, "x", Operation.Kind.GET, "9", null, Operation.Outcome.UNKNOWN, 0, 0);
        Operation failedPut = new Operation(1, "x", Operation.Kind.PUT, "9", null, Operation.Outcome.FAIL, 3, 4);
        assertThat(kept(null, unknownRead, failedPut, get(0, "x", null, 5, 6))).containsExactly(get(0, "x", null, 5, 6));
    }
}
