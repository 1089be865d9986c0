package io.gfsload.cache.worker;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.StorageTier;
import java.nio.file.Path;
import java.util.List;

/**
 * One storage tier of a worker: its directories, each with a quota.
 *
 * <p>A {@link StorageTier#MEM} tier is meant for a tmpfs directory (e.g. under {@code /dev/shm}):
 * the worker treats its content as lost when it starts, and deletes it.
 *
 * @param tier the tier
 * @param directories where its blocks live; each is used alone up to its quota
 */
public record TierConfig(StorageTier tier, List<Directory> directories) {
    public TierConfig {
        requireNonNull(tier, "tier is null");
        requireNonNull(directories, "directories is null");
        directories = List.copyOf(directories);
        checkArgument(!directories.isEmpty(), "tier %s has no directory", tier);
    }

    /** A tier of one directory. */
    public static TierConfig of(StorageTier tier, Path directory, long quotaBytes) {
        return new TierConfig(tier, List.of(new Directory(directory, quotaBytes)));
    }

    /** The sum of the directories' quotas. */
    public long capacityBytes() {
        return directories.stream().mapToLong(Directory::quotaBytes).sum();
    }

    /**
     * A directory of a tier.
     *
     * @param path the directory; created when missing
     * @param quotaBytes bytes of block data it may hold, >= 0
     */
    public record Directory(Path path, long quotaBytes) {
        public Directory {
            requireNonNull(path, "path is null");
            checkArgument(quotaBytes >= 0, "quota of %s must be >= 0: %s", path, quotaBytes);
            path = path.toAbsolutePath().normalize();
        }
    }
}
