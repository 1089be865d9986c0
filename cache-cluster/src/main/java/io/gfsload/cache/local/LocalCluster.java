package io.gfsload.cache.local;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.master.CacheMaster;
import io.gfsload.cache.master.MasterConfig;
import io.gfsload.cache.worker.CacheWorker;
import io.gfsload.cache.worker.WorkerConfig;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole cache cluster in this process: one master and N workers, each a real gRPC server on an
 * ephemeral loopback port, with their state under one directory. The embedded default of gfsload
 * and the cluster tests run against.
 *
 * <p>Workers are named {@code worker-0}, {@code worker-1}, ..., so a cluster started again on the
 * same directory serves everything the previous one cached. The directory is locked while the
 * cluster runs. Thread-safe; {@link #close()} is idempotent.
 */
public final class LocalCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);
    private static final String LOCK_FILE = "cluster.lock";

    private final LocalClusterConfig config;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final CacheMaster master;
    private final List<CacheWorker> workers;
    private boolean closed;

    private LocalCluster(LocalClusterConfig config, FileChannel lockChannel, FileLock lock, CacheMaster master,
            List<CacheWorker> workers) {
        this.config = config;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.master = master;
        this.workers = List.copyOf(workers);
    }

    /**
     * Locks the directory, starts the master and the workers, and returns once every worker is
     * registered and live.
     *
     * @throws CacheException when the directory is in use by another cluster, or a part fails to
     *     start; whatever was started is stopped again
     */
    public static LocalCluster start(LocalClusterConfig config) {
        requireNonNull(config, "config is null");
        Path directory = config.directory().toAbsolutePath();
        FileChannel lockChannel = null;
        FileLock lock = null;
        CacheMaster master = null;
        List<CacheWorker> workers = new ArrayList<>();
        try {
            Files.createDirectories(directory);
            lockChannel = FileChannel.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            lock = tryLock(lockChannel, directory);
            master = CacheMaster.start(MasterConfig.defaults(directory.resolve("master")));
            for (int i = 0; i < config.workers(); i++) {
                workers.add(CacheWorker.start(WorkerConfig.builder("worker-" + i, directory.resolve("worker-" + i),
                        config.workerCapacityBytes(), master.target()).build()));
            }
            // A worker's start() returns after the master accepted its registration.
            long live = master.clusterInfo().liveWorkers().size();
            if (live != config.workers()) {
                throw new CacheException("Only " + live + " of " + config.workers() + " workers of the cache cluster in "
                        + directory + " are live after start");
            }
            LocalCluster cluster = new LocalCluster(config, lockChannel, lock, master, workers);
            log.info("Local cache cluster in {} started: master {}, {} workers", directory, master.target(),
                    workers.size());
            return cluster;
        }
        catch (IOException | RuntimeException e) {
            CacheException failure = e instanceof CacheException cacheException
                    ? cacheException
                    : new CacheException("Cannot start the cache cluster in " + directory + ": " + e, e);
            try {
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

    /** A new client of this cluster; the caller closes it. */
    public CacheClient newClient() {
        return GrpcCacheClient.connect(master.target());
    }

    /** The block directories of the workers, by worker index. */
    public List<Path> workerBlockDirectories() {
        return workers.stream().map(CacheWorker::blockDirectory).toList();
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
        stopAll(workers, master, lock, lockChannel);
        log.info("Local cache cluster in {} stopped", config.directory().toAbsolutePath());
    }

    private static FileLock tryLock(FileChannel channel, Path directory) throws IOException {
        FileLock lock;
        try {
            lock = channel.tryLock();
        }
        catch (OverlappingFileLockException e) {
            throw new CacheException("The cache cluster in " + directory + " is in use by another LocalCluster in "
                    + "this process");
        }
        if (lock == null) {
            throw new CacheException("The cache cluster in " + directory + " is in use by another process");
        }
        return lock;
    }

    private static void stopAll(List<CacheWorker> workers, CacheMaster master, FileLock lock, FileChannel lockChannel) {
        RuntimeException failure = null;
        for (CacheWorker worker : workers) {
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
