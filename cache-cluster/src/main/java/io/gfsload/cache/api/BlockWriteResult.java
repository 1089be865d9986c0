package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The outcome of a committed block write.
 *
 * @param block the block written
 * @param length bytes written
 * @param crc32c CRC32C of the bytes, confirmed by every replica's worker
 * @param workerIds the workers now holding a replica, sorted
 */
public record BlockWriteResult(BlockKey block, long length, long crc32c, List<String> workerIds) {
    public BlockWriteResult {
        requireNonNull(block, "block is null");
        requireNonNull(workerIds, "workerIds is null");
        workerIds = List.copyOf(workerIds);
    }
}
