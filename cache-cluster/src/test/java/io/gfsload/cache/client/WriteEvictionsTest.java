package io.gfsload.cache.client;

import static io.gfsload.cache.testing.TestData.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockData;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.WriteEvictions;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blocks a worker evicts to make room for a write are named in its answer, and the client
 * collects them: for streamed, short-circuit and batched writes alike.
 */
class WriteEvictionsTest {
    private static final int LENGTH = 100_000;
    /** One worker with room for three blocks. */
    private static final long CAPACITY = 3L * LENGTH;

    @TempDir
    Path directory;

    @Test
    void streamedWritesReportTheBlocksTheyEvicted() throws Exception {
        evictions(false, false);
    }

    @Test
    void shortCircuitWritesReportTheBlocksTheyEvicted() throws Exception {
        evictions(true, false);
    }

    @Test
    void batchedWritesReportTheBlocksTheyEvicted() throws Exception {
        evictions(true, true);
    }

    private void evictions(boolean shortCircuit, boolean batched) throws Exception {
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 1, CAPACITY));
                CacheClient client = GrpcCacheClient.connect(cluster.masterTarget(), ClientConfig.defaults().withShortCircuitWrites(shortCircuit))) {
            List<BlockKey> blocks = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                blocks.add(new BlockKey(new FileIdentity("cosn://bucket/t/part-" + i, LENGTH, 1), 0));
            }
            WriteEvictions evictions = client.writeEvictions();
            try (WriteEvictions.Recording first = evictions.start()) {
                write(client, blocks.subList(0, 3), batched);
                assertEquals(List.of(), first.evicted(), "the first three fit");
            }

            List<WriteEvictions.Evicted> evicted;
            try (WriteEvictions.Recording recording = evictions.start()) {
                write(client, blocks.subList(3, 5), batched);
                evicted = recording.evicted();
            }
            assertEquals(2, evicted.size(), evicted.toString());
            for (WriteEvictions.Evicted block : evicted) {
                assertEquals("worker-0", block.workerId());
                assertEquals(LENGTH, block.length());
                assertTrue(blocks.subList(0, 3).stream().anyMatch(key -> key.blockId().equals(block.blockId())), "one of the first three: " + block);
            }
            assertEquals(0, evictions.retained(), "nothing kept once no recording is open");
        }
    }

    @Test
    void evictionsAreKeptOnlyWhileARecordingThatStartedBeforeThemIsOpen() {
        WriteEvictions evictions = new WriteEvictions();
        evictions.add("worker-0", "before", 1);
        assertEquals(0, evictions.retained(), "no recording open: nothing kept");

        WriteEvictions.Recording outer = evictions.start();
        evictions.add("worker-0", "a", 1);
        WriteEvictions.Recording inner = evictions.start();
        evictions.add("worker-1", "b", 2);
        assertEquals(List.of("a", "b"), outer.evicted().stream().map(WriteEvictions.Evicted::blockId).toList());
        assertEquals(List.of("b"), inner.evicted().stream().map(WriteEvictions.Evicted::blockId).toList());

        outer.close();
        assertEquals(1, evictions.retained(), "only what the inner recording may return");
        assertEquals(List.of("b"), inner.evicted().stream().map(WriteEvictions.Evicted::blockId).toList());
        evictions.add("worker-1", "c", 3);
        assertEquals(List.of("b", "c"), inner.evicted().stream().map(WriteEvictions.Evicted::blockId).toList());

        inner.close();
        inner.close();
        assertEquals(0, evictions.retained());
        assertThrows(IllegalStateException.class, inner::evicted);
        try (WriteEvictions.Recording later = evictions.start()) {
            assertEquals(List.of(), later.evicted());
        }
    }

    private static void write(CacheClient client, List<BlockKey> blocks, boolean batched) throws Exception {
        if (batched) {
            List<BlockData> data = blocks.stream().map(key -> new BlockData(key, randomBytes(LENGTH, key.hashCode()))).toList();
            for (BlockWriteOutcome outcome : client.writeBlocks(data, WriteOptions.replication(1))) {
                outcome.result().orElseThrow();
            }
            return;
        }
        for (BlockKey key : blocks) {
            byte[] data = randomBytes(LENGTH, key.hashCode());
            try (BlockWriter writer = client.openWriter(key, LENGTH, 1)) {
                writer.write(data, 0, data.length);
                writer.commit();
            }
        }
    }
}
