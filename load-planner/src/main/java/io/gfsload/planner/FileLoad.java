package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.FileIdentity;
import java.io.Serializable;
import java.util.List;

/**
 * A file to load and its blocks, in index order. A zero-byte file has no blocks.
 *
 * @param file the UFS file
 * @param blocks its blocks
 */
public record FileLoad(FileIdentity file, List<BlockTask> blocks) implements Serializable {
    public FileLoad {
        requireNonNull(file, "file is null");
        blocks = List.copyOf(requireNonNull(blocks, "blocks is null"));
    }

    public long bytesToLoad() {
        return blocks.stream().filter(b -> !b.cached()).mapToLong(BlockTask::length).sum();
    }

    public long cachedBytes() {
        return blocks.stream().filter(BlockTask::cached).mapToLong(BlockTask::length).sum();
    }

    public boolean fullyCached() {
        return blocks.stream().allMatch(BlockTask::cached);
    }
}
