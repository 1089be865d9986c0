package io.gfsload.cache.client;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.net.HostAndPort;
import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import com.google.common.util.concurrent.UncheckedExecutionException;
import com.google.protobuf.ByteString;
import io.gfsload.cache.api.BlockData;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockNotFoundException;
import io.gfsload.cache.api.BlockRange;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CacheUnavailableException;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.cache.api.Counts;
import io.gfsload.cache.api.EvictedBeforeCommitException;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.UfsPullException;
import io.gfsload.cache.api.WorkerUnavailableException;
import io.gfsload.cache.api.FreeResult;
import io.gfsload.cache.api.MasterSilence;
import io.gfsload.cache.api.MasterUnavailableException;
import io.gfsload.cache.api.NotACacheMasterException;
import io.gfsload.cache.api.RemovalMarks;
import io.gfsload.cache.api.ScopeCommit;
import io.gfsload.cache.api.StagedBlock;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.api.TempArea;
import io.gfsload.cache.api.TempAreaRun;
import io.gfsload.cache.api.TempAreaSummary;
import io.gfsload.cache.api.TempAreas;
import io.gfsload.cache.api.TierInfo;
import io.gfsload.cache.api.UnderReplicatedBlock;
import io.gfsload.cache.api.UnderReplication;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.api.WriteEvictions;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.proto.AbortTempAreaRequest;
import io.gfsload.cache.proto.BlockLocations;
import io.gfsload.cache.proto.BlockRecord;
import io.gfsload.cache.proto.BlockRef;
import io.gfsload.cache.proto.BlockStatResult;
import io.gfsload.cache.proto.CheckUfsRequest;
import io.gfsload.cache.proto.CommitBlockRequest;
import io.gfsload.cache.proto.CommitBlockResponse;
import io.gfsload.cache.proto.CommitScopeRequest;
import io.gfsload.cache.proto.CommitScopeResponse;
import io.gfsload.cache.proto.CompleteLocalWriteRequest;
import io.gfsload.cache.proto.CompleteLocalWritesRequest;
import io.gfsload.cache.proto.FreeRequest;
import io.gfsload.cache.proto.FreeResponse;
import io.gfsload.cache.proto.GetClusterInfoRequest;
import io.gfsload.cache.proto.GetClusterInfoResponse;
import io.gfsload.cache.proto.GetFileBlocksRequest;
import io.gfsload.cache.proto.GetFileBlocksResponse;
import io.gfsload.cache.proto.GetFilesBlocksRequest;
import io.gfsload.cache.proto.GetFilesBlocksResponse;
import io.gfsload.cache.proto.GetUnderReplicatedRequest;
import io.gfsload.cache.proto.GetUnderReplicatedResponse;
import io.gfsload.cache.proto.ListTempAreaBlocksRequest;
import io.gfsload.cache.proto.ListTempAreaBlocksResponse;
import io.gfsload.cache.proto.ListTempAreasRequest;
import io.gfsload.cache.proto.MasterServiceGrpc;
import io.gfsload.cache.proto.OpenTempAreaRequest;
import io.gfsload.cache.proto.OpenTempAreaResponse;
import io.gfsload.cache.proto.PlaceBlockRequest;
import io.gfsload.cache.proto.PlaceBlockResponse;
import io.gfsload.cache.proto.ReleaseTempAreaRequest;
import io.gfsload.cache.proto.RemoveBlockRequest;
import io.gfsload.cache.proto.RemoveBlockResponse;
import io.gfsload.cache.proto.RemovalCount;
import io.gfsload.cache.proto.StatBlockRequest;
import io.gfsload.cache.proto.StatBlockResponse;
import io.gfsload.cache.proto.StatBlocksRequest;
import io.gfsload.cache.proto.StatBlocksResponse;
import io.gfsload.cache.proto.StorageTierProto;
import io.gfsload.cache.proto.TempAreaInfo;
import io.gfsload.cache.proto.UnderReplicatedBlockProto;
import io.gfsload.cache.proto.UnstageFilesRequest;
import io.gfsload.cache.proto.WorkerAddress;
import io.gfsload.cache.proto.WorkerServiceGrpc;
import io.gfsload.cache.proto.WorkerStatus;
import io.gfsload.cache.proto.WriteBlockHeader;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.gfsload.cache.proto.PullBlockRequest;
import io.gfsload.cache.proto.ForwardedReplica;
import io.gfsload.cache.proto.UfsRange;
import io.gfsload.cache.proto.WriteBlocksResponse;
import io.gfsload.cache.rpc.DomainSockets;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.rpc.RpcChannels;
import io.gfsload.cache.rpc.RpcErrors;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CacheClient} over gRPC: one channel to the master and a bounded pool of channels to
 * workers, one per worker address, at most {@link ClientConfig#maxWorkerChannels()}; past that, the
 * least recently used one is shut down gracefully (its calls in progress finish, and so do those
 * another thread was making on it, see {@link #workerCalls}).
 *
 * <p>A writer of a block of at least {@link #SHORT_CIRCUIT_MIN_BYTES} whose replicas all are on workers of this host writes the block straight into their
 * tier directories ({@link ClientConfig#shortCircuitWrites()}, on by default) when the workers
 * allow it and the directories are writable here; otherwise, and for remote workers, blocks stream
 * over gRPC. Many small blocks go together with {@link #writeBlocks}, written the same way: into
 * the files of workers on this host, streamed to the others.
 *
 * <p>Reads try the block's live replicas on this host first, then the faster tiers, then by worker
 * id. Thread-safe; writers and readers it opens are each for one thread. Callbacks run on the
 * client's own daemon threads {@code gfsload-cache-client-<n>}. {@link #close()} shuts the
 * channels down; writers and readers still open then fail.
 */
public final class GrpcCacheClient implements CacheClient {
    /** The blocks workers evicted for this client's writes. */
    private final WriteEvictions writeEvictions = new WriteEvictions();
    private static final Logger log = LoggerFactory.getLogger(GrpcCacheClient.class);
    /** A block a scope commit's failure names by id ({@code block <fileKey>-<index>}). */
    /** What a scope commit's deadline allows a block on top of the usual: some eight times what the master takes on two cores. */
    static final long COMMIT_NANOS_PER_BLOCK = 250_000;
    private static final Pattern MISSING_BLOCK_ID = Pattern.compile("block ([0-9a-f]{32}-[0-9]{1,10})");
    /**
     * Blocks shorter than this stream over gRPC even to workers on this host: a short-circuit write
     * costs two more calls than a stream, which only the bytes it saves from the socket repay.
     */
    static final long SHORT_CIRCUIT_MIN_BYTES = 1 << 20;
    /** Files per {@code GetFilesBlocks} call, at most (the master takes up to 10,000). */
    static final int FILES_PER_CALL = 2_000;
    /**
     * Summed file length per {@code GetFilesBlocks} call, at most (unless one file is longer): 8 TiB
     * is 131,072 blocks of 64 MiB, an answer of about 10 MiB when all are cached.
     */
    static final long BYTES_PER_CALL = 8L << 40;
    /** Block ids per {@code StatBlocks} call, at most, when {@link #confirmedBlocks} asks a worker (a worker takes up to 10,000). */
    static final int STAT_BLOCKS_PER_CALL = 1_000;
    /** {@code StatBlocks} calls in flight at once to one worker, at most. */
    static final int STAT_BATCHES_IN_FLIGHT_PER_WORKER = 4;
    /**
     * {@code StatBlock} calls in flight at once, at most, when {@link #confirmedBlocks} asks
     * workers that take no {@code StatBlocks} (older ones) block by block.
     */
    static final int STAT_CALLS_IN_FLIGHT = 64;
    /**
     * How many chunks a block-write stream may have waiting for the transport and still take
     * another ({@link #workerWriteStub}); so a writer holds at most one more than this per replica
     * in the transport's buffers, besides what the worker's flow-control window lets through.
     */
    static final int WRITE_QUEUE_CHUNKS = 2;
    /**
     * The deadline of a best-effort abort of a write that failed or was closed: a few seconds, not
     * the call timeout, as a worker that does not answer aborts its idle writes itself.
     */
    static final Duration ABORT_WRITE_TIMEOUT = Duration.ofSeconds(3);

    private final String masterTarget;
    private final ClientConfig config;
    private final ExecutorService callbacks;
    private final ManagedChannel masterChannel;
    /** The event loops of the connections to workers' domain sockets, if any is made. */
    private final DomainSockets.ClientLoops domainSocketLoops = new DomainSockets.ClientLoops();
    /** Worker channels by target, least recently used first; guarded by itself. */
    private final LinkedHashMap<String, ManagedChannel> workerChannels = new LinkedHashMap<>(16, 0.75f, true);
    /**
     * Worker channels being made, by target, guarded by {@link #workerChannels}: the thread that
     * makes one resolves the worker's host and probes its socket without the lock, and the other
     * callers for the same target wait for its channel.
     */
    private final Map<String, CompletableFuture<ManagedChannel>> workerChannelsMade = new HashMap<>();
    /** Worker channels by the calls made on them by {@link #workerCalls} and not started yet; guarded by {@link #workerChannels}. */
    private final Map<ManagedChannel, Integer> unstartedCalls = new HashMap<>();
    /** Channels out of the pool, shut down once their calls in {@link #unstartedCalls} have started; guarded by {@link #workerChannels}. */
    private final Set<ManagedChannel> evictedWithUnstartedCalls = new HashSet<>();
    private final HostResolver resolver;
    private final ConcurrentMap<String, Boolean> localHosts = new ConcurrentHashMap<>();
    /** Workers ({@code host:port}) that refused a short-circuit write, or whose directory is not writable here. */
    private final ConcurrentMap<String, Boolean> noShortCircuit = new ConcurrentHashMap<>();
    /** Workers ({@code host:port}) that answered PullBlocks as unknown (older than batched pulls): their blocks are pulled one by one. */
    private final Set<String> noBatchPulls = ConcurrentHashMap.newKeySet();
    /** The workers that said they cannot read a directory of the UFS: a pull has another worker read its blocks. */
    private final UfsReaders ufsReaders = new UfsReaders();
    private final TempAreas tempAreas = new GrpcTempAreas();
    /** Short-circuit writes workers handed out and not completed or aborted yet: write id to worker. */
    private final ConcurrentMap<String, WorkerAddress> unfinishedLocalWrites = new ConcurrentHashMap<>();
    /** Set by {@link #abortUnfinishedWrites}: no write starts after it. */
    private volatile boolean writesAborted;
    private volatile boolean closed;
    /** When (System.nanoTime) the master last answered a call; guarded by this. */
    private long masterAnsweredAt = System.nanoTime();
    /** When (System.nanoTime) the master's silence began ({@link #masterSilence}), or {@link #ANSWERING}; guarded by this. */
    private long masterSilentSince = ANSWERING;
    private static final long ANSWERING = Long.MIN_VALUE;
    /** Deadlines (System.nanoTime) of the calls under way that the master may take minutes over (scope commits); guarded by this. */
    private final List<Long> longCallDeadlines = new ArrayList<>();

    /** How the client resolves a worker's host name, to tell whether the worker is on this host. */
    @FunctionalInterface
    interface HostResolver {
        HostResolver SYSTEM = InetAddress::getByName;

        InetAddress resolve(String host) throws UnknownHostException;
    }

    private GrpcCacheClient(String masterTarget, ClientConfig config, HostResolver resolver) {
        this.masterTarget = masterTarget;
        this.config = config;
        this.resolver = resolver;
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
        return connect(target, config, HostResolver.SYSTEM);
    }

    /** As {@link #connect(String, ClientConfig)}, resolving workers' host names with {@code resolver}. */
    static GrpcCacheClient connect(String target, ClientConfig config, HostResolver resolver) {
        requireNonNull(target, "target is null");
        requireNonNull(config, "config is null");
        requireNonNull(resolver, "resolver is null");
        HostAndPort hostAndPort;
        try {
            hostAndPort = HostAndPort.fromString(target);
        }
        catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Master target must be host:port: " + target, e);
        }
        checkArgument(hostAndPort.hasPort() && hostAndPort.getPort() > 0 && !hostAndPort.getHost().isEmpty(),
                "Master target must be host:port: %s", target);
        return new GrpcCacheClient(target, config, resolver);
    }

    @Override
    public ClusterInfo clusterInfo() {
        GetClusterInfoResponse response = callMaster("Getting the cluster info",
                () -> masterStub().getClusterInfo(GetClusterInfoRequest.getDefaultInstance()));
        List<WorkerInfo> workers = new ArrayList<>();
        for (WorkerStatus status : response.getWorkersList()) {
            WorkerAddress address = status.getAddress();
            List<TierInfo> tiers = status.getTiersList().stream()
                    .map(ProtoConversions::fromProto)
                    .flatMap(Optional::stream)
                    .toList();
            workers.add(new WorkerInfo(address.getWorkerId(), address.getHost(), address.getPort(),
                    status.getCapacityBytes(), status.getUsedBytes(), status.getLive(), tiers,
                    address.getDomainSocket().isEmpty() ? Optional.empty() : Optional.of(address.getDomainSocket()),
                    status.getStopped() && !status.getLive()));
        }
        workers.sort(Comparator.comparing(WorkerInfo::id));
        return new ClusterInfo(response.getClusterId(), workers);
    }

    @Override
    public List<CachedBlock> cachedBlocks(FileIdentity file) {
        requireNonNull(file, "file is null");
        GetFileBlocksResponse response = callMaster("Listing the cached blocks of " + file.path(),
                () -> masterStub().getFileBlocks(GetFileBlocksRequest.newBuilder()
                        .setFile(ProtoConversions.toProto(file))
                        .build()));
        return cachedBlocks(response.getBlocksList());
    }

    /**
     * One {@code GetFilesBlocks} call per chunk of at most {@link #FILES_PER_CALL} files (fewer
     * when their lengths add up to more than {@link #BYTES_PER_CALL}, which bounds the answer's
     * size), one chunk after another.
     */
    @Override
    public Map<FileIdentity, List<CachedBlock>> cachedBlocks(Collection<FileIdentity> files) {
        requireNonNull(files, "files is null");
        Map<FileIdentity, List<CachedBlock>> result = new LinkedHashMap<>();
        locate(files).forEach((file, locations) -> result.put(file, cachedBlocks(locations)));
        return result;
    }

    /**
     * Asks the master where the blocks are as {@link #cachedBlocks(Collection)} does, then each
     * worker it names about the replicas it records there: {@code StatBlocks} calls of at most
     * {@link #STAT_BLOCKS_PER_CALL} blocks, at most {@link #STAT_BATCHES_IN_FLIGHT_PER_WORKER} in
     * flight per worker. A worker that answers {@code UNIMPLEMENTED} (an older one) is asked
     * about each of its replicas instead ({@code StatBlock}), at most {@link #STAT_CALLS_IN_FLIGHT}
     * calls at once. A worker confirms a replica when it answers with the length and CRC32C the
     * master recorded; the replicas a worker does not confirm are logged, once per worker, with
     * the first reason.
     */
    @Override
    public Map<FileIdentity, List<CachedBlock>> confirmedBlocks(Collection<FileIdentity> files) {
        requireNonNull(files, "files is null");
        Map<FileIdentity, List<BlockLocations>> located = locate(files);
        ConcurrentMap<String, Unconfirmed> unconfirmed = new ConcurrentHashMap<>();
        Map<FileIdentity, List<Confirmation>> asked = new LinkedHashMap<>();
        Map<String, WorkerReplicas> byWorker = new LinkedHashMap<>();
        for (Map.Entry<FileIdentity, List<BlockLocations>> entry : located.entrySet()) {
            List<Confirmation> blocks = new ArrayList<>(entry.getValue().size());
            for (BlockLocations locations : entry.getValue()) {
                Confirmation confirmation = new Confirmation(new BlockKey(entry.getKey(), locations.getIndex()), locations);
                for (int replica = 0; replica < locations.getWorkersCount(); replica++) {
                    WorkerAddress worker = locations.getWorkers(replica);
                    byWorker.computeIfAbsent(describe(worker), key -> new WorkerReplicas(worker))
                            .add(new Replica(confirmation, replica));
                }
                blocks.add(confirmation);
            }
            asked.put(entry.getKey(), blocks);
        }
        try {
            List<Replica> oneByOne = new StatRound(byWorker.values(), unconfirmed).run();
            if (!oneByOne.isEmpty()) {
                statReplicas(oneByOne, unconfirmed);
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheException("Interrupted while asking the workers about the blocks of " + Counts.of(located.size(), "file"), e);
        }
        unconfirmed.forEach((worker, problem) -> log.warn("{} did not confirm {} of the replicas the master records on it; "
                + "the first: {}", worker, problem.count(), problem.first()));
        Map<FileIdentity, List<CachedBlock>> result = new LinkedHashMap<>();
        asked.forEach((file, blocks) -> result.put(file, blocks.stream().map(Confirmation::confirmed).toList()));
        return result;
    }

    /**
     * The master's count from its cluster info, then each live worker's from a {@code StatBlocks}
     * call with no block ids, all workers at once. Empty when the master or a live worker does
     * not count (older ones), or a worker's call fails.
     */
    @Override
    public Optional<RemovalMarks> removalMarks() {
        GetClusterInfoResponse cluster = callMaster("Getting the cluster info",
                () -> masterStub().getClusterInfo(GetClusterInfoRequest.getDefaultInstance()));
        if (!cluster.hasRemovals()) {
            return Optional.empty();
        }
        Map<String, ListenableFuture<StatBlocksResponse>> calls = new LinkedHashMap<>();
        try {
            for (WorkerStatus status : cluster.getWorkersList()) {
                if (status.getLive()) {
                    calls.put(status.getAddress().getWorkerId(), workerFutureStub(status.getAddress())
                            .withDeadlineAfter(config.rpcTimeout().toMillis(), TimeUnit.MILLISECONDS)
                            .statBlocks(StatBlocksRequest.getDefaultInstance()));
                }
            }
        }
        catch (RuntimeException e) {
            calls.values().forEach(call -> call.cancel(true));
            if (closed) {
                throw e;
            }
            log.debug("Cannot ask the workers what they removed: {}", e.toString());
            return Optional.empty();
        }
        Map<String, RemovalMarks.Mark> workers = new HashMap<>();
        for (Map.Entry<String, ListenableFuture<StatBlocksResponse>> call : calls.entrySet()) {
            StatBlocksResponse answer;
            try {
                answer = call.getValue().get();
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                calls.values().forEach(other -> other.cancel(true));
                throw new CacheException("Interrupted while asking the workers what they removed", e);
            }
            catch (ExecutionException e) {
                log.debug("Worker {} cannot tell what it removed: {}", call.getKey(), e.getCause().toString());
                calls.values().forEach(other -> other.cancel(true));
                return Optional.empty();
            }
            if (!answer.hasRemovals()) {
                // an older worker
                calls.values().forEach(other -> other.cancel(true));
                return Optional.empty();
            }
            workers.put(call.getKey(), mark(answer.getRemovals()));
        }
        return Optional.of(new RemovalMarks(mark(cluster.getRemovals()), workers));
    }

    private static RemovalMarks.Mark mark(RemovalCount count) {
        return new RemovalMarks.Mark(count.getIncarnation(), count.getRemoved());
    }

    /**
     * Asks about each of {@code replicas} with a {@code StatBlock} call of its own, at most
     * {@link #STAT_CALLS_IN_FLIGHT} at once, and waits for the answers.
     */
    private void statReplicas(List<Replica> replicas, ConcurrentMap<String, Unconfirmed> unconfirmed)
            throws InterruptedException {
        Semaphore inFlight = new Semaphore(STAT_CALLS_IN_FLIGHT);
        for (Replica replica : replicas) {
            inFlight.acquire();
            statReplica(replica.confirmation(), replica.replica(), inFlight, unconfirmed);
        }
        // Every call releases its permit when it ends, and every call has a deadline.
        inFlight.acquire(STAT_CALLS_IN_FLIGHT);
    }

    /**
     * Asks the worker of {@code replica} of the block of {@code confirmation} whether it holds the
     * block as the master recorded it, without waiting; the call releases a permit of
     * {@code inFlight} when it ends.
     */
    private void statReplica(Confirmation confirmation, int replica, Semaphore inFlight,
            ConcurrentMap<String, Unconfirmed> unconfirmed) {
        BlockLocations locations = confirmation.locations();
        WorkerAddress worker = locations.getWorkers(replica);
        String blockId = confirmation.block().blockId();
        ListenableFuture<StatBlockResponse> call;
        try {
            call = workerFutureStub(worker)
                    .withDeadlineAfter(config.rpcTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .statBlock(StatBlockRequest.newBuilder().setBlockId(blockId).build());
        }
        catch (RuntimeException e) {
            inFlight.release();
            if (closed) {
                throw e;
            }
            Unconfirmed.add(unconfirmed, worker, 1, "asking about block " + blockId + " failed: " + e);
            return;
        }
        Futures.addCallback(call, new FutureCallback<StatBlockResponse>() {
            @Override
            public void onSuccess(StatBlockResponse stat) {
                try {
                    confirmation.check(replica, stat, unconfirmed);
                }
                finally {
                    inFlight.release();
                }
            }

            @Override
            public void onFailure(Throwable t) {
                try {
                    Unconfirmed.add(unconfirmed, worker, 1, RpcErrors.toCacheException("Asking about block " + blockId, t)
                            .getMessage());
                }
                finally {
                    inFlight.release();
                }
            }
        }, MoreExecutors.directExecutor());
    }

    /**
     * The blocks of {@code files} as the master records them, with their live locations: one
     * {@code GetFilesBlocks} call per chunk of at most {@link #FILES_PER_CALL} files (fewer when
     * their lengths add up to more than {@link #BYTES_PER_CALL}), one chunk after another.
     */
    private Map<FileIdentity, List<BlockLocations>> locate(Collection<FileIdentity> files) {
        Map<FileIdentity, List<BlockLocations>> result = new LinkedHashMap<>();
        GetFilesBlocksRequest.Builder request = GetFilesBlocksRequest.newBuilder();
        List<FileIdentity> chunk = new ArrayList<>();
        long chunkBytes = 0;
        for (FileIdentity file : files) {
            requireNonNull(file, "files contains null");
            if (!chunk.isEmpty() && (chunk.size() == FILES_PER_CALL || chunkBytes + file.length() > BYTES_PER_CALL)) {
                lookUp(request, chunk, result);
                chunkBytes = 0;
            }
            chunk.add(file);
            request.addFiles(ProtoConversions.toProto(file));
            chunkBytes += file.length();
        }
        if (!chunk.isEmpty()) {
            lookUp(request, chunk, result);
        }
        return result;
    }

    /** Sends the chunk {@code request} holds, adds its answer to {@code result} and clears both. */
    private void lookUp(GetFilesBlocksRequest.Builder request, List<FileIdentity> chunk,
            Map<FileIdentity, List<BlockLocations>> result) {
        GetFilesBlocksResponse response = callMaster("Listing the cached blocks of " + chunk.size() + " files",
                () -> masterStub().getFilesBlocks(request.build()));
        if (response.getFilesCount() != chunk.size()) {
            throw new CacheException("The master at %s answered for %d files, asked for %d".formatted(masterTarget,
                    response.getFilesCount(), chunk.size()));
        }
        for (int i = 0; i < chunk.size(); i++) {
            result.put(chunk.get(i), response.getFiles(i).getBlocksList());
        }
        request.clearFiles();
        chunk.clear();
    }

    private static List<CachedBlock> cachedBlocks(List<BlockLocations> locations) {
        if (locations.isEmpty()) {
            return List.of();
        }
        List<CachedBlock> blocks = new ArrayList<>(locations.size());
        for (BlockLocations block : locations) {
            blocks.add(new CachedBlock(block.getIndex(), block.getLength(),
                    ProtoConversions.crcFromWire(block.getCrc32C()),
                    block.getWorkersList().stream().map(WorkerAddress::getWorkerId).sorted().toList()));
        }
        return blocks;
    }

    @Override
    public BlockWriter openWriter(BlockKey block, long length, int replication) {
        checkArgument(replication >= 1, "replication must be >= 1: %s", replication);
        return openWriter(block, length, WriteOptions.replication(replication));
    }

    @Override
    public BlockWriter openWriter(BlockKey block, long length, WriteOptions options) {
        PlaceBlockResponse placement = place(block, length, options);
        if (config.shortCircuitWrites() && length >= SHORT_CIRCUIT_MIN_BYTES
                && placement.getWorkersList().stream().allMatch(this::shortCircuitCandidate)) {
            Optional<LocalBlockWriter> local = LocalBlockWriter.tryOpen(this, block, length, options,
                    placement.getTempAreaExpiresAtMillis(), placement.getWorkersList());
            if (local.isPresent()) {
                return local.get();
            }
        }
        // a short-circuit write the abort overtook is refused, not streamed instead
        checkWritesAllowed();
        return ReplicatedBlockWriter.open(this, block, length, options, placement.getTempAreaExpiresAtMillis(),
                placement.getWorkersList());
    }

    /**
     * The header of a write of {@code length} bytes of block {@code blockId}: on the tier of
     * {@code options}, if any, and in its temp area, kept from eviction until
     * {@code pinUntilMillis}.
     */
    static WriteBlockHeader.Builder header(String blockId, long length, WriteOptions options, long pinUntilMillis) {
        WriteBlockHeader.Builder header = WriteBlockHeader.newBuilder().setBlockId(blockId).setLength(length);
        options.tier().ifPresent(tier -> header.setTier(ProtoConversions.toProto(tier)));
        options.tempArea().ifPresent(jobId -> header.setTempArea(jobId).setPinUntilEpochMillis(pinUntilMillis));
        return header;
    }

    /** Where the master places {@code block}'s replicas, as {@code options} say. */
    private PlaceBlockResponse place(BlockKey block, long length, WriteOptions options) {
        requireNonNull(block, "block is null");
        requireNonNull(options, "options is null");
        checkArgument(length >= 0, "length must be >= 0: %s", length);
        PlaceBlockRequest.Builder request = PlaceBlockRequest.newBuilder()
                .setBlockId(block.blockId())
                .setLength(length)
                .setReplication(options.replicasToPlace());
        options.tier().ifPresent(tier -> request.setTier(ProtoConversions.toProto(tier)));
        options.tempArea().ifPresent(request::setTempArea);
        options.workersNotToPlaceOn().stream().sorted().forEach(request::addExcludedWorkerIds);
        options.holders().stream().sorted().forEach(request::addHolderWorkerIds);
        checkWritesAllowed();
        return callMaster("Placing block " + block.blockId(), () -> masterStub().placeBlock(request.build()));
    }

    /**
     * Places the block as {@link #openWriter} does, has the first worker read it from the UFS and
     * forward it to the others as it reads it (pipelined replicas), checks that every copy has the
     * first one's CRC32C, and records the block in the master. A first worker older than
     * forwarding answers without the others' copies: each other one then copies the block from
     * it. On any failure the copies stored are removed. A placed worker known not to read the
     * file's directory ({@link UfsReaders}) is not the first; a first worker that says so is
     * noted, and the block pulled again with another first, or placed again when no placed worker
     * reads it.
     */
    @Override
    public BlockWriteResult pullBlock(BlockKey block, long offset, long length, int streams, WriteOptions options) {
        checkArgument(offset >= 0, "offset must be >= 0: %s", offset);
        checkArgument(streams >= 1, "streams must be >= 1: %s", streams);
        String path = block.file().path();
        Pulled pulled;
        // each round that goes on learnt that one more worker cannot read the file's directory, so the rounds end
        while (true) {
            PlaceBlockResponse placement = place(block, length, options);
            List<WorkerAddress> workers = ufsReaders.readersFirst(placement.getWorkersList(), path);
            if (!ufsReaders.reads(workers.get(0).getWorkerId(), path)) {
                // none of the workers placed reads the file's directory: placed again where one does
                placement = place(block, length, ufsReaders.awayFromUnable(options, block, liveWorkerIds()));
                workers = ufsReaders.readersFirst(placement.getWorkersList(), path);
                if (!ufsReaders.reads(workers.get(0).getWorkerId(), path)) {
                    throw ufsReaders.noneReads(block);
                }
            }
            WriteBlockHeader.Builder header = header(block.blockId(), length, options, placement.getTempAreaExpiresAtMillis());
            try {
                pulled = pullPlaced(block, offset, length, streams, header, workers);
                break;
            }
            catch (UfsPullException e) {
                if (e.reason() != UfsPullException.Reason.UNREADABLE || ufsReaders.reads(workers.get(0).getWorkerId(), path)) {
                    throw e;
                }
                // the first worker cannot read the file's directory: another one reads the block
            }
        }
        try {
            return commitAtMaster(block, length, pulled.crc(), pulled.tiers(), pulled.copies(), options);
        }
        catch (RuntimeException e) {
            pulled.stored().forEach((worker, copy) -> removeQuietly(worker, block.blockId(), copy));
            throw isClosed() ? closedException(e) : e;
        }
    }

    /**
     * What the replicas of a pulled block stored: the CRC32C of the block read from the UFS, each
     * worker's tier and copy by id, and the copy of each worker that stored one.
     */
    record Pulled(long crc, Map<String, StorageTierProto> tiers, Map<String, Long> copies, Map<WorkerAddress, Long> stored) {}

    /**
     * Has the first of {@code workers} (placed for the block) read the block from the UFS and
     * forward it to the others as it reads it (pipelined replicas), and checks that every copy has
     * the first one's CRC32C; records nothing at the master. A first worker older than forwarding
     * answers without the others' copies: each other one then copies the block from it. On any
     * failure the copies stored are removed.
     */
    Pulled pullPlaced(BlockKey block, long offset, long length, int streams, WriteBlockHeader.Builder header, List<WorkerAddress> workers) {
        WorkerAddress first = workers.get(0);
        List<WorkerAddress> others = workers.subList(1, workers.size());
        FileIdentity file = block.file();
        PullBlockRequest fromUfs = PullBlockRequest.newBuilder().setHeader(header).setUfs(UfsRange.newBuilder()
                .setPath(file.path()).setOffset(offset).setFileLength(file.length()).setModificationTimeMillis(file.modificationTime()).setStreams(streams))
                .addAllForwardTo(others).build();
        Map<String, StorageTierProto> tiers = new LinkedHashMap<>();
        Map<String, Long> copies = new LinkedHashMap<>();
        Map<WorkerAddress, Long> stored = new LinkedHashMap<>();
        try {
            WriteBlockResponse read;
            try {
                read = pull(first, fromUfs, block.blockId());
            }
            catch (UfsPullException e) {
                if (e.reason() == UfsPullException.Reason.UNREADABLE) {
                    // the worker's own words where it gave them (Worker W reading ... of P: why); else the client's (an older worker)
                    Metadata trailers = e.getCause() == null ? null : Status.trailersFromThrowable(e.getCause());
                    String why = trailers == null || trailers.get(RpcErrors.ERROR_KIND) == null ? null : Status.fromThrowable(e.getCause()).getDescription();
                    ufsReaders.cannotRead(first.getWorkerId(), file.path(), why != null && !why.isEmpty() ? why : e.getMessage());
                }
                throw e;
            }
            stored.put(first, read.getCopy());
            List<ForwardedReplica> forwarded = read.getForwardedList();
            for (int i = 0; i < forwarded.size() && i < others.size(); i++) {
                stored.put(others.get(i), forwarded.get(i).getWritten().getCopy());
            }
            long crc = ProtoConversions.crcFromWire(read.getCrc32C());
            checkPulled(block, length, crc, first, read, tiers, copies);
            if (!forwarded.isEmpty()) {
                List<String> answered = forwarded.stream().map(ForwardedReplica::getWorkerId).toList();
                if (!answered.equals(others.stream().map(WorkerAddress::getWorkerId).toList())) {
                    throw new CacheException(String.format("Pulling block %s into %s: the worker answered for the replicas on %s, not %s",
                            block.blockId(), describe(first), answered, others.stream().map(WorkerAddress::getWorkerId).toList()));
                }
                for (int i = 0; i < others.size(); i++) {
                    checkPulled(block, length, crc, others.get(i), forwarded.get(i).getWritten(), tiers, copies);
                }
            }
            else {
                // a worker older than forwarding ignored forward_to: the others copy the block from it
                PullBlockRequest fromFirst = PullBlockRequest.newBuilder().setHeader(header).setWorker(first).build();
                for (WorkerAddress worker : others) {
                    WriteBlockResponse written = pull(worker, fromFirst, block.blockId());
                    stored.put(worker, written.getCopy());
                    checkPulled(block, length, crc, worker, written, tiers, copies);
                }
            }
            return new Pulled(crc, tiers, copies, stored);
        }
        catch (RuntimeException e) {
            stored.forEach((worker, copy) -> removeQuietly(worker, block.blockId(), copy));
            throw isClosed() ? closedException(e) : e;
        }
    }

    /**
     * Checks what {@code worker} stored of a pulled block against its {@code length} and the CRC32C
     * of the block read from the UFS, and notes its tier, copy and evictions.
     */
    private void checkPulled(BlockKey block, long length, long crc, WorkerAddress worker, WriteBlockResponse written,
            Map<String, StorageTierProto> tiers, Map<String, Long> copies) {
        recordEvictions(worker, written);
        if (written.getLength() != length) {
            throw new CacheException(String.format("Block %s on %s: the worker stored %d bytes, not %d", block.blockId(), describe(worker),
                    written.getLength(), length));
        }
        long workerCrc = ProtoConversions.crcFromWire(written.getCrc32C());
        if (workerCrc != crc) {
            throw new CacheException(String.format("Block %s on %s: checksum mismatch: the copy has CRC32C %s, the block read from "
                    + "the UFS %s", block.blockId(), describe(worker), ProtoConversions.formatCrc(workerCrc), ProtoConversions.formatCrc(crc)));
        }
        tiers.put(worker.getWorkerId(), written.getTier());
        copies.put(worker.getWorkerId(), written.getCopy());
    }

    /**
     * One PullBlock call, given time for the stream timeout and a second per MiB. A worker it
     * forwarded the block to that failed is named by the failure: a {@link WorkerUnavailableException}
     * of that worker when it could not be reached.
     */
    private WriteBlockResponse pull(WorkerAddress worker, PullBlockRequest request, String blockId) {
        checkWritesAllowed();
        String action = (request.hasUfs() ? "Pulling block " + blockId + " from the UFS into " : "Copying block " + blockId + " to ") + describe(worker);
        long timeoutMillis = config.streamTimeout().toMillis() + (request.getHeader().getLength() >> 20) * 1000;
        try {
            return WorkerServiceGrpc.newBlockingStub(workerCalls(worker))
                    .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
                    .pullBlock(request);
        }
        catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                if (!request.hasUfs()) {
                    // a copy from another worker: says nothing of the UFS
                    throw new CacheException(action + " failed: the worker does not copy blocks from other workers (an older version)", e);
                }
                throw new UfsPullException(action + " failed: the worker does not pull blocks (an older version)", UfsPullException.Reason.UNREADABLE, e);
            }
            String failed = e.getTrailers() == null ? null : e.getTrailers().get(RpcErrors.FAILED_WORKER);
            CacheException failure = RpcErrors.toCacheException(action, e);
            // unreachable (down, killed, partitioned): the caller may place the block elsewhere
            throw failure instanceof CacheUnavailableException
                    ? new WorkerUnavailableException(failed != null ? failed : worker.getWorkerId(), failure.getMessage(), e)
                    : failure;
        }
    }

    /** The ids of the live workers, as the master has them. */
    private List<String> liveWorkerIds() {
        return clusterInfo().liveWorkers().stream().map(WorkerInfo::id).toList();
    }

    /** The workers known not to read directories of the UFS, for {@link BatchBlockPuller}. */
    UfsReaders ufsReaders() {
        return ufsReaders;
    }

    /** Asks the live workers all at once, each with the stream timeout. */
    @Override
    public Map<String, Optional<UfsPullException>> checkUfs(String path) {
        requireNonNull(path, "path is null");
        checkOpen();
        CheckUfsRequest request = CheckUfsRequest.newBuilder().setPath(path).build();
        Map<String, ListenableFuture<?>> calls = new LinkedHashMap<>();
        for (WorkerInfo worker : clusterInfo().liveWorkers()) {
            WorkerAddress address = WorkerAddress.newBuilder().setWorkerId(worker.id()).setHost(worker.host()).setPort(worker.port()).build();
            try {
                calls.put(worker.id(), workerFutureStub(address)
                        .withDeadlineAfter(config.streamTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .checkUfs(request));
            }
            catch (RuntimeException e) {
                // no channel to it (its host does not resolve): it cannot tell
                log.debug("Worker {} was not asked whether it reads {}: {}", worker.id(), path, e.toString());
            }
        }
        Map<String, Optional<UfsPullException>> answers = new LinkedHashMap<>();
        for (Map.Entry<String, ListenableFuture<?>> call : calls.entrySet()) {
            String workerId = call.getKey();
            try {
                Futures.getUnchecked(call.getValue());
                answers.put(workerId, Optional.empty());
            }
            catch (UncheckedExecutionException e) {
                Status status = Status.fromThrowable(e.getCause());
                CacheException failure = RpcErrors.toCacheException("Worker " + workerId + " looking up " + path, e.getCause());
                if (failure instanceof UfsPullException unreadable
                        && (unreadable.reason() == UfsPullException.Reason.UNREADABLE || unreadable.reason() == UfsPullException.Reason.DENIED
                        || unreadable.reason() == UfsPullException.Reason.NOT_FOUND)) {
                    // the worker's own words: Worker W looking up P: why
                    String why = status.getDescription() != null ? status.getDescription() : unreadable.getMessage();
                    answers.put(workerId, Optional.of(new UfsPullException(why, unreadable.reason(), e.getCause())));
                }
                else {
                    // older than the question (UNIMPLEMENTED), gone, or failing otherwise: it cannot tell
                    log.debug("Worker {} did not say whether it reads {}: {}", workerId, path, status);
                }
            }
        }
        return answers;
    }

    /**
     * Pulls the blocks as {@link #pullBlock} pulls one, on one stream each, with one placement
     * call, one PullBlocks call per first worker (per 1,024 blocks or 64 MiB), and one commit
     * ({@link BatchBlockPuller}).
     */
    @Override
    public List<BlockWriteOutcome> pullBlocks(List<BlockRange> blocks, WriteOptions options) {
        requireNonNull(blocks, "blocks is null");
        requireNonNull(options, "options is null");
        checkOpen();
        checkWritesAllowed();
        return new BatchBlockPuller(this, options).pull(blocks);
    }

    @Override
    public List<BlockWriteOutcome> writeBlocks(List<BlockData> blocks, WriteOptions options) {
        requireNonNull(blocks, "blocks is null");
        requireNonNull(options, "options is null");
        checkOpen();
        checkWritesAllowed();
        return new BatchBlockWriter(this, options).write(blocks);
    }

    @Override
    public InputStream openReader(BlockKey block) {
        return openReader(block, 0);
    }

    @Override
    public InputStream openReader(BlockKey block, long offset) {
        requireNonNull(block, "block is null");
        checkArgument(offset >= 0, "offset must be >= 0: %s", offset);
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
        Comparator<WorkerAddress> order = Comparator
                .comparing((WorkerAddress worker) -> !isLocal(worker.getHost()))
                .thenComparing(worker -> tierRank(locations.getWorkerTiersOrDefault(worker.getWorkerId(),
                        StorageTierProto.STORAGE_TIER_UNSPECIFIED)))
                .thenComparing(WorkerAddress::getWorkerId);
        List<WorkerAddress> replicas = locations.getWorkersList().stream().sorted(order).toList();
        checkArgument(offset <= locations.getLength(), "offset %s is past the end of block %s (%s bytes)", offset, block.blockId(),
                locations.getLength());
        return new BlockInputStream(this, block, offset, locations.getLength(),
                ProtoConversions.crcFromWire(locations.getCrc32C()), replicas);
    }

    @Override
    public TempAreas tempAreas() {
        return tempAreas;
    }

    @Override
    public FreeResult free(FileIdentity file) {
        requireNonNull(file, "file is null");
        FreeResponse response = callMaster("Freeing " + file.path(), () -> masterStub().free(FreeRequest.newBuilder()
                .setFile(ProtoConversions.toProto(file)).build()));
        return new FreeResult(response.getFiles(), response.getBlocks(), response.getBytes());
    }

    @Override
    public FreeResult freePath(String path) {
        requireNonNull(path, "path is null");
        checkArgument(!path.isEmpty(), "path is empty");
        FreeResponse response = callMaster("Freeing every identity of " + path, () -> masterStub().free(
                FreeRequest.newBuilder().setPath(path).build()));
        return new FreeResult(response.getFiles(), response.getBlocks(), response.getBytes());
    }

    @Override
    public FreeResult freePrefix(String pathPrefix) {
        requireNonNull(pathPrefix, "pathPrefix is null");
        checkArgument(!pathPrefix.isEmpty(), "pathPrefix is empty");
        FreeResponse response = callMaster("Freeing the files under " + pathPrefix, () -> masterStub().free(
                FreeRequest.newBuilder().setPathPrefix(pathPrefix).build()));
        return new FreeResult(response.getFiles(), response.getBlocks(), response.getBytes());
    }

    @Override
    public UnderReplication underReplicated(String pathPrefix, int limit) {
        requireNonNull(pathPrefix, "pathPrefix is null");
        checkArgument(limit >= 0, "limit must be >= 0: %s", limit);
        GetUnderReplicatedResponse response = callMaster("Listing under-replicated blocks",
                () -> masterStub().getUnderReplicated(GetUnderReplicatedRequest.newBuilder()
                        .setPathPrefix(pathPrefix).setLimit(limit).build()));
        List<UnderReplicatedBlock> blocks = new ArrayList<>();
        for (UnderReplicatedBlockProto block : response.getBlocksList()) {
            BlockRecord record = block.getBlock();
            List<String> live = block.getLiveWorkerIdsList().stream().sorted().toList();
            List<String> lost = record.getWorkerIdsList().stream().filter(id -> !live.contains(id)).sorted().toList();
            blocks.add(new UnderReplicatedBlock(new BlockKey(ProtoConversions.fromProto(record.getFile()),
                    record.getIndex()), Math.max(1, record.getReplication()), live, lost));
        }
        return new UnderReplication(response.getCount(), blocks);
    }

    /**
     * Asks {@code worker} to abort the short-circuit writes {@code writeIds}, waiting for its answer
     * at most {@link #ABORT_WRITE_TIMEOUT}; failures are only logged. A best-effort clean-up: a
     * worker that does not answer (hung, or gone) aborts the writes itself once they are idle, so
     * the writing thread does not wait a whole call timeout on it. It waits at all so that a write
     * closed or failed has, on a worker that answers, freed its temp file and its room by then.
     */
    void abortLocalWritesQuietly(WorkerAddress worker, List<String> writeIds) {
        if (writeIds.isEmpty()) {
            return;
        }
        CompleteLocalWritesRequest.Builder abort = CompleteLocalWritesRequest.newBuilder();
        writeIds.forEach(writeId -> abort.addBlocks(CompleteLocalWriteRequest.newBuilder().setWriteId(writeId).setAbort(true)));
        // a thread told to stop (a load that fails, a Spark task killed) aborts its writes all the same: a blocking call on an
        // interrupted thread is cancelled at once, and the worker would keep the write's file and room until it is idle long enough
        boolean interrupted = Thread.interrupted();
        try {
            WorkerServiceGrpc.newBlockingStub(workerCalls(worker))
                    .withDeadlineAfter(ABORT_WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .completeLocalWrites(abort.build());
        }
        catch (RuntimeException e) {
            String what = writeIds.size() == 1 ? "the local write " + writeIds.get(0) : writeIds.size() + " local writes";
            log.warn("Cannot abort {} on {}: {}", what, describe(worker), e.toString());
        }
        finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Aborts the short-circuit writes open on workers, one {@code CompleteLocalWrites} call per
     * worker, all at once, each with {@code timeout} as its deadline; writes that start later fail
     * ({@link #checkWritesAllowed}), and so does a short-circuit write it overtakes before the
     * write's temp file is there: it is not streamed instead. The threads writing the aborted ones
     * carry on, and fail when they complete.
     */
    @Override
    public int abortUnfinishedWrites(Duration timeout) {
        requireNonNull(timeout, "timeout is null");
        writesAborted = true;
        Map<WorkerAddress, List<String>> byWorker = new LinkedHashMap<>();
        for (String writeId : List.copyOf(unfinishedLocalWrites.keySet())) {
            WorkerAddress worker = unfinishedLocalWrites.remove(writeId);
            if (worker != null) {
                byWorker.computeIfAbsent(worker, any -> new ArrayList<>()).add(writeId);
            }
        }
        List<ListenableFuture<WriteBlocksResponse>> calls = new ArrayList<>();
        byWorker.forEach((worker, writeIds) -> {
            CompleteLocalWritesRequest.Builder abort = CompleteLocalWritesRequest.newBuilder();
            writeIds.forEach(writeId -> abort.addBlocks(CompleteLocalWriteRequest.newBuilder().setWriteId(writeId).setAbort(true)));
            try {
                calls.add(workerFutureStub(worker).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                        .completeLocalWrites(abort.build()));
            }
            catch (RuntimeException e) {
                log.warn("Cannot abort {} local writes on {}: {}", writeIds.size(), describe(worker), e.toString());
            }
        });
        int aborted = 0;
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ListenableFuture<WriteBlocksResponse> call : calls) {
            try {
                aborted += (int) call.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS).getResultsList().stream()
                        .filter(result -> !result.hasError())
                        .count();
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            catch (ExecutionException | TimeoutException e) {
                log.warn("Aborting local writes failed: {}", e.toString());
            }
        }
        return aborted;
    }

    /** Records short-circuit writes {@code worker} handed out; after {@link #abortUnfinishedWrites}, aborts them and fails. */
    void localWritesOpened(WorkerAddress worker, Collection<String> writeIds) {
        writeIds.forEach(writeId -> unfinishedLocalWrites.put(writeId, worker));
        if (writesAborted) {
            abortUnfinishedWrites(Duration.ofSeconds(2));
            throw writesAbortedException();
        }
    }

    /** Forgets short-circuit writes that were completed or aborted (or that failed to, the worker then aborting them). */
    void localWritesEnded(Collection<String> writeIds) {
        writeIds.forEach(unfinishedLocalWrites::remove);
    }

    /** @throws CacheException when {@link #abortUnfinishedWrites} was called */
    void checkWritesAllowed() {
        if (writesAborted) {
            throw writesAbortedException();
        }
    }

    /** Whether {@code worker} answered a PullBlocks call as unknown: it is older than batched pulls. */
    boolean lacksBatchPulls(WorkerAddress worker) {
        return noBatchPulls.contains(worker.getHost() + ":" + worker.getPort());
    }

    /** Remembers that {@code worker} answered a PullBlocks call as unknown, for the client's life. */
    void noBatchPulls(WorkerAddress worker) {
        noBatchPulls.add(worker.getHost() + ":" + worker.getPort());
    }

    /** Whether {@link #abortUnfinishedWrites} was called: a write that fails then was refused, whatever its error. */
    boolean writesAborted() {
        return writesAborted;
    }

    /** The failure of a write refused because {@link #abortUnfinishedWrites} was called. */
    CacheException writesAbortedException() {
        return new CacheException("The cache client of master " + masterTarget + " aborted its unfinished writes: the process stops");
    }

    @Override
    public WriteEvictions writeEvictions() {
        return writeEvictions;
    }

    /** Records the blocks {@code worker} says it evicted to make room for the block of {@code written}. */
    void recordEvictions(WorkerAddress worker, WriteBlockResponse written) {
        for (int i = 0; i < written.getEvictedBlockIdsCount(); i++) {
            long length = i < written.getEvictedBlockLengthsCount() ? written.getEvictedBlockLengths(i) : 0;
            writeEvictions.add(worker.getWorkerId(), written.getEvictedBlockIds(i), length);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<ManagedChannel> channels;
        synchronized (workerChannels) {
            channels = new ArrayList<>(workerChannels.values());
            channels.addAll(evictedWithUnstartedCalls);
            evictedWithUnstartedCalls.clear();
        }
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
            domainSocketLoops.close();
            callbacks.shutdownNow();
        }
    }

    /**
     * Records a block its replicas' workers confirmed (or puts it into the temp area of the
     * options), the tier each worker stored it on by worker id ({@code UNSPECIFIED} when not
     * known), and the number each worker gave its copy (0 when not known), so that the master
     * records no copy a worker deleted before this commit arrived.
     *
     * @throws EvictedBeforeCommitException when the master did not record the block on some or
     *     all of its workers: they deleted their copy (evicted it) before the commit arrived
     * @throws CacheException when the master refuses or cannot be reached
     */
    BlockWriteResult commitAtMaster(BlockKey block, long length, long crc32c, Map<String, StorageTierProto> tiers,
            Map<String, Long> copies, WriteOptions options) {
        List<String> workerIds = tiers.keySet().stream().sorted().toList();
        CommitBlockRequest.Builder request = CommitBlockRequest.newBuilder()
                .setFile(ProtoConversions.toProto(block.file()))
                .setIndex(block.index())
                .setLength(length)
                .setCrc32C(ProtoConversions.crcToWire(crc32c))
                .addAllWorkerIds(workerIds)
                .setReplication(options.replication());
        tiers.forEach((worker, tier) -> {
            if (tier != StorageTierProto.STORAGE_TIER_UNSPECIFIED) {
                request.putWorkerTiers(worker, tier);
            }
        });
        copies.forEach((worker, copy) -> {
            if (copy != 0 && tiers.containsKey(worker)) {
                request.putWorkerCopies(worker, copy);
            }
        });
        options.tempArea().ifPresent(request::setTempArea);
        CommitBlockResponse response = callMaster((options.tempArea().isPresent()
                ? "Putting block " + block.blockId() + " into the temp area of job " + options.tempArea().get()
                : "Committing block " + block.blockId()), () -> masterStub().commitBlock(request.build()));
        if (response.getNotRecordedWorkerIdsCount() > 0) {
            throw new EvictedBeforeCommitException(block.blockId(), response.getNotRecordedWorkerIdsList());
        }
        return new BlockWriteResult(block, length, crc32c, workerIds);
    }

    ClientConfig config() {
        return config;
    }

    MasterServiceGrpc.MasterServiceBlockingStub masterStub() {
        return masterStub(config.rpcTimeout());
    }

    /** A stub for a call that may take the master longer than the usual deadline. */
    private MasterServiceGrpc.MasterServiceBlockingStub masterStub(Duration timeout) {
        return MasterServiceGrpc.newBlockingStub(masterChannel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    String masterTarget() {
        return masterTarget;
    }

    WorkerServiceGrpc.WorkerServiceStub workerStub(WorkerAddress worker) {
        return WorkerServiceGrpc.newStub(workerCalls(worker));
    }

    /**
     * A stub for block-write streams to {@code worker}: their calls stay ready while less than
     * {@link #WRITE_QUEUE_CHUNKS} chunks wait to go out, instead of gRPC's default of 32 KiB, so
     * that a writer can hand over the next chunk while the transport still sends the one before
     * (with gRPC's default, it waits for the socket after every chunk).
     */
    WorkerServiceGrpc.WorkerServiceStub workerWriteStub(WorkerAddress worker) {
        return workerStub(worker).withOnReadyThreshold(WRITE_QUEUE_CHUNKS * config.chunkBytes());
    }

    /**
     * The channel to {@code worker}, made on first use. Making one resolves the worker's host and
     * may probe its domain socket, which can take long (a slow or failing DNS): that is done
     * without the lock of the channels, so that callers for other workers do not wait for it;
     * callers for the same worker wait for the one channel being made.
     *
     * @throws CacheException when the client is closed, also while the channel is made
     */
    ManagedChannel workerChannel(WorkerAddress worker) {
        return workerChannel(worker, false);
    }

    /**
     * Calls to {@code worker}, each on the pool's channel to it as the call is made: a channel that
     * leaves the pool (for another worker's, past {@link ClientConfig#maxWorkerChannels()}) is
     * shut down only once the calls made on it have started, which then finish; a call made on a
     * channel already shut down would fail at once ({@code Channel shutdown invoked}).
     */
    Channel workerCalls(WorkerAddress worker) {
        return new Channel() {
            @Override
            public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
                ManagedChannel channel = workerChannel(worker, true);
                ClientCall<Q, R> call;
                try {
                    call = channel.newCall(method, options);
                }
                catch (RuntimeException | Error e) {
                    callStarted(channel);
                    throw e;
                }
                AtomicBoolean started = new AtomicBoolean();
                // started, or cancelled first: counted once either way
                Runnable counted = () -> {
                    if (started.compareAndSet(false, true)) {
                        callStarted(channel);
                    }
                };
                return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        try {
                            super.start(listener, headers);
                        }
                        finally {
                            counted.run();
                        }
                    }

                    @Override
                    public void cancel(String message, Throwable cause) {
                        try {
                            super.cancel(message, cause);
                        }
                        finally {
                            counted.run();
                        }
                    }
                };
            }

            @Override
            public String authority() {
                return worker.getHost() + ":" + worker.getPort();
            }
        };
    }

    /**
     * A call made on {@code channel} by {@link #workerCalls} has started (or was cancelled first):
     * a channel out of the pool whose calls have all started is shut down now.
     */
    private void callStarted(ManagedChannel channel) {
        boolean shutDown;
        synchronized (workerChannels) {
            Integer left = unstartedCalls.computeIfPresent(channel, (key, count) -> count > 1 ? count - 1 : null);
            shutDown = left == null && evictedWithUnstartedCalls.remove(channel);
        }
        if (shutDown) {
            channel.shutdown();
        }
    }

    /**
     * As {@link #workerChannel(WorkerAddress)}; with {@code forCall}, a call is about to be made on
     * the channel returned, which stays open for it (see {@link #callStarted}) however soon another
     * thread's channel evicts it from the pool.
     */
    private ManagedChannel workerChannel(WorkerAddress worker, boolean forCall) {
        checkOpen();
        // the socket it advertises too: a worker started again on its port without its socket (or
        // with another) gets a channel of the transport it serves on now, in place of the old one
        String address = worker.getHost() + ":" + worker.getPort() + " ";
        String target = address + worker.getDomainSocket();
        CompletableFuture<ManagedChannel> made;
        boolean maker = false;
        synchronized (workerChannels) {
            ManagedChannel channel = workerChannels.get(target);
            if (channel != null) {
                if (forCall) {
                    unstartedCalls.merge(channel, 1, Integer::sum);
                }
                return channel;
            }
            made = workerChannelsMade.get(target);
            if (made == null) {
                made = new CompletableFuture<>();
                workerChannelsMade.put(target, made);
                maker = true;
            }
        }
        if (!maker) {
            ManagedChannel channel = awaitChannel(made);
            // for a call: taken from the pool, where it may have been evicted already, and then a new one is made
            return forCall ? workerChannel(worker, true) : channel;
        }
        ManagedChannel channel;
        try {
            channel = newWorkerChannel(worker);
        }
        catch (RuntimeException e) {
            // the event loops of domain sockets are shut down by close(): say that, not Netty's words
            RuntimeException failure = closed ? closedException(e) : e;
            synchronized (workerChannels) {
                workerChannelsMade.remove(target);
            }
            made.completeExceptionally(failure);
            throw failure;
        }
        catch (Error e) {
            // a transport that cannot load (a native library, a class): the callers waiting for this channel fail with it too
            synchronized (workerChannels) {
                workerChannelsMade.remove(target);
            }
            made.completeExceptionally(e);
            throw e;
        }
        List<ManagedChannel> evicted = new ArrayList<>();
        synchronized (workerChannels) {
            workerChannelsMade.remove(target);
            for (Iterator<Map.Entry<String, ManagedChannel>> entries = workerChannels.entrySet().iterator(); entries.hasNext(); ) {
                Map.Entry<String, ManagedChannel> entry = entries.next();
                if (entry.getKey().startsWith(address)) {
                    evicted.add(entry.getValue());
                    entries.remove();
                }
            }
            workerChannels.put(target, channel);
            if (forCall) {
                unstartedCalls.merge(channel, 1, Integer::sum);
            }
            if (workerChannels.size() > config.maxWorkerChannels()) {
                Map.Entry<String, ManagedChannel> eldest = workerChannels.entrySet().iterator().next();
                evicted.add(eldest.getValue());
                workerChannels.remove(eldest.getKey());
            }
            // one with calls made on it and not started yet is shut down as the last of them starts
            evicted.removeIf(old -> unstartedCalls.containsKey(old) && evictedWithUnstartedCalls.add(old));
        }
        made.complete(channel);
        // Calls in progress on them finish; new calls use the new channel.
        evicted.forEach(ManagedChannel::shutdown);
        if (closed) {
            // close() may have missed a channel created concurrently with it.
            channel.shutdownNow();
            throw closedException(null);
        }
        return channel;
    }

    /** The channel another thread makes in {@code made}, or its failure. */
    private ManagedChannel awaitChannel(CompletableFuture<ManagedChannel> made) {
        ManagedChannel channel;
        try {
            channel = made.get();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheException("Interrupted while waiting for a channel to a worker", e);
        }
        catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new CacheException("Cannot connect to a worker: " + e.getCause(), e.getCause());
        }
        checkOpen();
        return channel;
    }

    /** Whether {@link #close()} was called. */
    boolean isClosed() {
        return closed;
    }

    /** @throws CacheException when the client is closed */
    private void checkOpen() {
        if (closed) {
            throw closedException(null);
        }
    }

    /** What a call of a closed client (or one closed while it ran, for {@code cause}) fails with. */
    CacheException closedException(Throwable cause) {
        return new CacheException("The cache client of master " + masterTarget + " is closed", cause);
    }

    /**
     * What a call that failed with {@code failure} fails with: {@link #closedException} when the
     * client is closed (its executors and event loops, shut down, reject the call's work), else
     * {@code failure}.
     */
    RuntimeException closedOr(RuntimeException failure) {
        return closed ? closedException(failure) : failure;
    }

    WorkerServiceGrpc.WorkerServiceFutureStub workerFutureStub(WorkerAddress worker) {
        return WorkerServiceGrpc.newFutureStub(workerCalls(worker));
    }

    WorkerServiceGrpc.WorkerServiceBlockingStub workerBlockingStub(WorkerAddress worker) {
        return WorkerServiceGrpc.newBlockingStub(workerCalls(worker))
                .withDeadlineAfter(config.rpcTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether the channel to the master and every worker channel in the pool are shut down: after {@link #close()}, none is left open. */
    boolean channelsShutDown() {
        synchronized (workerChannels) {
            return masterChannel.isShutdown() && workerChannels.values().stream().allMatch(ManagedChannel::isShutdown);
        }
    }

    /** Worker channels open now; at most {@link ClientConfig#maxWorkerChannels()}. */
    int workerChannelCount() {
        synchronized (workerChannels) {
            return workerChannels.size();
        }
    }

    /** Whether a write to {@code worker} may try a short-circuit local write: it is on this host and has not refused one. */
    /**
     * Checks that {@code count} more bytes fit a block writer's block of {@code length} bytes of
     * which {@code written} are written.
     *
     * @throws IllegalArgumentException when they do not
     */
    static void checkFits(String blockId, long length, long written, long count) {
        if (written + count > length) {
            throw new IllegalArgumentException(String.format(
                    "Block %s has %d bytes: %d are written, %d more would exceed it", blockId, length, written, count));
        }
    }

    /** Whether short-circuit writes to {@code worker} are on, it is on this host and has not refused them. */
    boolean shortCircuitCandidate(WorkerAddress worker) {
        return config.shortCircuitWrites() && isLocal(worker.getHost()) && !noShortCircuit.containsKey(worker.getHost() + ":" + worker.getPort());
    }

    /** Stops trying short-circuit writes to {@code worker}, which cannot take them, and says why once. */
    void shortCircuitUnavailable(WorkerAddress worker, String reason) {
        if (noShortCircuit.putIfAbsent(worker.getHost() + ":" + worker.getPort(), Boolean.TRUE) == null) {
            log.info("Writing to {} over gRPC: no short-circuit writes ({})", describe(worker), reason);
        }
    }

    static Logger log() {
        return log;
    }

    /**
     * Whether {@code host} names this machine: a loopback address or one of its interfaces. The
     * name is resolved outside any lock (not in {@code computeIfAbsent}, which would hold up the
     * other hosts of its bin while DNS answers); two threads may both resolve a new name.
     */
    private boolean isLocal(String host) {
        Boolean known = localHosts.get(host);
        if (known != null) {
            return known;
        }
        boolean local;
        try {
            InetAddress address = resolver.resolve(host);
            local = address.isLoopbackAddress() || address.isAnyLocalAddress() || NetworkInterface.getByInetAddress(address) != null;
        }
        catch (UnknownHostException | SocketException e) {
            local = false;
        }
        Boolean first = localHosts.putIfAbsent(host, local);
        return first != null ? first : local;
    }

    /** Faster tiers first; an unrecorded tier after every known one. */
    private static int tierRank(StorageTierProto tier) {
        return ProtoConversions.fromProto(tier).map(StorageTier::ordinal).orElse(StorageTier.values().length);
    }

    /**
     * Asks {@code worker} to delete {@code copy} of {@code blockId} (any copy when 0), without
     * waiting; failures are only logged. A copy a later write of the block stored stays: the
     * request may arrive after that write.
     */
    void removeQuietly(WorkerAddress worker, String blockId, long copy) {
        try {
            workerStub(worker).withDeadlineAfter(config.rpcTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .removeBlock(RemoveBlockRequest.newBuilder().setBlockId(blockId).setCopy(copy).build(),
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
        return callMaster(action, config.rpcTimeout(), call);
    }

    /** As {@link #callMaster(String, Supplier)}, for a call whose deadline is {@code timeout}. */
    private <T> T callMaster(String action, Duration timeout, Supplier<T> call) {
        checkOpen();
        long started = System.nanoTime();
        try {
            T answer = call.get();
            masterAnswered();
            return answer;
        }
        catch (StatusRuntimeException e) {
            throw masterFailure(action + " at master " + masterTarget, e, started, timeout);
        }
    }

    /** Notes that the master answered a call (with a result or a refusal): it is not silent. */
    synchronized void masterAnswered() {
        masterAnsweredAt = System.nanoTime();
        masterSilentSince = ANSWERING;
    }

    /** Notes that a call to the master started at {@code started} (System.nanoTime) got no answer. */
    private synchronized void masterUnanswered(long started) {
        if (masterSilentSince == ANSWERING) {
            // a call started before the last answer says nothing of the time before that answer
            masterSilentSince = Math.max(started, masterAnsweredAt);
        }
    }

    /**
     * Present from the start of the first call to the master that got no answer (unreachable,
     * deadline passed) after its last answer, until it answers again; the limit is twice
     * {@link ClientConfig#rpcTimeout()}, or, while a call the master may take minutes over is
     * under way (a scope commit, which keeps the master's other calls waiting), until that call's
     * deadline: the master works for this client then.
     */
    @Override
    public synchronized Optional<MasterSilence> masterSilence() {
        if (masterSilentSince == ANSWERING) {
            return Optional.empty();
        }
        Duration limit = config.rpcTimeout().multipliedBy(2);
        for (long deadline : longCallDeadlines) {
            Duration untilDeadline = Duration.ofNanos(deadline - masterSilentSince);
            limit = untilDeadline.compareTo(limit) > 0 ? untilDeadline : limit;
        }
        return Optional.of(new MasterSilence(masterTarget, Duration.ofNanos(Math.max(0, System.nanoTime() - masterSilentSince)), limit));
    }

    /**
     * As {@link #callMaster(String, Supplier)}, with deadline {@code timeout}, for a call the master
     * may take minutes over ({@link #masterSilence}).
     */
    private <T> T callMasterLong(String action, Duration timeout, Function<MasterServiceGrpc.MasterServiceBlockingStub, T> call) {
        Long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            longCallDeadlines.add(deadline);
        }
        try {
            return callMaster(action, timeout, () -> call.apply(masterStub(timeout)));
        }
        finally {
            synchronized (this) {
                longCallDeadlines.remove(deadline);
            }
        }
    }

    /**
     * The api exception for a failed call to the master: a {@link MasterUnavailableException} when
     * the master could not be reached or did not answer in time (a call started at {@code started},
     * System.nanoTime, that counts towards its {@link #masterSilence}), else as {@link RpcErrors} says.
     */
    CacheException masterFailure(String action, StatusRuntimeException failure, long started) {
        return masterFailure(action, failure, started, config.rpcTimeout());
    }

    /** As {@link #masterFailure(String, StatusRuntimeException, long)}, of a call whose deadline was {@code timeout}. */
    private CacheException masterFailure(String action, StatusRuntimeException failure, long started, Duration timeout) {
        if (closed) {
            // the channel was shut down under the call: not a master that stopped answering
            return closedException(failure);
        }
        if (RpcErrors.answeredHttpNotGrpc(failure)) {
            return new NotACacheMasterException(masterTarget, failure);
        }
        if (failure.getStatus().getCode() == Status.Code.UNIMPLEMENTED && String.valueOf(failure.getStatus().getDescription())
                .contains(MasterServiceGrpc.getGetClusterInfoMethod().getFullMethodName())) {
            // every master serves that call, the first a command makes: gRPC without the master's service
            return new NotACacheMasterException(masterTarget, "it answers gRPC without the master's service: a cache worker's address, or another "
                    + "gRPC service", failure);
        }
        if (failure.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
            masterUnanswered(started);
            // gRPC's own words name its name resolution and load balancing delays: what they come to is no answer
            return new MasterUnavailableException(masterTarget, "%s failed: no answer within %s".formatted(action, Counts.of(timeout)),
                    Optional.of(timeout), failure);
        }
        CacheException exception = RpcErrors.toCacheException(action, failure);
        if (!(exception instanceof CacheUnavailableException)) {
            masterAnswered();
            return exception;
        }
        masterUnanswered(started);
        if (failure.getStatus().getCode() == Status.Code.UNAVAILABLE) {
            // gRPC backs the channel's reconnection off, up to two minutes: the next call connects again, so that a
            // load waiting for its master goes on within a call of the master's return
            masterChannel.resetConnectBackoff();
        }
        return new MasterUnavailableException(masterTarget, exception.getMessage(), failure);
    }


    private ManagedChannel newChannel(String target) {
        return RpcChannels.newChannel(target, config.token(), Optional.of(callbacks));
    }

    /**
     * A channel to {@code worker}: over the domain socket it serves on when it is on this host and
     * the socket is reachable here ({@link ClientConfig#domainSockets()}), else over TCP.
     */
    private ManagedChannel newWorkerChannel(WorkerAddress worker) {
        if (config.domainSockets() && !worker.getDomainSocket().isEmpty() && isLocal(worker.getHost())) {
            if (!DomainSockets.isSocketOf(worker.getDomainSocket(), worker.getHost(), worker.getPort())) {
                log.warn("Connecting to {} over TCP: the domain socket the master gives for it, {}, is not named after its address",
                        describe(worker), worker.getDomainSocket());
                return newChannel(worker.getHost() + ":" + worker.getPort());
            }
            Path socket = Path.of(worker.getDomainSocket());
            if (DomainSockets.connectable(socket)) {
                log.debug("Connecting to {} over its domain socket {}", describe(worker), socket);
                return RpcChannels.newDomainSocketChannel(socket, domainSocketLoops, config.token(), Optional.of(callbacks));
            }
            log.debug("Connecting to {} over TCP: its domain socket {} is not reachable here", describe(worker), socket);
        }
        return newChannel(worker.getHost() + ":" + worker.getPort());
    }

    /** Which replicas of one block their workers confirmed; written by the calls' callbacks. */
    private static final class Confirmation {
        private final BlockKey block;
        private final BlockLocations locations;
        private final AtomicIntegerArray confirmed;

        Confirmation(BlockKey block, BlockLocations locations) {
            this.block = block;
            this.locations = locations;
            this.confirmed = new AtomicIntegerArray(locations.getWorkersCount());
        }

        BlockKey block() {
            return block;
        }

        BlockLocations locations() {
            return locations;
        }

        /**
         * Counts {@code replica} when {@code stat}, its worker's answer, has the length and CRC32C
         * the master recorded; otherwise adds the difference to {@code unconfirmed}.
         */
        void check(int replica, StatBlockResponse stat, ConcurrentMap<String, Unconfirmed> unconfirmed) {
            if (stat.getLength() == locations.getLength() && stat.getCrc32C() == locations.getCrc32C()) {
                confirmed.set(replica, 1);
                return;
            }
            Unconfirmed.add(unconfirmed, locations.getWorkers(replica), 1, String.format(
                    "it holds block %s with %d bytes and CRC32C %s, the master recorded %d bytes and CRC32C %s",
                    block.blockId(), stat.getLength(), ProtoConversions.formatCrc(ProtoConversions.crcFromWire(stat.getCrc32C())),
                    locations.getLength(), ProtoConversions.formatCrc(ProtoConversions.crcFromWire(locations.getCrc32C()))));
        }

        /** The block with the workers that confirmed it, sorted by id. */
        CachedBlock confirmed() {
            List<String> workerIds = new ArrayList<>();
            for (int replica = 0; replica < confirmed.length(); replica++) {
                if (confirmed.get(replica) == 1) {
                    workerIds.add(locations.getWorkers(replica).getWorkerId());
                }
            }
            workerIds.sort(Comparator.naturalOrder());
            return new CachedBlock(locations.getIndex(), locations.getLength(),
                    ProtoConversions.crcFromWire(locations.getCrc32C()), workerIds);
        }
    }

    /**
     * The replicas one worker did not confirm: how many, and why the first was not.
     *
     * @param count replicas not confirmed
     * @param first the reason of the first
     */
    private record Unconfirmed(int count, String first) {
        /** Adds {@code count} replicas on {@code worker} not confirmed for {@code reason}. */
        static void add(ConcurrentMap<String, Unconfirmed> unconfirmed, WorkerAddress worker, int count, String reason) {
            unconfirmed.merge(describe(worker), new Unconfirmed(count, reason),
                    (before, again) -> new Unconfirmed(before.count() + again.count(), before.first()));
        }
    }

    /** Replica {@code replica} (an index into the block's locations) of the block of {@code confirmation}. */
    private record Replica(Confirmation confirmation, int replica) {
        String blockId() {
            return confirmation.block().blockId();
        }
    }

    /** The replicas {@link #confirmedBlocks} asks one worker about. */
    private static final class WorkerReplicas {
        private final WorkerAddress worker;
        private final List<Replica> replicas = new ArrayList<>();

        WorkerReplicas(WorkerAddress worker) {
            this.worker = worker;
        }

        void add(Replica replica) {
            replicas.add(replica);
        }
    }

    /**
     * The {@code StatBlocks} calls of one {@link #confirmedBlocks}: each worker's replicas in
     * batches of at most {@link #STAT_BLOCKS_PER_CALL}, sent over at most
     * {@link #STAT_BATCHES_IN_FLIGHT_PER_WORKER} lanes per worker, a lane sending its next batch
     * when the one before has ended (callbacks on the transport's threads, no thread waits).
     */
    private final class StatRound {
        private final ConcurrentMap<String, Unconfirmed> unconfirmed;
        private final List<WorkerBatches> workers = new ArrayList<>();
        /** The replicas of workers that answered UNIMPLEMENTED, to ask about one by one. */
        private final Queue<Replica> oneByOne = new ConcurrentLinkedQueue<>();
        private final AtomicReference<RuntimeException> closedFailure = new AtomicReference<>();
        private final CountDownLatch lanesDone;

        StatRound(Collection<WorkerReplicas> replicas, ConcurrentMap<String, Unconfirmed> unconfirmed) {
            this.unconfirmed = unconfirmed;
            int lanes = 0;
            for (WorkerReplicas worker : replicas) {
                WorkerBatches batches = new WorkerBatches(worker.worker);
                for (int from = 0; from < worker.replicas.size(); from += STAT_BLOCKS_PER_CALL) {
                    batches.batches.add(worker.replicas.subList(from, Math.min(from + STAT_BLOCKS_PER_CALL, worker.replicas.size())));
                }
                batches.lanes = Math.min(STAT_BATCHES_IN_FLIGHT_PER_WORKER, batches.batches.size());
                lanes += batches.lanes;
                workers.add(batches);
            }
            this.lanesDone = new CountDownLatch(lanes);
        }

        /**
         * Sends every batch and waits until all have ended (every call has a deadline).
         *
         * @return the replicas of workers that take no {@code StatBlocks}, not asked about yet
         * @throws CacheException when the client was closed meanwhile
         */
        List<Replica> run() throws InterruptedException {
            for (WorkerBatches worker : workers) {
                for (int lane = 0; lane < worker.lanes; lane++) {
                    sendNext(worker);
                }
            }
            lanesDone.await();
            RuntimeException failure = closedFailure.get();
            if (failure != null) {
                throw failure;
            }
            return List.copyOf(oneByOne);
        }

        /** Sends the next batch of {@code worker} on one of its lanes, or ends the lane when none is left. */
        private void sendNext(WorkerBatches worker) {
            while (true) {
                List<Replica> batch = worker.batches.poll();
                if (batch == null) {
                    lanesDone.countDown();
                    return;
                }
                if (worker.statBlocksUnimplemented) {
                    oneByOne.addAll(batch);
                    continue;
                }
                StatBlocksRequest.Builder request = StatBlocksRequest.newBuilder();
                batch.forEach(replica -> request.addBlockIds(replica.blockId()));
                ListenableFuture<StatBlocksResponse> call;
                try {
                    call = workerFutureStub(worker.worker)
                            .withDeadlineAfter(config.rpcTimeout().toMillis(), TimeUnit.MILLISECONDS)
                            .statBlocks(request.build());
                }
                catch (RuntimeException e) {
                    if (closed) {
                        closedFailure.compareAndSet(null, e);
                    }
                    else {
                        Unconfirmed.add(unconfirmed, worker.worker, batch.size(), "asking about " + describeBlocks(batch) + " failed: " + e);
                    }
                    continue;
                }
                Futures.addCallback(call, new FutureCallback<StatBlocksResponse>() {
                    @Override
                    public void onSuccess(StatBlocksResponse response) {
                        try {
                            answered(worker.worker, batch, response);
                        }
                        finally {
                            sendNext(worker);
                        }
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        try {
                            if (Status.fromThrowable(t).getCode() == Status.Code.UNIMPLEMENTED) {
                                if (!worker.statBlocksUnimplemented) {
                                    worker.statBlocksUnimplemented = true;
                                    log.debug("{} takes no StatBlocks calls (an older worker): asking it about each block", describe(worker.worker));
                                }
                                oneByOne.addAll(batch);
                            }
                            else {
                                Unconfirmed.add(unconfirmed, worker.worker, batch.size(),
                                        RpcErrors.toCacheException("Asking about " + describeBlocks(batch), t).getMessage());
                            }
                        }
                        finally {
                            sendNext(worker);
                        }
                    }
                }, MoreExecutors.directExecutor());
                return;
            }
        }

        /** Counts the replicas of {@code batch} that {@code worker}'s answer confirms. */
        private void answered(WorkerAddress worker, List<Replica> batch, StatBlocksResponse response) {
            if (response.getResultsCount() != batch.size()) {
                Unconfirmed.add(unconfirmed, worker, batch.size(), String.format("asked about %s, it answered for %d blocks",
                        describeBlocks(batch), response.getResultsCount()));
                return;
            }
            for (int i = 0; i < batch.size(); i++) {
                Replica replica = batch.get(i);
                BlockStatResult result = response.getResults(i);
                if (result.hasStat()) {
                    replica.confirmation().check(replica.replica(), result.getStat(), unconfirmed);
                }
                else if (result.hasError()) {
                    Unconfirmed.add(unconfirmed, worker, 1, RpcErrors.toCacheException("Asking about block " + replica.blockId(),
                            result.getError()).getMessage());
                }
                else {
                    Unconfirmed.add(unconfirmed, worker, 1, "it answered nothing about block " + replica.blockId());
                }
            }
        }
    }

    /** {@code block B} for a batch of one, {@code block B and N more} for larger ones. */
    private static String describeBlocks(List<Replica> batch) {
        return batch.size() == 1
                ? "block " + batch.get(0).blockId()
                : "block " + batch.get(0).blockId() + " and " + (batch.size() - 1) + " more";
    }

    /** The batches of one worker in a {@link StatRound}. */
    private static final class WorkerBatches {
        private final WorkerAddress worker;
        private final Queue<List<Replica>> batches = new ConcurrentLinkedQueue<>();
        private int lanes;
        /** Set once the worker answered UNIMPLEMENTED: its remaining batches are asked about one by one. */
        private volatile boolean statBlocksUnimplemented;

        WorkerBatches(WorkerAddress worker) {
            this.worker = worker;
        }
    }

    /** The temp areas of the master, over its channel. */
    private final class GrpcTempAreas implements TempAreas {
        @Override
        public TempArea openTempArea(String jobId, Duration expireTime) {
            return openTempArea(jobId, expireTime, false, Optional.empty());
        }

        @Override
        public TempArea openTempArea(String jobId, Duration expireTime, TempAreaRun run) {
            return openTempArea(jobId, expireTime, false, Optional.of(requireNonNull(run, "run is null")));
        }

        @Override
        public TempArea renewTempArea(String jobId, Duration expireTime) {
            return openTempArea(jobId, expireTime, true, Optional.empty());
        }

        @Override
        public TempArea renewTempArea(String jobId, Duration expireTime, TempAreaRun run) {
            return openTempArea(jobId, expireTime, true, Optional.of(requireNonNull(run, "run is null")));
        }

        /** Renews the area as a paged renewal would, the master answering none of its blocks. */
        @Override
        public Instant renewTempAreaExpiry(String jobId, Duration expireTime, Optional<TempAreaRun> run) {
            OpenTempAreaResponse response = open(jobId, expireTime, true, run, false);
            return Instant.ofEpochMilli(response.getArea().getExpiresAtMillis());
        }

        /**
         * Opens (or with {@code renew}, only renews) the temp area of {@code jobId}, for {@code run} when given; its blocks
         * in pages of the master's size ({@code ListTempAreaBlocks}).
         */
        private TempArea openTempArea(String jobId, Duration expireTime, boolean renew, Optional<TempAreaRun> run) {
            OpenTempAreaResponse response = open(jobId, expireTime, renew, run, true);
            return tempArea(withAllBlocks(response.getArea()), response.getAdopted());
        }

        /** One OpenTempArea call: paged, or with {@code withBlocks} false, answered without blocks. */
        private OpenTempAreaResponse open(String jobId, Duration expireTime, boolean renew, Optional<TempAreaRun> run, boolean withBlocks) {
            TempAreas.checkJobId(jobId);
            requireNonNull(expireTime, "expireTime is null");
            requireNonNull(run, "run is null");
            checkArgument(expireTime.toMillis() > 0, "expireTime must be >= 1 ms: %s", expireTime);
            OpenTempAreaRequest.Builder request = OpenTempAreaRequest.newBuilder()
                    .setJobId(jobId)
                    .setExpireMillis(expireTime.toMillis())
                    .setRenew(renew)
                    .setPaged(withBlocks)
                    .setOmitBlocks(!withBlocks);
            run.ifPresent(r -> request.setRunId(r.runId()).setRunToken(r.token()).setRenewPeriodMillis(r.renewPeriod().toMillis()));
            return callMaster((renew ? "Renewing" : "Opening") + " the temp area of job " + jobId, () -> masterStub().openTempArea(request.build()));
        }

        /** {@code area} with the blocks of the pages after its first, listed from the master one page per call. */
        private TempAreaInfo withAllBlocks(TempAreaInfo area) {
            if (area.getNextBlockKey().isEmpty()) {
                return area;
            }
            TempAreaInfo.Builder all = area.toBuilder().clearNextBlockKey();
            ByteString next = area.getNextBlockKey();
            while (!next.isEmpty()) {
                ListTempAreaBlocksRequest request = ListTempAreaBlocksRequest.newBuilder().setJobId(area.getJobId()).setStartKey(next).build();
                ListTempAreaBlocksResponse page = callMaster("Listing the blocks of the temp area of job " + area.getJobId(),
                        () -> masterStub().listTempAreaBlocks(request));
                all.addAllBlocks(page.getBlocksList());
                next = page.getNextBlockKey();
            }
            return all.build();
        }

        @Override
        public boolean releaseTempArea(String jobId, TempAreaRun run) {
            TempAreas.checkJobId(jobId);
            requireNonNull(run, "run is null");
            ReleaseTempAreaRequest request = ReleaseTempAreaRequest.newBuilder().setJobId(jobId).setRunId(run.runId()).setRunToken(run.token()).build();
            try {
                return callMaster("Releasing the temp area of job " + jobId, () -> masterStub().releaseTempArea(request)).getReleased();
            }
            catch (CacheException e) {
                if (e.getCause() != null && Status.fromThrowable(e.getCause()).getCode() == Status.Code.UNIMPLEMENTED) {
                    // a master older than the call: the run's hold lapses two renewal periods after its last renewal
                    log.debug("The master cannot release the temp area of job {}: {}", jobId, e.getMessage());
                    return false;
                }
                throw e;
            }
        }

        @Override
        public ScopeCommit commitScope(String jobId, List<BlockKey> blocks) {
            return commitScope(jobId, blocks, Optional.empty());
        }

        @Override
        public ScopeCommit commitScope(String jobId, List<BlockKey> blocks, TempAreaRun run) {
            return commitScope(jobId, blocks, Optional.of(requireNonNull(run, "run is null")));
        }

        /** Commits {@code blocks} of the temp area of {@code jobId}, as {@code run} when given. */
        private ScopeCommit commitScope(String jobId, List<BlockKey> blocks, Optional<TempAreaRun> run) {
            TempAreas.checkJobId(jobId);
            requireNonNull(blocks, "blocks is null");
            CommitScopeRequest.Builder request = CommitScopeRequest.newBuilder().setJobId(jobId);
            run.ifPresent(r -> request.setRunId(r.runId()).setRunToken(r.token()));
            // by id: a fifth of the bytes of the blocks' file identities
            blocks.forEach(block -> request.addBlockIds(block.blockId()));
            CommitScopeResponse response;
            // the master commits a scope under its store's lock, some 30 microseconds a block: a scope of many blocks takes it a while
            Duration timeout = config.rpcTimeout().plusNanos(COMMIT_NANOS_PER_BLOCK * blocks.size());
            Supplier<CommitScopeResponse> commit = () -> callMasterLong("Committing " + blocks.size() + " blocks of job " + jobId, timeout,
                    stub -> stub.commitScope(request.build()));
            try {
                response = commit.get();
            }
            catch (BlockNotFoundException e) {
                throw namedByPath(e, blocks, request.getBlockIdsList());
            }
            if (response.getBlocks() == 0 && !blocks.isEmpty()) {
                // a master older than block ids ignored them and committed nothing: by reference, then
                request.clearBlockIds();
                for (BlockKey block : blocks) {
                    request.addBlocks(BlockRef.newBuilder().setFile(ProtoConversions.toProto(block.file())).setIndex(block.index()));
                }
                response = commit.get();
            }
            return new ScopeCommit(jobId, response.getBlocks(), response.getBytes());
        }

        /**
         * {@code e} with the blocks the master named by id (a few of them) named by index and path,
         * {@code ids} being the ids of {@code blocks}, in their order.
         */
        private BlockNotFoundException namedByPath(BlockNotFoundException e, List<BlockKey> blocks, List<String> ids) {
            Set<String> named = new HashSet<>();
            Matcher id = MISSING_BLOCK_ID.matcher(e.getMessage());
            while (id.find()) {
                named.add(id.group(1));
            }
            Map<String, String> names = new HashMap<>();
            for (int i = 0; i < ids.size() && names.size() < named.size(); i++) {
                if (named.contains(ids.get(i))) {
                    names.putIfAbsent(ids.get(i), "block " + blocks.get(i).index() + " of " + blocks.get(i).file().path());
                }
            }
            // each id where it stands (the id of block 1 begins those of blocks 10 to 19)
            String message = MISSING_BLOCK_ID.matcher(e.getMessage())
                    .replaceAll(match -> Matcher.quoteReplacement(names.getOrDefault(match.group(1), match.group())));
            BlockNotFoundException byPath = new BlockNotFoundException(message);
            byPath.initCause(e.getCause());
            return byPath;
        }

        @Override
        public int abortTempArea(String jobId) {
            return abortTempArea(jobId, Optional.empty());
        }

        @Override
        public int abortTempArea(String jobId, TempAreaRun run) {
            return abortTempArea(jobId, Optional.of(requireNonNull(run, "run is null")));
        }

        /** Deletes the temp area of {@code jobId}, as {@code run} when given. */
        private int abortTempArea(String jobId, Optional<TempAreaRun> run) {
            TempAreas.checkJobId(jobId);
            AbortTempAreaRequest.Builder request = AbortTempAreaRequest.newBuilder().setJobId(jobId);
            run.ifPresent(r -> request.setRunId(r.runId()).setRunToken(r.token()));
            return callMaster("Aborting the temp area of job " + jobId, () -> masterStub().abortTempArea(request.build())).getBlocks();
        }

        @Override
        public int unstageFiles(String jobId, List<FileIdentity> files) {
            TempAreas.checkJobId(jobId);
            requireNonNull(files, "files is null");
            UnstageFilesRequest request = UnstageFilesRequest.newBuilder().setJobId(jobId)
                    .addAllFiles(files.stream().map(ProtoConversions::toProto).toList()).build();
            return callMaster("Removing the staged blocks of " + (files.size() == 1 ? files.get(0).path() : Counts.of(files.size(), "file"))
                    + " from the temp area of job " + jobId, () -> masterStub().unstageFiles(request)).getBlocks();
        }

        @Override
        public List<TempArea> listTempAreas() {
            return callMaster("Listing the temp areas", () -> masterStub().listTempAreas(
                    ListTempAreasRequest.newBuilder().setPaged(true).build())).getAreasList().stream()
                    .map(area -> tempArea(withAllBlocks(area), true))
                    .toList();
        }

        @Override
        public List<TempAreaSummary> listTempAreaSummaries() {
            return callMaster("Listing the temp areas", () -> masterStub().listTempAreas(
                    ListTempAreasRequest.newBuilder().setOmitBlocks(true).build())).getAreasList().stream()
                    .map(this::summary)
                    .toList();
        }

        @Override
        public Optional<TempAreaSummary> findTempAreaSummary(String jobId) {
            return lookUp(jobId, ListTempAreasRequest.newBuilder().setOmitBlocks(true)).map(this::summary);
        }

        /** The summary of {@code area}: its counts, or from a master older than summaries, its blocks counted. */
        private TempAreaSummary summary(TempAreaInfo area) {
            TempArea listed = tempArea(area, true);
            return area.getBlocksCount() > 0 ? TempAreaSummary.of(listed)
                    : new TempAreaSummary(listed.jobId(), listed.createdAt(), listed.expiresAt(), area.getBlockCount(), area.getBlockBytes(), listed.heldBy());
        }

        @Override
        public Optional<TempArea> findTempArea(String jobId) {
            return lookUp(jobId, ListTempAreasRequest.newBuilder().setPaged(true)).map(area -> tempArea(withAllBlocks(area), true));
        }

        /** The open area of {@code jobId}, asked for alone with {@code request} (a master older than that answers every area, of which the job's is taken). */
        private Optional<TempAreaInfo> lookUp(String jobId, ListTempAreasRequest.Builder request) {
            TempAreas.checkJobId(jobId);
            return callMaster("Looking up the temp area of job " + jobId, () -> masterStub().listTempAreas(request.setJobId(jobId).build())).getAreasList()
                    .stream()
                    .filter(area -> area.getJobId().equals(jobId))
                    .findFirst();
        }

        private TempArea tempArea(TempAreaInfo area, boolean adopted) {
            List<StagedBlock> blocks = area.getBlocksList().stream()
                    .map(record -> new StagedBlock(new BlockKey(ProtoConversions.fromProto(record.getFile()),
                            record.getIndex()), record.getLength(), ProtoConversions.crcFromWire(record.getCrc32C()),
                            record.getWorkerIdsList()))
                    .toList();
            Optional<TempArea.Hold> heldBy = area.getHeldByRunId().isEmpty() ? Optional.empty()
                    : Optional.of(new TempArea.Hold(area.getHeldByRunId(), Duration.ofMillis(area.getRenewedMillisAgo()),
                            Duration.ofMillis(area.getAliveWindowMillis())));
            return new TempArea(area.getJobId(), Instant.ofEpochMilli(area.getCreatedAtMillis()),
                    Instant.ofEpochMilli(area.getExpiresAtMillis()), adopted, blocks, heldBy);
        }
    }
}
