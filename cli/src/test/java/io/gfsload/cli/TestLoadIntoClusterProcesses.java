package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.TempArea;
import io.gfsload.executor.JobJournal;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.ufs.simulator.FaultyFileSystem;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7's acceptance against a cache cluster of real processes (a master and three workers,
 * started with {@code gfsload cluster start}), with {@code gfsload --master} pointed at it: the
 * demo table with two replicas, atomic; resume after {@code kill -9} of gfsload; transient and
 * permanent read faults; an atomic scope that fails and expires; bad input. The tests share the
 * cluster: each loads its own files and checks only those. A worker killed during a load is in
 * {@link TestWorkerKilledDuringLoad}.
 */
class TestLoadIntoClusterProcesses {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path directory;

    private static ClusterProcesses cluster;
    private static Path home;

    @BeforeAll
    static void startCluster() {
        home = directory.resolve("home");
        cluster = ClusterProcesses.start(directory.resolve("cluster"), 3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static CliRun gfsload(String... args) {
        return CliRun.gfsload(home, args);
    }

    private static CacheClient client() {
        return cluster.client();
    }

    @Test
    void theDemoPartitionWithTwoReplicasAtomicallyIsOnTwoWorkersAndTheirDisks() {
        JsonNode report = CacheContents.assertDemoPartitionLoaded(gfsload(CacheContents.demoPartitionWithTwoReplicas(cluster.masterTarget())));

        Map<String, Set<String>> held = CacheContents.assertCached(client(), report, 2, Set.of());
        assertEquals(List.of(), client().tempAreas().listTempAreas(), "the committed job leaves no temp area");
        Set<String> blocks = CacheContents.blockIds(report);
        ClusterProcesses.await(() -> held.equals(cluster.liveBlocksOnDisk(blocks)), Duration.ofSeconds(10),
                "each worker's disk holds exactly the blocks the master places on it: " + held + " and " + cluster.liveBlocksOnDisk(blocks));
    }

    @Test
    void aKilledGfsLoadResumesWithTheSameCommand() throws Exception {
        KillAndResume scenario = new KillAndResume(home, directory.resolve("resume"), "--master", cluster.masterTarget());
        scenario.killAQuarterOfTheWayThrough();
        scenario.resume();
    }

    @Test
    void workerProcessesPullTheFilesFromTheUfsAndCopyTheirReplicas() throws IOException {
        Path data = writeFiles("pulled", 3, 3 << 20);

        // pull has no fallback: a worker process that could not read the UFS would fail every file
        CliRun run = gfsload("distributedLoad", "--data-path", "pull", "--replication", "2", "--json", "--progress", "none",
                "--master", cluster.masterTarget(), data.toString());

        assertEquals(0, run.exitCode(), run.err());
        JsonNode report = JSON.readTree(run.out());
        CacheContents.assertLoadedEverything(report, 2);
        CacheContents.assertCached(client(), report, 2, Set.of());

        // a local file outside gfsload.cache.worker.pull.allowed: the workers refuse to read it
        Path elsewhere = Files.createTempDirectory("gfsload-not-allowed");
        try {
            Files.write(elsewhere.resolve("part-0"), new byte[1000]);
            String notAllowed = "the worker pulls only from " + directory.toUri() + " (gfsload.cache.worker.pull.allowed)";
            // a dry run asks the workers first: pull would fail the file, auto would push it
            CliRun dryPull = gfsload("distributedLoad", "--data-path", "pull", "--dry-run", "--master", cluster.masterTarget(), elsewhere.toString());
            assertEquals(ExitCode.FAILED, dryPull.exitCode(), dryPull.err());
            assertTrue(dryPull.out().startsWith("Plan for " + elsewhere + ": "), "the plan is printed: " + dryPull.out());
            assertTrue(dryPull.err().contains("gfsload: With --data-path pull the load would fail the files the workers cannot read: worker-0, worker-1 "
                    + "and worker-2 cannot read file:" + elsewhere.resolve("part-0") + ": " + notAllowed + " (--data-path pull needs the workers' own access"),
                    dryPull.err());
            CliRun dryAuto = gfsload("distributedLoad", "--data-path", "auto", "--dry-run", "--master", cluster.masterTarget(), elsewhere.toString());
            assertEquals(0, dryAuto.exitCode(), dryAuto.err());
            assertTrue(dryAuto.err().contains("The workers cannot read the UFS, so the load would read it here and push the blocks (--data-path auto): "
                    + "worker-0, worker-1 and worker-2 cannot read file:" + elsewhere.resolve("part-0") + ": " + notAllowed), dryAuto.err());
            CliRun dryAllowed = gfsload("distributedLoad", "--data-path", "pull", "--dry-run", "--master", cluster.masterTarget(),
                    writeFiles("pulled-dry-run", 2, 1000).toString());
            assertEquals(0, dryAllowed.exitCode(), "the workers read the files under " + directory + ": " + dryAllowed.err());
            assertFalse(dryAllowed.err().contains("cannot read"), dryAllowed.err());
            CliRun refused = gfsload("distributedLoad", "--data-path", "pull", "--progress", "none", "--master", cluster.masterTarget(),
                    elsewhere.toString());
            assertEquals(ExitCode.FAILED, refused.exitCode(), refused.err());
            assertTrue(refused.out().contains(notAllowed), refused.out() + refused.err());
        }
        finally {
            try (var files = Files.list(elsewhere)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(elsewhere);
        }
    }

    @Test
    void transientReadFaultsAreRetriedAndCounted() throws IOException {
        Path data = writeFiles("transient", 24, 3 << 20);
        Configuration conf = new Configuration();
        conf.set("fs.faulty.transient.fraction", "0.05");
        conf.set("fs.faulty.seed", "3");
        // gfsload, in this JVM, gets this instance of the store from Hadoop's cache, and with it the faults
        FaultyFileSystem store = (FaultyFileSystem) FileSystem.get(URI.create("faulty://transient/"), conf);
        try {
            CliRun run = gfsload("distributedLoad", "--json", "--progress", "none", "--master", cluster.masterTarget(),
                    "faulty://transient" + data);

            assertEquals(0, run.exitCode(), run.err());
            JsonNode report = JSON.readTree(run.out());
            CacheContents.assertLoadedEverything(report, 1);
            assertTrue(store.stats().transientFaults() > 0, "faults were injected: " + store.stats());
            assertEquals(store.stats().transientFaults(), report.get("totals").get("retries").asLong(), "one retry per injected fault");
            assertEquals(report.get("totals").get("retries").asLong(),
                    CacheContents.files(report).stream().mapToLong(file -> file.get("retries").asLong()).sum());
            CacheContents.assertCached(client(), report, 1, Set.of());
        }
        finally {
            store.close();
        }
    }

    @Test
    void threePermanentlyFailingFilesExitThreeListedWithTheirReasons() throws IOException {
        Path data = writeFiles("permanent", 12, 1 << 20);
        Configuration conf = new Configuration();
        conf.set("fs.faulty.permanent.paths", "/part-002,/part-005,/part-009");
        FaultyFileSystem store = (FaultyFileSystem) FileSystem.get(URI.create("faulty://permanent/"), conf);
        try {
            CliRun run = gfsload("distributedLoad", "--json", "--progress", "none", "--master", cluster.masterTarget(),
                    "faulty://permanent" + data);

            assertEquals(ExitCode.PARTIAL, run.exitCode(), run.err());
            JsonNode report = JSON.readTree(run.out());
            assertEquals("PARTIAL", report.get("state").asText());
            List<JsonNode> failed = CacheContents.files(report).stream().filter(file -> file.hasNonNull("error")).toList();
            assertEquals(List.of("part-002", "part-005", "part-009"), failed.stream().map(file -> fileName(file.get("path").asText())).toList());
            for (JsonNode file : failed) {
                String error = file.get("error").asText();
                assertTrue(error.startsWith("AccessDeniedException: ") && error.endsWith("Permission denied (injected)"), error);
                assertEquals(0, file.get("retries").asInt(), "permanent failures are not retried");
                assertEquals(0, client().cachedBlocks(CacheContents.identity(file.get("path").asText())).size());
            }
            assertEquals(3, report.get("totals").get("filesFailed").asLong());
            assertEquals(9, report.get("totals").get("blocksLoaded").asLong());
            CacheContents.assertCached(client(), report, 1, Set.of());
        }
        finally {
            store.close();
        }
    }

    @Test
    void aFailedAtomicScopeLeavesNothingVisibleAndExpiresOnTheMasterAndTheWorkersDisks() throws IOException {
        Path data = writeFiles("atomic", 6, 1 << 20);
        Configuration conf = new Configuration();
        conf.set("fs.faulty.permanent.paths", "/part-004");
        FaultyFileSystem store = (FaultyFileSystem) FileSystem.get(URI.create("faulty://atomic/"), conf);
        JsonNode report;
        try {
            // a bare expire time is milliseconds, as in GooseFS: the area expires within the awaits below
            CliRun run = gfsload("distributedLoad", "-A", "--atomic-scope", "job", "--expire-time", "2000", "--replication", "2", "--json",
                    "--progress", "none", "--master", cluster.masterTarget(), "faulty://atomic" + data);

            assertEquals(ExitCode.FAILED, run.exitCode(), run.err());
            report = JSON.readTree(run.out());
        }
        finally {
            store.close();
        }
        assertEquals("FAILED", report.get("state").asText());
        List<JsonNode> files = CacheContents.files(report);
        assertEquals(6, files.size());
        for (JsonNode file : files) {
            String error = file.get("error").asText();
            if (fileName(file.get("path").asText()).equals("part-004")) {
                assertTrue(error.startsWith("AccessDeniedException: "), error);
            }
            else {
                assertEquals("not committed: the job has failed files", error);
            }
            assertEquals(List.of(), client().cachedBlocks(CacheContents.identity(file.get("path").asText())), "nothing of the scope is visible");
        }
        String jobId = report.get("job").get("jobId").asText();
        Set<String> blocks = CacheContents.blockIds(report);
        TempArea area = client().tempAreas().listTempAreas().stream().filter(a -> a.jobId().equals(jobId)).findFirst()
                .orElseThrow(() -> new AssertionError("the failed job keeps its temp area until it expires"));
        assertEquals(5, area.blocks().size(), "the five files that were read are staged");
        assertEquals(10, stagedOnDisk(blocks), "two replicas of each staged block on the workers' disks");

        ClusterProcesses.await(() -> client().tempAreas().listTempAreas().stream().noneMatch(a -> a.jobId().equals(jobId)),
                Duration.ofSeconds(20), "the temp area expired on the master");
        ClusterProcesses.await(() -> stagedOnDisk(blocks) == 0, Duration.ofSeconds(20), "the workers deleted the expired blocks");
        for (JsonNode file : files) {
            assertEquals(List.of(), client().cachedBlocks(CacheContents.identity(file.get("path").asText())));
        }
    }

    @Test
    void badInputExitsTwoWithAClearMessageAndLoadsNothing() throws IOException {
        Path data = writeFiles("bad-input", 2, 1000);
        List<BadInput> cases = new ArrayList<>(BadInput.loadFlags(data.toString(), "--master", cluster.masterTarget()));
        cases.add(new BadInput(List.of("distributedLoad", "--replication", "4", "--master", cluster.masterTarget(), data.toString()),
                "gfsload: Invalid replication 4: the cluster has only 3 workers"));
        for (BadInput bad : cases) {
            bad.assertRejected(gfsload(bad.args().toArray(String[]::new)));
        }
        try (Stream<Path> files = Files.list(data)) {
            for (Path file : files.toList()) {
                assertEquals(List.of(), client().cachedBlocks(CacheContents.identity("file:" + file)), file + " was not loaded");
            }
        }
        for (int replication : List.of(1, 4)) {
            String jobId = JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of("file:" + data)), replication), false);
            assertFalse(Files.exists(home.resolve("jobs").resolve(jobId)), "no journal was started for replication " + replication);
        }
    }

    /** Replicas of {@code blocks} on the workers' disks. */
    private static long stagedOnDisk(Collection<String> blocks) {
        return cluster.blocksOnDisk().values().stream().flatMap(Set::stream).filter(blocks::contains).count();
    }

    /** {@code count} files {@code part-000}... of {@code length} random bytes in a new directory {@code name}. */
    private static Path writeFiles(String name, int count, int length) throws IOException {
        Path data = directory.resolve(name);
        Files.createDirectories(data);
        Random random = new Random(name.hashCode());
        byte[] bytes = new byte[length];
        for (int i = 0; i < count; i++) {
            random.nextBytes(bytes);
            Files.write(data.resolve("part-%03d".formatted(i)), bytes);
        }
        return data;
    }

    private static String fileName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
