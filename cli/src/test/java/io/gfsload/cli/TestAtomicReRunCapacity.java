package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capacity check of an atomic job's re-run, on a cache the plan nearly fills: the blocks an
 * earlier run staged take room on the workers (pinned, neither free nor evictable), and the re-run
 * adopts them rather than write them again, so they are not counted twice (as room taken and as
 * bytes to write): the re-run, and its dry run, fit.
 */
class TestAtomicReRunCapacity {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** One block each (64 MiB blocks), larger than a small file: each file is staged on its own. */
    private static final int FILE_BYTES = 3 << 19;
    /** One worker with room for both files and a little more, not for both and the staged one again. */
    private static final long WORKER_BYTES = 4L << 20;

    @TempDir
    Path home;

    @TempDir
    Path data;

    @Test
    void theReRunOfAPartialAtomicJobFitsWithTheBlocksItsEarlierRunStaged() throws IOException {
        Files.write(data.resolve("part-0"), new byte[FILE_BYTES]);
        Files.write(data.resolve("part-1"), new byte[FILE_BYTES]);
        String path = "faulty://atomic-capacity" + data;
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(home.resolve("cluster"), 1, WORKER_BYTES))) {
            String[] command = {"distributedLoad", "-A", "--atomic-scope", "job", "--progress", "none", "--master", cluster.masterTarget(), path};
            Configuration conf = new Configuration();
            conf.set("fs.faulty.permanent.paths", "/part-1");
            // the instance the in-process commands get from Hadoop's cache
            FileSystem faulty = FileSystem.get(URI.create("faulty://atomic-capacity/"), conf);
            CliRun partial;
            try {
                partial = CliRun.gfsload(home, command);
            }
            finally {
                faulty.close();
            }
            assertEquals(ExitCode.FAILED, partial.exitCode(), "the job scope commits nothing: " + partial.err());
            assertTrue(partial.err().contains("keeps 1 block, 1.5 MiB, not visible to readers"), "part-0 is staged: " + partial.err());
            try (CacheClient client = cluster.newClient()) {
                // the worker's next heartbeat: the staged block's room is taken, and not evictable
                ClusterProcesses.await(() -> client.clusterInfo().liveAvailableBytes() == WORKER_BYTES - FILE_BYTES, Duration.ofSeconds(30),
                        "the master hears of the staged block: " + client.clusterInfo());
            }

            // the fault is gone: part-0 is adopted, only part-1 is written, and that fits
            FileSystem healed = FileSystem.get(URI.create("faulty://atomic-capacity/"), new Configuration());
            try {
                String[] dryRun = {"distributedLoad", "-A", "--atomic-scope", "job", "--dry-run", "--json", "--master", cluster.masterTarget(), path};
                CliRun plan = CliRun.gfsload(home, dryRun);
                assertEquals(ExitCode.OK, plan.exitCode(), "the dry run gives the load's verdict: " + plan.err() + plan.out());
                JsonNode summary = JSON.readTree(plan.out());
                assertTrue(summary.get("fits").asBoolean(), plan.out());
                assertEquals(FILE_BYTES, summary.get("neededBytes").asLong(), "the staged block is not written again: " + plan.out());

                CliRun rerun = CliRun.gfsload(home, command);
                assertEquals(ExitCode.OK, rerun.exitCode(), "the re-run needs room for part-1 only: " + rerun.err());
                assertFalse(rerun.err().contains("Not enough cache capacity"), rerun.err());
                assertTrue(rerun.err().contains("adopting 1 block, 1.5 MiB staged by an earlier run of the job"), rerun.err());
            }
            finally {
                healed.close();
            }
        }
    }
}
