package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, in-process: embedded cluster and metastore under a fresh home, the
 * demo table created on first use, then loaded, then loaded again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TestGfsLoadEndToEnd {
    @TempDir
    static Path home;

    static CliRun gfsload(String... args) {
        return CliRun.gfsload(home, args);
    }

    private static Path partitionDirectory() {
        return home.resolve("demo/demo.db/events/dt=2026-11-20");
    }

    @Test
    @Order(1)
    void firstRunLoadsEveryBlockOfThePartition() {
        CliRun run = gfsload("--table", "demo.events", "--partition", "dt=2026-11-20");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("demo.events dt=2026-11-20: SUCCEEDED"), run.out());
        // 72 MiB + 5 MiB + 2 MiB of Parquet: the first file is two 64 MiB blocks
        assertTrue(run.out().contains("files   3 planned, 0 failed"), run.out());
        assertTrue(run.out().contains("blocks  4 planned: 4 loaded, 0 already cached, 0 failed"), run.out());
        assertTrue(run.out().contains("0 B already cached"), run.out());
        assertTrue(Files.isRegularFile(partitionDirectory().resolve("part-00000.parquet")), "demo data created on first use");
    }

    @Test
    @Order(2)
    void workersHoldExactlyTheSourceBytes() throws IOException {
        List<Path> sources;
        try (Stream<Path> files = Files.list(partitionDirectory())) {
            sources = files.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList();
        }
        assertEquals(3, sources.size());
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(home.resolve("cluster"), Services.EMBEDDED_WORKERS, Services.EMBEDDED_WORKER_CAPACITY));
                CacheClient client = cluster.newClient()) {
            for (Path source : sources) {
                CacheContents.assertFileCached(client, "file:" + source, 1, Set.of());
            }
        }
    }

    @Test
    @Order(3)
    void secondRunLoadsNothingNew() {
        CliRun run = gfsload("--table", "demo.events", "--partition", "dt=2026-11-20", "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode report = json(run.out());
        assertEquals("SUCCEEDED", report.get("state").asText());
        assertEquals(0, report.get("totals").get("bytesLoaded").asLong());
        assertEquals(4, report.get("totals").get("blocksAlreadyCached").asLong());
        assertEquals(report.get("totals").get("bytes").asLong(), report.get("totals").get("bytesAlreadyCached").asLong());
        assertEquals(3, report.get("partitions").get(0).get("files").size());
        assertEquals(report.get("totals"), report.get("partitions").get(0).get("totals"), "one partition: its totals are the report's");
        assertFalse(report.get("verified").asBoolean(), "loaded without --verify");
    }

    @Test
    @Order(4)
    void unknownTableExitsFiveNamingIt() {
        CliRun run = gfsload("--table", "nosuch.table");
        assertEquals(5, run.exitCode());
        assertEquals("gfsload: Database not found: nosuch (of table nosuch.table)\n", run.err().replace("\r", ""));
        assertEquals("", run.out());
        CliRun table = gfsload("--table", "demo.nosuch");
        assertEquals(5, table.exitCode());
        assertEquals("gfsload: Table not found: demo.nosuch\n", table.err().replace("\r", ""));
    }

    @Test
    @Order(5)
    void unknownPartitionExitsFiveNamingIt() {
        CliRun run = gfsload("--table", "demo.events", "--partition", "dt=1999-01-01");
        assertEquals(5, run.exitCode());
        assertTrue(run.err().contains("gfsload: Partition not found: demo.events dt=1999-01-01"), run.err());
    }

    @Test
    @Order(6)
    void replicationAboveTheLiveWorkersIsBadInputAndLoadsNothing() {
        CliRun run = gfsload("--table", "demo.events", "--partition", "dt=2026-11-19", "--replication", "3");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("gfsload: Invalid replication 3: the cluster has only 2 workers"), run.err());
        CliRun status = gfsload("--table", "demo.events", "--partition", "dt=2026-11-19", "--json");
        assertEquals(0, status.exitCode(), status.err());
        assertEquals(0, json(status.out()).get("totals").get("blocksAlreadyCached").asLong(), "nothing was loaded by the refused run");
    }

    @Test
    @Order(7)
    void distributedLoadLoadsADirectory() throws IOException {
        Path dir = home.resolve("plain");
        Files.createDirectories(dir.resolve("sub"));
        Files.write(dir.resolve("a.bin"), new byte[100_000]);
        Files.write(dir.resolve("sub/b.bin"), new byte[7]);
        Files.write(dir.resolve("_SUCCESS"), new byte[0]);
        CliRun run = gfsload("distributedLoad", "--replication", "2", dir.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("files   2 planned, 0 failed"), run.out());
        assertTrue(run.out().contains("replication 2"), run.out());

        CliRun missing = gfsload("distributedLoad", dir.resolve("nosuch").toString());
        assertEquals(5, missing.exitCode());
        assertTrue(missing.err().contains("gfsload: Path not found: " + dir.resolve("nosuch")), missing.err());
    }

    @Test
    @Order(8)
    void dryRunPrintsThePlanPerPartitionAndLoadsNothing() throws IOException {
        Path report = home.resolve("reports/dry-run.json");
        CliRun run = gfsload("--table", "demo.events", "--where", "dt >= '2026-11-19'", "--dry-run", "--report", report.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode written = json(Files.readString(report));
        assertEquals("demo.events where dt >= '2026-11-19'", written.get("target").asText(), "--report gets the plan");
        assertEquals(6, written.get("totals").get("files").asLong());
        String[] lines = run.out().split("\\R");
        assertEquals("Plan for demo.events where dt >= '2026-11-19': replication 1, 64.0 MiB blocks (dry run, nothing loaded)", lines[0]);
        assertTrue(lines[1].startsWith("PARTITION"), lines[1]);
        assertTrue(lines[2].startsWith("dt=2026-11-19       3"), lines[2]);
        assertTrue(lines[3].startsWith("dt=2026-11-20       3"), lines[3]);
        assertTrue(lines[3].contains("      4       4         0 B"), "dt=2026-11-20 is cached: " + lines[3]);
        assertTrue(lines[4].startsWith("total               6"), lines[4]);
        assertTrue(lines[2].contains("      3       3         0 B"), "dt=2026-11-19 was loaded by an earlier test: " + lines[2]);
        assertTrue(lines[5].startsWith("Needs 0 B (0 B to load x 1 replica); 2 live workers have ") && lines[5].endsWith(" free or evictable: fits"), lines[5]);

        CliRun plan = gfsload("plan", "--table", "demo.events", "--latest", "1", "--replication", "2", "--json");
        assertEquals(0, plan.exitCode(), plan.err());
        JsonNode summary = json(plan.out());
        assertEquals("exitCode", summary.fieldNames().next(), "how the command ends comes first: " + plan.out());
        assertEquals(0, summary.get("exitCode").asInt());
        assertTrue(summary.get("error").isNull(), plan.out());
        assertEquals("demo.events latest 1", summary.get("target").asText());
        assertEquals("dt=2026-11-20", summary.get("partitions").get(0).get("name").asText());
        assertEquals(0, summary.get("totals").get("blocksCached").asLong(), "one replica is not enough for replication 2");
        assertEquals(4, summary.get("totals").get("blocksToLoad").asLong());
        // each block misses one replica: the load writes that one, not two
        assertEquals(summary.get("totals").get("bytes").asLong(), summary.get("neededBytes").asLong());
        assertEquals(summary.get("totals").get("bytes").asLong(), summary.get("heldReplicaBytes").asLong());
        assertTrue(summary.get("fits").asBoolean());
        assertEquals(PlanPrinter.ASSUMED_BYTES_PER_SECOND, summary.get("assumedBytesPerSecond").asLong(), "nothing said about the UFS");

        CliRun capped = gfsload("--table", "demo.events", "--latest", "1", "--replication", "2", "--dry-run", "--bandwidth", "1MB/s", "--json");
        JsonNode atTheCap = json(capped.out());
        assertEquals(1L << 20, atTheCap.get("assumedBytesPerSecond").asLong());
        assertEquals("--bandwidth", atTheCap.get("assumedBecause").asText());
        assertEquals((double) atTheCap.get("totals").get("bytesToLoad").asLong() / (1 << 20), atTheCap.get("totals").get("estimatedSeconds").asDouble(), 0.01);
        CliRun planCapped = gfsload("plan", "--table", "demo.events", "--latest", "1", "--replication", "2", "--bandwidth", "1MB/s", "--json");
        assertEquals(0, planCapped.exitCode(), planCapped.err());
        assertEquals(atTheCap, json(planCapped.out()), "plan is the dry run, with the same flags");
        CliRun store = gfsload("plan", "--table", "demo.events", "--latest", "1", "--replication", "2", "--ufs-aggregate-bandwidth", "2MB/s");
        assertTrue(store.out().contains("Estimates assume 2.0 MiB/s from the UFS (the UFS's bandwidth for all streams)."), store.out());

        CliRun tooMany = gfsload("plan", "--table", "demo.events", "--latest", "1", "--replication", "3");
        assertEquals(2, tooMany.exitCode(), "as the load would: " + tooMany.err());
        assertEquals("gfsload: Invalid replication 3: the cluster has only 2 workers", tooMany.err().strip());
        assertTrue(tooMany.out().contains(" x 3 replicas, less 79.4 MiB of replicas already cached); 2 live workers have ")
                && tooMany.out().contains(" free or evictable: DOES NOT FIT (each replica of a block "
                + "needs a worker of its own)"), "space for 3 replicas, but only 2 workers: " + tooMany.out());
        CliRun tooManyJson = gfsload("plan", "--table", "demo.events", "--latest", "1", "--replication", "3", "--json");
        assertEquals(2, tooManyJson.exitCode(), tooManyJson.err());
        JsonNode refused = json(tooManyJson.out());
        assertEquals(2, refused.get("exitCode").asInt(), tooManyJson.out());
        assertEquals("Invalid replication 3: the cluster has only 2 workers", refused.get("error").asText(), "the line on stderr");
        assertEquals(summary.get("totals"), refused.get("totals"), "the plan as it is");
    }

    @Test
    @Order(9)
    void aFilterTheMetastoreRejectsIsBadInput() {
        CliRun run = gfsload("plan", "--table", "demo.events", "--where", "dt >=");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().startsWith("gfsload: Invalid filter \"dt >=\" for demo.events (partition keys: dt): "), run.err());
        CliRun lexer = gfsload("plan", "--table", "demo.events", "--where", "dt >>> 3");
        assertEquals(2, lexer.exitCode());
        assertEquals("gfsload: Invalid filter \"dt >>> 3\" for demo.events (partition keys: dt): the metastore cannot parse it", lexer.err().strip());
        CliRun key = gfsload("--table", "demo.events", "--partition", "day=2026-11-20");
        assertEquals(2, key.exitCode());
        assertEquals("gfsload: Partition spec 'day=2026-11-20' does not match the partition keys of demo.events: expected dt=...", key.err().strip());
        CliRun none = gfsload("--table", "demo.events", "--where", "dt > '2030-01-01'");
        assertEquals(5, none.exitCode(), "as a named partition that does not exist: the data may not have landed");
        assertEquals("gfsload: No partition of demo.events matches: where dt > '2030-01-01'", none.err().strip());
        assertEquals("", none.out());
    }

    @Test
    @Order(10)
    void aPlanThatDoesNotFitExitsSixWithTheNumbers() {
        try (LocalCluster small = LocalCluster.start(new LocalClusterConfig(home.resolve("small-cluster"), 2, 1L << 20))) {
            CliRun run = gfsload("--table", "demo.events", "--partition", "dt=2026-11-18", "--master", small.masterTarget());
            assertEquals(6, run.exitCode(), run.err());
            assertTrue(run.err().startsWith("gfsload: Not enough cache capacity: the plan needs "), run.err());
            assertTrue(run.err().contains("x 1 replica), the 2 live workers have 2.0 MiB free or evictable"), run.err());
            assertTrue(run.err().strip().endsWith(". Make room with 'gfsload free' (of tables or paths cached earlier), or load anyway with "
                    + "--ignore-capacity (the blocks the cache cannot take fail)"), "the ways out: " + run.err());

            // a dry run prints the plan and exits as the load would
            CliRun dryRun = gfsload("--table", "demo.events", "--partition", "dt=2026-11-18", "--master", small.masterTarget(), "--dry-run");
            assertEquals(6, dryRun.exitCode(), dryRun.err());
            assertTrue(dryRun.out().contains(" free or evictable: DOES NOT FIT"), dryRun.out());
            assertEquals(run.err(), dryRun.err(), "the same reason");
            // the table's need and the reason's, in one output: the same sizes, in the same form
            String needs = dryRun.out().lines().filter(line -> line.startsWith("Needs ")).findFirst().orElseThrow();
            assertTrue(needs.contains("; 2 live workers have 2.0 MiB free or evictable: "), needs);
            assertTrue(dryRun.err().contains("the plan needs " + needs.substring("Needs ".length(), needs.indexOf(')') + 1)
                    + ", the 2 live workers have 2.0 MiB free or evictable"), needs + " | " + dryRun.err());
            CliRun plan = gfsload("plan", "--table", "demo.events", "--partition", "dt=2026-11-18", "--master", small.masterTarget());
            assertEquals(6, plan.exitCode(), plan.err());
            CliRun ignored = gfsload("--table", "demo.events", "--partition", "dt=2026-11-18", "--master", small.masterTarget(), "--dry-run",
                    "--ignore-capacity");
            assertEquals(0, ignored.exitCode(), "the load would go ahead: " + ignored.err());
            CliRun planIgnored = gfsload("plan", "--table", "demo.events", "--partition", "dt=2026-11-18", "--master", small.masterTarget(), "--ignore-capacity");
            assertEquals(0, planIgnored.exitCode(), "as the dry run: " + planIgnored.err());
            assertEquals(ignored.out(), planIgnored.out());
        }
    }

    @Test
    @Order(10)
    void aBlockLargerThanEveryTierExitsSixBeforeLoading() throws IOException {
        // 160 MiB over the two workers, room for the partition's 79.4 MiB; but no tier holds its 64 MiB block
        LocalClusterConfig config = LocalClusterConfig.builder(home.resolve("small-tiers-cluster")).workers(2)
                .tier(StorageTier.MEM, 30L << 20).tier(StorageTier.SSD, 50L << 20).build();
        try (LocalCluster small = LocalCluster.start(config)) {
            CliRun plan = gfsload("plan", "--table", "demo.events", "--partition", "dt=2026-11-20", "--master", small.masterTarget());
            assertEquals(6, plan.exitCode(), plan.err());
            assertTrue(plan.out().contains(" free or evictable: DOES NOT FIT (the largest block to load, 64.0 MiB, needs a tier that large on 1 worker: "
                    + "0 of the live workers have one)"), plan.out());
            String reason = "gfsload: Not enough cache capacity: the largest block to load is 64.0 MiB, and its replica needs a live worker with "
                    + "a tier that large: no live worker has one (largest tier per live worker: worker-0 50.0 MiB, worker-1 50.0 MiB); a block goes whole "
                    + "into one tier: give the workers tiers of at least 64.0 MiB. Load anyway with --ignore-capacity (the blocks the cache cannot take fail)";
            assertEquals(reason, plan.err().strip());
            // the plan's JSON, on stdout and in --report, says how the command ends and why
            Path report = home.resolve("reports/does-not-fit.json");
            CliRun planJson = gfsload("plan", "--table", "demo.events", "--partition", "dt=2026-11-20", "--master", small.masterTarget(), "--json",
                    "--report", report.toString());
            assertEquals(6, planJson.exitCode(), planJson.err());
            assertEquals(reason, planJson.err().strip());
            JsonNode refused = json(planJson.out());
            assertEquals(6, refused.get("exitCode").asInt(), planJson.out());
            assertEquals(reason.substring("gfsload: ".length()), refused.get("error").asText());
            assertFalse(refused.get("fits").asBoolean());
            assertEquals(4, refused.get("totals").get("blocksToLoad").asLong(), "the plan's fields stay");
            assertEquals(refused, json(Files.readString(report)), "--report gets the same");
            CliRun dryRunJson = gfsload("--table", "demo.events", "--partition", "dt=2026-11-20", "--master", small.masterTarget(), "--dry-run", "--json");
            assertEquals(6, dryRunJson.exitCode(), dryRunJson.err());
            assertEquals(refused, json(dryRunJson.out()), "the dry run is the plan");

            // the load refuses it before loading anything, rather than ending PARTIAL
            CliRun load = gfsload("--table", "demo.events", "--partition", "dt=2026-11-20", "--master", small.masterTarget());
            assertEquals(6, load.exitCode(), load.err());
            assertEquals(reason, load.err().strip());
            assertEquals(0, small.newClient().clusterInfo().workers().stream().mapToLong(worker -> worker.usedBytes()).sum(), "nothing loaded");

            CliRun ignored = gfsload("plan", "--table", "demo.events", "--partition", "dt=2026-11-20", "--master", small.masterTarget(), "--ignore-capacity",
                    "--json");
            assertEquals(0, ignored.exitCode(), ignored.err());
            JsonNode ignoredJson = json(ignored.out());
            assertEquals(0, ignoredJson.get("exitCode").asInt(), ignored.out());
            assertTrue(ignoredJson.get("error").isNull(), ignored.out());
            assertFalse(ignoredJson.get("fits").asBoolean(), "it does not fit, and the load would go ahead");
            // the files of other partitions, without such a block, fit
            CliRun smallFiles = gfsload("plan", "--table", "demo.events", "--partition", "dt=2026-11-18", "--master", small.masterTarget());
            assertEquals(0, smallFiles.exitCode(), smallFiles.out() + smallFiles.err());
        }
    }

    @Test
    @Order(11)
    void progressAsJsonLinesAndTheReportInAFile() throws IOException {
        Path dir = home.resolve("progress");
        Files.createDirectories(dir);
        for (int i = 0; i < 5; i++) {
            Files.write(dir.resolve("f" + i), new byte[300_000]);
        }
        Path reportFile = home.resolve("reports/load.json");
        // a load window open now, in UTC: the load does not wait
        java.time.LocalTime now = java.time.LocalTime.now(java.time.ZoneOffset.UTC).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
        String window = now.minusHours(1) + "-" + now.plusHours(1);
        CliRun run = gfsload("distributedLoad", "--progress", "json", "--report", reportFile.toString(), "--active-jobs", "2",
                "--window", window, "--window-zone", "UTC", dir.toString());
        assertEquals(0, run.exitCode(), run.err());
        String[] lines = run.err().split("\\R");
        // the active files bound the read threads and how many of them the adaptive controller lets read at once
        assertEquals("Loading 5 files, 5 blocks, 1.4 MiB (0 B already cached) with replication 1, 2 read threads (2 reading at once to start, "
                + "adapting between 1 and 2)", lines[0]);
        assertEquals("UFS reads start only within the load window " + window + " (UTC)", lines[1]);
        JsonNode last = json(lines[lines.length - 1]);
        assertEquals("finished", last.get("event").asText());
        assertEquals("succeeded", last.get("state").asText(), "the outcome");
        assertEquals(5, last.get("filesDone").asLong());
        assertEquals(1_500_000, last.get("bytesDone").asLong());
        assertEquals(0, last.get("failures").asLong());
        JsonNode saved = json(Files.readString(reportFile));
        assertEquals("SUCCEEDED", saved.get("state").asText());
        assertEquals(1_500_000, saved.get("totals").get("bytesLoaded").asLong());
        assertEquals(saved.get("bytesPerSecond").asLong(), last.get("bytesPerSecond").asLong(), "the progress's last rate is the report's");
        assertEquals(5, saved.get("partitions").get(0).get("files").size());
        assertEquals(window, saved.get("window").get("window").asText());
        assertEquals(0, saved.get("window").get("pausedMillis").asLong());
        assertTrue(run.out().contains("  window  " + window + " (UTC): loaded within it, no wait"), run.out());
    }

    @Test
    @Order(12)
    void statusShowsTheCachedSharePerPartitionAndVerifyPasses() {
        CliRun before = gfsload("status", "--table", "demo.events", "--json");
        assertEquals(0, before.exitCode(), before.err());
        assertEquals("exitCode", json(before.out()).fieldNames().next(), before.out());
        assertEquals(0, json(before.out()).get("exitCode").asInt());
        assertTrue(json(before.out()).get("error").isNull(), before.out());
        JsonNode partitions = json(before.out()).get("partitions");
        assertEquals("dt=2026-11-18", partitions.get(0).get("name").asText());
        assertEquals(0.0, partitions.get(0).get("cachedPercent").asDouble());
        assertEquals(100.0, partitions.get(1).get("cachedPercent").asDouble());
        assertEquals(100.0, partitions.get(2).get("cachedPercent").asDouble());

        CliRun load = gfsload("--table", "demo.events", "--partition", "dt=2026-11-18", "--verify", "--progress", "none");
        assertEquals(0, load.exitCode(), load.err());
        assertTrue(load.out().startsWith("demo.events dt=2026-11-18: SUCCEEDED"), load.out());

        CliRun after = gfsload("status", "--table", "demo.events");
        assertEquals(0, after.exitCode(), after.err());
        String[] lines = after.out().split("\\R");
        assertEquals("Cached state of demo.events at replication 1", lines[0]);
        assertTrue(lines[2].startsWith("dt=2026-11-18") && lines[2].endsWith("100.0 %"), lines[2]);
        assertTrue(lines[5].startsWith("total") && lines[5].endsWith("100.0 %"), lines[5]);

        CliRun twice = gfsload("status", "--table", "demo.events", "--replication", "2", "--json");
        assertEquals(0.0, json(twice.out()).get("totals").get("cachedPercent").asDouble(), "nothing has two replicas");
    }

    @Test
    @Order(13)
    void atomicLoadWithTwoReplicasOnThreeWorkers() throws IOException {
        try (LocalCluster three = LocalCluster.start(new LocalClusterConfig(home.resolve("three-workers"), 3, 1L << 30));
                CacheClient client = three.newClient()) {
            JsonNode report = CacheContents.assertDemoPartitionLoaded(gfsload(CacheContents.demoPartitionWithTwoReplicas(three.masterTarget())));
            assertEquals(List.of(), client.tempAreas().listTempAreas(), "the committed job leaves no temp area");
            CacheContents.assertCached(client, report, 2, Set.of());
        }
    }

    @Test
    @Order(14)
    void freeRemovesThePartitionsBlocks() {
        CliRun free = gfsload("free", "--table", "demo.events", "--partition", "dt=2026-11-18");
        assertEquals(0, free.exitCode(), free.err());
        assertEquals("Freed demo.events dt=2026-11-18: 3 blocks, 6.0 MiB of 3 files", free.out().strip());

        JsonNode status = json(gfsload("status", "--table", "demo.events", "--json").out());
        assertEquals(0.0, status.get("partitions").get(0).get("cachedPercent").asDouble(), "dt=2026-11-18 is freed");
        assertEquals(100.0, status.get("partitions").get(2).get("cachedPercent").asDouble(), "dt=2026-11-20 is untouched");
    }

    @Test
    @Order(16)
    void aReplicaMissingOnItsWorkerIsWrittenAgainAfterTheLoadAndVerifyConfirmsIt() throws IOException {
        Path dir = home.resolve("verified");
        Files.createDirectories(dir);
        Files.write(dir.resolve("f0"), new byte[200_000]);
        // a cluster that runs on between the commands (the embedded one starts with each and finds the file gone),
        // whose workers do not look for missing block files on their own: the check of --verify finds it
        LocalClusterConfig config = LocalClusterConfig.builder(home.resolve("verify-cluster")).workers(2).workerCapacityBytes(64L << 20)
                .blockFileChecksPerHeartbeat(0).build();
        try (LocalCluster cluster = LocalCluster.start(config)) {
            CliRun load = gfsload("distributedLoad", "--replication", "2", "--json", "--progress", "none", "--master", cluster.masterTarget(), dir.toString());
            assertEquals(0, load.exitCode(), load.err());
            String blockId = CacheContents.blockIds(json(load.out())).iterator().next();
            try (Stream<Path> files = Files.walk(home.resolve("verify-cluster"))) {
                Files.delete(files.filter(file -> file.getFileName().toString().equals(blockId + ".block")).findFirst().orElseThrow());
            }

            CliRun verify = gfsload("distributedLoad", "--replication", "2", "--verify", "--progress", "json", "--master", cluster.masterTarget(), dir.toString());

            // the check after every load finds the replica missing and writes it again: --verify then confirms both
            assertEquals(0, verify.exitCode(), verify.err() + verify.out());
            assertTrue(verify.out().contains("1 block (195.3 KiB) of the load missing from the workers after it (evicted, freed, or lost with a "
                    + "restarted worker): written again"), verify.out());
            assertTrue(verify.out().contains("more than written: retries, blocks whose write failed, and blocks written again after the load"),
                    verify.out());
            assertTrue(verify.out().contains("verify  each file has every block on live workers with its 2 replicas"), verify.out());
            String[] lines = verify.err().split("\\R");
            JsonNode last = json(lines[lines.length - 1]);
            assertEquals("finished", last.get("event").asText());
            assertEquals("succeeded", last.get("state").asText(), "the outcome after the check: " + lines[lines.length - 1]);
            try (Stream<Path> files = Files.walk(home.resolve("verify-cluster"))) {
                assertEquals(2, files.filter(file -> file.getFileName().toString().equals(blockId + ".block")).count(), "both replicas again");
            }
        }
    }

    @Test
    @Order(17)
    void aPartitionWithoutItsDataIsSaidSo() throws IOException {
        JsonNode plan = json(gfsload("plan", "--table", "demo.events", "--partition", "dt=2026-11-19", "--json").out());
        String location = plan.get("partitions").get(0).get("location").asText();
        Path data = Path.of(java.net.URI.create(location));
        Path away = home.resolve("moved-away");
        Files.move(data, away);
        try {
            CliRun run = gfsload("--table", "demo.events", "--partition", "dt=2026-11-19", "--progress", "none");
            // not landed yet, as a partition not registered yet: a scheduler retries
            assertEquals(ExitCode.NOT_FOUND, run.exitCode(), run.err());
            assertTrue(run.err().contains("Location not found: demo.events dt=2026-11-19 at " + location), run.err());
        }
        finally {
            Files.move(away, data);
        }
    }

    @Test
    @Order(15)
    void aLoadStartedBeforeItsWindowPlansAgainWhenTheWindowOpens() throws Exception {
        Path dir = home.resolve("window");
        Files.createDirectories(dir);
        Files.write(dir.resolve("f0"), new byte[200_000]);
        Files.write(dir.resolve("f1"), new byte[200_000]);
        // a window that opens at a minute boundary 20-80 s from now: the load waits for it
        LocalTime now = LocalTime.now(ZoneOffset.UTC);
        LocalTime opens = now.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
        if (Duration.between(now, opens).toSeconds() < 20) {
            opens = opens.plusMinutes(1);
        }
        String window = opens + "-" + opens.plusHours(1);
        ExecutorService background = Executors.newSingleThreadExecutor();
        try {
            Future<CliRun> load = background.submit(() -> gfsload("distributedLoad", "--json", "--window", window, "--window-zone", "UTC", dir.toString()));
            // while it waits (it planned long before this): f0 is rewritten, f2 is added
            long untilRewrite = Duration.between(LocalTime.now(ZoneOffset.UTC), opens).toMillis() - 8_000;
            Thread.sleep(Math.floorMod(untilRewrite, Duration.ofDays(1).toMillis()));
            Files.write(dir.resolve("f0"), new byte[300_000]);
            Files.write(dir.resolve("f2"), new byte[100_000]);
            CliRun run = load.get(3, TimeUnit.MINUTES);

            assertEquals(0, run.exitCode(), run.err());
            assertTrue(run.err().startsWith("Loading 2 files, 2 blocks, 390.6 KiB (0 B already cached)"), run.err());
            assertTrue(run.err().contains("; it is closed now and opens in "), run.err());
            assertTrue(run.err().contains("The load window is open: planned again, 3 files, 3 blocks, 585.9 KiB (0 B already cached)"), run.err());
            JsonNode report = json(run.out());
            assertEquals("SUCCEEDED", report.get("state").asText(), run.out());
            assertEquals(3, report.get("totals").get("files").asLong());
            assertEquals(600_000, report.get("totals").get("bytesLoaded").asLong(), "f0 as rewritten, and f2");
            assertTrue(report.get("window").get("waitedMillis").asLong() > 0, report.get("window").toString());
        }
        finally {
            background.shutdownNow();
        }
    }

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        }
        catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
