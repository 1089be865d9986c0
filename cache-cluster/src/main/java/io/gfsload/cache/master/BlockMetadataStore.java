package io.gfsload.cache.master;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.proto.BlockRecord;
import io.gfsload.cache.rpc.ProtoConversions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Committed block metadata in RocksDB: one {@link BlockRecord} per block, and an index of the
 * blocks each worker holds.
 *
 * <p>Keys of the {@code blocks} column family are {@code <fileKey>/<index, 10 digits>}, so a
 * prefix scan returns one file's blocks in index order. Keys of {@code worker-blocks} are
 * {@code <workerId>/<fileKey>/<index, 10 digits>} with empty values, so a worker's blocks are
 * found without scanning every block. Both are updated in one write batch.
 *
 * <p>Writes go to RocksDB's write-ahead log without fsync: a master process crash loses nothing,
 * an operating-system crash may lose the last commits, whose blocks are then simply loaded again.
 *
 * <p>Thread-safe: reads go straight to RocksDB, read-modify-write updates are serialized.
 */
final class BlockMetadataStore implements AutoCloseable {
    private static final byte[] BLOCKS = "blocks".getBytes(UTF_8);
    private static final byte[] WORKER_BLOCKS = "worker-blocks".getBytes(UTF_8);

    private final Path directory;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions columnFamilyOptions;
    private final WriteOptions writeOptions;
    private final RocksDB db;
    private final List<ColumnFamilyHandle> handles;
    private final ColumnFamilyHandle blocks;
    private final ColumnFamilyHandle workerBlocks;
    private boolean closed;

    private BlockMetadataStore(Path directory, DBOptions dbOptions, ColumnFamilyOptions columnFamilyOptions,
            RocksDB db, List<ColumnFamilyHandle> handles) {
        this.directory = directory;
        this.dbOptions = dbOptions;
        this.columnFamilyOptions = columnFamilyOptions;
        this.writeOptions = new WriteOptions();
        this.db = db;
        this.handles = handles;
        this.blocks = handles.get(1);
        this.workerBlocks = handles.get(2);
    }

    /**
     * Opens or creates the store in {@code directory}.
     *
     * @throws MetadataStoreException when RocksDB cannot open it, e.g. another process has it open
     */
    static BlockMetadataStore open(Path directory) {
        requireNonNull(directory, "directory is null");
        RocksDB.loadLibrary();
        try {
            Files.createDirectories(directory);
        }
        catch (IOException e) {
            throw new MetadataStoreException("Cannot create the block metadata directory " + directory, e);
        }
        DBOptions dbOptions = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setKeepLogFileNum(5);
        ColumnFamilyOptions columnFamilyOptions = new ColumnFamilyOptions();
        List<ColumnFamilyDescriptor> descriptors = List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, columnFamilyOptions),
                new ColumnFamilyDescriptor(BLOCKS, columnFamilyOptions),
                new ColumnFamilyDescriptor(WORKER_BLOCKS, columnFamilyOptions));
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            RocksDB db = RocksDB.open(dbOptions, directory.toString(), descriptors, handles);
            return new BlockMetadataStore(directory, dbOptions, columnFamilyOptions, db, handles);
        }
        catch (RocksDBException e) {
            columnFamilyOptions.close();
            dbOptions.close();
            throw new MetadataStoreException("Cannot open the block metadata store in " + directory + ": "
                    + e.getMessage(), e);
        }
    }

    /** The record of block {@code index} of {@code file}, if committed. */
    Optional<BlockRecord> block(FileIdentity file, int index) {
        try {
            byte[] value = db.get(blocks, blockKey(file.fileKey(), index));
            if (value == null) {
                return Optional.empty();
            }
            BlockRecord record = parse(value);
            return sameFile(record, file) ? Optional.of(record) : Optional.empty();
        }
        catch (RocksDBException e) {
            throw failure("read block " + index + " of " + file.path(), e);
        }
    }

    /** The committed blocks of {@code file}, sorted by index. */
    List<BlockRecord> fileBlocks(FileIdentity file) {
        byte[] prefix = (file.fileKey() + "/").getBytes(UTF_8);
        List<BlockRecord> result = new ArrayList<>();
        try (RocksIterator iterator = db.newIterator(blocks)) {
            for (iterator.seek(prefix); iterator.isValid() && startsWith(iterator.key(), prefix); iterator.next()) {
                BlockRecord record = parse(iterator.value());
                if (sameFile(record, file)) {
                    result.add(record);
                }
            }
            iterator.status();
        }
        catch (RocksDBException e) {
            throw failure("list the blocks of " + file.path(), e);
        }
        return result;
    }

    /**
     * Records a committed block. When the block is already recorded with the same length and
     * checksum, the new workers are added to its locations; otherwise the new record replaces it.
     *
     * @return the record as stored
     */
    synchronized BlockRecord commit(BlockRecord incoming) {
        String fileKey = ProtoConversions.fromProto(incoming.getFile()).fileKey();
        byte[] key = blockKey(fileKey, incoming.getIndex());
        try {
            byte[] previousValue = db.get(blocks, key);
            BlockRecord previous = previousValue == null ? null : parse(previousValue);
            Set<String> workers = new TreeSet<>(incoming.getWorkerIdsList());
            Set<String> dropped = new HashSet<>();
            if (previous != null) {
                if (previous.getFile().equals(incoming.getFile())
                        && previous.getLength() == incoming.getLength()
                        && previous.getCrc32C() == incoming.getCrc32C()) {
                    workers.addAll(previous.getWorkerIdsList());
                }
                else {
                    dropped.addAll(previous.getWorkerIdsList());
                    dropped.removeAll(workers);
                }
            }
            BlockRecord stored = incoming.toBuilder().clearWorkerIds().addAllWorkerIds(workers).build();
            try (WriteBatch batch = new WriteBatch()) {
                batch.put(blocks, key, stored.toByteArray());
                for (String worker : workers) {
                    batch.put(workerBlocks, workerKey(worker, fileKey, incoming.getIndex()), new byte[0]);
                }
                for (String worker : dropped) {
                    batch.delete(workerBlocks, workerKey(worker, fileKey, incoming.getIndex()));
                }
                db.write(writeOptions, batch);
            }
            return stored;
        }
        catch (RocksDBException e) {
            throw failure("commit block " + incoming.getIndex() + " of " + incoming.getFile().getPath(), e);
        }
    }

    /**
     * Makes the recorded locations on {@code workerId} match what the worker reports holding:
     * the worker is removed from every block it no longer reports (a block left without
     * locations is deleted), and kept on the others.
     */
    synchronized ReconcileResult reconcile(String workerId, Collection<String> reportedBlockIds) {
        Set<String> reported = new HashSet<>(reportedBlockIds);
        byte[] prefix = (workerId + "/").getBytes(UTF_8);
        Set<String> recorded = new HashSet<>();
        int dropped = 0;
        try (WriteBatch batch = new WriteBatch(); RocksIterator iterator = db.newIterator(workerBlocks)) {
            for (iterator.seek(prefix); iterator.isValid() && startsWith(iterator.key(), prefix); iterator.next()) {
                String blockKey = new String(iterator.key(), prefix.length, iterator.key().length - prefix.length, UTF_8);
                String blockId = blockIdOf(blockKey);
                if (reported.contains(blockId)) {
                    recorded.add(blockId);
                    continue;
                }
                dropped++;
                batch.delete(workerBlocks, iterator.key());
                byte[] key = blockKey.getBytes(UTF_8);
                byte[] value = db.get(blocks, key);
                if (value != null) {
                    BlockRecord record = parse(value);
                    List<String> remaining = record.getWorkerIdsList().stream()
                            .filter(worker -> !worker.equals(workerId))
                            .toList();
                    if (remaining.isEmpty()) {
                        batch.delete(blocks, key);
                    }
                    else {
                        batch.put(blocks, key, record.toBuilder().clearWorkerIds().addAllWorkerIds(remaining)
                                .build().toByteArray());
                    }
                }
            }
            iterator.status();
            db.write(writeOptions, batch);
        }
        catch (RocksDBException e) {
            throw failure("reconcile the blocks of worker " + workerId, e);
        }
        List<String> unrecorded = reported.stream().filter(id -> !recorded.contains(id)).sorted().toList();
        return new ReconcileResult(recorded.size(), dropped, unrecorded);
    }

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
        dbOptions.close();
    }

    /**
     * The outcome of {@link #reconcile}.
     *
     * @param kept recorded locations the worker confirmed
     * @param dropped recorded locations the worker no longer holds, now removed
     * @param unrecorded reported block ids the master has not recorded on this worker, sorted
     */
    record ReconcileResult(int kept, int dropped, List<String> unrecorded) {
        ReconcileResult {
            unrecorded = List.copyOf(unrecorded);
        }
    }

    static byte[] blockKey(String fileKey, int index) {
        return blockKeyString(fileKey, index).getBytes(UTF_8);
    }

    private static String blockKeyString(String fileKey, int index) {
        return String.format("%s/%010d", fileKey, index);
    }

    private static byte[] workerKey(String workerId, String fileKey, int index) {
        return (workerId + "/" + blockKeyString(fileKey, index)).getBytes(UTF_8);
    }

    /** {@code <fileKey>/<padded index>} to the block id {@code <fileKey>-<index>}. */
    private static String blockIdOf(String blockKey) {
        int slash = blockKey.indexOf('/');
        return blockKey.substring(0, slash) + "-" + Integer.parseInt(blockKey.substring(slash + 1));
    }

    private static boolean sameFile(BlockRecord record, FileIdentity file) {
        return ProtoConversions.fromProto(record.getFile()).equals(file);
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private BlockRecord parse(byte[] value) {
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
