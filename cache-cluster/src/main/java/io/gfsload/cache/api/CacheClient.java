package io.gfsload.cache.api;

import java.io.InputStream;
import java.util.List;

/**
 * A client of a cache cluster: cluster state, cached-block queries, block writes and reads.
 *
 * <p>Thread-safe. Owns its connections; {@link #close()} releases them.
 */
public interface CacheClient extends AutoCloseable {
    /** Workers, their capacity and liveness. */
    ClusterInfo clusterInfo();

    /**
     * The committed blocks of {@code file} that have at least one replica on a live worker,
     * sorted by index. Blocks cached for another identity of the same path are not returned.
     */
    List<CachedBlock> cachedBlocks(FileIdentity file);

    /**
     * Opens a writer for {@code block} of {@code length} bytes, placed on {@code replication}
     * distinct live workers chosen by the master.
     *
     * @throws NotEnoughWorkersException when fewer live workers than {@code replication} have room
     */
    BlockWriter openWriter(BlockKey block, long length, int replication);

    /**
     * Opens a committed block for reading from one of its live replicas; the stream verifies the
     * block's CRC32C when it reaches the end and throws {@link CacheException} on a mismatch.
     *
     * @throws BlockNotFoundException when no live replica holds the block
     */
    InputStream openReader(BlockKey block);

    @Override
    void close();
}
