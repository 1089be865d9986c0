package io.gfsload.cache.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.testing.TestData;
import io.gfsload.ufs.simulator.ThrottledFileSystem;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.token.Token;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gfs:// over a real two-worker {@link LocalCluster} and a real {@code throttled://} store (no
 * latency or limits, for its byte counters): blocks are warmed the way gfsload's executor writes
 * them, under the identity its planner records (the UFS status's path, length, modification time
 * and etag), so what is read from where is what a query reads after a gfsload run.
 */
class TestGfsFileSystem {
    private static final int BLOCK = 256 << 10;
    private static final AtomicInteger STORES = new AtomicInteger();

    @TempDir
    java.nio.file.Path dir;

    private LocalCluster cluster;
    private CacheClient client;
    private java.nio.file.Path data;
    private String storeRoot;
    private Configuration conf;
    private ThrottledFileSystem store;
    private GfsFileSystem gfs;

    @BeforeEach
    void setUp() throws IOException {
        cluster = LocalCluster.start(new LocalClusterConfig(dir.resolve("cache"), 2, 64L << 20));
        client = cluster.newClient();
        data = Files.createDirectories(dir.resolve("ufs/db/t"));
        // one store instance per test: Hadoop caches file systems by scheme and authority
        storeRoot = "throttled://gfs-test-" + STORES.incrementAndGet() + dir.resolve("ufs").toAbsolutePath();
        conf = new Configuration();
        conf.set(GfsConfig.MASTER, cluster.masterTarget());
        conf.set(GfsConfig.UFS_ROOT, storeRoot);
        conf.set(GfsConfig.BLOCK_SIZE, String.valueOf(BLOCK));
        store = (ThrottledFileSystem) FileSystem.get(URI.create(storeRoot), conf);
        gfs = (GfsFileSystem) FileSystem.newInstance(URI.create("gfs:///"), conf);
    }

    @AfterEach
    void tearDown() throws IOException {
        gfs.close();
        store.close();
        client.close();
        cluster.close();
    }

    @Test
    void warmedFileIsReadFromTheCacheAlone() throws IOException {
        byte[] bytes = createFile("db/t/part-0", 2 * BLOCK + 1000, 1);
        warm("db/t/part-0", 1, 0, 1, 2);
        store.resetStats();

        assertArrayEquals(bytes, readAll(new Path("gfs:///db/t/part-0")));

        assertEquals(0, store.stats().bytesRead(), "no byte from the store");
        assertEquals(0, store.stats().requests(), "not even an open");
        GfsReadStatistics.Snapshot stats = gfs.readStatistics().snapshot();
        assertEquals(bytes.length, stats.bytesFromCache());
        assertEquals(0, stats.bytesFromUfs());
        assertEquals(3, stats.cacheBlockReads());
        assertEquals(0, stats.ufsFallbacks());
        assertTrue(FileSystem.getStatistics(GfsFileSystem.SCHEME, GfsFileSystem.class).getBytesRead() >= bytes.length, "Hadoop's statistics count them");
    }

    @Test
    void unwarmedFileIsReadFromTheUfs() throws IOException {
        byte[] bytes = createFile("db/t/part-1", 3 * BLOCK, 2);
        store.resetStats();

        assertArrayEquals(bytes, readAll(new Path("gfs:///db/t/part-1")));

        assertEquals(bytes.length, store.stats().bytesRead());
        assertEquals(new GfsReadStatistics.Snapshot(0, bytes.length, 0, 3, 0), gfs.readStatistics().snapshot());
    }

    @Test
    void partlyWarmedFileMixesCacheAndUfs() throws IOException {
        byte[] bytes = createFile("db/t/part-2", 4 * BLOCK - 17, 3);
        warm("db/t/part-2", 1, 0, 2);
        store.resetStats();

        assertArrayEquals(bytes, readAll(new Path("gfs:///db/t/part-2")));

        GfsReadStatistics.Snapshot stats = gfs.readStatistics().snapshot();
        assertEquals(2L * BLOCK, stats.bytesFromCache());
        assertEquals(bytes.length - 2L * BLOCK, stats.bytesFromUfs());
        assertEquals(stats.bytesFromUfs(), store.stats().bytesRead());
        assertEquals(2, stats.ufsFallbacks(), "blocks 1 and 3");
    }

    @Test
    void seeksAndPositionedReadsReturnTheRightBytesAcrossBlockBoundaries() throws IOException {
        byte[] bytes = createFile("db/t/part-3", 3 * BLOCK + 5, 4);
        warm("db/t/part-3", 1, 1);
        Random random = new Random(7);
        try (FSDataInputStream in = gfs.open(new Path("gfs:///db/t/part-3"))) {
            for (long position : List.of((long) BLOCK - 10, 2L * BLOCK - 3, 3L * BLOCK - 1, 0L, (long) BLOCK + 100)) {
                byte[] buffer = new byte[(int) Math.min(BLOCK + 50, bytes.length - position)];
                in.readFully(position, buffer);
                assertArrayEquals(Arrays.copyOfRange(bytes, (int) position, (int) position + buffer.length), buffer, "at " + position);
            }
            assertEquals(0, in.getPos(), "positioned reads leave the position alone");
            for (int i = 0; i < 20; i++) {
                int position = random.nextInt(bytes.length);
                byte[] buffer = new byte[Math.min(1 + random.nextInt(2 * BLOCK), bytes.length - position)];
                in.seek(position);
                in.readFully(buffer);
                assertEquals(position + buffer.length, in.getPos());
                assertArrayEquals(Arrays.copyOfRange(bytes, position, position + buffer.length), buffer, "at " + position);
            }
            in.seek(bytes.length);
            assertEquals(-1, in.read());
            EOFException pastEnd = assertThrows(EOFException.class, () -> in.seek(bytes.length + 1));
            assertTrue(pastEnd.getMessage().contains("past the end"), pastEnd.getMessage());
            in.seek(BLOCK + 1);
            assertEquals(bytes[BLOCK + 1] & 0xFF, in.read());
        }
        assertTrue(gfs.readStatistics().snapshot().bytesFromCache() > 0, "block 1 came from the cache");
        assertTrue(gfs.readStatistics().snapshot().bytesFromUfs() > 0, "the others from the UFS");
    }

    @Test
    void theStreamTakesHadoopsArgumentsAndEndsAsItsContractSays() throws IOException {
        byte[] bytes = createFile("db/t/contract", 2 * BLOCK + 10, 30);
        warm("db/t/contract", 1, 0);
        try (FSDataInputStream in = gfs.open(new Path("gfs:///db/t/contract"))) {
            byte[] buffer = new byte[16];
            assertThrows(IndexOutOfBoundsException.class, () -> in.read(buffer, -1, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> in.read(buffer, 0, -1));
            assertThrows(IndexOutOfBoundsException.class, () -> in.read(buffer, 10, 7));
            assertThrows(NullPointerException.class, () -> in.read(null, 0, 1));
            assertEquals(0, in.read(buffer, 0, 0));
            assertEquals(0, in.getPos(), "a refused or empty read moves nothing");

            EOFException negative = assertThrows(EOFException.class, () -> in.read(-1, buffer, 0, 1));
            assertTrue(negative.getMessage().contains("negative"), negative.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> in.read(0, buffer, 10, 7));
            assertEquals(-1, in.read(bytes.length, buffer, 0, 1), "a positioned read at the end");
            assertEquals(-1, in.read(bytes.length + 100L, buffer, 0, 1), "a positioned read past the end");
            assertThrows(EOFException.class, () -> in.readFully(bytes.length - 5L, buffer));
            in.readFully(bytes.length, new byte[0]);
            assertEquals(0, in.getPos());

            assertThrows(EOFException.class, () -> in.seek(-1));
            in.seek(bytes.length - 5L);
            assertEquals(5, in.skip(100), "skip stops at the end");
            assertEquals(bytes.length, in.getPos());
            assertEquals(0, in.skip(-3));
            in.seek(5);
            assertEquals(bytes.length - 5L, in.skip(Long.MAX_VALUE), "skip to the end, as InputStream callers do");
            assertEquals(bytes.length, in.getPos());
            assertEquals(-1, in.read());
            assertEquals(-1, in.read(buffer, 0, buffer.length));
            assertThrows(EOFException.class, () -> in.readFully(buffer));

            in.seek(BLOCK - 3L);
            byte[] across = new byte[6];
            in.readFully(across);
            assertArrayEquals(Arrays.copyOfRange(bytes, BLOCK - 3, BLOCK + 3), across, "a read across the end of a cached block");
            assertEquals(BLOCK + 3L, in.getPos());
        }
    }

    @Test
    void aClosedStreamFailsEveryReadAndClosesAgainQuietly() throws IOException {
        createFile("db/t/closed", BLOCK + 10, 31);
        warm("db/t/closed", 1, 0);
        FSDataInputStream in = gfs.open(new Path("gfs:///db/t/closed"));
        assertTrue(in.read(new byte[10], 0, 10) > 0);
        in.close();
        in.close();
        byte[] buffer = new byte[10];
        List<ThrowingCall> reads = List.of(in::read, () -> in.read(buffer, 0, 10), () -> in.read(BLOCK, buffer, 0, 10),
                () -> in.readFully(0, buffer), () -> in.seek(0), () -> in.skip(1), in::available);
        for (ThrowingCall read : reads) {
            IOException closed = assertThrows(IOException.class, read::call);
            assertTrue(closed.getMessage().startsWith("Stream is closed!"), closed.getMessage());
            assertTrue(closed.getMessage().endsWith(storeRoot + "/db/t/closed"), closed.getMessage());
        }
    }

    @Test
    void anEmptyFileAndAFileOfExactlyOneBlockReadToTheirEnds() throws IOException {
        createFile("db/t/empty", 0, 32);
        Path empty = new Path("gfs:///db/t/empty");
        assertEquals(0, gfs.getFileStatus(empty).getLen());
        assertEquals(0, gfs.getFileBlockLocations(gfs.getFileStatus(empty), 0, 1).length);
        try (FSDataInputStream in = gfs.open(empty)) {
            assertEquals(-1, in.read());
            assertEquals(-1, in.read(new byte[4], 0, 4));
            assertEquals(-1, in.read(0, new byte[4], 0, 4));
            in.seek(0);
            assertThrows(EOFException.class, () -> in.seek(1));
        }

        byte[] bytes = createFile("db/t/one-block", BLOCK, 33);
        warm("db/t/one-block", 1, 0);
        assertEquals(1, gfs.getFileBlockLocations(gfs.getFileStatus(new Path("gfs:///db/t/one-block")), 0, BLOCK).length);
        try (FSDataInputStream in = gfs.open(new Path("gfs:///db/t/one-block"))) {
            assertArrayEquals(bytes, in.readAllBytes());
            assertEquals(-1, in.read());
            byte[] last = new byte[1];
            assertEquals(1, in.read(BLOCK - 1L, last, 0, 1));
            assertEquals(bytes[BLOCK - 1], last[0]);
            assertEquals(-1, in.read(BLOCK, new byte[1], 0, 1));
        }
        GfsReadStatistics.Snapshot stats = gfs.readStatistics().snapshot();
        assertEquals(0, stats.bytesFromUfs());
        assertEquals(BLOCK + 1L, stats.bytesFromCache());
    }

    @Test
    void positionedReadsFromSeveralThreadsOnOneStreamEachGetTheirBytes() throws Exception {
        byte[] bytes = createFile("db/t/shared", 3 * BLOCK + 77, 34);
        warm("db/t/shared", 1, 0, 2);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try (FSDataInputStream in = gfs.open(new Path("gfs:///db/t/shared"))) {
            in.seek(BLOCK / 2);
            List<Future<Void>> readers = new ArrayList<>();
            for (int thread = 0; thread < 4; thread++) {
                Random random = new Random(thread);
                readers.add(threads.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        int position = random.nextInt(bytes.length);
                        byte[] buffer = new byte[Math.min(1 + random.nextInt(BLOCK), bytes.length - position)];
                        in.readFully(position, buffer);
                        assertArrayEquals(Arrays.copyOfRange(bytes, position, position + buffer.length), buffer, "at " + position);
                    }
                    return null;
                }));
            }
            for (Future<Void> reader : readers) {
                reader.get();
            }
            assertEquals(BLOCK / 2, in.getPos(), "positioned reads leave the position alone");
            byte[] rest = in.readAllBytes();
            assertArrayEquals(Arrays.copyOfRange(bytes, BLOCK / 2, bytes.length), rest);
        }
        finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aCorruptReplicaIsReadFromTheUfsInstead() throws IOException {
        byte[] bytes = createFile("db/t/corrupt", 2 * BLOCK, 35);
        warm("db/t/corrupt", 1, 0, 1);
        java.nio.file.Path blockFile = blockFile(new BlockKey(identity("db/t/corrupt"), 1));
        try (RandomAccessFile file = new RandomAccessFile(blockFile.toFile(), "rw")) {
            file.seek(file.length() - 1);
            int last = file.read();
            file.seek(file.length() - 1);
            file.write(last ^ 0xFF);
        }

        assertArrayEquals(bytes, readAll(new Path("gfs:///db/t/corrupt")));

        GfsReadStatistics.Snapshot stats = gfs.readStatistics().snapshot();
        assertEquals(1, stats.cacheFailures(), stats.toString());
        assertTrue(stats.bytesFromCache() >= BLOCK, "block 0 from the cache: " + stats);
        assertTrue(stats.bytesFromUfs() > 0, "the corrupt block's bytes from the UFS: " + stats);
        assertEquals(bytes.length, stats.bytesFromCache() + stats.bytesFromUfs());
    }

    /**
     * A reader whose thread is interrupted (a cancelled Spark task) stops with an
     * InterruptedIOException: it does not count the cached block failed and read the file from the
     * UFS instead, and a read after it, interrupt cleared, still reads the block from the cache.
     */
    @Test
    void anInterruptedReaderStopsRatherThanReadTheUfs() throws IOException {
        byte[] bytes = createFile("db/t/interrupted", 2 * BLOCK, 36);
        warm("db/t/interrupted", 1, 0, 1);
        store.resetStats();
        try (FSDataInputStream in = gfs.open(new Path("gfs:///db/t/interrupted"))) {
            byte[] buffer = new byte[BLOCK];
            Thread.currentThread().interrupt();
            try {
                assertThrows(InterruptedIOException.class, () -> in.readFully(0, buffer));
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt stays set");
            }
            finally {
                Thread.interrupted();
            }
            in.readFully(0, buffer);
            assertArrayEquals(Arrays.copyOfRange(bytes, 0, BLOCK), buffer);
        }
        assertEquals(0, store.stats().bytesRead(), "nothing read from the UFS");
        assertEquals(0, gfs.readStatistics().snapshot().ufsFallbacks(), gfs.readStatistics().snapshot().toString());
    }

    @Test
    void rewrittenFileIsNotServedStaleFromTheCache() throws IOException {
        createFile("db/t/part-4", 2 * BLOCK, 5);
        warm("db/t/part-4", 1, 0, 1);
        java.nio.file.Path local = data.resolve("part-4");
        FileTime before = Files.getLastModifiedTime(local);
        byte[] rewritten = createFile("db/t/part-4", 2 * BLOCK, 6);
        Files.setLastModifiedTime(local, FileTime.fromMillis(before.toMillis() + 60_000));
        store.resetStats();

        assertArrayEquals(rewritten, readAll(new Path("gfs:///db/t/part-4")));

        assertEquals(0, gfs.readStatistics().snapshot().bytesFromCache());
        assertEquals(rewritten.length, store.stats().bytesRead());
    }

    /**
     * A stream that read cached blocks of the version it was opened on, and must then read the UFS
     * (the rest freed or evicted), while the file was replaced by another version of the same
     * length: it fails rather than return old bytes then new ones.
     */
    @Test
    void aFileReplacedWhileItIsReadIsNotReadAsAMixOfTwoVersions() throws IOException {
        byte[] old = createFile("db/t/big.bin", 2 * BLOCK, 20);
        warm("db/t/big.bin", 1, 0, 1);
        java.nio.file.Path local = data.resolve("big.bin");
        FileIdentity loaded = identity("db/t/big.bin");
        try (FSDataInputStream in = gfs.open(new Path("gfs:///db/t/big.bin"))) {
            byte[] first = new byte[BLOCK];
            in.readFully(first);
            assertArrayEquals(Arrays.copyOf(old, BLOCK), first, "block 0, from the cache");

            // replaced by rename, as a writer that stages a new version does: same length, new modification time
            java.nio.file.Path staged = data.resolve(".big.bin.new");
            byte[] replacement = new byte[2 * BLOCK];
            new Random(21).nextBytes(replacement);
            Files.write(staged, replacement);
            Files.setLastModifiedTime(staged, FileTime.fromMillis(Files.getLastModifiedTime(local).toMillis() + 60_000));
            Files.move(staged, local, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            client.free(loaded);

            IOException changed = assertThrows(IOException.class, () -> in.readFully(new byte[BLOCK]));
            assertTrue(changed.getMessage().startsWith(storeRoot + "/db/t/big.bin changed since it was opened: length 524288 -> 524288, modification time "),
                    changed.getMessage());
            assertTrue(changed.getMessage().endsWith("Open it again to read its current version"), changed.getMessage());
        }
        assertArrayEquals(Files.readAllBytes(local), readAll(new Path("gfs:///db/t/big.bin")), "opened again: the new version");
    }

    @Test
    void anUnchangedFileReadsFromTheUfsAfterItsCachedBlocks() throws IOException {
        byte[] bytes = createFile("db/t/big2.bin", 2 * BLOCK, 22);
        warm("db/t/big2.bin", 1, 0, 1);
        try (FSDataInputStream in = gfs.open(new Path("gfs:///db/t/big2.bin"))) {
            byte[] first = new byte[BLOCK];
            in.readFully(first);
            client.free(identity("db/t/big2.bin"));
            byte[] second = new byte[BLOCK];
            in.readFully(second);
            assertArrayEquals(bytes, concat(first, second));
        }
        GfsReadStatistics.Snapshot stats = gfs.readStatistics().snapshot();
        assertEquals(BLOCK, stats.bytesFromCache());
        assertEquals(BLOCK, stats.bytesFromUfs());
    }

    @Test
    void lostWorkerFallsBackToAnotherReplicaThenToTheUfs() throws IOException {
        byte[] bytes = createFile("db/t/part-5", 2 * BLOCK + 3, 7);
        warm("db/t/part-5", 2, 0, 1, 2);
        store.resetStats();

        cluster.killWorker(0);
        assertArrayEquals(bytes, readAll(new Path("gfs:///db/t/part-5")));
        assertEquals(bytes.length, gfs.readStatistics().snapshot().bytesFromCache(), "the other replica");
        assertEquals(0, store.stats().bytesRead());

        cluster.killWorker(1);
        gfs.readStatistics().reset();
        assertArrayEquals(bytes, readAll(new Path("gfs:///db/t/part-5")));
        assertEquals(0, gfs.readStatistics().snapshot().bytesFromCache());
        assertEquals(bytes.length, gfs.readStatistics().snapshot().bytesFromUfs());
        assertEquals(bytes.length, store.stats().bytesRead());
    }

    @Test
    void unreachableMasterLeavesEveryReadToTheUfs() throws IOException {
        byte[] bytes = createFile("db/t/part-9", BLOCK + 11, 13);
        warm("db/t/part-9", 1, 0, 1);
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Configuration noCache = new Configuration(conf);
        noCache.set(GfsConfig.MASTER, "127.0.0.1:" + closedPort);
        try (GfsFileSystem unreachable = (GfsFileSystem) FileSystem.newInstance(URI.create("gfs:///"), noCache)) {
            assertArrayEquals(bytes, readAll(unreachable, new Path("gfs:///db/t/part-9")));
            assertEquals(new GfsReadStatistics.Snapshot(0, bytes.length, 0, 2, 0, 1, 0), unreachable.readStatistics().snapshot());
        }
    }

    /**
     * A master that hangs (SIGSTOP, a GC pause, a firewall dropping packets: connections accepted,
     * nothing answered) costs one call's deadline, not one per file opened or located: the files
     * are read from the UFS without asking it, until it answers again, which one caller asks once
     * the retry interval has passed; then cached blocks come from the cache again.
     */
    @Test
    void aMasterThatHangsIsNotWaitedForOnEveryFile() throws IOException {
        int files = 8;
        List<byte[]> contents = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            contents.add(createFile("db/t/hang-" + i, BLOCK + 100 + i, 40 + i));
            warm("db/t/hang-" + i, 1, 0, 1);
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream err = System.err;
        try (FreezableRelay relay = new FreezableRelay(cluster.masterTarget())) {
            Configuration relayed = new Configuration(conf);
            relayed.set(GfsConfig.MASTER, relay.target());
            relayed.set(GfsConfig.MASTER_TIMEOUT, "500ms");
            relayed.set(GfsConfig.MASTER_RETRY_INTERVAL, "5s");
            System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
            try (GfsFileSystem viaRelay = (GfsFileSystem) FileSystem.newInstance(URI.create("gfs:///"), relayed)) {
                assertArrayEquals(contents.get(0), readAll(viaRelay, new Path("gfs:///db/t/hang-0")));
                assertEquals(contents.get(0).length, viaRelay.readStatistics().snapshot().bytesFromCache(), "the master answers: from the cache");

                relay.freeze();
                try {
                    viaRelay.readStatistics().reset();
                    long started = System.nanoTime();
                    long length = 0;
                    for (int i = 0; i < files; i++) {
                        Path path = new Path("gfs:///db/t/hang-" + i);
                        assertArrayEquals(contents.get(i), readAll(viaRelay, path), path.toString());
                        FileStatus status = viaRelay.getFileStatus(path);
                        assertEquals(2, viaRelay.getFileBlockLocations(status, 0, status.getLen()).length);
                        length += contents.get(i).length;
                    }
                    Duration took = Duration.ofNanos(System.nanoTime() - started);
                    GfsReadStatistics.Snapshot frozen = viaRelay.readStatistics().snapshot();
                    assertEquals(0, frozen.bytesFromCache());
                    assertEquals(length, frozen.bytesFromUfs());
                    // one call waited for its deadline, and one more for each retry interval (5 s) this took, however busy the host
                    long probes = 1 + took.toSeconds() / 5 + 1;
                    assertTrue(frozen.masterCallsUnanswered() >= 1 && frozen.masterCallsUnanswered() <= probes, frozen + " in " + took);
                    assertTrue(frozen.masterCallsSkipped() >= 2L * files - frozen.masterCallsUnanswered(), "opens and locations that did not ask: " + frozen);
                }
                finally {
                    relay.thaw();
                }

                TestData.await(() -> {
                    viaRelay.readStatistics().reset();
                    try {
                        assertArrayEquals(contents.get(1), readAll(viaRelay, new Path("gfs:///db/t/hang-1")));
                    }
                    catch (IOException e) {
                        throw new AssertionError(e);
                    }
                    return viaRelay.readStatistics().snapshot().bytesFromCache() == contents.get(1).length;
                }, Duration.ofSeconds(60), "reads from the cache once the master answers again");
            }
            finally {
                System.setErr(err);
            }
        }
        List<String> lines = log.toString(StandardCharsets.UTF_8).lines().filter(line -> line.contains(GfsFileSystem.class.getName())).toList();
        List<String> warnings = lines.stream().filter(line -> line.contains(" WARN ") || line.contains(" ERROR ")).toList();
        assertEquals(1, warnings.size(), String.join("\n", lines));
        assertTrue(warnings.get(0).contains("does not answer gfs:/// ("), warnings.get(0));
        assertTrue(warnings.get(0).contains("every file is read from the UFS, none from the cache, and the master is asked again every 5 s "
                + "(fs.gfs.master.retry-interval) until it answers; each call waits at most 500 ms (fs.gfs.master.timeout)"), warnings.get(0));
        assertEquals(1, lines.stream().filter(line -> line.contains(" INFO ") && line.contains("answers gfs:/// again")).count(), String.join("\n", lines));
    }

    @Test
    void blockLocationsNameTheWorkersOfCachedBlocks() throws IOException {
        createFile("db/t/part-10", 3 * BLOCK - 5, 14);
        warm("db/t/part-10", 2, 1);
        FileStatus status = gfs.getFileStatus(new Path("gfs:///db/t/part-10"));

        BlockLocation[] locations = gfs.getFileBlockLocations(status, 0, status.getLen());

        assertEquals(3, locations.length);
        List<String> workers = client.clusterInfo().liveWorkers().stream().map(worker -> worker.host() + ":" + worker.port()).sorted().toList();
        assertEquals(workers, Arrays.stream(locations[1].getNames()).sorted().toList(), "the workers holding block 1");
        assertEquals(BLOCK, locations[1].getOffset());
        assertEquals(BLOCK, locations[1].getLength());
        assertEquals(List.of("localhost"), List.of(locations[0].getHosts()), "where the UFS puts an uncached block");
        assertEquals(2L * BLOCK, locations[2].getOffset());
        assertEquals(BLOCK - 5, locations[2].getLength());
        BlockLocation[] tail = gfs.getFileBlockLocations(status, 2L * BLOCK + 1, 10);
        assertEquals(1, tail.length);
        assertEquals(2L * BLOCK, tail[0].getOffset());
        assertEquals(0, gfs.getFileBlockLocations(status, status.getLen(), 10).length);
        BlockLocation[] toTheEnd = gfs.getFileBlockLocations(status, BLOCK + 1, Long.MAX_VALUE);
        assertEquals(List.of((long) BLOCK, 2L * BLOCK), Arrays.stream(toTheEnd).map(BlockLocation::getOffset).toList(), "every block from start on");
    }

    @Test
    void listingAndStatusShowTheUfsUnderGfsPaths() throws IOException {
        createFile("db/t/part-a", 10, 8);
        createFile("db/t/part-b", BLOCK + 1, 9);

        FileStatus[] children = gfs.listStatus(new Path("gfs:///db/t"));
        assertEquals(List.of("gfs:/db/t/part-a", "gfs:/db/t/part-b"),
                Arrays.stream(children).map(status -> status.getPath().toString()).sorted().toList());
        FileStatus status = gfs.getFileStatus(new Path("/db/t/part-b"));
        assertEquals(BLOCK + 1, status.getLen());
        assertTrue(status.isFile());
        assertEquals(BLOCK, status.getBlockSize(), "the cache's block size, so that splits follow blocks");
        // what a split size falls back to where no status is at hand (Hive's, MapReduce's minimum split size)
        assertEquals(BLOCK, gfs.getDefaultBlockSize(new Path("gfs:///db/t/part-b")));
        assertEquals(BLOCK, gfs.getDefaultBlockSize());
        assertEquals(store.getFileStatus(new Path(storeRoot + "/db/t/part-b")).getModificationTime(), status.getModificationTime());
        assertTrue(gfs.getFileStatus(new Path("gfs:///db")).isDirectory());
        assertEquals(new Path(storeRoot + "/db/t/part-b"), gfs.toUfsPath(new Path("gfs:///db/t/part-b")));
        FileNotFoundException missing = assertThrows(FileNotFoundException.class, () -> gfs.getFileStatus(new Path("gfs:///db/none")));
        assertTrue(missing.getMessage().contains("none"), missing.getMessage());
        assertThrows(FileNotFoundException.class, () -> gfs.open(new Path("gfs:///db/none")));
        assertThrows(FileNotFoundException.class, () -> gfs.open(new Path("gfs:///db/t")));
    }

    @Test
    void writesAreRefused() throws IOException {
        createFile("db/t/part-6", 10, 10);
        Path file = new Path("gfs:///db/t/part-6");
        List<ThrowingCall> writes = List.of(
                () -> gfs.create(new Path("gfs:///db/t/new")),
                () -> gfs.append(file),
                () -> gfs.rename(file, new Path("gfs:///db/t/moved")),
                () -> gfs.delete(file, false),
                () -> gfs.mkdirs(new Path("gfs:///db/u")));
        for (ThrowingCall write : writes) {
            ReadOnlyFileSystemException e = assertThrows(ReadOnlyFileSystemException.class, write::call);
            assertTrue(e.getMessage().contains("gfs:// is a read-only view of " + storeRoot), e.getMessage());
        }
        assertTrue(Files.exists(data.resolve("part-6")));
        assertFalse(Files.exists(data.resolve("new")));
    }

    @Test
    void aMissingPathIsNamedAsItWasAskedFor() throws IOException {
        createFile("db/t/present", 10, 36);
        FileStatus present = gfs.getFileStatus(new Path("gfs:///db/t/present"));
        List<ThrowingCall> calls = List.of(
                () -> gfs.getFileStatus(new Path("gfs:///db/none")),
                () -> gfs.listStatus(new Path("gfs:///db/none")),
                () -> gfs.open(new Path("gfs:///db/none")),
                () -> gfs.getFileBlockLocations(new FileStatus(10, false, 1, BLOCK, present.getModificationTime(), new Path("gfs:///db/none")), 0, 10));
        for (ThrowingCall call : calls) {
            FileNotFoundException missing = assertThrows(FileNotFoundException.class, call::call);
            assertEquals("File gfs:/db/none does not exist (" + storeRoot + "/db/none in the UFS)", missing.getMessage());
        }
        FileNotFoundException directory = assertThrows(FileNotFoundException.class, () -> gfs.open(new Path("gfs:///db/t")));
        assertEquals("Cannot open gfs:/db/t: it is a directory", directory.getMessage());
    }

    @Test
    void everyChangeOfAFileOrItsAttributesIsRefused() throws IOException {
        createFile("db/t/attributes", 10, 37);
        Path file = new Path("gfs:///db/t/attributes");
        FileStatus before = gfs.getFileStatus(file);
        List<ThrowingCall> changes = List.of(
                () -> gfs.setPermission(file, new FsPermission((short) 0777)),
                () -> gfs.setOwner(file, "someone", "others"),
                () -> gfs.setTimes(file, 1_000_000L, 1_000_000L),
                () -> gfs.setReplication(file, (short) 5),
                () -> gfs.truncate(file, 1),
                () -> gfs.concat(file, new Path[] {new Path("gfs:///db/t/other")}),
                () -> gfs.createNonRecursive(new Path("gfs:///db/t/new"), true, 4096, (short) 1, BLOCK, null));
        for (ThrowingCall change : changes) {
            ReadOnlyFileSystemException e = assertThrows(ReadOnlyFileSystemException.class, change::call);
            assertTrue(e.getMessage().contains("gfs:// is a read-only view of " + storeRoot), e.getMessage());
        }
        FileStatus after = gfs.getFileStatus(file);
        assertEquals(before.getPermission(), after.getPermission());
        assertEquals(before.getModificationTime(), after.getModificationTime());
        assertEquals(10, after.getLen());
    }

    /** Hive escapes a partition value's colon as {@code %3A}, so the directory's name holds a per cent sign; spaces are kept. */
    @Test
    void pathsWithEscapesAndSpacesMapToTheSameUfsFiles() throws IOException {
        byte[] bytes = createFile("db/t/ts=2026-11-20 10%3A00/part 0", BLOCK + 3, 38);
        warm("db/t/ts=2026-11-20 10%3A00/part 0", 1, 0, 1);

        FileStatus[] partitions = gfs.listStatus(new Path("gfs:///db/t"));
        assertEquals(1, partitions.length);
        assertEquals("gfs:/db/t/ts=2026-11-20 10%3A00", partitions[0].getPath().toString());
        FileStatus[] files = gfs.listStatus(partitions[0].getPath());
        assertEquals("gfs:/db/t/ts=2026-11-20 10%3A00/part 0", files[0].getPath().toString());
        assertEquals(new Path(storeRoot + "/db/t/ts=2026-11-20 10%3A00/part 0"), gfs.toUfsPath(files[0].getPath()));
        assertEquals(files[0].getPath(), gfs.toGfsPath(gfs.toUfsPath(files[0].getPath())));

        assertArrayEquals(bytes, readAll(files[0].getPath()));
        assertEquals(bytes.length, gfs.readStatistics().snapshot().bytesFromCache(), "the blocks warmed under the UFS's path");
    }

    @Test
    void aClosedFileSystemRefusesToWorkAndClosesAgainQuietly() throws IOException {
        byte[] bytes = createFile("db/t/after-close", BLOCK + 10, 39);
        warm("db/t/after-close", 1, 0, 1);
        Path file = new Path("gfs:///db/t/after-close");
        FileSystem closing = FileSystem.newInstance(URI.create("gfs:///"), conf);
        FileStatus status = closing.getFileStatus(file);
        FSDataInputStream opened = closing.open(file);
        closing.close();
        closing.close();
        try (opened) {
            assertArrayEquals(bytes, opened.readAllBytes(), "a stream opened before reads on, from the UFS");
        }
        List<ThrowingCall> calls = List.of(() -> closing.open(file), () -> closing.getFileStatus(file), () -> closing.listStatus(file.getParent()),
                () -> closing.getFileBlockLocations(status, 0, 10));
        for (ThrowingCall call : calls) {
            IOException closed = assertThrows(IOException.class, call::call);
            assertEquals("gfs:/// is closed", closed.getMessage());
        }
    }

    @Test
    void namedMountMapsItsAuthorityToItsRoot() throws IOException {
        byte[] bytes = createFile("db/t/part-7", BLOCK + 7, 11);
        warm("db/t/part-7", 1, 0, 1);
        conf.set(GfsConfig.MOUNT_PREFIX + "warehouse", storeRoot + "/db");
        try (FileSystem warehouse = FileSystem.newInstance(URI.create("gfs://warehouse/"), conf)) {
            GfsFileSystem named = assertInstanceOf(GfsFileSystem.class, warehouse);
            assertArrayEquals(bytes, readAll(warehouse, new Path("gfs://warehouse/t/part-7")));
            assertEquals(bytes.length, named.readStatistics().snapshot().bytesFromCache());
            assertEquals("gfs://warehouse/t/part-7", warehouse.listStatus(new Path("gfs://warehouse/t"))[0].getPath().toString());
        }
        IOException unmounted = assertThrows(IOException.class, () -> FileSystem.newInstance(URI.create("gfs://elsewhere/"), conf));
        assertTrue(unmounted.getMessage().contains("fs.gfs.mount.elsewhere"), unmounted.getMessage());
    }

    /**
     * Under Kerberos, MapReduce, Tez and Spark gather the delegation tokens of every input path's
     * file system before a job starts: those of gfs:// paths are the UFS's, which gfs:// reads as
     * the job's user; gfs:// has none of its own, and a mount's name, not a host, is no token service.
     */
    @Test
    void delegationTokensOfGfsPathsAreThoseOfTheUfs() throws IOException {
        Configuration issuing = new Configuration(conf);
        issuing.set("fs.file.impl", TokenIssuingFileSystem.class.getName());
        issuing.setBoolean("fs.file.impl.disable.cache", true);
        issuing.set(GfsConfig.UFS_ROOT, dir.resolve("ufs").toUri().toString());
        // .invalid never resolves (RFC 6761), as a mount's name usually does not
        issuing.set(GfsConfig.MOUNT_PREFIX + "logs.invalid", dir.resolve("ufs").toUri().toString());
        for (String root : List.of("gfs:///", "gfs://logs.invalid/")) {
            try (FileSystem fs = FileSystem.newInstance(URI.create(root), issuing)) {
                assertNull(fs.getCanonicalServiceName(), root);
                Credentials credentials = new Credentials();
                Token<?>[] tokens = fs.addDelegationTokens("yarn", credentials);
                assertEquals(1, tokens.length, root);
                assertEquals(TokenIssuingFileSystem.KIND, tokens[0].getKind(), root);
                assertNotNull(credentials.getToken(new Text(TokenIssuingFileSystem.SERVICE)), root);
            }
        }
    }

    @Test
    void theRootOfTheLocalFileSystemIsAUfsRoot() throws IOException {
        byte[] bytes = createFile("db/t/part-9", BLOCK + 9, 13);
        String absolute = dir.resolve("ufs/db/t/part-9").toAbsolutePath().toString();
        FileStatus status = FileSystem.getLocal(conf).getFileStatus(new Path(absolute));
        warm(client, new FileIdentity(status.getPath().toString(), status.getLen(), status.getModificationTime()), bytes, 1, 0, 1);
        // gfs:///tmp/x reads file:///tmp/x: the root's slash is its whole path, not one to drop
        for (String root : List.of("file:///", "file:/")) {
            Configuration atRoot = new Configuration(conf);
            atRoot.set(GfsConfig.UFS_ROOT, root);
            try (FileSystem local = FileSystem.newInstance(URI.create("gfs:///"), atRoot)) {
                assertArrayEquals(bytes, readAll(local, new Path("gfs://" + absolute)), root);
                assertEquals(bytes.length, assertInstanceOf(GfsFileSystem.class, local).readStatistics().snapshot().bytesFromCache(), root);
                assertEquals("gfs:" + absolute, local.listStatus(new Path("gfs://" + absolute).getParent())[0].getPath().toString(), root);
            }
        }
    }

    @Test
    void aUfsRootWithCredentialsIsRefusedWithoutRepeatingThem() {
        Configuration withCredentials = new Configuration(conf);
        withCredentials.set(GfsConfig.UFS_ROOT, "file://u:FileRootLeak0022@localhost" + dir.resolve("ufs").toAbsolutePath());
        IOException refused = assertThrows(IOException.class, () -> FileSystem.newInstance(URI.create("gfs:///"), withCredentials));
        assertEquals("fs.gfs.ufs.root: credentials are not accepted in the UFS root: file://<hidden>@localhost" + dir.resolve("ufs").toAbsolutePath()
                + "; set them in core-site.xml or a Hadoop credential provider", refused.getMessage());
        for (Throwable cause = refused; cause != null; cause = cause.getCause()) {
            assertFalse(String.valueOf(cause.getMessage()).contains("FileRootLeak0022"), cause.toString());
        }
    }

    @Test
    void aUfsRootTheUfsDoesNotTakeIsNamedInAnIoException() {
        Configuration otherHost = new Configuration(conf);
        otherHost.set(GfsConfig.UFS_ROOT, "file://otherhost/tmp/ufs");
        IOException wrong = assertThrows(IOException.class, () -> FileSystem.newInstance(URI.create("gfs:///"), otherHost));
        assertEquals("Cannot use file://otherhost/tmp/ufs as the UFS root of gfs:///: Wrong FS: file://otherhost/tmp/ufs, expected: file:///",
                wrong.getMessage());
    }

    @Test
    void tokenOfTheClusterIsSentAndNeverShown() throws IOException {
        String secret = "s3cret-token-value-0123456789";
        try (LocalCluster secured = LocalCluster.start(LocalClusterConfig.builder(dir.resolve("secured")).workers(1).token(secret).build());
                CacheClient securedClient = secured.newClient()) {
            byte[] bytes = createFile("db/t/part-8", BLOCK + 9, 12);
            warm(securedClient, "db/t/part-8", 1, 0, 1);
            Configuration securedConf = new Configuration(conf);
            securedConf.set(GfsConfig.MASTER, secured.masterTarget());
            securedConf.set(GfsConfig.SECURITY_TOKEN, secret);
            try (GfsFileSystem securedGfs = (GfsFileSystem) FileSystem.newInstance(URI.create("gfs:///"), securedConf)) {
                assertArrayEquals(bytes, readAll(securedGfs, new Path("gfs:///db/t/part-8")));
                assertEquals(bytes.length, securedGfs.readStatistics().snapshot().bytesFromCache());
                assertFalse(securedGfs.config().toString().contains(secret), securedGfs.config().toString());
            }
        }
    }

    /** The UFS's keys and the token share the Hadoop configuration: no failure, message or log line repeats them. */
    @Test
    void noSecretOfTheConfigurationAppearsInAFailureOrALogLine() throws IOException {
        String secretKey = "CosSecretKey0042xyz";
        String token = "s3cret-token-value-0042-abcdef";
        byte[] bytes = createFile("db/t/secrets", BLOCK + 1, 41);
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Configuration withSecrets = new Configuration(conf);
        withSecrets.set("fs.cosn.userinfo.secretKey", secretKey);
        withSecrets.set(GfsConfig.SECURITY_TOKEN, token);
        withSecrets.set(GfsConfig.MASTER, "127.0.0.1:" + closedPort);
        List<Throwable> failures = new ArrayList<>();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try (GfsFileSystem unreachable = (GfsFileSystem) FileSystem.newInstance(URI.create("gfs:///"), withSecrets)) {
            assertArrayEquals(bytes, readAll(unreachable, new Path("gfs:///db/t/secrets")));
            failures.add(assertThrows(FileNotFoundException.class, () -> unreachable.open(new Path("gfs:///db/none"))));
            failures.add(assertThrows(ReadOnlyFileSystemException.class, () -> unreachable.delete(new Path("gfs:///db/t/secrets"), false)));
            assertFalse(unreachable.config().toString().contains(token), unreachable.config().toString());
            Configuration badBlockSize = new Configuration(withSecrets);
            badBlockSize.set(GfsConfig.BLOCK_SIZE, "lots");
            failures.add(assertThrows(IOException.class, () -> FileSystem.newInstance(URI.create("gfs:///"), badBlockSize)));
        }
        finally {
            System.setErr(err);
        }
        String output = log.toString(StandardCharsets.UTF_8);
        assertTrue(output.contains("does not answer gfs:///"), "the unreachable master is logged: " + output);
        for (String secret : List.of(secretKey, token)) {
            assertFalse(output.contains(secret), output);
            for (Throwable failure : failures) {
                for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
                    assertFalse(String.valueOf(cause.getMessage()).contains(secret), cause.toString());
                }
            }
        }
    }

    @Test
    void aRefusedTokenIsSaidOnceAndEveryFileIsReadFromTheUfs() throws IOException {
        try (LocalCluster secured = LocalCluster.start(LocalClusterConfig.builder(dir.resolve("secured")).workers(1).token("s3cret-token-value-0123456789").build());
                CacheClient securedClient = secured.newClient()) {
            byte[] first = createFile("db/t/part-9", BLOCK + 9, 13);
            byte[] second = createFile("db/t/part-10", BLOCK + 10, 14);
            warm(securedClient, "db/t/part-9", 1, 0, 1);
            warm(securedClient, "db/t/part-10", 1, 0, 1);
            Configuration noToken = new Configuration(conf);
            noToken.set(GfsConfig.MASTER, secured.masterTarget());
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            PrintStream err = System.err;
            // slf4j-simple writes to System.err as it is at each line
            System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
            try (GfsFileSystem withoutToken = (GfsFileSystem) FileSystem.newInstance(URI.create("gfs:///"), noToken)) {
                for (int round = 0; round < 2; round++) {
                    assertArrayEquals(first, readAll(withoutToken, new Path("gfs:///db/t/part-9")));
                    assertArrayEquals(second, readAll(withoutToken, new Path("gfs:///db/t/part-10")));
                    FileStatus status = withoutToken.getFileStatus(new Path("gfs:///db/t/part-9"));
                    assertEquals(2, withoutToken.getFileBlockLocations(status, 0, status.getLen()).length);
                }
                GfsReadStatistics.Snapshot stats = withoutToken.readStatistics().snapshot();
                assertEquals(0, stats.bytesFromCache());
                assertEquals(2L * (first.length + second.length), stats.bytesFromUfs());
            }
            finally {
                System.setErr(err);
            }
            List<String> lines = log.toString(StandardCharsets.UTF_8).lines().filter(line -> line.contains(GfsFileSystem.class.getName()))
                    .filter(line -> line.contains(" WARN ") || line.contains(" ERROR ")).toList();
            assertEquals(1, lines.size(), String.join("\n", lines));
            assertTrue(lines.get(0).contains("ERROR"), lines.get(0));
            assertTrue(lines.get(0).endsWith("The cache master " + secured.masterTarget() + " refuses the calls of gfs:/// (the call carries no token): "
                    + "every file is read from the UFS, none from the cache. Set gfsload.cache.security.token to the cluster's token "
                    + "(core-site.xml, spark.hadoop.gfsload.cache.security.token or a Hadoop credential provider)"), lines.get(0));
        }
    }

    @Test
    void aTokenWithWhiteSpaceAroundItIsTheToken() throws IOException {
        String secret = "s3cret-token-value-0123456789";
        try (LocalCluster secured = LocalCluster.start(LocalClusterConfig.builder(dir.resolve("secured")).workers(1).token(secret).build());
                CacheClient securedClient = secured.newClient()) {
            byte[] bytes = createFile("db/t/part-11", BLOCK + 9, 15);
            warm(securedClient, "db/t/part-11", 1, 0, 1);
            Configuration prettyPrinted = new Configuration(conf);
            prettyPrinted.set(GfsConfig.MASTER, secured.masterTarget());
            // <value>\n      TOKEN\n    </value> in a core-site.xml laid out by hand or by a tool
            prettyPrinted.set(GfsConfig.SECURITY_TOKEN, "\n      " + secret + "\n    ");
            try (GfsFileSystem trimmed = (GfsFileSystem) FileSystem.newInstance(URI.create("gfs:///"), prettyPrinted)) {
                assertArrayEquals(bytes, readAll(trimmed, new Path("gfs:///db/t/part-11")));
                assertEquals(bytes.length, trimmed.readStatistics().snapshot().bytesFromCache());
            }
        }
    }

    @Test
    void anInvalidTokenIsSaidOnceAndEveryFileIsReadFromTheUfs() throws IOException {
        String shortToken = "sh0rt-T0KEN";
        byte[] first = createFile("db/t/part-12", BLOCK + 9, 16);
        warm("db/t/part-12", 1, 0, 1);
        Configuration invalid = new Configuration(conf);
        invalid.set(GfsConfig.SECURITY_TOKEN, "  " + shortToken + "\n");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try (GfsFileSystem withInvalidToken = (GfsFileSystem) FileSystem.newInstance(URI.create("gfs:///"), invalid)) {
            for (int round = 0; round < 2; round++) {
                assertArrayEquals(first, readAll(withInvalidToken, new Path("gfs:///db/t/part-12")));
                FileStatus status = withInvalidToken.getFileStatus(new Path("gfs:///db/t/part-12"));
                assertEquals(2, withInvalidToken.getFileBlockLocations(status, 0, status.getLen()).length);
            }
            assertEquals(new GfsReadStatistics.Snapshot(0, 2L * first.length, 0, 4, 0), withInvalidToken.readStatistics().snapshot());
            assertFalse(withInvalidToken.config().toString().contains(shortToken), withInvalidToken.config().toString());
        }
        finally {
            System.setErr(err);
        }
        String output = log.toString(StandardCharsets.UTF_8);
        assertFalse(output.contains(shortToken), output);
        List<String> lines = output.lines().filter(line -> line.contains(GfsFileSystem.class.getName()))
                .filter(line -> line.contains(" WARN ") || line.contains(" ERROR ")).toList();
        assertEquals(1, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).contains(" ERROR "), lines.get(0));
        assertTrue(lines.get(0).endsWith("The gfsload.cache.security.token of gfs:/// is not a valid token (token must be 16 to 256 printable "
                + "ASCII characters without spaces (got 11 characters)): every file is read from the UFS, none from the cache. Set it to the "
                + "cluster's token (core-site.xml, spark.hadoop.gfsload.cache.security.token or a Hadoop credential provider)"), lines.get(0));
    }

    private byte[] createFile(String relative, int length, long seed) throws IOException {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        java.nio.file.Path file = dir.resolve("ufs").resolve(relative);
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        return bytes;
    }

    private void warm(String relative, int replication, int... indexes) throws IOException {
        warm(client, relative, replication, indexes);
    }

    /** Writes blocks as gfsload's executor does, under the identity its planner records. */
    private void warm(CacheClient target, String relative, int replication, int... indexes) throws IOException {
        FileStatus status = store.getFileStatus(new Path(storeRoot + "/" + relative));
        FileIdentity file = new FileIdentity(status.getPath().toString(), status.getLen(), status.getModificationTime());
        warm(target, file, Files.readAllBytes(dir.resolve("ufs").resolve(relative)), replication, indexes);
    }

    /** Writes the blocks {@code indexes} of {@code bytes} as those of {@code file}. */
    private static void warm(CacheClient target, FileIdentity file, byte[] bytes, int replication, int... indexes) throws IOException {
        for (int index : indexes) {
            int offset = index * BLOCK;
            int length = Math.min(BLOCK, bytes.length - offset);
            try (BlockWriter writer = target.openWriter(new BlockKey(file, index), length, replication)) {
                writer.write(bytes, offset, length);
                writer.commit();
            }
        }
    }

    private java.nio.file.Path blockFile(BlockKey block) {
        return cluster.workerBlockDirectories().stream().map(directory -> directory.resolve(block.blockId() + ".block"))
                .filter(Files::isRegularFile).findFirst().orElseThrow(() -> new AssertionError("no worker holds " + block.blockId()));
    }

    private FileIdentity identity(String relative) throws IOException {
        FileStatus status = store.getFileStatus(new Path(storeRoot + "/" + relative));
        return new FileIdentity(status.getPath().toString(), status.getLen(), status.getModificationTime());
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private byte[] readAll(Path path) throws IOException {
        return readAll(gfs, path);
    }

    private static byte[] readAll(FileSystem fs, Path path) throws IOException {
        try (FSDataInputStream in = fs.open(path)) {
            return in.readAllBytes();
        }
    }

    private interface ThrowingCall {
        void call() throws IOException;
    }

    /** The local file system as a UFS that issues delegation tokens, as a kerberized HDFS does. */
    static final class TokenIssuingFileSystem extends LocalFileSystem {
        static final String SERVICE = "ufs-service:8020";
        static final Text KIND = new Text("UFS_DELEGATION_TOKEN");

        @Override
        public String getCanonicalServiceName() {
            return SERVICE;
        }

        @Override
        public Token<?> getDelegationToken(String renewer) {
            return new Token<>(new byte[0], new byte[0], KIND, new Text(SERVICE));
        }
    }
}
