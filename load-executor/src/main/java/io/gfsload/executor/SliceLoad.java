package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.Counts;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.WriteEvictions;
import io.gfsload.cache.client.ClientConfig;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PartitionLoad;
import io.gfsload.planner.PlanStats;
import java.io.Serializable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One slice of a load, loaded in another process (a Spark executor) on its own: files of the plan,
 * grouped by their partitions, and what that process needs to load them: the cache master and its
 * token, the Hadoop settings of the UFS, the tuned settings and the executor's options. Serialized
 * to the process; its {@link #toString} leaves out the token and the Hadoop settings, which may
 * hold credentials.
 *
 * @param index the slice's place among the slices of its load
 * @param masterTarget the cache master, {@code host:port}
 * @param token the cluster's token, or {@code null} for a cluster without one
 * @param hadoopConf the Hadoop settings the UFS is read with
 * @param masterTimeout the deadline of each call to the master; see {@link DistributedLoad.Connection#masterTimeout()}
 * @param settings the settings the advisor derived for the load
 * @param replication replicas per block
 * @param blockSize the plan's block size
 * @param partitions the slice's files, by partition, in plan order
 * @param options the executor's options, the slice's share of the load's bounds (active files,
 *     bandwidth)
 * @param slicesPerProcess how many slices a process loads at once: the slice's buffers stay within
 *     that share of the quarter of the process's heap the advisor gives buffers
 */
public record SliceLoad(int index, String masterTarget, String token, Map<String, String> hadoopConf, Duration masterTimeout, Settings settings, int replication,
        long blockSize, List<PartitionLoad> partitions, Options options, int slicesPerProcess) implements Serializable {
    private static final Logger LOG = LoggerFactory.getLogger(SliceLoad.class);
    /** Longest a slice that ends without finishing its load waits for the workers to abort its unfinished writes. */
    static final Duration UNFINISHED_WRITES_ABORT = Duration.ofSeconds(2);

    /**
     * The serializable part of {@link ExecutorOptions} a slice runs with.
     *
     * @param bandwidthBytesPerSecond 0 when not limited
     * @param atomic the atomic load's options, in the temp area of the load that sends the slice;
     *     {@code null} for a load that is not atomic
     * @param window the load's window, in its zone, which the slice's process checks on its own
     *     clock: outside it the slice starts no UFS read (reads under way finish) until it opens;
     *     {@code null} for a load without one
     * @param loadBytes the bytes of the whole load with its replicas ({@link ExecutorOptions#loadBytes})
     * @param dataPath how the slice's blocks get into the workers ({@link ExecutorOptions#dataPath})
     */
    public record Options(int activeFiles, long bandwidthBytesPerSecond, int maxAttempts, Duration initialBackoff, Duration maxBackoff,
            int failureMaxFiles, double failureMaxFraction, AtomicOptions atomic, LoadWindow window, long loadBytes,
            DataPath dataPath) implements Serializable {
        ExecutorOptions executorOptions() {
            return new ExecutorOptions(activeFiles, bandwidthBytesPerSecond > 0 ? OptionalLong.of(bandwidthBytesPerSecond) : OptionalLong.empty(),
                    maxAttempts, initialBackoff, maxBackoff, failureMaxFiles, failureMaxFraction, Optional.ofNullable(atomic), Optional.ofNullable(window),
                    OptionalLong.of(loadBytes), dataPath);
        }
    }

    public SliceLoad {
        requireNonNull(masterTarget, "masterTarget is null");
        hadoopConf = new TreeMap<>(requireNonNull(hadoopConf, "hadoopConf is null"));
        requireNonNull(masterTimeout, "masterTimeout is null");
        requireNonNull(settings, "settings is null");
        partitions = List.copyOf(requireNonNull(partitions, "partitions is null"));
        requireNonNull(options, "options is null");
        if (partitions.isEmpty()) {
            throw new IllegalArgumentException("a slice without partitions");
        }
        if (slicesPerProcess < 1) {
            throw new IllegalArgumentException("slicesPerProcess must be at least 1: " + slicesPerProcess);
        }
    }

    /** The slice as a plan of its own: its partitions' files, planned as the load planned them. */
    LoadPlan plan() {
        return new LoadPlan(new LoadRequest(new LoadTarget.Paths(partitions.stream().map(PartitionLoad::location).distinct().toList()), replication),
                blockSize, partitions, List.of(), PlanStats.of(partitions));
    }

    /**
     * Loads the slice's files into the cache cluster, in this process, and reports on them; with a
     * load window, only within it by this process's clock.
     */
    public LoadReport load() {
        return load(SliceProgress.NoCounters.INSTANCE, 0);
    }

    /**
     * As {@link #load()}, counting what the load does in {@code counters} as it goes. Attempt
     * {@code attempt} (0 the first) of the slice. Every attempt first asks the workers what they
     * hold of the slice's blocks now, not as the driver planned them: a block live workers confirm
     * with the replication is not loaded again, and one they hold with fewer replicas gets only the
     * replicas missing, on other workers ({@link BlockTask#heldBy}). A block so found counts as
     * already cached, whoever cached it since the plan (another load, or an earlier attempt of the
     * slice that did not finish): the report's loaded blocks are those this attempt wrote (or, of an
     * atomic load, adopted from the load's temp area, where an earlier attempt staged them and did
     * not commit them, as a re-run adopts them). The report's {@link LoadReport#evicted() evicted}
     * data is the blocks the attempt's writes evicted that are not of the slice's files, each in
     * {@link LoadReport.Evicted#perBlock()}: of those, the blocks of the load's other slices' files
     * are the load's own, not other data, which the load tells apart with its whole plan.
     *
     * <p>An attempt that ends without a report (its task killed, which interrupts this thread, or
     * failed) first has the workers abort the short-circuit writes its threads still have open, and
     * so does the process as it stops (a shutdown hook) while the attempt loads: the room those writes
     * reserved on the workers is free at once, for the slice's next attempt or the load's next run,
     * rather than once the workers find them idle (30 s after the connection closes, 10 minutes before).
     * Streamed writes end with their connection. The abort waits at most
     * {@link #UNFINISHED_WRITES_ABORT} and never throws: the attempt ends as it would have.
     */
    public LoadReport load(SliceProgress.Counters counters, int attempt) {
        return load(counters, attempt, Clock.systemUTC(), Sleeper.SYSTEM);
    }

    /** As {@link #load(SliceProgress.Counters, int)}, on {@code clock}, waiting for the load window with {@code sleeper}. */
    LoadReport load(SliceProgress.Counters counters, int attempt, Clock clock, Sleeper sleeper) {
        requireNonNull(counters, "counters is null");
        Configuration conf = new Configuration();
        hadoopConf.forEach(conf::set);
        // the settings were derived on the driver, from its heap: here they get this process's
        Settings here = withinHeap(settings, Runtime.getRuntime().maxMemory() / 4 / slicesPerProcess);
        try (GrpcCacheClient cache = GrpcCacheClient.connect(masterTarget, ClientConfig.defaults().withToken(Optional.ofNullable(token)).withRpcTimeout(masterTimeout))) {
            // the process stopping (an executor shut down, a local job's driver stopped with SIGTERM) mid-load
            Thread stopping = new Thread(() -> abortUnfinishedWrites(cache, attempt, null), "gfsload-slice-" + (index + 1) + "-abort");
            boolean hooked = addShutdownHook(stopping);
            try {
                long[] found = new long[2];
                LoadPlan plan = refreshed(cache, plan(), found);
                if (found[0] > 0) {
                    LOG.info("Slice {}, attempt {}: {} ({} bytes) of its files cached since the load was planned, by another load{}: not loaded again, "
                            + "counted already cached", index + 1, attempt + 1, Counts.of(found[0], "block"), found[1],
                            attempt > 0 ? " or an earlier attempt" : "");
                }
                ScheduledExecutorService watch = watchMaster(cache, counters);
                // each block the slice's writes evicted that is not of its files: the load tells those of its other slices' files, its own, from other data
                try (WriteEvictions.Recording evictions = cache.writeEvictions().start()) {
                    LoadReport report = new LoadExecutor(cache, conf, here, options.executorOptions(), SliceProgress.counting(counters), clock, sleeper).execute(plan);
                    return report.withEvicted(LoadExecutor.evictedOthers(plan, evictions.evicted(), true));
                }
                finally {
                    watch.shutdownNow();
                }
            }
            catch (RuntimeException | Error e) {
                // killed (interrupted) or failed: the load's threads may still have writes open, which would hold room on the workers
                abortUnfinishedWrites(cache, attempt, Thread.currentThread().isInterrupted() ? "it was interrupted" : "it failed");
                throw e;
            }
            finally {
                if (hooked) {
                    try {
                        Runtime.getRuntime().removeShutdownHook(stopping);
                    }
                    catch (IllegalStateException e) {
                        // the JVM is shutting down: the hook runs
                    }
                }
            }
        }
    }

    /**
     * Says in {@code counters}, once a second, how long the master has not answered {@code cache}
     * while it is silent, and once when it answers again: what the load's progress says of the
     * master ({@link ProgressListener#waitingForMaster}) reaches the load's driver with the slice's counts.
     */
    private ScheduledExecutorService watchMaster(CacheClient cache, SliceProgress.Counters counters) {
        ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "gfsload-slice-" + (index + 1) + "-master-watch");
            thread.setDaemon(true);
            return thread;
        });
        long[] said = {0};
        watch.scheduleWithFixedDelay(() -> {
            long silent = cache.masterSilence().map(silence -> Math.max(1, silence.silentFor().toMillis())).orElse(0L);
            if (silent != said[0]) {
                counters.masterSilence(silent);
                said[0] = silent;
            }
        }, LoadExecutor.MASTER_WATCH.toMillis(), LoadExecutor.MASTER_WATCH.toMillis(), TimeUnit.MILLISECONDS);
        return watch;
    }

    /** Adds {@code hook} to the JVM's shutdown hooks; false when the JVM is shutting down already. */
    private static boolean addShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            return true;
        }
        catch (IllegalStateException e) {
            return false;
        }
    }

    /**
     * Has the workers abort the short-circuit writes {@code cache} has open (the slice's load threads'
     * unfinished writes), so that their room is free at once rather than once the workers find them
     * idle, and refuses the writes that start after it. Waits at most {@link #UNFINISHED_WRITES_ABORT}, with
     * this thread's interrupt (a killed task's) set aside meanwhile so that the calls are made; never throws.
     * Says nothing of it when {@code why} is null (the process stops: what the command says last stays last).
     */
    private void abortUnfinishedWrites(CacheClient cache, int attempt, String why) {
        boolean interrupted = Thread.interrupted();
        try {
            int aborted = cache.abortUnfinishedWrites(UNFINISHED_WRITES_ABORT);
            if (aborted > 0 && why != null) {
                LOG.info("Slice {}, attempt {}: {} aborted on the workers, as {}", index + 1, attempt + 1, Counts.of(aborted, "unfinished write"), why);
            }
        }
        catch (RuntimeException e) {
            // the workers abort them on their own once they are idle
            LOG.warn("Slice {}, attempt {}: aborting its unfinished writes{} failed: {}", index + 1, attempt + 1, why == null ? "" : ", as " + why + ",",
                    e.toString());
        }
        finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * {@code plan} with what the workers hold of its blocks to load now: a block live workers
     * confirm with the replication is marked cached (and counted in {@code found}: blocks, bytes),
     * and every other one carries the live workers that confirm it now, instead of those of the
     * driver's plan. The workers themselves are asked ({@link CacheClient#confirmedBlocks}), so
     * that a block counts as cached only where it is present, not where the master still records
     * a replica lost since.
     */
    private LoadPlan refreshed(CacheClient cache, LoadPlan plan, long[] found) {
        List<FileIdentity> toLoad = plan.partitions().stream().flatMap(partition -> partition.files().stream())
                .filter(file -> file.blocks().stream().anyMatch(block -> !block.cached()))
                .map(FileLoad::file)
                .distinct()
                .toList();
        if (toLoad.isEmpty()) {
            return plan;
        }
        Map<FileIdentity, List<CachedBlock>> cached = cache.confirmedBlocks(toLoad);
        List<PartitionLoad> partitions = new ArrayList<>();
        for (PartitionLoad partition : plan.partitions()) {
            List<FileLoad> files = new ArrayList<>();
            for (FileLoad file : partition.files()) {
                List<CachedBlock> held = cached.getOrDefault(file.file(), List.of());
                List<BlockTask> blocks = new ArrayList<>(file.blocks().size());
                for (BlockTask block : file.blocks()) {
                    if (block.cached()) {
                        blocks.add(block);
                        continue;
                    }
                    List<String> holders = BlockTask.heldIn(held, block.index(), block.length());
                    if (holders.size() >= replication) {
                        found[0]++;
                        found[1] += block.length();
                        blocks.add(new BlockTask(block.file(), block.index(), block.offset(), block.length(), true));
                    }
                    else {
                        blocks.add(new BlockTask(block.file(), block.index(), block.offset(), block.length(), false, holders));
                    }
                }
                files.add(new FileLoad(file.file(), blocks));
            }
            partitions.add(partition.withFiles(files, partition.repeatedFiles()));
        }
        return new LoadPlan(plan.request(), plan.blockSize(), partitions, List.of(), PlanStats.of(partitions));
    }

    /**
     * {@code settings} with the executor's buffers within {@code share} bytes: the read buffer, the
     * read threads that many buffers fit in, the bytes in flight. Values within it stay.
     */
    static Settings withinHeap(Settings settings, long share) {
        long budget = Math.max(1, share);
        long buffer = Math.min(settings.value(Settings.READ_BUFFER_BYTES), budget);
        long maxThreads = Math.max(1, Math.min(settings.find(Settings.MAX_UFS_READ_THREADS).map(Setting::value).orElse(Long.MAX_VALUE), budget / buffer));
        List<Setting> values = new ArrayList<>(settings.values().size());
        for (Setting setting : settings.values()) {
            long capped = switch (setting.name()) {
                case Settings.READ_BUFFER_BYTES -> buffer;
                case Settings.MAX_UFS_READ_THREADS, Settings.UFS_READ_THREADS, Settings.MIN_UFS_READ_THREADS -> Math.min(setting.value(), maxThreads);
                case Settings.IN_FLIGHT_BYTES -> Math.min(setting.value(), budget);
                default -> setting.value();
            };
            values.add(capped == setting.value() ? setting
                    : new Setting(setting.name(), capped, setting.unit(), "%s; within this process's share of heap / 4, %d bytes".formatted(setting.reason(), budget),
                            setting.rule(), setting.inputs(), setting.source()));
        }
        return new Settings(values);
    }

    @Override
    public String toString() {
        long files = partitions.stream().mapToLong(partition -> partition.files().size()).sum();
        return "SliceLoad[index=%d, master=%s, %d partitions, %d files, replication=%d]".formatted(index, masterTarget, partitions.size(), files,
                replication);
    }
}
