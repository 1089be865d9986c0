package io.gfsload.cache.client;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ListenableFuture;
import io.gfsload.cache.api.BlockRange;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CacheUnavailableException;
import io.gfsload.cache.api.UfsPullException;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.api.WorkerUnavailableException;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.client.BatchBlockWriter.Item;
import io.gfsload.cache.proto.ForwardedReplica;
import io.gfsload.cache.proto.PullBlockRequest;
import io.gfsload.cache.proto.PullBlocksRequest;
import io.gfsload.cache.proto.PullBlocksResponse;
import io.gfsload.cache.proto.SmallBlockResult;
import io.gfsload.cache.proto.UfsRange;
import io.gfsload.cache.proto.WorkerAddress;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.rpc.RpcErrors;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link GrpcCacheClient#pullBlocks}: many small blocks pulled with one placement call, one
 * PullBlocks call per first worker (per {@link #BLOCKS_PER_CALL} blocks or {@link #BYTES_PER_CALL}),
 * all in flight together, and one batch commit. The first worker of each block reads it from the
 * UFS and forwards it to the block's other workers; the client checks every copy's length and
 * CRC32C against the first one's. A first worker older than PullBlocks (UNIMPLEMENTED) has its
 * blocks pulled one by one ({@link GrpcCacheClient#pullPlaced}), still committed with the others,
 * and the client asks it no more batches.
 *
 * <p>A block that fails on one worker is removed from the others (best effort) and left out of
 * the commit; when the commit itself fails, every block of it fails and their copies are removed.
 */
final class BatchBlockPuller {
    /** Blocks of one PullBlocks call at most: what a worker accepts. */
    static final int BLOCKS_PER_CALL = 1024;
    /** Bytes of the blocks of one PullBlocks call at most: what a worker accepts. */
    static final long BYTES_PER_CALL = 64L << 20;

    private final GrpcCacheClient client;
    private final WriteOptions options;

    BatchBlockPuller(GrpcCacheClient client, WriteOptions options) {
        this.client = requireNonNull(client, "client is null");
        this.options = requireNonNull(options, "options is null");
    }

    List<BlockWriteOutcome> pull(List<BlockRange> blocks) {
        List<Item> items = blocks.stream().map(Item::new).toList();
        if (items.isEmpty()) {
            return List.of();
        }
        List<Item> toPull = items;
        // each round after the first pulls the blocks whose first worker said it cannot read their directory, now known, so the rounds end
        while (!toPull.isEmpty()) {
            BatchBlockWriter.place(client, options, toPull);
            readersFirst(toPull);
            send(toPull);
            toPull = toPull.stream().filter(item -> item.pullAgain).toList();
            toPull.forEach(item -> {
                item.pullAgain = false;
                item.failure = null;
            });
        }
        BatchBlockWriter.commit(client, options, items);
        return BatchBlockWriter.outcomes(client, items);
    }

    /**
     * Has a worker that reads the directory of each placed block's file read it: the placed
     * workers not known to be unable to first; a block none of whose workers reads it placed again
     * where one does, or failed when no worker it may go to reads it.
     */
    private void readersFirst(List<Item> items) {
        UfsReaders readers = client.ufsReaders();
        Map<WriteOptions, List<Item>> placeAgain = new LinkedHashMap<>();
        List<String> liveWorkerIds = null;
        for (Item item : items) {
            if (item.failure != null) {
                continue;
            }
            String path = item.block.file().path();
            item.workers = readers.readersFirst(item.workers, path);
            if (!readers.reads(item.workers.get(0).getWorkerId(), path)) {
                try {
                    if (liveWorkerIds == null) {
                        liveWorkerIds = client.clusterInfo().liveWorkers().stream().map(WorkerInfo::id).toList();
                    }
                    placeAgain.computeIfAbsent(readers.awayFromUnable(options, item.block, liveWorkerIds), away -> new ArrayList<>()).add(item);
                }
                catch (CacheException e) {
                    item.fail(e);
                }
            }
        }
        placeAgain.forEach((away, again) -> {
            BatchBlockWriter.place(client, away, again);
            for (Item item : again) {
                if (item.failure == null) {
                    String path = item.block.file().path();
                    item.workers = readers.readersFirst(item.workers, path);
                    if (!readers.reads(item.workers.get(0).getWorkerId(), path)) {
                        item.fail(readers.noneReads(item.block));
                    }
                }
            }
        });
    }

    /** The items of one PullBlocks call to their first worker. */
    private record Call(WorkerAddress first, List<Item> items, ListenableFuture<PullBlocksResponse> answer, long timeoutMillis) {}

    /** One PullBlocks call per first worker and chunk of the placed items, all in flight together, then their answers. */
    private void send(List<Item> items) {
        Map<String, List<List<Item>>> byFirst = new LinkedHashMap<>();
        Map<String, Long> chunkBytes = new LinkedHashMap<>();
        for (Item item : items) {
            if (item.failure != null) {
                continue;
            }
            String first = item.workers.get(0).getWorkerId();
            List<List<Item>> chunks = byFirst.computeIfAbsent(first, id -> new ArrayList<>());
            long bytes = chunkBytes.getOrDefault(first, 0L);
            if (chunks.isEmpty() || chunks.get(chunks.size() - 1).size() == BLOCKS_PER_CALL || bytes + item.length > BYTES_PER_CALL) {
                chunks.add(new ArrayList<>());
                bytes = 0;
            }
            chunks.get(chunks.size() - 1).add(item);
            chunkBytes.put(first, bytes + item.length);
        }
        if (!byFirst.isEmpty() && client.writesAborted()) {
            CacheException refused = client.writesAbortedException();
            byFirst.values().forEach(chunks -> chunks.forEach(chunk -> chunk.forEach(item -> item.fail(refused))));
            return;
        }
        List<Call> calls = new ArrayList<>();
        List<Item> alone = new ArrayList<>();
        for (List<List<Item>> chunks : byFirst.values()) {
            for (List<Item> chunk : chunks) {
                WorkerAddress first = chunk.get(0).workers.get(0);
                if (client.lacksBatchPulls(first)) {
                    alone.addAll(chunk);
                    continue;
                }
                PullBlocksRequest.Builder request = PullBlocksRequest.newBuilder();
                long bytes = 0;
                for (Item item : chunk) {
                    request.addBlocks(request(item));
                    // the worker leaves nothing of a block it reports failed; a call that fails as a whole may leave any
                    item.mayHold.addAll(item.workers);
                    bytes += item.length;
                }
                long timeoutMillis = client.config().streamTimeout().toMillis() + (bytes >> 20) * 1000;
                try {
                    calls.add(new Call(first, chunk, client.workerFutureStub(first)
                            .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
                            .pullBlocks(request.build()), timeoutMillis));
                }
                catch (RuntimeException e) {
                    CacheException failure = e instanceof CacheException cacheException ? cacheException
                            : new CacheException("Pulling " + chunk.size() + " blocks into " + GrpcCacheClient.describe(first) + " failed: " + e, e);
                    chunk.forEach(item -> item.fail(failure));
                }
            }
        }
        // while the calls are under way
        alone.forEach(this::pullAlone);
        for (Call call : calls) {
            answer(call);
        }
    }

    private PullBlockRequest request(Item item) {
        return PullBlockRequest.newBuilder()
                .setHeader(BatchBlockWriter.header(item, options))
                .setUfs(UfsRange.newBuilder().setPath(item.block.file().path()).setOffset(item.offset)
                        .setFileLength(item.block.file().length()).setModificationTimeMillis(item.block.file().modificationTime()).setStreams(1))
                .addAllForwardTo(item.workers.subList(1, item.workers.size()))
                .build();
    }

    /** Waits for a call's answer and checks each of its blocks; a worker older than PullBlocks has them pulled one by one. */
    private void answer(Call call) {
        String action = "Pulling " + call.items().size() + " blocks from the UFS into " + GrpcCacheClient.describe(call.first());
        PullBlocksResponse response;
        try {
            response = call.answer().get(call.timeoutMillis() + 1000, TimeUnit.MILLISECONDS);
        }
        catch (ExecutionException e) {
            if (Status.fromThrowable(e.getCause()).getCode() == Status.Code.UNIMPLEMENTED) {
                client.noBatchPulls(call.first());
                call.items().forEach(item -> item.mayHold.clear());
                call.items().forEach(this::pullAlone);
                return;
            }
            CacheException failure = RpcErrors.toCacheException(action, e.getCause());
            // unreachable (down, killed, partitioned): the caller may place the blocks elsewhere
            CacheException reported = failure instanceof CacheUnavailableException
                    ? new WorkerUnavailableException(call.first().getWorkerId(), failure.getMessage(), e.getCause())
                    : failure;
            call.items().forEach(item -> item.fail(reported));
            return;
        }
        catch (TimeoutException e) {
            call.answer().cancel(true);
            CacheException failure = new CacheException(action + " failed: no answer within " + call.timeoutMillis() + " ms", e);
            call.items().forEach(item -> item.fail(failure));
            return;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.answer().cancel(true);
            CacheException failure = new CacheException("Interrupted while pulling blocks into " + GrpcCacheClient.describe(call.first()), e);
            call.items().forEach(item -> item.fail(failure));
            return;
        }
        if (response.getResultsCount() != call.items().size()) {
            CacheException failure = new CacheException(action + " failed: the worker answered " + response.getResultsCount() + " results");
            call.items().forEach(item -> item.fail(failure));
            return;
        }
        for (int i = 0; i < call.items().size(); i++) {
            check(call.items().get(i), call.first(), response.getResults(i));
        }
    }

    /** Checks what the first worker answered for a block: every replica's copy, or the block's failure. */
    private void check(Item item, WorkerAddress first, SmallBlockResult result) {
        if (result.hasError()) {
            // the worker left nothing of the block, on itself or on the workers it forwarded it to
            item.mayHold.clear();
            CacheException failure = RpcErrors.toCacheException("Pulling block " + item.blockId() + " from the UFS into "
                    + GrpcCacheClient.describe(first), result.getError());
            String failed = result.getError().getFailedWorkerId();
            if (failure instanceof UfsPullException unreadable && unreadable.reason() == UfsPullException.Reason.UNREADABLE
                    && (failed.isEmpty() || failed.equals(first.getWorkerId()))) {
                // the first worker cannot read the file's directory: another one reads the block
                String why = result.getError().getMessage();
                client.ufsReaders().cannotRead(first.getWorkerId(), item.block.file().path(), why.isEmpty() ? failure.getMessage() : why);
                item.pullAgain = true;
            }
            item.fail(failure instanceof CacheUnavailableException
                    ? new WorkerUnavailableException(failed.isEmpty() ? first.getWorkerId() : failed, failure.getMessage(), failure)
                    : failure);
            return;
        }
        WriteBlockResponse read = result.getWritten();
        item.crc = ProtoConversions.crcFromWire(read.getCrc32C());
        BatchBlockWriter.check(client, item, first, result);
        List<WorkerAddress> others = item.workers.subList(1, item.workers.size());
        List<String> answered = read.getForwardedList().stream().map(ForwardedReplica::getWorkerId).toList();
        List<String> expected = others.stream().map(WorkerAddress::getWorkerId).toList();
        if (!answered.equals(expected)) {
            item.fail(new CacheException(String.format("Pulling block %s into %s: the worker answered for the replicas on %s, not %s",
                    item.blockId(), GrpcCacheClient.describe(first), answered, expected)));
            return;
        }
        for (int i = 0; i < others.size(); i++) {
            BatchBlockWriter.check(client, item, others.get(i), SmallBlockResult.newBuilder().setWritten(read.getForwarded(i).getWritten()).build());
        }
    }

    /** Pulls one block of a worker older than PullBlocks as {@link GrpcCacheClient#pullBlock} does, on the workers placed for it. */
    private void pullAlone(Item item) {
        try {
            GrpcCacheClient.Pulled pulled = client.pullPlaced(item.block, item.offset, item.length, 1,
                    BatchBlockWriter.header(item, options), item.workers);
            item.crc = pulled.crc();
            pulled.stored().forEach((worker, copy) -> item.mayHold.add(worker));
            item.tiers.putAll(pulled.tiers());
            item.copies.putAll(pulled.copies());
        }
        catch (CacheException e) {
            item.fail(e);
            // the first worker cannot read the file's directory (learnt as it said so): another one reads the block
            item.pullAgain = e instanceof UfsPullException unreadable && unreadable.reason() == UfsPullException.Reason.UNREADABLE
                    && !client.ufsReaders().reads(item.workers.get(0).getWorkerId(), item.block.file().path());
        }
    }
}
