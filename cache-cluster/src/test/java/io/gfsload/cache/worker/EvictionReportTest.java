package io.gfsload.cache.worker;

import static io.gfsload.cache.testing.TestData.randomBytes;
import static io.gfsload.cache.testing.TestData.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.master.CacheMaster;
import io.gfsload.cache.master.MasterConfig;
import io.gfsload.cache.metrics.MetricsRegistry;
import io.gfsload.cache.proto.CommitBlockRequest;
import io.gfsload.cache.proto.HeartbeatRequest;
import io.gfsload.cache.proto.MasterServiceGrpc;
import io.gfsload.cache.proto.RemoveBlockRequest;
import io.gfsload.cache.proto.WorkerServiceGrpc;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.testing.MutableClock;
import io.gfsload.cache.testing.RawWrites;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blocks a worker deletes around the commit of a block, in the orders the protocol's messages can
 * take: the worker's steps over the raw gRPC stubs, the master's answers read with the client.
 * Heartbeats are sent by the test only (the interval is an hour), the worker's clock is a fake one.
 */
class EvictionReportTest {
    private static final int LENGTH = 100_000;
    /** Room for two blocks: a third evicts the least recently used. */
    private static final long CAPACITY = 2L * LENGTH;
    private static final Duration NEVER = Duration.ofHours(1);

    @TempDir
    Path directory;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private CacheMaster master;
    private CacheWorker worker;
    private CacheClient client;
    private ManagedChannel workerChannel;
    private ManagedChannel masterChannel;

    @BeforeEach
    void start() {
        master = CacheMaster.start(MasterConfig.defaults(directory.resolve("master")).withHeartbeatInterval(NEVER));
        startWorker();
        client = GrpcCacheClient.connect(master.target());
        masterChannel = Grpc.newChannelBuilder(master.target(), InsecureChannelCredentials.create()).build();
    }

    private void startWorker() {
        worker = CacheWorker.start(WorkerConfig.builder("worker-0", directory.resolve("worker-0"), CAPACITY,
                        master.target())
                .heartbeatInterval(NEVER)
                .checksumSegmentBytes(4096)
                .build(), clock, new MetricsRegistry());
        workerChannel = Grpc.newChannelBuilder(worker.target(), InsecureChannelCredentials.create()).build();
    }

    /** Stops the worker and starts it again over its directory, its clock set back by {@code setBack}. */
    private void restartWorker(Duration setBack) throws InterruptedException {
        workerChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        worker.close();
        clock.advance(setBack.negated());
        startWorker();
    }

    @AfterEach
    void stop() throws InterruptedException {
        workerChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        masterChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        client.close();
        worker.close();
        master.close();
    }

    @Test
    void aBlockEvictedBeforeItsCommitIsNotRecorded() throws Exception {
        BlockKey a = block("a");
        WriteBlockResponse written = write(a, 1);
        write(block("b"), 2);
        write(block("c"), 3);
        assertEquals(List.of(block("b").blockId(), block("c").blockId()).stream().sorted().toList(), worker.blockIds(),
                "the third block evicted the first");

        worker.sendHeartbeat();   // tells the master of the eviction before the commit arrives
        commit(a, written);

        assertEquals(List.of(), client.cachedBlocks(a.file()), "the master records a block the worker deleted");
        worker.sendHeartbeat();
        assertEquals(List.of(), client.cachedBlocks(a.file()));
    }

    @Test
    void aSecondWriteOfACommittedBlockWithdrawnByItsClientLeavesTheCommittedBlock() throws Exception {
        BlockKey a = block("a");
        WriteBlockResponse committed = write(a, 1);
        commit(a, committed);
        // another load writes the same block to the same worker, and its commit (or staging in its
        // temp area) fails at the master: its client removes the copy it wrote, by its number
        WriteBlockResponse withdrawn = write(a, 1);
        assertTrue(withdrawn.getCopy() > committed.getCopy());

        assertFalse(remove(a, withdrawn.getCopy()), "the worker keeps the block for the load that committed it");
        worker.sendHeartbeat();

        assertEquals(List.of("worker-0"), workersOf(a));
        assertEquals(List.of("worker-0"), client.confirmedBlocks(a.file()).get(0).workerIds(), "the worker confirms it");
        assertArrayEquals(randomBytes(LENGTH, 1), readAll(client.openReader(a)));
    }

    @Test
    void aDelayedReportOfAnEvictedCopyLeavesTheCopyWrittenAgain() throws Exception {
        BlockKey a = block("a");
        WriteBlockResponse first = write(a, 1);
        commit(a, first);
        write(block("b"), 2);
        write(block("c"), 3);   // evicts a
        WriteBlockResponse second = write(a, 1);   // a again, evicting b
        assertTrue(second.getCopy() > first.getCopy(), "a later copy has a larger number");
        commit(a, second);

        // The heartbeat that reports the first copy deleted, sent before the block was written
        // again, reaches the master after the second commit.
        MasterServiceGrpc.newBlockingStub(masterChannel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .heartbeat(HeartbeatRequest.newBuilder()
                        .setWorkerId("worker-0")
                        .setUsedBytes(worker.usedBytes())
                        .addRemovedBlockIds(a.blockId())
                        .addRemovedBlockCopies(first.getCopy())
                        .build());

        assertEquals(List.of("worker-0"), workersOf(a), "the worker holds the second copy");
        worker.sendHeartbeat();
        assertEquals(List.of("worker-0"), workersOf(a));
        assertEquals(List.of(), workersOf(block("b")));
        assertEquals(List.of(block("a").blockId(), block("c").blockId()).stream().sorted().toList(), worker.blockIds());
    }

    @Test
    void aCommitOfACopyEvictedBeforeALaterCopyIsStoredRecordsTheLaterOne() throws Exception {
        BlockKey a = block("a");
        WriteBlockResponse first = write(a, 1);
        write(block("b"), 2);
        write(block("c"), 3);   // evicts the first copy of a, not committed yet
        worker.sendHeartbeat();
        WriteBlockResponse second = write(a, 1);   // a again, evicting b

        commit(a, second);
        commit(a, first);   // the first copy's commit arrives last

        assertEquals(List.of("worker-0"), workersOf(a), "the worker holds the second copy");
        worker.sendHeartbeat();
        assertEquals(List.of("worker-0"), workersOf(a));
        clock.advance(Duration.ofSeconds(1));
        write(block("d"), 4);   // evicts c
        write(block("e"), 5);   // evicts the second copy of a
        worker.sendHeartbeat();
        assertEquals(List.of(), workersOf(a), "the second copy's deletion drops the location");
    }

    @Test
    void aDeletedCopyStaysRememberedAfterALaterCopyIsCommittedAndDeleted() throws Exception {
        BlockKey a = block("a");
        WriteBlockResponse first = write(a, 1);
        write(block("b"), 2);
        write(block("c"), 3);   // evicts the first copy of a, not committed yet
        worker.sendHeartbeat();   // reports it: no record holds it, so the master remembers it
        WriteBlockResponse second = write(a, 1);   // a again, evicting b
        commit(a, second);
        assertEquals(List.of("worker-0"), workersOf(a));
        write(block("d"), 4);   // evicts c
        write(block("e"), 5);   // evicts the second copy of a
        worker.sendHeartbeat();   // reports it: the record held it, and drops the location
        assertEquals(List.of(), workersOf(a));

        commit(a, first);   // the first copy's commit arrives last

        assertEquals(List.of(), workersOf(a), "the first copy's deletion was forgotten when the second was committed");
        assertEquals(List.of(block("d").blockId(), block("e").blockId()).stream().sorted().toList(), worker.blockIds());
    }

    @Test
    void aRemovalOfTheCopyOfAFailedWriteLeavesTheCopyOfTheWriteAfterIt() throws Exception {
        BlockKey a = block("a");
        WriteBlockResponse failed = write(a, 1);
        WriteBlockResponse retried = write(a, 1);   // the retry, before the failed write's removal arrives

        assertFalse(remove(a, failed.getCopy()), "the failed write's copy is gone already");
        assertEquals(List.of(a.blockId()), worker.blockIds(), "the retry's copy stays");
        assertTrue(remove(a, retried.getCopy()));
        assertEquals(List.of(), worker.blockIds());
    }

    @Test
    void aCopyStoredAfterARestartWithTheClockSetBackIsRecorded() throws Exception {
        BlockKey a = block("a");
        WriteBlockResponse first = write(a, 1);
        write(block("b"), 2);
        write(block("c"), 3);   // evicts the first copy of a, not committed yet
        worker.sendHeartbeat();   // the master remembers the deletion

        restartWorker(Duration.ofDays(1));
        WriteBlockResponse second = write(a, 1);   // a again, evicting b
        assertTrue(second.getCopy() > first.getCopy(), "a copy stored after the restart numbers above one before it");
        commit(a, second);

        assertEquals(List.of("worker-0"), workersOf(a), "the worker holds the second copy");
    }

    @Test
    void aDeletionAfterARestartWithTheClockSetBackDropsTheLocation() throws Exception {
        BlockKey a = block("a");
        commit(a, write(a, 1));

        restartWorker(Duration.ofDays(1));   // the worker finds a, a copy numbered again
        assertEquals(List.of("worker-0"), workersOf(a));
        assertTrue(remove(a, 0));   // deleted, as an eviction or a corrupt file would
        worker.sendHeartbeat();

        assertEquals(List.of(), workersOf(a), "the deletion of the copy found at the restart is taken for an earlier one");
    }

    private boolean remove(BlockKey block, long copy) {
        return WorkerServiceGrpc.newBlockingStub(workerChannel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .removeBlock(RemoveBlockRequest.newBuilder().setBlockId(block.blockId()).setCopy(copy).build())
                .getRemoved();
    }

    private List<String> workersOf(BlockKey block) {
        return client.cachedBlocks(block.file()).stream()
                .filter(cached -> cached.index() == block.index())
                .flatMap(cached -> cached.workerIds().stream())
                .toList();
    }

    private static BlockKey block(String name) {
        return new BlockKey(new FileIdentity("hdfs://nn/t/" + name, LENGTH, 1), 0);
    }

    /** Streams the block to the worker, a second of the worker's clock after the previous write. */
    private WriteBlockResponse write(BlockKey block, long seed) throws Exception {
        clock.advance(Duration.ofSeconds(1));
        return RawWrites.writeBlock(workerChannel, block.blockId(), randomBytes(LENGTH, seed));
    }

    /** Commits the block at the master as a client does once the worker confirmed it. */
    private void commit(BlockKey block, WriteBlockResponse written) {
        MasterServiceGrpc.newBlockingStub(masterChannel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .commitBlock(CommitBlockRequest.newBuilder()
                        .setFile(ProtoConversions.toProto(block.file()))
                        .setIndex(block.index())
                        .setLength(written.getLength())
                        .setCrc32C(written.getCrc32C())
                        .addWorkerIds("worker-0")
                        .setReplication(1)
                        .putWorkerTiers("worker-0", written.getTier())
                        .putWorkerCopies("worker-0", written.getCopy())
                        .build());
    }
}
