package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A block written into a temp area and not yet committed.
 *
 * @param block the block
 * @param length its length in bytes
 * @param crc32c its CRC32C, unsigned
 * @param workerIds the workers holding a replica, live or not, sorted
 */
public record StagedBlock(BlockKey block, long length, long crc32c, List<String> workerIds) {
    public StagedBlock {
        requireNonNull(block, "block is null");
        requireNonNull(workerIds, "workerIds is null");
        workerIds = List.copyOf(workerIds);
    }
}
