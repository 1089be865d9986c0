package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.advisor.BackendProfile;
import io.gfsload.advisor.SliceShare;
import io.gfsload.advisor.Tier;
import io.gfsload.advisor.WorkloadProfile;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.planner.InvalidRequestException;
import io.gfsload.planner.PlanWorkload;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * What the advisor needs to know beyond the plan: the cap on the load's UFS reads, the machines
 * and the object store. Each option defaults to what this machine and the cluster say. A mixin,
 * so that the load commands can take the same options: the cap that sizes a load's read threads
 * is the one its reads are held to.
 */
public final class WorkloadOptions {
    @Option(names = "--cores", paramLabel = "N", description = "CPU cores of the executor's and each worker's machine. Default: this machine's.")
    Integer cores;

    @Option(names = "--heap", paramLabel = "SIZE", converter = DataSizes.SizeConverter.class,
            description = "The executor's maximum heap, e.g. 4GB. Default: this JVM's.")
    Long heap;

    @Option(names = "--worker-memory", paramLabel = "SIZE", converter = DataSizes.SizeConverter.class,
            description = "Physical memory of one cache worker host, e.g. 64GB. Default: this machine's.")
    Long workerMemory;

    @Option(names = "--worker-mem-tier", paramLabel = "SIZE", converter = DataSizes.SizeOrNoneConverter.class,
            description = "The MEM tier quota of one worker, memory its reads cannot use; 0 for none. Default: 0.")
    Long workerMemTier;

    @Option(names = "--workers", paramLabel = "N", description = "Cache workers. Default: the cluster's live workers.")
    Integer workers;

    @Option(names = "--bandwidth", paramLabel = "RATE", converter = DataRate.class,
            description = "Cap on UFS reads across all threads, e.g. 200MB/s (K, M, G are powers of 1024); the read threads are sized for it "
                    + "where it is below the UFS's bandwidth.")
    Long bandwidth;

    @Option(names = "--ufs-latency-ms", paramLabel = "MS", description = "Time to the first byte of one ranged UFS read, in milliseconds.")
    Long ufsLatencyMillis;

    @Option(names = "--ufs-stream-bandwidth", paramLabel = "RATE", converter = DataRate.class,
            description = "Bandwidth of one UFS stream, e.g. 50MB/s.")
    Long ufsStreamBandwidth;

    @Option(names = "--ufs-aggregate-bandwidth", paramLabel = "RATE", converter = DataRate.class,
            description = "Bandwidth the UFS grants all streams together (a bucket's cap), e.g. 2GB/s.")
    Long ufsAggregateBandwidth;

    @Option(names = "--probe",
            description = "Measure the UFS with a few ranged reads of the files to load (time to first byte, one stream's bandwidth, 16 streams' "
                    + "together) for the figures no --ufs-* flag gives; the settings' reasons say which figures were probed.")
    boolean probe;

    /** Whether to probe the UFS: asked for, and some figure is not given. */
    boolean shouldProbe() {
        BackendProfile given = backend();
        return probe && !(given.hasLatency() && given.hasPerStreamBandwidth() && given.hasAggregateCap());
    }

    /** @throws InvalidRequestException when a count is below 1 or the latency negative */
    void validate() {
        if (cores != null && cores < 1) {
            throw new InvalidRequestException("Invalid --cores %d: must be at least 1".formatted(cores));
        }
        if (workers != null && workers < 1) {
            throw new InvalidRequestException("Invalid --workers %d: must be at least 1".formatted(workers));
        }
        if (ufsLatencyMillis != null && ufsLatencyMillis < 0) {
            throw new InvalidRequestException("Invalid --ufs-latency-ms %d: must be at least 0".formatted(ufsLatencyMillis));
        }
    }

    /**
     * The profile of a load of {@code toLoad} (what a plan has left to load), cut in
     * {@code blockBytes} blocks, into {@code cluster}; call {@link #validate} first.
     */
    WorkloadProfile profile(PlanWorkload toLoad, long blockBytes, ClusterInfo cluster) {
        return profile(toLoad, blockBytes, cluster, BackendProfile.unknown(), SliceShare.WHOLE);
    }

    /**
     * As {@link #profile(PlanWorkload, long, ClusterInfo)}, with {@code probed} figures of the UFS
     * where no flag gives one (explicit flags win), sized for {@code slice}'s share of the load's
     * rates (a Spark job's slice; {@link SliceShare#WHOLE} for a load in this process).
     */
    WorkloadProfile profile(PlanWorkload toLoad, long blockBytes, ClusterInfo cluster, BackendProfile probed, SliceShare slice) {
        requireNonNull(toLoad, "toLoad is null");
        requireNonNull(cluster, "cluster is null");
        requireNonNull(probed, "probed is null");
        Runtime runtime = Runtime.getRuntime();
        long heapBytes = heap != null ? heap : runtime.maxMemory();
        return WorkloadProfile.builder()
                .cores(cores != null ? cores : runtime.availableProcessors())
                .maxHeapBytes(heapBytes)
                .hostMemoryBytes(workerMemory != null ? workerMemory : physicalMemory().orElse(heapBytes * WorkloadProfile.DEFAULT_HOST_MEMORY_PER_HEAP))
                .files(toLoad.files(), toLoad.bytes(), toLoad.medianFileBytes(), toLoad.meanFileBytes())
                .blockBytes(blockBytes)
                .workers(workers != null ? workers : Math.max(1, cluster.liveWorkers().size()))
                .tiers(workerMemTier == null || workerMemTier == 0 ? List.of() : List.of(new Tier(Tier.Medium.MEM, workerMemTier)))
                .backend(backend().orElse(probed))
                .bandwidthCap(bandwidth == null ? 0 : bandwidth)
                .slice(slice)
                .build();
    }

    /** What the options say about the UFS; unknown values are zero. */
    BackendProfile backend() {
        return new BackendProfile(
                ufsLatencyMillis == null ? Duration.ZERO : Duration.ofMillis(ufsLatencyMillis),
                ufsStreamBandwidth == null ? 0 : ufsStreamBandwidth,
                ufsAggregateBandwidth == null ? 0 : ufsAggregateBandwidth);
    }

    private static Optional<Long> physicalMemory() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean hotspot && hotspot.getTotalMemorySize() > 0) {
            return Optional.of(hotspot.getTotalMemorySize());
        }
        return Optional.empty();
    }
}
