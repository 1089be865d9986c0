package io.gfsload.cache.local;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.crc32c;
import static io.gfsload.cache.testing.TestData.files;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static io.gfsload.cache.testing.TestData.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockNotFoundException;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.NotEnoughWorkersException;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.api.WorkerUnavailableException;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.client.ClientConfig;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.testing.TestData;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalClusterTest {
    private static final FileIdentity FILE = new FileIdentity("cosn://bucket/db/events/dt=2026-11-20/part-0",
            64L * MIB, 1_763_600_000_000L, "etag-1");

    @TempDir
    Path directory;

    @Test
    void writesAMultiChunkBlockToTwoWorkersAndReadsItBack() throws Exception {
        byte[] data = randomBytes(3 * MIB + MIB / 2, 1);
        BlockKey block = new BlockKey(FILE, 3);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 3, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            BlockWriteResult result = write(client, block, data, 2);

            assertEquals(2, result.workerIds().size());
            assertEquals(2, Set.copyOf(result.workerIds()).size(), "replicas on distinct workers");
            assertEquals(data.length, result.length());
            assertEquals(crc32c(data), result.crc32c());

            assertEquals(List.of(new CachedBlock(3, data.length, crc32c(data), result.workerIds())),
                    client.cachedBlocks(FILE));
            byte[] read = readAll(client.openReader(block));
            assertArrayEquals(data, read);
            assertEquals(crc32c(data), crc32c(read));

            ClusterInfo info = client.clusterInfo();
            assertEquals(List.of("worker-0", "worker-1", "worker-2"), info.workers().stream().map(WorkerInfo::id).toList());
            assertEquals(3, info.liveWorkers().size());
            assertEquals(3 * 64L * MIB, info.liveCapacityBytes());
        }
    }

    @Test
    void streamedWritesWithLargeAndSmallChunksArriveWhole() throws Exception {
        // Short-circuit writes off, so that the bytes cross the socket: a 4 MiB chunk fills the
        // 4 MiB flow-control window and spans many HTTP/2 frames, a 64 KiB one a few; the block
        // is larger than the window.
        byte[] data = randomBytes(9 * MIB + 12345, 11);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 1, 64L * MIB))) {
            for (int chunk : List.of(4 * MIB, 64 * 1024)) {
                BlockKey block = new BlockKey(FILE, chunk == 4 * MIB ? 8 : 9);
                ClientConfig config = ClientConfig.defaults().withShortCircuitWrites(false).withChunkBytes(chunk);
                try (CacheClient client = GrpcCacheClient.connect(cluster.masterTarget(), config)) {
                    BlockWriteResult result = write(client, block, data, 1);

                    assertEquals(crc32c(data), result.crc32c(), "chunk " + chunk);
                    assertArrayEquals(data, readAll(client.openReader(block)), "chunk " + chunk);
                }
            }
        }
    }

    @Test
    void anotherIdentityOfTheSamePathIsNotCached() throws Exception {
        FileIdentity rewritten = new FileIdentity(FILE.path(), FILE.length(), FILE.modificationTime() + 1, FILE.etag());
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 2, 16L * MIB));
                CacheClient client = cluster.newClient()) {
            write(client, new BlockKey(FILE, 0), randomBytes(1000, 2), 1);

            assertEquals(1, client.cachedBlocks(FILE).size());
            assertEquals(List.of(), client.cachedBlocks(rewritten));
            BlockKey stale = new BlockKey(rewritten, 0);
            BlockNotFoundException e = assertThrows(BlockNotFoundException.class, () -> client.openReader(stale));
            assertEquals("Block " + stale.blockId() + " (block 0 of " + FILE.path()
                    + ") is not cached on any live worker", e.getMessage());
        }
    }

    @Test
    void aRestartedClusterServesWhatTheFirstOneCached() throws Exception {
        byte[] data = randomBytes(2 * MIB + 123, 3);
        BlockKey block = new BlockKey(FILE, 7);
        BlockWriteResult written;
        LocalClusterConfig config = new LocalClusterConfig(directory, 2, 16L * MIB);
        try (LocalCluster cluster = LocalCluster.start(config); CacheClient client = cluster.newClient()) {
            written = write(client, block, data, 2);
        }
        try (LocalCluster cluster = LocalCluster.start(config); CacheClient client = cluster.newClient()) {
            assertEquals(List.of(new CachedBlock(7, data.length, crc32c(data), written.workerIds())),
                    client.cachedBlocks(FILE));
            assertArrayEquals(data, readAll(client.openReader(block)));
            assertEquals(2 * (long) data.length, client.clusterInfo().workers().stream()
                    .mapToLong(WorkerInfo::usedBytes).sum());
        }
    }

    /** The embedded cluster is the same cluster after a restart on its directory, another in a wiped one. */
    @Test
    void theClusterIdSurvivesARestartAndNotAWipedDirectory() throws Exception {
        LocalClusterConfig config = new LocalClusterConfig(directory, 1, 16L * MIB);
        String clusterId;
        try (LocalCluster cluster = LocalCluster.start(config); CacheClient client = cluster.newClient()) {
            clusterId = client.clusterInfo().clusterId();
            assertFalse(clusterId.isEmpty());
        }
        try (LocalCluster cluster = LocalCluster.start(config); CacheClient client = cluster.newClient()) {
            assertEquals(clusterId, client.clusterInfo().clusterId());
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
        try (LocalCluster cluster = LocalCluster.start(config); CacheClient client = cluster.newClient()) {
            assertNotEquals(clusterId, client.clusterInfo().clusterId());
        }
    }

    @Test
    void aBlockHeldByAWorkerGetsOnlyItsMissingReplicasElsewhere() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 3, 16L * MIB));
                CacheClient client = cluster.newClient()) {
            BlockKey block = new BlockKey(FILE, 0);
            byte[] data = randomBytes(3 * MIB, 11);
            String holder = write(client, block, data, 1).workerIds().get(0);

            // replication 3 with one replica held: the two others go to the two other workers
            BlockWriteResult added = write(client, block, data, WriteOptions.replication(3).heldBy(List.of(holder)));
            assertEquals(2, added.workerIds().size(), added.toString());
            assertFalse(added.workerIds().contains(holder), added.toString());
            CachedBlock cached = client.cachedBlocks(FILE).get(0);
            assertEquals(3, cached.replicas(), "the master adds them to the held one: " + cached);
            try (InputStream in = client.openReader(block)) {
                assertArrayEquals(data, readAll(in));
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WriteOptions.replication(1).heldBy(List.of(holder)));
            assertEquals("holders must be fewer than the replication 1: [" + holder + "]", e.getMessage());

            // more replicas missing than workers that do not hold it: too few workers, which no wait for room mends
            NotEnoughWorkersException tooFew = assertThrows(NotEnoughWorkersException.class,
                    () -> write(client, block, data, WriteOptions.replication(4).heldBy(cached.workerIds())));
            assertTrue(tooFew.getMessage().contains("Cannot place 1 replicas of a block: only 0 live workers (not counting "), tooFew.getMessage());
            assertTrue(tooFew.getMessage().contains(", which already hold it)"), tooFew.getMessage());
            assertEquals(NotEnoughWorkersException.class, tooFew.getClass(), "not a NoRoomException, which a writer waits on: " + tooFew);
        }
    }

    @Test
    void replicationAboveTheLiveWorkersFailsWithTheLiveCount() {
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 2, 16L * MIB));
                CacheClient client = cluster.newClient()) {
            BlockKey block = new BlockKey(FILE, 0);
            NotEnoughWorkersException e = assertThrows(NotEnoughWorkersException.class,
                    () -> client.openWriter(block, 1000, 3));
            assertEquals("Placing block " + block.blockId() + " at master " + cluster.masterTarget() + " failed: "
                    + "Cannot place 3 replicas of a block: only 2 live workers, and each replica needs a worker of its own "
                    + "(FAILED_PRECONDITION)", e.getMessage());
            assertEquals("Cannot place 3 replicas of a block: only 2 live workers, and each replica needs a worker of its own", e.reason());

            NotEnoughWorkersException tooBig = assertThrows(NotEnoughWorkersException.class,
                    () -> client.openWriter(block, 17L * MIB, 1));
            assertTrue(tooBig.getMessage().contains("only 0 of 2 live workers have a tier that large"), tooBig.getMessage());
        }
    }

    @Test
    void aCorruptedReplicaIsNotServed() throws Exception {
        byte[] data = randomBytes(MIB + 5000, 4);
        BlockKey block = new BlockKey(FILE, 1);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 1, 16L * MIB));
                CacheClient client = cluster.newClient()) {
            write(client, block, data, 1);
            flipLastByte(blockFile(cluster.workerBlockDirectories().get(0), block));

            InputStream in = client.openReader(block);
            CacheException e = assertThrows(CacheException.class, () -> readAll(in));
            assertTrue(e.getMessage().startsWith("Reading block " + block.blockId() + " from worker worker-0 ("),
                    e.getMessage());
            assertTrue(e.getMessage().contains("failed: Block " + block.blockId() + " on worker worker-0 is corrupt: "
                    + "bytes 1048576-1053575 have CRC32C"), e.getMessage());
            assertTrue(e.getMessage().endsWith("(DATA_LOSS)"), e.getMessage());

            // The worker deleted the corrupt block and tells the master, which stops listing it.
            assertEquals(List.of(), files(cluster.workerBlockDirectories().get(0)));
            TestData.await(() -> client.cachedBlocks(FILE).isEmpty(), Duration.ofSeconds(10),
                    "the master forgets the corrupt block");
            assertThrows(BlockNotFoundException.class, () -> client.openReader(block));
        }
    }

    @Test
    void aReaderFallsBackToTheNextReplica() throws Exception {
        byte[] data = randomBytes(3 * MIB, 5);
        BlockKey block = new BlockKey(FILE, 2);
        // the workers do not look for missing block files on their own: the reads find them
        LocalClusterConfig config = LocalClusterConfig.builder(directory).workers(2).workerCapacityBytes(16L * MIB)
                .blockFileChecksPerHeartbeat(0).build();
        try (LocalCluster cluster = LocalCluster.start(config);
                CacheClient client = cluster.newClient()) {
            write(client, block, data, 2);
            // Readers try replicas in worker-id order, so worker-0 is asked first.
            flipLastByte(blockFile(cluster.workerBlockDirectories().get(0), block));

            assertArrayEquals(data, readAll(client.openReader(block)));
            // worker-0 deleted its corrupt copy when it found it; the master hears of it with the next heartbeat.
            assertFalse(Files.exists(cluster.workerBlockDirectories().get(0).resolve(block.blockId() + ".block")));
            TestData.await(() -> client.cachedBlocks(FILE).get(0).workerIds().equals(List.of("worker-1")),
                    Duration.ofSeconds(10), "the master forgets the corrupt replica");

            Files.delete(blockFile(cluster.workerBlockDirectories().get(1), block));
            CacheException e = assertThrows(CacheException.class, () -> readAll(client.openReader(block)));
            assertEquals("Reading block " + block.blockId() + " from " + describe(cluster, 1) + " failed: Block "
                    + block.blockId() + " not found on worker worker-1 (NOT_FOUND)", e.getMessage());
        }
    }

    @Test
    void aBlockFileDeletedBehindAWorkersBackIsDroppedFromTheMasterWithoutARead() throws Exception {
        byte[] data = randomBytes(MIB, 6);
        BlockKey block = new BlockKey(FILE, 0);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 2, 16L * MIB));
                CacheClient client = cluster.newClient()) {
            write(client, block, data, 2);
            assertEquals(List.of("worker-0", "worker-1"), client.cachedBlocks(FILE).get(0).workerIds());

            Files.delete(blockFile(cluster.workerBlockDirectories().get(1), block));

            // worker-1 checks its block files at its heartbeats and reports the missing one
            TestData.await(() -> client.cachedBlocks(FILE).get(0).workerIds().equals(List.of("worker-0")),
                    Duration.ofSeconds(10), "the master drops the replica whose file is gone");
            assertTrue(Files.exists(cluster.workerBlockDirectories().get(0).resolve(block.blockId() + ".block")), "the other replica stays");
        }
    }

    @Test
    void confirmedBlocksCountOnlyTheReplicasTheWorkersHoldAsRecorded() throws Exception {
        FileIdentity other = new FileIdentity("cosn://bucket/db/events/dt=2026-11-20/part-1", 64L * MIB, 1_763_600_000_000L);
        byte[] data = randomBytes(MIB + 100, 11);
        byte[] otherData = randomBytes(MIB + 100, 12);
        BlockKey block = new BlockKey(FILE, 0);
        BlockKey otherBlock = new BlockKey(other, 0);
        // Heartbeats far apart: the master learns nothing from the workers during the test.
        LocalClusterConfig config = LocalClusterConfig.builder(directory).workers(3).workerCapacityBytes(16L * MIB)
                .heartbeatInterval(Duration.ofMinutes(1)).build();
        try (LocalCluster cluster = LocalCluster.start(config);
                CacheClient client = cluster.newClient()) {
            List<String> replicas = write(client, block, data, 2).workerIds();
            write(client, otherBlock, otherData, 3);
            CachedBlock recorded = new CachedBlock(0, data.length, crc32c(data), replicas);
            assertEquals(List.of(recorded), client.confirmedBlocks(FILE));
            assertEquals(List.of(FILE, other), List.copyOf(client.confirmedBlocks(List.of(FILE, other, FILE)).keySet()));

            // The first replica's file is gone: the master still lists it, its worker does not confirm it.
            Files.delete(blockFile(cluster.workerBlockDirectories().get(workerIndex(replicas.get(0))), block));
            assertEquals(List.of(recorded), client.cachedBlocks(FILE));
            assertEquals(List.of(new CachedBlock(0, data.length, crc32c(data), List.of(replicas.get(1)))),
                    client.confirmedBlocks(FILE));

            // The second replica's file holds another block of the same length: its CRC32C differs from the recorded one.
            Path second = cluster.workerBlockDirectories().get(workerIndex(replicas.get(1)));
            Files.copy(blockFile(second, otherBlock), blockFile(second, block), StandardCopyOption.REPLACE_EXISTING);
            assertEquals(List.of(new CachedBlock(0, data.length, crc32c(data), List.of())), client.confirmedBlocks(FILE));

            // A killed worker, still live at the master, confirms nothing.
            cluster.killWorker(0);
            assertEquals(List.of("worker-0", "worker-1", "worker-2"), client.cachedBlocks(other).get(0).workerIds());
            assertEquals(List.of(new CachedBlock(0, otherData.length, crc32c(otherData), List.of("worker-1", "worker-2"))),
                    client.confirmedBlocks(other));
            assertEquals(List.of(), client.confirmedBlocks(new FileIdentity("cosn://bucket/never-cached", 1, 1)));
        }
    }

    @Test
    void aWriteToAStoppedWorkerNamesItAndTheNextWriteCanAvoidIt() throws Exception {
        byte[] data = randomBytes(MIB, 8);
        BlockKey block = new BlockKey(FILE, 5);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 3, 16L * MIB));
                CacheClient client = cluster.newClient()) {
            // stopped as a killed process is: the master counts it live until it misses three heartbeats
            cluster.killWorker(0);
            WorkerUnavailableException e = assertThrows(WorkerUnavailableException.class, () -> write(client, block, data, 3));
            assertEquals("worker-0", e.workerId());
            assertTrue(e.getMessage().startsWith("Writing block " + block.blockId() + " to worker worker-0 ("), e.getMessage());

            BlockWriteResult written = write(client, block, data, WriteOptions.replication(2).excluding(List.of("worker-0")));
            assertEquals(List.of("worker-1", "worker-2"), written.workerIds());
            assertArrayEquals(data, readAll(client.openReader(block)));
        }
    }

    @Test
    void anAbortedWriteLeavesNothingBehind() {
        BlockKey block = new BlockKey(FILE, 4);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 2, 16L * MIB));
                CacheClient client = cluster.newClient()) {
            try (BlockWriter writer = client.openWriter(block, 2 * MIB, 2)) {
                writer.write(randomBytes(MIB, 6), 0, MIB);
            }
            BlockWriter incomplete = client.openWriter(block, 2 * MIB, 2);
            incomplete.write(randomBytes(MIB, 7), 0, MIB);
            CacheException e = assertThrows(CacheException.class, incomplete::commit);
            assertEquals("Block " + block.blockId() + " has 2097152 bytes but only 1048576 were written; the write is "
                    + "aborted", e.getMessage());
            IllegalStateException closed = assertThrows(IllegalStateException.class, incomplete::commit);
            assertEquals("The write of block " + block.blockId() + " was aborted: " + e.getMessage(),
                    closed.getMessage());

            assertEquals(List.of(), client.cachedBlocks(FILE));
            for (Path workerDirectory : cluster.workerBlockDirectories()) {
                TestData.await(() -> files(workerDirectory).isEmpty(), Duration.ofSeconds(5),
                        "the aborted writes are gone from " + workerDirectory);
            }
        }
    }

    @Test
    void aWriterRejectsMoreBytesThanTheBlockHas() {
        BlockKey block = new BlockKey(FILE, 5);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 1, 16L * MIB));
                CacheClient client = cluster.newClient();
                BlockWriter writer = client.openWriter(block, 10, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> writer.write(new byte[11], 0, 11));
            assertEquals("Block " + block.blockId() + " has 10 bytes: 0 are written, 11 more would exceed it",
                    e.getMessage());
            writer.write(new byte[10], 0, 10);
            assertEquals(List.of("worker-0"), writer.commit().workerIds());
        }
    }

    @Test
    void anEmptyBlockCanBeCachedAndRead() throws Exception {
        BlockKey block = new BlockKey(FILE, 6);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 1, MIB));
                CacheClient client = cluster.newClient()) {
            write(client, block, new byte[0], 1);
            assertEquals(List.of(new CachedBlock(6, 0, 0, List.of("worker-0"))), client.cachedBlocks(FILE));
            assertArrayEquals(new byte[0], readAll(client.openReader(block)));
        }
    }

    @Test
    void aLockedDirectoryIsRefused() {
        LocalClusterConfig config = new LocalClusterConfig(directory, 1, MIB);
        try (LocalCluster first = LocalCluster.start(config)) {
            assertEquals(List.of(directory.resolve("worker-0")), first.workerBlockDirectories());
            CacheException e = assertThrows(CacheException.class, () -> LocalCluster.start(config));
            assertEquals("The cache cluster in " + directory.toAbsolutePath() + " is in use by another LocalCluster in "
                    + "this process", e.getMessage());
        }
        LocalCluster.start(config).close();
    }

    @Test
    void aDirectoryLockedByAnotherProcessIsRefused() throws Exception {
        Process holder = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                System.getProperty("java.class.path"), LockHolder.class.getName(),
                directory.resolve("cluster.lock").toString())
                .redirectErrorStream(true)
                .start();
        try {
            int firstByte = holder.getInputStream().read();
            assertEquals('L', firstByte, "the other process reports that it holds the lock");
            CacheException e = assertThrows(CacheException.class,
                    () -> LocalCluster.start(new LocalClusterConfig(directory, 1, MIB)));
            assertEquals("The cache cluster in " + directory.toAbsolutePath() + " is in use by another process",
                    e.getMessage());
        }
        finally {
            holder.getOutputStream().close();
            holder.waitFor();
        }
        LocalCluster.start(new LocalClusterConfig(directory, 1, MIB)).close();
    }

    @Test
    void concurrentWritersShareOneClient() throws Exception {
        int threads = 6;
        int blocksPerThread = 4;
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 3, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            List<Future<?>> writes = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                writes.add(executor.submit(() -> {
                    for (int b = 0; b < blocksPerThread; b++) {
                        int index = thread * blocksPerThread + b;
                        write(client, new BlockKey(FILE, index), randomBytes(300_000 + index, index), 2);
                    }
                    return null;
                }));
            }
            for (Future<?> write : writes) {
                write.get(30, TimeUnit.SECONDS);
            }
            List<CachedBlock> cached = client.cachedBlocks(FILE);
            assertEquals(threads * blocksPerThread, cached.size());
            for (CachedBlock block : cached) {
                assertEquals(2, block.replicas());
                byte[] expected = randomBytes(300_000 + block.index(), block.index());
                assertEquals(crc32c(expected), block.crc32c());
                assertArrayEquals(expected, readAll(client.openReader(new BlockKey(FILE, block.index()))));
            }
        }
        finally {
            executor.shutdownNow();
        }
    }

    @Test
    void closeIsIdempotentAndStopsEveryThread() throws Exception {
        LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 2, MIB));
        try (CacheClient client = cluster.newClient()) {
            write(client, new BlockKey(FILE, 0), randomBytes(1000, 8), 2);
            readAll(client.openReader(new BlockKey(FILE, 0)));
        }
        cluster.close();
        cluster.close();
        TestData.await(() -> Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(thread -> thread.isAlive() && thread.getName().startsWith("gfsload-")),
                Duration.ofSeconds(5), "no gfsload thread is left: " + Thread.getAllStackTraces().keySet().stream()
                        .map(Thread::getName).filter(name -> name.startsWith("gfsload-")).toList());
    }

    @Test
    void configIsValidated() {
        IllegalArgumentException workers = assertThrows(IllegalArgumentException.class,
                () -> new LocalClusterConfig(directory, 0, MIB));
        assertEquals("workers must be >= 1: 0", workers.getMessage());
        IllegalArgumentException capacity = assertThrows(IllegalArgumentException.class,
                () -> new LocalClusterConfig(directory, 1, 0));
        assertEquals("workerCapacityBytes must be > 0: 0", capacity.getMessage());
    }

    private static BlockWriteResult write(CacheClient client, BlockKey block, byte[] data, int replication) {
        return write(client, block, data, WriteOptions.replication(replication));
    }

    private static BlockWriteResult write(CacheClient client, BlockKey block, byte[] data, WriteOptions options) {
        try (BlockWriter writer = client.openWriter(block, data.length, options)) {
            // Uneven pieces, so client chunks and caller writes do not line up.
            int piece = 700_001;
            for (int offset = 0; offset < data.length; offset += piece) {
                writer.write(data, offset, Math.min(piece, data.length - offset));
            }
            return writer.commit();
        }
    }

    private static String describe(LocalCluster cluster, int worker) {
        try (CacheClient client = cluster.newClient()) {
            WorkerInfo info = client.clusterInfo().workers().get(worker);
            return "worker " + info.id() + " (" + info.host() + ":" + info.port() + ")";
        }
    }

    private static int workerIndex(String workerId) {
        return Integer.parseInt(workerId.substring("worker-".length()));
    }

    private static Path blockFile(Path workerDirectory, BlockKey block) {
        Path file = workerDirectory.resolve(block.blockId() + ".block");
        assertTrue(Files.isRegularFile(file), file + " exists");
        return file;
    }

    private static void flipLastByte(Path file) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(raf.length() - 1);
            int b = raf.read();
            raf.seek(raf.length() - 1);
            raf.write(b ^ 0xFF);
        }
    }

    /** Run in a child JVM: holds the lock on the file named by its argument until stdin closes. */
    public static final class LockHolder {
        public static void main(String[] args) throws Exception {
            try (FileChannel channel = FileChannel.open(Path.of(args[0]),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = channel.lock()) {
                System.out.write(lock.isValid() ? 'L' : '?');
                System.out.flush();
                while (System.in.read() >= 0) {
                    // hold the lock until the parent closes our stdin
                }
            }
        }
    }
}
