package io.gfsload.cache.worker;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.UnsafeByteOperations;
import io.gfsload.cache.proto.ForwardedReplica;
import io.gfsload.cache.proto.RemoveBlockRequest;
import io.gfsload.cache.proto.WorkerAddress;
import io.gfsload.cache.proto.WorkerServiceGrpc;
import io.gfsload.cache.proto.WriteBlockHeader;
import io.gfsload.cache.proto.WriteBlockRequest;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.gfsload.cache.rpc.RpcErrors;
import io.gfsload.cache.rpc.WriteBlockStream;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipelined replicas of a pull ({@code PullBlockRequest.forward_to}): the bytes the worker
 * reads go to its own write of the block and, as they arrive, to a WriteBlock stream to each other
 * replica's worker, in order, so that the replicas fill together rather than one after the other.
 *
 * <p>Each piece is sent in messages of at most {@code chunkBytes}, each only once the stream's
 * transport is ready for it (gRPC's flow control: a downstream worker that writes slowly holds
 * back the reads), and before this worker's own write of it, so that the network and the disk work
 * at once. gRPC serializes a message within {@code onNext}, which is called only once the stream
 * is ready (a real transport stream, not one waiting for its connection), and the peers' channels
 * never retry: the bytes are copied before {@link #append} returns, and nothing beyond what the
 * puller already holds is buffered but the few messages per stream that the transport has yet to
 * send (it stays ready while fewer than two wait).
 *
 * <p>The streams are calls in the pull's context: the client's deadline and cancellation carry
 * over. On any failure ({@link #abort}) the streams not yet complete are cancelled (their workers
 * delete their temp files) and the copies stored are removed, so that nothing is left on any of
 * them. A downstream worker's failure fails the pull with its status and error kind, naming it in
 * {@link RpcErrors#FAILED_WORKER}. Used by one thread at a time, the pull's; gRPC's callbacks only
 * record what happened.
 */
final class ReplicaForwarder implements BlockPuller.Sink {
    private static final Logger log = LoggerFactory.getLogger(ReplicaForwarder.class);
    /** The deadline of the removal of a copy a failed pull forwarded: the worker deletes nothing else of it. */
    private static final Duration REMOVE_TIMEOUT = Duration.ofSeconds(3);
    /** Transport chunks a stream may hold unsent and stay ready, as a client's write streams do. */
    private static final int QUEUE_CHUNKS = 2;
    /** How long one wait for a stream lasts before it waits again: the call's end, not this, ends the waiting. */
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String workerId;
    private final String blockId;
    private final BlockStore.BlockWrite local;
    private final List<Downstream> downstreams;
    private final int chunkBytes;
    private final WorkerMetrics metrics;
    private final Function<WorkerAddress, Channel> channels;

    private ReplicaForwarder(String workerId, String blockId, BlockStore.BlockWrite local, List<Downstream> downstreams, int chunkBytes,
            WorkerMetrics metrics, Function<WorkerAddress, Channel> channels) {
        this.workerId = workerId;
        this.blockId = blockId;
        this.local = local;
        this.downstreams = downstreams;
        this.chunkBytes = chunkBytes;
        this.metrics = metrics;
        this.channels = channels;
    }

    /**
     * Opens a WriteBlock stream with {@code header} to each of {@code targets}, in the current
     * (the pull's) context, and sends the header.
     *
     * @param local this worker's write of the block, which gets every byte after the streams
     * @throws StatusRuntimeException as {@link #append} does; nothing is left open then
     */
    static ReplicaForwarder open(String workerId, WriteBlockHeader header, List<WorkerAddress> targets, BlockStore.BlockWrite local,
            int chunkBytes, WorkerMetrics metrics, Function<WorkerAddress, Channel> channels) {
        List<Downstream> downstreams = new ArrayList<>(targets.size());
        ReplicaForwarder forwarder = new ReplicaForwarder(workerId, header.getBlockId(), requireNonNull(local, "local is null"), downstreams,
                chunkBytes, metrics, channels);
        try {
            for (WorkerAddress target : targets) {
                Downstream downstream = forwarder.new Downstream(target);
                downstreams.add(downstream);
                WorkerServiceGrpc.newStub(channels.apply(target)).withOnReadyThreshold(QUEUE_CHUNKS * chunkBytes).writeBlock(downstream.stream);
            }
            WriteBlockRequest message = WriteBlockRequest.newBuilder().setHeader(header).build();
            for (Downstream downstream : downstreams) {
                downstream.send(message);
            }
        }
        catch (RuntimeException e) {
            forwarder.abort();
            throw e;
        }
        return forwarder;
    }

    /** Sends {@code data}'s bytes to every downstream worker, then appends them to this worker's write. */
    @Override
    public void append(ByteBuffer data) {
        for (int at = data.position(); at < data.limit(); at += chunkBytes) {
            ByteBuffer chunk = data.slice(at, Math.min(chunkBytes, data.limit() - at));
            WriteBlockRequest message = WriteBlockRequest.newBuilder().setData(UnsafeByteOperations.unsafeWrap(chunk)).build();
            for (Downstream downstream : downstreams) {
                downstream.send(message);
                metrics.bytesForwarded(chunk.remaining());
            }
        }
        local.append(data);
    }

    /** Ends the streams: every byte of the block has been appended. */
    void halfClose() {
        downstreams.forEach(downstream -> downstream.stream.halfClose());
    }

    /**
     * Waits for every downstream worker to confirm its copy, after {@link #halfClose}.
     *
     * @return what each downstream worker stored, in the order of the targets
     * @throws StatusRuntimeException when a downstream worker failed; call {@link #abort} then
     */
    List<ForwardedReplica> awaitStored() {
        List<ForwardedReplica> replicas = new ArrayList<>(downstreams.size());
        for (Downstream downstream : downstreams) {
            replicas.add(ForwardedReplica.newBuilder().setWorkerId(downstream.target.getWorkerId()).setWritten(downstream.awaitResponse()).build());
        }
        replicas.forEach(replica -> metrics.blockForwarded());
        return replicas;
    }

    /**
     * Cancels the streams not yet complete (their workers delete what they hold of the block) and
     * removes the copies the others stored, best effort, outside the pull's context (which may be
     * cancelled). Leaves this worker's own write to the caller.
     */
    void abort() {
        for (Downstream downstream : downstreams) {
            downstream.abort();
        }
    }

    /**
     * A pull's failure for a replica that {@code target} did not store: the worker's status code
     * and error kind ({@code kind}, or none), its id in {@link RpcErrors#FAILED_WORKER}. A call to
     * it cancelled while the pull is not (its server cancelled the call as it went away) is
     * UNAVAILABLE.
     */
    static StatusRuntimeException forwardFailed(String workerId, String blockId, WorkerAddress target, Status status, String kind) {
        Metadata trailers = new Metadata();
        if (kind != null && !kind.isEmpty()) {
            trailers.put(RpcErrors.ERROR_KIND, kind);
        }
        trailers.put(RpcErrors.FAILED_WORKER, target.getWorkerId());
        String why = status.getDescription() != null ? status.getDescription()
                : status.getCause() != null ? status.getCause().toString() : status.getCode().toString();
        Status.Code code = status.getCode() == Status.Code.CANCELLED && !Context.current().isCancelled() ? Status.Code.UNAVAILABLE
                : status.getCode();
        return Status.fromCode(code)
                .withDescription("Worker " + workerId + " forwarding block " + blockId + " to worker " + target.getWorkerId() + " ("
                        + target.getHost() + ":" + target.getPort() + ") failed: " + why)
                .asRuntimeException(trailers);
    }

    /**
     * Removes the copy {@code copy} (any copy when 0) of a block that a failed pull forwarded to
     * {@code target}, best effort, outside the pull's context (which a client that cancelled has
     * cancelled).
     */
    static void removeForwarded(String workerId, String blockId, WorkerAddress target, long copy, Function<WorkerAddress, Channel> channels) {
        try {
            Context.ROOT.call(() -> WorkerServiceGrpc.newBlockingStub(channels.apply(target))
                    .withDeadlineAfter(REMOVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .removeBlock(RemoveBlockRequest.newBuilder().setBlockId(blockId).setCopy(copy).build()));
        }
        catch (Exception e) {
            log.warn("Worker {} could not remove block {} from worker {} after its pull failed: {}", workerId, blockId,
                    target.getWorkerId(), e.toString());
        }
    }

    /** The WriteBlock stream to one downstream worker; its waits last as long as the call (the pull's deadline). */
    private final class Downstream {
        private final WorkerAddress target;
        private final WriteBlockStream stream = new WriteBlockStream();

        Downstream(WorkerAddress target) {
            this.target = target;
        }

        /**
         * Sends {@code message} once the transport is ready for it. The wait ends with the call: its
         * deadline (the pull's), its cancellation (the client's) or the worker's failure end it.
         */
        void send(WriteBlockRequest message) {
            try {
                while (!stream.awaitReady(WAIT_NANOS)) {
                    // the call's end wakes it up
                }
            }
            catch (InterruptedException e) {
                throw interrupted(e);
            }
            if (!stream.send(message)) {
                throw failed();
            }
        }

        /** The worker's confirmation of its copy; waits for it as long as the call lasts. */
        WriteBlockResponse awaitResponse() {
            try {
                while (!stream.awaitEnd(WAIT_NANOS)) {
                    // the call's end wakes it up
                }
            }
            catch (InterruptedException e) {
                throw interrupted(e);
            }
            WriteBlockResponse response = stream.response();
            if (response == null) {
                throw failed();
            }
            return response;
        }

        /** Cancels the stream if it is still open; removes the copy the worker may have stored. */
        void abort() {
            boolean mayHaveStored = stream.mayHaveStored();
            stream.cancel("The pull of block " + blockId + " on worker " + workerId + " failed");
            if (mayHaveStored) {
                removeForwarded(workerId, blockId, target, stream.storedCopy(), channels);
            }
        }

        private StatusRuntimeException interrupted(InterruptedException e) {
            Thread.currentThread().interrupt();
            return RpcErrors.status(Status.Code.CANCELLED, "Worker " + workerId + " was interrupted forwarding block " + blockId
                    + " to worker " + target.getWorkerId());
        }


        /**
         * The pull's failure for this stream's end: the worker's status and error kind, its id in
         * {@link RpcErrors#FAILED_WORKER}.
         */
        private StatusRuntimeException failed() {
            Throwable error = stream.error();
            Status status = error == null ? Status.INTERNAL.withDescription("the worker ended the call without confirming the block")
                    : Status.fromThrowable(error);
            Metadata received = error == null ? null : Status.trailersFromThrowable(error);
            return forwardFailed(workerId, blockId, target, status, received == null ? null : received.get(RpcErrors.ERROR_KIND));
        }
    }
}
