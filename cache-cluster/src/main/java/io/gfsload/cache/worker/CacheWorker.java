package io.gfsload.cache.worker;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.Counts;
import io.gfsload.cache.api.FileErrors;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.api.TierInfo;
import io.gfsload.cache.metrics.MetricsHttpServer;
import io.gfsload.cache.metrics.MetricsRegistry;
import io.gfsload.cache.proto.HeartbeatRequest;
import io.gfsload.cache.proto.HeartbeatResponse;
import io.gfsload.cache.proto.MasterServiceGrpc;
import io.gfsload.cache.proto.PinnedBlock;
import io.gfsload.cache.proto.RegisterWorkerRequest;
import io.gfsload.cache.proto.RegisterWorkerResponse;
import io.gfsload.cache.proto.TierBlocks;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.rpc.RpcChannels;
import io.gfsload.cache.rpc.RpcErrors;
import io.gfsload.cache.rpc.RpcServer;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cache worker: a gRPC server over a tiered {@link BlockStore}, registered with the master and
 * kept live by heartbeats.
 *
 * <p>{@link #start} takes its tier directories for itself ({@link TierDirectoryLocks}: a worker whose
 * directory another worker holds, of this cluster or another, in this process or another, does not
 * start and touches nothing there), scans them (discarding the MEM tier's content, which does not
 * survive a restart), binds the server and registers with the master (reporting every block on
 * disk by tier, so the master drops the locations the worker lost) before it returns; afterwards a
 * daemon thread {@code gfsload-<workerId>-heartbeat} heartbeats every interval (and again at once
 * while the answers carry commands) and registers again when the master does not know the worker
 * (for example after a master restart).
 *
 * <p>Heartbeats carry the space of each tier and the blocks deleted since the last heartbeat
 * (evicted, corrupt, removed), each with the number of the copy deleted, so that the master records
 * no copy deleted before its commit arrived: the oldest {@link WorkerConfig#removedBlocksPerHeartbeat()} at most,
 * the rest going with the next heartbeats; their answers carry the master's commands: blocks to delete (freed,
 * or left in an aborted or expired temp area), blocks to unpin (their temp area was committed), blocks to
 * pin until their temp area's expiry. Each heartbeat names the last answer the worker carried out, and the
 * master answers the same commands again until one does: an answer lost on its way (the call timed out
 * after the master answered, the connection dropped) loses none of them.
 * The heartbeat thread also aborts short-circuit writes whose client went away (idle for
 * {@link WorkerService#LOCAL_WRITE_TIMEOUT}, or {@link WorkerConfig#orphanedWriteTimeout} once
 * the connection they were opened on has closed) and checks that block files are still there
 * ({@link WorkerConfig#blockFileChecksPerHeartbeat()} a time), so that one deleted behind the worker's
 * back is reported. {@link #close()} tells the master that the worker stops (it counts the worker
 * gone at once) before it stops all of it, deletes the MEM tier's content and tells the master,
 * which stops listing those blocks; {@link #halt()} stops as a crash would, telling nothing.
 * Thread-safe.
 */
public final class CacheWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CacheWorker.class);
    private static final Duration MASTER_CALL_TIMEOUT = Duration.ofSeconds(10);
    /**
     * How long a stopping worker waits for the master to hear that it stops. A stopping heartbeat
     * the master did not answer leaves the next one only what is left of it, so that a master
     * that does not answer (hung, frozen) delays the worker's stop by this much once, not once per
     * heartbeat.
     */
    private static final Duration STOP_REPORT_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Heartbeats sent one after another at most, when the worker starts and in each round of the
     * heartbeat thread, while the answers carry commands (up to the master's 200 each) or
     * deletions are left to report; the rest wait for the next round. A round so carries out up
     * to 20,000 commands (a large free's deletions at the rate of one disk's unlinks), while the
     * gap between two heartbeats stays one answer's work; its checks (idle local writes, block
     * files) run once per round, before its heartbeats.
     */
    private static final int MAX_HEARTBEATS_AT_ONCE = 100;
    /** Block ids in one part of a registration: 500,000 of at most 45 bytes each, about 22 MiB. */
    static final int REGISTRATION_PART_BLOCKS = 500_000;

    private final WorkerConfig config;
    private final TierDirectoryLocks locks;
    private final BlockStore store;
    private final WorkerService service;
    private final RpcServer server;
    private final ManagedChannel masterChannel;
    private final WorkerMetrics metrics;
    private final Optional<MetricsHttpServer> metricsServer;
    private final ScheduledExecutorService heartbeats;
    /** Touched only by heartbeat rounds (the heartbeat thread's). */
    private boolean heartbeatFailing;
    /**
     * The id of the last heartbeat answer whose commands the worker carried out since it last
     * registered, 0 for none: each heartbeat names it, and until it does, the master answers the
     * same commands again (an answer lost on its way loses none of them).
     */
    private volatile long carriedOutAnswerId;
    private volatile boolean closed;

    private CacheWorker(WorkerConfig config, TierDirectoryLocks locks, BlockStore store, WorkerService service, RpcServer server,
            ManagedChannel masterChannel, WorkerMetrics metrics, Optional<MetricsHttpServer> metricsServer) {
        this.config = config;
        this.locks = locks;
        this.store = store;
        this.service = service;
        this.server = server;
        this.masterChannel = masterChannel;
        this.metrics = metrics;
        this.metricsServer = metricsServer;
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
        return start(config, Clock.systemUTC(), new MetricsRegistry());
    }

    /**
     * As {@link #start(WorkerConfig)}.
     *
     * @param clock the time of block accesses (for eviction) and of temp-area pin expiry
     * @param registry where the worker's metrics go, labelled with its id; served over HTTP when
     *     the config has a metrics port
     */
    public static CacheWorker start(WorkerConfig config, Clock clock, MetricsRegistry registry) {
        return start(config, clock, registry, "the cache cluster of master " + config.masterTarget(), WorkerDisk.system());
    }

    /**
     * As {@link #start(WorkerConfig, Clock, MetricsRegistry)}.
     *
     * @param cluster the worker's cluster as a worker refused for one of this worker's tier
     *     directories names it, e.g. {@code the cache cluster in /data/gfsload}
     * @throws TierDirectoryInUseException when another worker holds one of the tier directories
     */
    public static CacheWorker start(WorkerConfig config, Clock clock, MetricsRegistry registry, String cluster) {
        return start(config, clock, registry, cluster, WorkerDisk.system());
    }

    /**
     * As {@link #start(WorkerConfig, Clock, MetricsRegistry)}, with the block files on {@code disk}
     * (a test's disk that runs full, say).
     */
    public static CacheWorker start(WorkerConfig config, Clock clock, MetricsRegistry registry, WorkerDisk disk) {
        return start(config, clock, registry, "the cache cluster of master " + config.masterTarget(), disk);
    }

    /**
     * As {@link #start(WorkerConfig, Clock, MetricsRegistry, String)}, with the block files on {@code disk}.
     *
     * @throws TierDirectoryInUseException when another worker holds one of the tier directories
     */
    public static CacheWorker start(WorkerConfig config, Clock clock, MetricsRegistry registry, String cluster, WorkerDisk disk) {
        requireNonNull(config, "config is null");
        requireNonNull(clock, "clock is null");
        requireNonNull(registry, "registry is null");
        requireNonNull(cluster, "cluster is null");
        requireNonNull(disk, "disk is null");
        TierDirectoryLocks locks = TierDirectoryLocks.acquire(config.workerId(),
                "worker " + config.workerId() + " of " + cluster + ", pid " + ProcessHandle.current().pid(),
                config.tiers().stream().flatMap(tier -> tier.directories().stream()).map(TierConfig.Directory::path).toList());
        try {
            return startLocked(config, clock, registry, locks, disk);
        }
        catch (RuntimeException e) {
            locks.close();
            throw e;
        }
    }

    private static CacheWorker startLocked(WorkerConfig config, Clock clock, MetricsRegistry registry, TierDirectoryLocks locks, WorkerDisk disk) {
        BlockStore.OpenResult opened = BlockStore.open(config.workerId(), config.tiers(),
                config.checksumSegmentBytes(), config.maxBlockBytes(), config.eviction(), clock, disk);
        BlockStore store = opened.store();
        // the pins of blocks staged in open temp areas went with the last process: the master's answer to the registration sets them
        // again, and until then a write evicts nothing
        store.holdEvictions();
        WorkerMetrics metrics = new WorkerMetrics(registry, config.workerId());
        metrics.watch(store);
        WorkerService service = new WorkerService(config.workerId(), store, config.readChunkBytes(), metrics,
                config.shortCircuitWrites(), config.orphanedWriteTimeout(), clock, new BlockPuller(config.workerId(), config.ufsProperties(), config.pullAllowed(), config.token(), config.readChunkBytes()));
        RpcServer server;
        try {
            server = RpcServer.start("gfsload-" + config.workerId() + "-rpc", config.host(), config.port(),
                    config.token(), List.of(service.definition()), List.of(service.connectionsWatch()),
                    config.domainSocketDirectory());
        }
        catch (RuntimeException e) {
            metrics.close();
            throw e;
        }
        Optional<MetricsHttpServer> metricsServer;
        try {
            metricsServer = config.metricsPort() == WorkerConfig.NO_METRICS
                    ? Optional.empty()
                    : Optional.of(MetricsHttpServer.start(config.host(), config.metricsPort(), registry));
        }
        catch (RuntimeException e) {
            server.close();
            metrics.close();
            throw e;
        }
        ManagedChannel masterChannel = RpcChannels.newChannel(config.masterTarget(), config.token(), Optional.empty());
        CacheWorker worker = new CacheWorker(config, locks, store, service, server, masterChannel, metrics, metricsServer);
        try {
            worker.register();
            // its evictions (a quota made smaller since the last start) go to the master with the first heartbeat
            store.releaseEvictions();
        }
        catch (RuntimeException e) {
            worker.close();
            throw e;
        }
        worker.startupHeartbeats();
        long intervalMillis = config.heartbeatInterval().toMillis();
        worker.heartbeats.scheduleWithFixedDelay(worker::heartbeatRound, intervalMillis, intervalMillis,
                TimeUnit.MILLISECONDS);
        log.info("Cache worker {} started on {} with {} ({} of {} bytes used) in tiers {}; deleted {}, "
                        + "{} and {} of the MEM tier; master {}; {}{}", config.workerId(),
                server.target() + server.domainSocket().map(socket -> " and " + socket).orElse(""),
                Counts.of(store.blockIds().size(), "block"), store.usedBytes(), config.capacityBytes(),
                describeTiers(config), Counts.of(opened.staleTempFilesDeleted(), "stale temp file"),
                Counts.of(opened.corruptBlocksDeleted(), "corrupt block"), Counts.of(opened.volatileBlocksDiscarded(), "block"), config.masterTarget(), config.describeSettings(),
                metricsServer.map(m -> "; metrics on http://" + m.target() + "/metrics").orElse(""));
        return worker;
    }

    private static String describeTiers(WorkerConfig config) {
        return config.tiers().stream()
                .map(tier -> tier.tier() + " " + tier.directories().stream()
                        .map(directory -> directory.path() + " (" + directory.quotaBytes() + " bytes)")
                        .toList())
                .toList()
                .toString();
    }

    public String id() {
        return config.workerId();
    }

    public int port() {
        return server.port();
    }

    /** The Unix domain socket the worker also serves on, if it does. */
    public Optional<Path> domainSocket() {
        return server.domainSocket();
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

    /** The ids of the blocks on disk by tier, fastest first, each sorted. */
    public Map<StorageTier, List<String>> blockIdsByTier() {
        return store.blockIdsByTier();
    }

    /** The space of each tier. */
    public List<TierInfo> tiers() {
        return store.tiers();
    }

    /** Whether {@code blockId} is pinned (in an open temp area): eviction leaves it alone. */
    public boolean isPinned(String blockId) {
        return store.isPinned(blockId);
    }

    /** {@code host:port} of the worker's metrics endpoint, if it serves one. */
    public Optional<String> metricsTarget() {
        return metricsServer.map(MetricsHttpServer::target);
    }

    /**
     * Sends one heartbeat now, registering again when the master does not know this worker, and
     * carries out the commands of the answer before it returns. The heartbeat thread calls this
     * every interval, and again at once while it returns true: until the next heartbeat the master
     * refuses commits on this worker of the blocks an answer told it to delete, since it may have
     * deleted a new copy written meanwhile, and it answers a few hundred commands at most. The
     * heartbeat reports the oldest {@link WorkerConfig#removedBlocksPerHeartbeat()} deletions not
     * reported yet, at most, and names the last answer carried out: the master sends an answer's
     * commands again until a heartbeat names it, so that a heartbeat that fails after the master
     * answered (a timeout, a dropped connection) loses no command.
     *
     * @return whether the answer carried commands (more may wait), or deletions are left for the next heartbeat
     * @throws CacheException when the master cannot be reached or refuses the heartbeat
     */
    public boolean sendHeartbeat() {
        List<BlockStore.RemovedCopy> removed = store.removedSinceReport(config.removedBlocksPerHeartbeat());
        BlockStore.Usage usage = store.usage();
        HeartbeatResponse response;
        try {
            response = masterStub().heartbeat(HeartbeatRequest.newBuilder()
                    .setWorkerId(config.workerId())
                    .setUsedBytes(store.usedBytes())
                    .addAllTiers(usage.tiers().stream().map(ProtoConversions::toProto).toList())
                    .addAllWritingBlockIds(usage.writingBlockIds())
                    .addAllRemovedBlockIds(removed.stream().map(BlockStore.RemovedCopy::blockId).toList())
                    .addAllRemovedBlockCopies(removed.stream().map(BlockStore.RemovedCopy::copy).toList())
                    .setAcknowledgesAnswers(true)
                    .setCarriedOutAnswerId(carriedOutAnswerId)
                    .build());
        }
        catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                // gRPC backs the channel's reconnection off, up to two minutes: the next heartbeat connects again, so
                // that the worker registers within a heartbeat of its master's return
                masterChannel.resetConnectBackoff();
            }
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                throw RpcErrors.toCacheException("Heartbeat of worker " + config.workerId() + " to master "
                        + config.masterTarget(), e);
            }
            log.info("Master {} does not know worker {}; registering again", config.masterTarget(), config.workerId());
            register();
            return false;
        }
        store.acknowledgeRemoved(removed);
        execute(response);
        if (response.getAnswerId() != 0) {
            // named by the next heartbeat, so that the master sends these commands no more
            carriedOutAnswerId = response.getAnswerId();
        }
        store.dropEndedPins();
        boolean commands = response.getRemoveBlockIdsCount() > 0 || response.getUnpinBlockIdsCount() > 0
                || response.getPinBlocksCount() > 0;
        return commands || !store.removedSinceReport(1).isEmpty();
    }

    /** Carries out the master's commands of a heartbeat answer. */
    private void execute(HeartbeatResponse response) {
        int removed = 0;
        for (String blockId : response.getRemoveBlockIdsList()) {
            try {
                if (store.remove(blockId)) {
                    removed++;
                }
            }
            catch (RuntimeException e) {
                log.warn("Worker {} cannot remove block {} as the master asks: {}", config.workerId(), blockId,
                        e.getMessage());
            }
        }
        for (String blockId : response.getUnpinBlockIdsList()) {
            try {
                store.unpin(blockId);
            }
            catch (RuntimeException e) {
                log.warn("Worker {} cannot unpin block {}: {}", config.workerId(), blockId, e.getMessage());
            }
        }
        for (PinnedBlock pinned : response.getPinBlocksList()) {
            try {
                store.pin(pinned.getBlockId(), pinned.getUntilEpochMillis());
            }
            catch (RuntimeException e) {
                log.warn("Worker {} cannot pin block {}: {}", config.workerId(), pinned.getBlockId(), e.getMessage());
            }
        }
        if (response.getRemoveBlockIdsCount() > 0) {
            metrics.removedByMaster(removed);
            log.info("Worker {} deleted {} of {} on the master's command (freed, or left in an aborted or "
                    + "expired temp area)", config.workerId(), removed, Counts.of(response.getRemoveBlockIdsCount(), "block"));
        }
    }

    private void register() {
        RegisterWorkerRequest.Builder request = RegisterWorkerRequest.newBuilder()
                .setWorkerId(config.workerId())
                .setHost(config.host())
                .setPort(server.port())
                .setDomainSocket(server.domainSocket().map(Path::toString).orElse(""))
                .setCapacityBytes(config.capacityBytes())
                .setUsedBytes(store.usedBytes())
                .addAllTiers(store.tiers().stream().map(ProtoConversions::toProto).toList());
        Map<StorageTier, List<String>> reported = store.blockIdsByTier();
        List<RegisterWorkerRequest> parts = registrationParts(request, reported, REGISTRATION_PART_BLOCKS);
        for (RegisterWorkerRequest part : parts.subList(0, parts.size() - 1)) {
            registerPart(part);
        }
        // the master reconciles the report with the last part: no write finishes from then until it did, and the last part also has
        // the blocks written since the report was taken. A block written meanwhile and recorded on the master by its client before
        // the reconciling would else be dropped from the master as not reported.
        RegisterWorkerResponse response = store.whileNoWriteFinishes(
                () -> registerPart(withBlocksAdded(parts.get(parts.size() - 1), reported, store.blockIdsByTier())));
        // the master (perhaps one started since, whose answer ids start anew) sends from the next heartbeat on whatever the worker has
        // not said it carried out: an id of before names none of its answers
        carriedOutAnswerId = 0;
        // Deletions stay to be told with the next heartbeat, with their copy numbers: a commit of a
        // deleted copy may still be on its way to the master.
        for (PinnedBlock pinned : response.getPinnedBlocksList()) {
            store.pin(pinned.getBlockId(), pinned.getUntilEpochMillis());
        }
        if (response.getUnrecordedBlocks() > 0) {
            log.debug("Worker {} holds {} the master has not recorded on it", config.workerId(),
                    Counts.of(response.getUnrecordedBlocks(), "block"));
        }
    }

    /**
     * {@code last}, the last part of a registration whose parts report {@code reported}, with the
     * blocks of {@code now} (the worker's blocks as it sends that part) that {@code reported} has
     * not: those written since the report was taken. A block removed since stays reported; the
     * worker tells the master of its removal with its next heartbeat.
     */
    static RegisterWorkerRequest withBlocksAdded(RegisterWorkerRequest last, Map<StorageTier, List<String>> reported,
            Map<StorageTier, List<String>> now) {
        Set<String> inReport = new HashSet<>();
        reported.values().forEach(inReport::addAll);
        RegisterWorkerRequest.Builder part = last.toBuilder();
        now.forEach((tier, ids) -> {
            List<String> added = ids.stream().filter(id -> !inReport.contains(id)).toList();
            if (!added.isEmpty()) {
                part.addTierBlocks(TierBlocks.newBuilder().setTier(ProtoConversions.toProto(tier)).addAllBlockIds(added));
            }
        });
        return part.build();
    }

    /** Sends one part of the worker's registration. */
    private RegisterWorkerResponse registerPart(RegisterWorkerRequest part) {
        try {
            return masterStub().registerWorker(part);
        }
        catch (StatusRuntimeException e) {
            throw RpcErrors.toCacheException("Registering worker " + config.workerId() + " with master " + config.masterTarget(), e);
        }
    }

    /**
     * The parts of a registration ({@code base} and the block ids of {@code idsByTier}): one
     * request when the worker holds at most {@code maxBlocks} blocks, else as many as it takes,
     * each with at most {@code maxBlocks} of them, numbered from 0, every one but the last with
     * {@code more_parts} set: one message holds at most 64 MiB, about 1.4 million block ids.
     */
    static List<RegisterWorkerRequest> registrationParts(RegisterWorkerRequest.Builder base, Map<StorageTier, List<String>> idsByTier,
            int maxBlocks) {
        List<RegisterWorkerRequest> parts = new ArrayList<>();
        RegisterWorkerRequest.Builder part = base.clone().setPart(0);
        int inPart = 0;
        for (Map.Entry<StorageTier, List<String>> tier : idsByTier.entrySet()) {
            List<String> ids = tier.getValue();
            int from = 0;
            do {
                if (inPart == maxBlocks) {
                    parts.add(part.setMoreParts(true).build());
                    part = base.clone().setPart(parts.size());
                    inPart = 0;
                }
                int to = Math.min(ids.size(), from + maxBlocks - inPart);
                part.addTierBlocks(TierBlocks.newBuilder().setTier(ProtoConversions.toProto(tier.getKey())).addAllBlockIds(ids.subList(from, to)));
                inPart += to - from;
                from = to;
            }
            while (from < ids.size());
        }
        parts.add(part.build());
        return parts;
    }

    /**
     * The heartbeats right after registering, before the worker takes writes: deletions queued
     * while it was down (a free with the embedded cluster ends before any heartbeat) are carried
     * out now, not once the next load has written the blocks again; and heartbeats follow until
     * the master has no more for it, so that it holds back no commit on this worker, and until the
     * worker has told it every deletion.
     */
    private void startupHeartbeats() {
        try {
            heartbeatsAtOnce();
        }
        catch (RuntimeException e) {
            log.warn("{}", e.getMessage());
        }
    }

    /**
     * Sends heartbeats one after another while their answers carry commands or deletions are left
     * to report, {@link #MAX_HEARTBEATS_AT_ONCE} at most, and none once the worker is closed: each
     * heartbeat follows the commands of the answer before it, so that a large free drains in
     * answers of a few hundred deletions without a long silence towards the master.
     *
     * @throws CacheException as {@link #sendHeartbeat()}; the heartbeats that would follow are not sent
     */
    private void heartbeatsAtOnce() {
        int sent = 0;
        boolean more;
        do {
            more = sendHeartbeat();
            sent++;
        }
        while (more && sent < MAX_HEARTBEATS_AT_ONCE && !closed);
    }

    /** The clock's time of the last look for idle short-circuit writes; 0 before the first. */
    long localWritesSweptAtMillis() {
        return service.localWritesSweptAtMillis();
    }

    /**
     * One round of the heartbeat thread, every interval: aborts idle short-circuit writes, checks
     * block files, then heartbeats (again at once while the answers carry commands, see
     * {@link #heartbeatsAtOnce()}). Logs a failure to reach the master once, and its end.
     */
    void heartbeatRound() {
        try {
            service.abortIdleLocalWrites();
            if (config.blockFileChecksPerHeartbeat() > 0) {
                // a block file deleted behind the worker's back is reported with this heartbeat
                store.checkBlockFiles(config.blockFileChecksPerHeartbeat());
            }
        }
        catch (RuntimeException e) {
            log.warn("Worker {} cannot check its local writes and block files: {}", config.workerId(), e.toString());
        }
        try {
            heartbeatsAtOnce();
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

    /**
     * What {@link #deleteMemTierLeftBehind} deleted.
     *
     * @param bytes the size of the files deleted
     */
    public record MemTierDeleted(int blocks, int tempFiles, long bytes) {}

    /**
     * Deletes the blocks and temp files that the worker of {@code config} left in its MEM tier's
     * directories when its process ended without stopping (killed, crashed, or killed after a stop
     * timeout): its next start would delete them, and until then they hold RAM. Its persistent
     * tiers are untouched. Takes each directory as a starting worker does, so that a directory a
     * running worker holds is left as it is.
     *
     * @param owner who deletes them, recorded in the directories' lock files meanwhile
     * @return what was deleted
     * @throws TierDirectoryInUseException when a running worker holds one of the directories
     * @throws CacheException when a directory cannot be locked or listed, or a file cannot be deleted
     */
    public static MemTierDeleted deleteMemTierLeftBehind(WorkerConfig config, String owner) {
        requireNonNull(config, "config is null");
        requireNonNull(owner, "owner is null");
        List<Path> directories = config.tiers().stream().filter(tier -> !tier.tier().persistent())
                .flatMap(tier -> tier.directories().stream()).map(TierConfig.Directory::path)
                .filter(Files::isDirectory).toList();
        int blocks = 0;
        int tempFiles = 0;
        long bytes = 0;
        try (TierDirectoryLocks ignored = TierDirectoryLocks.acquire(config.workerId(), owner, directories)) {
            for (Path directory : directories) {
                BlockStore.VolatileContentDeleted deleted;
                try {
                    deleted = BlockStore.deleteLeftVolatileContent(directory);
                }
                catch (IOException e) {
                    throw new CacheException("Cannot delete the blocks cache worker " + config.workerId() + " left in its MEM tier directory "
                            + directory + ": " + FileErrors.reason(e, directory), e);
                }
                blocks += deleted.blocks();
                tempFiles += deleted.tempFiles();
                bytes += deleted.bytes();
            }
        }
        return new MemTierDeleted(blocks, tempFiles, bytes);
    }

    /** Deletes the MEM tier's content once the server has stopped, and says so in one line. */
    private void deleteMemTier() {
        if (config.tiers().stream().allMatch(tier -> tier.tier().persistent())) {
            return;
        }
        try {
            BlockStore.VolatileContentDeleted deleted = store.deleteVolatileContent();
            log.info("Worker {} deleted {} ({} bytes) and {} of its MEM tier as it stops", config.workerId(),
                    Counts.of(deleted.blocks(), "block"), deleted.bytes(), Counts.of(deleted.tempFiles(), "temp file"));
        }
        catch (RuntimeException e) {
            log.warn("Worker {} cannot delete the content of its MEM tier as it stops; its next start deletes it: {}",
                    config.workerId(), e.getMessage());
        }
    }

    /**
     * Tells the master, in stopping heartbeats, that the worker stops and which blocks it deleted
     * since its last heartbeat, so that the master places nothing more on it, stops listing its
     * replicas and forgets those blocks. The worker tells it before its server drains and again
     * after, with the blocks deleted meanwhile (its MEM tier's among them); each time in as many
     * stopping heartbeats as the deletions take, {@link WorkerConfig#removedBlocksPerHeartbeat()} a heartbeat.
     * Waits until {@code deadline} at most (a heartbeat whose deadline has passed is not sent): a
     * master that cannot be reached finds the worker lost once its heartbeats are missed, and the
     * locations of the deletions not told (the MEM tier's among them) go when the worker registers again.
     *
     * @param what what the stopping heartbeats say, for the log
     * @param deadline until when the master may answer
     * @return whether the master heard that the worker stops (the first of the heartbeats)
     */
    private boolean tellMasterStopping(String what, Deadline deadline) {
        int told = 0;
        boolean heard = false;
        do {
            if (deadline.isExpired()) {
                String cause = "the " + STOP_REPORT_TIMEOUT.toSeconds() + " s a stopping worker gives the master have passed";
                if (heard) {
                    warnDeletionsNotTold(what, cause);
                    return true;
                }
                log.warn("Worker {} did not tell master {} {}: {}; the master lists the worker's blocks until it finds the worker "
                                + "lost (no heartbeat for 3 intervals), and those of its MEM tier until the worker registers again",
                        config.workerId(), config.masterTarget(), what, cause);
                return false;
            }
            List<BlockStore.RemovedCopy> removed = store.removedSinceReport(config.removedBlocksPerHeartbeat());
            try {
                MasterServiceGrpc.newBlockingStub(masterChannel)
                        .withDeadline(deadline)
                        .heartbeat(HeartbeatRequest.newBuilder()
                                .setWorkerId(config.workerId())
                                .setUsedBytes(store.usedBytes())
                                .addAllTiers(store.tiers().stream().map(ProtoConversions::toProto).toList())
                                .addAllRemovedBlockIds(removed.stream().map(BlockStore.RemovedCopy::blockId).toList())
                                .addAllRemovedBlockCopies(removed.stream().map(BlockStore.RemovedCopy::copy).toList())
                                .setAcknowledgesAnswers(true)
                                .setCarriedOutAnswerId(carriedOutAnswerId)
                                .setStopping(true)
                                .build());
            }
            catch (StatusRuntimeException e) {
                String failure = RpcErrors.toCacheException("Telling master " + config.masterTarget() + " that worker "
                        + config.workerId() + " stops", e).getMessage();
                if (heard) {
                    warnDeletionsNotTold(what, failure);
                    return true;
                }
                log.warn("{}; the master lists the worker's blocks until it finds the worker lost (no heartbeat for 3 "
                        + "intervals), and those of its MEM tier until the worker registers again", failure);
                return false;
            }
            store.acknowledgeRemoved(removed);
            heard = true;
            told += removed.size();
        }
        while (!store.removedSinceReport(1).isEmpty());
        log.info("Worker {} told master {} {} ({} deleted since its last heartbeat)", config.workerId(),
                config.masterTarget(), what, Counts.of(told, "block"));
        return true;
    }

    /** Logs that the master heard {@code what} from a stopping worker, but not all the blocks it deleted, and why. */
    private void warnDeletionsNotTold(String what, String cause) {
        log.warn("Worker {} told master {} {}, but {} it deleted went untold: {}; the master forgets their locations when "
                        + "the worker registers again", config.workerId(), config.masterTarget(), what,
                Counts.of(store.removedSinceReport().size(), "block"), cause);
    }

    private MasterServiceGrpc.MasterServiceBlockingStub masterStub() {
        return MasterServiceGrpc.newBlockingStub(masterChannel)
                .withDeadlineAfter(MASTER_CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Stops heartbeats, tells the master that the worker stops (so that it places nothing more on
     * it and stops listing its replicas while calls under way finish), stops the server (running
     * calls get a few seconds), deletes the MEM tier's blocks and temp files (they would not
     * survive a restart, and would hold RAM until the next start), tells the master which blocks
     * it deleted, and disconnects from the master. A master that does not answer delays the stop
     * by {@link #STOP_REPORT_TIMEOUT} in all, so that it does not keep the worker from a clean
     * stop within the time {@code gfsload cluster stop} gives it. Idempotent. A worker killed without this leaves its
     * MEM tier to its next start, and the master finds it lost after missed heartbeats.
     */
    @Override
    public void close() {
        stop(true);
    }

    /**
     * Stops the worker as a crash ({@code kill -9}) would, for the in-process cluster: heartbeats
     * and the server stop, the MEM tier stays on disk (its next start deletes it) and the master is
     * told nothing, so that it finds the worker lost after missed heartbeats. Idempotent, and
     * {@link #close()} after it does nothing.
     */
    public void halt() {
        stop(false);
    }

    private void stop(boolean clean) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        String target = server.target();
        // a heartbeat under way is cancelled: none follows the stopping one, and one the master handles late does not revive the worker
        heartbeats.shutdownNow();
        try {
            if (!heartbeats.awaitTermination(MASTER_CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Worker {}'s heartbeat thread did not end within {} ms", config.workerId(), MASTER_CALL_TIMEOUT.toMillis());
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // told before the server drains, which may take seconds: meanwhile the master places nothing on the worker
        Deadline reportDeadline = Deadline.after(STOP_REPORT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        boolean told = clean && tellMasterStopping("that it stops", reportDeadline);
        try {
            metricsServer.ifPresent(MetricsHttpServer::close);
            server.close();
        }
        finally {
            service.abortLocalWrites();
            service.closePuller();
            if (clean) {
                deleteMemTier();
                if (!told || !store.removedSinceReport(1).isEmpty()) {
                    // a master that heard the first answers: the second gets its own time; one that did not gets what is left
                    tellMasterStopping(told ? "the blocks it deleted as it stopped" : "that it stops",
                            told ? Deadline.after(STOP_REPORT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) : reportDeadline);
                }
            }
            metrics.close();
            masterChannel.shutdownNow();
            try {
                masterChannel.awaitTermination(MASTER_CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // last: another worker may take the directories now (as after kill -9, when the process ends)
            locks.close();
        }
        log.info("Cache worker {} on {} {}", config.workerId(), target, clean ? "stopped" : "halted");
    }
}
