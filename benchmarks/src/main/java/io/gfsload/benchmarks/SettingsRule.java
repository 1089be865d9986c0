package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import io.gfsload.advisor.BackendProfile;
import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.advisor.TuningAdvisor;
import io.gfsload.advisor.WorkloadProfile;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.PlanStats;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** How a gfsload contender gets its executor settings from a plan. */
@FunctionalInterface
interface SettingsRule {
    long GOOSEFS_THREADS = 10;
    long GOOSEFS_READ_BYTES = 1L << 20;
    // Settings of newer advisors, overridden only where the advisor sets them (by name, so that
    // this compiles against advisors without them).
    String MIN_UFS_READ_THREADS = "executor.min-ufs-read-threads";
    String MAX_UFS_READ_THREADS = "executor.max-ufs-read-threads";
    String JOB_WORKER_THREADPOOL_SIZE = "goosefs.job.worker.threadpool.size";
    String STREAMS_PER_FILE = "executor.streams-per-file";

    /** The settings for {@code plan}, loaded into {@code cluster}. */
    Settings settings(LoadPlan plan, ClusterInfo cluster);

    /**
     * The tuning advisor as {@code gfsload distributedLoad} asks it without workload flags (cli's
     * {@code WorkloadOptions.profile}; keep the two in step): this JVM's cores and heap, this
     * machine's memory as each worker host's, the plan's files and block size, the cluster's live
     * workers, no tiers declared and nothing known about the UFS.
     */
    SettingsRule ADVISOR = advisor(BackendProfile.unknown());

    /**
     * The tuning advisor as {@link #ADVISOR}, told what {@code backend} says about the UFS, as
     * {@code gfsload distributedLoad --ufs-latency-ms L --ufs-stream-bandwidth B
     * --ufs-aggregate-bandwidth X} tells it.
     */
    static SettingsRule advisor(BackendProfile backend) {
        requireNonNull(backend, "backend is null");
        return (plan, cluster) -> advise(plan, cluster, backend);
    }

    private static Settings advise(LoadPlan plan, ClusterInfo cluster, BackendProfile backend) {
        Runtime runtime = Runtime.getRuntime();
        PlanStats stats = plan.stats();
        return TuningAdvisor.recommend(WorkloadProfile.builder()
                .cores(runtime.availableProcessors())
                .maxHeapBytes(runtime.maxMemory())
                .hostMemoryBytes(physicalMemory().orElse(runtime.maxMemory() * WorkloadProfile.DEFAULT_HOST_MEMORY_PER_HEAP))
                .files(stats.files(), stats.bytesToLoad(), stats.medianFileBytes(), stats.meanFileBytes())
                .blockBytes(plan.blockSize())
                .workers(Math.max(1, cluster.liveWorkers().size()))
                .tiers(List.of())
                .backend(backend)
                .build());
    }

    /**
     * What an untuned GooseFS load does: 10 UFS readers ({@code goosefs.job.worker.threadpool.size}
     * defaults to 10) reading 1 MiB per request (the default read request length in the GooseFS
     * tuning guide), each file on one stream (the COS client reads a file sequentially). Every
     * other setting stays as the advisor derives it. Where the advisor also bounds an adaptive
     * reader count, both bounds are pinned to 10 so that the comparison stays one of fixed defaults.
     */
    SettingsRule GOOSEFS_DEFAULTS = overriding(ADVISOR, Map.of(
            Settings.UFS_READ_THREADS, new FixedValue(GOOSEFS_THREADS, "GooseFS default goosefs.job.worker.threadpool.size = 10"),
            MIN_UFS_READ_THREADS, new FixedValue(GOOSEFS_THREADS, "pinned to the GooseFS default of 10 threads"),
            MAX_UFS_READ_THREADS, new FixedValue(GOOSEFS_THREADS, "pinned to the GooseFS default of 10 threads"),
            JOB_WORKER_THREADPOOL_SIZE, new FixedValue(GOOSEFS_THREADS, "GooseFS default"),
            Settings.READ_BUFFER_BYTES, new FixedValue(GOOSEFS_READ_BYTES, "GooseFS default read request length, 1 MiB"),
            Settings.IN_FLIGHT_BYTES, new FixedValue(GOOSEFS_THREADS * GOOSEFS_READ_BYTES, "read threads x read buffer = 10 x 1 MiB"),
            STREAMS_PER_FILE, new FixedValue(1, "one stream per file, as the COS client reads a file")),
            Set.of(MIN_UFS_READ_THREADS, MAX_UFS_READ_THREADS, JOB_WORKER_THREADPOOL_SIZE, Settings.IN_FLIGHT_BYTES, STREAMS_PER_FILE));

    /** A fixed value in place of the derived one, with why. */
    record FixedValue(long value, String reason) {
        public FixedValue {
            requireNonNull(reason, "reason is null");
        }
    }

    /**
     * {@code base} with the named settings replaced.
     *
     * @param optional names in {@code overrides} that {@code base} need not set
     * @throws IllegalStateException at use, when {@code base} has no setting of an overridden name
     *     that is not optional
     */
    static SettingsRule overriding(SettingsRule base, Map<String, FixedValue> overrides, Set<String> optional) {
        Map<String, FixedValue> copy = Map.copyOf(overrides);
        Set<String> optionalCopy = Set.copyOf(optional);
        return (plan, cluster) -> {
            Map<String, FixedValue> pending = new HashMap<>(copy);
            List<Setting> values = new ArrayList<>();
            for (Setting setting : base.settings(plan, cluster).values()) {
                FixedValue override = pending.remove(setting.name());
                values.add(override == null ? setting : new Setting(setting.name(), override.value(), setting.unit(), override.reason()));
            }
            pending.keySet().removeAll(optionalCopy);
            if (!pending.isEmpty()) {
                throw new IllegalStateException("The advisor sets no " + String.join(", ", pending.keySet()) + " to override");
            }
            return new Settings(values);
        };
    }

    /** Physical memory as the JVM reports it, as cli's WorkloadOptions reads it. */
    private static Optional<Long> physicalMemory() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean hotspot && hotspot.getTotalMemorySize() > 0) {
            return Optional.of(hotspot.getTotalMemorySize());
        }
        return Optional.empty();
    }
}
