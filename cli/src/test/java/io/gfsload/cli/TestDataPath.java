package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.worker.CacheWorker;
import io.gfsload.cache.worker.WorkerConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --data-path}: the demo partition pulled by the workers of a real local cluster, and bad values. */
class TestDataPath {
    @TempDir
    Path home;

    @Test
    void theWorkersPullTheDemoPartitionAndForwardItsReplicas() {
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(home.resolve("cluster"), 3, 256L << 20));
                CacheClient client = cluster.newClient()) {
            String[] command = Stream.concat(Arrays.stream(CacheContents.demoPartitionWithTwoReplicas(cluster.masterTarget())),
                    Stream.of("--data-path", "pull")).toArray(String[]::new);

            CliRun run = CliRun.gfsload(home, command);
            JsonNode report = CacheContents.assertDemoPartitionLoaded(run);
            // this process reads none of it: the line says who does
            assertTrue(run.err().contains(" with replication 2, pulled by the workers, 3 files at a time"), run.err());
            assertFalse(run.err().contains("read thread"), run.err());

            CacheContents.assertCached(client, report, 2, Set.of());
            // the partition's four blocks: each read from the UFS by one worker, and forwarded to another as it read it
            assertEquals(4.0, pulls(cluster, "ufs"));
            assertEquals(0.0, pulls(cluster, "worker"));
            assertEquals(4.0, List.of("worker-0", "worker-1", "worker-2").stream()
                    .mapToDouble(worker -> cluster.metrics().value("gfsload_worker_forwarded_blocks_total", Map.of("worker", worker)).orElse(0))
                    .sum());
        }
    }

    @Test
    void aWorkerThatCannotReadTheUfsLeavesItsBlocksToTheOtherWorkers() {
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(home.resolve("cluster"), 2, 256L << 20));
                // pulls from no local file
                CacheWorker unable = CacheWorker.start(WorkerConfig.builder("worker-2", home.resolve("worker-2"), 256L << 20, cluster.masterTarget()).build());
                CacheClient client = cluster.newClient()) {
            String[] command = Stream.concat(Arrays.stream(CacheContents.demoPartitionWithTwoReplicas(cluster.masterTarget())),
                    Stream.of("--data-path", "pull")).toArray(String[]::new);

            CliRun dryRun = CliRun.gfsload(home, Stream.concat(Arrays.stream(command), Stream.of("--dry-run")).toArray(String[]::new));
            assertEquals(ExitCode.OK, dryRun.exitCode(), dryRun.err());
            assertTrue(dryRun.err().contains("Some workers cannot read the UFS, so the others would read the blocks they were to pull and forward them "
                    + "their replicas: worker-2 cannot read file:"), dryRun.err());
            assertTrue(dryRun.err().contains("(gfsload.cache.worker.pull.allowed)"), dryRun.err());

            CliRun run = CliRun.gfsload(home, command);
            JsonNode report = CacheContents.assertDemoPartitionLoaded(run);
            CacheContents.assertCached(client, report, 2, Set.of());
            assertEquals(4.0, pulls(cluster, "ufs"), "each block read by worker-0 or worker-1");
        }
    }

    @Test
    void anUnknownDataPathIsBadInput() {
        CliRun run = CliRun.gfsload(home, "--table", "demo.events", "--partition", "dt=2026-11-20", "--data-path", "sideways");

        assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
        assertTrue(run.err().contains("Invalid --data-path: 'sideways' is not a data path: expected push, pull or auto"), run.err());
    }

    private static double pulls(LocalCluster cluster, String source) {
        return List.of("worker-0", "worker-1", "worker-2").stream()
                .mapToDouble(worker -> cluster.metrics().value("gfsload_worker_pulls_total", Map.of("worker", worker, "source", source)).orElse(0))
                .sum();
    }
}
