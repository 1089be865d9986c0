package io.gfsload.cache.local;

import static java.util.Objects.requireNonNull;

import com.google.common.base.Ticker;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.Counts;
import io.gfsload.cache.api.FileErrors;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.client.ClientConfig;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.master.CacheMaster;
import io.gfsload.cache.master.MasterConfig;
import io.gfsload.cache.metrics.MetricsHttpServer;
import io.gfsload.cache.metrics.MetricsRegistry;
import io.gfsload.cache.worker.CacheWorker;
import io.gfsload.cache.worker.TierConfig;
import io.gfsload.cache.worker.WorkerConfig;
import io.gfsload.cache.worker.WorkerDisk;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole cache cluster in this process: one master and N workers, each a real gRPC server on an
 * ephemeral loopback port, with their state under one directory. The embedded default of gfsload
 * and the cluster tests run against.
 *
 * <p>Workers are named {@code worker-0}, {@code worker-1}, ..., so a cluster started again on the
 * same directory serves everything the previous one cached on persistent tiers. The directory is
 * locked while the cluster runs. With a metrics port, one endpoint serves the master's and every
 * worker's metrics (the workers' labelled {@code worker="<id>"}). Thread-safe; {@link #close()} is
 * idempotent.
 */
public final class LocalCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);
    private static final String LOCK_FILE = "cluster.lock";

    private final LocalClusterConfig config;
    private final Clock clock;
    private final WorkerDisk disk;
    private final MetricsRegistry metrics;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final CacheMaster master;
    /** By index; null while a worker is stopped. Guarded by this. */
    private final List<CacheWorker> workers;
    private final Optional<MetricsHttpServer> metricsServer;
    private boolean closed;

    private LocalCluster(LocalClusterConfig config, Clock clock, WorkerDisk disk, MetricsRegistry metrics, FileChannel lockChannel,
            FileLock lock, CacheMaster master, List<CacheWorker> workers, Optional<MetricsHttpServer> metricsServer) {
        this.config = config;
        this.clock = clock;
        this.disk = disk;
        this.metrics = metrics;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.master = master;
        this.workers = new ArrayList<>(workers);
        this.metricsServer = metricsServer;
    }

    /**
     * Locks the directory, starts the master and the workers, and returns once every worker is
     * registered and live.
     *
     * @throws CacheException when the directory is in use by another cluster, or a part fails to
     *     start; whatever was started is stopped again
     */
    public static LocalCluster start(LocalClusterConfig config) {
        return start(config, Clock.systemUTC());
    }

    /**
     * As {@link #start(LocalClusterConfig)}, with {@code clock} as the time of temp-area expiry
     * (master) and of block accesses for eviction (workers).
     */
    public static LocalCluster start(LocalClusterConfig config, Clock clock) {
        return start(config, clock, WorkerDisk.system());
    }

    /**
     * As {@link #start(LocalClusterConfig, Clock)}, with the workers' block files on {@code disk}
     * (a test's disk that runs full, say).
     */
    public static LocalCluster start(LocalClusterConfig config, Clock clock, WorkerDisk disk) {
        requireNonNull(config, "config is null");
        requireNonNull(clock, "clock is null");
        requireNonNull(disk, "disk is null");
        Path directory = config.directory().toAbsolutePath();
        FileChannel lockChannel = null;
        FileLock lock = null;
        CacheMaster master = null;
        MetricsHttpServer metricsServer = null;
        MetricsRegistry metrics = new MetricsRegistry();
        List<CacheWorker> workers = new ArrayList<>();
        try {
            Files.createDirectories(directory);
            lockChannel = FileChannel.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            lock = tryLock(lockChannel, directory);
            master = CacheMaster.start(MasterConfig.defaults(directory.resolve("master"))
                    .withHeartbeatInterval(config.heartbeatInterval())
                    .withToken(config.token()), Ticker.systemTicker(), clock, metrics);
            for (int i = 0; i < config.workers(); i++) {
                workers.add(CacheWorker.start(workerConfig(config, directory, i, master.target()), clock, metrics,
                        "the local cache cluster in " + directory, disk));
            }
            if (config.metricsPort() != LocalClusterConfig.NO_METRICS) {
                metricsServer = MetricsHttpServer.start(MasterConfig.DEFAULT_HOST, config.metricsPort(), metrics);
            }
            // A worker's start() returns after the master accepted its registration.
            long live = master.clusterInfo().liveWorkers().size();
            if (live != config.workers()) {
                throw new CacheException("Only " + live + " of " + config.workers() + " workers of the cache cluster in "
                        + directory + " are live after start");
            }
            LocalCluster cluster = new LocalCluster(config, clock, disk, metrics, lockChannel, lock, master, workers,
                    Optional.ofNullable(metricsServer));
            log.info("Local cache cluster in {} started: master {}, {}{}", directory, master.target(),
                    Counts.of(workers.size(), "worker"), cluster.metricsTarget().map(target -> ", metrics on http://" + target + "/metrics")
                            .orElse(""));
            return cluster;
        }
        catch (IOException | RuntimeException e) {
            CacheException failure = e instanceof CacheException cacheException
                    ? cacheException
                    : new CacheException("Cannot start the cache cluster in " + directory + ": "
                            + (e instanceof IOException io ? FileErrors.reason(io, directory) : e.toString()), e);
            try {
                if (metricsServer != null) {
                    metricsServer.close();
                }
                stopAll(workers, master, lock, lockChannel);
            }
            catch (RuntimeException stopFailure) {
                failure.addSuppressed(stopFailure);
            }
            throw failure;
        }
    }

    /** {@code host:port} of the master, e.g. {@code 127.0.0.1:41234}. */
    public String masterTarget() {
        return master.target();
    }

    /** A new client of this cluster (with its token, if any); the caller closes it. */
    public CacheClient newClient() {
        return GrpcCacheClient.connect(master.target(), ClientConfig.defaults().withToken(config.token()));
    }

    /**
     * The block directories of the workers, by worker index: the first directory of each worker's
     * fastest tier.
     */
    public List<Path> workerBlockDirectories() {
        Path directory = config.directory().toAbsolutePath();
        List<Path> result = new ArrayList<>();
        for (int i = 0; i < config.workers(); i++) {
            result.add(workerConfig(config, directory, i, master.target()).blockDirectory());
        }
        return result;
    }

    /** The directory of worker {@code index}'s tier {@code tier}, if it has that tier. */
    public Optional<Path> workerTierDirectory(int index, StorageTier tier) {
        return workerConfig(config, config.directory().toAbsolutePath(), index, master.target()).tiers().stream()
                .filter(t -> t.tier() == tier)
                .map(t -> t.directories().get(0).path())
                .findFirst();
    }

    /** {@code host:port} of the cluster's metrics endpoint, if it serves one. */
    public Optional<String> metricsTarget() {
        return metricsServer.map(MetricsHttpServer::target);
    }

    /** The registry of the master's and the workers' metrics. */
    public MetricsRegistry metrics() {
        return metrics;
    }

    /** Deletes the temp areas expired by the cluster's clock now, rather than at the master's next check. */
    public List<String> expireTempAreas() {
        return master.expireTempAreas();
    }

    /** Whether worker {@code index} keeps {@code blockId} from eviction (it is in an open temp area). */
    public synchronized boolean isPinned(int index, String blockId) {
        CacheWorker worker = workers.get(index);
        return worker != null && worker.isPinned(blockId);
    }

    /**
     * Stops worker {@code index} cleanly, as SIGTERM stops a worker process: it deletes its MEM
     * tier and tells the master, which stops listing those blocks and counts the worker gone at once.
     */
    public synchronized void stopWorker(int index) {
        CacheWorker worker = workers.get(index);
        if (worker != null) {
            workers.set(index, null);
            worker.close();
        }
    }

    /**
     * Stops worker {@code index} as {@code kill -9} stops a worker process: the master is told
     * nothing (it lists the worker's blocks, and counts it live, until it misses its heartbeats)
     * and the MEM tier stays on disk until the worker's next start.
     */
    public synchronized void killWorker(int index) {
        CacheWorker worker = workers.get(index);
        if (worker != null) {
            workers.set(index, null);
            worker.halt();
        }
    }

    /**
     * Starts worker {@code index} again on its directories, as a restarted worker process would: it
     * rescans its persistent tiers, discards its MEM tier and registers with the master.
     */
    public synchronized void startWorker(int index) {
        if (workers.get(index) != null) {
            throw new IllegalStateException("worker-" + index + " is running");
        }
        workers.set(index, CacheWorker.start(workerConfig(config, config.directory().toAbsolutePath(), index,
                master.target()), clock, metrics, "the local cache cluster in " + config.directory().toAbsolutePath(), disk));
    }

    /** The settings of worker {@code index}: the embedded layout, or the configured tiers. */
    private static WorkerConfig workerConfig(LocalClusterConfig config, Path directory, int index, String masterTarget) {
        String workerId = "worker-" + index;
        List<TierConfig> tiers = new ArrayList<>();
        if (config.tiers().isEmpty()) {
            tiers.add(TierConfig.of(StorageTier.SSD, directory.resolve(workerId),
                    config.workerCapacityBytes()));
        }
        for (LocalClusterConfig.LocalTier tier : config.tiers()) {
            Path root = tier.root().orElse(directory).toAbsolutePath();
            tiers.add(TierConfig.of(tier.tier(), root.resolve(workerId).resolve(tier.tier().name().toLowerCase(Locale.ROOT)),
                    tier.quotaBytesPerWorker()));
        }
        return WorkerConfig.builder(workerId, tiers, masterTarget)
                .heartbeatInterval(config.heartbeatInterval())
                .eviction(config.eviction())
                .token(config.token())
                .shortCircuitWrites(config.shortCircuitWrites())
                .blockFileChecksPerHeartbeat(config.blockFileChecksPerHeartbeat())
                // in-process workers read what the process that runs them may read itself
                .pullAllowed(List.of(WorkerConfig.PULL_ANY))
                .build();
    }

    public LocalClusterConfig config() {
        return config;
    }

    /** Stops the workers, then the master (closing its metadata), then releases the directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        metricsServer.ifPresent(MetricsHttpServer::close);
        stopAll(workers, master, lock, lockChannel);
        log.info("Local cache cluster in {} stopped", config.directory().toAbsolutePath());
    }

    private static FileLock tryLock(FileChannel channel, Path directory) throws IOException {
        FileLock lock;
        try {
            lock = channel.tryLock();
        }
        catch (OverlappingFileLockException e) {
            throw new ClusterInUseException("The cache cluster in " + directory + " is in use by another LocalCluster in "
                    + "this process");
        }
        if (lock == null) {
            throw new ClusterInUseException("The cache cluster in " + directory + " is in use by another process");
        }
        return lock;
    }

    private static void stopAll(List<CacheWorker> workers, CacheMaster master, FileLock lock, FileChannel lockChannel) {
        RuntimeException failure = null;
        for (CacheWorker worker : workers) {
            if (worker == null) {
                continue;
            }
            try {
                worker.close();
            }
            catch (RuntimeException e) {
                failure = add(failure, e);
            }
        }
        if (master != null) {
            try {
                master.close();
            }
            catch (RuntimeException e) {
                failure = add(failure, e);
            }
        }
        try {
            if (lock != null) {
                lock.release();
            }
            if (lockChannel != null) {
                lockChannel.close();
            }
        }
        catch (IOException e) {
            failure = add(failure, new CacheException("Cannot release the cluster lock: " + e, e));
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static RuntimeException add(RuntimeException failure, RuntimeException next) {
        if (failure == null) {
            return next;
        }
        failure.addSuppressed(next);
        return failure;
    }
}
