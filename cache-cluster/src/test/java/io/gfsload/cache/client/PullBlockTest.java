package io.gfsload.cache.client;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static io.gfsload.cache.testing.TestData.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.UfsPullException;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.ufs.simulator.ThrottledFileSystem;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pull data path on a real local cluster: workers read the UFS (local files here) themselves and copy replicas worker to worker. */
class PullBlockTest {
    private static final int LENGTH = 3 * MIB + 123;

    @TempDir
    Path directory;

    @Test
    void theFirstWorkerReadsTheUfsAndTheOtherCopiesFromIt() throws IOException {
        byte[] bytes = randomBytes(LENGTH, 11);
        Path file = Files.write(directory.resolve("part-0"), bytes);
        FileIdentity identity = new FileIdentity(file.toUri().toString(), LENGTH, Files.getLastModifiedTime(file).toMillis());
        BlockKey block = new BlockKey(identity, 1);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 3, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            BlockWriteResult result = client.pullBlock(block, 2 * MIB, MIB, 1, WriteOptions.replication(2));

            assertEquals(2, result.workerIds().size());
            assertNotEquals(result.workerIds().get(0), result.workerIds().get(1), "replicas on distinct workers");
            try (InputStream in = client.openReader(block)) {
                assertArrayEquals(Arrays.copyOfRange(bytes, 2 * MIB, 3 * MIB), readAll(in));
            }
            assertEquals(List.of(1), client.cachedBlocks(identity).stream().map(cached -> cached.index()).toList());
            assertEquals(1.0, pulls(cluster, "ufs"), "one worker read the UFS");
            assertEquals(1.0, pulls(cluster, "worker"), "the other copied the first one's block");
            cluster.killWorker(Integer.parseInt(result.workerIds().get(0).substring("worker-".length())));
            try (InputStream in = client.openReader(block)) {
                assertArrayEquals(Arrays.copyOfRange(bytes, 2 * MIB, 3 * MIB), readAll(in), "from the copy");
            }
        }
    }

    @Test
    void aWorkerReadsABlockOnOneRequestOrInRangedRequestsOnSeveralStreams() throws IOException {
        int length = 10 * MIB + 123;
        byte[] bytes = randomBytes(length, 13);
        Path file = Files.write(directory.resolve("part-1"), bytes);
        // the in-process workers get this instance of the store from Hadoop's cache, and with it its counts
        ThrottledFileSystem store = (ThrottledFileSystem) FileSystem.get(URI.create("throttled://pulls/"), new Configuration());
        FileIdentity identity = new FileIdentity("throttled://pulls" + file, length, Files.getLastModifiedTime(file).toMillis());
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            store.resetStats();
            client.pullBlock(new BlockKey(identity, 0), 0, length, 1, WriteOptions.replication(1));
            assertEquals(1, store.stats().requests(), "one stream: its open, whose reads from the offset on continue its request");

            store.resetStats();
            client.pullBlock(new BlockKey(identity, 1), 0, length, 3, WriteOptions.replication(1));
            // three pieces of 4 MiB: a ranged request each, on at most three streams, each opened once
            long requests = store.stats().requests();
            assertTrue(requests >= 4 && requests <= 6, "ranged requests and opens: " + requests);
            for (int index : new int[] {0, 1}) {
                try (InputStream in = client.openReader(new BlockKey(identity, index))) {
                    assertArrayEquals(bytes, readAll(in), "block " + index);
                }
            }
        }
        finally {
            store.close();
        }
    }

    @Test
    void aPullWhoseRangedReadsFailStoresNothingAndSaysWhy() throws IOException {
        int length = 10 * MIB;
        Path file = Files.write(directory.resolve("part-2"), randomBytes(length, 14));
        Configuration conf = new Configuration();
        conf.set("fs.faulty.transient.fraction", "1");
        FileSystem store = FileSystem.get(URI.create("faulty://failing-pulls/"), conf);
        FileIdentity identity = new FileIdentity("faulty://failing-pulls" + file, length, Files.getLastModifiedTime(file).toMillis());
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 2, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            for (int streams : new int[] {1, 3}) {
                UfsPullException failure = assertThrows(UfsPullException.class,
                        () -> client.pullBlock(new BlockKey(identity, 0), 0, length, streams, WriteOptions.replication(2)));
                assertEquals(UfsPullException.Reason.FAILED, failure.reason(), failure.getMessage());
                assertTrue(failure.getMessage().toLowerCase(java.util.Locale.ROOT).contains("connection reset (injected)"), failure.getMessage());
            }
            assertTrue(client.cachedBlocks(identity).isEmpty());
            assertEquals(0.0, pulls(cluster, "ufs"), "nothing stored");
        }
        finally {
            store.close();
        }
    }

    @Test
    void aWorkerReadsNoOtherVersionOfTheFileNorWhatIsGoneNorAStoreItCannotRead() throws IOException {
        byte[] bytes = randomBytes(LENGTH, 12);
        Path file = Files.write(directory.resolve("part-0"), bytes);
        long modified = Files.getLastModifiedTime(file).toMillis();
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 2, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            FileIdentity older = new FileIdentity(file.toUri().toString(), LENGTH, modified - 1000);
            assertReason(UfsPullException.Reason.CHANGED, client, new BlockKey(older, 0), "the file changed");
            FileIdentity longer = new FileIdentity(file.toUri().toString(), LENGTH + MIB, modified);
            assertReason(UfsPullException.Reason.CHANGED, client, new BlockKey(longer, 0), "the file changed");
            FileIdentity gone = new FileIdentity(directory.resolve("gone").toUri().toString(), LENGTH, modified);
            assertReason(UfsPullException.Reason.NOT_FOUND, client, new BlockKey(gone, 0), "the file is gone");
            FileIdentity unknownStore = new FileIdentity("nosuchscheme://bucket/t/part-0", LENGTH, modified);
            assertReason(UfsPullException.Reason.UNREADABLE, client, new BlockKey(unknownStore, 0), "cannot read it");

            for (FileIdentity identity : List.of(older, longer, gone, unknownStore)) {
                assertTrue(client.cachedBlocks(identity).isEmpty(), identity.path());
            }
            assertEquals(0.0, pulls(cluster, "ufs") + pulls(cluster, "worker"), "nothing stored");
            for (Path blocks : cluster.workerBlockDirectories()) {
                try (var files = Files.walk(blocks)) {
                    assertEquals(List.of(), files.filter(Files::isRegularFile).filter(path -> !path.getFileName().toString().startsWith(".")).toList(),
                            "no block file left on " + blocks);
                }
            }
        }
    }

    private static void assertReason(UfsPullException.Reason reason, CacheClient client, BlockKey block, String says) {
        UfsPullException failure = assertThrows(UfsPullException.class, () -> client.pullBlock(block, 0, MIB, 1, WriteOptions.replication(2)));
        assertEquals(reason, failure.reason(), failure.getMessage());
        assertTrue(failure.getMessage().contains(says), failure.getMessage());
    }

    private static double pulls(LocalCluster cluster, String source) {
        return Map.of("worker-0", 0, "worker-1", 1, "worker-2", 2).keySet().stream()
                .mapToDouble(worker -> cluster.metrics().value("gfsload_worker_pulls_total", Map.of("worker", worker, "source", source)).orElse(0))
                .sum();
    }
}
