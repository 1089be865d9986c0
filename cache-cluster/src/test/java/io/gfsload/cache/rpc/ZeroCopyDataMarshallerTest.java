package io.gfsload.cache.rpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Over a real Netty transport: data messages arrive as views of the transport's buffers, headers as usual. */
class ZeroCopyDataMarshallerTest {
    @Test
    void dataMessagesViewTheTransportsBuffersUntilReleased() throws Exception {
        ZeroCopyDataMarshaller marshaller = ZeroCopyDataMarshaller.forWriteBlock();
        List<Boolean> direct = new CopyOnWriteArrayList<>();
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
                                direct.add(buffer.isDirect());
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
            byte[] data = new byte[3 << 20];
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
            for (int offset = 0; offset < data.length; offset += 1 << 20) {
                requests.onNext(WriteBlockRequest.newBuilder().setData(ByteString.copyFrom(data, offset, 1 << 20))
                        .build());
            }
            requests.onCompleted();
            done.get(30, TimeUnit.SECONDS);

            assertEquals(data.length, header.get().getLength(), "a header is parsed as usual");
            assertEquals(List.of(true), direct.stream().distinct().toList(), "data arrives in direct transport buffers");
            assertArrayEquals(data, received.toByteArray(), "and intact");
            assertEquals(0, marshaller.retainedMessages(), "every buffer went back");
        }
        finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.close();
        }
    }
}
