package io.gfsload.cache.testing;

import com.google.protobuf.ByteString;
import io.gfsload.cache.proto.WorkerServiceGrpc;
import io.gfsload.cache.proto.WriteBlockHeader;
import io.gfsload.cache.proto.WriteBlockRequest;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Blocks streamed to a worker with its raw WriteBlock call, as a client does, without the client's commit at the master. */
public final class RawWrites {
    private RawWrites() {}

    /**
     * Streams {@code data} as block {@code blockId} to the worker behind {@code channel}, in one
     * chunk, and returns its answer (the copy's number, length, checksum and tier).
     *
     * @throws Exception what the call failed with, or a timeout after 10 s
     */
    public static WriteBlockResponse writeBlock(Channel channel, String blockId, byte[] data) throws Exception {
        CompletableFuture<WriteBlockResponse> result = new CompletableFuture<>();
        StreamObserver<WriteBlockRequest> requests = WorkerServiceGrpc.newStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .writeBlock(answer(result));
        requests.onNext(WriteBlockRequest.newBuilder()
                .setHeader(WriteBlockHeader.newBuilder().setBlockId(blockId).setLength(data.length))
                .build());
        requests.onNext(WriteBlockRequest.newBuilder().setData(ByteString.copyFrom(data)).build());
        requests.onCompleted();
        return result.get(10, TimeUnit.SECONDS);
    }

    /** An observer of a WriteBlock call that completes {@code result} with the worker's answer, or its failure. */
    public static StreamObserver<WriteBlockResponse> answer(CompletableFuture<WriteBlockResponse> result) {
        return new StreamObserver<>() {
            private WriteBlockResponse response;

            @Override
            public void onNext(WriteBlockResponse value) {
                response = value;
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                result.complete(response);
            }
        };
    }
}
