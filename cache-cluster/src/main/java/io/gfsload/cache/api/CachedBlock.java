package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A committed block as the master records it.
 *
 * @param index zero-based block index within its file
 * @param length block length in bytes
 * @param crc32c CRC32C of the block's bytes, as an unsigned 32-bit value
 * @param workerIds ids of the live workers holding a replica, sorted
 */
public record CachedBlock(int index, long length, long crc32c, List<String> workerIds) {
    public CachedBlock {
        requireNonNull(workerIds, "workerIds is null");
        workerIds = List.copyOf(workerIds);
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0: " + index);
        }
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0: " + length);
        }
    }

    public int replicas() {
        return workerIds.size();
    }
}
