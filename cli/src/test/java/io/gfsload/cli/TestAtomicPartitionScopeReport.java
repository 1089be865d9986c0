package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An atomic load at the partition scope that ends partial: its rate is of what it read and wrote,
 * its report says what it committed and what it left staged, and the same command then reads only
 * what is not staged, and says so.
 */
class TestAtomicPartitionScopeReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int COMMITTED = 400_000;
    private static final int STAGED = 300_000;
    private static final int FAILING = 200_000;

    @TempDir
    Path home;

    @TempDir
    Path data;

    @Test
    void aPartialRunRatesWhatItWroteAndTheReRunReadsOnlyWhatIsNotStaged() throws IOException {
        Files.createDirectories(data.resolve("a"));
        Files.createDirectories(data.resolve("b"));
        Files.write(data.resolve("a/part-0"), new byte[COMMITTED]);
        Files.write(data.resolve("b/part-0"), new byte[STAGED]);
        Files.write(data.resolve("b/part-1"), new byte[FAILING]);
        String a = "faulty://partition-scope" + data.resolve("a");
        String b = "faulty://partition-scope" + data.resolve("b");
        Configuration conf = new Configuration();
        conf.set("fs.faulty.permanent.paths", "/b/part-1");
        // the instance the in-process commands get from Hadoop's cache
        FileSystem faulty = FileSystem.get(URI.create("faulty://partition-scope/"), conf);
        CliRun partial;
        try {
            partial = CliRun.gfsload(home, "distributedLoad", "-A", "--atomic-scope", "partition", "--json", "--progress", "json", a, b);
        }
        finally {
            faulty.close();
        }

        assertEquals(ExitCode.PARTIAL, partial.exitCode(), partial.err());
        JsonNode report = JSON.readTree(partial.out());
        assertEquals(COMMITTED, report.get("totals").get("bytesLoaded").asLong(), "committed: partition a");
        assertEquals(COMMITTED + STAGED, report.get("bytesWritten").asLong(), "read and written: a, and b's file that did not fail");
        long duration = report.get("durationMillis").asLong();
        long rate = report.get("bytesPerSecond").asLong();
        assertEquals(duration == 0 ? (COMMITTED + STAGED) * 1000L : (COMMITTED + STAGED) * 1000L / duration, rate,
                "the rate is of the bytes written, the staged ones included: " + partial.out());
        JsonNode staged = report.get("staged");
        assertNotNull(staged, partial.out());
        assertEquals(1, staged.get("blocks").asLong(), partial.out());
        assertEquals(STAGED, staged.get("bytes").asLong(), "left in the temp area, not committed: " + partial.out());
        assertTrue(staged.hasNonNull("keptUntil"), partial.out());
        JsonNode finished = lastLine(partial.err());
        assertEquals("finished", finished.get("event").asText(), partial.err());
        assertEquals(COMMITTED + STAGED, finished.get("bytesDone").asLong(), "the progress counts what was written, as the rate does");
        assertEquals(rate, finished.get("bytesPerSecond").asLong(), partial.err());

        // the fault is gone: the same command adopts b's staged file and reads only the other
        FileSystem healed = FileSystem.get(URI.create("faulty://partition-scope/"), new Configuration());
        CliRun rerun;
        try {
            rerun = CliRun.gfsload(home, "distributedLoad", "-A", "--atomic-scope", "partition", "--progress", "json", a, b);
        }
        finally {
            healed.close();
        }
        assertEquals(ExitCode.OK, rerun.exitCode(), rerun.err());
        assertTrue(rerun.err().contains("Loading 2 of 3 files, 1 block, 195.3 KiB (390.6 KiB already cached; "
                + "adopting 1 block, 293.0 KiB staged by an earlier run of the job) with replication 1"), rerun.err());
        List<JsonNode> lines = rerun.err().lines().filter(line -> line.startsWith("{")).map(TestAtomicPartitionScopeReport::json).toList();
        for (JsonNode line : lines) {
            assertEquals(FAILING, line.get("bytes").asLong(), "the progress's total is what the run reads: " + line);
            assertTrue(line.get("bytesDone").asLong() <= FAILING, "the adopted bytes are not counted done: " + line);
        }
        assertEquals(FAILING, lines.get(lines.size() - 1).get("bytesDone").asLong(), rerun.err());
        assertTrue(rerun.out().contains("  adopted 1 block, 293.0 KiB, that earlier runs staged in the temp area"), rerun.out());
        assertTrue(rerun.out().contains(" (195.3 KiB read and written by this run), replication 1"), rerun.out());
    }

    private static JsonNode lastLine(String err) {
        List<String> lines = err.lines().filter(line -> line.startsWith("{")).toList();
        return json(lines.get(lines.size() - 1));
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
