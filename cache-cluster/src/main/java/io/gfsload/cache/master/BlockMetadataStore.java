package io.gfsload.cache.master;

import static com.google.common.base.Preconditions.checkArgument;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockNotFoundException;
import io.gfsload.cache.api.Counts;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.TempAreaInUseException;
import io.gfsload.cache.api.TempAreaNotFoundException;
import io.gfsload.cache.api.TempAreaRun;
import io.gfsload.cache.proto.BlockRecord;
import io.gfsload.cache.proto.BlockRef;
import io.gfsload.cache.proto.FileIdentityProto;
import io.gfsload.cache.proto.PinnedBlock;
import io.gfsload.cache.proto.TempAreaRecord;
import io.gfsload.cache.proto.WorkerCommand;
import io.gfsload.cache.rpc.ProtoConversions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Filter;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.Statistics;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.TickerType;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's durable state in RocksDB: the cluster's id, committed block metadata, the temp areas
 * of atomic loads, and the commands queued for workers.
 *
 * <p>Column families and their keys (indexes padded to 10 digits, so prefix scans return a file's
 * blocks in index order):
 *
 * <pre>
 *   default          cluster-id                            -> the cluster's id, a UUID (UTF-8)
 *                    command-sequence                      -> the last sequence of worker-commands handed out (decimal)
 *                    queued-commands                       -> the entries of worker-commands and worker-removes (decimal)
 *   blocks           &lt;fileKey&gt;/&lt;index&gt;                   -> BlockRecord (committed: readers see it)
 *   worker-blocks    &lt;workerId&gt;/&lt;fileKey&gt;/&lt;index&gt;        -> empty (the worker holds the committed block)
 *   files            &lt;path&gt;\0&lt;fileKey&gt;                    -> FileIdentityProto (files with committed blocks, by path)
 *   temp-areas       &lt;jobId&gt;                              -> TempAreaRecord
 *   temp-blocks      &lt;jobId&gt;/&lt;fileKey&gt;/&lt;index&gt;           -> BlockRecord (staged: readers do not see it)
 *   worker-staged    &lt;workerId&gt;/&lt;fileKey&gt;/&lt;index&gt;/&lt;jobId&gt; -> empty (the worker holds the staged block)
 *   worker-commands  &lt;workerId&gt;/&lt;sequence, 20 digits&gt;     -> WorkerCommand (for the worker's next heartbeats, until carried out)
 *   worker-removes   &lt;workerId&gt;/&lt;blockId&gt;                 -> empty (delete the block; goes with the next heartbeats, until carried out)
 * </pre>
 *
 * Every change is one write batch, so a scope commit is atomic: readers see all of its blocks or
 * none. Writes go to RocksDB's write-ahead log without fsync: a master process crash loses nothing,
 * an operating-system crash may lose the last changes, whose blocks are then simply loaded again.
 *
 * <p><b>Memory.</b> A master runs for months, so RocksDB's native memory and its write-ahead log are
 * bounded ({@link MetadataMemory}): the column families share one memtable budget (a {@link
 * WriteBufferManager} charged to the one block cache, which also holds index and filter blocks);
 * the write-ahead log past the same size makes RocksDB flush the families that keep it alive; the
 * info log {@code LOG} rolls at {@value #INFO_LOG_BYTES} bytes, {@value #INFO_LOG_FILES} files kept.
 * Without that, nothing is flushed while the master runs (a family's memtable never fills), and
 * the log and the memtables grow until a restart.
 * Entries of {@code files} may outlive the file's last block (after a worker lost it); they are
 * dropped when the file is freed.
 *
 * <p><b>Copies.</b> A worker numbers each copy of a block it stores, later copies higher, and
 * reports a deletion with the copy's number; a commit names the copy of each worker, and a record
 * keeps the latest copy committed per worker ({@code worker_copies}). A worker may delete a copy
 * (evict it) before the client's commit of it arrives here, and report that first: such a deletion,
 * of a copy the record does not hold, is remembered (in memory, up to {@value
 * #MAX_DELETED_COPIES_PER_WORKER} per worker), and a commit of that copy, or of an earlier one, on
 * that worker records nothing there, and is answered as not recorded (the client fails the write,
 * and a load writes the block again). A remembered deletion stays when a later copy is committed:
 * a commit of the deleted copy may still arrive after that. A deletion of an earlier copy than the
 * one recorded (reported after the block was written and committed again) leaves the location.
 * Commits and reports without copy numbers (older clients and workers) are taken as before.
 *
 * <p>Thread-safe: reads go straight to RocksDB, changes are serialized.
 */
final class BlockMetadataStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BlockMetadataStore.class);
    /** Other temp areas at most whose keys a commit or an unstaging reads for each block (see {@link #stagedElsewhere(String)}). */
    private static final int STAGED_ELSEWHERE_READS = 8;
    /** Deleted copies remembered per worker for commits still on their way; the oldest go first. */
    static final int MAX_DELETED_COPIES_PER_WORKER = 10_000;
    /**
     * Block deletions queued for a worker below where its next take resumes, remembered until taken;
     * past that many, the worker's next take reads its deletions from the first again.
     */
    static final int MAX_REMOVES_BEHIND_PER_WORKER = 10_000;
    private static final byte[] BLOCKS = "blocks".getBytes(UTF_8);
    private static final byte[] WORKER_BLOCKS = "worker-blocks".getBytes(UTF_8);
    private static final byte[] FILES = "files".getBytes(UTF_8);
    private static final byte[] TEMP_AREAS = "temp-areas".getBytes(UTF_8);
    private static final byte[] TEMP_BLOCKS = "temp-blocks".getBytes(UTF_8);
    private static final byte[] WORKER_STAGED = "worker-staged".getBytes(UTF_8);
    private static final byte[] WORKER_COMMANDS = "worker-commands".getBytes(UTF_8);
    private static final byte[] WORKER_REMOVES = "worker-removes".getBytes(UTF_8);
    private static final byte[] EMPTY = new byte[0];
    /** The size at which RocksDB's info log {@code LOG} rolls over. */
    static final long INFO_LOG_BYTES = 8L << 20;
    /** Bits per key of the tables' Bloom filters: about 1 % false positives. */
    private static final double BLOOM_BITS_PER_KEY = 10;
    /** The info logs kept, the current one included. */
    static final int INFO_LOG_FILES = 5;
    /** The key of the cluster's id in the default column family. */
    private static final byte[] CLUSTER_ID = "cluster-id".getBytes(UTF_8);
    /** The key of the last command sequence handed out, in the default column family. */
    private static final byte[] COMMAND_SEQUENCE = "command-sequence".getBytes(UTF_8);
    /** The key of {@link #queuedCommands}, in the default column family. */
    private static final byte[] QUEUED_COMMANDS = "queued-commands".getBytes(UTF_8);
    /** The prefix of the keys of the workers that ever registered, by id, in the default column family. */
    private static final String KNOWN_WORKER = "known-worker/";

    private final Path directory;
    private final DBOptions dbOptions;
    private final Statistics statistics;
    private final ColumnFamilyOptions columnFamilyOptions;
    private final Filter filter;
    private final Cache cache;
    private final WriteBufferManager writeBufferManager;
    private final WriteOptions writeOptions;
    private final RocksDB db;
    private final List<ColumnFamilyHandle> handles;
    private final ColumnFamilyHandle blocks;
    private final ColumnFamilyHandle workerBlocks;
    private final ColumnFamilyHandle files;
    private final ColumnFamilyHandle tempAreas;
    private final ColumnFamilyHandle tempBlocks;
    private final ColumnFamilyHandle workerStaged;
    private final ColumnFamilyHandle workerCommands;
    private final ColumnFamilyHandle workerRemoves;
    private final AtomicLong commandSequence;
    /** See {@link #queuedCommands}. */
    private final AtomicLong queuedCommands;
    /** See {@link #removals}. */
    private final AtomicLong removals = new AtomicLong();
    private final String clusterId;
    /**
     * By worker, the blocks a heartbeat answer told it to delete, until it registers, or carried
     * them out: a worker that acknowledges answers says so in a later heartbeat (see {@link
     * #answerCommands}); one that does not carries out an answer's commands before it sends its
     * next heartbeat. Guarded by this.
     */
    private final Map<String, Set<String>> removesInFlight = new HashMap<>();
    /**
     * By worker, block id to the latest copy the worker reported deleted while the record did not
     * hold it (its commit may still be on the way), oldest report first. Guarded by this.
     */
    private final Map<String, Map<String, Long>> deletedCopies = new HashMap<>();
    /** By worker, where its next take resumes in {@code worker-removes}. Guarded by this. */
    private final Map<String, RemovesCursor> removesCursors = new HashMap<>();
    /**
     * By worker, where its next take resumes in {@code worker-commands}: past the last command
     * taken, as every command queued later has a higher sequence. Guarded by this.
     */
    private final Map<String, byte[]> commandsCursors = new HashMap<>();
    /**
     * By worker that acknowledges answers, the last answer {@link #answerCommands} gave it that it
     * has not said it carried out: its commands stay queued until it does. Guarded by this.
     */
    private final Map<String, SentAnswer> sentAnswers = new HashMap<>();
    /** The id of the last answer {@link #answerCommands} gave a worker. Guarded by this. */
    private long lastAnswerId;
    private boolean closed;

    private BlockMetadataStore(Path directory, DBOptions dbOptions, Statistics statistics,
            ColumnFamilyOptions columnFamilyOptions, Filter filter, Cache cache, WriteBufferManager writeBufferManager,
            RocksDB db, List<ColumnFamilyHandle> handles, String clusterId) {
        this.directory = directory;
        this.clusterId = clusterId;
        this.dbOptions = dbOptions;
        this.statistics = statistics;
        this.columnFamilyOptions = columnFamilyOptions;
        this.filter = filter;
        this.cache = cache;
        this.writeBufferManager = writeBufferManager;
        this.writeOptions = new WriteOptions();
        this.db = db;
        this.handles = handles;
        this.blocks = handles.get(1);
        this.workerBlocks = handles.get(2);
        this.files = handles.get(3);
        this.tempAreas = handles.get(4);
        this.tempBlocks = handles.get(5);
        this.workerStaged = handles.get(6);
        this.workerCommands = handles.get(7);
        this.workerRemoves = handles.get(8);
        QueueState queues = queueState();
        this.commandSequence = new AtomicLong(queues.lastSequence());
        this.queuedCommands = new AtomicLong(queues.queued());
    }

    /** As {@link #open(Path, MetadataMemory)}, with {@link MetadataMemory#DEFAULT}. */
    static BlockMetadataStore open(Path directory) {
        return open(directory, MetadataMemory.DEFAULT);
    }

    /**
     * Opens or creates the store in {@code directory}. A new store, and one an earlier version
     * created without a cluster id, gets a new random cluster id, which it keeps from then on.
     *
     * @param memory the memory and write-ahead log RocksDB may hold
     * @throws MetadataStoreException when RocksDB cannot open it, e.g. another process has it open
     */
    static BlockMetadataStore open(Path directory, MetadataMemory memory) {
        requireNonNull(directory, "directory is null");
        requireNonNull(memory, "memory is null");
        RocksDB.loadLibrary();
        try {
            Files.createDirectories(directory);
        }
        catch (IOException e) {
            throw new MetadataStoreException("Cannot create the block metadata directory " + directory, e);
        }
        // Memtables are charged to the cache, so the cache holds them and the blocks read.
        Cache cache = new LRUCache(memory.memtableBytes() + memory.blockCacheBytes());
        // No stall: a write past the budget triggers a flush, it does not wait for one.
        WriteBufferManager writeBufferManager = new WriteBufferManager(memory.memtableBytes(), cache, false);
        // What the metrics read, such as the entries iterators skip (at the default level: no detailed timers).
        Statistics statistics = new Statistics();
        DBOptions dbOptions = new DBOptions()
                .setStatistics(statistics)
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setWriteBufferManager(writeBufferManager)
                .setMaxTotalWalSize(memory.walLimitBytes())
                .setMaxLogFileSize(INFO_LOG_BYTES)
                .setKeepLogFileNum(INFO_LOG_FILES);
        // A commit reads each block's record before it writes it, and the blocks a load commits are mostly
        // new: a Bloom filter answers such a lookup in a flushed table without reading its index. 100,000
        // commits of one block each, in batches of 512, took 7.6-7.8 us of RocksDB's CPU per block with it
        // and 8.6-9.0 without, at this store's default memtable budget (more of it as tables accumulate:
        // 5.7-6.0 against 8.5-8.8 with 8 MiB memtables).
        Filter filter = new BloomFilter(BLOOM_BITS_PER_KEY);
        ColumnFamilyOptions columnFamilyOptions = new ColumnFamilyOptions()
                .setWriteBufferSize(memory.columnFamilyWriteBufferBytes())
                .setTableFormatConfig(new BlockBasedTableConfig()
                        .setFilterPolicy(filter)
                        .setBlockCache(cache)
                        .setCacheIndexAndFilterBlocks(true)
                        .setPinL0FilterAndIndexBlocksInCache(true));
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, columnFamilyOptions));
        for (byte[] name : List.of(BLOCKS, WORKER_BLOCKS, FILES, TEMP_AREAS, TEMP_BLOCKS, WORKER_STAGED, WORKER_COMMANDS,
                WORKER_REMOVES)) {
            descriptors.add(new ColumnFamilyDescriptor(name, columnFamilyOptions));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            RocksDB db = RocksDB.open(dbOptions, directory.toString(), descriptors, handles);
            String clusterId;
            try {
                clusterId = clusterId(db);
            }
            catch (RocksDBException e) {
                handles.forEach(ColumnFamilyHandle::close);
                db.close();
                throw e;
            }
            return new BlockMetadataStore(directory, dbOptions, statistics, columnFamilyOptions, filter, cache,
                    writeBufferManager, db, handles, clusterId);
        }
        catch (RocksDBException e) {
            columnFamilyOptions.close();
            filter.close();
            dbOptions.close();
            statistics.close();
            writeBufferManager.close();
            cache.close();
            throw new MetadataStoreException("Cannot open the block metadata store in " + directory + ": "
                    + e.getMessage(), e);
        }
    }

    /** The cluster id stored in {@code db}; a new one is created and stored (synced) when there is none. */
    private static String clusterId(RocksDB db) throws RocksDBException {
        byte[] stored = db.get(CLUSTER_ID);
        if (stored != null) {
            return new String(stored, UTF_8);
        }
        String created = UUID.randomUUID().toString();
        try (WriteOptions sync = new WriteOptions().setSync(true)) {
            db.put(sync, CLUSTER_ID, created.getBytes(UTF_8));
        }
        return created;
    }

    /**
     * Block records removed, or that lost a replica, since the store opened: freed, reported
     * deleted by a worker, dropped when a worker registered, in a deleted temp area. Monotonic, and
     * counted before such a change is written.
     */
    long removals() {
        return removals.get();
    }

    /**
     * The id of the cluster this store holds the metadata of: random, created with the store, and
     * kept for as long as the store is.
     */
    String clusterId() {
        return clusterId;
    }

    /**
     * The ids of the workers that ever registered with a master on this store ({@link
     * #rememberWorker}), sorted: after a restart of the master, those that run register again.
     */
    SortedSet<String> knownWorkers() {
        SortedSet<String> ids = new TreeSet<>();
        scan(handles.get(0), KNOWN_WORKER.getBytes(UTF_8), "read the known workers", (key, value) -> {
            ids.add(new String(key, UTF_8).substring(KNOWN_WORKER.length()));
            return true;
        });
        return ids;
    }

    /** Records that worker {@code workerId} registered; see {@link #knownWorkers}. */
    void rememberWorker(String workerId) {
        try {
            db.put(handles.get(0), writeOptions, (KNOWN_WORKER + workerId).getBytes(UTF_8), EMPTY);
        }
        catch (RocksDBException e) {
            throw failure("record worker " + workerId, e);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Committed blocks
    // ------------------------------------------------------------------------------------------

    /** The record of block {@code index} of {@code file}, if committed. */
    Optional<BlockRecord> block(FileIdentity file, int index) {
        byte[] value = get(blocks, blockKey(file.fileKey(), index), "read block " + index + " of " + file.path());
        if (value == null) {
            return Optional.empty();
        }
        BlockRecord record = parseBlock(value);
        return sameFile(record, file) ? Optional.of(record) : Optional.empty();
    }

    /** The committed blocks of {@code file}, sorted by index. */
    List<BlockRecord> fileBlocks(FileIdentity file) {
        List<BlockRecord> result = new ArrayList<>();
        scan(blocks, (file.fileKey() + "/").getBytes(UTF_8), "list the blocks of " + file.path(), (key, value) -> {
            BlockRecord record = parseBlock(value);
            if (sameFile(record, file)) {
                result.add(record);
            }
            return true;
        });
        return result;
    }

    /**
     * {@link #fileBlocks} of each of {@code files}, in their order, read from one consistent view
     * of the store (a snapshot), in key order. Each file's scan is bounded by its key prefix: a seek
     * for a file without blocks stops at the prefix's end, not at the next block of any file, which
     * after a large free lies past every deletion RocksDB keeps until it compacts them.
     */
    List<List<BlockRecord>> filesBlocks(List<FileIdentity> files) {
        int count = files.size();
        String[] fileKeys = new String[count];
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            fileKeys[i] = files.get(i).fileKey();
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> fileKeys[a].compareTo(fileKeys[b]));
        List<List<BlockRecord>> result = new ArrayList<>(Collections.nCopies(count, List.of()));
        String action = "list the blocks of " + Counts.of(count, "file");
        Snapshot snapshot = db.getSnapshot();
        try {
            for (int i : order) {
                FileIdentity file = files.get(i);
                List<BlockRecord> records = new ArrayList<>();
                byte[] prefix = (fileKeys[i] + "/").getBytes(UTF_8);
                scan(blocks, prefix, prefix, snapshot, action, (key, value) -> {
                    BlockRecord record = parseBlock(value);
                    if (sameFile(record, file)) {
                        records.add(record);
                    }
                    return true;
                });
                if (!records.isEmpty()) {
                    result.set(i, records);
                }
            }
        }
        finally {
            db.releaseSnapshot(snapshot);
        }
        return result;
    }

    /**
     * Records a committed block. When the block is already recorded with the same length and
     * checksum, the new workers are added to its locations; otherwise the new record replaces it.
     * A deletion of the block still queued for one of its workers (it was freed, or left in a
     * deleted temp area, before this write) is dropped: the worker's file is the new one. A worker
     * that reported the committed copy deleted before this commit arrived is left out (see the
     * class's documentation), and named in the result.
     *
     * @return the record as stored (without workers, when no worker holds the copy any more and
     *     nothing was recorded), and the workers left out
     * @throws BlockBeingRemovedException when a worker of the block was told to delete it in its
     *     last heartbeat answer and has not sent the next heartbeat yet: it may delete the new
     *     file. Nothing is recorded; written again after that heartbeat, the block commits
     */
    synchronized Recorded commit(BlockRecord incoming) {
        checkDistinct(List.of(incoming));
        try (Batch batch = new Batch()) {
            Recorded recorded = commitInto(batch, incoming);
            write(batch, "commit block " + incoming.getIndex() + " of " + incoming.getFile().getPath());
            return recorded;
        }
    }

    /**
     * Records committed blocks as {@link #commit} does, all of them in one write batch.
     *
     * @return what was recorded of each block, in the order of {@code incoming}
     * @throws BlockBeingRemovedException as {@link #commit}; nothing is recorded then
     * @throws IllegalArgumentException when two records name the same block, or one a worker twice
     */
    synchronized List<Recorded> commitAll(List<BlockRecord> incoming) {
        checkDistinct(incoming);
        List<Recorded> recorded = new ArrayList<>(incoming.size());
        try (Batch batch = new Batch()) {
            for (BlockRecord record : incoming) {
                recorded.add(commitInto(batch, record));
            }
            write(batch, "commit " + Counts.of(incoming.size(), "block"));
        }
        return recorded;
    }

    /**
     * Checks that {@code records} name each block once, and each of its workers once: a write
     * batch writes each deletion it queues or drops at most once (see {@link Batch}).
     *
     * @throws IllegalArgumentException when they do not
     */
    private static void checkDistinct(List<BlockRecord> records) {
        Set<String> blocks = new HashSet<>();
        for (BlockRecord record : records) {
            String block = "block " + record.getIndex() + " of " + record.getFile().getPath();
            if (!blocks.add(new BlockKey(ProtoConversions.fromProto(record.getFile()), record.getIndex()).blockId())) {
                throw new IllegalArgumentException("The records of one batch name " + block + " twice");
            }
            if (new HashSet<>(record.getWorkerIdsList()).size() != record.getWorkerIdsCount()) {
                throw new IllegalArgumentException("The record of " + block + " names a worker twice: " + record.getWorkerIdsList());
            }
        }
    }

    /**
     * What a commit (or staging) of a block recorded.
     *
     * @param stored the record as stored; without workers when nothing was recorded
     * @param notRecordedWorkerIds the workers of the commit that were left out, sorted: each
     *     reported the committed copy (or a later one) deleted before the commit arrived
     */
    record Recorded(BlockRecord stored, List<String> notRecordedWorkerIds) {
        Recorded {
            requireNonNull(stored, "stored is null");
            notRecordedWorkerIds = List.copyOf(notRecordedWorkerIds);
        }

        /** Whether every worker of the commit was recorded. */
        boolean complete() {
            return notRecordedWorkerIds.isEmpty();
        }
    }

    /** Adds the changes of committing {@code incoming} to {@code batch}; returns what it records. */
    private Recorded commitInto(Batch batch, BlockRecord incoming) {
        String fileKey = ProtoConversions.fromProto(incoming.getFile()).fileKey();
        BlockRecord held = withoutDeletedCopies(incoming, fileKey);
        List<String> notRecorded = notRecorded(incoming, held);
        if (held.getWorkerIdsCount() == 0) {
            return new Recorded(held, notRecorded);
        }
        claimFromRemoval(batch, held, fileKey);
        return new Recorded(commitClaimed(batch, held, fileKey), notRecorded);
    }

    /** The workers of {@code incoming} that {@code held} leaves out, sorted. */
    private static List<String> notRecorded(BlockRecord incoming, BlockRecord held) {
        return incoming.getWorkerIdsList().stream().filter(worker -> !held.getWorkerIdsList().contains(worker)).sorted().toList();
    }

    /**
     * {@code incoming} without the workers that reported its copy (or a later one) deleted before
     * this commit arrived: the client wrote it, the worker evicted it before the master recorded
     * it. A worker's copy later than the deleted one is recorded. Changes nothing: the deletion
     * stays remembered, so that a commit of the deleted copy that arrives after a later copy was
     * committed (and perhaps deleted again, while the record held it) records nothing either.
     */
    private BlockRecord withoutDeletedCopies(BlockRecord incoming, String fileKey) {
        if (incoming.getWorkerCopiesCount() == 0) {
            return incoming;
        }
        String blockId = blockIdOf(blockKeyString(fileKey, incoming.getIndex()));
        List<String> deleted = new ArrayList<>();
        for (Map.Entry<String, Long> copy : incoming.getWorkerCopiesMap().entrySet()) {
            Map<String, Long> ofWorker = deletedCopies.get(copy.getKey());
            Long deletedCopy = ofWorker == null ? null : ofWorker.get(blockId);
            if (deletedCopy != null && copy.getValue() != 0 && copy.getValue() <= deletedCopy) {
                deleted.add(copy.getKey());
            }
        }
        if (deleted.isEmpty()) {
            return incoming;
        }
        log.debug("Block {} of {} was deleted from {} before its commit arrived; not recorded there", incoming.getIndex(),
                incoming.getFile().getPath(), String.join(", ", deleted));
        BlockRecord.Builder held = incoming.toBuilder().clearWorkerIds();
        for (String worker : incoming.getWorkerIdsList()) {
            if (deleted.contains(worker)) {
                held.removeWorkerTiers(worker).removeWorkerCopies(worker);
            }
            else {
                held.addWorkerIds(worker);
            }
        }
        return held.build();
    }

    /** {@link #commitInto} of a block whose workers' files were claimed from removal when it was staged. */
    private BlockRecord commitClaimed(WriteBatch batch, BlockRecord incoming, String fileKey) {
        byte[] key = blockKey(fileKey, incoming.getIndex());
        byte[] previousValue = get(blocks, key, "read block " + incoming.getIndex() + " of "
                + incoming.getFile().getPath());
        BlockRecord previous = previousValue == null ? null : parseBlock(previousValue);
        Set<String> dropped = new HashSet<>();
        BlockRecord stored = merge(previous, incoming, dropped);
        try {
            batch.put(blocks, key, stored.toByteArray());
            for (String worker : stored.getWorkerIdsList()) {
                batch.put(workerBlocks, workerKey(worker, fileKey, incoming.getIndex()), EMPTY);
            }
            for (String worker : dropped) {
                batch.delete(workerBlocks, workerKey(worker, fileKey, incoming.getIndex()));
            }
            batch.put(files, fileEntryKey(incoming.getFile().getPath(), fileKey), incoming.getFile().toByteArray());
        }
        catch (RocksDBException e) {
            throw failure("commit block " + incoming.getIndex() + " of " + incoming.getFile().getPath(), e);
        }
        return stored;
    }

    /**
     * {@code incoming} merged into {@code previous}: the same block (file, length, checksum) gains
     * the new workers and tiers and takes the new replication; a different one is replaced, and
     * the workers that no longer hold it are added to {@code dropped}.
     */
    private static BlockRecord merge(BlockRecord previous, BlockRecord incoming, Set<String> dropped) {
        Set<String> workers = new TreeSet<>(incoming.getWorkerIdsList());
        Map<String, io.gfsload.cache.proto.StorageTierProto> tiers = new TreeMap<>();
        Map<String, Long> copies = new TreeMap<>();
        if (previous != null) {
            if (previous.getFile().equals(incoming.getFile())
                    && previous.getLength() == incoming.getLength()
                    && previous.getCrc32C() == incoming.getCrc32C()) {
                workers.addAll(previous.getWorkerIdsList());
                tiers.putAll(previous.getWorkerTiersMap());
                copies.putAll(previous.getWorkerCopiesMap());
            }
            else {
                dropped.addAll(previous.getWorkerIdsList());
                dropped.removeAll(workers);
            }
        }
        tiers.putAll(incoming.getWorkerTiersMap());
        tiers.keySet().retainAll(workers);
        // the latest copy: a commit of an earlier one may arrive after that of a later one
        incoming.getWorkerCopiesMap().forEach((worker, copy) -> copies.merge(worker, copy, Math::max));
        copies.keySet().retainAll(workers);
        int replication = incoming.getReplication() > 0 || previous == null ? incoming.getReplication()
                : previous.getReplication();
        return incoming.toBuilder()
                .clearWorkerIds().addAllWorkerIds(workers)
                .clearWorkerTiers().putAllWorkerTiers(tiers)
                .clearWorkerCopies().putAllWorkerCopies(copies)
                .setReplication(replication)
                .build();
    }

    /**
     * Makes the recorded locations on {@code workerId} match what the worker reports holding:
     * the worker is removed from every committed or staged block it no longer reports (a block
     * left without locations is deleted), and kept on the others.
     */
    synchronized ReconcileResult reconcile(String workerId, Collection<String> reportedBlockIds) {
        // a registering worker carried out (or lost, with its process) what it was told before; what it did not say it
        // carried out goes again from its next heartbeat on
        removesInFlight.remove(workerId);
        forgetSentAnswer(workerId);
        Set<String> reported = new HashSet<>(reportedBlockIds);
        Set<String> recorded = new HashSet<>();
        Map<String, Long> pinned = new TreeMap<>();
        int[] dropped = {0};
        byte[] prefix = (workerId + "/").getBytes(UTF_8);
        try (Batch batch = new Batch()) {
            Map<String, BlockRecord> changedBlocks = new LinkedHashMap<>();
            scan(workerBlocks, prefix, "reconcile the blocks of worker " + workerId, (key, value) -> {
                String blockKey = new String(key, prefix.length, key.length - prefix.length, UTF_8);
                String blockId = blockIdOf(blockKey);
                if (reported.contains(blockId)) {
                    recorded.add(blockId);
                    return true;
                }
                dropped[0]++;
                delete(batch, workerBlocks, key);
                removeWorker(batch, blocks, blockKey.getBytes(UTF_8), workerId, changedBlocks);
                return true;
            });
            Map<String, BlockRecord> changedStaged = new LinkedHashMap<>();
            scan(workerStaged, prefix, "reconcile the staged blocks of worker " + workerId, (key, value) -> {
                StagedKey staged = StagedKey.parse(new String(key, prefix.length, key.length - prefix.length, UTF_8));
                Optional<TempAreaRecord> area = tempArea(staged.jobId);
                if (reported.contains(staged.blockId()) && area.isPresent()) {
                    recorded.add(staged.blockId());
                    pinned.merge(staged.blockId(), area.get().getExpiresAtMillis(), Math::max);
                    return true;
                }
                dropped[0]++;
                delete(batch, workerStaged, key);
                removeWorker(batch, tempBlocks, staged.tempBlockKey(), workerId, changedStaged);
                return true;
            });
            removals.addAndGet(dropped[0]);
            write(batch, "reconcile the blocks of worker " + workerId);
        }
        List<String> unrecorded = reported.stream().filter(id -> !recorded.contains(id)).sorted().toList();
        List<PinnedBlock> pins = new ArrayList<>();
        pinned.forEach((blockId, until) -> pins.add(PinnedBlock.newBuilder().setBlockId(blockId)
                .setUntilEpochMillis(until).build()));
        return new ReconcileResult(recorded.size(), dropped[0], unrecorded, pins);
    }

    /**
     * Forgets the locations of {@code blockIds} on {@code workerId}, which the worker deleted
     * (evicted, corrupt, removed), committed or staged, without their copy numbers.
     *
     * @return locations forgotten
     */
    synchronized int removeLocations(String workerId, Collection<String> blockIds) {
        Map<String, Long> copies = new LinkedHashMap<>();
        blockIds.forEach(blockId -> copies.put(blockId, 0L));
        return removeLocations(workerId, copies);
    }

    /**
     * Forgets the locations on {@code workerId} of the blocks the worker deleted (evicted,
     * corrupt, removed), committed or staged, each given with the number of the copy deleted (0
     * when not known). A location of a later copy stays (the block was written again and
     * committed before this report arrived); a deleted copy that a record does not hold is
     * remembered, so that its commit, still on the way, records nothing on the worker (see the
     * class's documentation).
     *
     * @return locations forgotten
     */
    synchronized int removeLocations(String workerId, Map<String, Long> deletedCopiesByBlockId) {
        removals.addAndGet(deletedCopiesByBlockId.size());
        int removed = 0;
        try (Batch batch = new Batch()) {
            Map<String, BlockRecord> changedBlocks = new LinkedHashMap<>();
            Map<String, BlockRecord> changedStaged = new LinkedHashMap<>();
            for (Map.Entry<String, Long> deleted : new TreeMap<>(deletedCopiesByBlockId).entrySet()) {
                String blockId = deleted.getKey();
                long copy = deleted.getValue();
                String blockKey = blockKeyOf(blockId);
                boolean heldByARecord = false;
                byte[] marker = (workerId + "/" + blockKey).getBytes(UTF_8);
                if (get(workerBlocks, marker, "read the blocks of worker " + workerId) != null) {
                    byte[] key = blockKey.getBytes(UTF_8);
                    long recorded = recordedCopy(blocks, key, workerId, changedBlocks);
                    if (isLaterCopy(recorded, copy)) {
                        heldByARecord = true;
                    }
                    else {
                        heldByARecord |= recorded == copy;
                        delete(batch, workerBlocks, marker);
                        removeWorker(batch, blocks, key, workerId, changedBlocks);
                        removed++;
                    }
                }
                byte[] stagedPrefix = (workerId + "/" + blockKey + "/").getBytes(UTF_8);
                List<byte[]> stagedKeys = new ArrayList<>();
                scan(workerStaged, stagedPrefix, "read the staged blocks of worker " + workerId, (key, value) -> {
                    stagedKeys.add(key);
                    return true;
                });
                for (byte[] key : stagedKeys) {
                    String jobId = new String(key, stagedPrefix.length, key.length - stagedPrefix.length, UTF_8);
                    byte[] tempKey = (jobId + "/" + blockKey).getBytes(UTF_8);
                    long recorded = recordedCopy(tempBlocks, tempKey, workerId, changedStaged);
                    if (isLaterCopy(recorded, copy)) {
                        heldByARecord = true;
                        continue;
                    }
                    heldByARecord |= recorded == copy;
                    delete(batch, workerStaged, key);
                    removeWorker(batch, tempBlocks, tempKey, workerId, changedStaged);
                    removed++;
                }
                if (copy != 0 && !heldByARecord) {
                    rememberDeletedCopy(workerId, blockId, copy);
                }
            }
            write(batch, "drop the blocks worker " + workerId + " deleted");
        }
        return removed;
    }

    /** Whether a recorded copy is later than a deleted one; either 0 (not known) is not. */
    private static boolean isLaterCopy(long recorded, long deleted) {
        return recorded != 0 && deleted != 0 && recorded > deleted;
    }

    /**
     * The copy of {@code workerId} that the record at {@code key} of {@code family} holds, read
     * from {@code changed} when this batch changed it; 0 when not known or not held.
     */
    private long recordedCopy(ColumnFamilyHandle family, byte[] key, String workerId, Map<String, BlockRecord> changed) {
        BlockRecord record = changed.get(new String(key, UTF_8));
        if (record == null) {
            byte[] value = get(family, key, "read a block record");
            if (value == null) {
                return 0;
            }
            record = parseBlock(value);
        }
        return record.getWorkerCopiesOrDefault(workerId, 0L);
    }

    /** Remembers that {@code workerId} deleted {@code copy} of {@code blockId} before a record held it. */
    private void rememberDeletedCopy(String workerId, String blockId, long copy) {
        Map<String, Long> ofWorker = deletedCopies.computeIfAbsent(workerId, id -> new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > MAX_DELETED_COPIES_PER_WORKER;
            }
        });
        Long earlier = ofWorker.remove(blockId);
        ofWorker.put(blockId, earlier == null ? copy : Math.max(earlier, copy));
    }

    /**
     * Removes {@code workerId} from the record at {@code key} of {@code family} (deleting it when
     * no worker is left), reading the record from {@code changed} when this batch changed it.
     */
    private void removeWorker(WriteBatch batch, ColumnFamilyHandle family, byte[] key, String workerId,
            Map<String, BlockRecord> changed) {
        String keyString = new String(key, UTF_8);
        BlockRecord record = changed.get(keyString);
        if (record == null) {
            byte[] value = get(family, key, "read a block record");
            if (value == null) {
                return;
            }
            record = parseBlock(value);
        }
        List<String> remaining = record.getWorkerIdsList().stream().filter(worker -> !worker.equals(workerId)).toList();
        BlockRecord updated = record.toBuilder().clearWorkerIds().addAllWorkerIds(remaining)
                .removeWorkerTiers(workerId).build();
        changed.put(keyString, updated);
        try {
            if (remaining.isEmpty()) {
                batch.delete(family, key);
            }
            else {
                batch.put(family, key, updated.toByteArray());
            }
        }
        catch (RocksDBException e) {
            throw failure("update a block record", e);
        }
    }

    /**
     * The committed blocks under {@code pathPrefix} with fewer locations on live workers than
     * their replication (0 in old records counts as 1).
     */
    UnderReplicated underReplicated(String pathPrefix, int limit, Predicate<String> live) {
        long[] count = {0};
        List<BlockRecord> first = new ArrayList<>();
        scan(blocks, EMPTY, "scan for under-replicated blocks", (key, value) -> {
            BlockRecord record = parseBlock(value);
            if (!record.getFile().getPath().startsWith(pathPrefix)) {
                return true;
            }
            long liveReplicas = record.getWorkerIdsList().stream().filter(live).count();
            if (liveReplicas < Math.max(1, record.getReplication())) {
                count[0]++;
                if (first.size() < limit) {
                    first.add(record);
                }
            }
            return true;
        });
        return new UnderReplicated(count[0], first);
    }

    /** The answer of {@link #underReplicated}. */
    record UnderReplicated(long count, List<BlockRecord> first) {}

    // ------------------------------------------------------------------------------------------
    // Temp areas
    // ------------------------------------------------------------------------------------------

    /** The record of the temp area of {@code jobId}, expired or not, if it exists. */
    Optional<TempAreaRecord> tempArea(String jobId) {
        byte[] value = get(tempAreas, jobId.getBytes(UTF_8), "read the temp area of job " + jobId);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(TempAreaRecord.parseFrom(value));
        }
        catch (InvalidProtocolBufferException e) {
            throw new MetadataStoreException("Corrupt temp area record of job " + jobId + " in " + directory, e);
        }
    }

    /** Every temp area, expired or not, sorted by job id. */
    List<TempAreaRecord> tempAreas() {
        List<TempAreaRecord> result = new ArrayList<>();
        scan(tempAreas, EMPTY, "list the temp areas", (key, value) -> {
            try {
                result.add(TempAreaRecord.parseFrom(value));
            }
            catch (InvalidProtocolBufferException e) {
                throw new MetadataStoreException("Corrupt temp area record in " + directory, e);
            }
            return true;
        });
        return result;
    }

    /** The blocks in the temp area of {@code jobId}, sorted by file key and index. */
    List<BlockRecord> tempBlocks(String jobId) {
        List<BlockRecord> result = new ArrayList<>();
        scan(tempBlocks, (jobId + "/").getBytes(UTF_8), "list the temp area of job " + jobId, (key, value) -> {
            result.add(parseBlock(value));
            return true;
        });
        return result;
    }

    /** How many blocks the temp area of {@code jobId} holds, and their bytes (once per block). */
    record TempAreaSize(long blocks, long bytes) {}

    /** The size of the temp area of {@code jobId}: read from its blocks' records, none of which is kept. */
    TempAreaSize tempAreaSize(String jobId) {
        long[] size = {0, 0};
        scan(tempBlocks, (jobId + "/").getBytes(UTF_8), "count the temp area of job " + jobId, (key, value) -> {
            size[0]++;
            size[1] += parseBlock(value).getLength();
            return true;
        });
        return new TempAreaSize(size[0], size[1]);
    }

    /**
     * A page of the blocks in a temp area, sorted by file key and index.
     *
     * @param nextKey where the next page starts ({@link #tempBlocksPage}); empty after the last
     */
    record TempBlocksPage(List<BlockRecord> blocks, byte[] nextKey) {}

    /**
     * The blocks in the temp area of {@code jobId} from key {@code start} on ({@link
     * TempBlocksPage#nextKey} of the page before; empty for the first), at most
     * {@code maxBlocks} and, unless the first alone is more, {@code maxBytes} of records.
     *
     * @throws IllegalArgumentException when {@code start} is not a key of the job's area
     */
    TempBlocksPage tempBlocksPage(String jobId, byte[] start, int maxBlocks, long maxBytes) {
        byte[] prefix = (jobId + "/").getBytes(UTF_8);
        if (start.length > 0 && !startsWith(start, prefix)) {
            throw new IllegalArgumentException("not a key of the temp area of job " + jobId);
        }
        List<BlockRecord> blocks = new ArrayList<>();
        byte[][] next = {EMPTY};
        long[] bytes = {0};
        scan(tempBlocks, prefix, start.length > 0 ? start : prefix, null, "list the temp area of job " + jobId, (key, value) -> {
            if (blocks.size() == maxBlocks || !blocks.isEmpty() && bytes[0] + value.length > maxBytes) {
                next[0] = key;
                return false;
            }
            blocks.add(parseBlock(value));
            bytes[0] += value.length;
            return true;
        });
        return new TempBlocksPage(blocks, next[0]);
    }

    /**
     * Runs {@code call} holding this store's lock, unless {@code abandoned}, asked once the lock is
     * held, says that its caller gave up meanwhile (a call that waited behind a long scope commit
     * past its deadline): empty then, and nothing done.
     */
    synchronized <T> Optional<T> unlessAbandoned(BooleanSupplier abandoned, Supplier<T> call) {
        return abandoned.getAsBoolean() ? Optional.empty() : Optional.of(call.get());
    }

    /** As {@link #openTempArea(String, long, long, boolean, Optional)}, opening a new area when the job has none open, for no run. */
    synchronized OpenedArea openTempArea(String jobId, long nowMillis, long expireMillis) {
        return openTempArea(jobId, nowMillis, expireMillis, false, Optional.empty());
    }

    /** As {@link #openTempArea(String, long, long, boolean, Optional)}, for no run. */
    synchronized OpenedArea openTempArea(String jobId, long nowMillis, long expireMillis, boolean renewOnly) {
        return openTempArea(jobId, nowMillis, expireMillis, renewOnly, Optional.empty());
    }

    /**
     * Opens the temp area of {@code jobId}, or adopts it when it is open and unexpired at
     * {@code nowMillis}. An expired area not collected yet is deleted first.
     *
     * <p>Its expiry moves to {@code nowMillis + expireMillis} when that is a third of the expire
     * time or more later than the area's (the workers are told to keep its blocks until then): a
     * run renews far more often than that, and each move re-pins every staged block on its
     * workers, so the area keeps at least two thirds of its expire time at every renewal and its
     * blocks are re-pinned about as often as a renewal every third of the expire time would.
     *
     * <p>With {@code run}, the area records that run and {@code nowMillis}; without, the record's
     * run stays as it is. An open (not a renewal) by one run of an area that another run opened,
     * adopted or renewed less than two of that run's renewal periods before is refused: that run
     * is still going, and renews within one period, or two when one renewal was lost or late. A
     * renewal by one run of an area another run holds (it adopted the area since, the first run's
     * renewals having stopped, or been lost, for two periods) is refused however long ago that run
     * renewed it: the area is that run's, and the renewing run must stop rather than take it back
     * and stage into, commit or delete it beside that run. An area no run holds (released, or only
     * opened by clients without runs) is renewed, and recorded as the renewing run's.
     *
     * @param renewOnly only extend an open, unexpired area: never open a new one
     * @throws TempAreaNotFoundException with {@code renewOnly}, when the job has no open temp area
     *     at {@code nowMillis}
     * @throws TempAreaInUseException when another run of the job is still going, or, for a
     *     renewal, holds the area
     */
    synchronized OpenedArea openTempArea(String jobId, long nowMillis, long expireMillis, boolean renewOnly, Optional<TempAreaRun> run) {
        return openTempArea(jobId, nowMillis, expireMillis, renewOnly, run, true);
    }

    /**
     * As {@link #openTempArea(String, long, long, boolean, Optional)}; with {@code listBlocks}
     * false the answer's blocks are empty, and the area's are read only when its expiry moves
     * (their workers are told to keep them): a running job's renewals, most of which move
     * nothing, do not read an area of many blocks each time.
     */
    synchronized OpenedArea openTempArea(String jobId, long nowMillis, long expireMillis, boolean renewOnly, Optional<TempAreaRun> run,
            boolean listBlocks) {
        long expiresAt = saturatedAdd(nowMillis, expireMillis);
        Optional<TempAreaRecord> existing = tempArea(jobId);
        if (renewOnly) {
            checkOpen(jobId, nowMillis, "Renewing the temp area of job " + jobId);
        }
        if (existing.isPresent() && existing.get().getExpiresAtMillis() > nowMillis) {
            TempAreaRecord area = existing.get();
            if (run.isPresent()) {
                if (renewOnly) {
                    checkHeldBy(area, run.get().runId(), run.get().token(), nowMillis, "Cannot renew the temp area of job " + jobId);
                }
                else {
                    checkNotInUse(area, run.get(), nowMillis);
                }
            }
            boolean extend = expiresAt > area.getExpiresAtMillis() && expiresAt - area.getExpiresAtMillis() >= Math.max(1, expireMillis / 3);
            List<BlockRecord> staged = listBlocks || extend ? tempBlocks(jobId) : List.of();
            if (extend || run.isPresent()) {
                TempAreaRecord.Builder updated = area.toBuilder();
                if (extend) {
                    updated.setExpiresAtMillis(expiresAt);
                }
                run.ifPresent(r -> ranBy(updated, r, nowMillis));
                area = updated.build();
                try (Batch batch = new Batch()) {
                    put(batch, tempAreas, jobId.getBytes(UTF_8), area.toByteArray());
                    if (extend) {
                        for (BlockRecord block : staged) {
                            String blockId = blockIdOf(block);
                            for (String worker : block.getWorkerIdsList()) {
                                queue(batch, worker, WorkerCommand.newBuilder().setPin(PinnedBlock.newBuilder()
                                        .setBlockId(blockId).setUntilEpochMillis(expiresAt)).build());
                            }
                        }
                    }
                    write(batch, (extend ? "extend" : "renew") + " the temp area of job " + jobId);
                }
            }
            return new OpenedArea(area, listBlocks ? staged : List.of(), true, Optional.empty());
        }
        Optional<AreaDeletion> expired = existing.isPresent() ? Optional.of(deleteTempArea(jobId)) : Optional.empty();
        TempAreaRecord.Builder opened = TempAreaRecord.newBuilder()
                .setJobId(jobId)
                .setCreatedAtMillis(nowMillis)
                .setExpiresAtMillis(expiresAt);
        run.ifPresent(r -> ranBy(opened, r, nowMillis));
        TempAreaRecord area = opened.build();
        try (Batch batch = new Batch()) {
            put(batch, tempAreas, jobId.getBytes(UTF_8), area.toByteArray());
            write(batch, "open the temp area of job " + jobId);
        }
        return new OpenedArea(area, List.of(), false, expired);
    }

    /**
     * Ends the hold of run {@code runId} on the temp area of {@code jobId}: the area's record names no
     * run any more, so that an open by any run of the job adopts it at once. The area's blocks and
     * expiry stay. The release of an earlier run with the id of the area's run but another token
     * (one that arrives late, after a later run of the same gfsload home opened the area) does
     * nothing.
     *
     * @param token the run's token; empty for a client older than tokens, which releases the hold
     *     of any run with {@code runId}
     * @return whether the area is there and that run held it
     */
    synchronized boolean releaseTempArea(String jobId, String runId, String token) {
        Optional<TempAreaRecord> area = tempArea(jobId);
        if (area.isEmpty() || !TempAreaRun.sameRun(runId, token, area.get().getRunId(), area.get().getRunToken())) {
            return false;
        }
        TempAreaRecord released = area.get().toBuilder().clearRunId().clearRunToken().clearRenewedAtMillis().clearRenewPeriodMillis().build();
        try (Batch batch = new Batch()) {
            put(batch, tempAreas, jobId.getBytes(UTF_8), released.toByteArray());
            write(batch, "release the temp area of job " + jobId);
        }
        return true;
    }

    /** Records {@code run} as the area's run, heard from at {@code nowMillis}. */
    private static void ranBy(TempAreaRecord.Builder area, TempAreaRun run, long nowMillis) {
        area.setRunId(run.runId()).setRunToken(run.token()).setRenewedAtMillis(nowMillis).setRenewPeriodMillis(run.renewPeriod().toMillis());
    }

    /**
     * The run that holds a temp area: {@code runId} renewed it {@code renewedMillisAgo} ago, and is
     * taken as going until {@code aliveWindowMillis} (two of its renewal periods) after it.
     */
    record Hold(String runId, long renewedMillisAgo, long aliveWindowMillis) {}

    /**
     * The run that holds {@code area} at {@code nowMillis}: the one recorded, unless it let go or
     * has not renewed it for two of its renewal periods (another run's open then adopts it).
     */
    static Optional<Hold> hold(TempAreaRecord area, long nowMillis) {
        if (area.getRunId().isEmpty()) {
            return Optional.empty();
        }
        long window = saturatedAdd(area.getRenewPeriodMillis(), area.getRenewPeriodMillis());
        long ago = Math.max(0, nowMillis - area.getRenewedAtMillis());
        return ago >= window ? Optional.empty() : Optional.of(new Hold(area.getRunId(), ago, window));
    }

    /**
     * @throws TempAreaInUseException when another run than {@code run} opened, adopted or renewed
     *     {@code area} less than two of its renewal periods before {@code nowMillis}
     */
    private static void checkNotInUse(TempAreaRecord area, TempAreaRun run, long nowMillis) {
        Optional<Hold> hold = hold(area, nowMillis);
        if (hold.isEmpty() || hold.get().runId().equals(run.runId())) {
            // none, or it stopped renewing: it died, and this run adopts what it staged
            return;
        }
        // in whole seconds, as every message of it says it
        Duration renewedAgo = wholeSeconds(Duration.ofMillis(hold.get().renewedMillisAgo()));
        Duration aliveWindow = Duration.ofMillis(hold.get().aliveWindowMillis());
        throw new TempAreaInUseException(("Cannot adopt the temp area of job %s for run %s: run %s of the job renewed it %s ago and renews it "
                + "every %s, so it is still going; a run that has not renewed it for %s is taken as gone").formatted(area.getJobId(), run.runId(),
                area.getRunId(), Counts.of(renewedAgo), Counts.of(Duration.ofMillis(area.getRenewPeriodMillis())), Counts.of(aliveWindow)),
                renewedAgo, aliveWindow);
    }

    /**
     * @param runId the run that renews, commits into or deletes {@code area}; empty for a call
     *     without a run (clients older than runs, loads without one), which is never refused
     * @param token that run's token; empty for any run with {@code runId}
     * @param action what the run cannot do, for the message: {@code Cannot renew the temp area of job J}
     * @throws TempAreaInUseException when another run than {@code runId} with {@code token} holds
     *     {@code area}, whenever it last renewed it
     */
    private static void checkHeldBy(TempAreaRecord area, String runId, String token, long nowMillis, String action) {
        if (runId.isEmpty() || area.getRunId().isEmpty() || TempAreaRun.sameRun(runId, token, area.getRunId(), area.getRunToken())) {
            return;
        }
        Duration renewedAgo = wholeSeconds(Duration.ofMillis(Math.max(0, nowMillis - area.getRenewedAtMillis())));
        String holder = area.getRunId().equals(runId) ? "a later run of the job with the same run id" : "run %s of the job".formatted(area.getRunId());
        throw new TempAreaInUseException("%s for run %s: %s adopted it since, and renewed it %s ago; the area is that run's".formatted(action, runId,
                holder, Counts.of(renewedAgo)), renewedAgo, Duration.ofMillis(saturatedAdd(area.getRenewPeriodMillis(), area.getRenewPeriodMillis())));
    }

    /** {@code time} in whole seconds, rounded down, or as it is when under a second. */
    private static Duration wholeSeconds(Duration time) {
        return time.toSeconds() == 0 ? time : Duration.ofSeconds(time.toSeconds());
    }

    /**
     * The outcome of {@link #openTempArea}.
     *
     * @param expiredBefore the deletion of an expired area of the same job found on the way
     */
    record OpenedArea(TempAreaRecord area, List<BlockRecord> blocks, boolean adopted,
            Optional<AreaDeletion> expiredBefore) {}

    /**
     * Claims the files of {@code incoming}'s workers, just written, from deletions of the block
     * that an earlier free or temp-area deletion left for them: drops the queued ones from
     * {@code batch}'s changes.
     *
     * @throws BlockBeingRemovedException when a worker holds such a deletion from its last heartbeat
     *     answer, not yet carried out
     */
    private void claimFromRemoval(Batch batch, BlockRecord incoming, String fileKey) {
        String blockId = blockIdOf(blockKeyString(fileKey, incoming.getIndex()));
        for (String worker : incoming.getWorkerIdsList()) {
            if (removesInFlight.getOrDefault(worker, Set.of()).contains(blockId)) {
                throw new BlockBeingRemovedException("Block " + incoming.getIndex() + " of " + incoming.getFile().getPath()
                        + " is being deleted from worker " + worker + " by an earlier free or temp-area deletion; "
                        + "write it again after the worker's next heartbeat");
            }
            // only one that is queued: a deletion written for every block committed would be stepped over by the
            // worker's takes until RocksDB compacts it
            byte[] key = removeKey(worker, blockId);
            if (removeQueued(key, worker)) {
                setRemoveQueued(batch, key, true, false);
            }
        }
    }

    /**
     * Records a block written into the open temp area of {@code jobId}, merged as {@link #commit}
     * merges, and drops deletions of it still queued for its workers as {@link #commit} does. A
     * worker that reported the copy deleted before this call arrived is left out, as
     * {@link #commit} leaves it out.
     *
     * @throws TempAreaNotFoundException when the job has no temp area open at {@code nowMillis}
     * @throws BlockBeingRemovedException as {@link #commit}
     */
    synchronized Recorded stage(String jobId, BlockRecord incoming, long nowMillis) {
        checkDistinct(List.of(incoming));
        String block = "block " + incoming.getIndex() + " of " + incoming.getFile().getPath();
        TempAreaRecord area = checkOpen(jobId, nowMillis, "Cannot put " + block + " into the temp area of job " + jobId);
        try (Batch batch = new Batch()) {
            Recorded recorded = stageInto(batch, area, incoming);
            write(batch, "stage " + block + " in the temp area of job " + jobId);
            return recorded;
        }
    }

    /**
     * Records blocks written into the open temp area of {@code jobId} as {@link #stage} does, all
     * of them in one write batch.
     *
     * @return what was recorded of each block, in the order of {@code incoming}
     * @throws TempAreaNotFoundException when the job has no temp area open at {@code nowMillis}
     * @throws IllegalArgumentException when two records name the same block, or one a worker twice
     */
    synchronized List<Recorded> stageAll(String jobId, List<BlockRecord> incoming, long nowMillis) {
        checkDistinct(incoming);
        TempAreaRecord area = checkOpen(jobId, nowMillis, "Cannot put " + Counts.of(incoming.size(), "block")
                + " into the temp area of job " + jobId);
        List<Recorded> recorded = new ArrayList<>(incoming.size());
        try (Batch batch = new Batch()) {
            for (BlockRecord record : incoming) {
                recorded.add(stageInto(batch, area, record));
            }
            write(batch, "stage " + Counts.of(incoming.size(), "block") + " in the temp area of job " + jobId);
        }
        return recorded;
    }

    /**
     * Adds the staging of {@code original} into {@code area} to {@code batch}. Where a worker holds
     * the block committed, it is told to pin it until the area expires: the commit or abort of
     * another job's area that held it may have queued an unpin of the block there, which would
     * otherwise reach the worker after this job's write pinned it.
     */
    private Recorded stageInto(Batch batch, TempAreaRecord area, BlockRecord original) {
        String jobId = area.getJobId();
        String block = "block " + original.getIndex() + " of " + original.getFile().getPath();
        String fileKey = ProtoConversions.fromProto(original.getFile()).fileKey();
        BlockRecord incoming = withoutDeletedCopies(original, fileKey);
        List<String> notRecorded = notRecorded(original, incoming);
        if (incoming.getWorkerIdsCount() == 0) {
            return new Recorded(incoming, notRecorded);
        }
        claimFromRemoval(batch, incoming, fileKey);
        byte[] key = tempBlockKey(jobId, fileKey, incoming.getIndex());
        byte[] previousValue = get(tempBlocks, key, "read " + block + " in the temp area of job " + jobId);
        Set<String> dropped = new HashSet<>();
        BlockRecord stored = merge(previousValue == null ? null : parseBlock(previousValue), incoming, dropped);
        put(batch, tempBlocks, key, stored.toByteArray());
        String blockKey = blockKeyString(fileKey, incoming.getIndex());
        for (String worker : stored.getWorkerIdsList()) {
            put(batch, workerStaged, stagedKey(worker, fileKey, incoming.getIndex(), jobId), EMPTY);
            if (committedOn(worker, blockKey)) {
                queue(batch, worker, WorkerCommand.newBuilder().setPin(PinnedBlock.newBuilder()
                        .setBlockId(blockIdOf(blockKey)).setUntilEpochMillis(area.getExpiresAtMillis())).build());
            }
        }
        for (String worker : dropped) {
            delete(batch, workerStaged, stagedKey(worker, fileKey, incoming.getIndex(), jobId));
        }
        return new Recorded(stored, notRecorded);
    }

    /**
     * Moves {@code refs} from the temp area of {@code jobId} to the committed blocks in one write
     * batch, and tells their workers to unpin them, except where another job has the block staged
     * on the worker: a worker holds one pin per block, which that job's area still needs. A block
     * no longer in the area but committed with a replica counts as committed (a commit tried again
     * after its answer was lost, or a block another job committed): readers see it. Every worker
     * counts as live: a store asked without the master's view of its workers.
     *
     * @throws TempAreaNotFoundException when the job has no temp area open at {@code nowMillis}
     * @throws BlockNotFoundException when a block is neither in the temp area nor committed; nothing changes then
     */
    synchronized ScopeResult commitScope(String jobId, List<BlockRef> refs, long nowMillis) {
        return commitScope(jobId, refs, nowMillis, "", "", worker -> true);
    }

    /**
     * As {@link #commitScope(String, List, long)}, by run {@code runId} with {@code token}: refused
     * when another run holds the area (it adopted the area after this run's renewals stopped
     * reaching the master for two periods), so that a run that lost the area commits nothing into
     * that run's.
     *
     * <p>A block counts only with a replica on a worker that {@code live} counts live, asked while
     * this store is held, so that what it checks is what the batch commits: the scope is refused
     * when a block's replicas (staged, and committed ones of the same file) are all on lost
     * workers, which readers would not see it on. A block with a replica on a live worker commits
     * with all of its replicas recorded, those on lost workers too (served again should the
     * worker come back), and counts in {@link ScopeResult#underReplicated()} when fewer of them
     * are live than its replication.
     *
     * @param runId empty for a commit without a run, never refused
     * @param token empty for any run with {@code runId}
     * @param live whether a worker is live now
     * @throws TempAreaInUseException when another run of the job holds the area; nothing changes then
     * @throws BlockNotFoundException when a block is neither in the temp area nor committed, or
     *     its replicas are all on workers not live; nothing changes then
     */
    synchronized ScopeResult commitScope(String jobId, List<BlockRef> refs, long nowMillis, String runId, String token, Predicate<String> live) {
        List<ScopeBlock> blocks = new ArrayList<>(refs.size());
        for (BlockRef ref : refs) {
            FileIdentity file = ProtoConversions.fromProto(ref.getFile());
            blocks.add(new ScopeBlock(blockKeyString(file.fileKey(), ref.getIndex()), file));
        }
        return commitScopeBlocks(jobId, blocks, nowMillis, runId, token, live);
    }

    /**
     * As {@link #commitScope(String, List, long, String, String, Predicate)}, of the blocks named by their
     * ids ({@code <fileKey>-<index>}, the file key a hash of the file's whole identity).
     */
    synchronized ScopeResult commitScopeByIds(String jobId, List<String> blockIds, long nowMillis, String runId, String token, Predicate<String> live) {
        List<ScopeBlock> blocks = new ArrayList<>(blockIds.size());
        for (String blockId : blockIds) {
            blocks.add(new ScopeBlock(blockKeyOf(blockId), null));
        }
        return commitScopeBlocks(jobId, blocks, nowMillis, runId, token, live);
    }

    /**
     * A block of a scope to commit: its key in the area, and the file identity its record must
     * have where the caller named one (null when named by id, whose file key is the identity's hash).
     */
    private record ScopeBlock(String blockKey, FileIdentity file) {
        /** How a failure names the block. */
        String name() {
            return file == null ? "block " + blockIdOf(blockKey) : "block " + Integer.parseInt(blockKey.substring(blockKey.indexOf('/') + 1)) + " of " + file.path();
        }
    }

    private ScopeResult commitScopeBlocks(String jobId, List<ScopeBlock> blocks, long nowMillis, String runId, String token, Predicate<String> live) {
        requireNonNull(live, "live is null");
        TempAreaRecord area = checkOpen(jobId, nowMillis, "Cannot commit a scope of job " + jobId);
        checkHeldBy(area, runId, token, nowMillis, "Cannot commit a scope of job " + jobId);
        // each worker asked once: one view of the workers for the whole scope
        Map<String, Boolean> liveness = new HashMap<>();
        Predicate<String> isLive = worker -> liveness.computeIfAbsent(worker, live::test);
        // the keys only: a scope of many blocks would hold every record twice over on the heap; they are read again below
        Set<String> staged = new TreeSet<>();
        Set<String> committed = new HashSet<>();
        long committedBytes = 0;
        int underReplicated = 0;
        Set<String> lostWorkers = new TreeSet<>();
        List<String> missing = new ArrayList<>();
        List<String> onLostWorkers = new ArrayList<>();
        for (ScopeBlock block : blocks) {
            String blockKey = block.blockKey();
            if (staged.contains(blockKey) || committed.contains(blockKey)) {
                continue;
            }
            BlockRecord record = tempBlock(jobId, blockKey);
            // committed with a replica: by this commit whose answer was lost (a retry), by another job's, or where the job staged only the replicas missing
            Optional<BlockRecord> visible = record != null && record.getWorkerIdsCount() > 0 && record.getWorkerIdsList().stream().anyMatch(isLive)
                    ? Optional.empty() : committedBlock(blockKey, block.file());
            if (record == null) {
                // readers see it, as the scope wants, while a replica of it is on a live worker
                if (visible.isPresent() && visible.get().getWorkerIdsList().stream().anyMatch(isLive)) {
                    committed.add(blockKey);
                    committedBytes += visible.get().getLength();
                    underReplicated += underReplicated(visible.get(), isLive, lostWorkers);
                    continue;
                }
                if (visible.isPresent()) {
                    onLostWorkers.add(block.name() + lostOn(visible.get(), isLive));
                    continue;
                }
            }
            if (record == null || block.file() != null && !sameFile(record, block.file()) || record.getWorkerIdsCount() == 0) {
                missing.add(block.name());
            }
            else if (record.getWorkerIdsList().stream().noneMatch(isLive)
                    && visible.filter(held -> held.getWorkerIdsList().stream().anyMatch(isLive)).isEmpty()) {
                // readers would not see it: committed, the scope would be visible without it
                onLostWorkers.add(block.name() + lostOn(record, isLive));
            }
            else {
                staged.add(blockKey);
            }
        }
        if (!missing.isEmpty() || !onLostWorkers.isEmpty()) {
            List<String> problems = new ArrayList<>(2);
            if (!missing.isEmpty()) {
                problems.add(String.format("%d %s not in its temp area: %s", missing.size(), missing.size() == 1 ? "is" : "are", firstOf(missing)));
            }
            if (!onLostWorkers.isEmpty()) {
                problems.add(String.format("%d %s only on lost workers, which readers would not see: %s", onLostWorkers.size(),
                        onLostWorkers.size() == 1 ? "has its replicas" : "have their replicas", firstOf(onLostWorkers)));
            }
            throw new BlockNotFoundException(String.format("Cannot commit %s of job %s: %s", Counts.of(blocks.size(), "block"), jobId,
                    String.join("; ", problems)));
        }
        long bytes = 0;
        StagedElsewhere stagedElsewhere = stagedElsewhere(jobId);
        try (Batch batch = new Batch()) {
            for (String blockKey : staged) {
                // as checked above: nothing changes the area in between, this store's writes being synchronized
                BlockRecord record = tempBlock(jobId, blockKey);
                BlockRecord merged = commitClaimed(batch, record, blockKey.substring(0, blockKey.indexOf('/')));
                underReplicated += underReplicated(merged, isLive, lostWorkers);
                delete(batch, tempBlocks, (jobId + "/" + blockKey).getBytes(UTF_8));
                String blockId = blockIdOf(blockKey);
                for (String worker : record.getWorkerIdsList()) {
                    delete(batch, workerStaged, (worker + "/" + blockKey + "/" + jobId).getBytes(UTF_8));
                    // the worker holds one pin per block: where another job has it staged, that job's area needs it
                    if (!stagedElsewhere.test(worker, blockKey)) {
                        queue(batch, worker, WorkerCommand.newBuilder().setUnpinBlockId(blockId).build());
                    }
                }
                bytes += record.getLength();
            }
            write(batch, "commit a scope of job " + jobId);
        }
        return new ScopeResult(staged.size() + committed.size(), bytes + committedBytes, underReplicated, lostWorkers);
    }

    /** The first 5 of {@code names}, as a refused commit names them. */
    private static String firstOf(List<String> names) {
        return String.join(", ", names.subList(0, Math.min(5, names.size()))) + (names.size() > 5 ? ", ..." : "");
    }

    /** How a refused commit names the lost workers of {@code record}: {@code  (on lost worker worker-1)}. */
    private static String lostOn(BlockRecord record, Predicate<String> live) {
        List<String> lost = record.getWorkerIdsList().stream().filter(live.negate()).sorted().toList();
        return " (on lost worker%s %s)".formatted(lost.size() == 1 ? "" : "s", String.join(", ", lost));
    }

    /**
     * 1 when {@code record} has fewer replicas on live workers than its replication (0 in old
     * records counts as 1), as {@link #underReplicated(String, int, Predicate)} counts it, adding
     * its workers not live to {@code lostWorkers}; else 0.
     */
    private static int underReplicated(BlockRecord record, Predicate<String> live, Set<String> lostWorkers) {
        long liveReplicas = record.getWorkerIdsList().stream().filter(live).count();
        if (liveReplicas >= Math.max(1, record.getReplication())) {
            return 0;
        }
        record.getWorkerIdsList().stream().filter(live.negate()).forEach(lostWorkers::add);
        return 1;
    }

    /**
     * The committed record at {@code blockKey} with a replica, of {@code file} where given (named
     * by id, the key's file key is the hash of the file's identity).
     */
    private Optional<BlockRecord> committedBlock(String blockKey, FileIdentity file) {
        byte[] value = get(blocks, blockKey.getBytes(UTF_8), "read block " + blockIdOf(blockKey));
        if (value == null) {
            return Optional.empty();
        }
        BlockRecord record = parseBlock(value);
        return record.getWorkerIdsCount() > 0 && (file == null || sameFile(record, file)) ? Optional.of(record) : Optional.empty();
    }

    /**
     * The outcome of {@link #commitScope}.
     *
     * @param blocks the blocks of the scope readers see now
     * @param bytes their bytes, counted once per block
     * @param underReplicated how many of them have fewer replicas on live workers than their
     *     replication: some of their replicas are on lost workers
     * @param lostWorkers the lost workers those replicas are on, sorted
     */
    record ScopeResult(int blocks, long bytes, int underReplicated, Set<String> lostWorkers) {
        ScopeResult {
            checkArgument(underReplicated >= 0 && underReplicated <= blocks, "underReplicated must be 0 to %s: %s", blocks, underReplicated);
            lostWorkers = Collections.unmodifiableSortedSet(new TreeSet<>(lostWorkers));
        }

        /** A scope of {@code blocks} blocks of {@code bytes} bytes, none under-replicated. */
        ScopeResult(int blocks, long bytes) {
            this(blocks, bytes, 0, Set.of());
        }
    }

    /** The record of the block at {@code blockKey} in the temp area of {@code jobId}; null when it is not there. */
    private BlockRecord tempBlock(String jobId, String blockKey) {
        byte[] value = get(tempBlocks, (jobId + "/" + blockKey).getBytes(UTF_8), "read the temp area of job " + jobId);
        return value == null ? null : parseBlock(value);
    }

    /**
     * Deletes the temp area of {@code jobId} and its blocks, and tells the workers to delete them
     * (or only to unpin them where the worker also holds the block committed), except where
     * another job has the block staged on the worker: that job's area still needs it, pinned.
     */
    synchronized AreaDeletion deleteTempArea(String jobId) {
        return unstage(jobId, tempBlocks(jobId), true, "delete the temp area of job " + jobId);
    }

    /**
     * As {@link #deleteTempArea(String)}, when the area of {@code jobId} is still expired at {@code
     * nowMillis}: what the expiry does, which found it expired in a listing taken before it held the
     * store, so that an area renewed since (by a renewal that waited for the store), or opened
     * afresh for the job, stays with its blocks.
     *
     * @return the deletion; empty when the job has no area any more, or one that expires after {@code nowMillis}
     */
    synchronized Optional<AreaDeletion> deleteTempAreaIfExpired(String jobId, long nowMillis) {
        Optional<TempAreaRecord> area = tempArea(jobId);
        if (area.isEmpty() || area.get().getExpiresAtMillis() > nowMillis) {
            return Optional.empty();
        }
        return Optional.of(deleteTempArea(jobId));
    }

    /**
     * As {@link #deleteTempArea(String)}, by run {@code runId} with {@code token}: refused when
     * another run holds the area, which keeps it and its blocks.
     *
     * @param runId empty for a deletion without a run, never refused
     * @param token empty for any run with {@code runId}
     * @throws TempAreaInUseException when another run of the job holds the area; nothing changes then
     */
    synchronized AreaDeletion deleteTempArea(String jobId, long nowMillis, String runId, String token) {
        Optional<TempAreaRecord> area = tempArea(jobId);
        if (area.isPresent()) {
            checkHeldBy(area.get(), runId, token, nowMillis, "Cannot delete the temp area of job " + jobId);
        }
        return deleteTempArea(jobId);
    }

    /**
     * Removes the blocks of {@code files} from the temp area of {@code jobId}, all in one write
     * batch, and tells their workers what {@link #deleteTempArea} tells them of each: delete it, or
     * only unpin it where the worker also holds the block committed, or nothing where another job
     * has it staged there. The area's other blocks, and the area itself, stay; an expired area not
     * collected yet is taken as it is. Does nothing for a job without a temp area, or files without
     * blocks in it.
     *
     * @return the blocks removed ({@code existed}: whether the job has a temp area)
     */
    synchronized AreaDeletion unstageFiles(String jobId, Collection<FileIdentity> files) {
        List<BlockRecord> staged = new ArrayList<>();
        for (FileIdentity file : new LinkedHashSet<>(files)) {
            scan(tempBlocks, (jobId + "/" + file.fileKey() + "/").getBytes(UTF_8), "list the temp area of job " + jobId, (key, value) -> {
                BlockRecord record = parseBlock(value);
                if (sameFile(record, file)) {
                    staged.add(record);
                }
                return true;
            });
        }
        return unstage(jobId, staged, false, "unstage " + Counts.of(files.size(), "file") + " from the temp area of job " + jobId);
    }

    /**
     * Removes {@code staged}, blocks of the temp area of {@code jobId}, from it in one write batch
     * (with the area itself when {@code deleteArea}), and tells each of their workers to unpin the
     * block where it also holds it committed, or else to delete it; nothing where another job has
     * it staged there.
     */
    private AreaDeletion unstage(String jobId, List<BlockRecord> staged, boolean deleteArea, String action) {
        boolean existed = tempArea(jobId).isPresent();
        // counted before the batch is written: whoever sees the blocks gone sees the count moved
        removals.addAndGet(staged.size());
        long bytes = 0;
        Set<String> workers = new TreeSet<>();
        StagedElsewhere stagedElsewhere = stagedElsewhere(jobId);
        try (Batch batch = new Batch()) {
            for (BlockRecord record : staged) {
                String fileKey = ProtoConversions.fromProto(record.getFile()).fileKey();
                String blockKey = blockKeyString(fileKey, record.getIndex());
                String blockId = blockIdOf(blockKey);
                for (String worker : record.getWorkerIdsList()) {
                    workers.add(worker);
                    delete(batch, workerStaged, (worker + "/" + blockKey + "/" + jobId).getBytes(UTF_8));
                    // the worker holds one pin per block: where another job has it staged, that job's area needs it
                    if (!stagedElsewhere.test(worker, blockKey)) {
                        if (committedOn(worker, blockKey)) {
                            queue(batch, worker, WorkerCommand.newBuilder().setUnpinBlockId(blockId).build());
                        }
                        else {
                            queueRemove(batch, worker, blockId);
                        }
                    }
                }
                delete(batch, tempBlocks, (jobId + "/" + blockKey).getBytes(UTF_8));
                bytes += record.getLength();
            }
            if (deleteArea) {
                delete(batch, tempAreas, jobId.getBytes(UTF_8));
            }
            write(batch, action);
        }
        return new AreaDeletion(jobId, existed, staged.size(), bytes, workers);
    }

    /**
     * The outcome of {@link #deleteTempArea} and {@link #unstageFiles}.
     *
     * @param existed whether the job had a temp area
     * @param blocks the blocks removed from it
     * @param bytes their bytes, once per block
     * @param workers the workers told to delete or unpin blocks, sorted
     */
    record AreaDeletion(String jobId, boolean existed, int blocks, long bytes, Set<String> workers) {}

    /** Whether {@code worker} holds the block of {@code blockKey} committed. */
    private boolean committedOn(String worker, String blockKey) {
        return get(workerBlocks, (worker + "/" + blockKey).getBytes(UTF_8), "read the blocks of worker " + worker) != null;
    }

    /**
     * Whether a job other than {@code jobId} has a block staged on a worker, for the many blocks of
     * one operation under this store's lock: a key read per other temp area (none where there is
     * no other, as with one atomic job at a time), where {@link #stagedElsewhere(String, String,
     * String)} opens an iterator per block and worker; that past {@link #STAGED_ELSEWHERE_READS} other areas.
     */
    private StagedElsewhere stagedElsewhere(String jobId) {
        List<String> others = new ArrayList<>();
        scan(tempAreas, EMPTY, "list the temp areas", (key, value) -> {
            String other = new String(key, UTF_8);
            if (!other.equals(jobId)) {
                others.add(other);
            }
            return others.size() <= STAGED_ELSEWHERE_READS;
        });
        if (others.size() > STAGED_ELSEWHERE_READS) {
            return (worker, blockKey) -> stagedElsewhere(worker, blockKey, jobId);
        }
        return (worker, blockKey) -> {
            for (String other : others) {
                if (get(workerStaged, (worker + "/" + blockKey + "/" + other).getBytes(UTF_8), "read the staged blocks of worker " + worker) != null) {
                    return true;
                }
            }
            return false;
        };
    }

    /** Whether a job (other than one) has the block of a key staged on a worker. */
    @FunctionalInterface
    private interface StagedElsewhere {
        boolean test(String worker, String blockKey);
    }

    /** Whether a job other than {@code jobId} has the block of {@code blockKey} staged on {@code worker}. */
    private boolean stagedElsewhere(String worker, String blockKey, String jobId) {
        byte[] prefix = (worker + "/" + blockKey + "/").getBytes(UTF_8);
        boolean[] found = {false};
        scan(workerStaged, prefix, "read the staged blocks of worker " + worker, (key, value) -> {
            String other = new String(key, prefix.length, key.length - prefix.length, UTF_8);
            if (!other.equals(jobId)) {
                found[0] = true;
                return false;
            }
            return true;
        });
        return found[0];
    }

    /** The temp area of {@code jobId}, open at {@code nowMillis}. */
    private TempAreaRecord checkOpen(String jobId, long nowMillis, String action) {
        Optional<TempAreaRecord> area = tempArea(jobId);
        if (area.isEmpty()) {
            throw new TempAreaNotFoundException(action + ": the job has no open temp area");
        }
        if (area.get().getExpiresAtMillis() <= nowMillis) {
            throw new TempAreaNotFoundException(action + ": its temp area expired at "
                    + java.time.Instant.ofEpochMilli(area.get().getExpiresAtMillis()));
        }
        return area.get();
    }

    // ------------------------------------------------------------------------------------------
    // Free
    // ------------------------------------------------------------------------------------------

    /**
     * Forgets every committed block of {@code file} and tells its workers to delete them, except
     * where the worker also holds the block in a temp area.
     */
    synchronized FreeResult free(FileIdentity file) {
        try (Batch batch = new Batch()) {
            FreeResult result = free(batch, file);
            write(batch, "free " + file.path());
            return result;
        }
    }

    /**
     * {@link #free} of every file identity whose path is exactly {@code path}, whatever its length,
     * modification time and etag, in one write batch.
     */
    synchronized FreeResult freePath(String path) {
        List<FileIdentity> identities = fileIdentities((path + "\0").getBytes(UTF_8), "list the files of " + path);
        int filesFreed = 0;
        int blocksFreed = 0;
        long bytes = 0;
        try (Batch batch = new Batch()) {
            for (FileIdentity identity : identities) {
                FreeResult result = free(batch, identity);
                filesFreed += result.files();
                blocksFreed += result.blocks();
                bytes += result.bytes();
            }
            write(batch, "free " + path);
        }
        return new FreeResult(filesFreed, blocksFreed, bytes);
    }

    /** {@link #free} of every file identity whose path starts with {@code pathPrefix}. */
    synchronized FreeResult freePrefix(String pathPrefix) {
        List<FileIdentity> identities = fileIdentities(pathPrefix.getBytes(UTF_8), "list the files under " + pathPrefix);
        int filesFreed = 0;
        int blocksFreed = 0;
        long bytes = 0;
        for (FileIdentity identity : identities) {
            FreeResult result = free(identity);
            filesFreed += result.files();
            blocksFreed += result.blocks();
            bytes += result.bytes();
        }
        return new FreeResult(filesFreed, blocksFreed, bytes);
    }

    /** Adds the deletions of {@link #free} of {@code file} to {@code batch}. */
    private FreeResult free(Batch batch, FileIdentity file) {
        List<BlockRecord> records = fileBlocks(file);
        // counted before the batch is written: whoever sees the blocks gone sees the count moved
        removals.addAndGet(records.size());
        String fileKey = file.fileKey();
        long bytes = 0;
        for (BlockRecord record : records) {
            String blockKey = blockKeyString(fileKey, record.getIndex());
            delete(batch, blocks, blockKey.getBytes(UTF_8));
            for (String worker : record.getWorkerIdsList()) {
                delete(batch, workerBlocks, (worker + "/" + blockKey).getBytes(UTF_8));
                if (!stagedElsewhere(worker, blockKey, "")) {
                    queueRemove(batch, worker, blockIdOf(blockKey));
                }
            }
            bytes += record.getLength();
        }
        delete(batch, files, fileEntryKey(file.path(), fileKey));
        return new FreeResult(records.isEmpty() ? 0 : 1, records.size(), bytes);
    }

    /** The file identities of the entries of {@code files} whose key starts with {@code prefix}. */
    private List<FileIdentity> fileIdentities(byte[] prefix, String action) {
        List<FileIdentity> identities = new ArrayList<>();
        scan(files, prefix, action, (key, value) -> {
            try {
                identities.add(ProtoConversions.fromProto(FileIdentityProto.parseFrom(value)));
            }
            catch (InvalidProtocolBufferException e) {
                throw new MetadataStoreException("Corrupt file record in " + directory, e);
            }
            return true;
        });
        return identities;
    }

    /** What {@link #free} forgot. */
    record FreeResult(int files, int blocks, long bytes) {}

    // ------------------------------------------------------------------------------------------
    // Worker commands
    // ------------------------------------------------------------------------------------------

    /**
     * Removes and returns up to {@code max} of the commands queued for {@code workerId}: block
     * deletions first, then the others oldest first. The worker asks for them with a heartbeat,
     * after carrying out those of its last one; until its next heartbeat (or registration) the
     * deleted blocks are in flight, and a commit of one of them on it is refused. Commands taken
     * so are gone from the queues once the answer is on its way, reached the worker or not: this
     * is for workers that do not acknowledge answers (see {@link #answerCommands}).
     *
     * <p>A take deletes what it returns, and RocksDB keeps the deletions until it compacts them:
     * a read from the worker's first key would step over every command taken before. So each take
     * resumes past the last one taken (see {@link RemovesCursor}), and steps over the deletions of
     * the commands it takes, not those of earlier takes. The resume points are in memory: the
     * first take after the store opens reads from the worker's first key.
     */
    synchronized List<WorkerCommand> takeCommands(String workerId, int max) {
        removesInFlight.remove(workerId);
        // a worker that acknowledged answers before (an earlier version started under its id since): what it did not
        // acknowledge is still queued, and goes now
        forgetSentAnswer(workerId);
        Take take = take(workerId, max);
        if (!take.removeKeys.isEmpty() || !take.commandKeys.isEmpty()) {
            try (Batch batch = new Batch()) {
                // each read from the store just now, once
                take.removeKeys.forEach(key -> setRemoveQueued(batch, key, true, false));
                take.commandKeys.forEach(key -> delete(batch, workerCommands, key));
                batch.queuedChange -= take.commandKeys.size();
                write(batch, "take the commands of worker " + workerId);
            }
        }
        // the resume points move once the deletions are written
        take.moveCursors();
        if (!take.removes.isEmpty()) {
            removesInFlight.put(workerId, take.removes);
        }
        return take.commands;
    }

    /**
     * The commands for the heartbeat of {@code workerId}, a worker that acknowledges answers: its
     * heartbeat names the last answer it carried out, {@code carriedOutAnswerId} (0 for none), and
     * the commands of that answer leave the queues now (see {@link #carriedOut}). Then, when the
     * worker has not carried out the last answer it was given (the answer was lost on its way, or
     * the worker died before carrying it out), the same commands, with the same id, go again; else
     * up to {@code max} commands are taken as {@link #takeCommands} takes them, but stay queued,
     * and in flight, until the worker names their answer. A master restart keeps them so: they go
     * again after the worker registers.
     *
     * <p>Carrying out an answer again is harmless: a deletion of a block the worker no longer
     * holds does nothing, and a block whose deletion is in flight is not committed on the worker
     * meanwhile (see {@link #claimFromRemoval}); pins and unpins go again before anything queued
     * after them. The commands an answer leaves in the queues are below where the worker's next
     * take resumes: each take still reads past the deletions of earlier ones only.
     */
    synchronized SentAnswer answerCommands(String workerId, long carriedOutAnswerId, int max) {
        carriedOut(workerId, carriedOutAnswerId);
        SentAnswer sent = sentAnswers.get(workerId);
        if (sent != null) {
            log.info("Worker {} has not carried out answer {} ({}): sending it again", workerId, sent.id(),
                    Counts.of(sent.commands().size(), "command"));
            return sent;
        }
        removesInFlight.remove(workerId);
        Take take = take(workerId, max);
        take.moveCursors();
        if (take.commands.isEmpty()) {
            return SentAnswer.NONE;
        }
        SentAnswer answer = new SentAnswer(++lastAnswerId, List.copyOf(take.commands), List.copyOf(take.removeKeys),
                List.copyOf(take.commandKeys));
        sentAnswers.put(workerId, answer);
        if (!take.removes.isEmpty()) {
            removesInFlight.put(workerId, take.removes);
        }
        return answer;
    }

    /**
     * Drops the commands of answer {@code answerId} to {@code workerId} from the queues, when it is
     * the last answer {@link #answerCommands} gave the worker: the worker says it carried them out.
     * Its deletions are no longer in flight. Any other id (0, or that of an answer carried out
     * before) changes nothing.
     */
    synchronized void carriedOut(String workerId, long answerId) {
        SentAnswer sent = sentAnswers.get(workerId);
        if (sent == null || sent.id() != answerId) {
            return;
        }
        try (Batch batch = new Batch()) {
            // each still queued, as when it was read, and not read again: a free of a million blocks would read them all
            // twice. None left the queues meanwhile: a commit or staging of a block whose deletion is in flight is refused,
            // and only this and a take (which forgets the answer first) drop a queued command
            sent.removeKeys().forEach(key -> setRemoveQueued(batch, key, true, false));
            sent.commandKeys().forEach(key -> delete(batch, workerCommands, key));
            batch.queuedChange -= sent.commandKeys().size();
            write(batch, "drop the commands worker " + workerId + " carried out");
        }
        sentAnswers.remove(workerId);
        removesInFlight.remove(workerId);
    }

    /**
     * Forgets the answer last given to {@code workerId} and not carried out: its commands are still
     * queued, below where the worker's next take resumes, so that take reads from the worker's
     * first key, as after the store opens. For a worker that registers (it reports what it holds
     * now, and hears from its first heartbeat on what it was not told), or no longer acknowledges.
     */
    private void forgetSentAnswer(String workerId) {
        if (sentAnswers.remove(workerId) != null) {
            removesCursors.remove(workerId);
            commandsCursors.remove(workerId);
        }
    }

    /**
     * An answer's commands, in the order taken, and their keys in {@code worker-removes} and
     * {@code worker-commands}, which stay there until the worker carried them out.
     *
     * @param id unique within this run of the master; 0 for {@link #NONE}
     */
    record SentAnswer(long id, List<WorkerCommand> commands, List<byte[]> removeKeys, List<byte[]> commandKeys) {
        static final SentAnswer NONE = new SentAnswer(0, List.of(), List.of(), List.of());

        SentAnswer {
            requireNonNull(commands, "commands is null");
            requireNonNull(removeKeys, "removeKeys is null");
            requireNonNull(commandKeys, "commandKeys is null");
        }
    }

    /**
     * Reads up to {@code max} of the commands queued for {@code workerId} from where its last take
     * ended (see {@link #takeCommands}); the resume points move when the caller says so
     * ({@link Take#moveCursors}), once what it writes is written.
     */
    private Take take(String workerId, int max) {
        Take take = new Take();
        byte[] prefix = (workerId + "/").getBytes(UTF_8);
        RemovesCursor cursor = removesCursors.computeIfAbsent(workerId, worker -> new RemovesCursor(prefix));
        List<WorkerCommand> commands = take.commands;
        List<String> behindRead = new ArrayList<>();
        for (String blockId : cursor.behind) {
            if (commands.size() >= max) {
                break;
            }
            behindRead.add(blockId);
            byte[] key = removeKey(workerId, blockId);
            // queued, then perhaps claimed by a commit since, or never written
            if (get(workerRemoves, key, "read the block deletions of worker " + workerId) != null) {
                commands.add(WorkerCommand.newBuilder().setRemoveBlockId(blockId).build());
                take.removes.add(blockId);
                take.removeKeys.add(key);
            }
        }
        int takenBehind = take.removeKeys.size();
        boolean removesRead = commands.size() < max;
        if (removesRead) {
            scan(workerRemoves, prefix, cursor.resume, null, "read the block deletions of worker " + workerId,
                    (key, value) -> {
                        String blockId = new String(key, prefix.length, key.length - prefix.length, UTF_8);
                        commands.add(WorkerCommand.newBuilder().setRemoveBlockId(blockId).build());
                        take.removes.add(blockId);
                        take.removeKeys.add(key);
                        return commands.size() < max;
                    });
        }
        boolean commandsRead = commands.size() < max;
        if (commandsRead) {
            scan(workerCommands, prefix, commandsCursors.getOrDefault(workerId, prefix), null,
                    "read the commands of worker " + workerId, (key, value) -> {
                        WorkerCommand command;
                        try {
                            command = WorkerCommand.parseFrom(value);
                        }
                        catch (InvalidProtocolBufferException e) {
                            throw new MetadataStoreException("Corrupt worker command in " + directory, e);
                        }
                        commands.add(command);
                        if (command.hasRemoveBlockId()) {
                            // queued by an earlier version, before deletions had their own family
                            take.removes.add(command.getRemoveBlockId());
                        }
                        take.commandKeys.add(key);
                        return commands.size() < max;
                    });
        }
        take.cursorMoves = () -> {
            behindRead.forEach(cursor.behind::remove);
            if (take.removeKeys.size() > takenBehind) {
                cursor.resume = after(take.removeKeys.get(take.removeKeys.size() - 1));
            }
            else if (removesRead && Arrays.equals(cursor.resume, prefix)) {
                // none queued (read from the first key, as after the store opened): the deletions queued
                // from now on are all behind the resume point, not after the deletions of earlier takes
                cursor.resume = upperBound(prefix);
            }
            if (commandsRead) {
                // a take that stopped short of the worker's last command resumes past the last one taken; otherwise
                // every command queued for the worker so far is taken
                commandsCursors.put(workerId, commands.size() == max && !take.commandKeys.isEmpty()
                        ? after(take.commandKeys.get(take.commandKeys.size() - 1))
                        : commandKey(workerId, commandSequence.get() + 1));
            }
        };
        return take;
    }

    /** What {@link #take} read: the commands, the blocks they delete, and their keys in either queue. Guarded by the store. */
    private static final class Take {
        private final List<WorkerCommand> commands = new ArrayList<>();
        private final Set<String> removes = new HashSet<>();
        private final List<byte[]> removeKeys = new ArrayList<>();
        private final List<byte[]> commandKeys = new ArrayList<>();
        private Runnable cursorMoves;

        /** Moves the worker's resume points past what was read: its next take reads on from there. */
        private void moveCursors() {
            cursorMoves.run();
        }
    }

    /**
     * Where a worker's next take resumes in {@code worker-removes}, which is keyed by block id:
     * every deletion queued for the worker with a key below {@code resume} was taken, except those
     * queued since, which {@code behind} names (oldest first; a commit may have claimed some since).
     * When {@code behind} would outgrow {@value #MAX_REMOVES_BEHIND_PER_WORKER}, the cursor is
     * dropped, and the worker's next take reads from its first key, stepping over the deletions of
     * earlier takes once. Guarded by the store.
     */
    private static final class RemovesCursor {
        private byte[] resume;
        private final Set<String> behind = new LinkedHashSet<>();

        private RemovesCursor(byte[] resume) {
            this.resume = resume;
        }
    }

    /** The least key above {@code key}: RocksDB orders keys bytewise. */
    private static byte[] after(byte[] key) {
        return Arrays.copyOf(key, key.length + 1);
    }

    /**
     * Commands queued for any worker, block deletions included: kept by every write to the queues
     * (see {@link Batch}), and with them in the store (see {@link #queueState}), so that reading
     * it (the gauge, at every scrape) walks nothing, neither the queues nor the deletions of the
     * commands taken, which RocksDB keeps until it compacts them.
     */
    long queuedCommands() {
        return queuedCommands.get();
    }

    /** {@link #queuedCommands}, counted by a scan of the queues, which steps over the deletions in them. */
    long countQueuedCommands() {
        long[] count = {0};
        for (ColumnFamilyHandle family : List.of(workerRemoves, workerCommands)) {
            scan(family, EMPTY, "count the worker commands", (key, value) -> {
                count[0]++;
                return true;
            });
        }
        return count[0];
    }

    private void queueRemove(Batch batch, String workerId, String blockId) {
        byte[] key = removeKey(workerId, blockId);
        setRemoveQueued(batch, key, removeQueued(key, workerId), true);
        RemovesCursor cursor = removesCursors.get(workerId);
        if (cursor != null && Arrays.compareUnsigned(key, cursor.resume) < 0 && cursor.behind.add(blockId)
                && cursor.behind.size() > MAX_REMOVES_BEHIND_PER_WORKER) {
            removesCursors.remove(workerId);
        }
    }

    private static byte[] removeKey(String workerId, String blockId) {
        return (workerId + "/" + blockId).getBytes(UTF_8);
    }

    private void queue(Batch batch, String workerId, WorkerCommand command) {
        put(batch, workerCommands, commandKey(workerId, commandSequence.incrementAndGet()), command.toByteArray());
        // a new sequence: a key not queued before
        batch.queuedChange++;
        batch.sequenced = true;
    }

    /**
     * Whether the deletion at {@code key} of {@code worker-removes} is queued, as the store holds
     * it: a batch writes each such key at most once (see {@link Batch}), so the batch has not
     * changed it yet.
     */
    private boolean removeQueued(byte[] key, String workerId) {
        return get(workerRemoves, key, "read the block deletions of worker " + workerId) != null;
    }

    /**
     * Queues the deletion at {@code key} of {@code worker-removes} in {@code batch}, or drops it,
     * and moves the batch's count of queued commands when that changes it.
     *
     * @param was whether it is queued before this change, as {@link #removeQueued} says
     * @throws AssertionError when assertions are enabled and the batch wrote the key before
     */
    private void setRemoveQueued(Batch batch, byte[] key, boolean was, boolean queued) {
        if (queued) {
            put(batch, workerRemoves, key, EMPTY);
        }
        else {
            delete(batch, workerRemoves, key);
        }
        assert batch.removesWritten().add(ByteBuffer.wrap(key)) : "a deletion queued or dropped twice in one batch: " + new String(key, UTF_8);
        batch.queuedChange += Boolean.compare(queued, was);
    }

    /**
     * A write batch that counts how far it moves {@link #queuedCommands}; written, it records the
     * new count and the last command sequence in the default column family, and the count moves.
     * The keys of {@code worker-commands} it queues are new (each has a new sequence) and those it
     * deletes were read once. It writes each key of {@code worker-removes} at most once, so that
     * whether the key is queued before its change is what the store holds: its blocks are distinct
     * (a commit or staging of several blocks names each once, a free or temp-area deletion holds
     * each once), and so are the workers of each block. The keys it writes are kept, to check
     * that, only when assertions are enabled: a free of a million blocks would otherwise hold them
     * all in the heap.
     */
    private static final class Batch extends WriteBatch {
        private Set<ByteBuffer> removesWritten;
        private long queuedChange;
        /** Whether the batch queues commands with new sequences. */
        private boolean sequenced;

        private Set<ByteBuffer> removesWritten() {
            if (removesWritten == null) {
                removesWritten = new HashSet<>();
            }
            return removesWritten;
        }
    }

    private static byte[] commandKey(String workerId, long sequence) {
        return String.format("%s/%020d", workerId, sequence).getBytes(UTF_8);
    }

    /** The last sequence handed out to a command queued in {@code worker-commands}: the next one is higher. */
    long lastCommandSequence() {
        return commandSequence.get();
    }

    /**
     * The last command sequence and {@link #queuedCommands}, as the default column family keeps
     * them (written with every batch that moves them), so that opening the store reads neither
     * queue, nor the deletions of the commands taken, which RocksDB keeps until it compacts them.
     * A store an earlier version wrote has neither key: they are read from the queues then (the
     * sequence as the highest one queued) and kept from then on. An earlier version that writes
     * to the store afterwards leaves them as they were.
     */
    private QueueState queueState() {
        ColumnFamilyHandle defaultFamily = handles.get(0);
        byte[] sequence = get(defaultFamily, COMMAND_SEQUENCE, "read the last command sequence");
        byte[] queued = get(defaultFamily, QUEUED_COMMANDS, "read the count of queued commands");
        if (sequence != null && queued != null) {
            return new QueueState(parseCount(sequence, COMMAND_SEQUENCE), parseCount(queued, QUEUED_COMMANDS));
        }
        long[] last = {0};
        scan(workerCommands, EMPTY, "read the worker commands", (key, value) -> {
            String text = new String(key, UTF_8);
            last[0] = Math.max(last[0], Long.parseLong(text.substring(text.lastIndexOf('/') + 1)));
            return true;
        });
        QueueState state = new QueueState(last[0], countQueuedCommands());
        try (WriteBatch batch = new WriteBatch()) {
            putQueueState(batch, state);
            db.write(writeOptions, batch);
        }
        catch (RocksDBException e) {
            throw failure("record the count of queued commands", e);
        }
        return state;
    }

    /** The last command sequence handed out, and the commands queued. */
    private record QueueState(long lastSequence, long queued) {}

    private static void putQueueState(WriteBatch batch, QueueState state) throws RocksDBException {
        batch.put(COMMAND_SEQUENCE, Long.toString(state.lastSequence()).getBytes(UTF_8));
        batch.put(QUEUED_COMMANDS, Long.toString(state.queued()).getBytes(UTF_8));
    }

    private long parseCount(byte[] value, byte[] key) {
        String text = new String(value, UTF_8);
        try {
            return Long.parseLong(text);
        }
        catch (NumberFormatException e) {
            throw new MetadataStoreException("Corrupt " + new String(key, UTF_8) + " in the block metadata store "
                    + directory + ": not a number: " + text, e);
        }
    }

    // ------------------------------------------------------------------------------------------

    /** Flushes and closes RocksDB; later calls do nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        handles.forEach(ColumnFamilyHandle::close);
        db.close();
        writeOptions.close();
        columnFamilyOptions.close();
        filter.close();
        dbOptions.close();
        statistics.close();
        writeBufferManager.close();
        cache.close();
    }

    /**
     * The outcome of {@link #reconcile}.
     *
     * @param kept recorded locations the worker confirmed
     * @param dropped recorded locations the worker no longer holds, now removed
     * @param unrecorded reported block ids the master has not recorded on this worker, sorted
     * @param pinned reported blocks of open temp areas, with their areas' expiry, sorted
     */
    record ReconcileResult(int kept, int dropped, List<String> unrecorded, List<PinnedBlock> pinned) {
        ReconcileResult {
            unrecorded = List.copyOf(unrecorded);
            pinned = List.copyOf(pinned);
        }

        ReconcileResult(int kept, int dropped, List<String> unrecorded) {
            this(kept, dropped, unrecorded, List.of());
        }
    }

    /** {@code <workerId>/<fileKey>/<index>/<jobId>} after its worker prefix. */
    private record StagedKey(String fileKey, int index, String jobId) {
        static StagedKey parse(String key) {
            String[] parts = key.split("/", 3);
            return new StagedKey(parts[0], Integer.parseInt(parts[1]), parts[2]);
        }

        String blockId() {
            return fileKey + "-" + index;
        }

        byte[] tempBlockKey() {
            return (jobId + "/" + blockKeyString(fileKey, index)).getBytes(UTF_8);
        }
    }

    static byte[] blockKey(String fileKey, int index) {
        return blockKeyString(fileKey, index).getBytes(UTF_8);
    }

    /** {@code <fileKey>/<index, 10 digits>}, so that a file's blocks sort by index; built by hand, as {@code String.format} costs more than a commit's writes. */
    private static String blockKeyString(String fileKey, int index) {
        String digits = Integer.toString(index);
        StringBuilder key = new StringBuilder(fileKey.length() + 11).append(fileKey).append('/');
        for (int i = digits.length(); i < 10; i++) {
            key.append('0');
        }
        return key.append(digits).toString();
    }

    private static byte[] workerKey(String workerId, String fileKey, int index) {
        return (workerId + "/" + blockKeyString(fileKey, index)).getBytes(UTF_8);
    }

    private static byte[] stagedKey(String workerId, String fileKey, int index, String jobId) {
        return (workerId + "/" + blockKeyString(fileKey, index) + "/" + jobId).getBytes(UTF_8);
    }

    private static byte[] tempBlockKey(String jobId, String fileKey, int index) {
        return (jobId + "/" + blockKeyString(fileKey, index)).getBytes(UTF_8);
    }

    private static byte[] fileEntryKey(String path, String fileKey) {
        return (path + "\0" + fileKey).getBytes(UTF_8);
    }

    /** {@code <fileKey>/<padded index>} to the block id {@code <fileKey>-<index>}. */
    private static String blockIdOf(String blockKey) {
        int slash = blockKey.indexOf('/');
        return blockKey.substring(0, slash) + "-" + Integer.parseInt(blockKey.substring(slash + 1));
    }

    static String blockIdOf(BlockRecord record) {
        return ProtoConversions.fromProto(record.getFile()).fileKey() + "-" + record.getIndex();
    }

    /** The block id {@code <fileKey>-<index>} to {@code <fileKey>/<padded index>}. */
    private static String blockKeyOf(String blockId) {
        int dash = blockId.lastIndexOf('-');
        return blockKeyString(blockId.substring(0, dash), Integer.parseInt(blockId.substring(dash + 1)));
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    private static boolean sameFile(BlockRecord record, FileIdentity file) {
        return ProtoConversions.fromProto(record.getFile()).equals(file);
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** Visits the entries of {@code family} whose key starts with {@code prefix}, until the visitor returns false. */
    private void scan(ColumnFamilyHandle family, byte[] prefix, String action, EntryVisitor visitor) {
        scan(family, prefix, prefix, null, action, visitor);
    }

    /**
     * As {@link #scan(ColumnFamilyHandle, byte[], String, EntryVisitor)}, from the first key at or
     * above {@code start} (the prefix or a key past it), in {@code snapshot} when not null. The iterator ends at the prefix's upper bound, so that RocksDB does not walk the
     * deleted entries past it (a freed table's) in search of the next live key.
     */
    private void scan(ColumnFamilyHandle family, byte[] prefix, byte[] start, Snapshot snapshot, String action,
            EntryVisitor visitor) {
        byte[] bound = upperBound(prefix);
        try (Slice upper = bound == null ? null : new Slice(bound);
                ReadOptions options = new ReadOptions();
                RocksIterator iterator = db.newIterator(family, bounded(options, upper, snapshot))) {
            for (iterator.seek(start); iterator.isValid() && startsWith(iterator.key(), prefix); iterator.next()) {
                if (!visitor.visit(iterator.key(), iterator.value())) {
                    break;
                }
            }
            iterator.status();
        }
        catch (RocksDBException e) {
            throw failure(action, e);
        }
    }

    private static ReadOptions bounded(ReadOptions options, Slice upper, Snapshot snapshot) {
        if (upper != null) {
            options.setIterateUpperBound(upper);
        }
        if (snapshot != null) {
            options.setSnapshot(snapshot);
        }
        return options;
    }

    /**
     * The least key above every key that starts with {@code prefix}: the prefix with its last byte
     * that is not 0xFF incremented, the bytes after it dropped; null when there is none (an empty
     * prefix, or one of 0xFF bytes only).
     */
    static byte[] upperBound(byte[] prefix) {
        for (int i = prefix.length - 1; i >= 0; i--) {
            if (prefix[i] != (byte) 0xFF) {
                byte[] bound = Arrays.copyOf(prefix, i + 1);
                bound[i]++;
                return bound;
            }
        }
        return null;
    }

    /**
     * Entries RocksDB's iterators stepped over since the store opened: deleted or overwritten
     * entries a read passed on its way to the next live one. A count that grows much faster than
     * the reads means reads walk deletions (after a large free, until compaction drops them).
     */
    long iteratorSkippedEntries() {
        return statistics.getTickerCount(TickerType.NUMBER_ITER_SKIP);
    }

    @FunctionalInterface
    private interface EntryVisitor {
        boolean visit(byte[] key, byte[] value);
    }

    private byte[] get(ColumnFamilyHandle family, byte[] key, String action) {
        try {
            return db.get(family, key);
        }
        catch (RocksDBException e) {
            throw failure(action, e);
        }
    }

    private void put(WriteBatch batch, ColumnFamilyHandle family, byte[] key, byte[] value) {
        try {
            batch.put(family, key, value);
        }
        catch (RocksDBException e) {
            throw failure("prepare a write", e);
        }
    }

    private void delete(WriteBatch batch, ColumnFamilyHandle family, byte[] key) {
        try {
            batch.delete(family, key);
        }
        catch (RocksDBException e) {
            throw failure("prepare a delete", e);
        }
    }

    private void write(Batch batch, String action) {
        try {
            if (batch.queuedChange != 0 || batch.sequenced) {
                // with what moves them (all writes hold the store's lock): a crash keeps both or neither
                putQueueState(batch, new QueueState(commandSequence.get(), queuedCommands.get() + batch.queuedChange));
            }
            db.write(writeOptions, batch);
            queuedCommands.addAndGet(batch.queuedChange);
        }
        catch (RocksDBException e) {
            throw failure(action, e);
        }
    }

    private BlockRecord parseBlock(byte[] value) {
        try {
            return BlockRecord.parseFrom(value);
        }
        catch (InvalidProtocolBufferException e) {
            throw new MetadataStoreException("Corrupt block record in " + directory, e);
        }
    }

    private MetadataStoreException failure(String action, RocksDBException e) {
        return new MetadataStoreException("Cannot " + action + " in the block metadata store " + directory + ": "
                + e.getMessage(), e);
    }
}
