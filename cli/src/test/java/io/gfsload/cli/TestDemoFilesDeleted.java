package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo table's files, deleted with their directory, are written again by the next command that opens the embedded metastore. */
class TestDemoFilesDeleted {
    @TempDir
    Path home;

    @Test
    void aDeletedDemoDirectoryIsWrittenAgainAsItWas() throws IOException {
        CliRun first = CliRun.gfsload(home, "status", "--table", "demo.events", "--partition", "dt=2026-11-18");
        assertEquals(ExitCode.OK, first.exitCode(), first.err());
        Path demo = home.resolve("demo");
        try (Stream<Path> files = Files.walk(demo)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }

        CliRun again = CliRun.gfsload(home, "status", "--table", "demo.events", "--partition", "dt=2026-11-18");

        assertEquals(ExitCode.OK, again.exitCode(), again.err() + again.out());
        assertEquals(first.out(), again.out(), "the same files, of the same sizes");
        assertTrue(Files.isDirectory(demo.resolve("demo.db/events/dt=2026-11-20")));
    }
}
