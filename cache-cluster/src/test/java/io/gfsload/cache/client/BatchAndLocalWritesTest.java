package io.gfsload.cache.client;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.crc32c;
import static io.gfsload.cache.testing.TestData.files;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static io.gfsload.cache.testing.TestData.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockData;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.NotEnoughWorkersException;
import io.gfsload.cache.api.TempAreaNotFoundException;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CacheClient#writeBlocks} and the short-circuit writes to workers on this host, against a real local cluster. */
class BatchAndLocalWritesTest {
    @TempDir
    Path directory;

    @Test
    void aBatchPutsEveryBlockOnDistinctWorkersWithItsChecksum() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 3, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            List<BlockData> blocks = blocks(40, 70_000);

            List<BlockWriteOutcome> outcomes = client.writeBlocks(blocks, WriteOptions.replication(2));

            assertEquals(40, outcomes.size());
            for (int i = 0; i < blocks.size(); i++) {
                BlockData block = blocks.get(i);
                BlockWriteResult result = outcomes.get(i).result().orElseThrow();
                assertEquals(block.block(), result.block());
                assertEquals(crc32c(block.bytes()), result.crc32c());
                assertEquals(2, Set.copyOf(result.workerIds()).size(), "two distinct workers");
                assertEquals(List.of(new CachedBlock(0, block.length(), crc32c(block.bytes()), result.workerIds())),
                        client.cachedBlocks(block.block().file()));
                assertArrayEquals(block.bytes(), readAll(client.openReader(block.block())));
            }
            assertEquals(80, cluster.workerBlockDirectories().stream().mapToInt(dir -> files(dir).size()).sum(),
                    "two block files per block, no temp files");
        }
    }

    @Test
    void aBatchToWorkersOnThisHostIsWrittenStraightIntoTheirFilesAndStreamedWhenTheyRefuse() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("taking"), 2, 64L * MIB));
                CacheClient local = cluster.newClient();
                CacheClient streaming = GrpcCacheClient.connect(cluster.masterTarget(), ClientConfig.defaults().withShortCircuitWrites(false))) {
            List<BlockData> blocks = blocks(20, 50_000);
            assertWritten(local, blocks.subList(0, 10));
            assertEquals(20, shortCircuitWrites(cluster), "both replicas of 10 blocks written by the client itself");
            assertWritten(streaming, blocks.subList(10, 20));
            assertEquals(20, shortCircuitWrites(cluster), "a client with short-circuit writes off streams");
            assertEquals(40, cluster.workerBlockDirectories().stream().mapToInt(dir -> files(dir).size()).sum(),
                    "two block files per block, no temp files");
        }
        LocalClusterConfig refusing = LocalClusterConfig.builder(directory.resolve("refusing"))
                .workers(2)
                .workerCapacityBytes(64L * MIB)
                .shortCircuitWrites(false)
                .build();
        try (LocalCluster cluster = LocalCluster.start(refusing);
                CacheClient client = cluster.newClient()) {
            List<BlockData> blocks = blocks(10, 50_000);
            assertWritten(client, blocks);
            assertEquals(0, shortCircuitWrites(cluster), "the workers refused: every block was streamed");
            assertWritten(client, blocks(3, 1000));
        }
    }

    private static void assertWritten(CacheClient client, List<BlockData> blocks) throws Exception {
        List<BlockWriteOutcome> outcomes = client.writeBlocks(blocks, WriteOptions.replication(2));
        for (int i = 0; i < blocks.size(); i++) {
            BlockData block = blocks.get(i);
            BlockWriteResult result = outcomes.get(i).result().orElseThrow();
            assertEquals(crc32c(block.bytes()), result.crc32c());
            assertEquals(2, Set.copyOf(result.workerIds()).size(), "two distinct workers");
            assertArrayEquals(block.bytes(), readAll(client.openReader(block.block())));
        }
    }

    private static double shortCircuitWrites(LocalCluster cluster) {
        return IntStream.range(0, cluster.config().workers())
                .mapToDouble(index -> cluster.metrics().value("gfsload_worker_short_circuit_writes_total",
                        Map.of("worker", "worker-" + index)).orElse(0))
                .sum();
    }

    @Test
    void blocksThatCannotBePlacedFailAloneAndLeaveNothing() {
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 2, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            List<BlockData> blocks = blocks(3, 1000);

            List<BlockWriteOutcome> tooMany = client.writeBlocks(blocks, WriteOptions.replication(3));
            for (BlockWriteOutcome outcome : tooMany) {
                assertInstanceOf(NotEnoughWorkersException.class, outcome.failure().orElseThrow());
                assertTrue(outcome.failure().get().getMessage().startsWith("Placing block " + outcome.block().blockId()
                        + " failed: Cannot place 3 replicas"), outcome.failure().get().getMessage());
            }
            List<BlockWriteOutcome> noArea = client.writeBlocks(blocks, WriteOptions.replication(1).inTempArea("job-never-opened"));
            noArea.forEach(outcome -> assertInstanceOf(TempAreaNotFoundException.class, outcome.failure().orElseThrow()));
            for (BlockData block : blocks) {
                assertEquals(List.of(), client.cachedBlocks(block.block().file()));
            }
            assertEquals(0, cluster.workerBlockDirectories().stream().mapToInt(dir -> files(dir).size()).sum());
        }
    }

    @Test
    void aBatchIntoATempAreaIsInvisibleUntilItsScopeIsCommitted() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 2, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            List<BlockData> blocks = blocks(5, 5000);
            client.tempAreas().openTempArea("job-1", Duration.ofHours(1));

            List<BlockWriteOutcome> outcomes = client.writeBlocks(blocks, WriteOptions.replication(2).inTempArea("job-1"));

            outcomes.forEach(outcome -> assertTrue(outcome.succeeded(), String.valueOf(outcome.failure())));
            for (BlockData block : blocks) {
                assertEquals(List.of(), client.cachedBlocks(block.block().file()), "invisible before the commit");
            }
            assertEquals(5, client.tempAreas().commitScope("job-1", blocks.stream().map(BlockData::block).toList()).blocks());
            for (BlockData block : blocks) {
                assertArrayEquals(block.bytes(), readAll(client.openReader(block.block())));
            }
        }
    }

    @Test
    void largeBlocksToWorkersOnThisHostAreWrittenStraightIntoTheirDirectories() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 3, 64L * MIB));
                CacheClient local = cluster.newClient();
                CacheClient streaming = GrpcCacheClient.connect(cluster.masterTarget(), ClientConfig.defaults().withShortCircuitWrites(false))) {
            byte[] data = randomBytes(3 * MIB + 11, 7);
            BlockKey block = new BlockKey(new FileIdentity("cosn://bucket/t/large", data.length, 1), 0);
            try (BlockWriter writer = local.openWriter(block, data.length, WriteOptions.replication(2))) {
                assertInstanceOf(LocalBlockWriter.class, writer);
                for (int offset = 0; offset < data.length; offset += MIB) {
                    writer.write(data, offset, Math.min(MIB, data.length - offset));
                }
                BlockWriteResult result = writer.commit();
                assertEquals(crc32c(data), result.crc32c());
                assertEquals(2, Set.copyOf(result.workerIds()).size());
            }
            assertArrayEquals(data, readAll(local.openReader(block)));
            assertEquals(2, cluster.workerBlockDirectories().stream().mapToInt(dir -> files(dir).size()).sum(),
                    "one block file per replica, no temp file");

            BlockKey other = new BlockKey(new FileIdentity("cosn://bucket/t/other", data.length, 1), 0);
            try (BlockWriter writer = streaming.openWriter(other, data.length, WriteOptions.replication(1))) {
                assertInstanceOf(ReplicatedBlockWriter.class, writer);
                writer.write(data, 0, data.length);
                writer.commit();
            }
            assertArrayEquals(data, readAll(local.openReader(other)));
        }
    }

    @Test
    void batchesOfDirectAndSlicedBuffersAreWrittenByEitherPath() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 2, 64L * MIB));
                CacheClient local = cluster.newClient();
                CacheClient streaming = GrpcCacheClient.connect(cluster.masterTarget(), ClientConfig.defaults().withShortCircuitWrites(false))) {
            int index = 0;
            for (CacheClient client : List.of(local, streaming)) {
                List<BlockData> blocks = new ArrayList<>();
                List<byte[]> expected = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    byte[] data = randomBytes(10_000 + i * 7_000, 20 + index);
                    ByteBuffer buffer = i % 2 == 0 ? ByteBuffer.allocateDirect(data.length + 100) : ByteBuffer.allocate(data.length + 100);
                    // the block's bytes sit between position and limit, with other bytes around them
                    buffer.position(50);
                    buffer.put(data).flip().position(50);
                    blocks.add(new BlockData(new BlockKey(new FileIdentity("cosn://bucket/t/buffers-" + index++, data.length, 1), 0), buffer));
                    expected.add(data);
                }

                List<BlockWriteOutcome> outcomes = client.writeBlocks(blocks, WriteOptions.replication(2));

                for (int i = 0; i < blocks.size(); i++) {
                    BlockWriteResult result = outcomes.get(i).result().orElseThrow();
                    assertEquals(expected.get(i).length, result.length());
                    assertEquals(crc32c(expected.get(i)), result.crc32c());
                    assertArrayEquals(expected.get(i), readAll(local.openReader(blocks.get(i).block())));
                }
            }
        }
    }

    @Test
    void directBuffersAreWrittenByEitherWriterWithoutLosingAByte() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 2, 64L * MIB));
                CacheClient local = cluster.newClient();
                CacheClient streaming = GrpcCacheClient.connect(cluster.masterTarget(), ClientConfig.defaults().withShortCircuitWrites(false))) {
            byte[] data = randomBytes(2 * MIB + 333, 9);
            int index = 0;
            for (CacheClient client : List.of(local, streaming)) {
                BlockKey block = new BlockKey(new FileIdentity("cosn://bucket/t/direct", data.length, 1), index++);
                ByteBuffer direct = ByteBuffer.allocateDirect(300_000);
                try (BlockWriter writer = client.openWriter(block, data.length, WriteOptions.replication(2))) {
                    for (int offset = 0; offset < data.length; offset += direct.capacity()) {
                        direct.clear();
                        direct.put(data, offset, Math.min(direct.capacity(), data.length - offset)).flip();
                        writer.write(direct);
                        assertEquals(direct.limit(), direct.position(), "the buffer is consumed");
                    }
                    assertEquals(crc32c(data), writer.commit().crc32c());
                }
                assertArrayEquals(data, readAll(local.openReader(block)));
            }
        }
    }

    @Test
    void anUncommittedLocalWriteLeavesNothing() {
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 2, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            byte[] data = randomBytes(2 * MIB, 8);
            BlockKey block = new BlockKey(new FileIdentity("cosn://bucket/t/large", 4 * MIB, 1), 0);
            try (BlockWriter writer = client.openWriter(block, 4 * MIB, WriteOptions.replication(2))) {
                assertInstanceOf(LocalBlockWriter.class, writer);
                writer.write(data, 0, data.length);
            }
            assertEquals(List.of(), client.cachedBlocks(block.file()));
            assertEquals(0, cluster.workerBlockDirectories().stream().mapToInt(dir -> files(dir).size()).sum());
        }
    }

    /** {@code count} blocks of random bytes, of {@code size} bytes and more, one block of its own file each. */
    static List<BlockData> blocks(int count, int size) {
        List<BlockData> blocks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] data = randomBytes(size + i, i);
            blocks.add(new BlockData(new BlockKey(new FileIdentity("cosn://bucket/t/part-" + i, data.length, 1), 0), data));
        }
        return blocks;
    }
}
