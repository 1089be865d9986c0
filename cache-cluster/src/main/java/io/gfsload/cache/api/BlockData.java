package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

/**
 * A small block with all of its bytes, for {@link CacheClient#writeBlocks}.
 *
 * <p>The array is not copied: the caller must not change it until the write returns.
 *
 * @param block the block
 * @param data exactly the block's bytes
 */
public record BlockData(BlockKey block, byte[] data) {
    public BlockData {
        requireNonNull(block, "block is null");
        requireNonNull(data, "data is null");
    }
}
