package io.gfsload.cache.worker;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.Counts;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.api.TierInfo;
import io.gfsload.cache.checksum.SegmentedCrc32c;
import io.gfsload.cache.io.AlignedBuffers;
import io.gfsload.cache.io.NoSpace;
import io.gfsload.cache.io.OwnerOnlyFiles;
import io.gfsload.cache.worker.BlockStoreException.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's blocks in tiers of directories, each directory within its quota.
 *
 * <p>A block is the file {@code <blockId>.block} in one tier directory: a {@link BlockFileHeader}
 * with its checksums, then the data. A write goes to {@code <blockId>.<random>.tmp} in the
 * directory it reserved space in, and is renamed into place only when complete and synced, so a
 * crash leaves either the old block, the new one, or a temp file that the next {@link #open}
 * deletes. Block files are created readable by their owner only ({@code rw-------}, where the
 * file system has POSIX permissions), as are the directories the store creates. Block ids are checked with {@link BlockKey#isValidBlockId} before they touch a path,
 * and the resolved path must lie directly in its tier directory.
 *
 * <p><b>Space.</b> A directory's quota counts block data bytes: those of stored blocks plus those
 * reserved by writes in progress. A write goes to the requested tier, or to the fastest tier with
 * free room; when no directory has free room, the store evicts blocks of one directory, lowest
 * {@link EvictionPolicy} priority first, until the block fits: of the directory whose blocks to
 * delete have the lowest priorities, whatever its tier, so that the worker's least recently used
 * blocks go first and not those a full MEM tier was given last. Blocks being written (temp files)
 * and pinned blocks (those of an open temp area) are never evicted. Evicted blocks are deleted.
 *
 * <p><b>Full disks.</b> A directory's free room is the smaller of what its quota leaves and what
 * its file system has left ({@link WorkerDisk#usableBytes}, less the bytes that writes in
 * progress there have still to write), asked afresh at each placement and report: other files on
 * the same file system, or a quota larger than the disk, make a tier fuller than its quota says.
 * Directories on one file system ({@link WorkerDisk#fileSystem}) share its room: a write in
 * progress in one holds it for all, and the room the store reports counts it once ({@link #tiers}).
 * Eviction makes room only where what it deletes is enough. A write that the file system refuses
 * for want of room (ENOSPC, EDQUOT, or a failed write with less room left than the block still
 * needs) fails as {@code NO_SPACE}, like a block that does not fit the quota, with its temp file
 * deleted; the directory then counts the room its file system reported at that moment as unusable,
 * so that the next blocks go to another directory or tier, or to another worker. The store logs
 * once when a directory's file system limits it and once when that ends, not per block.
 *
 * <p><b>Restarts.</b> {@link #open} rescans the directories of persistent tiers and keeps every
 * block whose header is sound; the content of {@link StorageTier#MEM} directories is deleted, as
 * memory does not survive a restart. A worker that stops cleanly deletes them itself
 * ({@link #deleteVolatileContent}), so that they do not hold RAM until the next start. Deleted blocks (evicted, corrupt, removed), and blocks whose
 * file is found missing (when read or stat'ed, or by {@link #checkBlockFiles}), are remembered until
 * {@link #acknowledgeRemoved}, so that the worker can tell the master.
 *
 * <p><b>Copies.</b> Every block stored (written, or found when the store opens) gets a copy number,
 * larger than that of every copy stored before, in this process or an earlier one. The store
 * reserves numbers {@value #COPIES_RESERVED} at a time, and writes the highest number reserved to
 * the file {@value #COPY_NUMBERS_FILE} of its first persistent directory (the first directory when
 * none is persistent) before it hands out a number of the reservation. When the store opens, the
 * numbers go on above the highest number found in that file of any of its directories, or above
 * the clock's epoch millisecond times 2<sup>20</sup> when that is higher: a clock set back (an
 * unsynchronized RTC, a restored VM) does not number new copies below earlier ones. A write
 * returns its copy's number for the client to commit with, and a deletion is reported with the
 * number of the copy deleted, so that the master can tell a report of a copy it has not recorded
 * yet (its commit still on the way) or of an older copy from one of the copy it holds.
 *
 * <p>A copy that replaced an earlier copy of the block (two loads of the same data at once write
 * it to the same worker) keeps the earlier copies' numbers until their writers remove them. The
 * removal of such a copy by its number, which a client sends when its commit at the master fails,
 * keeps the block: its bytes are the earlier copy's (the id names the file's identity), which
 * another load may have committed; the pin is as it was before that write, and nothing is reported.
 *
 * <p>Thread-safe: space, the block index and pins are guarded by the store's lock; data is read
 * and written outside it.
 */
final class BlockStore {
    private static final Logger log = LoggerFactory.getLogger(BlockStore.class);

    static final String BLOCK_SUFFIX = ".block";
    static final String TEMP_SUFFIX = ".tmp";
    /** The largest block a store accepts unless configured otherwise. */
    static final long DEFAULT_MAX_BLOCK_BYTES = 2L << 30;
    /** Copy numbers start at least at the epoch millisecond shifted by this many bits. */
    private static final int COPY_SHIFT = 20;
    /** The file with the highest copy number reserved; see the class's documentation. */
    static final String COPY_NUMBERS_FILE = "copy-numbers";
    /** Copy numbers reserved with one write of {@link #COPY_NUMBERS_FILE}. */
    static final long COPIES_RESERVED = 1 << 16;
    /** Read size when checksumming the data of a short-circuit write. */
    private static final int ADOPT_BUFFER_BYTES = 256 << 10;
    /**
     * Each thread's page-aligned buffer for the segments it reads: a read into a heap buffer goes
     * through a direct buffer of the JDK's, which malloc leaves unaligned, and the kernel copies a
     * segment of a megabyte into that at a third of the speed (see {@link AlignedBuffers}).
     */
    private static final ThreadLocal<ByteBuffer> SEGMENT_BUFFER = new ThreadLocal<>();

    private final String workerId;
    /** Fastest tier first; within a tier, in configuration order. */
    private final List<StoreDirectory> directories;
    private final int segmentBytes;
    /** Combines a CRC with that of a full segment. */
    private final long maxBlockBytes;
    private final EvictionPolicy eviction;
    private final Clock clock;
    /**
     * Held for writing while the worker registers ({@link #whileNoWriteFinishes}), for reading as a
     * write puts its block in place: a block is added either before the registration's report of
     * the blocks, or after the master reconciled it.
     */
    private final ReadWriteLock registration = new ReentrantReadWriteLock();
    private final WorkerDisk disk;
    private final Map<String, Entry> blocks = new HashMap<>();
    /** Block id to the epoch millisecond its pin ends; a block may be pinned before it is stored. */
    private final Map<String, Long> pins = new HashMap<>();
    /** Block id to the number of its writes in progress, which hold reserved room; see {@link #usage}. */
    private final Map<String, Integer> writing = new HashMap<>();
    /** Deleted blocks not acknowledged yet, to the copy number deleted, in deletion order. */
    private final Map<String, Long> removedSinceReport = new LinkedHashMap<>();
    /** The number of the last copy stored; see the class's documentation. Guarded by the store's lock. */
    private long lastCopy;
    /** The highest copy number {@link #COPY_NUMBERS_FILE} holds. Guarded by the store's lock. */
    private long reservedCopies;
    /** The blocks of the current round of {@link #checkBlockFiles}, and how far it has got. */
    private List<String> round = List.of();
    private int roundPosition;
    private final Map<StorageTier, AtomicLong> evictions = new EnumMap<>(StorageTier.class);
    private final Map<StorageTier, AtomicLong> evictedBytes = new EnumMap<>(StorageTier.class);
    private final AtomicLong corruptBlocks = new AtomicLong();
    /** Blocks deleted or forgotten since the store opened, however: see {@link #removedBlocks}. */
    private final AtomicLong removedBlocks = new AtomicLong();
    /**
     * Whether the MEM tier's content was deleted for a stop ({@link #deleteVolatileContent}): no
     * write completes into it from then on. Guarded by the store's lock.
     */
    private boolean volatileContentDeleted;
    /**
     * Whether eviction waits ({@link #holdEvictions}): a worker that starts knows which of its blocks
     * are pinned (staged in an open temp area) only once the master told it as it registers.
     */
    private boolean evictionsHeld;

    private BlockStore(String workerId, List<StoreDirectory> directories, int segmentBytes, long maxBlockBytes,
            EvictionPolicy eviction, Clock clock, WorkerDisk disk) {
        this.workerId = workerId;
        this.disk = disk;
        this.directories = directories;
        this.segmentBytes = segmentBytes;
        this.maxBlockBytes = maxBlockBytes;
        this.eviction = eviction;
        this.clock = clock;
        for (StorageTier tier : StorageTier.values()) {
            evictions.put(tier, new AtomicLong());
            evictedBytes.put(tier, new AtomicLong());
        }
    }

    /** A store of one SSD directory with LRU eviction on the system clock. */
    static OpenResult open(String workerId, Path directory, long capacityBytes, int segmentBytes) {
        return open(workerId, List.of(TierConfig.of(StorageTier.SSD, directory, capacityBytes)), segmentBytes,
                DEFAULT_MAX_BLOCK_BYTES, EvictionPolicy.lru(), Clock.systemUTC());
    }

    /**
     * Opens the store over {@code tiers}, creating missing directories owner-only
     * ({@link OwnerOnlyFiles}): deletes the content of MEM
     * directories, stale temp files and block files with a damaged header, and indexes the valid
     * blocks. A block found in two directories (a crash between writing a new copy and deleting
     * the old one) keeps its newer file.
     *
     * @param segmentBytes checksum granularity of new blocks
     * @param maxBlockBytes the largest block a write may announce
     * @param clock the time of accesses (for eviction) and of pin expiry
     * @throws BlockStoreException when a directory cannot be created or listed
     */
    static OpenResult open(String workerId, List<TierConfig> tiers, int segmentBytes, long maxBlockBytes,
            EvictionPolicy eviction, Clock clock) {
        return open(workerId, tiers, segmentBytes, maxBlockBytes, eviction, clock, WorkerDisk.system());
    }

    /**
     * As {@link #open(String, List, int, long, EvictionPolicy, Clock)}, on {@code disk}.
     *
     * @param disk the directories' file systems: their room, and the files that writes create
     */
    static OpenResult open(String workerId, List<TierConfig> tiers, int segmentBytes, long maxBlockBytes,
            EvictionPolicy eviction, Clock clock, WorkerDisk disk) {
        requireNonNull(workerId, "workerId is null");
        requireNonNull(disk, "disk is null");
        requireNonNull(tiers, "tiers is null");
        requireNonNull(eviction, "eviction is null");
        requireNonNull(clock, "clock is null");
        checkArgument(!tiers.isEmpty(), "a block store needs a tier");
        checkArgument(segmentBytes > 0, "segmentBytes must be > 0: %s", segmentBytes);
        checkArgument(maxBlockBytes > 0, "maxBlockBytes must be > 0: %s", maxBlockBytes);
        List<StoreDirectory> directories = new ArrayList<>();
        tiers.stream()
                .sorted(Comparator.comparing(TierConfig::tier))
                .forEach(tier -> tier.directories().forEach(directory ->
                        directories.add(new StoreDirectory(workerId, tier.tier(), directory.path(), directory.quotaBytes(), disk))));
        Set<Path> distinct = new HashSet<>();
        for (StoreDirectory directory : directories) {
            checkArgument(distinct.add(directory.path), "directory %s is configured twice", directory.path);
        }
        BlockStore store = new BlockStore(workerId, List.copyOf(directories), segmentBytes, maxBlockBytes, eviction,
                clock, disk);
        store.startCopies();
        ScanCounts counts = new ScanCounts();
        for (StoreDirectory directory : directories) {
            store.scan(directory, counts);
        }
        shareFileSystems(directories, disk);
        return new OpenResult(store, counts.staleTempFiles, counts.corruptBlocks, counts.volatileBlocks);
    }

    /**
     * Makes the directories on one file system ({@link WorkerDisk#fileSystem}) share its room: the
     * bytes their writes in progress have still to write, and the room it refused a write with.
     * A directory whose file system cannot be told counts its own.
     */
    private static void shareFileSystems(List<StoreDirectory> directories, WorkerDisk disk) {
        Map<Object, StoreFileSystem> fileSystems = new HashMap<>();
        for (StoreDirectory directory : directories) {
            try {
                Object id = disk.fileSystem(directory.path);
                StoreFileSystem shared = fileSystems.putIfAbsent(id, directory.fileSystem);
                if (shared != null) {
                    directory.fileSystem = shared;
                    log.info("Worker {}: its {} directory {} is on the file system of {}, whose room they share",
                            directory.workerId, directory.tier, directory.path, directories.stream()
                                    .filter(other -> other.fileSystem == shared && other != directory)
                                    .map(other -> other.path.toString()).toList());
                }
            }
            catch (IOException | RuntimeException e) {
                log.warn("Worker {} cannot tell the file system of its {} directory {}; counting its room as its own: {}",
                        directory.workerId, directory.tier, directory.path, e.toString());
            }
        }
    }

    /**
     * A store just opened, and what opening it cleaned up.
     *
     * @param volatileBlocksDiscarded blocks found in MEM directories, deleted
     */
    record OpenResult(BlockStore store, int staleTempFilesDeleted, int corruptBlocksDeleted, int volatileBlocksDiscarded) {}

    private static final class ScanCounts {
        int staleTempFiles;
        int corruptBlocks;
        int volatileBlocks;
    }

    private void scan(StoreDirectory directory, ScanCounts counts) {
        try {
            OwnerOnlyFiles.createDirectories(directory.path);
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory.path)) {
                for (Path path : entries) {
                    String name = path.getFileName().toString();
                    if (name.endsWith(TEMP_SUFFIX)) {
                        Files.deleteIfExists(path);
                        counts.staleTempFiles++;
                        continue;
                    }
                    if (!name.endsWith(BLOCK_SUFFIX)) {
                        continue;
                    }
                    String blockId = name.substring(0, name.length() - BLOCK_SUFFIX.length());
                    if (!BlockKey.isValidBlockId(blockId)) {
                        continue;
                    }
                    if (!directory.tier.persistent()) {
                        Files.deleteIfExists(path);
                        counts.volatileBlocks++;
                        continue;
                    }
                    long length;
                    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                        length = BlockFileHeader.read(channel, describe(workerId, blockId)).length();
                    }
                    catch (BlockStoreException e) {
                        log.warn("{}; deleting it", e.getMessage());
                        Files.deleteIfExists(path);
                        counts.corruptBlocks++;
                        continue;
                    }
                    long modified = Files.getLastModifiedTime(path).toMillis();
                    Entry existing = blocks.get(blockId);
                    if (existing != null) {
                        Path older = existing.lastAccessMillis >= modified ? path : existing.directory.blockPath(blockId);
                        log.warn("Block {} of worker {} is in {} and {}; deleting the older {}", blockId, workerId,
                                existing.directory.path, directory.path, older);
                        if (older.equals(path)) {
                            Files.deleteIfExists(path);
                            continue;
                        }
                        Files.deleteIfExists(older);
                        existing.directory.stored -= existing.length;
                    }
                    blocks.put(blockId, new Entry(directory, length, modified, 1, nextCopy()));
                    directory.stored += length;
                }
            }
        }
        catch (IOException e) {
            throw new BlockStoreException(Kind.IO_FAILURE, "Cannot open the block directory " + directory.path
                    + " of worker " + workerId + ": " + e, e);
        }
    }

    /**
     * Numbers copies above every number reserved by an earlier store over these directories, and
     * above the clock's epoch millisecond shifted by {@link #COPY_SHIFT}.
     */
    private void startCopies() {
        long stored = 0;
        for (StoreDirectory directory : directories) {
            stored = Math.max(stored, readReservedCopies(directory.path.resolve(COPY_NUMBERS_FILE)));
        }
        long fromClock = clock.millis() << COPY_SHIFT;
        if (stored > fromClock) {
            log.info("Worker {} numbers copies above {}, the last number reserved before; the clock is behind it",
                    workerId, stored);
        }
        lastCopy = Math.max(stored, fromClock);
        reservedCopies = lastCopy;
    }

    /** The highest copy number reserved in {@code file}; 0 when there is no such file or it is damaged. */
    private long readReservedCopies(Path file) {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.US_ASCII).strip();
        }
        catch (NoSuchFileException e) {
            return 0;
        }
        catch (IOException e) {
            throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot read the copy numbers it reserved from "
                    + file + ": " + e, e);
        }
        try {
            return Long.parseLong(content);
        }
        catch (NumberFormatException e) {
            log.warn("Worker {} ignores the damaged file {} of the copy numbers it reserved: {}", workerId, file, content);
            return 0;
        }
    }

    /**
     * The number of a copy stored now. Reserves the next numbers first when none is left, so that
     * a number handed out is never above the one {@link #COPY_NUMBERS_FILE} holds. Call with the
     * lock held.
     *
     * @throws BlockStoreException when the reservation cannot be written
     */
    private long nextCopy() {
        if (lastCopy >= reservedCopies) {
            reserveCopies(lastCopy + COPIES_RESERVED);
        }
        return ++lastCopy;
    }

    /** Writes {@code reserved} to {@link #COPY_NUMBERS_FILE} durably, replacing the file atomically. */
    private void reserveCopies(long reserved) {
        Path directory = directories.stream().filter(candidate -> candidate.tier.persistent()).findFirst()
                .orElse(directories.get(0)).path;
        Path file = directory.resolve(COPY_NUMBERS_FILE);
        Path temp = directory.resolve(COPY_NUMBERS_FILE + ".new");
        try {
            OwnerOnlyFiles.createDirectories(directory);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer content = ByteBuffer.wrap((reserved + "\n").getBytes(StandardCharsets.US_ASCII));
                while (content.hasRemaining()) {
                    channel.write(content);
                }
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (IOException e) {
            throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot reserve copy numbers in "
                    + file + ": " + e, e);
        }
        reservedCopies = reserved;
    }

    /** The copy number of the stored {@code blockId}, if stored. */
    synchronized OptionalLong copyOf(String blockId) {
        Entry entry = blocks.get(blockId);
        return entry == null ? OptionalLong.empty() : OptionalLong.of(entry.copy);
    }

    /** The first directory, where a single-tier worker keeps its blocks. */
    Path directory() {
        return directories.get(0).path;
    }

    long capacityBytes() {
        return directories.stream().mapToLong(directory -> directory.capacity).sum();
    }

    long maxBlockBytes() {
        return maxBlockBytes;
    }

    /** Bytes of stored blocks plus bytes reserved by writes in progress. */
    synchronized long usedBytes() {
        return directories.stream().mapToLong(StoreDirectory::used).sum();
    }

    /** The ids of the stored blocks, sorted. */
    synchronized List<String> blockIds() {
        return blocks.keySet().stream().sorted().toList();
    }

    /**
     * Runs {@code registration} (the worker's report of its blocks to the master, and the
     * master's reconciling of it) with no write finishing meanwhile: a write that completes then
     * puts its block in place, and is acknowledged, only after {@code registration} returns. So a
     * client records a block on the master either before the report, which holds it, or after the
     * master reconciled the report, which cannot drop it.
     */
    <T> T whileNoWriteFinishes(Supplier<T> action) {
        requireNonNull(action, "action is null");
        registration.writeLock().lock();
        try {
            return action.get();
        }
        finally {
            registration.writeLock().unlock();
        }
    }

    /** The ids of the stored blocks by tier, fastest tier first, each sorted. */
    synchronized Map<StorageTier, List<String>> blockIdsByTier() {
        Map<StorageTier, List<String>> result = new TreeMap<>();
        for (StoreDirectory directory : directories) {
            result.putIfAbsent(directory.tier, new ArrayList<>());
        }
        blocks.forEach((blockId, entry) -> result.get(entry.directory.tier).add(blockId));
        result.values().forEach(ids -> ids.sort(Comparator.naturalOrder()));
        return result;
    }

    synchronized boolean contains(String blockId) {
        return blocks.containsKey(blockId);
    }

    /** The tier holding {@code blockId}, if stored. */
    synchronized Optional<StorageTier> tierOf(String blockId) {
        Entry entry = blocks.get(blockId);
        return entry == null ? Optional.empty() : Optional.of(entry.directory.tier);
    }

    /**
     * The space of each configured tier, fastest first. The free room of directories on one file
     * system is at most what it has left, together: see {@link #freeRooms}.
     */
    synchronized List<TierInfo> tiers() {
        long now = clock.millis();
        Map<StorageTier, long[]> sums = new TreeMap<>();
        Map<StoreDirectory, Long> rooms = freeRooms(true);
        for (StoreDirectory directory : directories) {
            long[] sum = sums.computeIfAbsent(directory.tier, tier -> new long[7]);
            sum[0] += directory.capacity;
            sum[1] += directory.used();
            sum[4] += directory.reserved;
            long room = rooms.get(directory);
            sum[5] += room;
            if (room < directory.quotaFree()) {
                sum[6]++;
            }
        }
        blocks.forEach((blockId, entry) -> {
            long[] sum = sums.get(entry.directory.tier);
            if (!isPinned(blockId, now)) {
                sum[2] += entry.length;
            }
            sum[3]++;
        });
        List<TierInfo> result = new ArrayList<>();
        sums.forEach((tier, sum) -> result.add(new TierInfo(tier, sum[0], sum[1], sum[2], sum[3], sum[4],
                sum[6] == 0 ? TierInfo.NO_DISK_LIMIT : sum[5])));
        return result;
    }

    /**
     * The free room of each directory, with the room of a file system that several directories
     * share given out once: each directory, fastest tier first and in configuration order, takes
     * the smaller of what its quota leaves and what its file system has left once the directories
     * before it have taken theirs. So the directories' rooms add up to no more than their file
     * systems have; a block placed in one directory may still take all its file system has
     * ({@link StoreDirectory#roomFor}). With {@code note}, each directory says in the log when its
     * file system starts or stops limiting it ({@link StoreDirectory#noteDiskLimit}).
     */
    private Map<StoreDirectory, Long> freeRooms(boolean note) {
        // the file system's room asked once, and what the directories before have left of it
        Map<StoreFileSystem, Long> diskFree = new HashMap<>();
        Map<StoreFileSystem, Long> left = new HashMap<>();
        Map<StoreDirectory, Long> rooms = new HashMap<>();
        // the most room a directory on the file system could take: a refusal stands until the file system has that
        Map<StoreFileSystem, Long> wanted = new HashMap<>();
        for (StoreDirectory directory : directories) {
            long quotaFree = directory.quotaFree();
            long free = diskFree.computeIfAbsent(directory.fileSystem, fileSystem -> directory.diskFree());
            wanted.merge(directory.fileSystem, quotaFree, Math::max);
            if (note) {
                directory.noteDiskLimit(free, quotaFree);
            }
            long diskLeft = left.getOrDefault(directory.fileSystem, free);
            long room = diskLeft == StoreDirectory.UNKNOWN ? quotaFree : Math.min(quotaFree, diskLeft);
            rooms.put(directory, room);
            left.put(directory.fileSystem, diskLeft == StoreDirectory.UNKNOWN ? diskLeft : diskLeft - room);
        }
        if (note) {
            // a file system that refused a write has room again once it has what each of its directories' quotas leaves
            diskFree.forEach((fileSystem, free) -> {
                if (fileSystem.refusedAt >= 0 && free != StoreDirectory.UNKNOWN && free > 0 && free >= wanted.get(fileSystem)) {
                    fileSystem.refusedAt = -1;
                }
            });
        }
        return rooms;
    }

    /**
     * The space of each tier ({@link #tiers}) and the blocks being written, sorted, taken together:
     * a block is listed exactly when the room its write holds is in the tiers' used bytes, which a
     * heartbeat needs so that the master stops counting its placement of the block as not reported.
     */
    synchronized Usage usage() {
        return new Usage(tiers(), List.copyOf(new TreeSet<>(writing.keySet())));
    }

    /** What {@link #usage} gives. */
    record Usage(List<TierInfo> tiers, List<String> writingBlockIds) {}

    /** Blocks evicted from {@code tier} since the store opened. */
    long evictions(StorageTier tier) {
        return evictions.get(tier).get();
    }

    /** Bytes evicted from {@code tier} since the store opened. */
    long evictedBytes(StorageTier tier) {
        return evictedBytes.get(tier).get();
    }

    /**
     * Blocks removed since the store opened: evicted, deleted as the master asked (freed), found
     * corrupt or missing, dropped with the MEM tier. Monotonic; a load that finds it unchanged
     * from its start to its end knows that this store removed none of its blocks.
     */
    long removedBlocks() {
        return removedBlocks.get();
    }

    /** Blocks found corrupt on read and deleted since the store opened. */
    long corruptBlocks() {
        return corruptBlocks.get();
    }

    /** Pinned blocks, stored or not yet. */
    synchronized int pinnedBlocks() {
        long now = clock.millis();
        return (int) pins.keySet().stream().filter(blockId -> isPinned(blockId, now)).count();
    }

    /** Starts writing a block of {@code length} bytes on the fastest tier with room, unpinned. */
    BlockWrite beginWrite(String blockId, long length) {
        return beginWrite(blockId, length, Optional.empty(), OptionalLong.empty());
    }

    /**
     * Starts writing a block of {@code length} bytes, reserving its space (evicting if needed).
     *
     * @param tier where to store it; empty for the fastest tier with room
     * @param pinUntilMillis when present, the block is pinned until then once finished
     * @throws BlockStoreException {@code INVALID_REQUEST} for a bad id, a negative length, a length
     *     above the largest block size or a tier the worker does not have; {@code NO_SPACE} when
     *     the block does not fit even after eviction. Nothing is created then
     */
    BlockWrite beginWrite(String blockId, long length, Optional<StorageTier> tier, OptionalLong pinUntilMillis) {
        checkNewBlock(blockId, length);
        requireNonNull(tier, "tier is null");
        requireNonNull(pinUntilMillis, "pinUntilMillis is null");
        Set<StoreDirectory> full = new HashSet<>();
        while (true) {
            Reservation reservation = reserve(blockId, length, tier, full);
            StoreDirectory directory = reservation.directory();
            Path temp = tempFile(directory, blockId);
            try {
                FileChannel channel = disk.createFile(temp);
                channel.position(BlockFileHeader.headerBytes(length, segmentBytes));
                return new BlockWrite(blockId, length, directory, temp, channel, pinUntilMillis, reservation.evicted());
            }
            catch (IOException | RuntimeException e) {
                release(blockId, directory, length, length);
                deleteQuietly(temp);
                if (NoSpace.isNoSpace(e)) {
                    // the file system has no room (or no inode) for even an empty file: another directory may
                    directory.refused(e);
                    full.add(directory);
                    continue;
                }
                throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot create a temp file for block "
                        + blockId + " in " + directory.path + ": " + e, e);
            }
        }
    }

    /**
     * Refuses a block to write with a bad id, a negative length or one past the largest block the
     * store accepts, as {@link #beginWrite} does, before anything is reserved or read for it.
     *
     * @throws BlockStoreException {@code INVALID_REQUEST}
     */
    void checkNewBlock(String blockId, long length) {
        checkBlockId(blockId);
        if (length < 0) {
            throw new BlockStoreException(Kind.INVALID_REQUEST, "Block " + blockId + " has a negative length: "
                    + length);
        }
        if (length > maxBlockBytes) {
            throw new BlockStoreException(Kind.INVALID_REQUEST, String.format(
                    "Block %s has a length of %d bytes, more than the largest block worker %s accepts (%d bytes)",
                    blockId, length, workerId, maxBlockBytes));
        }
    }

    /**
     * Starts a short-circuit write whose writer, a trusted client on this host, creates the temp
     * file ({@link BlockWrite#tempFile()}) itself and writes the whole block file into it: the
     * header ({@link BlockFileHeader#encode(long, long, int, int[])} with this store's segment
     * length) and then the data. Reserves the space as {@link #beginWrite} does and creates
     * nothing; {@link BlockWrite#adoptWrittenFile} takes the file.
     *
     * @throws BlockStoreException as {@link #beginWrite}
     */
    BlockWrite beginWriterCreatedWrite(String blockId, long length, Optional<StorageTier> tier, OptionalLong pinUntilMillis) {
        checkNewBlock(blockId, length);
        requireNonNull(tier, "tier is null");
        requireNonNull(pinUntilMillis, "pinUntilMillis is null");
        Reservation reservation = reserve(blockId, length, tier, Set.of());
        return new BlockWrite(blockId, length, reservation.directory(), tempFile(reservation.directory(), blockId), null, pinUntilMillis,
                reservation.evicted());
    }

    private static Path tempFile(StoreDirectory directory, String blockId) {
        return directory.path.resolve(blockId + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + TEMP_SUFFIX);
    }

    /** A block evicted to make room for another. */
    record EvictedBlock(String blockId, long length) {
        EvictedBlock {
            requireNonNull(blockId, "blockId is null");
        }
    }

    /** The directory a new block's space is reserved in, and the blocks evicted to make that room. */
    private record Reservation(StoreDirectory directory, List<EvictedBlock> evicted) {}

    /**
     * Chooses the directory of a new block and reserves its space: the fastest candidate tier with
     * a directory of enough free space (the one with the most), else the directory where eviction
     * makes room by deleting the least valuable blocks ({@link #leastValuableEviction}), which it
     * then makes. Skips the directories of {@code full}, whose file system refused to
     * create a file for this block just now.
     */
    private synchronized Reservation reserve(String blockId, long length, Optional<StorageTier> tier, Set<StoreDirectory> full) {
        List<StoreDirectory> candidates = directories.stream()
                .filter(directory -> tier.isEmpty() || directory.tier == tier.get())
                .filter(directory -> !full.contains(directory))
                .toList();
        if (candidates.isEmpty() && !full.isEmpty()) {
            throw BlockStoreException.diskFull(String.format(
                    "Worker %s has no room for block %s%s: the file system of %s is full",
                    workerId, blockId, tier.map(t -> " on its " + t + " tier").orElse(""),
                    full.stream().map(directory -> directory.path.toString()).sorted().toList()), null);
        }
        if (candidates.isEmpty()) {
            throw new BlockStoreException(Kind.INVALID_REQUEST, "Worker " + workerId + " has no " + tier.get()
                    + " tier for block " + blockId);
        }
        // on the disk, a block takes its header's bytes too
        long header = BlockFileHeader.headerBytes(length, segmentBytes);
        Optional<StoreDirectory> free = best(candidates, length, directory -> directory.roomFor(header));
        if (free.isPresent()) {
            free.get().reserve(length);
            writing.merge(blockId, 1, Integer::sum);
            return new Reservation(free.get(), List.of());
        }
        if (evictionsHeld) {
            throw new BlockStoreException(Kind.NO_SPACE, String.format(
                    "Worker %s has no room for block %s%s without evicting, and evicts nothing until the master has told it "
                            + "which of its blocks are staged in open temp areas (it is registering)",
                    workerId, blockId, tier.map(t -> " on its " + t + " tier").orElse("")));
        }
        long now = clock.millis();
        Map<StoreDirectory, Long> evictable = new HashMap<>();
        blocks.forEach((id, entry) -> {
            if (!isPinned(id, now)) {
                evictable.merge(entry.directory, entry.length, Long::sum);
            }
        });
        Optional<StoreDirectory> chosen = leastValuableEviction(candidates, length, header, now);
        if (chosen.isEmpty()) {
            Map<StoreDirectory, Long> rooms = freeRooms(false);
            long freeBytes = candidates.stream().mapToLong(rooms::get).sum();
            long capacity = candidates.stream().mapToLong(directory -> directory.capacity).sum();
            long evictableBytes = candidates.stream().mapToLong(directory -> evictable.getOrDefault(directory, 0L)).sum();
            List<String> diskLimited = candidates.stream()
                    .filter(directory -> directory.diskFree() < directory.quotaFree())
                    .map(directory -> directory.path.toString())
                    .toList();
            String where = tier.map(t -> " on its " + t + " tier").orElse("");
            throw new BlockStoreException(Kind.NO_SPACE, String.format(
                    "Worker %s has no room for block %s%s: it needs %d bytes, %d of %d are free%s%s",
                    workerId, blockId, where, length, freeBytes, capacity,
                    evictableBytes > 0 ? " and " + evictableBytes + " more are evictable (no single directory "
                            + "can make room)" : "",
                    diskLimited.isEmpty() ? "" : " (the file system of " + String.join(", ", diskLimited)
                            + " has less room left than the quota)"));
        }
        List<EvictedBlock> evicted = evict(chosen.get(), length, header, now);
        if (chosen.get().roomFor(header) < length) {
            // the file system gave less back than the blocks evicted (another program is filling it): no more is evicted
            throw BlockStoreException.diskFull(String.format(
                    "Worker %s has no room for block %s%s: it needs %d bytes, the file system of %s has %d left after "
                            + "evicting %d blocks", workerId, blockId, tier.map(t -> " on its " + t + " tier").orElse(""), length,
                    chosen.get().path, Math.max(0, chosen.get().roomFor(header)), evicted.size()), null);
        }
        chosen.get().reserve(length);
        writing.merge(blockId, 1, Integer::sum);
        return new Reservation(chosen.get(), evicted);
    }

    /** The fastest tier's directory with the largest {@code room} >= length; ties go to the first. */
    private static Optional<StoreDirectory> best(List<StoreDirectory> candidates, long length,
            java.util.function.ToLongFunction<StoreDirectory> room) {
        for (StorageTier tier : StorageTier.values()) {
            StoreDirectory best = null;
            for (StoreDirectory directory : candidates) {
                if (directory.tier == tier && room.applyAsLong(directory) >= length
                        && (best == null || room.applyAsLong(directory) > room.applyAsLong(best))) {
                    best = directory;
                }
            }
            if (best != null) {
                return Optional.of(best);
            }
        }
        return Optional.empty();
    }

    /**
     * Of {@code candidates}, the directory where eviction can make room for a block of {@code length}
     * bytes and a header of {@code header} bytes by deleting the least valuable blocks: those whose
     * highest {@link EvictionPolicy} priority is the lowest; among equals the fastest tier, then the
     * most free and evictable room. So a worker whose tiers are all full evicts its least recently
     * (or, with LRFU, least frequently and recently) used blocks whatever their tier, and not always
     * the fastest tier's, which then holds only the blocks written last.
     */
    private Optional<StoreDirectory> leastValuableEviction(List<StoreDirectory> candidates, long length, long header, long now) {
        record Victim(String blockId, long length, double priority) {}
        record Choice(StoreDirectory directory, double cost, long room) {}
        Map<StoreDirectory, List<Victim>> victims = new HashMap<>();
        blocks.forEach((blockId, entry) -> {
            if (candidates.contains(entry.directory) && !isPinned(blockId, now)) {
                victims.computeIfAbsent(entry.directory, directory -> new ArrayList<>())
                        .add(new Victim(blockId, entry.length, eviction.priority(entry.crf, entry.lastAccessMillis, now)));
            }
        });
        List<Choice> choices = new ArrayList<>();
        for (StoreDirectory directory : candidates) {
            // in the order evict() deletes them
            List<Victim> order = victims.getOrDefault(directory, List.of()).stream()
                    .sorted(Comparator.comparingDouble(Victim::priority).thenComparing(Victim::blockId))
                    .toList();
            long room = directory.roomFor(header);
            double cost = Double.NEGATIVE_INFINITY;
            for (Victim victim : order) {
                if (room >= length) {
                    break;
                }
                room += victim.length();
                cost = victim.priority();
            }
            if (room >= length) {
                choices.add(new Choice(directory, cost, directory.roomFor(header) + order.stream().mapToLong(Victim::length).sum()));
            }
        }
        return choices.stream()
                .min(Comparator.comparingDouble(Choice::cost)
                        .thenComparing(choice -> choice.directory().tier)
                        .thenComparing(Comparator.comparingLong(Choice::room).reversed()))
                .map(Choice::directory);
    }

    /**
     * Deletes unpinned blocks of {@code directory}, lowest priority first, until a block of
     * {@code length} bytes and a header of {@code header} bytes fits; returns them in eviction order.
     */
    private List<EvictedBlock> evict(StoreDirectory directory, long length, long header, long now) {
        record Candidate(String blockId, Entry entry, double priority) {}
        List<Candidate> candidates = new ArrayList<>();
        blocks.forEach((blockId, entry) -> {
            if (entry.directory == directory && !isPinned(blockId, now)) {
                candidates.add(new Candidate(blockId, entry, eviction.priority(entry.crf, entry.lastAccessMillis, now)));
            }
        });
        candidates.sort(Comparator.comparingDouble(Candidate::priority).thenComparing(Candidate::blockId));
        List<EvictedBlock> evicted = new ArrayList<>();
        for (Candidate victim : candidates) {
            if (directory.roomFor(header) >= length) {
                break;
            }
            deleteStored(victim.blockId, victim.entry);
            evicted.add(new EvictedBlock(victim.blockId, victim.entry.length));
            evictions.get(directory.tier).incrementAndGet();
            evictedBytes.get(directory.tier).addAndGet(victim.entry.length);
            log.debug("Worker {} evicted block {} ({} bytes, {} priority {}) from {}", workerId, victim.blockId,
                    victim.entry.length, eviction.kind(), victim.priority, directory.path);
        }
        return List.copyOf(evicted);
    }

    /**
     * Evicts nothing from now until {@link #releaseEvictions}: a write that needs room another
     * block takes fails {@code NO_SPACE} meanwhile (its client waits for room, and tries again).
     * What a worker does from its start until the master's answer to its registration has pinned
     * the blocks of open temp areas, whose pins do not outlive the worker.
     */
    synchronized void holdEvictions() {
        evictionsHeld = true;
    }

    /**
     * Lets eviction go on after {@link #holdEvictions}, and evicts, lowest priority first, the
     * unpinned blocks of each directory that holds more than its quota (one started again with a
     * smaller quota than it had, or that blocks of a removed directory moved to): so the store
     * keeps to its quotas from then on.
     *
     * @return the blocks evicted
     */
    synchronized List<EvictedBlock> releaseEvictions() {
        evictionsHeld = false;
        long now = clock.millis();
        List<EvictedBlock> evicted = new ArrayList<>();
        for (StoreDirectory directory : directories) {
            if (directory.stored + directory.reserved > directory.capacity) {
                long before = directory.stored;
                List<EvictedBlock> over = evict(directory, 0, 0, now);
                evicted.addAll(over);
                log.info("Worker {} evicted {} ({} bytes) of its {} directory {}, which held {} bytes, over its quota of {}", workerId,
                        Counts.of(over.size(), "block"), before - directory.stored, directory.tier, directory.path, before, directory.capacity);
            }
        }
        return List.copyOf(evicted);
    }

    /**
     * Opens a stored block for reading and counts it as accessed; its header is checked, its data
     * is checked segment by segment as it is read. A block evicted or removed while open stays
     * readable through this handle.
     *
     * @throws BlockStoreException {@code NOT_FOUND} when the block is not stored, {@code CORRUPT}
     *     when its header is damaged
     */
    StoredBlock openBlock(String blockId) {
        checkBlockId(blockId);
        Path path;
        StorageTier tier;
        Entry entry;
        synchronized (this) {
            entry = blocks.get(blockId);
            if (entry == null) {
                throw new BlockStoreException(Kind.NOT_FOUND, "Block " + blockId + " not found on worker " + workerId);
            }
            entry.access(eviction, clock.millis());
            path = entry.directory.blockPath(blockId);
            tier = entry.directory.tier;
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        }
        catch (NoSuchFileException e) {
            forgetVanished(blockId, entry);
            throw new BlockStoreException(Kind.NOT_FOUND, "Block " + blockId + " not found on worker " + workerId);
        }
        catch (IOException e) {
            throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot open block " + blockId + ": "
                    + e, e);
        }
        try {
            BlockFileHeader header = BlockFileHeader.read(channel, describe(workerId, blockId));
            return new StoredBlock(blockId, tier, header, channel, entry.copy);
        }
        catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            if (e instanceof BlockStoreException storeException) {
                throw BlockStoreException.ofCopy(storeException, entry.copy);
            }
            throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot read block " + blockId + ": "
                    + e, e);
        }
    }

    /**
     * Deletes a stored block and its pin.
     *
     * @return whether the block was stored
     */
    boolean remove(String blockId) {
        return remove(blockId, 0);
    }

    /**
     * Deletes copy {@code copy} of a stored block (any copy when 0) and the block's pin; a
     * different copy, stored by another write of the block, stays, with its pin.
     *
     * @return whether the copy was stored, and deleted
     */
    boolean remove(String blockId, long copy) {
        checkBlockId(blockId);
        synchronized (this) {
            Entry entry = blocks.get(blockId);
            if (entry != null && copy != 0 && entry.copy != copy) {
                // the writer of a replaced copy withdraws it: no longer kept for
                entry.replaced = without(entry.replaced, copy);
                return false;
            }
            if (entry != null && copy != 0 && !entry.replaced.isEmpty()) {
                // the earlier copies' bytes, which their writers may have committed, stay, pinned as before this copy; a pin
                // the master set or lifted since (another job staged the block, or its area ended) stands as it is
                if (!entry.pinSetSince) {
                    if (entry.pinBefore == null) {
                        pins.remove(blockId);
                    }
                    else {
                        pins.put(blockId, entry.pinBefore);
                    }
                }
                return false;
            }
            pins.remove(blockId);
            if (entry == null) {
                return false;
            }
            deleteStored(blockId, entry);
            return true;
        }
    }

    /**
     * Deletes the block files and temp files of the MEM tier's directories, for a worker that
     * stops: memory does not outlive the worker ({@link #open} would delete them at the next start
     * anyway), and until then they hold RAM. Writes into those directories still in progress fail
     * at their end from then on, rather than leave a block behind. The deleted blocks are
     * remembered as any deletion is ({@link #removedSinceReport}), with their copy numbers, so that
     * the stopping worker tells the master, which then stops listing them. Later calls delete
     * what is left.
     *
     * @return what was deleted
     * @throws BlockStoreException when a directory cannot be listed or a file cannot be deleted
     */
    synchronized VolatileContentDeleted deleteVolatileContent() {
        volatileContentDeleted = true;
        int deletedBlocks = 0;
        int deletedTempFiles = 0;
        long deletedBytes = 0;
        for (StoreDirectory directory : directories) {
            if (directory.tier.persistent()) {
                continue;
            }
            blocks.entrySet().removeIf(entry -> {
                if (entry.getValue().directory != directory) {
                    return false;
                }
                removedSinceReport.put(entry.getKey(), entry.getValue().copy);
                removedBlocks.incrementAndGet();
                return true;
            });
            directory.stored = 0;
            VolatileContentDeleted deleted;
            try {
                deleted = deleteLeftVolatileContent(directory.path);
            }
            catch (IOException e) {
                throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot delete the content of its "
                        + directory.tier + " directory " + directory.path + ": " + e, e);
            }
            deletedBlocks += deleted.blocks();
            deletedTempFiles += deleted.tempFiles();
            deletedBytes += deleted.bytes();
        }
        return new VolatileContentDeleted(deletedBlocks, deletedTempFiles, deletedBytes);
    }

    /**
     * Deletes the block files and temp files in {@code directory}, a MEM tier directory: of this
     * store ({@link #deleteVolatileContent}), or of a worker whose process ended without deleting
     * them (killed, crashed), what its next start would delete, deleted now so that it holds no RAM
     * meanwhile. Other files (the lock file) stay; a directory that is gone holds nothing.
     *
     * @return what was deleted
     * @throws IOException when the directory cannot be listed or a file cannot be deleted
     */
    static VolatileContentDeleted deleteLeftVolatileContent(Path directory) throws IOException {
        int deletedBlocks = 0;
        int deletedTempFiles = 0;
        long deletedBytes = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path path : entries) {
                String name = path.getFileName().toString();
                boolean temp = name.endsWith(TEMP_SUFFIX);
                boolean block = name.endsWith(BLOCK_SUFFIX)
                        && BlockKey.isValidBlockId(name.substring(0, name.length() - BLOCK_SUFFIX.length()));
                if (!temp && !block) {
                    continue;
                }
                long size;
                try {
                    size = Files.size(path);
                }
                catch (NoSuchFileException e) {
                    // a write that aborts deletes its temp file on its own: the others are still to delete
                    continue;
                }
                if (Files.deleteIfExists(path)) {
                    deletedBytes += size;
                    if (block) {
                        deletedBlocks++;
                    }
                    else {
                        deletedTempFiles++;
                    }
                }
            }
        }
        catch (NoSuchFileException e) {
            // removed behind the worker's back: nothing left to delete
        }
        return new VolatileContentDeleted(deletedBlocks, deletedTempFiles, deletedBytes);
    }

    /**
     * What {@link #deleteVolatileContent} deleted.
     *
     * @param bytes the size of the files deleted, headers included
     */
    record VolatileContentDeleted(int blocks, int tempFiles, long bytes) {}

    /**
     * Deletes a block found corrupt, so that it is never served again, and counts it: copy {@code
     * copy} of it, the one read (any when 0). A copy another write stored since the read began is
     * another file, and stays.
     *
     * @return whether the copy was stored, and deleted
     */
    boolean quarantine(String blockId, long copy, String reason) {
        checkBlockId(blockId);
        boolean removed;
        synchronized (this) {
            Entry entry = blocks.get(blockId);
            removed = entry != null && (copy == 0 || entry.copy == copy);
            if (removed) {
                pins.remove(blockId);
                deleteStored(blockId, entry);
            }
        }
        if (removed) {
            corruptBlocks.incrementAndGet();
            log.warn("Worker {} deleted corrupt block {}: {}", workerId, blockId, reason);
        }
        return removed;
    }

    /**
     * Checks that the files of the next {@code count} stored blocks, in a round over all of them,
     * are still there, and forgets those that are not ({@link #forgetVanished}): called at every
     * heartbeat, it finds a block file deleted behind the worker's back without waiting for a read
     * of it. A round starts over the blocks stored when the previous one ended.
     *
     * @return the blocks forgotten
     */
    int checkBlockFiles(int count) {
        checkArgument(count > 0, "count must be > 0: %s", count);
        List<Map.Entry<String, Entry>> batch = new ArrayList<>(count);
        synchronized (this) {
            if (roundPosition >= round.size()) {
                round = new ArrayList<>(blocks.keySet());
                roundPosition = 0;
            }
            while (batch.size() < count && roundPosition < round.size()) {
                String blockId = round.get(roundPosition++);
                Entry entry = blocks.get(blockId);
                if (entry != null) {
                    batch.add(Map.entry(blockId, entry));
                }
            }
        }
        int forgotten = 0;
        for (Map.Entry<String, Entry> block : batch) {
            if (!Files.exists(block.getValue().directory.blockPath(block.getKey())) && forgetVanished(block.getKey(), block.getValue())) {
                forgotten++;
            }
        }
        return forgotten;
    }

    /**
     * Forgets a block whose file was found missing (deleted behind the worker's back), so that the
     * master hears of it at the next heartbeat and a later load writes it again. Nothing happens
     * when the block was removed or written anew since {@code seen} was looked up.
     *
     * @return whether the block was forgotten
     */
    private boolean forgetVanished(String blockId, Entry seen) {
        synchronized (this) {
            if (blocks.get(blockId) != seen) {
                return false;
            }
            blocks.remove(blockId);
            pins.remove(blockId);
            seen.directory.stored -= seen.length;
            removedSinceReport.put(blockId, seen.copy);
            removedBlocks.incrementAndGet();
        }
        log.warn("Worker {} forgot block {}: its file {} is missing", workerId, blockId, seen.directory.blockPath(blockId));
        return true;
    }

    /** Keeps {@code blockId} (stored now or later) from eviction until {@code untilMillis}; a later time wins. */
    synchronized void pin(String blockId, long untilMillis) {
        checkBlockId(blockId);
        pins.merge(blockId, untilMillis, Math::max);
        pinSet(blockId);
    }

    /** Lets eviction take {@code blockId} again. */
    synchronized void unpin(String blockId) {
        checkBlockId(blockId);
        pins.remove(blockId);
        pinSet(blockId);
    }

    /** Notes that the master set the pin of {@code blockId}: the writer of its copy that withdraws it leaves the pin so ({@link #remove(String, long)}). */
    private void pinSet(String blockId) {
        Entry entry = blocks.get(blockId);
        if (entry != null) {
            entry.pinSetSince = true;
        }
    }

    synchronized boolean isPinned(String blockId) {
        return isPinned(blockId, clock.millis());
    }

    private boolean isPinned(String blockId, long now) {
        Long until = pins.get(blockId);
        if (until == null) {
            return false;
        }
        return until > now;
    }

    /** Forgets pins that have ended, so that they take no memory. */
    synchronized void dropEndedPins() {
        long now = clock.millis();
        pins.values().removeIf(until -> until <= now);
    }

    /**
     * The stored block's length, checksum, tier and pin.
     *
     * @throws BlockStoreException {@code NOT_FOUND} when not stored, {@code CORRUPT} for a damaged
     *     header
     */
    BlockStat stat(String blockId) {
        try (StoredBlock block = openBlockWithoutAccess(blockId)) {
            return new BlockStat(block.length(), block.crc32c(), block.tier(), isPinned(blockId));
        }
    }

    private StoredBlock openBlockWithoutAccess(String blockId) {
        checkBlockId(blockId);
        Path path;
        StorageTier tier;
        Entry entry;
        synchronized (this) {
            entry = blocks.get(blockId);
            if (entry == null) {
                throw new BlockStoreException(Kind.NOT_FOUND, "Block " + blockId + " not found on worker " + workerId);
            }
            path = entry.directory.blockPath(blockId);
            tier = entry.directory.tier;
        }
        try {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
            try {
                return new StoredBlock(blockId, tier, BlockFileHeader.read(channel, describe(workerId, blockId)), channel, entry.copy);
            }
            catch (BlockStoreException e) {
                closeQuietly(channel);
                throw BlockStoreException.ofCopy(e, entry.copy);
            }
            catch (IOException | RuntimeException e) {
                closeQuietly(channel);
                throw e;
            }
        }
        catch (NoSuchFileException e) {
            forgetVanished(blockId, entry);
            throw new BlockStoreException(Kind.NOT_FOUND, "Block " + blockId + " not found on worker " + workerId);
        }
        catch (IOException e) {
            throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot open block " + blockId + ": "
                    + e, e);
        }
    }

    /**
     * What {@link #stat} tells.
     *
     * @param crc32c unsigned
     */
    record BlockStat(long length, long crc32c, StorageTier tier, boolean pinned) {}

    /**
     * Blocks deleted (evicted, corrupt, removed) and not acknowledged yet, in deletion order, each
     * with the number of the copy deleted. A block stored again since is not among them.
     */
    synchronized List<RemovedCopy> removedSinceReport() {
        return removedSinceReport(Integer.MAX_VALUE);
    }

    /** The first {@code max} of {@link #removedSinceReport()}: the oldest deletions. */
    synchronized List<RemovedCopy> removedSinceReport(int max) {
        List<RemovedCopy> removed = new ArrayList<>(Math.min(max, removedSinceReport.size()));
        for (Map.Entry<String, Long> deleted : removedSinceReport.entrySet()) {
            if (removed.size() == max) {
                break;
            }
            removed.add(new RemovedCopy(deleted.getKey(), deleted.getValue()));
        }
        return removed;
    }

    /**
     * Forgets deletions the master has been told about; a block deleted again since, as a later
     * copy, stays to be told.
     */
    synchronized void acknowledgeRemoved(Collection<RemovedCopy> removed) {
        for (RemovedCopy copy : removed) {
            removedSinceReport.remove(copy.blockId(), copy.copy());
        }
    }

    /**
     * A deleted copy of a block.
     *
     * @param copy the copy's number, as its write returned it
     */
    record RemovedCopy(String blockId, long copy) {
        RemovedCopy {
            requireNonNull(blockId, "blockId is null");
        }
    }

    /** Where {@code blockId} is stored, or would be in the first directory. */
    synchronized Path blockPath(String blockId) {
        checkBlockId(blockId);
        Entry entry = blocks.get(blockId);
        return (entry == null ? directories.get(0) : entry.directory).blockPath(blockId);
    }

    /** Deletes a stored block's file and forgets it. Call with the lock held. */
    private void deleteStored(String blockId, Entry entry) {
        blocks.remove(blockId);
        entry.directory.stored -= entry.length;
        removedSinceReport.put(blockId, entry.copy);
        removedBlocks.incrementAndGet();
        try {
            Files.deleteIfExists(entry.directory.blockPath(blockId));
        }
        catch (IOException e) {
            throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot delete block " + blockId
                    + ": " + e, e);
        }
    }

    private void checkBlockId(String blockId) {
        if (!BlockKey.isValidBlockId(blockId)) {
            throw new BlockStoreException(Kind.INVALID_REQUEST, "Invalid block id: " + blockId);
        }
    }

    /** Gives back a write's reservation of {@code length} bytes, of which {@code unwritten} had not reached the disk. */
    private synchronized void release(String blockId, StoreDirectory directory, long length, long unwritten) {
        directory.reserved -= length;
        directory.fileSystem.unwritten.addAndGet(-unwritten);
        writeEnded(blockId);
    }

    private void writeEnded(String blockId) {
        writing.computeIfPresent(blockId, (id, writes) -> writes == 1 ? null : writes - 1);
    }

    private static String describe(String workerId, String blockId) {
        return "Block " + blockId + " on worker " + workerId;
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        }
        catch (IOException e) {
            log.warn("Cannot delete {}", path, e);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        }
        catch (IOException e) {
            log.debug("Closing a block file failed", e);
        }
    }

    /**
     * The file system of one or more tier directories of the store, and what they share of it.
     * Guarded by the store's lock, but for {@link #unwritten}, which writes update as their bytes
     * reach the disk.
     */
    private static final class StoreFileSystem {
        /** Bytes reserved by writes in progress that they have not written yet: the file system does not count them. */
        final AtomicLong unwritten = new AtomicLong();
        /**
         * The usable bytes the file system reported when it last refused a write for want of
         * room, which its directories count as unusable; -1 when it has not refused one.
         */
        long refusedAt = -1;
    }

    /**
     * A tier directory and its space; the counters are guarded by the store's lock. Directories
     * on one file system share a {@link StoreFileSystem}.
     */
    private static final class StoreDirectory {
        /** {@link #diskFree} when the file system cannot be asked. */
        static final long UNKNOWN = Long.MAX_VALUE;

        final String workerId;
        final StorageTier tier;
        final Path path;
        final long capacity;
        final WorkerDisk disk;
        long stored;
        long reserved;
        /** Its file system: its own until {@link #open} finds other directories on it. */
        StoreFileSystem fileSystem = new StoreFileSystem();
        /** Whether the store said in its log that the file system limits this directory. */
        boolean diskLimitLogged;
        /** Whether the store said in its log that the file system cannot be asked. */
        boolean diskUnknownLogged;

        StoreDirectory(String workerId, StorageTier tier, Path path, long capacity, WorkerDisk disk) {
            this.workerId = workerId;
            this.tier = tier;
            this.path = path;
            this.capacity = capacity;
            this.disk = disk;
        }

        long used() {
            return stored + reserved;
        }

        /** Room for the data of a block whose header takes {@code header} bytes of the disk. */
        long roomFor(long header) {
            long diskFree = diskFree();
            return Math.min(quotaRoom(), diskFree == UNKNOWN ? UNKNOWN : Math.max(0, diskFree - header));
        }

        /** Room the quota leaves. */
        long quotaFree() {
            return Math.max(0, quotaRoom());
        }

        /** Room the quota leaves, negative when the directory holds more than its quota (found so as the store opened). */
        private long quotaRoom() {
            return capacity - stored - reserved;
        }

        void reserve(long length) {
            reserved += length;
            fileSystem.unwritten.addAndGet(length);
        }

        /**
         * Room the file system leaves for new blocks: its usable bytes, less those it refused a
         * write with, less the bytes writes in progress have still to write (in every directory on
         * it); {@link #UNKNOWN} when it cannot be asked. The directories on one file system each
         * have all of it: see {@link #freeRooms} for what they have together.
         */
        long diskFree() {
            long usable = usable();
            if (usable == UNKNOWN) {
                return UNKNOWN;
            }
            long unusable = fileSystem.refusedAt < 0 ? 0 : Math.min(usable, fileSystem.refusedAt);
            return Math.max(0, usable - unusable - Math.max(0, fileSystem.unwritten.get()));
        }

        /** The file system's usable bytes, asked now; {@link #UNKNOWN} when it cannot be asked. */
        long usable() {
            try {
                long usable = disk.usableBytes(path);
                diskUnknownLogged = false;
                return usable;
            }
            catch (IOException | RuntimeException e) {
                if (!diskUnknownLogged) {
                    diskUnknownLogged = true;
                    log.warn("Worker {} cannot ask the file system of its {} directory {} how much room it has; counting "
                            + "the quota's room only: {}", workerId, tier, path, e.toString());
                }
                return UNKNOWN;
            }
        }

        /** Notes that the file system refused a write with {@code failure} for want of room, and says so once. */
        void refused(Exception failure) {
            long usable = usable();
            fileSystem.refusedAt = usable == UNKNOWN ? 0 : usable;
            if (!diskLimitLogged) {
                diskLimitLogged = true;
                log.warn("Worker {}: the file system of its {} directory {} is full ({} bytes usable, {} of its quota "
                        + "free): new blocks go to its other directories and tiers, or to other workers, until it has "
                        + "room again ({})", workerId, tier, path, usable == UNKNOWN ? "unknown" : usable, quotaFree(),
                        failure.toString());
            }
        }

        /**
         * Says once in the log when the file system starts to leave less room than the quota, and
         * once when that ends. A refusal is cleared by {@link #freeRooms}, for all the directories
         * on the file system at once.
         */
        void noteDiskLimit(long diskFree, long quotaFree) {
            if (diskFree == UNKNOWN) {
                return;
            }
            boolean limited = diskFree < quotaFree;
            if (limited && !diskLimitLogged) {
                diskLimitLogged = true;
                log.warn("Worker {}: the file system of its {} directory {} has {} bytes left for blocks, less than the "
                        + "{} its quota leaves: the directory takes no more than that", workerId, tier, path, diskFree,
                        quotaFree);
            }
            else if (!limited && diskLimitLogged) {
                diskLimitLogged = false;
                log.info("Worker {}: the file system of its {} directory {} has room again; its quota limits it ({} bytes "
                        + "free)", workerId, tier, path, quotaFree);
            }
        }

        /** The file of {@code blockId}, which must be a valid id: it cannot leave the directory. */
        Path blockPath(String blockId) {
            Path file = path.resolve(blockId + BLOCK_SUFFIX);
            if (!path.equals(file.getParent())) {
                throw new BlockStoreException(Kind.INVALID_REQUEST, "Invalid block id: " + blockId);
            }
            return file;
        }
    }

    /** A stored block: where, how long, and its access history for eviction. Guarded by the store's lock. */
    private static final class Entry {
        final StoreDirectory directory;
        final long length;
        /** The copy's number; see the class's documentation. */
        final long copy;
        /**
         * The numbers of the earlier copies this one replaced that their writers have not removed;
         * empty for almost every block, so shared rather than a set per block.
         */
        Set<Long> replaced = Set.of();
        /** The block's pin before this copy was written, when it replaced another; null when there was none. */
        Long pinBefore;
        /** Whether the master pinned or unpinned the block since this copy was written ({@link #pin}, {@link #unpin}). */
        boolean pinSetSince;
        long lastAccessMillis;
        double crf;

        Entry(StoreDirectory directory, long length, long lastAccessMillis, double crf, long copy) {
            this.directory = directory;
            this.length = length;
            this.lastAccessMillis = lastAccessMillis;
            this.crf = crf;
            this.copy = copy;
        }

        void access(EvictionPolicy eviction, long now) {
            crf = eviction.crfAfterAccess(crf, lastAccessMillis, now);
            lastAccessMillis = Math.max(lastAccessMillis, now);
        }
    }

    /**
     * A block being written to a temp file: checksums are computed as bytes arrive, the block
     * appears under its name only on {@link #finish}. Used by one thread at a time.
     */
    final class BlockWrite implements AutoCloseable {
        private final String blockId;
        private final long length;
        private final StoreDirectory directory;
        private final Path temp;
        /** The open temp file; null when the writer creates and writes it ({@link #beginWriterCreatedWrite}). */
        private final FileChannel channel;
        private final OptionalLong pinUntilMillis;
        /** The blocks evicted to make room for this one. */
        private final List<EvictedBlock> evicted;
        /** The checksums of the bytes appended so far, or those a short-circuit writer gave. */
        private SegmentedCrc32c checksums;
        private long written;
        private boolean ended;

        private BlockWrite(String blockId, long length, StoreDirectory directory, Path temp, FileChannel channel,
                OptionalLong pinUntilMillis, List<EvictedBlock> evicted) {
            this.blockId = blockId;
            this.evicted = evicted;
            this.length = length;
            this.directory = directory;
            this.temp = temp;
            this.channel = channel;
            this.pinUntilMillis = pinUntilMillis;
            this.checksums = new SegmentedCrc32c(segmentBytes, length);
        }

        String blockId() {
            return blockId;
        }

        long length() {
            return length;
        }

        StorageTier tier() {
            return directory.tier;
        }

        /** The blocks the store evicted to make room for this one, in eviction order; empty when it had room. */
        List<EvictedBlock> evicted() {
            return evicted;
        }

        /** The CRC32C of the bytes appended so far, unsigned. */
        long crc32c() {
            return checksums.value();
        }

        /** Appends bytes; see {@link #append(ByteBuffer)}. */
        void append(byte[] data) {
            append(ByteBuffer.wrap(data));
        }

        /**
         * Appends the remaining bytes of {@code data}. On failure the write is aborted.
         *
         * @throws BlockStoreException {@code INVALID_REQUEST} when the block would exceed its length
         */
        void append(ByteBuffer data) {
            checkAppendable();
            int count = data.remaining();
            if (written + count > length) {
                abort();
                throw new BlockStoreException(Kind.INVALID_REQUEST, String.format(
                        "Block %s on worker %s: the stream has more than the %d bytes its header announced",
                        blockId, workerId, length));
            }
            checksum(data);
            try {
                while (data.hasRemaining()) {
                    channel.write(data);
                }
            }
            catch (IOException e) {
                throw writeFailed("cannot write block " + blockId, e);
            }
            wrote(count);
        }

        /**
         * Appends the remaining bytes of every buffer of {@code data}, in order, with as few
         * (gathering) writes as the system allows: a data message arrives as many small transport
         * buffers, and one write call per buffer would cost a system call each. On failure the
         * write is aborted.
         *
         * @throws BlockStoreException {@code INVALID_REQUEST} when the block would exceed its length
         */
        void append(List<ByteBuffer> data) {
            checkAppendable();
            ByteBuffer[] buffers = data.toArray(ByteBuffer[]::new);
            long count = 0;
            for (ByteBuffer buffer : buffers) {
                count += buffer.remaining();
            }
            if (written + count > length) {
                abort();
                throw new BlockStoreException(Kind.INVALID_REQUEST, String.format(
                        "Block %s on worker %s: the stream has more than the %d bytes its header announced",
                        blockId, workerId, length));
            }
            for (ByteBuffer buffer : buffers) {
                checksum(buffer);
            }
            try {
                int first = 0;
                long left = count;
                while (left > 0) {
                    left -= channel.write(buffers, first, buffers.length - first);
                    while (first < buffers.length && !buffers[first].hasRemaining()) {
                        first++;
                    }
                }
            }
            catch (IOException e) {
                throw writeFailed("cannot write block " + blockId, e);
            }
            wrote(count);
        }

        /** Counts {@code count} more bytes of the block on disk. */
        private void wrote(long count) {
            written += count;
            directory.fileSystem.unwritten.addAndGet(-count);
        }

        /**
         * Aborts the write after {@code failure} and says why: {@code NO_SPACE} when the file
         * system has no room for the rest of the block (it says so, or it has less left than the
         * block still needs), {@code IO_FAILURE} otherwise.
         */
        private BlockStoreException writeFailed(String action, IOException failure) {
            boolean noSpace;
            synchronized (BlockStore.this) {
                long usable = NoSpace.isNoSpace(failure) ? 0 : directory.usable();
                noSpace = usable != StoreDirectory.UNKNOWN && usable < length - written + dataOffset();
                if (noSpace) {
                    directory.refused(failure);
                }
            }
            abort();
            if (noSpace) {
                return BlockStoreException.diskFull(String.format(
                        "Worker %s has no room for block %s on its %s tier: the file system of %s is full: %s",
                        workerId, blockId, directory.tier, directory.path, failure), failure);
            }
            return new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " " + action + ": " + failure, failure);
        }

        /**
         * Completes the block: checks its size, writes the header, syncs and renames it into
         * place (replacing an earlier copy, in this directory or another). On failure the write is
         * aborted.
         *
         * @throws BlockStoreException {@code INVALID_REQUEST} when fewer bytes than the length
         *     arrived
         */
        WrittenBlock finish() {
            WrittenBlock written = finishUnsynced();
            if (directory.tier.persistent()) {
                syncDirectory(directory.path);
            }
            return written;
        }

        /**
         * As {@link #finish()}, but leaves the sync of the directory (which makes the rename
         * durable) to the caller, so that a batch of blocks syncs each directory once: call
         * {@link BlockStore#syncDirectory} with {@link #directoryPath()} afterwards.
         */
        WrittenBlock finishUnsynced() {
            checkState();
            long copy;
            if (written != length) {
                abort();
                throw new BlockStoreException(Kind.INVALID_REQUEST, String.format(
                        "Block %s on worker %s: the stream ended after %d of the %d bytes its header announced",
                        blockId, workerId, written, length));
            }
            long crc32c = checksums.value();
            try {
                if (channel != null) {
                    ByteBuffer encoded = BlockFileHeader.encode(length, crc32c, segmentBytes, checksums.segmentCrcs());
                    long position = 0;
                    while (encoded.hasRemaining()) {
                        position += channel.write(encoded, position);
                    }
                    // Blocks of a tier that does not survive a restart need no sync.
                    if (directory.tier.persistent()) {
                        channel.force(true);
                    }
                    channel.close();
                }
                else if (directory.tier.persistent()) {
                    try (FileChannel file = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                        file.force(true);
                    }
                }
                // not during a registration of the worker (whileNoWriteFinishes); never while holding the store's monitor
                registration.readLock().lock();
                try {
                    synchronized (BlockStore.this) {
                        if (volatileContentDeleted && !directory.tier.persistent()) {
                            abort();
                            throw new BlockStoreException(Kind.IO_FAILURE, String.format(
                                    "Block %s on worker %s: the worker is stopping and has deleted its %s tier",
                                    blockId, workerId, directory.tier));
                        }
                        long number;
                        try {
                            number = nextCopy();
                        }
                        catch (BlockStoreException e) {
                            abort();
                            throw e;
                        }
                        Files.move(temp, directory.blockPath(blockId), StandardCopyOption.ATOMIC_MOVE,
                                StandardCopyOption.REPLACE_EXISTING);
                        Entry previous = blocks.get(blockId);
                        long now = clock.millis();
                        Entry entry = new Entry(directory, length, now, 1, number);
                        if (previous != null) {
                            Set<Long> replaced = new HashSet<>(previous.replaced);
                            replaced.add(previous.copy);
                            entry.replaced = replaced;
                            entry.pinBefore = pins.get(blockId);
                            previous.directory.stored -= previous.length;
                            entry.crf = eviction.crfAfterAccess(previous.crf, previous.lastAccessMillis, now);
                            if (previous.directory != directory) {
                                deleteQuietly(previous.directory.blockPath(blockId));
                            }
                        }
                        blocks.put(blockId, entry);
                        directory.stored += length;
                        directory.reserved -= length;
                        writeEnded(blockId);
                        removedSinceReport.remove(blockId);
                        if (pinUntilMillis.isPresent()) {
                            pins.merge(blockId, pinUntilMillis.getAsLong(), Math::max);
                        }
                        ended = true;
                        copy = entry.copy;
                    }
                }
                finally {
                    registration.readLock().unlock();
                }
            }
            catch (IOException e) {
                throw writeFailed("cannot store block " + blockId, e);
            }
            return new WrittenBlock(length, crc32c, copy);
        }

        /** The directory the block goes into. */
        Path directoryPath() {
            return directory.path;
        }

        /** The temp file the block is written to, until it is finished. */
        Path tempFile() {
            return temp;
        }

        /** Where the block's data starts in the temp file: after the room left for its header. */
        long dataOffset() {
            return BlockFileHeader.headerBytes(length, segmentBytes);
        }

        /** The length of the segments the block's checksums cover. */
        int segmentBytes() {
            return segmentBytes;
        }

        /**
         * Takes the data someone else wrote into the temp file from {@link #dataOffset()} on (a
         * short-circuit write) as if it had been appended: checks that the file holds exactly the
         * block's length and computes the checksums from what is on disk. On failure the write is
         * aborted.
         *
         * @throws BlockStoreException {@code INVALID_REQUEST} when the file holds another length
         */
        void adoptWrittenData() {
            checkAppendable();
            checkArgument(written == 0, "block %s already has %s bytes appended", blockId, written);
            try {
                checkWrittenLength();
                ByteBuffer buffer = ByteBuffer.allocateDirect((int) Math.min(Math.max(length, 1), ADOPT_BUFFER_BYTES));
                long position = dataOffset();
                long end = dataOffset() + length;
                while (position < end) {
                    buffer.clear();
                    buffer.limit((int) Math.min(buffer.capacity(), end - position));
                    BlockFileHeader.readFully(channel, buffer, position, describe(workerId, blockId));
                    buffer.flip();
                    position += buffer.remaining();
                    checksum(buffer);
                }
                wrote(length - written);
            }
            catch (IOException e) {
                abort();
                throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot read the local write of "
                        + "block " + blockId + ": " + e, e);
            }
        }

        /**
         * Takes the data a trusted writer on this host wrote into the temp file from
         * {@link #dataOffset()} on, with the segment checksums it computed from the bytes it wrote
         * (a short-circuit write): checks the file's length and the checksums' count and stores
         * the checksums without reading the data back. A segment whose bytes differ from its
         * checksum is caught when it is first read, like one corrupted later on disk. On failure
         * the write is aborted.
         *
         * @throws BlockStoreException {@code INVALID_REQUEST} when the file holds another length
         *     or the checksums do not fit the block
         */
        void adoptWrittenData(int[] writtenSegmentCrcs) {
            checkState();
            checkArgument(written == 0, "block %s already has %s bytes appended", blockId, written);
            int expectedSegments = BlockFileHeader.segmentCount(length, segmentBytes);
            if (writtenSegmentCrcs.length != expectedSegments) {
                abort();
                throw new BlockStoreException(Kind.INVALID_REQUEST, String.format(
                        "Block %s on worker %s: %d segment checksums for %d segments of %d bytes", blockId, workerId,
                        writtenSegmentCrcs.length, expectedSegments, segmentBytes));
            }
            try {
                checkWrittenLength();
            }
            catch (IOException e) {
                abort();
                throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot read the local write of "
                        + "block " + blockId + ": " + e, e);
            }
            checksums = SegmentedCrc32c.of(writtenSegmentCrcs, segmentBytes, length);
            wrote(length - written);
        }

        /**
         * Takes the block file the writer of a {@link #beginWriterCreatedWrite} created and wrote,
         * header included, with the segment checksums it wrote into that header: checks the
         * checksums' count, the file's size, and that its header is sound and holds this block's
         * length, segment size and those checksums, which reads check the data against; the data
         * is not read back (a segment that differs from its checksum is caught when it is first
         * read, like one corrupted later on disk). On failure the write is aborted.
         *
         * @throws BlockStoreException {@code INVALID_REQUEST} when the file is missing or holds
         *     another length, or the checksums do not fit the block; {@code CORRUPT} when its
         *     header is damaged or says another block than the checksums the writer reports
         */
        void adoptWrittenFile(int[] writtenSegmentCrcs) {
            checkState();
            checkArgument(channel == null, "block %s was not begun for its writer to create", blockId);
            adoptWrittenData(writtenSegmentCrcs);
            BlockFileHeader header;
            try (FileChannel file = FileChannel.open(temp, StandardOpenOption.READ)) {
                header = BlockFileHeader.read(file, "The local write of block " + blockId + " on worker " + workerId);
            }
            catch (BlockStoreException e) {
                abort();
                throw e;
            }
            catch (IOException e) {
                abort();
                throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot read the local write of "
                        + "block " + blockId + ": " + e, e);
            }
            boolean same = header.length() == length && header.segmentBytes() == segmentBytes
                    && header.crc32c() == checksums.value();
            for (int segment = 0; same && segment < writtenSegmentCrcs.length; segment++) {
                same = header.segmentCrc(segment) == writtenSegmentCrcs[segment];
            }
            if (!same) {
                abort();
                throw new BlockStoreException(Kind.CORRUPT, String.format(
                        "The local write of block %s on worker %s is corrupt: its header says %d bytes in segments of %d with CRC32C 0x%08x, "
                                + "not the block's %d bytes in segments of %d with the checksums its writer reports", blockId, workerId,
                        header.length(), header.segmentBytes(), header.crc32c(), length, segmentBytes));
            }
        }

        /** Aborts the write unless the temp file holds exactly the block's bytes after the room for the header. */
        private void checkWrittenLength() throws IOException {
            long fileSize;
            try {
                fileSize = channel != null ? channel.size() : Files.size(temp);
            }
            catch (NoSuchFileException e) {
                abort();
                throw new BlockStoreException(Kind.INVALID_REQUEST, String.format(
                        "Block %s on worker %s: the local writer did not create %s", blockId, workerId, temp));
            }
            long size = Math.max(0, fileSize - dataOffset());
            if (size != length) {
                abort();
                throw new BlockStoreException(Kind.INVALID_REQUEST, String.format(
                        "Block %s on worker %s: the local write left %d bytes, the block has %d", blockId, workerId, size, length));
            }
        }

        /** Updates the segments' checksums with the remaining bytes of {@code data}, leaving its position. */
        private void checksum(ByteBuffer data) {
            checksums.update(data);
        }

        /** Discards the temp file and the reservation, unless the block was finished. */
        void abort() {
            if (ended) {
                return;
            }
            ended = true;
            if (channel != null) {
                closeQuietly(channel);
            }
            deleteQuietly(temp);
            release(blockId, directory, length, length - written);
        }

        @Override
        public void close() {
            abort();
        }

        private void checkState() {
            if (ended) {
                throw new IllegalStateException("The write of block " + blockId + " has ended");
            }
        }

        /** Bytes can be appended only to a temp file this store created. */
        private void checkAppendable() {
            checkState();
            if (channel == null) {
                throw new IllegalStateException("Block " + blockId + " is written by its writer, who created its temp file");
            }
        }

    }

    /** Makes the renames into {@code directory} durable; a failure is only logged. */
    static void syncDirectory(Path directory) {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
        catch (IOException e) {
            log.debug("Cannot sync directory {}", directory, e);
        }
    }

    /**
     * The result of a finished write.
     *
     * @param length bytes stored
     * @param crc32c CRC32C of the bytes, unsigned
     * @param copy the number of the copy stored; see {@link BlockStore}
     */
    record WrittenBlock(long length, long crc32c, long copy) {}

    /** An open stored block; reads verify each segment's checksum. Used by one thread at a time. */
    final class StoredBlock implements AutoCloseable {
        private final String blockId;
        private final StorageTier tier;
        private final BlockFileHeader header;
        private final FileChannel channel;
        /** The copy opened: a later write of the block stores another, which a corruption found here does not touch. */
        private final long copy;

        private StoredBlock(String blockId, StorageTier tier, BlockFileHeader header, FileChannel channel, long copy) {
            this.blockId = blockId;
            this.tier = tier;
            this.header = header;
            this.channel = channel;
            this.copy = copy;
        }

        String blockId() {
            return blockId;
        }

        StorageTier tier() {
            return tier;
        }

        long length() {
            return header.length();
        }

        long crc32c() {
            return header.crc32c();
        }

        int segmentBytes() {
            return header.segmentBytes();
        }

        /**
         * Reads segment {@code segment} and checks it against its stored CRC32C.
         *
         * @throws BlockStoreException {@code CORRUPT} on a checksum mismatch
         */
        ByteBuffer readSegment(int segment) {
            checkArgument(segment >= 0 && segment < header.segmentCount(), "block %s has no segment %s", blockId,
                    segment);
            long start = (long) segment * header.segmentBytes();
            int size = (int) Math.min(header.segmentBytes(), header.length() - start);
            ByteBuffer read = SEGMENT_BUFFER.get();
            if (read == null || read.capacity() < size) {
                read = AlignedBuffers.allocate(header.segmentBytes());
                SEGMENT_BUFFER.set(read);
            }
            read.clear().limit(size);
            try {
                BlockFileHeader.readFully(channel, read, header.dataOffset() + start, describe(workerId, blockId));
            }
            catch (IOException e) {
                throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot read block " + blockId
                        + ": " + e, e);
            }
            read.flip();
            CRC32C crc = new CRC32C();
            crc.update(read.duplicate());
            if ((int) crc.getValue() != header.segmentCrc(segment)) {
                throw BlockStoreException.corrupt(String.format(
                        "Block %s on worker %s is corrupt: bytes %d-%d have CRC32C 0x%08x, expected 0x%08x",
                        blockId, workerId, start, start + size - 1, crc.getValue(),
                        Integer.toUnsignedLong(header.segmentCrc(segment))), copy, null);
            }
            // A heap copy: the caller keeps it while gRPC sends it, and this thread reads its next segment into the buffer.
            return ByteBuffer.allocate(size).put(read).flip();
        }

        @Override
        public void close() {
            closeQuietly(channel);
        }
    }

    /** {@code set} without {@code value}: the empty set when nothing is left. */
    private static Set<Long> without(Set<Long> set, long value) {
        if (!set.contains(value)) {
            return set;
        }
        Set<Long> rest = new HashSet<>(set);
        rest.remove(value);
        return rest.isEmpty() ? Set.of() : rest;
    }
}
