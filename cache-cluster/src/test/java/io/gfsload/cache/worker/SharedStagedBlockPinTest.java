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
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A block two atomic jobs stage on the same worker: the worker holds one pin per block, so the end
 * of one job's hold on it (commit, abort, unstaging, expiry) must leave it pinned for the other
 * until that one ends too. A real master and worker sharing a test clock; heartbeats are sent by
 * the test only (the interval is an hour), so the worker carries out the master's commands when
 * the test says.
 */
class SharedStagedBlockPinTest {
    private static final int LENGTH = 100_000;
    /** Room for two blocks: a third evicts the least recently used one not pinned. */
    private static final long CAPACITY = 2L * LENGTH;
    private static final Duration NEVER = Duration.ofHours(1);
    private static final Duration DAY = Duration.ofDays(1);
    private static final BlockKey SHARED = block("shared");

    @TempDir
    Path directory;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T01:00:00Z"));
    private CacheMaster master;
    private CacheWorker worker;
    private CacheClient client;
    private TempAreas areas;

    @BeforeEach
    void start() {
        master = CacheMaster.start(MasterConfig.defaults(directory.resolve("master")).withHeartbeatInterval(NEVER),
                Ticker.systemTicker(), clock, new MetricsRegistry());
        worker = CacheWorker.start(WorkerConfig.builder("worker-0", directory.resolve("worker-0"), CAPACITY, master.target())
                .heartbeatInterval(NEVER)
                .build(), clock, new MetricsRegistry());
        client = GrpcCacheClient.connect(master.target());
        areas = client.tempAreas();
    }

    @AfterEach
    void stop() {
        client.close();
        worker.close();
        master.close();
    }

    @Test
    void aJobCommittingABlockLeavesItPinnedForAnotherJobThatStagedIt() {
        stageSharedInJobsAAndB(DAY);

        areas.commitScope("job-a", List.of(SHARED));
        worker.sendHeartbeat();

        assertTrue(worker.isPinned(SHARED.blockId()), "job b's area still holds the block");
        write(block("plain-1"), Optional.empty());
        write(block("plain-2"), Optional.empty());
        assertTrue(worker.blockIds().contains(SHARED.blockId()), "eviction passes over the least recently used block: "
                + worker.blockIds());
        assertFalse(worker.blockIds().contains(block("plain-1").blockId()), "it evicts the next one");

        areas.commitScope("job-b", List.of(SHARED));
        worker.sendHeartbeat();
        assertFalse(worker.isPinned(SHARED.blockId()), "the last area holding the block committed it");
    }

    @Test
    void abortingAJobLeavesABlockItSharesPinnedForTheOtherJob() {
        endingJobAKeepsTheBlockPinnedForJobB(() -> assertEquals(1, areas.abortTempArea("job-a")));
    }

    @Test
    void unstagingAFileFromAJobLeavesItsBlockPinnedForTheOtherJob() {
        endingJobAKeepsTheBlockPinnedForJobB(() -> assertEquals(1, areas.unstageFiles("job-a", List.of(SHARED.file()))));
    }

    @Test
    void anExpiredJobLeavesABlockItSharesPinnedForTheOtherJob() {
        endingJobAKeepsTheBlockPinnedForJobB(() -> {
            clock.advance(Duration.ofHours(2));
            assertEquals(List.of("job-a"), master.expireTempAreas());
        });
    }

    @Test
    void aBlockTwoJobsStagedStaysWhenOneOfThemAborts() {
        stageSharedInJobsAAndB(DAY);

        assertEquals(1, areas.abortTempArea("job-a"));
        worker.sendHeartbeat();

        assertTrue(worker.blockIds().contains(SHARED.blockId()), "job b's area still holds the block");
        assertTrue(worker.isPinned(SHARED.blockId()));
        assertEquals(1, areas.abortTempArea("job-b"));
        worker.sendHeartbeat();
        assertFalse(worker.blockIds().contains(SHARED.blockId()), "the last area holding the block was aborted");
    }

    @Test
    void aBlockStagedWhileAnotherJobsUnpinOfItIsQueuedStaysPinned() {
        areas.openTempArea("job-a", DAY);
        areas.openTempArea("job-b", DAY);
        write(SHARED, Optional.of("job-a"));
        areas.commitScope("job-a", List.of(SHARED));   // the unpin waits for the worker's next heartbeat

        write(SHARED, Optional.of("job-b"));
        worker.sendHeartbeat();

        assertTrue(worker.isPinned(SHARED.blockId()), "job b's area holds the block it wrote after job a's commit");
    }

    /**
     * Commits {@link #SHARED}, then stages it in job a (expiring in an hour) and job b (in a day),
     * and runs {@code endJobA}, which must take the block out of job a's area.
     */
    private void endingJobAKeepsTheBlockPinnedForJobB(Runnable endJobA) {
        write(SHARED, Optional.empty());
        stageSharedInJobsAAndB(Duration.ofHours(1));
        worker.sendHeartbeat();

        endJobA.run();
        worker.sendHeartbeat();

        assertTrue(worker.isPinned(SHARED.blockId()), "job b's area still holds the block");
        assertEquals(1, areas.abortTempArea("job-b"));
        worker.sendHeartbeat();
        assertFalse(worker.isPinned(SHARED.blockId()), "the last area holding the block was aborted");
        assertTrue(worker.blockIds().contains(SHARED.blockId()), "the block stays committed");
    }

    /** Opens the temp areas of job a (expiring after {@code jobAExpireTime}) and job b (after a day), and writes {@link #SHARED} into both. */
    private void stageSharedInJobsAAndB(Duration jobAExpireTime) {
        areas.openTempArea("job-a", jobAExpireTime);
        areas.openTempArea("job-b", DAY);
        write(SHARED, Optional.of("job-a"));
        write(SHARED, Optional.of("job-b"));
    }

    private static BlockKey block(String name) {
        return new BlockKey(new FileIdentity("hdfs://nn/t/" + name, LENGTH, 1), 0);
    }

    /** Writes the block, into the temp area of a job or committed, a second of the clock after the previous write. */
    private void write(BlockKey block, Optional<String> jobId) {
        clock.advance(Duration.ofSeconds(1));
        byte[] data = randomBytes(LENGTH, block.blockId().hashCode());
        WriteOptions options = WriteOptions.replication(1);
        try (BlockWriter writer = client.openWriter(block, LENGTH, jobId.map(options::inTempArea).orElse(options))) {
            writer.write(data, 0, data.length);
            writer.commit();
        }
    }
}
