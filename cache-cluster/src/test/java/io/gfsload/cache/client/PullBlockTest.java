package io.gfsload.cache.client;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.await;
import static io.gfsload.cache.testing.TestData.crc32c;
import static io.gfsload.cache.testing.TestData.files;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static io.gfsload.cache.testing.TestData.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.UfsPullException;
import io.gfsload.cache.api.WorkerUnavailableException;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.master.RendezvousPlacement;
import io.gfsload.cache.proto.WorkerAddress;
import io.gfsload.cache.metrics.MetricsRegistry;
import io.gfsload.cache.worker.CacheWorker;
import io.gfsload.cache.worker.WorkerConfig;
import io.grpc.Server;
import io.gfsload.ufs.simulator.ThrottledFileSystem;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pull data path on a real local cluster: workers read the UFS (local files here) themselves and forward the other replicas as they read. */
class PullBlockTest {
    private static final int LENGTH = 3 * MIB + 123;

    @TempDir
    Path directory;

    @Test
    void theFirstWorkerReadsTheUfsAndForwardsTheBlockToTheOtherReplicasAsItReadsIt() throws IOException {
        byte[] bytes = randomBytes(LENGTH, 11);
        Path file = Files.write(directory.resolve("part-0"), bytes);
        FileIdentity identity = new FileIdentity(file.toUri().toString(), LENGTH, Files.getLastModifiedTime(file).toMillis());
        byte[] range = Arrays.copyOfRange(bytes, 2 * MIB, 3 * MIB);
        for (int replication : new int[] {2, 3}) {
            BlockKey block = new BlockKey(identity, replication);
            try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster-" + replication), 3, 64L * MIB));
                    CacheClient client = cluster.newClient()) {
                BlockWriteResult result = client.pullBlock(block, 2 * MIB, MIB, 1, WriteOptions.replication(replication));

                assertEquals(replication, Set.copyOf(result.workerIds()).size(), "replicas on distinct workers: " + result.workerIds());
                CachedBlock cached = client.cachedBlocks(identity).get(0);
                assertEquals(crc32c(range), cached.crc32c(), "the CRC32C of the range read");
                assertEquals(Set.copyOf(result.workerIds()), Set.copyOf(cached.workerIds()), "committed with every replica");
                assertEquals(1.0, pulls(cluster, "ufs"), "one worker read the UFS");
                assertEquals(0.0, pulls(cluster, "worker"), "no worker copied the block from another");
                assertEquals((double) MIB * (replication - 1), sum(cluster, "gfsload_worker_forwarded_bytes_total"), "the others got it forwarded");
                assertEquals(replication - 1.0, sum(cluster, "gfsload_worker_forwarded_blocks_total"));
                // every replica is whole on its own: the workers stopped one by one until one is left
                for (String worker : result.workerIds().subList(0, replication - 1)) {
                    cluster.killWorker(index(worker));
                    try (InputStream in = client.openReader(block)) {
                        assertArrayEquals(range, readAll(in), "with " + worker + " stopped");
                    }
                }
            }
        }
    }

    @Test
    void aFirstWorkerOlderThanForwardingHasTheOtherCopyTheBlockFromIt() throws Exception {
        byte[] bytes = randomBytes(LENGTH, 18);
        Path file = Files.write(directory.resolve("part-6"), bytes);
        FileIdentity identity = new FileIdentity(file.toUri().toString(), LENGTH, Files.getLastModifiedTime(file).toMillis());
        // a block whose first replica goes to the older worker
        BlockKey block = IntStream.range(0, 100).mapToObj(index -> new BlockKey(identity, index))
                .filter(key -> RendezvousPlacement.choose(key.blockId(), Set.of("worker-0", "worker-old"), 2).get(0).equals("worker-old"))
                .findFirst().orElseThrow();
        OlderWorker older = new OlderWorker();
        Server server = older.serve();
        try (LocalCluster cluster = OlderWorker.clusterWith(directory.resolve("cluster"), server);
                CacheClient client = cluster.newClient()) {

            BlockWriteResult result = client.pullBlock(block, 0, LENGTH, 1, WriteOptions.replication(2));

            assertEquals(Set.of("worker-old", "worker-0"), Set.copyOf(result.workerIds()));
            assertEquals(1, older.pulls.size());
            assertTrue(older.pulls.get(0).hasUfs(), "the older worker read the block from the UFS");
            assertEquals(List.of("worker-0"), older.pulls.get(0).getForwardToList().stream().map(WorkerAddress::getWorkerId).toList(),
                    "asked to forward, which it did not");
            assertEquals(1.0, pulls(cluster, "worker"), "worker-0 copied the block from the older worker");
            assertEquals(crc32c(bytes), client.cachedBlocks(identity).get(0).crc32c());
            older.held.clear();
            try (InputStream in = client.openReader(block)) {
                assertArrayEquals(bytes, readAll(in), "worker-0's copy");
            }
        }
        finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aWorkerThatCannotReadTheUfsReadsNoBlockAndKeepsTheReplicasForwardedToIt() throws IOException {
        byte[] bytes = randomBytes(LENGTH, 19);
        Path file = Files.write(Files.createDirectories(directory.resolve("dt=1")).resolve("part-7"), bytes);
        FileIdentity identity = new FileIdentity(file.toUri().toString(), LENGTH, Files.getLastModifiedTime(file).toMillis());
        Path other = Files.write(Files.createDirectories(directory.resolve("dt=2")).resolve("part-8"), bytes);
        FileIdentity otherIdentity = new FileIdentity(other.toUri().toString(), LENGTH, Files.getLastModifiedTime(other).toMillis());
        Set<String> workers = Set.of("worker-0", "worker-1", "worker-2");
        // blocks whose first replica goes to worker-2, which pulls from no local file
        List<BlockKey> firstOnUnable = IntStream.range(0, 1000).mapToObj(index -> new BlockKey(identity, index))
                .filter(key -> RendezvousPlacement.choose(key.blockId(), workers, 2).get(0).equals("worker-2"))
                .limit(2).toList();
        BlockKey otherFirstOnUnable = IntStream.range(0, 1000).mapToObj(index -> new BlockKey(otherIdentity, index))
                .filter(key -> RendezvousPlacement.choose(key.blockId(), workers, 1).get(0).equals("worker-2"))
                .findFirst().orElseThrow();
        MetricsRegistry unableMetrics = new MetricsRegistry();
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 2, 64L * MIB));
                CacheWorker unable = CacheWorker.start(WorkerConfig.builder("worker-2", directory.resolve("worker-2"), 64L * MIB, cluster.masterTarget()).build(),
                        Clock.systemUTC(), unableMetrics);
                GrpcCacheClient client = (GrpcCacheClient) cluster.newClient()) {
            await(() -> client.clusterInfo().liveWorkers().size() == 3, Duration.ofSeconds(30), "worker-2 registered");

            // replication 2: the other worker placed reads the block and forwards worker-2 its replica
            BlockKey two = firstOnUnable.get(0);
            BlockWriteResult pulled = client.pullBlock(two, 0, MIB, 1, WriteOptions.replication(2));
            List<String> placed = RendezvousPlacement.choose(two.blockId(), workers, 2);
            assertEquals(placed.stream().sorted().toList(), pulled.workerIds(), "on the workers placed");
            assertEquals(1.0, pulls(cluster, "ufs"), "read once, by the other worker");
            assertEquals(crc32c(Arrays.copyOf(bytes, MIB)), client.cachedBlocks(identity).get(0).crc32c());
            assertFalse(client.ufsReaders().reads("worker-2", identity.path()), "learnt that worker-2 cannot read the directory");
            assertTrue(client.ufsReaders().reads("worker-2", otherIdentity.path()), "of that directory only");

            // replication 1, placed on worker-2 alone: placed again on a worker that reads the directory
            BlockKey one = firstOnUnable.get(1);
            assertEquals(RendezvousPlacement.choose(one.blockId(), Set.of("worker-0", "worker-1"), 1),
                    client.pullBlock(one, 0, MIB, 1, WriteOptions.replication(1)).workerIds());
            // the same in a directory not known yet, by a client that knows nothing: worker-2 says it cannot read it
            try (CacheClient fresh = cluster.newClient()) {
                assertEquals(RendezvousPlacement.choose(otherFirstOnUnable.blockId(), Set.of("worker-0", "worker-1"), 1),
                        fresh.pullBlock(otherFirstOnUnable, 0, MIB, 1, WriteOptions.replication(1)).workerIds());
            }
            assertEquals(3.0, pulls(cluster, "ufs"));
            assertEquals(2.0, unableMetrics.value("gfsload_worker_pull_failures_total", Map.of("worker", "worker-2", "kind", "ufs-unreadable")).orElse(0),
                    "worker-2 asked once by each client, which then knew");
            // with the workers that read the directory ruled out, none it may go to reads it
            UfsPullException none = assertThrows(UfsPullException.class, () -> client.pullBlock(new BlockKey(identity, 1000), 0, MIB, 1,
                    WriteOptions.replication(1).excluding(Set.of("worker-0", "worker-1"))));
            assertEquals(UfsPullException.Reason.UNREADABLE, none.reason());
            assertTrue(none.getMessage().contains("no worker it may go to reads " + UfsReaders.directory(identity.path()))
                    && none.getMessage().contains(": Worker worker-2 reading ") && none.getMessage().contains("gfsload.cache.worker.pull.allowed")
                    && none.getMessage().indexOf("Pulling block") == none.getMessage().lastIndexOf("Pulling block"), "in the worker's own words: " + none.getMessage());

            assertEquals(2.0, unableMetrics.value("gfsload_worker_pull_failures_total", Map.of("worker", "worker-2", "kind", "ufs-unreadable")).orElse(0),
                    "not asked again");

            // worker-2's replica is whole: served with the worker that read the block stopped
            String reader = placed.get(1);
            cluster.killWorker(index(reader));
            try (InputStream in = client.openReader(two)) {
                assertArrayEquals(Arrays.copyOf(bytes, MIB), readAll(in), "worker-2's replica");
            }
        }
    }

    @Test
    void aRangedReadOnSeveralStreamsIsForwardedInOrderWhateverOrderItsPiecesArriveIn() throws IOException {
        int length = 10 * MIB + 123;
        byte[] bytes = randomBytes(length, 15);
        Path file = Files.write(directory.resolve("part-3"), bytes);
        GatedFileSystem store = GatedFileSystem.get("pipelined-ranges");
        // the first piece ends after the two behind it
        store.holdUntilOthersRead(0, 2);
        FileIdentity identity = new FileIdentity(store.uriOf(file), length, Files.getLastModifiedTime(file).toMillis());
        BlockKey block = new BlockKey(identity, 0);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 2, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            BlockWriteResult result = client.pullBlock(block, 0, length, 3, WriteOptions.replication(2));

            assertEquals(crc32c(bytes), client.cachedBlocks(identity).get(0).crc32c());
            assertEquals((double) length, sum(cluster, "gfsload_worker_forwarded_bytes_total"));
            cluster.killWorker(index(result.workerIds().get(0)));
            try (InputStream in = client.openReader(block)) {
                assertArrayEquals(bytes, readAll(in), "the forwarded replica");
            }
        }
        finally {
            store.close();
        }
    }

    @Test
    void aWorkerForwardedToThatIsKilledMidPullFailsThePullNamingItAndNothingIsLeft() throws Exception {
        GatedFileSystem store = GatedFileSystem.get("pipelined-kill");
        Path file = directory.resolve("part-4");
        FileIdentity identity = heldFile(store, file, randomBytes(LENGTH, 16));
        ExecutorService pulls = Executors.newSingleThreadExecutor();
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 2, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            Future<BlockWriteResult> pull = pullUntilHeld(pulls, client, store, identity, 2);
            // the reader has forwarded its first MiB; the other worker is the one it forwards to
            int reader = forwarded(cluster, "worker-0") > 0 ? 0 : 1;
            int downstream = 1 - reader;
            assertEquals((double) MIB, forwarded(cluster, "worker-" + reader));
            cluster.killWorker(downstream);
            store.release();

            ExecutionException failure = assertThrows(ExecutionException.class, pull::get);
            WorkerUnavailableException unavailable = assertInstanceOf(WorkerUnavailableException.class, failure.getCause(), String.valueOf(failure.getCause()));
            assertEquals("worker-" + downstream, unavailable.workerId(), unavailable.getMessage());
            assertTrue(unavailable.getMessage().contains("forwarding block") && unavailable.getMessage().contains("to worker worker-" + downstream),
                    unavailable.getMessage());

            assertTrue(client.cachedBlocks(identity).isEmpty(), "nothing committed");
            List<Path> directories = cluster.workerBlockDirectories();
            assertEquals(List.of(), files(directories.get(reader)), "nothing left on the reader");
            assertTrue(files(directories.get(downstream)).stream().noneMatch(path -> path.toString().endsWith(".block")),
                    "no block stored on the killed worker: " + files(directories.get(downstream)));
            cluster.startWorker(downstream);
            assertEquals(List.of(), files(directories.get(downstream)), "its temp file deleted as it started again");
        }
        finally {
            store.release();
            pulls.shutdownNow();
            store.close();
        }
    }

    @Test
    void aFileChangedMidPullLeavesNothingOnAnyWorker() throws Exception {
        GatedFileSystem store = GatedFileSystem.get("pipelined-changed");
        Path file = directory.resolve("part-5");
        byte[] bytes = randomBytes(LENGTH, 17);
        FileIdentity identity = heldFile(store, file, bytes);
        ExecutorService pulls = Executors.newSingleThreadExecutor();
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 3, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            Future<BlockWriteResult> pull = pullUntilHeld(pulls, client, store, identity, 3);
            assertEquals(2.0 * MIB, sum(cluster, "gfsload_worker_forwarded_bytes_total"), "the first MiB went to both other replicas");
            // rewritten shorter: the read ends early
            Files.write(file, Arrays.copyOf(bytes, MIB + MIB / 2));
            store.release();

            ExecutionException failure = assertThrows(ExecutionException.class, pull::get);
            UfsPullException changed = assertInstanceOf(UfsPullException.class, failure.getCause(), String.valueOf(failure.getCause()));
            assertEquals(UfsPullException.Reason.CHANGED, changed.reason(), changed.getMessage());

            assertTrue(client.cachedBlocks(identity).isEmpty(), "nothing committed");
            assertEquals(0.0, sum(cluster, "gfsload_worker_forwarded_blocks_total"), "no replica stored");
            // the workers forwarded to delete their temp files as their streams are cancelled
            for (Path blocks : cluster.workerBlockDirectories()) {
                await(() -> files(blocks).isEmpty(), Duration.ofSeconds(30), "nothing is left in " + blocks + ": " + files(blocks));
            }
        }
        finally {
            store.release();
            pulls.shutdownNow();
            store.close();
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

            // asked beforehand, each worker says whether it reads a file, as its pull would find it
            assertEquals(Map.of("worker-0", Optional.empty(), "worker-1", Optional.empty()), client.checkUfs(file.toUri().toString()));
            for (Map.Entry<String, Optional<UfsPullException>> answer : client.checkUfs(unknownStore.path()).entrySet()) {
                UfsPullException unreadable = answer.getValue().orElseThrow();
                assertEquals(UfsPullException.Reason.UNREADABLE, unreadable.reason());
                assertTrue(unreadable.getMessage().startsWith("Worker " + answer.getKey() + " looking up nosuchscheme://bucket/t/part-0: the worker cannot read it: "),
                        unreadable.getMessage());
            }
            assertEquals(2, client.checkUfs(gone.path()).values().stream().flatMap(Optional::stream)
                    .filter(failure -> failure.reason() == UfsPullException.Reason.NOT_FOUND).count(), "both say the file is gone");
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

    /** Writes {@code bytes} to {@code file}, whose reads through {@code store} are held at its second MiB; its identity there. */
    private static FileIdentity heldFile(GatedFileSystem store, Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        store.holdAt(MIB);
        return new FileIdentity(store.uriOf(file), bytes.length, Files.getLastModifiedTime(file).toMillis());
    }

    /** Starts pulling block 0 of {@code identity}, all of it, on {@code pulls}; returns once its worker's read is held. */
    private static Future<BlockWriteResult> pullUntilHeld(ExecutorService pulls, CacheClient client, GatedFileSystem store, FileIdentity identity,
            int replication) throws InterruptedException {
        Future<BlockWriteResult> pull = pulls.submit(() -> client.pullBlock(new BlockKey(identity, 0), 0, identity.length(), 1,
                WriteOptions.replication(replication)));
        store.awaitHeld();
        return pull;
    }

    private static double forwarded(LocalCluster cluster, String worker) {
        return cluster.metrics().value("gfsload_worker_forwarded_bytes_total", Map.of("worker", worker)).orElse(0);
    }

    /** {@code metric} of the workers, summed. */
    private static double sum(LocalCluster cluster, String metric) {
        return Stream.of("worker-0", "worker-1", "worker-2")
                .mapToDouble(worker -> cluster.metrics().value(metric, Map.of("worker", worker)).orElse(0))
                .sum();
    }

    private static int index(String workerId) {
        return Integer.parseInt(workerId.substring("worker-".length()));
    }

    private static double pulls(LocalCluster cluster, String source) {
        return Map.of("worker-0", 0, "worker-1", 1, "worker-2", 2).keySet().stream()
                .mapToDouble(worker -> cluster.metrics().value("gfsload_worker_pulls_total", Map.of("worker", worker, "source", source)).orElse(0))
                .sum();
    }
}
