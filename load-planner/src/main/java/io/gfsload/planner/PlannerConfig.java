package io.gfsload.planner;

/**
 * How the planner cuts and packs.
 *
 * @param blockSize bytes per block; files are cut at multiples of it
 * @param openCostBytes the weight of opening one file, so that many small files do not pile into
 *     one task set
 * @param taskSetTargetBytes the weight at which a task set is closed
 * @param listingThreads locations listed in parallel
 * @param partitionBatchSize partitions fetched from the metastore per call, and the most
 *     locations listed by one listing task (whose files are looked up in the cache in one call)
 */
public record PlannerConfig(long blockSize, long openCostBytes, long taskSetTargetBytes, int listingThreads, int partitionBatchSize) {
    public static final long DEFAULT_BLOCK_SIZE = 64L << 20;
    /** Hive's own batch retrieval default ({@code hive.metastore.batch.retrieve.max}) is 300. */
    public static final int DEFAULT_PARTITION_BATCH_SIZE = 500;

    public PlannerConfig {
        if (blockSize <= 0) {
            throw new IllegalArgumentException("blockSize must be > 0: " + blockSize);
        }
        if (openCostBytes < 0) {
            throw new IllegalArgumentException("openCostBytes must be >= 0: " + openCostBytes);
        }
        if (taskSetTargetBytes <= 0) {
            throw new IllegalArgumentException("taskSetTargetBytes must be > 0: " + taskSetTargetBytes);
        }
        if (listingThreads < 1) {
            throw new IllegalArgumentException("listingThreads must be >= 1: " + listingThreads);
        }
        if (partitionBatchSize < 1) {
            throw new IllegalArgumentException("partitionBatchSize must be >= 1: " + partitionBatchSize);
        }
    }

    /** With the default partition batch size. */
    public PlannerConfig(long blockSize, long openCostBytes, long taskSetTargetBytes, int listingThreads) {
        this(blockSize, openCostBytes, taskSetTargetBytes, listingThreads, DEFAULT_PARTITION_BATCH_SIZE);
    }

    /** 64 MiB blocks, 4 MiB open cost, 256 MiB task sets, 8 listing threads, 500 partitions per batch. */
    public static PlannerConfig defaults() {
        return new PlannerConfig(DEFAULT_BLOCK_SIZE, 4L << 20, 256L << 20, 8);
    }

    public PlannerConfig withBlockSize(long newBlockSize) {
        return new PlannerConfig(newBlockSize, openCostBytes, taskSetTargetBytes, listingThreads, partitionBatchSize);
    }

    public PlannerConfig withListingThreads(int newListingThreads) {
        return new PlannerConfig(blockSize, openCostBytes, taskSetTargetBytes, newListingThreads, partitionBatchSize);
    }

    public PlannerConfig withPartitionBatchSize(int newPartitionBatchSize) {
        return new PlannerConfig(blockSize, openCostBytes, taskSetTargetBytes, listingThreads, newPartitionBatchSize);
    }
}
