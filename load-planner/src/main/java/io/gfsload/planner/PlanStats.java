package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
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

    public static PlanStats of(List<PartitionLoad> partitions) {
        int fileCount = 0;
        for (PartitionLoad partition : partitions) {
            fileCount += partition.files().size();
        }
        // Primitive lengths: a plan may hold millions of files.
        long[] lengths = new long[fileCount];
        long[] histogram = new long[BUCKET_UPPER_BOUNDS.size()];
        long bytes = 0;
        long blocks = 0;
        long cachedBlocks = 0;
        long cachedBytes = 0;
        int next = 0;
        for (PartitionLoad partition : partitions) {
            for (FileLoad file : partition.files()) {
                long length = file.file().length();
                lengths[next++] = length;
                bytes += length;
                int bucket = 0;
                while (length >= BUCKET_UPPER_BOUNDS.get(bucket)) {
                    bucket++;
                }
                histogram[bucket]++;
                for (BlockTask block : file.blocks()) {
                    blocks++;
                    if (block.cached()) {
                        cachedBlocks++;
                        cachedBytes += block.length();
                    }
                }
            }
        }
        Arrays.sort(lengths);
        return new PlanStats(
                fileCount,
                bytes,
                blocks,
                cachedBlocks,
                cachedBytes,
                Arrays.stream(histogram).boxed().toList(),
                percentile(lengths, 50),
                percentile(lengths, 90));
    }

    private static long percentile(long[] sorted, int percent) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, index)];
    }
}
