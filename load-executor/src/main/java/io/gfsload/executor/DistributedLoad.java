package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import io.gfsload.advisor.Settings;
import io.gfsload.advisor.SliceShare;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.Counts;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.MasterSilence;
import io.gfsload.cache.api.MasterUnavailableException;
import io.gfsload.cache.api.RemovalMarks;
import io.gfsload.cache.api.StagedBlock;
import io.gfsload.cache.api.TempAreaInUseException;
import io.gfsload.cache.api.TempAreaRun;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.client.ClientConfig;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.PartitionLoad;
import io.gfsload.planner.PlanStats;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a plan in other processes: its files cut into {@link SliceLoad slices} balanced by the
 * bytes they have to load, each slice loaded by a process of its own (a Spark task), and their
 * reports merged into the load's, in plan order. The journal hears each slice's files as the slice
 * finishes (the blocks of each file loaded whole, those the workers hold of a file that failed after
 * some of its blocks were committed, and the UFS bytes read), so that a run after a crash resumes,
 * and counts what the earlier runs committed, as a local one does. Progress hears what each slice has done so far as its
 * process says ({@link ProgressListener#sliceProgress}), and each slice's files when it finishes.
 *
 * <p>An atomic load stages in one temp area, which this load opens, keeps alive and deletes when
 * every file is committed; the slices commit their scopes in it: a file at a time, or a partition
 * at a time, each partition then in one slice; of the job's scope, the slices only stage and this
 * load commits every block at once when no file failed.
 *
 * <p>With a {@link LoadWindow}, this load waits for it when it is closed at the start, on its own
 * clock, and then loads a plan made when it opened, as a local load does ({@link #execute(LoadPlan,
 * Optional, Supplier)}); the listener hears that wait. Each slice carries the window and its
 * process starts UFS reads only within it, by that process's clock: when the window closes
 * mid-load, the slices' reads under way finish and the slices pause until it opens. This load does
 * not hear those pauses as they happen, and its listener is not told of them; they are in the
 * slices' reports, and the load's report counts them (see {@link LoadReport.Window}).
 */
public final class DistributedLoad {
    private static final Logger LOG = LoggerFactory.getLogger(DistributedLoad.class);
    /** What a file with blocks to load weighs beyond its bytes, as the planner's packing counts the cost of opening it. */
    private static final long FILE_OPEN_WEIGHT = 1L << 20;

    /**
     * The settings a slice loads with: the advisor's, sized for the slice's share of the load's
     * rates ({@code --bandwidth} and the store's), which a slice holds in proportion to the bytes
     * it reads ({@link SliceShare#byBytes}). Called on the driver, for each slice as the load cuts
     * it, and for the share of the slice that reads the most, whose settings the load's report
     * lists.
     */
    @FunctionalInterface
    public interface Tuning {
        Settings settings(SliceShare share);
    }

    /** Where slices run. */
    public interface Slices {
        /**
         * How many slices run at once: the load is cut into that many. Known, where it can be,
         * without starting the processes that run the slices (a Spark job's application starts
         * when its first slice is submitted).
         */
        int parallelism();

        /** How many slices one process runs at once: they share its memory. */
        default int slicesPerProcess() {
            return 1;
        }

        /**
         * Loads every slice, each in a process of its own, calling {@code finished} with each slice
         * and its report as it finishes, and returns when all have. The report's
         * {@link LoadReport#ufsBytesRead()} counts what every attempt of the slice read, where the
         * processes say it ({@link SliceProgress.Counters#ufsBytesRead}): an attempt that failed,
         * or was killed, and was retried read the UFS too. While a slice loads,
         * {@code progress} hears what it has done so far ({@link SliceLoad#load(SliceProgress.Counters, int)}'s
         * counts) as often as its process says; a retried slice's counts start again. Both are
         * called from any thread.
         *
         * @throws RuntimeException when a slice could not be run at all: its files are not reported
         */
        void run(List<SliceLoad> slices, BiConsumer<SliceLoad, SliceProgress> progress, BiConsumer<SliceLoad, LoadReport> finished);

        /**
         * As {@link #run(List, BiConsumer, BiConsumer)}, for a load that may stop early: once
         * {@code stop} completes (with why the load stops), the slices that have not started
         * loading are not started, and return no report (the load reports their files as not
         * attempted); those loading go on until they stop on their own, as each finds the same
         * reason (an atomic job's temp area gone, at its next write, commit or renewal), and report.
         * By default every slice runs.
         */
        default void run(List<SliceLoad> slices, BiConsumer<SliceLoad, SliceProgress> progress, BiConsumer<SliceLoad, LoadReport> finished,
                CompletionStage<String> stop) {
            run(slices, progress, finished);
        }
    }

    /**
     * What every slice of a load shares.
     *
     * @param masterTarget the cache master the slices' processes connect to
     * @param token its token, or empty
     * @param hadoopConf the Hadoop settings the processes read the UFS with
     * @param masterTimeout the deadline of each call the processes make to the master: a slice
     *     whose master answers none for twice that time stops as for a master that stopped answering
     */
    public record Connection(String masterTarget, Optional<String> token, Map<String, String> hadoopConf, Duration masterTimeout) {
        public Connection {
            requireNonNull(masterTarget, "masterTarget is null");
            requireNonNull(token, "token is null");
            hadoopConf = Map.copyOf(requireNonNull(hadoopConf, "hadoopConf is null"));
            requireNonNull(masterTimeout, "masterTimeout is null");
        }

        /** With the client's default deadline of a master call. */
        public Connection(String masterTarget, Optional<String> token, Map<String, String> hadoopConf) {
            this(masterTarget, token, hadoopConf, ClientConfig.defaults().rpcTimeout());
        }

        @Override
        public String toString() {
            return "Connection[master=" + masterTarget + "]";
        }
    }

    private final Slices slices;
    private final CacheClient cache;
    private final Connection connection;
    private final Tuning tuning;
    private final ExecutorOptions options;
    private final ProgressListener listener;
    private final Clock clock;
    private final Sleeper sleeper;

    /**
     * @param cache the cluster the slices load into, as this process reaches it: for an atomic
     *     load's temp area
     * @param tuning the settings of each slice, for its share of the load's rates
     * @param clock the time of the report's duration and of the wait for a load window closed at
     *     the start (the slices check the window on their processes' clocks)
     * @param sleeper how that wait waits, on {@code clock}
     */
    public DistributedLoad(Slices slices, CacheClient cache, Connection connection, Tuning tuning, ExecutorOptions options, ProgressListener listener,
            Clock clock, Sleeper sleeper) {
        this.slices = requireNonNull(slices, "slices is null");
        this.cache = requireNonNull(cache, "cache is null");
        this.connection = requireNonNull(connection, "connection is null");
        this.tuning = requireNonNull(tuning, "tuning is null");
        this.options = requireNonNull(options, "options is null");
        this.listener = requireNonNull(listener, "listener is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.sleeper = requireNonNull(sleeper, "sleeper is null");
    }

    public DistributedLoad(Slices slices, CacheClient cache, Connection connection, Tuning tuning, ExecutorOptions options, ProgressListener listener,
            Clock clock) {
        this(slices, cache, connection, tuning, options, listener, clock, Sleeper.SYSTEM);
    }

    /**
     * How long the cache master has not answered each running slice, as the slices last said
     * ({@link SliceProgress#masterSilentMillis()}): the load's progress says it each second, as a
     * local load's does, the silence growing from what a slice said until it says more. Thread-safe.
     */
    private final class MasterSilences {
        /** Of each slice whose master is silent, the silence it said and when this load heard it (clock millis). */
        private final Map<Integer, long[]> silent = new HashMap<>();

        synchronized void heard(int slice, long silentMillis) {
            if (silentMillis <= 0) {
                silent.remove(slice);
                return;
            }
            if (silent.isEmpty()) {
                LOG.warn("Slice {} has had no answer from the cache master at {} for {} s: the slices wait for it, and stop at {} s", slice + 1,
                        connection.masterTarget(), silentMillis / 1000, limit().toSeconds());
            }
            silent.put(slice, new long[] {silentMillis, clock.millis()});
        }

        /** The longest silence a slice waits on now, at most the limit at which the slices stop; empty while none is said. */
        synchronized Optional<MasterSilence> longest() {
            long now = clock.millis();
            long longest = silent.values().stream().mapToLong(said -> said[0] + Math.max(0, now - said[1])).max().orElse(0);
            if (longest <= 0) {
                return Optional.empty();
            }
            return Optional.of(new MasterSilence(connection.masterTarget(), Duration.ofMillis(Math.min(longest, limit().toMillis())), limit()));
        }

        /** The silence at which a slice gives the master up: twice the deadline of its calls, as its client counts it. */
        private Duration limit() {
            return connection.masterTimeout().multipliedBy(2);
        }
    }

    /**
     * Loads {@code plan} in slices and reports on it as a whole, recording the slices' work in
     * {@code journal}; a journal that cannot be written fails nothing, as for {@link
     * LoadExecutor#execute(LoadPlan, Optional)}.
     */
    public LoadReport execute(LoadPlan plan, Optional<JobJournal> journal) {
        return execute(plan, journal, () -> plan);
    }

    /**
     * As {@link #execute(LoadPlan, Optional)}; when the load window is closed at the start, waits
     * for it to open and then loads {@code planAfterWait.get()} instead of {@code initial} (the
     * listener hears {@link ProgressListener#started} again with it), as
     * {@link LoadExecutor#execute(LoadPlan, Optional, Supplier)} does. That plan must be of the same
     * request as {@code initial}; its slices' settings are for their shares of it.
     */
    public LoadReport execute(LoadPlan initial, Optional<JobJournal> journal, Supplier<LoadPlan> planAfterWait) {
        return execute(initial, journal, planAfterWait, TempAreaClaim.NONE);
    }

    /**
     * As {@link #execute(LoadPlan, Optional, Supplier)}, for an atomic load whose run claimed its
     * temp area before ({@link LoadExecutor#claimTempArea}): the driver takes over the claim's
     * renewals, which went on while it waited for its window, rather than open the area again, and
     * ends them as the load ends, as {@link LoadExecutor#execute(LoadPlan, Optional, Supplier,
     * TempAreaClaim)} does. The slices join the area as before.
     *
     * @throws IllegalArgumentException when {@code claim} holds the area of another job, or for
     *     another run than {@code journal}'s
     */
    public LoadReport execute(LoadPlan initial, Optional<JobJournal> journal, Supplier<LoadPlan> planAfterWait, TempAreaClaim claim) {
        requireNonNull(initial, "initial is null");
        requireNonNull(journal, "journal is null");
        requireNonNull(planAfterWait, "planAfterWait is null");
        requireNonNull(claim, "claim is null");
        // before this run commits a block: what the cache still holds of the earlier runs' blocks
        Optional<LoadReport.JobSummary> job = journal.map(j -> j.starting(initial));
        long start = clock.millis();
        // the wait before the start only: the slices pause on their own, unheard here
        Optional<WindowGate> gate = options.window().map(window -> new WindowGate(window, clock, sleeper, listener, () -> {}));
        boolean waited = gate.isPresent() && !gate.get().isOpenNow();
        LoadPlan plan = waited ? gate.get().planWhenOpen(initial, planAfterWait, this::validate) : initial;
        journal.ifPresent(j -> j.loading(plan));
        // what the slices committed is loaded whether or not the journal can record it: its failures end up in the report's job
        JournalWrites writes = new JournalWrites(journal);
        long waitedMillis = gate.map(g -> g.summary(clock.instant()).waitedMillis()).orElse(0L);
        if (!waited || plan != initial) {
            listener.started(plan);
        }
        // nothing to load: every file is reported as cached without a slice
        Map<Integer, LoadReport> reports = new HashMap<>();
        // the bytes each slice without a report yet last said it wrote: what it read at least
        Map<Integer, Long> heardBytes = new HashMap<>();
        String failure = null;
        List<WorkerInfo> live = cache.clusterInfo().liveWorkers();
        Set<String> liveAtStart = live.stream().map(WorkerInfo::id).collect(Collectors.toCollection(TreeSet::new));
        // before the first slice writes: what the cache had removed so far, for the check after the load
        Optional<RemovalMarks> removalsAtStart = Shortfall.removalMarks(cache);
        Optional<AtomicOptions> atomic = options.atomic();
        // the slices' temp area, opened (or adopted, or taken over from the run's claim) before any of them stages a block and kept
        // alive while they run
        Map<String, StagedBlock> staged = new HashMap<>();
        TempAreaRenewal renewal = atomic.map(a -> claim.renewalFor(cache.tempAreas(), a, journal,
                opened -> staged.putAll(Adopted.usable(opened.blocks(), liveAtStart, plan.request().replication(), plan)))).orElse(null);
        try {
            // nothing to load: every file is reported as cached without a slice; the slices of an atomic load commit as the run that holds
            // its area
            List<SliceLoad> cut = plan.stats().blocksToLoad() == 0 ? List.of() : slices(plan, options, renewal == null ? Optional.empty() : renewal.run());
            Adopted adopting = Adopted.planned(plan, staged);
            if (adopting.blocks() > 0) {
                listener.adopting(adopting.blocks(), adopting.bytes());
            }
            // completes with why the load stops early (the job's temp area gone): no slice starts after it
            CompletableFuture<String> stop = new CompletableFuture<>();
            ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "gfsload-slices-watch");
                thread.setDaemon(true);
                return thread;
            });
            MasterSilences silences = new MasterSilences();
            watch.scheduleWithFixedDelay(() -> {
                try {
                    if (renewal != null) {
                        renewal.lost().ifPresent(stop::complete);
                    }
                    silences.longest().ifPresent(listener::waitingForMaster);
                }
                catch (RuntimeException e) {
                    LOG.warn("Watching the slices failed", e);
                }
            }, LoadExecutor.MASTER_WATCH.toMillis(), LoadExecutor.MASTER_WATCH.toMillis(), TimeUnit.MILLISECONDS);
            if (renewal != null) {
                // SIGINT or SIGTERM from here on starts no slice and commits nothing more, and the run lets go of the area once the load
                // no longer touches it
                renewal.loading(() -> stop.complete(Failures.JVM_STOPPING), sleeper);
            }
            try {
                if (!cut.isEmpty()) {
                    LOG.info("Loading {} in {} slices", plan.request().target().describe(), cut.size());
                    boolean[] running = {true};
                    try {
                        slices.run(cut, (slice, progress) -> {
                            synchronized (reports) {
                                // a finished slice's files are reported as such: what its process said before no longer counts
                                if (running[0] && !reports.containsKey(slice.index())) {
                                    listener.sliceProgress(slice.index(), progress);
                                    silences.heard(slice.index(), progress.masterSilentMillis());
                                    heardBytes.put(slice.index(), progress.bytesLoaded());
                                }
                            }
                        }, (slice, report) -> {
                            synchronized (reports) {
                                reports.put(slice.index(), report);
                                listener.sliceFinished(slice.index());
                                silences.heard(slice.index(), 0);
                            }
                            heard(slice, report, writes, staged);
                            if (renewal != null && Failures.isTempAreaLost(report.stopReason())) {
                                // the slice found the job's temp area gone: this load stops now, with the reason its renewal gives
                                renewal.renewNow().ifPresent(stop::complete);
                            }
                        }, stop);
                    }
                    catch (RuntimeException e) {
                        if (JvmShutdown.inProgress()) {
                            // SIGTERM or SIGINT: Spark stops its jobs; the command says what is kept
                            LOG.info("The load stops with the JVM: {}", e.getMessage());
                        }
                        else {
                            LOG.error("The slices of the load did not all finish", e);
                        }
                        String message = String.valueOf(e.getMessage()).lines().findFirst().orElse(e.getClass().getSimpleName());
                        failure = "the slices of the load did not all finish: " + message;
                    }
                    finally {
                        long unreported = 0;
                        synchronized (reports) {
                            // what a slice that is still heard says after the load has its report does not count
                            running[0] = false;
                            for (SliceLoad slice : cut) {
                                if (!reports.containsKey(slice.index())) {
                                    // its files are not loaded: what it said no longer counts
                                    listener.sliceProgress(slice.index(), SliceProgress.NONE);
                                    silences.heard(slice.index(), 0);
                                    unreported += Math.max(0, heardBytes.getOrDefault(slice.index(), 0L));
                                }
                            }
                        }
                        recordUnreportedReads(writes, unreported);
                    }
                }
            }
            finally {
                watch.shutdownNow();
                if (renewal != null) {
                    // the hold stays (two renewal periods from the last renewal) while the job scope is committed, and until the area
                    // is deleted or kept for a re-run below: another run of the job adopts it only then
                    renewal.stopRenewing();
                }
            }
            Map<Integer, LoadReport> finished;
            synchronized (reports) {
                finished = Map.copyOf(reports);
            }
            // the slices committed each file's or partition's scope as it finished, and none failed: what the area held is committed
            boolean everyScopeCommitted = atomic.isPresent() && atomic.get().scope() != AtomicOptions.Scope.JOB && finished.size() == cut.size()
                    && finished.values().stream().allMatch(report -> report.totals().blocksFailed() == 0);
            if (failure == null && renewal != null && renewal.lost().isPresent() && !everyScopeCommitted) {
                // the job's temp area expired (or was aborted, or another run adopted it) while the slices staged: nothing staged
                // before can be committed
                failure = renewal.lost().get();
            }
            if (failure == null && Failures.JVM_STOPPING.equals(stop.getNow(null))) {
                // what the slices staged stays for the same command to adopt
                failure = Failures.JVM_STOPPING;
            }
            if (failure == null) {
                // a slice found the area gone, which this load's renewal did not confirm: the slice's reason
                failure = finished.values().stream().map(LoadReport::stopReason).filter(Failures::isTempAreaLost).findFirst().orElse(null);
            }
            String uncommitted = null;
            if (atomic.isPresent() && atomic.get().scope() == AtomicOptions.Scope.JOB) {
                uncommitted = commitJob(plan, finished, failure, renewal, writes);
                if (failure == null && renewal.lost().isPresent()) {
                    // the master refused the commit: another run of the job adopted the area since this run's last renewal
                    failure = renewal.lost().get();
                }
            }
            Optional<Restored> restored = Optional.empty();
            // committed blocks only: what an atomic job staged and did not commit stays invisible; nothing is written again once the
            // JVM stops (also as the job's scope was committed), as its shutdown hook waits only seconds for the load
            if (failure == null && uncommitted == null && !cut.isEmpty() && !Failures.JVM_STOPPING.equals(stop.getNow(null))) {
                try {
                    restored = restoreReplicas(plan, finished, liveAtStart, removalsAtStart, writes);
                }
                catch (MasterUnavailableException e) {
                    // the slices' reports say what the master's going cost; nothing can be restored without it
                    LOG.warn("Cannot ask the master which workers were lost during the load: {}", e.getMessage());
                }
            }
            Set<String> cachedUnreported = failure != null && uncommitted == null ? cachedUnreported(plan, finished, writes) : Set.of();
            long duration = Math.max(0, clock.millis() - start);
            LoadReport merged = merge(plan, finished, duration, waitedMillis, failure, job.map(writes::withWarning), staged, restored, uncommitted, cachedUnreported);
            // what the slices staged and the load did not commit stays for the same command to adopt
            LoadReport report = atomic.isPresent() && merged.totals().blocksFailed() > 0
                    ? LoadExecutor.stagedLeft(cache, atomic.get().jobId(), Optional::empty).map(merged::withStaged).orElse(merged)
                    : merged;
            atomic.ifPresent(a -> {
                if (report.totals().blocksFailed() == 0 && LoadExecutor.stillHeld(renewal)) {
                    try {
                        // every scope is committed: the area is empty
                        renewal.deleteArea();
                    }
                    catch (MasterUnavailableException e) {
                        LOG.warn("Cannot delete the temp area of atomic job {}, which expires in {}: {}", a.jobId(), a.expireTime(), e.getMessage());
                    }
                    catch (TempAreaInUseException e) {
                        // another run adopted the area since the renewal just before: it is that run's to delete, and this run lost it
                    }
                }
                else if (renewal == null || renewal.lost().isEmpty()) {
                    LOG.warn("Atomic job {} keeps its temp area for a re-run until it expires in {}", a.jobId(), a.expireTime());
                }
            });
            if (renewal != null) {
                renewal.close();
            }
            listener.finished(report);
            return report;
        }
        catch (RuntimeException | Error e) {
            // no one else closes the renewal this load opened or took over: its run lets go of the area now
            if (renewal != null) {
                renewal.close();
            }
            throw e;
        }
    }

    /** The plan's files in slices, as many as run at once (fewer for fewer files), each with its share of the load's bounds. */
    List<SliceLoad> slices(LoadPlan plan) {
        return slices(plan, options, Optional.empty());
    }

    /**
     * The shares of the load's rates of the slices a load of {@code plan} is cut into where
     * {@code parallelism} slices run at once, in proportion to what each reads
     * ({@link SliceShare#byBytes}): each slice's limiter holds its share of {@code --bandwidth}
     * ({@link #bandwidthShares}), and the advisor sizes its read threads for it. {@code atomic} is
     * the scope of an atomic load, whose partitions are then loaded whole by one slice each.
     * {@link SliceShare#WHOLE} alone for a plan without files.
     */
    public static List<SliceShare> sliceShares(LoadPlan plan, int parallelism, Optional<AtomicOptions.Scope> atomic) {
        return shares(split(plan, parallelism, wholePartitions(atomic)));
    }

    /** The settings a load of {@code plan} reports: those of its slice that reads the most. */
    private Settings reportedSettings(LoadPlan plan) {
        return tuning.settings(largest(sliceShares(plan, slices.parallelism(), options.atomic().map(AtomicOptions::scope))));
    }

    /** The shares of {@code slices}, by the bytes each reads; {@link SliceShare#WHOLE} alone for none. */
    private static List<SliceShare> shares(List<List<List<FileLoad>>> slices) {
        if (slices.isEmpty()) {
            return List.of(SliceShare.WHOLE);
        }
        return SliceShare.byBytes(slices.stream().mapToLong(slice -> slice.stream().flatMap(List::stream).mapToLong(DistributedLoad::toLoad).sum()).toArray());
    }

    /** The share of the slice that reads the most of {@code shares} (the first of equals). */
    public static SliceShare largest(List<SliceShare> shares) {
        return shares.stream().max(Comparator.comparingLong(SliceShare::weight).thenComparing(Comparator.comparingInt(SliceShare::index).reversed()))
                .orElse(SliceShare.WHOLE);
    }

    private static boolean wholePartitions(Optional<AtomicOptions.Scope> atomic) {
        return atomic.equals(Optional.of(AtomicOptions.Scope.PARTITION));
    }

    /**
     * As {@link #slices(LoadPlan)}, with {@code bounds} as the load's options; the slices of an
     * atomic load commit their scopes as {@code run}, the run that holds the load's temp area.
     */
    private List<SliceLoad> slices(LoadPlan plan, ExecutorOptions bounds, Optional<TempAreaRun> run) {
        List<List<List<FileLoad>>> byPartition = split(plan, slices.parallelism(), wholePartitions(bounds.atomic().map(AtomicOptions::scope)));
        int count = byPartition.size();
        List<SliceShare> shares = shares(byPartition);
        List<SliceLoad> result = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            SliceShare share = shares.get(i);
            SliceLoad.Options sliceOptions = new SliceLoad.Options(Math.max(1, bounds.activeFiles() / Math.max(1, count)),
                    share.of(bounds.bandwidthBytesPerSecond().orElse(0)),
                    bounds.maxAttempts(), bounds.initialBackoff(), bounds.maxBackoff(), bounds.failureMaxFiles(), bounds.failureMaxFraction(),
                    bounds.atomic().map(atomic -> atomic.inSharedArea(run)).orElse(null), bounds.window().orElse(null),
                    bounds.loadBytes().orElse(plan.stats().bytes() * plan.request().replication()), bounds.dataPath());
            List<PartitionLoad> partitions = new ArrayList<>();
            for (int p = 0; p < plan.partitions().size(); p++) {
                List<FileLoad> files = byPartition.get(i).get(p);
                if (!files.isEmpty()) {
                    PartitionLoad partition = plan.partitions().get(p);
                    // with the directories that could not be listed: a slice that commits a partition commits only a whole one
                    partitions.add(partition.withFiles(files, 0));
                }
            }
            result.add(new SliceLoad(i, connection.masterTarget(), connection.token().orElse(null), connection.hadoopConf(), connection.masterTimeout(),
                    tuning.settings(share), plan.request().replication(), plan.blockSize(), partitions, sliceOptions, Math.max(1, slices.slicesPerProcess())));
        }
        return result;
    }

    /**
     * The slices' shares of the load's {@code --bandwidth} ({@code cap}; 0 each when the load has
     * none), for slices that read {@code bytes} each: {@link SliceShare#byBytes}, at least 1 byte
     * a second each.
     */
    static long[] bandwidthShares(OptionalLong cap, long[] bytes) {
        if (bytes.length == 0) {
            return new long[0];
        }
        return SliceShare.byBytes(bytes).stream().mapToLong(share -> share.of(cap.orElse(0))).toArray();
    }

    /** The bytes of {@code file}'s blocks the cache does not hold yet: what a load reads of it. */
    private static long toLoad(FileLoad file) {
        return file.blocks().stream().filter(block -> !block.cached()).mapToLong(BlockTask::length).sum();
    }

    /**
     * The plan's files dealt into at most {@code parallelism} slices (none for a plan without
     * files), each file (or, with {@code wholePartitions}, each partition's files together) to the
     * lightest slice so far, the heaviest first; in each slice, the files of each of the plan's
     * partitions in plan order.
     */
    static List<List<List<FileLoad>>> split(LoadPlan plan, int parallelism, boolean wholePartitions) {
        record Entry(int partition, int position, List<FileLoad> files, long weight) {}
        List<Entry> entries = new ArrayList<>();
        for (int p = 0; p < plan.partitions().size(); p++) {
            List<FileLoad> files = plan.partitions().get(p).files();
            long partitionWeight = 0;
            for (int f = 0; f < files.size(); f++) {
                FileLoad file = files.get(f);
                long toLoad = toLoad(file);
                long weight = toLoad + (toLoad > 0 || file.blocks().isEmpty() ? FILE_OPEN_WEIGHT : 1);
                if (wholePartitions) {
                    partitionWeight += weight;
                }
                else {
                    entries.add(new Entry(p, f, List.of(file), weight));
                }
            }
            if (wholePartitions && !files.isEmpty()) {
                entries.add(new Entry(p, 0, files, partitionWeight));
            }
        }
        int count = Math.min(Math.max(1, parallelism), entries.size());
        List<List<List<Entry>>> slices = new ArrayList<>(count);
        PriorityQueue<long[]> lightest = new PriorityQueue<>(Comparator.<long[]>comparingLong(s -> s[0]).thenComparingLong(s -> s[1]));
        for (int i = 0; i < count; i++) {
            List<List<Entry>> partitions = new ArrayList<>();
            for (int p = 0; p < plan.partitions().size(); p++) {
                partitions.add(new ArrayList<>());
            }
            slices.add(partitions);
            lightest.add(new long[] {0, i});
        }
        List<Entry> heaviestFirst = new ArrayList<>(entries);
        heaviestFirst.sort(Comparator.comparingLong(Entry::weight).reversed()
                .thenComparingInt(Entry::partition).thenComparingInt(Entry::position));
        for (Entry entry : heaviestFirst) {
            long[] slice = lightest.poll();
            slices.get((int) slice[1]).get(entry.partition()).add(entry);
            slice[0] += entry.weight();
            lightest.add(slice);
        }
        List<List<List<FileLoad>>> result = new ArrayList<>(count);
        for (List<List<Entry>> slice : slices) {
            List<List<FileLoad>> partitions = new ArrayList<>();
            for (List<Entry> files : slice) {
                partitions.add(files.stream().sorted(Comparator.comparingInt(Entry::position)).flatMap(entry -> entry.files().stream()).toList());
            }
            result.add(partitions);
        }
        return result;
    }

    /** Checks a plan made after the wait for the load window as a local load checks it: enough live workers for its replication. */
    private void validate(LoadPlan plan) {
        new LoadExecutor(cache, new Configuration(false), reportedSettings(plan), ProgressListener.NONE, clock).validate(plan, false);
    }

    /**
     * What the load wrote again after workers were lost: the files' reports of that round, by path,
     * what it counts, the bytes its slices read from the UFS (as their reports say), how its slices
     * paused outside the load window, and what their writes evicted of blocks not of their files; the workers lost before that round ({@code lostWorkers}), whose
     * replicas it wrote again, and those lost by its end ({@code lostByTheEnd}), the report's.
     */
    private record Restored(List<String> lostWorkers, List<String> lostByTheEnd, Map<String, FileReport> files, long blocks, long bytes, long ufsBytesRead,
            Paused paused, Map<String, String> lacking, List<LoadReport.Evicted> evicted) {}

    /**
     * How a round of slices paused outside the load window. The slices of a round run side by side
     * and pause together at each closing of the window: the round paused as often and as long as
     * the slice that paused most (a slice that found the window closed when it started, its task
     * run after a closing, paused once for its wait).
     */
    private record Paused(int pauses, long millis) {
        static final Paused NONE = new Paused(0, 0);

        static Paused of(Collection<LoadReport> reports) {
            int pauses = 0;
            long millis = 0;
            for (LoadReport report : reports) {
                LoadReport.Window window = report.window();
                if (window != null) {
                    pauses = Math.max(pauses, window.pauses() + (window.waitedMillis() > 0 ? 1 : 0));
                    millis = Math.max(millis, window.closedMillis());
                }
            }
            return new Paused(pauses, millis);
        }

        /** This round, then {@code next}. */
        Paused then(Paused next) {
            return new Paused(pauses + next.pauses, millis + next.millis);
        }
    }

    private Set<String> liveWorkers() {
        return cache.clusterInfo().liveWorkers().stream().map(WorkerInfo::id).collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * Records in {@code journal} the {@code bytes} the slices without a report (stopped with the
     * load: interrupted, or their job failed) said they wrote, which they read from the UFS at
     * least: what the next run says the earlier ones read. A journal closed meanwhile (the JVM
     * ending) records nothing.
     */
    private static void recordUnreportedReads(JournalWrites journal, long bytes) {
        if (bytes == 0) {
            return;
        }
        try {
            journal.read(bytes);
        }
        catch (IllegalStateException e) {
            LOG.debug("Cannot record the {} bytes the slices without a report read: {}", bytes, e.toString());
        }
    }

    /**
     * When workers that were live at the start are lost by the end, the replicas they held are gone
     * also for the slices that had finished before; a load larger than the room the cache has for
     * it evicts its own blocks, loads side by side evict each other's, and another client may free
     * them. Asked with one batched question to the workers ({@link Shortfall#of}); when no worker
     * was lost and the cache removed no block since the load started ({@link Shortfall#noneRemoved}),
     * only about the files the plan found with blocks already cached.
     * The blocks of the files loaded whole that the workers no longer
     * hold with the replication are loaded again, in slices as the load was; the files the cache
     * still lacks a block of after that are failed, so that the load says SUCCEEDED only with every
     * block on live workers.
     */
    private Optional<Restored> restoreReplicas(LoadPlan plan, Map<Integer, LoadReport> reports, Set<String> liveAtStart,
            Optional<RemovalMarks> removalsAtStart, JournalWrites journal) {
        Set<String> lost = new TreeSet<>(liveAtStart);
        lost.removeAll(liveWorkers());
        // when the cache removed nothing since the start, only the blocks the plan found cached are asked about
        boolean noneRemoved = lost.isEmpty() && Shortfall.noneRemoved(cache, removalsAtStart);
        Map<String, FileReport> outcomes = byPath(reports.values());
        int replication = plan.request().replication();
        // the room the whole load needs: the files written again are only a part of it
        long loadBytes = options.loadBytes().orElse(plan.stats().bytes() * replication);
        List<FileLoad> loaded = plan.partitions().stream().flatMap(partition -> partition.files().stream())
                .filter(file -> outcomes.containsKey(file.file().path()) && !outcomes.get(file.file().path()).failed())
                .filter(file -> !noneRemoved || Shortfall.foundCached(file))
                .toList();
        if (noneRemoved) {
            LOG.debug("No block was removed from the cache during the load: the blocks it wrote are not asked about");
        }
        Map<FileLoad, List<Shortfall.Missing>> missing = Shortfall.of(cache, loaded, replication, lost);
        List<PartitionLoad> again = new ArrayList<>();
        for (PartitionLoad partition : plan.partitions()) {
            List<FileLoad> underReplicated = new ArrayList<>();
            for (FileLoad file : partition.files()) {
                List<Shortfall.Missing> lacking = missing.get(file);
                if (lacking != null) {
                    // each block lacking replicas with the live workers that still hold it: only the missing replicas are written
                    Map<Integer, List<String>> holders = lacking.stream().collect(Collectors.toMap(m -> m.block().index(), Shortfall.Missing::holders));
                    underReplicated.add(new FileLoad(file.file(), file.blocks().stream()
                            .map(block -> holders.containsKey(block.index())
                                    ? new BlockTask(block.file(), block.index(), block.offset(), block.length(), false, holders.get(block.index()))
                                    : new BlockTask(block.file(), block.index(), block.offset(), block.length(), true))
                            .toList()));
                }
            }
            if (!underReplicated.isEmpty()) {
                again.add(new PartitionLoad(partition.name(), partition.location(), underReplicated, 0));
            }
        }
        if (again.isEmpty()) {
            return lost.isEmpty() ? Optional.empty() : Optional.of(new Restored(List.copyOf(lost), List.copyOf(lost), Map.of(), 0, 0, 0, Paused.NONE, Map.of(),
                    List.of()));
        }
        LoadPlan restore = new LoadPlan(plan.request(), plan.blockSize(), again, List.of(), PlanStats.of(again));
        if (lost.isEmpty()) {
            LOG.warn("{} of {} lack replicas in the cache, evicted or freed since they were written: loading them again",
                    Counts.of(restore.stats().blocksToLoad(), "block"), Counts.of(restore.stats().files(), "file"));
        }
        else {
            LOG.warn("Workers {} were lost during the load: loading {} blocks of {} files again", lost, restore.stats().blocksToLoad(), restore.stats().files());
        }
        Map<String, FileReport> rewritten = new HashMap<>();
        Map<String, FileIdentity> restoring = again.stream().flatMap(partition -> partition.files().stream())
                .collect(Collectors.toMap(file -> file.file().path(), FileLoad::file, (a, b) -> a));
        List<LoadReport> roundReports = new ArrayList<>();
        long[] counts = new long[2];
        // the bytes each slice of the round without a report yet last said it wrote: what it read at least
        Map<Integer, Long> heardBytes = new HashMap<>();
        Set<Integer> reported = new TreeSet<>();
        List<SliceLoad> round = slices(restore, options.withoutAtomic().withLoadBytes(loadBytes), Optional.empty());
        // the blocks are committed (or never were atomic): written again as a plain load writes them
        try {
            // not in the load's progress: the plan it started with did not have these blocks to load
            slices.run(round, (slice, progress) -> {
                synchronized (rewritten) {
                    if (!reported.contains(slice.index())) {
                        heardBytes.put(slice.index(), progress.bytesLoaded());
                    }
                }
            }, (slice, report) -> {
                synchronized (rewritten) {
                    reported.add(slice.index());
                    heardBytes.remove(slice.index());
                    roundReports.add(report);
                    report.partitions().forEach(partition -> partition.files().forEach(file -> {
                        rewritten.put(file.path(), file);
                        counts[0] += file.blocksLoaded();
                        counts[1] += file.bytesLoaded();
                    }));
                }
                journal.read(report.ufsBytesRead());
                // a file changed or gone since it was planned, whose slice uncached it: no run counts its blocks committed
                report.partitions().forEach(partition -> partition.files().stream()
                        .filter(FileReport::plannedVersionUncached)
                        .map(file -> restoring.get(file.path()))
                        .filter(Objects::nonNull)
                        .forEach(journal::forget));
            });
        }
        catch (RuntimeException e) {
            if (!JvmShutdown.inProgress()) {
                LOG.error("The replicas lost with workers {} were not all written again", lost, e);
            }
            String message = String.valueOf(e.getMessage()).lines().findFirst().orElse(e.getClass().getSimpleName());
            synchronized (rewritten) {
                List<FileLoad> unreported = again.stream().flatMap(partition -> partition.files().stream())
                        .filter(file -> !rewritten.containsKey(file.file().path()))
                        .toList();
                // what the slices without a report wrote before their job failed: the workers say which of their files they hold whole now
                Set<String> heldWhole = heldWhole(unreported, replication, lost);
                for (FileLoad file : unreported) {
                    if (heldWhole.contains(file.file().path())) {
                        // written again, though no report says it: its report is the load's, and the check below confirms it
                        for (BlockTask block : file.blocks()) {
                            if (!block.cached()) {
                                counts[0]++;
                                counts[1] += block.length();
                            }
                        }
                        continue;
                    }
                    int cachedBlocks = (int) file.blocks().stream().filter(BlockTask::cached).count();
                    rewritten.put(file.file().path(), new FileReport(file.file().path(), file.file().length(), file.blocks().size(), 0, cachedBlocks,
                            file.blocks().size() - cachedBlocks, 0, file.cachedBytes(), 0, message));
                }
                if (!heldWhole.isEmpty()) {
                    LOG.info("{} of the slices that did not finish writing replicas again are held whole now: written again",
                            Counts.of(heldWhole.size(), "file"));
                }
                recordUnreportedReads(journal, heardBytes.values().stream().mapToLong(bytes -> Math.max(0, bytes)).sum());
            }
        }
        Map<String, FileReport> written;
        synchronized (rewritten) {
            written = Map.copyOf(rewritten);
        }
        // what that round's writes evicted in turn, or what is lost since: the files are not cached as asked
        List<FileLoad> held = loaded.stream().filter(file -> !written.containsKey(file.file().path()) || !written.get(file.file().path()).failed()).toList();
        Map<String, String> lacking = new HashMap<>();
        Map<FileLoad, List<Shortfall.Missing>> stillMissing = Shortfall.of(cache, held, replication, lost);
        // the workers lost by the end: those lost during the round too, and those its writes could not reach
        Set<String> lostNow = new TreeSet<>(lost);
        roundReports.stream().filter(report -> report.restore() != null).forEach(report -> lostNow.addAll(report.restore().lostWorkers()));
        try {
            Set<String> live = liveWorkers();
            liveAtStart.stream().filter(id -> !live.contains(id)).forEach(lostNow::add);
        }
        catch (MasterUnavailableException e) {
            LOG.warn("Cannot ask the master which workers were lost while replicas were written again: {}", e.getMessage());
        }
        if (!stillMissing.isEmpty()) {
            LOG.warn("{} of the load lack blocks in the cache after it: failed", Counts.of(stillMissing.size(), "file"));
            // the blocks of the load the round's writes evicted from other slices' files: a slice's own are its own check's
            Set<String> evictedByLoad = roundReports.stream().flatMap(report -> report.evicted().perBlock().stream())
                    .map(LoadReport.Evicted.Block::blockId).collect(Collectors.toSet());
            // the slices' processes know where they wrote each block, not this one
            Shortfall.Causes causes = new Shortfall.Causes(lostNow, block -> Optional.empty(), evictedByLoad, loadBytes,
                    cache.clusterInfo().liveCapacityBytes());
            stillMissing.forEach((file, blocks) -> lacking.put(file.file().path(), Shortfall.reason(blocks.get(0), replication, causes)));
        }
        return Optional.of(new Restored(List.copyOf(lost), List.copyOf(lostNow), written, counts[0], counts[1],
                roundReports.stream().mapToLong(LoadReport::ufsBytesRead).sum(), Paused.of(roundReports), Map.copyOf(lacking),
                roundReports.stream().map(LoadReport::evicted).toList()));
    }

    /**
     * The paths of {@code files} (of a round that writes replicas again) whose every block the
     * workers hold now with {@code replication}, on workers not {@code lost}: the round's slices
     * wrote them before their job failed. None when the cache cannot say.
     */
    private Set<String> heldWhole(List<FileLoad> files, int replication, Set<String> lost) {
        if (files.isEmpty()) {
            return Set.of();
        }
        Map<FileLoad, List<Shortfall.Missing>> missing;
        try {
            missing = Shortfall.of(cache, files, replication, lost);
        }
        catch (CacheException e) {
            LOG.warn("Cannot ask the cache which files of the slices that did not finish writing replicas again it holds: {}", e.getMessage());
            return Set.of();
        }
        return files.stream().filter(file -> !missing.containsKey(file)).map(file -> file.file().path()).collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * Commits every block the slices of an atomic job staged, in one batch, when every file of the
     * plan was staged and every partition listed; returns why it did not, or {@code null}.
     */
    private String commitJob(LoadPlan plan, Map<Integer, LoadReport> reports, String failure, TempAreaRenewal renewal, JournalWrites journal) {
        if (failure != null) {
            return "not committed: " + failure;
        }
        Map<String, FileReport> outcomes = byPath(reports.values());
        List<BlockKey> blocks = new ArrayList<>();
        for (PartitionLoad partition : plan.partitions()) {
            if (!partition.listed()) {
                return "not committed: the job has a partition that could not be listed (%s)".formatted(partition.name());
            }
            if (!partition.complete()) {
                return "not committed: the job has a directory that could not be listed (%s)".formatted(partition.unlistedDirectories().get(0).path());
            }
            for (FileLoad file : partition.files()) {
                FileReport outcome = outcomes.get(file.file().path());
                if (outcome == null || outcome.failed()) {
                    return "not committed: the job has failed files";
                }
                file.blocks().stream().filter(block -> !block.cached()).map(BlockTask::key).forEach(blocks::add);
            }
        }
        if (blocks.isEmpty()) {
            return null;
        }
        try {
            // retried while the master is silent: a commit whose answer was lost finds its blocks committed
            Failsafe.with(whileMasterSilent()).run(() -> renewal.commitScope(blocks));
            journal.committed(blocks.stream().map(BlockKey::blockId).toList());
            return null;
        }
        catch (MasterUnavailableException e) {
            return "not committed: " + renewal.lost().orElse(Failures.masterStopped(e.masterTarget()));
        }
        catch (CacheException e) {
            return "not committed: " + renewal.lost().orElse("the commit of the job failed: " + e.getMessage());
        }
    }

    /** Tries a call to the master again while it does not answer, as a load's own calls are ({@link MasterRetries#whileSilent}). */
    private RetryPolicy<Object> whileMasterSilent() {
        return MasterRetries.whileSilent(cache, options.maxAttempts(), () -> false, silence -> {})
                .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(2))
                .withMaxAttempts(-1)
                .onRetry(event -> LOG.info("Retrying the commit of the job (attempt {}) while the cache master does not answer: {}",
                        event.getAttemptCount() + 1, Failures.describe(event.getLastException())))
                .build();
    }

    /** The files of {@code reports} by path. */
    private static Map<String, FileReport> byPath(Collection<LoadReport> reports) {
        Map<String, FileReport> files = new HashMap<>();
        reports.forEach(report -> report.partitions().forEach(partition -> partition.files().forEach(file -> files.put(file.path(), file))));
        return files;
    }

    /**
     * A finished slice: its files to the listener and the journal; the blocks of {@code adoptable}
     * it committed were adopted, not loaded. The journal forgets the files the slice uncached as
     * changed or gone, as a local load's journal does: no run of the job counts their blocks
     * committed. Of a plain load's files that failed after their slice committed some of their
     * blocks, the journal records the blocks the workers hold, as a local load's journal records
     * each block as it commits: the next run of the job counts them committed by this one.
     */
    private void heard(SliceLoad slice, LoadReport report, JournalWrites journal, Map<String, StagedBlock> adoptable) {
        Map<String, FileReport> files = byPath(List.of(report));
        List<String> committed = new ArrayList<>();
        List<FileIdentity> uncached = new ArrayList<>();
        // failed after some of their blocks were committed (or found cached): a plain load's, whose blocks commit one by one
        List<FileLoad> failedInPart = new ArrayList<>();
        for (PartitionLoad partition : slice.partitions()) {
            for (FileLoad file : partition.files()) {
                FileReport outcome = files.get(file.file().path());
                if (outcome == null) {
                    continue;
                }
                for (int attempt = 2; attempt <= outcome.retries() + 1; attempt++) {
                    listener.retrying(outcome.path(), attempt, "in its slice");
                }
                if (outcome.failed()) {
                    listener.fileFailed(outcome.path(), outcome.error());
                    if (outcome.plannedVersionUncached()) {
                        uncached.add(file.file());
                    }
                    else if (options.atomic().isEmpty()
                            && outcome.blocksLoaded() + outcome.blocksAlreadyCached() > file.blocks().stream().filter(BlockTask::cached).count()) {
                        failedInPart.add(file);
                    }
                }
                else {
                    // of the blocks the plan had to load, those the slice found cached as it started: already cached, as its report counts them
                    Set<Integer> found = foundCached(file, outcome);
                    if (!found.isEmpty()) {
                        listener.foundCached(file, found.size(), file.blocks().stream().filter(block -> found.contains(block.index()))
                                .mapToLong(BlockTask::length).sum());
                    }
                    for (BlockTask block : file.blocks()) {
                        if (!block.cached()) {
                            committed.add(new BlockKey(block.file(), block.index()).blockId());
                            if (found.contains(block.index())) {
                                continue;
                            }
                            StagedBlock adopted = adoptable.get(block.key().blockId());
                            if (adopted != null && adopted.length() == block.length()) {
                                listener.blockAdopted(block);
                            }
                            else {
                                listener.blockLoaded(block);
                            }
                        }
                    }
                }
                listener.fileFinished(outcome);
            }
        }
        if (journal.present() && !failedInPart.isEmpty() && !Failures.isMasterStopped(report.stopReason())) {
            committed.addAll(held(failedInPart, slice.replication()));
        }
        boolean staged = options.atomic().map(atomic -> atomic.scope() == AtomicOptions.Scope.JOB).orElse(false);
        journal.read(report.ufsBytesRead());
        uncached.forEach(journal::forget);
        if (!staged) {
            // a job's blocks count once the load commits them all
            journal.committed(committed);
        }
    }

    /**
     * The indexes of the blocks of {@code file} the plan had to load that its slice found cached
     * as it started ({@link SliceLoad#load(SliceProgress.Counters, int)}), as many as
     * {@code outcome} counts already cached beyond the plan, with their bytes. The report counts
     * them, not which they are: a file's blocks are of one length but its last, so the last is
     * among them when their bytes say so.
     */
    static Set<Integer> foundCached(FileLoad file, FileReport outcome) {
        List<BlockTask> toLoad = file.blocks().stream().filter(block -> !block.cached()).toList();
        long count = outcome.blocksAlreadyCached() - (file.blocks().size() - toLoad.size());
        long bytes = outcome.bytesAlreadyCached() - file.cachedBytes();
        if (count <= 0 || toLoad.isEmpty()) {
            return Set.of();
        }
        if (count >= toLoad.size()) {
            return toLoad.stream().map(BlockTask::index).collect(Collectors.toCollection(TreeSet::new));
        }
        BlockTask last = toLoad.get(toLoad.size() - 1);
        List<BlockTask> others = toLoad.subList(0, toLoad.size() - 1);
        long full = others.get(0).length();
        boolean withLast = bytes - last.length() == (count - 1) * full && bytes != count * full;
        Set<Integer> found = new TreeSet<>();
        if (withLast) {
            found.add(last.index());
        }
        others.stream().limit(count - found.size()).forEach(block -> found.add(block.index()));
        return found;
    }

    /**
     * The blocks of {@code files} the plan did not find cached that the workers hold now with
     * {@code replication}: of a file that failed in its slice, those the slice committed before it
     * failed, or found cached. None when the cache cannot say.
     */
    private List<String> held(List<FileLoad> files, int replication) {
        Map<FileLoad, List<Shortfall.Missing>> missing;
        try {
            missing = Shortfall.of(cache, files, replication, Set.of());
        }
        catch (CacheException e) {
            LOG.warn("Cannot ask the cache which blocks of the files that failed in a slice it holds: {}", e.getMessage());
            return List.of();
        }
        List<String> blocks = new ArrayList<>();
        files.forEach(file -> blocks.addAll(held(file, missing.getOrDefault(file, List.of()))));
        return blocks;
    }

    /** The ids of the blocks of {@code file} the plan did not find cached and that are not {@code missing}: the workers hold them. */
    private static List<String> held(FileLoad file, List<Shortfall.Missing> missing) {
        Set<Integer> lacking = missing.stream().map(m -> m.block().index()).collect(Collectors.toSet());
        return file.blocks().stream().filter(block -> !block.cached() && !lacking.contains(block.index())).map(block -> block.key().blockId()).toList();
    }

    /**
     * The load's report from its slices': each planned file's report where its slice gave one, or a
     * failed file, with why, where its slice did not finish; totals, state and rate over the whole.
     *
     * @param waitedMillis how long this load waited for its window before the slices were sent
     * @param failure why not every slice finished, or {@code null}
     * @param job the job as this run started it ({@link JobJournal#starting}), empty without a journal
     * @param uncommitted why the blocks an atomic job's slices staged were not committed, or {@code null}
     */
    LoadReport merge(LoadPlan plan, Map<Integer, LoadReport> reports, long durationMillis, long waitedMillis, String failure, Optional<LoadReport.JobSummary> job,
            Map<String, StagedBlock> staged, Optional<Restored> restored, String uncommitted, Set<String> cachedUnreported) {
        Map<String, FileReport> files = byPath(reports.values());
        long ufsBytesRead = 0;
        long bytesWritten = 0;
        String stopReason = failure;
        boolean aborted = false;
        TreeSet<String> lostWorkers = new TreeSet<>();
        long restoredBlocks = 0;
        long restoredBytes = 0;
        // a slice commits the scopes of its files (file, partition), writing again first the blocks only on workers lost since it staged them
        LoadReport.RewrittenBeforeCommit rewrittenBeforeCommit = LoadReport.RewrittenBeforeCommit.NONE;
        if (restored.isPresent()) {
            lostWorkers.addAll(restored.get().lostByTheEnd());
            restoredBlocks += restored.get().blocks();
            restoredBytes += restored.get().bytes();
            // what the round that wrote replicas again read, as a load in one process counts its rewrites' reads
            ufsBytesRead += restored.get().ufsBytesRead();
        }
        // the threshold counts the files that failed themselves, as a local load does: not those a
        // slice did not attempt or a job did not commit
        long ownFailures = 0;
        // why a slice stopped early: the master stopped answering, or its own failed files passed the threshold
        String masterStopped = null;
        String sliceStopped = null;
        for (Map.Entry<Integer, LoadReport> entry : new java.util.TreeMap<>(reports).entrySet()) {
            LoadReport report = entry.getValue();
            ownFailures += report.partitions().stream().flatMap(partition -> partition.files().stream())
                    .filter(file -> file.failed() && !String.valueOf(file.error()).startsWith("not attempted")).count();
            ufsBytesRead += report.ufsBytesRead();
            bytesWritten += report.bytesWritten();
            if (Failures.isMasterStopped(report.stopReason())) {
                masterStopped = masterStopped == null ? report.stopReason() : masterStopped;
            }
            else if (report.stopReason() != null && sliceStopped == null) {
                sliceStopped = "slice %d of the load stopped: %s".formatted(entry.getKey() + 1, report.stopReason());
            }
            aborted |= report.state() == LoadState.FAILED && report.totals().blocksLoaded() + report.totals().blocksAlreadyCached() > 0;
            if (report.restore() != null) {
                lostWorkers.addAll(report.restore().lostWorkers());
                restoredBlocks += report.restore().blocks();
                restoredBytes += report.restore().bytes();
            }
            rewrittenBeforeCommit = rewrittenBeforeCommit.plus(report.rewrittenBeforeCommit());
        }
        List<PartitionReport> partitions = new ArrayList<>(plan.partitions().size());
        for (PartitionLoad partition : plan.partitions()) {
            List<FileReport> outcomes = new ArrayList<>(partition.files().size());
            for (FileLoad file : partition.files()) {
                FileReport outcome = files.get(file.file().path());
                FileReport again = restored.map(r -> r.files().get(file.file().path())).orElse(null);
                if (again != null && again.failed()) {
                    // its replicas missing after the load (lost with a worker, evicted or freed) could not be written again: not cached as asked
                    String why = restored.get().lostWorkers().isEmpty() ? "replicas missing after the load not written again: "
                            : "replicas lost with a worker not written again: ";
                    // none of its blocks counts as loaded or cached, nor do their bytes, as a local load reports such a file
                    outcome = new FileReport(again.path(), again.length(), again.blocks(), 0, 0, again.blocks(), 0, 0, outcome.retries() + again.retries(),
                            why + again.error());
                }
                String lacking = restored.map(r -> r.lacking().get(file.file().path())).orElse(null);
                if (outcome != null && lacking != null && !outcome.failed()) {
                    outcome = Shortfall.failed(outcome, lacking);
                }
                if (outcome != null && uncommitted != null && !outcome.failed() && outcome.blocksLoaded() > 0) {
                    // staged, not committed: not loaded
                    outcome = LoadExecutor.notCommitted(outcome, uncommitted);
                }
                boolean foundWhole = outcome == null && cachedUnreported.contains(file.file().path());
                outcomes.add(outcome != null ? outcome : foundWhole ? cachedUnreported(file) : notRun(file, Failures.isTempAreaLost(failure) ? failure : null));
            }
            // the totals are the files' sums: the bytes a slice found cached when it started are in its files' reports
            partitions.add(PartitionReport.of(partition, outcomes));
        }
        LoadTotals totals = LoadTotals.of(partitions);
        // each slice, of the first round and of the restore round, gives each block its writes evicted that is not of its own files:
        // those of the other slices' files are the load's own, not other data; a block that lost replicas in several slices counts once
        LoadReport.Evicted evicted = LoadExecutor.evictedOthers(plan, Stream.concat(reports.values().stream().map(LoadReport::evicted),
                restored.map(Restored::evicted).orElse(List.of()).stream()).flatMap(slice -> slice.perBlock().stream()), false);
        // the slices paused in their processes: the load, as much as the first round's slices and then the restore round's
        Paused paused = Paused.of(reports.values()).then(restored.map(Restored::paused).orElse(Paused.NONE));
        Optional<LoadReport.Window> window = options.window()
                .map(w -> new LoadReport.Window(w.toString(), w.zone().getId(), waitedMillis, paused.pauses(), paused.millis()));
        long loading = Math.max(0, durationMillis - window.map(LoadReport.Window::closedMillis).orElse(0L));
        LoadState state = LoadExecutor.state(totals);
        if (stopReason == null) {
            // the slices not finishing first, then the master, then the load's failed files, then a slice's
            stopReason = masterStopped != null ? masterStopped
                    : options.jobFailed(ownFailures, totals.files()) ? options.failedFilesReason(ownFailures, totals.files())
                    : sliceStopped;
        }
        if (aborted || options.jobFailed(ownFailures, totals.files()) || Failures.isTempAreaLost(stopReason)) {
            // a slice stopped for its failed files, or the load's failed files pass the threshold, or
            // the job's temp area is gone with what it staged (as a local load, whatever was committed before)
            state = LoadState.FAILED;
        }
        else if (state == LoadState.SUCCEEDED && stopReason != null) {
            state = LoadState.PARTIAL;
        }
        // what an earlier run staged and this one committed: loaded, but neither read nor written now
        Adopted adopted = Adopted.of(plan, staged, partitions);
        LoadReport.JobSummary resumed = job.map(started -> started.withAdopted(adopted.blocks(), adopted.bytes())).orElse(null);
        return new LoadReport(plan.request().target().describe(), state, plan.request().replication(), totals, partitions, durationMillis,
                LoadExecutor.rate(bytesWritten, loading), bytesWritten, reportedSettings(plan).values(), ufsBytesRead,
                resumed, lostWorkers.isEmpty() && restoredBlocks == 0 ? null : new LoadReport.ReplicaRestore(List.copyOf(lostWorkers), restoredBlocks, restoredBytes),
                window.orElse(null), null, false, stopReason, evicted, plan.droppedPartitions(), rewrittenBeforeCommit);
    }

    /**
     * Of the files with blocks to load whose slice did not report (its Spark job failed after it
     * loaded them, say), those the workers hold whole with the replication now: cached, though no
     * attempt reported writing them, so already cached, as blocks a slice finds cached when it
     * starts. Their blocks go to the journal, and so do the blocks the workers hold of the
     * others, as a local load's journal records each block as it commits. None of an atomic job's
     * scope, whose staged blocks the slices did not commit.
     */
    private Set<String> cachedUnreported(LoadPlan plan, Map<Integer, LoadReport> reports, JournalWrites journal) {
        if (options.atomic().map(atomic -> atomic.scope() == AtomicOptions.Scope.JOB).orElse(false)) {
            return Set.of();
        }
        Map<String, FileReport> reported = byPath(reports.values());
        List<FileLoad> unreported = plan.partitions().stream().flatMap(partition -> partition.files().stream())
                .filter(file -> !reported.containsKey(file.file().path()) && file.blocks().stream().anyMatch(block -> !block.cached()))
                .toList();
        if (unreported.isEmpty()) {
            return Set.of();
        }
        Map<FileLoad, List<Shortfall.Missing>> missing;
        try {
            missing = Shortfall.of(cache, unreported, plan.request().replication(), Set.of());
        }
        catch (CacheException e) {
            LOG.warn("Cannot ask the cache which files of the slices that did not finish it holds: {}", e.getMessage());
            return Set.of();
        }
        Set<String> cached = new TreeSet<>();
        List<String> blocks = new ArrayList<>();
        for (FileLoad file : unreported) {
            if (!missing.containsKey(file)) {
                cached.add(file.file().path());
            }
            // of a file not held whole, the blocks its slice committed before it stopped (or found cached)
            blocks.addAll(held(file, missing.getOrDefault(file, List.of())));
        }
        if (!cached.isEmpty()) {
            LOG.info("{} of the slices that did not finish are cached whole: counted already cached", Counts.of(cached.size(), "file"));
        }
        journal.committed(blocks);
        return cached;
    }

    /** A file of a slice that did not report, which the workers hold whole: every block already cached. */
    private static FileReport cachedUnreported(FileLoad file) {
        return new FileReport(file.file().path(), file.file().length(), file.blocks().size(), 0, file.blocks().size(), 0, 0,
                file.blocks().stream().mapToLong(BlockTask::length).sum(), 0, null);
    }

    /**
     * A file of a slice that did not report: not loaded, as its slice did not finish, or, when the
     * load stopped early for {@code stopped}, not attempted.
     */
    private static FileReport notRun(FileLoad file, String stopped) {
        int cached = (int) file.blocks().stream().filter(BlockTask::cached).count();
        int blocks = file.blocks().size();
        return new FileReport(file.file().path(), file.file().length(), blocks, 0, cached, blocks - cached, 0, file.cachedBytes(), 0,
                blocks == cached ? null : stopped != null ? "not attempted: " + stopped : "not loaded: its slice of the load did not finish");
    }
}
