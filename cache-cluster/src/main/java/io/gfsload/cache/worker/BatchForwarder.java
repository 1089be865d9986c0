package io.gfsload.cache.worker;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import io.gfsload.cache.proto.ForwardedReplica;
import io.gfsload.cache.proto.ItemError;
import io.gfsload.cache.proto.SmallBlock;
import io.gfsload.cache.proto.SmallBlockResult;
import io.gfsload.cache.proto.WorkerAddress;
import io.gfsload.cache.proto.WorkerServiceGrpc;
import io.gfsload.cache.proto.WriteBlockHeader;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.gfsload.cache.proto.WriteBlocksRequest;
import io.gfsload.cache.proto.WriteBlocksResponse;
import io.gfsload.cache.rpc.RpcErrors;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * The pipelined replicas of a batched pull ({@code PullBlocks} whose blocks have a
 * {@code forward_to}): each small block (of at most {@link #FLUSH_BYTES}), once this worker has
 * read and stored it, goes to the workers of its {@code forward_to} in WriteBlocks calls of many
 * blocks, with the CRC32C this worker computed of it, rather than on a WriteBlock stream of its
 * own to each worker. A worker's blocks go out once {@link #FLUSH_BYTES} (at most) or
 * {@link #FLUSH_BLOCKS} of them are queued, while the
 * batch's other blocks are read, at most {@link #CALLS_PER_WORKER} calls to a worker at once (an
 * add waits for the oldest beyond them); the rest go out in {@link #finish}. A block's bytes are
 * held until the calls that carry them are answered.
 *
 * <p>The calls run in the context of the thread that adds or finishes, the pull's: the client's
 * deadline and cancellation carry over. A block that a worker did not store (its item failed, or
 * the whole call) fails with that worker's status and error kind, naming it in
 * {@link RpcErrors#FAILED_WORKER}, and the copies the other workers stored of it are removed; its
 * copy on this worker is the caller's to remove. Thread-safe.
 */
final class BatchForwarder {
    /** The bytes of blocks queued for one worker that make a call, at most: the largest block this forwards, too. */
    static final int FLUSH_BYTES = 4 << 20;
    /** The blocks queued for one worker that make a call. */
    static final int FLUSH_BLOCKS = 256;
    /** WriteBlocks calls to one worker under way at once, at most. */
    static final int CALLS_PER_WORKER = 2;

    private final String workerId;
    private final WorkerMetrics metrics;
    private final Function<WorkerAddress, Channel> channels;
    /** The workers forwarded to, by id. */
    private final Map<String, Downstream> downstreams = new LinkedHashMap<>();
    /** The blocks added, by their index in the batch. */
    private final Map<Integer, Block> blocks = new ConcurrentHashMap<>();

    BatchForwarder(String workerId, WorkerMetrics metrics, Function<WorkerAddress, Channel> channels) {
        this.workerId = requireNonNull(workerId, "workerId is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.channels = requireNonNull(channels, "channels is null");
    }

    /** What became of a block's replicas: those stored, in the order of its targets, or the failure of the first target that did not store it. */
    record Outcome(List<ForwardedReplica> replicas, Optional<StatusRuntimeException> failure) {}

    /**
     * Queues block {@code index} of the batch, stored here as {@code header} says with
     * {@code data} and {@code crc32c} (its wire form), for each of {@code targets}, and sends a
     * worker's queue once it is full.
     */
    void add(int index, WriteBlockHeader header, List<WorkerAddress> targets, ByteString data, int crc32c) {
        Block block = new Block(header.getBlockId(), List.copyOf(targets));
        blocks.put(index, block);
        SmallBlock small = SmallBlock.newBuilder().setHeader(header).setData(data).setCrc32C(crc32c).build();
        for (WorkerAddress target : targets) {
            downstream(target).add(block, small);
        }
    }

    /**
     * Sends what is queued, waits for every call to be answered, and returns each block's
     * {@link Outcome}, by its index in the batch. The copies of a failed block that other workers
     * stored are removed, best effort.
     */
    Map<Integer, Outcome> finish() {
        List<Downstream> all;
        synchronized (this) {
            all = List.copyOf(downstreams.values());
        }
        all.forEach(Downstream::send);
        all.forEach(Downstream::awaitCalls);
        Map<Integer, Outcome> outcomes = new HashMap<>();
        blocks.forEach((index, block) -> outcomes.put(index, block.outcome()));
        return outcomes;
    }

    private synchronized Downstream downstream(WorkerAddress target) {
        return downstreams.computeIfAbsent(target.getWorkerId(), id -> new Downstream(target));
    }

    /** A block of the batch and what each worker it goes to answered. */
    private final class Block {
        private final String blockId;
        private final List<WorkerAddress> targets;
        private final Map<String, WriteBlockResponse> stored = new ConcurrentHashMap<>();
        /** The status and error kind (empty when none) of the workers that did not store it. */
        private final Map<String, Map.Entry<Status, String>> failed = new ConcurrentHashMap<>();

        Block(String blockId, List<WorkerAddress> targets) {
            this.blockId = blockId;
            this.targets = targets;
        }

        /** Called once every call that carries the block has ended, on the thread that finishes the batch. */
        Outcome outcome() {
            Optional<StatusRuntimeException> failure = Optional.empty();
            for (WorkerAddress target : targets) {
                Map.Entry<Status, String> why = failed.get(target.getWorkerId());
                if (why == null && !stored.containsKey(target.getWorkerId())) {
                    why = Map.entry(Status.INTERNAL.withDescription("the worker did not answer for the block"), "");
                }
                if (why != null) {
                    failure = Optional.of(ReplicaForwarder.forwardFailed(workerId, blockId, target, why.getKey(), why.getValue()));
                    break;
                }
            }
            List<ForwardedReplica> replicas = new ArrayList<>(targets.size());
            for (WorkerAddress target : targets) {
                WriteBlockResponse written = stored.get(target.getWorkerId());
                if (written == null) {
                    continue;
                }
                if (failure.isPresent()) {
                    ReplicaForwarder.removeForwarded(workerId, blockId, target, written.getCopy(), channels);
                }
                else {
                    metrics.blockForwarded();
                    replicas.add(ForwardedReplica.newBuilder().setWorkerId(target.getWorkerId()).setWritten(written).build());
                }
            }
            return new Outcome(failure.isPresent() ? List.of() : replicas, failure);
        }
    }

    /** The blocks queued for one worker and the WriteBlocks calls to it under way. */
    private final class Downstream {
        private final WorkerAddress target;
        private final List<SmallBlock> queued = new ArrayList<>();
        private final List<Block> queuedBlocks = new ArrayList<>();
        private long queuedBytes;
        private final ArrayDeque<ListenableFuture<Void>> calls = new ArrayDeque<>();

        Downstream(WorkerAddress target) {
            this.target = target;
        }

        synchronized void add(Block block, SmallBlock small) {
            if (!queued.isEmpty() && queuedBytes + small.getData().size() > FLUSH_BYTES) {
                send();
            }
            queued.add(small);
            queuedBlocks.add(block);
            queuedBytes += small.getData().size();
            if (queuedBytes >= FLUSH_BYTES || queued.size() >= FLUSH_BLOCKS) {
                send();
            }
        }

        /** Sends the blocks queued in one call, once fewer than {@link #CALLS_PER_WORKER} are under way. */
        synchronized void send() {
            if (queued.isEmpty()) {
                return;
            }
            while (calls.size() >= CALLS_PER_WORKER) {
                await(calls.poll());
            }
            List<Block> sent = List.copyOf(queuedBlocks);
            WriteBlocksRequest request = WriteBlocksRequest.newBuilder().addAllBlocks(queued).build();
            metrics.forwardBatch();
            metrics.bytesForwarded(queuedBytes);
            queued.clear();
            queuedBlocks.clear();
            queuedBytes = 0;
            ListenableFuture<WriteBlocksResponse> call;
            try {
                call = WorkerServiceGrpc.newFutureStub(channels.apply(target)).writeBlocks(request);
            }
            catch (RuntimeException e) {
                call = Futures.immediateFailedFuture(e);
            }
            // recorded before the call counts as ended, so that what awaits it finds what it answered
            ListenableFuture<Void> recorded = Futures.transform(call, response -> {
                record(sent, response);
                return null;
            }, MoreExecutors.directExecutor());
            calls.add(Futures.catching(recorded, Throwable.class, t -> {
                Metadata trailers = Status.trailersFromThrowable(t);
                String kind = trailers == null ? null : trailers.get(RpcErrors.ERROR_KIND);
                failAll(sent, Status.fromThrowable(t), kind == null ? "" : kind);
                return null;
            }, MoreExecutors.directExecutor()));
        }

        /** Records what the worker answered for each block of {@code sent}. */
        private void record(List<Block> sent, WriteBlocksResponse response) {
            if (response.getResultsCount() != sent.size()) {
                failAll(sent, Status.INTERNAL.withDescription("the worker answered " + response.getResultsCount() + " results for "
                        + sent.size() + " blocks"), "");
                return;
            }
            for (int i = 0; i < sent.size(); i++) {
                SmallBlockResult result = response.getResults(i);
                if (result.hasWritten()) {
                    sent.get(i).stored.put(target.getWorkerId(), result.getWritten());
                }
                else {
                    ItemError error = result.getError();
                    sent.get(i).failed.put(target.getWorkerId(),
                            Map.entry(Status.fromCodeValue(error.getCode()).withDescription(error.getMessage()), error.getKind()));
                }
            }
        }

        private void failAll(List<Block> sent, Status status, String kind) {
            sent.forEach(block -> block.failed.put(target.getWorkerId(), Map.entry(status, kind)));
        }

        /** Waits for every call to the worker to end; each has recorded what it answered. */
        synchronized void awaitCalls() {
            while (!calls.isEmpty()) {
                await(calls.poll());
            }
        }

        /** Waits for {@code call} to end; an interrupted wait cancels it (its blocks then fail as cancelled). */
        private void await(ListenableFuture<Void> call) {
            try {
                call.get();
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                call.cancel(true);
            }
            catch (ExecutionException e) {
                // what failed is recorded by the call itself (catching)
            }
        }
    }
}
