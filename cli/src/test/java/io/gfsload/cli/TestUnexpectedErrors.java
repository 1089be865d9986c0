package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.executor.DistributedLoad;
import io.gfsload.executor.LoadReport;
import io.gfsload.executor.SliceLoad;
import io.gfsload.executor.SliceProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An error of the JVM's (a class missing from the class path, the heap exhausted) during a command
 * ends it as any failure does: one line, exit 4, the FAILED report; not a stack trace and exit 1.
 */
class TestUnexpectedErrors {
    @TempDir
    Path home;

    @Test
    void anErrorDuringALoadEndsItWithOneLineExitFourAndTheFailedReport() throws Exception {
        CliRun run = loadFailingWith(new NoClassDefFoundError("com/fasterxml/jackson/core/exc/StreamConstraintsException"));

        assertEquals(4, run.exitCode(), run.err());
        String line = "gfsload: Unexpected NoClassDefFoundError: com/fasterxml/jackson/core/exc/StreamConstraintsException";
        assertEquals(line, lastLine(run), run.err());
        assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
        String written = Files.readString(home.resolve("report.json"));
        assertTrue(written.contains("\"exitCode\" : 4") && written.contains("\"error\" : \"" + line.substring("gfsload: ".length()) + "\""), written);
    }

    @Test
    void anExhaustedHeapSaysHowToGiveItMore() throws Exception {
        CliRun run = loadFailingWith(new OutOfMemoryError("Java heap space"));

        assertEquals(4, run.exitCode(), run.err());
        assertEquals("gfsload: Unexpected OutOfMemoryError: Java heap space; give the JVM more memory (GFSLOAD_JAVA_OPTS=-Xmx8g, or --driver-memory "
                + "for a Spark job's driver)", lastLine(run), run.err());
    }

    /** A load of a small directory whose slices fail with {@code error}, with a --report. */
    private CliRun loadFailingWith(Error error) throws Exception {
        Path data = Files.createDirectories(home.resolve("data"));
        Files.write(data.resolve("part-0"), new byte[1_000]);
        DistributedLoad.Slices failing = new DistributedLoad.Slices() {
            @Override
            public int parallelism() {
                return 1;
            }

            @Override
            public void run(List<SliceLoad> slices, BiConsumer<SliceLoad, SliceProgress> progress, BiConsumer<SliceLoad, LoadReport> finished) {
                throw error;
            }
        };
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(home.resolve("cluster"), 1, 1L << 30))) {
            return CliRun.gfsload(new CliEnvironment(home).withSlices(failing), "distributedLoad", "--progress", "none", "--report",
                    home.resolve("report.json").toString(), "--master", cluster.masterTarget(), data.toString());
        }
    }

    private static String lastLine(CliRun run) {
        return run.err().lines().reduce((first, second) -> second).orElseThrow();
    }
}
