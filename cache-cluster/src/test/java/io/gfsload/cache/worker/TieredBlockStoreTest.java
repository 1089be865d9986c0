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
import io.gfsload.cache.api.TierInfo;
import io.gfsload.cache.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tiered block store: placement on tiers, LRU and LRFU eviction on a test clock, pins, restarts, bad input. */
class TieredBlockStoreTest {
    private static final int SEGMENT = 4096;
    private static final int BLOCK = 10_000;
    private static final FileIdentity FILE = new FileIdentity("cosn://bucket/t/part-0", 1 << 20, 5);

    @TempDir
    Path directory;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T00:00:00Z"));

    @Test
    void lruEvictsTheLeastRecentlyUsedBlock() {
        assertEquals(id(0), victimOfTheCraftedPattern(EvictionPolicy.lru()));
    }

    @Test
    void lrfuEvictsTheBlockWithTheLowestCombinedRecencyAndFrequency() {
        // lambda 0.01/s: an access loses half its weight in 100 s. Block 0 was read 5 times 60-64 s
        // ago (CRF about 5 * 0.5^0.62 = 3.2), block 1 once 10 s ago (0.93), block 2 once 5 s ago (0.97).
        assertEquals(id(1), victimOfTheCraftedPattern(EvictionPolicy.lrfu(0.01)));
    }

    @Test
    void lrfuWithALargeLambdaBehavesLikeLru() {
        // lambda 1/s: only the last access counts, as in LRU.
        assertEquals(id(0), victimOfTheCraftedPattern(EvictionPolicy.lrfu(1)));
    }

    /**
     * Three blocks fill a directory: block 0 is written and read often early on, blocks 1 and 2 are
     * written and read once later; a fourth block then needs room for one of them.
     */
    private String victimOfTheCraftedPattern(EvictionPolicy policy) {
        BlockStore store = open(List.of(TierConfig.of(StorageTier.SSD, directory.resolve("ssd"), 3 * BLOCK)), policy);
        write(store, id(0), BLOCK);
        for (int i = 0; i < 4; i++) {
            clock.advance(Duration.ofSeconds(1));
            read(store, id(0));
        }
        clock.advance(Duration.ofSeconds(50));
        write(store, id(1), BLOCK);
        clock.advance(Duration.ofSeconds(5));
        write(store, id(2), BLOCK);
        clock.advance(Duration.ofSeconds(5));

        write(store, id(3), BLOCK);

        List<String> left = store.blockIds();
        assertEquals(3, left.size());
        assertEquals(1, store.evictions(StorageTier.SSD));
        assertEquals(BLOCK, store.evictedBytes(StorageTier.SSD));
        assertEquals(List.of(id(0), id(1), id(2)).stream().filter(id -> !left.contains(id)).toList(),
                removedIds(store), "the victim is reported to the master");
        return removedIds(store).get(0);
    }

    @Test
    void theCrfFollowsItsDefinition() {
        EvictionPolicy lrfu = EvictionPolicy.lrfu(0.5);
        // Accesses at 0 s and 2 s; at 4 s: F(4) + F(2) = 0.5^2 + 0.5^1 = 0.75.
        double crf = lrfu.crfAfterAccess(1, 0, 2_000);
        assertEquals(1.5, crf, 1e-12);
        assertEquals(0.75, lrfu.priority(crf, 2_000, 4_000), 1e-12);
        assertEquals(4_000, EvictionPolicy.lru().priority(7, 4_000, 9_000));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EvictionPolicy.lrfu(0));
        assertEquals("LRFU lambda must be > 0: 0.0", e.getMessage());
    }

    @Test
    void pinnedBlocksAreNeverEvictedUntilUnpinnedOrTheirPinEnds() {
        BlockStore store = open(List.of(TierConfig.of(StorageTier.SSD, directory.resolve("ssd"), 2 * BLOCK)),
                EvictionPolicy.lru());
        long inAnHour = clock.millis() + Duration.ofHours(1).toMillis();
        writePinned(store, id(0), inAnHour);
        clock.advance(Duration.ofSeconds(1));
        write(store, id(1), BLOCK);
        clock.advance(Duration.ofSeconds(1));

        write(store, id(2), BLOCK);
        assertEquals(List.of(id(0), id(2)), store.blockIds(), "the unpinned block 1 went, though block 0 is older");

        store.pin(id(2), inAnHour);
        BlockStoreException full = assertThrows(BlockStoreException.class, () -> write(store, id(3), BLOCK));
        assertEquals(BlockStoreException.Kind.NO_SPACE, full.kind());
        assertEquals("Worker worker-0 has no room for block " + id(3) + ": it needs 10000 bytes, 0 of 20000 are free",
                full.getMessage());
        assertEquals(new TierInfo(StorageTier.SSD, 2 * BLOCK, 2 * BLOCK, 0, 2), store.tiers().get(0));

        store.unpin(id(2));
        write(store, id(3), BLOCK);
        assertEquals(List.of(id(0), id(3)), store.blockIds());

        clock.advance(Duration.ofHours(1));
        assertFalse(store.isPinned(id(0)), "the pin of an expired temp area ends");
        write(store, id(4), BLOCK);
        assertEquals(List.of(id(3), id(4)), store.blockIds());
    }

    @Test
    void blocksBeingWrittenAreNeverEvicted() {
        BlockStore store = open(List.of(TierConfig.of(StorageTier.SSD, directory.resolve("ssd"), 2 * BLOCK)),
                EvictionPolicy.lru());
        write(store, id(0), BLOCK);
        try (BlockStore.BlockWrite inProgress = store.beginWrite(id(1), BLOCK)) {
            inProgress.append(new byte[BLOCK / 2]);
            write(store, id(2), BLOCK);
            assertEquals(List.of(id(2)), store.blockIds(), "the stored block made room, the write in progress stays");
            BlockStoreException full = assertThrows(BlockStoreException.class, () -> write(store, id(3), 2 * BLOCK));
            assertEquals(BlockStoreException.Kind.NO_SPACE, full.kind());
            assertEquals("Worker worker-0 has no room for block " + id(3) + ": it needs 20000 bytes, 0 of 20000 are "
                    + "free and 10000 more are evictable (no single directory can make room)", full.getMessage());
            inProgress.append(new byte[BLOCK / 2]);
            inProgress.finish();
        }
        assertEquals(List.of(id(1), id(2)), store.blockIds());
    }

    @Test
    void writesGoToTheFastestTierWithRoomAndEvictOnlyWhenNoTierHasRoom() {
        BlockStore store = open(List.of(
                TierConfig.of(StorageTier.HDD, directory.resolve("hdd"), 2 * BLOCK),
                TierConfig.of(StorageTier.MEM, directory.resolve("mem"), BLOCK)), EvictionPolicy.lru());
        write(store, id(0), BLOCK);
        clock.advance(Duration.ofSeconds(1));
        write(store, id(1), BLOCK);
        clock.advance(Duration.ofSeconds(1));
        write(store, id(2), BLOCK);
        assertEquals(Map.of(StorageTier.MEM, List.of(id(0)), StorageTier.HDD, List.of(id(1), id(2))),
                store.blockIdsByTier(), "MEM first, then HDD while it has free room");

        clock.advance(Duration.ofSeconds(1));
        write(store, id(3), BLOCK);
        assertEquals(Map.of(StorageTier.MEM, List.of(id(3)), StorageTier.HDD, List.of(id(1), id(2))),
                store.blockIdsByTier(), "no free room anywhere: the least recently used block goes, here on MEM");
        assertEquals(1, store.evictions(StorageTier.MEM));

        try (BlockStore.BlockWrite write = store.beginWrite(id(4), BLOCK, Optional.of(StorageTier.HDD),
                OptionalLong.empty())) {
            write.append(randomBytes(BLOCK, 4));
            write.finish();
        }
        assertEquals(Map.of(StorageTier.MEM, List.of(id(3)), StorageTier.HDD, List.of(id(2), id(4))),
                store.blockIdsByTier(), "a requested tier evicts on that tier");
        BlockStoreException noSsd = assertThrows(BlockStoreException.class,
                () -> store.beginWrite(id(5), 1, Optional.of(StorageTier.SSD), OptionalLong.empty()));
        assertEquals("Worker worker-0 has no SSD tier for block " + id(5), noSsd.getMessage());
        assertEquals(List.of(new TierInfo(StorageTier.MEM, BLOCK, BLOCK, BLOCK, 1),
                new TierInfo(StorageTier.HDD, 2 * BLOCK, 2 * BLOCK, 2 * BLOCK, 2)), store.tiers());
    }

    /**
     * Every tier full, older blocks in SSD than in MEM: each new block evicts the worker's least
     * recently used one, whatever its tier. Evicting always on the fastest tier deleted there the
     * block written just before (the only one MEM held), so that a load evicted its own blocks one
     * after the other while blocks of other data, older, stayed on SSD.
     */
    @Test
    void aFullWorkerEvictsItsLeastRecentlyUsedBlocksWhateverTheirTier() {
        BlockStore store = open(List.of(
                TierConfig.of(StorageTier.MEM, directory.resolve("mem"), BLOCK),
                TierConfig.of(StorageTier.SSD, directory.resolve("ssd"), 3 * BLOCK)), EvictionPolicy.lru());
        for (int i = 0; i < 4; i++) {
            write(store, id(i), BLOCK);
            clock.advance(Duration.ofSeconds(1));
        }
        assertEquals(Map.of(StorageTier.MEM, List.of(id(0)), StorageTier.SSD, List.of(id(1), id(2), id(3))),
                store.blockIdsByTier());

        for (int i = 4; i < 7; i++) {
            write(store, id(i), BLOCK);
            clock.advance(Duration.ofSeconds(1));
        }

        assertEquals(Map.of(StorageTier.MEM, List.of(id(4)), StorageTier.SSD, List.of(id(3), id(5), id(6))),
                store.blockIdsByTier(), "blocks 0, 1 and 2, the least recently used, went; the blocks written last stay");
        assertEquals(List.of(id(0), id(1), id(2)), removedIds(store));
        assertEquals(1, store.evictions(StorageTier.MEM));
        assertEquals(2, store.evictions(StorageTier.SSD));
    }

    @Test
    void reopeningKeepsPersistentTiersAndDiscardsTheMemTier() {
        List<TierConfig> tiers = List.of(TierConfig.of(StorageTier.MEM, directory.resolve("mem"), BLOCK),
                TierConfig.of(StorageTier.SSD, directory.resolve("ssd"), 2 * BLOCK));
        BlockStore store = open(tiers, EvictionPolicy.lru());
        byte[] data = randomBytes(BLOCK, 7);
        write(store, id(0), BLOCK);
        try (BlockStore.BlockWrite write = store.beginWrite(id(1), BLOCK, Optional.of(StorageTier.SSD),
                OptionalLong.empty())) {
            write.append(data);
            write.finish();
        }

        BlockStore.OpenResult reopened = BlockStore.open("worker-0", tiers, SEGMENT, 1 << 20, EvictionPolicy.lru(),
                clock);

        assertEquals(1, reopened.volatileBlocksDiscarded());
        assertEquals(Map.of(StorageTier.MEM, List.of(), StorageTier.SSD, List.of(id(1))),
                reopened.store().blockIdsByTier());
        assertEquals(List.of(), files(directory.resolve("mem")));
        try (BlockStore.StoredBlock block = reopened.store().openBlock(id(1))) {
            assertEquals(crc32c(data), block.crc32c());
            assertEquals(StorageTier.SSD, block.tier());
        }
    }

    @Test
    void aStoppingWorkerDeletesItsMemTierAndAMemWriteInProgressCannotLeaveABlockBehind() throws Exception {
        // MEM alone: the copy numbers live in its directory, and must outlast a stop
        BlockStore store = open(List.of(TierConfig.of(StorageTier.MEM, directory.resolve("mem"), 4 * BLOCK)),
                EvictionPolicy.lru());
        write(store, id(0), BLOCK);
        write(store, id(1), BLOCK);
        Files.writeString(directory.resolve("mem").resolve("notes.txt"), "not the worker's");
        try (BlockStore.BlockWrite inProgress = store.beginWrite(id(2), BLOCK)) {
            inProgress.append(new byte[BLOCK]);

            BlockStore.VolatileContentDeleted deleted = store.deleteVolatileContent();

            assertEquals(2, deleted.blocks());
            assertEquals(1, deleted.tempFiles());
            assertTrue(deleted.bytes() >= 3L * BLOCK, "data and headers: " + deleted.bytes());
            assertEquals(List.of(directory.resolve("mem").resolve("notes.txt")), files(directory.resolve("mem")));
            assertTrue(Files.exists(directory.resolve("mem").resolve(BlockStore.COPY_NUMBERS_FILE)));
            assertEquals(List.of(), store.blockIds());
            BlockStoreException stopping = assertThrows(BlockStoreException.class, inProgress::finish);
            assertEquals("Block " + id(2) + " on worker worker-0: the worker is stopping and has deleted its MEM tier",
                    stopping.getMessage());
        }
        assertEquals(List.of(directory.resolve("mem").resolve("notes.txt")), files(directory.resolve("mem")));
        assertEquals(List.of(), store.blockIds());
    }

    @Test
    void aStoppingWorkerKeepsItsPersistentTiers() throws Exception {
        BlockStore store = open(List.of(TierConfig.of(StorageTier.MEM, directory.resolve("mem"), BLOCK),
                TierConfig.of(StorageTier.SSD, directory.resolve("ssd"), 2 * BLOCK)), EvictionPolicy.lru());
        write(store, id(0), BLOCK);
        write(store, id(1), BLOCK);
        assertEquals(Map.of(StorageTier.MEM, List.of(id(0)), StorageTier.SSD, List.of(id(1))), store.blockIdsByTier());

        long memFileBytes = Files.size(store.blockPath(id(0)));

        assertEquals(new BlockStore.VolatileContentDeleted(1, 0, memFileBytes), store.deleteVolatileContent());
        assertEquals(Map.of(StorageTier.MEM, List.of(), StorageTier.SSD, List.of(id(1))), store.blockIdsByTier());
        assertEquals(List.of(), files(directory.resolve("mem")));
        assertEquals(List.of(store.blockPath(id(1))), files(directory.resolve("ssd")));
        assertEquals(List.of(new TierInfo(StorageTier.MEM, BLOCK, 0, 0, 0),
                new TierInfo(StorageTier.SSD, 2 * BLOCK, BLOCK, BLOCK, 1)), store.tiers());
    }

    @Test
    void blockIdsThatWouldEscapeATierDirectoryAreRejectedEverywhere() throws Exception {
        Path tier = directory.resolve("tiers").resolve("ssd");
        BlockStore store = open(List.of(TierConfig.of(StorageTier.SSD, tier, 1 << 20)), EvictionPolicy.lru());
        String valid = id(0);
        for (String bad : List.of("../x", "../../etc/passwd", "/etc/passwd", valid + "/../" + valid,
                "..%2F" + valid, valid + "\0", "~/" + valid, valid.substring(1), valid + ".block", "")) {
            String expected = "Invalid block id: " + bad;
            assertEquals(expected, assertThrows(BlockStoreException.class, () -> store.beginWrite(bad, 1)).getMessage());
            assertEquals(expected, assertThrows(BlockStoreException.class, () -> store.openBlock(bad)).getMessage());
            assertEquals(expected, assertThrows(BlockStoreException.class, () -> store.remove(bad)).getMessage());
            assertEquals(expected, assertThrows(BlockStoreException.class, () -> store.stat(bad)).getMessage());
            assertEquals(expected, assertThrows(BlockStoreException.class, () -> store.pin(bad, 1)).getMessage());
            assertEquals(expected, assertThrows(BlockStoreException.class, () -> store.blockPath(bad)).getMessage());
        }
        try (Stream<Path> everything = Files.walk(directory)) {
            assertEquals(List.of(directory, directory.resolve("tiers"), tier), everything.sorted().toList(),
                    "nothing was created anywhere");
        }
    }

    @Test
    void negativeAndOversizedLengthsAreRejectedAndNothingIsStored() {
        BlockStore store = BlockStore.open("worker-0", List.of(TierConfig.of(StorageTier.SSD, directory, 1 << 20)),
                SEGMENT, 50_000, EvictionPolicy.lru(), clock).store();
        BlockStoreException negative = assertThrows(BlockStoreException.class, () -> store.beginWrite(id(0), -1));
        assertEquals("Block " + id(0) + " has a negative length: -1", negative.getMessage());
        BlockStoreException oversized = assertThrows(BlockStoreException.class, () -> store.beginWrite(id(0), 50_001));
        assertEquals("Block " + id(0) + " has a length of 50001 bytes, more than the largest block worker worker-0 "
                + "accepts (50000 bytes)", oversized.getMessage());
        BlockStoreException huge = assertThrows(BlockStoreException.class,
                () -> store.beginWrite(id(0), Long.MAX_VALUE));
        assertEquals(BlockStoreException.Kind.INVALID_REQUEST, huge.kind());
        assertEquals(List.of(), files(directory));
        assertEquals(0, store.usedBytes());
    }

    @Test
    void aBlockRewrittenOnAnotherTierMovesThere() {
        BlockStore store = open(List.of(TierConfig.of(StorageTier.MEM, directory.resolve("mem"), BLOCK),
                TierConfig.of(StorageTier.SSD, directory.resolve("ssd"), BLOCK)), EvictionPolicy.lru());
        write(store, id(0), BLOCK);
        try (BlockStore.BlockWrite write = store.beginWrite(id(0), BLOCK, Optional.of(StorageTier.SSD),
                OptionalLong.empty())) {
            write.append(randomBytes(BLOCK, 9));
            write.finish();
        }
        assertEquals(Map.of(StorageTier.MEM, List.of(), StorageTier.SSD, List.of(id(0))), store.blockIdsByTier());
        assertEquals(List.of(), files(directory.resolve("mem")));
        assertEquals(BLOCK, store.usedBytes());
        assertTrue(removedIds(store).isEmpty(), "the block is still held");
    }

    private BlockStore open(List<TierConfig> tiers, EvictionPolicy policy) {
        return BlockStore.open("worker-0", tiers, SEGMENT, 1 << 20, policy, clock).store();
    }

    private static String id(int index) {
        return new BlockKey(FILE, index).blockId();
    }

    private static void write(BlockStore store, String blockId, int length) {
        try (BlockStore.BlockWrite write = store.beginWrite(blockId, length)) {
            write.append(randomBytes(length, length));
            write.finish();
        }
    }

    private static void writePinned(BlockStore store, String blockId, long untilMillis) {
        try (BlockStore.BlockWrite write = store.beginWrite(blockId, BLOCK, Optional.empty(),
                OptionalLong.of(untilMillis))) {
            write.append(randomBytes(BLOCK, 1));
            write.finish();
        }
    }

    private static void read(BlockStore store, String blockId) {
        try (BlockStore.StoredBlock block = store.openBlock(blockId)) {
            block.readSegment(0);
        }
    }

    private static List<String> removedIds(BlockStore store) {
        return store.removedSinceReport().stream().map(BlockStore.RemovedCopy::blockId).toList();
    }
}
