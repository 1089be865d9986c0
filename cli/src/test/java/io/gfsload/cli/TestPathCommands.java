package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.executor.DistributedLoad;
import io.gfsload.executor.JobJournal;
import io.gfsload.executor.SliceLoad;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands that take UFS paths (distributedLoad, plan --path, free --path) against a cluster of two workers. */
class TestPathCommands {
    @TempDir
    static Path home;

    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = LocalCluster.start(new LocalClusterConfig(home.resolve("cluster"), 2, 64L << 20));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static CliRun gfsload(String command, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = command;
        all[1] = "--master";
        all[2] = cluster.masterTarget();
        System.arraycopy(args, 0, all, 3, args.length);
        return CliRun.gfsload(home, all);
    }

    private static Path directory(String name, int files, int bytes) throws IOException {
        Path dir = Files.createDirectories(home.resolve("ufs").resolve(name));
        for (int i = 0; i < files; i++) {
            Files.write(dir.resolve("f" + i + ".bin"), new byte[bytes]);
        }
        return dir;
    }

    @Test
    void aPathThatCannotBeListedFailsAloneAndTheOthersAreLoaded() throws IOException {
        Path good = directory("listed", 2, 50_000);
        // a link to itself: the path cannot be listed at all ("Too many levels of symbolic links"), as a directory it may not read
        Path bad = home.resolve("ufs/unlisted");
        Files.createSymbolicLink(bad, bad);

        CliRun dryRun = gfsload("distributedLoad", "--dry-run", good.toString(), bad.toString());
        assertEquals(ExitCode.PARTIAL, dryRun.exitCode(), "as the load would: " + dryRun.err());
        assertTrue(dryRun.out().contains("Not listed, not loaded: " + bad + ": Cannot list " + bad + ": "), dryRun.out());

        CliRun load = gfsload("distributedLoad", "--progress", "none", "--json", good.toString(), bad.toString());

        assertEquals(ExitCode.PARTIAL, load.exitCode(), load.err());
        JsonNode report = json(load.out());
        assertEquals("PARTIAL", report.get("state").asText());
        assertEquals(1, report.get("totals").get("partitionsFailed").asLong());
        assertEquals(2, report.get("totals").get("files").asLong(), "the listed path's files");
        assertEquals(2, report.get("totals").get("blocksLoaded").asLong());
        JsonNode unlisted = report.get("partitions").get(1);
        assertTrue(unlisted.get("error").asText().startsWith("Cannot list " + bad + ": " + bad + ": Too many levels of symbolic links"), unlisted.toString());
        assertTrue(report.get("partitions").get(0).get("error").isNull());

        CliRun status = gfsload("status", "--json", "--path", good.toString(), bad.toString());
        assertEquals(ExitCode.PARTIAL, status.exitCode(), "what is cached of it is not known: " + status.err());
        JsonNode unknown = json(status.out()).get("partitions").get(1);
        assertTrue(unknown.get("cachedPercent").isNull(), unknown.toString());
        assertTrue(unknown.get("error").asText().startsWith("Cannot list " + bad), unknown.toString());
        JsonNode totals = json(status.out()).get("totals");
        assertTrue(totals.get("cachedPercent").isNull(), "nor what is cached of the whole: " + totals);
        assertEquals("1 of 2 not listed: what is cached there is not known", totals.get("error").asText(), totals.toString());
        // the path alone: neither its row nor the total claims a share of what could not be seen
        CliRun alone = gfsload("status", "--path", bad.toString());
        assertEquals(ExitCode.PARTIAL, alone.exitCode(), alone.err());
        List<String> rows = alone.out().lines().filter(line -> line.startsWith(bad.toString()) || line.startsWith("total")).toList();
        assertEquals(2, rows.size(), alone.out());
        for (String row : rows) {
            assertTrue(row.endsWith(" ?"), alone.out());
        }

        CliRun summary = gfsload("distributedLoad", "--progress", "none", good.toString(), bad.toString());
        assertEquals(ExitCode.PARTIAL, summary.exitCode(), summary.err());
        assertTrue(summary.out().contains("  partitions 1 not listed, their files not loaded"), summary.out());
        assertTrue(summary.out().contains("  partitions not listed:%n    %s: Cannot list %s: ".formatted(bad, bad)), summary.out());
    }

    @Test
    void aDirectoryBelowAPathThatCannotBeListedFailsAloneAndTheFilesBesideItAreLoaded() throws IOException {
        Path data = home.resolve("ufs/beside-unlisted");
        directory("beside-unlisted/ok", 2, 50_000);
        // a link to itself: its status cannot be read ("Too many levels of symbolic links"), so it
        // fails alone, as a directory below the path that the user may not read does
        Path unlisted = Files.createSymbolicLink(data.resolve("secret"), data.resolve("secret"));
        String named = "Not listed, not loaded: file:%s (in %s): %s: Too many levels of symbolic links".formatted(unlisted, data, unlisted);

        CliRun dryRun = gfsload("distributedLoad", "--dry-run", data.toString());
        assertEquals(ExitCode.PARTIAL, dryRun.exitCode(), "as the load would: " + dryRun.err());
        assertTrue(dryRun.out().contains(named), dryRun.out());
        JsonNode plan = json(gfsload("plan", "--json", "--path", data.toString()).out());
        assertEquals(2, plan.get("totals").get("files").asLong(), "the files beside it");
        assertUnlisted(plan.get("partitions").get(0), unlisted);

        CliRun load = gfsload("distributedLoad", "--progress", "none", "--json", data.toString());

        assertEquals(ExitCode.PARTIAL, load.exitCode(), load.err());
        JsonNode report = json(load.out());
        assertLoadedBesideUnlisted(report, 2, unlisted);

        CliRun status = gfsload("status", "--json", "--path", data.toString());
        assertEquals(ExitCode.PARTIAL, status.exitCode(), "what is cached of it is not known: " + status.err());
        JsonNode listed = json(status.out()).get("partitions").get(0);
        assertEquals(100.0, listed.get("cachedPercent").asDouble(), "of the files listed: " + listed);
        assertUnlisted(listed, unlisted);
        String statusText = gfsload("status", "--path", data.toString()).out();
        assertTrue(statusText.contains(named.replace("Not listed, not loaded: ", "Not listed: ")), "status loads nothing: " + statusText);

        CliRun summary = gfsload("distributedLoad", "--progress", "none", data.toString());
        assertEquals(ExitCode.PARTIAL, summary.exitCode(), summary.err());
        assertTrue(summary.out().contains("  directories 1 not listed, their files not loaded"), summary.out());
        assertTrue(summary.out().contains("  directories not listed:%n    %s".formatted(named.substring("Not listed, not loaded: ".length()))), summary.out());
        assertFalse(summary.out().contains("failed files:"), "no file failed: " + summary.out());

        // free needs no listing: it frees what is cached under the path
        CliRun free = gfsload("free", "--path", data.toString());
        assertEquals(0, free.exitCode(), free.err());
        assertTrue(free.out().contains("2 blocks"), free.out());

        // in slices, as a Spark job loads: the same report
        DistributedLoad.Slices inProcess = new InProcessSlices();
        CliRun sliced = CliRun.gfsload(new CliEnvironment(home).withSlices(inProcess), "distributedLoad", "--master", cluster.masterTarget(),
                "--progress", "none", "--json", data.toString());
        assertEquals(ExitCode.PARTIAL, sliced.exitCode(), sliced.err());
        assertLoadedBesideUnlisted(json(sliced.out()), 2, unlisted);

        // all of a partition or nothing: an atomic partition with a directory not listed is not committed
        gfsload("free", "--path", data.toString());
        CliRun atomic = gfsload("distributedLoad", "--progress", "none", "--json", "-A", "--atomic-scope", "partition", data.toString());
        assertEquals(ExitCode.FAILED, atomic.exitCode(), atomic.err());
        JsonNode notCommitted = json(atomic.out());
        assertLoadedBesideUnlisted(notCommitted, 0, unlisted);
        assertEquals("not committed: partition %s has a directory that could not be listed (file:%s)".formatted(data, unlisted),
                notCommitted.get("partitions").get(0).get("files").get(0).get("error").asText());
    }

    private static void assertLoadedBesideUnlisted(JsonNode report, long blocksLoaded, Path unlisted) {
        assertEquals(blocksLoaded == 0 ? "FAILED" : "PARTIAL", report.get("state").asText(), report.toString());
        JsonNode totals = report.get("totals");
        assertEquals(2, totals.get("files").asLong(), "the files beside it: " + totals);
        assertEquals(blocksLoaded, totals.get("blocksLoaded").asLong(), totals.toString());
        assertEquals(0, totals.get("partitionsFailed").asLong(), totals.toString());
        assertEquals(1, totals.get("directoriesFailed").asLong(), totals.toString());
        JsonNode partition = report.get("partitions").get(0);
        assertTrue(partition.get("error").isNull(), "the path itself was listed: " + partition);
        assertEquals(1, partition.get("totals").get("directoriesFailed").asLong(), partition.toString());
        assertUnlisted(partition, unlisted);
    }

    private static void assertUnlisted(JsonNode partition, Path unlisted) {
        JsonNode directories = partition.get("unlistedDirectories");
        assertEquals(1, directories.size(), partition.toString());
        assertEquals("file:" + unlisted, directories.get(0).get("path").asText());
        assertTrue(directories.get(0).get("error").asText().startsWith(unlisted + ": Too many levels of symbolic links"), directories.toString());
    }

    @Test
    void theSettingActiveJobsSetsShowsTheFlagsValueAndNoOtherIsNamedAsIfItWereTheFlags() throws IOException {
        Path dir = directory("active-jobs", 3, 10_000);

        CliRun load = gfsload("distributedLoad", "--progress", "none", "--json", "--active-jobs", "2", dir.toString());

        assertEquals(0, load.exitCode(), load.err());
        JsonNode settings = json(load.out()).get("settings");
        JsonNode activeFiles = null;
        for (JsonNode setting : settings) {
            String name = setting.get("name").asText();
            assertFalse(name.equals("active-jobs"), "no setting is named as the flag that does not set it: " + setting);
            if (name.equals("executor.active-files")) {
                activeFiles = setting;
            }
            else if (setting.get("reason").asText().contains("--active-jobs")) {
                assertEquals("ADVISOR", setting.get("source").asText(), "only the setting the flag sets says so: " + setting);
            }
        }
        assertTrue(activeFiles != null, settings.toString());
        assertEquals(2, activeFiles.get("value").asLong(), activeFiles.toString());
        assertEquals("FLAG", activeFiles.get("source").asText(), activeFiles.toString());
        assertTrue(activeFiles.get("reason").asText().startsWith("set by --active-jobs; advisor: "), activeFiles.toString());
        JsonNode goosefs = null;
        for (JsonNode setting : settings) {
            if (setting.get("name").asText().equals("goosefs-distributedLoad.active-jobs")) {
                goosefs = setting;
            }
        }
        assertTrue(goosefs != null, "GooseFS's distributedLoad --active-jobs, which gfsload's flag does not set: " + settings);
        assertEquals("ADVISOR", goosefs.get("source").asText(), goosefs.toString());
    }

    /** A store of 20 ms, 16 MiB/s per stream and 1 GiB/s in all, on 2 cores. */
    private static final List<String> STORE = List.of("--cores", "2", "--ufs-latency-ms", "20", "--ufs-stream-bandwidth", "16MB/s",
            "--ufs-aggregate-bandwidth", "1GB/s");

    @Test
    void aLoadsReadThreadsAreSizedForItsBandwidthCap() throws IOException {
        // 100 files of 64 KiB: one request of 64 KiB per file, 100 files to read at once
        Path dir = directory("capped", 100, 64 << 10);
        List<String> args = new ArrayList<>(List.of("--progress", "none", "--json"));
        args.addAll(STORE);
        CliRun load = gfsload("distributedLoad", withPath(args, dir, "--bandwidth", "32MB/s"));
        assertEquals(0, load.exitCode(), load.err());
        JsonNode threads = setting(json(load.out()), "executor.ufs-read-threads");
        // 32 MiB/s x (20 ms + 64 KiB / 16 MiB/s) / 64 KiB = 13 streams, x 1.5; uncapped, the store's 1 GiB/s would take every file at once
        assertEquals(20, threads.get("value").asLong(), threads.toString());
        assertTrue(threads.get("reason").asText().contains("; --bandwidth 32 MiB/s (below the store's 1 GiB/s) needs 32 MiB/s x (20 ms + 64 KiB / 16 MiB/s) / 64 KiB "
                + "= 13 streams, x 1.5 for the gaps between a stream's requests = 20"), threads.toString());

        gfsload("free", "--path", dir.toString());
        CliRun store = gfsload("distributedLoad", withPath(args, dir));
        assertEquals(0, store.exitCode(), store.err());
        assertEquals(100, setting(json(store.out()), "executor.ufs-read-threads").get("value").asLong(), "the store's rate, at most one read per file");
    }

    @Test
    void eachSliceOfASparkJobIsSizedForItsShareOfTheBandwidthCap() throws IOException {
        Path dir = directory("capped-slices", 100, 64 << 10);
        List<SliceLoad> seen = new ArrayList<>();
        CliRun sliced = cappedInSlices(dir, seen);
        for (SliceLoad slice : seen) {
            assertEquals(16L << 20, slice.options().bandwidthBytesPerSecond(), "half the cap: each slice reads half the bytes");
            // 16 MiB/s x (20 ms + 64 KiB / 16 MiB/s) / 64 KiB = 7 streams, x 1.5; the whole cap's would be 20
            assertEquals(11, slice.settings().value(Settings.UFS_READ_THREADS), slice.settings().get(Settings.UFS_READ_THREADS).reason());
        }
        JsonNode threads = setting(json(sliced.out()), Settings.UFS_READ_THREADS);
        assertEquals(11, threads.get("value").asLong(), "the report's settings are a slice's");
        assertTrue(threads.get("reason").asText().contains("; --bandwidth 32 MiB/s / 2 slices = 16 MiB/s (below the store's 1 GiB/s / 2 slices = 512 MiB/s) needs "), threads.toString());
    }

    @Test
    void aSliceThatReadsMostOfASparkJobsBytesGetsTheReadThreadsOfItsShare() throws IOException {
        // one file of 4 MiB, alone in its slice, and three of 64 KiB in the other
        Path dir = directory("uneven-slices", 3, 64 << 10);
        Files.write(dir.resolve("large.bin"), new byte[4 << 20]);
        List<SliceLoad> seen = new ArrayList<>();
        CliRun sliced = cappedInSlices(dir, seen);
        SliceLoad large = seen.stream().filter(slice -> slice.partitions().stream().mapToLong(partition -> partition.files().size()).sum() == 1).findFirst().orElseThrow();
        SliceLoad small = seen.stream().filter(slice -> slice != large).findFirst().orElseThrow();
        // by the bytes each reads, 4 MiB against 192 KiB, that held at a quarter of an even share (536 KiB): 88.4 % of the cap and 11.6 %
        assertEquals(29_671_622L, large.options().bandwidthBytesPerSecond());
        assertEquals(3_882_809L, small.options().bandwidthBytesPerSecond());
        // 28.3 MiB/s x (20 ms + 64 KiB / 16 MiB/s) / 64 KiB = 11 streams, x 1.5; 3.7 MiB/s needs 2 streams, so 2 x cores;
        // an even share of 16 MiB/s each would have given both 11
        Setting largeThreads = large.settings().get(Settings.UFS_READ_THREADS);
        Setting smallThreads = small.settings().get(Settings.UFS_READ_THREADS);
        assertEquals(17, largeThreads.value(), largeThreads.reason());
        assertEquals(4, smallThreads.value(), smallThreads.reason());
        assertTrue(largeThreads.reason().contains("; --bandwidth 32 MiB/s x 88.4%% (slice %d of 2, by the bytes it reads) = 28.3 MiB/s (below the store's 1 GiB/s "
                .formatted(large.index() + 1) + "x 88.4% = 905.5 MiB/s) needs 28.3 MiB/s x "), largeThreads.reason());
        assertTrue(smallThreads.reason().contains("; --bandwidth 32 MiB/s x 11.6%% (slice %d of 2, by the bytes it reads) = 3.7 MiB/s (below "
                .formatted(small.index() + 1)), smallThreads.reason());
        // the report's settings are those of the slice that reads the most
        JsonNode threads = setting(json(sliced.out()), Settings.UFS_READ_THREADS);
        assertEquals(largeThreads.reason(), threads.get("reason").asText());
        assertEquals(17, threads.get("value").asLong());
    }

    /** A load of {@code dir} from the store of {@link #STORE} at {@code --bandwidth 32MB/s}, in two slices that {@code seen} gets as they load. */
    private CliRun cappedInSlices(Path dir, List<SliceLoad> seen) {
        List<String> args = new ArrayList<>(List.of("distributedLoad", "--master", cluster.masterTarget(), "--progress", "none", "--json"));
        args.addAll(STORE);
        CliRun sliced = CliRun.gfsload(new CliEnvironment(home).withSlices(new InProcessSlices(seen::add)), withPath(args, dir, "--bandwidth", "32MB/s"));
        assertEquals(0, sliced.exitCode(), sliced.err());
        assertEquals(2, seen.size(), "two slices run at once");
        return sliced;
    }

    /** {@code args}, then {@code more}, then {@code dir}. */
    private static String[] withPath(List<String> args, Path dir, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        all.add(dir.toString());
        return all.toArray(String[]::new);
    }

    private static JsonNode setting(JsonNode report, String name) {
        for (JsonNode setting : report.get("settings")) {
            if (setting.get("name").asText().equals(name)) {
                return setting;
            }
        }
        throw new AssertionError("no setting " + name + " in " + report);
    }

    @Test
    void aLinkLoopAtTheTopOfAPathFailsAloneAndTheFilesBesideItAreLoaded() throws IOException {
        Path data = directory("top-loop", 1, 50_000);
        directory("top-loop/sub", 1, 50_000);
        Path loop1 = Files.createSymbolicLink(data.resolve("loop1"), data.resolve("loop2"));
        Path loop2 = Files.createSymbolicLink(data.resolve("loop2"), data.resolve("loop1"));

        CliRun plan = gfsload("plan", "--json", "--path", data.toString());
        assertEquals(ExitCode.PARTIAL, plan.exitCode(), plan.err());
        assertEquals(2, json(plan.out()).get("totals").get("files").asLong(), plan.out());

        CliRun load = gfsload("distributedLoad", "--progress", "none", "--json", data.toString());

        assertEquals(ExitCode.PARTIAL, load.exitCode(), load.err());
        JsonNode report = json(load.out());
        assertEquals("PARTIAL", report.get("state").asText(), report.toString());
        JsonNode totals = report.get("totals");
        assertEquals(0, totals.get("partitionsFailed").asLong(), "the path itself was listed: " + totals);
        assertEquals(2, totals.get("directoriesFailed").asLong(), totals.toString());
        assertEquals(2, totals.get("files").asLong(), "the files beside the loop: " + totals);
        assertEquals(2, totals.get("blocksLoaded").asLong(), totals.toString());
        JsonNode directories = report.get("partitions").get(0).get("unlistedDirectories");
        assertEquals(List.of("file:" + loop1, "file:" + loop2), List.of(directories.get(0).get("path").asText(), directories.get(1).get("path").asText()));
        assertTrue(directories.get(0).get("error").asText().startsWith(loop1 + ": Too many levels of symbolic links"), directories.toString());

        CliRun status = gfsload("status", "--json", "--path", data.toString());
        assertEquals(ExitCode.PARTIAL, status.exitCode(), status.err());
        assertEquals(2, json(status.out()).get("partitions").get(0).get("unlistedDirectories").size(), status.out());
    }

    @Test
    void aSymbolicLinkCycleIsReportedAndTheFilesUnderItAreLoadedOnce() throws IOException {
        Path data = directory("cycles", 1, 50_000);
        Path sub = directory("cycles/sub", 1, 50_000);
        // both links at every level: followed as Hadoop follows them, the listing would not end
        Path self = Files.createSymbolicLink(data.resolve("self"), Path.of("."));
        Path up = Files.createSymbolicLink(sub.resolve("up"), Path.of(".."));

        CliRun plan = gfsload("plan", "--path", data.toString());
        assertEquals(ExitCode.PARTIAL, plan.exitCode(), plan.err());
        assertTrue(plan.out().contains("Not listed, not loaded: file:%s (in %s): symbolic link cycle: %s -> %s".formatted(self, data, self, data)),
                plan.out());

        CliRun load = gfsload("distributedLoad", "--progress", "none", "--json", data.toString());

        assertEquals(ExitCode.PARTIAL, load.exitCode(), load.err());
        JsonNode report = json(load.out());
        JsonNode totals = report.get("totals");
        assertEquals(2, totals.get("files").asLong(), "each file once: " + totals);
        assertEquals(2, totals.get("blocksLoaded").asLong(), totals.toString());
        assertEquals(2, totals.get("directoriesFailed").asLong(), totals.toString());
        JsonNode directories = report.get("partitions").get(0).get("unlistedDirectories");
        assertEquals(List.of("file:" + self, "file:" + up), List.of(directories.get(0).get("path").asText(), directories.get(1).get("path").asText()));
        assertEquals("symbolic link cycle: %s -> %s".formatted(up, data), directories.get(1).get("error").asText());
    }

    @Test
    void aHigherReplicationNeedsAndWritesOnlyTheReplicasMissing() throws IOException {
        Path dir = directory("more-replicas", 2, 100_000);
        CliRun once = gfsload("distributedLoad", "--progress", "none", dir.toString());
        assertEquals(0, once.exitCode(), once.err());

        CliRun plan = gfsload("plan", "--path", dir.toString(), "--replication", "2");
        assertEquals(0, plan.exitCode(), plan.err());
        String bytes = Sizes.format(200_000);
        assertTrue(plan.out().contains("Needs %s (%s to load x 2 replicas, less %s of replicas already cached); 2 live workers have "
                .formatted(bytes, bytes, bytes)), plan.out());
        assertEquals(200_000, json(gfsload("plan", "--path", dir.toString(), "--replication", "2", "--json").out()).get("heldReplicaBytes").asLong());

        CliRun twice = gfsload("distributedLoad", "--progress", "none", "--replication", "2", dir.toString());
        assertEquals(0, twice.exitCode(), twice.err());
        try (CacheClient client = cluster.newClient()) {
            for (int i = 0; i < 2; i++) {
                CacheContents.assertFileCached(client, "file:" + dir.resolve("f" + i + ".bin"), 2, Set.of());
            }
        }
    }

    @Test
    void aDryRunOfPathsPrintsThePlanAsPlanDoesAndLoadsNothing() throws IOException {
        Path dir = directory("dry", 3, 100_000);
        Path report = home.resolve("reports/dry.json");
        CliRun dryRun = gfsload("distributedLoad", "--dry-run", "--report", report.toString(), dir.toString());
        assertEquals(0, dryRun.exitCode(), dryRun.err());
        String[] lines = dryRun.out().split("\\R");
        assertEquals("Plan for " + dir + ": replication 1, 64.0 MiB blocks (dry run, nothing loaded)", lines[0]);
        assertTrue(lines[1].startsWith("PATH "), "the rows are paths: " + lines[1]);
        assertTrue(lines[2].startsWith(dir.toString()), lines[2]);
        assertTrue(lines[4].endsWith(" free or evictable: fits"), lines[4]);
        JsonNode written = json(Files.readString(report));
        assertEquals(dir.toString(), written.get("target").asText(), "--report gets the plan");
        assertEquals(3, written.get("totals").get("files").asLong());
        assertEquals(3, written.get("totals").get("blocksToLoad").asLong());

        CliRun plan = gfsload("plan", "--path", dir.toString());
        assertEquals(0, plan.exitCode(), plan.err());
        // the cache's free room is read live from the workers' heartbeats, and may move between two runs (by 1,000 bytes once)
        assertEquals(withoutFreeRoom(dryRun.out()), withoutFreeRoom(plan.out()), "plan --path is the dry run");
        JsonNode dryRunJson = json(gfsload("distributedLoad", "--dry-run", "--json", dir.toString()).out());
        JsonNode planJson = json(gfsload("plan", "--json", "--path", dir.toString()).out());
        for (JsonNode node : List.of(written, dryRunJson, planJson)) {
            assertTrue(node.get("availableBytes").asLong() > 0, node.toString());
            ((com.fasterxml.jackson.databind.node.ObjectNode) node).remove("availableBytes");
        }
        assertEquals(dryRunJson, planJson);
        assertEquals(written, dryRunJson);
        assertFalse(written.has("paths"), "the JSON's target names the paths");

        CliRun statusTable = gfsload("status", "--path", dir.toString());
        assertEquals(0, statusTable.exitCode(), statusTable.err());
        assertTrue(statusTable.out().lines().skip(1).findFirst().orElseThrow().startsWith("PATH "), statusTable.out());

        CliRun status = gfsload("status", "--path", dir.toString(), "--json");
        assertEquals(0, status.exitCode(), status.err());
        assertEquals(0, json(status.out()).get("totals").get("blocksCached").asLong(), "a dry run loads nothing");

        CliRun missing = gfsload("distributedLoad", "--dry-run", dir.resolve("nosuch").toString());
        assertEquals(ExitCode.NOT_FOUND, missing.exitCode(), "as the load would");
        assertEquals("gfsload: Path not found: " + dir.resolve("nosuch"), missing.err().strip());
        assertEquals(ExitCode.NOT_FOUND, gfsload("plan", "--path", dir.resolve("nosuch").toString()).exitCode());
    }

    @Test
    void aDryRunOfPathsExitsAsTheLoadWould() throws IOException {
        Path dir = directory("refused", 2, 1000);
        for (String[] args : new String[][] {{"distributedLoad", "--dry-run", "--replication", "3", dir.toString()},
                {"plan", "--replication", "3", "--path", dir.toString()}}) {
            CliRun run = gfsload(args[0], java.util.Arrays.copyOfRange(args, 1, args.length));
            assertEquals(ExitCode.USAGE, run.exitCode(), String.join(" ", args) + ": " + run.err());
            assertEquals("gfsload: Invalid replication 3: the cluster has only 2 workers", run.err().strip());
            assertTrue(run.out().contains("DOES NOT FIT"), run.out());
        }

        Path large = directory("large", 1, 3 << 20);
        try (LocalCluster small = LocalCluster.start(new LocalClusterConfig(home.resolve("small-cluster"), 2, 1L << 20))) {
            CliRun load = CliRun.gfsload(home, "distributedLoad", "--master", small.masterTarget(), large.toString());
            assertEquals(ExitCode.NO_CAPACITY, load.exitCode(), load.err());
            for (String command : new String[] {"distributedLoad --dry-run", "plan --path"}) {
                String[] words = command.split(" ");
                CliRun dryRun = CliRun.gfsload(home, words[0], "--master", small.masterTarget(), words[1], large.toString());
                assertEquals(ExitCode.NO_CAPACITY, dryRun.exitCode(), command + ": " + dryRun.err());
                assertEquals(load.err(), dryRun.err(), command + ": the same reason");
                CliRun ignored = CliRun.gfsload(home, words[0], "--master", small.masterTarget(), "--ignore-capacity", words[1], large.toString());
                assertEquals(0, ignored.exitCode(), command + ": the load would go ahead: " + ignored.err());
            }
        }
    }

    @Test
    void planTakesTheFlagsOfTheDryRun() throws IOException {
        Path dir = directory("flags", 4, 10_000);
        Path report = home.resolve("reports/plan.json");
        CliRun capped = gfsload("plan", "--path", dir.toString(), "--bandwidth", "1MB/s", "--json", "--report", report.toString());
        assertEquals(0, capped.exitCode(), capped.err());
        JsonNode plan = json(capped.out());
        assertEquals(1L << 20, plan.get("assumedBytesPerSecond").asLong());
        assertEquals("--bandwidth", plan.get("assumedBecause").asText());
        assertEquals(plan, json(Files.readString(report)), "--report gets the plan");

        // --active-jobs bounds the read threads, which the estimate counts, in both forms
        for (String[] args : new String[][] {{"plan", "--path", dir.toString()}, {"distributedLoad", "--dry-run", dir.toString()}}) {
            String[] all = java.util.Arrays.copyOf(args, args.length + 6);
            System.arraycopy(new String[] {"--cores", "4", "--ufs-stream-bandwidth", "1MB/s", "--active-jobs", "2"}, 0, all, args.length, 6);
            CliRun run = gfsload(all[0], java.util.Arrays.copyOfRange(all, 1, all.length));
            assertEquals(0, run.exitCode(), run.err());
            assertTrue(run.out().contains("Estimates assume 2.0 MiB/s from the UFS (1.0 MiB/s per stream x 2 read threads)."), run.out());
        }
        // in slices, as a Spark job loads: the slices its executors load at a time, each with as many read threads
        CliRun sliced = CliRun.gfsload(new CliEnvironment(home).withSlices(new InProcessSlices()), "distributedLoad", "--master", cluster.masterTarget(),
                "--dry-run", "--cores", "4", "--ufs-stream-bandwidth", "1MB/s", "--active-jobs", "2", dir.toString());
        assertEquals(0, sliced.exitCode(), sliced.err());
        assertTrue(sliced.out().contains("Estimates assume 4.0 MiB/s from the UFS (1.0 MiB/s per stream x 2 read threads x 2 slices at a time)."),
                sliced.out());

        CliRun badJobs = gfsload("plan", "--path", dir.toString(), "--active-jobs", "0");
        assertEquals(ExitCode.USAGE, badJobs.exitCode());
        assertEquals("gfsload: Invalid --active-jobs 0: must be from 1 to 3000", badJobs.err().strip());
        CliRun both = gfsload("plan", "--path", dir.toString(), "--table", "demo.events");
        assertEquals(ExitCode.USAGE, both.exitCode());
        assertTrue(both.err().contains("--path and --table"), both.err());
    }

    @Test
    void overlappingPathsAreNotEmptyLocations() throws IOException {
        Path dir = directory("overlap", 2, 5000);
        Path empty = Files.createDirectories(home.resolve("ufs/overlap-empty"));
        CliRun run = gfsload("distributedLoad", "--progress", "none", dir.toString(), dir.resolve("f1.bin").toString(), dir + "/", empty.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("files   2 planned, 0 failed"), run.out());
        // a path is named once, as given, and as a path, not a partition
        assertTrue(run.err().contains(System.lineSeparator() + "1 path has no files: " + empty + System.lineSeparator()), run.err());
        assertFalse(run.err().contains("f1.bin"), "its file is loaded under the directory: " + run.err());
    }

    @Test
    void freeOfAPathNoLongerInTheUfsFreesWhatIsCachedUnderIt() throws IOException {
        Path dir = directory("d4", 2, 70_000);
        Path sibling = directory("d40", 1, 1000);
        CliRun load = gfsload("distributedLoad", "--progress", "none", dir.toString(), sibling.toString());
        assertEquals(0, load.exitCode(), load.err());
        Path away = home.resolve("moved-d4");
        Files.move(dir, away);

        CliRun free = gfsload("free", "--path", dir.toString());
        assertEquals(0, free.exitCode(), free.err());
        String prefix = "file:" + dir + "/";
        assertEquals(dir + " is not in the UFS: freed the 2 files cached under " + prefix + System.lineSeparator()
                + "Freed " + dir + ": 2 blocks, 136.7 KiB of 2 files" + System.lineSeparator(), free.out());

        CliRun again = gfsload("free", "--path", dir.toString());
        assertEquals(ExitCode.NOT_FOUND, again.exitCode(), "nothing in the UFS nor in the cache: " + again.out());
        assertEquals("gfsload: Path not found: " + dir + " (nor is file:" + dir + " or any file under " + prefix + " cached)",
                again.err().strip());
        assertEquals("", again.out());

        Files.move(away, dir);
        assertEquals(0, json(gfsload("status", "--path", dir.toString(), "--json").out()).get("totals").get("blocksCached").asLong(), "freed");
        assertEquals(1, json(gfsload("status", "--path", sibling.toString(), "--json").out()).get("totals").get("blocksCached").asLong(),
                "a path that only starts with the same name is not under it");
    }

    @Test
    void freeOfPathsOneOfThemNotFoundFreesTheOthersAndNamesOnlyThemAsFreed() throws IOException {
        Path dir = directory("d6", 2, 70_000);
        CliRun load = gfsload("distributedLoad", "--progress", "none", dir.toString());
        assertEquals(0, load.exitCode(), load.err());
        Path nowhere = home.resolve("never-there");

        CliRun free = gfsload("free", "--path", dir.toString(), nowhere.toString());

        assertEquals(ExitCode.NOT_FOUND, free.exitCode(), free.out());
        assertEquals("Freed " + dir + ": 2 blocks, 136.7 KiB of 2 files" + System.lineSeparator(), free.out(), "the path not found is not among those freed");
        assertEquals("gfsload: Path not found: " + nowhere + " (nor is file:" + nowhere + " or any file under file:" + nowhere + "/ cached)",
                free.err().strip());
        assertEquals(0, json(gfsload("status", "--path", dir.toString(), "--json").out()).get("totals").get("blocksCached").asLong(), "freed");
    }

    @Test
    void freeOfPathsOneOfThemNotFoundSaysTheOthersFreedNothingWhenNothingOfThemWasCached() throws IOException {
        Path dir = directory("d10", 1, 1000);
        Path nowhere = home.resolve("never-there-either");

        CliRun free = gfsload("free", "--path", dir.toString(), nowhere.toString());

        assertEquals(ExitCode.NOT_FOUND, free.exitCode(), free.out());
        assertEquals("Freed " + dir + ": 0 blocks, 0 B of 0 files" + System.lineSeparator(), free.out(), "the path found, with nothing cached");
        assertEquals("gfsload: Path not found: " + nowhere + " (nor is file:" + nowhere + " or any file under file:" + nowhere + "/ cached)",
                free.err().strip());
    }

    @Test
    void freeOfAPathNotFoundGivenTwiceNamesItOnce() throws IOException {
        Path dir = directory("d9", 1, 1000);
        CliRun load = gfsload("distributedLoad", "--progress", "none", dir.toString());
        assertEquals(0, load.exitCode(), load.err());
        Path nowhere = home.resolve("never-there-twice");

        CliRun free = gfsload("free", "--path", nowhere.toString(), dir.toString(), nowhere.toString(), dir.toString());

        assertEquals(ExitCode.NOT_FOUND, free.exitCode(), free.out());
        assertEquals("gfsload: Path not found: " + nowhere + " (nor is file:" + nowhere + " or any file under file:" + nowhere + "/ cached)",
                free.err().strip());
        assertEquals("Freed " + dir + ": 1 block, 1000 B of 1 file" + System.lineSeparator(), free.out(), "each path named once");
        JsonNode json = json(gfsload("free", "--json", "--path", nowhere.toString(), nowhere.toString()).out());
        assertEquals(1, json.get("notFound").size(), json.toString());
        assertEquals(nowhere.toString(), json.get("notFound").get(0).asText());
    }

    @Test
    void freeSaysWhatItFreedAsOneJsonDocumentWhateverTheOutcome() throws IOException {
        Path dir = directory("d7", 2, 70_000);
        Path moved = directory("d8", 1, 1000);
        CliRun load = gfsload("distributedLoad", "--progress", "none", dir.toString(), moved.toString());
        assertEquals(0, load.exitCode(), load.err());
        Files.move(moved, home.resolve("moved-d8"));
        Path nowhere = home.resolve("never-there");

        CliRun free = gfsload("free", "--json", "--path", dir.toString(), moved.toString(), nowhere.toString());

        assertEquals(ExitCode.NOT_FOUND, free.exitCode(), free.out());
        String error = "Path not found: " + nowhere + " (nor is file:" + nowhere + " or any file under file:" + nowhere + "/ cached)";
        assertEquals("gfsload: " + error, free.err().strip());
        JsonNode freed = json(free.out());
        assertEquals(ExitCode.NOT_FOUND, freed.get("exitCode").asInt());
        assertEquals(error, freed.get("error").asText());
        assertEquals(3, freed.get("files").asInt());
        assertEquals(3, freed.get("blocks").asInt());
        assertEquals(2 * 70_000 + 1000, freed.get("bytes").asLong());
        assertEquals(1, freed.get("notInUfs").size());
        assertEquals(moved.toString(), freed.get("notInUfs").get(0).get("path").asText());
        assertEquals(1, freed.get("notInUfs").get(0).get("filesUnder").asInt());
        assertEquals(0, freed.get("notInUfs").get(0).get("filesAsFile").asInt());
        assertEquals(List.of(nowhere.toString()), List.of(freed.get("notFound").get(0).asText()));
        assertFalse(freed.get("target").asText().contains("never-there"), freed.get("target").asText());

        CliRun nothing = gfsload("free", "--json", "--path", dir.toString());
        assertEquals(0, nothing.exitCode(), nothing.err());
        JsonNode none = json(nothing.out());
        assertEquals(0, none.get("exitCode").asInt());
        assertTrue(none.get("error").isNull(), nothing.out());
        assertEquals(0, none.get("files").asInt());

        // a failure before it frees anything is one JSON document too
        CliRun bad = gfsload("free", "--json", "--path", dir.toString(), "--table", "demo.events");
        assertEquals(ExitCode.USAGE, bad.exitCode(), bad.err());
        assertEquals("FAILED", json(bad.out()).get("state").asText(), bad.out());
    }

    @Test
    void freeOfAFileNoLongerInTheUfsFreesEveryCachedVersionOfItAndNotItsSiblings() throws IOException {
        Path dir = directory("d5", 1, 70_000);
        Path file = dir.resolve("f0.bin");
        Path sibling = Files.write(dir.resolve("f0.bin2"), new byte[1000]);
        CliRun load = gfsload("distributedLoad", "--progress", "none", file.toString(), sibling.toString());
        assertEquals(0, load.exitCode(), load.err());
        Files.write(file, new byte[80_000]);
        CliRun reload = gfsload("distributedLoad", "--progress", "none", file.toString());
        assertEquals(0, reload.exitCode(), reload.err());
        Files.delete(file);

        CliRun free = gfsload("free", "--path", file.toString());
        assertEquals(0, free.exitCode(), free.err());
        assertEquals(file + " is not in the UFS: freed the 2 files cached as file:" + file + System.lineSeparator()
                + "Freed " + file + ": 2 blocks, 146.5 KiB of 2 files" + System.lineSeparator(), free.out());

        CliRun again = gfsload("free", "--path", file.toString());
        assertEquals(ExitCode.NOT_FOUND, again.exitCode(), "nothing in the UFS nor in the cache: " + again.out());
        assertEquals("gfsload: Path not found: " + file + " (nor is file:" + file + " or any file under file:" + file + "/ cached)",
                again.err().strip());
        assertEquals("", again.out());
        assertEquals(1, json(gfsload("status", "--path", sibling.toString(), "--json").out()).get("totals").get("blocksCached").asLong(),
                "a file whose path only starts with the same name is another file");
    }

    @Test
    void freeOfAnExistingPathFreesEveryVersionCachedUnderItAndFilesDeletedSince() throws IOException {
        Path dir = directory("rw", 2, 70_000);
        Path sibling = directory("rw0", 1, 1000);
        CliRun load = gfsload("distributedLoad", "--progress", "none", dir.toString(), sibling.toString());
        assertEquals(0, load.exitCode(), load.err());
        FileIdentity before = CacheContents.identity("file:" + dir.resolve("f0.bin"));
        FileIdentity deleted = CacheContents.identity("file:" + dir.resolve("f1.bin"));
        // rewritten in place (INSERT OVERWRITE) and loaded again, and deleted: three versions cached under the directory
        Files.write(dir.resolve("f0.bin"), new byte[80_000]);
        Files.delete(dir.resolve("f1.bin"));
        CliRun reload = gfsload("distributedLoad", "--progress", "none", dir.toString());
        assertEquals(0, reload.exitCode(), reload.err());
        FileIdentity after = CacheContents.identity("file:" + dir.resolve("f0.bin"));

        CliRun free = gfsload("free", "--path", dir.toString());
        assertEquals(0, free.exitCode(), free.err());
        assertEquals("Freed " + dir + ": 3 blocks, 214.8 KiB of 3 files" + System.lineSeparator(), free.out());
        try (CacheClient client = cluster.newClient()) {
            for (FileIdentity file : List.of(before, deleted, after)) {
                assertEquals(List.of(), client.cachedBlocks(file), file + " is freed");
            }
        }
        assertEquals(1, json(gfsload("status", "--path", sibling.toString(), "--json").out()).get("totals").get("blocksCached").asLong(),
                "a directory that only starts with the same name is not under it");

        // a file of the UFS: every cached version of it
        Files.write(dir.resolve("f0.bin"), new byte[90_000]);
        assertEquals(0, gfsload("distributedLoad", "--progress", "none", dir.resolve("f0.bin").toString()).exitCode());
        Files.write(dir.resolve("f0.bin"), new byte[100_000]);
        assertEquals(0, gfsload("distributedLoad", "--progress", "none", dir.resolve("f0.bin").toString()).exitCode());
        CliRun file = gfsload("free", "--path", dir.resolve("f0.bin").toString());
        assertEquals(0, file.exitCode(), file.err());
        assertEquals("Freed " + dir.resolve("f0.bin") + ": 2 blocks, 185.5 KiB of 2 files" + System.lineSeparator(), file.out());

        // nothing cached at or under a location of the UFS: nothing to free, which is no error
        CliRun again = gfsload("free", "--path", dir.toString());
        assertEquals(0, again.exitCode(), again.err());
        assertEquals("Freed " + dir + ": 0 blocks, 0 B of 0 files" + System.lineSeparator(), again.out());
    }

    @Test
    void aReportThatIsALinkIsWrittenWhereTheLinkLeads() throws IOException {
        Path dir = directory("linked-report", 2, 1000);
        Path reports = Files.createDirectories(home.resolve("linked-reports"));
        Path target = reports.resolve("run.json");
        Files.writeString(target, "{\"state\": \"SUCCEEDED\"}");
        Path link = Files.createSymbolicLink(home.resolve("latest.json"), Path.of("linked-reports/run.json"));

        CliRun loaded = gfsload("distributedLoad", "--progress", "none", "--report", link.toString(), dir.toString());

        assertEquals(0, loaded.exitCode(), loaded.err());
        assertTrue(Files.isSymbolicLink(link), "the link stays");
        assertEquals(2, json(Files.readString(target)).get("totals").get("files").asInt());

        CliRun missing = gfsload("distributedLoad", "--progress", "none", "--report", link.toString(), dir.resolve("nosuch").toString());

        assertEquals(ExitCode.NOT_FOUND, missing.exitCode(), missing.err());
        assertTrue(Files.isSymbolicLink(link), "the link stays");
        assertEquals("FAILED", json(Files.readString(target)).get("state").asText());
    }

    @Test
    void aRunThatFailsBeforeItsReportLeavesAFailedReportInsteadOfAnEarlierOne() throws IOException {
        Path dir = directory("stale", 2, 1000);
        Path report = home.resolve("reports/stale.json");
        CliRun loaded = gfsload("distributedLoad", "--progress", "none", "--report", report.toString(), dir.toString());
        assertEquals(0, loaded.exitCode(), loaded.err());
        assertEquals("SUCCEEDED", json(Files.readString(report)).get("state").asText());

        CliRun missing = gfsload("distributedLoad", "--progress", "none", "--report", report.toString(), "--json", dir.resolve("nosuch").toString());
        assertEquals(ExitCode.NOT_FOUND, missing.exitCode(), missing.err());
        JsonNode failed = json(Files.readString(report));
        assertEquals("FAILED", failed.get("state").asText());
        assertEquals(ExitCode.NOT_FOUND, failed.get("exitCode").asInt());
        assertEquals("Path not found: " + dir.resolve("nosuch"), failed.get("error").asText());
        // with --json, stdout carries the same report, so that a consumer parses it whatever the outcome
        assertEquals(failed, json(missing.out()));
        CliRun status = gfsload("status", "--json", "--path", dir.resolve("nosuch").toString());
        assertEquals(ExitCode.NOT_FOUND, status.exitCode(), status.err());
        assertEquals(JsonOutput.failureJson(ExitCode.NOT_FOUND, "Path not found: " + dir.resolve("nosuch")), status.out().strip());

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String[][] failures = {
                {"distributedLoad", "--master", "127.0.0.1:" + closedPort, "--report", report.toString(), "--json", dir.toString()},
                {"distributedLoad", "--master", cluster.masterTarget(), "--replication", "3", "--report", report.toString(), "--json", dir.toString()},
                {"plan", "--master", cluster.masterTarget(), "--report", report.toString(), "--json", "--path", dir.resolve("nosuch").toString()},
                {"distributedLoad", "--master", cluster.masterTarget(), "--json", "--report", report.toString(), "--replication", "two", dir.toString()}};
        for (String[] args : failures) {
            Files.writeString(report, "{\"state\": \"SUCCEEDED\"}");
            CliRun run = CliRun.gfsload(home, args);
            assertTrue(run.exitCode() != 0, String.join(" ", args));
            JsonNode written = json(Files.readString(report));
            assertEquals("FAILED", written.get("state").asText(), String.join(" ", args));
            assertEquals(run.exitCode(), written.get("exitCode").asInt(), String.join(" ", args));
            assertEquals(run.err().strip(), "gfsload: " + written.get("error").asText(), String.join(" ", args));
            assertEquals(written, json(run.out()), String.join(" ", args));
        }
    }

    @Test
    void everyReportOfALoadHasTheExitCodeAfterItsState() throws IOException {
        Path good = directory("exit-code", 2, 10_000);
        Path bad = home.resolve("ufs/exit-code-unlisted");
        Files.createSymbolicLink(bad, bad);
        Path report = home.resolve("reports/exit-code.json");
        List<List<String>> loads = List.of(
                List.of(good.toString()),
                // a path that cannot be listed beside one that can: PARTIAL
                List.of(good.toString(), bad.toString()),
                // a path that does not exist: the run fails before it loads
                List.of(good.resolve("nosuch").toString()));
        List<String> states = new ArrayList<>();
        for (List<String> paths : loads) {
            List<String> args = new ArrayList<>(List.of("--progress", "none", "--json", "--report", report.toString()));
            args.addAll(paths);
            CliRun run = gfsload("distributedLoad", args.toArray(String[]::new));
            JsonNode printed = json(run.out());
            assertEquals(run.exitCode(), printed.get("exitCode").asInt(), run.out());
            List<String> fields = new ArrayList<>();
            printed.fieldNames().forEachRemaining(fields::add);
            assertEquals(fields.indexOf("state") + 1, fields.indexOf("exitCode"), fields.toString());
            assertEquals(printed, json(Files.readString(report)), "the file has what stdout has");
            states.add(printed.get("state").asText() + " " + run.exitCode());
        }
        assertEquals(List.of("SUCCEEDED 0", "PARTIAL 3", "FAILED 5"), states);
    }

    @Test
    void aJournalThatCannotBeCreatedSaysWhyAndExitsTwo(@TempDir Path otherHome) throws IOException {
        Path dir = directory("journal", 1, 1000);
        String jobId = JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of("file:" + dir)), 1), false);
        // a file where the job's journal directory goes: the machine's setup, which a retry cannot change
        Path journal = Files.writeString(Files.createDirectories(otherHome.resolve("jobs")).resolve(jobId), "");

        CliRun run = CliRun.gfsload(otherHome, "distributedLoad", "--master", cluster.masterTarget(), "--progress", "none", dir.toString());

        assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
        assertEquals("gfsload: Cannot create the journal of job " + jobId + " in " + journal + ": " + journal + " is not a directory", run.err().strip());
    }

    @Test
    void aFileWhereTheJournalsGoSaysSoAndExitsTwo(@TempDir Path otherHome) throws IOException {
        Path dir = directory("jobs-file", 1, 1000);
        Path jobs = Files.writeString(otherHome.resolve("jobs"), "notes");

        CliRun run = CliRun.gfsload(otherHome, "distributedLoad", "--master", cluster.masterTarget(), "--progress", "none", dir.toString());

        assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
        assertEquals("gfsload: Cannot keep the journals of load jobs in " + jobs + ": it is a file, not a directory\n", run.err());
        assertEquals("notes", Files.readString(jobs), "the file is left as it is");
    }

    @Test
    void theStatusLineCountsTheFilesToLoadAsItsBlocksAndBytes() throws IOException {
        Path dir = directory("grown", 2, 100_000);
        assertEquals(0, gfsload("distributedLoad", "--progress", "none", dir.toString()).exitCode());
        Files.write(dir.resolve("f2.bin"), new byte[50_000]);

        CliRun run = gfsload("distributedLoad", "--progress", "json", dir.toString());

        assertEquals(0, run.exitCode(), run.err());
        List<String> lines = run.err().lines().toList();
        assertTrue(lines.get(0).startsWith("Loading 1 of 3 files, 1 block, 48.8 KiB (195.3 KiB already cached) with replication 1, "), lines.get(0));
        JsonNode started = json(lines.stream().filter(line -> line.startsWith("{")).findFirst().orElseThrow());
        assertEquals(1, started.get("files").asLong(), "as the status line: " + started);
        assertEquals(50_000, started.get("bytes").asLong());
    }

    @Test
    void aStoreOrMetastoreThatCannotBeReachedIsOnePlainLine() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        for (String[] args : new String[][] {{"distributedLoad", "hdfs://nohost.invalid:8020/x"}, {"plan", "--path", "hdfs://nohost.invalid:8020/x"},
                {"status", "--path", "hdfs://nohost.invalid:8020/x"}, {"free", "--path", "hdfs://nohost.invalid:8020/x"}}) {
            CliRun run = gfsload(args[0], java.util.Arrays.copyOfRange(args, 1, args.length));
            assertEquals(ExitCode.FAILED, run.exitCode(), String.join(" ", args) + ": " + run.err());
            assertEquals("gfsload: Cannot reach hdfs://nohost.invalid:8020: unknown host nohost.invalid", run.err().strip(), String.join(" ", args));
        }
        CliRun refused = gfsload("distributedLoad", "hdfs://127.0.0.1:" + closedPort + "/x");
        assertEquals(ExitCode.FAILED, refused.exitCode(), refused.err());
        assertEquals("gfsload: Cannot reach hdfs://127.0.0.1:" + closedPort + ": connection refused", refused.err().strip());

        CliRun metastore = gfsload("plan", "--table", "demo.events", "--metastore", "thrift://127.0.0.1:" + closedPort);
        assertEquals(ExitCode.FAILED, metastore.exitCode(), metastore.err());
        assertEquals("gfsload: Cannot reach the metastore at thrift://127.0.0.1:" + closedPort + ": connection refused", metastore.err().strip());
    }

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        }
        catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private static String withoutFreeRoom(String planText) {
        String normalized = planText.replaceAll("live workers have [0-9.]+ [KMGT]?i?B free", "live workers have (free room) free");
        assertNotEquals(planText, normalized, "the plan names the free room");
        return normalized;
    }
}
