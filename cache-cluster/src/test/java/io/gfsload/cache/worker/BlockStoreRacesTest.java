package io.gfsload.cache.worker;

import static io.gfsload.cache.testing.TestData.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.testing.MutableClock;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's block store where a block's copies, its pins, the reads and writes under way and a
 * restart meet: a corruption found in one copy deletes that copy only, a withdrawn copy leaves the
 * master's pins, a stop deletes the whole MEM tier while writes abort, and a restart with smaller
 * quotas keeps to them once the pins are known.
 */
class BlockStoreRacesTest {
    private static final int SEGMENT = 4096;
    private static final FileIdentity FILE = new FileIdentity("cosn://bucket/t/part-0", 1 << 20, 5);

    @TempDir
    Path directory;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T00:00:00Z"));

    private static String id(int index) {
        return new BlockKey(FILE, index).blockId();
    }

    private static void write(BlockStore store, String blockId, byte[] data) {
        try (BlockStore.BlockWrite write = store.beginWrite(blockId, data.length)) {
            write.append(data);
            write.finish();
        }
    }

    @Test
    void aCorruptionFoundInAnOldCopyDoesNotDeleteTheGoodCopyWrittenSince() throws Exception {
        Path ssd = directory.resolve("ssd");
        BlockStore store = BlockStore.open("worker-0", List.of(TierConfig.of(StorageTier.SSD, ssd, 1 << 20)), SEGMENT,
                1 << 20, EvictionPolicy.lru(), clock).store();
        String id = id(0);
        byte[] data = randomBytes(2 * SEGMENT, 1);
        write(store, id, data);
        // a bit flips on disk in the last byte of the block's second segment
        try (FileChannel file = FileChannel.open(ssd.resolve(id + ".block"), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer last = ByteBuffer.allocate(1);
            file.read(last, file.size() - 1);
            last.put(0, (byte) (last.get(0) ^ 1)).rewind();
            file.write(last, file.size() - 1);
        }
        // a ReadBlock opens the block (its header is sound) and sends its first segment ...
        BlockStore.StoredBlock reading = store.openBlock(id);
        reading.readSegment(0);
        // ... meanwhile another load writes the block again, intact (a new copy replaces the file)
        write(store, id, data);
        long goodCopy = store.copyOf(id).getAsLong();
        // ... then the read reaches the damaged segment of the old file, and WorkerService.quarantineIfCorrupt runs
        BlockStoreException corrupt = assertThrows(BlockStoreException.class, () -> reading.readSegment(1));
        assertEquals(BlockStoreException.Kind.CORRUPT, corrupt.kind());
        reading.close();
        store.quarantine(id, corrupt.copy(), corrupt.getMessage());

        assertTrue(store.contains(id), "the intact copy " + goodCopy + " written after the read began was deleted as corrupt");
    }

    @Test
    void aStoppingWorkerDeletesAllOfItsMemTierEvenWhileWritesAbort() throws Exception {
        Path mem = directory.resolve("mem");
        BlockStore store = BlockStore.open("worker-0", List.of(TierConfig.of(StorageTier.MEM, mem, 1 << 30),
                TierConfig.of(StorageTier.SSD, directory.resolve("ssd"), 1 << 20)), SEGMENT, 1 << 20, EvictionPolicy.lru(),
                clock).store();
        byte[] data = randomBytes(100, 1);
        for (int i = 0; i < 2000; i++) {
            write(store, id(i), data);
        }
        // writes in progress in the MEM tier, which the server's shutdown cancels as the worker stops
        List<BlockStore.BlockWrite> writes = new ArrayList<>();
        for (int i = 2000; i < 4000; i++) {
            writes.add(store.beginWrite(id(i), 100));
        }
        // the cancelled calls' threads abort their writes (deleting their temp files) while the worker deletes its MEM tier
        List<Thread> cancelling = new ArrayList<>();
        for (int t = 0; t < 200; t++) {
            int first = t * 10;
            long delayMillis = t / 4;
            cancelling.add(new Thread(() -> {
                try {
                    Thread.sleep(delayMillis);
                }
                catch (InterruptedException e) {
                    return;
                }
                writes.subList(first, first + 10).forEach(BlockStore.BlockWrite::abort);
            }));
        }
        cancelling.forEach(Thread::start);
        store.deleteVolatileContent();
        for (Thread thread : cancelling) {
            thread.join();
        }

        try (Stream<Path> left = Files.list(mem)) {
            List<Path> blocks = left.filter(path -> path.toString().endsWith(".block")).toList();
            assertEquals(0, blocks.size(), "block files left in the MEM tier: " + blocks.size());
        }
    }

    @Test
    void withdrawingASecondCopyKeepsAPinTheMasterGaveTheBlockMeanwhile() {
        BlockStore store = BlockStore.open("worker-0", List.of(TierConfig.of(StorageTier.SSD, directory.resolve("ssd"), 1 << 20)),
                SEGMENT, 1 << 20, EvictionPolicy.lru(), clock).store();
        String id = id(0);
        byte[] data = randomBytes(SEGMENT, 1);
        long now = clock.millis();
        // copy 1: a committed load's, unpinned
        write(store, id, data);
        // copy 2: written by job A for its temp area, pinned for 10 minutes
        long copy2;
        try (BlockStore.BlockWrite write = store.beginWrite(id, data.length, java.util.Optional.empty(),
                java.util.OptionalLong.of(now + 600_000))) {
            write.append(data);
            copy2 = write.finish().copy();
        }
        // job B stages the block, committed on this worker: the master's heartbeat pins it until B's area expires in an hour
        store.pin(id, now + 3_600_000);
        // job A's commit at the master fails: its client withdraws its copy
        store.remove(id, copy2);

        clock.advance(java.time.Duration.ofMinutes(20));
        assertTrue(store.contains(id));
        assertTrue(store.isPinned(id), "the block staged in job B's open temp area lost its pin");
    }

    @Test
    void aRestartWithSmallerQuotasKeepsTheStoreWithinThemOnceThePinsAreKnown() {
        Path ssd = directory.resolve("ssd");
        byte[] data = randomBytes(10_000, 1);
        BlockStore before = BlockStore.open("worker-0", List.of(TierConfig.of(StorageTier.SSD, ssd, 30_000)), SEGMENT,
                1 << 20, EvictionPolicy.lru(), clock).store();
        for (int i = 0; i < 3; i++) {
            write(before, id(i), data);
        }
        // the operator halves the directory's quota and restarts the worker, which holds its evictions until it registered
        BlockStore store = BlockStore.open("worker-0", List.of(TierConfig.of(StorageTier.SSD, ssd, 15_000)), SEGMENT,
                1 << 20, EvictionPolicy.lru(), clock).store();
        store.holdEvictions();
        BlockStoreException refused = assertThrows(BlockStoreException.class, () -> store.beginWrite(id(3), data.length));
        assertEquals(BlockStoreException.Kind.NO_SPACE, refused.kind());
        assertEquals(3, store.blockIds().size(), "a write evicted while the pins were not known");

        // the master's answer to the registration: block 1 is staged in an open temp area
        store.pin(id(1), clock.millis() + 3_600_000);
        List<String> evicted = store.releaseEvictions().stream().map(BlockStore.EvictedBlock::blockId).sorted().toList();

        assertEquals(List.of(id(0), id(2)).stream().sorted().toList(), evicted);
        assertEquals(Set.of(id(1)), Set.copyOf(store.blockIds()));
        assertTrue(store.usedBytes() <= store.capacityBytes(), store.usedBytes() + " bytes used of a quota of " + store.capacityBytes());
        // within its quota again: what the quota leaves takes a block without evicting
        write(store, id(3), randomBytes(4_000, 3));
        assertEquals(Set.of(id(1), id(3)), Set.copyOf(store.blockIds()));
    }
}
