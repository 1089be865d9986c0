package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache master killed during an atomic load of job scope: the run fails with nothing
 * committed, its report still says what it staged (not confirmed by the master, which cannot be
 * asked), and the same command, once the master is back, adopts those blocks and says what the
 * earlier run read as that run's report did.
 */
class TestMasterKilledDuringAtomicJob {
    private static final int FILES = 40;
    private static final int FILE_BYTES = 2 << 20;

    @TempDir
    Path directory;

    @Test
    void theFailedRunSaysWhatItStagedAndTheReRunWhatItRead() throws Exception {
        Path data = directory.resolve("data");
        Files.createDirectories(data);
        Random random = new Random(13);
        byte[] bytes = new byte[FILE_BYTES];
        for (int i = 0; i < FILES; i++) {
            random.nextBytes(bytes);
            Files.write(data.resolve("part-%03d".formatted(i)), bytes);
        }
        Path home = directory.resolve("home");
        Path clusterDirectory = directory.resolve("cluster");
        Path firstReport = directory.resolve("first.json");
        Path secondReport = directory.resolve("second.json");
        CliRun first;
        CliRun second;
        try (ClusterProcesses cluster = ClusterProcesses.start(clusterDirectory, 2)) {
            String master = cluster.masterTarget();
            // 80 MiB at 16 MiB/s, two files at a time: about 5 s, of which the last 4 without the master
            // the load gives the master up after 2 x 2 s of silence
            try (GfsLoadProcess gfsload = GfsLoadProcess.startWithEnvironment(home, Map.of("GFSLOAD_MASTER_TIMEOUT", "2s"), "distributedLoad", "-A",
                    "--atomic-scope", "job", "--bandwidth", "16MB/s", "--active-jobs", "2", "--progress", "json", "--report", firstReport.toString(),
                    "--master", master, data.toString())) {
                gfsload.awaitFilesDone(FILES / 4, Duration.ofSeconds(120));
                cluster.killMaster();
                first = gfsload.awaitExit(Duration.ofSeconds(120));
            }
            cluster.restartMaster();
            second = CliRun.gfsload(home, "distributedLoad", "-A", "--atomic-scope", "job", "--progress", "none", "--report", secondReport.toString(),
                    "--master", master, data.toString());
        }
        assertEquals(ExitCode.FAILED, first.exitCode(), first.err());
        JsonNode report = new ObjectMapper().readTree(firstReport.toFile());
        assertEquals("FAILED", report.get("state").asText());
        assertEquals(0, report.get("totals").get("blocksLoaded").asLong(), "nothing of the job committed");
        long written = report.get("bytesWritten").asLong();
        assertTrue(written >= (long) FILE_BYTES * FILES / 4, "blocks staged before the master was killed: " + written);

        // what the run staged, as it knows it: the master could not be asked
        JsonNode staged = report.get("staged");
        assertTrue(staged != null && !staged.isNull(), "the report says what the run staged: " + report);
        assertFalse(staged.get("confirmed").asBoolean(), staged.toString());
        assertEquals(written / FILE_BYTES, staged.get("blocks").asLong(), staged.toString());
        assertEquals(written, staged.get("bytes").asLong(), staged.toString());
        assertTrue(Instant.parse(staged.get("keptUntil").asText()).isAfter(Instant.now()), staged.toString());
        assertTrue(first.out().contains("%n  staged  %d blocks, %s, by this run and earlier ones in the temp area and not committed (invisible to readers), as this run knows them (the master could not be asked), kept until %s unless renewed: the same command adopts them%n"
                .formatted(written / FILE_BYTES, Sizes.format(written), staged.get("keptUntil").asText())), first.out());

        // the re-run adopts them, and says what the earlier run read from the UFS as its report did
        assertEquals(ExitCode.OK, second.exitCode(), second.err());
        JsonNode job = new ObjectMapper().readTree(secondReport.toFile()).get("job");
        assertEquals(staged.get("blocks").asLong(), job.get("adoptedBlocks").asLong(), job.toString());
        assertEquals(staged.get("bytes").asLong(), job.get("adoptedBytes").asLong(), job.toString());
        long read = report.get("ufsBytesRead").asLong();
        assertEquals(read, job.get("previousUfsBytesRead").asLong(), job.toString());
        assertTrue(second.err().contains(", %s read from the UFS by the earlier run".formatted(Sizes.format(read))), second.err());
        if (read > written) {
            assertTrue(first.out().contains("%n  read    %s from the UFS, %s more than written: retries, and blocks whose write failed%n"
                    .formatted(Sizes.format(read), Sizes.format(read - written))), first.out());
        }
    }
}
