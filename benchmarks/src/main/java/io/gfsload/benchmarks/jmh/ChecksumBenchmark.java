package io.gfsload.benchmarks.jmh;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The checksums on gfsload's data path: the executor computes a CRC32C of every block it reads,
 * and the worker computes one per block and one per segment of its block file as the bytes
 * arrive. Scores are operations per second over one buffer of {@code bytes}; multiply by
 * {@code bytes} for bytes per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChecksumBenchmark {
    /** The executor's small reads, its default 4 MiB read buffer. */
    @Param({"65536", "4194304"})
    public int bytes;

    /** The worker's segment size, see {@code BlockFileHeader}. */
    @Param("1048576")
    public int segmentBytes;

    private byte[] heap;
    private ByteBuffer direct;

    @Setup
    public void setUp() {
        heap = new byte[bytes];
        new SplittableRandom(42).nextBytes(heap);
        direct = ByteBuffer.allocateDirect(bytes);
        direct.put(heap).flip();
    }

    /** One CRC32C over a heap array, as the executor computes it over what it read. */
    @Benchmark
    public long crc32cHeap() {
        CRC32C crc = new CRC32C();
        crc.update(heap, 0, heap.length);
        return crc.getValue();
    }

    /** One CRC32C over a direct buffer, as a reader of a memory-mapped or NIO buffer would. */
    @Benchmark
    public long crc32cDirect() {
        CRC32C crc = new CRC32C();
        crc.update(direct.duplicate());
        return crc.getValue();
    }

    /** The worker's write path: a block CRC32C and a segment CRC32C over the same bytes. */
    @Benchmark
    public long crc32cBlockAndSegments() {
        CRC32C block = new CRC32C();
        CRC32C segment = new CRC32C();
        long segments = 0;
        for (int offset = 0; offset < heap.length; offset += segmentBytes) {
            int length = Math.min(segmentBytes, heap.length - offset);
            block.update(heap, offset, length);
            segment.reset();
            segment.update(heap, offset, length);
            segments += segment.getValue();
        }
        return block.getValue() + segments;
    }

    /** CRC32 (zlib), for comparison: what HDFS-style checksums cost. */
    @Benchmark
    public long crc32Heap() {
        CRC32 crc = new CRC32();
        crc.update(heap, 0, heap.length);
        return crc.getValue();
    }
}
