package io.gfsload.cache.master;

import static java.util.Objects.requireNonNull;

import com.google.common.base.Ticker;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.metrics.MetricsHttpServer;
import io.gfsload.cache.metrics.MetricsRegistry;
import io.gfsload.cache.rpc.RpcServer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache master: a gRPC server holding the worker registry (in memory, rebuilt from worker
 * registrations), and committed block metadata, temp areas and worker commands (RocksDB, survive
 * restarts).
 *
 * <p>Owns its server, its RocksDB, its metrics endpoint (when configured) and a daemon thread
 * {@code gfsload-master-heartbeat-checker} that, every heartbeat interval, logs each worker that
 * stopped heartbeating and deletes the temp areas that expired; {@link #close()} releases all of
 * them. Liveness itself is computed from the injected ticker whenever it is asked for, so tests
 * that drive the ticker see workers lost without waiting for the checker; temp-area expiry follows
 * the injected clock.
 */
public final class CacheMaster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CacheMaster.class);

    private final MasterConfig config;
    private final WorkerRegistry registry;
    private final BlockMetadataStore metadata;
    private final MasterService service;
    private final MasterMetrics metrics;
    private final RpcServer server;
    private final Optional<MetricsHttpServer> metricsServer;
    private final ScheduledExecutorService heartbeatChecker;
    private boolean closed;

    private CacheMaster(MasterConfig config, WorkerRegistry registry, BlockMetadataStore metadata,
            MasterService service, MasterMetrics metrics, RpcServer server, Optional<MetricsHttpServer> metricsServer,
            ScheduledExecutorService heartbeatChecker) {
        this.config = config;
        this.registry = registry;
        this.metadata = metadata;
        this.service = service;
        this.metrics = metrics;
        this.server = server;
        this.metricsServer = metricsServer;
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
        return start(config, ticker, Clock.systemUTC(), new MetricsRegistry(), true);
    }

    /**
     * As {@link #start(MasterConfig, Ticker)}.
     *
     * @param clock the wall clock temp areas are opened and expire by
     * @param registry where the master's metrics go; served over HTTP when the config has a
     *     metrics port
     */
    public static CacheMaster start(MasterConfig config, Ticker ticker, Clock clock, MetricsRegistry registry) {
        return start(config, ticker, clock, registry, true);
    }

    /** As {@link #start(MasterConfig, Ticker)}; without the checker thread when {@code checkHeartbeats} is false. */
    static CacheMaster start(MasterConfig config, Ticker ticker, boolean checkHeartbeats) {
        return start(config, ticker, Clock.systemUTC(), new MetricsRegistry(), checkHeartbeats);
    }

    /** As {@link #start(MasterConfig, Ticker, Clock, MetricsRegistry)}; without the checker thread when {@code background} is false. */
    static CacheMaster start(MasterConfig config, Ticker ticker, Clock clock, MetricsRegistry metricsRegistry,
            boolean background) {
        requireNonNull(config, "config is null");
        requireNonNull(ticker, "ticker is null");
        requireNonNull(clock, "clock is null");
        requireNonNull(metricsRegistry, "metricsRegistry is null");
        WorkerRegistry registry = new WorkerRegistry(ticker, config.lostAfter(), config.unreportedPlacementExpiry());
        BlockMetadataStore metadata = BlockMetadataStore.open(config.metadataDirectory(), config.metadataMemory());
        MasterMetrics metrics = new MasterMetrics(metricsRegistry);
        metrics.watch(metricsRegistry, registry, metadata);
        MasterService service = new MasterService(registry, metadata, clock, metrics);
        RpcServer server;
        Optional<MetricsHttpServer> metricsServer = Optional.empty();
        try {
            server = RpcServer.start("gfsload-master-rpc", config.host(), config.port(), config.token(), service);
            registry.serving();
            try {
                if (config.metricsPort() != MasterConfig.NO_METRICS) {
                    metricsServer = Optional.of(MetricsHttpServer.start(config.host(), config.metricsPort(),
                            metricsRegistry));
                }
            }
            catch (RuntimeException e) {
                server.close();
                throw e;
            }
        }
        catch (RuntimeException e) {
            metadata.close();
            throw e;
        }
        ScheduledExecutorService heartbeatChecker = Executors.newSingleThreadScheduledExecutor(
                new ThreadFactoryBuilder().setNameFormat("gfsload-master-heartbeat-checker").setDaemon(true).build());
        CacheMaster master = new CacheMaster(config, registry, metadata, service, metrics, server, metricsServer,
                heartbeatChecker);
        if (background) {
            long intervalMillis = config.heartbeatInterval().toMillis();
            heartbeatChecker.scheduleWithFixedDelay(master::checkQuietly, intervalMillis, intervalMillis,
                    TimeUnit.MILLISECONDS);
        }
        log.info("Cache master of cluster {} started on {} with metadata in {}{}", metadata.clusterId(), server.target(),
                config.metadataDirectory(), metricsServer.map(m -> "; metrics on http://" + m.target() + "/metrics").orElse(""));
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

    /** {@code host:port} of the metrics endpoint, if the master serves one. */
    public Optional<String> metricsTarget() {
        return metricsServer.map(MetricsHttpServer::target);
    }

    /** The cluster's id and the registered workers as the master sees them now. */
    public ClusterInfo clusterInfo() {
        return new ClusterInfo(metadata.clusterId(), registry.workers());
    }

    /**
     * Logs a warning for each worker that became lost since the last check and returns them. The
     * checker thread calls this every heartbeat interval.
     */
    public List<WorkerInfo> checkWorkers() {
        List<WorkerRegistry.LostWorker> lost = registry.newlyLost();
        for (WorkerRegistry.LostWorker worker : lost) {
            metrics.workerLost();
            log.warn("Worker {} at {}:{} is lost: no heartbeat for {} ms (limit {} ms); its replicas are not served",
                    worker.worker().id(), worker.worker().host(), worker.worker().port(),
                    worker.sinceLastHeartbeat().toMillis(), config.lostAfter().toMillis());
        }
        return lost.stream().map(WorkerRegistry.LostWorker::worker).toList();
    }

    /**
     * Deletes the temp areas that expired by the master's clock, on the master now and on the
     * workers with their next heartbeat; logs each and counts it in the metrics. The checker thread
     * calls this every heartbeat interval.
     *
     * @return the job ids of the areas deleted
     */
    public List<String> expireTempAreas() {
        return service.expireTempAreas();
    }

    private void checkQuietly() {
        try {
            registry.checkerRan().ifPresent(paused -> log.warn("The cache master did not run for {} ms (a pause of its process, or a starved "
                    + "host): its workers' heartbeats waited too, and each has {} ms from now to be heard before it is lost", paused.toMillis(),
                    config.lostAfter().toMillis()));
            checkWorkers();
        }
        catch (RuntimeException e) {
            log.warn("Checking worker heartbeats failed", e);
        }
        try {
            expireTempAreas();
        }
        catch (RuntimeException e) {
            log.warn("Expiring temp areas failed", e);
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
        boolean checkerEnded = MoreExecutors.shutdownAndAwaitTermination(heartbeatChecker, Duration.ofSeconds(5));
        try {
            metricsServer.ifPresent(MetricsHttpServer::close);
            server.close();
        }
        finally {
            // RocksDB closed under a call still in it crashes the process: such a store is left to the process's end
            if (checkerEnded && server.callsEnded()) {
                metadata.close();
            }
            else {
                log.warn("Cache master on {}: a call to the block metadata store still runs; the store is left open until the process ends", target);
            }
        }
        log.info("Cache master on {} stopped", target);
    }
}
