package io.gfsload.executor;

import java.io.InterruptedIOException;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;

/**
 * The read buffers of one load: at most {@code buffers} of {@code bufferBytes} each exist, so the
 * bytes read from the UFS and not yet written to the cache never exceed their product (the
 * advisor's {@code executor.in-flight-bytes}). Buffers are allocated on first use and reused.
 *
 * <p>Thread-safe. A caller that already holds a buffer must use {@link #tryAcquire} for more, so
 * that readers waiting for each other's buffers cannot deadlock.
 */
final class BufferPool {
    private final int bufferBytes;
    private final Semaphore permits;
    private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();

    BufferPool(int buffers, int bufferBytes) {
        if (buffers < 1) {
            throw new IllegalArgumentException("buffers must be >= 1: " + buffers);
        }
        if (bufferBytes < 1) {
            throw new IllegalArgumentException("bufferBytes must be >= 1: " + bufferBytes);
        }
        this.bufferBytes = bufferBytes;
        this.permits = new Semaphore(buffers, true);
    }

    /** A buffer, waiting until one is free. */
    byte[] acquire() throws InterruptedIOException {
        try {
            permits.acquire();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw (InterruptedIOException) new InterruptedIOException("Interrupted while waiting for a read buffer").initCause(e);
        }
        return take();
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
