package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * One ranged read of a large file in flight: its buffer, taken from {@code buffers}, belongs to
 * it until {@link #await} returns or {@link #abandon} ends.
 */
final class RangeRead {
    private final BufferPool buffers;
    private final byte[] buffer;
    private final int length;
    private final Future<byte[]> result;

    /**
     * @param buffer the buffer the read fills, from {@code buffers}
     * @param length the bytes it reads
     * @param result the read, which returns {@code buffer}
     */
    RangeRead(BufferPool buffers, byte[] buffer, int length, Future<byte[]> result) {
        this.buffers = requireNonNull(buffers, "buffers is null");
        this.buffer = requireNonNull(buffer, "buffer is null");
        this.length = length;
        this.result = requireNonNull(result, "result is null");
    }

    int length() {
        return length;
    }

    /** The buffer with the bytes read; the caller releases it. On failure the buffer is released here. */
    byte[] await() throws IOException {
        try {
            return result.get();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon();
            throw (InterruptedIOException) new InterruptedIOException("Interrupted while reading").initCause(e);
        }
        catch (ExecutionException e) {
            buffers.release(buffer);
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("A ranged read failed: " + cause, cause);
        }
    }

    /**
     * Waits for the read to end, whatever its outcome, and returns its buffer. Interrupted (the
     * load is being torn down), it stops waiting and leaves the buffer to the garbage collector
     * rather than hand out one a reader may still fill.
     */
    void abandon() {
        try {
            result.get();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        catch (ExecutionException | CancellationException e) {
            // the failure is the first read's to report
        }
        buffers.release(buffer);
    }
}
