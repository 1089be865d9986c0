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

/**
 * Parses the data messages of a block write without copying their bytes: the message's
 * {@code data} is a view of the transport's own (usually direct) buffers, which the parsed message
 * keeps alive until {@link #release} gives them back. A worker then checksums the bytes and writes
 * them to the block file straight from those buffers.
 *
 * <p>Only a message holding nothing but {@code data} (field 2) takes this path; headers and
 * anything unexpected are parsed by protobuf as usual. Every message this marshaller parsed must
 * be released exactly once, after its bytes are used, or the transport's buffers leak. Thread-safe.
 */
public final class ZeroCopyDataMarshaller implements MethodDescriptor.Marshaller<WriteBlockRequest> {
    /** Tag of field 2 ({@code data}), wire type 2 (length-delimited). */
    private static final int DATA_TAG = (2 << 3) | 2;

    private final MethodDescriptor.Marshaller<WriteBlockRequest> standard;
    private final Map<WriteBlockRequest, InputStream> retained = Collections.synchronizedMap(new IdentityHashMap<>());

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
        if (!(stream instanceof Detachable detachable) || !(stream instanceof HasByteBuffer buffers)
                || !buffers.byteBufferSupported() || !stream.markSupported()) {
            return standard.parse(stream);
        }
        InputStream detached = detachable.detach();
        boolean keep = false;
        try {
            // Marked, the stream keeps the buffers it has read past until it is closed.
            detached.mark(Integer.MAX_VALUE);
            int tag = detached.read();
            long length = tag == DATA_TAG ? readVarint(detached) : -1;
            if (length < 0 || length != detached.available() || !(detached instanceof HasByteBuffer view)
                    || !view.byteBufferSupported()) {
                detached.reset();
                return standard.parse(detached);
            }
            ByteString data = ByteString.EMPTY;
            while (detached.available() > 0) {
                ByteBuffer buffer = view.getByteBuffer();
                int size = buffer.remaining();
                data = data.concat(UnsafeByteOperations.unsafeWrap(buffer.slice()));
                long skipped = detached.skip(size);
                if (skipped != size) {
                    throw new IOException("skipped " + skipped + " of " + size + " bytes");
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

    /** Gives back the transport buffers {@code message} views, if it holds any; call once per parsed message. */
    public void release(WriteBlockRequest message) {
        InputStream stream = retained.remove(message);
        if (stream != null) {
            closeQuietly(stream);
        }
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
