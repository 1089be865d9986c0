package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import com.google.common.math.LongMath;
import com.google.common.util.concurrent.Uninterruptibles;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import dev.failsafe.RetryPolicyBuilder;
import io.gfsload.advisor.AdaptiveController;
import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.advisor.Ticker;
import io.gfsload.advisor.Units;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockNotFoundException;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.cache.api.Counts;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.FreeResult;
import io.gfsload.cache.api.MasterSilence;
import io.gfsload.cache.api.MasterUnavailableException;
import io.gfsload.cache.api.NoRoomException;
import io.gfsload.cache.api.NotEnoughWorkersException;
import io.gfsload.cache.api.RemovalMarks;
import io.gfsload.cache.api.StagedBlock;
import io.gfsload.cache.api.TempArea;
import io.gfsload.cache.api.TempAreaSummary;
import io.gfsload.cache.api.TempAreaInUseException;
import io.gfsload.cache.api.UfsPullException;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.api.WorkerUnavailableException;
import io.gfsload.cache.api.WriteEvictions;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.ufs.UfsFiles;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.InvalidRequestException;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.PartitionLoad;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link LoadPlan} with local threads: reads each block from the UFS with positioned reads
 * and streams it to its replica workers.
 *
 * <p>Transient failures (timeouts, resets, 5xx, throttling) are retried with exponential backoff
 * and jitter, resuming at the block that failed; permanent ones (gone, denied, changed) are not.
 * A failed file never fails its neighbours: it is reported with its reason and the other files go
 * on, until the failed files pass the threshold of {@link ExecutorOptions}, when the job stops and
 * fails as a whole. When the settings give concurrency bounds, an {@link AdaptiveController}
 * decides how many of the read threads may read the UFS at once, from the throughput, latency and
 * throttling errors it observes.
 *
 * <p>Which path a file takes: a small file (one block of at most
 * {@link SmallFileBatcher#MAX_BLOCK_BYTES} left to load) is read whole and handed to a
 * {@link SmallFileBatcher}, which writes many such blocks with one call per worker; on the pull
 * data path it is handed in without its bytes, and the workers pull many such blocks with one call
 * per first worker ({@link CacheClient#pullBlocks}). A large local
 * file ({@code file:}, read through Hadoop's raw local file system) is copied block by block
 * through a direct buffer, which a short-circuit writer hands to the worker's files without a copy
 * through the heap. A large file of any other store is read, when the settings give
 * {@link Settings#STREAMS_PER_FILE} above 1, as that many concurrent ranged reads, each on a stream
 * of its own (stores limit each stream, so a few large files on one stream each cannot fill the
 * store's aggregate bandwidth); its blocks are still written to the cache one after another, each
 * as a stream of its bytes in order.
 *
 * <p>The listener hears a large block's bytes as they are written to the cache, a piece of at most
 * the read buffer at a time, before it hears the block loaded; an attempt that fails after some of
 * its bytes ends with {@link ProgressListener#blockAbandoned}, and its retry writes the block from
 * its first byte again. Small files are heard when their batch is written.
 *
 * <p>Memory stays within {@link Settings#IN_FLIGHT_BYTES}: when the plan has small files, half of
 * it (at most {@link SmallFileBatcher#MAX_QUEUED_BYTES}) bounds the small files read and not yet
 * written, and the rest is a pool of read buffers. Every other read (a range, a block, a local
 * copy's direct buffer) holds one buffer of the pool from before it starts until its bytes are
 * written to the cache.
 *
 * <p>A worker that stops answering during the load (killed, down) gets no more replicas from this
 * job: writes that failed on it are placed again on other workers at once, without waiting for
 * the master to notice the loss. At the end, when workers were lost, the blocks of the loaded
 * files that were left with fewer live replicas than the replication are written again onto live
 * workers, so that {@link LoadState#SUCCEEDED} still means every block on as many distinct live
 * workers as requested; the report's {@link LoadReport.ReplicaRestore} says what was restored.
 *
 * <p>With a {@link LoadWindow} in the options, a block (a small file, a block restored) starts to
 * be read only inside the window: outside it the read threads wait, on the given clock and
 * {@link Sleeper}, and the listener hears when the window closes and opens; blocks under way
 * finish. The report's {@link LoadReport.Window} says how long the load waited and paused. Given a
 * plan to make when the window opens ({@link #execute(LoadPlan, Optional, Supplier)}), a load
 * started outside its window waits for it first and then loads that plan, so that files
 * rewritten, added or deleted while it waited are loaded as they are then.
 */
public final class LoadExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(LoadExecutor.class);
    /** How long a write waits for room on the workers (see {@code roomPolicy}), and the longest wait between tries. */
    static final java.time.Duration ROOM_WAIT = java.time.Duration.ofMinutes(1);
    /** How long a load places no replicas on a worker it could not reach, after the last failure to. */
    static final java.time.Duration UNREACHABLE_EXCLUSION = java.time.Duration.ofSeconds(10);
    /**
     * How many times a scope whose commit the master refuses, for blocks with their replicas only
     * on lost workers, has those blocks written again and is committed again ({@code commitScope}
     * of the run): once per worker lost meanwhile, and a few more is more than a load sees.
     */
    static final int LOST_REPLICA_ROUNDS = 3;
    private static final java.time.Duration ROOM_WAIT_MAX_DELAY = java.time.Duration.ofSeconds(5);
    /** The longest wait between the attempts of a file while the cache master does not answer. */
    private static final java.time.Duration MASTER_WAIT_MAX_DELAY = java.time.Duration.ofSeconds(2);
    /**
     * Longest {@link #validate(LoadPlan, boolean, Consumer)} waits for the room
     * unfinished writes hold: a worker aborts a short-circuit write idle for 30 s once its client's
     * connection has closed (a killed load's), looks every 5 s, and tells the master at its next
     * heartbeat; streamed writes end with their connection.
     */
    static final java.time.Duration UNFINISHED_WRITES_WAIT = java.time.Duration.ofSeconds(90);
    /** How often that wait asks the master for the cluster's space. */
    private static final java.time.Duration UNFINISHED_WRITES_POLL = java.time.Duration.ofSeconds(1);
    /**
     * How often a load asks its client how long the master has been silent: it stops once the
     * silence passes its limit ({@link MasterSilence#exceeded}), whatever its threads wait on.
     */
    static final java.time.Duration MASTER_WATCH = java.time.Duration.ofSeconds(1);
    /**
     * The longest a load that ends waits for its threads, told to stop, to be done: those of a load
     * that failed (a listener that throws, an interrupt) may still be writing. Past it, the run
     * keeps its temp area's hold until the hold lapses, rather than let another run adopt the
     * area under writes still to come.
     */
    static final java.time.Duration TASKS_END_WAIT = java.time.Duration.ofSeconds(30);
    /** Largest piece handed to the cache client in one write: one gRPC message. */
    static final int MAX_WRITE_BYTES = 1 << 20;
    /**
     * Piece size when a local file is copied through a direct buffer: small enough to stay in the
     * CPU's cache between the read, the checksum and the write, so that the bytes cross memory
     * about as often as a plain copy's.
     */
    static final int LOCAL_COPY_BYTES = 256 << 10;

    private final CacheClient cache;
    private final Configuration hadoopConf;
    private final Settings settings;
    private final ExecutorOptions options;
    private final ProgressListener listener;
    private final Clock clock;
    private final Sleeper sleeper;

    /**
     * @param clock the time of the report's duration, of the load window and of the wait for room
     *     of the blocks written again after the load
     * @param sleeper how a read waiting for the load window waits, on {@code clock}
     */
    public LoadExecutor(CacheClient cache, Configuration hadoopConf, Settings settings, ExecutorOptions options, ProgressListener listener, Clock clock,
            Sleeper sleeper) {
        this.cache = requireNonNull(cache, "cache is null");
        this.hadoopConf = requireNonNull(hadoopConf, "hadoopConf is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.options = requireNonNull(options, "options is null");
        this.listener = requireNonNull(listener, "listener is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.sleeper = requireNonNull(sleeper, "sleeper is null");
    }

    public LoadExecutor(CacheClient cache, Configuration hadoopConf, Settings settings, ExecutorOptions options, ProgressListener listener, Clock clock) {
        this(cache, hadoopConf, settings, options, listener, clock, Sleeper.SYSTEM);
    }

    public LoadExecutor(CacheClient cache, Configuration hadoopConf, Settings settings, ProgressListener listener, Clock clock) {
        this(cache, hadoopConf, settings, ExecutorOptions.defaults(), listener, clock);
    }

    /**
     * Checks that {@code cluster} has as many workers as {@code replication}, live or not (a
     * request for more can never be met).
     *
     * @throws InvalidRequestException when it has fewer
     */
    public static void checkReplication(int replication, ClusterInfo cluster) {
        if (replication > cluster.workers().size()) {
            throw new InvalidRequestException("Invalid replication %d: the cluster has only %s".formatted(replication,
                    Counts.of(cluster.workers().size(), "worker")));
        }
    }

    /**
     * Checks that the cluster can hold the plan before anything is loaded: enough live workers for
     * the replication and, when {@code checkCapacity}, enough free or evictable space for the bytes
     * to load times the replication and a tier as large as the largest block to load on as many
     * live workers as the replication ({@link PlanCapacity}); the blocks a run of an atomic job
     * adopts are not counted as bytes to write ({@link #capacity}).
     *
     * @throws InvalidRequestException when the cluster has fewer workers than the requested replication
     * @throws NotEnoughWorkersException when it has enough, but fewer are live (the others lost or stopped)
     * @throws InsufficientCapacityException when the plan does not fit
     */
    public void validate(LoadPlan plan, boolean checkCapacity) {
        ClusterInfo cluster = cache.clusterInfo();
        int live = cluster.liveWorkers().size();
        int replication = plan.request().replication();
        if (replication > live) {
            List<String> lost = cluster.workers().stream().filter(WorkerInfo::lost).map(WorkerInfo::id).sorted().toList();
            List<String> stopped = cluster.workers().stream().filter(WorkerInfo::stopped).map(WorkerInfo::id).sorted().toList();
            // more than the cluster has: the request's
            checkReplication(replication, cluster);
            // the cluster's workers would do, once its lost ones are back: a retry may load
            List<String> notLive = new ArrayList<>(2);
            if (!lost.isEmpty()) {
                notLive.add("lost: " + String.join(", ", lost));
            }
            if (!stopped.isEmpty()) {
                notLive.add("stopped: " + String.join(", ", stopped));
            }
            throw new NotEnoughWorkersException("Replication %d needs %s: only %d of the cluster's %d %s live (%s); the load can run once enough are back"
                    .formatted(replication, Counts.of(replication, "live worker"), live, cluster.workers().size(), live == 1 ? "is" : "are", String.join("; ", notLive)));
        }
        if (checkCapacity) {
            // blocks eviction may reclaim make room as free space does: a full cache of older data takes new loads
            capacity(plan, cluster).shortfall().ifPresent(reason -> {
                throw new InsufficientCapacityException(reason);
            });
        }
    }

    /**
     * As {@link #validate(LoadPlan, boolean)}; but a plan that does not fit only for the space
     * unfinished writes hold on the workers (an interrupted load's, which the workers free once
     * they abort them) is waited for, up to {@link #UNFINISHED_WRITES_WAIT}, rather than refused:
     * {@code notices} hears one line when the wait starts and one when it ends with room. A plan
     * that still does not fit then is refused as {@link #validate(LoadPlan, boolean)} refuses it.
     *
     * @throws InsufficientCapacityException when the plan does not fit, after the wait when it waited
     */
    public void validate(LoadPlan plan, boolean checkCapacity, Consumer<String> notices) {
        validate(plan, checkCapacity, false, notices);
    }

    /**
     * As {@link #validate(LoadPlan, boolean, Consumer)}; and when {@code resuming} (an earlier run
     * of the same job was interrupted, and its unfinished writes may still hold room), a plan that
     * fits only by the workers evicting cached blocks while unfinished writes hold room waits for
     * that room too, up to {@link #UNFINISHED_WRITES_WAIT}: evicting other data (or the job's own
     * blocks, loaded again then) for room that comes back within about 35 s costs more than the
     * wait. Past it, or once the room is back, the load goes ahead and evicts what it still must.
     */
    public void validate(LoadPlan plan, boolean checkCapacity, boolean resuming, Consumer<String> notices) {
        requireNonNull(notices, "notices is null");
        validate(plan, false);
        if (!checkCapacity) {
            return;
        }
        PlanCapacity capacity = capacity(plan, cache.clusterInfo());
        boolean wouldEvict = resuming && capacity.evictsForUnfinishedWrites();
        if (capacity.fitsOnceWritesEnd() || wouldEvict) {
            long start = clock.millis();
            long deadline = start + UNFINISHED_WRITES_WAIT.toMillis();
            notices.accept(wouldEvict
                    ? ("Waiting for the %s that unfinished writes hold on the workers (the interrupted run's, freed as the workers abort them "
                            + "within about 35 s of its end), up to %d s, rather than evict cached blocks for it: the plan needs %s, %s free now")
                            .formatted(Units.size(capacity.writingBytes()), UNFINISHED_WRITES_WAIT.toSeconds(), capacity.describeNeed(),
                                    Units.size(capacity.freeBytes()))
                    : ("Waiting for the %s that unfinished writes hold on the workers (an interrupted load's, freed as the workers abort them "
                            + "within about 35 s of its end, or another load's now running), up to %d s: the plan needs %s, %s free or evictable now")
                            .formatted(Units.size(capacity.writingBytes()), UNFINISHED_WRITES_WAIT.toSeconds(), capacity.describeNeed(),
                                    Units.size(capacity.availableBytes())));
            while ((capacity.fitsOnceWritesEnd() || wouldEvict && capacity.evictsForUnfinishedWrites()) && clock.millis() < deadline) {
                try {
                    sleeper.sleep(UNFINISHED_WRITES_POLL);
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CacheException("Interrupted while waiting for the room unfinished writes hold", e);
                }
                capacity = capacity(plan, cache.clusterInfo());
            }
            long waited = Math.max(0, (clock.millis() - start) / 1000);
            if (wouldEvict && capacity.evictsForUnfinishedWrites()) {
                notices.accept("Still held after %d s: loading, the workers evicting cached blocks where they are full".formatted(waited));
            }
            else if (capacity.fits()) {
                notices.accept(wouldEvict
                        ? "The room is back after %d s: %s free".formatted(waited, Units.size(capacity.freeBytes()))
                        : "The room is back after %d s: %s free or evictable".formatted(waited, Units.size(capacity.availableBytes())));
            }
        }
        capacity.shortfall().ifPresent(reason -> {
            throw new InsufficientCapacityException(reason);
        });
    }

    /**
     * The read threads this executor starts, one per file in flight: the advisor's maximum when
     * the settings allow the adaptive controller (which then lets a varying number of reads run at
     * once), else the advisor's read threads; never more than the active files. The ranged reads
     * of large files run on {@link #rangeThreads()} more.
     */
    public int readThreads() {
        long threads = adaptive() ? settings.value(Settings.MAX_UFS_READ_THREADS) : settings.value(Settings.UFS_READ_THREADS);
        return Math.toIntExact(Math.max(1, Math.min(threads, options.activeFiles())));
    }

    /**
     * How many of the {@link #readThreads()} the adaptive controller lets read at once, when the
     * settings allow it: from {@code start} ({@code executor.ufs-read-threads}), between {@code min}
     * and {@code max}; empty when they all read at once throughout. (The ranged reads of large files
     * on other stores than local disks may take the controller up to its own maximum.)
     */
    public Optional<AdaptiveReads> adaptiveReads() {
        if (!adaptive()) {
            return Optional.empty();
        }
        AdaptiveController.Config config = AdaptiveController.Config.from(settings);
        int max = Math.min(config.effectiveMax(), readThreads());
        int min = Math.min(config.effectiveMin(), max);
        int start = Math.max(min, Math.min(max, config.initialConcurrency()));
        return Optional.of(new AdaptiveReads(min, start, max));
    }

    /** The adaptive controller's reads at once: at the start, and its bounds. */
    public record AdaptiveReads(int min, int start, int max) {}

    /**
     * Threads for the ranged reads of large files: the most reads the controller may admit (or the
     * fixed read threads); 0 when files are read with one stream each.
     */
    int rangeThreads() {
        if (streamsPerFile() <= 1) {
            return 0;
        }
        long threads = adaptive() ? settings.value(Settings.MAX_UFS_READ_THREADS) : settings.value(Settings.UFS_READ_THREADS);
        return Math.toIntExact(Math.max(1, threads));
    }

    private int streamsPerFile() {
        return settings.find(Settings.STREAMS_PER_FILE).map(setting -> Math.toIntExact(Math.max(1, setting.value()))).orElse(1);
    }

    /** Whether the settings bound the concurrency, so that the adaptive controller can move within them. */
    private boolean adaptive() {
        return settings.find(Settings.MAX_UFS_READ_THREADS).isPresent() && settings.find(Settings.MIN_UFS_READ_THREADS).isPresent()
                && settings.find(Settings.IN_FLIGHT_BYTES).isPresent();
    }

    /** Loads {@code plan} without a journal; see {@link #execute(LoadPlan, Optional)}. */
    public LoadReport execute(LoadPlan plan) {
        return execute(plan, Optional.empty());
    }

    /**
     * Loads every block of {@code plan} that is not cached yet and reports what happened, recording
     * reads and committed blocks in {@code journal}. Call {@link #validate} first to refuse a plan
     * the cluster cannot hold. The caller owns the journal. A journal that cannot be written fails
     * nothing: what the master committed counts as loaded, and the report's job says what the
     * journal lacks ({@link LoadReport.JobSummary#warning()}).
     */
    public LoadReport execute(LoadPlan plan, Optional<JobJournal> journal) {
        return execute(plan, journal, () -> plan);
    }

    /**
     * As {@link #execute(LoadPlan, Optional)}; when the load window is closed at the start, waits
     * for it to open and then loads {@code planAfterWait.get()} instead of {@code initial} (the
     * listener hears {@link ProgressListener#started} again with it). That plan must be of the
     * same request as {@code initial}; the settings stay the ones this executor has.
     */
    public LoadReport execute(LoadPlan initial, Optional<JobJournal> journal, Supplier<LoadPlan> planAfterWait) {
        return execute(initial, journal, planAfterWait, TempAreaClaim.NONE);
    }

    /**
     * As {@link #execute(LoadPlan, Optional, Supplier)}, for an atomic load whose run claimed its
     * temp area before ({@link #claimTempArea}): the load takes over the claim's renewals, which
     * went on while it waited for its window, rather than open the area again, and ends them (the
     * claim's hold released) as it ends. A claim that holds nothing changes nothing.
     *
     * @throws IllegalArgumentException when {@code claim} holds the area of another job, or for
     *     another run than {@code journal}'s
     */
    public LoadReport execute(LoadPlan initial, Optional<JobJournal> journal, Supplier<LoadPlan> planAfterWait, TempAreaClaim claim) {
        requireNonNull(initial, "initial is null");
        requireNonNull(journal, "journal is null");
        requireNonNull(planAfterWait, "planAfterWait is null");
        requireNonNull(claim, "claim is null");
        eachFileOnce(initial);
        validate(initial, false);
        // before this run commits a block: what the cache still holds of the earlier runs' blocks
        Optional<LoadReport.JobSummary> job = journal.map(j -> j.starting(initial));
        long start = clock.millis();
        Optional<AdaptiveController> controller = adaptive() ? Optional.of(AdaptiveController.fromSettings(settings, Ticker.system())) : Optional.empty();
        // The time the window kept the load waiting is no drop in the store's throughput.
        Optional<WindowGate> gate = options.window().map(w -> new WindowGate(w, clock, sleeper, listener,
                () -> controller.ifPresent(AdaptiveController::restartWindow)));
        boolean waited = gate.isPresent() && !gate.get().isOpenNow();
        LoadPlan plan = waited ? gate.get().planWhenOpen(initial, planAfterWait, fresh -> validate(fresh, false)) : initial;
        journal.ifPresent(j -> j.loading(plan));
        List<WorkerInfo> liveWorkers = cache.clusterInfo().liveWorkers();
        Set<String> liveAtStart = liveWorkers.stream().map(WorkerInfo::id).collect(Collectors.toCollection(TreeSet::new));
        // before the first write: what the cache had removed so far, for the check after the load
        Optional<RemovalMarks> removalsAtStart = Shortfall.removalMarks(cache);
        Map<String, StagedBlock> staged = new HashMap<>();
        TempAreaRenewal renewal = options.atomic().map(atomic -> {
            Consumer<TempArea> opened = area -> {
                staged.putAll(Adopted.usable(area.blocks(), liveAtStart, plan.request().replication(), plan));
                if (!staged.isEmpty()) {
                    LOG.info("Atomic job {} adopts its temp area: {} blocks already staged", atomic.jobId(), staged.size());
                }
            };
            if (atomic.sharedArea()) {
                // a slice stages in the area its load opened: never in a new one, whose blocks that load would not commit
                return TempAreaRenewal.joinShared(cache.tempAreas(), atomic, opened);
            }
            return claim.renewalFor(cache.tempAreas(), atomic, journal, opened);
        }).orElse(null);
        WriteEvictions.Recording evictions = closingOnFailure(renewal, () -> cache.writeEvictions().start());
        try {
            if (!waited || plan != initial) {
                listener.started(plan);
            }
            Adopted adopting = Adopted.planned(plan, staged);
            if (adopting.blocks() > 0) {
                listener.adopting(adopting.blocks(), adopting.bytes());
            }
            int rangeThreads = rangeThreads();
            AtomicInteger rangeThreadNumber = new AtomicInteger();
            ExecutorService rangePool = rangeThreads == 0 ? null : Executors.newFixedThreadPool(rangeThreads, runnable -> {
                Thread thread = new Thread(runnable, "gfsload-ufs-range-" + rangeThreadNumber.getAndIncrement());
                thread.setDaemon(true);
                return thread;
            });
            Run run = new Run(plan, journal, staged, Optional.ofNullable(rangePool), gate, controller);
            int threads = readThreads();
            AtomicInteger threadNumber = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(threads, runnable -> {
                Thread thread = new Thread(runnable, "gfsload-ufs-read-" + threadNumber.getAndIncrement());
                thread.setDaemon(true);
                return thread;
            });
            run.pool = pool;
            ScheduledExecutorService masterWatch = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "gfsload-master-watch");
                thread.setDaemon(true);
                return thread;
            });
            masterWatch.scheduleWithFixedDelay(() -> {
                try {
                    run.watchMaster();
                }
                catch (RuntimeException e) {
                    LOG.warn("Watching the cache master failed", e);
                }
            }, MASTER_WATCH.toMillis(), MASTER_WATCH.toMillis(), TimeUnit.MILLISECONDS);
            run.renewal = renewal;
            if (renewal != null) {
                // SIGINT or SIGTERM from here on stops the load, and its run lets go of the area once the load no longer touches it
                renewal.loading(run::jvmStopping, sleeper);
            }
            List<PartitionReport> partitions = new ArrayList<>();
            SmallFileBatcher batcher = new SmallFileBatcher(cache, run::batchWriteOptions, run.smallFileBytes, run::batchWritten, run::batchCrashed);
            run.batcher = batcher;
            try {
                List<List<Future<FileReport>>> futures = new ArrayList<>();
                for (PartitionLoad partition : plan.partitions()) {
                    List<Future<FileReport>> files = new ArrayList<>();
                    for (FileLoad file : partition.files()) {
                        if (run.batchable(file)) {
                            files.add(run.loadSmallFile(file, pool, batcher));
                            continue;
                        }
                        files.add(pool.submit(() -> {
                            FileReport report = run.loadFile(file);
                            listener.fileFinished(report);
                            return report;
                        }));
                    }
                    futures.add(files);
                }
                for (int i = 0; i < futures.size(); i++) {
                    List<FileReport> files = new ArrayList<>();
                    for (Future<FileReport> future : futures.get(i)) {
                        files.add(future.get());
                    }
                    PartitionLoad partition = plan.partitions().get(i);
                    if (scope() == AtomicOptions.Scope.PARTITION) {
                        files = commitScope(run, List.of(partition), List.of(files), "partition " + partition.name()).get(0);
                    }
                    partitions.add(PartitionReport.of(partition, files));
                }
                // a slice of a distributed load stages its part of the job; the load commits the whole
                if (scope() == AtomicOptions.Scope.JOB && !options.atomic().orElseThrow().sharedArea()) {
                    List<List<FileReport>> committed = commitScope(run, plan.partitions(), partitions.stream().map(PartitionReport::files).toList(), "the job");
                    for (int i = 0; i < partitions.size(); i++) {
                        partitions.set(i, partitions.get(i).withFiles(committed.get(i)));
                    }
                }
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while loading", e);
            }
            catch (ExecutionException e) {
                throw new IllegalStateException("A load task failed unexpectedly: " + e.getCause(), e.getCause());
            }
            finally {
                masterWatch.shutdownNow();
                batcher.close();
                pool.shutdownNow();
                if (rangePool != null) {
                    rangePool.shutdownNow();
                }
                // a load that fails (a listener that throws, an interrupt) has not waited for every file: the run lets
                // go of the area only once nothing of it writes there any more, else another run could adopt it meanwhile
                List<ExecutorService> writing = new ArrayList<>(List.of(pool, batcher.writers()));
                Optional.ofNullable(rangePool).ifPresent(writing::add);
                if (!ended(writing, TASKS_END_WAIT) && renewal != null) {
                    LOG.warn("Some writes of the load are still under way {} after it stopped: its run keeps the temp area of atomic job {}, which "
                            + "another run of the job, from another gfsload home or host, is refused until the hold lapses",
                            Counts.of(TASKS_END_WAIT), options.atomic().orElseThrow().jobId());
                    renewal.keepHold();
                }
            }
            Optional<LoadReport.ReplicaRestore> restore = Optional.empty();
            // the master places and commits every replica: without it there is nothing to restore; a
            // slice of a job's scope has only staged, which its load commits and restores after
            boolean stagedOnly = options.atomic().map(atomic -> atomic.sharedArea() && atomic.scope() == AtomicOptions.Scope.JOB).orElse(false);
            // a load the JVM's stopping stopped writes nothing more: the hook waits only a few seconds for it to end
            if (run.masterLost.get() == null && !stagedOnly && !run.jvmStopping.get()) {
                try {
                    ReplicaRestorer restorer = new ReplicaRestorer(cache, plan.request().replication(), listener, run::rewrite, run::placement);
                    Set<String> lost = run.lostWorkers(liveAtStart);
                    // the load may have evicted its own blocks, another client may have freed or evicted them, a
                    // worker a write could not reach may be back without what it held; when the cache removed
                    // nothing since the start, only the blocks the plan found cached are asked about
                    boolean noneRemoved = lost.isEmpty() && run.unreachable.isEmpty() && Shortfall.noneRemoved(cache, removalsAtStart);
                    if (noneRemoved) {
                        LOG.debug("No block was removed from the cache during the load: the blocks it wrote are not asked about");
                    }
                    // what the writes from here on evict: blocks the check of the restore finds held, or writes again
                    try (WriteEvictions.Recording afterCheck = cache.writeEvictions().start()) {
                        restore = restorer.restore(plan, partitions, lost, noneRemoved);
                        if (restore.isPresent()) {
                            Set<String> lostByTheEnd;
                            if (restore.get().blocks() > 0) {
                                // what that round's writes evicted in turn, or what is lost since: not cached as asked
                                Shortfall.Causes causes = run.causes(plan, liveAtStart, afterCheck.evicted());
                                restorer.failShortfall(plan, partitions, causes);
                                lostByTheEnd = causes.lost();
                            }
                            else {
                                lostByTheEnd = run.lostWorkers(liveAtStart);
                            }
                            // those lost while the replicas were written again among them
                            restore = Optional.of(restore.get().withLostWorkers(lostByTheEnd));
                        }
                    }
                }
                catch (MasterUnavailableException e) {
                    if (run.unreachable.isEmpty()) {
                        // every write reached its workers and every block is committed: the load is done
                        LOG.warn("Cannot ask the master which workers were lost during the load: {}", e.getMessage());
                    }
                    else {
                        // replicas on the workers that writes could not reach are not restored
                        run.masterLost(e);
                    }
                }
            }
            long end = clock.millis();
            long duration = Math.max(0, end - start);
            Optional<LoadReport.Window> window = run.window.map(w -> w.summary(java.time.Instant.ofEpochMilli(end)));
            long loading = Math.max(0, duration - window.map(LoadReport.Window::closedMillis).orElse(0L));
            LOG.debug("Loaded {} bytes in {} ms", run.ufsBytesRead.get(), duration);
            LoadTotals totals = LoadTotals.of(partitions);
            if (renewal != null) {
                // the hold stays until the area is deleted or kept for a re-run below: another run of the job adopts it only then
                renewal.stopRenewing();
            }
            Optional<LoadReport.Staged> left = Optional.empty();
            if (options.atomic().isPresent() && !options.atomic().get().sharedArea() && totals.blocksFailed() > 0) {
                left = stagedLeft(cache, options.atomic().get().jobId(), () -> stagedByRun(plan, partitions, run.writtenBlocks, staged, run.unstagedFiles,
                        renewal.expiresAt()));
            }
            options.atomic().filter(atomic -> !atomic.sharedArea()).ifPresent(atomic -> {
                if (totals.blocksFailed() == 0 && stillHeld(renewal)) {
                    try {
                        renewal.deleteArea();
                    }
                    catch (MasterUnavailableException e) {
                        // every block is committed: the empty area expires on its own
                        LOG.warn("Cannot delete the temp area of atomic job {}, which expires in {}: {}", atomic.jobId(), atomic.expireTime(), e.getMessage());
                    }
                    catch (TempAreaInUseException e) {
                        // another run adopted the area since the renewal just before: it is that run's to delete, and this run lost it
                    }
                }
                else if (run.areaLost() == null) {
                    LOG.warn("Atomic job {} keeps its temp area for a re-run until it expires in {}", atomic.jobId(), atomic.expireTime());
                }
            });
            if (renewal != null) {
                renewal.close();
            }
            // an area found gone or another run's only as the load deletes it, every scope committed, costs the load nothing; a slice of a
            // job's scope committed nothing, and its load must hear why it cannot
            String areaLost = totals.blocksFailed() > 0 || stagedOnly ? run.areaLost() : null;
            // what an earlier run staged and this one committed: loaded, but neither read nor written now
            Adopted adopted = Adopted.of(plan, staged, partitions);
            LoadReport report = new LoadReport(
                    plan.request().target().describe(),
                    state(run, totals, areaLost),
                    plan.request().replication(),
                    totals,
                    partitions,
                    duration,
                    rate(run.bytesWritten.get(), loading),
                    run.bytesWritten.get(),
                    settings.values(),
                    run.ufsBytesRead.get(),
                    job.map(started -> run.journal.withWarning(started.withAdopted(adopted.blocks(), adopted.bytes()))).orElse(null),
                    restore.orElse(null),
                    window.orElse(null),
                    left.orElse(null),
                    false,
                    Optional.ofNullable(areaLost)
                            .or(() -> Optional.ofNullable(run.masterLost.get()).map(Failures::masterStopped))
                            .orElse(run.abortedAfter.get() >= 0 ? options.failedFilesReason(run.abortedAfter.get(), run.totalFiles) : null),
                    evictedOthers(plan, evictions.evicted()),
                    plan.droppedPartitions(),
                    run.rewrittenBeforeCommit());
            listener.finished(report);
            return report;
        }
        finally {
            evictions.close();
            if (renewal != null) {
                renewal.close();
            }
        }
    }

    /**
     * Whether every one of {@code pools}, shut down, has ended its tasks within {@code limit}, waited
     * for whatever the calling thread's interrupt: tasks told to stop end soon, unless a call they
     * are in does not heed interrupts.
     */
    static boolean ended(List<ExecutorService> pools, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        for (ExecutorService pool : pools) {
            if (!Uninterruptibles.awaitTerminationUninterruptibly(pool, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the job's temp area is still there and this run's, as a renewal now finds it: what a
     * load asks before it deletes the area, so that it never deletes one that expired and was
     * opened again, or that another run of the job adopted since its last renewal. A master that
     * does not answer leaves the area as the last renewal found it.
     */
    static boolean stillHeld(TempAreaRenewal renewal) {
        return renewal == null || renewal.renewNow().isEmpty();
    }

    /**
     * Of {@code evictions}, those of blocks not of {@code plan}'s files: the other data the workers
     * deleted to make room for the load. The load's own blocks evicted are counted as such elsewhere
     * (written again, or failed as not cached).
     */
    static LoadReport.Evicted evictedOthers(LoadPlan plan, List<WriteEvictions.Evicted> evictions) {
        return evictedOthers(plan, evictions, false);
    }

    /** As {@link #evictedOthers(LoadPlan, List)}; with {@code perBlock}, each of those blocks in the result's {@link LoadReport.Evicted#perBlock()}. */
    static LoadReport.Evicted evictedOthers(LoadPlan plan, List<WriteEvictions.Evicted> evictions, boolean perBlock) {
        return evictedOthers(plan, evictions.stream().map(evicted -> new LoadReport.Evicted.Block(evicted.blockId(), 1, evicted.length())), perBlock);
    }

    /**
     * Of {@code evicted}, the blocks not of {@code plan}'s files, each counted once however many of
     * {@code evicted} name it (the replicas and bytes of each summed); with {@code perBlock}, each
     * of those blocks in the result's {@link LoadReport.Evicted#perBlock()}.
     */
    static LoadReport.Evicted evictedOthers(LoadPlan plan, Stream<LoadReport.Evicted.Block> evicted, boolean perBlock) {
        Set<String> own = null;
        Map<String, long[]> others = new TreeMap<>();
        for (Iterator<LoadReport.Evicted.Block> blocks = evicted.iterator(); blocks.hasNext();) {
            LoadReport.Evicted.Block block = blocks.next();
            if (own == null) {
                // the plan's blocks, only once something was evicted
                own = plan.partitions().stream()
                        .flatMap(partition -> partition.files().stream())
                        .flatMap(file -> file.blocks().stream())
                        .map(task -> task.key().blockId())
                        .collect(Collectors.toSet());
            }
            if (!own.contains(block.blockId())) {
                long[] counts = others.computeIfAbsent(block.blockId(), id -> new long[2]);
                counts[0] += block.replicas();
                counts[1] += block.bytes();
            }
        }
        if (others.isEmpty()) {
            return LoadReport.Evicted.NONE;
        }
        long replicas = 0;
        long bytes = 0;
        List<LoadReport.Evicted.Block> each = new ArrayList<>(perBlock ? others.size() : 0);
        for (Map.Entry<String, long[]> other : others.entrySet()) {
            replicas += other.getValue()[0];
            bytes += other.getValue()[1];
            if (perBlock) {
                each.add(new LoadReport.Evicted.Block(other.getKey(), other.getValue()[0], other.getValue()[1]));
            }
        }
        return new LoadReport.Evicted(others.size(), replicas, bytes, each);
    }

    /**
     * What a run of {@code plan} would adopt rather than read: its blocks to load that an earlier
     * run of this executor's atomic job staged in the job's temp area, held by live workers with the
     * plan's replication ({@link Adopted#NONE} for a load that is not atomic, or has no temp area).
     * The area is looked at, not opened or renewed.
     */
    public Adopted adoptable(LoadPlan plan) {
        requireNonNull(plan, "plan is null");
        return Adopted.planned(plan, adoptableBlocks(plan, cache.clusterInfo()));
    }

    /**
     * Opens (or adopts) the temp area of this executor's atomic job as the run of {@code journal}
     * ({@link JobJournal#tempAreaRunId()}), before the load, and renews it from then on: a run of
     * the job from another gfsload home or host that still renews the area refuses this one, which
     * then finds out before it says what it loads, and stages nothing; once claimed, the area is
     * this run's until the claim is closed, however long the command waits before its load. The
     * load ({@link #execute(LoadPlan, Optional, Supplier, TempAreaClaim)}, or a {@link
     * DistributedLoad}'s of the same job) takes the claim over, and ends it as it ends; the caller
     * closes it too, so that a command that ends before its load (a plan made as the window opens
     * that fails, say) releases the area at once. For a load that is not atomic, or a slice of one, a claim that holds
     * nothing, with what the load would adopt as {@link #adoptable} says.
     *
     * @return the claim, with what the load of {@code plan} adopts of the area opened, as {@link #adoptable} says
     * @throws TempAreaInUseException when another run of the job still renews the area: the
     *     message says so, and when the same command can adopt it
     */
    public TempAreaClaim claimTempArea(LoadPlan plan, JobJournal journal) {
        requireNonNull(plan, "plan is null");
        requireNonNull(journal, "journal is null");
        if (options.atomic().isEmpty() || options.atomic().get().sharedArea()) {
            return TempAreaClaim.holdingNothing(adoptable(plan));
        }
        AtomicOptions atomic = options.atomic().get();
        ClusterInfo cluster = cache.clusterInfo();
        AtomicReference<TempArea> claimed = new AtomicReference<>();
        TempAreaRenewal renewal = TempAreaRenewal.open(cache.tempAreas(), atomic, Optional.of(journal.tempAreaRunId()), claimed::set);
        return closingOnFailure(renewal,
                () -> TempAreaClaim.held(atomic, journal.tempAreaRunId(), renewal, Adopted.planned(plan, adoptableBlocks(plan, Optional.of(claimed.get()), cluster))));
    }

    /**
     * {@code next.get()}, the next step of a load that opened or took over {@code renewal}; when it
     * throws, the renewal is closed first (its run's hold on the area released), as no one else
     * would close it.
     */
    static <T> T closingOnFailure(TempAreaRenewal renewal, Supplier<T> next) {
        try {
            return next.get();
        }
        catch (RuntimeException | Error e) {
            if (renewal != null) {
                renewal.close();
            }
            throw e;
        }
    }

    /**
     * Whether {@code cluster} can hold what a run of {@code plan} by this executor writes
     * ({@link PlanCapacity}): the blocks it would adopt ({@link #adoptable}) are not written again,
     * and the room they take is the workers' already.
     */
    public PlanCapacity capacity(LoadPlan plan, ClusterInfo cluster) {
        requireNonNull(plan, "plan is null");
        requireNonNull(cluster, "cluster is null");
        return PlanCapacity.of(plan, cluster, adoptableBlocks(plan, cluster));
    }

    /**
     * Checks, as a dry run of an atomic load does, whether the load could take its job's temp area
     * now: not while another run than {@code homeRunId} (the identity of the job's runs from this
     * gfsload home, {@link JobJournal#readTempAreaRunId}; empty when the job has none here) holds it.
     * The area is looked at, not opened. Does nothing for a load that is not atomic.
     *
     * @throws TempAreaInUseException as the load would be refused: another run of the job holds the area
     */
    public void checkTempAreaNotHeld(Optional<String> homeRunId) {
        if (options.atomic().isEmpty()) {
            return;
        }
        String jobId = options.atomic().get().jobId();
        Optional<TempArea.Hold> hold = cache.tempAreas().findTempAreaSummary(jobId).flatMap(TempAreaSummary::heldBy);
        if (hold.isPresent() && !homeRunId.equals(Optional.of(hold.get().runId()))) {
            Duration ago = hold.get().renewedAgo();
            // in whole seconds, as the master's refusal says it
            throw TempAreaRenewal.inUse(jobId, ago.toSeconds() > 0 ? Duration.ofSeconds(ago.toSeconds()) : ago, hold.get().aliveWindow(), null);
        }
    }

    /** The staged blocks a run of {@code plan} would adopt, by id ({@link Adopted#usable}); the area is looked at, not opened. */
    private Map<String, StagedBlock> adoptableBlocks(LoadPlan plan, ClusterInfo cluster) {
        if (options.atomic().isEmpty()) {
            return Map.of();
        }
        return adoptableBlocks(plan, cache.tempAreas().findTempArea(options.atomic().get().jobId()), cluster);
    }

    /** The staged blocks of {@code area} a run of {@code plan} would adopt, by id ({@link Adopted#usable}). */
    private static Map<String, StagedBlock> adoptableBlocks(LoadPlan plan, Optional<TempArea> area, ClusterInfo cluster) {
        if (area.isEmpty()) {
            return Map.of();
        }
        Set<String> live = cluster.liveWorkers().stream().map(WorkerInfo::id).collect(Collectors.toCollection(TreeSet::new));
        return Adopted.usable(area.get().blocks(), live, plan.request().replication(), plan);
    }

    /** The store of the file at {@code path}: its scheme and authority ({@code cosn://bucket}), as the workers' access to the UFS goes. */
    static String storeOf(String path) {
        URI uri = new Path(path).toUri();
        return uri.getScheme() + "://" + Objects.toString(uri.getAuthority(), "");
    }

    /**
     * The rate of a run that wrote {@code bytesWritten} in {@code loadingMillis}, in bytes per
     * second: without the product of the bytes and 1000, which passes a long's range past 8 PiB.
     */
    static long rate(long bytesWritten, long loadingMillis) {
        if (loadingMillis == 0) {
            return LongMath.saturatedMultiply(bytesWritten, 1000);
        }
        return LongMath.saturatedAdd(LongMath.saturatedMultiply(bytesWritten / loadingMillis, 1000), bytesWritten % loadingMillis * 1000 / loadingMillis);
    }

    /**
     * What the temp area of atomic job {@code jobId} holds after a run that did not commit all of
     * it, as the master says; empty when it holds nothing. When the master cannot be asked (it
     * stopped answering during the load), {@code known}: what the run knows is there.
     */
    static Optional<LoadReport.Staged> stagedLeft(CacheClient cache, String jobId, Supplier<Optional<LoadReport.Staged>> known) {
        try {
            return cache.tempAreas().findTempAreaSummary(jobId)
                    .filter(area -> area.blocks() > 0)
                    .map(area -> new LoadReport.Staged(area.blocks(), area.bytes(), area.expiresAt().toString(), true));
        }
        catch (MasterUnavailableException e) {
            LOG.warn("Cannot ask the master what the temp area of atomic job {} holds: {}", jobId, e.getMessage());
            return known.get();
        }
    }

    /**
     * What the job's temp area holds after a run, as the run knows it without the master: the
     * blocks of its files that were not loaded (their scope not committed) which it wrote
     * ({@code written}) or found staged by earlier runs ({@code adopted}), kept until
     * {@code expiresAt}, the expiry the master last gave the area; not those of the files whose
     * staged blocks the run removed from the area ({@code unstaged}, paths). Not confirmed by the
     * master: a block a worker lost since, or one whose write the master did not record, counts.
     */
    static Optional<LoadReport.Staged> stagedByRun(LoadPlan plan, List<PartitionReport> partitions, Map<String, Long> written,
            Map<String, StagedBlock> adopted, Set<String> unstaged, Instant expiresAt) {
        Map<String, FileReport> reports = Adopted.byPath(partitions);
        Adopted left = Adopted.sum(plan,
                file -> {
                    FileReport report = reports.get(file.file().path());
                    // a loaded file's scope was committed, an unstaged file's blocks removed: out of the temp area
                    return (report == null || report.failed()) && !unstaged.contains(file.file().path());
                },
                block -> written.containsKey(block.key().blockId()) || Adopted.isStaged(adopted, block));
        return left.blocks() == 0 ? Optional.empty() : Optional.of(new LoadReport.Staged(left.blocks(), left.bytes(), expiresAt.toString(), false));
    }

    /**
     * @throws IllegalArgumentException when {@code plan} has a file twice: the loads of its blocks
     *     would collide (the planner lists each file once, in the first partition or path that has it)
     */
    private static void eachFileOnce(LoadPlan plan) {
        Set<String> seen = new HashSet<>();
        for (PartitionLoad partition : plan.partitions()) {
            for (FileLoad file : partition.files()) {
                if (!seen.add(file.file().path())) {
                    throw new IllegalArgumentException("The plan has the file %s twice (partition %s): each file is loaded once"
                            .formatted(file.file().path(), partition.name()));
                }
            }
        }
    }

    /**
     * Checks after a load that every block of every file {@code report} counts as cached is
     * present on live workers with the plan's replication: each worker the master names for a
     * block is asked whether it holds the block with the recorded length and CRC32C
     * ({@link CacheClient#confirmedBlocks(java.util.Collection)}), and only the replicas it
     * confirms count. A file with a missing or under-replicated block becomes a failed file of the
     * returned report, with the reason. When the master does not answer, no file can be checked:
     * each becomes a failed file ({@code verify: not checked: the cache master at ... stopped
     * answering}), and the report is not verified and says why in its stop reason.
     */
    public LoadReport verify(LoadPlan plan, LoadReport report) {
        requireNonNull(plan, "plan is null");
        requireNonNull(report, "report is null");
        int replication = plan.request().replication();
        List<FileIdentity> toVerify = new ArrayList<>();
        for (int p = 0; p < plan.partitions().size(); p++) {
            PartitionLoad partition = plan.partitions().get(p);
            for (int f = 0; f < partition.files().size(); f++) {
                FileLoad file = partition.files().get(f);
                if (!report.partitions().get(p).files().get(f).failed() && !file.blocks().isEmpty()) {
                    toVerify.add(file.file());
                }
            }
        }
        Map<FileIdentity, List<CachedBlock>> confirmed = Map.of();
        String unchecked = null;
        try {
            confirmed = toVerify.isEmpty() ? Map.of() : cache.confirmedBlocks(toVerify);
        }
        catch (MasterUnavailableException e) {
            // no file can be checked: none counts as cached
            unchecked = Failures.masterStopped(e.masterTarget());
        }
        List<PartitionReport> partitions = new ArrayList<>();
        for (int p = 0; p < plan.partitions().size(); p++) {
            PartitionLoad partition = plan.partitions().get(p);
            // a file that fails the check counts as not cached, also the blocks it had before the load: the totals are the files' sums
            List<FileReport> files = new ArrayList<>();
            for (int f = 0; f < partition.files().size(); f++) {
                FileLoad file = partition.files().get(f);
                FileReport loaded = report.partitions().get(p).files().get(f);
                FileReport checked;
                if (loaded.failed() || file.blocks().isEmpty()) {
                    checked = loaded;
                }
                else if (unchecked != null) {
                    checked = failedCheck(loaded, "verify: not checked: " + unchecked);
                }
                else {
                    checked = verify(file, loaded, confirmed.getOrDefault(file.file(), List.of()), replication);
                }
                files.add(checked);
            }
            partitions.add(report.partitions().get(p).withFiles(files));
        }
        LoadTotals totals = LoadTotals.of(partitions);
        LoadState state = report.state() == LoadState.FAILED ? LoadState.FAILED : state(totals);
        return new LoadReport(report.target(), state, report.replication(), totals, partitions, report.durationMillis(), report.bytesPerSecond(),
                report.bytesWritten(), report.settings(), report.ufsBytesRead(), report.job(), report.restore(), report.window(), report.staged(), unchecked == null,
                report.stopReason() != null ? report.stopReason() : unchecked, report.evicted(), report.droppedPartitions(), report.rewrittenBeforeCommit());
    }

    /** Checks {@code file}'s blocks against {@code confirmed}, its blocks with the workers that confirmed them. */
    private FileReport verify(FileLoad file, FileReport loaded, List<CachedBlock> confirmed, int replication) {
        Map<Integer, CachedBlock> cached = new HashMap<>();
        for (CachedBlock block : confirmed) {
            cached.put(block.index(), block);
        }
        for (BlockTask block : file.blocks()) {
            CachedBlock found = cached.get(block.index());
            String problem = null;
            if (found == null || found.length() != block.length() || found.replicas() == 0) {
                problem = "verify: block %d is not cached".formatted(block.index());
            }
            else if (found.replicas() < replication) {
                problem = "verify: block %d has %d of %d replicas".formatted(block.index(), found.replicas(), replication);
            }
            if (problem != null) {
                return failedCheck(loaded, problem);
            }
        }
        return loaded;
    }

    /** {@code loaded} as a file that failed the check of {@link #verify}: none of its blocks counts as loaded or cached, nor do their bytes. */
    private FileReport failedCheck(FileReport loaded, String problem) {
        listener.fileFailed(loaded.path(), problem);
        return loaded.failedAs(problem);
    }

    private Set<String> liveWorkerIds() {
        Set<String> live = new TreeSet<>();
        cache.clusterInfo().liveWorkers().stream().map(WorkerInfo::id).forEach(live::add);
        return live;
    }

    private Optional<AtomicOptions.Scope> scopeOf() {
        return options.atomic().map(AtomicOptions::scope);
    }

    private AtomicOptions.Scope scope() {
        return scopeOf().orElse(null);
    }

    /**
     * Commits the blocks the {@code files} of {@code partitions} staged, all at once, when none of
     * them failed; otherwise nothing, and every file that staged blocks is reported as not
     * committed. Returns the files' reports after the commit.
     */
    private List<List<FileReport>> commitScope(Run run, List<PartitionLoad> partitions, List<List<FileReport>> files, String scope) {
        boolean failed = files.stream().flatMap(List::stream).anyMatch(FileReport::failed);
        Map<FileLoad, List<BlockTask>> toCommit = new LinkedHashMap<>();
        List<BlockKey> blocks = new ArrayList<>();
        for (PartitionLoad partition : partitions) {
            for (FileLoad file : partition.files()) {
                List<BlockTask> written = file.blocks().stream().filter(b -> !b.cached()).toList();
                if (!written.isEmpty()) {
                    toCommit.put(file, written);
                    written.stream().map(BlockTask::key).forEach(blocks::add);
                }
            }
        }
        String reason = null;
        Optional<PartitionLoad> unlisted = partitions.stream().filter(partition -> !partition.complete()).findFirst();
        if (run.notToCommit() != null) {
            reason = "not committed: " + run.notToCommit();
        }
        else if (failed) {
            reason = "not committed: %s has failed files".formatted(scope);
        }
        else if (unlisted.isPresent()) {
            // all of the scope or nothing: a partition of it whose files (or some of them) are unknown is not loaded
            reason = unlisted.get().listed()
                    ? "not committed: %s has a directory that could not be listed (%s)".formatted(scope, unlisted.get().unlistedDirectories().get(0).path())
                    : "not committed: %s has a partition that could not be listed (%s)".formatted(scope, unlisted.get().name());
        }
        else if (!blocks.isEmpty()) {
            try {
                // retried while the master is silent, as a file's writes: a commit whose answer was lost finds its blocks committed;
                // blocks with their replicas only on workers lost since they were staged are written again first
                run.commitScope(toCommit, scope, new AtomicInteger());
                run.journal.committed(blocks.stream().map(BlockKey::blockId).toList());
            }
            catch (MasterUnavailableException e) {
                run.masterLost(e);
                reason = "not committed: " + Failures.masterStopped(e.masterTarget());
            }
            catch (CacheException e) {
                String gone = run.areaGone(e);
                reason = gone != null ? "not committed: " + gone : "not committed: the commit of %s failed: %s".formatted(scope, e.getMessage());
            }
        }
        if (reason == null) {
            return files;
        }
        List<List<FileReport>> result = new ArrayList<>();
        for (List<FileReport> partition : files) {
            List<FileReport> reports = new ArrayList<>();
            for (FileReport file : partition) {
                reports.add(file.failed() || file.blocksLoaded() == 0 ? file : uncommitted(file, reason));
            }
            result.add(reports);
        }
        return result;
    }

    private FileReport uncommitted(FileReport file, String reason) {
        listener.fileFailed(file.path(), reason);
        return notCommitted(file, reason);
    }

    /** {@code file}, whose blocks were staged and not committed for {@code reason}: none of them loaded. */
    static FileReport notCommitted(FileReport file, String reason) {
        return new FileReport(file.path(), file.length(), file.blocks(), 0, file.blocksAlreadyCached(), file.blocks() - file.blocksAlreadyCached(),
                0, file.bytesAlreadyCached(), file.retries(), reason);
    }

    /**
     * The state of a load that ended with {@code totals}: failed when the failed files passed the
     * threshold; never succeeded when the master stopped answering (the replicas of lost workers
     * were then not restored); failed when {@code areaLost} says why the atomic job's temp area,
     * with scopes still to commit in it, is gone or another run's.
     */
    private static LoadState state(Run run, LoadTotals totals, String areaLost) {
        if (areaLost != null) {
            // what it staged is gone: none of the job's uncommitted scopes can be committed
            return LoadState.FAILED;
        }
        if (run.masterLost.get() != null) {
            LoadState state = state(totals);
            return state == LoadState.SUCCEEDED ? LoadState.PARTIAL : state;
        }
        return run.abortedAfter.get() >= 0 ? LoadState.FAILED : state(totals);
    }

    /** SUCCEEDED with no failed block and every partition listed, FAILED with nothing cached, PARTIAL between. */
    static LoadState state(LoadTotals totals) {
        if (!totals.anyFailed()) {
            return LoadState.SUCCEEDED;
        }
        return totals.blocksLoaded() + totals.blocksAlreadyCached() > 0 ? LoadState.PARTIAL : LoadState.FAILED;
    }

    /** The state of one execution, shared by its threads. */
    private final class Run {
        private final int replication;
        private final long totalFiles;
        private final int readBuffer;
        private final Optional<ReadBandwidth> bandwidth;
        /** Holds reads back outside the load window; empty without one. */
        private final Optional<WindowGate> window;
        private final BufferPool buffers;
        private final int streamsPerFile;
        /** Runs the ranged reads of large files; empty when each file is read with one stream. */
        private final Optional<ExecutorService> rangePool;
        /** Bytes of small files read and not yet written, at most: the batcher's share of the in-flight bytes. */
        private final int smallFileBytes;
        private final AtomicLong failedFiles = new AtomicLong();
        /** Failed files when the job stopped for passing the threshold; -1 while it goes on. */
        private final AtomicLong abortedAfter = new AtomicLong(-1);
        /** {@code host:port} of the cache master once a file failed because it stopped answering; null while it answers. */
        private final AtomicReference<String> masterLost = new AtomicReference<>();
        /** Set once the JVM stops (SIGINT, SIGTERM) during the load: no file, retry or commit starts after it. */
        private final AtomicBoolean jvmStopping = new AtomicBoolean();
        /** The journal's records of what the run committed, uncached and read, which a journal failing to be written does not fail. */
        private final JournalWrites journal;
        private final AtomicLong ufsBytesRead = new AtomicLong();
        /** Bytes of the blocks this run wrote to the cache, each once: committed or staged, not adopted. */
        private final AtomicLong bytesWritten = new AtomicLong();
        /**
         * The stores ({@link #storeOf}) an auto load ({@link DataPath#AUTO}) learnt no worker reads:
         * the rest of their files is pushed, those of other stores still pulled.
         */
        private final Set<String> pushedStores = ConcurrentHashMap.newKeySet();
        /**
         * The blocks this run wrote, by id, with their lengths: in an atomic load, staged in the
         * job's temp area (and committed with their scope, or not); what the report says it staged
         * when the master cannot be asked.
         */
        private final Map<String, Long> writtenBlocks = new ConcurrentHashMap<>();
        /** The paths of the files whose staged blocks this run removed from the job's temp area ({@link #unstageIfChanged}). */
        private final Set<String> unstagedFiles = ConcurrentHashMap.newKeySet();
        /**
         * The workers this run last wrote each block to, by id, as its write's answer named them:
         * where the check after the load looks for a block's replicas lost with a worker. The
         * lists are shared: one per set of workers ({@link #placements}).
         */
        private final Map<String, List<String>> placed = new ConcurrentHashMap<>();
        /**
         * The blocks written again before their scope's commit ({@link #writeAgainBeforeCommit}),
         * each time one is, and their bytes; the scope commits refused for them; the lost workers
         * they had their replicas on.
         */
        private final AtomicLong rewrittenBeforeCommit = new AtomicLong();
        private final AtomicLong bytesRewrittenBeforeCommit = new AtomicLong();
        private final AtomicLong commitsRefused = new AtomicLong();
        private final Set<String> lostBeforeCommit = ConcurrentHashMap.newKeySet();
        /** Each set of workers the run placed blocks on, once. */
        private final Map<List<String>, List<String>> placements = new ConcurrentHashMap<>();
        private final Optional<AdaptiveController> controller;
        /** UFS reads under way; guarded by this. */
        private int activeReads;
        /** The controller's target the last read saw, for the log; guarded by this. */
        private int lastTarget;

        private final Map<String, StagedBlock> staged;
        /** Workers a write of this job could not reach: no more replicas go to them. */
        /** Workers a write could not reach, to when (System.nanoTime) it last failed to. */
        private final Map<String, Long> unreachable = new ConcurrentHashMap<>();
        /** File systems by scheme and authority. */
        private final Map<String, FileSystem> fileSystems = new ConcurrentHashMap<>();
        /** Whether {@code file:} paths are Hadoop's raw local file system here (not a configured other one); known after the first small local file. */
        private volatile Boolean localIsRaw;
        /** The results of small files whose blocks are with a batcher, by block. */
        private final Map<BlockTask, CompletableFuture<FileReport>> pendingFiles = new ConcurrentHashMap<>();
        /** The read pool, where failed small files are retried; set once the pool exists. */
        private volatile ExecutorService pool;
        /** The batcher of small files, where those the workers could not pull go to be pushed; set once it exists. */
        private volatile SmallFileBatcher batcher;
        /** Keeps the atomic job's temp area alive, and says when it is gone; null for a plain load. */
        private volatile TempAreaRenewal renewal;
        /**
         * When (the executor's clock, in milliseconds) the blocks written again after the load stop
         * waiting for room: {@link #ROOM_WAIT} from the first file written again since the last one
         * written in full, for all of them; 0 before the first and after each file written in full.
         */
        private volatile long rewriteRoomDeadline;

        Run(LoadPlan plan, Optional<JobJournal> journal, Map<String, StagedBlock> staged, Optional<ExecutorService> rangePool, Optional<WindowGate> window,
                Optional<AdaptiveController> controller) {
            this.rangePool = rangePool;
            this.journal = new JournalWrites(journal);
            this.staged = staged;
            this.controller = controller;
            this.replication = plan.request().replication();
            this.totalFiles = plan.stats().files();
            this.readBuffer = Math.toIntExact(settings.value(Settings.READ_BUFFER_BYTES));
            this.bandwidth = options.bandwidthBytesPerSecond().isPresent()
                    ? Optional.of(new ReadBandwidth(options.bandwidthBytesPerSecond().getAsLong()))
                    : Optional.empty();
            this.window = window;
            // The in-flight bytes are shared: the batcher of small files gets half (at most its
            // own bound, and room for one read buffer left) when the plan has small files, the
            // read buffers the rest; when it has only small files, the batcher gets all but one
            // read buffer (for a file retried block by block), so that its batches are large.
            // Below one read buffer and one small block, those are the least.
            boolean smallFiles = plan.partitions().stream().flatMap(partition -> partition.files().stream()).anyMatch(this::batchable);
            boolean onlySmallFiles = smallFiles && plan.partitions().stream().flatMap(partition -> partition.files().stream())
                    .allMatch(file -> batchable(file) || file.blocks().stream().allMatch(BlockTask::cached));
            Optional<Long> inFlight = settings.find(Settings.IN_FLIGHT_BYTES).map(Setting::value);
            long smallShare = inFlight.map(bytes -> onlySmallFiles ? bytes - readBuffer : Math.min(bytes / 2, bytes - readBuffer))
                    .orElse((long) SmallFileBatcher.MAX_QUEUED_BYTES);
            this.smallFileBytes = (int) Math.max(SmallFileBatcher.MAX_BLOCK_BYTES, Math.min(SmallFileBatcher.MAX_QUEUED_BYTES, smallShare));
            long bufferCount = inFlight.map(bytes -> (bytes - (smallFiles ? smallFileBytes : 0)) / readBuffer).orElse((long) readThreads());
            this.buffers = new BufferPool(Math.toIntExact(Math.max(1, Math.min(Integer.MAX_VALUE, bufferCount))), readBuffer,
                    Math.min(readBuffer, LOCAL_COPY_BYTES), this::checkMasterAnswers);
            this.streamsPerFile = streamsPerFile();
        }

        FileReport loadFile(FileLoad file) {
            return loadFile(file, 0);
        }

        /**
         * Loads {@code file} block by block with retries; {@code priorAttempts} transient failures
         * already happened (on the small-file path) and count as retries and against the attempts.
         */
        FileReport loadFile(FileLoad file, int priorAttempts) {
            String path = file.file().path();
            int cached = (int) file.blocks().stream().filter(BlockTask::cached).count();
            List<BlockTask> toLoad = file.blocks().stream().filter(b -> !b.cached()).toList();
            if (toLoad.isEmpty()) {
                return new FileReport(path, file.file().length(), file.blocks().size(), 0, cached, 0, 0, file.cachedBytes(), 0, null);
            }
            if (stopped()) {
                String reason = masterLost.get() != null
                        ? "not attempted: " + Failures.masterStopped(masterLost.get())
                        : abortedAfter.get() >= 0
                                ? "not attempted: the job failed after %d of %d files failed".formatted(abortedAfter.get(), totalFiles)
                                : "not attempted: " + (areaLost() != null ? areaLost() : Failures.JVM_STOPPING);
                listener.fileFailed(path, reason);
                return new FileReport(path, file.file().length(), file.blocks().size(), 0, cached, toLoad.size(), 0, file.cachedBytes(), 0, reason);
            }
            AtomicInteger next = new AtomicInteger();
            Set<BlockTask> ahead = ConcurrentHashMap.newKeySet();
            AtomicLong bytesLoaded = new AtomicLong();
            AtomicInteger retries = new AtomicInteger(priorAttempts);
            AtomicBoolean uncached = new AtomicBoolean();
            try {
                Failsafe.with(masterPolicy(path, retries), roomPolicy(path, retries), retryPolicy(path, retries, Math.max(1, options.maxAttempts() - priorAttempts)))
                        .run(() -> loadBlocks(file, toLoad, next, ahead, bytesLoaded, uncached));
                FileReport loaded = new FileReport(path, file.file().length(), file.blocks().size(), toLoad.size(), cached, 0, bytesLoaded.get(),
                        file.cachedBytes(), retries.get(), null);
                if (scope() == AtomicOptions.Scope.FILE) {
                    String notToCommit = notToCommit();
                    if (notToCommit != null) {
                        // another run's area now, gone, or the JVM stopping: what this run staged is not to be committed
                        return failed(file, cached, 0, bytesLoaded.get(), retries.get(), "not committed: " + notToCommit);
                    }
                    try {
                        // as the file's writes, retried while the master is silent; its blocks on workers lost since written again first
                        commitScope(Map.of(file, toLoad), path, retries);
                        journal.committed(toLoad.stream().map(b -> b.key().blockId()).toList());
                    }
                    catch (MasterUnavailableException e) {
                        return failed(file, cached, 0, bytesLoaded.get(), retries.get(), "not committed: " + Failures.masterStopped(e.masterTarget()), e);
                    }
                    catch (CacheException e) {
                        String gone = areaGone(e);
                        return failed(file, cached, 0, bytesLoaded.get(), retries.get(),
                                gone != null ? "not committed: " + gone : "not committed: the commit of the file failed: " + e.getMessage(), e);
                    }
                }
                return loaded;
            }
            catch (FailsafeException e) {
                return failedLoad(file, toLoad, e.getCause() == null ? e : e.getCause(), e, cached, next.get() + ahead.size(), bytesLoaded, retries, uncached);
            }
            catch (UncheckedIOException e) {
                return failedLoad(file, toLoad, e.getCause(), e, cached, next.get() + ahead.size(), bytesLoaded, retries, uncached);
            }
            catch (RuntimeException e) {
                return failed(file, cached, next.get() + ahead.size(), bytesLoaded.get(), retries.get(), Failures.describe(e), e);
            }
        }

        /**
         * The report of {@code file}, whose load failed for {@code failure} ({@code thrown} wraps
         * it): a file that changed or is gone leaves the job's temp area ({@link #unstageIfChanged})
         * and the cache ({@link #uncacheIfChanged}) first. {@code loaded} of {@code toLoad} were
         * loaded before it failed.
         */
        private FileReport failedLoad(FileLoad file, List<BlockTask> toLoad, Throwable failure, Throwable thrown, int cached, int loaded,
                AtomicLong bytesLoaded, AtomicInteger retries, AtomicBoolean uncached) {
            unstageIfChanged(file, toLoad, failure);
            Throwable reported = uncacheIfChanged(file, toLoad, failure, uncached);
            String error = Failures.describe(reported);
            // changed or gone and uncached: none of its blocks is cached under the planned identity any more
            FileReport report = uncached.get() ? failed(file, 0, 0, 0, retries.get(), error, thrown)
                    : failed(file, cached, loaded, bytesLoaded.get(), retries.get(), error, thrown);
            return Failures.changedOrGoneAndUncached(reported) ? report.withPlannedVersionUncached() : report;
        }

        /** Retries transient failures with backoff and jitter, counting them in {@code retries}. */
        private RetryPolicy<Object> retryPolicy(String path, AtomicInteger retries) {
            return retryPolicy(path, retries, options.maxAttempts());
        }

        /**
         * {@link #retryPolicy(String, AtomicInteger)} with at most {@code maxAttempts} attempts. A
         * placement without room for now is left to {@link #roomPolicy}, which waits longer.
         */
        private RetryPolicy<Object> retryPolicy(String path, AtomicInteger retries, int maxAttempts) {
            long initialMillis = Math.max(1, options.initialBackoff().toMillis());
            // the policy wants the longest delay above the first: a fixed backoff (initial = max) too
            long maxMillis = Math.max(initialMillis + 1, options.maxBackoff().toMillis());
            return RetryPolicy.builder()
                    .handleIf(failure -> Failures.isTransient(failure) && !(failure instanceof NoRoomException) && Failures.masterUnavailable(failure).isEmpty())
                    // the master given up: no attempt of a file can end otherwise; the JVM stopping: none is to start
                    .abortIf((result, failure) -> masterLost.get() != null || jvmStopping.get())
                    .withMaxAttempts(maxAttempts)
                    .withBackoff(initialMillis, maxMillis, java.time.temporal.ChronoUnit.MILLIS)
                    .withJitter(0.5)
                    .onRetry(event -> {
                        retries.incrementAndGet();
                        if (Failures.isThrottling(event.getLastException())) {
                            controller.ifPresent(AdaptiveController::throttled);
                        }
                        String reason = Failures.describe(event.getLastException());
                        LOG.info("Retrying {} (attempt {}) after a transient failure: {}", path, event.getAttemptCount() + 1, reason);
                        listener.retrying(path, event.getAttemptCount() + 1, reason);
                    })
                    .build();
        }

        /**
         * Retries a file whose attempt found the master silent (not reached, or its call's deadline
         * passed) until the master answers again or its silence passes the client's limit
         * ({@link MasterSilence#exceeded}, twice a master call's deadline), which then stops the
         * job: a master restarted in a few seconds lets the load go on, however few retries a file
         * otherwise gets. Each wait counts as a retry. Without a silence the client can tell (one
         * that does not track it), as many attempts as other transient failures get.
         */
        private RetryPolicy<Object> masterPolicy(String path, AtomicInteger retries) {
            RetryPolicyBuilder<Object> builder = MasterRetries.whileSilent(cache, options.maxAttempts(), () -> masterLost.get() != null || jvmStopping.get(),
                    this::masterLost);
            return waiting(builder, MASTER_WAIT_MAX_DELAY, path, retries, "Retrying {} (attempt {}) while the cache master does not answer: {}");
        }

        /**
         * Waits for room on the workers, up to {@link #ROOM_WAIT}: a placement finds too few workers
         * with room while their tiers are full of blocks being written or staged, which become
         * evictable as they are committed. Each wait counts as a retry.
         */
        private RetryPolicy<Object> roomPolicy(String path, AtomicInteger retries) {
            return roomPolicy(path, retries, ROOM_WAIT);
        }

        /** {@link #roomPolicy(String, AtomicInteger)} waiting {@code maxWait} at most: not at all when it is shorter than the first delay. */
        private RetryPolicy<Object> roomPolicy(String path, AtomicInteger retries, java.time.Duration maxWait) {
            RetryPolicyBuilder<Object> builder = RetryPolicy.builder().handle(NoRoomException.class).abortIf((result, failure) -> jvmStopping.get());
            if (maxWait.toMillis() <= firstWaitMillis(ROOM_WAIT_MAX_DELAY)) {
                builder.withMaxAttempts(1);
            }
            else {
                builder.withMaxAttempts(-1).withMaxDuration(maxWait);
            }
            return waiting(builder, ROOM_WAIT_MAX_DELAY, path, retries, "Waiting for room on the workers for {} (attempt {}): {}");
        }

        /**
         * Finishes a policy that waits for the cluster: jittered backoff from {@link #firstWaitMillis}
         * up to {@code maxDelay}; each wait counts as a retry of {@code path}, is logged with
         * {@code logFormat} (path, attempt, reason) and told to the listener.
         */
        private RetryPolicy<Object> waiting(RetryPolicyBuilder<Object> builder, java.time.Duration maxDelay, String path, AtomicInteger retries, String logFormat) {
            return builder
                    .withBackoff(firstWaitMillis(maxDelay), maxDelay.toMillis(), java.time.temporal.ChronoUnit.MILLIS)
                    .withJitter(0.5)
                    .onRetry(event -> {
                        retries.incrementAndGet();
                        String reason = Failures.describe(event.getLastException());
                        LOG.info(logFormat, path, event.getAttemptCount() + 1, reason);
                        listener.retrying(path, event.getAttemptCount() + 1, reason);
                    })
                    .build();
        }

        /** The first wait of a policy waiting at most {@code maxDelay} between tries: the job's first backoff, below {@code maxDelay}. */
        private long firstWaitMillis(java.time.Duration maxDelay) {
            return Math.min(Math.max(1, options.initialBackoff().toMillis()), maxDelay.toMillis() - 1);
        }

        /**
         * Reports {@code file} failed with {@code error}; when {@code failure} says the master
         * stopped answering (after the file's retries), the job stops: no other file is started.
         */
        private FileReport failed(FileLoad file, int cached, int loaded, long bytesLoaded, int retries, String error, Throwable failure) {
            Failures.masterUnavailable(failure).ifPresent(this::masterLost);
            areaGone(failure);
            return failed(file, cached, loaded, bytesLoaded, retries, error);
        }

        /** Remembers that the master stopped answering: files not started yet are not attempted. */
        void masterLost(MasterUnavailableException e) {
            if (masterLost.compareAndSet(null, e.masterTarget())) {
                LOG.warn("The cache master at {} stopped answering: stopping the job ({})", e.masterTarget(), e.getMessage());
            }
        }

        /**
         * Stops the job as for a master that stopped answering once the client has had no answer
         * from the master for its silence's limit, however many calls and files wait on it; reads
         * that wait for a buffer, and attempts that start after a backoff, then end at once.
         *
         * @throws MasterUnavailableException when the job stopped so
         */
        void checkMasterAnswers() {
            if (masterLost.get() == null) {
                cache.masterSilence().filter(MasterSilence::exceeded).ifPresent(silence -> masterLost(silence.failure()));
            }
            String lost = masterLost.get();
            if (lost != null) {
                throw new MasterUnavailableException(lost, Failures.masterStopped(lost), null);
            }
        }

        /**
         * Watches the master's silence while the load runs: stops the job once it passes its limit
         * ({@link #checkMasterAnswers}), and tells the listener while the load waits for the master.
         */
        void watchMaster() {
            if (masterLost.get() != null) {
                return;
            }
            Optional<MasterSilence> silence = cache.masterSilence();
            if (silence.isEmpty()) {
                return;
            }
            if (silence.get().exceeded()) {
                masterLost(silence.get().failure());
            }
            else {
                listener.waitingForMaster(silence.get());
            }
        }

        /**
         * Whether the job stopped: the master stopped answering, the failed files passed the
         * threshold, the temp area is gone (or another run's), or the JVM is stopping.
         */
        boolean stopped() {
            return masterLost.get() != null || abortedAfter.get() >= 0 || areaLost() != null || jvmStopping.get();
        }

        /**
         * Stops the load as the JVM stops (SIGINT, SIGTERM; {@link TempAreaRenewal#jvmStopping}):
         * files not started are not attempted, retries and waits end, and no scope is committed
         * from now on, so that the load ends soon and lets go of its temp area once it no longer
         * touches it. A commit under way finishes.
         */
        void jvmStopping() {
            if (jvmStopping.compareAndSet(false, true)) {
                LOG.warn("Stopping the load as the JVM stops: {}", Failures.JVM_STOPPING);
            }
        }

        /**
         * Why what this run staged is not to be committed now: the temp area is gone or another
         * run's ({@link #areaLost()}), or the JVM is stopping (what is staged stays for the same
         * command to adopt); null when it may be.
         */
        String notToCommit() {
            String lost = areaLost();
            return lost != null ? lost : jvmStopping.get() ? Failures.JVM_STOPPING : null;
        }

        /**
         * When {@code failure} (a write's or a commit's) says that the job's temp area is gone, has
         * the renewal confirm it now, so that the job stops at once rather than at the next
         * renewal; returns {@link #areaLost()} after that.
         */
        String areaGone(Throwable failure) {
            TempAreaRenewal current = renewal;
            if (current != null && areaLost() == null && Failures.isTempAreaNotFound(failure)) {
                current.renewNow();
            }
            return areaLost();
        }

        /** Why the atomic job's temp area is gone while the job runs (its staged blocks with it); null while it is there. */
        String areaLost() {
            TempAreaRenewal current = renewal;
            return current == null ? null : current.lost().orElse(null);
        }

        private FileReport failed(FileLoad file, int cached, int loaded, long bytesLoaded, int retries, String error) {
            String path = file.file().path();
            LOG.warn("Loading {} failed: {}", path, error);
            listener.fileFailed(path, error);
            long failed = failedFiles.incrementAndGet();
            if (options.jobFailed(failed, totalFiles) && abortedAfter.compareAndSet(-1, failed)) {
                LOG.error(options.failedFilesReason(failed, totalFiles));
            }
            int toLoad = file.blocks().size() - cached;
            // a file whose cached blocks were uncached (it changed while it was read) counts none of them
            long cachedBytes = cached == 0 ? 0 : file.cachedBytes();
            if (options.atomic().isPresent()) {
                // an atomic load commits nothing of a failed file: what it staged is not loaded
                return new FileReport(path, file.file().length(), file.blocks().size(), 0, cached, toLoad, 0, cachedBytes, retries, error);
            }
            return new FileReport(path, file.file().length(), file.blocks().size(), loaded, cached, toLoad - loaded, loaded == 0 ? 0 : bytesLoaded,
                    cachedBytes, retries, error);
        }

        /**
         * Loads {@code toLoad} from block {@code next} on, advancing {@code next} as blocks commit,
         * and checks after the last read that the file is still the planned one
         * ({@link #checkUnchangedAfterRead}); when it is not, its blocks are uncached and
         * {@code uncached} is set. {@code next} is where the blocks committed in order end: the
         * blocks after it committed already (pulled side by side, see {@link #loadPulled}) are in
         * {@code ahead}, and are not loaded again; {@code next} moves past them when it reaches them.
         */
        private void loadBlocks(FileLoad file, List<BlockTask> toLoad, AtomicInteger next, Set<BlockTask> ahead, AtomicLong bytesLoaded, AtomicBoolean uncached)
                throws IOException {
            // an attempt after a backoff, once the master was given up, fails without calling it
            checkMasterAnswers();
            awaitWindow();
            Path ufsPath = new Path(file.file().path());
            FileSystem fs = fileSystem(ufsPath);
            checkUnchanged(fs, ufsPath, file);
            if (pulls(file.file().path()) && loadPulled(toLoad, next, ahead, bytesLoaded)) {
                checkUnchangedAfterRead(fs, ufsPath, file, toLoad, uncached);
                return;
            }
            long remaining = toLoad.subList(next.get(), toLoad.size()).stream().filter(block -> !ahead.contains(block)).mapToLong(BlockTask::length).sum();
            // A local file is copied block by block through direct buffers (faster than ranged
            // reads on a local disk, which has no per-stream limit); other stores get ranged reads.
            if (rangePool.isPresent() && remaining > readBuffer && !(fs instanceof RawLocalFileSystem)) {
                loadRanged(fs, ufsPath, toLoad, next, ahead, bytesLoaded);
            }
            else {
                loadStreamed(fs, ufsPath, toLoad, next, ahead, bytesLoaded);
            }
            checkUnchangedAfterRead(fs, ufsPath, file, toLoad, uncached);
        }

        /**
         * Whether {@code block}, next of its file, was staged by an earlier run of the job: then it is
         * loaded when this run commits it, as the blocks it writes, but neither read nor written,
         * and {@code next} moves past it.
         */
        private boolean adopted(BlockTask block, AtomicInteger next, AtomicLong bytesLoaded) {
            if (!isStaged(block)) {
                return false;
            }
            bytesLoaded.addAndGet(block.length());
            next.incrementAndGet();
            listener.blockAdopted(block);
            return true;
        }

        /**
         * Whether {@code block}, next of its file, is loaded already: committed by this load after
         * blocks before it ({@code ahead}, which it leaves), or staged by an earlier run
         * ({@link #adopted}); then {@code next} moves past it.
         */
        private boolean skipped(BlockTask block, AtomicInteger next, Set<BlockTask> ahead, AtomicLong bytesLoaded) {
            if (ahead.remove(block)) {
                next.incrementAndGet();
                return true;
            }
            return adopted(block, next, bytesLoaded);
        }

        /** Counts {@code block}, next of its file, written by this run, moves {@code next} past it and says it is loaded. */
        private void written(BlockTask block, AtomicInteger next, AtomicLong bytesLoaded, BlockProgress progress) {
            written(block, bytesLoaded, progress);
            next.incrementAndGet();
        }

        /** Counts {@code block} written by this run and says it is loaded. */
        private void written(BlockTask block, AtomicLong bytesLoaded, BlockProgress progress) {
            bytesLoaded.addAndGet(block.length());
            bytesWritten.addAndGet(block.length());
            writtenBlocks.put(block.key().blockId(), block.length());
            progress.loaded();
        }

        /**
         * Whether this run has the workers read the blocks of the file at {@code path} (the pull
         * data path): asked to, and, with auto, until no worker a block of its store may go to could read one.
         */
        private boolean pulls(String path) {
            return options.dataPath() == DataPath.PULL || options.dataPath() == DataPath.AUTO && !pushedStores.contains(storeOf(path));
        }

        /**
         * Loads {@code toLoad} from block {@code next} on through the workers: a worker reads each
         * block from the UFS and the others copy it ({@link CacheClient#pullBlock}). With more than
         * one stream per file, up to {@link #streamsPerFile} blocks of the file are pulled at once
         * on the range threads ({@link #pullsAtOnce}), each on its share of the streams, so that the
         * workers read the file on as many streams as this process would; the bandwidth limit, the
         * load window and the adaptive concurrency bound each pull as they bound this process's
         * reads. A block that commits before one ahead of it joins {@code ahead} (and the journal),
         * and {@code next} moves past it once the blocks before it commit. After the first pull that
         * fails no other starts, and those under way are awaited (what they commit stays committed)
         * before the failure propagates. Returns false, the rest still to load, when an auto load
         * learns that the workers cannot read the UFS: from then on the run pushes.
         */
        private boolean loadPulled(List<BlockTask> toLoad, AtomicInteger next, Set<BlockTask> ahead, AtomicLong bytesLoaded) throws IOException {
            int atOnce = pullsAtOnce(toLoad, next.get(), ahead);
            // the file's streams shared among its pulls: a worker reads no more ranges of it at once than this process would
            int streams = Math.max(1, streamsPerFile / atOnce);
            CompletionService<BlockTask> pulls = new ExecutorCompletionService<>(atOnce > 1 ? rangePool.orElseThrow() : Runnable::run);
            Map<Future<BlockTask>, BlockTask> inFlight = new HashMap<>();
            int cursor = next.get();
            BlockTask failedBlock = null;
            Throwable failure = null;
            try {
                while (true) {
                    while (next.get() < toLoad.size() && skipped(toLoad.get(next.get()), next, ahead, bytesLoaded)) {
                        // committed or adopted: next moves on
                    }
                    for (cursor = Math.max(cursor, next.get()); failure == null && inFlight.size() < atOnce && cursor < toLoad.size(); cursor++) {
                        BlockTask block = toLoad.get(cursor);
                        if (ahead.contains(block) || isStaged(block)) {
                            continue;
                        }
                        if (inFlight.isEmpty()) {
                            awaitWindow();
                        }
                        else if (!windowOpen()) {
                            // a pull beyond the first under way starts only inside the load window
                            break;
                        }
                        int length = Math.toIntExact(block.length());
                        bandwidth.ifPresent(limiter -> limiter.acquire(Math.max(1, length)));
                        if (!windowOpen()) {
                            // the window closed while the cap held the pull back: it starts when the window opens
                            if (!inFlight.isEmpty()) {
                                break;
                            }
                            awaitWindow();
                        }
                        inFlight.put(pulls.submit(() -> {
                            admitted(length, () -> pull(block, streams));
                            return block;
                        }), block);
                    }
                    if (inFlight.isEmpty()) {
                        break;
                    }
                    Future<BlockTask> done = pulls.take();
                    BlockTask block = inFlight.remove(done);
                    try {
                        done.get();
                    }
                    catch (ExecutionException e) {
                        if (failure == null) {
                            failure = e.getCause();
                            failedBlock = block;
                        }
                        continue;
                    }
                    pulled(block, ahead, bytesLoaded);
                }
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw (InterruptedIOException) new InterruptedIOException("Interrupted while the workers pulled the blocks").initCause(e);
            }
            finally {
                // pulls are left under way only when this thread is interrupted (the load torn down)
                inFlight.keySet().forEach(pull -> pull.cancel(true));
            }
            if (failure == null) {
                return true;
            }
            if (failure instanceof UfsPullException e) {
                if (pushInstead(e, failedBlock.key().file().path())) {
                    return false;
                }
                throw pullFailure(failedBlock, e);
            }
            if (failure instanceof IOException e) {
                throw e;
            }
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (failure instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException("A pull failed: " + failure, failure);
        }

        /**
         * Whether an auto load pushes the file at {@code path}, a pull of whose block failed with
         * {@code e}: when no worker reads its store, from now on the run pushes that store's blocks;
         * when the store refused the workers that file (its permissions), that file's only.
         */
        private boolean pushInstead(UfsPullException e, String path) {
            if (options.dataPath() != DataPath.AUTO) {
                return false;
            }
            if (e.reason() == UfsPullException.Reason.DENIED) {
                LOG.warn("The workers may not read {}, so the load reads it here and pushes its blocks (--data-path auto): {}", path, e.getMessage());
                return true;
            }
            if (e.reason() != UfsPullException.Reason.UNREADABLE) {
                return false;
            }
            String store = storeOf(path);
            // once per store, whichever of the pulls under way learns it first
            if (pushedStores.add(store)) {
                LOG.warn("The workers cannot read the UFS at {}, so the load reads it here and pushes the blocks (--data-path auto): {}", store,
                        e.getMessage());
            }
            return true;
        }

        /**
         * How many blocks of a file the workers pull at once: {@link #streamsPerFile} (with the
         * range threads to run them on), at most as many as the blocks from {@code next} on still to pull.
         */
        private int pullsAtOnce(List<BlockTask> toLoad, int next, Set<BlockTask> ahead) {
            if (rangePool.isEmpty()) {
                return 1;
            }
            long toPull = toLoad.subList(next, toLoad.size()).stream().filter(block -> !ahead.contains(block) && !isStaged(block)).count();
            return (int) Math.max(1, Math.min(streamsPerFile, toPull));
        }

        /** Counts {@code block}, pulled by the workers, recorded and said loaded; the blocks before it may not be yet ({@code ahead}). */
        private void pulled(BlockTask block, Set<BlockTask> ahead, AtomicLong bytesLoaded) {
            int length = Math.toIntExact(block.length());
            counted(length);
            try (BlockProgress progress = new BlockProgress(listener, block)) {
                progress.written(length);
                recordWritten(block);
                written(block, bytesLoaded, progress);
                ahead.add(block);
            }
        }

        /**
         * Has the workers pull {@code block}, never onto a worker this job could not reach, on
         * {@code streams} streams.
         */
        private void pull(BlockTask block, int streams) {
            pull(block, streams, writeOptions(block));
        }

        /** Has the workers pull {@code block} as {@code write} says, never onto a worker this job could not reach. */
        private void pull(BlockTask block, int streams, WriteOptions write) {
            try {
                placed(cache.pullBlock(block.key(), block.offset(), block.length(), streams, excludingUnreachable(write)));
            }
            catch (WorkerUnavailableException e) {
                unreachable(e);
                throw e;
            }
        }

        /**
         * What a load fails {@code block}'s file with when the workers could not pull it: as a read
         * here would have failed (the file changed, is gone), a permanent failure when they cannot
         * read the UFS at all, and a transient one when the read failed.
         */
        private IOException pullFailure(BlockTask block, UfsPullException e) {
            return switch (e.reason()) {
                case CHANGED -> new FileChangedException(Failures.CHANGED + e.getMessage());
                case NOT_FOUND -> (IOException) new FileNotFoundException(block.key().file().path() + " not found: " + e.getMessage()).initCause(e);
                case UNREADABLE, DENIED -> new java.nio.file.AccessDeniedException(block.key().file().path(), null, e.getMessage()
                        + " (" + DataPath.PULL_NEEDS_ACCESS + ")");
                case FAILED -> new IOException(e.getMessage(), e);
            };
        }

        /** Loads {@code toLoad} from block {@code next} on through one stream of the file, advancing {@code next} as blocks commit. */
        private void loadStreamed(FileSystem fs, Path ufsPath, List<BlockTask> toLoad, AtomicInteger next, Set<BlockTask> ahead, AtomicLong bytesLoaded)
                throws IOException {
            try (FSDataInputStream in = fs.open(ufsPath)) {
                FileChannel local = localChannel(in);
                while (next.get() < toLoad.size()) {
                    BlockTask block = toLoad.get(next.get());
                    if (skipped(block, next, ahead, bytesLoaded)) {
                        continue;
                    }
                    awaitWindow();
                    try (BlockProgress progress = new BlockProgress(listener, block)) {
                        loadBlock(in, local, block, progress);
                        written(block, next, bytesLoaded, progress);
                    }
                }
            }
        }

        /**
         * The file system of {@code path}, from this run's own cache. For {@code file:} paths it
         * is Hadoop's raw local file system: the checksummed one looks for a {@code .crc} file
         * beside each file it opens, and the cache's CRC32C already covers every byte end to end.
         */
        private FileSystem fileSystem(Path path) throws IOException {
            URI uri = path.toUri();
            String key = uri.getScheme() + "://" + uri.getAuthority();
            FileSystem cached = fileSystems.get(key);
            if (cached != null) {
                return cached;
            }
            FileSystem fs = path.getFileSystem(hadoopConf);
            if (fs instanceof LocalFileSystem local) {
                fs = local.getRawFileSystem();
            }
            FileSystem previous = fileSystems.putIfAbsent(key, fs);
            return previous == null ? fs : previous;
        }

        /**
         * Opens {@code file} in the UFS.
         *
         * @throws FileChangedException when its length, modification time or etag are not the planned ones
         */
        private FSDataInputStream open(FileLoad file) throws IOException {
            Path ufsPath = new Path(file.file().path());
            FileSystem fs = fileSystem(ufsPath);
            checkUnchanged(fs, ufsPath, file);
            return fs.open(ufsPath);
        }

        /**
         * @throws FileChangedException when the length, modification time or etag of {@code file}
         *     are not the planned ones, or it is no longer a regular file
         */
        private static void checkUnchanged(FileSystem fs, Path ufsPath, FileLoad file) throws IOException {
            FileStatus status = fs.getFileStatus(ufsPath);
            FileChangedException.checkUnchanged(file.file(), status.isFile(), status.isDirectory(), status.getLen(), status.getModificationTime(),
                    UfsFiles.identity(status).etag());
        }

        /**
         * Checks, after the last byte of {@code file} was read, that it is still the planned file
         * (as {@link #checkUnchanged} before the first): a file rewritten in place while it is read,
         * its length kept, gives blocks of two versions, which must not be cached under the planned
         * identity. When it changed (or is gone), every block cached under that identity is uncached
         * (this run's, committed one by one in a plain load, and those of earlier loads; an atomic
         * load's staged blocks are not committed, as the failure stops the commit of their scope,
         * and leave the temp area as the file fails: {@link #unstageIfChanged}),
         * {@code uncached} is set and the failure propagates: the file fails as changed, without a
         * retry. A failure of the status call itself propagates as it is (a transient one is
         * retried: the blocks read are not read again).
         *
         * <p>A file whose bytes to read this run fit one read call ({@link #readsOnce}) is not
         * checked again: that call comes right after the check before it, and a rewrite can only
         * fall between the two, in the time of one request, where the check after the read
         * would catch it at the cost of a second status call per file: a load of many small files
         * (most of which take the small-file path, read whole in one call, likewise not checked
         * again) would double its metadata requests to an object store for that window. What the
         * second check is for, a file whose reads span seconds and mix two versions, needs more
         * than one read call.
         */
        private void checkUnchangedAfterRead(FileSystem fs, Path ufsPath, FileLoad file, List<BlockTask> toLoad, AtomicBoolean uncached) throws IOException {
            if (readsOnce(toLoad)) {
                return;
            }
            try {
                checkUnchanged(fs, ufsPath, file);
            }
            catch (FileChangedException | FileNotFoundException e) {
                uncached.set(true);
                throw uncache(file, e);
            }
        }

        /**
         * Whether the blocks of {@code toLoad} this run reads (not those staged by an earlier run)
         * are read in one read call: at most one piece of the smallest buffer a read goes through.
         */
        private boolean readsOnce(List<BlockTask> toLoad) {
            long bytes = toLoad.stream().filter(block -> !isStaged(block)).mapToLong(BlockTask::length).sum();
            return bytes <= Math.min(readBuffer, LOCAL_COPY_BYTES);
        }

        /**
         * Uncaches every block of {@code file}'s planned identity after {@code failure} (it
         * changed or is gone), and has the journal forget them, so that no run of the job
         * counts them committed; returns the failure to throw, which says so when the blocks
         * could not be uncached.
         */
        private IOException uncache(FileLoad file, IOException failure) {
            try {
                FreeResult freed = cache.free(file.file());
                LOG.info("{} changed or is gone: uncached its {} blocks of the planned version", file.file().path(), freed.blocks());
                journal.forget(file.file());
                return failure;
            }
            catch (CacheException e) {
                LOG.warn("{} changed or is gone, and its blocks of the planned version could not be uncached: {}", file.file().path(), e.getMessage());
                return new FileChangedException.StaysCached(Failures.describe(failure) + Failures.STAYS_CACHED + e.getMessage(), failure);
            }
        }

        /**
         * After {@code file} failed for {@code failure}: when it failed because it changed or is
         * gone in the UFS anywhere but at the check after its last read (which uncaches it itself):
         * at a read that ended early, at the check before a retry or before its first read,
         * uncaches what is committed of its planned identity as that check does ({@link #uncache}),
         * and sets {@code uncached}: the blocks the plan found cached (or held with replicas missing) and, in a plain load, those
         * this run committed of it block by block. Readers never see them (they read the file as
         * it is now), but they would hold their room in the cache. Nothing is asked of the master
         * when nothing of the file is committed.
         *
         * @return the failure to report: {@code failure}, or one that says the blocks stay cached
         *     when they could not be uncached
         */
        private Throwable uncacheIfChanged(FileLoad file, List<BlockTask> toLoad, Throwable failure, AtomicBoolean uncached) {
            if (uncached.get() || !Failures.isChangedOrGone(failure)) {
                return failure;
            }
            // a block with replicas missing is held, committed, by the workers that have the others
            boolean committed = file.blocks().stream().anyMatch(block -> block.cached() || !block.heldBy().isEmpty())
                    || options.atomic().isEmpty() && toLoad.stream().anyMatch(block -> writtenBlocks.containsKey(block.key().blockId()));
            if (!committed) {
                return failure;
            }
            uncached.set(true);
            // a file changed or gone failed with a FileChangedException or a FileNotFoundException
            return uncache(file, (IOException) failure);
        }

        /**
         * After {@code file} of an atomic job failed for {@code failure}: when it failed because
         * it changed or is gone in the UFS, removes the blocks of its planned version that the
         * job's temp area holds (staged by this run or adopted from an earlier one) from the area
         * ({@link io.gfsload.cache.api.TempAreas#unstageFiles}), and the workers delete them with
         * their next heartbeat. No run commits them (a run plans the file as it is then), and,
         * staged, they would hold their room on the workers, pinned, until the area expires. When
         * they cannot be removed (the master does not answer, or is older), that is logged and
         * they wait for the area's expiry.
         */
        private void unstageIfChanged(FileLoad file, List<BlockTask> toLoad, Throwable failure) {
            if (options.atomic().isEmpty() || !Failures.isChangedOrGone(failure)
                    || toLoad.stream().noneMatch(block -> writtenBlocks.containsKey(block.key().blockId()) || isStaged(block))) {
                return;
            }
            String path = file.file().path();
            String jobId = options.atomic().get().jobId();
            try {
                int removed = cache.tempAreas().unstageFiles(jobId, List.of(file.file()));
                unstagedFiles.add(path);
                LOG.info("{} changed or is gone: removed its {} from the temp area of atomic job {}", path, Counts.of(removed, "staged block"), jobId);
            }
            catch (CacheException | UnsupportedOperationException e) {
                LOG.warn("{} changed or is gone, and its staged blocks could not be removed from the temp area of atomic job {}, which keeps "
                        + "them until it expires: {}", path, jobId, e.getMessage());
            }
        }

        /**
         * Whether {@code file} goes the small-file path: one block left to load, small, held by no
         * worker, not staged by an earlier run, and the job still going. Pushed or pulled alike:
         * the workers pull such blocks in batches too.
         */
        boolean batchable(FileLoad file) {
            List<BlockTask> toLoad = file.blocks().stream().filter(b -> !b.cached()).toList();
            // a block live workers hold with fewer replicas than asked adds the missing ones: a batch places every block alike
            return toLoad.size() == 1 && SmallFileBatcher.fits(toLoad.get(0)) && toLoad.get(0).heldBy().isEmpty()
                    && (staged.isEmpty() || !staged.containsKey(toLoad.get(0).key().blockId()));
        }

        /**
         * Loads a small file: a read thread reads its block whole and hands it to {@code batcher},
         * which writes it with many others; on the pull data path it hands the block in without
         * its bytes, for the workers to pull it with many others. The returned future completes
         * when the block is written (or the file failed). A first attempt that fails falls back to
         * {@link #loadFile}, with its retries, so that every failure is reported as the
         * block-by-block path reports it.
         */
        Future<FileReport> loadSmallFile(FileLoad file, ExecutorService pool, SmallFileBatcher batcher) {
            CompletableFuture<FileReport> result = new CompletableFuture<>();
            BlockTask block = file.blocks().stream().filter(b -> !b.cached()).findFirst().orElseThrow();
            pendingFiles.put(block, result);
            pool.execute(() -> queueSmallFile(file, block, result, batcher, true));
            return result;
        }

        /**
         * Hands {@code file}'s single block {@code block} to {@code batcher}, on this (a read)
         * thread: without its bytes for the workers to pull, when this run pulls and
         * {@code mayPull}, else read whole here.
         */
        private void queueSmallFile(FileLoad file, BlockTask block, CompletableFuture<FileReport> result, SmallFileBatcher batcher, boolean mayPull) {
            try {
                if (stopped()) {
                    pendingFiles.remove(block);
                    finish(result, loadFile(file));
                    return;
                }
                awaitWindow();
                int length = Math.toIntExact(block.length());
                // the cap counts the bytes the workers read for the load too
                awaitRead(Math.max(1, length));
                if (mayPull && pulls(file.file().path())) {
                    batcher.add(SmallFileBatcher.Pending.pulled(file, block));
                    return;
                }
                Optional<java.nio.file.Path> local = localFile(file.file().path());
                int reserved = local.isPresent() ? SmallFileBatcher.directCapacity(length) : length;
                batcher.reserve(reserved);
                ByteBuffer data = null;
                boolean added = false;
                try {
                    data = local.isPresent() ? batcher.directBuffer(length) : ByteBuffer.allocate(length);
                    readWhole(file, block, local, data);
                    batcher.add(new SmallFileBatcher.Pending(file, block, data));
                    added = true;
                }
                finally {
                    if (!added) {
                        if (data != null) {
                            batcher.giveBack(data);
                        }
                        batcher.unreserve(reserved);
                    }
                }
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                finishFailed(result, () -> failed(file, file.blocks().size() - 1, 0, 0, 0, "interrupted"));
            }
            catch (IOException | RuntimeException e) {
                pendingFiles.remove(block);
                fallBack(file, result, e, null);
            }
        }

        /**
         * Reads the single block of a small file in one positioned read into {@code data} (all of
         * it, position 0 to its limit, which stay; a heap buffer unless {@code local} is given),
         * checking the file is unchanged; its bytes count against the batcher's share
         * of the in-flight bytes, reserved by the caller.
         *
         * @param local the local file behind the file's path, see {@link #localFile}
         */
        private void readWhole(FileLoad file, BlockTask block, Optional<java.nio.file.Path> local, ByteBuffer data) throws IOException {
            int length = data.remaining();
            if (local.isPresent()) {
                readWholeLocal(local.get(), file, block, data.duplicate());
            }
            else {
                try (FSDataInputStream in = open(file)) {
                    read(in, block.offset(), data.array(), length);
                }
            }
            counted(length);
        }

        /**
         * The local file behind a planned path of Hadoop's local file system ({@code file:/...},
         * as its listing qualifies paths), found without parsing the path as a Hadoop path.
         */
        private Optional<java.nio.file.Path> localFile(String path) throws IOException {
            if (!path.startsWith("file:/") || path.startsWith("file://")) {
                return Optional.empty();
            }
            if (localIsRaw == null) {
                localIsRaw = fileSystem(new Path("file:///")) instanceof RawLocalFileSystem;
            }
            return localIsRaw ? Optional.of(java.nio.file.Path.of(path.substring("file:".length()))) : Optional.empty();
        }

        /**
         * {@link #readWhole} of a local file with one {@code stat} and one read: Hadoop's local
         * file system stats a file several times to open it, which costs more than reading a small
         * one.
         */
        private void readWholeLocal(java.nio.file.Path local, FileLoad file, BlockTask block, ByteBuffer data) throws IOException {
            int length = data.remaining();
            try {
                BasicFileAttributes attributes = Files.readAttributes(local, BasicFileAttributes.class);
                // a local file has no etag
                FileChangedException.checkUnchanged(file.file(), attributes.isRegularFile(), attributes.isDirectory(), attributes.size(),
                        attributes.lastModifiedTime().toMillis(), "");
                try (FileChannel channel = FileChannel.open(local, StandardOpenOption.READ)) {
                    admitted(length, () -> read(channel, block.offset(), data, length));
                }
            }
            catch (NoSuchFileException e) {
                // As Hadoop reports it, a permanent failure.
                FileNotFoundException missing = new FileNotFoundException("File " + file.file().path() + " does not exist");
                missing.initCause(e);
                throw missing;
            }
        }

        /**
         * After the first attempt of a small file failed with {@code failure}: a permanent failure
         * is reported, a transient one retried on the block-by-block path ({@code pool} given: on
         * it; else on this thread).
         */
        private void fallBack(FileLoad file, CompletableFuture<FileReport> result, Throwable failure, ExecutorService pool) {
            int cached = (int) file.blocks().stream().filter(BlockTask::cached).count();
            if (!Failures.isTransient(failure) || options.maxAttempts() <= 1) {
                if (result.isDone()) {
                    // reported already: not failed again
                    return;
                }
                AtomicBoolean uncached = new AtomicBoolean();
                Throwable reported = uncacheIfChanged(file, file.blocks().stream().filter(b -> !b.cached()).toList(), failure, uncached);
                FileReport report = failed(file, uncached.get() ? 0 : cached, 0, 0, 0, Failures.describe(reported), failure);
                finish(result, Failures.changedOrGoneAndUncached(reported) ? report.withPlannedVersionUncached() : report);
                return;
            }
            if (Failures.isThrottling(failure)) {
                controller.ifPresent(AdaptiveController::throttled);
            }
            listener.retrying(file.file().path(), 2, Failures.describe(failure));
            Runnable retry = () -> {
                try {
                    finish(result, loadFile(file, 1));
                }
                catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            };
            if (pool == null) {
                retry.run();
            }
            else {
                try {
                    pool.execute(retry);
                }
                catch (java.util.concurrent.RejectedExecutionException e) {
                    finishFailed(result, () -> failed(file, cached, 0, 0, 0, "not retried: the job is ending"));
                }
            }
        }

        /** {@link #finish} with the report of a failure, made (and the failure told) only when {@code result} is not done yet. */
        private void finishFailed(CompletableFuture<FileReport> result, Supplier<FileReport> failed) {
            if (!result.isDone()) {
                finish(result, failed.get());
            }
        }

        private void finish(CompletableFuture<FileReport> result, FileReport report) {
            if (!result.isDone()) {
                listener.fileFinished(report);
                result.complete(report);
            }
        }

        /** The outcomes of a batch of small files: report the written ones, retry the failed ones. */
        void batchWritten(List<SmallFileBatcher.Pending> batch, List<BlockWriteOutcome> outcomes) {
            List<SmallFileBatcher.Pending> stored = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                SmallFileBatcher.Pending pending = batch.get(i);
                BlockWriteOutcome outcome = outcomes.get(i);
                if (outcome.succeeded()) {
                    stored.add(pending);
                    placed(outcome.result().orElseThrow());
                }
                else {
                    Throwable failure = outcome.failure().orElseThrow();
                    if (failure instanceof WorkerUnavailableException unavailable) {
                        unreachable(unavailable);
                    }
                    if (pending.isPulled() && failure instanceof UfsPullException pullFailed) {
                        if (pushInstead(pullFailed, pending.block().key().file().path())) {
                            pushSmallFile(pending);
                            continue;
                        }
                        failure = pullFailure(pending.block(), pullFailed);
                    }
                    fallBack(pending.file(), pendingFiles.remove(pending.block()), failure, pool);
                }
            }
            String notCommitted = null;
            if (scope() == AtomicOptions.Scope.FILE && !stored.isEmpty()) {
                String notToCommit = notToCommit();
                if (notToCommit != null) {
                    // another run's area now, gone, or the JVM stopping: what this run staged is not to be committed
                    notCommitted = "not committed: " + notToCommit;
                }
                else {
                    try {
                        // as a file's commit, retried while the master is silent; its blocks on workers lost since written again first
                        Map<FileLoad, List<BlockTask>> toCommit = new LinkedHashMap<>();
                        stored.forEach(p -> toCommit.computeIfAbsent(p.file(), f -> new ArrayList<>()).add(p.block()));
                        commitScope(toCommit, Counts.of(stored.size(), "small file"), new AtomicInteger());
                    }
                    catch (MasterUnavailableException e) {
                        masterLost(e);
                        notCommitted = "not committed: " + Failures.masterStopped(e.masterTarget());
                    }
                    catch (CacheException e) {
                        String gone = areaGone(e);
                        notCommitted = gone != null ? "not committed: " + gone : "not committed: the commit of the file failed: " + e.getMessage();
                    }
                }
            }
            if (notCommitted == null && (options.atomic().isEmpty() || scope() == AtomicOptions.Scope.FILE)) {
                // the blocks of a partition or job scope are recorded when the scope commits
                journal.committed(stored.stream().map(p -> p.block().key().blockId()).toList());
            }
            for (SmallFileBatcher.Pending pending : stored) {
                if (pending.isPulled()) {
                    // read by the workers for the load, counted as a single pull's are
                    counted(Math.toIntExact(pending.block().length()));
                }
                bytesWritten.addAndGet(pending.block().length());
                writtenBlocks.put(pending.block().key().blockId(), pending.block().length());
                CompletableFuture<FileReport> result = pendingFiles.remove(pending.block());
                FileLoad file = pending.file();
                int cached = file.blocks().size() - 1;
                if (notCommitted != null) {
                    String reason = notCommitted;
                    finishFailed(result, () -> failed(file, cached, 0, pending.block().length(), 0, reason));
                    continue;
                }
                listener.blockLoaded(pending.block());
                finish(result, new FileReport(file.file().path(), file.file().length(), file.blocks().size(), 1, cached, 0, pending.block().length(),
                        file.cachedBytes(), 0, null));
            }
        }

        /**
         * A small file of a batch the workers could not pull as they cannot read the UFS (an auto
         * load): its block goes to the batcher again, read here, on a read thread.
         */
        private void pushSmallFile(SmallFileBatcher.Pending pending) {
            CompletableFuture<FileReport> result = pendingFiles.get(pending.block());
            if (result == null || result.isDone()) {
                return;
            }
            try {
                pool.execute(() -> queueSmallFile(pending.file(), pending.block(), result, batcher, false));
            }
            catch (java.util.concurrent.RejectedExecutionException e) {
                pendingFiles.remove(pending.block());
                finishFailed(result, () -> failed(pending.file(), pending.file().blocks().size() - 1, 0, 0, 0, "not retried: the job is ending"));
            }
        }

        /** A batch whose write failed unexpectedly: its files go the block-by-block path. */
        void batchCrashed(List<SmallFileBatcher.Pending> batch) {
            for (SmallFileBatcher.Pending pending : batch) {
                CompletableFuture<FileReport> result = pendingFiles.remove(pending.block());
                if (result != null && !result.isDone()) {
                    fallBack(pending.file(), result, new CacheException("the batch write failed"), pool);
                }
            }
        }

        /**
         * A channel on the open file behind {@code in} when it is a local file (its stream exposes
         * the file descriptor), for positioned reads into direct buffers; {@code null} otherwise.
         * The channel shares Hadoop's descriptor: it must not be closed, closing {@code in} closes both.
         */
        private FileChannel localChannel(FSDataInputStream in) throws IOException {
            FileDescriptor descriptor = in.getFileDescriptor();
            if (descriptor == null || !descriptor.valid()) {
                return null;
            }
            @SuppressWarnings("resource")
            FileChannel channel = new FileInputStream(descriptor).getChannel();
            return channel;
        }

        /** One positioned UFS read, admitted by the adaptive controller and reported to it. */
        private void read(FSDataInputStream in, long position, byte[] buffer, int length) throws IOException {
            admitted(length, () -> {
                try {
                    in.readFully(position, buffer, 0, length);
                }
                catch (java.io.EOFException e) {
                    throw shorter(position + length, e);
                }
            });
        }

        /**
         * A file that ends before {@code end}, within its planned length, has changed since it was
         * planned (truncated or rewritten): not a failure a retry gets past.
         */
        private static FileChangedException shorter(long end, java.io.EOFException e) {
            FileChangedException changed = new FileChangedException(Failures.CHANGED + "it ends before byte %d of its planned length".formatted(end));
            changed.initCause(e);
            return changed;
        }

        /** One positioned read of {@code length} bytes from a local file into {@code buffer}, cleared first, flipped after. */
        private static void read(FileChannel channel, long position, ByteBuffer buffer, int length) throws IOException {
            buffer.clear().limit(length);
            long at = position;
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer, at);
                if (n < 0) {
                    throw shorter(position + length, new java.io.EOFException("End of file at %d reading %d bytes from %d".formatted(at, length, position)));
                }
                at += n;
            }
            buffer.flip();
        }

        private interface Read {
            void run() throws IOException;
        }

        private void admitted(int length, Read read) throws IOException {
            if (controller.isEmpty()) {
                read.run();
                return;
            }
            AdaptiveController adaptive = controller.get();
            synchronized (this) {
                int target = adaptive.target();
                if (target != lastTarget) {
                    LOG.debug("UFS reads at once: {} -> {} ({})", lastTarget, target, adaptive.state().decision());
                    lastTarget = target;
                }
                while (activeReads >= adaptive.target()) {
                    try {
                        wait(50);
                    }
                    catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("Interrupted while waiting to read");
                    }
                }
                activeReads++;
            }
            long start = System.nanoTime();
            try {
                read.run();
                adaptive.completed(length, System.nanoTime() - start);
            }
            finally {
                synchronized (this) {
                    activeReads--;
                    notifyAll();
                }
            }
        }

        /**
         * Records {@code block}, written, in the journal when that makes it visible: a plain load's
         * block is committed with its write; an atomic load's when its scope commits.
         */
        private void recordWritten(BlockTask block) {
            if (options.atomic().isEmpty()) {
                journal.committed(block.key().blockId());
            }
        }

        /** Remembers where {@code written} went: the workers its answer names. */
        private void placed(BlockWriteResult written) {
            placed.put(written.block().blockId(), placements.computeIfAbsent(written.workerIds(), workers -> workers));
        }

        /**
         * Where this run last wrote {@code block}, or where the plan found its replicas when the run
         * did not write it; empty when it cannot tell (a block found cached, or adopted).
         */
        private Optional<List<String>> placement(BlockTask block) {
            List<String> workers = placed.get(block.key().blockId());
            if (workers != null) {
                return Optional.of(workers);
            }
            return block.heldBy().isEmpty() ? Optional.empty() : Optional.of(block.heldBy());
        }

        /**
         * Commits {@code scope} (the blocks to commit of each of its files) from the job's temp area,
         * retried while the master is silent, counting in {@code retries}. When the master refuses
         * the commit because blocks of the scope have their replicas only on workers it counts lost
         * (killed, their heartbeats missed since the blocks were staged), which readers would not
         * see them on, those blocks are written again into the area, away from the workers not
         * live, and the scope is committed again: up to {@link #LOST_REPLICA_ROUNDS} times, so that
         * readers see the whole scope, or nothing of it.
         *
         * @param what the scope, as a failure names it ({@code partition p}, {@code the job}, a file's path)
         * @throws BlockNotFoundException the master's last refusal: when no block of the scope is
         *     only on workers not live now (it lacks blocks for another reason), or still after the rounds
         * @throws CacheException when a block only on lost workers could not be written again,
         *     naming it and its file; nothing of the scope is committed then
         */
        void commitScope(Map<FileLoad, List<BlockTask>> scope, String what, AtomicInteger retries) {
            List<BlockKey> blocks = scope.values().stream().flatMap(List::stream).map(BlockTask::key).toList();
            for (int round = 0; ; round++) {
                try {
                    Failsafe.with(masterPolicy("the commit of " + what, retries)).run(() -> renewal.commitScope(blocks));
                    return;
                }
                catch (BlockNotFoundException refused) {
                    Set<String> live = liveWorkerIds();
                    Map<FileLoad, List<BlockTask>> onLost = onlyOnLostWorkers(scope, live);
                    if (onLost.isEmpty() || round == LOST_REPLICA_ROUNDS) {
                        throw refused;
                    }
                    writeAgainBeforeCommit(onLost, live, what);
                }
            }
        }

        /**
         * The blocks of {@code scope} whose replicas ({@link #replicasOf}) are all on workers not
         * in {@code live}.
         */
        private Map<FileLoad, List<BlockTask>> onlyOnLostWorkers(Map<FileLoad, List<BlockTask>> scope, Set<String> live) {
            Map<FileLoad, List<BlockTask>> onLost = new LinkedHashMap<>();
            scope.forEach((file, blocks) -> {
                for (BlockTask block : blocks) {
                    Set<String> workers = replicasOf(block);
                    if (!workers.isEmpty() && workers.stream().noneMatch(live::contains)) {
                        onLost.computeIfAbsent(file, f -> new ArrayList<>()).add(block);
                    }
                }
            });
            return onLost;
        }

        /**
         * The workers with a replica of {@code block} as this run knows them: where it wrote the
         * block, or else where an earlier run of the job staged it, and where the plan found it
         * committed.
         */
        private Set<String> replicasOf(BlockTask block) {
            Set<String> workers = new TreeSet<>(block.heldBy());
            List<String> wrote = placed.get(block.key().blockId());
            StagedBlock adopted = staged.get(block.key().blockId());
            if (wrote != null) {
                workers.addAll(wrote);
            }
            else if (adopted != null) {
                workers.addAll(adopted.workerIds());
            }
            return workers;
        }

        /**
         * Writes {@code onLost}, blocks of the scope {@code what} with their replicas only on lost
         * workers, again into the job's temp area, as the load writes blocks, away from the workers
         * not in {@code live}.
         *
         * @throws CacheException when a block cannot be written again, naming it, its file and the lost workers
         */
        private void writeAgainBeforeCommit(Map<FileLoad, List<BlockTask>> onLost, Set<String> live, String what) {
            Set<String> lost = new TreeSet<>();
            onLost.values().stream().flatMap(List::stream).forEach(block -> lost.addAll(replicasOf(block)));
            long count = onLost.values().stream().mapToLong(List::size).sum();
            LOG.warn("The commit of {} was refused: {} of it {} replicas only on lost workers {}; writing {} again before committing it",
                    what, Counts.of(count, "block"), count == 1 ? "has its" : "have their", lost, count == 1 ? "it" : "them");
            commitsRefused.incrementAndGet();
            lostBeforeCommit.addAll(lost);
            WriteOptions write = writeOptions();
            if (!lost.isEmpty()) {
                write = write.excluding(lost);
            }
            for (Map.Entry<FileLoad, List<BlockTask>> entry : onLost.entrySet()) {
                FileLoad file = entry.getKey();
                // the replicas the plan found committed count where their workers are live; the others are written anew
                List<BlockTask> blocks = entry.getValue().stream()
                        .map(block -> new BlockTask(block.file(), block.index(), block.offset(), block.length(), false,
                                block.heldBy().stream().filter(live::contains).toList()))
                        .toList();
                AtomicInteger next = new AtomicInteger();
                try {
                    rewrite(file, blocks, write, next, new AtomicInteger());
                }
                catch (RuntimeException e) {
                    rewrittenBeforeCommit(blocks.subList(0, Math.min(next.get(), blocks.size())));
                    Throwable cause = e instanceof FailsafeException && e.getCause() != null ? e.getCause() : e;
                    BlockTask block = blocks.get(Math.min(next.get(), blocks.size() - 1));
                    throw new CacheException("block %d of %s has its replicas only on lost workers %s, and writing it again failed: %s"
                            .formatted(block.index(), file.file().path(), lost, Failures.describe(cause)), cause);
                }
                rewrittenBeforeCommit(blocks);
            }
        }

        /** Counts {@code blocks} written again before their scope's commit: in the report, their reads in {@code ufsBytesRead} already. */
        private void rewrittenBeforeCommit(List<BlockTask> blocks) {
            rewrittenBeforeCommit.addAndGet(blocks.size());
            bytesRewrittenBeforeCommit.addAndGet(blocks.stream().mapToLong(BlockTask::length).sum());
        }

        /** What the report says of the blocks written again before their scope's commit. */
        LoadReport.RewrittenBeforeCommit rewrittenBeforeCommit() {
            if (commitsRefused.get() == 0) {
                return LoadReport.RewrittenBeforeCommit.NONE;
            }
            return new LoadReport.RewrittenBeforeCommit(rewrittenBeforeCommit.get(), bytesRewrittenBeforeCommit.get(), commitsRefused.get(),
                    List.copyOf(lostBeforeCommit));
        }

        /**
         * What the check after the load names as the cause of a block the cache lacks
         * ({@link Shortfall#reason}): the workers lost by now, where this run put each block, and
         * the blocks {@code evicted} by this run's writes since they were last confirmed; the room
         * {@code plan} needs with its replicas (or the whole load, of which it is a part: {@link
         * ExecutorOptions#loadBytes}) against the capacity of the live workers.
         */
        Shortfall.Causes causes(LoadPlan plan, Set<String> liveAtStart, List<WriteEvictions.Evicted> evicted) {
            Set<String> evictedByLoad = evicted.stream().map(WriteEvictions.Evicted::blockId).collect(Collectors.toSet());
            return new Shortfall.Causes(lostWorkers(liveAtStart), this::placement, evictedByLoad, options.loadBytes().orElse(plan.stats().bytes() * replication),
                    cache.clusterInfo().liveCapacityBytes());
        }

        private boolean isStaged(BlockTask block) {
            StagedBlock stagedBlock = staged.get(block.key().blockId());
            return stagedBlock != null && stagedBlock.length() == block.length();
        }

        /** How this job writes a block: its replication, in its temp area when atomic. */
        private WriteOptions writeOptions() {
            WriteOptions write = WriteOptions.replication(replication);
            if (options.atomic().isPresent()) {
                write = write.inTempArea(options.atomic().get().jobId());
            }
            return write;
        }

        /**
         * How this job writes {@code block}: as {@link #writeOptions()}, and for a block that live
         * workers already hold with fewer replicas than asked, only the replicas missing, on other
         * workers (a holder this job could not reach lately does not count).
         */
        private WriteOptions writeOptions(BlockTask block) {
            WriteOptions write = writeOptions();
            if (block.heldBy().isEmpty()) {
                return write;
            }
            long now = System.nanoTime();
            List<String> holders = block.heldBy().stream().filter(worker -> {
                Long since = unreachable.get(worker);
                return since == null || now - since >= UNREACHABLE_EXCLUSION.toNanos();
            }).toList();
            return holders.isEmpty() ? write : write.heldBy(holders);
        }

        /** How the batcher writes its next batch of small files: as {@link #writeOptions}, never to a worker this job could not reach. */
        WriteOptions batchWriteOptions() {
            // once the master is given up, a batch queued before fails without calling it
            checkMasterAnswers();
            return excludingUnreachable(writeOptions());
        }

        /**
         * {@code write} away from the workers a write could not reach lately: for
         * {@link #UNREACHABLE_EXCLUSION} after the last failure, after which a worker that came
         * back (restarted) takes replicas again.
         */
        private WriteOptions excludingUnreachable(WriteOptions write) {
            if (unreachable.isEmpty()) {
                return write;
            }
            long now = System.nanoTime();
            Set<String> excluded = new TreeSet<>(write.excludedWorkers());
            unreachable.forEach((worker, since) -> {
                if (now - since < UNREACHABLE_EXCLUSION.toNanos()) {
                    excluded.add(worker);
                }
            });
            return excluded.equals(write.excludedWorkers()) ? write : write.excluding(excluded);
        }

        /**
         * Opens a writer for {@code block} as {@code write} says, never to a worker this job could
         * not reach.
         */
        private BlockWriter openWriter(BlockTask block, WriteOptions write) {
            return cache.openWriter(block.key(), block.length(), excludingUnreachable(write));
        }

        /** Remembers the worker of {@code e}: the job places no replicas on it for a while. */
        private void unreachable(WorkerUnavailableException e) {
            if (unreachable.put(e.workerId(), System.nanoTime()) == null) {
                LOG.warn("Worker {} is unreachable: the job places no replicas on it for {} s at a time ({})", e.workerId(),
                        UNREACHABLE_EXCLUSION.toSeconds(), e.getMessage());
            }
        }

        private void loadBlock(FSDataInputStream in, FileChannel local, BlockTask block, BlockProgress progress) throws IOException {
            writeBlock(in, local, block, writeOptions(block), progress::written);
            recordWritten(block);
        }

        /**
         * Reads {@code block} from the UFS in pieces of the read buffer and streams them to a
         * writer opened as {@code write} says, holding one buffer of the pool meanwhile, telling
         * {@code written} the bytes of each piece written. From a local file ({@code local} not
         * null) the pieces go through a direct buffer, which a short-circuit writer hands to its
         * files without a copy through the heap.
         */
        private void writeBlock(FSDataInputStream in, FileChannel local, BlockTask block, WriteOptions write, IntConsumer written) throws IOException {
            if (local != null) {
                ByteBuffer buffer = buffers.acquireDirect();
                try (BlockWriter writer = openWriter(block, write)) {
                    long end = block.offset() + block.length();
                    for (long position = block.offset(); position < end; position += readBuffer) {
                        int length = (int) Math.min(readBuffer, end - position);
                        long piece = position;
                        bandwidth.ifPresent(limiter -> limiter.acquire(length));
                        admitted(length, () -> {
                            for (long at = piece; at < piece + length; at += buffer.capacity()) {
                                read(local, at, buffer, (int) Math.min(buffer.capacity(), piece + length - at));
                                writer.write(buffer);
                            }
                        });
                        counted(length);
                        written.accept(length);
                    }
                    placed(writer.commit());
                }
                catch (WorkerUnavailableException e) {
                    unreachable(e);
                    throw e;
                }
                finally {
                    buffers.releaseDirect(buffer);
                }
                return;
            }
            byte[] buffer = buffers.acquire();
            try (BlockWriter writer = openWriter(block, write)) {
                long position = block.offset();
                long end = block.offset() + block.length();
                while (position < end) {
                    int length = (int) Math.min(buffer.length, end - position);
                    readRange(in, position, buffer, length);
                    write(writer, buffer, length);
                    written.accept(length);
                    position += length;
                }
                placed(writer.commit());
            }
            catch (WorkerUnavailableException e) {
                unreachable(e);
                throw e;
            }
            finally {
                buffers.release(buffer);
            }
        }

        /** Workers lost during the load: the master no longer counts them live, or a write could not reach them in the last {@link #UNREACHABLE_EXCLUSION}. */
        Set<String> lostWorkers(Set<String> liveAtStart) {
            Set<String> liveNow = liveWorkerIds();
            Set<String> lost = new TreeSet<>();
            liveAtStart.stream().filter(id -> !liveNow.contains(id)).forEach(lost::add);
            // a worker a write could not reach lately; one that came back (restarted) and took writes since is not lost
            long now = System.nanoTime();
            unreachable.forEach((worker, since) -> {
                if (!liveNow.contains(worker) || now - since < UNREACHABLE_EXCLUSION.toNanos()) {
                    lost.add(worker);
                }
            });
            return lost;
        }

        /**
         * Writes {@code blocks} of {@code file} again, as the load writes blocks
         * ({@link ReplicaRestorer.BlockRewrite}), and checks after the last read that the file is
         * still the planned one ({@link #checkUnchangedAfterRead}): when it changed, or changed or
         * is gone at its open or at a read that ends early, its blocks are uncached and the
         * rewrite fails. The files written again share one wait for room, of
         * {@link #ROOM_WAIT}, until one of them is written in full: one after the other, each
         * waiting its own (too few workers left after the lost ones, which no wait mends), they held
         * the load for a minute per file; a file written in full shows there was room, and the next
         * one that finds none (a master started again late in a long restore, whose workers have
         * not registered yet) waits anew.
         */
        void rewrite(FileLoad file, List<BlockTask> blocks, WriteOptions write, AtomicInteger next, AtomicInteger retries) {
            long now = clock.millis();
            if (rewriteRoomDeadline == 0) {
                rewriteRoomDeadline = now + ROOM_WAIT.toMillis();
            }
            java.time.Duration roomLeft = java.time.Duration.ofMillis(Math.max(0, rewriteRoomDeadline - now));
            AtomicBoolean uncached = new AtomicBoolean();
            try {
                Failsafe.with(masterPolicy(file.file().path(), retries), roomPolicy(file.file().path(), retries, roomLeft), retryPolicy(file.file().path(), retries))
                        .run(() -> {
                    if (!pulls(file.file().path()) || !pulledAgain(blocks, write, next)) {
                        try (FSDataInputStream in = open(file)) {
                            FileChannel local = localChannel(in);
                            while (next.get() < blocks.size()) {
                                awaitWindow();
                                BlockTask block = blocks.get(next.get());
                                // a block written again is no progress of the load: it was counted loaded
                                writeBlock(in, local, block, block.heldBy().isEmpty() ? write : write.heldBy(block.heldBy()), bytes -> {});
                                next.incrementAndGet();
                            }
                        }
                    }
                    // as after a load's reads: blocks of a file rewritten meanwhile would mix two versions
                    Path ufsPath = new Path(file.file().path());
                    checkUnchangedAfterRead(fileSystem(ufsPath), ufsPath, file, blocks, uncached);
                });
                rewriteRoomDeadline = 0;
            }
            catch (FailsafeException e) {
                Throwable failure = e.getCause() == null ? e : e.getCause();
                if (uncached.get() || !Failures.isChangedOrGone(failure)) {
                    throw e;
                }
                // changed or gone at the open or at a read that ended early: what the load committed of it is uncached all the same
                throw new FailsafeException(uncache(file, (IOException) failure));
            }
        }

        /**
         * Has the workers pull {@code blocks} again from {@code next} on, as the load pulled them
         * (the replicas missing, away from the workers that hold the others), advancing {@code next}
         * as each commits. Returns false, the rest still to write, when an auto load learns that the
         * workers cannot read the UFS: the rest is pushed.
         */
        private boolean pulledAgain(List<BlockTask> blocks, WriteOptions write, AtomicInteger next) throws IOException {
            while (next.get() < blocks.size()) {
                awaitWindow();
                BlockTask block = blocks.get(next.get());
                WriteOptions replicas = block.heldBy().isEmpty() ? write : write.heldBy(block.heldBy());
                int length = Math.toIntExact(block.length());
                awaitRead(Math.max(1, length));
                try {
                    admitted(length, () -> pull(block, streamsPerFile, replicas));
                }
                catch (UfsPullException e) {
                    if (pushInstead(e, block.key().file().path())) {
                        return false;
                    }
                    throw pullFailure(block, e);
                }
                counted(length);
                next.incrementAndGet();
            }
            return true;
        }

        /** Returns when a UFS read may start: at once without a load window or inside it, else when it opens. */
        private void awaitWindow() throws InterruptedIOException {
            if (window.isPresent()) {
                window.get().await();
            }
        }

        /**
         * Waits for the {@code --bandwidth} cap to let {@code bytes} more be read, then for the load
         * window, which may have closed meanwhile: a read the cap held back as the window closed
         * starts when the window opens again, not after the close. For a read that starts a block
         * (a whole small file, a pull): within a block's stream, the next buffer's read waits for
         * the cap only, the stream being open.
         */
        private void awaitRead(long bytes) throws InterruptedIOException {
            bandwidth.ifPresent(limiter -> limiter.acquire(bytes));
            awaitWindow();
        }

        /** Whether a UFS read may start now without waiting. */
        private boolean windowOpen() {
            return window.isEmpty() || window.get().isOpenNow();
        }

        /** One UFS read within the bandwidth limit, counted. */
        private void readRange(FSDataInputStream in, long position, byte[] buffer, int length) throws IOException {
            bandwidth.ifPresent(limiter -> limiter.acquire(length));
            read(in, position, buffer, length);
            counted(length);
        }

        /** Counts {@code length} bytes read from the UFS: in the report, the journal and for the listener. */
        private void counted(int length) {
            ufsBytesRead.addAndGet(length);
            journal.read(length);
            listener.ufsBytesRead(length);
        }

        private void write(BlockWriter writer, byte[] buffer, int length) {
            for (int offset = 0; offset < length; offset += MAX_WRITE_BYTES) {
                writer.write(buffer, offset, Math.min(MAX_WRITE_BYTES, length - offset));
            }
        }

        /**
         * Loads {@code toLoad} from block {@code next} on as concurrent ranged reads: up to
         * {@link #streamsPerFile} reads of one read buffer each run ahead on the range threads,
         * each on a stream of its own, while this thread writes their bytes block by block, in
         * order. A read beyond the first in flight starts only when a buffer is free at once, so
         * readers of different files never wait for each other's buffers. When a read or a write
         * fails, the reads under way are awaited and their buffers returned before the failure
         * propagates; {@code next} then names the block to retry from.
         */
        private void loadRanged(FileSystem fs, Path path, List<BlockTask> toLoad, AtomicInteger next, Set<BlockTask> ahead, AtomicLong bytesLoaded)
                throws IOException {
            ExecutorService ranges = rangePool.orElseThrow();
            ArrayDeque<RangeRead> pending = new ArrayDeque<>();
            try (StreamPool streams = new StreamPool(fs, path)) {
                RangeCursor cursor = new RangeCursor(toLoad, next.get(), block -> isStaged(block) || ahead.contains(block), streamsPerFile);
                try {
                    while (next.get() < toLoad.size()) {
                        BlockTask block = toLoad.get(next.get());
                        if (skipped(block, next, ahead, bytesLoaded)) {
                            continue;
                        }
                        awaitWindow();
                        try (BlockProgress progress = new BlockProgress(listener, block)) {
                            try (BlockWriter writer = openWriter(block, writeOptions(block))) {
                                long written = 0;
                                while (written < block.length()) {
                                    fill(pending, cursor, ranges, streams, block.offset() + block.length());
                                    RangeRead head = pending.poll();
                                    byte[] bytes = head.await();
                                    try {
                                        write(writer, bytes, head.length());
                                    }
                                    finally {
                                        buffers.release(bytes);
                                    }
                                    written += head.length();
                                    progress.written(head.length());
                                }
                                placed(writer.commit());
                            }
                            catch (WorkerUnavailableException e) {
                                unreachable(e);
                                throw e;
                            }
                            recordWritten(block);
                            written(block, next, bytesLoaded, progress);
                        }
                    }
                }
                finally {
                    for (RangeRead read : pending) {
                        read.abandon();
                    }
                }
            }
        }

        /**
         * Starts ranged reads until {@link #streamsPerFile} are in flight, the file is read or no
         * buffer is free; reads past {@code blockEnd} (the block being written) only inside the
         * load window.
         */
        private void fill(ArrayDeque<RangeRead> pending, RangeCursor cursor, ExecutorService ranges, StreamPool streams, long blockEnd) throws IOException {
            while (pending.size() < streamsPerFile && cursor.hasNext()) {
                if (cursor.position() >= blockEnd && !windowOpen()) {
                    return;
                }
                byte[] buffer;
                if (pending.isEmpty()) {
                    buffer = buffers.acquire();
                }
                else {
                    Optional<byte[]> free = buffers.tryAcquire();
                    if (free.isEmpty()) {
                        return;
                    }
                    buffer = free.get();
                }
                RangeCursor.Range range = cursor.next(buffer.length);
                long position = range.position();
                int length = range.length();
                try {
                    pending.add(new RangeRead(buffers, buffer, length, ranges.submit(() -> {
                        FSDataInputStream in = streams.borrow();
                        try {
                            readRange(in, position, buffer, length);
                        }
                        catch (IOException | RuntimeException e) {
                            streams.discard(in);
                            throw e;
                        }
                        streams.giveBack(in);
                        return buffer;
                    })));
                }
                catch (RuntimeException e) {
                    buffers.release(buffer);
                    throw e;
                }
            }
        }
    }
}
