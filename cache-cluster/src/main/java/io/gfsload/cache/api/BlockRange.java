package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

/**
 * A block to pull, for {@link CacheClient#pullBlocks}: {@code length} bytes of the block's file
 * (the version its {@link BlockKey#file()} names) from {@code offset} on.
 */
public record BlockRange(BlockKey block, long offset, long length) {
    public BlockRange {
        requireNonNull(block, "block is null");
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0: " + offset);
        }
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0: " + length);
        }
    }
}
