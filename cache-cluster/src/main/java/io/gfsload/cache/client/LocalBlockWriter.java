package io.gfsload.cache.client;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.NoRoomException;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.checksum.SegmentedCrc32c;
import io.gfsload.cache.io.NoSpace;
import io.gfsload.cache.proto.CompleteLocalWriteRequest;
import io.gfsload.cache.proto.CompleteLocalWriteResponse;
import io.gfsload.cache.proto.OpenLocalWriteRequest;
import io.gfsload.cache.proto.OpenLocalWriteResponse;
import io.gfsload.cache.proto.StorageTierProto;
import io.gfsload.cache.proto.WorkerAddress;
import io.gfsload.cache.proto.WriteBlockHeader;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.rpc.RpcErrors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A short-circuit block write to workers on this host: each worker hands out a temp file in one of
 * its tier directories (OpenLocalWrite), the writer writes the block's bytes into those files
 * itself, computing the CRC32C of each of the block file's segments as it goes, and on commit
 * each worker checks the file's length, stores those checksums and the block
 * (CompleteLocalWrite); then the master records it. The bytes never cross a socket and are not
 * read back: a segment whose bytes on disk differ from its checksum is caught when it is first
 * read. A worker that gives no segment length reads the file back and checks it against the
 * block's CRC32C instead.
 *
 * <p>The worker reserves the block's space when it hands out the file, and the file keeps the
 * {@code .tmp} name of a write in progress until the worker renames it, so quotas, crash safety
 * and restart cleanup are those of a streamed write. Any failure aborts the write on every
 * replica. Not thread-safe: one thread writes a block.
 */
final class LocalBlockWriter implements BlockWriter {
    /** The segment length when no replica takes segment checksums: the block's CRC32C is all that is sent. */
    private static final int UNSEGMENTED = 1 << 30;
    private enum State { OPEN, COMMITTED, ABORTED }

    private final GrpcCacheClient client;
    private final BlockKey block;
    private final long length;
    private final WriteOptions options;
    private final List<Replica> replicas;
    /** Over the first replica's segments; the others get them only when their segments are as long. */
    private final SegmentedCrc32c crc;
    private long written;
    private State state = State.OPEN;
    private CacheException failure;

    private record Replica(WorkerAddress worker, String writeId, FileChannel channel, long dataOffset, StorageTierProto tier,
            int segmentBytes) {}

    private LocalBlockWriter(GrpcCacheClient client, BlockKey block, long length, WriteOptions options, List<Replica> replicas) {
        this.client = client;
        this.block = block;
        this.length = length;
        this.options = options;
        this.replicas = replicas;
        int segmentBytes = replicas.get(0).segmentBytes();
        this.crc = new SegmentedCrc32c(segmentBytes > 0 ? segmentBytes : UNSEGMENTED, length);
    }

    /**
     * Opens a local write on each of {@code workers}, or returns empty (having undone what it
     * opened) when one of them does not allow it or its temp file cannot be opened for writing
     * here; the caller then streams the block over gRPC instead.
     */
    static Optional<LocalBlockWriter> tryOpen(GrpcCacheClient client, BlockKey block, long length, WriteOptions options,
            long pinUntilMillis, List<WorkerAddress> workers) {
        return tryOpen(client, block, length, options, pinUntilMillis, workers, path -> {});
    }

    /**
     * As {@link #tryOpen(GrpcCacheClient, BlockKey, long, WriteOptions, long, List)}, calling
     * {@code beforeOpeningFile} with each temp file's path just before the client opens it.
     *
     * @throws CacheException when the client aborted its unfinished writes, having undone what it opened
     */
    static Optional<LocalBlockWriter> tryOpen(GrpcCacheClient client, BlockKey block, long length, WriteOptions options,
            long pinUntilMillis, List<WorkerAddress> workers, Consumer<Path> beforeOpeningFile) {
        WriteBlockHeader.Builder header = GrpcCacheClient.header(block.blockId(), length, options, pinUntilMillis);
        OpenLocalWriteRequest request = OpenLocalWriteRequest.newBuilder().setHeader(header).build();
        List<Replica> replicas = new ArrayList<>(workers.size());
        for (WorkerAddress worker : workers) {
            OpenLocalWriteResponse opened;
            try {
                opened = client.workerBlockingStub(worker).openLocalWrite(request);
                client.localWritesOpened(worker, List.of(opened.getWriteId()));
            }
            catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if (code == Status.Code.FAILED_PRECONDITION || code == Status.Code.UNIMPLEMENTED) {
                    client.shortCircuitUnavailable(worker, RpcErrors.toCacheException("Opening a local write of block "
                            + block.blockId() + " on " + GrpcCacheClient.describe(worker), e).getMessage());
                }
                abortAll(client, replicas);
                return Optional.empty();
            }
            catch (CacheException e) {
                // the client aborted its unfinished writes (the process stops): this one among them
                abortAll(client, replicas);
                throw e;
            }
            FileChannel channel;
            try {
                Path path = Path.of(opened.getPath());
                beforeOpeningFile.accept(path);
                channel = FileChannel.open(path, StandardOpenOption.WRITE);
            }
            catch (IOException | RuntimeException e) {
                abort(client, new Replica(worker, opened.getWriteId(), null, 0, opened.getTier(), 0));
                abortAll(client, replicas);
                if (client.writesAborted()) {
                    // The worker deleted the file as the client aborted its unfinished writes: refused, and no sign
                    // that this host cannot write the worker's files.
                    throw client.writesAbortedException();
                }
                client.shortCircuitUnavailable(worker, "cannot write its temp file " + opened.getPath() + " here: " + e);
                return Optional.empty();
            }
            replicas.add(new Replica(worker, opened.getWriteId(), channel, opened.getDataOffset(), opened.getTier(),
                    opened.getSegmentBytes()));
        }
        return Optional.of(new LocalBlockWriter(client, block, length, options, replicas));
    }

    @Override
    public void write(byte[] buffer, int offset, int count) {
        requireNonNull(buffer, "buffer is null");
        Objects.checkFromIndexSize(offset, count, buffer.length);
        checkOpen();
        GrpcCacheClient.checkFits(block.blockId(), length, written, count);
        crc.update(buffer, offset, count);
        for (Replica replica : replicas) {
            ByteBuffer data = ByteBuffer.wrap(buffer, offset, count);
            long position = replica.dataOffset() + written;
            try {
                while (data.hasRemaining()) {
                    position += replica.channel().write(data, position);
                }
            }
            catch (IOException e) {
                throw abort(localWriteFailed(block.blockId(), replica.worker(), e));
            }
        }
        written += count;
    }

    /** Writes a direct buffer's bytes into the replicas' files without a copy through the heap. */
    @Override
    public void write(ByteBuffer data) {
        requireNonNull(data, "data is null");
        checkOpen();
        int count = data.remaining();
        GrpcCacheClient.checkFits(block.blockId(), length, written, count);
        crc.update(data.duplicate());
        for (Replica replica : replicas) {
            ByteBuffer view = data.duplicate();
            long position = replica.dataOffset() + written;
            try {
                while (view.hasRemaining()) {
                    position += replica.channel().write(view, position);
                }
            }
            catch (IOException e) {
                throw abort(localWriteFailed(block.blockId(), replica.worker(), e));
            }
        }
        data.position(data.limit());
        written += count;
    }

    @Override
    public BlockWriteResult commit() {
        checkOpen();
        if (written != length) {
            throw abort(new CacheException(String.format("Block %s has %d bytes but only %d were written; the write is aborted",
                    block.blockId(), length, written)));
        }
        long expectedCrc = crc.value();
        int[] segmentCrcs = crc.segmentCrcs();
        Map<String, StorageTierProto> tiers = new LinkedHashMap<>();
        Map<String, Long> copies = new LinkedHashMap<>();
        List<WorkerAddress> stored = new ArrayList<>();
        try {
            for (Replica replica : replicas) {
                closeQuietly(replica.channel());
            }
            for (Replica replica : replicas) {
                CompleteLocalWriteResponse response;
                try {
                    CompleteLocalWriteRequest.Builder request = CompleteLocalWriteRequest.newBuilder()
                            .setWriteId(replica.writeId())
                            .setLength(length)
                            .setCrc32C(ProtoConversions.crcToWire(expectedCrc));
                    if (replica.segmentBytes() == crc.segmentBytes()) {
                        for (int segmentCrc : segmentCrcs) {
                            request.addSegmentCrc32C(segmentCrc);
                        }
                    }
                    try {
                        response = client.workerBlockingStub(replica.worker()).completeLocalWrite(request.build());
                    }
                    finally {
                        client.localWritesEnded(List.of(replica.writeId()));
                    }
                }
                catch (StatusRuntimeException e) {
                    throw RpcErrors.toCacheException("Storing the local write of block " + block.blockId() + " on "
                            + GrpcCacheClient.describe(replica.worker()), e);
                }
                stored.add(replica.worker());
                client.recordEvictions(replica.worker(), response.getWritten());
                copies.put(replica.worker().getWorkerId(), response.getWritten().getCopy());
                if (response.getWritten().getLength() != length
                        || ProtoConversions.crcFromWire(response.getWritten().getCrc32C()) != expectedCrc) {
                    throw new CacheException(String.format("Block %s on %s: the worker stored %d bytes with CRC32C %s, the "
                                    + "client wrote %d with CRC32C %s", block.blockId(), GrpcCacheClient.describe(replica.worker()),
                            response.getWritten().getLength(), ProtoConversions.formatCrc(ProtoConversions.crcFromWire(
                                    response.getWritten().getCrc32C())), length, ProtoConversions.formatCrc(expectedCrc)));
                }
                tiers.put(replica.worker().getWorkerId(), response.getWritten().getTier());
            }
            BlockWriteResult result = client.commitAtMaster(block, length, expectedCrc, tiers, copies, options);
            state = State.COMMITTED;
            return result;
        }
        catch (RuntimeException e) {
            state = State.ABORTED;
            failure = e instanceof CacheException cacheException ? cacheException
                    : new CacheException("Writing block " + block.blockId() + " failed: " + e, e);
            for (Replica replica : replicas) {
                if (stored.contains(replica.worker())) {
                    client.removeQuietly(replica.worker(), block.blockId(),
                            copies.getOrDefault(replica.worker().getWorkerId(), 0L));
                }
                else {
                    abort(client, replica);
                }
            }
            throw failure;
        }
    }

    @Override
    public void close() {
        if (state == State.OPEN) {
            abort(new CacheException("The write of block " + block.blockId() + " was closed before it was committed"));
        }
    }

    /** Aborts the write on every replica and returns {@code cause}, the reason. */
    /**
     * The failure of writing a block's file for {@code worker} on this host: a
     * {@link NoRoomException} when its file system is full (the block goes elsewhere, as when the
     * worker itself has no room), else a plain {@link CacheException}.
     */
    static CacheException localWriteFailed(String blockId, WorkerAddress worker, Exception failure) {
        String message = "Writing block " + blockId + " locally for " + GrpcCacheClient.describe(worker) + " failed: " + failure;
        if (NoSpace.isNoSpace(failure)) {
            NoRoomException noRoom = new NoRoomException(message, "the file system of worker " + worker.getWorkerId() + " is full: " + failure);
            noRoom.initCause(failure);
            return noRoom;
        }
        return new CacheException(message, failure);
    }

    private CacheException abort(CacheException cause) {
        if (state == State.OPEN) {
            state = State.ABORTED;
            failure = cause;
            abortAll(client, replicas);
        }
        return cause;
    }

    private void checkOpen() {
        if (state != State.OPEN) {
            String why = state == State.COMMITTED ? "committed" : "aborted: " + failure.getMessage();
            throw new IllegalStateException("The write of block " + block.blockId() + " was " + why);
        }
    }

    private static void abortAll(GrpcCacheClient client, List<Replica> replicas) {
        for (Replica replica : replicas) {
            abort(client, replica);
        }
    }

    /** Closes the replica's file and has its worker delete it, waiting a few seconds at most; failures are only logged. */
    private static void abort(GrpcCacheClient client, Replica replica) {
        if (replica.channel() != null) {
            closeQuietly(replica.channel());
        }
        client.localWritesEnded(List.of(replica.writeId()));
        client.abortLocalWritesQuietly(replica.worker(), List.of(replica.writeId()));
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        }
        catch (IOException e) {
            GrpcCacheClient.log().debug("Closing a local block file failed", e);
        }
    }
}
