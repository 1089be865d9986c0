package io.gfsload.cache.worker;

import static io.gfsload.cache.testing.TestData.crc32c;
import static io.gfsload.cache.testing.TestData.files;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.master.CacheMaster;
import io.gfsload.cache.master.MasterConfig;
import io.gfsload.cache.proto.ReadBlockRequest;
import io.gfsload.cache.proto.ReadBlockResponse;
import io.gfsload.cache.proto.BlockStatResult;
import io.gfsload.cache.proto.ItemError;
import io.gfsload.cache.proto.RemoveBlockRequest;
import io.gfsload.cache.proto.StatBlockRequest;
import io.gfsload.cache.proto.StatBlockResponse;
import io.gfsload.cache.proto.StatBlocksRequest;
import io.gfsload.cache.proto.StatBlocksResponse;
import io.gfsload.cache.proto.WorkerServiceGrpc;
import io.gfsload.cache.proto.WriteBlockHeader;
import io.gfsload.cache.proto.WriteBlockRequest;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.testing.RawWrites;
import io.gfsload.cache.testing.TestData;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker's protocol, driven with the raw gRPC stub so that clients' own checks do not hide the worker's. */
class WorkerServiceTest {
    private static final int SEGMENT = 4096;
    private static final long CAPACITY = 1_000_000;
    private static final String BLOCK_ID = new BlockKey(new FileIdentity("hdfs://nn/warehouse/t/part-0", 100_000, 1), 0)
            .blockId();

    @TempDir
    Path directory;

    private CacheMaster master;
    private CacheWorker worker;
    private ManagedChannel channel;
    private WorkerServiceGrpc.WorkerServiceBlockingStub blocking;
    private WorkerServiceGrpc.WorkerServiceStub async;

    @BeforeEach
    void start() {
        master = CacheMaster.start(MasterConfig.defaults(directory.resolve("master")));
        worker = startWorker();
        channel = Grpc.newChannelBuilder(worker.target(), InsecureChannelCredentials.create()).build();
        blocking = WorkerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        async = WorkerServiceGrpc.newStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        worker.close();
        master.close();
    }

    @Test
    void storesAStreamAndReportsItsLengthAndChecksum() throws Exception {
        byte[] data = randomBytes(10 * SEGMENT + 17, 1);
        WriteBlockResponse response = write(header(BLOCK_ID, data.length), chunks(data, 3000)).get();

        assertEquals(data.length, response.getLength());
        assertEquals(crc32c(data), ProtoConversions.crcFromWire(response.getCrc32C()));
        assertEquals(List.of(worker.blockDirectory().resolve(BLOCK_ID + ".block")), files(worker.blockDirectory()));
        assertEquals(data.length, worker.usedBytes());
        assertEquals(List.of(BLOCK_ID), worker.blockIds());
        assertArrayEquals(data, read(ReadBlockRequest.newBuilder().setBlockId(BLOCK_ID).build()));
    }

    @Test
    void readsAnyRangeAcrossSegmentBoundaries() throws Exception {
        byte[] data = randomBytes(5 * SEGMENT + 100, 2);
        write(header(BLOCK_ID, data.length), chunks(data, 10_000)).get();

        long[][] ranges = {{0, 1}, {SEGMENT - 1, 2}, {SEGMENT, SEGMENT}, {100, 3 * SEGMENT}, {5 * SEGMENT, 100},
                {data.length, 0}, {7, data.length - 7}};
        for (long[] range : ranges) {
            byte[] expected = Arrays.copyOfRange(data, (int) range[0], (int) (range[0] + range[1]));
            assertArrayEquals(expected, read(ReadBlockRequest.newBuilder().setBlockId(BLOCK_ID).setOffset(range[0])
                    .setLength(range[1]).build()), "range " + range[0] + "+" + range[1]);
        }
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> read(ReadBlockRequest.newBuilder()
                .setBlockId(BLOCK_ID).setOffset(10).setLength(data.length).build()));
        assertEquals(Status.Code.OUT_OF_RANGE, e.getStatus().getCode());
        assertEquals("Block " + BLOCK_ID + " on worker worker-0 has 20580 bytes; cannot read 20580 bytes from offset 10",
                e.getStatus().getDescription());
    }

    @Test
    void rejectsInvalidBlockIdsWithoutStoringAnything() {
        for (String blockId : List.of("../../etc/passwd", "", BLOCK_ID + "/x", BLOCK_ID.toUpperCase(), "abc-1",
                BLOCK_ID.replace("-0", "-"))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> write(header(blockId, 3), List.of(ByteString.copyFromUtf8("abc"))).get());
            assertStatus(e, Status.Code.INVALID_ARGUMENT, "Invalid block id: " + blockId);
        }
        StatusRuntimeException read = assertThrows(StatusRuntimeException.class,
                () -> read(ReadBlockRequest.newBuilder().setBlockId("../../etc/passwd").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, read.getStatus().getCode());
        StatusRuntimeException remove = assertThrows(StatusRuntimeException.class,
                () -> blocking.removeBlock(RemoveBlockRequest.newBuilder().setBlockId("../master/CURRENT").build()));
        assertEquals("Invalid block id: ../master/CURRENT", remove.getStatus().getDescription());
        assertNothingStored();
    }

    @Test
    void rejectsANegativeLength() {
        ExecutionException e = assertThrows(ExecutionException.class, () -> write(header(BLOCK_ID, -1), List.of()).get());
        assertStatus(e, Status.Code.INVALID_ARGUMENT, "Block " + BLOCK_ID + " has a negative length: -1");
        assertNothingStored();
    }

    @Test
    void rejectsABlockAboveTheFreeSpaceWhenNothingIsEvictable() throws Exception {
        byte[] data = randomBytes(600_000, 3);
        // A block of an open temp area is pinned: eviction may not take it.
        WriteBlockRequest pinned = WriteBlockRequest.newBuilder().setHeader(WriteBlockHeader.newBuilder()
                        .setBlockId(BLOCK_ID).setLength(data.length).setTempArea("job-1")
                        .setPinUntilEpochMillis(System.currentTimeMillis() + 3_600_000))
                .build();
        write(pinned, chunks(data, 100_000)).get();
        assertTrue(worker.isPinned(BLOCK_ID));
        String other = BLOCK_ID.replace("-0", "-1");

        ExecutionException e = assertThrows(ExecutionException.class,
                () -> write(header(other, 400_001), List.of()).get());
        assertStatus(e, Status.Code.RESOURCE_EXHAUSTED, "Worker worker-0 has no room for block " + other
                + ": it needs 400001 bytes, 400000 of 1000000 are free");
        assertEquals(List.of(BLOCK_ID), worker.blockIds());
        assertEquals(1, files(worker.blockDirectory()).size());
    }

    @Test
    void evictsAnUnpinnedBlockToMakeRoom() throws Exception {
        byte[] data = randomBytes(600_000, 3);
        write(header(BLOCK_ID, data.length), chunks(data, 100_000)).get();
        String other = BLOCK_ID.replace("-0", "-1");

        write(header(other, 400_001), chunks(randomBytes(400_001, 4), 100_000)).get();

        assertEquals(List.of(other), worker.blockIds());
        assertEquals(List.of(worker.blockDirectory().resolve(other + ".block")), files(worker.blockDirectory()));
    }

    @Test
    void rejectsALengthAboveTheLargestBlockWithoutStoringAnything() {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> write(header(BLOCK_ID, CAPACITY + 1), List.of()).get());
        assertStatus(e, Status.Code.INVALID_ARGUMENT, "Block " + BLOCK_ID + " has a length of 1000001 bytes, more "
                + "than the largest block worker worker-0 accepts (1000000 bytes)");
        assertNothingStored();
    }

    @Test
    void rejectsAStreamShorterThanItsHeader() {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> write(header(BLOCK_ID, 100), List.of(ByteString.copyFrom(new byte[50]))).get());
        assertStatus(e, Status.Code.INVALID_ARGUMENT, "Block " + BLOCK_ID + " on worker worker-0: the stream ended "
                + "after 50 of the 100 bytes its header announced");
        assertNothingStored();
    }

    @Test
    void rejectsAStreamLongerThanItsHeader() {
        ExecutionException e = assertThrows(ExecutionException.class, () -> write(header(BLOCK_ID, 100),
                List.of(ByteString.copyFrom(new byte[60]), ByteString.copyFrom(new byte[60]))).get());
        assertStatus(e, Status.Code.INVALID_ARGUMENT, "Block " + BLOCK_ID + " on worker worker-0: the stream has more "
                + "than the 100 bytes its header announced");
        assertNothingStored();
    }

    @Test
    void rejectsDataBeforeTheHeaderAndAStreamWithoutHeader() {
        ExecutionException data = assertThrows(ExecutionException.class, () -> write(null,
                List.of(ByteString.copyFrom(new byte[10]))).get());
        assertStatus(data, Status.Code.INVALID_ARGUMENT, "The first message of a block write to worker worker-0 must "
                + "be a header");
        ExecutionException empty = assertThrows(ExecutionException.class, () -> write(null, List.of()).get());
        assertStatus(empty, Status.Code.INVALID_ARGUMENT, "A block write to worker worker-0 ended without a header");
        assertNothingStored();
    }

    @Test
    void aCancelledStreamLeavesNothing() {
        CompletableFuture<WriteBlockResponse> result = new CompletableFuture<>();
        ClientCallStreamObserver<WriteBlockRequest> requests =
                (ClientCallStreamObserver<WriteBlockRequest>) async.writeBlock(RawWrites.answer(result));
        requests.onNext(header(BLOCK_ID, 100_000));
        requests.onNext(WriteBlockRequest.newBuilder().setData(ByteString.copyFrom(new byte[50_000])).build());
        TestData.await(() -> worker.usedBytes() == 100_000, Duration.ofSeconds(5), "the write reserved its space");
        requests.cancel("test cancels", null);

        TestData.await(() -> files(worker.blockDirectory()).isEmpty() && worker.usedBytes() == 0,
                Duration.ofSeconds(5), "the cancelled write is gone");
        assertEquals(List.of(), worker.blockIds());
    }

    @Test
    void aMissingBlockIsNotFound() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> read(ReadBlockRequest.newBuilder().setBlockId(BLOCK_ID).build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        assertEquals("Block " + BLOCK_ID + " not found on worker worker-0", e.getStatus().getDescription());
    }

    @Test
    void statBlocksAnswersForEachBlockAsStatBlockDoes() throws Exception {
        byte[] data = randomBytes(3 * SEGMENT + 5, 7);
        write(header(BLOCK_ID, data.length), chunks(data, SEGMENT)).get();
        String missing = BLOCK_ID.replace("-0", "-1");
        String writing = BLOCK_ID.replace("-0", "-2");
        ClientCallStreamObserver<WriteBlockRequest> unfinished =
                (ClientCallStreamObserver<WriteBlockRequest>) async.writeBlock(RawWrites.answer(new CompletableFuture<>()));
        unfinished.onNext(header(writing, 10_000));
        unfinished.onNext(WriteBlockRequest.newBuilder().setData(ByteString.copyFrom(new byte[5000])).build());
        TestData.await(() -> worker.usedBytes() == data.length + 10_000, Duration.ofSeconds(5), "the write reserved its space");
        List<Path> before = files(worker.blockDirectory());

        StatBlocksResponse response = blocking.statBlocks(StatBlocksRequest.newBuilder()
                .addBlockIds(BLOCK_ID).addBlockIds(missing).addBlockIds(writing).addBlockIds("../../etc/passwd").addBlockIds(BLOCK_ID)
                .build());

        StatBlockResultExpectation held = new StatBlockResultExpectation(
                blocking.statBlock(StatBlockRequest.newBuilder().setBlockId(BLOCK_ID).build()), null);
        assertEquals(data.length, held.stat().getLength());
        assertEquals(crc32c(data), ProtoConversions.crcFromWire(held.stat().getCrc32C()));
        assertEquals(List.of(held,
                        notHeld(Status.Code.NOT_FOUND, "Block " + missing + " not found on worker worker-0"),
                        notHeld(Status.Code.NOT_FOUND, "Block " + writing + " not found on worker worker-0"),
                        notHeld(Status.Code.INVALID_ARGUMENT, "Invalid block id: ../../etc/passwd"),
                        held),
                response.getResultsList().stream().map(StatBlockResultExpectation::of).toList());
        for (String blockId : List.of(missing, writing, "../../etc/passwd")) {
            StatusRuntimeException single = assertThrows(StatusRuntimeException.class,
                    () -> blocking.statBlock(StatBlockRequest.newBuilder().setBlockId(blockId).build()));
            assertEquals(response.getResults(List.of(BLOCK_ID, missing, writing, "../../etc/passwd").indexOf(blockId)).getError(),
                    ItemError.newBuilder().setCode(single.getStatus().getCode().value()).setMessage(single.getStatus().getDescription()).build(),
                    "StatBlock fails for " + blockId + " as StatBlocks' item does");
        }
        assertEquals(before, files(worker.blockDirectory()), "asking touches no file");
        assertEquals(List.of(BLOCK_ID), worker.blockIds());
        unfinished.cancel("test ends the write", null);
    }

    @Test
    void statBlocksTakesAtMostItsLimitOfBlocksPerCall() {
        List<String> limit = Collections.nCopies(WorkerService.MAX_STAT_BLOCKS_PER_CALL, BLOCK_ID);
        StatBlocksResponse answered = blocking.statBlocks(StatBlocksRequest.newBuilder().addAllBlockIds(limit).build());
        assertEquals(WorkerService.MAX_STAT_BLOCKS_PER_CALL, answered.getResultsCount());
        assertEquals(Status.Code.NOT_FOUND.value(), answered.getResults(0).getError().getCode());

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> blocking.statBlocks(StatBlocksRequest.newBuilder()
                .addAllBlockIds(limit).addBlockIds(BLOCK_ID).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("Invalid request: 10001 block ids in one call to worker worker-0, at most 10000 are allowed",
                e.getStatus().getDescription());
    }

    @Test
    void removesBlocks() throws Exception {
        write(header(BLOCK_ID, 5000), chunks(randomBytes(5000, 4), 5000)).get();
        assertTrue(blocking.removeBlock(RemoveBlockRequest.newBuilder().setBlockId(BLOCK_ID).build()).getRemoved());
        assertFalse(blocking.removeBlock(RemoveBlockRequest.newBuilder().setBlockId(BLOCK_ID).build()).getRemoved());
        assertNothingStored();
    }

    @Test
    void aCorruptSegmentEndsTheReadWithDataLoss() throws Exception {
        byte[] data = randomBytes(3 * SEGMENT, 5);
        write(header(BLOCK_ID, data.length), chunks(data, SEGMENT)).get();
        Path file = worker.blockDirectory().resolve(BLOCK_ID + ".block");
        byte[] stored = Files.readAllBytes(file);
        stored[stored.length - SEGMENT - 1] ^= 1; // last byte of the second segment
        Files.write(file, stored);

        Iterator<ReadBlockResponse> responses = blocking.readBlock(ReadBlockRequest.newBuilder().setBlockId(BLOCK_ID)
                .build());
        assertArrayEquals(Arrays.copyOf(data, SEGMENT), responses.next().getData().toByteArray(),
                "the intact first segment is served");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, responses::next);
        assertEquals(Status.Code.DATA_LOSS, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("Block " + BLOCK_ID + " on worker worker-0 is corrupt: "
                + "bytes 4096-8191 have CRC32C 0x"), e.getStatus().getDescription());
    }

    @Test
    void aRestartedWorkerCleansUpAndKeepsItsBlocks() throws Exception {
        byte[] data = randomBytes(9000, 6);
        write(header(BLOCK_ID, data.length), chunks(data, 4000)).get();
        worker.close();
        Path blocks = worker.blockDirectory();
        String truncated = BLOCK_ID.replace("-0", "-1");
        Files.write(blocks.resolve(BLOCK_ID + ".123abc.tmp"), new byte[1000]);
        Files.write(blocks.resolve(truncated + ".block"), new byte[10]);

        worker = startWorker();
        assertEquals(List.of(BLOCK_ID), worker.blockIds());
        assertEquals(data.length, worker.usedBytes());
        assertEquals(List.of(blocks.resolve(BLOCK_ID + ".block")), files(blocks));
        assertEquals(data.length, master.clusterInfo().workers().get(0).usedBytes());
        channel.shutdownNow();
        channel = Grpc.newChannelBuilder(worker.target(), InsecureChannelCredentials.create()).build();
        blocking = WorkerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertArrayEquals(data, read(ReadBlockRequest.newBuilder().setBlockId(BLOCK_ID).build()));
    }

    private CacheWorker startWorker() {
        return CacheWorker.start(WorkerConfig.builder("worker-0", directory.resolve("worker-0"), CAPACITY,
                        master.target())
                .checksumSegmentBytes(SEGMENT)
                .readChunkBytes(SEGMENT)
                .maxBlockBytes(CAPACITY)
                .build());
    }

    private void assertNothingStored() {
        assertEquals(List.of(), files(worker.blockDirectory()));
        assertEquals(List.of(), worker.blockIds());
        assertEquals(0, worker.usedBytes());
    }

    private static void assertStatus(ExecutionException e, Status.Code code, String description) {
        Status status = Status.fromThrowable(e.getCause());
        assertEquals(code, status.getCode(), String.valueOf(status));
        assertEquals(description, status.getDescription());
    }

    /** One result of StatBlocks: a stat, or an error's code and message. */
    private record StatBlockResultExpectation(StatBlockResponse stat, ItemError error) {
        static StatBlockResultExpectation of(BlockStatResult result) {
            return new StatBlockResultExpectation(result.hasStat() ? result.getStat() : null, result.hasError() ? result.getError() : null);
        }
    }

    private static StatBlockResultExpectation notHeld(Status.Code code, String message) {
        return new StatBlockResultExpectation(null, ItemError.newBuilder().setCode(code.value()).setMessage(message).build());
    }

    private static WriteBlockRequest header(String blockId, long length) {
        return WriteBlockRequest.newBuilder()
                .setHeader(WriteBlockHeader.newBuilder().setBlockId(blockId).setLength(length))
                .build();
    }

    private static List<ByteString> chunks(byte[] data, int size) {
        List<ByteString> chunks = new ArrayList<>();
        for (int offset = 0; offset < data.length; offset += size) {
            chunks.add(ByteString.copyFrom(data, offset, Math.min(size, data.length - offset)));
        }
        return chunks;
    }

    /** Sends {@code header} (unless null) and {@code chunks}, then half-closes. */
    private CompletableFuture<WriteBlockResponse> write(WriteBlockRequest header, List<ByteString> chunks) {
        CompletableFuture<WriteBlockResponse> result = new CompletableFuture<>();
        StreamObserver<WriteBlockRequest> requests = async.writeBlock(RawWrites.answer(result));
        if (header != null) {
            requests.onNext(header);
        }
        for (ByteString chunk : chunks) {
            requests.onNext(WriteBlockRequest.newBuilder().setData(chunk).build());
        }
        requests.onCompleted();
        return result;
    }

    private byte[] read(ReadBlockRequest request) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        blocking.readBlock(request).forEachRemaining(response -> {
            assertTrue(response.getData().size() <= SEGMENT, "chunks are at most readChunkBytes");
            out.writeBytes(response.getData().toByteArray());
        });
        return out.toByteArray();
    }
}
