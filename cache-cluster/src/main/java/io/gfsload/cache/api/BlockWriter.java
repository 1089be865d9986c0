package io.gfsload.cache.api;

import java.nio.ByteBuffer;

/**
 * Streams one block to its replica workers.
 *
 * <p>Not thread-safe: one thread writes a block. Memory is bounded by the transport's flow
 * control: {@link #write} blocks while the workers are not ready for more. Closing a writer that
 * was not committed aborts it, and the workers discard what they received.
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

    /** Aborts the write if it was not committed. */
    @Override
    void close();
}
