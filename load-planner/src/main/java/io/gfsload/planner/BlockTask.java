package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import java.util.List;
import java.io.Serializable;

/**
 * One block of a file to load.
 *
 * @param file the UFS file
 * @param index zero-based block index
 * @param offset byte offset of the block in the file
 * @param length block length in bytes
 * @param cached whether the block is already cached with the requested replication, so the
 *     executor skips it
 */
public record BlockTask(FileIdentity file, int index, long offset, long length, boolean cached) implements Serializable {
    public BlockTask {
        requireNonNull(file, "file is null");
        if (index < 0 || offset < 0 || length < 0 || offset + length > file.length()) {
            throw new IllegalArgumentException("invalid block %d [%d, +%d) of %s".formatted(index, offset, length, file));
        }
    }

    public BlockKey key() {
        return new BlockKey(file, index);
    }

    /**
     * Whether block {@code index} of {@code length} bytes counts as cached: the first block of that
     * index in {@code cached} (what the cache holds of the file) has that length and at least
     * {@code replication} replicas on live workers.
     */
    public static boolean cachedIn(List<CachedBlock> cached, int index, long length, int replication) {
        for (CachedBlock block : cached) {
            if (block.index() == index) {
                return block.length() == length && block.replicas() >= replication;
            }
        }
        return false;
    }
}
