package io.gfsload.cache.client;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.files;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CacheUnavailableException;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.MasterSilence;
import io.gfsload.cache.api.TempAreaRun;
import io.gfsload.cache.master.CacheMaster;
import io.gfsload.cache.master.MasterConfig;
import io.gfsload.cache.proto.CompleteLocalWritesRequest;
import io.gfsload.cache.proto.MasterServiceGrpc;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.api.TempAreaSummary;
import io.gfsload.cache.proto.FileIdentityProto;
import io.gfsload.cache.proto.BlockRecord;
import io.gfsload.cache.proto.TempAreaInfo;
import io.gfsload.cache.proto.ListTempAreasResponse;
import io.gfsload.cache.proto.ListTempAreasRequest;
import io.gfsload.cache.api.ScopeCommit;
import io.gfsload.cache.proto.BlockRef;
import io.gfsload.cache.proto.CommitScopeResponse;
import io.gfsload.cache.proto.CommitScopeRequest;
import io.gfsload.cache.proto.RegisterWorkerRequest;
import io.gfsload.cache.proto.RemoveBlockRequest;
import io.gfsload.cache.proto.RemoveBlockResponse;
import io.gfsload.cache.proto.WorkerAddress;
import io.gfsload.cache.proto.WorkerServiceGrpc;
import io.gfsload.cache.proto.WriteBlockRequest;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.gfsload.cache.proto.WriteBlocksResponse;
import io.gfsload.cache.rpc.RpcServer;
import io.gfsload.cache.testing.TestData;
import io.gfsload.cache.worker.CacheWorker;
import io.gfsload.cache.worker.WorkerConfig;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against misbehaving workers. The fakes are hand-written WorkerService
 * implementations on real loopback servers, registered with a real master.
 */
class GrpcCacheClientTest {
    private static final FileIdentity FILE = new FileIdentity("cosn://bucket/t/part-0", 10 * MIB, 99);
    private static final BlockKey BLOCK = new BlockKey(FILE, 0);

    @TempDir
    Path directory;

    private CacheMaster master;
    private final List<Server> fakes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startMaster() {
        master = CacheMaster.start(MasterConfig.defaults(directory.resolve("master"))
                .withHeartbeatInterval(Duration.ofSeconds(30)));
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Server fake : fakes) {
            fake.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        master.close();
    }

    @Test
    void aChecksumMismatchFailsTheCommitAndRemovesTheReplica() throws Exception {
        WrongChecksumWorker fake = new WrongChecksumWorker();
        String fakeTarget = startFake("fake-0", fake);
        byte[] data = randomBytes(MIB + 10, 1);
        try (CacheClient client = GrpcCacheClient.connect(master.target());
                BlockWriter writer = client.openWriter(BLOCK, data.length, 1)) {
            writer.write(data, 0, data.length);
            CacheException e = assertThrows(CacheException.class, writer::commit);

            CRC32C crc = new CRC32C();
            crc.update(data);
            assertEquals(String.format("Block %s on worker fake-0 (%s): checksum mismatch: the worker computed CRC32C "
                    + "0x%08x, the client 0x%08x", BLOCK.blockId(), fakeTarget, crc.getValue() ^ 1, crc.getValue()),
                    e.getMessage());
            assertEquals(List.of(), client.cachedBlocks(FILE), "nothing was committed");
            TestData.await(() -> fake.removed.equals(List.of(BLOCK.blockId())), Duration.ofSeconds(5),
                    "the client removes the bad replica");
        }
    }

    @Test
    void aWriterWaitsForAWorkerThatReadsNothingAndThenGivesUp() throws Exception {
        StalledWorker fake = new StalledWorker();
        String fakeTarget = startFake("fake-0", fake);
        byte[] data = randomBytes(MIB, 2);
        ClientConfig config = ClientConfig.defaults().withChunkBytes(MIB).withStreamTimeout(Duration.ofMillis(500));
        try (CacheClient client = GrpcCacheClient.connect(master.target(), config);
                BlockWriter writer = client.openWriter(BLOCK, 64L * MIB, 1)) {
            AtomicInteger written = new AtomicInteger();
            CacheUnavailableException e = assertThrows(CacheUnavailableException.class, () -> {
                for (int i = 0; i < 64; i++) {
                    writer.write(data, 0, data.length);
                    written.incrementAndGet();
                }
            });
            assertEquals("Writing block " + BLOCK.blockId() + " to worker fake-0 (" + fakeTarget + ") failed: the "
                    + "worker accepted no data for 500 ms", e.getMessage());
            assertEquals(1, fake.calls.get());
            // What a writer hands over to a worker that reads nothing: what the stream's
            // flow-control window lets through, then the chunks it may queue for the transport
            // (more than one, so that it need not wait for the socket after every chunk); no more.
            int window = RpcServer.FLOW_CONTROL_WINDOW_BYTES / MIB;
            assertTrue(written.get() > window && written.get() <= window + GrpcCacheClient.WRITE_QUEUE_CHUNKS + 1,
                    written.get() + " chunks of 1 MiB written before the writer waited");
        }
    }

    @Test
    void aFailingReplicaAbortsTheWholeWrite() throws Exception {
        String fakeTarget = startFake("fake-0", new FailingWorker());
        try (CacheWorker worker = CacheWorker.start(WorkerConfig.builder("worker-1", directory.resolve("worker-1"),
                        64L * MIB, master.target()).build());
                CacheClient client = GrpcCacheClient.connect(master.target());
                BlockWriter writer = client.openWriter(BLOCK, 8L * MIB, 2)) {
            byte[] data = randomBytes(MIB, 3);
            CacheException e = assertThrows(CacheException.class, () -> {
                for (int i = 0; i < 8; i++) {
                    writer.write(data, 0, data.length);
                }
                writer.commit();
            });
            assertEquals("Writing block " + BLOCK.blockId() + " to worker fake-0 (" + fakeTarget + ") failed: disk on "
                    + "fire (INTERNAL)", e.getMessage());
            TestData.await(() -> files(worker.blockDirectory()).isEmpty() && worker.usedBytes() == 0,
                    Duration.ofSeconds(5), "the healthy replica's partial write is discarded");
        }
    }

    @Test
    void anUnreachableMasterIsUnavailable() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String target = "127.0.0.1:" + port;
        try (CacheClient client = GrpcCacheClient.connect(target)) {
            CacheUnavailableException e = assertThrows(CacheUnavailableException.class, client::clusterInfo);
            assertTrue(e.getMessage().startsWith("Getting the cluster info at master " + target + " failed: "),
                    e.getMessage());
            assertTrue(e.getMessage().endsWith("(UNAVAILABLE)"), e.getMessage());
        }
    }

    /**
     * Aborting a write is a best-effort clean-up: on a worker that does not answer (hung with
     * SIGSTOP, say) it gives up after a few seconds, not the call timeout.
     */
    @Test
    void abortingALocalWriteDoesNotWaitForAHungWorker() throws Exception {
        HungWorker hung = new HungWorker();
        String address = startFake("w-hung", hung);
        try (GrpcCacheClient client = GrpcCacheClient.connect(master.target())) {
            WorkerAddress worker = WorkerAddress.newBuilder()
                    .setWorkerId("w-hung")
                    .setHost("127.0.0.1")
                    .setPort(Integer.parseInt(address.substring(address.indexOf(':') + 1)))
                    .build();
            client.abortLocalWritesQuietly(worker, List.of("write-1"));
            // it gave up while the worker still holds the call unanswered
            assertEquals(1, hung.unanswered.getCount());
            assertTrue(hung.called.await(30, TimeUnit.SECONDS), "the worker never got the abort");
            assertEquals(List.of("write-1"), hung.writeIds);
            assertTrue(hung.deadlineMillis.get() <= GrpcCacheClient.ABORT_WRITE_TIMEOUT.toMillis(),
                    "deadline of the abort: " + hung.deadlineMillis.get() + " ms");
            hung.unanswered.countDown();
        }
    }

    /** A master older than ReleaseTempArea answers UNIMPLEMENTED: the run's hold lapses as a killed run's does, and the run ends as it would. */
    @Test
    void aMasterThatCannotReleaseATempAreaReleasesNothing() throws IOException {
        Server older = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new MasterServiceGrpc.MasterServiceImplBase() {})
                .build().start();
        fakes.add(older);
        try (CacheClient client = GrpcCacheClient.connect("127.0.0.1:" + older.getPort())) {
            assertFalse(client.tempAreas().releaseTempArea("job-1", new TempAreaRun("run-1", Duration.ofSeconds(30))));
        }
    }

    /**
     * A scope commit of many blocks, which a master takes minutes over and its other calls wait
     * for, gets a deadline for its blocks, and the client's other calls that time out meanwhile do
     * not make the master silent past its limit while the commit is under way.
     */
    @Test
    void aScopeCommitOfManyBlocksHasTheTimeItNeedsAndTheMasterIsNotGivenUpMeanwhile() throws Exception {
        CountDownLatch committing = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        List<Long> deadlineMillis = new CopyOnWriteArrayList<>();
        Server busy = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new MasterServiceGrpc.MasterServiceImplBase() {
            @Override
            public void commitScope(CommitScopeRequest request, StreamObserver<CommitScopeResponse> response) {
                deadlineMillis.add(Context.current().getDeadline().timeRemaining(TimeUnit.MILLISECONDS));
                committing.countDown();
                try {
                    answer.await(30, TimeUnit.SECONDS);
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                response.onNext(CommitScopeResponse.newBuilder().setBlocks(request.getBlockIdsCount()).setBytes(request.getBlockIdsCount()).build());
                response.onCompleted();
            }

            @Override
            public void listTempAreas(ListTempAreasRequest request, StreamObserver<ListTempAreasResponse> response) {
                // waits for the commit's lock, past the caller's deadline
                try {
                    answer.await(30, TimeUnit.SECONDS);
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                response.onNext(ListTempAreasResponse.getDefaultInstance());
                response.onCompleted();
            }
        }).build().start();
        fakes.add(busy);
        FileIdentity file = new FileIdentity("cosn://bucket/t/part-0", 1L << 40, 1234, "");
        List<BlockKey> scope = java.util.stream.IntStream.range(0, 20_000).mapToObj(index -> new BlockKey(file, index)).toList();
        ClientConfig config = ClientConfig.defaults().withRpcTimeout(Duration.ofMillis(300));
        try (CacheClient client = GrpcCacheClient.connect("127.0.0.1:" + busy.getPort(), config)) {
            java.util.concurrent.CompletableFuture<ScopeCommit> commit = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> client.tempAreas().commitScope("job-1", scope));
            assertTrue(committing.await(10, TimeUnit.SECONDS));
            // 300 ms and 20,000 blocks' allowance
            assertTrue(deadlineMillis.get(0) > 4_000, "the commit's deadline: " + deadlineMillis);

            assertThrows(CacheUnavailableException.class, () -> client.tempAreas().findTempAreaSummary("job-2"));
            Thread.sleep(700);
            MasterSilence silence = client.masterSilence().orElseThrow();
            assertTrue(silence.silentFor().toMillis() >= 700 && !silence.exceeded(), "past twice the deadline, within the commit's: " + silence);

            answer.countDown();
            assertEquals(new ScopeCommit("job-1", 20_000, 20_000), commit.get(10, TimeUnit.SECONDS));
            assertEquals(java.util.Optional.empty(), client.masterSilence(), "answered");
        }
    }

    /**
     * A master older than block ids in scope commits ignores them and commits nothing: the client
     * commits by reference then. One older than summaries answers blocks: the client counts them.
     */
    @Test
    void aMasterOlderThanBlockIdsAndSummariesCommitsByReferenceAndListsBlocks() throws IOException {
        List<CommitScopeRequest> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        Server older = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new MasterServiceGrpc.MasterServiceImplBase() {
            @Override
            public void listTempAreas(ListTempAreasRequest request, StreamObserver<ListTempAreasResponse> response) {
                // as an older master: every area, with every block, whatever the request asks
                FileIdentityProto file = ProtoConversions.toProto(new FileIdentity("cosn://bucket/t/part-1", 1000, 1234, ""));
                response.onNext(ListTempAreasResponse.newBuilder()
                        .addAreas(TempAreaInfo.newBuilder().setJobId("job-0").setExpiresAtMillis(5000))
                        .addAreas(TempAreaInfo.newBuilder().setJobId("job-1").setExpiresAtMillis(6000)
                                .addBlocks(BlockRecord.newBuilder().setFile(file).setIndex(0).setLength(600).addWorkerIds("worker-0"))
                                .addBlocks(BlockRecord.newBuilder().setFile(file).setIndex(1).setLength(400).addWorkerIds("worker-0")))
                        .build());
                response.onCompleted();
            }

            @Override
            public void commitScope(CommitScopeRequest request, StreamObserver<CommitScopeResponse> response) {
                asked.add(request);
                // as an older master parses the request: block_ids an unknown field
                response.onNext(CommitScopeResponse.newBuilder().setBlocks(request.getBlocksCount()).setBytes(100L * request.getBlocksCount()).build());
                response.onCompleted();
            }
        }).build().start();
        fakes.add(older);
        FileIdentity file = new FileIdentity("cosn://bucket/t/part-0", 1000, 1234, "");
        try (CacheClient client = GrpcCacheClient.connect("127.0.0.1:" + older.getPort())) {
            assertEquals(new ScopeCommit("job-1", 2, 200), client.tempAreas().commitScope("job-1", List.of(new BlockKey(file, 0), new BlockKey(file, 1))));
            // an older master answers summaries with the blocks themselves, and every area
            assertEquals(List.of(2L, 1000L), client.tempAreas().findTempAreaSummary("job-1").map(area -> List.of(area.blocks(), area.bytes())).orElseThrow());
            assertEquals(2, client.tempAreas().findTempArea("job-1").orElseThrow().blocks().size());
            assertEquals(List.of("job-0", "job-1"), client.tempAreas().listTempAreaSummaries().stream().map(TempAreaSummary::jobId).toList());
        }
        assertEquals(2, asked.size());
        assertEquals(List.of(new BlockKey(file, 0).blockId(), new BlockKey(file, 1).blockId()), asked.get(0).getBlockIdsList(), "by id first");
        assertEquals(List.of(0, 1), asked.get(1).getBlocksList().stream().map(BlockRef::getIndex).toList(), "then by reference");
        assertEquals(0, asked.get(1).getBlockIdsCount());
    }

    @Test
    void aTargetMustBeHostAndPort() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GrpcCacheClient.connect("localhost"));
        assertEquals("Master target must be host:port: localhost", e.getMessage());
    }

    /** Starts {@code service} on a loopback port and registers it with the master as {@code workerId}. */
    private String startFake(String workerId, WorkerServiceGrpc.WorkerServiceImplBase service) throws IOException {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service)
                .flowControlWindow(RpcServer.FLOW_CONTROL_WINDOW_BYTES)
                .build().start();
        fakes.add(server);
        ManagedChannel channel = Grpc.newChannelBuilder(master.target(), InsecureChannelCredentials.create()).build();
        try {
            MasterServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .registerWorker(RegisterWorkerRequest.newBuilder()
                            .setWorkerId(workerId)
                            .setHost("127.0.0.1")
                            .setPort(server.getPort())
                            .setCapacityBytes(1L << 30)
                            .build());
        }
        finally {
            channel.shutdownNow();
        }
        return "127.0.0.1:" + server.getPort();
    }

    /** Accepts every stream, but reports a checksum one bit off; records removals. */
    private static final class WrongChecksumWorker extends WorkerServiceGrpc.WorkerServiceImplBase {
        final List<String> removed = new CopyOnWriteArrayList<>();

        @Override
        public StreamObserver<WriteBlockRequest> writeBlock(StreamObserver<WriteBlockResponse> response) {
            return new StreamObserver<>() {
                private final CRC32C crc = new CRC32C();
                private long length;

                @Override
                public void onNext(WriteBlockRequest request) {
                    if (request.hasData()) {
                        crc.update(request.getData().asReadOnlyByteBuffer());
                        length += request.getData().size();
                    }
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {
                    response.onNext(WriteBlockResponse.newBuilder()
                            .setLength(length)
                            .setCrc32C((int) (crc.getValue() ^ 1))
                            .build());
                    response.onCompleted();
                }
            };
        }

        @Override
        public void removeBlock(RemoveBlockRequest request, StreamObserver<RemoveBlockResponse> response) {
            removed.add(request.getBlockId());
            response.onNext(RemoveBlockResponse.newBuilder().setRemoved(true).build());
            response.onCompleted();
        }
    }

    /** Takes CompleteLocalWrites calls and answers none until told: a worker frozen with SIGSTOP. */
    private static final class HungWorker extends WorkerServiceGrpc.WorkerServiceImplBase {
        final CountDownLatch called = new CountDownLatch(1);
        final CountDownLatch unanswered = new CountDownLatch(1);
        final AtomicLong deadlineMillis = new AtomicLong(-1);
        final List<String> writeIds = new CopyOnWriteArrayList<>();

        @Override
        public void completeLocalWrites(CompleteLocalWritesRequest request, StreamObserver<WriteBlocksResponse> response) {
            Deadline deadline = Context.current().getDeadline();
            deadlineMillis.set(deadline == null ? Long.MAX_VALUE : deadline.timeRemaining(TimeUnit.MILLISECONDS));
            request.getBlocksList().forEach(block -> writeIds.add(block.getWriteId()));
            called.countDown();
            try {
                unanswered.await(60, TimeUnit.SECONDS);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            response.onError(Status.UNAVAILABLE.withDescription("hung").asRuntimeException());
        }
    }

    /** Never asks gRPC for a message, so its flow-control window fills and stays full. */
    private static final class StalledWorker extends WorkerServiceGrpc.WorkerServiceImplBase {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public StreamObserver<WriteBlockRequest> writeBlock(StreamObserver<WriteBlockResponse> response) {
            calls.incrementAndGet();
            ((ServerCallStreamObserver<WriteBlockResponse>) response).disableAutoRequest();
            return new StreamObserver<>() {
                @Override
                public void onNext(WriteBlockRequest request) {}

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
            };
        }
    }

    /** Fails every stream at its first data chunk. */
    private static final class FailingWorker extends WorkerServiceGrpc.WorkerServiceImplBase {
        @Override
        public StreamObserver<WriteBlockRequest> writeBlock(StreamObserver<WriteBlockResponse> response) {
            return new StreamObserver<>() {
                private boolean failed;

                @Override
                public void onNext(WriteBlockRequest request) {
                    if (request.hasData() && !failed) {
                        failed = true;
                        response.onError(Status.INTERNAL.withDescription("disk on fire").asRuntimeException());
                    }
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
            };
        }
    }
}
