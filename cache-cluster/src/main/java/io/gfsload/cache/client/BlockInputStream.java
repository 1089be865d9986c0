package io.gfsload.cache.client;

import com.google.protobuf.ByteString;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockNotFoundException;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CacheUnavailableException;
import io.gfsload.cache.proto.ReadBlockRequest;
import io.gfsload.cache.proto.ReadBlockResponse;
import io.gfsload.cache.proto.WorkerAddress;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.rpc.RpcErrors;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a block from its replicas, in the order given: when a replica fails, before or during the
 * stream, reading continues from the next one at the same offset. At the end the CRC32C of all
 * bytes read is compared with the one the master recorded, when the stream started at the block's
 * first byte.
 *
 * <p>At most a few chunks are in flight: the stream asks the worker for one more chunk each time
 * it takes one. Failures surface as unchecked {@link CacheException}s from {@code read}. Not
 * thread-safe.
 */
final class BlockInputStream extends InputStream {
    private static final Logger log = LoggerFactory.getLogger(BlockInputStream.class);
    private static final Object END = new Object();
    private static final int CHUNKS_IN_FLIGHT = 2;

    private final GrpcCacheClient client;
    private final String blockId;
    private final long length;
    private final long expectedCrc;
    private final List<WorkerAddress> replicas;
    private final CRC32C crc = new CRC32C();
    private final boolean wholeBlock;
    private final List<CacheException> failures = new ArrayList<>();
    private int replica;
    private ReadCall call;
    private ByteBuffer chunk;
    private long position;
    private boolean eof;
    private boolean closed;
    private CacheException terminalFailure;

    /**
     * @param offset where in the block to start; the whole block's CRC32C is compared at the end
     *     only when reading starts at 0
     */
    BlockInputStream(GrpcCacheClient client, BlockKey block, long offset, long length, long expectedCrc, List<WorkerAddress> replicas) {
        if (replicas.isEmpty()) {
            throw new BlockNotFoundException("Block " + block.blockId() + " has no live replica");
        }
        this.client = client;
        this.blockId = block.blockId();
        this.length = length;
        this.expectedCrc = expectedCrc;
        this.replicas = List.copyOf(replicas);
        this.wholeBlock = offset == 0;
        this.position = offset;
        if (position < length) {
            startCall(0);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] buffer, int offset, int count) throws IOException {
        Objects.checkFromIndexSize(offset, count, buffer.length);
        if (closed) {
            throw new IOException("The reader of block " + blockId + " is closed");
        }
        if (terminalFailure != null) {
            throw terminalFailure;
        }
        if (count == 0) {
            return 0;
        }
        if (eof) {
            return -1;
        }
        while (chunk == null || !chunk.hasRemaining()) {
            if (position == length) {
                endOfBlock();
                return -1;
            }
            nextChunk();
        }
        int n = Math.min(count, chunk.remaining());
        chunk.get(buffer, offset, n);
        crc.update(buffer, offset, n);
        position += n;
        return n;
    }

    @Override
    public int available() {
        return chunk == null ? 0 : chunk.remaining();
    }

    /** Cancels the stream from the worker. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (call != null) {
                call.cancel();
            }
        }
    }

    private void nextChunk() {
        Object event;
        long timeoutNanos = client.config().streamTimeout().toNanos();
        try {
            event = call.next(timeoutNanos);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new CacheException("Interrupted while reading block " + blockId + " from " + describeReplica(), e);
        }
        catch (RuntimeException e) {
            // asking for the next chunk runs on the transport's event loop, which closing the client shuts down
            throw client.closedOr(e);
        }
        String action = "Reading block " + blockId + " from " + describeReplica();
        if (event instanceof ByteString data) {
            if (position + data.size() > length) {
                replicaFailed(new CacheException(action + " failed: the worker sent more than the block's " + length
                        + " bytes"));
                return;
            }
            chunk = data.asReadOnlyByteBuffer();
        }
        else if (event == END) {
            replicaFailed(new CacheException(action + " failed: the stream ended after " + position + " of " + length
                    + " bytes"));
        }
        else if (event instanceof Throwable failure) {
            replicaFailed(RpcErrors.toCacheException(action, failure));
        }
        else {
            replicaFailed(new CacheUnavailableException(action + " failed: no data for "
                    + timeoutNanos / 1_000_000 + " ms", null));
        }
    }

    private void replicaFailed(CacheException failure) {
        call.cancel();
        chunk = null;
        if (client.isClosed()) {
            // its channels were shut down under the read: no replica is to blame
            terminalFailure = client.closedException(failure);
            throw terminalFailure;
        }
        failures.add(failure);
        if (replica + 1 < replicas.size()) {
            log.debug("{}; trying the next replica at offset {}", failure.getMessage(), position);
            startCall(replica + 1);
            return;
        }
        terminalFailure = allReplicasFailed();
        throw terminalFailure;
    }

    private void endOfBlock() {
        eof = true;
        if (call != null) {
            call.cancel();
        }
        long actual = crc.getValue();
        if (wholeBlock && actual != expectedCrc) {
            terminalFailure = new CacheException(String.format("Block %s read from %s has CRC32C %s, the master "
                    + "recorded %s", blockId, describeReplica(), ProtoConversions.formatCrc(actual),
                    ProtoConversions.formatCrc(expectedCrc)));
            throw terminalFailure;
        }
    }

    private void startCall(int index) {
        replica = index;
        call = new ReadCall();
        try {
            client.workerStub(replicas.get(index)).readBlock(ReadBlockRequest.newBuilder()
                    .setBlockId(blockId)
                    .setOffset(position)
                    .setLength(length - position)
                    .build(), call);
        }
        catch (RuntimeException e) {
            // the call's executors are shut down with the client
            throw client.closedOr(e);
        }
    }

    private CacheException allReplicasFailed() {
        if (failures.size() == 1) {
            return failures.get(0);
        }
        String message = "Reading block " + blockId + " failed on all " + failures.size() + " replicas: "
                + failures.stream().map(Throwable::getMessage).collect(Collectors.joining("; "));
        CacheException last = failures.get(failures.size() - 1);
        CacheException result;
        if (failures.stream().allMatch(BlockNotFoundException.class::isInstance)) {
            result = new BlockNotFoundException(message);
            result.initCause(last);
        }
        else if (failures.stream().allMatch(CacheUnavailableException.class::isInstance)) {
            result = new CacheUnavailableException(message, last);
        }
        else {
            result = new CacheException(message, last);
        }
        failures.subList(0, failures.size() - 1).forEach(result::addSuppressed);
        return result;
    }

    private String describeReplica() {
        return GrpcCacheClient.describe(replicas.get(replica));
    }

    /** One ReadBlock call; gRPC's callbacks queue its chunks and its end for the reading thread. */
    private static final class ReadCall implements ClientResponseObserver<ReadBlockRequest, ReadBlockResponse> {
        private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        private volatile ClientCallStreamObserver<ReadBlockRequest> requests;
        private volatile boolean ended;

        @Override
        public void beforeStart(ClientCallStreamObserver<ReadBlockRequest> requestStream) {
            requests = requestStream;
            requestStream.disableAutoRequestWithInitial(CHUNKS_IN_FLIGHT);
        }

        @Override
        public void onNext(ReadBlockResponse response) {
            events.add(response.getData());
        }

        @Override
        public void onError(Throwable t) {
            ended = true;
            events.add(t);
        }

        @Override
        public void onCompleted() {
            ended = true;
            events.add(END);
        }

        /** The next chunk, {@link #END}, a failure, or null when nothing came in time. */
        Object next(long timeoutNanos) throws InterruptedException {
            Object event = events.poll(timeoutNanos, TimeUnit.NANOSECONDS);
            if (event instanceof ByteString) {
                requests.request(1);
            }
            return event;
        }

        void cancel() {
            if (!ended) {
                try {
                    requests.cancel("The reader no longer needs the block", null);
                }
                catch (RejectedExecutionException e) {
                    // the transport's event loop is shut down (the client closed): the stream ended with it
                }
            }
        }
    }
}
