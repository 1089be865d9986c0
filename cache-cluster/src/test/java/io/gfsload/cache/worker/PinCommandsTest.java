package io.gfsload.cache.worker;

import static io.gfsload.cache.testing.TestData.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.base.Ticker;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.TempArea;
import io.gfsload.cache.api.TempAreas;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.master.CacheMaster;
import io.gfsload.cache.master.MasterConfig;
import io.gfsload.cache.metrics.MetricsRegistry;
import io.gfsload.cache.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pins and unpins the master queues for a worker, carried out in the order queued even when
 * one heartbeat answer carries both for a block: heartbeats are sent by the test (the intervals
 * are an hour), on a test clock.
 */
class PinCommandsTest {
    private static final Duration INTERVAL = Duration.ofHours(1);
    private static final Duration DAY = Duration.ofHours(24);
    private static final FileIdentity FILE = new FileIdentity("cosn://bucket/t/dt=1/part-0", 5000, 1);
    private static final BlockKey BLOCK = new BlockKey(FILE, 0);
    private static final FileIdentity CHANGED = new FileIdentity("cosn://bucket/t/dt=1/part-1", 5000, 1);

    @TempDir
    Path directory;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T01:00:00Z"));

    /**
     * A re-run of an atomic job adopts its area some hours later, which moves its expiry and pins
     * the staged blocks to it, and commits the adopted blocks at once: the worker hears of the pin
     * and of the commit's unpin in one answer, and the committed block is evictable again; a block
     * it unstages then (its file changed in the UFS) is deleted and leaves no pin behind.
     */
    @Test
    void aBlockCommittedOrUnstagedRightAfterItsAreaWasExtendedIsUnpinned() {
        try (CacheMaster master = CacheMaster.start(MasterConfig.defaults(directory.resolve("master")).withHeartbeatInterval(INTERVAL),
                        Ticker.systemTicker(), clock, new MetricsRegistry());
                CacheWorker worker = CacheWorker.start(WorkerConfig.builder("worker-0", directory.resolve("worker-0"), 1 << 20,
                        master.target()).heartbeatInterval(INTERVAL).build(), clock, new MetricsRegistry());
                CacheClient client = GrpcCacheClient.connect(master.target())) {
            TempAreas areas = client.tempAreas();
            areas.openTempArea("job", DAY);
            byte[] data = randomBytes(5000, 1);
            for (BlockKey block : List.of(BLOCK, new BlockKey(CHANGED, 0))) {
                try (BlockWriter writer = client.openWriter(block, data.length, WriteOptions.replication(1).inTempArea("job"))) {
                    writer.write(data, 0, data.length);
                    writer.commit();
                }
            }
            while (worker.sendHeartbeat()) {
                // nothing queued for it yet: the write pinned the block
            }
            assertTrue(worker.isPinned(BLOCK.blockId()), "a staged block is pinned");

            clock.advance(Duration.ofHours(9));
            TempArea adopted = areas.openTempArea("job", DAY);
            assertEquals(clock.instant().plus(DAY), adopted.expiresAt(), "the expiry moved: the block's pin with it");
            areas.commitScope("job", List.of(BLOCK));
            areas.unstageFiles("job", List.of(CHANGED));
            while (worker.sendHeartbeat()) {
                // the pins to the new expiry, then the commit's unpin and the deletion, in one answer
            }

            assertFalse(worker.isPinned(BLOCK.blockId()), "committed, and in no temp area: evictable");
            assertEquals(List.of(BLOCK.blockId()), worker.blockIds());
            assertFalse(worker.isPinned(new BlockKey(CHANGED, 0).blockId()), "deleted, pin and all");
        }
    }
}
