package io.gfsload.cache.master;

import static java.util.Objects.requireNonNull;

import com.google.common.base.Ticker;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.rpc.RpcServer;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache master: a gRPC server holding the worker registry (in memory, rebuilt from worker
 * registrations) and committed block metadata (RocksDB, survives restarts).
 *
 * <p>Owns its server, its RocksDB and a daemon thread {@code gfsload-master-heartbeat-checker}
 * that logs each worker that stops heartbeating; {@link #close()} releases all of them.
 * Liveness itself is computed from the injected ticker whenever it is asked for, so tests that
 * drive the ticker see workers lost without waiting for the checker.
 */
public final class CacheMaster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CacheMaster.class);

    private final MasterConfig config;
    private final WorkerRegistry registry;
    private final BlockMetadataStore metadata;
    private final RpcServer server;
    private final ScheduledExecutorService heartbeatChecker;
    private boolean closed;

    private CacheMaster(MasterConfig config, WorkerRegistry registry, BlockMetadataStore metadata,
            RpcServer server, ScheduledExecutorService heartbeatChecker) {
        this.config = config;
        this.registry = registry;
        this.metadata = metadata;
        this.server = server;
        this.heartbeatChecker = heartbeatChecker;
    }

    /** Starts a master that measures heartbeat ages with the system ticker. */
    public static CacheMaster start(MasterConfig config) {
        return start(config, Ticker.systemTicker());
    }

    /**
     * Opens the metadata store and starts serving.
     *
     * @param ticker source of the nanosecond times heartbeat ages are measured with
     * @throws MetadataStoreException when the metadata store cannot be opened
     * @throws java.io.UncheckedIOException when the address cannot be bound
     */
    public static CacheMaster start(MasterConfig config, Ticker ticker) {
        return start(config, ticker, true);
    }

    /** As {@link #start(MasterConfig, Ticker)}; without the checker thread when {@code checkHeartbeats} is false. */
    static CacheMaster start(MasterConfig config, Ticker ticker, boolean checkHeartbeats) {
        requireNonNull(config, "config is null");
        requireNonNull(ticker, "ticker is null");
        WorkerRegistry registry = new WorkerRegistry(ticker, config.lostAfter());
        BlockMetadataStore metadata = BlockMetadataStore.open(config.metadataDirectory());
        RpcServer server;
        try {
            server = RpcServer.start("gfsload-master-rpc", config.host(), config.port(),
                    new MasterService(registry, metadata));
        }
        catch (RuntimeException e) {
            metadata.close();
            throw e;
        }
        ScheduledExecutorService heartbeatChecker = Executors.newSingleThreadScheduledExecutor(
                new ThreadFactoryBuilder().setNameFormat("gfsload-master-heartbeat-checker").setDaemon(true).build());
        CacheMaster master = new CacheMaster(config, registry, metadata, server, heartbeatChecker);
        if (checkHeartbeats) {
            long intervalMillis = config.heartbeatInterval().toMillis();
            heartbeatChecker.scheduleWithFixedDelay(master::checkWorkersQuietly, intervalMillis, intervalMillis,
                    TimeUnit.MILLISECONDS);
        }
        log.info("Cache master started on {} with metadata in {}", server.target(), config.metadataDirectory());
        return master;
    }

    /** The port the master listens on. */
    public int port() {
        return server.port();
    }

    /** {@code host:port} for clients and workers. */
    public String target() {
        return server.target();
    }

    /** The registered workers as the master sees them now. */
    public ClusterInfo clusterInfo() {
        return new ClusterInfo(registry.workers());
    }

    /**
     * Logs a warning for each worker that became lost since the last check and returns them. The
     * checker thread calls this every heartbeat interval.
     */
    public List<WorkerInfo> checkWorkers() {
        List<WorkerRegistry.LostWorker> lost = registry.newlyLost();
        for (WorkerRegistry.LostWorker worker : lost) {
            log.warn("Worker {} at {}:{} is lost: no heartbeat for {} ms (limit {} ms); its replicas are not served",
                    worker.worker().id(), worker.worker().host(), worker.worker().port(),
                    worker.sinceLastHeartbeat().toMillis(), config.lostAfter().toMillis());
        }
        return lost.stream().map(WorkerRegistry.LostWorker::worker).toList();
    }

    private void checkWorkersQuietly() {
        try {
            checkWorkers();
        }
        catch (RuntimeException e) {
            log.warn("Checking worker heartbeats failed", e);
        }
    }

    /** Stops the server and the checker, then closes the metadata store. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        String target = server.target();
        heartbeatChecker.shutdownNow();
        try {
            heartbeatChecker.awaitTermination(5, TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            server.close();
        }
        finally {
            metadata.close();
        }
        log.info("Cache master on {} stopped", target);
    }
}
