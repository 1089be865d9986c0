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
 * @param metastoreThreads batches of partitions fetched from the metastore at the same time (each
 *     on a connection of its own, as far as the catalog has them)
 */
public record PlannerConfig(long blockSize, long openCostBytes, long taskSetTargetBytes, int listingThreads, int partitionBatchSize,
        int metastoreThreads) {
    public static final long DEFAULT_BLOCK_SIZE = 64L << 20;
    /**
     * Hive's own batch retrieval default ({@code hive.metastore.batch.retrieve.max}) is 300, but a
     * call costs about 70 ms besides its partitions on a 100,000-partition Hive 2.3 metastore
     * (Derby, measured), so fewer, larger calls plan a large table in half the time; 2,000
     * partitions are a few MB of Thrift objects.
     */
    public static final int DEFAULT_PARTITION_BATCH_SIZE = 2_000;
    /**
     * A metastore spends most of a batch call in its database and in Thrift, one thread per
     * connection: two calls at a time nearly halved the time to fetch 100,000 partitions here.
     */
    public static final int DEFAULT_METASTORE_THREADS = 2;

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
        if (metastoreThreads < 1) {
            throw new IllegalArgumentException("metastoreThreads must be >= 1: " + metastoreThreads);
        }
    }

    /** With the default partition batch size and metastore threads. */
    public PlannerConfig(long blockSize, long openCostBytes, long taskSetTargetBytes, int listingThreads) {
        this(blockSize, openCostBytes, taskSetTargetBytes, listingThreads, DEFAULT_PARTITION_BATCH_SIZE, DEFAULT_METASTORE_THREADS);
    }

    /** 64 MiB blocks, 4 MiB open cost, 256 MiB task sets, 8 listing threads, 2,000 partitions per batch, 2 metastore threads. */
    public static PlannerConfig defaults() {
        return new PlannerConfig(DEFAULT_BLOCK_SIZE, 4L << 20, 256L << 20, 8);
    }

    public PlannerConfig withBlockSize(long newBlockSize) {
        return new PlannerConfig(newBlockSize, openCostBytes, taskSetTargetBytes, listingThreads, partitionBatchSize, metastoreThreads);
    }

    public PlannerConfig withListingThreads(int newListingThreads) {
        return new PlannerConfig(blockSize, openCostBytes, taskSetTargetBytes, newListingThreads, partitionBatchSize, metastoreThreads);
    }

    public PlannerConfig withPartitionBatchSize(int newPartitionBatchSize) {
        return new PlannerConfig(blockSize, openCostBytes, taskSetTargetBytes, listingThreads, newPartitionBatchSize, metastoreThreads);
    }
}
