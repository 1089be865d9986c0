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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
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
