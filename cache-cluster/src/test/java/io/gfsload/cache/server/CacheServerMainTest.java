package io.gfsload.cache.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exit codes of the server process for what goes wrong before it serves. */
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
}
