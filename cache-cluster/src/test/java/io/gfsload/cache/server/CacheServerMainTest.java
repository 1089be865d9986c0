package io.gfsload.cache.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exit codes of the server process for what goes wrong before it serves, and what it does with a failure no thread caught. */
class CacheServerMainTest {
    @TempDir
    Path directory;

    @Test
    void badUsageExitsTwo() {
        assertEquals(CacheServerMain.EXIT_USAGE, CacheServerMain.run(new String[] {}));
        assertEquals(CacheServerMain.EXIT_USAGE, CacheServerMain.run(new String[] {"client", "--config", "x"}));
        assertEquals(CacheServerMain.EXIT_USAGE, CacheServerMain.run(new String[] {"master"}));
        assertEquals(CacheServerMain.EXIT_USAGE, CacheServerMain.run(new String[] {"master", "--config"}));
        assertEquals(CacheServerMain.EXIT_USAGE, CacheServerMain.run(new String[] {"master", "--port", "1"}));
    }

    @Test
    void aServerThatCannotStartExitsOneAndWritesNoReadyFile() {
        Path config = directory.resolve("worker.properties");
        CacheServerConfig.of(Map.of(CacheServerConfig.WORKER_ID, "worker-0")).store(config);
        Path ready = directory.resolve("worker.ready");
        assertEquals(CacheServerMain.EXIT_START_FAILED, CacheServerMain.run(new String[] {"worker", "--config",
                config.toString(), "--ready-file", ready.toString()}));
        assertEquals(CacheServerMain.EXIT_START_FAILED, CacheServerMain.run(new String[] {"master", "--config",
                directory.resolve("missing.properties").toString()}));
        assertEquals(false, Files.exists(ready));
    }

    @Test
    void aFailureNoThreadCaughtIsLoggedNotPrintedAsTheJvmHasIt() throws InterruptedException {
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        PrintStream err = System.err;
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        try {
            // slf4j-simple writes to the System.err of the moment
            System.setErr(new PrintStream(written, true, StandardCharsets.UTF_8));
            CacheServerMain.logUncaughtFailures();
            Thread thread = new Thread(() -> {
                throw new IllegalStateException("a failure no one caught");
            }, "uncaught-test");
            thread.start();
            thread.join();
        }
        finally {
            System.setErr(err);
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
        String log = written.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("ERROR io.gfsload.cache.server.CacheServerMain - Thread uncaught-test ended by a failure it did not catch"), log);
        assertTrue(log.contains("java.lang.IllegalStateException: a failure no one caught"), log);
        assertFalse(log.contains("Exception in thread"), log);
    }
}
