package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache worker process killed with SIGKILL in the middle of a load with two replicas, on a
 * cluster of three worker processes: the load places the replicas that went to the dead worker
 * on the live ones at once, writes again the blocks it had already stored there, and SUCCEEDS
 * with every block on two distinct live workers, saying in its report which worker was lost and
 * what was restored.
 */
class TestWorkerKilledDuringLoad {
    private static final int FILES = 40;
    private static final int FILE_BYTES = 2 << 20;

    @TempDir
    Path directory;

    @Test
    void theLoadSucceedsWithEveryBlockOnTwoLiveWorkers() throws Exception {
        Path data = directory.resolve("data");
        Files.createDirectories(data);
        Random random = new Random(7);
        byte[] bytes = new byte[FILE_BYTES];
        for (int i = 0; i < FILES; i++) {
            random.nextBytes(bytes);
            Files.write(data.resolve("part-%03d".formatted(i)), bytes);
        }
        try (ClusterProcesses cluster = ClusterProcesses.start(directory.resolve("cluster"), 3)) {
            CliRun run;
            String victim;
            // 80 MiB at 16 MiB/s, two files at a time: about 5 s, of which the last 3 without the victim
            try (GfsLoadProcess gfsload = GfsLoadProcess.start(directory.resolve("home"), "distributedLoad", "--replication", "2",
                    "--bandwidth", "16MB/s", "--active-jobs", "2", "--verify", "--json", "--progress", "json", "--master", cluster.masterTarget(), data.toString())) {
                gfsload.awaitFilesDone(FILES / 4, Duration.ofSeconds(120));
                // the worker that holds the most replicas so far
                victim = cluster.blocksOnDisk().entrySet().stream()
                        .max(Comparator.comparingInt((Map.Entry<String, Set<String>> worker) -> worker.getValue().size()))
                        .orElseThrow().getKey();
                cluster.killWorker(victim);
                run = gfsload.awaitExit(Duration.ofSeconds(120));
            }

            assertEquals(0, run.exitCode(), run.err());
            JsonNode report = new ObjectMapper().readTree(run.out());
            CacheContents.assertLoadedEverything(report, 2);
            JsonNode restore = report.get("restore");
            assertEquals(List.of(victim), List.of(new ObjectMapper().treeToValue(restore.get("lostWorkers"), String[].class)), restore.toString());
            assertTrue(restore.get("blocks").asLong() > 0, "blocks the victim held before it was killed are written again: " + restore);
            assertEquals(restore.get("blocks").asLong() * FILE_BYTES, restore.get("bytes").asLong());

            cluster.awaitLost(victim);
            Map<String, Set<String>> held = CacheContents.assertCached(cluster.client(), report, 2, Set.of(victim));
            assertEquals(0, cluster.client().underReplicated("", 0).count(), "no block is under-replicated");
            Set<String> blocks = CacheContents.blockIds(report);
            ClusterProcesses.await(() -> held.equals(cluster.liveBlocksOnDisk(blocks)), Duration.ofSeconds(10),
                    "the live workers' disks hold exactly the blocks the master places on them: " + held + " and " + cluster.liveBlocksOnDisk(blocks));
        }
    }
}
