package io.gfsload.cache.rpc;

import io.gfsload.cache.proto.StorageTierProto;
import io.gfsload.cache.proto.WriteBlockRequest;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

/**
 * The sending side of one WriteBlock call (a client's write of a replica, or a worker forwarding a
 * pulled block to another): one thread sends, waiting for the transport to be ready for each
 * message; gRPC's callbacks record readiness, the worker's response and the end of the call. Pass
 * it to the stub's {@code writeBlock}; the caller turns what it records into its own failures.
 */
public final class WriteBlockStream implements ClientResponseObserver<WriteBlockRequest, WriteBlockResponse> {
    private final Object lock = new Object();
    private ClientCallStreamObserver<WriteBlockRequest> requests;
    private WriteBlockResponse response;
    private Throwable error;
    private boolean ended;
    private boolean halfClosed;

    @Override
    public void beforeStart(ClientCallStreamObserver<WriteBlockRequest> requestStream) {
        this.requests = requestStream;
        requestStream.setOnReadyHandler(() -> {
            synchronized (lock) {
                lock.notifyAll();
            }
        });
    }

    @Override
    public void onNext(WriteBlockResponse value) {
        synchronized (lock) {
            response = value;
        }
    }

    @Override
    public void onError(Throwable t) {
        synchronized (lock) {
            error = t;
            ended = true;
            lock.notifyAll();
        }
    }

    @Override
    public void onCompleted() {
        synchronized (lock) {
            ended = true;
            lock.notifyAll();
        }
    }

    /**
     * Waits, for at most {@code timeoutNanos}, until the transport is ready for a message (a real
     * transport stream, not one waiting for its connection) or the call has ended.
     *
     * @return false when the time ran out first
     */
    public boolean awaitReady(long timeoutNanos) throws InterruptedException {
        synchronized (lock) {
            long deadline = System.nanoTime() + timeoutNanos;
            while (!ended && !requests.isReady()) {
                if (!waitUntil(deadline)) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Sends {@code message}, which gRPC serializes before this returns; call it once
     * {@link #awaitReady} said so.
     *
     * @return false, sending nothing, when the call has ended
     */
    public boolean send(WriteBlockRequest message) {
        synchronized (lock) {
            if (ended) {
                return false;
            }
        }
        requests.onNext(message);
        return true;
    }

    /** Ends the stream: the whole block went out. Does nothing once the call has ended. */
    public void halfClose() {
        synchronized (lock) {
            if (ended) {
                return;
            }
            halfClosed = true;
        }
        requests.onCompleted();
    }

    /**
     * Waits, for at most {@code timeoutNanos}, until the call has ended.
     *
     * @return false when the time ran out first
     */
    public boolean awaitEnd(long timeoutNanos) throws InterruptedException {
        synchronized (lock) {
            long deadline = System.nanoTime() + timeoutNanos;
            while (!ended) {
                if (!waitUntil(deadline)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The worker's confirmation of the stored block, once the call has ended well; null otherwise. */
    public WriteBlockResponse response() {
        synchronized (lock) {
            return ended && error == null ? response : null;
        }
    }

    /** What the call failed with; null while it runs or when it ended well. */
    public Throwable error() {
        synchronized (lock) {
            return error;
        }
    }

    /** The number the worker gave its copy of the block (0 when not known). */
    public long storedCopy() {
        synchronized (lock) {
            return response == null ? 0 : response.getCopy();
        }
    }

    /** The tier the worker reported storing the block on (unspecified when not known). */
    public StorageTierProto storedTier() {
        synchronized (lock) {
            return response == null ? StorageTierProto.STORAGE_TIER_UNSPECIFIED : response.getTier();
        }
    }

    /**
     * Whether the worker may hold the block: it received the whole stream, and did not report that
     * it discarded it.
     */
    public boolean mayHaveStored() {
        synchronized (lock) {
            if (!halfClosed) {
                return false;
            }
            if (response != null || error == null) {
                return true;
            }
            Status.Code code = Status.fromThrowable(error).getCode();
            return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
                    || code == Status.Code.CANCELLED || code == Status.Code.UNKNOWN;
        }
    }

    /** Cancels the call, unless it has ended or never started; the worker then deletes what it holds of the block. */
    public void cancel(String message) {
        synchronized (lock) {
            if (ended) {
                return;
            }
        }
        if (requests == null) {
            // its call never started: the channel to the worker could not be had (its owner closed)
            return;
        }
        requests.cancel(message, null);
    }

    /** Waits on the lock until notified or {@code deadline} (of {@link System#nanoTime}); false when it has passed. */
    private boolean waitUntil(long deadline) throws InterruptedException {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            return false;
        }
        lock.wait(Math.max(1, remaining / 1_000_000));
        return true;
    }
}
