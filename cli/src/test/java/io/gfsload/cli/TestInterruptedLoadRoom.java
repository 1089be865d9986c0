package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.server.CacheServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A load interrupted mid-way, then the same command at once, against a cache of real processes
 * that the plan nearly fills (two workers with 96 MiB each, 190 MiB to load): the room the
 * interrupted load's unfinished short-circuit writes held must not make the re-run exit 6.
 */
class TestInterruptedLoadRoom {
    private static final int FILES = 38;
    private static final int FILE_BYTES = 5 << 20;
    private static final String QUOTA = "96MiB";
    /** One worker's quota with the room of two of {@link #QUOTA}. */
    private static final String ONE_WORKER_QUOTA = "192MiB";
    /** The cache's room beyond the plan: two workers' quotas less the files (2 MiB). */
    private static final long SPARE_BYTES = 2 * (96L << 20) - (long) FILES * FILE_BYTES;
    /** Files of other data cached before the job in the eviction case, and the job's files there. */
    private static final int OTHER_FILES = 10;
    private static final int JOB_FILES = 26;
    /**
     * The cache's room in the eviction cases (one worker, or two of half its room) beyond the other data and the job: more than a
     * block or two the killed run wrote and did not commit (kept on the worker, and evictable).
     */
    private static final long EVICTION_SPARE_BYTES = (192L << 20) - (long) (OTHER_FILES + JOB_FILES) * FILE_BYTES;
    /**
     * How long the workers keep a write idle after its connection closed: shorter than the 30 s
     * default, so that the same command's wait for a killed run's room is short, and still longer
     * than the freeze, the kill and the start of the same command take.
     */
    private static final String ORPHANED_WRITE_TIMEOUT = "15s";
    /** Three of the cluster's heartbeats (500 ms each). */
    private static final Duration HEARTBEATS_AFTER_FREEZE = Duration.ofMillis(1500);

    @TempDir
    Path directory;

    @Test
    void aLoadStoppedWithSigtermGivesBackItsRoomAndTheSameCommandRunsAtOnce() throws IOException {
        try (ClusterProcesses cluster = startCluster(2, QUOTA)) {
            Path home = directory.resolve("home");
            String[] command = command(cluster, writeFiles(directory.resolve("data"), FILES, 18));
            try (GfsLoadProcess child = GfsLoadProcess.start(home, command)) {
                child.awaitFilesDone(4, Duration.ofSeconds(120));
                CliRun stopped = child.terminate();
                assertEquals(143, stopped.exitCode(), "128 + SIGTERM: " + stopped.err());
                assertTrue(stopped.err().strip().endsWith("the same command resumes the job"), stopped.err());
            }
            // the workers deleted the temp files of the load's unfinished writes before it exited
            assertEquals(List.of(), cluster.tempFilesOnDisk(), "nothing of the interrupted load's writes is left on the workers");
            CacheClient client = cluster.client();
            ClusterProcesses.await(() -> client.clusterInfo().liveWritingBytes() == 0, Duration.ofSeconds(30),
                    "the master hears from the workers that no write holds room: " + client.clusterInfo());
            ClusterInfo info = client.clusterInfo();
            long used = info.liveWorkers().stream().mapToLong(worker -> worker.usedBytes()).sum();
            long committed = committedBytes(client, directory.resolve("data"), FILES);
            assertEquals(committed, used, "the workers' space is what the committed blocks use: " + info);

            CliRun resumed = CliRun.gfsload(home, resume(command));
            assertEquals(0, resumed.exitCode(), resumed.err());
            assertFalse(resumed.err().contains("unfinished writes"), "no room to wait for: " + resumed.err());
            assertSucceeded(resumed);
        }
    }

    @Test
    void theSameCommandAfterKillNineWaitsForTheRoomItsUnfinishedWritesHold() throws IOException, InterruptedException {
        try (ClusterProcesses cluster = startCluster(2, QUOTA)) {
            Path home = directory.resolve("home");
            String[] command = command(cluster, writeFiles(directory.resolve("data"), FILES, 18));
            CacheClient client = cluster.client();
            try (GfsLoadProcess child = GfsLoadProcess.start(home, command)) {
                child.awaitFilesDone(4, Duration.ofSeconds(120));
                killHoldingRoom(child, client, SPARE_BYTES);
            }
            // the killed load's short-circuit writes keep their room until the workers abort them as idle
            CliRun resumed = CliRun.gfsload(home, resume(command));
            assertEquals(0, resumed.exitCode(), "the plan fits once the room is back: " + resumed.err() + resumed.out());
            assertSucceeded(resumed);
            assertTrue(resumed.err().contains("Waiting for the ") && resumed.err().contains(" that unfinished writes hold on the workers"),
                    "the plan fits only once the killed load's writes are aborted: " + resumed.err());
            assertTrue(resumed.err().contains("The room is back after "), resumed.err());
            assertEquals(List.of(), cluster.tempFilesOnDisk());
        }
    }

    /**
     * The cache holds other data besides the job's, so the plan fits by evicting it; after kill -9
     * the same command waits for the room the killed run's writes hold rather than evict that data
     * for it (or its own blocks, to load them again). One worker with the room of the two above;
     * the case of two follows.
     */
    @Test
    void theSameCommandAfterKillNineWaitsRatherThanEvictForTheRoomItsUnfinishedWritesHold() throws IOException, InterruptedException {
        killNineThenTheSameCommandEvictsNothing(1, ONE_WORKER_QUOTA);
    }

    /**
     * As above, on two workers with half the room each: the other data is spread over both, and
     * each block of the re-run goes to a worker with free room (the master counts the blocks it
     * placed that a worker's heartbeat does not hold yet, and only those), so nothing of the other
     * data is evicted.
     */
    @Test
    void theSameCommandAfterKillNineOnTwoWorkersEvictsNoneOfTheOtherData() throws IOException, InterruptedException {
        killNineThenTheSameCommandEvictsNothing(2, QUOTA);
    }

    /**
     * Caches other data on {@code workers} workers of {@code quota} each, kills a load of the job
     * with SIGKILL while its writes hold room, and runs the same command again: it waits for that
     * room and evicts nothing of the other data.
     */
    private void killNineThenTheSameCommandEvictsNothing(int workers, String quota) throws IOException, InterruptedException {
        try (ClusterProcesses cluster = startCluster(workers, quota)) {
            Path home = directory.resolve("home");
            Path other = writeFiles(directory.resolve("other"), OTHER_FILES, 7);
            CliRun cachedFirst = CliRun.gfsload(home, "distributedLoad", "--progress", "none", "--master", cluster.masterTarget(), other.toString());
            assertEquals(0, cachedFirst.exitCode(), cachedFirst.err());
            String[] command = command(cluster, writeFiles(directory.resolve("data"), JOB_FILES, 18));
            CacheClient client = cluster.client();
            try (GfsLoadProcess child = GfsLoadProcess.start(home, command)) {
                child.awaitFilesDone(4, Duration.ofSeconds(120));
                killHoldingRoom(child, client, EVICTION_SPARE_BYTES);
            }
            // the orphaned writes keep their room until they have been idle for ORPHANED_WRITE_TIMEOUT
            Thread.sleep(HEARTBEATS_AFTER_FREEZE.toMillis());
            assertTrue(client.clusterInfo().liveWritingBytes() > EVICTION_SPARE_BYTES, "the killed run's writes still hold room: " + client.clusterInfo());
            CliRun resumed = CliRun.gfsload(home, resume(command));
            assertEquals(0, resumed.exitCode(), resumed.err() + resumed.out());
            assertTrue(resumed.err().contains(" that unfinished writes hold on the workers (the interrupted run's")
                    && resumed.err().contains("rather than evict cached blocks for it"), "the plan fits only by evicting: " + resumed.err());
            assertTrue(resumed.err().contains("The room is back after "), resumed.err());
            JsonNode report = new ObjectMapper().readTree(resumed.out());
            assertEquals("SUCCEEDED", report.get("state").asText(), resumed.out());
            assertEquals((long) JOB_FILES * FILE_BYTES,
                    report.get("totals").get("bytesLoaded").asLong() + report.get("totals").get("bytesAlreadyCached").asLong());
            assertEquals((long) OTHER_FILES * FILE_BYTES, committedBytes(client, other, OTHER_FILES), "nothing of the other data was evicted");
            assertEquals(List.of(), cluster.tempFilesOnDisk());
        }
    }

    /**
     * Kills {@code child} with SIGKILL while its unfinished writes hold more than {@code spareBytes},
     * the room the cache has beyond the data, so that the same command run next must wait for it. The child is
     * frozen first (SIGSTOP): what it holds then is what it holds when it is killed; the master hears
     * it from the workers' heartbeats (every 500 ms). It nearly always holds room (its four files in
     * flight each reserve their block while they are read); when it happens to hold none, it goes on
     * for a moment and is frozen again.
     */
    private static void killHoldingRoom(GfsLoadProcess child, CacheClient client, long spareBytes) throws InterruptedException {
        List<Long> seen = new ArrayList<>();
        for (int attempt = 0; attempt < 10; attempt++) {
            child.suspend();
            // heartbeats sent after the freeze: the workers' space as the frozen load leaves it
            Thread.sleep(HEARTBEATS_AFTER_FREEZE.toMillis());
            long writing = client.clusterInfo().liveWritingBytes();
            if (writing > spareBytes) {
                child.kill();
                return;
            }
            seen.add(writing);
            child.resume();
            Thread.sleep(100);
        }
        throw new AssertionError("the load never held more than " + spareBytes + " bytes of unfinished writes when frozen: " + seen);
    }

    private ClusterProcesses startCluster(int workers, String quota) {
        return ClusterProcesses.start(directory.resolve("cluster"), workers, quota, ClusterProcesses.HEARTBEAT,
                List.of(CacheServerConfig.WORKER_ORPHANED_WRITE_TIMEOUT + "=" + ORPHANED_WRITE_TIMEOUT));
    }

    private static String[] command(ClusterProcesses cluster, Path data) {
        return new String[] {"distributedLoad", "--bandwidth", "20MB/s", "--active-jobs", "4", "--progress", "json", "--master", cluster.masterTarget(), data.toString()};
    }

    /** The same command, in-process, with the report on stdout. */
    private static String[] resume(String[] command) {
        List<String> args = new ArrayList<>(List.of(command));
        int progress = args.indexOf("--progress");
        args.set(progress + 1, "none");
        args.add(1, "--json");
        return args.toArray(String[]::new);
    }

    private static void assertSucceeded(CliRun run) throws IOException {
        JsonNode report = new ObjectMapper().readTree(run.out());
        assertEquals("SUCCEEDED", report.get("state").asText(), run.out());
        assertEquals(2, report.get("job").get("run").asLong(), "the same job, resumed");
        assertEquals((long) FILES * FILE_BYTES, report.get("totals").get("bytesLoaded").asLong() + report.get("totals").get("bytesAlreadyCached").asLong());
    }

    /** Bytes of the replicas the master records of the {@code files} files in {@code data}. */
    private static long committedBytes(CacheClient client, Path data, int files) {
        long bytes = 0;
        for (int i = 0; i < files; i++) {
            FileIdentity file = CacheContents.identity("file:" + data.resolve("part-%03d".formatted(i)));
            bytes += client.cachedBlocks(file).stream().mapToLong(block -> block.length() * block.workerIds().size()).sum();
        }
        return bytes;
    }

    private static Path writeFiles(Path data, int files, long seed) throws IOException {
        Files.createDirectories(data);
        Random random = new Random(seed);
        byte[] bytes = new byte[FILE_BYTES];
        for (int i = 0; i < files; i++) {
            random.nextBytes(bytes);
            Files.write(data.resolve("part-%03d".formatted(i)), bytes);
        }
        return data;
    }
}
