package io.gfsload.cache.client;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.crc32c;

import com.google.protobuf.ByteString;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.proto.MasterServiceGrpc;
import io.gfsload.cache.proto.PullBlockRequest;
import io.gfsload.cache.proto.PullBlocksRequest;
import io.gfsload.cache.proto.PullBlocksResponse;
import io.gfsload.cache.proto.ReadBlockRequest;
import io.gfsload.cache.proto.ReadBlockResponse;
import io.gfsload.cache.proto.RegisterWorkerRequest;
import io.gfsload.cache.proto.RemoveBlockRequest;
import io.gfsload.cache.proto.RemoveBlockResponse;
import io.gfsload.cache.proto.SmallBlock;
import io.gfsload.cache.proto.SmallBlockResult;
import io.gfsload.cache.proto.StorageTierProto;
import io.gfsload.cache.proto.WorkerServiceGrpc;
import io.gfsload.cache.proto.WriteBlockRequest;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.gfsload.cache.proto.WriteBlocksRequest;
import io.gfsload.cache.proto.WriteBlocksResponse;
import io.gfsload.cache.rpc.ProtoConversions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A worker of before forwarding and batched pulls, as a test's own gRPC server: PullBlocks is
 * UNIMPLEMENTED, it pulls a block from a local file into memory, ignoring forward_to, keeps the
 * blocks written to it in memory too (by WriteBlock, and by WriteBlocks, which workers had before
 * they pulled), and serves them to ReadBlock in messages of 1 MiB.
 */
final class OlderWorker extends WorkerServiceGrpc.WorkerServiceImplBase {
    final List<PullBlockRequest> pulls = new CopyOnWriteArrayList<>();
    final Map<String, byte[]> held = new ConcurrentHashMap<>();
    /** PullBlocks calls it was asked. */
    final AtomicInteger batchPulls = new AtomicInteger();

    /** Serves this worker on a loopback port; the caller shuts the server down. */
    Server serve() throws IOException {
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(this).build().start();
    }

    /**
     * Starts a local cluster of one worker, {@code worker-0}, in {@code directory}, and registers
     * the worker {@code server} serves with its master as {@code worker-old}, once: its heartbeats
     * are a minute apart, so the older worker stays live.
     */
    static LocalCluster clusterWith(Path directory, Server server) throws InterruptedException {
        LocalCluster cluster = LocalCluster.start(LocalClusterConfig.builder(directory).workers(1)
                .workerCapacityBytes(64L * MIB).heartbeatInterval(Duration.ofMinutes(1)).build());
        ManagedChannel channel = Grpc.newChannelBuilder(cluster.masterTarget(), InsecureChannelCredentials.create()).build();
        try {
            MasterServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).registerWorker(RegisterWorkerRequest.newBuilder()
                    .setWorkerId("worker-old").setHost("127.0.0.1").setPort(server.getPort()).setCapacityBytes(1L << 30).build());
        }
        catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        return cluster;
    }

    /** Answers as a worker that does not know the call does, and counts the calls. */
    @Override
    public void pullBlocks(PullBlocksRequest request, StreamObserver<PullBlocksResponse> response) {
        batchPulls.incrementAndGet();
        response.onError(Status.UNIMPLEMENTED.withDescription("Method gfsload.cache.v1.WorkerService/PullBlocks is unimplemented").asRuntimeException());
    }

    @Override
    public void pullBlock(PullBlockRequest request, StreamObserver<WriteBlockResponse> response) {
        pulls.add(request);
        try {
            byte[] file = Files.readAllBytes(Path.of(URI.create(request.getUfs().getPath())));
            int offset = Math.toIntExact(request.getUfs().getOffset());
            byte[] bytes = Arrays.copyOfRange(file, offset, offset + Math.toIntExact(request.getHeader().getLength()));
            store(request.getHeader().getBlockId(), bytes, response);
        }
        catch (IOException e) {
            response.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
        }
    }

    @Override
    public StreamObserver<WriteBlockRequest> writeBlock(StreamObserver<WriteBlockResponse> response) {
        return new StreamObserver<>() {
            private String blockId;
            private ByteString data = ByteString.EMPTY;

            @Override
            public void onNext(WriteBlockRequest request) {
                if (request.hasHeader()) {
                    blockId = request.getHeader().getBlockId();
                }
                else {
                    data = data.concat(request.getData());
                }
            }

            @Override
            public void onError(Throwable t) {
                // cancelled: nothing kept
            }

            @Override
            public void onCompleted() {
                store(blockId, data.toByteArray(), response);
            }
        };
    }

    @Override
    public void writeBlocks(WriteBlocksRequest request, StreamObserver<WriteBlocksResponse> response) {
        WriteBlocksResponse.Builder results = WriteBlocksResponse.newBuilder();
        for (SmallBlock block : request.getBlocksList()) {
            byte[] bytes = block.getData().toByteArray();
            held.put(block.getHeader().getBlockId(), bytes);
            results.addResults(SmallBlockResult.newBuilder().setWritten(written(bytes)));
        }
        response.onNext(results.build());
        response.onCompleted();
    }

    @Override
    public void readBlock(ReadBlockRequest request, StreamObserver<ReadBlockResponse> response) {
        byte[] bytes = held.get(request.getBlockId());
        if (bytes == null) {
            response.onError(Status.NOT_FOUND.withDescription("Block " + request.getBlockId() + " not found on worker worker-old").asRuntimeException());
            return;
        }
        response.onNext(ReadBlockResponse.newBuilder().setData(ByteString.copyFrom(bytes)).build());
        response.onCompleted();
    }

    @Override
    public void removeBlock(RemoveBlockRequest request, StreamObserver<RemoveBlockResponse> response) {
        response.onNext(RemoveBlockResponse.newBuilder().setRemoved(held.remove(request.getBlockId()) != null).build());
        response.onCompleted();
    }

    /** Keeps {@code bytes} as block {@code blockId} and answers what was stored. */
    private void store(String blockId, byte[] bytes, StreamObserver<WriteBlockResponse> response) {
        held.put(blockId, bytes);
        response.onNext(written(bytes));
        response.onCompleted();
    }

    private static WriteBlockResponse written(byte[] bytes) {
        return WriteBlockResponse.newBuilder().setLength(bytes.length).setCrc32C(ProtoConversions.crcToWire(crc32c(bytes)))
                .setTier(StorageTierProto.STORAGE_TIER_SSD).setCopy(1).build();
    }
}
