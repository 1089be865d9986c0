package io.gfsload.cache.worker;

import static io.gfsload.cache.testing.TestData.crc32c;
import static io.gfsload.cache.testing.TestData.files;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.master.CacheMaster;
import io.gfsload.cache.master.MasterConfig;
import io.gfsload.cache.metrics.MetricsRegistry;
import io.gfsload.cache.proto.CompleteLocalWriteRequest;
import io.gfsload.cache.proto.CompleteLocalWriteResponse;
import io.gfsload.cache.proto.CompleteLocalWritesRequest;
import io.gfsload.cache.proto.OpenLocalWriteRequest;
import io.gfsload.cache.proto.OpenLocalWriteResponse;
import io.gfsload.cache.proto.OpenLocalWritesRequest;
import io.gfsload.cache.proto.OpenLocalWritesResponse;
import io.gfsload.cache.proto.ReadBlockRequest;
import io.gfsload.cache.proto.SmallBlock;
import io.gfsload.cache.proto.SmallBlockResult;
import io.gfsload.cache.proto.WorkerServiceGrpc;
import io.gfsload.cache.proto.WriteBlockHeader;
import io.gfsload.cache.proto.WriteBlocksRequest;
import io.gfsload.cache.proto.WriteBlocksResponse;
import io.gfsload.cache.rpc.DomainSockets;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.rpc.RpcChannels;
import io.gfsload.cache.testing.MutableClock;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WriteBlocks and the short-circuit local writes, driven with the raw gRPC stub so that the client's own checks do not hide the worker's. */
class WorkerBatchAndLocalWriteTest {
    private static final int SEGMENT = 4096;
    private static final long CAPACITY = 1_000_000;

    @TempDir
    Path directory;

    private CacheMaster master;
    private CacheWorker worker;
    private ManagedChannel channel;
    private WorkerServiceGrpc.WorkerServiceBlockingStub stub;

    @BeforeEach
    void start() {
        master = CacheMaster.start(MasterConfig.defaults(directory.resolve("master")));
        worker = startWorker("worker-0", true);
        channel = Grpc.newChannelBuilder(worker.target(), InsecureChannelCredentials.create()).build();
        stub = WorkerServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        worker.close();
        master.close();
    }

    @Test
    void writeBlocksStoresEachSoundBlockAndRejectsEachBadOneAlone() {
        byte[] first = randomBytes(3 * SEGMENT + 5, 1);
        byte[] second = randomBytes(100, 2);
        byte[] corrupt = randomBytes(200, 3);
        byte[] shortData = randomBytes(50, 4);
        WriteBlocksResponse response = stub().writeBlocks(WriteBlocksRequest.newBuilder()
                .addBlocks(small(blockId(0), first, crc32c(first)))
                .addBlocks(small(blockId(1), corrupt, crc32c(corrupt) ^ 1))
                .addBlocks(small("../../escape", second, crc32c(second)))
                .addBlocks(SmallBlock.newBuilder()
                        .setHeader(WriteBlockHeader.newBuilder().setBlockId(blockId(3)).setLength(60))
                        .setData(ByteString.copyFrom(shortData))
                        .setCrc32C(ProtoConversions.crcToWire(crc32c(shortData))))
                .addBlocks(small(blockId(4), second, crc32c(second)))
                .build());

        List<SmallBlockResult> results = response.getResultsList();
        assertEquals(5, results.size());
        assertEquals(first.length, results.get(0).getWritten().getLength());
        assertEquals(crc32c(first), ProtoConversions.crcFromWire(results.get(0).getWritten().getCrc32C()));
        assertEquals(Status.Code.DATA_LOSS.value(), results.get(1).getError().getCode());
        assertEquals("Block " + blockId(1) + " on worker worker-0: checksum mismatch: the worker computed CRC32C "
                + ProtoConversions.formatCrc(crc32c(corrupt)) + ", the client " + ProtoConversions.formatCrc(crc32c(corrupt) ^ 1),
                results.get(1).getError().getMessage());
        assertEquals(Status.Code.INVALID_ARGUMENT.value(), results.get(2).getError().getCode());
        assertEquals("Invalid block id: ../../escape", results.get(2).getError().getMessage());
        assertEquals(Status.Code.INVALID_ARGUMENT.value(), results.get(3).getError().getCode());
        assertEquals("Block " + blockId(3) + " on worker worker-0: 50 bytes arrived, its header announced 60",
                results.get(3).getError().getMessage());
        assertTrue(results.get(4).hasWritten());

        assertEquals(List.of(blockId(0), blockId(4)).stream().sorted().toList(), worker.blockIds());
        assertEquals(first.length + second.length, worker.usedBytes());
        assertEquals(2, files(worker.blockDirectory()).size(), "no temp file is left");
        assertArrayEquals(first, read(blockId(0)));
        assertArrayEquals(second, read(blockId(4)));
    }

    @Test
    void localWriteIsVerifiedAndStored() throws IOException {
        byte[] data = randomBytes(5 * SEGMENT + 7, 5);
        OpenLocalWriteResponse opened = stub().openLocalWrite(open(blockId(0), data.length));
        Path temp = Path.of(opened.getPath());
        assertEquals(worker.blockDirectory(), temp.getParent(), "the temp file is in the tier directory");
        assertTrue(temp.getFileName().toString().endsWith(".tmp"));
        assertEquals(data.length, worker.usedBytes(), "the space is reserved while the client writes");
        writeAt(temp, opened.getDataOffset(), data);

        CompleteLocalWriteResponse completed = stub().completeLocalWrite(complete(opened, data.length, crc32c(data)));

        assertEquals(data.length, completed.getWritten().getLength());
        assertEquals(crc32c(data), ProtoConversions.crcFromWire(completed.getWritten().getCrc32C()));
        assertEquals(List.of(worker.blockDirectory().resolve(blockId(0) + ".block")), files(worker.blockDirectory()));
        assertEquals(data.length, worker.usedBytes());
        assertArrayEquals(data, read(blockId(0)));
    }

    @Test
    void localWriteWithOtherBytesThanReportedStoresNothing() throws IOException {
        byte[] data = randomBytes(2 * SEGMENT, 6);
        OpenLocalWriteResponse opened = stub().openLocalWrite(open(blockId(0), data.length));
        writeAt(Path.of(opened.getPath()), opened.getDataOffset(), data);

        StatusRuntimeException mismatch = assertThrows(StatusRuntimeException.class,
                () -> stub().completeLocalWrite(complete(opened, data.length, crc32c(data) ^ 0xff)));

        assertEquals(Status.Code.DATA_LOSS, mismatch.getStatus().getCode());
        assertEquals("Block %s on worker worker-0: the local write holds %d bytes with CRC32C %s, the client reports %d bytes with CRC32C %s"
                        .formatted(blockId(0), data.length, ProtoConversions.formatCrc(crc32c(data)), data.length,
                                ProtoConversions.formatCrc(crc32c(data) ^ 0xff)),
                mismatch.getStatus().getDescription());
        assertNothingStored();

        OpenLocalWriteResponse shorter = stub().openLocalWrite(open(blockId(1), data.length));
        writeAt(Path.of(shorter.getPath()), shorter.getDataOffset(), randomBytes(SEGMENT, 7));
        StatusRuntimeException tooShort = assertThrows(StatusRuntimeException.class,
                () -> stub().completeLocalWrite(complete(shorter, data.length, crc32c(data))));
        assertEquals(Status.Code.INVALID_ARGUMENT, tooShort.getStatus().getCode());
        assertEquals("Block " + blockId(1) + " on worker worker-0: the local write left 4096 bytes, the block has 8192",
                tooShort.getStatus().getDescription());
        assertNothingStored();
    }

    @Test
    void localWriteWithSegmentChecksumsIsStoredWithoutReadingItBack() throws IOException {
        byte[] data = randomBytes(3 * SEGMENT + 100, 8);
        OpenLocalWriteResponse opened = stub().openLocalWrite(open(blockId(0), data.length));
        assertEquals(SEGMENT, opened.getSegmentBytes());
        writeAt(Path.of(opened.getPath()), opened.getDataOffset(), data);

        CompleteLocalWriteResponse completed = stub().completeLocalWrite(complete(opened, data.length, crc32c(data), segmentCrcs(data)));

        assertEquals(crc32c(data), ProtoConversions.crcFromWire(completed.getWritten().getCrc32C()));
        assertEquals(List.of(blockId(0)), worker.blockIds());
        assertArrayEquals(data, read(blockId(0)));
    }

    @Test
    void segmentChecksumsThatDoNotFitTheBlockStoreNothing() throws IOException {
        byte[] data = randomBytes(3 * SEGMENT, 9);
        int[] segments = segmentCrcs(data);
        OpenLocalWriteResponse tooFew = stub().openLocalWrite(open(blockId(0), data.length));
        writeAt(Path.of(tooFew.getPath()), tooFew.getDataOffset(), data);
        StatusRuntimeException count = assertThrows(StatusRuntimeException.class, () -> stub().completeLocalWrite(
                complete(tooFew, data.length, crc32c(data), new int[] {segments[0], segments[1]})));
        assertEquals(Status.Code.INVALID_ARGUMENT, count.getStatus().getCode());
        assertEquals("Block %s on worker worker-0: 2 segment checksums for 3 segments of 4096 bytes".formatted(blockId(0)),
                count.getStatus().getDescription());
        assertNothingStored();

        OpenLocalWriteResponse disagreeing = stub().openLocalWrite(open(blockId(1), data.length));
        writeAt(Path.of(disagreeing.getPath()), disagreeing.getDataOffset(), data);
        segments[2] ^= 1;
        StatusRuntimeException mismatch = assertThrows(StatusRuntimeException.class, () -> stub().completeLocalWrite(
                complete(disagreeing, data.length, crc32c(data), segments)));
        assertEquals(Status.Code.DATA_LOSS, mismatch.getStatus().getCode());
        assertNothingStored();
    }

    @Test
    void aSegmentWrittenWithOtherBytesThanItsChecksumIsNotServed() throws IOException {
        byte[] data = randomBytes(3 * SEGMENT, 10);
        OpenLocalWriteResponse opened = stub().openLocalWrite(open(blockId(0), data.length));
        byte[] onDisk = data.clone();
        onDisk[SEGMENT + 17] ^= 0x40;
        writeAt(Path.of(opened.getPath()), opened.getDataOffset(), onDisk);
        stub().completeLocalWrite(complete(opened, data.length, crc32c(data), segmentCrcs(data)));

        StatusRuntimeException corrupt = assertThrows(StatusRuntimeException.class, () -> read(blockId(0)));

        assertEquals(Status.Code.DATA_LOSS, corrupt.getStatus().getCode());
        assertEquals("Block %s on worker worker-0 is corrupt: bytes 4096-8191 have CRC32C %s, expected %s".formatted(blockId(0),
                        ProtoConversions.formatCrc(crc32c(Arrays.copyOfRange(onDisk, SEGMENT, 2 * SEGMENT))),
                        ProtoConversions.formatCrc(crc32c(Arrays.copyOfRange(data, SEGMENT, 2 * SEGMENT)))),
                corrupt.getStatus().getDescription());
        assertEquals(List.of(), worker.blockIds(), "the corrupt block is dropped");
    }

    @Test
    void aClientCreatedBlockFileIsTakenAsWrittenAndServed() throws IOException {
        byte[] first = randomBytes(3 * SEGMENT + 100, 11);
        byte[] second = randomBytes(SEGMENT / 2, 12);
        OpenLocalWritesResponse opened = stub().openLocalWrites(openAll(true, blockId(0), first.length, blockId(1), second.length));
        OpenLocalWriteResponse a = opened.getResults(0).getOpened();
        OpenLocalWriteResponse b = opened.getResults(1).getOpened();
        assertFalse(Files.exists(Path.of(a.getPath())), "the worker leaves the temp file to the client");

        createBlockFile(a, first);
        createBlockFile(b, second);
        WriteBlocksResponse completed = stub().completeLocalWrites(CompleteLocalWritesRequest.newBuilder()
                .addBlocks(complete(a, first.length, crc32c(first), segmentCrcs(first)))
                .addBlocks(complete(b, second.length, crc32c(second), segmentCrcs(second)))
                .build());

        assertEquals(crc32c(first), ProtoConversions.crcFromWire(completed.getResults(0).getWritten().getCrc32C()));
        assertEquals(second.length, completed.getResults(1).getWritten().getLength());
        assertEquals(Stream.of(blockId(0), blockId(1)).sorted().toList(), worker.blockIds().stream().sorted().toList());
        assertArrayEquals(first, read(blockId(0)));
        assertArrayEquals(second, read(blockId(1)));
        assertEquals(first.length + second.length, worker.usedBytes());
    }

    @Test
    void aClientCreatedWriteWithoutItsFileOrChecksumsOrOfAnotherLengthStoresNothing() throws IOException {
        byte[] data = randomBytes(2 * SEGMENT, 13);
        OpenLocalWritesResponse opened = stub().openLocalWrites(openAll(true, blockId(0), data.length, blockId(1), data.length,
                blockId(2), data.length));
        OpenLocalWriteResponse missing = opened.getResults(0).getOpened();
        OpenLocalWriteResponse unchecked = opened.getResults(1).getOpened();
        OpenLocalWriteResponse truncated = opened.getResults(2).getOpened();
        createBlockFile(unchecked, data);
        createBlockFile(truncated, Arrays.copyOf(data, data.length - 1));

        WriteBlocksResponse completed = stub().completeLocalWrites(CompleteLocalWritesRequest.newBuilder()
                .addBlocks(complete(missing, data.length, crc32c(data), segmentCrcs(data)))
                .addBlocks(complete(unchecked, data.length, crc32c(data)))
                .addBlocks(complete(truncated, data.length, crc32c(data), segmentCrcs(data)))
                .build());

        assertEquals("Block %s on worker worker-0: the local writer did not create %s".formatted(blockId(0), missing.getPath()),
                completed.getResults(0).getError().getMessage());
        assertEquals("Block %s on worker worker-0: a local write whose client created the file needs its segment checksums"
                .formatted(blockId(1)), completed.getResults(1).getError().getMessage());
        assertEquals("Block %s on worker worker-0: the local write left %d bytes, the block has %d".formatted(blockId(2),
                data.length - 1, data.length), completed.getResults(2).getError().getMessage());
        assertNothingStored();
    }

    @Test
    void aClientCreatedFileWhoseHeaderDisagreesWithTheReportedChecksumsIsRefused() throws IOException {
        byte[] data = randomBytes(3 * SEGMENT, 21);
        byte[] onDisk = data.clone();
        onDisk[SEGMENT + 5] ^= 0x01;
        OpenLocalWriteResponse file = stub().openLocalWrites(openAll(true, blockId(0), data.length)).getResults(0).getOpened();
        // the client's file: a well-formed header and data, but of other bytes than the checksums it reports, which reads would
        // check nothing against: served, its bytes would not be those of the checksum the worker reports
        createBlockFile(file, onDisk);

        WriteBlocksResponse completed = stub().completeLocalWrites(CompleteLocalWritesRequest.newBuilder()
                .addBlocks(complete(file, data.length, crc32c(data), segmentCrcs(data)))
                .build());

        assertTrue(completed.getResults(0).hasError(), "stored: " + completed.getResults(0));
        assertTrue(completed.getResults(0).getError().getMessage().contains("is corrupt: its header says " + data.length + " bytes in segments of "
                + SEGMENT + " with CRC32C"), completed.getResults(0).getError().getMessage());
        assertNothingStored();
    }

    @Test
    void aStalledStreamedWriteIsAbortedLikeAStalledLocalWrite() throws IOException {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-20T00:00:00Z"));
        try (CacheWorker clocked = clockedWorker(clock)) {
            ManagedChannel clockedChannel = Grpc.newChannelBuilder(clocked.target(), InsecureChannelCredentials.create()).build();
            try {
                // a client whose source hangs: header and part of the block sent, then nothing, the connection open
                io.grpc.stub.StreamObserver<io.gfsload.cache.proto.WriteBlockRequest> streamed = WorkerServiceGrpc.newStub(clockedChannel)
                        .writeBlock(io.gfsload.cache.testing.RawWrites.answer(new java.util.concurrent.CompletableFuture<>()));
                streamed.onNext(io.gfsload.cache.proto.WriteBlockRequest.newBuilder()
                        .setHeader(WriteBlockHeader.newBuilder().setBlockId(blockId(0)).setLength(1000)).build());
                streamed.onNext(io.gfsload.cache.proto.WriteBlockRequest.newBuilder()
                        .setData(ByteString.copyFrom(randomBytes(100, 1))).build());
                // the same stall on a short-circuit write
                OpenLocalWriteResponse local = WorkerServiceGrpc.newBlockingStub(clockedChannel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .openLocalWrite(open(blockId(1), 1000));
                writeAt(Path.of(local.getPath()), local.getDataOffset(), randomBytes(100, 2));
                io.gfsload.cache.testing.TestData.await(() -> clocked.usedBytes() == 2000, Duration.ofSeconds(5), "both reserved");

                for (int minute = 0; minute < 11; minute++) {
                    clock.advance(Duration.ofMinutes(1));
                    awaitSweep(clocked);
                }

                assertFalse(Files.exists(Path.of(local.getPath())), "the stalled local write is aborted after 10 minutes");
                assertEquals(List.of(), files(clocked.blockDirectory()),
                        "the stalled streamed write still has its temp file: " + files(clocked.blockDirectory()));
                assertEquals(0, clocked.usedBytes(), "reserved bytes still held by the stalled streamed write");
            }
            finally {
                clockedChannel.shutdownNow();
            }
        }
    }

    @Test
    void abortedOrUnknownLocalWritesLeaveNothing() {
        OpenLocalWriteResponse opened = stub().openLocalWrite(open(blockId(0), 1000));
        assertTrue(Files.exists(Path.of(opened.getPath())));

        stub().completeLocalWrite(CompleteLocalWriteRequest.newBuilder().setWriteId(opened.getWriteId()).setAbort(true).build());

        assertFalse(Files.exists(Path.of(opened.getPath())));
        assertNothingStored();
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
                () -> stub().completeLocalWrite(complete(opened, 1000, 0)));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
    }

    @Test
    void theHeartbeatThreadAbortsALocalWriteWhoseClientWentAway() throws IOException {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-20T00:00:00Z"));
        try (CacheWorker clocked = clockedWorker(clock)) {
            ManagedChannel clockedChannel = Grpc.newChannelBuilder(clocked.target(), InsecureChannelCredentials.create()).build();
            try {
                WorkerServiceGrpc.WorkerServiceBlockingStub clockedStub = WorkerServiceGrpc.newBlockingStub(clockedChannel)
                        .withDeadlineAfter(10, TimeUnit.SECONDS);
                OpenLocalWriteResponse abandoned = clockedStub.openLocalWrite(open(blockId(0), 1000));
                OpenLocalWriteResponse busy = clockedStub.openLocalWrite(open(blockId(1), 1000));
                Path abandonedFile = Path.of(abandoned.getPath());
                Path busyFile = Path.of(busy.getPath());
                writeAt(abandonedFile, abandoned.getDataOffset(), randomBytes(100, 1));
                assertEquals(2000, clocked.usedBytes());

                // Sweeps at most every 30 s: each sees the busy file grow, the abandoned one stay as it was.
                for (int minute = 0; minute < 11; minute++) {
                    writeAt(busyFile, busy.getDataOffset() + minute, new byte[] {(byte) minute});
                    clock.advance(Duration.ofMinutes(1));
                    awaitSweep(clocked);
                }

                assertFalse(Files.exists(abandonedFile), "aborted without any further local-write call");
                assertEquals(1000, clocked.usedBytes(), "its space is released");
                assertTrue(Files.exists(busyFile), "a write whose file keeps changing stays open");
                StatusRuntimeException gone = assertThrows(StatusRuntimeException.class,
                        () -> clockedStub.completeLocalWrite(complete(abandoned, 1000, 0)));
                assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
            }
            finally {
                clockedChannel.shutdownNow();
            }
        }
    }

    @Test
    void aLocalWriteWhoseConnectionClosedIsAbortedOnceIdleHalfAMinuteAndOneIdleAsLongOnAnOpenConnectionStays() throws IOException, InterruptedException {
        orphanedLocalWrites(worker -> Grpc.newChannelBuilder(worker.target(), InsecureChannelCredentials.create()).build());
    }

    @Test
    void overTheDomainSocketTooOnlyTheWritesOfTheConnectionThatClosedAreOrphaned() throws IOException, InterruptedException {
        // Every client of a domain socket has the same (empty) address: connections are told apart otherwise.
        assumeTrue(DomainSockets.available(), "domain sockets need Netty's epoll transport (Linux)");
        try (DomainSockets.ClientLoops loops = new DomainSockets.ClientLoops()) {
            orphanedLocalWrites(worker -> RpcChannels.newDomainSocketChannel(worker.domainSocket().orElseThrow(), loops, Optional.empty(), Optional.empty()));
        }
    }

    private void orphanedLocalWrites(Function<CacheWorker, ManagedChannel> channels) throws IOException, InterruptedException {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-20T00:00:00Z"));
        try (CacheWorker clocked = clockedWorker(clock)) {
            // two clients: one is killed (its connection closes), the other lives and waits
            ManagedChannel killed = channels.apply(clocked);
            ManagedChannel waiting = channels.apply(clocked);
            try {
                OpenLocalWriteResponse orphan = WorkerServiceGrpc.newBlockingStub(killed).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .openLocalWrite(open(blockId(0), 1000));
                WorkerServiceGrpc.WorkerServiceBlockingStub waitingStub = WorkerServiceGrpc.newBlockingStub(waiting).withDeadlineAfter(10, TimeUnit.SECONDS);
                OpenLocalWriteResponse paused = waitingStub.openLocalWrite(open(blockId(1), 1000));
                writeAt(Path.of(orphan.getPath()), orphan.getDataOffset(), randomBytes(100, 1));
                writeAt(Path.of(paused.getPath()), paused.getDataOffset(), randomBytes(100, 2));
                assertEquals(2000, clocked.usedBytes());

                killed.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                // the worker hears the connection close; sweeps every 5 s of its clock
                for (int i = 0; i < 4 && Files.exists(Path.of(orphan.getPath())); i++) {
                    Thread.sleep(200);
                    clock.advance(Duration.ofSeconds(30));
                    awaitSweep(clocked);
                }

                assertFalse(Files.exists(Path.of(orphan.getPath())), "aborted within two minutes of its connection closing");
                assertEquals(1000, clocked.usedBytes(), "its space is released");
                assertTrue(Files.exists(Path.of(paused.getPath())), "a write idle as long, its connection open, stays");
                byte[] rest = randomBytes(900, 3);
                writeAt(Path.of(paused.getPath()), paused.getDataOffset() + 100, rest);
                byte[] whole = new byte[1000];
                System.arraycopy(randomBytes(100, 2), 0, whole, 0, 100);
                System.arraycopy(rest, 0, whole, 100, 900);
                assertEquals(1000, waitingStub.completeLocalWrite(complete(paused, 1000, crc32c(whole))).getWritten().getLength(), "and completes");
            }
            finally {
                killed.shutdownNow();
                waiting.shutdownNow();
            }
        }
    }

    /** A second worker on {@code clock}, its heartbeat thread sweeping local writes every 20 ms of real time. */
    @Test
    void anOrphanedLocalWriteStaysAsLongAsTheWorkersOrphanedWriteTimeoutSays() throws IOException, InterruptedException {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-20T00:00:00Z"));
        try (CacheWorker clocked = clockedWorker(clock, Duration.ofMinutes(5))) {
            ManagedChannel killed = Grpc.newChannelBuilder(clocked.target(), InsecureChannelCredentials.create()).build();
            try {
                OpenLocalWriteResponse orphan = WorkerServiceGrpc.newBlockingStub(killed).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .openLocalWrite(open(blockId(0), 1000));
                writeAt(Path.of(orphan.getPath()), orphan.getDataOffset(), randomBytes(100, 1));
                killed.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                // the worker hears the connection close; sweeps every 5 s of its clock
                Thread.sleep(200);
                for (int i = 0; i < 8; i++) {
                    clock.advance(Duration.ofSeconds(30));
                    awaitSweep(clocked);
                }
                assertTrue(Files.exists(Path.of(orphan.getPath())), "idle for at most 4 minutes of the 5 the worker gives an orphaned write");
                assertEquals(1000, clocked.usedBytes());

                // idle from the sweep that first saw the bytes written (at most 30 s after the open)
                clock.advance(Duration.ofSeconds(90));
                awaitSweep(clocked);
                assertFalse(Files.exists(Path.of(orphan.getPath())), "aborted once idle for longer than 5 minutes");
                assertEquals(0, clocked.usedBytes(), "its space is released");
            }
            finally {
                killed.shutdownNow();
            }
        }
    }

    private CacheWorker clockedWorker(MutableClock clock) {
        return clockedWorker(clock, WorkerConfig.DEFAULT_ORPHANED_WRITE_TIMEOUT);
    }

    private CacheWorker clockedWorker(MutableClock clock, Duration orphanedWriteTimeout) {
        return CacheWorker.start(WorkerConfig.builder("worker-1", directory.resolve("worker-1"), CAPACITY, master.target())
                .checksumSegmentBytes(SEGMENT)
                .maxBlockBytes(CAPACITY)
                .heartbeatInterval(Duration.ofMillis(20))
                .orphanedWriteTimeout(orphanedWriteTimeout)
                .build(), clock, new MetricsRegistry());
    }

    /** Waits until the heartbeat thread has swept at the clock's current time. */
    private static void awaitSweep(CacheWorker worker) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long swept = worker.localWritesSweptAtMillis();
        while (worker.localWritesSweptAtMillis() == swept) {
            assertTrue(System.nanoTime() < deadline, "the heartbeat thread sweeps within 10 s");
            Thread.onSpinWait();
        }
    }

    @Test
    void localWritesRefuseBadBlocksAndWorkersThatDoNotAllowThem() {
        StatusRuntimeException escape = assertThrows(StatusRuntimeException.class,
                () -> stub().openLocalWrite(open("../../etc/passwd", 10)));
        assertEquals(Status.Code.INVALID_ARGUMENT, escape.getStatus().getCode());
        assertEquals("Invalid block id: ../../etc/passwd", escape.getStatus().getDescription());
        StatusRuntimeException tooLarge = assertThrows(StatusRuntimeException.class,
                () -> stub().openLocalWrite(open(blockId(0), CAPACITY + 1)));
        assertEquals(Status.Code.INVALID_ARGUMENT, tooLarge.getStatus().getCode());
        assertNothingStored();

        try (CacheWorker refusing = startWorker("worker-1", false)) {
            ManagedChannel other = Grpc.newChannelBuilder(refusing.target(), InsecureChannelCredentials.create()).build();
            try {
                StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> WorkerServiceGrpc.newBlockingStub(other)
                        .withDeadlineAfter(10, TimeUnit.SECONDS).openLocalWrite(open(blockId(0), 10)));
                assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
                assertEquals("Worker worker-1 does not accept short-circuit writes", refused.getStatus().getDescription());
                assertEquals(List.of(), files(refusing.blockDirectory()));
            }
            finally {
                other.shutdownNow();
            }
        }
    }

    private CacheWorker startWorker(String id, boolean shortCircuitWrites) {
        return CacheWorker.start(WorkerConfig.builder(id, directory.resolve(id), CAPACITY, master.target())
                .checksumSegmentBytes(SEGMENT)
                .readChunkBytes(SEGMENT)
                .maxBlockBytes(CAPACITY)
                .shortCircuitWrites(shortCircuitWrites)
                .build());
    }

    private WorkerServiceGrpc.WorkerServiceBlockingStub stub() {
        return stub.withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static String blockId(int index) {
        return new BlockKey(new FileIdentity("hdfs://nn/warehouse/t/part-" + index, 100_000, 1), 0).blockId();
    }

    private static SmallBlock small(String blockId, byte[] data, long crc) {
        return SmallBlock.newBuilder()
                .setHeader(WriteBlockHeader.newBuilder().setBlockId(blockId).setLength(data.length))
                .setData(ByteString.copyFrom(data))
                .setCrc32C(ProtoConversions.crcToWire(crc))
                .build();
    }

    /** OpenLocalWrites of blocks given as id, length, id, length... */
    private static OpenLocalWritesRequest openAll(boolean writerCreatesFiles, Object... idsAndLengths) {
        OpenLocalWritesRequest.Builder request = OpenLocalWritesRequest.newBuilder().setWriterCreatesFiles(writerCreatesFiles);
        for (int i = 0; i < idsAndLengths.length; i += 2) {
            request.addHeaders(WriteBlockHeader.newBuilder().setBlockId((String) idsAndLengths[i])
                    .setLength(((Number) idsAndLengths[i + 1]).longValue()));
        }
        return request.build();
    }

    /** What a short-circuit client that creates the file writes: the header with the data's checksums, then the data. */
    private static void createBlockFile(OpenLocalWriteResponse opened, byte[] data) throws IOException {
        ByteBuffer header = BlockFileHeader.encode(data.length, crc32c(data), opened.getSegmentBytes(), segmentCrcs(data));
        assertEquals(opened.getDataOffset(), header.remaining());
        try (FileChannel channel = FileChannel.open(Path.of(opened.getPath()), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(header);
            channel.write(ByteBuffer.wrap(data));
        }
    }

    private static OpenLocalWriteRequest open(String blockId, long length) {
        return OpenLocalWriteRequest.newBuilder()
                .setHeader(WriteBlockHeader.newBuilder().setBlockId(blockId).setLength(length))
                .build();
    }

    private static CompleteLocalWriteRequest complete(OpenLocalWriteResponse opened, long length, long crc) {
        return CompleteLocalWriteRequest.newBuilder()
                .setWriteId(opened.getWriteId())
                .setLength(length)
                .setCrc32C(ProtoConversions.crcToWire(crc))
                .build();
    }

    private static CompleteLocalWriteRequest complete(OpenLocalWriteResponse opened, long length, long crc, int[] segmentCrcs) {
        CompleteLocalWriteRequest.Builder request = complete(opened, length, crc).toBuilder();
        for (int segmentCrc : segmentCrcs) {
            request.addSegmentCrc32C(segmentCrc);
        }
        return request.build();
    }

    private static int[] segmentCrcs(byte[] data) {
        int[] crcs = new int[(data.length + SEGMENT - 1) / SEGMENT];
        for (int i = 0; i < crcs.length; i++) {
            CRC32C crc = new CRC32C();
            crc.update(data, i * SEGMENT, Math.min(SEGMENT, data.length - i * SEGMENT));
            crcs[i] = (int) crc.getValue();
        }
        return crcs;
    }

    private static void writeAt(Path file, long offset, byte[] data) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(data);
            long position = offset;
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
        }
    }

    private byte[] read(String blockId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        stub().readBlock(ReadBlockRequest.newBuilder().setBlockId(blockId).build())
                .forEachRemaining(response -> out.writeBytes(response.getData().toByteArray()));
        return out.toByteArray();
    }

    private void assertNothingStored() {
        assertEquals(List.of(), files(worker.blockDirectory()));
        assertEquals(List.of(), worker.blockIds());
        assertEquals(0, worker.usedBytes());
    }
}
