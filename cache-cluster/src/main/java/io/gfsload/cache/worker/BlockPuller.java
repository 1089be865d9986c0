package io.gfsload.cache.worker;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.FileErrors;
import io.gfsload.cache.proto.PullBlockRequest;
import io.gfsload.cache.proto.ReadBlockRequest;
import io.gfsload.cache.proto.ReadBlockResponse;
import io.gfsload.cache.proto.UfsRange;
import io.gfsload.cache.proto.WorkerAddress;
import io.gfsload.cache.proto.WorkerServiceGrpc;
import io.gfsload.cache.rpc.RpcChannels;
import io.gfsload.cache.rpc.RpcErrors;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.UnsupportedFileSystemException;
import org.apache.hadoop.security.AccessControlException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the bytes of a block a client asks the worker to pull ({@code PullBlock}): from the under
 * file system through Hadoop's {@link FileSystem}, or from another worker's copy. One buffer of
 * {@code bufferBytes} per pull from the UFS; a copy from a worker appends the data messages as
 * they arrive, each at most that worker's read chunk.
 *
 * <p>The UFS is read with Hadoop's configuration as the worker's class path has it
 * ({@code core-site.xml}), with {@code ufsProperties} over it: the credentials of the store are
 * the worker's, never sent by clients. Thread-safe.
 */
final class BlockPuller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BlockPuller.class);
    /** How long a pull that failed waits for one of its pieces under way to end, before it gives up on it. */
    private static final java.time.Duration PIECE_WAIT = java.time.Duration.ofSeconds(30);
    /** Streams at most one pull reads a block on. */
    static final int MAX_STREAMS = 16;
    /** The bytes of one ranged read of a pull on several streams. */
    static final int PIECE_BYTES = 4 << 20;
    /**
     * The bytes of the pieces read and not yet appended, over all the worker's pulls: an eighth of
     * the heap, at least one piece and at most 256 MiB.
     */
    static final int PULL_BUFFER_BYTES = (int) Math.max(PIECE_BYTES, Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 8));

    private final String workerId;
    private final Map<String, String> ufsProperties;
    private final List<String> allowed;
    private final Optional<String> token;
    private final int bufferBytes;
    private final Map<String, ManagedChannel> peers = new ConcurrentHashMap<>();
    /** The bytes of pieces read and not yet appended, over all pulls: {@link #PULL_BUFFER_BYTES} at most. */
    private final Semaphore buffers = new Semaphore(PULL_BUFFER_BYTES);
    private final ExecutorService readers = Executors.newCachedThreadPool(new ThreadFactoryBuilder()
            .setNameFormat("gfsload-pull-read-%d").setDaemon(true).build());
    private volatile Configuration conf;

    BlockPuller(String workerId, Map<String, String> ufsProperties, List<String> allowed, Optional<String> token, int bufferBytes) {
        this.workerId = requireNonNull(workerId, "workerId is null");
        this.ufsProperties = Map.copyOf(ufsProperties);
        this.allowed = List.copyOf(allowed);
        this.token = requireNonNull(token, "token is null");
        this.bufferBytes = bufferBytes;
    }

    /**
     * Where a pull's bytes go, in order as read: the worker's own write of the block, and the
     * workers it forwards them to ({@link ReplicaForwarder}).
     */
    interface Sink {
        /** Takes the remaining bytes of {@code data}, which the caller may reuse once this returns. */
        void append(ByteBuffer data);

        /** Takes the remaining bytes of every buffer of {@code data}, in order. */
        default void append(List<ByteBuffer> data) {
            data.forEach(this::append);
        }

        /** The bytes of {@code sink}, also copied into {@code kept} (which must have room for them). */
        static Sink keeping(Sink sink, ByteBuffer kept) {
            return data -> {
                kept.put(data.duplicate());
                sink.append(data);
            };
        }

        /** The bytes of a {@link BlockStore.BlockWrite}, and nowhere else. */
        static Sink of(BlockStore.BlockWrite write) {
            return new Sink() {
                @Override
                public void append(ByteBuffer data) {
                    write.append(data);
                }

                @Override
                public void append(List<ByteBuffer> data) {
                    write.append(data);
                }
            };
        }
    }

    /**
     * Appends the {@code request}'s block, read from its source, to {@code write}.
     *
     * @throws StatusRuntimeException when the source cannot be read, with one of this class's
     *     kinds, or as {@code write} fails
     */
    void pull(PullBlockRequest request, Sink write) {
        long length = request.getHeader().getLength();
        switch (request.getSourceCase()) {
            case UFS -> fromUfs(request.getUfs(), length, write);
            case WORKER -> fromWorker(request.getWorker(), request.getHeader().getBlockId(), length, write);
            default -> throw RpcErrors.status(Status.Code.INVALID_ARGUMENT, "A pull of block " + request.getHeader().getBlockId()
                    + " to worker " + workerId + " names no source");
        }
    }

    /**
     * Appends the block of {@code request}, one of a batch of small blocks ({@code PullBlocks}),
     * read from the UFS on one stream once the worker's budget of pull buffers has room for its
     * buffer, to {@code write}.
     *
     * @throws StatusRuntimeException as {@link #pull} does; INVALID_ARGUMENT when the source is not the UFS
     */
    void pullSmall(PullBlockRequest request, Sink write) {
        long length = request.getHeader().getLength();
        if (request.getSourceCase() != PullBlockRequest.SourceCase.UFS) {
            throw RpcErrors.status(Status.Code.INVALID_ARGUMENT, "A batched pull of block " + request.getHeader().getBlockId()
                    + " to worker " + workerId + " names no UFS range: a batch reads only from the UFS");
        }
        int buffer = (int) Math.min(PULL_BUFFER_BYTES, Math.min(bufferBytes, Math.max(1, length)));
        buffers.acquireUninterruptibly(buffer);
        try {
            fromUfs(request.getUfs(), length, write, 1);
        }
        finally {
            buffers.release(buffer);
        }
    }

    /**
     * Runs {@code task} for each of {@code 0 .. count - 1}, at most {@code parallelism} at once (on
     * the calling thread and the puller's threads, in the calling thread's gRPC context: the call's
     * deadline and cancellation carry over), and returns once every one has run. A task reports its
     * own failures: one that throws is not run again, and the others go on.
     */
    void forEach(int count, int parallelism, IntConsumer task) {
        AtomicInteger next = new AtomicInteger();
        Runnable drain = () -> {
            for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                try {
                    task.accept(i);
                }
                catch (RuntimeException e) {
                    log.warn("A batched pull on worker {} failed unexpectedly", workerId, e);
                }
            }
        };
        List<Future<?>> helpers = new ArrayList<>();
        Context context = Context.current();
        for (int i = 1; i < Math.min(count, parallelism); i++) {
            helpers.add(readers.submit(context.wrap(drain)));
        }
        drain.run();
        for (Future<?> helper : helpers) {
            try {
                helper.get();
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                helper.cancel(true);
            }
            catch (ExecutionException e) {
                // the helper's tasks report their own failures
            }
        }
    }

    private void fromUfs(UfsRange range, long length, Sink write) {
        fromUfs(range, length, write, range.getStreams());
    }

    /**
     * The status of the UFS file {@code uri}, as a pull would find it, reading none of its bytes
     * ({@code CheckUfs}).
     *
     * @throws StatusRuntimeException as a pull of it would fail to find it: the worker cannot read
     *     it (PERMISSION_DENIED, FAILED_PRECONDITION), it is gone (NOT_FOUND), the lookup failed (ABORTED)
     */
    FileStatus status(String uri) {
        String action = "Worker " + workerId + " looking up " + uri;
        checkAllowed(uri, action);
        try {
            return ufsFile(uri).status();
        }
        catch (IOException | LinkageError e) {
            throw ufsFailure(action, e);
        }
    }

    /** A file of the UFS, found: its file system (the raw one for local files) and status. */
    private record UfsFile(FileSystem fs, Path path, FileStatus status) {}

    private UfsFile ufsFile(String uri) throws IOException {
        Path path = new Path(uri);
        FileSystem fs = path.getFileSystem(conf());
        if (fs instanceof LocalFileSystem local) {
            // the cache's CRC32C covers the bytes; the checksummed file system looks for .crc files
            fs = local.getRawFileSystem();
        }
        return new UfsFile(fs, path, fs.getFileStatus(path));
    }

    /** @throws StatusRuntimeException when the worker does not pull from {@code uri} ({@link WorkerConfig#pullAllowed}) */
    private void checkAllowed(String uri, String action) {
        if (!allows(allowed, uri)) {
            throw RpcErrors.status(Status.Code.PERMISSION_DENIED, RpcErrors.UFS_UNREADABLE, action + ": the worker pulls only from "
                    + (allowed.isEmpty() ? "files that are not local (file:)" : String.join(", ", allowed))
                    + " (gfsload.cache.worker.pull.allowed)");
        }
    }

    /** The failure of {@code action} on the UFS for {@code e}, with the kind a client tells the reason by. */
    private static StatusRuntimeException ufsFailure(String action, Throwable e) {
        if (e instanceof EOFException) {
            return RpcErrors.status(Status.Code.FAILED_PRECONDITION, RpcErrors.UFS_FILE_CHANGED, action + ": the file ended early: it changed");
        }
        if (e instanceof FileNotFoundException) {
            return RpcErrors.status(Status.Code.NOT_FOUND, RpcErrors.UFS_FILE_NOT_FOUND, action + ": the file is gone");
        }
        if (e instanceof AccessControlException) {
            // the file's permissions (or a policy's) for the worker's user: other files of its directory may be readable
            return RpcErrors.status(Status.Code.PERMISSION_DENIED, RpcErrors.UFS_FILE_DENIED, action + ": the worker may not read it: " + e.getMessage());
        }
        if (e instanceof UnsupportedFileSystemException) {
            return RpcErrors.status(Status.Code.FAILED_PRECONDITION, RpcErrors.UFS_UNREADABLE, action + ": the worker cannot read it: " + e.getMessage());
        }
        if (e instanceof LinkageError) {
            return RpcErrors.status(Status.Code.FAILED_PRECONDITION, RpcErrors.UFS_UNREADABLE, action + ": the worker has no Hadoop file system on its class path: " + e);
        }
        return RpcErrors.status(Status.Code.ABORTED, RpcErrors.PULL_SOURCE_FAILED, action + " failed: " + FileErrors.reason((IOException) e));
    }

    private void fromUfs(UfsRange range, long length, Sink write, int requestedStreams) {
        String action = "Worker " + workerId + " reading " + length + " bytes at " + range.getOffset() + " of " + range.getPath();
        if (range.getOffset() < 0 || range.getOffset() + length > range.getFileLength()) {
            throw RpcErrors.status(Status.Code.INVALID_ARGUMENT, action + ": the range is not within the file's "
                    + range.getFileLength() + " bytes");
        }
        checkAllowed(range.getPath(), action);
        try {
            UfsFile file = ufsFile(range.getPath());
            FileSystem fs = file.fs();
            Path path = file.path();
            FileStatus status = file.status();
            if (status.getLen() != range.getFileLength()
                    || (range.getModificationTimeMillis() != 0 && status.getModificationTime() != range.getModificationTimeMillis())) {
                throw RpcErrors.status(Status.Code.FAILED_PRECONDITION, RpcErrors.UFS_FILE_CHANGED, String.format("%s: the file changed: it has %d bytes "
                        + "modified at %d, not %d bytes modified at %d", action, status.getLen(), status.getModificationTime(),
                        range.getFileLength(), range.getModificationTimeMillis()));
            }
            int streams = Math.max(1, Math.min(MAX_STREAMS, requestedStreams));
            if (streams == 1 || length <= PIECE_BYTES) {
                readSequentially(fs, path, range.getOffset(), length, write, action);
            }
            else {
                readRanges(fs, path, range.getOffset(), length, streams, write, action);
            }
        }
        catch (IOException | LinkageError e) {
            throw ufsFailure(action, e);
        }
    }

    /** Reads the range on one stream: one request from the offset on, one buffer of {@code bufferBytes}. */
    private void readSequentially(FileSystem fs, Path path, long offset, long length, Sink write, String action) throws IOException {
        byte[] buffer = new byte[(int) Math.min(bufferBytes, Math.max(1, length))];
        try (FSDataInputStream in = fs.open(path)) {
            in.seek(offset);
            for (long done = 0; done < length; ) {
                checkNotCancelled(action);
                int n = (int) Math.min(buffer.length, length - done);
                in.readFully(buffer, 0, n);
                write.append(ByteBuffer.wrap(buffer, 0, n));
                done += n;
            }
        }
    }

    /**
     * Reads the range in pieces of {@link #PIECE_BYTES} on up to {@code streams} streams at once,
     * as ranged requests of an object store, and appends the pieces in order. A piece beyond the
     * first in flight starts only when the worker's budget of pull buffers has its bytes at once,
     * so that pulls never wait for each other's buffers while holding their own.
     */
    private void readRanges(FileSystem fs, Path path, long offset, long length, int streams, Sink write, String action)
            throws IOException {
        ArrayBlockingQueue<FSDataInputStream> idle = new ArrayBlockingQueue<>(streams);
        ArrayDeque<Piece> pending = new ArrayDeque<>();
        long end = offset + length;
        long next = offset;
        try {
            while (next < end || !pending.isEmpty()) {
                checkNotCancelled(action);
                while (next < end && pending.size() < streams) {
                    int n = (int) Math.min(PIECE_BYTES, end - next);
                    if (pending.isEmpty()) {
                        buffers.acquireUninterruptibly(n);
                    }
                    else if (!buffers.tryAcquire(n)) {
                        break;
                    }
                    long position = next;
                    pending.add(new Piece(readers.submit(() -> readPiece(fs, path, position, n, idle)), n));
                    next += n;
                }
                Piece head = pending.poll();
                try {
                    write.append(ByteBuffer.wrap(await(head.read())));
                }
                finally {
                    buffers.release(head.length());
                }
            }
        }
        finally {
            // the reads under way end before their streams close and their bytes go back to the budget
            for (Piece piece : pending) {
                try {
                    // a piece is one ranged read: it ends soon, unless the worker closing stopped its thread first
                    piece.read().get(PIECE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                }
                catch (ExecutionException e) {
                    // failed: the failure that ends the pull is the one already thrown
                }
                catch (TimeoutException e) {
                    piece.read().cancel(true);
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    piece.read().cancel(true);
                }
                finally {
                    buffers.release(piece.length());
                }
            }
            for (FSDataInputStream in : idle) {
                closeQuietly(in);
            }
        }
    }

    /** A ranged read of {@code length} bytes under way, its bytes taken from the budget. */
    private record Piece(Future<byte[]> read, int length) {}

    private static byte[] readPiece(FileSystem fs, Path path, long position, int length, ArrayBlockingQueue<FSDataInputStream> idle) throws IOException {
        FSDataInputStream in = idle.poll();
        if (in == null) {
            in = fs.open(path);
        }
        try {
            byte[] piece = new byte[length];
            in.readFully(position, piece, 0, length);
            idle.add(in);
            return piece;
        }
        catch (IOException | RuntimeException e) {
            closeQuietly(in);
            throw e;
        }
    }

    private byte[] await(Future<byte[]> read) throws IOException {
        try {
            return read.get();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("Interrupted while reading a piece of the block");
        }
        catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException(cause);
        }
    }

    private static void closeQuietly(FSDataInputStream in) {
        try {
            in.close();
        }
        catch (IOException e) {
            // a stream that failed, or one done with: nothing of the block depends on its close
        }
    }

    private void fromWorker(WorkerAddress source, String blockId, long length, Sink write) {
        String action = "Worker " + workerId + " copying block " + blockId + " from worker " + source.getWorkerId()
                + " (" + source.getHost() + ":" + source.getPort() + ")";
        ManagedChannel channel = peer(source);
        // the call runs in this call's context: the client's deadline and cancellation carry over
        Iterator<ReadBlockResponse> data = WorkerServiceGrpc.newBlockingStub(channel)
                .readBlock(ReadBlockRequest.newBuilder().setBlockId(blockId).setLength(length).build());
        for (Optional<ReadBlockResponse> next = next(data, action); next.isPresent(); next = next(data, action)) {
            // not among the source's failures: the sink's own (this worker's disk, a worker forwarded to) are its
            write.append(next.get().getData().asReadOnlyByteBufferList());
        }
    }

    /** The next message of a copy from a worker; empty at its end. */
    private static Optional<ReadBlockResponse> next(Iterator<ReadBlockResponse> data, String action) {
        try {
            return data.hasNext() ? Optional.of(data.next()) : Optional.empty();
        }
        catch (StatusRuntimeException e) {
            throw sourceFailed(action, e);
        }
    }

    private static StatusRuntimeException sourceFailed(String action, StatusRuntimeException e) {
        Status status = e.getStatus();
        String why = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
        // ABORTED, not UNAVAILABLE: this worker is there, its source failed
        return RpcErrors.status(Status.Code.ABORTED, RpcErrors.PULL_SOURCE_FAILED, action + " failed: " + why);
    }

    /** The channel to another worker, made on first use, with the cluster's token. */
    ManagedChannel peer(WorkerAddress worker) {
        return peers.computeIfAbsent(worker.getHost() + ":" + worker.getPort(), address -> RpcChannels.newChannel(address, token, Optional.empty()));
    }

    /**
     * Whether a worker whose {@link WorkerConfig#pullAllowed} is {@code allowed} pulls from
     * {@code path}: a path under one of the prefixes, once normalized (no {@code ..} escapes a
     * prefix), or, without prefixes, a path that is not local.
     */
    static boolean allows(List<String> allowed, String path) {
        if (allowed.contains(WorkerConfig.PULL_ANY)) {
            return true;
        }
        Optional<URI> uri = canonical(path);
        if (uri.isEmpty()) {
            return false;
        }
        if (allowed.isEmpty()) {
            return !uri.get().getScheme().equals("file");
        }
        return allowed.stream().map(BlockPuller::canonical).flatMap(Optional::stream).anyMatch(prefix -> isUnder(uri.get(), prefix));
    }

    /** {@code path} as a URI with a scheme, its dot segments removed; empty when it is not one or a {@code ..} remains. */
    private static Optional<URI> canonical(String path) {
        try {
            URI uri = new Path(path).toUri().normalize();
            if (uri.getPath() == null || uri.getPath().equals("..") || uri.getPath().contains("/../") || uri.getPath().endsWith("/..")
                    || uri.getPath().startsWith("../")) {
                return Optional.empty();
            }
            String scheme = uri.getScheme() == null ? "file" : uri.getScheme().toLowerCase(Locale.ROOT);
            return Optional.of(new URI(scheme, uri.getAuthority(), uri.getPath(), null, null));
        }
        catch (IllegalArgumentException | java.net.URISyntaxException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code uri} is {@code prefix} or under it, as a directory. */
    private static boolean isUnder(URI uri, URI prefix) {
        if (!uri.getScheme().equals(prefix.getScheme()) || !java.util.Objects.equals(uri.getAuthority(), prefix.getAuthority())) {
            return false;
        }
        String directory = prefix.getPath().endsWith("/") ? prefix.getPath() : prefix.getPath() + "/";
        return uri.getPath().equals(prefix.getPath()) || uri.getPath().startsWith(directory);
    }

    private static void checkNotCancelled(String action) {
        if (Context.current().isCancelled()) {
            throw RpcErrors.status(Status.Code.CANCELLED, action + ": the client cancelled the pull");
        }
    }

    private Configuration conf() {
        Configuration current = conf;
        if (current == null) {
            current = new Configuration();
            ufsProperties.forEach(current::set);
            conf = current;
        }
        return current;
    }

    @Override
    public void close() {
        readers.shutdownNow();
        peers.values().forEach(ManagedChannel::shutdownNow);
        peers.clear();
    }
}
