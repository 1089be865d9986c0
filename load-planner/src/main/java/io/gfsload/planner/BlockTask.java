package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import java.io.Serializable;
import java.util.List;

/**
 * One block of a file to load.
 *
 * @param file the UFS file
 * @param index zero-based block index
 * @param offset byte offset of the block in the file
 * @param length block length in bytes
 * @param cached whether the block is already cached with the requested replication, so the
 *     executor skips it
 * @param heldBy of a block to load, the live workers that already hold a replica of it (of this
 *     length), sorted, fewer than the replication: the load writes only the replicas missing, on
 *     other workers. Empty for a cached block and for one no worker holds
 */
public record BlockTask(FileIdentity file, int index, long offset, long length, boolean cached, List<String> heldBy) implements Serializable {
    public BlockTask {
        requireNonNull(file, "file is null");
        heldBy = List.copyOf(requireNonNull(heldBy, "heldBy is null"));
        if (index < 0 || offset < 0 || length < 0 || offset + length > file.length()) {
            throw new IllegalArgumentException("invalid block %d [%d, +%d) of %s".formatted(index, offset, length, file));
        }
        if (cached && !heldBy.isEmpty()) {
            throw new IllegalArgumentException("block %d of %s is cached: no replicas to add to those of %s".formatted(index, file, heldBy));
        }
    }

    /** A block no worker holds a replica of, or a cached one. */
    public BlockTask(FileIdentity file, int index, long offset, long length, boolean cached) {
        this(file, index, offset, length, cached, List.of());
    }

    /** The replicas a load of this block writes at {@code replication}: none when cached, else those missing. */
    public int replicasToWrite(int replication) {
        return cached ? 0 : Math.max(0, replication - heldBy.size());
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
        return heldIn(cached, index, length).size() >= replication;
    }

    /**
     * The live workers that hold block {@code index} of {@code length} bytes, as {@link #cachedIn}
     * reads {@code cached}: those of the first block of that index, when it has that length.
     */
    public static List<String> heldIn(List<CachedBlock> cached, int index, long length) {
        for (CachedBlock block : cached) {
            if (block.index() == index) {
                return block.length() == length ? block.workerIds() : List.of();
            }
        }
        return List.of();
    }
}
