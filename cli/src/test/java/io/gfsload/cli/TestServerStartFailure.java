package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code gfsload cluster start} says of a server that exited before it was ready: the error
 * its log has from this start, one line, without the stack trace after it; else the log's end.
 */
class TestServerStartFailure {
    private static final String LOGGER = "io.gfsload.cache.server.CacheServerMain";
    private static final String EARLIER = "2026-11-24T02:25:29.647+0000 [main] ERROR " + LOGGER + " - Cannot start the cache "
            + "worker configured in /d/worker-0.properties: an earlier reason\n"
            + "java.lang.IllegalStateException: an earlier reason\n"
            + "\tat io.gfsload.cache.worker.CacheWorker.start(CacheWorker.java:143)\n";

    @TempDir
    Path logs;

    @Test
    void theErrorOfThisStartIsOneLine() throws Exception {
        Path log = logs.resolve("worker-0.log");
        Files.writeString(log, EARLIER);
        long offset = Files.size(log);
        Files.writeString(log, "2026-11-24T02:26:00.000+0000 [main] INFO x - starting\n"
                + "2026-11-24T02:26:00.100+0000 [main] ERROR " + LOGGER + " - Cannot start the cache worker configured in "
                + "/d/worker-0.properties: Cannot bind the metrics server to 127.0.0.1:29321\n"
                + "java.io.UncheckedIOException: Cannot bind the metrics server to 127.0.0.1:29321\n"
                + "\tat io.gfsload.cache.metrics.MetricsHttpServer.start(MetricsHttpServer.java:79)\n"
                + "Caused by: java.net.BindException: Address already in use\n", java.nio.file.StandardOpenOption.APPEND);

        assertEquals("Cannot start the cache worker configured in /d/worker-0.properties: Cannot bind the metrics server to "
                + "127.0.0.1:29321; see its log " + log, ServerProcesses.startFailure(log, offset, LOGGER));
    }

    @Test
    void anErrorOfAnEarlierStartIsNotThisOnes() throws Exception {
        Path log = logs.resolve("worker-0.log");
        Files.writeString(log, EARLIER);
        long offset = Files.size(log);
        Files.writeString(log, "Unrecognized VM option 'NoSuchOption'\n", java.nio.file.StandardOpenOption.APPEND);

        assertEquals("its log " + log + " ends with:\n" + EARLIER + "Unrecognized VM option 'NoSuchOption'",
                ServerProcesses.startFailure(log, offset, LOGGER));
    }

    @Test
    void aLogRotatedAtThisStartIsReadFromItsBeginning() throws Exception {
        Path log = logs.resolve("worker-0.log");
        // the log was larger when the server started, and has been rotated since
        Files.writeString(log, EARLIER);
        assertEquals("Cannot start the cache worker configured in /d/worker-0.properties: an earlier reason; see its log " + log,
                ServerProcesses.startFailure(log, Files.size(log) + 1, LOGGER));
    }
}
