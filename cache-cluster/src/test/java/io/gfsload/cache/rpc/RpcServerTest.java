package io.gfsload.cache.rpc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.proto.GetClusterInfoRequest;
import io.gfsload.cache.proto.GetClusterInfoResponse;
import io.gfsload.cache.proto.MasterServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class RpcServerTest {
    @Test
    void closeTellsWhetherAHandlerStillRunsPastItsGrace() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        AtomicBoolean release = new AtomicBoolean();
        CountDownLatch returned = new CountDownLatch(1);
        MasterServiceGrpc.MasterServiceImplBase service = new MasterServiceGrpc.MasterServiceImplBase() {
            @Override
            public void getClusterInfo(GetClusterInfoRequest request, StreamObserver<GetClusterInfoResponse> response) {
                entered.countDown();
                // as a native call does: interrupts do not stop it
                while (!release.get()) {
                    Thread.onSpinWait();
                }
                returned.countDown();
            }
        };
        RpcServer server = RpcServer.start("close-test", "127.0.0.1", 0, Optional.empty(), List.of(service.bindService()));
        ManagedChannel channel = RpcChannels.newChannel(server.target(), Optional.empty(), Optional.empty());
        try {
            MasterServiceGrpc.newStub(channel).getClusterInfo(GetClusterInfoRequest.getDefaultInstance(), new StreamObserver<>() {
                @Override
                public void onNext(GetClusterInfoResponse value) {}

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
            });
            assertTrue(entered.await(30, TimeUnit.SECONDS), "the call reached its handler");

            server.close(Duration.ofMillis(200));

            assertFalse(server.callsEnded(), "the handler still runs after the server closed");
            release.set(true);
            assertTrue(returned.await(30, TimeUnit.SECONDS));
            for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); !server.callsEnded() && System.nanoTime() < deadline; ) {
                Thread.sleep(10);
            }
            assertTrue(server.callsEnded(), "no handler runs once it returned");
        }
        finally {
            release.set(true);
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.close();
        }
    }

    @Test
    void aServerWhoseCallsAllEndedSaysSoOnceClosed() {
        RpcServer server = RpcServer.start("close-test", "127.0.0.1", 0, Optional.empty(),
                List.of(new MasterServiceGrpc.MasterServiceImplBase() {}.bindService()));
        assertFalse(server.callsEnded(), "a server that serves runs its handlers' pool");
        server.close();
        assertTrue(server.callsEnded());
    }
}
