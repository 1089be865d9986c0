package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.executor.DataPath;
import io.gfsload.executor.ExecutorOptions;
import io.gfsload.executor.FileReport;
import io.gfsload.executor.JobJournal;
import io.gfsload.executor.LoadExecutor;
import io.gfsload.executor.LoadReport;
import io.gfsload.executor.LoadState;
import io.gfsload.executor.ProgressListener;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadPlanner;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PlannerConfig;
import io.gfsload.ufs.simulator.BandwidthSchedule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;

/**
 * gfsload as {@code gfsload distributedLoad PATH} runs it without flags (cli's {@code LoadAction}
 * and {@code LoadRunner}; keep them in step): plan (listing and the cached-block query) ->
 * settings -> executor with the advisor's active files, the capacity check and a job journal, into
 * a fresh {@link LocalCluster} whose directory (journal included) is in the scratch directory: one
 * worker and replication 1, pushing the blocks, unless its {@link Cluster} says otherwise (D1 pulls
 * onto two). The cluster's start and stop are not
 * timed; planning and loading are, and each run also records them apart ({@code gfsload.plan-ms}:
 * listing and the cached-block queries; {@code gfsload.execute-ms}: settings and the executor),
 * and the CPU time the whole process (client, master and worker) spent on them
 * ({@code gfsload.cpu-ms}), a figure that the machine's other load disturbs less than the time.
 */
final class GfsloadContender extends NamedContender {
    /** Room for the data set twice over, so that the quota never decides a run. */
    private static final long CAPACITY_HEADROOM = 256L << 20;

    private final DataSet data;
    private final Ufs ufs;
    private final SettingsRule rule;
    private final Cluster cluster;
    private final Workspace workspace;
    private List<String> lastSettings = List.of();

    /**
     * The cluster a gfsload contender loads into, and how.
     *
     * @param workers workers of the fresh {@link LocalCluster}, >= 1
     * @param replication replicas per block, in [1, workers]
     * @param dataPath push (the executor reads the UFS and sends every replica) or pull (the
     *     workers read the UFS and forward the replicas among themselves); each run checks from the
     *     workers' {@code gfsload_worker_pulls_total} and {@code gfsload_worker_forwarded_blocks_total}
     *     that the blocks took this path, so a pull that fell back to pushing cannot count
     */
    record Cluster(int workers, int replication, DataPath dataPath) {
        /** One worker, replication 1, push: what {@code gfsload distributedLoad PATH} does on the embedded cluster. */
        static final Cluster ONE_WORKER = new Cluster(1, 1, DataPath.PUSH);

        Cluster {
            requireNonNull(dataPath, "dataPath is null");
            if (workers < 1 || replication < 1 || replication > workers) {
                throw new IllegalArgumentException("need 1 <= replication <= workers: %d replicas on %d workers".formatted(replication, workers));
            }
            if (dataPath == DataPath.AUTO) {
                throw new IllegalArgumentException("a contender takes one data path, push or pull, not auto");
            }
        }

        /** E.g. {@code data path = pull (the workers read the UFS), replication 2 on 2 workers}. */
        String describe() {
            return "data path = %s (%s), replication %d on %d worker%s".formatted(dataPath.id(),
                    dataPath == DataPath.PULL ? "the workers read the UFS and forward the replicas worker to worker" : "the executor reads the UFS and sends every replica",
                    replication, workers, workers == 1 ? "" : "s");
        }
    }

    /**
     * Where a gfsload contender reads its data set.
     *
     * @param path the UFS path of the data set's directory, e.g. {@code /data/p1} or
     *     {@code throttled://p3/data/p3}
     * @param conf the Hadoop configuration of planner and executor
     * @param probe counters of the store, reset before and read after each run
     * @param capSchedule how the store's aggregate cap changes from the probe's reset on; each
     *     run then also records, per change, the milliseconds until its throughput was back at
     *     90 % of the new cap ({@code recovery-ms.N}, -1 for never)
     */
    record Ufs(String path, Configuration conf, StoreProbe probe, BandwidthSchedule capSchedule) {
        Ufs {
            requireNonNull(path, "path is null");
            requireNonNull(conf, "conf is null");
            requireNonNull(probe, "probe is null");
            requireNonNull(capSchedule, "capSchedule is null");
        }

        Ufs(String path, Configuration conf, StoreProbe probe) {
            this(path, conf, probe, BandwidthSchedule.none());
        }
    }

    GfsloadContender(String name, String description, DataSet data, Ufs ufs, SettingsRule rule, Workspace workspace) {
        this(name, description, data, ufs, rule, Cluster.ONE_WORKER, workspace);
    }

    GfsloadContender(String name, String description, DataSet data, Ufs ufs, SettingsRule rule, Cluster cluster, Workspace workspace) {
        super(name, description);
        this.data = requireNonNull(data, "data is null");
        this.ufs = requireNonNull(ufs, "ufs is null");
        this.rule = requireNonNull(rule, "rule is null");
        this.cluster = requireNonNull(cluster, "cluster is null");
        this.workspace = requireNonNull(workspace, "workspace is null");
    }

    @Override
    public List<String> settings() {
        return lastSettings;
    }

    @Override
    public RunResult run(int run) {
        return inRunDirectory(workspace, data.id(), run, (what, clusterDirectory) -> timedLoad(run, what, clusterDirectory));
    }

    private RunResult timedLoad(int run, String what, Path clusterDirectory) {
        long capacity = 2 * data.shape().totalBytes() + CAPACITY_HEADROOM;
        try (LocalCluster local = LocalCluster.start(LocalClusterConfig.builder(clusterDirectory).workers(cluster.workers()).workerCapacityBytes(capacity).build());
                CacheClient cache = local.newClient()) {
            ufs.probe().reset();
            ThroughputTimeline timeline = new ThroughputTimeline(workspace.ticker());
            long start = workspace.ticker().read();
            long cpuStart = CpuTime.processNanos();
            ProgressListener listener = ufs.capSchedule().isEmpty() ? ProgressListener.NONE : timeline;
            Load load = load(cache, ufs, rule, cluster, clusterDirectory.resolve("jobs"), workspace, listener);
            long end = workspace.ticker().read();
            long cpuNanos = CpuTime.processNanos() - cpuStart;
            check(what, data, ufs, load);
            Map<String, Long> counters = new HashMap<>(ufs.probe().counters());
            counters.putAll(checkDataPath(what, local, load.plan()));
            lastSettings = cluster.equals(Cluster.ONE_WORKER) ? describe(load.settings())
                    : Stream.concat(describe(load.settings()).stream(), Stream.of(cluster.describe())).toList();
            counters.put("gfsload.plan-ms", TimeUnit.NANOSECONDS.toMillis(load.plannedAt() - start));
            counters.put("gfsload.execute-ms", TimeUnit.NANOSECONDS.toMillis(end - load.plannedAt()));
            counters.put("gfsload.cpu-ms", TimeUnit.NANOSECONDS.toMillis(cpuNanos));
            if (!ufs.capSchedule().isEmpty()) {
                counters.putAll(timeline.recoveries(ufs.capSchedule(), Duration.ofNanos(end - start)));
            }
            return RunResult.of(run, end - start, load.report().totals().bytesLoaded(), load.report().totals().files(), counters);
        }
    }

    /**
     * What one load did.
     *
     * @param plannedAt the ticker's reading when planning had finished
     */
    record Load(LoadPlan plan, Settings settings, LoadReport report, long plannedAt) {
        Load {
            requireNonNull(plan, "plan is null");
            requireNonNull(settings, "settings is null");
            requireNonNull(report, "report is null");
        }
    }

    /**
     * The blocks each worker pulled in the run ({@code pulls.ufs}, {@code pulls.worker}), the
     * batches of small blocks among them ({@code pulls.batches}: PullBlocks calls; {@code
     * forwards.batches}: the WriteBlocks calls that forwarded their blocks; neither checked) and
     * the replicas it forwarded ({@code forwards}), summed over the workers, checked against the data
     * path: on pull a worker read every block of the plan from the UFS and forwarded each further
     * replica, none copied from a worker; on push no worker pulled or forwarded.
     *
     * @throws BenchmarkException when the blocks took another path
     */
    private Map<String, Long> checkDataPath(String what, LocalCluster local, LoadPlan plan) {
        long fromUfs = sum(local, "gfsload_worker_pulls_total", Map.of("source", "ufs"));
        long fromWorkers = sum(local, "gfsload_worker_pulls_total", Map.of("source", "worker"));
        long forwards = sum(local, "gfsload_worker_forwarded_blocks_total", Map.of());
        long blocks = plan.stats().blocksToLoad();
        boolean pulled = cluster.dataPath() == DataPath.PULL;
        long expectedFromUfs = pulled ? blocks : 0;
        long expectedForwards = pulled ? blocks * (cluster.replication() - 1) : 0;
        if (fromUfs != expectedFromUfs || fromWorkers != 0 || forwards != expectedForwards) {
            throw new BenchmarkException(("%s: on the %s data path the workers should have pulled %d blocks from the UFS and none from other workers, "
                    + "and forwarded %d replicas; they pulled %d and %d, and forwarded %d")
                    .formatted(what, cluster.dataPath().id(), expectedFromUfs, expectedForwards, fromUfs, fromWorkers, forwards));
        }
        long batches = sum(local, "gfsload_worker_pull_batches_total", Map.of());
        long forwardBatches = sum(local, "gfsload_worker_forward_batches_total", Map.of());
        return Map.of("pulls.ufs", fromUfs, "pulls.worker", fromWorkers, "forwards", forwards, "pulls.batches", batches,
                "forwards.batches", forwardBatches);
    }

    /** {@code metric} with {@code labels} over the workers, summed. */
    private long sum(LocalCluster local, String metric, Map<String, String> labels) {
        long sum = 0;
        for (int i = 0; i < cluster.workers(); i++) {
            Map<String, String> worker = new java.util.HashMap<>(labels);
            worker.put("worker", "worker-" + i);
            sum += (long) local.metrics().value(metric, worker).orElse(0);
        }
        return sum;
    }

    /**
     * Plans and loads everything under {@code ufs} into {@code cache} with {@code cluster}'s
     * replication and data path as {@code gfsload distributedLoad PATH --replication N --data-path P}
     * does, with {@code rule}'s settings and a job journal in {@code jobs}, reporting progress to
     * {@code listener}.
     */
    static Load load(CacheClient cache, Ufs ufs, SettingsRule rule, Cluster cluster, Path jobs, Workspace workspace, ProgressListener listener) {
        LoadPlanner planner = new LoadPlanner(Optional.empty(), ufs.conf(), cache::cachedBlocks, PlannerConfig.defaults());
        LoadRequest request = new LoadRequest(new LoadTarget.Paths(List.of(ufs.path())), cluster.replication());
        LoadPlan plan = planner.plan(request);
        long planned = workspace.ticker().read();
        ClusterInfo info = cache.clusterInfo();
        Settings settings = rule.settings(plan, info);
        ExecutorOptions options = ExecutorOptions.defaults().withActiveFiles(Math.toIntExact(Math.max(1, settings.value(Settings.ACTIVE_FILES))))
                .withDataPath(cluster.dataPath());
        LoadExecutor executor = new LoadExecutor(cache, ufs.conf(), settings, options, listener, workspace.clock());
        executor.validate(plan, true);
        LoadReport report = JobJournal.withJournal(jobs, request, false, info.clusterId(), true, journal -> executor.execute(plan, Optional.of(journal)));
        return new Load(plan, settings, report, planned);
    }

    /** A load counts only when it cached every file and byte of the data set, from an empty cache. */
    static void check(String what, DataSet data, Ufs ufs, Load load) {
        LoadPlan plan = load.plan();
        LoadReport report = load.report();
        if (plan.stats().cachedBlocks() != 0) {
            throw new BenchmarkException("%s: the cache was not empty: %d blocks already cached".formatted(what, plan.stats().cachedBlocks()));
        }
        if (report.state() != LoadState.SUCCEEDED) {
            String failures = report.failedFiles().stream().limit(3).map(FileReport::error).collect(Collectors.joining("; "));
            throw new BenchmarkException("%s: the load ended %s with %d failed files, e.g. %s".formatted(what, report.state(), report.totals().filesFailed(), failures));
        }
        if (report.totals().files() != data.shape().files() || report.totals().bytesLoaded() != data.shape().totalBytes()) {
            throw new BenchmarkException("%s: loaded %d bytes of %d files, expected %d bytes of %d files in %s".formatted(what,
                    report.totals().bytesLoaded(), report.totals().files(), data.shape().totalBytes(), data.shape().files(), ufs.path()));
        }
    }

    /** Each setting with its value, unit and reason, as result tables show them. */
    static List<String> describe(Settings settings) {
        return settings.values().stream().map(GfsloadContender::describe).toList();
    }

    private static String describe(Setting setting) {
        return "%s = %d %s (%s)".formatted(setting.name(), setting.value(), setting.unit(), setting.reason());
    }
}
