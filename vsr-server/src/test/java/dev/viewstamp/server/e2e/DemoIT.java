package dev.viewstamp.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `vsr demo`, the README's main command, as a user runs it: it ends with equal replicas and leaves nothing behind. */
class DemoIT {

    @TempDir
    Path dir;

    @Test
    void theDemoKillsThePrimaryBringsItBackAndEndsWithEqualReplicas() throws Exception {
        VsrProcess.Result demo = VsrProcess.run(dir, 120, "demo", "--phase-seconds", "2");
        assertThat(demo.exit()).as(demo.output()).isZero();
        assertThat(demo.output()).contains("admin endpoints", "kill -9 replica", "view change: replica", "caught up",
                "every replica has the same commit number and state checksum");
        String tempDir = demo.output().replaceAll("(?s).*formatted 3 replicas in (\\S+),.*", "$1");
        assertThat(Path.of(tempDir)).as("the demo's temporary directory").doesNotExist();
    }
}
