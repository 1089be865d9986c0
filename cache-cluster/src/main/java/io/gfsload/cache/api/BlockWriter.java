package io.gfsload.cache.api;

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
