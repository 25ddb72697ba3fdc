package dev.viewstamp.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Pins what the simulator does today, so that a refactoring that is meant to change nothing
 * shows it changed nothing: the summary lines of {@code vsr simulate} for fixed populations on 3,
 * 5 and 7 replicas and diskless. (The SHA-256 of a few seeds' whole traces is pinned in vsr-sim's
 * {@code DeterminismTest}.)
 *
 * <p>A change that is meant to alter behaviour updates these values in the same commit and says
 * why. They are printed by:
 * <pre>
 * for a in "--replicas 3" "--replicas 5" "--replicas 7" "--diskless"; do echo "== $a"
 *   bin/vsr simulate --seed 1 --seeds 100 $a | grep -E '^(coverage|storage|directed|simulate):' | sed 's/ time=.*$//'
 * done   # vsr-server/src/test/resources/golden/populations.txt
 * </pre>
 */
class GoldenValuesTest {

    private static String vsr(String... args) {
        CommandLine cli = Vsr.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        cli.execute(args);
        return out.toString();
    }

    @Test
    void summariesOfFixedPopulationsAreUnchanged() throws IOException {
        String expected;
        try (InputStream in = GoldenValuesTest.class.getResourceAsStream("/golden/populations.txt")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        StringBuilder actual = new StringBuilder();
        for (List<String> args : List.of(List.of("--replicas", "3"), List.of("--replicas", "5"), List.of("--replicas", "7"),
                List.of("--diskless"))) {
            actual.append("== ").append(String.join(" ", args)).append('\n');
            String[] all = new String[5 + args.size()];
            all[0] = "simulate";
            all[1] = "--seed";
            all[2] = "1";
            all[3] = "--seeds";
            all[4] = "100";
            for (int i = 0; i < args.size(); i++) all[5 + i] = args.get(i);
            actual.append(vsr(all).lines()
                    .filter(line -> line.matches("^(coverage|storage|directed|simulate):.*"))
                    .map(line -> line.replaceAll(" time=.*", ""))
                    .collect(Collectors.joining("\n", "", "\n")));
        }
        assertThat(actual.toString()).isEqualTo(expected);
    }
}
