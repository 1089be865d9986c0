package io.gfsload.cache.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.master.CacheMaster;
import io.gfsload.cache.master.MasterConfig;
import io.gfsload.cache.metrics.MetricsRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tier directory serves one worker at a time: a second worker on it, of another cluster (here
 * in the same process, as two in-process clusters would be), is refused before it touches
 * anything, and may take it once the first has stopped.
 */
class TierDirectoryLockTest {
    private static final Duration INTERVAL = Duration.ofMillis(200);

    @TempDir
    Path directory;

    @Test
    void aSecondWorkerOnATierDirectoryIsRefusedAndTouchesNothing() throws Exception {
        Path tier = directory.resolve("tiers").resolve("worker-0");
        try (CacheMaster first = CacheMaster.start(MasterConfig.defaults(directory.resolve("master-a")).withHeartbeatInterval(INTERVAL));
                CacheMaster second = CacheMaster.start(MasterConfig.defaults(directory.resolve("master-c")).withHeartbeatInterval(INTERVAL))) {
            CacheWorker holder = start(first, tier, "the cache cluster in /data/a");
            // a write in progress of the first worker, which a starting worker would delete as stale
            Path inProgress = tier.resolve("0123456789abcdef.42.tmp");
            Files.writeString(inProgress, "in progress");

            TierDirectoryInUseException refused = assertThrows(TierDirectoryInUseException.class,
                    () -> start(second, tier, "the cache cluster in /data/c"));
            assertEquals("Cache worker worker-0 cannot use the tier directory " + tier + ": another cache worker holds it "
                    + "(worker worker-0 of the cache cluster in /data/a, pid " + ProcessHandle.current().pid() + "); "
                    + "a tier directory serves one worker at a time: give each worker directories of its own", refused.getMessage());
            assertTrue(Files.exists(inProgress), "the refused worker deleted a temp file of the worker that holds the directory");
            assertEquals(0, second.clusterInfo().workers().size(), "the refused worker registered");

            holder.close();
            // stopped, the first worker let the directory go: the second takes it, and cleans it up as its own
            try (CacheWorker taker = start(second, tier, "the cache cluster in /data/c")) {
                assertTrue(Files.notExists(inProgress));
                assertEquals("worker worker-0 of the cache cluster in /data/c, pid " + ProcessHandle.current().pid(),
                        Files.readString(tier.resolve(TierDirectoryLocks.LOCK_FILE)).strip());
            }
        }
    }

    @Test
    void aHaltedWorkerLetsItsDirectoriesGo() {
        Path tier = directory.resolve("worker-0");
        try (CacheMaster master = CacheMaster.start(MasterConfig.defaults(directory.resolve("master")).withHeartbeatInterval(INTERVAL))) {
            start(master, tier, "the cache cluster in /data/a").halt();
            start(master, tier, "the cache cluster in /data/a").close();
        }
    }

    private static CacheWorker start(CacheMaster master, Path tier, String cluster) {
        return CacheWorker.start(WorkerConfig.builder("worker-0", tier, 1 << 20, master.target())
                .heartbeatInterval(INTERVAL)
                .build(), Clock.systemUTC(), new MetricsRegistry(), cluster);
    }
}
