package io.gfsload.cache.worker;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.UnsafeByteOperations;
import io.gfsload.cache.api.Counts;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.proto.BlockStatResult;
import io.gfsload.cache.proto.CheckUfsRequest;
import io.gfsload.cache.proto.CheckUfsResponse;
import io.gfsload.cache.proto.CompleteLocalWriteRequest;
import io.gfsload.cache.proto.CompleteLocalWriteResponse;
import io.gfsload.cache.proto.OpenLocalWritesResponse;
import io.gfsload.cache.proto.OpenLocalWritesRequest;
import io.gfsload.cache.proto.LocalWriteOpened;
import io.gfsload.cache.proto.CompleteLocalWritesRequest;
import io.gfsload.cache.proto.ForwardedReplica;
import io.gfsload.cache.proto.OpenLocalWriteRequest;
import io.gfsload.cache.proto.OpenLocalWriteResponse;
import io.gfsload.cache.proto.PullBlockRequest;
import io.gfsload.cache.proto.PullBlocksRequest;
import io.gfsload.cache.proto.PullBlocksResponse;
import io.gfsload.cache.proto.ReadBlockRequest;
import io.gfsload.cache.proto.ReadBlockResponse;
import io.gfsload.cache.proto.RemovalCount;
import io.gfsload.cache.proto.RemoveBlockRequest;
import io.gfsload.cache.proto.RemoveBlockResponse;
import io.gfsload.cache.proto.SmallBlock;
import io.gfsload.cache.proto.SmallBlockResult;
import io.gfsload.cache.proto.StatBlockRequest;
import io.gfsload.cache.proto.StatBlockResponse;
import io.gfsload.cache.proto.StatBlocksRequest;
import io.gfsload.cache.proto.StatBlocksResponse;
import io.gfsload.cache.proto.WorkerServiceGrpc;
import io.gfsload.cache.proto.WriteBlockHeader;
import io.gfsload.cache.proto.WriteBlockRequest;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.gfsload.cache.proto.WriteBlocksRequest;
import io.gfsload.cache.proto.WriteBlocksResponse;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.rpc.RpcErrors;
import io.gfsload.cache.rpc.ZeroCopyDataMarshaller;
import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.fs.FileStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's gRPC endpoints over its {@link BlockStore}.
 *
 * <p>Writes go to disk chunk by chunk as they arrive; gRPC asks the client for the next chunk only
 * after {@code onNext} returns, so no block is buffered in memory. Reads send a chunk only while
 * the client's transport is ready, so a slow reader holds at most a chunk or two in memory. A block
 * found corrupt while read is deleted, so that it is never served again.
 *
 * <p>Data messages of writes are parsed by a {@link ZeroCopyDataMarshaller} ({@link #definition}):
 * their bytes are checksummed and written to the block file straight from the transport's
 * buffers, which each message holds only until its chunk is on disk.
 *
 * <p>Small blocks may come many to a message (WriteBlocks), each whole with the client's CRC32C;
 * a client on this host may instead write a block into a temp file of a tier directory itself
 * (OpenLocalWrite, CompleteLocalWrite, or their batch forms for many small blocks) when
 * {@code shortCircuitWrites} allows it. The worker then takes the segment checksums the client
 * computed while writing (or, without them, reads the file back to compute them) and stores the
 * block only when they match the block's CRC32C the client reports. A batch may leave the temp
 * files to the client (OpenLocalWrites' {@code writer_creates_files}): it creates each one and
 * writes the whole block file, header included, and the worker only checks the file's length
 * before the rename, which saves it an open, a write and a close per small block. A local write
 * whose temp file has not changed (or, not created yet, that was handed out) for
 * {@link #LOCAL_WRITE_TIMEOUT} (a client that died), or for the orphaned-write timeout
 * ({@link WorkerConfig#orphanedWriteTimeout}, 30 s by default) once the connection it was opened on has closed (a killed client's: the kernel closes its
 * sockets), is aborted (its temp file deleted, its space released) by the worker's heartbeat
 * thread ({@link #abortIdleLocalWrites}) or a later local-write call, whichever looks first.
 */
final class WorkerService extends WorkerServiceGrpc.WorkerServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(WorkerService.class);

    /** Longest a short-circuit write may stay open without its temp file changing before the worker aborts it. */
    static final Duration LOCAL_WRITE_TIMEOUT = Duration.ofMinutes(10);
    /**
     * The client connection a call came on: an object of its own per connection, as addresses do
     * not tell connections apart (every client of a domain socket has the same, empty one).
     */
    private static final Context.Key<Object> CALLER = Context.key("gfsload-caller");
    private static final Attributes.Key<Object> CONNECTION = Attributes.Key.create("gfsload-connection");
    private static final Duration LOCAL_WRITE_SWEEP_INTERVAL = Duration.ofSeconds(5);
    /** Block ids in one {@code StatBlocks} call, at most; the protocol documents the number. */
    static final int MAX_STAT_BLOCKS_PER_CALL = 10_000;
    /** Blocks in one {@code PullBlocks} call, at most; the protocol documents the number. */
    static final int MAX_PULL_BATCH_BLOCKS = 1024;
    /** Bytes of the blocks of one {@code PullBlocks} call, at most; the protocol documents the number. */
    static final long MAX_PULL_BATCH_BYTES = 64L << 20;
    /** Blocks of one {@code PullBlocks} call read at once, at most. */
    static final int BATCH_PULLS_AT_ONCE = 8;

    private final String workerId;
    /** Tells this run of the worker from another in {@link RemovalCount}: its store's count starts again at a start. */
    private final long incarnation = ThreadLocalRandom.current().nextLong();
    private final BlockStore store;
    private final int readChunkBytes;
    private final WorkerMetrics metrics;
    private final boolean shortCircuitWrites;
    /** How long a short-circuit write may stay idle once the connection it was opened on has closed: its client most likely died. */
    private final Duration orphanedWriteTimeout;
    private final Clock clock;
    private final ZeroCopyDataMarshaller dataMarshaller = ZeroCopyDataMarshaller.forWriteBlock();
    /** Short-circuit writes handed out and not completed yet, by write id. */
    private final Map<String, LocalWrite> localWrites = new ConcurrentHashMap<>();
    /** Streamed block writes under way ({@link #writeBlock}), which the sweep of idle writes looks at too. */
    private final Set<WriteStream> writeStreams = ConcurrentHashMap.newKeySet();
    private final AtomicLong lastLocalWriteSweep = new AtomicLong();
    /** The clock's time of the last sweep that has finished. */
    private volatile long localWritesSweptAt;
    /** Local write ids: a random prefix per service and a counter, cheaper than a random UUID per block. */
    private final String writeIdPrefix = UUID.randomUUID() + "-";
    private final AtomicLong writeIds = new AtomicLong();
    private final BlockPuller puller;

    WorkerService(String workerId, BlockStore store, int readChunkBytes, WorkerMetrics metrics, boolean shortCircuitWrites,
            Duration orphanedWriteTimeout, Clock clock, BlockPuller puller) {
        this.orphanedWriteTimeout = requireNonNull(orphanedWriteTimeout, "orphanedWriteTimeout is null");
        this.puller = requireNonNull(puller, "puller is null");
        this.workerId = requireNonNull(workerId, "workerId is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.store = requireNonNull(store, "store is null");
        this.readChunkBytes = readChunkBytes;
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.shortCircuitWrites = shortCircuitWrites;
    }

    /**
     * A short-circuit write handed out.
     *
     * <p>The temp file's idle time runs on the worker's clock from the sweep that last saw its
     * modification time or size change (or from when it was handed out), so that it does not
     * depend on the file system's time stamps agreeing with that clock.
     */
    private final class LocalWrite {
        private final BlockStore.BlockWrite write;
        private final boolean writerCreatesFile;
        /** The address of the connection the write was opened on; null when not known. */
        private final Object caller;
        /** Whether that connection has closed. */
        private volatile boolean callerGone;
        /** The temp file's modification time and size when last looked at; null before it exists. */
        private FileState lastSeen;
        /** When the temp file was last seen to change, or the write was handed out. */
        private long idleSinceMillis;

        LocalWrite(BlockStore.BlockWrite write, boolean writerCreatesFile, Object caller, long openedAtMillis) {
            this.write = write;
            this.writerCreatesFile = writerCreatesFile;
            this.caller = caller;
            this.idleSinceMillis = openedAtMillis;
        }

        /** How long the write may stay idle: shorter once the connection it was opened on has closed. */
        Duration timeout() {
            return callerGone ? orphanedWriteTimeout : LOCAL_WRITE_TIMEOUT;
        }

        BlockStore.BlockWrite write() {
            return write;
        }

        boolean writerCreatesFile() {
            return writerCreatesFile;
        }

        /** Notes the temp file's state at {@code now}; returns how long it has been idle. Called by one sweep at a time. */
        synchronized long idleMillis(FileState state, long now) {
            if (state != null && !state.equals(lastSeen)) {
                lastSeen = state;
                idleSinceMillis = now;
            }
            return now - idleSinceMillis;
        }
    }

    private record FileState(long modifiedMillis, long size) {}

    /**
     * This service bound with the zero-copy parser of write data messages; each call knows the
     * client connection it came on, which a short-circuit write keeps ({@link #connectionsWatch}).
     */
    ServerServiceDefinition definition() {
        return ServerInterceptors.intercept(dataMarshaller.applyTo(bindService()), new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                Object caller = call.getAttributes().get(CONNECTION);
                return caller == null ? next.startCall(call, headers) : Contexts.interceptCall(Context.current().withValue(CALLER, caller), call, headers, next);
            }
        });
    }

    /**
     * What hears client connections end, for the server to add: the short-circuit writes opened on
     * a connection that has closed are aborted once idle for the orphaned-write timeout
     * instead of {@link #LOCAL_WRITE_TIMEOUT}, so that a killed load's reserved space comes back
     * within a minute.
     */
    ServerTransportFilter connectionsWatch() {
        return new ServerTransportFilter() {
            @Override
            public Attributes transportReady(Attributes transportAttrs) {
                metrics.connectionAccepted(transportAttrs.get(Grpc.TRANSPORT_ATTR_LOCAL_ADDR) instanceof DomainSocketAddress);
                return transportAttrs.toBuilder().set(CONNECTION, new Object()).build();
            }

            @Override
            public void transportTerminated(Attributes transportAttrs) {
                if (transportAttrs == null) {
                    // closed before its HTTP/2 handshake (a port probe): no call came on it
                    return;
                }
                Object gone = transportAttrs.get(CONNECTION);
                if (gone != null) {
                    localWrites.values().stream().filter(local -> gone.equals(local.caller)).forEach(local -> local.callerGone = true);
                }
            }
        };
    }

    @Override
    public StreamObserver<WriteBlockRequest> writeBlock(StreamObserver<WriteBlockResponse> response) {
        WriteStream stream = new WriteStream(response);
        writeStreams.add(stream);
        return stream;
    }

    @Override
    public void writeBlocks(WriteBlocksRequest request, StreamObserver<WriteBlocksResponse> response) {
        WriteBlocksResponse.Builder result = WriteBlocksResponse.newBuilder();
        Set<Path> directories = new LinkedHashSet<>();
        for (SmallBlock block : request.getBlocksList()) {
            result.addResults(writeSmallBlock(block, directories));
        }
        directories.forEach(BlockStore::syncDirectory);
        response.onNext(result.build());
        response.onCompleted();
    }

    /** Stores one block of a WriteBlocks call, leaving the sync of its directory to the caller. */
    private SmallBlockResult writeSmallBlock(SmallBlock block, Set<Path> directories) {
        WriteBlockHeader header = block.getHeader();
        try {
            if (header.getLength() != block.getData().size()) {
                throw new BlockStoreException(BlockStoreException.Kind.INVALID_REQUEST, String.format(
                        "Block %s on worker %s: %d bytes arrived, its header announced %d", header.getBlockId(), workerId,
                        block.getData().size(), header.getLength()));
            }
            // the whole block is at hand: a directory whose file system turns out full is left for another one, once
            for (int attempt = 1; ; attempt++) {
                try {
                    return storeSmallBlock(block, header, directories);
                }
                catch (BlockStoreException e) {
                    if (e.kind() != BlockStoreException.Kind.NO_SPACE || !e.diskFull() || attempt == 2) {
                        throw e;
                    }
                    log.debug("Worker {} writes block {} again elsewhere: {}", workerId, header.getBlockId(), e.getMessage());
                }
            }
        }
        catch (RuntimeException e) {
            return SmallBlockResult.newBuilder().setError(RpcErrors.itemError(toStatus(e))).build();
        }
    }

    /** Stores one block of a WriteBlocks call in one directory. */
    private SmallBlockResult storeSmallBlock(SmallBlock block, WriteBlockHeader header, Set<Path> directories) {
        try (BlockStore.BlockWrite write = begin(header)) {
            for (ByteBuffer buffer : block.getData().asReadOnlyByteBufferList()) {
                write.append(buffer);
            }
            long clientCrc = ProtoConversions.crcFromWire(block.getCrc32C());
            if (write.crc32c() != clientCrc) {
                throw new BlockStoreException(BlockStoreException.Kind.CORRUPT, String.format(
                        "Block %s on worker %s: checksum mismatch: the worker computed CRC32C %s, the client %s",
                        header.getBlockId(), workerId, ProtoConversions.formatCrc(write.crc32c()),
                        ProtoConversions.formatCrc(clientCrc)));
            }
            BlockStore.WrittenBlock written = write.finishUnsynced();
            directories.add(write.directoryPath());
            metrics.blockWritten(written.length());
            return SmallBlockResult.newBuilder().setWritten(written(write, written)).build();
        }
    }

    @Override
    public void openLocalWrite(OpenLocalWriteRequest request, StreamObserver<OpenLocalWriteResponse> response) {
        abortIdleLocalWrites();
        if (!shortCircuitWrites) {
            response.onError(shortCircuitRefused());
            return;
        }
        OpenLocalWriteResponse opened;
        try {
            opened = openLocal(request.getHeader(), false);
        }
        catch (RuntimeException e) {
            response.onError(toStatus(e));
            return;
        }
        response.onNext(opened);
        response.onCompleted();
    }

    @Override
    public void openLocalWrites(OpenLocalWritesRequest request, StreamObserver<OpenLocalWritesResponse> response) {
        abortIdleLocalWrites();
        if (!shortCircuitWrites) {
            response.onError(shortCircuitRefused());
            return;
        }
        OpenLocalWritesResponse.Builder results = OpenLocalWritesResponse.newBuilder();
        for (WriteBlockHeader header : request.getHeadersList()) {
            try {
                results.addResults(LocalWriteOpened.newBuilder().setOpened(openLocal(header, request.getWriterCreatesFiles())));
            }
            catch (RuntimeException e) {
                results.addResults(LocalWriteOpened.newBuilder().setError(RpcErrors.itemError(toStatus(e))));
            }
        }
        response.onNext(results.build());
        response.onCompleted();
    }

    private StatusRuntimeException shortCircuitRefused() {
        return RpcErrors.status(Status.Code.FAILED_PRECONDITION, "Worker " + workerId + " does not accept short-circuit writes");
    }

    private OpenLocalWriteResponse openLocal(WriteBlockHeader header, boolean writerCreatesFile) {
        BlockStore.BlockWrite write = writerCreatesFile ? beginWriterCreated(header) : begin(header);
        String writeId = writeIdPrefix + Long.toHexString(writeIds.incrementAndGet());
        localWrites.put(writeId, new LocalWrite(write, writerCreatesFile, CALLER.get(), clock.millis()));
        return OpenLocalWriteResponse.newBuilder()
                .setWriteId(writeId)
                .setPath(write.tempFile().toAbsolutePath().toString())
                .setTier(ProtoConversions.toProto(write.tier()))
                .setDataOffset(write.dataOffset())
                .setSegmentBytes(write.segmentBytes())
                .build();
    }

    @Override
    public void completeLocalWrite(CompleteLocalWriteRequest request, StreamObserver<CompleteLocalWriteResponse> response) {
        abortIdleLocalWrites();
        WriteBlockResponse written;
        try {
            written = completeLocal(request, Optional.empty());
        }
        catch (RuntimeException e) {
            response.onError(toStatus(e));
            return;
        }
        response.onNext(CompleteLocalWriteResponse.newBuilder().setWritten(written).build());
        response.onCompleted();
    }

    @Override
    public void completeLocalWrites(CompleteLocalWritesRequest request, StreamObserver<WriteBlocksResponse> response) {
        abortIdleLocalWrites();
        WriteBlocksResponse.Builder results = WriteBlocksResponse.newBuilder();
        Set<Path> directories = new LinkedHashSet<>();
        for (CompleteLocalWriteRequest block : request.getBlocksList()) {
            try {
                results.addResults(SmallBlockResult.newBuilder().setWritten(completeLocal(block, Optional.of(directories))));
            }
            catch (RuntimeException e) {
                results.addResults(SmallBlockResult.newBuilder().setError(RpcErrors.itemError(toStatus(e))));
            }
        }
        directories.forEach(BlockStore::syncDirectory);
        response.onNext(results.build());
        response.onCompleted();
    }

    /**
     * Finishes or aborts one short-circuit write (an aborted one answers an empty response).
     *
     * @param unsyncedDirectories where to add the block's directory for the caller to sync once
     *     for many blocks; empty to sync it here
     */
    private WriteBlockResponse completeLocal(CompleteLocalWriteRequest request, Optional<Set<Path>> unsyncedDirectories) {
        LocalWrite local = localWrites.remove(request.getWriteId());
        if (local == null) {
            throw RpcErrors.status(Status.Code.NOT_FOUND, "Worker " + workerId + " has no local write "
                    + request.getWriteId() + " (completed, aborted, or idle for longer than " + LOCAL_WRITE_TIMEOUT + ")");
        }
        BlockStore.BlockWrite write = local.write();
        if (request.getAbort()) {
            write.abort();
            return WriteBlockResponse.getDefaultInstance();
        }
        BlockStore.WrittenBlock written;
        try (write) {
            if (local.writerCreatesFile()) {
                if (request.getSegmentCrc32CCount() == 0) {
                    throw new BlockStoreException(BlockStoreException.Kind.INVALID_REQUEST, String.format(
                            "Block %s on worker %s: a local write whose client created the file needs its segment checksums",
                            write.blockId(), workerId));
                }
                write.adoptWrittenFile(request.getSegmentCrc32CList().stream().mapToInt(Integer::intValue).toArray());
            }
            else if (request.getSegmentCrc32CCount() > 0) {
                write.adoptWrittenData(request.getSegmentCrc32CList().stream().mapToInt(Integer::intValue).toArray());
            }
            else {
                write.adoptWrittenData();
            }
            long clientCrc = ProtoConversions.crcFromWire(request.getCrc32C());
            if (request.getLength() != write.length() || write.crc32c() != clientCrc) {
                throw new BlockStoreException(BlockStoreException.Kind.CORRUPT, String.format(
                        "Block %s on worker %s: the local write holds %d bytes with CRC32C %s, the client reports %d "
                                + "bytes with CRC32C %s", write.blockId(), workerId, write.length(),
                        ProtoConversions.formatCrc(write.crc32c()), request.getLength(),
                        ProtoConversions.formatCrc(clientCrc)));
            }
            if (unsyncedDirectories.isPresent()) {
                written = write.finishUnsynced();
                if (write.tier().persistent()) {
                    unsyncedDirectories.get().add(write.directoryPath());
                }
            }
            else {
                written = write.finish();
            }
        }
        metrics.blockWritten(written.length());
        metrics.shortCircuitWritten();
        return written(write, written);
    }

    /** The response to the write of a stored block: its length, checksum, tier and copy, and what was evicted for its room. */
    private static WriteBlockResponse written(BlockStore.BlockWrite write, BlockStore.WrittenBlock written) {
        WriteBlockResponse.Builder response = WriteBlockResponse.newBuilder()
                .setLength(written.length())
                .setCrc32C(ProtoConversions.crcToWire(written.crc32c()))
                .setTier(ProtoConversions.toProto(write.tier()))
                .setCopy(written.copy());
        for (BlockStore.EvictedBlock evicted : write.evicted()) {
            response.addEvictedBlockIds(evicted.blockId()).addEvictedBlockLengths(evicted.length());
        }
        return response.build();
    }

    /**
     * Aborts the local writes whose temp file has been idle for {@link #LOCAL_WRITE_TIMEOUT}: their
     * client died. Looks at most once per {@link #LOCAL_WRITE_SWEEP_INTERVAL}, since it stats every
     * open one; the heartbeat thread calls it, and so does every local-write call.
     */
    void abortIdleLocalWrites() {
        long now = clock.millis();
        long last = lastLocalWriteSweep.get();
        if (now - last < LOCAL_WRITE_SWEEP_INTERVAL.toMillis() || !lastLocalWriteSweep.compareAndSet(last, now)) {
            return;
        }
        List<String> expired = new ArrayList<>();
        localWrites.forEach((id, local) -> {
            FileState state;
            try {
                BasicFileAttributes attributes = Files.readAttributes(local.write().tempFile(), BasicFileAttributes.class);
                state = new FileState(attributes.lastModifiedTime().toMillis(), attributes.size());
            }
            catch (IOException e) {
                // A client that creates the file and has not yet: idle since it was handed out.
                state = null;
            }
            if (local.idleMillis(state, now) >= local.timeout().toMillis()) {
                expired.add(id);
            }
        });
        for (String id : expired) {
            LocalWrite local = localWrites.remove(id);
            if (local != null) {
                log.warn("Worker {} aborts the local write of block {}: its temp file was idle for {}{}", workerId,
                        local.write().blockId(), Counts.of(local.timeout()), local.callerGone ? " after the connection it was opened on closed" : "");
                local.write().abort();
            }
        }
        // a streamed write whose client stopped sending without ending or cancelling the call (its source hangs, its host is gone
        // without closing the connection) holds its room and temp file as long: it is aborted alike
        for (WriteStream stream : List.copyOf(writeStreams)) {
            stream.abortIfIdle(now);
        }
        localWritesSweptAt = now;
    }

    /** The worker clock's time of the last look for idle local writes that has finished; 0 before the first. */
    long localWritesSweptAtMillis() {
        return localWritesSweptAt;
    }

    /** Aborts the local writes still open; the worker is closing. */
    void abortLocalWrites() {
        for (String id : List.copyOf(localWrites.keySet())) {
            LocalWrite local = localWrites.remove(id);
            if (local != null) {
                local.write().abort();
            }
        }
    }

    /**
     * Stores a block whose bytes this worker reads itself, from the UFS or another worker
     * ({@link BlockPuller}), as {@link #writeBlock} stores one, and forwards them as it reads them
     * to the workers of the request's {@code forward_to} ({@link ReplicaForwarder}); nothing is
     * left on failure, here or on those workers.
     */
    @Override
    public void pullBlock(PullBlockRequest request, StreamObserver<WriteBlockResponse> response) {
        try {
            WriteBlockResponse written = pull(request, puller::pull, null);
            response.onNext(written);
            response.onCompleted();
        }
        catch (RuntimeException e) {
            response.onError(toStatus(e));
        }
    }

    /**
     * Stores many small blocks that this worker reads from the UFS itself, each as
     * {@link #pullBlock} stores one, {@link #BATCH_PULLS_AT_ONCE} at a time, each on one stream
     * within the puller's buffer budget, and forwards them to the workers of their
     * {@code forward_to} in WriteBlocks calls of many blocks ({@link BatchForwarder}; a block of more
     * than {@link BatchForwarder#FLUSH_BYTES} as {@link #pullBlock} forwards one): one result
     * per block, in order, a failed block's with its error (nothing of it left here or on the
     * workers it was forwarded to). The stored blocks are made durable together at the end. The
     * whole call fails only past {@link #MAX_PULL_BATCH_BLOCKS} blocks or {@link #MAX_PULL_BATCH_BYTES}.
     */
    @Override
    public void pullBlocks(PullBlocksRequest request, StreamObserver<PullBlocksResponse> response) {
        int count = request.getBlocksCount();
        // a negative length, refused for its block below, makes no room for the others
        long bytes = request.getBlocksList().stream().mapToLong(block -> Math.max(0, block.getHeader().getLength())).sum();
        if (count > MAX_PULL_BATCH_BLOCKS || bytes > MAX_PULL_BATCH_BYTES) {
            response.onError(RpcErrors.status(Status.Code.INVALID_ARGUMENT, String.format(
                    "A batched pull of %d blocks (%d bytes) to worker %s: at most %d blocks and %d bytes per call",
                    count, bytes, workerId, MAX_PULL_BATCH_BLOCKS, MAX_PULL_BATCH_BYTES)));
            return;
        }
        metrics.pullBatch();
        SmallBlockResult[] results = new SmallBlockResult[count];
        Set<Path> directories = ConcurrentHashMap.newKeySet();
        BatchForwarder forwarder = new BatchForwarder(workerId, metrics, puller::peer);
        // what this worker stored of the blocks it forwards, until their other replicas are stored too
        WriteBlockResponse[] forwarding = new WriteBlockResponse[count];
        puller.forEach(count, BATCH_PULLS_AT_ONCE, i -> {
            PullBlockRequest block = request.getBlocks(i);
            try {
                store.checkNewBlock(block.getHeader().getBlockId(), block.getHeader().getLength());
                if (block.getForwardToCount() == 0 || block.getHeader().getLength() > BatchForwarder.FLUSH_BYTES) {
                    // forwarded as a single pull forwards its block, if at all: a larger one on streams of its own
                    results[i] = SmallBlockResult.newBuilder().setWritten(pull(block, puller::pullSmall, directories)).build();
                    return;
                }
                ByteBuffer kept = ByteBuffer.allocate(Math.toIntExact(block.getHeader().getLength()));
                WriteBlockResponse stored = pull(block.toBuilder().clearForwardTo().build(),
                        (pulled, sink) -> puller.pullSmall(pulled, BlockPuller.Sink.keeping(sink, kept)), directories);
                forwarding[i] = stored;
                forwarder.add(i, block.getHeader(), block.getForwardToList(), UnsafeByteOperations.unsafeWrap(kept.flip()), stored.getCrc32C());
            }
            catch (RuntimeException e) {
                results[i] = SmallBlockResult.newBuilder().setError(RpcErrors.itemError(toStatus(e))).build();
            }
        });
        forwarder.finish().forEach((i, outcome) -> {
            if (outcome.failure().isPresent()) {
                store.remove(request.getBlocks(i).getHeader().getBlockId(), forwarding[i].getCopy());
                results[i] = SmallBlockResult.newBuilder().setError(RpcErrors.itemError(outcome.failure().get())).build();
            }
            else {
                results[i] = SmallBlockResult.newBuilder().setWritten(forwarding[i].toBuilder().addAllForwarded(outcome.replicas())).build();
            }
        });
        directories.forEach(BlockStore::syncDirectory);
        PullBlocksResponse.Builder answer = PullBlocksResponse.newBuilder();
        for (int i = 0; i < count; i++) {
            answer.addResults(results[i] != null ? results[i] : SmallBlockResult.newBuilder().setError(RpcErrors.itemError(
                    RpcErrors.status(Status.Code.CANCELLED, "Worker " + workerId + " stopped before pulling block "
                            + request.getBlocks(i).getHeader().getBlockId()))).build());
        }
        response.onNext(answer.build());
        response.onCompleted();
    }

    /** Looks a UFS file up as a pull of it would ({@link BlockPuller#status}), reading none of it. */
    @Override
    public void checkUfs(CheckUfsRequest request, StreamObserver<CheckUfsResponse> response) {
        FileStatus status;
        try {
            status = puller.status(request.getPath());
        }
        catch (RuntimeException e) {
            response.onError(toStatus(e));
            return;
        }
        response.onNext(CheckUfsResponse.newBuilder().setLength(status.getLen()).setModificationTimeMillis(status.getModificationTime()).build());
        response.onCompleted();
    }

    /** How a pull reads its block's bytes into its sink: {@link BlockPuller#pull} or, for a batch, {@link BlockPuller#pullSmall}. */
    private interface Reading {
        void read(PullBlockRequest request, BlockPuller.Sink sink);
    }

    /**
     * Pulls one block: reads it ({@code reading}) into a write of it and, as it reads, to the
     * workers of its {@code forward_to}; returns what was stored. Made durable at once when
     * {@code directories} is null; else its directory is added to it for the caller to sync. On
     * failure nothing is left, here or on the workers forwarded to.
     */
    private WriteBlockResponse pull(PullBlockRequest request, Reading reading, Set<Path> directories) {
        BlockStore.BlockWrite write = null;
        ReplicaForwarder forwarder = null;
        BlockStore.WrittenBlock written = null;
        try {
            write = begin(request.getHeader());
            if (request.getForwardToCount() > 0) {
                forwarder = ReplicaForwarder.open(workerId, request.getHeader(), request.getForwardToList(), write, readChunkBytes, metrics,
                        puller::peer);
            }
            reading.read(request, forwarder != null ? forwarder : BlockPuller.Sink.of(write));
            if (forwarder != null) {
                forwarder.halfClose();
            }
            // this worker's copy is made durable while the others make theirs
            if (directories == null) {
                written = write.finish();
            }
            else {
                written = write.finishUnsynced();
                directories.add(write.directoryPath());
            }
            List<ForwardedReplica> forwarded = forwarder == null ? List.of() : forwarder.awaitStored();
            metrics.blockWritten(written.length());
            metrics.blockPulled(request.getSourceCase() == PullBlockRequest.SourceCase.UFS, written.length());
            return written(write, written).toBuilder().addAllForwarded(forwarded).build();
        }
        catch (RuntimeException e) {
            if (forwarder != null) {
                forwarder.abort();
            }
            if (written != null) {
                store.remove(write.blockId(), written.copy());
            }
            else if (write != null) {
                write.abort();
            }
            if (e instanceof StatusRuntimeException failure && failure.getTrailers() != null
                    && failure.getTrailers().get(RpcErrors.FAILED_WORKER) == null && failure.getTrailers().get(RpcErrors.ERROR_KIND) != null) {
                // this worker's read failed, not a worker it forwarded to
                metrics.pullFailed(failure.getTrailers().get(RpcErrors.ERROR_KIND));
            }
            else if (!(e instanceof StatusRuntimeException)) {
                log.debug("Pulling block {} failed", request.getHeader().getBlockId(), e);
            }
            throw e;
        }
    }

    /** Stops the pulls' connections to other workers; the worker is closing. */
    void closePuller() {
        puller.close();
    }

    @Override
    public void readBlock(ReadBlockRequest request, StreamObserver<ReadBlockResponse> response) {
        ServerCallStreamObserver<ReadBlockResponse> call = (ServerCallStreamObserver<ReadBlockResponse>) response;
        BlockStore.StoredBlock block;
        try {
            block = store.openBlock(request.getBlockId());
        }
        catch (RuntimeException e) {
            quarantineIfCorrupt(request.getBlockId(), e);
            call.onError(toStatus(e));
            return;
        }
        long offset = request.getOffset();
        long end = request.hasLength() ? offset + request.getLength() : block.length();
        if (offset < 0 || offset > block.length() || (request.hasLength() && request.getLength() < 0)
                || end > block.length() || end < offset) {
            block.close();
            call.onError(RpcErrors.status(Status.Code.OUT_OF_RANGE, String.format(
                    "Block %s on worker %s has %d bytes; cannot read %s bytes from offset %d", block.blockId(),
                    workerId, block.length(), request.hasLength() ? request.getLength() : "all", offset)));
            return;
        }
        BlockSender sender = new BlockSender(block, offset, end, call);
        call.setOnCancelHandler(sender::cancel);
        call.setOnReadyHandler(sender::sendWhileReady);
    }

    @Override
    public void removeBlock(RemoveBlockRequest request, StreamObserver<RemoveBlockResponse> response) {
        boolean removed;
        try {
            removed = store.remove(request.getBlockId(), request.getCopy());
        }
        catch (RuntimeException e) {
            response.onError(toStatus(e));
            return;
        }
        response.onNext(RemoveBlockResponse.newBuilder().setRemoved(removed).build());
        response.onCompleted();
    }

    @Override
    public void statBlock(StatBlockRequest request, StreamObserver<StatBlockResponse> response) {
        metrics.statCall(false, 1);
        StatBlockResponse stat;
        try {
            stat = stat(request.getBlockId());
        }
        catch (RuntimeException e) {
            response.onError(toStatus(e));
            return;
        }
        response.onNext(stat);
        response.onCompleted();
    }

    /**
     * {@link #statBlock} for each block id of the request: a block that is not held (or still
     * being written), or whose id is invalid, gets an error of its own; the call fails as a whole
     * only when it asks about more than {@link #MAX_STAT_BLOCKS_PER_CALL} blocks. The answer
     * counts the blocks the store has removed ({@link BlockStore#removedBlocks}), also with no ids.
     */
    @Override
    public void statBlocks(StatBlocksRequest request, StreamObserver<StatBlocksResponse> response) {
        metrics.statCall(true, request.getBlockIdsCount());
        if (request.getBlockIdsCount() > MAX_STAT_BLOCKS_PER_CALL) {
            response.onError(RpcErrors.status(Status.Code.INVALID_ARGUMENT, String.format(
                    "Invalid request: %d block ids in one call to worker %s, at most %d are allowed",
                    request.getBlockIdsCount(), workerId, MAX_STAT_BLOCKS_PER_CALL)));
            return;
        }
        StatBlocksResponse.Builder results = StatBlocksResponse.newBuilder();
        for (String blockId : request.getBlockIdsList()) {
            try {
                results.addResults(BlockStatResult.newBuilder().setStat(stat(blockId)));
            }
            catch (RuntimeException e) {
                results.addResults(BlockStatResult.newBuilder().setError(RpcErrors.itemError(toStatus(e))));
            }
        }
        // read after the stats: a block this call found gone is counted
        results.setRemovals(RemovalCount.newBuilder().setIncarnation(incarnation).setRemoved(store.removedBlocks()));
        response.onNext(results.build());
        response.onCompleted();
    }

    /**
     * What the worker holds of {@code blockId}; a block found corrupt is quarantined.
     *
     * @throws BlockStoreException as {@link BlockStore#stat}
     */
    private StatBlockResponse stat(String blockId) {
        BlockStore.BlockStat stat;
        try {
            stat = store.stat(blockId);
        }
        catch (RuntimeException e) {
            quarantineIfCorrupt(blockId, e);
            throw e;
        }
        return StatBlockResponse.newBuilder()
                .setLength(stat.length())
                .setCrc32C(ProtoConversions.crcToWire(stat.crc32c()))
                .setTier(ProtoConversions.toProto(stat.tier()))
                .setPinned(stat.pinned())
                .build();
    }

    private BlockStore.BlockWrite begin(WriteBlockHeader header) {
        return begin(header, false);
    }

    /** As {@link #begin(WriteBlockHeader)}, for a client on this host that creates the temp file and writes the whole block file. */
    private BlockStore.BlockWrite beginWriterCreated(WriteBlockHeader header) {
        return begin(header, true);
    }

    private BlockStore.BlockWrite begin(WriteBlockHeader header, boolean writerCreatesFile) {
        Optional<StorageTier> tier = ProtoConversions.fromProto(header.getTier());
        if (tier.isEmpty() && header.getTierValue() != 0) {
            throw new BlockStoreException(BlockStoreException.Kind.INVALID_REQUEST, "Block " + header.getBlockId()
                    + ": worker " + workerId + " does not know storage tier " + header.getTierValue());
        }
        OptionalLong pinUntil = header.getTempArea().isEmpty()
                ? OptionalLong.empty()
                : OptionalLong.of(header.getPinUntilEpochMillis());
        return writerCreatesFile
                ? store.beginWriterCreatedWrite(header.getBlockId(), header.getLength(), tier, pinUntil)
                : store.beginWrite(header.getBlockId(), header.getLength(), tier, pinUntil);
    }

    private void quarantineIfCorrupt(String blockId, RuntimeException e) {
        if (e instanceof BlockStoreException failure && failure.kind() == BlockStoreException.Kind.CORRUPT) {
            store.quarantine(blockId, failure.copy(), failure.getMessage());
        }
    }

    private StatusRuntimeException toStatus(RuntimeException e) {
        if (e instanceof StatusRuntimeException status) {
            return status;
        }
        if (e instanceof BlockStoreException failure) {
            Status.Code code = switch (failure.kind()) {
                case INVALID_REQUEST -> Status.Code.INVALID_ARGUMENT;
                case NOT_FOUND -> Status.Code.NOT_FOUND;
                case NO_SPACE -> Status.Code.RESOURCE_EXHAUSTED;
                case CORRUPT -> Status.Code.DATA_LOSS;
                case IO_FAILURE -> Status.Code.INTERNAL;
            };
            if (failure.kind() == BlockStoreException.Kind.CORRUPT || failure.kind() == BlockStoreException.Kind.IO_FAILURE) {
                log.warn("{}", failure.getMessage(), failure.getCause());
            }
            // room comes back as the blocks being written or staged are committed: a writer may wait for it
            return failure.kind() == BlockStoreException.Kind.NO_SPACE ? RpcErrors.workerNoRoom(failure.getMessage()) : RpcErrors.status(code, failure.getMessage());
        }
        log.warn("Worker {} call failed", workerId, e);
        return RpcErrors.status(Status.Code.INTERNAL, "Worker " + workerId + " failed: " + e);
    }

    /** One WriteBlock call: a header, then data chunks written as they arrive. */
    private final class WriteStream implements StreamObserver<WriteBlockRequest> {
        private final StreamObserver<WriteBlockResponse> response;
        private BlockStore.BlockWrite write;
        private volatile boolean ended;
        /** The worker clock's time of the call's start or its last message (or end). */
        private volatile long lastMessageMillis = clock.millis();

        WriteStream(StreamObserver<WriteBlockResponse> response) {
            this.response = response;
        }

        @Override
        public synchronized void onNext(WriteBlockRequest request) {
            try {
                handle(request);
            }
            finally {
                dataMarshaller.release(request);
            }
        }

        /**
         * Aborts the write, failing its call {@code DEADLINE_EXCEEDED}, when no message came for
         * {@link #LOCAL_WRITE_TIMEOUT} by {@code now}, as an idle short-circuit write is: its room
         * and temp file are released.
         */
        void abortIfIdle(long now) {
            // looked at without the call's lock first: the heartbeat thread never waits for a message being handled
            if (ended || now - lastMessageMillis < LOCAL_WRITE_TIMEOUT.toMillis()) {
                return;
            }
            synchronized (this) {
                if (!ended && now - lastMessageMillis >= LOCAL_WRITE_TIMEOUT.toMillis()) {
                    abortIdle();
                }
            }
        }

        private void abortIdle() {
            String block = write == null ? "a block" : "block " + write.blockId();
            log.warn("Worker {} aborts the streamed write of {}: no message came for {}", workerId, block, Counts.of(LOCAL_WRITE_TIMEOUT));
            end();
            if (write != null) {
                write.abort();
            }
            response.onError(Status.DEADLINE_EXCEEDED.withDescription("The write of %s to worker %s was aborted: no message came for %s"
                    .formatted(block, workerId, Counts.of(LOCAL_WRITE_TIMEOUT))).asRuntimeException());
        }

        /** The call ends: no sweep looks at it any more. */
        private void end() {
            ended = true;
            writeStreams.remove(this);
        }

        private void handle(WriteBlockRequest request) {
            if (ended) {
                return;
            }
            lastMessageMillis = clock.millis();
            try {
                if (write == null) {
                    if (!request.hasHeader()) {
                        throw new BlockStoreException(BlockStoreException.Kind.INVALID_REQUEST,
                                "The first message of a block write to worker " + workerId + " must be a header");
                    }
                    write = begin(request.getHeader());
                }
                else if (request.hasData()) {
                    write.append(request.getData().asReadOnlyByteBufferList());
                }
                else {
                    throw new BlockStoreException(BlockStoreException.Kind.INVALID_REQUEST,
                            "Block " + write.blockId() + " on worker " + workerId + ": a second header arrived");
                }
            }
            catch (RuntimeException e) {
                fail(e);
            }
        }

        @Override
        public synchronized void onError(Throwable t) {
            // The client cancelled or the connection broke: nothing of the block may remain.
            end();
            if (write != null) {
                write.abort();
            }
        }

        @Override
        public synchronized void onCompleted() {
            if (ended) {
                return;
            }
            lastMessageMillis = clock.millis();
            if (write == null) {
                fail(new BlockStoreException(BlockStoreException.Kind.INVALID_REQUEST,
                        "A block write to worker " + workerId + " ended without a header"));
                return;
            }
            BlockStore.WrittenBlock written;
            try {
                written = write.finish();
            }
            catch (RuntimeException e) {
                fail(e);
                return;
            }
            end();
            metrics.blockWritten(written.length());
            response.onNext(written(write, written));
            response.onCompleted();
        }

        private void fail(RuntimeException e) {
            end();
            if (write != null) {
                write.abort();
            }
            response.onError(toStatus(e));
        }
    }

    /**
     * Streams a range of a block, one verified segment at a time, while the call is ready. gRPC
     * runs the ready and cancel handlers of one call one after the other.
     */
    private final class BlockSender {
        private final BlockStore.StoredBlock block;
        private final long end;
        private final boolean emptyRange;
        private final ServerCallStreamObserver<ReadBlockResponse> call;
        private long position;
        private ByteBuffer segment;
        private boolean done;

        BlockSender(BlockStore.StoredBlock block, long offset, long end, ServerCallStreamObserver<ReadBlockResponse> call) {
            this.block = block;
            this.position = offset;
            this.end = end;
            this.emptyRange = offset == end;
            this.call = call;
        }

        synchronized void sendWhileReady() {
            try {
                while (!done && call.isReady()) {
                    if (position == end) {
                        finish();
                        if (emptyRange) {
                            metrics.blockRead();
                        }
                        call.onCompleted();
                        return;
                    }
                    if (segment == null || !segment.hasRemaining()) {
                        int index = (int) (position / block.segmentBytes());
                        segment = block.readSegment(index);
                        segment.position((int) (position - (long) index * block.segmentBytes()));
                        long segmentEnd = (long) index * block.segmentBytes() + segment.limit();
                        if (segmentEnd > end) {
                            segment.limit(segment.limit() - (int) (segmentEnd - end));
                        }
                    }
                    int n = Math.min(segment.remaining(), readChunkBytes);
                    ByteBuffer chunk = segment.slice();
                    chunk.limit(n);
                    segment.position(segment.position() + n);
                    position += n;
                    metrics.bytesRead(n);
                    if (position == end) {
                        // Counted when the last byte goes out: a reader may cancel instead of awaiting the end.
                        metrics.blockRead();
                    }
                    call.onNext(ReadBlockResponse.newBuilder().setData(UnsafeByteOperations.unsafeWrap(chunk)).build());
                }
            }
            catch (RuntimeException e) {
                if (!done) {
                    finish();
                    quarantineIfCorrupt(block.blockId(), e);
                    call.onError(toStatus(e));
                }
            }
        }

        synchronized void cancel() {
            finish();
        }

        private void finish() {
            if (!done) {
                done = true;
                block.close();
            }
        }
    }
}
