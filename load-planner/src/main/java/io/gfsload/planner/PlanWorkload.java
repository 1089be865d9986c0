package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.List;

/**
 * What a plan has left to load, the workload the tuning advisor sizes its settings for: the files
 * with blocks not cached yet, each by the bytes it has left (a partly cached file by its blocks to
 * load). The files already cached are read by no one: an incremental load is tuned for the files
 * it reads. When nothing is left to load, the figures are those of every file of the plan, whole
 * ({@link #wholePlan}): the settings a load of the plan would have with nothing cached.
 *
 * @param files files with blocks to load (every file of the plan when {@code wholePlan})
 * @param bytes their bytes to load (their lengths when {@code wholePlan})
 * @param medianFileBytes the median of those bytes per file, 0 without files
 * @param meanFileBytes the mean of those bytes per file, 0 without files
 * @param wholePlan whether nothing was left to load, so that the figures are the whole plan's
 */
public record PlanWorkload(long files, long bytes, long medianFileBytes, long meanFileBytes, boolean wholePlan) {
    public PlanWorkload {
        if (files < 0 || bytes < 0 || medianFileBytes < 0 || meanFileBytes < 0) {
            throw new IllegalArgumentException("negative workload: %d files, %d bytes, median %d, mean %d".formatted(files, bytes, medianFileBytes, meanFileBytes));
        }
    }

    /** The workload of {@code partitions}, as {@link LoadPlan#workload()} gives it. */
    public static PlanWorkload of(List<PartitionLoad> partitions) {
        requireNonNull(partitions, "partitions is null");
        int count = 0;
        int withBlocksToLoad = 0;
        for (PartitionLoad partition : partitions) {
            for (FileLoad file : partition.files()) {
                count++;
                if (!file.fullyCached()) {
                    withBlocksToLoad++;
                }
            }
        }
        boolean wholePlan = withBlocksToLoad == 0;
        // primitive lengths: a plan may hold millions of files
        long[] sizes = new long[wholePlan ? count : withBlocksToLoad];
        int next = 0;
        long bytes = 0;
        for (PartitionLoad partition : partitions) {
            for (FileLoad file : partition.files()) {
                if (wholePlan || !file.fullyCached()) {
                    long size = wholePlan ? file.file().length() : file.bytesToLoad();
                    sizes[next++] = size;
                    bytes += size;
                }
            }
        }
        Arrays.sort(sizes);
        long median = sizes.length == 0 ? 0 : sizes[Math.max(0, (int) Math.ceil(sizes.length / 2.0) - 1)];
        return new PlanWorkload(sizes.length, bytes, median, sizes.length == 0 ? 0 : bytes / sizes.length, wholePlan);
    }
}
