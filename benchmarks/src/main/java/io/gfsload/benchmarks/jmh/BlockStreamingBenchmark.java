package io.gfsload.benchmarks.jmh;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One block streamed into and out of a worker over loopback gRPC, through the cache client: the
 * worker's streaming write (chunks, checksums, temp file, rename, commit in the master) and its
 * streaming read (CRC32C verified at the end). The worker's directory is on {@code /dev/shm} when
 * it exists (the MEM tier), else in the temp directory. Scores are blocks per second; multiply by
 * {@code blockBytes} for bytes per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BlockStreamingBenchmark {
    @Param("16777216")
    public int blockBytes;

    /** Bytes per {@link BlockWriter#write} call: the executor's read buffer. */
    @Param("4194304")
    public int chunkBytes;

    /** Room for several iterations of writes; each iteration's blocks are freed after it. */
    private static final long WORKER_CAPACITY = 4L << 30;

    private Path directory;
    private LocalCluster cluster;
    private CacheClient client;
    private byte[] data;
    private BlockKey readBlock;
    private byte[] readBuffer;
    private int written;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path shm = Path.of("/dev/shm");
        directory = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "gfsload-jmh-") : Files.createTempDirectory("gfsload-jmh-");
        cluster = LocalCluster.start(new LocalClusterConfig(directory, 1, WORKER_CAPACITY));
        client = cluster.newClient();
        data = new byte[blockBytes];
        new SplittableRandom(7).nextBytes(data);
        readBuffer = new byte[chunkBytes];
        readBlock = write(new BlockKey(new FileIdentity("/jmh/read", blockBytes, 1), 0));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        client.close();
        cluster.close();
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @TearDown(Level.Iteration)
    public void freeWrittenBlocks() {
        client.freePrefix("/jmh/write-");
    }

    /** Writes a new block (a new file identity each time, so nothing is deduplicated). */
    @Benchmark
    public long writeBlock() {
        written++;
        return write(new BlockKey(new FileIdentity("/jmh/write-" + written, blockBytes, 1), 0)).index();
    }

    /** Reads the same committed block back, verifying its checksum. */
    @Benchmark
    public long readBlock() {
        long read = 0;
        try (InputStream in = client.openReader(readBlock)) {
            for (int n = in.read(readBuffer); n >= 0; n = in.read(readBuffer)) {
                read += n;
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (read != blockBytes) {
            throw new IllegalStateException("read " + read + " bytes of " + blockBytes);
        }
        return read;
    }

    private BlockKey write(BlockKey key) {
        try (BlockWriter writer = client.openWriter(key, blockBytes, 1)) {
            for (int offset = 0; offset < blockBytes; offset += chunkBytes) {
                writer.write(data, offset, Math.min(chunkBytes, blockBytes - offset));
            }
            writer.commit();
        }
        return key;
    }
}
