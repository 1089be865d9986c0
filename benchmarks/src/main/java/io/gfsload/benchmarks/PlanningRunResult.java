package io.gfsload.benchmarks;

/**
 * What one {@link PlanningRun} measured.
 *
 * @param nanos wall time of the planning (or of the baseline's listing), in the run's JVM
 * @param cpuNanos CPU time the run's JVM used meanwhile, all its threads (GC and JIT included)
 * @param partitions partitions in the plan; 0 for the baseline
 * @param files files planned or listed
 * @param bytes their total length
 * @param blocks blocks in the plan; 0 for the baseline
 * @param cachedBlocks blocks the plan found cached
 * @param taskSets task sets in the plan
 * @param heapMaxBytes the JVM's maximum heap ({@code -Xmx})
 * @param heapPeakUsedBytes the most heap in use at any time, garbage included
 * @param heapPeakAfterGcBytes the most heap in use right after a collection: an upper bound of the
 *     live data at its peak
 * @param heapRetainedBytes heap in use after a full collection once the work was done, with the
 *     plan still referenced
 * @param collections garbage collections during the run
 */
public record PlanningRunResult(long nanos, long cpuNanos, long partitions, long files, long bytes, long blocks, long cachedBlocks, long taskSets,
        long heapMaxBytes, long heapPeakUsedBytes, long heapPeakAfterGcBytes, long heapRetainedBytes, long collections) {}
