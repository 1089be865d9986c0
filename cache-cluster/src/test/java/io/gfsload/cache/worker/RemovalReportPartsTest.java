package io.gfsload.cache.worker;

import static io.gfsload.cache.testing.TestData.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.master.CacheMaster;
import io.gfsload.cache.master.MasterConfig;
import io.gfsload.cache.proto.HeartbeatRequest;
import io.gfsload.cache.proto.RemoveBlockRequest;
import io.gfsload.cache.proto.WorkerServiceGrpc;
import io.gfsload.cache.rpc.RpcServer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker that deleted more blocks than one heartbeat reports tells the master of the rest with the
 * next heartbeats, regular or stopping ones. Heartbeats are sent by the test only (the interval is an hour).
 */
class RemovalReportPartsTest {
    private static final Duration NEVER = Duration.ofHours(1);
    private static final FileIdentity FILE = new FileIdentity("hdfs://nn/t/part-0", 1000, 1);
    private static final int BLOCKS = 7;
    private static final int PER_HEARTBEAT = 3;

    @TempDir
    Path directory;

    private CacheMaster master;
    private CacheWorker worker;
    private CacheClient client;

    @BeforeEach
    void start() throws Exception {
        master = CacheMaster.start(MasterConfig.defaults(directory.resolve("master")).withHeartbeatInterval(NEVER));
        worker = CacheWorker.start(WorkerConfig.builder("worker-0", directory.resolve("worker-0"), 1 << 20, master.target())
                .heartbeatInterval(NEVER)
                .removedBlocksPerHeartbeat(PER_HEARTBEAT)
                .build());
        client = GrpcCacheClient.connect(master.target());
        byte[] data = randomBytes(1000, 1);
        for (int index = 0; index < BLOCKS; index++) {
            try (BlockWriter writer = client.openWriter(new BlockKey(FILE, index), data.length, 1)) {
                writer.write(data, 0, data.length);
                writer.commit();
            }
        }
        ManagedChannel channel = Grpc.newChannelBuilder(worker.target(), InsecureChannelCredentials.create()).build();
        try {
            for (int index = 0; index < BLOCKS; index++) {
                // deleted on the worker, as an eviction would delete it
                assertTrue(WorkerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .removeBlock(RemoveBlockRequest.newBuilder().setBlockId(new BlockKey(FILE, index).blockId()).build())
                        .getRemoved());
            }
        }
        finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertEquals(BLOCKS, client.cachedBlocks(FILE).size(), "the master has not heard of the deletions yet");
    }

    @AfterEach
    void stop() {
        client.close();
        worker.close();
        master.close();
    }

    @Test
    void deletionsPastWhatOneHeartbeatCarriesGoWithTheNextHeartbeats() {
        assertTrue(worker.sendHeartbeat(), "deletions are left to report");
        assertEquals(BLOCKS - PER_HEARTBEAT, client.cachedBlocks(FILE).size(), "one heartbeat's worth forgotten");
        assertTrue(worker.sendHeartbeat());
        assertEquals(BLOCKS - 2 * PER_HEARTBEAT, client.cachedBlocks(FILE).size());

        assertFalse(worker.sendHeartbeat(), "nothing is left to report");
        assertEquals(0, client.cachedBlocks(FILE).size(), "every deletion reached the master");
    }

    @Test
    void aStoppingWorkerReportsEveryDeletionInAsManyStoppingHeartbeatsAsTheyTake() {
        worker.close();

        // a location the master kept would be a replica on a stopped worker: under-replicated
        assertEquals(0, client.underReplicated("hdfs://nn/t/", 10).count(), "every deletion reached the master");
    }

    @Test
    void aHeartbeatOfTheLongestBlockIdsFitsInOneMessage() {
        HeartbeatRequest.Builder heartbeat = HeartbeatRequest.newBuilder().setWorkerId("worker-0");
        IntStream.range(0, WorkerConfig.DEFAULT_REMOVED_BLOCKS_PER_HEARTBEAT).forEach(i -> heartbeat
                .addRemovedBlockIds("%032x-%010d".formatted(i, Integer.MAX_VALUE))
                .addRemovedBlockCopies(Long.MAX_VALUE));
        assertTrue(BlockKey.isValidBlockId(heartbeat.getRemovedBlockIds(0)), heartbeat.getRemovedBlockIds(0));

        int bytes = heartbeat.build().getSerializedSize();

        assertTrue(bytes < RpcServer.MAX_INBOUND_MESSAGE_BYTES / 8, "a heartbeat of " + bytes + " bytes");
    }
}
