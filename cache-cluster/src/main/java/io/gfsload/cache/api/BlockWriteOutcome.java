package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * What became of one block of a {@link CacheClient#writeBlocks} call: written and recorded, or
 * failed with a reason and left nowhere.
 */
public record BlockWriteOutcome(BlockKey block, Optional<BlockWriteResult> result, Optional<CacheException> failure) {
    public BlockWriteOutcome {
        requireNonNull(block, "block is null");
        requireNonNull(result, "result is null");
        requireNonNull(failure, "failure is null");
        if (result.isPresent() == failure.isPresent()) {
            throw new IllegalArgumentException("an outcome has a result or a failure, not both or neither: " + block);
        }
    }

    public static BlockWriteOutcome written(BlockWriteResult result) {
        return new BlockWriteOutcome(result.block(), Optional.of(result), Optional.empty());
    }

    public static BlockWriteOutcome failed(BlockKey block, CacheException failure) {
        return new BlockWriteOutcome(block, Optional.empty(), Optional.of(failure));
    }

    public boolean succeeded() {
        return result.isPresent();
    }
}
