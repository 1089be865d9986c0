package io.gfsload.cache.rpc;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.gfsload.cache.proto.WorkerServiceGrpc;
import io.gfsload.cache.proto.WriteBlockRequest;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.grpc.Detachable;
import io.grpc.HasByteBuffer;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Parses the data messages of a block write without copying their bytes: the message's
 * {@code data} is a view of the transport's own (usually direct) buffers, which the parsed message
 * keeps alive until {@link #release} gives them back. A worker then checksums the bytes and writes
 * them to the block file straight from those buffers.
 *
 * <p>Only a message holding nothing but {@code data} (field 2) takes this path; headers and
 * anything unexpected are parsed by protobuf as usual. Every message this marshaller parsed must
 * be released exactly once, after its bytes are used, or the transport's buffers leak. Thread-safe.
 *
 * <p>A message that spans HTTP/2 frames is a chain of the frames' pieces, and gRPC joins runs of
 * small pieces (under 1 KiB) into one heap array, which cannot be viewed as a buffer. Such bytes
 * are copied, {@link #COPY_STEP} at first and then as much again as was copied each time, until
 * the rest of the message can be viewed; the large pieces, nearly all the bytes, are still views
 * ({@link #copiedBytes}).
 */
public final class ZeroCopyDataMarshaller implements MethodDescriptor.Marshaller<WriteBlockRequest> {
    /** Tag of field 2 ({@code data}), wire type 2 (length-delimited). */
    private static final int DATA_TAG = (2 << 3) | 2;
    /** Bytes copied at a time while a message's next bytes cannot be viewed. */
    static final int COPY_STEP = 4096;

    private final MethodDescriptor.Marshaller<WriteBlockRequest> standard;
    private final Map<WriteBlockRequest, InputStream> retained = Collections.synchronizedMap(new IdentityHashMap<>());
    private final LongAdder viewedBytes = new LongAdder();
    private final LongAdder copiedBytes = new LongAdder();

    public ZeroCopyDataMarshaller(MethodDescriptor.Marshaller<WriteBlockRequest> standard) {
        this.standard = requireNonNull(standard, "standard is null");
    }

    /** A marshaller of the worker's WriteBlock requests. */
    public static ZeroCopyDataMarshaller forWriteBlock() {
        return new ZeroCopyDataMarshaller(WorkerServiceGrpc.getWriteBlockMethod().getRequestMarshaller());
    }

    /** {@code bound} (a WorkerService) with its WriteBlock requests parsed by this marshaller. */
    public ServerServiceDefinition applyTo(ServerServiceDefinition bound) {
        String writeBlock = WorkerServiceGrpc.getWriteBlockMethod().getFullMethodName();
        ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(
                bound.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> method : bound.getMethods()) {
            if (method.getMethodDescriptor().getFullMethodName().equals(writeBlock)) {
                @SuppressWarnings("unchecked")
                ServerMethodDefinition<WriteBlockRequest, WriteBlockResponse> write =
                        (ServerMethodDefinition<WriteBlockRequest, WriteBlockResponse>) method;
                MethodDescriptor<WriteBlockRequest, WriteBlockResponse> zeroCopy = write.getMethodDescriptor()
                        .toBuilder(this, write.getMethodDescriptor().getResponseMarshaller())
                        .build();
                builder.addMethod(zeroCopy, write.getServerCallHandler());
            }
            else {
                builder.addMethod(method);
            }
        }
        return builder.build();
    }

    @Override
    public InputStream stream(WriteBlockRequest value) {
        return standard.stream(value);
    }

    @Override
    public WriteBlockRequest parse(InputStream stream) {
        if (!(stream instanceof Detachable detachable) || !(stream instanceof HasByteBuffer) || !stream.markSupported()) {
            return standard.parse(stream);
        }
        InputStream detached = detachable.detach();
        boolean keep = false;
        try {
            // Marked, the stream keeps the buffers it has read past until it is closed.
            detached.mark(Integer.MAX_VALUE);
            int tag = detached.read();
            long length = tag == DATA_TAG ? readVarint(detached) : -1;
            if (length < 0 || length != detached.available() || !(detached instanceof HasByteBuffer view)) {
                detached.reset();
                return standard.parse(detached);
            }
            ByteString data = ByteString.EMPTY;
            int copied = 0;
            while (detached.available() > 0) {
                ByteBuffer next = nextBuffer(view);
                if (next != null) {
                    data = data.concat(viewed(detached, next));
                }
                else {
                    ByteString piece = copied(detached, Math.max(COPY_STEP, copied));
                    copied += piece.size();
                    data = data.concat(piece);
                }
            }
            WriteBlockRequest message = WriteBlockRequest.newBuilder().setData(data).build();
            retained.put(message, detached);
            keep = true;
            return message;
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot parse a block data message: " + e.getMessage(), e);
        }
        finally {
            if (!keep) {
                closeQuietly(detached);
            }
        }
    }

    /**
     * The buffer that holds the stream's next bytes, or null when they cannot be viewed (then they
     * are copied). gRPC's chain of pieces reports byte buffers for all of them or none, but hands
     * out its next piece alone, and a heap array refuses with {@link UnsupportedOperationException}.
     * An empty buffer counts as none, so that every turn of the parse consumes bytes.
     */
    private static ByteBuffer nextBuffer(HasByteBuffer view) {
        ByteBuffer next;
        try {
            next = view.getByteBuffer();
        }
        catch (RuntimeException e) {
            return null;
        }
        return next == null || !next.hasRemaining() ? null : next;
    }

    /** A view of {@code buffer}, the stream's next bytes, which the stream then skips. */
    private ByteString viewed(InputStream stream, ByteBuffer buffer) throws IOException {
        int size = buffer.remaining();
        ByteString piece = UnsafeByteOperations.unsafeWrap(buffer.slice());
        long skipped = stream.skip(size);
        if (skipped != size) {
            throw new IOException("skipped " + skipped + " of " + size + " bytes");
        }
        viewedBytes.add(size);
        return piece;
    }

    /** A copy of up to {@code step} of the stream's next bytes. */
    private ByteString copied(InputStream stream, int step) throws IOException {
        byte[] bytes = stream.readNBytes(Math.min(stream.available(), step));
        copiedBytes.add(bytes.length);
        return UnsafeByteOperations.unsafeWrap(bytes);
    }

    /** Gives back the transport buffers {@code message} views, if it holds any; call once per parsed message. */
    public void release(WriteBlockRequest message) {
        InputStream stream = retained.remove(message);
        if (stream != null) {
            closeQuietly(stream);
        }
    }

    /** Data bytes this marshaller handed out as views of the transport's buffers. */
    public long viewedBytes() {
        return viewedBytes.sum();
    }

    /** Data bytes this marshaller had to copy, because the transport held them in a heap array. */
    public long copiedBytes() {
        return copiedBytes.sum();
    }

    /** Messages parsed and not released yet. */
    public int retainedMessages() {
        return retained.size();
    }

    private static long readVarint(InputStream in) throws IOException {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.read();
            if (b < 0) {
                return -1;
            }
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        return -1;
    }

    private static void closeQuietly(InputStream stream) {
        try {
            stream.close();
        }
        catch (IOException e) {
            // the transport's buffers are released whatever close reports
        }
    }
}
