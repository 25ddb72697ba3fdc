package dev.viewstamp.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvHistoryTest {

    @TempDir
    Path directory;

    private Path write(String... lines) throws IOException {
        Path file = directory.resolve("history.edn");
        Files.write(file, List.of(lines));
        return file;
    }

    @Test
    void everyKindAndOutcomeSurvivesAWriteAndARead() throws IOException {
        List<Operation> history = List.of(
                Operation.get(0, "k0", null, 1, 4),
                Operation.get(1, "k1", "a \"quoted\" \\ value\n", 2, 2),
                Operation.put(2, "k0", "c2.0.1", 3, 9),
                Operation.append(3, "k0", "+c3.0.1", 3, 5),
                Operation.delete(4, "k1", 4, 6),
                Operation.casOk(5, "k0", null, "c5.0.1", 5, 7),
                Operation.casFail(6, "k0", "c1.0.0", "c6.0.1", 6, 8),
                Operation.putUnknown(7, "k0", "c7.0.1", 7),
                Operation.appendUnknown(8, "k1", "+c8.0.1", 8),
                Operation.deleteUnknown(9, "k1", 9),
                Operation.casUnknown(10, "k0", "c2.0.1", "c10.0.1", 10));
        Path file = directory.resolve("seed-1.edn");
        KvHistory.write(file, List.of("vsr simulate --seed 1", "second line"), history);

        assertThat(Files.readAllLines(file)).startsWith("; vsr simulate --seed 1", "; second line");
        assertThat(KvHistory.parse(file)).containsExactlyElementsOf(history);
    }

    @Test
    void linesReadAsDocumented() throws IOException {
        Path file = write(
                "; a comment",
                "",
                "{:process 2000, :type :ok, :f :put, :key \"k0\", :value \"c2.0.4\", :invoke 311, :return 318}",
                "{:process 0, :type :fail, :f :cas, :key \"k0\", :expected nil, :value \"c0.0.9\", :invoke 312, "
                        + ":return 320}",
                "{:process 1000, :type :info, :f :append, :key \"k0\", :value \"+c1.0.7\", :invoke 315}",
                "{:process 3000, :type :ok, :f :get, :key \"k0\", :value \"c2.0.4\", :invoke 316, :return 322}",
                "{:process 4000, :type :ok, :f :delete, :key \"k0\", :invoke 317, :return 317}");
        assertThat(KvHistory.parse(file)).containsExactly(
                Operation.put(2000, "k0", "c2.0.4", 311, 318),
                Operation.casFail(0, "k0", null, "c0.0.9", 312, 320),
                Operation.appendUnknown(1000, "k0", "+c1.0.7", 315),
                Operation.get(3000, "k0", "c2.0.4", 316, 322),
                Operation.delete(4000, "k0", 317, 317));
    }

    @Test
    void keysStartAbsent() throws IOException {
        Path file = write(
                "{:process 0, :type :ok, :f :get, :key \"k\", :value nil, :invoke 1, :return 2}",
                "{:process 0, :type :ok, :f :append, :key \"k\", :value \"a\", :invoke 3, :return 4}",
                "{:process 0, :type :ok, :f :get, :key \"k\", :value \"a\", :invoke 5, :return 6}");
        assertThat(Lincheck.checkFile(Lincheck.Format.VSR_KV, file).isLinearizable()).isTrue();
    }

    @Test
    void opsThatTouchAtOneTickAreConcurrent() throws IOException {
        // The put returns at tick 5 and the get is invoked at tick 5: either may go first, so the
        // get may read the value from before the put.
        Path file = write(
                "{:process 0, :type :ok, :f :put, :key \"k\", :value \"a\", :invoke 1, :return 5}",
                "{:process 1, :type :ok, :f :get, :key \"k\", :value nil, :invoke 5, :return 6}");
        assertThat(Lincheck.checkFile(Lincheck.Format.VSR_KV, file).isLinearizable()).isTrue();
    }

    @Test
    void aBadLineIsReportedWithItsLineNumber() throws IOException {
        Path missingReturn = write(
                "; header",
                "{:process 0, :type :ok, :f :put, :key \"k\", :value \"a\", :invoke 1}");
        assertThatThrownBy(() -> KvHistory.parse(missingReturn))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageEndingWith(":2: :return must be a non-negative integer, got: null");

        Path expectedOnPut = write("{:process 0, :type :ok, :f :put, :key \"k\", :expected nil, :value \"a\", "
                + ":invoke 1, :return 2}");
        assertThatThrownBy(() -> KvHistory.parse(expectedOnPut)).hasMessageContaining("only a :cas has :expected");

        Path backwards = write("{:process 0, :type :ok, :f :get, :key \"k\", :value nil, :invoke 5, :return 4}");
        assertThatThrownBy(() -> KvHistory.parse(backwards)).hasMessageContaining(":return 4 < :invoke 5");

        Path unknownF = write("{:process 0, :type :ok, :f :incr, :key \"k\", :value nil, :invoke 5, :return 6}");
        assertThatThrownBy(() -> KvHistory.parse(unknownF)).hasMessageContaining(":f must be one of");
    }
}
