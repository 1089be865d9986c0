package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A {@code --json} load that does not succeed says why in one line on stderr, which a scheduler's log shows; the JSON stays the only thing on stdout. */
class TestJsonRunSaysWhyOnStderr {
    @TempDir
    Path home;

    @TempDir
    Path data;

    @Test
    void aPartialJsonLoadSaysHowManyFilesFailed() throws Exception {
        Files.write(data.resolve("part-0"), new byte[300_000]);
        Files.write(data.resolve("part-1"), new byte[200_000]);
        Files.write(data.resolve("part-2"), new byte[100_000]);
        String path = "faulty://json-partial" + data;
        Configuration conf = new Configuration();
        conf.set("fs.faulty.permanent.paths", "/part-1");
        // the instance the in-process commands get from Hadoop's cache
        FileSystem store = FileSystem.get(URI.create("faulty://json-partial/"), conf);
        try {
            CliRun json = CliRun.gfsload(home, "distributedLoad", "--json", "--progress", "none", path);

            assertEquals(ExitCode.PARTIAL, json.exitCode(), json.err());
            List<String> err = json.err().lines().toList();
            assertEquals("gfsload: PARTIAL: 1 of 3 files failed; the report lists them", err.get(err.size() - 1), json.err());
            assertEquals("PARTIAL", new ObjectMapper().readTree(json.out()).path("state").asText());

            // the summary says it on stdout: stderr need not
            CliRun summary = CliRun.gfsload(home, "distributedLoad", "--progress", "none", path);
            assertEquals(ExitCode.PARTIAL, summary.exitCode(), summary.err());
            assertFalse(summary.err().contains("gfsload: PARTIAL"), summary.err());
        }
        finally {
            store.close();
        }
    }
}
