package io.gfsload.cache.master;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockNotFoundException;
import io.gfsload.cache.api.Counts;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.api.TempAreaInUseException;
import io.gfsload.cache.api.TempAreaNotFoundException;
import io.gfsload.cache.api.TempAreaRun;
import io.gfsload.cache.api.TempAreas;
import io.gfsload.cache.api.TierInfo;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.proto.AbortTempAreaRequest;
import io.gfsload.cache.proto.AbortTempAreaResponse;
import io.gfsload.cache.proto.BlockLocations;
import io.gfsload.cache.proto.BlockPlacement;
import io.gfsload.cache.proto.BlockRecord;
import io.gfsload.cache.proto.BlockRef;
import io.gfsload.cache.proto.CommitBlockRequest;
import io.gfsload.cache.proto.CommitBlockResponse;
import io.gfsload.cache.proto.CommitBlocksRequest;
import io.gfsload.cache.proto.CommitBlocksResponse;
import io.gfsload.cache.proto.CommitScopeRequest;
import io.gfsload.cache.proto.CommitScopeResponse;
import io.gfsload.cache.proto.FileBlocks;
import io.gfsload.cache.proto.FreeRequest;
import io.gfsload.cache.proto.FreeResponse;
import io.gfsload.cache.proto.GetClusterInfoRequest;
import io.gfsload.cache.proto.GetClusterInfoResponse;
import io.gfsload.cache.proto.GetFileBlocksRequest;
import io.gfsload.cache.proto.GetFileBlocksResponse;
import io.gfsload.cache.proto.GetFilesBlocksRequest;
import io.gfsload.cache.proto.GetFilesBlocksResponse;
import io.gfsload.cache.proto.GetUnderReplicatedRequest;
import io.gfsload.cache.proto.GetUnderReplicatedResponse;
import io.gfsload.cache.proto.HeartbeatRequest;
import io.gfsload.cache.proto.HeartbeatResponse;
import io.gfsload.cache.proto.ListTempAreaBlocksRequest;
import io.gfsload.cache.proto.ListTempAreaBlocksResponse;
import io.gfsload.cache.proto.ListTempAreasRequest;
import io.gfsload.cache.proto.ListTempAreasResponse;
import io.gfsload.cache.proto.MasterServiceGrpc;
import io.gfsload.cache.proto.OpenTempAreaRequest;
import io.gfsload.cache.proto.OpenTempAreaResponse;
import io.gfsload.cache.proto.PlaceBlockRequest;
import io.gfsload.cache.proto.PlaceBlockResponse;
import io.gfsload.cache.proto.PlaceBlocksRequest;
import io.gfsload.cache.proto.PlaceBlocksResponse;
import io.gfsload.cache.proto.RegisterWorkerRequest;
import io.gfsload.cache.proto.RegisterWorkerResponse;
import io.gfsload.cache.proto.ReleaseTempAreaRequest;
import io.gfsload.cache.proto.ReleaseTempAreaResponse;
import io.gfsload.cache.proto.RemovalCount;
import io.gfsload.cache.proto.StorageTierProto;
import io.gfsload.cache.proto.TempAreaInfo;
import io.gfsload.cache.proto.TempAreaRecord;
import io.gfsload.cache.proto.TierBlocks;
import io.gfsload.cache.proto.TierUsage;
import io.gfsload.cache.proto.UnderReplicatedBlockProto;
import io.gfsload.cache.proto.UnstageFilesRequest;
import io.gfsload.cache.proto.UnstageFilesResponse;
import io.gfsload.cache.proto.WorkerAddress;
import io.gfsload.cache.proto.WorkerCommand;
import io.gfsload.cache.proto.WorkerStatus;
import io.gfsload.cache.rpc.DomainSockets;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.rpc.RpcErrors;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's gRPC endpoints over its {@link WorkerRegistry} and {@link BlockMetadataStore}.
 *
 * <p>The master never calls a worker: what a worker must do (delete, unpin, pin blocks) waits in
 * the metadata store and goes out with the answer to the worker's next heartbeat, so a worker that
 * is down when a file is freed or a temp area expires gets the commands when it is back. A worker
 * that acknowledges answers gets an answer's commands again until a heartbeat names it as carried
 * out, so that an answer lost on its way loses none (see {@link BlockMetadataStore#answerCommands}).
 */
final class MasterService extends MasterServiceGrpc.MasterServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(MasterService.class);

    /** Worker ids name metadata keys, so they must not contain {@code /}. */
    static final Pattern WORKER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /**
     * Commands sent with one heartbeat answer, at most. A worker carries out an answer's commands
     * before its next heartbeat, and a deletion is one unlink of a block file: about 1.6 ms on a
     * loaded machine (2,012 blocks, 1.2 GiB, in 3.2 s). 200 of them take about 0.3 s, less than a
     * heartbeat interval (1 s by default) up to 5 ms a deletion (a slow, busy disk), far from the
     * missed intervals (3 by default) after which a silent worker is lost, which 10,000 (16 s)
     * would pass. The worker heartbeats again at once after an answer with commands, so that a
     * large free drains as fast as its disk unlinks the files.
     */
    static final int MAX_COMMANDS_PER_HEARTBEAT = 200;
    /** Files in one {@code GetFilesBlocks} call, at most; the protocol documents the number. */
    static final int MAX_FILES_PER_CALL = 10_000;
    /**
     * Blocks of a temp area one paged answer carries at most ({@code ListTempAreaBlocks}, paged
     * opens and listings), and bytes of their records, unless one record alone is more: an area
     * of a million blocks (records of about 300 bytes) would not fit one 64 MiB message.
     */
    static final int TEMP_AREA_BLOCKS_PER_PAGE = 10_000;
    static final long TEMP_AREA_BYTES_PER_PAGE = 2L << 20;
    /** The unrecorded block ids an answer to a registration lists at most; it counts them all. */
    static final int MAX_UNRECORDED_IDS = 10_000;

    private final WorkerRegistry registry;
    private final BlockMetadataStore metadata;
    /** Tells this run of the master from another in {@link RemovalCount}: the store's count starts again when it opens. */
    private final long incarnation = ThreadLocalRandom.current().nextLong();
    private final Clock clock;
    private final MasterMetrics metrics;
    /** Held while a placement chooses its workers and counts them, so that concurrent placements see each other's. */
    private final Object placementLock = new Object();
    /** By worker, the block ids of the parts of its registration so far (see {@code more_parts}). */
    private final Map<String, Set<String>> registrationParts = new HashMap<>();
    /**
     * The workers that had registered with a master on this metadata before this one started:
     * those still running register with it within a heartbeat or two.
     */
    private final Set<String> workersBeforeStart;
    /** Every worker that ever registered, as the metadata store remembers them. */
    private final Set<String> knownWorkers = ConcurrentHashMap.newKeySet();

    MasterService(WorkerRegistry registry, BlockMetadataStore metadata, Clock clock, MasterMetrics metrics) {
        this.registry = requireNonNull(registry, "registry is null");
        this.metadata = requireNonNull(metadata, "metadata is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.workersBeforeStart = Set.copyOf(metadata.knownWorkers());
        this.knownWorkers.addAll(workersBeforeStart);
    }

    @Override
    public void registerWorker(RegisterWorkerRequest request, StreamObserver<RegisterWorkerResponse> response) {
        respond(response, () -> {
            String workerId = checkWorkerId(request.getWorkerId());
            check(!request.getHost().isEmpty(), "host of worker %s is empty", workerId);
            check(request.getPort() > 0 && request.getPort() <= 65535, "port of worker %s must be in [1, 65535]: %s",
                    workerId, request.getPort());
            check(request.getCapacityBytes() >= 0, "capacity of worker %s must be >= 0: %s", workerId,
                    request.getCapacityBytes());
            check(request.getUsedBytes() >= 0, "used bytes of worker %s must be >= 0: %s", workerId,
                    request.getUsedBytes());
            Set<String> part = new LinkedHashSet<>(request.getBlockIdsList());
            for (TierBlocks tier : request.getTierBlocksList()) {
                part.addAll(tier.getBlockIdsList());
            }
            for (String blockId : part) {
                check(BlockKey.isValidBlockId(blockId), "worker %s reported an invalid block id: %s", workerId,
                        blockId);
            }
            Set<String> reported;
            synchronized (registrationParts) {
                check(request.getPart() == 0 || registrationParts.containsKey(workerId),
                        "worker %s sent part %d of its registration without the parts before it: register again from part 0", workerId,
                        request.getPart());
                Set<String> earlier = request.getPart() == 0 ? null : registrationParts.remove(workerId);
                if (earlier != null) {
                    earlier.addAll(part);
                    part = earlier;
                }
                if (request.getMoreParts()) {
                    registrationParts.put(workerId, part);
                    return RegisterWorkerResponse.getDefaultInstance();
                }
                reported = part;
            }
            List<TierInfo> tiers = tiers(workerId, request.getTiersList());
            BlockMetadataStore.ReconcileResult result = metadata.reconcile(workerId, reported);
            Optional<String> domainSocket = Optional.of(request.getDomainSocket()).filter(socket -> !socket.isEmpty());
            if (domainSocket.isPresent() && !DomainSockets.isSocketOf(domainSocket.get(), request.getHost(), request.getPort())) {
                log.warn("Worker {} at {}:{} names a domain socket that is not named after its address, {}: clients use its TCP port",
                        workerId, request.getHost(), request.getPort(), domainSocket.get());
                domainSocket = Optional.empty();
            }
            if (knownWorkers.add(workerId)) {
                metadata.rememberWorker(workerId);
            }
            registry.register(workerId, request.getHost(), request.getPort(), domainSocket, request.getCapacityBytes(),
                    request.getUsedBytes(), tiers);
            log.info("Worker {} registered at {}:{} ({} of {} bytes used): {} reported, {} kept, {} dropped, "
                            + "{} not recorded, {} in temp areas", workerId, request.getHost(), request.getPort(),
                    request.getUsedBytes(), request.getCapacityBytes(), Counts.of(reported.size(), "block"), result.kept(),
                    result.dropped(), result.unrecorded().size(), result.pinned().size());
            return RegisterWorkerResponse.newBuilder()
                    .setBlocksKept(result.kept())
                    .setBlocksDropped(result.dropped())
                    .addAllUnrecordedBlockIds(result.unrecorded().subList(0, Math.min(result.unrecorded().size(), MAX_UNRECORDED_IDS)))
                    .setUnrecordedBlocks(result.unrecorded().size())
                    .addAllPinnedBlocks(result.pinned())
                    .build();
        });
    }

    @Override
    public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
        respond(response, () -> {
            String workerId = request.getWorkerId();
            check(request.getUsedBytes() >= 0, "used bytes of worker %s must be >= 0: %s", workerId,
                    request.getUsedBytes());
            for (String blockId : request.getRemovedBlockIdsList()) {
                check(BlockKey.isValidBlockId(blockId), "worker %s reported an invalid block id: %s", workerId,
                        blockId);
            }
            List<TierInfo> tiers = tiers(workerId, request.getTiersList());
            Optional<WorkerInfo> before = registry.heartbeat(workerId, request.getUsedBytes(),
                    request.getTiersCount() == 0 ? null : tiers, request.getWritingBlockIdsList());
            if (before.isEmpty()) {
                throw RpcErrors.status(Status.Code.NOT_FOUND, "Worker " + workerId
                        + " is not registered with this master");
            }
            // a stopped worker is live again only once it registers: a heartbeat sent before its stopping one may arrive after it
            boolean stopped = registry.isStopped(workerId);
            if (!before.get().live() && !request.getStopping() && !stopped) {
                log.info("Worker {} is live again", workerId);
            }
            int forgotten = 0;
            if (request.getRemovedBlockIdsCount() > 0) {
                boolean withCopies = request.getRemovedBlockCopiesCount() == request.getRemovedBlockIdsCount();
                Map<String, Long> deleted = new LinkedHashMap<>();
                for (int i = 0; i < request.getRemovedBlockIdsCount(); i++) {
                    deleted.put(request.getRemovedBlockIds(i), withCopies ? request.getRemovedBlockCopies(i) : 0L);
                }
                forgotten = metadata.removeLocations(workerId, deleted);
                log.debug("Worker {} deleted {}; {} forgotten", workerId,
                        Counts.of(request.getRemovedBlockIdsCount(), "block"), Counts.of(forgotten, "location"));
            }
            if (request.getAcknowledgesAnswers()) {
                // also from a stopping heartbeat: what the worker carried out is not sent again after its next start
                metadata.carriedOut(workerId, request.getCarriedOutAnswerId());
            }
            if (request.getStopping()) {
                // its commands stay queued for its next start
                if (registry.stopped(workerId)) {
                    metrics.workerStopped();
                    log.info("Worker {} stops: nothing more is placed on it, its replicas are not served until it registers "
                            + "again; {} of blocks it deleted forgotten", workerId, Counts.of(forgotten, "location"));
                }
                else {
                    log.info("Worker {} stopped: {} of blocks it deleted as it stopped (its MEM tier's among them) forgotten",
                            workerId, Counts.of(forgotten, "location"));
                }
                return HeartbeatResponse.getDefaultInstance();
            }
            if (stopped) {
                // sent before the worker said it stops, handled after: its commands stay queued for its next start
                log.debug("Worker {} stopped: a heartbeat sent before it said so changes nothing", workerId);
                return HeartbeatResponse.getDefaultInstance();
            }
            if (!request.getAcknowledgesAnswers()) {
                // an older worker: the commands leave the queues as they are answered
                return answer(workerId, metadata.takeCommands(workerId, MAX_COMMANDS_PER_HEARTBEAT)).build();
            }
            BlockMetadataStore.SentAnswer sent = metadata.answerCommands(workerId, request.getCarriedOutAnswerId(),
                    MAX_COMMANDS_PER_HEARTBEAT);
            return answer(workerId, sent.commands()).setAnswerId(sent.id()).build();
        });
    }

    /**
     * The heartbeat answer carrying {@code commands}, taken in the order queued. The worker carries
     * out an answer's deletions, then its unpins, then its pins, whatever their order in the queue:
     * a pin followed in the same answer by an unpin of the block (an area's expiry moved, then the
     * block committed) or by its deletion is left out, so that the block is not pinned again, until
     * that expiry, after the commit or deletion that ended its pin. A deletion is never queued
     * before a pin of its block: staging the block claims the deletions queued for it. An answer
     * sent again (to a worker that acknowledges answers and did not carry it out) is the same.
     */
    private HeartbeatResponse.Builder answer(String workerId, List<WorkerCommand> commands) {
        // the deletions come first, from their own queue: each follows any pin of its block
        Set<String> endedLater = commands.stream().filter(WorkerCommand::hasRemoveBlockId).map(WorkerCommand::getRemoveBlockId)
                .collect(Collectors.toCollection(HashSet::new));
        boolean[] ended = new boolean[commands.size()];
        for (int i = commands.size() - 1; i >= 0; i--) {
            WorkerCommand command = commands.get(i);
            if (command.hasUnpinBlockId()) {
                endedLater.add(command.getUnpinBlockId());
            }
            else if (command.hasPin()) {
                ended[i] = endedLater.contains(command.getPin().getBlockId());
            }
        }
        HeartbeatResponse.Builder result = HeartbeatResponse.newBuilder();
        for (int i = 0; i < commands.size(); i++) {
            WorkerCommand command = commands.get(i);
            switch (command.getKindCase()) {
                case REMOVE_BLOCK_ID -> result.addRemoveBlockIds(command.getRemoveBlockId());
                case UNPIN_BLOCK_ID -> result.addUnpinBlockIds(command.getUnpinBlockId());
                case PIN -> {
                    if (!ended[i]) {
                        result.addPinBlocks(command.getPin());
                    }
                }
                default -> log.warn("Dropping an unknown command for worker {}: {}", workerId, command);
            }
        }
        return result;
    }

    @Override
    public void placeBlock(PlaceBlockRequest request, StreamObserver<PlaceBlockResponse> response) {
        respond(response, () -> place(request));
    }

    @Override
    public void placeBlocks(PlaceBlocksRequest request, StreamObserver<PlaceBlocksResponse> response) {
        respond(response, () -> {
            PlaceBlocksResponse.Builder result = PlaceBlocksResponse.newBuilder();
            for (PlaceBlockRequest block : request.getBlocksList()) {
                BlockPlacement.Builder placement = BlockPlacement.newBuilder();
                try {
                    // one block after the other: each sees the room the ones before it took
                    placement.setPlacement(place(block));
                }
                catch (StatusRuntimeException e) {
                    placement.setError(RpcErrors.itemError(e));
                }
                catch (TempAreaNotFoundException e) {
                    placement.setError(RpcErrors.itemError(RpcErrors.tempAreaNotFound(e.getMessage())));
                }
                catch (IllegalArgumentException e) {
                    placement.setError(RpcErrors.itemError(RpcErrors.status(Status.Code.INVALID_ARGUMENT,
                            "Invalid request: " + e.getMessage())));
                }
                result.addPlacements(placement);
            }
            return result.build();
        });
    }

    /**
     * The placement of one block among the live workers it does not exclude; see the proto's
     * PlaceBlock. Counts the block against the chosen workers' room until their reports include it,
     * so that the placements that follow see the room it takes.
     */
    private PlaceBlockResponse place(PlaceBlockRequest request) {
        String blockId = request.getBlockId();
        check(BlockKey.isValidBlockId(blockId), "invalid block id: %s", blockId);
        check(request.getLength() >= 0, "length of block %s must be >= 0: %s", blockId, request.getLength());
        check(request.getReplication() >= 1, "replication of block %s must be >= 1: %s", blockId,
                request.getReplication());
        Optional<StorageTier> tier = tier(request.getTier());
        PlaceBlockResponse.Builder result = PlaceBlockResponse.newBuilder();
        if (!request.getTempArea().isEmpty()) {
            String jobId = checkJobId(request.getTempArea());
            result.setTempAreaExpiresAtMillis(openArea(jobId, "Cannot place block " + blockId + " into the temp "
                    + "area of job " + jobId).getExpiresAtMillis());
        }
        Set<String> excluded = Set.copyOf(request.getExcludedWorkerIdsList());
        // choosing and counting the choice in one step: a placement running beside this one sees it
        synchronized (placementLock) {
            List<WorkerRegistry.Candidate> candidates = registry.placementCandidates(blockId);
            Map<String, WorkerRegistry.Candidate> byId = candidates.stream()
                    .collect(Collectors.toMap(candidate -> candidate.worker().id(), Function.identity()));
            Map<String, Optional<StorageTier>> placedTiers = new LinkedHashMap<>();
            for (String id : choose(request, tier, excluded, candidates, this::registering)) {
                WorkerRegistry.Candidate candidate = byId.get(id);
                result.addWorkers(address(candidate.worker()));
                placedTiers.put(id, placedTier(candidate, tier, request.getLength()));
            }
            Optional<String> tempArea = Optional.of(request.getTempArea()).filter(area -> !area.isEmpty());
            registry.placed(blockId, request.getLength(), tempArea, placedTiers);
        }
        return result.build();
    }

    /**
     * The workers of a block's replicas: rendezvous hashing over the live workers not excluded,
     * first those with free room after the blocks the master placed on them that they have not
     * reported yet, then those whose last report had free room (the master's count may be ahead
     * of them), then those that can make room by evicting, so that no worker evicts while another
     * has free room. What the master counts orders the workers and never refuses a placement.
     */
    private static List<String> choose(PlaceBlockRequest request, Optional<StorageTier> tier, Set<String> excluded,
            List<WorkerRegistry.Candidate> workers, Supplier<List<String>> registering) {
        String blockId = request.getBlockId();
        List<WorkerInfo> allLive = workers.stream().map(WorkerRegistry.Candidate::worker).toList();
        List<WorkerInfo> live = allLive.stream().filter(worker -> !excluded.contains(worker.id())).toList();
        ToLongFunction<WorkerInfo> free = worker -> room(worker, tier, TierInfo::freeBytes, WorkerInfo::freeBytes);
        ToLongFunction<WorkerInfo> available = worker -> room(worker, tier, TierInfo::availableBytes,
                WorkerInfo::freeBytes);
        Set<String> withFreeRoom = live.stream()
                .filter(worker -> free.applyAsLong(worker) >= request.getLength())
                .map(WorkerInfo::id)
                .collect(Collectors.toSet());
        Set<String> withEvictableRoom = live.stream()
                .filter(worker -> !withFreeRoom.contains(worker.id())
                        && available.applyAsLong(worker) >= request.getLength())
                .map(WorkerInfo::id)
                .collect(Collectors.toSet());
        int candidates = withFreeRoom.size() + withEvictableRoom.size();
        if (live.size() < request.getReplication()) {
            // the excluded workers that hold the block already (a write of its missing replicas) will not take one, however long it waits
            Set<String> holders = Set.copyOf(request.getHolderWorkerIdsList());
            Set<String> unreached = new TreeSet<>(excluded);
            unreached.removeAll(holders);
            List<String> notCounted = new ArrayList<>();
            excluded.stream().filter(holders::contains).sorted().reduce((a, b) -> a + ", " + b)
                    .ifPresent(ids -> notCounted.add(ids + ", which already hold" + (ids.contains(",") ? "" : "s") + " it"));
            if (!unreached.isEmpty()) {
                notCounted.add(String.join(", ", unreached) + ", which the client could not reach");
            }
            String reason = String.format("Cannot place %d replicas of a block: only %d live worker%s%s, and each replica "
                    + "needs a worker of its own", request.getReplication(), live.size(), live.size() == 1 ? "" : "s",
                    notCounted.isEmpty() ? "" : " (not counting " + String.join("; ", notCounted) + ")");
            if (allLive.stream().filter(worker -> !holders.contains(worker.id())).count() >= request.getReplication()) {
                // the workers the client could not reach count for the master: they may be back (restarted) in a moment
                throw RpcErrors.noRoom(reason);
            }
            if (allLive.isEmpty()) {
                // a master just started hears from its workers within a heartbeat or two; workers that all went may come back
                throw RpcErrors.noRoom(reason + "; the workers may be registering with a master that just started");
            }
            List<String> awaited = registering.get();
            if (allLive.stream().filter(worker -> !holders.contains(worker.id())).count() + awaited.size()
                    >= request.getReplication()) {
                // a master restarted a moment ago: the client waits, as for room, rather than fail the block for workers on their way
                throw RpcErrors.noRoom(reason + "; " + String.join(", ", awaited) + (awaited.size() == 1 ? ", which was" : ", which were")
                        + " live before the master started, may be registering with it");
            }
            throw RpcErrors.notEnoughWorkers(reason);
        }
        if (candidates < request.getReplication()) {
            String block = String.format("%d replica%s of block %s (%d bytes%s)", request.getReplication(), request.getReplication() == 1 ? "" : "s",
                    blockId, request.getLength(), tier.map(t -> " on " + t).orElse(""));
            // without a tier: WorkerInfo#largestTierBytes, which the load's capacity check applies before it places anything
            long couldHold = live.stream()
                    .filter(worker -> room(worker, tier, TierInfo::capacityBytes, WorkerInfo::capacityBytes) >= request.getLength())
                    .count();
            if (couldHold < request.getReplication()) {
                // never fits
                throw RpcErrors.notEnoughWorkers(String.format("Cannot place %s: only %d of %d live workers have a tier that large", block,
                        couldHold, live.size()));
            }
            // room comes back as the blocks being written or staged are committed
            throw RpcErrors.noRoom(String.format("Cannot place %s: only %d of %d live workers have room%s; the others are full of blocks that "
                    + "cannot be evicted yet (being written or staged)", block, candidates, live.size(),
                    excluded.isEmpty() ? "" : " (not counting the excluded " + new TreeSet<>(excluded) + ")"));
        }
        Set<String> withRoomLeft = workers.stream()
                .filter(candidate -> withFreeRoom.contains(candidate.worker().id())
                        && freeAfterUnreported(candidate, tier) >= request.getLength())
                .map(candidate -> candidate.worker().id())
                .collect(Collectors.toSet());
        Set<String> withReportedRoom = withFreeRoom.stream()
                .filter(id -> !withRoomLeft.contains(id))
                .collect(Collectors.toSet());
        List<String> chosen = new ArrayList<>();
        for (Set<String> group : List.of(withRoomLeft, withReportedRoom, withEvictableRoom)) {
            if (!group.isEmpty()) {
                chosen.addAll(RendezvousPlacement.choose(blockId, group, group.size()));
            }
        }
        return List.copyOf(chosen.subList(0, request.getReplication()));
    }

    /**
     * The free room of a worker less the bytes placed on it that it has not reported: on
     * {@code tier} when given, else on its roomiest tier.
     */
    private static long freeAfterUnreported(WorkerRegistry.Candidate candidate, Optional<StorageTier> tier) {
        WorkerInfo worker = candidate.worker();
        if (tier.isPresent()) {
            return worker.tier(tier.get())
                    .map(info -> info.freeBytes() - candidate.unreportedBytes(tier))
                    .orElse(0L);
        }
        if (worker.tiers().isEmpty()) {
            return worker.freeBytes() - candidate.unreportedBytes(Optional.empty());
        }
        return worker.tiers().stream()
                .mapToLong(info -> info.freeBytes() - candidate.unreportedBytes(Optional.of(info.tier())))
                .max()
                .orElse(0);
    }

    /**
     * The tier a block placed on a worker takes room on, as the worker chooses it: the one
     * requested, else the fastest with free room (as far as the master knows, then as the worker
     * last reported), else the fastest where it can evict; empty for a worker that reports no tiers.
     */
    private static Optional<StorageTier> placedTier(WorkerRegistry.Candidate candidate, Optional<StorageTier> tier,
            long length) {
        List<TierInfo> tiers = candidate.worker().tiers();
        if (tier.isPresent() || tiers.isEmpty()) {
            return tier;
        }
        List<ToLongFunction<TierInfo>> rooms = List.of(
                info -> info.freeBytes() - candidate.unreportedBytes(Optional.of(info.tier())),
                TierInfo::freeBytes,
                TierInfo::availableBytes);
        for (ToLongFunction<TierInfo> room : rooms) {
            for (TierInfo info : tiers) {
                if (room.applyAsLong(info) >= length) {
                    return Optional.of(info.tier());
                }
            }
        }
        return Optional.of(tiers.get(0).tier());
    }

    /** The room of {@code worker}: on {@code tier} when given (0 without it), else on its roomiest tier. */
    private static long room(WorkerInfo worker, Optional<StorageTier> tier, ToLongFunction<TierInfo> ofTier,
            ToLongFunction<WorkerInfo> withoutTiers) {
        if (tier.isPresent()) {
            return worker.tier(tier.get()).map(ofTier::applyAsLong).orElse(0L);
        }
        if (worker.tiers().isEmpty()) {
            return withoutTiers.applyAsLong(worker);
        }
        return worker.tiers().stream().mapToLong(ofTier).max().orElse(0);
    }

    @Override
    public void commitBlock(CommitBlockRequest request, StreamObserver<CommitBlockResponse> response) {
        respond(response, () -> {
            BlockRecord record = record(request);
            BlockMetadataStore.Recorded recorded;
            if (request.getTempArea().isEmpty()) {
                recorded = metadata.commit(record);
                if (recorded.complete()) {
                    metrics.blocksCommitted(1);
                }
            }
            else {
                recorded = metadata.stage(checkJobId(request.getTempArea()), record, clock.millis());
            }
            committed(record);
            return answer(recorded);
        });
    }

    @Override
    public void commitBlocks(CommitBlocksRequest request, StreamObserver<CommitBlocksResponse> response) {
        respond(response, () -> {
            List<BlockRecord> records = new ArrayList<>(request.getBlocksCount());
            Set<String> keys = new HashSet<>();
            String tempArea = request.getBlocksCount() == 0 ? "" : request.getBlocks(0).getTempArea();
            for (CommitBlockRequest block : request.getBlocksList()) {
                check(block.getTempArea().equals(tempArea), "a batch commit names temp areas '%s' and '%s'", tempArea,
                        block.getTempArea());
                BlockRecord record = record(block);
                check(keys.add(ProtoConversions.fromProto(block.getFile()).fileKey() + "-" + block.getIndex()),
                        "a batch commit names block %s of %s twice", block.getIndex(), block.getFile().getPath());
                records.add(record);
            }
            List<BlockMetadataStore.Recorded> recorded = tempArea.isEmpty()
                    ? metadata.commitAll(records)
                    : metadata.stageAll(checkJobId(tempArea), records, clock.millis());
            records.forEach(this::committed);
            int complete = (int) recorded.stream().filter(BlockMetadataStore.Recorded::complete).count();
            if (tempArea.isEmpty()) {
                metrics.blocksCommitted(complete);
            }
            CommitBlocksResponse.Builder result = CommitBlocksResponse.newBuilder().setBlocks(complete);
            recorded.forEach(block -> result.addResults(answer(block)));
            return result.build();
        });
    }

    /**
     * While the master starts ({@link WorkerRegistry#starting}), the workers known from before it
     * started that have not registered with it yet, sorted; else none.
     */
    private List<String> registering() {
        if (!registry.starting()) {
            return List.of();
        }
        return workersBeforeStart.stream().filter(id -> !registry.isRegistered(id)).sorted().toList();
    }

    /** Tells the registry that the workers of {@code record} hold it: their next heartbeats report its room. */
    private void committed(BlockRecord record) {
        registry.committed(new BlockKey(ProtoConversions.fromProto(record.getFile()), record.getIndex()).blockId(),
                record.getWorkerIdsList());
    }

    /** The answer to the commit of a block: the workers the master did not record it on. */
    private static CommitBlockResponse answer(BlockMetadataStore.Recorded recorded) {
        return CommitBlockResponse.newBuilder().addAllNotRecordedWorkerIds(recorded.notRecordedWorkerIds()).build();
    }

    /** The record of a committed block, after checking the request; see the proto's CommitBlock. */
    private BlockRecord record(CommitBlockRequest request) {
        FileIdentity file = ProtoConversions.fromProto(request.getFile());
        String block = "block " + request.getIndex() + " of " + file.path();
        check(request.getIndex() >= 0, "index of %s must be >= 0", block);
        check(request.getLength() >= 0, "length of %s must be >= 0: %s", block, request.getLength());
        check(request.getReplication() >= 0, "replication of %s must be >= 0: %s", block, request.getReplication());
        check(request.getWorkerIdsCount() > 0, "commit of %s names no workers", block);
        Set<String> workers = new TreeSet<>(request.getWorkerIdsList());
        check(workers.size() == request.getWorkerIdsCount(), "commit of %s names a worker twice: %s", block,
                request.getWorkerIdsList());
        check(workers.containsAll(request.getWorkerTiersMap().keySet()),
                "commit of %s gives tiers of workers it does not name: %s", block, request.getWorkerTiersMap());
        check(workers.containsAll(request.getWorkerCopiesMap().keySet()),
                "commit of %s gives copies of workers it does not name: %s", block, request.getWorkerCopiesMap());
        for (String worker : workers) {
            if (!registry.isRegistered(worker)) {
                String refused = "Cannot commit " + block + ": worker " + worker + " is not registered with this master";
                if (registry.starting()) {
                    // a master just started hears from its workers within a heartbeat or two: the client waits, as for room,
                    // and writes the block again
                    throw RpcErrors.noRoom(refused + " yet; the workers may be registering with a master that just started");
                }
                throw RpcErrors.status(Status.Code.FAILED_PRECONDITION, refused);
            }
        }
        BlockRecord record = BlockRecord.newBuilder()
                .setFile(request.getFile())
                .setIndex(request.getIndex())
                .setLength(request.getLength())
                .setCrc32C(request.getCrc32C())
                .addAllWorkerIds(workers)
                .setReplication(request.getReplication())
                .putAllWorkerTiers(request.getWorkerTiersMap())
                .putAllWorkerCopies(request.getWorkerCopiesMap())
                .build();
        return record;
    }

    @Override
    public void getFileBlocks(GetFileBlocksRequest request, StreamObserver<GetFileBlocksResponse> response) {
        respond(response, () -> {
            FileIdentity file = ProtoConversions.fromProto(request.getFile());
            List<BlockRecord> records;
            if (request.hasIndex()) {
                check(request.getIndex() >= 0, "index must be >= 0: %s", request.getIndex());
                records = metadata.block(file, request.getIndex()).map(List::of).orElse(List.of());
            }
            else {
                records = metadata.fileBlocks(file);
            }
            return GetFileBlocksResponse.newBuilder().addAllBlocks(liveLocations(records, liveWorkers())).build();
        });
    }

    @Override
    public void getFilesBlocks(GetFilesBlocksRequest request, StreamObserver<GetFilesBlocksResponse> response) {
        respond(response, () -> {
            check(request.getFilesCount() <= MAX_FILES_PER_CALL, "%s files in one call, at most %s are allowed",
                    request.getFilesCount(), MAX_FILES_PER_CALL);
            List<FileIdentity> files = request.getFilesList().stream().map(ProtoConversions::fromProto).toList();
            Map<String, WorkerInfo> live = liveWorkers();
            GetFilesBlocksResponse.Builder result = GetFilesBlocksResponse.newBuilder();
            for (List<BlockRecord> records : metadata.filesBlocks(files)) {
                result.addFiles(FileBlocks.newBuilder().addAllBlocks(liveLocations(records, live)));
            }
            return result.build();
        });
    }

    private Map<String, WorkerInfo> liveWorkers() {
        return registry.liveWorkers().stream().collect(Collectors.toMap(WorkerInfo::id, Function.identity()));
    }

    /** {@code records} with only their replicas on {@code live} workers; blocks left without one are dropped. */
    private static List<BlockLocations> liveLocations(List<BlockRecord> records, Map<String, WorkerInfo> live) {
        List<BlockLocations> result = new ArrayList<>(records.size());
        for (BlockRecord record : records) {
            List<WorkerAddress> locations = record.getWorkerIdsList().stream()
                    .filter(live::containsKey)
                    .sorted()
                    .map(id -> address(live.get(id)))
                    .toList();
            if (!locations.isEmpty()) {
                BlockLocations.Builder block = BlockLocations.newBuilder()
                        .setIndex(record.getIndex())
                        .setLength(record.getLength())
                        .setCrc32C(record.getCrc32C())
                        .addAllWorkers(locations)
                        .setReplication(record.getReplication());
                record.getWorkerTiersMap().forEach((worker, tier) -> {
                    if (live.containsKey(worker)) {
                        block.putWorkerTiers(worker, tier);
                    }
                });
                result.add(block.build());
            }
        }
        return result;
    }

    @Override
    public void getClusterInfo(GetClusterInfoRequest request, StreamObserver<GetClusterInfoResponse> response) {
        respond(response, () -> {
            GetClusterInfoResponse.Builder result = GetClusterInfoResponse.newBuilder().setClusterId(metadata.clusterId())
                    .setRemovals(RemovalCount.newBuilder().setIncarnation(incarnation).setRemoved(metadata.removals()));
            for (WorkerInfo worker : registry.workers()) {
                result.addWorkers(WorkerStatus.newBuilder()
                        .setAddress(address(worker))
                        .setCapacityBytes(worker.capacityBytes())
                        .setUsedBytes(worker.usedBytes())
                        .setLive(worker.live())
                        .setStopped(worker.stopped())
                        .addAllTiers(worker.tiers().stream().map(ProtoConversions::toProto).toList()));
            }
            return result.build();
        });
    }

    @Override
    public void openTempArea(OpenTempAreaRequest request, StreamObserver<OpenTempAreaResponse> response) {
        respond(response, () -> {
            String jobId = checkJobId(request.getJobId());
            check(request.getExpireMillis() > 0, "expire time of the temp area of job %s must be > 0 ms: %s", jobId,
                    request.getExpireMillis());
            BlockMetadataStore.OpenedArea opened;
            Optional<TempAreaRun> run = run(jobId, request);
            try {
                // a paged answer reads its first page itself; one without blocks reads none
                Supplier<BlockMetadataStore.OpenedArea> open = () -> metadata.openTempArea(jobId, clock.millis(), request.getExpireMillis(),
                        request.getRenew(), run, !request.getOmitBlocks() && !request.getPaged());
                // a renewal its caller gave up waiting for (behind a long commit) does nothing once its turn comes: its run may
                // have let go of the area meanwhile, which it would take again for that run
                opened = request.getRenew() ? metadata.unlessAbandoned(() -> Context.current().isCancelled(), open)
                        .orElseThrow(() -> Status.CANCELLED.withDescription("Renewal of the temp area of job " + jobId + " abandoned by its caller")
                                .asRuntimeException())
                        : open.get();
            }
            catch (TempAreaNotFoundException e) {
                // a running job whose area expired (or was aborted) meanwhile: it must not go on staging into a new one
                log.warn("{}: not opening a new one for a renewal", e.getMessage());
                throw e;
            }
            opened.expiredBefore().ifPresent(deletion -> logExpired(deletion, "found expired when reopened"));
            TempAreaInfo area = request.getOmitBlocks() ? info(opened.area(), List.of())
                    : request.getPaged() ? pagedInfo(opened.area())
                    : info(opened.area(), opened.blocks());
            String staged = request.getOmitBlocks() ? "" : " with " + Counts.of(area.getBlocksCount(), "block")
                    + (area.getNextBlockKey().isEmpty() ? "" : " and more");
            if (request.getRenew()) {
                log.debug("Temp area of job {} renewed{}; it expires at {}", jobId, staged, Instant.ofEpochMilli(opened.area().getExpiresAtMillis()));
            }
            else if (opened.adopted()) {
                log.info("Temp area of job {} adopted{}; it expires at {}", jobId, staged, Instant.ofEpochMilli(opened.area().getExpiresAtMillis()));
            }
            else {
                metrics.tempAreaOpened();
                log.info("Temp area of job {} opened; it expires at {}", jobId,
                        Instant.ofEpochMilli(opened.area().getExpiresAtMillis()));
            }
            return OpenTempAreaResponse.newBuilder()
                    .setArea(area)
                    .setAdopted(opened.adopted())
                    .build();
        });
    }

    @Override
    public void commitScope(CommitScopeRequest request, StreamObserver<CommitScopeResponse> response) {
        respond(response, () -> {
            String jobId = checkJobId(request.getJobId());
            for (BlockRef ref : request.getBlocksList()) {
                check(ref.getIndex() >= 0, "index of a block of %s must be >= 0: %s", ref.getFile().getPath(),
                        ref.getIndex());
                ProtoConversions.fromProto(ref.getFile());
            }
            for (String blockId : request.getBlockIdsList()) {
                check(BlockKey.isValidBlockId(blockId) && Long.parseLong(blockId.substring(blockId.lastIndexOf('-') + 1)) <= Integer.MAX_VALUE,
                        "not a block id: %s", blockId);
            }
            check(request.getBlocksCount() == 0 || request.getBlockIdsCount() == 0, "a scope of job %s names blocks both by reference and by id", jobId);
            checkRun(jobId, request.getRunId(), request.getRunToken());
            // liveness asked while the store is held: a block whose replicas are all on lost workers is refused, not committed unseen
            BlockMetadataStore.ScopeResult result = request.getBlockIdsCount() > 0
                    ? metadata.commitScopeByIds(jobId, request.getBlockIdsList(), clock.millis(), request.getRunId(), request.getRunToken(), registry::isLive)
                    : metadata.commitScope(jobId, request.getBlocksList(), clock.millis(), request.getRunId(), request.getRunToken(), registry::isLive);
            metrics.scopeCommitted(result.blocks());
            if (result.underReplicated() > 0) {
                // listed by underReplicated (and counted by cluster status) as any other block with replicas on lost workers
                log.warn("Job {} committed a scope of {} ({}) from its temp area; {} of them under-replicated: their replicas on lost workers {} "
                        + "are not served", jobId, Counts.of(result.blocks(), "block"), Counts.of(result.bytes(), "byte"), result.underReplicated(),
                        result.lostWorkers());
            }
            else {
                log.info("Job {} committed a scope of {} ({}) from its temp area", jobId, Counts.of(result.blocks(), "block"),
                        Counts.of(result.bytes(), "byte"));
            }
            return CommitScopeResponse.newBuilder().setBlocks(result.blocks()).setBytes(result.bytes()).build();
        });
    }

    @Override
    public void abortTempArea(AbortTempAreaRequest request, StreamObserver<AbortTempAreaResponse> response) {
        respond(response, () -> {
            String jobId = checkJobId(request.getJobId());
            checkRun(jobId, request.getRunId(), request.getRunToken());
            BlockMetadataStore.AreaDeletion deletion = metadata.deleteTempArea(jobId, clock.millis(), request.getRunId(), request.getRunToken());
            registry.tempAreaDeleted(jobId);
            if (deletion.existed() && deletion.blocks() == 0) {
                // what a job does after committing all of its blocks: nothing was left to delete
                log.debug("Temp area of job {} closed: no blocks left in it", jobId);
            }
            else if (deletion.existed()) {
                metrics.tempAreaAborted();
                log.info("Temp area of job {} aborted: deleted {} ({}) on the master; workers {} delete "
                        + "them with their next heartbeat", jobId, Counts.of(deletion.blocks(), "block"), Counts.of(deletion.bytes(), "byte"),
                        deletion.workers());
            }
            return AbortTempAreaResponse.newBuilder().setExisted(deletion.existed()).setBlocks(deletion.blocks())
                    .build();
        });
    }

    @Override
    public void releaseTempArea(ReleaseTempAreaRequest request, StreamObserver<ReleaseTempAreaResponse> response) {
        respond(response, () -> {
            String jobId = checkJobId(request.getJobId());
            checkRunId(jobId, request.getRunId());
            checkRunToken(jobId, request.getRunToken());
            boolean released = metadata.releaseTempArea(jobId, request.getRunId(), request.getRunToken());
            if (released) {
                log.info("Run {} of job {} ended: another run of the job may adopt its temp area at once", request.getRunId(), jobId);
            }
            return ReleaseTempAreaResponse.newBuilder().setReleased(released).build();
        });
    }

    @Override
    public void unstageFiles(UnstageFilesRequest request, StreamObserver<UnstageFilesResponse> response) {
        respond(response, () -> {
            String jobId = checkJobId(request.getJobId());
            check(request.getFilesCount() <= MAX_FILES_PER_CALL, "%s files in one call, at most %s are allowed",
                    request.getFilesCount(), MAX_FILES_PER_CALL);
            List<FileIdentity> files = request.getFilesList().stream().map(ProtoConversions::fromProto).toList();
            BlockMetadataStore.AreaDeletion unstaged = metadata.unstageFiles(jobId, files);
            if (unstaged.blocks() > 0) {
                log.info("Job {} unstaged {} ({}) of {} from its temp area; workers {} delete or unpin them with their "
                        + "next heartbeat", jobId, Counts.of(unstaged.blocks(), "block"), Counts.of(unstaged.bytes(), "byte"),
                        files.size() == 1 ? files.get(0).path() : Counts.of(files.size(), "file"), unstaged.workers());
            }
            return UnstageFilesResponse.newBuilder().setBlocks(unstaged.blocks()).setBytes(unstaged.bytes()).build();
        });
    }

    @Override
    public void listTempAreas(ListTempAreasRequest request, StreamObserver<ListTempAreasResponse> response) {
        respond(response, () -> {
            ListTempAreasResponse.Builder result = ListTempAreasResponse.newBuilder();
            long now = clock.millis();
            List<TempAreaRecord> areas = request.getJobId().isEmpty() ? metadata.tempAreas()
                    : metadata.tempArea(checkJobId(request.getJobId())).stream().toList();
            long listed = 0;
            for (TempAreaRecord area : areas) {
                if (area.getExpiresAtMillis() > now) {
                    if (request.getOmitBlocks()) {
                        BlockMetadataStore.TempAreaSize size = metadata.tempAreaSize(area.getJobId());
                        result.addAreas(info(area, List.of()).toBuilder().setBlockCount(size.blocks()).setBlockBytes(size.bytes()));
                    }
                    else if (request.getPaged() && listed >= TEMP_AREA_BYTES_PER_PAGE) {
                        // a page in all: the areas past it with none of their blocks, from the first
                        result.addAreas(info(area, List.of()).toBuilder().setNextBlockKey(ByteString.copyFromUtf8(area.getJobId() + "/")));
                    }
                    else {
                        TempAreaInfo info = request.getPaged() ? pagedInfo(area) : info(area, metadata.tempBlocks(area.getJobId()));
                        listed += info.getSerializedSize();
                        result.addAreas(info);
                    }
                }
            }
            return result.build();
        });
    }

    @Override
    public void listTempAreaBlocks(ListTempAreaBlocksRequest request, StreamObserver<ListTempAreaBlocksResponse> response) {
        respond(response, () -> {
            String jobId = checkJobId(request.getJobId());
            BlockMetadataStore.TempBlocksPage page;
            try {
                page = metadata.tempBlocksPage(jobId, request.getStartKey().toByteArray(), TEMP_AREA_BLOCKS_PER_PAGE, TEMP_AREA_BYTES_PER_PAGE);
            }
            catch (IllegalArgumentException e) {
                throw RpcErrors.status(Status.Code.INVALID_ARGUMENT, "Invalid request: the start key is " + e.getMessage());
            }
            return ListTempAreaBlocksResponse.newBuilder().addAllBlocks(page.blocks()).setNextBlockKey(ByteString.copyFrom(page.nextKey())).build();
        });
    }

    @Override
    public void free(FreeRequest request, StreamObserver<FreeResponse> response) {
        respond(response, () -> {
            BlockMetadataStore.FreeResult result;
            String what;
            switch (request.getTargetCase()) {
                case FILE -> {
                    FileIdentity file = ProtoConversions.fromProto(request.getFile());
                    what = file.path();
                    result = metadata.free(file);
                }
                case PATH_PREFIX -> {
                    check(!request.getPathPrefix().isEmpty(), "the path prefix to free is empty");
                    what = "every file under " + request.getPathPrefix();
                    result = metadata.freePrefix(request.getPathPrefix());
                }
                case PATH -> {
                    check(!request.getPath().isEmpty(), "the path to free is empty");
                    what = "every identity of " + request.getPath();
                    result = metadata.freePath(request.getPath());
                }
                default -> throw RpcErrors.status(Status.Code.INVALID_ARGUMENT,
                        "Invalid request: free names neither a file, a path nor a path prefix");
            }
            metrics.blocksFreed(result.blocks());
            log.info("Freed {}: {}, {}, {}", what, Counts.of(result.files(), "file"), Counts.of(result.blocks(), "block"),
                    Counts.of(result.bytes(), "byte"));
            return FreeResponse.newBuilder().setFiles(result.files()).setBlocks(result.blocks())
                    .setBytes(result.bytes()).build();
        });
    }

    @Override
    public void getUnderReplicated(GetUnderReplicatedRequest request,
            StreamObserver<GetUnderReplicatedResponse> response) {
        respond(response, () -> {
            check(request.getLimit() >= 0, "limit must be >= 0: %s", request.getLimit());
            Set<String> live = new HashSet<>(registry.liveWorkers().stream().map(WorkerInfo::id).toList());
            BlockMetadataStore.UnderReplicated found = metadata.underReplicated(request.getPathPrefix(),
                    request.getLimit(), live::contains);
            GetUnderReplicatedResponse.Builder result = GetUnderReplicatedResponse.newBuilder().setCount(found.count());
            for (BlockRecord record : found.first()) {
                result.addBlocks(UnderReplicatedBlockProto.newBuilder()
                        .setBlock(record)
                        .addAllLiveWorkerIds(record.getWorkerIdsList().stream().filter(live::contains).toList()));
            }
            return result.build();
        });
    }

    /** Deletes the temp areas that expired by now and logs each; the checker thread calls this. */
    List<String> expireTempAreas() {
        long now = clock.millis();
        List<String> expired = new ArrayList<>();
        for (TempAreaRecord area : metadata.tempAreas()) {
            if (area.getExpiresAtMillis() <= now) {
                // checked again holding the store: a renewal or an open of the job may have come first
                Optional<BlockMetadataStore.AreaDeletion> deleted = metadata.deleteTempAreaIfExpired(area.getJobId(), now);
                if (deleted.isEmpty()) {
                    continue;
                }
                logExpired(deleted.get(), "expired at " + Instant.ofEpochMilli(area.getExpiresAtMillis()));
                registry.tempAreaDeleted(area.getJobId());
                expired.add(area.getJobId());
            }
        }
        return expired;
    }

    private void logExpired(BlockMetadataStore.AreaDeletion deletion, String when) {
        metrics.tempAreaExpired(deletion.blocks());
        log.warn("Temp area of job {} {}: deleted its {} ({}) on the master; workers {} "
                + "delete them with their next heartbeat", deletion.jobId(), when, Counts.of(deletion.blocks(), "uncommitted block"),
                Counts.of(deletion.bytes(), "byte"),
                deletion.workers());
    }

    private TempAreaRecord openArea(String jobId, String action) {
        TempAreaRecord area = metadata.tempArea(jobId).orElseThrow(() -> RpcErrors.tempAreaNotFound(action
                + ": the job has no open temp area"));
        if (area.getExpiresAtMillis() <= clock.millis()) {
            throw RpcErrors.tempAreaNotFound(action + ": its temp area expired at "
                    + Instant.ofEpochMilli(area.getExpiresAtMillis()));
        }
        return area;
    }

    /** The run of the job an {@code OpenTempArea} call names, if any (clients older than runs name none). */
    private static Optional<TempAreaRun> run(String jobId, OpenTempAreaRequest request) {
        if (request.getRunId().isEmpty()) {
            return Optional.empty();
        }
        checkRunId(jobId, request.getRunId());
        checkRunToken(jobId, request.getRunToken());
        check(request.getRenewPeriodMillis() > 0, "renewal period of run %s of job %s must be > 0 ms: %s", request.getRunId(), jobId,
                request.getRenewPeriodMillis());
        return Optional.of(new TempAreaRun(request.getRunId(), request.getRunToken(), Duration.ofMillis(request.getRenewPeriodMillis())));
    }

    /** The run a commit or deletion of a temp area names: none (empty id, clients older than it, a load without a run), or a valid one. */
    private static void checkRun(String jobId, String runId, String token) {
        if (runId.isEmpty()) {
            check(token.isEmpty(), "a run token of job %s without a run id", jobId);
            return;
        }
        checkRunId(jobId, runId);
        checkRunToken(jobId, token);
    }

    private static void checkRunId(String jobId, String runId) {
        check(TempAreaRun.RUN_ID.matcher(runId).matches(), "invalid run id of job %s (letters, digits, '-'; at most 64): %s", jobId, runId);
    }

    /** A run's token: empty (clients older than tokens), or as a run id. */
    private static void checkRunToken(String jobId, String token) {
        check(token.isEmpty() || TempAreaRun.RUN_ID.matcher(token).matches(), "invalid run token of job %s (letters, digits, '-'; at most 64): %s", jobId,
                token);
    }

    /** What the master tells of {@code area}, with its {@code blocks}, and the run that holds it now, if one does. */
    /** {@code area} with the first page of its blocks, and where the next starts. */
    private TempAreaInfo pagedInfo(TempAreaRecord area) {
        BlockMetadataStore.TempBlocksPage page = metadata.tempBlocksPage(area.getJobId(), new byte[0], TEMP_AREA_BLOCKS_PER_PAGE, TEMP_AREA_BYTES_PER_PAGE);
        return info(area, page.blocks()).toBuilder().setNextBlockKey(ByteString.copyFrom(page.nextKey())).build();
    }

    private TempAreaInfo info(TempAreaRecord area, List<BlockRecord> blocks) {
        TempAreaInfo.Builder info = TempAreaInfo.newBuilder()
                .setJobId(area.getJobId())
                .setCreatedAtMillis(area.getCreatedAtMillis())
                .setExpiresAtMillis(area.getExpiresAtMillis())
                .addAllBlocks(blocks);
        BlockMetadataStore.hold(area, clock.millis()).ifPresent(hold -> info.setHeldByRunId(hold.runId())
                .setRenewedMillisAgo(hold.renewedMillisAgo()).setAliveWindowMillis(hold.aliveWindowMillis()));
        return info.build();
    }

    private static List<TierInfo> tiers(String workerId, List<TierUsage> usages) {
        List<TierInfo> tiers = new ArrayList<>();
        Set<StorageTier> seen = new HashSet<>();
        for (TierUsage usage : usages) {
            TierInfo tier = ProtoConversions.fromProto(usage).orElseThrow(() -> RpcErrors.status(
                    Status.Code.INVALID_ARGUMENT, "Invalid request: worker " + workerId + " reported an unknown tier "
                            + usage.getTierValue()));
            check(seen.add(tier.tier()), "worker %s reported tier %s twice", workerId, tier.tier());
            check(tier.capacityBytes() >= 0 && tier.usedBytes() >= 0 && tier.evictableBytes() >= 0 && tier.blocks() >= 0
                    && tier.writingBytes() >= 0,
                    "worker %s reported negative space for tier %s", workerId, tier.tier());
            tiers.add(tier);
        }
        tiers.sort((a, b) -> a.tier().compareTo(b.tier()));
        return tiers;
    }

    private static Optional<StorageTier> tier(StorageTierProto tier) {
        Optional<StorageTier> result = ProtoConversions.fromProto(tier);
        check(result.isPresent() || tier == StorageTierProto.STORAGE_TIER_UNSPECIFIED, "unknown storage tier %s",
                tier);
        return result;
    }

    private static WorkerAddress address(WorkerInfo worker) {
        WorkerAddress.Builder address = WorkerAddress.newBuilder()
                .setWorkerId(worker.id())
                .setHost(worker.host())
                .setPort(worker.port());
        worker.domainSocket().ifPresent(address::setDomainSocket);
        return address.build();
    }

    private static String checkWorkerId(String workerId) {
        check(WORKER_ID.matcher(workerId).matches(), "invalid worker id (letters, digits, '.', '_', '-'; at most 64): %s",
                workerId);
        return workerId;
    }

    private static String checkJobId(String jobId) {
        return TempAreas.checkJobId(jobId);
    }

    private static void check(boolean condition, String format, Object... args) {
        if (!condition) {
            throw RpcErrors.status(Status.Code.INVALID_ARGUMENT, "Invalid request: " + String.format(format, args));
        }
    }

    /** Completes a unary call with {@code handler}'s result, or with a status naming its failure. */
    private static <T> void respond(StreamObserver<T> response, Supplier<T> handler) {
        T result;
        try {
            result = handler.get();
        }
        catch (StatusRuntimeException e) {
            response.onError(e);
            return;
        }
        catch (TempAreaNotFoundException e) {
            response.onError(RpcErrors.tempAreaNotFound(e.getMessage()));
            return;
        }
        catch (TempAreaInUseException e) {
            // a run refused another's area: an open while that run still renews it, or a renewal, commit or deletion after it adopted it
            log.info("{}", e.getMessage());
            response.onError(RpcErrors.tempAreaInUse(e));
            return;
        }
        catch (BlockNotFoundException e) {
            response.onError(RpcErrors.status(Status.Code.NOT_FOUND, e.getMessage()));
            return;
        }
        catch (BlockBeingRemovedException e) {
            response.onError(RpcErrors.status(Status.Code.ABORTED, e.getMessage()));
            return;
        }
        catch (IllegalArgumentException e) {
            response.onError(RpcErrors.status(Status.Code.INVALID_ARGUMENT, "Invalid request: " + e.getMessage()));
            return;
        }
        catch (RuntimeException e) {
            log.warn("Master call failed", e);
            response.onError(RpcErrors.status(Status.Code.INTERNAL, "Master failure: " + e.getMessage()));
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }
}
