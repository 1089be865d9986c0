package io.gfsload.cache.worker;

import static io.gfsload.cache.testing.TestData.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.proto.HeartbeatRequest;
import io.gfsload.cache.proto.HeartbeatResponse;
import io.gfsload.cache.proto.MasterServiceGrpc;
import io.gfsload.cache.proto.PinnedBlock;
import io.gfsload.cache.proto.RegisterWorkerRequest;
import io.gfsload.cache.proto.RegisterWorkerResponse;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.gfsload.cache.testing.RawWrites;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restarted worker serves writes before the master's answer to its registration has pinned the
 * blocks staged in open temp areas (pins live in memory): until then it evicts nothing.
 */
class WorkerRestartPinsTest {
    private static final int SEGMENT = 4096;
    private static final int BLOCK = 10_000;
    private static final FileIdentity FILE = new FileIdentity("cosn://bucket/t/part-0", 1 << 20, 5);

    @TempDir
    Path directory;

    private static String id(int index) {
        return new BlockKey(FILE, index).blockId();
    }

    @Test
    void aStagedBlockIsNotEvictedByAWriteThatArrivesWhileTheRestartedWorkerRegisters() throws Exception {
        Path ssd = directory.resolve("ssd");
        List<TierConfig> tiers = List.of(TierConfig.of(StorageTier.SSD, ssd, 2 * BLOCK));
        String staged = id(0);
        String committed = id(1);
        String incoming = id(2);
        long now = System.currentTimeMillis();
        // the worker's previous run: a block staged in a temp area open for an hour, and a block of another load
        BlockStore before = BlockStore.open("worker-0", tiers, SEGMENT, 1 << 20, EvictionPolicy.lru(), Clock.systemUTC()).store();
        try (BlockStore.BlockWrite write = before.beginWrite(staged, BLOCK, Optional.empty(), OptionalLong.of(now + 3_600_000))) {
            write.append(randomBytes(BLOCK, 1));
            write.finish();
        }
        Files.setLastModifiedTime(ssd.resolve(staged + ".block"), FileTime.fromMillis(now - 60_000));
        try (BlockStore.BlockWrite write = before.beginWrite(committed, BLOCK)) {
            write.append(randomBytes(BLOCK, 2));
            write.finish();
        }

        // the master: its answer to the registration (slow: a large worker registers in parts) pins the staged block
        CountDownLatch registering = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        Server master = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new MasterServiceGrpc.MasterServiceImplBase() {
            @Override
            public void registerWorker(RegisterWorkerRequest request, StreamObserver<RegisterWorkerResponse> response) {
                registering.countDown();
                try {
                    answer.await(8, TimeUnit.SECONDS);
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                response.onNext(RegisterWorkerResponse.newBuilder().setBlocksKept(2)
                        .addPinnedBlocks(PinnedBlock.newBuilder().setBlockId(staged).setUntilEpochMillis(now + 3_600_000)).build());
                response.onCompleted();
            }

            @Override
            public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
                response.onNext(HeartbeatResponse.getDefaultInstance());
                response.onCompleted();
            }
        }).build().start();
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        WorkerConfig config = WorkerConfig.builder("worker-0", tiers, "127.0.0.1:" + master.getPort())
                .port(port).checksumSegmentBytes(SEGMENT).domainSocketDirectory(Optional.empty()).build();
        CompletableFuture<CacheWorker> starting = CompletableFuture.supplyAsync(() -> CacheWorker.start(config));
        assertTrue(registering.await(10, TimeUnit.SECONDS));
        // a client that placed a block on this worker before it restarted sends it now
        ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + port, InsecureChannelCredentials.create()).build();
        CompletableFuture<WriteBlockResponse> writing = CompletableFuture.supplyAsync(() -> {
            try {
                return RawWrites.writeBlock(channel, incoming, randomBytes(BLOCK, 3));
            }
            catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        ExecutionException refused = assertThrows(ExecutionException.class, () -> writing.get(20, TimeUnit.SECONDS),
                "a write evicted a block while the worker did not know its pins");
        assertTrue(refused.getCause().getMessage().contains("evicts nothing until the master has told it"), refused.getCause().getMessage());
        assertTrue(Files.exists(ssd.resolve(staged + ".block")), "the staged block is stored");
        answer.countDown();
        CacheWorker worker = starting.get(20, TimeUnit.SECONDS);
        try {
            assertTrue(worker.isPinned(staged), "the master's answer pinned the staged block");
            // registered: the same write evicts the block of no temp area
            WriteBlockResponse written = RawWrites.writeBlock(channel, incoming, randomBytes(BLOCK, 3));
            assertEquals(List.of(committed), written.getEvictedBlockIdsList());
            assertTrue(worker.blockIds().contains(staged), "the staged block of the open temp area was evicted; the worker holds " + worker.blockIds());
        }
        finally {
            worker.close();
            channel.shutdownNow();
            master.shutdownNow();
        }
    }
}
