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
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.net.URI;
import java.util.Iterator;
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
    private final String workerId;
    private final Map<String, String> ufsProperties;
    private final List<String> allowed;
    private final Optional<String> token;
    private final int bufferBytes;
    private final Map<String, ManagedChannel> peers = new ConcurrentHashMap<>();
    private volatile Configuration conf;

    BlockPuller(String workerId, Map<String, String> ufsProperties, List<String> allowed, Optional<String> token, int bufferBytes) {
        this.workerId = requireNonNull(workerId, "workerId is null");
        this.ufsProperties = Map.copyOf(ufsProperties);
        this.allowed = List.copyOf(allowed);
        this.token = requireNonNull(token, "token is null");
        this.bufferBytes = bufferBytes;
    }

    /**
     * Appends the {@code request}'s block, read from its source, to {@code write}.
     *
     * @throws StatusRuntimeException when the source cannot be read, with one of this class's kinds
     */
    void pull(PullBlockRequest request, BlockStore.BlockWrite write) {
        long length = request.getHeader().getLength();
        switch (request.getSourceCase()) {
            case UFS -> fromUfs(request.getUfs(), length, write);
            case WORKER -> fromWorker(request.getWorker(), request.getHeader().getBlockId(), length, write);
            default -> throw RpcErrors.status(Status.Code.INVALID_ARGUMENT, "A pull of block " + request.getHeader().getBlockId()
                    + " to worker " + workerId + " names no source");
        }
    }

    private void fromUfs(UfsRange range, long length, BlockStore.BlockWrite write) {
        String action = "Worker " + workerId + " reading " + length + " bytes at " + range.getOffset() + " of " + range.getPath();
        if (range.getOffset() < 0 || range.getOffset() + length > range.getFileLength()) {
            throw RpcErrors.status(Status.Code.INVALID_ARGUMENT, action + ": the range is not within the file's "
                    + range.getFileLength() + " bytes");
        }
        if (!allows(allowed, range.getPath())) {
            throw failure(Status.Code.PERMISSION_DENIED, RpcErrors.UFS_UNREADABLE, action + ": the worker pulls only from "
                    + (allowed.isEmpty() ? "files that are not local (file:)" : String.join(", ", allowed))
                    + " (gfsload.cache.worker.pull.allowed)");
        }
        try {
            Path path = new Path(range.getPath());
            FileSystem fs = path.getFileSystem(conf());
            if (fs instanceof LocalFileSystem local) {
                // the cache's CRC32C covers the bytes; the checksummed file system looks for .crc files
                fs = local.getRawFileSystem();
            }
            FileStatus status = fs.getFileStatus(path);
            if (status.getLen() != range.getFileLength()
                    || (range.getModificationTimeMillis() != 0 && status.getModificationTime() != range.getModificationTimeMillis())) {
                throw failure(Status.Code.FAILED_PRECONDITION, RpcErrors.UFS_FILE_CHANGED, String.format("%s: the file changed: it has %d bytes "
                        + "modified at %d, not %d bytes modified at %d", action, status.getLen(), status.getModificationTime(),
                        range.getFileLength(), range.getModificationTimeMillis()));
            }
            byte[] buffer = new byte[(int) Math.min(bufferBytes, Math.max(1, length))];
            try (FSDataInputStream in = fs.open(path)) {
                long position = range.getOffset();
                long end = position + length;
                while (position < end) {
                    checkNotCancelled(action);
                    int n = (int) Math.min(buffer.length, end - position);
                    in.readFully(position, buffer, 0, n);
                    write.append(ByteBuffer.wrap(buffer, 0, n));
                    position += n;
                }
            }
        }
        catch (EOFException e) {
            throw failure(Status.Code.FAILED_PRECONDITION, RpcErrors.UFS_FILE_CHANGED, action + ": the file ended early: it changed", e);
        }
        catch (FileNotFoundException e) {
            throw failure(Status.Code.NOT_FOUND, RpcErrors.UFS_FILE_NOT_FOUND, action + ": the file is gone", e);
        }
        catch (UnsupportedFileSystemException | AccessControlException e) {
            throw failure(Status.Code.FAILED_PRECONDITION, RpcErrors.UFS_UNREADABLE, action + ": the worker cannot read it: " + e.getMessage(), e);
        }
        catch (IOException e) {
            throw failure(Status.Code.ABORTED, RpcErrors.PULL_SOURCE_FAILED, action + " failed: " + FileErrors.reason(e), e);
        }
        catch (LinkageError e) {
            throw failure(Status.Code.FAILED_PRECONDITION, RpcErrors.UFS_UNREADABLE, action + ": the worker has no Hadoop file system on its class path: " + e, e);
        }
    }

    private void fromWorker(WorkerAddress source, String blockId, long length, BlockStore.BlockWrite write) {
        String action = "Worker " + workerId + " copying block " + blockId + " from worker " + source.getWorkerId()
                + " (" + source.getHost() + ":" + source.getPort() + ")";
        String target = source.getHost() + ":" + source.getPort();
        ManagedChannel channel = peers.computeIfAbsent(target, address -> RpcChannels.newChannel(address, token, Optional.empty()));
        try {
            // the call runs in this call's context: the client's deadline and cancellation carry over
            Iterator<ReadBlockResponse> data = WorkerServiceGrpc.newBlockingStub(channel)
                    .readBlock(ReadBlockRequest.newBuilder().setBlockId(blockId).setLength(length).build());
            while (data.hasNext()) {
                write.append(data.next().getData().asReadOnlyByteBufferList());
            }
        }
        catch (StatusRuntimeException e) {
            Status status = e.getStatus();
            String why = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
            // ABORTED, not UNAVAILABLE: this worker is there, its source failed
            throw failure(Status.Code.ABORTED, RpcErrors.PULL_SOURCE_FAILED, action + " failed: " + why, e);
        }
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

    private static StatusRuntimeException failure(Status.Code code, String kind, String message) {
        return failure(code, kind, message, null);
    }

    private static StatusRuntimeException failure(Status.Code code, String kind, String message, Throwable cause) {
        Metadata trailers = new Metadata();
        trailers.put(RpcErrors.ERROR_KIND, kind);
        return code.toStatus().withDescription(message).withCause(cause).asRuntimeException(trailers);
    }

    @Override
    public void close() {
        peers.values().forEach(ManagedChannel::shutdownNow);
        peers.clear();
    }
}
