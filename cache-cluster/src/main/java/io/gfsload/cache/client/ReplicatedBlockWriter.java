package io.gfsload.cache.client;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CacheUnavailableException;
import io.gfsload.cache.api.WorkerUnavailableException;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.proto.StorageTierProto;
import io.gfsload.cache.proto.WorkerAddress;
import io.gfsload.cache.proto.WriteBlockRequest;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.rpc.RpcErrors;
import io.gfsload.cache.rpc.WriteBlockStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Streams one block to all of its replicas at once: each chunk goes to every replica's WriteBlock
 * stream, and {@link #write} waits until every stream's transport is ready for it, so at most
 * {@link GrpcCacheClient#WRITE_QUEUE_CHUNKS} + 1 chunks per replica are buffered.
 *
 * <p>Any replica's failure aborts the whole write: open streams are cancelled (the workers then
 * delete their temp files) and replicas that may have been stored are removed, best effort.
 *
 * <p>With a temp area in its options, the commit puts the block into the area at the master
 * (invisible to readers) and the workers keep it from eviction until the area expires or is
 * committed.
 */
final class ReplicatedBlockWriter implements BlockWriter {
    private enum State { OPEN, COMMITTED, ABORTED }

    private final GrpcCacheClient client;
    private final BlockKey block;
    private final String blockId;
    private final long length;
    private final WriteOptions options;
    private final List<ReplicaStream> replicas;
    private final CRC32C crc = new CRC32C();
    private long written;
    private State state = State.OPEN;
    private CacheException failure;

    private ReplicatedBlockWriter(GrpcCacheClient client, BlockKey block, long length, WriteOptions options,
            List<ReplicaStream> replicas) {
        this.client = client;
        this.block = block;
        this.blockId = block.blockId();
        this.length = length;
        this.options = options;
        this.replicas = replicas;
    }

    /**
     * Opens a WriteBlock stream to each of {@code workers} and sends the header.
     *
     * @param pinUntilMillis for a block of a temp area: until when the workers must keep it
     */
    static ReplicatedBlockWriter open(GrpcCacheClient client, BlockKey block, long length, WriteOptions options,
            long pinUntilMillis, List<WorkerAddress> workers) {
        List<ReplicaStream> replicas = new ArrayList<>(workers.size());
        ReplicatedBlockWriter writer = new ReplicatedBlockWriter(client, block, length, options, replicas);
        WriteBlockRequest header = WriteBlockRequest.newBuilder()
                .setHeader(GrpcCacheClient.header(block.blockId(), length, options, pinUntilMillis)).build();
        try {
            for (WorkerAddress worker : workers) {
                ReplicaStream replica = new ReplicaStream(worker);
                replicas.add(replica);
                client.workerWriteStub(worker).writeBlock(replica.stream);
            }
            writer.sendToAll(header);
        }
        catch (RuntimeException e) {
            writer.abort(e);
            throw writer.failure;
        }
        return writer;
    }

    @Override
    public void write(byte[] buffer, int offset, int count) {
        requireNonNull(buffer, "buffer is null");
        Objects.checkFromIndexSize(offset, count, buffer.length);
        checkOpen();
        GrpcCacheClient.checkFits(blockId, length, written, count);
        int chunkBytes = client.config().chunkBytes();
        int end = offset + count;
        for (int at = offset; at < end; at += chunkBytes) {
            int n = Math.min(chunkBytes, end - at);
            // A view of the caller's bytes, not a copy: gRPC serializes a message into its own
            // buffers within onNext, which send() calls only once the stream is ready (a real
            // transport stream, not one waiting for a connection), and our channels never retry
            // (a retry would serialize the message again later). So the bytes are read before
            // write() returns, as its contract lets the caller reuse the buffer then.
            ByteString chunk = UnsafeByteOperations.unsafeWrap(buffer, at, n);
            crc.update(buffer, at, n);
            written += n;
            try {
                sendToAll(WriteBlockRequest.newBuilder().setData(chunk).build());
            }
            catch (RuntimeException e) {
                abort(e);
                throw failure;
            }
        }
    }

    /** Sends views of {@code data}'s bytes (a direct buffer too) without copying them into the heap first. */
    @Override
    public void write(ByteBuffer data) {
        requireNonNull(data, "data is null");
        checkOpen();
        GrpcCacheClient.checkFits(blockId, length, written, data.remaining());
        int chunkBytes = client.config().chunkBytes();
        while (data.hasRemaining()) {
            int n = Math.min(chunkBytes, data.remaining());
            ByteBuffer piece = data.slice();
            piece.limit(n);
            crc.update(piece.duplicate());
            written += n;
            data.position(data.position() + n);
            try {
                // As in write(byte[], ...): gRPC serializes the view within onNext.
                sendToAll(WriteBlockRequest.newBuilder().setData(UnsafeByteOperations.unsafeWrap(piece)).build());
            }
            catch (RuntimeException e) {
                abort(e);
                throw failure;
            }
        }
    }

    @Override
    public BlockWriteResult commit() {
        checkOpen();
        if (written != length) {
            CacheException incomplete = new CacheException(String.format(
                    "Block %s has %d bytes but only %d were written; the write is aborted", blockId, length, written));
            abort(incomplete);
            throw incomplete;
        }
        long expectedCrc = crc.getValue();
        try {
            replicas.forEach(ReplicaStream::halfClose);
            long timeoutNanos = client.config().streamTimeout().toNanos();
            for (ReplicaStream replica : replicas) {
                WriteBlockResponse response = replica.awaitResponse(timeoutNanos, blockId);
                client.recordEvictions(replica.worker, response);
                long workerCrc = ProtoConversions.crcFromWire(response.getCrc32C());
                if (response.getLength() != length) {
                    throw new CacheException(String.format("Block %s on %s: the worker stored %d bytes, the client "
                            + "wrote %d", blockId, GrpcCacheClient.describe(replica.worker), response.getLength(), length));
                }
                if (workerCrc != expectedCrc) {
                    throw new CacheException(String.format("Block %s on %s: checksum mismatch: the worker computed "
                            + "CRC32C %s, the client %s", blockId, GrpcCacheClient.describe(replica.worker),
                            ProtoConversions.formatCrc(workerCrc), ProtoConversions.formatCrc(expectedCrc)));
                }
            }
            Map<String, StorageTierProto> tiers = new LinkedHashMap<>();
            Map<String, Long> copies = new LinkedHashMap<>();
            for (ReplicaStream replica : replicas) {
                tiers.put(replica.worker.getWorkerId(), replica.storedTier());
                copies.put(replica.worker.getWorkerId(), replica.storedCopy());
            }
            BlockWriteResult result = client.commitAtMaster(block, length, expectedCrc, tiers, copies, options);
            state = State.COMMITTED;
            return result;
        }
        catch (RuntimeException e) {
            abort(e);
            throw failure;
        }
    }

    @Override
    public void close() {
        if (state == State.OPEN) {
            abort(new CacheException("The write of block " + blockId + " was closed before it was committed"));
        }
    }

    private void sendToAll(WriteBlockRequest message) {
        long timeoutNanos = client.config().streamTimeout().toNanos();
        for (ReplicaStream replica : replicas) {
            replica.send(message, timeoutNanos, blockId);
        }
    }

    private void checkOpen() {
        if (state != State.OPEN) {
            String why = state == State.COMMITTED ? "committed" : "aborted: " + failure.getMessage();
            throw new IllegalStateException("The write of block " + blockId + " was " + why);
        }
    }

    /** Cancels what is still streaming, removes what may have been stored and records why. */
    private void abort(RuntimeException cause) {
        if (state != State.OPEN) {
            return;
        }
        state = State.ABORTED;
        // a write whose client is closed under it fails for that, not for what its streams then saw
        failure = client.isClosed() ? client.closedException(cause)
                : cause instanceof CacheException cacheException ? cacheException
                : new CacheException("Writing block " + blockId + " failed: " + cause, cause);
        for (ReplicaStream replica : replicas) {
            replica.cancel();
            if (replica.mayHaveStored()) {
                client.removeQuietly(replica.worker, blockId, replica.storedCopy());
            }
        }
    }

    /** The WriteBlock stream to one replica: the writer thread sends, gRPC's callbacks record what happened ({@link WriteBlockStream}). */
    private static final class ReplicaStream {
        final WorkerAddress worker;
        final WriteBlockStream stream = new WriteBlockStream();

        ReplicaStream(WorkerAddress worker) {
            this.worker = worker;
        }

        /** Sends {@code message} once the transport is ready for it; fails when the call ended. */
        void send(WriteBlockRequest message, long timeoutNanos, String blockId) {
            await(stream::awaitReady, timeoutNanos, blockId, "the worker accepted no data for " + timeoutNanos / 1_000_000 + " ms");
            if (!stream.send(message)) {
                throw endedEarly(blockId);
            }
        }

        /** The number the worker gave its copy of the block (0 when not known); call after {@link #awaitResponse}. */
        long storedCopy() {
            return stream.storedCopy();
        }

        /** The tier the worker reported storing the block on; call after {@link #awaitResponse}. */
        StorageTierProto storedTier() {
            return stream.storedTier();
        }

        void halfClose() {
            stream.halfClose();
        }

        /** Waits for the worker's confirmation of the finished block. */
        WriteBlockResponse awaitResponse(long timeoutNanos, String blockId) {
            await(stream::awaitEnd, timeoutNanos, blockId, "no confirmation within " + timeoutNanos / 1_000_000 + " ms");
            WriteBlockResponse response = stream.response();
            if (response == null) {
                throw endedEarly(blockId);
            }
            return response;
        }

        /**
         * Whether the worker may hold the block: it received the whole stream, and did not report
         * that it discarded it.
         */
        boolean mayHaveStored() {
            return stream.mayHaveStored();
        }

        void cancel() {
            stream.cancel("The block write was aborted");
        }

        private CacheException endedEarly(String blockId) {
            String action = "Writing block " + blockId + " to " + GrpcCacheClient.describe(worker);
            Throwable error = stream.error();
            if (error != null) {
                CacheException failure = RpcErrors.toCacheException(action, error);
                // Unreachable (down, killed, partitioned): the caller may place the block elsewhere.
                return failure instanceof CacheUnavailableException
                        ? new WorkerUnavailableException(worker.getWorkerId(), failure.getMessage(), error)
                        : failure;
            }
            return new CacheException(action + " failed: the worker ended the call without confirming the block");
        }

        /** Waits with {@code wait} for at most {@code timeoutNanos}; fails saying {@code timedOut} when the time runs out. */
        private void await(Wait wait, long timeoutNanos, String blockId, String timedOut) {
            boolean done;
            try {
                done = wait.await(timeoutNanos);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CacheException("Interrupted while writing block " + blockId + " to " + GrpcCacheClient.describe(worker), e);
            }
            if (!done) {
                throw new WorkerUnavailableException(worker.getWorkerId(), "Writing block " + blockId + " to "
                        + GrpcCacheClient.describe(worker) + " failed: " + timedOut, null);
            }
        }

        /** One of {@link WriteBlockStream}'s waits. */
        private interface Wait {
            boolean await(long timeoutNanos) throws InterruptedException;
        }
    }
}
