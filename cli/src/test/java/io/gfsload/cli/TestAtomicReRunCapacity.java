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
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capacity check of an atomic job's re-run, on a cache the plan nearly fills: the blocks an
 * earlier run staged take room on the workers (pinned, neither free nor evictable), and the re-run
 * adopts them rather than write them again, so they are not counted twice (as room taken and as
 * bytes to write): the re-run, and its dry run, fit. The dry run's TO LOAD and estimate, per path
 * and in the totals, leave the adopted blocks out, and count them apart.
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
            stagePart0(cluster, "atomic-capacity", command);

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

    @Test
    void theDryRunOfTheReRunLoadsOnlyWhatItDoesNotAdopt() throws IOException {
        // two paths: part-0's, whose block the earlier run staged, and part-1's, which it could not read
        Files.createDirectories(data.resolve("a"));
        Files.createDirectories(data.resolve("b"));
        Files.write(data.resolve("a/part-0"), new byte[FILE_BYTES]);
        Files.write(data.resolve("b/part-1"), new byte[FILE_BYTES]);
        String staged = "faulty://atomic-dry-run" + data.resolve("a");
        String failed = "faulty://atomic-dry-run" + data.resolve("b");
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(home.resolve("cluster"), 1, WORKER_BYTES))) {
            String[] load = {"distributedLoad", "-A", "--atomic-scope", "job", "--progress", "none", "--master", cluster.masterTarget(), staged, failed};
            stagePart0(cluster, "atomic-dry-run", load);

            FileSystem healed = FileSystem.get(URI.create("faulty://atomic-dry-run/"), new Configuration());
            try {
                // 1 MiB/s: the estimates tell 1.5 MiB (1.5 s) from 3.0 MiB (3.0 s)
                String[] dryRun = {"distributedLoad", "-A", "--atomic-scope", "job", "--dry-run", "--bandwidth", "1MB/s", "--master", cluster.masterTarget(),
                        staged, failed};
                CliRun json = CliRun.gfsload(home, append(dryRun, "--json"));
                assertEquals(ExitCode.OK, json.exitCode(), json.err() + json.out());
                JsonNode plan = JSON.readTree(json.out());
                JsonNode rate = plan.get("assumedBytesPerSecond");
                assertEquals(1L << 20, rate.asLong(), json.out());
                assertEquals(FILE_BYTES, plan.get("adoptedBytes").asLong(), json.out());
                JsonNode adopting = partition(plan, "/a");
                JsonNode reading = partition(plan, "/b");
                JsonNode totals = plan.get("totals");
                // part-0's block is adopted, not read: in no TO LOAD and no estimate
                assertToLoad(adopting, 0, 0, 1, FILE_BYTES, 0.0);
                assertToLoad(reading, 1, FILE_BYTES, 0, 0, (double) FILE_BYTES / rate.asLong());
                assertToLoad(totals, 1, FILE_BYTES, 1, FILE_BYTES, (double) FILE_BYTES / rate.asLong());
                assertEquals(2, totals.get("blocks").asLong(), "every block is planned: " + json.out());
                assertEquals(FILE_BYTES, plan.get("neededBytes").asLong(), json.out());

                CliRun table = CliRun.gfsload(home, dryRun);
                assertEquals(ExitCode.OK, table.exitCode(), table.err() + table.out());
                assertEquals(String.format("%7s %11s %9s", 0, "0 B", "0.0 s"), rowEnd(table.out(), adopting), table.out());
                assertEquals(String.format("%7s %11s %9s", 0, "1.5 MiB", "1.5 s"), rowEnd(table.out(), reading), table.out());
                assertEquals(String.format("%7s %11s %9s", 0, "1.5 MiB", "1.5 s"), rowEnd(table.out(), totals), table.out());
                List<String> lines = table.out().lines().toList();
                int total = lines.indexOf(lines.stream().filter(line -> line.startsWith("total ")).findFirst().orElseThrow());
                assertEquals("Adopts 1 block, 1.5 MiB staged by an earlier run of the job: committed without reading it again, not in TO LOAD",
                        lines.get(total + 1), table.out());
                assertTrue(lines.get(total + 2).startsWith(
                        "Needs 1.5 MiB (1.5 MiB to load x 1 replica; 1.5 MiB more staged by an earlier run of the job, adopted); "), table.out());
            }
            finally {
                healed.close();
            }
        }
    }

    /**
     * Runs the atomic job {@code command} of {@code part-0} and {@code part-1} over the faulty store
     * {@code authority}, which cannot read {@code part-1}: the run fails, and leaves part-0's block
     * staged in the job's temp area, which takes its room on the worker.
     */
    private void stagePart0(LocalCluster cluster, String authority, String[] command) throws IOException {
        Configuration conf = new Configuration();
        conf.set("fs.faulty.permanent.paths", "/part-1");
        // the instance the in-process commands get from Hadoop's cache
        FileSystem faulty = FileSystem.get(URI.create("faulty://" + authority + "/"), conf);
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
    }

    private static String[] append(String[] args, String arg) {
        String[] all = Arrays.copyOf(args, args.length + 1);
        all[args.length] = arg;
        return all;
    }

    /** The partition (path) of {@code plan} whose name ends with {@code suffix}. */
    private static JsonNode partition(JsonNode plan, String suffix) {
        for (JsonNode partition : plan.get("partitions")) {
            if (partition.get("name").asText().endsWith(suffix)) {
                return partition;
            }
        }
        throw new AssertionError("no path " + suffix + " in " + plan);
    }

    private static void assertToLoad(JsonNode row, long blocks, long bytes, long adoptedBlocks, long adoptedBytes, double seconds) {
        assertEquals(blocks, row.get("blocksToLoad").asLong(), row.toString());
        assertEquals(bytes, row.get("bytesToLoad").asLong(), row.toString());
        assertEquals(adoptedBlocks, row.path("adoptedBlocks").asLong(-1), row.toString());
        assertEquals(adoptedBytes, row.path("adoptedBytes").asLong(-1), row.toString());
        assertEquals(seconds, row.get("estimatedSeconds").asDouble(), 1e-9, row.toString());
    }

    /** The CACHED, TO LOAD and EST. columns of {@code row}'s line in {@code table}. */
    private static String rowEnd(String table, JsonNode row) {
        String name = PlanPrinter.partitionColumn(row.get("name").asText());
        String line = table.lines().filter(l -> l.startsWith(name + " ")).findFirst().orElseThrow(() -> new AssertionError("no row " + name + " in " + table));
        return line.substring(line.length() - String.format("%7s %11s %9s", "", "", "").length());
    }
}
