package io.gfsload.advisor;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What the advisor knows about a load: the machines, the files and the object store.
 *
 * <p>Build one with {@link #builder()}; the six-argument constructor is kept for callers that know
 * only the executor's machine and the file sizes, and fills in the documented defaults.
 *
 * @param cores CPU cores of a machine that reads the UFS: the executor's, and each cache worker's
 * @param maxHeapBytes the executor's maximum heap; its buffers stay within a share of it
 * @param hostMemoryBytes physical memory of one cache worker host; the worker's read memory stays
 *     within a share of it
 * @param files files to load
 * @param bytes bytes to load
 * @param medianFileBytes median file size
 * @param meanFileBytes mean file size
 * @param blockBytes the cache block size the plan was cut with
 * @param workers live cache workers (each runs a job worker and its own COS client)
 * @param tiers storage tiers of one worker; a {@link Tier.Medium#MEM} tier's quota is memory taken
 *     from the host
 * @param backend the object store's latency and bandwidth, as far as known
 * @param bandwidthCap the cap on the load's UFS reads across all its readers ({@code --bandwidth}),
 *     bytes a second; 0 when the reads are not capped. With the store's aggregate bandwidth it
 *     makes the rate the executor's readers are sized for: the lesser of the two
 * @param slice the share of the load's rates the executor's settings are for, when the load is
 *     cut into slices that run side by side, each in a process of its own (a Spark job's): the
 *     settings are then that slice's, sized for its share of {@code bandwidthCap} (which its
 *     limiter holds) and of the store's rate for all streams
 *     ({@link BackendProfile#aggregateBytesPerSecond}); {@link SliceShare#WHOLE} for a load in one
 *     process
 */
public record WorkloadProfile(
        int cores,
        long maxHeapBytes,
        long hostMemoryBytes,
        long files,
        long bytes,
        long medianFileBytes,
        long meanFileBytes,
        long blockBytes,
        int workers,
        List<Tier> tiers,
        BackendProfile backend,
        long bandwidthCap,
        SliceShare slice) {
    /** The planner's default block size, assumed when none is given. */
    public static final long DEFAULT_BLOCK_BYTES = 64L << 20;
    /** A JVM's default maximum heap is a quarter of physical memory: the host is assumed 4 x the heap. */
    public static final int DEFAULT_HOST_MEMORY_PER_HEAP = 4;

    public WorkloadProfile {
        if (cores < 1) {
            throw new IllegalArgumentException("cores must be >= 1: " + cores);
        }
        if (maxHeapBytes <= 0) {
            throw new IllegalArgumentException("maxHeapBytes must be > 0: " + maxHeapBytes);
        }
        if (hostMemoryBytes <= 0) {
            throw new IllegalArgumentException("hostMemoryBytes must be > 0: " + hostMemoryBytes);
        }
        if (files < 0 || bytes < 0 || medianFileBytes < 0 || meanFileBytes < 0) {
            throw new IllegalArgumentException("file counts and sizes must be >= 0");
        }
        if (blockBytes <= 0) {
            throw new IllegalArgumentException("blockBytes must be > 0: " + blockBytes);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1: " + workers);
        }
        tiers = List.copyOf(requireNonNull(tiers, "tiers is null"));
        requireNonNull(backend, "backend is null");
        if (bandwidthCap < 0) {
            throw new IllegalArgumentException("bandwidthCap must be >= 0: " + bandwidthCap);
        }
        requireNonNull(slice, "slice is null");
    }

    /**
     * The executor's machine and the file sizes only. Defaults: host memory 4 x the heap (a JVM's
     * default heap is a quarter of physical memory), 64 MiB blocks, one worker, no tiers known, an
     * unknown backend, reads not capped, in one process.
     */
    public WorkloadProfile(int cores, long maxHeapBytes, long files, long bytes, long medianFileBytes, long meanFileBytes) {
        this(cores, maxHeapBytes, saturatedMultiply(maxHeapBytes, DEFAULT_HOST_MEMORY_PER_HEAP), files, bytes, medianFileBytes, meanFileBytes,
                DEFAULT_BLOCK_BYTES, 1, List.of(), BackendProfile.unknown(), 0, SliceShare.WHOLE);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** This profile sized for {@code share} of the load's rates: one slice's of a load in slices. */
    public WorkloadProfile withSlice(SliceShare share) {
        return new WorkloadProfile(cores, maxHeapBytes, hostMemoryBytes, files, bytes, medianFileBytes, meanFileBytes, blockBytes, workers, tiers, backend,
                bandwidthCap, share);
    }

    /** The slice's share of {@link #bandwidthCap}, at least 1 byte a second; 0 when the reads are not capped. */
    public long bandwidthCapShare() {
        return slice.of(bandwidthCap);
    }

    /** Bytes of the host's memory that {@link Tier.Medium#MEM} tiers hold. */
    public long memoryTierBytes() {
        return tiers.stream()
                .filter(t -> t.medium() == Tier.Medium.MEM)
                .mapToLong(Tier::capacityBytes)
                .reduce(0, WorkloadProfile::saturatedAdd);
    }

    private static long saturatedMultiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        return (high == 0 && low >= 0) ? low : Long.MAX_VALUE;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /**
     * Builds a {@link WorkloadProfile}. {@link #cores}, {@link #maxHeapBytes} and the file
     * statistics are required; the rest default as in the six-argument constructor (host memory
     * 4 x the heap unless set).
     */
    public static final class Builder {
        private Integer cores;
        private Long maxHeapBytes;
        private Long hostMemoryBytes;
        private Long files;
        private Long bytes;
        private Long medianFileBytes;
        private Long meanFileBytes;
        private long blockBytes = DEFAULT_BLOCK_BYTES;
        private int workers = 1;
        private List<Tier> tiers = List.of();
        private BackendProfile backend = BackendProfile.unknown();
        private long bandwidthCap;
        private SliceShare slice = SliceShare.WHOLE;

        private Builder() {}

        public Builder cores(int value) {
            this.cores = value;
            return this;
        }

        public Builder maxHeapBytes(long value) {
            this.maxHeapBytes = value;
            return this;
        }

        public Builder hostMemoryBytes(long value) {
            this.hostMemoryBytes = value;
            return this;
        }

        /** The files to load: count, total bytes, median and mean size. */
        public Builder files(long count, long totalBytes, long medianBytes, long meanBytes) {
            this.files = count;
            this.bytes = totalBytes;
            this.medianFileBytes = medianBytes;
            this.meanFileBytes = meanBytes;
            return this;
        }

        public Builder blockBytes(long value) {
            this.blockBytes = value;
            return this;
        }

        public Builder workers(int value) {
            this.workers = value;
            return this;
        }

        public Builder tiers(List<Tier> value) {
            this.tiers = requireNonNull(value, "tiers is null");
            return this;
        }

        public Builder backend(BackendProfile value) {
            this.backend = requireNonNull(value, "backend is null");
            return this;
        }

        /** The cap on UFS reads across all readers, bytes a second; 0 (the default) when not capped. */
        public Builder bandwidthCap(long bytesPerSecond) {
            this.bandwidthCap = bytesPerSecond;
            return this;
        }

        /** The slice whose share of the load's rates to size for; {@link SliceShare#WHOLE} (the default) for a load in one process. */
        public Builder slice(SliceShare value) {
            this.slice = requireNonNull(value, "slice is null");
            return this;
        }

        public WorkloadProfile build() {
            requireNonNull(cores, "cores is not set");
            requireNonNull(maxHeapBytes, "maxHeapBytes is not set");
            requireNonNull(files, "files are not set");
            long host = hostMemoryBytes != null ? hostMemoryBytes : saturatedMultiply(maxHeapBytes, DEFAULT_HOST_MEMORY_PER_HEAP);
            return new WorkloadProfile(cores, maxHeapBytes, host, files, bytes, medianFileBytes, meanFileBytes, blockBytes, workers, tiers, backend, bandwidthCap, slice);
        }
    }
}
