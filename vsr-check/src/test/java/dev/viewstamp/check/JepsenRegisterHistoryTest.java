package dev.viewstamp.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JepsenRegisterHistoryTest {

    private static final String KEY = JepsenRegisterHistory.KEY;

    @TempDir
    Path directory;

    private Path write(String... lines) throws IOException {
        Path file = directory.resolve("etcd.log");
        Files.write(file, List.of(lines));
        return file;
    }

    private static String line(int process, String type, String f, String value) {
        return "INFO  jepsen.util - " + process + "\t:" + type + "\t:" + f + "\t" + value;
    }

    @Test
    void pairsEachReplyWithItsProcessInvocationUsingLineNumbersAsTimes() throws IOException {
        Path file = write(
                line(0, "invoke", "read", "nil"),
                line(1, "invoke", "write", "3"),
                line(0, "ok", "read", "nil"),
                line(1, "ok", "write", "3"),
                line(2, "invoke", "cas", "[3 0]"),
                line(2, "ok", "cas", "[3 0]"),
                line(3, "invoke", "cas", "[1 2]"),
                line(3, "fail", "cas", "[1 2]"));
        assertThat(JepsenRegisterHistory.parse(file)).containsExactly(
                Operation.get(0, KEY, null, 1, 3),
                Operation.put(1, KEY, "3", 2, 4),
                Operation.casOk(2, KEY, "3", "0", 5, 6),
                Operation.casFail(3, KEY, "1", "2", 7, 8));
    }

    @Test
    void infoAndMissingRepliesAreUnknownAndUnansweredReadsAreDropped() throws IOException {
        Path file = write(
                line(0, "invoke", "write", "1"),
                line(1, "invoke", "cas", "[1 2]"),
                line(2, "invoke", "read", "nil"),
                line(0, "info", "write", ":timed-out"),
                line(2, "info", "read", ":timed-out"),
                line(4, "invoke", "read", "nil"),
                line(5, "invoke", "write", "4"));
        assertThat(JepsenRegisterHistory.parse(file)).containsExactly(
                Operation.putUnknown(0, KEY, "1", 1),
                Operation.casUnknown(1, KEY, "1", "2", 2),
                Operation.putUnknown(5, KEY, "4", 7));
    }

    @Test
    void failedReadsAndWritesAreDropped() throws IOException {
        Path file = write(
                line(0, "invoke", "read", "nil"),
                line(0, "fail", "read", ":timed-out"),
                line(1, "invoke", "write", "2"),
                line(1, "fail", "write", "2"));
        assertThat(JepsenRegisterHistory.parse(file)).isEmpty();
    }

    @Test
    void skipsLogNoiseAndBlankLines() throws IOException {
        Path file = write(
                "2017-01-01 12:00:00,000{GMT}	INFO	[jepsen test runner] jepsen.core: Running test",
                "",
                "INFO  jepsen.util - :nemesis	:info	:start	nil",
                "2017-01-01 " + line(0, "invoke", "read", "nil"),
                line(0, "ok", "read", "4"));
        assertThat(JepsenRegisterHistory.parse(file)).containsExactly(Operation.get(0, KEY, "4", 4, 5));
    }

    @Test
    void malformedHistoryLineNamesFileAndLine() throws IOException {
        Path file = write(line(0, "invoke", "read", "nil"), "INFO  jepsen.util - 0\t:ok\t:read");
        assertThatThrownBy(() -> JepsenRegisterHistory.parse(file))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageStartingWith(file + ":2: ")
                .satisfies(e -> assertThat(((HistoryFormatException) e).lineNumber()).isEqualTo(2));
    }

    @Test
    void rejectsValuesThatAreNotIntegersOrNil() throws IOException {
        assertThatThrownBy(() -> JepsenRegisterHistory.parse(write(line(0, "invoke", "write", "x"))))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageContaining(":1: expected an integer or nil, got: x");
        assertThatThrownBy(() -> JepsenRegisterHistory.parse(write(line(0, "invoke", "cas", "[1]"))))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageContaining(":1: expected [A B] for a cas");
    }

    @Test
    void rejectsReplyWithoutInvocation() throws IOException {
        assertThatThrownBy(() -> JepsenRegisterHistory.parse(write(line(0, "ok", "read", "1"))))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageContaining(":1: reply :read from process 0 has no invocation");
    }

    @Test
    void rejectsSecondInvocationWhileFirstIsOpen() throws IOException {
        Path file = write(line(0, "invoke", "read", "nil"), line(0, "invoke", "write", "1"));
        assertThatThrownBy(() -> JepsenRegisterHistory.parse(file))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageContaining(":2: process 0 invokes :write while its :read from line 1 has no reply");
    }

    @Test
    void rejectsReplyForAnotherFunction() throws IOException {
        Path file = write(line(0, "invoke", "read", "nil"), line(0, "ok", "write", "1"));
        assertThatThrownBy(() -> JepsenRegisterHistory.parse(file))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageContaining(":2: reply :write");
    }

    @Test
    void rejectsWriteReplyWithAnotherValue() throws IOException {
        Path file = write(line(0, "invoke", "write", "1"), line(0, "ok", "write", "2"));
        assertThatThrownBy(() -> JepsenRegisterHistory.parse(file))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageContaining(":2: reply value 2 differs from the invocation's 1 on line 1");
    }
}
