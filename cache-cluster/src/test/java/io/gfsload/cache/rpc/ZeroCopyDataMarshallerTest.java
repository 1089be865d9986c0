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
}
