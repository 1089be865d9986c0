package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The logs of the servers that {@code gfsload cluster start} and {@code gfsload metastore start}
 * run ({@code master.log}, {@code worker-N.log}, {@code metastore.log}) stay bounded: a server
 * started with a log past {@link ServerProcesses#LOG_ROTATE_BYTES} starts a new one, and
 * {@link ServerProcesses#LOGS_KEPT} old ones are kept. The server here is a real process, a shell
 * that prints one line.
 */
class TestServerLogRotation {
    @TempDir
    Path logs;

    @Test
    void anOversizedLogIsRotatedAtTheNextStartAndFewOldOnesAreKept() throws Exception {
        Path log = logs.resolve("master.log");
        Files.writeString(logs.resolve("master.log.1"), "run 3\n");
        Files.writeString(logs.resolve("master.log.2"), "run 2\n");
        Files.writeString(logs.resolve("master.log.3"), "run 1\n");
        oversized(log);

        startServer(log, "run 5");

        assertEquals("run 5\n", Files.readString(log), "a new log");
        assertEquals(ServerProcesses.LOG_ROTATE_BYTES + 1, Files.size(logs.resolve("master.log.1")), "the oversized log, whole");
        assertEquals("run 3\n", Files.readString(logs.resolve("master.log.2")));
        assertEquals("run 2\n", Files.readString(logs.resolve("master.log.3")));
        assertEquals(List.of("master.log", "master.log.1", "master.log.2", "master.log.3"), names(), "the oldest log goes");

        // restart after restart, each past the size: never more than the logs kept
        for (int run = 6; run < 10; run++) {
            oversized(log);
            startServer(log, "run " + run);
            assertEquals("run " + run + "\n", Files.readString(log));
            assertEquals(ServerProcesses.LOGS_KEPT + 1, names().size(), names().toString());
        }
    }

    @Test
    void aLogUnderTheSizeIsAppendedTo() throws Exception {
        Path log = logs.resolve("worker-0.log");
        Files.writeString(log, "run 1\n");

        startServer(log, "run 2");

        assertEquals("run 1\nrun 2\n", Files.readString(log));
        assertFalse(Files.exists(logs.resolve("worker-0.log.1")));
    }

    /** A log one byte past the size (sparse: the test writes no 10 MiB). */
    private static void oversized(Path log) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "rw")) {
            file.setLength(ServerProcesses.LOG_ROTATE_BYTES + 1);
        }
    }

    /** Starts a server that prints {@code line} to its log, as the servers do, and waits until it ends. */
    private static void startServer(Path log, String line) throws IOException, InterruptedException {
        Process server = ServerProcesses.start(List.of("sh", "-c", "echo '" + line + "'"), log);
        assertTrue(server.waitFor(1, TimeUnit.MINUTES), "the server ends");
        assertEquals(0, server.exitValue());
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(logs)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }
}
