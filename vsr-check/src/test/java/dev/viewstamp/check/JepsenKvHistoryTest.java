package dev.viewstamp.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JepsenKvHistoryTest {

    @TempDir
    Path directory;

    private Path write(String... lines) throws IOException {
        Path file = directory.resolve("kv.txt");
        Files.write(file, List.of(lines));
        return file;
    }

    @Test
    void pairsEachReplyWithItsProcessInvocationUsingLineNumbersAsTimes() throws IOException {
        Path file = write(
                "{:process 1, :type :invoke, :f :get, :key \"9\", :value nil}",
                "{:process 5, :type :invoke, :f :append, :key \"9\", :value \"x 5 0 y\"}",
                "{:process 5, :type :ok, :f :append, :key \"9\", :value \"x 5 0 y\"}",
                "{:process 1, :type :ok, :f :get, :key \"9\", :value \"\"}",
                "",
                "{:process 2, :type :invoke, :f :put, :key \"3\", :value \"a\"}",
                "{:process 2, :type :ok, :f :put, :key \"3\", :value \"a\"}");
        assertThat(JepsenKvHistory.parse(file)).containsExactly(
                Operation.get(1, "9", "", 1, 4),
                Operation.append(5, "9", "x 5 0 y", 2, 3),
                Operation.put(2, "3", "a", 6, 7));
    }

    @Test
    void emptyReadMatchesAKeyNeverWritten() throws IOException {
        Path file = write(
                "{:process 1, :type :invoke, :f :get, :key \"k\", :value nil}",
                "{:process 1, :type :ok, :f :get, :key \"k\", :value \"\"}");
        assertThat(Lincheck.checkFile(Lincheck.Format.JEPSEN_KV, file).isLinearizable()).isTrue();
    }

    @Test
    void infoAndMissingRepliesAreUnknownAndFailuresAreDropped() throws IOException {
        Path file = write(
                "{:process 0, :type :invoke, :f :put, :key \"k\", :value \"a\"}",
                "{:process 1, :type :invoke, :f :append, :key \"k\", :value \"b\"}",
                "{:process 2, :type :invoke, :f :get, :key \"k\", :value nil}",
                "{:process 3, :type :invoke, :f :append, :key \"k\", :value \"c\"}",
                "{:process 0, :type :info, :f :put, :key \"k\", :value \"a\"}",
                "{:process 2, :type :info, :f :get, :key \"k\", :value nil}",
                "{:process 3, :type :fail, :f :append, :key \"k\", :value \"c\"}");
        assertThat(JepsenKvHistory.parse(file)).containsExactly(
                Operation.putUnknown(0, "k", "a", 1),
                Operation.appendUnknown(1, "k", "b", 2));
    }

    @Test
    void readsIntegerKeysAsText() throws IOException {
        Path file = write(
                "{:process 0, :type :invoke, :f :put, :key 7, :value \"a\"}",
                "{:process 0, :type :ok, :f :put, :key 7, :value \"a\"}");
        assertThat(JepsenKvHistory.parse(file)).containsExactly(Operation.put(0, "7", "a", 1, 2));
    }

    @Test
    void lineThatIsNotAMapNamesFileAndLine() throws IOException {
        Path file = write("", "{:process 0, :type :invoke, :f :get, :key \"k\", :value nil", "");
        assertThatThrownBy(() -> JepsenKvHistory.parse(file))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageStartingWith(file + ":2: column ");
    }

    @Test
    void rejectsUnknownFunctionAndMissingFields() throws IOException {
        Path cas = write("{:process 0, :type :invoke, :f :cas, :key \"k\", :value nil}");
        assertThatThrownBy(() -> JepsenKvHistory.parse(cas))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageContaining(":1: :f must be one of :append :get :put, got: :cas");
        assertThatThrownBy(() -> JepsenKvHistory.parse(write("{:process 0, :type :invoke, :f :get, :value nil}")))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageContaining(":1: :key must be a string or an integer, got: null");
        assertThatThrownBy(() -> JepsenKvHistory.parse(write("{:process 0, :type :invoke, :f :get, :key \"k\"}")))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageContaining(":1: :value is missing");
    }

    @Test
    void rejectsReplyOnAnotherKey() throws IOException {
        Path file = write(
                "{:process 0, :type :invoke, :f :get, :key \"a\", :value nil}",
                "{:process 0, :type :ok, :f :get, :key \"b\", :value \"\"}");
        assertThatThrownBy(() -> JepsenKvHistory.parse(file))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageContaining(":2: reply :get on key b does not match process 0's invocation :get on key a");
    }
}
