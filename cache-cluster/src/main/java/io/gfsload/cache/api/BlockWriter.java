package io.gfsload.cache.api;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * Streams one block to its replica workers.
 *
 * <p>Not thread-safe: one thread writes a block. Memory is bounded by the transport's flow
 * control: {@link #write} blocks while the workers are not ready for more. Closing a writer whose
 * commit was not started aborts it, and the workers discard what they received.
 */
public interface BlockWriter extends AutoCloseable {
    /** Sends {@code length} bytes; the total must not exceed the length the writer was opened with. */
    void write(byte[] buffer, int offset, int length);

    /**
     * Sends the remaining bytes of {@code data} as {@link #write(byte[], int, int)} does, and moves
     * its position to its limit. A writer that can move a direct buffer's bytes without copying
     * them into the heap (a short-circuit write to a worker on this host) does; others copy.
     */
    default void write(ByteBuffer data) {
        if (data.hasArray()) {
            write(data.array(), data.arrayOffset() + data.position(), data.remaining());
            data.position(data.limit());
            return;
        }
        byte[] copy = new byte[Math.min(data.remaining(), 1 << 20)];
        while (data.hasRemaining()) {
            int n = Math.min(copy.length, data.remaining());
            data.get(copy, 0, n);
            write(copy, 0, n);
        }
    }

    /**
     * Finishes the block on every replica, checks that each worker's CRC32C equals the CRC32C of
     * the bytes written, and records the block's locations in the master.
     *
     * @throws CacheException when a replica failed or a checksum differs; nothing is recorded
     */
    BlockWriteResult commit();

    /**
     * Starts {@link #commit}: the writer stops taking bytes at once, and the wait for the workers'
     * confirmations and the record in the master happen without the calling thread, which may
     * meanwhile open and write the next block. A writer that sends its bytes to a worker ends its
     * streams here and finishes in the client's background threads; any other commits before
     * returning. Closing the writer afterwards does not abort the commit.
     *
     * @return the result of {@link #commit}, or its {@link CacheException}: when a replica failed
     *     or a checksum differs, the write is aborted and nothing is recorded, as with {@link #commit}
     * @throws IllegalStateException when the writer was committed or aborted before
     */
    default CompletableFuture<BlockWriteResult> commitAsync() {
        try {
            return CompletableFuture.completedFuture(commit());
        }
        catch (CacheException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Aborts the write if its commit was not started. */
    @Override
    void close();
}
