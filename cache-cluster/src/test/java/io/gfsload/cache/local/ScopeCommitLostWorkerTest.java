package io.gfsload.cache.local;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static io.gfsload.cache.testing.TestData.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockNotFoundException;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.TempAreas;
import io.gfsload.cache.api.UnderReplication;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.testing.MutableClock;
import io.gfsload.cache.testing.TestData;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker lost (kill -9, its heartbeats missed) between the staging of a scope's blocks and the
 * scope's commit: the master commits the scope only when each of its blocks has a replica on a
 * live worker, so that readers never see the scope with blocks missing.
 */
class ScopeCommitLostWorkerTest {
    private static final FileIdentity FILE = new FileIdentity("cosn://bucket/db/t/dt=2026-11-25/part-0", 8 * 1000, 1);
    private static final Duration DAY = Duration.ofHours(24);

    @TempDir
    Path directory;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T01:00:00Z"));
    private LocalCluster cluster;
    private CacheClient client;
    private TempAreas areas;

    @BeforeEach
    void start() {
        cluster = LocalCluster.start(LocalClusterConfig.builder(directory).workers(2).workerCapacityBytes(64L * MIB)
                .heartbeatInterval(Duration.ofMillis(100)).build(), clock);
        client = cluster.newClient();
        areas = client.tempAreas();
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    @Test
    void aScopeWithABlockStagedOnlyOnALostWorkerIsRefusedAndNothingOfItBecomesVisible() throws IOException {
        areas.openTempArea("job-lost", DAY);
        Map<BlockKey, BlockWriteResult> staged = stageEightBlocks("job-lost", 1);
        String lost = staged.values().iterator().next().workerIds().get(0);
        List<BlockKey> onLost = staged.entrySet().stream().filter(e -> e.getValue().workerIds().contains(lost)).map(Map.Entry::getKey).toList();
        assertTrue(onLost.size() < staged.size(), "placement put blocks on both workers: " + staged);
        kill(lost);

        BlockNotFoundException refused = assertThrows(BlockNotFoundException.class, () -> areas.commitScope("job-lost", List.copyOf(staged.keySet())));

        assertTrue(refused.getMessage().contains("Cannot commit 8 blocks of job job-lost: " + onLost.size() + " "
                + (onLost.size() == 1 ? "has its replicas" : "have their replicas") + " only on lost workers, which readers would not see: block "
                + onLost.get(0).index() + " of " + FILE.path() + " (on lost worker " + lost + ")"), refused.getMessage());
        assertEquals(List.of(), client.cachedBlocks(FILE), "readers see none of the scope, not the blocks on the live worker either");
        assertEquals(8, areas.findTempArea("job-lost").orElseThrow().blocks().size(), "the refusal changed nothing");

        // what the load does: the blocks written again, on the live worker, and the scope committed whole
        for (BlockKey block : onLost) {
            assertFalse(write(block, 1, "job-lost").workerIds().contains(lost));
        }
        assertEquals(8, areas.commitScope("job-lost", List.copyOf(staged.keySet())).blocks());
        assertEquals(8, client.cachedBlocks(FILE).size());
        for (BlockKey block : staged.keySet()) {
            assertArrayEquals(data(block), readAll(client.openReader(block)), "block " + block.index());
        }
    }

    @Test
    void aBlockCommittedEarlierWhoseReplicasAreAllOnALostWorkerIsRefusedToo() {
        areas.openTempArea("job-retried", DAY);
        Map<BlockKey, BlockWriteResult> staged = stageEightBlocks("job-retried", 1);
        BlockKey first = staged.keySet().iterator().next();
        String lost = staged.get(first).workerIds().get(0);
        // a first commit of the block whose answer was lost: it is committed, on the worker lost since
        areas.commitScope("job-retried", List.of(first));
        kill(lost);

        BlockNotFoundException refused = assertThrows(BlockNotFoundException.class, () -> areas.commitScope("job-retried", List.copyOf(staged.keySet())));

        assertTrue(refused.getMessage().contains("block " + first.index() + " of " + FILE.path() + " (on lost worker " + lost + ")"),
                refused.getMessage());
        assertEquals(List.of(), client.cachedBlocks(FILE), "the block committed before is on the lost worker only, the others are still staged");
    }

    @Test
    void aScopeWhoseBlocksLostOneOfTheirReplicasCommitsAndTheyAreListedUnderReplicated() throws IOException {
        areas.openTempArea("job-halved", DAY);
        Map<BlockKey, BlockWriteResult> staged = stageEightBlocks("job-halved", 2);
        String lost = staged.values().iterator().next().workerIds().get(0);
        kill(lost);

        assertEquals(8, areas.commitScope("job-halved", List.copyOf(staged.keySet())).blocks(), "every block has a replica on the live worker");

        assertEquals(8, client.cachedBlocks(FILE).size());
        UnderReplication under = client.underReplicated("", 10);
        assertEquals(8, under.count());
        assertEquals(List.of(lost), under.blocks().get(0).lostWorkerIds());
        for (BlockKey block : staged.keySet()) {
            assertArrayEquals(data(block), readAll(client.openReader(block)), "block " + block.index());
        }
    }

    /** Stages blocks 0 to 7 of {@link #FILE} with {@code replication} into the area of {@code jobId}. */
    private Map<BlockKey, BlockWriteResult> stageEightBlocks(String jobId, int replication) {
        Map<BlockKey, BlockWriteResult> staged = new LinkedHashMap<>();
        for (int index = 0; index < 8; index++) {
            BlockKey block = new BlockKey(FILE, index);
            staged.put(block, write(block, replication, jobId));
        }
        return staged;
    }

    /** Kills {@code workerId} as kill -9 would, and waits until the master counts it lost. */
    private void kill(String workerId) {
        cluster.killWorker(Integer.parseInt(workerId.substring("worker-".length())));
        TestData.await(() -> client.clusterInfo().liveWorkers().stream().noneMatch(worker -> worker.id().equals(workerId)), Duration.ofSeconds(30),
                "the master counts " + workerId + " lost");
    }

    private BlockWriteResult write(BlockKey block, int replication, String jobId) {
        byte[] data = data(block);
        try (BlockWriter writer = client.openWriter(block, data.length, WriteOptions.replication(replication).inTempArea(jobId))) {
            writer.write(data, 0, data.length);
            return writer.commit();
        }
    }

    private static byte[] data(BlockKey block) {
        return randomBytes(1000, block.index());
    }
}
