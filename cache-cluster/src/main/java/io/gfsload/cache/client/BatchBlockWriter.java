package io.gfsload.cache.client;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.UnsafeByteOperations;
import io.gfsload.cache.api.BlockData;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockRange;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CacheUnavailableException;
import io.gfsload.cache.api.EvictedBeforeCommitException;
import io.gfsload.cache.api.WorkerUnavailableException;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.checksum.SegmentedCrc32c;
import io.gfsload.cache.io.NoSpace;
import io.gfsload.cache.io.OwnerOnlyFiles;
import io.gfsload.cache.proto.BlockPlacement;
import io.gfsload.cache.proto.CommitBlockRequest;
import io.gfsload.cache.proto.CommitBlocksRequest;
import io.gfsload.cache.proto.CommitBlocksResponse;
import io.gfsload.cache.proto.CompleteLocalWriteRequest;
import io.gfsload.cache.proto.CompleteLocalWritesRequest;
import io.gfsload.cache.proto.LocalWriteOpened;
import io.gfsload.cache.proto.OpenLocalWriteResponse;
import io.gfsload.cache.proto.OpenLocalWritesRequest;
import io.gfsload.cache.proto.OpenLocalWritesResponse;
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
import io.gfsload.cache.worker.BlockFileHeader;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * {@link GrpcCacheClient#writeBlocks}: many small blocks with one placement call, then per worker
 * either a short-circuit batch (OpenLocalWrites; the client creates each temp file the worker
 * names and writes the whole block file, the header with its segment checksums and the data;
 * CompleteLocalWrites) when the worker is on this host and takes them, or one WriteBlocks call that carries the bytes (all
 * such workers at once), and one batch commit. A worker that refuses short-circuit writes, or
 * whose files cannot be written here, gets the blocks streamed instead; once the client aborted
 * its unfinished writes ({@link GrpcCacheClient#abortUnfinishedWrites}), they fail instead.
 *
 * <p>A block succeeds only when every replica's worker stored it with the client's CRC32C; a
 * block that fails on one replica is removed from the others (best effort) and is left out of the
 * commit. When the commit itself fails, every block of it fails and their replicas are removed;
 * so does a block the master did not record on every worker (one evicted it before the commit
 * arrived: {@link io.gfsload.cache.api.EvictedBeforeCommitException}).
 */
final class BatchBlockWriter {
    private final GrpcCacheClient client;
    private final WriteOptions options;
    /** Called with each temp file's path just before the client creates it; does nothing outside tests. */
    private final Consumer<Path> beforeCreatingFile;
    /** The tier directories this writer's files were found to have the owner of. */
    private final Set<Path> ownedDirectories = ConcurrentHashMap.newKeySet();

    BatchBlockWriter(GrpcCacheClient client, WriteOptions options) {
        this(client, options, path -> {});
    }

    BatchBlockWriter(GrpcCacheClient client, WriteOptions options, Consumer<Path> beforeCreatingFile) {
        this.client = requireNonNull(client, "client is null");
        this.options = requireNonNull(options, "options is null");
        this.beforeCreatingFile = requireNonNull(beforeCreatingFile, "beforeCreatingFile is null");
    }

    /** The state of one block through a batch: written ({@link BatchBlockWriter}) or pulled ({@link BatchBlockPuller}). */
    static final class Item {
        /** The bytes of a block written; null for a block pulled. */
        final BlockData data;
        final BlockKey block;
        final String blockId;
        /** Where the block starts in its file: 0 for a block written. */
        final long offset;
        final int length;
        /** The CRC32C of the block: the client's of a block written, the first worker's of a block pulled (once it answered). */
        long crc;
        /** Whose CRC32C {@link #crc} is, for the failures that name it. */
        final String crcFrom;
        List<WorkerAddress> workers = List.of();
        long pinUntilMillis;
        final Map<String, StorageTierProto> tiers = new LinkedHashMap<>();
        /** The number each worker gave its copy of the block, where known. */
        final Map<String, Long> copies = new LinkedHashMap<>();
        /** Workers that may hold the block: sent it, and did not say they discarded it. */
        final List<WorkerAddress> mayHold = new ArrayList<>();
        CacheException failure;
        /** A pulled block whose first worker said it cannot read the file's directory: pulled again, by another. */
        boolean pullAgain;

        Item(BlockData data) {
            this.data = data;
            this.block = data.block();
            this.blockId = block.blockId();
            this.offset = 0;
            this.length = data.length();
            CRC32C crc32c = new CRC32C();
            crc32c.update(data.data());
            this.crc = crc32c.getValue();
            this.crcFrom = "the client";
        }

        Item(BlockRange range) {
            this.data = null;
            this.block = range.block();
            this.blockId = block.blockId();
            this.offset = range.offset();
            this.length = Math.toIntExact(range.length());
            this.crcFrom = "the copy read from the UFS";
        }

        String blockId() {
            return blockId;
        }

        /** The CRC32C of each segment of {@code segmentBytes} of the block, as a worker stores them. */
        int[] segmentCrcs(int segmentBytes) {
            if (length <= segmentBytes) {
                return length == 0 ? new int[0] : new int[] {(int) crc};
            }
            SegmentedCrc32c segments = new SegmentedCrc32c(segmentBytes, length);
            segments.update(data.data());
            return segments.segmentCrcs();
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
        place(client, options, items);
        send(items);
        commit(client, options, items);
        return outcomes(client, items);
    }

    /** The outcome of each item, in order; the copies of a failed one are removed from the workers that may hold them. */
    static List<BlockWriteOutcome> outcomes(GrpcCacheClient client, List<Item> items) {
        List<BlockWriteOutcome> outcomes = new ArrayList<>(items.size());
        for (Item item : items) {
            if (item.failure != null) {
                for (WorkerAddress worker : item.mayHold) {
                    client.removeQuietly(worker, item.blockId(), item.copies.getOrDefault(worker.getWorkerId(), 0L));
                }
                outcomes.add(BlockWriteOutcome.failed(item.block, item.failure));
            }
            else {
                outcomes.add(BlockWriteOutcome.written(new BlockWriteResult(item.block, item.length,
                        item.crc, item.workers.stream().map(WorkerAddress::getWorkerId).sorted().toList())));
            }
        }
        return outcomes;
    }

    /** Places every item with one call; an item that cannot be placed fails. */
    static void place(GrpcCacheClient client, WriteOptions options, List<Item> items) {
        PlaceBlocksRequest.Builder request = PlaceBlocksRequest.newBuilder();
        for (Item item : items) {
            PlaceBlockRequest.Builder block = PlaceBlockRequest.newBuilder()
                    .setBlockId(item.blockId())
                    .setLength(item.length)
                    .setReplication(options.replicasToPlace());
            options.tier().ifPresent(tier -> block.setTier(ProtoConversions.toProto(tier)));
            options.tempArea().ifPresent(block::setTempArea);
            options.workersNotToPlaceOn().stream().sorted().forEach(block::addExcludedWorkerIds);
            options.holders().stream().sorted().forEach(block::addHolderWorkerIds);
            request.addBlocks(block);
        }
        PlaceBlocksResponse response;
        long started = System.nanoTime();
        try {
            response = client.masterStub().placeBlocks(request.build());
            client.masterAnswered();
        }
        catch (StatusRuntimeException e) {
            CacheException failure = client.masterFailure("Placing " + items.size() + " blocks at master "
                    + client.masterTarget(), e, started);
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

    /** Writes each block to each of its workers: a short-circuit batch to those on this host, one WriteBlocks call to the others. */
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
        Map<String, List<Item>> streamed = new LinkedHashMap<>();
        for (Map.Entry<String, List<Item>> entry : byWorker.entrySet()) {
            WorkerAddress worker = workers.get(entry.getKey());
            if (!client.shortCircuitCandidate(worker) || !writeLocally(worker, entry.getValue())) {
                streamed.put(entry.getKey(), entry.getValue());
            }
        }
        stream(workers, streamed);
    }

    /**
     * A short-circuit batch to {@code worker}: returns false, having left nothing on it, when the
     * worker refuses it or its temp files cannot be written here (the blocks are then streamed).
     */
    private boolean writeLocally(WorkerAddress worker, List<Item> items) {
        OpenLocalWritesRequest.Builder request = OpenLocalWritesRequest.newBuilder().setWriterCreatesFiles(true);
        for (Item item : items) {
            request.addHeaders(header(item, options));
        }
        OpenLocalWritesResponse opened;
        try {
            opened = client.workerBlockingStub(worker).openLocalWrites(request.build());
        }
        catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            CacheException failure = RpcErrors.toCacheException("Opening local writes of " + items.size() + " blocks on "
                    + GrpcCacheClient.describe(worker), e);
            if (code == Status.Code.FAILED_PRECONDITION || code == Status.Code.UNIMPLEMENTED) {
                client.shortCircuitUnavailable(worker, failure.getMessage());
                return false;
            }
            // Handed-out temp files the answer did not reach are aborted by the worker when idle.
            CacheException reported = failure instanceof CacheUnavailableException
                    ? new WorkerUnavailableException(worker.getWorkerId(), failure.getMessage(), e)
                    : failure;
            items.forEach(item -> item.fail(reported));
            return true;
        }
        List<String> writeIds = opened.getResultsList().stream().filter(LocalWriteOpened::hasOpened)
                .map(result -> result.getOpened().getWriteId()).toList();
        try {
            client.localWritesOpened(worker, writeIds);
        }
        catch (CacheException e) {
            // the client aborted its unfinished writes (the process stops), these among them
            items.forEach(item -> item.fail(e));
            return true;
        }
        if (opened.getResultsCount() != items.size()) {
            CacheException failure = new CacheException("Opening local writes of " + items.size() + " blocks on "
                    + GrpcCacheClient.describe(worker) + " failed: the worker answered " + opened.getResultsCount() + " results");
            items.forEach(item -> item.fail(failure));
            abortAll(worker, opened);
            return true;
        }
        CompleteLocalWritesRequest.Builder complete = CompleteLocalWritesRequest.newBuilder();
        List<Item> completed = new ArrayList<>();
        // the temp files of the completed items, which this client created
        List<Path> completedFiles = new ArrayList<>();
        List<String> aborted = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            LocalWriteOpened result = opened.getResults(i);
            if (result.hasError()) {
                item.fail(RpcErrors.toCacheException("Opening a local write of block " + item.blockId() + " on "
                        + GrpcCacheClient.describe(worker), result.getError()));
                continue;
            }
            OpenLocalWriteResponse file = result.getOpened();
            int[] segmentCrcs;
            try {
                segmentCrcs = item.segmentCrcs(file.getSegmentBytes());
                writeFile(file, item, segmentCrcs);
            }
            catch (IOException | RuntimeException e) {
                if (client.writesAborted()) {
                    // Refused, not a sign that this host cannot write the worker's files: the process stops.
                    CacheException refused = client.writesAbortedException();
                    items.forEach(each -> each.fail(refused));
                    completedFiles.forEach(BatchBlockWriter::deleteQuietly);
                    abortAll(worker, opened);
                    return true;
                }
                if (NoSpace.isNoSpace(e)) {
                    // the worker's file system is full: no sign that this host cannot write its files
                    item.fail(LocalBlockWriter.localWriteFailed(item.blockId(), worker, e));
                    aborted.add(file.getWriteId());
                    continue;
                }
                if (completed.isEmpty()) {
                    // The first file cannot be written: this host cannot reach the worker's directory.
                    client.shortCircuitUnavailable(worker, "cannot write its temp file " + file.getPath() + " here: " + e);
                    abortAll(worker, opened);
                    return false;
                }
                item.fail(LocalBlockWriter.localWriteFailed(item.blockId(), worker, e));
                aborted.add(file.getWriteId());
                continue;
            }
            CompleteLocalWriteRequest.Builder block = CompleteLocalWriteRequest.newBuilder()
                    .setWriteId(file.getWriteId())
                    .setLength(item.length)
                    .setCrc32C(ProtoConversions.crcToWire(item.crc));
            for (int segmentCrc : segmentCrcs) {
                block.addSegmentCrc32C(segmentCrc);
            }
            complete.addBlocks(block);
            completed.add(item);
            completedFiles.add(Path.of(file.getPath()));
        }
        for (String writeId : aborted) {
            complete.addBlocks(CompleteLocalWriteRequest.newBuilder().setWriteId(writeId).setAbort(true));
        }
        if (complete.getBlocksCount() == 0) {
            return true;
        }
        completed.forEach(item -> item.mayHold.add(worker));
        WriteBlocksResponse response;
        try {
            response = client.workerBlockingStub(worker).completeLocalWrites(complete.build());
        }
        catch (StatusRuntimeException e) {
            CacheException failure = RpcErrors.toCacheException("Completing local writes of " + completed.size()
                    + " blocks on " + GrpcCacheClient.describe(worker), e);
            completed.forEach(item -> item.fail(failure));
            completedFiles.forEach(BatchBlockWriter::deleteQuietly);
            return true;
        }
        finally {
            client.localWritesEnded(writeIds);
        }
        if (response.getResultsCount() != complete.getBlocksCount()) {
            CacheException failure = new CacheException("Completing local writes of " + completed.size() + " blocks on "
                    + GrpcCacheClient.describe(worker) + " failed: the worker answered " + response.getResultsCount() + " results");
            completed.forEach(item -> item.fail(failure));
            completedFiles.forEach(BatchBlockWriter::deleteQuietly);
            return true;
        }
        for (int i = 0; i < completed.size(); i++) {
            SmallBlockResult result = response.getResults(i);
            if (result.hasError()) {
                // A write the worker no longer knows (aborted meanwhile) leaves the file to its creator.
                deleteQuietly(completedFiles.get(i));
            }
            check(client, completed.get(i), worker, result);
        }
        return true;
    }

    /**
     * Creates the temp file the worker handed out and writes the whole block file into it, header
     * and data, with one gathering write. Leaves no file when it fails, and creates none (or
     * deletes the one it created) once the client aborted its unfinished writes: the worker
     * dropped the write then, and would never delete it.
     *
     * @throws CacheException when the client aborted its unfinished writes
     */
    private void writeFile(OpenLocalWriteResponse file, Item item, int[] segmentCrcs) throws IOException {
        ByteBuffer data = item.data.data();
        ByteBuffer header = BlockFileHeader.encode(data.remaining(), item.crc, file.getSegmentBytes(), segmentCrcs);
        if (header.remaining() != file.getDataOffset()) {
            throw new IOException("the worker's block files put the data at byte " + file.getDataOffset()
                    + ", after a header of another format than this client's (" + header.remaining() + " bytes)");
        }
        Path path = Path.of(file.getPath());
        client.checkWritesAllowed();
        beforeCreatingFile.accept(path);
        boolean written = false;
        // owner-only, as the worker creates its block files: the file becomes one of them when the worker adopts it
        try (FileChannel channel = FileChannel.open(path, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                OwnerOnlyFiles.fileAttributes(path.getParent()))) {
            try {
                // Checked again now that the file exists: an abort before its creation deleted nothing. An abort
                // after this check comes after the creation, so the worker deletes the file.
                client.checkWritesAllowed();
                checkOwnedAsItsDirectory(path);
                ByteBuffer[] buffers = {header, data};
                long left = header.remaining() + (long) data.remaining();
                while (left > 0) {
                    left -= channel.write(buffers);
                }
                written = true;
            }
            finally {
                if (!written) {
                    deleteQuietly(path);
                }
            }
        }
    }

    /**
     * Fails unless the file this process created, {@code path}, has the owner of its directory,
     * the worker's tier directory: a file of another user (this process runs as another user, or
     * as root) is owner-only and the worker could not read it. The batch is streamed instead.
     */
    private void checkOwnedAsItsDirectory(Path path) throws IOException {
        Path directory = path.getParent();
        if (ownedDirectories.contains(directory)) {
            return;
        }
        if (sameOwner(path, directory)) {
            // this writer's next files there have the same owner: not asked again
            ownedDirectories.add(directory);
            return;
        }
        UserPrincipal fileOwner = Files.getOwner(path);
        UserPrincipal directoryOwner = Files.getOwner(directory);
        if (!fileOwner.equals(directoryOwner)) {
            throw new IOException("its tier directory " + path.getParent() + " belongs to " + directoryOwner.getName()
                    + " and this process writes as " + fileOwner.getName() + ": the worker could not read the block files"
                    + " it writes there");
        }
    }

    /** Whether {@code file} and {@code directory} have one owner: by their uids, without looking up the user's name. */
    private static boolean sameOwner(Path file, Path directory) throws IOException {
        try {
            return Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS).equals(Files.getAttribute(directory, "unix:uid"));
        }
        catch (UnsupportedOperationException | IllegalArgumentException e) {
            return Files.getOwner(file, LinkOption.NOFOLLOW_LINKS).equals(Files.getOwner(directory));
        }
    }

    /** Deletes a temp file this client created, if it is still there; failures are only logged. */
    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        }
        catch (IOException e) {
            GrpcCacheClient.log().warn("Cannot delete the temp file {} of a failed local write: {}", path, e.toString());
        }
    }

    /** Aborts every write {@code opened} handed out, waiting a few seconds at most; failures are only logged. */
    private void abortAll(WorkerAddress worker, OpenLocalWritesResponse opened) {
        List<String> writeIds = opened.getResultsList().stream()
                .filter(LocalWriteOpened::hasOpened)
                .map(result -> result.getOpened().getWriteId())
                .toList();
        client.localWritesEnded(writeIds);
        client.abortLocalWritesQuietly(worker, writeIds);
    }

    /** The header of the writes of {@code item}'s block, as {@code options} say. */
    static WriteBlockHeader.Builder header(Item item, WriteOptions options) {
        return GrpcCacheClient.header(item.blockId(), item.length, options, item.pinUntilMillis);
    }

    /**
     * One WriteBlocks call per worker of {@code byWorker}, all of them in flight together; none
     * once the client aborted its unfinished writes.
     */
    private void stream(Map<String, WorkerAddress> workers, Map<String, List<Item>> byWorker) {
        if (!byWorker.isEmpty() && client.writesAborted()) {
            CacheException refused = client.writesAbortedException();
            byWorker.values().forEach(items -> items.forEach(item -> item.fail(refused)));
            return;
        }
        long timeoutMillis = client.config().streamTimeout().toMillis();
        Map<String, ListenableFuture<WriteBlocksResponse>> calls = new LinkedHashMap<>();
        for (Map.Entry<String, List<Item>> entry : byWorker.entrySet()) {
            WorkerAddress worker = workers.get(entry.getKey());
            WriteBlocksRequest.Builder request = WriteBlocksRequest.newBuilder();
            for (Item item : entry.getValue()) {
                request.addBlocks(SmallBlock.newBuilder()
                        .setHeader(header(item, options))
                        // The caller keeps the bytes unchanged until this call returns.
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
                check(client, sent.get(i), worker, response.getResults(i));
            }
        }
    }

    /**
     * Checks what {@code worker} answered for {@code item}: its failure, or a copy of the item's
     * length and CRC32C, whose tier and copy number are noted.
     */
    static void check(GrpcCacheClient client, Item item, WorkerAddress worker, SmallBlockResult result) {
        String action = "Writing block " + item.blockId() + " to " + GrpcCacheClient.describe(worker);
        if (result.hasError()) {
            // The worker reported the block's failure and left nothing of it.
            item.mayHold.remove(worker);
            item.fail(RpcErrors.toCacheException(action, result.getError()));
            return;
        }
        WriteBlockResponse written = result.getWritten();
        client.recordEvictions(worker, written);
        long workerCrc = ProtoConversions.crcFromWire(written.getCrc32C());
        if (written.getLength() != item.length) {
            item.fail(new CacheException(String.format("Block %s on %s: the worker stored %d bytes, not %d",
                    item.blockId(), GrpcCacheClient.describe(worker), written.getLength(), item.length)));
        }
        else if (workerCrc != item.crc) {
            item.fail(new CacheException(String.format("Block %s on %s: checksum mismatch: the worker computed CRC32C %s, "
                    + "%s %s", item.blockId(), GrpcCacheClient.describe(worker), ProtoConversions.formatCrc(workerCrc),
                    item.crcFrom, ProtoConversions.formatCrc(item.crc))));
        }
        else {
            if (written.getTier() != StorageTierProto.STORAGE_TIER_UNSPECIFIED) {
                item.tiers.put(worker.getWorkerId(), written.getTier());
            }
            if (written.getCopy() != 0) {
                item.copies.put(worker.getWorkerId(), written.getCopy());
            }
        }
    }

    /** Commits the items not failed with one call, all or none; a block the master did not record on every worker fails. */
    static void commit(GrpcCacheClient client, WriteOptions options, List<Item> items) {
        List<Item> stored = items.stream().filter(item -> item.failure == null).toList();
        if (stored.isEmpty()) {
            return;
        }
        CommitBlocksRequest.Builder request = CommitBlocksRequest.newBuilder();
        for (Item item : stored) {
            CommitBlockRequest.Builder block = CommitBlockRequest.newBuilder()
                    .setFile(ProtoConversions.toProto(item.block.file()))
                    .setIndex(item.block.index())
                    .setLength(item.length)
                    .setCrc32C(ProtoConversions.crcToWire(item.crc))
                    .addAllWorkerIds(item.workers.stream().map(WorkerAddress::getWorkerId).sorted().toList())
                    .setReplication(options.replication())
                    .putAllWorkerTiers(item.tiers)
                    .putAllWorkerCopies(item.copies);
            options.tempArea().ifPresent(block::setTempArea);
            request.addBlocks(block);
        }
        CommitBlocksResponse response;
        long started = System.nanoTime();
        try {
            response = client.masterStub().commitBlocks(request.build());
            client.masterAnswered();
        }
        catch (StatusRuntimeException e) {
            CacheException failure = client.masterFailure((options.tempArea().isPresent()
                    ? "Putting " + stored.size() + " blocks into the temp area of job " + options.tempArea().get()
                    : "Committing " + stored.size() + " blocks") + " at master " + client.masterTarget(), e, started);
            stored.forEach(item -> item.fail(failure));
            return;
        }
        // A block the master did not record on every worker fails: a worker evicted it first.
        for (int i = 0; i < Math.min(stored.size(), response.getResultsCount()); i++) {
            List<String> notRecorded = response.getResults(i).getNotRecordedWorkerIdsList();
            if (!notRecorded.isEmpty()) {
                stored.get(i).fail(new EvictedBeforeCommitException(stored.get(i).blockId(), notRecorded));
            }
        }
    }
}
