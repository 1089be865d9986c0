package io.gfsload.cache.worker;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.proto.HeartbeatRequest;
import io.gfsload.cache.proto.MasterServiceGrpc;
import io.gfsload.cache.proto.RegisterWorkerRequest;
import io.gfsload.cache.proto.RegisterWorkerResponse;
import io.gfsload.cache.rpc.RpcErrors;
import io.gfsload.cache.rpc.RpcServer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cache worker: a gRPC server over a {@link BlockStore}, registered with the master and kept
 * live by heartbeats.
 *
 * <p>{@link #start} scans the block directory, binds the server and registers with the master
 * (reporting every block on disk) before it returns; afterwards a daemon thread
 * {@code gfsload-<workerId>-heartbeat} heartbeats every interval and registers again when the
 * master does not know the worker (for example after a master restart). {@link #close()} stops
 * all of it. Thread-safe.
 */
public final class CacheWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CacheWorker.class);
    private static final Duration MASTER_CALL_TIMEOUT = Duration.ofSeconds(10);

    private final WorkerConfig config;
    private final BlockStore store;
    private final RpcServer server;
    private final ManagedChannel masterChannel;
    private final ScheduledExecutorService heartbeats;
    /** Touched only by the heartbeat thread. */
    private boolean heartbeatFailing;
    private volatile boolean closed;

    private CacheWorker(WorkerConfig config, BlockStore store, RpcServer server, ManagedChannel masterChannel) {
        this.config = config;
        this.store = store;
        this.server = server;
        this.masterChannel = masterChannel;
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(new ThreadFactoryBuilder()
                .setNameFormat("gfsload-" + config.workerId() + "-heartbeat")
                .setDaemon(true)
                .build());
    }

    /**
     * Opens the block directory, starts serving and registers with the master.
     *
     * @throws io.gfsload.cache.api.CacheUnavailableException when the master cannot be reached
     * @throws CacheException when the directory cannot be used or the master refuses the worker
     */
    public static CacheWorker start(WorkerConfig config) {
        requireNonNull(config, "config is null");
        BlockStore.OpenResult opened = BlockStore.open(config.workerId(), config.blockDirectory(),
                config.capacityBytes(), config.checksumSegmentBytes());
        BlockStore store = opened.store();
        RpcServer server = RpcServer.start("gfsload-" + config.workerId() + "-rpc", config.host(), config.port(),
                new WorkerService(config.workerId(), store, config.readChunkBytes()));
        ManagedChannel masterChannel = Grpc.newChannelBuilder(config.masterTarget(), InsecureChannelCredentials.create())
                .build();
        CacheWorker worker = new CacheWorker(config, store, server, masterChannel);
        try {
            worker.register();
        }
        catch (RuntimeException e) {
            worker.close();
            throw e;
        }
        long intervalMillis = config.heartbeatInterval().toMillis();
        worker.heartbeats.scheduleWithFixedDelay(worker::heartbeatQuietly, intervalMillis, intervalMillis,
                TimeUnit.MILLISECONDS);
        log.info("Cache worker {} started on {} with {} blocks ({} of {} bytes used) in {}; deleted {} stale temp "
                        + "files and {} corrupt blocks; master {}", config.workerId(), server.target(),
                store.blockIds().size(), store.usedBytes(), config.capacityBytes(), config.blockDirectory(),
                opened.staleTempFilesDeleted(), opened.corruptBlocksDeleted(), config.masterTarget());
        return worker;
    }

    public String id() {
        return config.workerId();
    }

    public int port() {
        return server.port();
    }

    /** {@code host:port} of the worker's gRPC server. */
    public String target() {
        return server.target();
    }

    public Path blockDirectory() {
        return config.blockDirectory();
    }

    /** Bytes of stored blocks and of writes in progress. */
    public long usedBytes() {
        return store.usedBytes();
    }

    /** The ids of the blocks on disk, sorted. */
    public List<String> blockIds() {
        return store.blockIds();
    }

    /**
     * Sends one heartbeat now, registering again when the master does not know this worker. The
     * heartbeat thread calls this every interval.
     *
     * @throws CacheException when the master cannot be reached or refuses the heartbeat
     */
    public void sendHeartbeat() {
        try {
            masterStub().heartbeat(HeartbeatRequest.newBuilder()
                    .setWorkerId(config.workerId())
                    .setUsedBytes(store.usedBytes())
                    .build());
        }
        catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                throw RpcErrors.toCacheException("Heartbeat of worker " + config.workerId() + " to master "
                        + config.masterTarget(), e);
            }
            log.info("Master {} does not know worker {}; registering again", config.masterTarget(), config.workerId());
            register();
        }
    }

    private void register() {
        RegisterWorkerRequest request = RegisterWorkerRequest.newBuilder()
                .setWorkerId(config.workerId())
                .setHost(config.host())
                .setPort(server.port())
                .setCapacityBytes(config.capacityBytes())
                .setUsedBytes(store.usedBytes())
                .addAllBlockIds(store.blockIds())
                .build();
        RegisterWorkerResponse response;
        try {
            response = masterStub().registerWorker(request);
        }
        catch (StatusRuntimeException e) {
            throw RpcErrors.toCacheException("Registering worker " + config.workerId() + " with master "
                    + config.masterTarget(), e);
        }
        if (response.getUnrecordedBlockIdsCount() > 0) {
            log.debug("Worker {} holds {} blocks the master has not recorded on it", config.workerId(),
                    response.getUnrecordedBlockIdsCount());
        }
    }

    private void heartbeatQuietly() {
        try {
            sendHeartbeat();
            if (heartbeatFailing) {
                heartbeatFailing = false;
                log.info("Worker {} reaches master {} again", config.workerId(), config.masterTarget());
            }
        }
        catch (RuntimeException e) {
            if (!heartbeatFailing && !closed) {
                heartbeatFailing = true;
                log.warn("{}", e.getMessage());
            }
        }
    }

    private MasterServiceGrpc.MasterServiceBlockingStub masterStub() {
        return MasterServiceGrpc.newBlockingStub(masterChannel)
                .withDeadlineAfter(MASTER_CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops heartbeats and the server and disconnects from the master. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        String target = server.target();
        heartbeats.shutdownNow();
        try {
            heartbeats.awaitTermination(MASTER_CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            server.close();
        }
        finally {
            masterChannel.shutdownNow();
            try {
                masterChannel.awaitTermination(MASTER_CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        log.info("Cache worker {} on {} stopped", config.workerId(), target);
    }
}
