package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Totals of a plan and its file-size distribution, the input of the tuning advisor.
 *
 * @param files files in the plan
 * @param bytes their total length
 * @param blocks blocks in the plan
 * @param cachedBlocks blocks already cached at the requested replication
 * @param cachedBytes bytes of those blocks
 * @param sizeHistogram files per size bucket, the buckets of {@link #BUCKET_UPPER_BOUNDS}
 * @param medianFileBytes median file length, 0 without files
 * @param p90FileBytes 90th percentile of file length, 0 without files
 */
public record PlanStats(long files, long bytes, long blocks, long cachedBlocks, long cachedBytes,
        List<Long> sizeHistogram, long medianFileBytes, long p90FileBytes) {
    /** Upper bounds (exclusive) of the histogram buckets; the last bucket is unbounded. */
    public static final List<Long> BUCKET_UPPER_BOUNDS = List.of(
            1L, 64L << 10, 1L << 20, 16L << 20, 128L << 20, 1L << 30, Long.MAX_VALUE);

    public PlanStats {
        sizeHistogram = List.copyOf(requireNonNull(sizeHistogram, "sizeHistogram is null"));
    }

    public long blocksToLoad() {
        return blocks - cachedBlocks;
    }

    public long bytesToLoad() {
        return bytes - cachedBytes;
    }

    public long meanFileBytes() {
        return files == 0 ? 0 : bytes / files;
    }

    static PlanStats of(List<PartitionLoad> partitions) {
        List<Long> lengths = partitions.stream()
                .flatMap(p -> p.files().stream())
                .map(f -> f.file().length())
                .sorted()
                .toList();
        long[] histogram = new long[BUCKET_UPPER_BOUNDS.size()];
        for (long length : lengths) {
            int bucket = 0;
            while (length >= BUCKET_UPPER_BOUNDS.get(bucket)) {
                bucket++;
            }
            histogram[bucket]++;
        }
        long blocks = 0;
        long cachedBlocks = 0;
        long cachedBytes = 0;
        for (PartitionLoad partition : partitions) {
            for (FileLoad file : partition.files()) {
                blocks += file.blocks().size();
                cachedBlocks += file.blocks().stream().filter(BlockTask::cached).count();
                cachedBytes += file.cachedBytes();
            }
        }
        return new PlanStats(
                lengths.size(),
                lengths.stream().mapToLong(Long::longValue).sum(),
                blocks,
                cachedBlocks,
                cachedBytes,
                java.util.Arrays.stream(histogram).boxed().toList(),
                percentile(lengths, 50),
                percentile(lengths, 90));
    }

    private static long percentile(List<Long> sorted, int percent) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, index));
    }
}
