package io.gfsload.cache.worker;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.proto.HeartbeatRequest;
import io.gfsload.cache.proto.HeartbeatResponse;
import io.gfsload.cache.proto.MasterServiceGrpc;
import io.gfsload.cache.proto.RegisterWorkerRequest;
import io.gfsload.cache.proto.RegisterWorkerResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A master as a worker sees it through a network that loses answers: a gRPC server on loopback
 * that hands a worker's registrations and heartbeats to a real master, and, when told to, lets the
 * master handle a heartbeat whose answer carries commands and then fails the call on the worker's
 * side with {@code UNAVAILABLE}, as a connection dropped after the master answered would. The
 * master has done all it does for the heartbeat; only the worker never hears the answer.
 */
final class AnswerLosingRelay implements AutoCloseable {
    private final Server server;
    private final AtomicInteger answersToLose = new AtomicInteger();
    /** The answers the master gave and the worker never got, oldest first. */
    final List<HeartbeatResponse> lost = new CopyOnWriteArrayList<>();
    private volatile ManagedChannel master;

    private AnswerLosingRelay(String masterTarget) {
        this.master = channel(masterTarget);
        try {
            this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new Relay()).build().start();
        }
        catch (IOException e) {
            master.shutdownNow();
            throw new UncheckedIOException(e);
        }
    }

    /** A relay on a free loopback port to the master at {@code masterTarget}. */
    static AnswerLosingRelay to(String masterTarget) {
        return new AnswerLosingRelay(requireNonNull(masterTarget, "masterTarget is null"));
    }

    /** {@code 127.0.0.1:PORT}: the master target a worker behind the relay is given. */
    String target() {
        return "127.0.0.1:" + server.getPort();
    }

    /** Loses the answers of the next {@code count} heartbeats whose answers carry commands. */
    void loseAnswersWithCommands(int count) {
        answersToLose.set(count);
    }

    /** Hands what comes from now on to the master at {@code masterTarget} (a restarted one). */
    void forwardTo(String masterTarget) {
        ManagedChannel previous = master;
        master = channel(masterTarget);
        previous.shutdownNow();
    }

    private static ManagedChannel channel(String target) {
        return Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
    }

    private MasterServiceGrpc.MasterServiceBlockingStub stub() {
        return MasterServiceGrpc.newBlockingStub(master).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    static boolean carriesCommands(HeartbeatResponse answer) {
        return answer.getRemoveBlockIdsCount() > 0 || answer.getUnpinBlockIdsCount() > 0 || answer.getPinBlocksCount() > 0;
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        master.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private final class Relay extends MasterServiceGrpc.MasterServiceImplBase {
        @Override
        public void registerWorker(RegisterWorkerRequest request, StreamObserver<RegisterWorkerResponse> response) {
            RegisterWorkerResponse answer;
            try {
                answer = stub().registerWorker(request);
            }
            catch (StatusRuntimeException e) {
                response.onError(e.getStatus().asRuntimeException(e.getTrailers()));
                return;
            }
            response.onNext(answer);
            response.onCompleted();
        }

        @Override
        public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
            HeartbeatResponse answer;
            try {
                answer = stub().heartbeat(request);
            }
            catch (StatusRuntimeException e) {
                response.onError(e.getStatus().asRuntimeException(e.getTrailers()));
                return;
            }
            if (carriesCommands(answer) && answersToLose.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                lost.add(answer);
                response.onError(Status.UNAVAILABLE.withDescription("connection lost after the master answered").asRuntimeException());
                return;
            }
            response.onNext(answer);
            response.onCompleted();
        }
    }
}
