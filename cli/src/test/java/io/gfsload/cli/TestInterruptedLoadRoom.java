package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.cache.api.FileIdentity;
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

    @TempDir
    Path directory;

    @Test
    void aLoadStoppedWithSigtermGivesBackItsRoomAndTheSameCommandRunsAtOnce() throws IOException {
        try (ClusterProcesses cluster = ClusterProcesses.start(directory.resolve("cluster"), 2, QUOTA)) {
            Path home = directory.resolve("home");
            String[] command = command(cluster, writeFiles(directory.resolve("data")));
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
            long committed = committedBytes(client, directory.resolve("data"));
            assertEquals(committed, used, "the workers' space is what the committed blocks use: " + info);

            CliRun resumed = CliRun.gfsload(home, resume(command));
            assertEquals(0, resumed.exitCode(), resumed.err());
            assertFalse(resumed.err().contains("unfinished writes"), "no room to wait for: " + resumed.err());
            assertSucceeded(resumed);
        }
    }

    @Test
    void theSameCommandAfterKillNineWaitsForTheRoomItsUnfinishedWritesHold() throws IOException {
        try (ClusterProcesses cluster = ClusterProcesses.start(directory.resolve("cluster"), 2, QUOTA)) {
            Path home = directory.resolve("home");
            String[] command = command(cluster, writeFiles(directory.resolve("data")));
            try (GfsLoadProcess child = GfsLoadProcess.start(home, command)) {
                child.awaitFilesDone(4, Duration.ofSeconds(120));
                child.kill();
            }
            // the killed load's short-circuit writes keep their room until the workers abort them as idle
            CliRun resumed = CliRun.gfsload(home, resume(command));
            assertEquals(0, resumed.exitCode(), "the plan fits once the room is back: " + resumed.err() + resumed.out());
            assertSucceeded(resumed);
            if (resumed.err().contains("unfinished writes")) {
                assertTrue(resumed.err().contains("Waiting for the "), resumed.err());
                assertTrue(resumed.err().contains("The room is back after "), resumed.err());
            }
            assertEquals(List.of(), cluster.tempFilesOnDisk());
        }
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

    /** Bytes of the replicas the master records of the files in {@code data}. */
    private static long committedBytes(CacheClient client, Path data) {
        long bytes = 0;
        for (int i = 0; i < FILES; i++) {
            FileIdentity file = CacheContents.identity("file:" + data.resolve("part-%03d".formatted(i)));
            bytes += client.cachedBlocks(file).stream().mapToLong(block -> block.length() * block.workerIds().size()).sum();
        }
        return bytes;
    }

    private static Path writeFiles(Path data) throws IOException {
        Files.createDirectories(data);
        Random random = new Random(18);
        byte[] bytes = new byte[FILE_BYTES];
        for (int i = 0; i < FILES; i++) {
            random.nextBytes(bytes);
            Files.write(data.resolve("part-%03d".formatted(i)), bytes);
        }
        return data;
    }
}
