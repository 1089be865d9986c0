package io.gfsload.cache.worker;

import static io.gfsload.cache.testing.TestData.crc32c;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.base.Ticker;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheUnavailableException;
import io.gfsload.cache.api.CachedBlock;
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
 * A heartbeat answer the master gave but the worker never got (the connection dropped after the
 * master answered, the worker's call timed out, the worker died before reading it): its commands
 * are sent again until the worker says, in a later heartbeat, that it carried them out. The worker
 * reaches the master through an {@link AnswerLosingRelay}; heartbeats are sent by the test (the
 * intervals are an hour), on a test clock.
 */
class LostHeartbeatAnswerTest {
    private static final Duration NEVER = Duration.ofHours(1);
    private static final Duration DAY = Duration.ofHours(24);
    private static final FileIdentity FILE = new FileIdentity("cosn://bucket/t/dt=1/part-0", 5000, 1);
    private static final BlockKey BLOCK = new BlockKey(FILE, 0);
    /** Heartbeats at most until a worker has nothing left to do: more would be a master answering forever. */
    private static final int MAX_HEARTBEATS = 20;

    @TempDir
    Path directory;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T01:00:00Z"));

    @Test
    void aDeletionWhoseAnswerWasLostIsSentAgainAndTheBlockCanBeWrittenAgainAfterwards() throws Exception {
        try (CacheMaster master = startMaster();
                AnswerLosingRelay relay = AnswerLosingRelay.to(master.target());
                CacheWorker worker = startWorker(relay);
                CacheClient client = GrpcCacheClient.connect(master.target())) {
            write(client, BLOCK, WriteOptions.replication(1), 1);
            assertEquals(1, client.free(FILE).blocks());

            relay.loseAnswersWithCommands(1);
            assertThrows(CacheUnavailableException.class, worker::sendHeartbeat);
            assertEquals(List.of(BLOCK.blockId()), relay.lost.get(0).getRemoveBlockIdsList(), "the master answered the deletion");
            assertEquals(List.of(BLOCK.blockId()), worker.blockIds(), "the worker never heard of it");

            heartbeatUntilQuiet(worker);
            assertEquals(List.of(), worker.blockIds(), "the deletion was sent again and carried out");

            // the master holds a commit of the block on the worker back only until the worker said it deleted it
            write(client, BLOCK, WriteOptions.replication(1), 2);
            assertEquals(List.of(new CachedBlock(0, 5000, crc32c(randomBytes(5000, 2)),
                    List.of("worker-0"))), client.cachedBlocks(FILE));
            assertFalse(worker.sendHeartbeat(), "nothing more: the deletion is not sent once carried out");
            assertEquals(List.of(BLOCK.blockId()), worker.blockIds());
        }
    }

    /**
     * A re-run of an atomic job adopts its area hours later, which moves its expiry and pins the
     * staged blocks to it: a pin lost with its answer would leave the staged block evictable from
     * the area's first expiry on, while the re-run still needs it.
     */
    @Test
    void aPinWhoseAnswerWasLostIsSentAgainAndKeepsTheStagedBlockUntilTheAreasNewExpiry() throws Exception {
        try (CacheMaster master = startMaster();
                AnswerLosingRelay relay = AnswerLosingRelay.to(master.target());
                CacheWorker worker = startWorker(relay);
                CacheClient client = GrpcCacheClient.connect(master.target())) {
            TempAreas areas = client.tempAreas();
            areas.openTempArea("job", DAY);
            write(client, BLOCK, WriteOptions.replication(1).inTempArea("job"), 1);
            heartbeatUntilQuiet(worker);
            assertTrue(worker.isPinned(BLOCK.blockId()), "the write pinned the staged block until the area's expiry");

            clock.advance(Duration.ofHours(9));
            TempArea adopted = areas.openTempArea("job", DAY);
            relay.loseAnswersWithCommands(1);
            assertThrows(CacheUnavailableException.class, worker::sendHeartbeat);
            assertEquals(adopted.expiresAt().toEpochMilli(), relay.lost.get(0).getPinBlocks(0).getUntilEpochMillis(),
                    "the master answered the pin to the area's new expiry");

            heartbeatUntilQuiet(worker);
            clock.advance(Duration.ofHours(16));
            assertTrue(clock.instant().isBefore(adopted.expiresAt()), "the area is still open");
            assertTrue(worker.isPinned(BLOCK.blockId()), "past the area's first expiry, the block is still pinned to its new one");
        }
    }

    /**
     * The commit of an area unpins its blocks: an unpin lost with its answer would keep a committed
     * block from eviction until the area's expiry. A pin queued after it, by another job staging
     * the block, follows it.
     */
    @Test
    void anUnpinWhoseAnswerWasLostIsSentAgainBeforeALaterPin() throws Exception {
        try (CacheMaster master = startMaster();
                AnswerLosingRelay relay = AnswerLosingRelay.to(master.target());
                CacheWorker worker = startWorker(relay);
                CacheClient client = GrpcCacheClient.connect(master.target())) {
            TempAreas areas = client.tempAreas();
            areas.openTempArea("job", DAY);
            write(client, BLOCK, WriteOptions.replication(1).inTempArea("job"), 1);
            heartbeatUntilQuiet(worker);
            areas.commitScope("job", List.of(BLOCK));

            relay.loseAnswersWithCommands(1);
            assertThrows(CacheUnavailableException.class, worker::sendHeartbeat);
            assertEquals(List.of(BLOCK.blockId()), relay.lost.get(0).getUnpinBlockIdsList(), "the master answered the unpin");
            assertTrue(worker.isPinned(BLOCK.blockId()), "the worker never heard of it");

            heartbeatUntilQuiet(worker);
            assertFalse(worker.isPinned(BLOCK.blockId()), "committed, and in no temp area: evictable");

            // a later job stages the committed block on the worker: its pin comes after the unpin sent again
            clock.advance(Duration.ofHours(1));
            TempArea later = areas.openTempArea("later-job", DAY);
            write(client, BLOCK, WriteOptions.replication(1).inTempArea("later-job"), 1);
            relay.loseAnswersWithCommands(1);
            assertThrows(CacheUnavailableException.class, worker::sendHeartbeat);
            heartbeatUntilQuiet(worker);
            clock.advance(Duration.ofHours(23));
            assertTrue(clock.instant().isBefore(later.expiresAt()));
            assertTrue(worker.isPinned(BLOCK.blockId()), "pinned to the later job's area");
        }
    }

    /** A worker that died before it read an answer hears its deletions again once it has registered anew. */
    @Test
    void aDeletionLostWithTheWorkerIsCarriedOutByItsNextStart() throws Exception {
        try (CacheMaster master = startMaster();
                AnswerLosingRelay relay = AnswerLosingRelay.to(master.target());
                CacheClient client = GrpcCacheClient.connect(master.target())) {
            CacheWorker worker = startWorker(relay);
            try {
                write(client, BLOCK, WriteOptions.replication(1), 1);
                assertEquals(1, client.free(FILE).blocks());
                relay.loseAnswersWithCommands(1);
                assertThrows(CacheUnavailableException.class, worker::sendHeartbeat);
            }
            finally {
                worker.halt();
            }
            assertEquals(1, relay.lost.size());

            try (CacheWorker restarted = startWorker(relay)) {
                // the heartbeats of a start carry out what the master has queued for the worker
                assertEquals(List.of(), restarted.blockIds(), "the deletion was sent again to the restarted worker");
            }
        }
    }

    /** The commands of an answer the worker never got stay queued in the master's store, across its restart. */
    @Test
    void aDeletionWhoseAnswerWasLostIsCarriedOutAfterAMasterRestart() throws Exception {
        CacheMaster master = startMaster();
        try (AnswerLosingRelay relay = AnswerLosingRelay.to(master.target());
                CacheWorker worker = startWorker(relay)) {
            try (CacheClient client = GrpcCacheClient.connect(master.target())) {
                write(client, BLOCK, WriteOptions.replication(1), 1);
                assertEquals(1, client.free(FILE).blocks());
                relay.loseAnswersWithCommands(1);
                assertThrows(CacheUnavailableException.class, worker::sendHeartbeat);
            }
            finally {
                master.close();
            }
            master = startMaster();
            relay.forwardTo(master.target());

            assertFalse(worker.sendHeartbeat(), "the restarted master does not know the worker: it registers again");
            heartbeatUntilQuiet(worker);
            assertEquals(List.of(), worker.blockIds(), "the restarted master sent the deletion again");
        }
        finally {
            master.close();
        }
    }

    private CacheMaster startMaster() {
        return CacheMaster.start(MasterConfig.defaults(directory.resolve("master")).withHeartbeatInterval(NEVER), Ticker.systemTicker(), clock,
                new MetricsRegistry());
    }

    private CacheWorker startWorker(AnswerLosingRelay relay) {
        return CacheWorker.start(WorkerConfig.builder("worker-0", directory.resolve("worker-0"), 1 << 20, relay.target())
                .heartbeatInterval(NEVER).build(), clock, new MetricsRegistry());
    }

    private static void write(CacheClient client, BlockKey block, WriteOptions options, int seed) {
        byte[] data = randomBytes(5000, seed);
        try (BlockWriter writer = client.openWriter(block, data.length, options)) {
            writer.write(data, 0, data.length);
            writer.commit();
        }
    }

    /** Heartbeats until an answer carries no commands and the worker has no deletion left to report. */
    private static void heartbeatUntilQuiet(CacheWorker worker) {
        for (int sent = 0; worker.sendHeartbeat(); sent++) {
            assertTrue(sent < MAX_HEARTBEATS, "the master keeps answering commands");
        }
    }
}
