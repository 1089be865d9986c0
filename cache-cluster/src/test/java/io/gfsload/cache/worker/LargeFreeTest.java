package io.gfsload.cache.worker;

import static io.gfsload.cache.testing.TestData.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockData;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.master.CacheMaster;
import io.gfsload.cache.master.MasterConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A free of more blocks than one heartbeat answer carries: the worker deletes them in answers of
 * the protocol's bound, heartbeating again at once after each, within one round of its heartbeat
 * thread. Heartbeats and rounds are run by the test only (the interval is an hour).
 */
class LargeFreeTest {
    private static final Duration NEVER = Duration.ofHours(1);
    /** The commands of one heartbeat answer, at most (see HeartbeatResponse in the protocol). */
    private static final int PER_ANSWER = 200;
    private static final int BLOCKS = 2 * PER_ANSWER + 50;
    private static final FileIdentity FILE = new FileIdentity("hdfs://nn/t/part-0", 100L * BLOCKS, 1);

    @TempDir
    Path directory;

    @Test
    void oneRoundOfHeartbeatsDeletesAFreeLargerThanAnAnswerAndTheBlocksCanBeWrittenAgain() {
        try (CacheMaster master = CacheMaster.start(MasterConfig.defaults(directory.resolve("master")).withHeartbeatInterval(NEVER));
                CacheWorker worker = CacheWorker.start(WorkerConfig.builder("worker-0", directory.resolve("worker-0"), 1 << 20,
                        master.target()).heartbeatInterval(NEVER).build());
                CacheClient client = GrpcCacheClient.connect(master.target())) {
            assertEquals(BLOCKS, write(client, 1), "blocks written");
            assertEquals(BLOCKS, client.free(FILE).blocks());

            assertTrue(worker.sendHeartbeat(), "the answer carried deletions");
            assertEquals(BLOCKS - PER_ANSWER, worker.blockIds().size(), "one answer's deletions carried out");

            worker.heartbeatRound();
            assertEquals(0, worker.blockIds().size(), "the round heartbeats again until every deletion is carried out");
            assertFalse(worker.sendHeartbeat(), "nothing is left to delete or report");

            // the master refuses a commit on worker-0 of a block whose deletion it sent there until the worker's next
            // heartbeat: every block is committed, so the round heartbeated after carrying out its last deletions
            assertEquals(BLOCKS, write(client, 2), "blocks written again and committed on worker-0");
            assertEquals(List.of(List.of("worker-0")),
                    client.cachedBlocks(FILE).stream().map(CachedBlock::workerIds).distinct().toList());
            assertEquals(BLOCKS, worker.blockIds().size());
        }
    }

    /** Writes every block of {@code FILE} with data of {@code seed}, and returns how many were committed. */
    private static long write(CacheClient client, int seed) {
        List<BlockData> blocks = IntStream.range(0, BLOCKS)
                .mapToObj(index -> new BlockData(new BlockKey(FILE, index), randomBytes(100, seed + index)))
                .toList();
        return client.writeBlocks(blocks, WriteOptions.replication(1)).stream().filter(BlockWriteOutcome::succeeded).count();
    }
}
