package dev.viewstamp.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LincheckTest {

    @TempDir
    Path directory;

    @Test
    void formatsAreNamedAsOnTheCommandLine() {
        for (Lincheck.Format format : Lincheck.Format.values()) {
            assertThat(Lincheck.Format.ofCliName(format.cliName())).isEqualTo(format);
        }
        assertThat(Lincheck.Format.ofCliName("jepsen-register")).isEqualTo(Lincheck.Format.JEPSEN_REGISTER);
        assertThatThrownBy(() -> Lincheck.Format.ofCliName("knossos"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[jepsen-register, jepsen-kv, vsr-kv]");
    }

    @Test
    void registerStartsAbsent() throws IOException {
        Path file = directory.resolve("etcd.log");
        Files.write(file, List.of(
                "INFO  jepsen.util - 0\t:invoke\t:read\tnil",
                "INFO  jepsen.util - 0\t:ok\t:read\tnil",
                "INFO  jepsen.util - 0\t:invoke\t:cas\t[nil 1]",
                "INFO  jepsen.util - 0\t:ok\t:cas\t[nil 1]",
                "INFO  jepsen.util - 0\t:invoke\t:read\tnil",
                "INFO  jepsen.util - 0\t:ok\t:read\tnil"));
        Result result = Lincheck.checkFile(Lincheck.Format.JEPSEN_REGISTER, file);
        assertThat(result.verdict()).isEqualTo(Result.Verdict.NOT_LINEARIZABLE);
        assertThat(result.key()).isEqualTo(JepsenRegisterHistory.KEY);
        assertThat(result.explanation()).contains("p0 GET -> nil [5..6]");
    }
}
