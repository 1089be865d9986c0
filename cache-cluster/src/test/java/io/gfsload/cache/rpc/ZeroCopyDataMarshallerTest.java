package io.gfsload.cache.rpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.gfsload.cache.proto.WorkerServiceGrpc;
import io.gfsload.cache.proto.WriteBlockHeader;
import io.gfsload.cache.proto.WriteBlockRequest;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.grpc.ManagedChannel;
import io.grpc.internal.CompositeReadableBuffer;
import io.grpc.internal.ReadableBuffers;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Over a real Netty transport: data messages arrive as views of the transport's buffers, headers as usual. */
class ZeroCopyDataMarshallerTest {
    private static final int MESSAGE_BYTES = 1 << 20;
    private static final int MESSAGES = 32;
    /** Protobuf copies pieces it joins when together they are shorter than this. */
    private static final int PROTOBUF_JOIN_COPY_BYTES = 128;

    @Test
    void dataMessagesViewTheTransportsBuffersUntilReleased() throws Exception {
        ZeroCopyDataMarshaller marshaller = ZeroCopyDataMarshaller.forWriteBlock();
        AtomicLong directBytes = new AtomicLong();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        CompletableFuture<WriteBlockHeader> header = new CompletableFuture<>();
        WorkerServiceGrpc.WorkerServiceImplBase service = new WorkerServiceGrpc.WorkerServiceImplBase() {
            @Override
            public StreamObserver<WriteBlockRequest> writeBlock(StreamObserver<WriteBlockResponse> response) {
                return new StreamObserver<>() {
                    @Override
                    public void onNext(WriteBlockRequest request) {
                        try {
                            if (request.hasHeader()) {
                                header.complete(request.getHeader());
                                return;
                            }
                            for (ByteBuffer buffer : request.getData().asReadOnlyByteBufferList()) {
                                if (buffer.isDirect()) {
                                    directBytes.addAndGet(buffer.remaining());
                                }
                                byte[] bytes = new byte[buffer.remaining()];
                                buffer.get(bytes);
                                synchronized (received) {
                                    received.writeBytes(bytes);
                                }
                            }
                        }
                        finally {
                            marshaller.release(request);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {
                        response.onNext(WriteBlockResponse.getDefaultInstance());
                        response.onCompleted();
                    }
                };
            }
        };
        RpcServer server = RpcServer.start("zero-copy-test", "127.0.0.1", 0, Optional.empty(),
                List.of(marshaller.applyTo(service.bindService())));
        ManagedChannel channel = RpcChannels.newChannel(server.target(), Optional.empty(), Optional.empty());
        try {
            byte[] data = new byte[MESSAGES * MESSAGE_BYTES];
            new Random(7).nextBytes(data);
            CompletableFuture<WriteBlockResponse> done = new CompletableFuture<>();
            StreamObserver<WriteBlockRequest> requests = WorkerServiceGrpc.newStub(channel).writeBlock(
                    new StreamObserver<>() {
                        @Override
                        public void onNext(WriteBlockResponse value) {}

                        @Override
                        public void onError(Throwable t) {
                            done.completeExceptionally(t);
                        }

                        @Override
                        public void onCompleted() {
                            done.complete(WriteBlockResponse.getDefaultInstance());
                        }
                    });
            requests.onNext(WriteBlockRequest.newBuilder().setHeader(WriteBlockHeader.newBuilder()
                    .setBlockId("b").setLength(data.length)).build());
            for (int offset = 0; offset < data.length; offset += MESSAGE_BYTES) {
                requests.onNext(WriteBlockRequest.newBuilder().setData(ByteString.copyFrom(data, offset, MESSAGE_BYTES))
                        .build());
            }
            requests.onCompleted();
            done.get(30, TimeUnit.SECONDS);

            assertEquals(data.length, header.get().getLength(), "a header is parsed as usual");
            assertArrayEquals(data, received.toByteArray(), "data arrives intact");
            assertEquals(data.length, marshaller.viewedBytes() + marshaller.copiedBytes(), "every data byte is viewed or copied");
            assertTrue(marshaller.copiedBytes() <= data.length / 64,
                    "nearly all data bytes are views, copied: " + marshaller.copiedBytes());
            assertTrue(directBytes.get() >= marshaller.viewedBytes() - (long) MESSAGES * PROTOBUF_JOIN_COPY_BYTES,
                    "the views are of direct transport buffers: " + directBytes.get() + " of " + marshaller.viewedBytes());
            assertEquals(0, marshaller.retainedMessages(), "every buffer went back");
        }
        finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.close();
        }
    }

    /**
     * A message as gRPC hands it over when it joined small pieces into a heap array: a buffer, the
     * array, a buffer. The array's bytes (and at most {@link ZeroCopyDataMarshaller#COPY_STEP} of
     * what follows) are copied, the rest viewed; a message all in arrays is copied whole.
     */
    @Test
    void bytesGrpcJoinedIntoAnArrayAreCopiedAndTheRestViewed() {
        ZeroCopyDataMarshaller marshaller = ZeroCopyDataMarshaller.forWriteBlock();
        byte[] data = new byte[300_000];
        new Random(11).nextBytes(data);
        byte[] message = WriteBlockRequest.newBuilder().setData(ByteString.copyFrom(data)).build().toByteArray();
        int prefix = message.length - data.length;
        int arrayStart = prefix + 1_000;
        int arrayEnd = arrayStart + 40;

        CompositeReadableBuffer pieces = new CompositeReadableBuffer();
        pieces.addBuffer(ReadableBuffers.wrap(direct(message, 0, arrayStart)));
        pieces.addBuffer(ReadableBuffers.wrap(message, arrayStart, arrayEnd - arrayStart));
        pieces.addBuffer(ReadableBuffers.wrap(direct(message, arrayEnd, message.length)));
        WriteBlockRequest parsed = marshaller.parse(ReadableBuffers.openStream(pieces, true));

        assertArrayEquals(data, parsed.getData().toByteArray(), "the data is intact");
        assertTrue(marshaller.copiedBytes() >= arrayEnd - arrayStart
                && marshaller.copiedBytes() <= arrayEnd - arrayStart + ZeroCopyDataMarshaller.COPY_STEP,
                "the array's bytes and at most a copy step more are copied: " + marshaller.copiedBytes());
        assertEquals(data.length - marshaller.copiedBytes(), marshaller.viewedBytes(), "the rest is viewed");
        assertEquals(1, marshaller.retainedMessages());
        marshaller.release(parsed);
        assertEquals(0, marshaller.retainedMessages(), "released");

        ZeroCopyDataMarshaller allArray = ZeroCopyDataMarshaller.forWriteBlock();
        CompositeReadableBuffer array = new CompositeReadableBuffer();
        array.addBuffer(ReadableBuffers.wrap(message));
        WriteBlockRequest copied = allArray.parse(ReadableBuffers.openStream(array, true));
        assertArrayEquals(data, copied.getData().toByteArray(), "a message all in an array is intact");
        assertEquals(data.length, allArray.copiedBytes(), "and copied whole");
        allArray.release(copied);
    }

    private static ByteBuffer direct(byte[] bytes, int from, int to) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(to - from);
        buffer.put(bytes, from, to - from).flip();
        return buffer;
    }
}
