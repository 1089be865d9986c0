package io.gfsload.cache.master;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.proto.BlockRecord;
import io.gfsload.cache.rpc.ProtoConversions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

class BlockMetadataStoreTest {
    private static final FileIdentity FILE = new FileIdentity("cosn://bucket/t/dt=1/part-0", 1 << 30, 1000, "e1");
    private static final FileIdentity OTHER = new FileIdentity("cosn://bucket/t/dt=1/part-1", 1 << 30, 1000, "e2");

    @TempDir
    Path directory;

    @Test
    void blockKeysPadTheIndexToTenDigitsSoThatAFilesBlocksSortByIndex() {
        assertEquals("0123abcd/0000000000", new String(BlockMetadataStore.blockKey("0123abcd", 0), UTF_8));
        assertEquals("0123abcd/0000000042", new String(BlockMetadataStore.blockKey("0123abcd", 42), UTF_8));
        assertEquals("0123abcd/2147483647", new String(BlockMetadataStore.blockKey("0123abcd", Integer.MAX_VALUE), UTF_8));
    }

    @Test
    void listsAFilesBlocksInIndexOrderAndSurvivesReopening() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            for (int index : new int[] {10, 2, 1, 100, 0}) {
                store.commit(record(FILE, index, "worker-1"));
            }
            store.commit(record(OTHER, 3, "worker-0"));
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            assertEquals(List.of(0, 1, 2, 10, 100), store.fileBlocks(FILE).stream().map(BlockRecord::getIndex).toList());
            assertEquals(List.of(3), store.fileBlocks(OTHER).stream().map(BlockRecord::getIndex).toList());
            assertEquals(Optional.of(record(FILE, 10, "worker-1")), store.block(FILE, 10));
            assertEquals(Optional.empty(), store.block(FILE, 11));
            FileIdentity rewritten = new FileIdentity(FILE.path(), FILE.length(), 2000, FILE.etag());
            assertEquals(List.of(), store.fileBlocks(rewritten));
        }
    }

    @Test
    void listingFilesAfterAFreeDoesNotWalkTheDeletionsOfOtherFiles() {
        int count = 2_000;
        List<FileIdentity> freed = new ArrayList<>();
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            List<BlockRecord> records = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                FileIdentity file = new FileIdentity("cosn://bucket/t/dt=1/part-%05d".formatted(i), 2048, 1000, "");
                freed.add(file);
                records.add(record(file, 0, "worker-0"));
            }
            store.commitAll(records);
            assertEquals(count, store.freePrefix("cosn://bucket/t/").files());

            long before = store.iteratorSkippedEntries();
            List<List<BlockRecord>> blocks = store.filesBlocks(freed);
            long skipped = store.iteratorSkippedEntries() - before;

            assertTrue(blocks.stream().allMatch(List::isEmpty), "freed files have no blocks");
            // each file's own deletion and the entry it deletes, at most: a seek past its prefix walks the deletions of the
            // files after it in key order too
            assertTrue(skipped <= 2L * count, "deleted entries skipped: " + skipped);
            before = store.iteratorSkippedEntries();
            store.fileBlocks(freed.get(0));
            long skippedByFile = store.iteratorSkippedEntries() - before;
            assertTrue(skippedByFile <= 2, "deleted entries skipped for one file: " + skippedByFile);
        }
    }

    @Test
    void listsTheBlocksOfManyFilesInTheOrderAsked() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commit(record(FILE, 1, "worker-1"));
            store.commit(record(FILE, 0, "worker-1"));
            store.commit(record(OTHER, 3, "worker-0"));
            FileIdentity rewritten = new FileIdentity(FILE.path(), FILE.length(), 2000, FILE.etag());
            FileIdentity uncached = new FileIdentity("cosn://bucket/t/dt=2/part-0", 10, 1000, "");

            List<List<BlockRecord>> blocks = store.filesBlocks(List.of(OTHER, uncached, FILE, rewritten, OTHER));

            assertEquals(List.of(List.of(3), List.of(), List.of(0, 1), List.of(), List.of(3)),
                    blocks.stream().map(records -> records.stream().map(BlockRecord::getIndex).toList()).toList());
            assertEquals(store.fileBlocks(FILE), blocks.get(2));
            assertEquals(List.of(), store.filesBlocks(List.of()));
        }
    }

    @Test
    void aRecommitAddsReplicasAndADifferentBlockReplacesThem() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commit(record(FILE, 0, "worker-2"));
            assertEquals(List.of("worker-0", "worker-2"), store.commit(record(FILE, 0, "worker-0")).stored().getWorkerIdsList());

            BlockRecord changed = record(FILE, 0, "worker-1").toBuilder().setCrc32C(99).build();
            assertEquals(List.of("worker-1"), store.commit(changed).stored().getWorkerIdsList());
            // worker-0 and worker-2 no longer hold it, so their reports do not keep it.
            assertEquals(new BlockMetadataStore.ReconcileResult(0, 0, List.of(blockId(FILE, 0))),
                    store.reconcile("worker-2", List.of(blockId(FILE, 0))));
        }
    }

    @Test
    void reconcilingDropsTheBlocksAWorkerNoLongerReports() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commit(record(FILE, 0, "worker-0", "worker-1"));
            store.commit(record(FILE, 1, "worker-0"));
            store.commit(record(FILE, 2, "worker-0", "worker-1"));

            BlockMetadataStore.ReconcileResult result = store.reconcile("worker-0",
                    List.of(blockId(FILE, 2), blockId(OTHER, 5)));

            assertEquals(new BlockMetadataStore.ReconcileResult(1, 2, List.of(blockId(OTHER, 5))), result);
            assertEquals(List.of("worker-1"), store.block(FILE, 0).orElseThrow().getWorkerIdsList());
            assertTrue(store.block(FILE, 1).isEmpty(), "a block without replicas is forgotten");
            assertEquals(List.of("worker-0", "worker-1"), store.block(FILE, 2).orElseThrow().getWorkerIdsList());
            assertEquals(new BlockMetadataStore.ReconcileResult(0, 2, List.of()), store.reconcile("worker-1", List.of()));
            assertEquals(List.of(2), store.fileBlocks(FILE).stream().map(BlockRecord::getIndex).toList());
        }
    }

    @Test
    void aDirectoryOpenedTwiceIsRefused() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            MetadataStoreException e = assertThrows(MetadataStoreException.class,
                    () -> BlockMetadataStore.open(directory));
            assertTrue(e.getMessage().startsWith("Cannot open the block metadata store in " + directory + ": "),
                    e.getMessage());
            assertEquals(List.of(), store.fileBlocks(FILE), "the first store still works");
        }
    }

    @Test
    void theClusterIdIsKeptAcrossReopeningAndAnotherDirectoryHasAnother(@TempDir Path other) {
        String clusterId;
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            clusterId = store.clusterId();
            assertEquals(clusterId, UUID.fromString(clusterId).toString(), "a UUID");
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            assertEquals(clusterId, store.clusterId());
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(other)) {
            assertNotEquals(clusterId, store.clusterId());
        }
    }

    /** A store an earlier version created has no cluster id: it gets one when opened and keeps it, blocks and all. */
    @Test
    void aStoreWithoutAClusterIdGetsOneWhenOpened() throws RocksDBException {
        String removed;
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            removed = store.clusterId();
            store.commit(record(FILE, 0, "worker-0"));
        }
        deleteClusterId();

        String clusterId;
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            clusterId = store.clusterId();
            assertNotEquals(removed, clusterId);
            assertEquals(Optional.of(record(FILE, 0, "worker-0")), store.block(FILE, 0));
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            assertEquals(clusterId, store.clusterId());
        }
    }

    @Test
    void aRunningStoreFlushesItsMemtablesSoThatItsWriteAheadLogStaysBounded() throws IOException {
        MetadataMemory memory = new MetadataMemory(MetadataMemory.MIN_BYTES, MetadataMemory.MIN_BYTES);
        int files = 64;
        int blocksPerFile = 400;
        // about 10 MiB of changes in the write-ahead log: ten times its bound, far below a default
        // memtable, so that only the bound flushes them
        try (BlockMetadataStore store = BlockMetadataStore.open(directory, memory)) {
            for (int file = 0; file < files; file++) {
                List<BlockRecord> records = new ArrayList<>();
                for (int index = 0; index < blocksPerFile; index++) {
                    records.add(record(manyBlocksFile(file), index, "worker-0", "worker-1"));
                }
                store.commitAll(records);
            }

            List<Path> tables = filesEndingWith(".sst");
            assertTrue(!tables.isEmpty(), () -> "RocksDB flushed memtables while the store was open: " + listing());
            long walBytes = 0;
            for (Path log : filesEndingWith(".log")) {
                try {
                    walBytes += Files.size(log);
                }
                catch (NoSuchFileException e) {
                    // a log RocksDB let go of meanwhile
                }
            }
            assertTrue(walBytes <= 4 * memory.walLimitBytes(),
                    () -> "the write-ahead log stays near its bound of " + memory.walLimitBytes() + " bytes: " + listing());
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            for (int file = 0; file < files; file++) {
                List<BlockRecord> blocks = store.fileBlocks(manyBlocksFile(file));
                assertEquals(blocksPerFile, blocks.size(), "every block of file " + file + " after reopening");
                assertEquals(record(manyBlocksFile(file), blocksPerFile - 1, "worker-0", "worker-1"),
                        blocks.get(blocksPerFile - 1));
            }
        }
    }

    private static FileIdentity manyBlocksFile(int file) {
        return new FileIdentity("cosn://bucket/warehouse/db/events_with_a_long_table_name/dt=2026-11-20/hour=07/"
                + "part-" + file + "-0123456789abcdef0123456789abcdef.snappy.parquet", 1L << 40, 1000, "etag-" + file);
    }

    private List<Path> filesEndingWith(String suffix) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(path -> path.getFileName().toString().endsWith(suffix)).toList();
        }
    }

    /** The store's files and their sizes, for messages; a file RocksDB deletes meanwhile (compacted away) is left out. */
    private String listing() {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.sorted().map(path -> {
                try {
                    return path.getFileName() + " " + Files.size(path);
                }
                catch (NoSuchFileException e) {
                    return path.getFileName() + " (deleted)";
                }
                catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList().toString();
        }
        catch (IOException e) {
            return "(cannot list " + directory + ": " + e + ")";
        }
    }

    /** Makes the closed store in {@code directory} look as an earlier version left it: without a cluster id. */
    private void deleteClusterId() throws RocksDBException {
        try (Options options = new Options(); DBOptions dbOptions = new DBOptions(); ColumnFamilyOptions familyOptions = new ColumnFamilyOptions()) {
            List<ColumnFamilyDescriptor> descriptors = RocksDB.listColumnFamilies(options, directory.toString()).stream()
                    .map(name -> new ColumnFamilyDescriptor(name, familyOptions))
                    .toList();
            List<ColumnFamilyHandle> handles = new ArrayList<>();
            RocksDB db = RocksDB.open(dbOptions, directory.toString(), descriptors, handles);
            try {
                db.delete("cluster-id".getBytes(UTF_8));
                assertEquals(null, db.get("cluster-id".getBytes(UTF_8)));
            }
            finally {
                handles.forEach(ColumnFamilyHandle::close);
                db.close();
            }
        }
    }

    private static BlockRecord record(FileIdentity file, int index, String... workers) {
        return BlockRecord.newBuilder()
                .setFile(ProtoConversions.toProto(file))
                .setIndex(index)
                .setLength(1000 + index)
                .setCrc32C(index * 31)
                .addAllWorkerIds(List.of(workers))
                .build();
    }

    private static String blockId(FileIdentity file, int index) {
        return new BlockKey(file, index).blockId();
    }
}
