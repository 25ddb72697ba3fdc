package dev.viewstamp.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The checker must agree with every recorded history whose verdict is known, before it may judge
 * the simulator. The histories live outside the repository, in {@code <vsr.shared>/histories},
 * each directory with an {@code expected.tsv} of {@code file<TAB>verdict} lines.
 *
 * <p>Every file must be decided, not UNKNOWN, within a budget far below the default: the budget
 * counts search states, so it bounds the work deterministically where a wall-clock limit would be
 * flaky. The wall-clock times are printed for information only.
 */
class SharedHistoriesTest {

    /** The most states any shared history may need on one key: today the hardest needs under 1,200. */
    private static final long STATE_COUNT_MAX = 20_000;

    private static final Map<String, Long> NANOS_BY_FILE = new ConcurrentHashMap<>();

    @TestFactory
    Stream<DynamicTest> everyRecordedHistoryGetsItsExpectedVerdict() throws IOException {
        Path histories = historiesDirectory();
        List<DynamicTest> tests = new ArrayList<>();
        tests.addAll(testsFor(histories.resolve("jepsen-etcd"), Lincheck.Format.JEPSEN_REGISTER));
        tests.addAll(testsFor(histories.resolve("kv"), Lincheck.Format.JEPSEN_KV));
        return tests.stream();
    }

    private static Path historiesDirectory() {
        String shared = System.getProperty("vsr.shared");
        assertThat(shared).as("system property vsr.shared, set by the parent pom for surefire").isNotNull();
        Path histories = Path.of(shared, "histories");
        assertThat(histories)
                .as("shared histories directory %s; check out the shared data next to the repository", histories)
                .isDirectory();
        return histories;
    }

    private static List<DynamicTest> testsFor(Path directory, Lincheck.Format format) throws IOException {
        Path expectedFile = directory.resolve("expected.tsv");
        assertThat(expectedFile).as("verdicts file").isRegularFile();
        List<DynamicTest> tests = new ArrayList<>();
        for (String line : Files.readAllLines(expectedFile)) {
            if (line.isBlank()) continue;
            String[] fields = line.split("\t");
            assertThat(fields).as("line of %s: %s", expectedFile, line).hasSize(2);
            Path file = directory.resolve(fields[0]);
            Result.Verdict expected = verdict(fields[1]);
            tests.add(DynamicTest.dynamicTest(directory.getFileName() + "/" + fields[0] + " is " + fields[1],
                    () -> assertVerdict(format, file, expected)));
        }
        assertThat(tests).as("histories listed in %s", expectedFile).isNotEmpty();
        return tests;
    }

    private static Result.Verdict verdict(String text) {
        return switch (text) {
            case "linearizable" -> Result.Verdict.LINEARIZABLE;
            case "not-linearizable" -> Result.Verdict.NOT_LINEARIZABLE;
            default -> throw new IllegalArgumentException("unknown verdict in expected.tsv: " + text);
        };
    }

    private static void assertVerdict(Lincheck.Format format, Path file, Result.Verdict expected) throws IOException {
        long start = System.nanoTime();
        Result result = Lincheck.checkFile(format, file, new LinearizabilityChecker(STATE_COUNT_MAX));
        NANOS_BY_FILE.put(file.getParent().getFileName() + "/" + file.getFileName(), System.nanoTime() - start);
        assertThat(result.verdict()).as("verdict on %s: %s", file, result.explanation()).isEqualTo(expected);
    }

    @AfterAll
    static void printTimes() {
        if (NANOS_BY_FILE.isEmpty()) return;
        long totalNanos = NANOS_BY_FILE.values().stream().mapToLong(Long::longValue).sum();
        Map.Entry<String, Long> slowest = NANOS_BY_FILE.entrySet().stream()
                .max(Comparator.comparingLong(Map.Entry::getValue)).orElseThrow();
        System.out.printf("shared histories: %d files checked in %.1f ms; slowest %s in %.1f ms%n",
                NANOS_BY_FILE.size(), totalNanos / 1e6, slowest.getKey(), slowest.getValue() / 1e6);
    }
}
