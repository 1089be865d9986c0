package io.gfsload.cache.master;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.proto.BlockLocations;
import io.gfsload.cache.proto.BlockRecord;
import io.gfsload.cache.proto.CommitBlockRequest;
import io.gfsload.cache.proto.CommitBlockResponse;
import io.gfsload.cache.proto.GetClusterInfoRequest;
import io.gfsload.cache.proto.GetClusterInfoResponse;
import io.gfsload.cache.proto.GetFileBlocksRequest;
import io.gfsload.cache.proto.GetFileBlocksResponse;
import io.gfsload.cache.proto.HeartbeatRequest;
import io.gfsload.cache.proto.HeartbeatResponse;
import io.gfsload.cache.proto.MasterServiceGrpc;
import io.gfsload.cache.proto.PlaceBlockRequest;
import io.gfsload.cache.proto.PlaceBlockResponse;
import io.gfsload.cache.proto.RegisterWorkerRequest;
import io.gfsload.cache.proto.RegisterWorkerResponse;
import io.gfsload.cache.proto.WorkerAddress;
import io.gfsload.cache.proto.WorkerStatus;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.rpc.RpcErrors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The master's gRPC endpoints over its {@link WorkerRegistry} and {@link BlockMetadataStore}. */
final class MasterService extends MasterServiceGrpc.MasterServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(MasterService.class);

    /** Worker ids name metadata keys, so they must not contain {@code /}. */
    static final Pattern WORKER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final WorkerRegistry registry;
    private final BlockMetadataStore metadata;

    MasterService(WorkerRegistry registry, BlockMetadataStore metadata) {
        this.registry = requireNonNull(registry, "registry is null");
        this.metadata = requireNonNull(metadata, "metadata is null");
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
            for (String blockId : request.getBlockIdsList()) {
                check(BlockKey.isValidBlockId(blockId), "worker %s reported an invalid block id: %s", workerId,
                        blockId);
            }
            BlockMetadataStore.ReconcileResult result = metadata.reconcile(workerId, request.getBlockIdsList());
            registry.register(workerId, request.getHost(), request.getPort(), request.getCapacityBytes(),
                    request.getUsedBytes());
            log.info("Worker {} registered at {}:{} ({} of {} bytes used): {} blocks reported, {} kept, {} dropped, "
                            + "{} not recorded", workerId, request.getHost(), request.getPort(),
                    request.getUsedBytes(), request.getCapacityBytes(), request.getBlockIdsCount(), result.kept(),
                    result.dropped(), result.unrecorded().size());
            return RegisterWorkerResponse.newBuilder()
                    .setBlocksKept(result.kept())
                    .setBlocksDropped(result.dropped())
                    .addAllUnrecordedBlockIds(result.unrecorded())
                    .build();
        });
    }

    @Override
    public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
        respond(response, () -> {
            check(request.getUsedBytes() >= 0, "used bytes of worker %s must be >= 0: %s", request.getWorkerId(),
                    request.getUsedBytes());
            Optional<WorkerInfo> before = registry.heartbeat(request.getWorkerId(), request.getUsedBytes());
            if (before.isEmpty()) {
                throw RpcErrors.status(Status.Code.NOT_FOUND, "Worker " + request.getWorkerId()
                        + " is not registered with this master");
            }
            if (!before.get().live()) {
                log.info("Worker {} is live again", request.getWorkerId());
            }
            return HeartbeatResponse.getDefaultInstance();
        });
    }

    @Override
    public void placeBlock(PlaceBlockRequest request, StreamObserver<PlaceBlockResponse> response) {
        respond(response, () -> {
            String blockId = request.getBlockId();
            check(BlockKey.isValidBlockId(blockId), "invalid block id: %s", blockId);
            check(request.getLength() >= 0, "length of block %s must be >= 0: %s", blockId, request.getLength());
            check(request.getReplication() >= 1, "replication of block %s must be >= 1: %s", blockId,
                    request.getReplication());
            List<WorkerInfo> live = registry.liveWorkers();
            Map<String, WorkerInfo> withRoom = live.stream()
                    .filter(worker -> worker.freeBytes() >= request.getLength())
                    .collect(Collectors.toMap(WorkerInfo::id, Function.identity()));
            if (withRoom.size() < request.getReplication()) {
                throw RpcErrors.notEnoughWorkers(String.format(
                        "Cannot place %d replicas of block %s (%d bytes): only %d of %d live workers have room",
                        request.getReplication(), blockId, request.getLength(), withRoom.size(), live.size()));
            }
            List<String> chosen = RendezvousPlacement.choose(blockId, withRoom.keySet(), request.getReplication());
            PlaceBlockResponse.Builder result = PlaceBlockResponse.newBuilder();
            chosen.forEach(id -> result.addWorkers(address(withRoom.get(id))));
            return result.build();
        });
    }

    @Override
    public void commitBlock(CommitBlockRequest request, StreamObserver<CommitBlockResponse> response) {
        respond(response, () -> {
            FileIdentity file = ProtoConversions.fromProto(request.getFile());
            String block = "block " + request.getIndex() + " of " + file.path();
            check(request.getIndex() >= 0, "index of %s must be >= 0", block);
            check(request.getLength() >= 0, "length of %s must be >= 0: %s", block, request.getLength());
            check(request.getWorkerIdsCount() > 0, "commit of %s names no workers", block);
            Set<String> workers = new TreeSet<>(request.getWorkerIdsList());
            check(workers.size() == request.getWorkerIdsCount(), "commit of %s names a worker twice: %s", block,
                    request.getWorkerIdsList());
            for (String worker : workers) {
                if (!registry.isRegistered(worker)) {
                    throw RpcErrors.status(Status.Code.FAILED_PRECONDITION, "Cannot commit " + block + ": worker "
                            + worker + " is not registered with this master");
                }
            }
            metadata.commit(BlockRecord.newBuilder()
                    .setFile(request.getFile())
                    .setIndex(request.getIndex())
                    .setLength(request.getLength())
                    .setCrc32C(request.getCrc32C())
                    .addAllWorkerIds(workers)
                    .build());
            return CommitBlockResponse.getDefaultInstance();
        });
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
            Map<String, WorkerInfo> live = registry.liveWorkers().stream()
                    .collect(Collectors.toMap(WorkerInfo::id, Function.identity()));
            GetFileBlocksResponse.Builder result = GetFileBlocksResponse.newBuilder();
            for (BlockRecord record : records) {
                List<WorkerAddress> locations = record.getWorkerIdsList().stream()
                        .filter(live::containsKey)
                        .sorted()
                        .map(id -> address(live.get(id)))
                        .toList();
                if (!locations.isEmpty()) {
                    result.addBlocks(BlockLocations.newBuilder()
                            .setIndex(record.getIndex())
                            .setLength(record.getLength())
                            .setCrc32C(record.getCrc32C())
                            .addAllWorkers(locations));
                }
            }
            return result.build();
        });
    }

    @Override
    public void getClusterInfo(GetClusterInfoRequest request, StreamObserver<GetClusterInfoResponse> response) {
        respond(response, () -> {
            GetClusterInfoResponse.Builder result = GetClusterInfoResponse.newBuilder();
            for (WorkerInfo worker : registry.workers()) {
                result.addWorkers(WorkerStatus.newBuilder()
                        .setAddress(address(worker))
                        .setCapacityBytes(worker.capacityBytes())
                        .setUsedBytes(worker.usedBytes())
                        .setLive(worker.live()));
            }
            return result.build();
        });
    }

    private static WorkerAddress address(WorkerInfo worker) {
        return WorkerAddress.newBuilder()
                .setWorkerId(worker.id())
                .setHost(worker.host())
                .setPort(worker.port())
                .build();
    }

    private static String checkWorkerId(String workerId) {
        check(WORKER_ID.matcher(workerId).matches(), "invalid worker id (letters, digits, '.', '_', '-'; at most 64): %s",
                workerId);
        return workerId;
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
