package io.gfsload.cache.client;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockData;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.master.CacheMaster;
import io.gfsload.cache.master.MasterConfig;
import io.gfsload.cache.proto.CommitBlockRequest;
import io.gfsload.cache.proto.CommitBlocksRequest;
import io.gfsload.cache.proto.MasterServiceGrpc;
import io.gfsload.cache.proto.RegisterWorkerRequest;
import io.gfsload.cache.proto.StatBlockRequest;
import io.gfsload.cache.proto.StatBlockResponse;
import io.gfsload.cache.proto.WorkerServiceGrpc;
import io.gfsload.cache.rpc.ProtoConversions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link GrpcCacheClient#confirmedBlocks}: the workers asked about many blocks a call, and older workers block by block. */
class ConfirmedBlocksTest {
    private static final int FILES = 26;
    private static final int BLOCKS_PER_FILE = 100;
    private static final String STAT_CALLS = "gfsload_worker_stat_calls_total";

    @TempDir
    Path directory;

    @Test
    void asksEachWorkerAboutItsReplicasInBatchesAndConfirmsWhatTheMasterRecords() {
        LocalClusterConfig config = LocalClusterConfig.builder(directory).workers(3).workerCapacityBytes(64L * MIB)
                .heartbeatInterval(Duration.ofMinutes(1)).build();
        try (LocalCluster cluster = LocalCluster.start(config);
                CacheClient client = cluster.newClient()) {
            List<FileIdentity> files = new ArrayList<>();
            List<BlockData> data = new ArrayList<>();
            for (int file = 0; file < FILES; file++) {
                FileIdentity identity = new FileIdentity("cosn://bucket/db/t/dt=1/part-" + file, BLOCKS_PER_FILE * 64L, 1_763_600_000_000L);
                files.add(identity);
                for (int index = 0; index < BLOCKS_PER_FILE; index++) {
                    data.add(new BlockData(new BlockKey(identity, index), randomBytes(64, file * BLOCKS_PER_FILE + index)));
                }
            }
            for (BlockWriteOutcome outcome : client.writeBlocks(data, WriteOptions.replication(2))) {
                assertTrue(outcome.result().isPresent(), String.valueOf(outcome));
            }
            Map<FileIdentity, List<CachedBlock>> recorded = client.cachedBlocks(files);
            Map<String, Integer> held = new HashMap<>();
            recorded.values().forEach(blocks -> blocks.forEach(block -> block.workerIds().forEach(worker -> held.merge(worker, 1, Integer::sum))));
            assertEquals(3, held.size(), String.valueOf(held));
            assertEquals(2 * FILES * BLOCKS_PER_FILE, held.values().stream().mapToInt(Integer::intValue).sum());

            assertEquals(recorded, client.confirmedBlocks(files), "every replica the master records is confirmed");

            for (Map.Entry<String, Integer> worker : held.entrySet()) {
                int blocks = worker.getValue();
                assertTrue(blocks > GrpcCacheClient.STAT_BLOCKS_PER_CALL, "more blocks than one call takes: " + blocks);
                int calls = (blocks + GrpcCacheClient.STAT_BLOCKS_PER_CALL - 1) / GrpcCacheClient.STAT_BLOCKS_PER_CALL;
                assertEquals(calls, statCalls(cluster, worker.getKey(), "StatBlocks"), worker.getKey() + " holds " + blocks + " blocks");
                assertEquals(0, statCalls(cluster, worker.getKey(), "StatBlock"), worker.getKey());
                assertEquals(blocks, cluster.metrics().value("gfsload_worker_stat_blocks_total", Map.of("worker", worker.getKey()))
                        .orElseThrow(), worker.getKey());
            }
        }
    }

    @Test
    void anOlderWorkerWithoutStatBlocksIsAskedAboutEachBlock() throws Exception {
        FileIdentity file = new FileIdentity("cosn://bucket/db/t/dt=1/part-0", 1500 * 64L, 1_763_600_000_000L);
        Map<String, StatBlockResponse> held = new HashMap<>();
        CommitBlocksRequest.Builder commit = CommitBlocksRequest.newBuilder();
        int blocks = GrpcCacheClient.STAT_BLOCKS_PER_CALL + 500;
        for (int index = 0; index < blocks; index++) {
            commit.addBlocks(CommitBlockRequest.newBuilder().setFile(ProtoConversions.toProto(file)).setIndex(index)
                    .setLength(64).setCrc32C(index).addWorkerIds("worker-0"));
            String blockId = new BlockKey(file, index).blockId();
            if (index == 7) {
                continue; // gone from the worker
            }
            held.put(blockId, StatBlockResponse.newBuilder().setLength(64).setCrc32C(index == 9 ? 12345 : index).build());
        }
        Queue<String> methods = new ConcurrentLinkedQueue<>();
        Server worker = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(new StatBlockOnlyWorker(held), new ServerInterceptor() {
                    @Override
                    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                            ServerCallHandler<Q, R> next) {
                        methods.add(call.getMethodDescriptor().getBareMethodName());
                        return next.startCall(call, headers);
                    }
                }))
                .build()
                .start();
        CacheMaster master = CacheMaster.start(MasterConfig.defaults(directory.resolve("master"))
                .withHeartbeatInterval(Duration.ofMinutes(1)));
        ManagedChannel channel = Grpc.newChannelBuilder(master.target(), InsecureChannelCredentials.create()).build();
        try (CacheClient client = GrpcCacheClient.connect(master.target())) {
            MasterServiceGrpc.MasterServiceBlockingStub stub = MasterServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS);
            stub.registerWorker(RegisterWorkerRequest.newBuilder().setWorkerId("worker-0").setHost("127.0.0.1")
                    .setPort(worker.getPort()).setCapacityBytes(1L << 30).build());
            stub.commitBlocks(commit.build());

            List<CachedBlock> expected = new ArrayList<>();
            for (int index = 0; index < blocks; index++) {
                expected.add(new CachedBlock(index, 64, index, index == 7 || index == 9 ? List.of() : List.of("worker-0")));
            }
            assertEquals(Map.of(file, expected), new LinkedHashMap<>(client.confirmedBlocks(List.of(file))));

            long statBlocks = methods.stream().filter("StatBlocks"::equals).count();
            assertTrue(statBlocks >= 1 && statBlocks <= GrpcCacheClient.STAT_BATCHES_IN_FLIGHT_PER_WORKER,
                    "asked for StatBlocks at most once per lane: " + statBlocks);
            assertEquals(blocks, methods.stream().filter("StatBlock"::equals).count(), "then StatBlock per block");
        }
        finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            master.close();
            worker.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static double statCalls(LocalCluster cluster, String worker, String rpc) {
        return cluster.metrics().value(STAT_CALLS, Map.of("worker", worker, "rpc", rpc)).orElseThrow();
    }

    /** A worker of before StatBlocks: it answers StatBlock from a map, and UNIMPLEMENTED to the rest. */
    private static final class StatBlockOnlyWorker extends WorkerServiceGrpc.WorkerServiceImplBase {
        private final Map<String, StatBlockResponse> held;

        StatBlockOnlyWorker(Map<String, StatBlockResponse> held) {
            this.held = Map.copyOf(held);
        }

        @Override
        public void statBlock(StatBlockRequest request, StreamObserver<StatBlockResponse> response) {
            StatBlockResponse stat = held.get(request.getBlockId());
            if (stat == null) {
                response.onError(Status.NOT_FOUND.withDescription("Block " + request.getBlockId() + " not found on worker worker-0")
                        .asRuntimeException());
                return;
            }
            response.onNext(stat);
            response.onCompleted();
        }
    }
}
