package io.gfsload.cache.client;

import static io.gfsload.cache.testing.TestData.await;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockData;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockNotFoundException;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.EvictedBeforeCommitException;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.master.CacheMaster;
import io.gfsload.cache.master.MasterConfig;
import io.gfsload.cache.metrics.MetricsRegistry;
import io.gfsload.cache.proto.HeartbeatRequest;
import io.gfsload.cache.proto.MasterServiceGrpc;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.testing.MutableClock;
import io.gfsload.cache.testing.RawWrites;
import io.gfsload.cache.worker.CacheWorker;
import io.gfsload.cache.worker.WorkerConfig;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Writes whose copy a worker evicted before their commit reached the master fail, with every
 * writer (streamed, short-circuit, batch) and into a temp area, and succeed written again. The
 * race is played in its order over the raw stubs: the worker's heartbeat reporting the deletion of
 * the copy the client is about to store (the next number the worker gives) reaches the master
 * before the client's commit of that copy. Heartbeats are sent by the test only.
 */
class EvictedBeforeCommitTest {
    /** Large enough for a short-circuit write. */
    private static final int LENGTH = (int) GrpcCacheClient.SHORT_CIRCUIT_MIN_BYTES;
    private static final Duration NEVER = Duration.ofHours(1);

    @TempDir
    Path directory;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final List<CacheWorker> workers = new ArrayList<>();
    private final List<ManagedChannel> workerChannels = new ArrayList<>();
    private CacheMaster master;
    private ManagedChannel masterChannel;
    private int probes;

    @BeforeEach
    void start() {
        master = CacheMaster.start(MasterConfig.defaults(directory.resolve("master")).withHeartbeatInterval(NEVER));
        for (int i = 0; i < 2; i++) {
            CacheWorker worker = CacheWorker.start(WorkerConfig.builder("worker-" + i, directory.resolve("worker-" + i),
                            16L * LENGTH, master.target())
                    .heartbeatInterval(NEVER)
                    .build(), clock, new MetricsRegistry());
            workers.add(worker);
            workerChannels.add(Grpc.newChannelBuilder(worker.target(), InsecureChannelCredentials.create()).build());
        }
        masterChannel = Grpc.newChannelBuilder(master.target(), InsecureChannelCredentials.create()).build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (ManagedChannel channel : workerChannels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        masterChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        for (CacheWorker worker : workers) {
            worker.close();
        }
        master.close();
    }

    @ParameterizedTest(name = "short-circuit {0}")
    @ValueSource(booleans = {false, true})
    void aBlockEvictedFromEveryWorkerBeforeItsCommitFailsAndIsWrittenAgain(boolean shortCircuit) {
        try (CacheClient client = client(shortCircuit)) {
            BlockKey a = block("a");
            evictsItsNextCopyBeforeTheCommit(0, a, 1);
            evictsItsNextCopyBeforeTheCommit(1, a, 1);

            EvictedBeforeCommitException failure = assertThrows(EvictedBeforeCommitException.class,
                    () -> write(client, a, WriteOptions.replication(2)));

            assertEquals("Block " + a.blockId() + " was evicted from workers worker-0, worker-1 before its commit reached "
                    + "the master; write it again", failure.getMessage());
            assertEquals(List.of("worker-0", "worker-1"), failure.workerIds());
            assertEquals(List.of(), workersOf(client, a), "nothing is recorded");
            awaitRemoved(0, a);
            awaitRemoved(1, a);

            write(client, a, WriteOptions.replication(2));
            assertEquals(List.of("worker-0", "worker-1"), workersOf(client, a), "written again, a later copy is recorded");
            workers.forEach(CacheWorker::sendHeartbeat);
            assertEquals(List.of("worker-0", "worker-1"), workersOf(client, a),
                    "the report of the removed copies leaves the later ones");
        }
    }

    @Test
    void aBlockEvictedFromOneOfItsWorkersBeforeItsCommitFails() {
        try (CacheClient client = client(false)) {
            BlockKey a = block("a");
            evictsItsNextCopyBeforeTheCommit(1, a, 1);

            EvictedBeforeCommitException failure = assertThrows(EvictedBeforeCommitException.class,
                    () -> write(client, a, WriteOptions.replication(2)));

            assertEquals(List.of("worker-1"), failure.workerIds());
            assertEquals(List.of("worker-0"), workersOf(client, a), "recorded on the other worker only");
            awaitRemoved(0, a);
            workers.get(0).sendHeartbeat();
            assertEquals(List.of(), workersOf(client, a), "the failed write removed the other copy too");
        }
    }

    @Test
    void aBatchFailsTheBlocksEvictedBeforeTheirCommitAndRecordsTheOthers() {
        try (CacheClient client = client(true)) {
            BlockKey a = block("a");
            BlockKey b = block("b");
            // The batch stores a and b on each worker, in some order: copies up to 2 numbers on.
            evictsItsNextCopyBeforeTheCommit(1, b, 2);

            List<BlockWriteOutcome> outcomes = client.writeBlocks(List.of(
                    new BlockData(a, randomBytes(10_000, 1)), new BlockData(b, randomBytes(10_000, 2))),
                    WriteOptions.replication(2));

            assertTrue(outcomes.get(0).succeeded(), String.valueOf(outcomes.get(0).failure()));
            EvictedBeforeCommitException failure = assertInstanceOf(EvictedBeforeCommitException.class,
                    outcomes.get(1).failure().orElseThrow());
            assertEquals(List.of("worker-1"), failure.workerIds());
            assertEquals(List.of("worker-0", "worker-1"), workersOf(client, a));
            assertEquals(List.of("worker-0"), workersOf(client, b));
            awaitRemoved(0, b);
            workers.get(0).sendHeartbeat();
            assertEquals(List.of(), workersOf(client, b), "the failed write removed the other copy");

            assertTrue(client.writeBlocks(List.of(new BlockData(b, randomBytes(10_000, 2))), WriteOptions.replication(2))
                    .get(0).succeeded());
            assertEquals(List.of("worker-0", "worker-1"), workersOf(client, b));
        }
    }

    @Test
    void aBlockEvictedBeforeItReachedTheTempAreaIsNotStaged() {
        try (CacheClient client = client(false)) {
            client.tempAreas().openTempArea("job", Duration.ofHours(1));
            BlockKey a = block("a");
            evictsItsNextCopyBeforeTheCommit(0, a, 1);
            evictsItsNextCopyBeforeTheCommit(1, a, 1);
            WriteOptions options = WriteOptions.replication(2).inTempArea("job");

            assertThrows(EvictedBeforeCommitException.class, () -> write(client, a, options));
            assertThrows(BlockNotFoundException.class, () -> client.tempAreas().commitScope("job", List.of(a)),
                    "the block is not in the temp area");
            awaitRemoved(0, a);
            awaitRemoved(1, a);

            write(client, a, options);
            assertEquals(1, client.tempAreas().commitScope("job", List.of(a)).blocks());
            assertEquals(List.of("worker-0", "worker-1"), workersOf(client, a));
        }
    }

    /** Waits for worker {@code index} to remove its copy of {@code block}, as the failed write asked it. */
    private void awaitRemoved(int index, BlockKey block) {
        await(() -> !workers.get(index).blockIds().contains(block.blockId()), Duration.ofSeconds(10),
                "worker-" + index + " removes the copy of the failed write");
    }

    private CacheClient client(boolean shortCircuit) {
        return GrpcCacheClient.connect(master.target(), ClientConfig.defaults().withShortCircuitWrites(shortCircuit));
    }

    private static void write(CacheClient client, BlockKey block, WriteOptions options) {
        try (BlockWriter writer = client.openWriter(block, LENGTH, options)) {
            writer.write(randomBytes(LENGTH, 7), 0, LENGTH);
            writer.commit();
        }
    }

    /**
     * Tells the master, as worker {@code index}'s heartbeat would, that it deleted its copy of
     * {@code block} numbered up to {@code copiesOn} after the last copy it stored: the worker
     * evicts the copy the client writes next before the client's commit of it arrives.
     */
    private void evictsItsNextCopyBeforeTheCommit(int index, BlockKey block, int copiesOn) {
        long last = probe(index).getCopy();
        assertTrue(last != 0, "the worker numbers its copies");
        CacheWorker worker = workers.get(index);
        MasterServiceGrpc.newBlockingStub(masterChannel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .heartbeat(HeartbeatRequest.newBuilder()
                        .setWorkerId(worker.id())
                        .setUsedBytes(worker.usedBytes())
                        .addAllTiers(worker.tiers().stream().map(ProtoConversions::toProto).toList())
                        .addRemovedBlockIds(block.blockId())
                        .addRemovedBlockCopies(last + copiesOn)
                        .build());
    }

    /** Streams a small block of its own to worker {@code index}; its answer has the number of the copy. */
    private WriteBlockResponse probe(int index) {
        BlockKey block = block("probe-" + probes++);
        byte[] data = randomBytes(1000, probes);
        try {
            return RawWrites.writeBlock(workerChannels.get(index), block.blockId(), data);
        }
        catch (Exception e) {
            throw new AssertionError("probing worker-" + index + " failed", e);
        }
    }

    private static List<String> workersOf(CacheClient client, BlockKey block) {
        return client.cachedBlocks(block.file()).stream()
                .filter(cached -> cached.index() == block.index())
                .flatMap(cached -> cached.workerIds().stream())
                .sorted()
                .toList();
    }

    private static BlockKey block(String name) {
        return new BlockKey(new FileIdentity("hdfs://nn/t/" + name, LENGTH, 1), 0);
    }
}
