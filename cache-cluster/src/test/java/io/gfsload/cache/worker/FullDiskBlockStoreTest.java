package io.gfsload.cache.worker;

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
import io.gfsload.cache.testing.SmallDisks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tier whose file system has less room than its quota: the room it reports, where new blocks go,
 * writes the disk refuses, and eviction that cannot make room. The disks are {@link SmallDisks}.
 */
class FullDiskBlockStoreTest {
    private static final int SEGMENT = 4096;
    private static final int BLOCK = 10_000;
    /** A block's file: its data and its header. */
    private static final long BLOCK_FILE = BLOCK + BlockFileHeader.headerBytes(BLOCK, SEGMENT);
    private static final FileIdentity FILE = new FileIdentity("cosn://bucket/t/part-0", 1 << 20, 5);

    @TempDir
    Path directory;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T00:00:00Z"));
    private final SmallDisks disks = new SmallDisks();

    @Test
    void aTierReportsTheRoomItsFileSystemHasWhenThatIsLessThanItsQuota() {
        Path ssd = directory.resolve("ssd");
        BlockStore store = open(ssd);
        disks.limit(ssd, otherFiles(ssd) + 2 * BLOCK_FILE + BLOCK / 2);

        TierInfo fresh = tier(store, StorageTier.SSD);
        assertEquals(100L * BLOCK, fresh.capacityBytes(), "the quota is what it is");
        assertEquals(2 * BLOCK_FILE + BLOCK / 2, fresh.freeBytes());
        assertTrue(fresh.diskLimited());

        // the first two blocks fit the disk; the third goes to the next tier, whose disk has room
        for (int i = 0; i < 3; i++) {
            write(store, id(i), Optional.empty());
        }
        assertEquals(Optional.of(StorageTier.SSD), store.tierOf(id(0)));
        assertEquals(Optional.of(StorageTier.SSD), store.tierOf(id(1)));
        assertEquals(Optional.of(StorageTier.HDD), store.tierOf(id(2)));
        TierInfo full = tier(store, StorageTier.SSD);
        assertEquals(BLOCK / 2, full.freeBytes());
        assertEquals(2L * BLOCK, full.usedBytes());
        assertEquals(BLOCK / 2 + 2L * BLOCK, full.availableBytes(), "its own blocks are evictable, and free the disk");
        assertFalse(tier(store, StorageTier.HDD).diskLimited());

        // a write in progress holds the disk's room it has still to write
        try (BlockStore.BlockWrite write = store.beginWrite(id(3), BLOCK / 4, Optional.of(StorageTier.SSD), OptionalLong.empty())) {
            assertEquals(BLOCK / 2 - BLOCK / 4, tier(store, StorageTier.SSD).freeBytes());
            write.append(randomBytes(BLOCK / 4, 3));
            assertEquals(BLOCK / 2 - BLOCK / 4 - BlockFileHeader.headerBytes(BLOCK / 4, SEGMENT),
                    tier(store, StorageTier.SSD).freeBytes(), "written: the file system counts it");
        }
        assertEquals(BLOCK / 2, tier(store, StorageTier.SSD).freeBytes(), "aborted: its room is back");
    }

    @Test
    void aWriteTheFileSystemRefusesForWantOfRoomFailsAsNoSpaceAndTheNextBlocksGoElsewhere() throws IOException {
        Path ssd = directory.resolve("ssd");
        BlockStore store = open(ssd);
        // the disk says it has room for many blocks, and has room for one
        disks.limit(ssd, otherFiles(ssd) + BLOCK_FILE + BLOCK / 2).overstate(ssd, 50L * BLOCK);
        write(store, id(0), Optional.empty());

        BlockStoreException e = assertThrows(BlockStoreException.class, () -> write(store, id(1), Optional.empty()));

        assertEquals(BlockStoreException.Kind.NO_SPACE, e.kind());
        assertTrue(e.diskFull());
        assertEquals("Worker worker-0 has no room for block " + id(1) + " on its SSD tier: the file system of " + ssd
                + " is full: java.io.IOException: No space left on device", e.getMessage());
        assertEquals(List.of(id(0) + BlockStore.BLOCK_SUFFIX), fileNames(ssd), "no temp file is left");
        assertEquals(1, disks.refusedWrites());
        assertEquals(BLOCK, tier(store, StorageTier.SSD).usedBytes(), "the failed write's room is given back");
        assertTrue(tier(store, StorageTier.SSD).freeBytes() < BLOCK, "the disk's claim is not believed again");

        // the next blocks go to the next tier, without another refused write
        write(store, id(1), Optional.empty());
        write(store, id(2), Optional.empty());
        assertEquals(Optional.of(StorageTier.HDD), store.tierOf(id(1)));
        assertEquals(Optional.of(StorageTier.HDD), store.tierOf(id(2)));
        assertEquals(1, disks.refusedWrites());
        // asked for the full tier, a block evicts what is there, which frees the disk
        write(store, id(3), Optional.of(StorageTier.SSD));
        assertEquals(Optional.of(StorageTier.SSD), store.tierOf(id(3)));
        assertFalse(store.contains(id(0)));
        assertEquals(1, disks.refusedWrites());
    }

    @Test
    void evictionMakesRoomOnAFullDiskOnlyWhenWhatTheStoreHoldsIsEnough() throws IOException {
        Path ssd = directory.resolve("ssd");
        BlockStore store = open(ssd);
        disks.limit(ssd, otherFiles(ssd) + 3 * BLOCK_FILE);
        write(store, id(0), Optional.of(StorageTier.SSD));
        write(store, id(1), Optional.of(StorageTier.SSD));
        // another program takes the rest of the disk
        Files.write(ssd.resolve("other-program.data"), new byte[(int) BLOCK_FILE]);
        assertEquals(0, tier(store, StorageTier.SSD).freeBytes());

        // the store's blocks are enough: one is evicted
        write(store, id(2), Optional.of(StorageTier.SSD));
        assertFalse(store.contains(id(0)), "the least recently used block made room");
        assertTrue(store.contains(id(1)));
        assertEquals(1, store.evictions(StorageTier.SSD));

        // they are not, for a block larger than all the store holds there: nothing is evicted in vain
        long large = 3L * BLOCK;
        BlockStoreException e = assertThrows(BlockStoreException.class,
                () -> store.beginWrite(id(3), large, Optional.of(StorageTier.SSD), OptionalLong.empty()));
        assertEquals(BlockStoreException.Kind.NO_SPACE, e.kind());
        assertTrue(e.getMessage().startsWith("Worker worker-0 has no room for block " + id(3) + " on its SSD tier: it needs "
                + large + " bytes, 0 of " + 100L * BLOCK + " are free"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(the file system of " + ssd + " has less room left than the quota)"), e.getMessage());
        assertTrue(store.contains(id(1)) && store.contains(id(2)), "nothing evicted");
        assertEquals(1, store.evictions(StorageTier.SSD));
        assertEquals(0, disks.refusedWrites());
    }

    /**
     * A store of an SSD and an HDD tier of 100 blocks each, which has reserved its copy numbers in
     * the SSD directory (at its first write), so that the files beside its blocks are all there.
     */
    @Test
    void directoriesOnOneFileSystemShareItsRoom() throws IOException {
        long mib = 1 << 20;
        Path ssd1 = Files.createDirectories(directory.resolve("ssd1"));
        Path ssd2 = Files.createDirectories(directory.resolve("ssd2"));
        disks.share(10 * mib, ssd1, ssd2);
        BlockStore store = BlockStore.open("worker-0", List.of(new TierConfig(StorageTier.SSD,
                List.of(new TierConfig.Directory(ssd1, 64 * mib), new TierConfig.Directory(ssd2, 64 * mib)))),
                SEGMENT, 64 * mib, EvictionPolicy.lru(), clock, disks).store();
        long room = 10 * mib - otherFiles(ssd1) - otherFiles(ssd2);

        TierInfo fresh = tier(store, StorageTier.SSD);
        assertEquals(128 * mib, fresh.capacityBytes());
        assertEquals(room, fresh.freeBytes(), "the disk's room is counted once, not once per directory");
        assertTrue(fresh.diskLimited());

        String first = id(0);
        String second = id(1);
        try (BlockStore.BlockWrite write = store.beginWrite(first, 6 * mib, Optional.empty(), OptionalLong.empty())) {
            assertEquals(room - 6 * mib, tier(store, StorageTier.SSD).freeBytes(), "a write in progress holds the shared disk's room");

            // the other directory's quota has room, its disk has not: refused before anything is written
            BlockStoreException e = assertThrows(BlockStoreException.class,
                    () -> store.beginWrite(second, 6 * mib, Optional.empty(), OptionalLong.empty()));
            assertEquals(BlockStoreException.Kind.NO_SPACE, e.kind());
            assertEquals("Worker worker-0 has no room for block " + second + ": it needs " + 6 * mib + " bytes, "
                    + (room - 6 * mib) + " of " + 128 * mib + " are free (the file system of " + ssd1 + ", " + ssd2
                    + " has less room left than the quota)", e.getMessage());

            write.append(randomBytes((int) (6 * mib), 0));
            write.finish();
        }
        assertEquals(0, disks.refusedWrites(), "no write reached a full disk");
        assertFalse(store.contains(second));
        try (Stream<Path> files = Stream.concat(Files.list(ssd1), Files.list(ssd2))) {
            assertEquals(List.of(), files.filter(file -> file.toString().endsWith(BlockStore.TEMP_SUFFIX)).toList(), "no temp file is left");
        }
        // the block's file (its header too) and the store's other files, in both directories, take the disk
        assertEquals(10 * mib - otherFiles(ssd1) - otherFiles(ssd2), tier(store, StorageTier.SSD).freeBytes());
        assertTrue(tier(store, StorageTier.SSD).freeBytes() < room - 6 * mib);

        // a block that fits what is left goes into either directory
        try (BlockStore.BlockWrite write = store.beginWrite(second, 2 * mib, Optional.empty(), OptionalLong.empty())) {
            write.append(randomBytes((int) (2 * mib), 1));
            write.finish();
        }
        assertTrue(store.contains(first) && store.contains(second));
        assertEquals(0, disks.refusedWrites());
    }

    @Test
    void aRefusalOnAFileSystemDirectoriesShareStandsUntilItHasTheRoomTheirQuotasLeave() throws IOException {
        Path ssd = Files.createDirectories(directory.resolve("ssd"));
        Path hdd = Files.createDirectories(directory.resolve("hdd"));
        disks.share(1L << 30, ssd, hdd).overstate(ssd, 50L * BLOCK).overstate(hdd, 50L * BLOCK);
        BlockStore store = BlockStore.open("worker-0", List.of(TierConfig.of(StorageTier.SSD, ssd, 2L * BLOCK),
                TierConfig.of(StorageTier.HDD, hdd, 100L * BLOCK)), SEGMENT, 1 << 20, EvictionPolicy.lru(), clock, disks).store();
        write(store, id(0), Optional.of(StorageTier.HDD));
        write(store, id(1), Optional.of(StorageTier.HDD));
        // the disk is full, and says it has room for 50 more blocks
        disks.share(otherFiles(ssd) + otherFiles(hdd), ssd, hdd);
        assertThrows(BlockStoreException.class, () -> write(store, id(2), Optional.of(StorageTier.SSD)));
        assertEquals(1, disks.refusedWrites());

        // room for two blocks again: enough for the SSD directory's quota, not for the HDD directory's
        store.remove(id(0));
        store.remove(id(1));
        store.tiers();
        long free = store.tiers().stream().mapToLong(TierInfo::freeBytes).sum();

        assertEquals(2 * BLOCK_FILE, free, "the disk's claim is not believed again, whichever directory has room for its quota");
    }

    private BlockStore open(Path ssd) {
        BlockStore store = BlockStore.open("worker-0", List.of(TierConfig.of(StorageTier.SSD, ssd, 100L * BLOCK),
                TierConfig.of(StorageTier.HDD, directory.resolve("hdd"), 100L * BLOCK)), SEGMENT, 1 << 20, EvictionPolicy.lru(), clock, disks)
                .store();
        String first = new BlockKey(FILE, 99).blockId();
        write(store, first, Optional.of(StorageTier.HDD));
        store.remove(first);
        store.acknowledgeRemoved(store.removedSinceReport());
        return store;
    }

    /** The bytes of the files the store keeps beside its blocks (the copy numbers it reserved). */
    private static long otherFiles(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.mapToLong(file -> file.toFile().length()).sum();
        }
        catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static TierInfo tier(BlockStore store, StorageTier tier) {
        return store.tiers().stream().filter(info -> info.tier() == tier).findFirst().orElseThrow();
    }

    private void write(BlockStore store, String blockId, Optional<StorageTier> tier) {
        try (BlockStore.BlockWrite write = store.beginWrite(blockId, BLOCK, tier, OptionalLong.empty())) {
            write.append(randomBytes(BLOCK, blockId.hashCode()));
            write.finish();
        }
        clock.advance(java.time.Duration.ofSeconds(1));
    }

    private static List<String> fileNames(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> !name.startsWith("copy-numbers")).sorted().toList();
        }
    }

    private static String id(int index) {
        return new BlockKey(FILE, index).blockId();
    }
}
