package io.gfsload.cache.worker;

import static io.gfsload.cache.testing.TestData.crc32c;
import static io.gfsload.cache.testing.TestData.files;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.testing.MutableClock;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockStoreTest {
    private static final int SEGMENT = 4096;
    private static final FileIdentity FILE = new FileIdentity("s3a://b/t/part-0", 1 << 20, 5);
    private static final String BLOCK_0 = new BlockKey(FILE, 0).blockId();
    private static final String BLOCK_1 = new BlockKey(FILE, 1).blockId();

    @TempDir
    Path directory;

    @Test
    void aWriteThatFinishesDuringARegistrationPutsItsBlockInPlaceAfterIt() throws Exception {
        BlockStore store = open(100_000);
        byte[] data = randomBytes(SEGMENT, 2);
        BlockStore.BlockWrite write = store.beginWrite(BLOCK_0, data.length);
        write.append(data);
        CountDownLatch reported = new CountDownLatch(1);
        CountDownLatch reconciled = new CountDownLatch(1);
        CompletableFuture<List<String>> registration = CompletableFuture.supplyAsync(() -> store.whileNoWriteFinishes(() -> {
            List<String> report = store.blockIds();
            reported.countDown();
            try {
                // the master reconciles the report
                reconciled.await();
            }
            catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return report;
        }));
        reported.await();
        CompletableFuture<BlockStore.WrittenBlock> finishing = CompletableFuture.supplyAsync(write::finish);

        // the write waits for the registration: acknowledged now, its block recorded on the master before the reconciling, the
        // master would drop it as not reported
        assertThrows(TimeoutException.class, () -> finishing.get(300, TimeUnit.MILLISECONDS));
        assertEquals(List.of(), store.blockIds());
        reconciled.countDown();

        assertEquals(List.of(), registration.get());
        assertEquals(data.length, finishing.get().length());
        assertEquals(List.of(BLOCK_0), store.blockIds());
    }

    @Test
    void writesAreInvisibleUntilFinishedAndAccountedWhileInProgress() {
        BlockStore store = open(100_000);
        byte[] data = randomBytes(3 * SEGMENT + 1, 1);
        BlockStore.BlockWrite write = store.beginWrite(BLOCK_0, data.length);
        write.append(Arrays.copyOf(data, 5000));
        write.append(Arrays.copyOfRange(data, 5000, data.length));

        assertEquals(data.length, store.usedBytes(), "reserved while in progress");
        assertEquals(List.of(), store.blockIds());
        assertEquals(1, files(directory).size());
        assertFalse(Files.exists(store.blockPath(BLOCK_0)));

        BlockStore.WrittenBlock written = write.finish();
        assertEquals(data.length, written.length());
        assertEquals(crc32c(data), written.crc32c());
        assertEquals(List.of(BLOCK_0), store.blockIds());
        assertEquals(List.of(store.blockPath(BLOCK_0)), files(directory));
        assertEquals(data.length, store.usedBytes());
        try (BlockStore.StoredBlock block = store.openBlock(BLOCK_0)) {
            assertEquals(crc32c(data), block.crc32c());
            ByteBuffer last = block.readSegment(3);
            assertEquals(1, last.remaining());
            assertEquals(data[data.length - 1], last.get());
        }
    }

    @Test
    void theUsageListsTheBlocksBeingWrittenWhoseRoomItsTiersHold() {
        BlockStore store = open(100_000);
        BlockStore.BlockWrite finished = store.beginWrite(BLOCK_0, 1000);
        BlockStore.BlockWrite aborted = store.beginWrite(BLOCK_1, 2000);
        BlockStore.Usage writing = store.usage();
        assertEquals(List.of(BLOCK_0, BLOCK_1), writing.writingBlockIds());
        assertEquals(3000, writing.tiers().get(0).usedBytes());
        assertEquals(3000, writing.tiers().get(0).writingBytes());

        finished.append(randomBytes(1000, 3));
        finished.finish();
        aborted.close();
        BlockStore.Usage done = store.usage();
        assertEquals(List.of(), done.writingBlockIds(), "a block stored, or its write aborted, is no longer being written");
        assertEquals(1000, done.tiers().get(0).usedBytes());
        assertEquals(0, done.tiers().get(0).writingBytes());
    }

    @Test
    void aListOfBuffersIsAppendedInOrderWithItsChecksums() {
        BlockStore store = open(100_000);
        byte[] data = randomBytes(2 * SEGMENT + 700, 7);
        // Pieces that cross segment boundaries, direct and read-only, as a data message's transport buffers are.
        List<ByteBuffer> pieces = List.of(
                ByteBuffer.wrap(data, 0, 1000).slice(),
                direct(Arrays.copyOfRange(data, 1000, 1000 + SEGMENT)).asReadOnlyBuffer(),
                ByteBuffer.wrap(data, 1000 + SEGMENT, 0).slice(),
                direct(Arrays.copyOfRange(data, 1000 + SEGMENT, data.length)));
        try (BlockStore.BlockWrite write = store.beginWrite(BLOCK_0, data.length)) {
            write.append(pieces);
            assertEquals(crc32c(data), write.crc32c());
            BlockStore.WrittenBlock written = write.finish();
            assertEquals(data.length, written.length());
            assertEquals(crc32c(data), written.crc32c());
        }
        try (BlockStore.StoredBlock block = store.openBlock(BLOCK_0)) {
            ByteBuffer stored = ByteBuffer.allocate(data.length);
            for (int segment = 0; segment < 3; segment++) {
                stored.put(block.readSegment(segment));
            }
            assertEquals(ByteBuffer.wrap(data), stored.flip());
        }
    }

    @Test
    void aListOfBuffersBeyondTheLengthIsRejectedAndNothingIsStored() {
        BlockStore store = open(100_000);
        BlockStore.BlockWrite write = store.beginWrite(BLOCK_0, 5000);
        List<ByteBuffer> pieces = List.of(ByteBuffer.wrap(randomBytes(3000, 8)), ByteBuffer.wrap(randomBytes(2001, 9)));

        BlockStoreException failure = assertThrows(BlockStoreException.class, () -> write.append(pieces));
        assertEquals(BlockStoreException.Kind.INVALID_REQUEST, failure.kind());
        assertEquals("Block " + BLOCK_0 + " on worker worker-0: the stream has more than the 5000 bytes its header announced",
                failure.getMessage());
        assertEquals(List.of(), store.blockIds());
        assertEquals(List.of(), files(directory));
        assertEquals(0, store.usedBytes());
    }

    @Test
    void rewritingABlockReplacesItAndItsSpace() {
        BlockStore store = open(100_000);
        write(store, BLOCK_0, randomBytes(10_000, 2));
        byte[] smaller = randomBytes(3000, 3);
        write(store, BLOCK_0, smaller);

        assertEquals(3000, store.usedBytes());
        try (BlockStore.StoredBlock block = store.openBlock(BLOCK_0)) {
            assertEquals(crc32c(smaller), block.crc32c());
        }
    }

    @Test
    void anAbortedWriteReleasesItsSpace() {
        BlockStore store = open(10_000);
        BlockStore.BlockWrite write = store.beginWrite(BLOCK_0, 10_000);
        BlockStoreException full = assertThrows(BlockStoreException.class, () -> store.beginWrite(BLOCK_1, 1));
        assertEquals(BlockStoreException.Kind.NO_SPACE, full.kind());
        assertEquals("Worker worker-0 has no room for block " + BLOCK_1 + ": it needs 1 bytes, 0 of 10000 are free",
                full.getMessage());

        write.close();
        assertEquals(0, store.usedBytes());
        assertEquals(List.of(), files(directory));
        store.beginWrite(BLOCK_1, 10_000).close();
    }

    @Test
    void openingDeletesTempFilesAndDamagedBlocks() throws Exception {
        BlockStore store = open(100_000);
        byte[] data = randomBytes(9000, 4);
        write(store, BLOCK_0, data);
        write(store, BLOCK_1, randomBytes(5000, 5));
        Files.write(directory.resolve(BLOCK_0 + ".abc.tmp"), new byte[100]);
        byte[] truncated = Files.readAllBytes(store.blockPath(BLOCK_1));
        Files.write(store.blockPath(BLOCK_1), Arrays.copyOf(truncated, truncated.length - 1));
        Files.write(directory.resolve("notes.txt"), new byte[1]);

        BlockStore.OpenResult reopened = BlockStore.open("worker-0", directory, 100_000, SEGMENT);

        assertEquals(1, reopened.staleTempFilesDeleted());
        assertEquals(1, reopened.corruptBlocksDeleted());
        assertEquals(List.of(BLOCK_0), reopened.store().blockIds());
        assertEquals(9000, reopened.store().usedBytes());
        assertEquals(List.of(store.blockPath(BLOCK_0), directory.resolve("notes.txt")), files(directory));
    }

    @Test
    void aDamagedHeaderIsCorrupt() throws Exception {
        BlockStore store = open(100_000);
        write(store, BLOCK_0, randomBytes(9000, 6));
        byte[] bytes = Files.readAllBytes(store.blockPath(BLOCK_0));
        bytes[30] ^= 1; // inside the first segment checksum
        Files.write(store.blockPath(BLOCK_0), bytes);

        BlockStoreException e = assertThrows(BlockStoreException.class, () -> store.openBlock(BLOCK_0));
        assertEquals(BlockStoreException.Kind.CORRUPT, e.kind());
        assertEquals("Block " + BLOCK_0 + " on worker worker-0 is corrupt: the header checksum does not match",
                e.getMessage());
    }

    @Test
    void aBlockWhoseFileWasDeletedBehindTheStoresBackIsForgottenAndReported() throws Exception {
        BlockStore store = open(100_000);
        write(store, BLOCK_0, randomBytes(9000, 8));
        write(store, BLOCK_1, randomBytes(5000, 9));
        Files.delete(store.blockPath(BLOCK_0));
        Files.delete(store.blockPath(BLOCK_1));

        BlockStoreException onStat = assertThrows(BlockStoreException.class, () -> store.stat(BLOCK_0));
        assertEquals(BlockStoreException.Kind.NOT_FOUND, onStat.kind());
        BlockStoreException onRead = assertThrows(BlockStoreException.class, () -> store.openBlock(BLOCK_1));
        assertEquals(BlockStoreException.Kind.NOT_FOUND, onRead.kind());

        assertEquals(List.of(), store.blockIds());
        assertEquals(0, store.usedBytes(), "the space of the missing files is free again");
        assertEquals(List.of(BLOCK_0, BLOCK_1), removedIds(store), "told to the master at the next heartbeat");

        write(store, BLOCK_0, randomBytes(9000, 8));
        assertEquals(9000, store.stat(BLOCK_0).length(), "written again");
    }

    @Test
    void anAcknowledgementLeavesALaterCopyDeletedSinceTheReport() {
        BlockStore store = open(100_000);
        write(store, BLOCK_0, randomBytes(1000, 1));
        store.remove(BLOCK_0);
        List<BlockStore.RemovedCopy> reported = store.removedSinceReport();
        // while the heartbeat with the report is on its way, the block is written and deleted again
        write(store, BLOCK_0, randomBytes(1000, 1));
        long second = store.copyOf(BLOCK_0).orElseThrow();
        assertTrue(second > reported.get(0).copy(), "a later copy has a larger number");
        store.remove(BLOCK_0);

        store.acknowledgeRemoved(reported);

        assertEquals(List.of(new BlockStore.RemovedCopy(BLOCK_0, second)), store.removedSinceReport(),
                "the second deletion is still to be told");
    }

    @Test
    void aStoreOpenedWithAClockSetBackNumbersCopiesAboveThoseOfBefore() {
        MutableClock clock = new MutableClock(Instant.parse("2026-06-01T00:00:00Z"));
        BlockStore first = open(clock);
        write(first, BLOCK_0, randomBytes(1000, 1));
        long before = first.copyOf(BLOCK_0).orElseThrow();
        assertTrue(Files.exists(directory.resolve(BlockStore.COPY_NUMBERS_FILE)), "the numbers are reserved on disk");

        clock.advance(Duration.ofDays(-30));   // a restart with the clock a month behind
        BlockStore second = open(clock);

        long found = second.copyOf(BLOCK_0).orElseThrow();
        assertTrue(found > before, "the block found at the restart is a later copy: " + found + " <= " + before);
        write(second, BLOCK_1, randomBytes(1000, 2));
        assertTrue(second.copyOf(BLOCK_1).orElseThrow() > found);
        write(second, BLOCK_0, randomBytes(1000, 3));
        assertTrue(second.copyOf(BLOCK_0).orElseThrow() > second.copyOf(BLOCK_1).orElseThrow());
    }

    @Test
    void aCopyNumberIsReservedOnDiskBeforeItIsHandedOut() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-06-01T00:00:00Z"));
        Path reserved = directory.resolve(BlockStore.COPY_NUMBERS_FILE);
        // as an earlier store left it, its reservation used up to the last number
        Files.writeString(reserved, (Instant.parse("2026-07-01T00:00:00Z").toEpochMilli() << 20) + "\n");
        BlockStore store = open(clock);

        write(store, BLOCK_0, randomBytes(1000, 1));

        long copy = store.copyOf(BLOCK_0).orElseThrow();
        assertEquals((Instant.parse("2026-07-01T00:00:00Z").toEpochMilli() << 20) + 1, copy, "above the earlier reservation");
        assertEquals(copy - 1 + BlockStore.COPIES_RESERVED, Long.parseLong(Files.readString(reserved).strip()),
                "the next numbers are reserved");
    }

    @Test
    void aRemovalOfACopyLeavesALaterCopy() {
        BlockStore store = open(100_000);
        write(store, BLOCK_0, randomBytes(1000, 1));
        long first = store.copyOf(BLOCK_0).orElseThrow();
        write(store, BLOCK_0, randomBytes(1000, 2));
        long second = store.copyOf(BLOCK_0).orElseThrow();

        assertFalse(store.remove(BLOCK_0, first), "the first copy is gone already");
        assertEquals(List.of(BLOCK_0), store.blockIds());
        assertTrue(store.remove(BLOCK_0, second));
        assertEquals(List.of(), store.blockIds());
    }

    @Test
    void theRemovalOfACopyThatReplacedAnotherKeepsTheBlockForTheOther() {
        BlockStore store = open(100_000);
        byte[] data = randomBytes(1000, 1);
        write(store, BLOCK_0, data);
        long committed = store.copyOf(BLOCK_0).orElseThrow();
        // a second write of the same block, whose commit at the master then fails: its client removes its copy
        write(store, BLOCK_0, data);
        long aborted = store.copyOf(BLOCK_0).orElseThrow();

        assertFalse(store.remove(BLOCK_0, aborted), "the first copy's bytes stay, for whoever committed it");
        assertEquals(List.of(BLOCK_0), store.blockIds());
        assertEquals(1000, store.usedBytes());
        assertEquals(List.of(), store.removedSinceReport(), "nothing to report: the master's record holds");

        assertFalse(store.remove(BLOCK_0, committed), "its writer withdraws the first copy too");
        assertTrue(store.remove(BLOCK_0, aborted), "now no copy is left for anyone");
        assertEquals(List.of(), store.blockIds());
        assertEquals(0, store.usedBytes());
    }

    @Test
    void checkingBlockFilesGoesRoundAllBlocksAndForgetsTheMissingOnes() throws Exception {
        BlockStore store = open(100_000);
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String blockId = new BlockKey(FILE, i).blockId();
            write(store, blockId, randomBytes(1000, i));
            ids.add(blockId);
        }
        Files.delete(store.blockPath(ids.get(1)));
        Files.delete(store.blockPath(ids.get(4)));

        int forgotten = store.checkBlockFiles(2) + store.checkBlockFiles(2) + store.checkBlockFiles(2);

        assertEquals(2, forgotten, "one round of 5 blocks in checks of 2");
        assertEquals(ids.stream().filter(id -> !id.equals(ids.get(1)) && !id.equals(ids.get(4))).sorted().toList(), store.blockIds());
        assertEquals(3000, store.usedBytes());
        assertEquals(List.of(ids.get(1), ids.get(4)).stream().sorted().toList(), removedIds(store).stream().sorted().toList());
        assertEquals(0, store.checkBlockFiles(10), "the next round finds the rest in place");
    }

    private BlockStore open(long capacity) {
        return BlockStore.open("worker-0", directory, capacity, SEGMENT).store();
    }

    private BlockStore open(Clock clock) {
        return BlockStore.open("worker-0", List.of(TierConfig.of(StorageTier.SSD, directory, 100_000)), SEGMENT,
                BlockStore.DEFAULT_MAX_BLOCK_BYTES, EvictionPolicy.lru(), clock).store();
    }

    private static ByteBuffer direct(byte[] bytes) {
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    private static void write(BlockStore store, String blockId, byte[] data) {
        try (BlockStore.BlockWrite write = store.beginWrite(blockId, data.length)) {
            write.append(data);
            write.finish();
        }
    }

    private static List<String> removedIds(BlockStore store) {
        return store.removedSinceReport().stream().map(BlockStore.RemovedCopy::blockId).toList();
    }
}
