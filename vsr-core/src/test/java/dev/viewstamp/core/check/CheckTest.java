package dev.viewstamp.core.check;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CheckTest {

    @Test
    void passingCheckDoesNothing() {
        assertThatCode(() -> Check.that(true, "fine")).doesNotThrowAnyException();
        assertThatCode(() -> Check.that(true, "fine", 1, 2)).doesNotThrowAnyException();
    }

    @Test
    void failedCheckThrowsAssertionErrorNamingTheInvariant() {
        assertThatThrownBy(() -> Check.that(false, "commit <= op"))
                .isInstanceOf(AssertionError.class)
                .hasMessage("invariant violated: commit <= op");
    }

    @Test
    void failedCheckWithNumbersShowsThem() {
        assertThatThrownBy(() -> Check.that(false, "commit <= op", 5, 3))
                .isInstanceOf(AssertionError.class)
                .hasMessage("invariant violated: commit <= op (5, 3)");
    }

    @Test
    void failedCheckIsNotAnException() {
        // A catch (Exception) around a handler must not swallow a broken invariant.
        assertThatThrownBy(() -> {
            try {
                Check.that(false, "x");
            } catch (Exception e) {
                // Deliberately swallowed: the check must escape this.
            }
        }).isInstanceOf(AssertionError.class);
    }

    @Test
    void testsRunWithExpensiveChecksOn() {
        assertThatCode(() -> Check.that(Verify.ENABLED, "vsr.verify=true in tests")).doesNotThrowAnyException();
    }
}
