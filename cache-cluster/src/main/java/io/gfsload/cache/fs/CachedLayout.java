package io.gfsload.cache.fs;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Where a file's cached blocks lie: the block size the file was cut with and the cached blocks by
 * index. Block {@code i} covers {@code [i * blockSize, min((i + 1) * blockSize, length))}, as the
 * planner cuts files.
 *
 * @param blockSize the block size
 * @param cached cached blocks by index, each of the length its index implies
 */
record CachedLayout(long blockSize, Map<Integer, CachedBlock> cached) {
    CachedLayout {
        if (blockSize <= 0) {
            throw new IllegalArgumentException("blockSize must be > 0: " + blockSize);
        }
        cached = Map.copyOf(requireNonNull(cached, "cached is null"));
    }

    /**
     * The layout of {@code file}'s cached blocks: with {@code configuredBlockSize} when every
     * cached block has the length it implies; else with the block size a cached block that is not
     * the file's last one shows (a block followed by another cached block, or a first block
     * shorter than the file), when every block fits it; else blocks of {@code configuredBlockSize}
     * whose lengths fit it, the others left to the UFS.
     */
    static CachedLayout of(FileIdentity file, long configuredBlockSize, List<CachedBlock> blocks) {
        requireNonNull(file, "file is null");
        requireNonNull(blocks, "blocks is null");
        if (fits(file, configuredBlockSize, blocks)) {
            return new CachedLayout(configuredBlockSize, byIndex(blocks));
        }
        Optional<Long> shown = shownBlockSize(file, blocks);
        if (shown.isPresent() && fits(file, shown.get(), blocks)) {
            return new CachedLayout(shown.get(), byIndex(blocks));
        }
        List<CachedBlock> fitting = blocks.stream().filter(block -> fits(file, configuredBlockSize, block)).toList();
        return new CachedLayout(configuredBlockSize, byIndex(fitting));
    }

    /** The length of block {@code index} of a file of {@code length} bytes cut at {@code blockSize}. */
    static long blockLength(long length, long blockSize, int index) {
        long offset = index * blockSize;
        return offset >= length ? -1 : Math.min(blockSize, length - offset);
    }

    private static boolean fits(FileIdentity file, long blockSize, List<CachedBlock> blocks) {
        return blocks.stream().allMatch(block -> fits(file, blockSize, block));
    }

    private static boolean fits(FileIdentity file, long blockSize, CachedBlock block) {
        return blockLength(file.length(), blockSize, block.index()) == block.length();
    }

    private static Optional<Long> shownBlockSize(FileIdentity file, List<CachedBlock> blocks) {
        int last = blocks.stream().mapToInt(CachedBlock::index).max().orElse(-1);
        for (CachedBlock block : blocks) {
            boolean followed = block.index() < last;
            boolean shortFirst = block.index() == 0 && block.length() < file.length();
            if ((followed || shortFirst) && block.length() > 0) {
                return Optional.of(block.length());
            }
        }
        return Optional.empty();
    }

    private static Map<Integer, CachedBlock> byIndex(List<CachedBlock> blocks) {
        return blocks.stream().collect(Collectors.toMap(CachedBlock::index, Function.identity(), (a, b) -> a));
    }
}
