package io.gfsload.cache.client;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.UnsafeByteOperations;
import io.gfsload.cache.api.BlockData;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CacheUnavailableException;
import io.gfsload.cache.api.WorkerUnavailableException;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.proto.BlockPlacement;
import io.gfsload.cache.proto.CommitBlockRequest;
import io.gfsload.cache.proto.CommitBlocksRequest;
import io.gfsload.cache.proto.PlaceBlockRequest;
import io.gfsload.cache.proto.PlaceBlocksRequest;
import io.gfsload.cache.proto.PlaceBlocksResponse;
import io.gfsload.cache.proto.SmallBlock;
import io.gfsload.cache.proto.SmallBlockResult;
import io.gfsload.cache.proto.StorageTierProto;
import io.gfsload.cache.proto.WorkerAddress;
import io.gfsload.cache.proto.WriteBlockHeader;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.gfsload.cache.proto.WriteBlocksRequest;
import io.gfsload.cache.proto.WriteBlocksResponse;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.rpc.RpcErrors;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.CRC32C;

/**
 * {@link GrpcCacheClient#writeBlocks}: many small blocks with one placement call, one WriteBlocks
 * call per worker (all workers at once) and one batch commit.
 *
 * <p>A block succeeds only when every replica's worker stored it with the client's CRC32C; a
 * block that fails on one replica is removed from the others (best effort) and is left out of the
 * commit. When the commit itself fails, every block of it fails and their replicas are removed.
 */
final class BatchBlockWriter {
    private final GrpcCacheClient client;
    private final WriteOptions options;

    BatchBlockWriter(GrpcCacheClient client, WriteOptions options) {
        this.client = client;
        this.options = options;
    }

    /** The state of one block through the batch. */
    private static final class Item {
        final BlockData data;
        final String blockId;
        final long crc;
        List<WorkerAddress> workers = List.of();
        long pinUntilMillis;
        final Map<String, StorageTierProto> tiers = new LinkedHashMap<>();
        /** Workers that may hold the block: sent it, and did not say they discarded it. */
        final List<WorkerAddress> mayHold = new ArrayList<>();
        CacheException failure;

        Item(BlockData data) {
            this.data = data;
            this.blockId = data.block().blockId();
            CRC32C crc32c = new CRC32C();
            crc32c.update(data.data());
            this.crc = crc32c.getValue();
        }

        String blockId() {
            return blockId;
        }

        void fail(CacheException cause) {
            if (failure == null) {
                failure = cause;
            }
        }
    }

    List<BlockWriteOutcome> write(List<BlockData> blocks) {
        List<Item> items = blocks.stream().map(Item::new).toList();
        if (items.isEmpty()) {
            return List.of();
        }
        place(items);
        send(items);
        commit(items);
        List<BlockWriteOutcome> outcomes = new ArrayList<>(items.size());
        for (Item item : items) {
            if (item.failure != null) {
                for (WorkerAddress worker : item.mayHold) {
                    client.removeQuietly(worker, item.blockId());
                }
                outcomes.add(BlockWriteOutcome.failed(item.data.block(), item.failure));
            }
            else {
                outcomes.add(BlockWriteOutcome.written(new BlockWriteResult(item.data.block(), item.data.data().length,
                        item.crc, item.workers.stream().map(WorkerAddress::getWorkerId).sorted().toList())));
            }
        }
        return outcomes;
    }

    private void place(List<Item> items) {
        PlaceBlocksRequest.Builder request = PlaceBlocksRequest.newBuilder();
        for (Item item : items) {
            PlaceBlockRequest.Builder block = PlaceBlockRequest.newBuilder()
                    .setBlockId(item.blockId())
                    .setLength(item.data.data().length)
                    .setReplication(options.replication());
            options.tier().ifPresent(tier -> block.setTier(ProtoConversions.toProto(tier)));
            options.tempArea().ifPresent(block::setTempArea);
            options.excludedWorkers().stream().sorted().forEach(block::addExcludedWorkerIds);
            request.addBlocks(block);
        }
        PlaceBlocksResponse response;
        try {
            response = client.masterStub().placeBlocks(request.build());
        }
        catch (StatusRuntimeException e) {
            CacheException failure = RpcErrors.toCacheException("Placing " + items.size() + " blocks at master "
                    + client.masterTarget(), e);
            items.forEach(item -> item.fail(failure));
            return;
        }
        if (response.getPlacementsCount() != items.size()) {
            CacheException failure = new CacheException("Placing " + items.size() + " blocks at master "
                    + client.masterTarget() + " failed: the master answered " + response.getPlacementsCount()
                    + " placements");
            items.forEach(item -> item.fail(failure));
            return;
        }
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            BlockPlacement placement = response.getPlacements(i);
            if (placement.hasError()) {
                item.fail(RpcErrors.toCacheException("Placing block " + item.blockId(), placement.getError()));
            }
            else {
                item.workers = placement.getPlacement().getWorkersList();
                item.pinUntilMillis = placement.getPlacement().getTempAreaExpiresAtMillis();
            }
        }
    }

    /** One WriteBlocks call per worker, all of them in flight together. */
    private void send(List<Item> items) {
        Map<String, WorkerAddress> workers = new LinkedHashMap<>();
        Map<String, List<Item>> byWorker = new LinkedHashMap<>();
        for (Item item : items) {
            if (item.failure != null) {
                continue;
            }
            for (WorkerAddress worker : item.workers) {
                workers.putIfAbsent(worker.getWorkerId(), worker);
                byWorker.computeIfAbsent(worker.getWorkerId(), id -> new ArrayList<>()).add(item);
            }
        }
        long timeoutMillis = client.config().streamTimeout().toMillis();
        Map<String, ListenableFuture<WriteBlocksResponse>> calls = new LinkedHashMap<>();
        for (Map.Entry<String, List<Item>> entry : byWorker.entrySet()) {
            WorkerAddress worker = workers.get(entry.getKey());
            WriteBlocksRequest.Builder request = WriteBlocksRequest.newBuilder();
            for (Item item : entry.getValue()) {
                WriteBlockHeader.Builder header = WriteBlockHeader.newBuilder()
                        .setBlockId(item.blockId())
                        .setLength(item.data.data().length);
                options.tier().ifPresent(tier -> header.setTier(ProtoConversions.toProto(tier)));
                options.tempArea().ifPresent(jobId -> header.setTempArea(jobId).setPinUntilEpochMillis(item.pinUntilMillis));
                request.addBlocks(SmallBlock.newBuilder()
                        .setHeader(header)
                        // The caller keeps the array unchanged until this call returns.
                        .setData(UnsafeByteOperations.unsafeWrap(item.data.data()))
                        .setCrc32C(ProtoConversions.crcToWire(item.crc)));
                item.mayHold.add(worker);
            }
            try {
                calls.put(entry.getKey(), client.workerFutureStub(worker)
                        .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
                        .writeBlocks(request.build()));
            }
            catch (RuntimeException e) {
                CacheException failure = e instanceof CacheException cacheException ? cacheException
                        : new CacheException("Writing " + entry.getValue().size() + " blocks to "
                                + GrpcCacheClient.describe(worker) + " failed: " + e, e);
                entry.getValue().forEach(item -> item.fail(failure));
            }
        }
        for (Map.Entry<String, ListenableFuture<WriteBlocksResponse>> call : calls.entrySet()) {
            WorkerAddress worker = workers.get(call.getKey());
            List<Item> sent = byWorker.get(call.getKey());
            WriteBlocksResponse response;
            try {
                response = call.getValue().get(timeoutMillis + 1000, TimeUnit.MILLISECONDS);
            }
            catch (ExecutionException e) {
                CacheException failure = RpcErrors.toCacheException("Writing " + sent.size() + " blocks to "
                        + GrpcCacheClient.describe(worker), e.getCause());
                // Unreachable (down, killed, partitioned): the caller may place the blocks elsewhere.
                CacheException reported = failure instanceof CacheUnavailableException
                        ? new WorkerUnavailableException(worker.getWorkerId(), failure.getMessage(), e.getCause())
                        : failure;
                sent.forEach(item -> item.fail(reported));
                continue;
            }
            catch (TimeoutException e) {
                call.getValue().cancel(true);
                CacheException failure = new CacheException("Writing " + sent.size() + " blocks to "
                        + GrpcCacheClient.describe(worker) + " failed: no answer within " + timeoutMillis + " ms", e);
                sent.forEach(item -> item.fail(failure));
                continue;
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                CacheException failure = new CacheException("Interrupted while writing blocks to "
                        + GrpcCacheClient.describe(worker), e);
                sent.forEach(item -> item.fail(failure));
                continue;
            }
            if (response.getResultsCount() != sent.size()) {
                CacheException failure = new CacheException("Writing " + sent.size() + " blocks to "
                        + GrpcCacheClient.describe(worker) + " failed: the worker answered " + response.getResultsCount()
                        + " results");
                sent.forEach(item -> item.fail(failure));
                continue;
            }
            for (int i = 0; i < sent.size(); i++) {
                check(sent.get(i), worker, response.getResults(i));
            }
        }
    }

    private void check(Item item, WorkerAddress worker, SmallBlockResult result) {
        String action = "Writing block " + item.blockId() + " to " + GrpcCacheClient.describe(worker);
        if (result.hasError()) {
            // The worker reported the block's failure and left nothing of it.
            item.mayHold.remove(worker);
            item.fail(RpcErrors.toCacheException(action, result.getError()));
            return;
        }
        WriteBlockResponse written = result.getWritten();
        long workerCrc = ProtoConversions.crcFromWire(written.getCrc32C());
        if (written.getLength() != item.data.data().length) {
            item.fail(new CacheException(String.format("Block %s on %s: the worker stored %d bytes, the client wrote %d",
                    item.blockId(), GrpcCacheClient.describe(worker), written.getLength(), item.data.data().length)));
        }
        else if (workerCrc != item.crc) {
            item.fail(new CacheException(String.format("Block %s on %s: checksum mismatch: the worker computed CRC32C %s, "
                    + "the client %s", item.blockId(), GrpcCacheClient.describe(worker), ProtoConversions.formatCrc(workerCrc),
                    ProtoConversions.formatCrc(item.crc))));
        }
        else if (written.getTier() != StorageTierProto.STORAGE_TIER_UNSPECIFIED) {
            item.tiers.put(worker.getWorkerId(), written.getTier());
        }
    }

    private void commit(List<Item> items) {
        List<Item> stored = items.stream().filter(item -> item.failure == null).toList();
        if (stored.isEmpty()) {
            return;
        }
        CommitBlocksRequest.Builder request = CommitBlocksRequest.newBuilder();
        for (Item item : stored) {
            CommitBlockRequest.Builder block = CommitBlockRequest.newBuilder()
                    .setFile(ProtoConversions.toProto(item.data.block().file()))
                    .setIndex(item.data.block().index())
                    .setLength(item.data.data().length)
                    .setCrc32C(ProtoConversions.crcToWire(item.crc))
                    .addAllWorkerIds(item.workers.stream().map(WorkerAddress::getWorkerId).sorted().toList())
                    .setReplication(options.replication())
                    .putAllWorkerTiers(item.tiers);
            options.tempArea().ifPresent(block::setTempArea);
            request.addBlocks(block);
        }
        try {
            client.masterStub().commitBlocks(request.build());
        }
        catch (StatusRuntimeException e) {
            CacheException failure = RpcErrors.toCacheException((options.tempArea().isPresent()
                    ? "Putting " + stored.size() + " blocks into the temp area of job " + options.tempArea().get()
                    : "Committing " + stored.size() + " blocks") + " at master " + client.masterTarget(), e);
            stored.forEach(item -> item.fail(failure));
        }
    }
}
