package io.gfsload.cache.client;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.files;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static io.gfsload.cache.testing.TestData.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gfsload.cache.api.BlockData;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workers' block files and the tier directories they create are readable by their owner only,
 * however a block is written: streamed, or by a client on the worker's host into its files.
 */
class BlockFilePermissionsTest {
    private static final String OWNER_ONLY_FILE = "rw-------";
    private static final String OWNER_ONLY_DIRECTORY = "rwx------";

    @TempDir
    Path directory;

    @BeforeEach
    void posixFileSystem() {
        assumeTrue(directory.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
    }

    @Test
    void blockFilesAndTheTierDirectoriesWorkersCreateAreOwnerOnly() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 2, 64L * MIB));
                CacheClient local = cluster.newClient();
                CacheClient streaming = GrpcCacheClient.connect(cluster.masterTarget(), ClientConfig.defaults().withShortCircuitWrites(false))) {
            for (Path tier : cluster.workerBlockDirectories()) {
                assertEquals(OWNER_ONLY_DIRECTORY, permissions(tier), "the tier directory " + tier);
            }
            writeEveryWay(local, streaming);
            assertEquals(2 + 2 * 4, shortCircuitWrites(cluster), "a large block and a batch written by the client itself");
            assertOwnerOnlyBlockFiles(cluster, 2 * (1 + 1 + 4 + 4));
        }
    }

    @Test
    void anExistingTierDirectoryKeepsItsPermissionsAndItsNewBlockFilesAreOwnerOnly() throws Exception {
        Path tier = directory.resolve("worker-0");
        Files.createDirectory(tier, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 1, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            BlockData block = blocks("existing", 3, 70_000).get(0);
            assertTrue(client.writeBlocks(List.of(block), WriteOptions.replication(1)).get(0).result().isPresent());
            assertEquals("rwxr-x---", permissions(tier), "the operator's directory is left as it is");
            List<Path> blockFiles = files(tier);
            assertEquals(1, blockFiles.size());
            assertEquals(OWNER_ONLY_FILE, permissions(blockFiles.get(0)));
        }
    }

    /**
     * A client that writes as another user than the owner of a worker's tier directory (here root,
     * with the directories given to nobody) would leave block files the worker cannot read: it
     * streams its batches instead. Root runs the worker too, so the worker reads what it is sent.
     */
    @Test
    void aClientOfAnotherUserThanTheTierDirectoriesOwnerStreamsItsBatches() throws Exception {
        UserPrincipal nobody;
        try {
            nobody = directory.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        }
        catch (UserPrincipalNotFoundException e) {
            nobody = null;
        }
        assumeTrue(nobody != null && "root".equals(System.getProperty("user.name")), "root, and a user nobody");
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 2, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            for (Path tier : cluster.workerBlockDirectories()) {
                Files.setOwner(tier, nobody);
            }
            List<BlockData> blocks = blocks("other-user", 4, 70_000);
            client.writeBlocks(blocks, WriteOptions.replication(2))
                    .forEach(outcome -> assertTrue(outcome.result().isPresent(), () -> outcome.failure().orElseThrow().toString()));
            for (BlockData block : blocks) {
                assertArrayEquals(block.bytes(), readAll(client.openReader(block.block())));
            }
            assertEquals(0, shortCircuitWrites(cluster), "streamed, not written into the directories of another user");
            assertOwnerOnlyBlockFiles(cluster, 2 * blocks.size());
        }
    }

    /** A large block short-circuit and streamed, and a batch of small blocks short-circuit and streamed: all replicated twice. */
    private static void writeEveryWay(CacheClient local, CacheClient streaming) throws Exception {
        byte[] data = randomBytes(2 * MIB + 3, 11);
        BlockKey large = new BlockKey(new FileIdentity("cosn://bucket/t/large", data.length, 1), 0);
        try (BlockWriter writer = local.openWriter(large, data.length, WriteOptions.replication(2))) {
            assertInstanceOf(LocalBlockWriter.class, writer);
            writer.write(data, 0, data.length);
            writer.commit();
        }
        BlockKey streamed = new BlockKey(new FileIdentity("cosn://bucket/t/streamed", data.length, 1), 0);
        try (BlockWriter writer = streaming.openWriter(streamed, data.length, WriteOptions.replication(2))) {
            assertInstanceOf(ReplicatedBlockWriter.class, writer);
            writer.write(data, 0, data.length);
            writer.commit();
        }
        for (CacheClient client : List.of(local, streaming)) {
            List<BlockData> blocks = blocks(client == local ? "local" : "streamed", 4, 70_000);
            client.writeBlocks(blocks, WriteOptions.replication(2))
                    .forEach(outcome -> assertTrue(outcome.result().isPresent(), () -> outcome.failure().orElseThrow().toString()));
            for (BlockData block : blocks) {
                assertArrayEquals(block.bytes(), readAll(local.openReader(block.block())));
            }
        }
        assertArrayEquals(data, readAll(local.openReader(large)));
        assertArrayEquals(data, readAll(local.openReader(streamed)));
    }

    private static void assertOwnerOnlyBlockFiles(LocalCluster cluster, int count) throws IOException {
        List<Path> blockFiles = cluster.workerBlockDirectories().stream().flatMap(tier -> files(tier).stream()).toList();
        assertEquals(count, blockFiles.size(), "block files, no temp files: " + blockFiles);
        for (Path file : blockFiles) {
            assertEquals(OWNER_ONLY_FILE, permissions(file), "the block file " + file);
        }
    }

    private static List<BlockData> blocks(String prefix, int count, int size) {
        return IntStream.range(0, count)
                .mapToObj(i -> {
                    byte[] data = randomBytes(size + i, i);
                    return new BlockData(new BlockKey(new FileIdentity("cosn://bucket/" + prefix + "/part-" + i, data.length, 1), 0), data);
                })
                .toList();
    }

    private static double shortCircuitWrites(LocalCluster cluster) {
        return IntStream.range(0, cluster.config().workers())
                .mapToDouble(index -> cluster.metrics().value("gfsload_worker_short_circuit_writes_total",
                        Map.of("worker", "worker-" + index)).orElse(0))
                .sum();
    }

    private static String permissions(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
