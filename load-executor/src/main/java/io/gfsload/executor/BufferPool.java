package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The read buffers of one load: at most {@code buffers} of {@code bufferBytes} each exist, so the
 * bytes read from the UFS and not yet written to the cache never exceed their product (the
 * advisor's {@code executor.in-flight-bytes}). Buffers are allocated on first use and reused.
 * A buffer is a heap array, or for local copies a direct buffer of at most {@code bufferBytes};
 * both kinds count against the same bound.
 *
 * <p>Thread-safe. A caller that already holds a buffer must use {@link #tryAcquire} for more, so
 * that readers waiting for each other's buffers cannot deadlock. A caller waiting for a buffer
 * runs the pool's {@code whileWaiting} check every {@link #WAIT_CHECK}: the check throws when the
 * load has stopped (its master gave up), so that no reader waits for a buffer forever once the
 * holders' writes can no longer end.
 */
final class BufferPool {
    /** How often a caller waiting for a buffer runs the pool's check. */
    static final java.time.Duration WAIT_CHECK = java.time.Duration.ofMillis(200);

    private final int bufferBytes;
    private final Runnable whileWaiting;
    private final Semaphore permits;
    private final int directBytes;
    private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<ByteBuffer> freeDirect = new ConcurrentLinkedQueue<>();

    BufferPool(int buffers, int bufferBytes) {
        this(buffers, bufferBytes, bufferBytes, () -> {});
    }

    /**
     * @param directBytes the capacity of the direct buffers, at most {@code bufferBytes}
     * @param whileWaiting run by a caller waiting for a buffer, every {@link #WAIT_CHECK}: an
     *     unchecked exception it throws ends the wait and propagates to the caller
     */
    BufferPool(int buffers, int bufferBytes, int directBytes, Runnable whileWaiting) {
        if (buffers < 1) {
            throw new IllegalArgumentException("buffers must be >= 1: " + buffers);
        }
        if (bufferBytes < 1) {
            throw new IllegalArgumentException("bufferBytes must be >= 1: " + bufferBytes);
        }
        if (directBytes < 1 || directBytes > bufferBytes) {
            throw new IllegalArgumentException("directBytes must be in [1, %d]: %d".formatted(bufferBytes, directBytes));
        }
        this.bufferBytes = bufferBytes;
        this.whileWaiting = requireNonNull(whileWaiting, "whileWaiting is null");
        this.directBytes = directBytes;
        this.permits = new Semaphore(buffers, true);
    }

    /** A buffer, waiting until one is free (or the pool's check throws). */
    byte[] acquire() throws InterruptedIOException {
        awaitPermit();
        return take();
    }

    /** A direct buffer (cleared), waiting until a buffer is free; give it back with {@link #releaseDirect}. */
    ByteBuffer acquireDirect() throws InterruptedIOException {
        awaitPermit();
        ByteBuffer buffer = freeDirect.poll();
        return buffer != null ? buffer.clear() : ByteBuffer.allocateDirect(directBytes);
    }

    /** Gives back a buffer from {@link #acquireDirect}. */
    void releaseDirect(ByteBuffer buffer) {
        freeDirect.add(buffer);
        permits.release();
    }

    private void awaitPermit() throws InterruptedIOException {
        try {
            while (!permits.tryAcquire(WAIT_CHECK.toNanos(), TimeUnit.NANOSECONDS)) {
                whileWaiting.run();
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw (InterruptedIOException) new InterruptedIOException("Interrupted while waiting for a read buffer").initCause(e);
        }
    }

    /** A buffer when one is free now. */
    Optional<byte[]> tryAcquire() {
        return permits.tryAcquire() ? Optional.of(take()) : Optional.empty();
    }

    /** Gives back a buffer from {@link #acquire} or {@link #tryAcquire}; its contents are garbage from now on. */
    void release(byte[] buffer) {
        free.add(buffer);
        permits.release();
    }

    int bufferBytes() {
        return bufferBytes;
    }

    private byte[] take() {
        byte[] buffer = free.poll();
        return buffer != null ? buffer : new byte[bufferBytes];
    }
}
