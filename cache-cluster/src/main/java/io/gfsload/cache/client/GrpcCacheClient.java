package io.gfsload.cache.client;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.net.HostAndPort;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockNotFoundException;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.proto.BlockLocations;
import io.gfsload.cache.proto.GetClusterInfoRequest;
import io.gfsload.cache.proto.GetClusterInfoResponse;
import io.gfsload.cache.proto.GetFileBlocksRequest;
import io.gfsload.cache.proto.GetFileBlocksResponse;
import io.gfsload.cache.proto.MasterServiceGrpc;
import io.gfsload.cache.proto.PlaceBlockRequest;
import io.gfsload.cache.proto.PlaceBlockResponse;
import io.gfsload.cache.proto.RemoveBlockRequest;
import io.gfsload.cache.proto.RemoveBlockResponse;
import io.gfsload.cache.proto.WorkerAddress;
import io.gfsload.cache.proto.WorkerServiceGrpc;
import io.gfsload.cache.proto.WorkerStatus;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.rpc.RpcErrors;
import io.gfsload.cache.rpc.RpcServer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CacheClient} over gRPC: one channel to the master and one cached channel per worker
 * address.
 *
 * <p>Thread-safe; writers and readers it opens are each for one thread. Callbacks run on the
 * client's own daemon threads {@code gfsload-cache-client-<n>}. {@link #close()} shuts the
 * channels down; writers and readers still open then fail.
 */
public final class GrpcCacheClient implements CacheClient {
    private static final Logger log = LoggerFactory.getLogger(GrpcCacheClient.class);

    private final String masterTarget;
    private final ClientConfig config;
    private final ExecutorService callbacks;
    private final ManagedChannel masterChannel;
    private final ConcurrentMap<String, ManagedChannel> workerChannels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private GrpcCacheClient(String masterTarget, ClientConfig config) {
        this.masterTarget = masterTarget;
        this.config = config;
        this.callbacks = Executors.newCachedThreadPool(new ThreadFactoryBuilder()
                .setNameFormat("gfsload-cache-client-%d")
                .setDaemon(true)
                .build());
        this.masterChannel = newChannel(masterTarget);
    }

    /** A client of the master at {@code target} with default settings; see {@link #connect(String, ClientConfig)}. */
    public static GrpcCacheClient connect(String target) {
        return connect(target, ClientConfig.defaults());
    }

    /**
     * A client of the master at {@code target}. Connects lazily: an unreachable master shows as
     * {@link io.gfsload.cache.api.CacheUnavailableException} on the first call.
     *
     * @param target {@code host:port} of the master
     * @throws IllegalArgumentException when {@code target} is not {@code host:port}
     */
    public static GrpcCacheClient connect(String target, ClientConfig config) {
        requireNonNull(target, "target is null");
        requireNonNull(config, "config is null");
        HostAndPort hostAndPort;
        try {
            hostAndPort = HostAndPort.fromString(target);
        }
        catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Master target must be host:port: " + target, e);
        }
        checkArgument(hostAndPort.hasPort() && !hostAndPort.getHost().isEmpty(),
                "Master target must be host:port: %s", target);
        return new GrpcCacheClient(target, config);
    }

    @Override
    public ClusterInfo clusterInfo() {
        GetClusterInfoResponse response = callMaster("Getting the cluster info",
                () -> masterStub().getClusterInfo(GetClusterInfoRequest.getDefaultInstance()));
        List<WorkerInfo> workers = new ArrayList<>();
        for (WorkerStatus status : response.getWorkersList()) {
            WorkerAddress address = status.getAddress();
            workers.add(new WorkerInfo(address.getWorkerId(), address.getHost(), address.getPort(),
                    status.getCapacityBytes(), status.getUsedBytes(), status.getLive()));
        }
        workers.sort(Comparator.comparing(WorkerInfo::id));
        return new ClusterInfo(workers);
    }

    @Override
    public List<CachedBlock> cachedBlocks(FileIdentity file) {
        requireNonNull(file, "file is null");
        GetFileBlocksResponse response = callMaster("Listing the cached blocks of " + file.path(),
                () -> masterStub().getFileBlocks(GetFileBlocksRequest.newBuilder()
                        .setFile(ProtoConversions.toProto(file))
                        .build()));
        List<CachedBlock> blocks = new ArrayList<>(response.getBlocksCount());
        for (BlockLocations block : response.getBlocksList()) {
            blocks.add(new CachedBlock(block.getIndex(), block.getLength(),
                    ProtoConversions.crcFromWire(block.getCrc32C()),
                    block.getWorkersList().stream().map(WorkerAddress::getWorkerId).sorted().toList()));
        }
        return blocks;
    }

    @Override
    public BlockWriter openWriter(BlockKey block, long length, int replication) {
        requireNonNull(block, "block is null");
        checkArgument(length >= 0, "length must be >= 0: %s", length);
        checkArgument(replication >= 1, "replication must be >= 1: %s", replication);
        PlaceBlockResponse placement = callMaster("Placing block " + block.blockId(),
                () -> masterStub().placeBlock(PlaceBlockRequest.newBuilder()
                        .setBlockId(block.blockId())
                        .setLength(length)
                        .setReplication(replication)
                        .build()));
        return ReplicatedBlockWriter.open(this, block, length, placement.getWorkersList());
    }

    @Override
    public InputStream openReader(BlockKey block) {
        requireNonNull(block, "block is null");
        GetFileBlocksResponse response = callMaster("Locating block " + block.blockId(),
                () -> masterStub().getFileBlocks(GetFileBlocksRequest.newBuilder()
                        .setFile(ProtoConversions.toProto(block.file()))
                        .setIndex(block.index())
                        .build()));
        if (response.getBlocksCount() == 0) {
            throw new BlockNotFoundException("Block " + block.blockId() + " (block " + block.index() + " of "
                    + block.file().path() + ") is not cached on any live worker");
        }
        BlockLocations locations = response.getBlocks(0);
        List<WorkerAddress> replicas = locations.getWorkersList().stream()
                .sorted(Comparator.comparing(WorkerAddress::getWorkerId))
                .toList();
        return new BlockInputStream(this, block, locations.getLength(),
                ProtoConversions.crcFromWire(locations.getCrc32C()), replicas);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<ManagedChannel> channels = new ArrayList<>(workerChannels.values());
        channels.add(masterChannel);
        channels.forEach(ManagedChannel::shutdown);
        try {
            for (ManagedChannel channel : channels) {
                if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                    channel.shutdownNow();
                }
            }
        }
        catch (InterruptedException e) {
            channels.forEach(ManagedChannel::shutdownNow);
            Thread.currentThread().interrupt();
        }
        finally {
            callbacks.shutdownNow();
        }
    }

    ClientConfig config() {
        return config;
    }

    MasterServiceGrpc.MasterServiceBlockingStub masterStub() {
        return MasterServiceGrpc.newBlockingStub(masterChannel)
                .withDeadlineAfter(config.rpcTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    String masterTarget() {
        return masterTarget;
    }

    WorkerServiceGrpc.WorkerServiceStub workerStub(WorkerAddress worker) {
        if (closed) {
            throw new CacheException("The cache client of master " + masterTarget + " is closed");
        }
        String target = worker.getHost() + ":" + worker.getPort();
        ManagedChannel channel = workerChannels.computeIfAbsent(target, this::newChannel);
        if (closed) {
            // close() may have missed a channel created concurrently with it.
            channel.shutdownNow();
            throw new CacheException("The cache client of master " + masterTarget + " is closed");
        }
        return WorkerServiceGrpc.newStub(channel);
    }

    /** Asks {@code worker} to delete {@code blockId}, without waiting; failures are only logged. */
    void removeQuietly(WorkerAddress worker, String blockId) {
        try {
            workerStub(worker).withDeadlineAfter(config.rpcTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .removeBlock(RemoveBlockRequest.newBuilder().setBlockId(blockId).build(),
                            new StreamObserver<RemoveBlockResponse>() {
                                @Override
                                public void onNext(RemoveBlockResponse response) {}

                                @Override
                                public void onError(Throwable t) {
                                    log.warn("Cannot remove the partial replica of block {} on {}: {}", blockId,
                                            describe(worker), t.toString());
                                }

                                @Override
                                public void onCompleted() {}
                            });
        }
        catch (RuntimeException e) {
            log.warn("Cannot remove the partial replica of block {} on {}: {}", blockId, describe(worker), e.toString());
        }
    }

    /** {@code worker worker-1 (127.0.0.1:4567)}, how messages name a worker. */
    static String describe(WorkerAddress worker) {
        return "worker " + worker.getWorkerId() + " (" + worker.getHost() + ":" + worker.getPort() + ")";
    }

    private <T> T callMaster(String action, Supplier<T> call) {
        if (closed) {
            throw new CacheException("The cache client of master " + masterTarget + " is closed");
        }
        try {
            return call.get();
        }
        catch (StatusRuntimeException e) {
            throw RpcErrors.toCacheException(action + " at master " + masterTarget, e);
        }
    }

    private ManagedChannel newChannel(String target) {
        return Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
                .executor(callbacks)
                .maxInboundMessageSize(RpcServer.MAX_INBOUND_MESSAGE_BYTES)
                .build();
    }
}
