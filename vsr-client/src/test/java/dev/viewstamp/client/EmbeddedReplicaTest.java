package dev.viewstamp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.runtime.EmbeddedReplica;
import dev.viewstamp.storage.DataDirectory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link EmbeddedReplica}'s builder and format helper read from a data directory, and how
 * they refuse one that does not fit. Nothing here starts a replica.
 */
class EmbeddedReplicaTest {

    private static final List<InetSocketAddress> MEMBERS = List.of(new InetSocketAddress("127.0.0.1", 7001),
            new InetSocketAddress("127.0.0.1", 7002), new InetSocketAddress("127.0.0.1", 7003));

    @TempDir
    Path root;

    private EmbeddedReplica.Format smallFormat() {
        return EmbeddedReplica.format(5, MEMBERS).journalSlotCount(64).journalBodySizeBytesMax(4096);
    }

    @Test
    void theBuilderTakesIdentityLimitsAndMembersFromTheDirectory() throws Exception {
        smallFormat().write(root.resolve("r1"), 1);
        EmbeddedReplica replica = EmbeddedReplica.builder().dataDirectory(root.resolve("r1")).service(Ledger::new).build();
        assertThat(replica.replicaIndex()).isEqualTo(1);
        assertThat(replica.config().clusterId()).isEqualTo(5);
        assertThat(replica.config().replicaCount()).isEqualTo(3);
        assertThat(replica.config().checkpointIntervalOps()).as("derived as vsr format derives it").isEqualTo(16);
        assertThat(replica.config().journalSlotCount()).isEqualTo(64);
        assertThat(replica.addresses()).isEqualTo(MEMBERS);
        assertThat(replica.listenAddress()).isEqualTo(MEMBERS.get(1));
        replica.close();
    }

    @Test
    void addressesAndListenReplaceTheRecordedOnes() throws Exception {
        smallFormat().write(root.resolve("r0"), 0);
        List<InetSocketAddress> moved = List.of(new InetSocketAddress("127.0.0.1", 8001),
                new InetSocketAddress("127.0.0.1", 8002), new InetSocketAddress("127.0.0.1", 8003));
        InetSocketAddress listen = new InetSocketAddress("0.0.0.0", 8001);
        EmbeddedReplica replica = EmbeddedReplica.builder().dataDirectory(root.resolve("r0")).service(Ledger::new)
                .addresses(moved).listen(listen).replicaIndex(0).build();
        assertThat(replica.addresses()).isEqualTo(moved);
        assertThat(replica.listenAddress()).isEqualTo(listen);
        replica.close();
    }

    @Test
    void theDefaultCheckpointIntervalIsTheLargestPowerOfTwoTheJournalHoldsTwiceBesideThePipeline() {
        assertThat(EmbeddedReplica.defaultCheckpointIntervalOps(1024, 8)).isEqualTo(256);
        assertThat(EmbeddedReplica.defaultCheckpointIntervalOps(64, 8)).isEqualTo(16);
        assertThat(EmbeddedReplica.defaultCheckpointIntervalOps(40, 8)).isEqualTo(16);
        assertThat(EmbeddedReplica.defaultCheckpointIntervalOps(39, 8)).isEqualTo(8);
        assertThat(EmbeddedReplica.defaultCheckpointIntervalOps(9, 8)).isZero();
    }

    @Test
    void aMissingOrUnformattedDirectoryIsUnusable() throws Exception {
        assertThatThrownBy(() -> build(root.resolve("nothing"))).isInstanceOf(DataDirectory.Unusable.class)
                .hasMessageContaining("does not exist");
        Files.createDirectory(root.resolve("empty"));
        assertThatThrownBy(() -> build(root.resolve("empty"))).isInstanceOf(DataDirectory.Unusable.class)
                .hasMessageContaining("not a formatted data directory");
        Files.writeString(root.resolve("file"), "x");
        assertThatThrownBy(() -> build(root.resolve("file"))).isInstanceOf(DataDirectory.Unusable.class)
                .hasMessageContaining("is not a directory");
    }

    @Test
    void aDamagedSuperblockIsUnusable() throws Exception {
        smallFormat().write(root.resolve("r0"), 0);
        Path data = root.resolve("r0").resolve(DataDirectory.DATA_FILE);
        Files.write(data, new byte[(int) Files.size(data)]);
        assertThatThrownBy(() -> build(root.resolve("r0"))).isInstanceOf(DataDirectory.Unusable.class)
                .hasMessageContaining("no valid superblock copy");
    }

    @Test
    void anotherReplicaOrAnotherNumberOfAddressesIsRefused() throws Exception {
        smallFormat().write(root.resolve("r2"), 2);
        assertThatThrownBy(() -> EmbeddedReplica.builder().dataDirectory(root.resolve("r2")).service(Ledger::new)
                .replicaIndex(0).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds replica 2, not replica 0");
        assertThatThrownBy(() -> EmbeddedReplica.builder().dataDirectory(root.resolve("r2")).service(Ledger::new)
                .addresses(MEMBERS.subList(0, 1)).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the addresses name 1 members, but the cluster has 3 replicas");
    }

    @Test
    void theBuilderNeedsADirectoryAndAService() throws Exception {
        smallFormat().write(root.resolve("r0"), 0);
        assertThatThrownBy(() -> EmbeddedReplica.builder().service(Ledger::new).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("dataDirectory");
        assertThatThrownBy(() -> EmbeddedReplica.builder().dataDirectory(root.resolve("r0")).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("service");
    }

    @Test
    void formatRefusesANonEmptyDirectoryAndAnEvenCluster() throws Exception {
        smallFormat().write(root.resolve("r0"), 0);
        assertThatThrownBy(() -> smallFormat().write(root.resolve("r0"), 0)).isInstanceOf(DataDirectory.Unusable.class)
                .hasMessageContaining("not empty");
        assertThatThrownBy(() -> EmbeddedReplica.format(root.resolve("even"), 5, MEMBERS.subList(0, 2), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("odd number");
        assertThatThrownBy(() -> smallFormat().checkpointIntervalOps(32).write(root.resolve("tight"), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static EmbeddedReplica build(Path directory) throws Exception {
        return EmbeddedReplica.builder().dataDirectory(directory).service(Ledger::new).build();
    }
}
