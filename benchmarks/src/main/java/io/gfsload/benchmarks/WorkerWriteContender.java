package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.client.ClientConfig;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Issue 3's write benchmark: the bytes of a data set's files, in 64 MiB blocks, written into one
 * worker over loopback gRPC (short-circuit writes off, so that the bytes cross the socket), or
 * written straight into a directory of the same file system with one {@link FileChannel} per block
 * and the same final {@code force}. Both read the files the same way (4 MiB positioned reads from
 * the page cache into the heap), so that the ratio is the cost of the worker's write path. The
 * cluster's start and stop are not timed.
 *
 * <p>A worker is a long-running process, so this measures its steady state: before its first run
 * each contender makes {@link #WARM_UP_PASSES} unmeasured passes over the data, in which the JIT
 * compiles the path (a cold JVM takes about twice as long for its first GiB through gRPC, and the
 * benchmark's few runs would otherwise time the compiler as much as the worker).
 */
final class WorkerWriteContender extends NamedContender {
    static final long BLOCK_BYTES = 64L << 20;
    static final int WARM_UP_PASSES = 2;
    private static final int PIECE = 4 << 20;
    /** The CPU time of the benchmark's JVM during a run (all threads: reader, event loops, worker), in ms. */
    static final String CPU_COUNTER = "cpu-ms";

    enum Mode { GRPC, DIRECT }

    private final DataSet data;
    private final Mode mode;
    private final Workspace workspace;

    WorkerWriteContender(String name, String description, DataSet data, Mode mode, Workspace workspace) {
        super(name, description);
        this.data = requireNonNull(data, "data is null");
        this.mode = requireNonNull(mode, "mode is null");
        this.workspace = requireNonNull(workspace, "workspace is null");
    }

    @Override
    public List<String> settings() {
        return List.of("block 64 MiB", "write piece 4 MiB", mode == Mode.GRPC ? "client chunk " + (ClientConfig.DEFAULT_CHUNK_BYTES >> 20) + " MiB, short-circuit writes off" : "FileChannel, force per block",
                WARM_UP_PASSES + " unmeasured passes over the data before the first run");
    }

    @Override
    public RunResult run(int run) {
        if (run == 1) {
            for (int pass = 1; pass <= WARM_UP_PASSES; pass++) {
                pass(data.id() + "-warm-up", pass);
            }
        }
        return pass(data.id(), run);
    }

    /** Pass {@code run} over the data, named {@code label} in its directory and messages. */
    private RunResult pass(String label, int run) {
        return inRunDirectory(workspace, label, run,
                (what, directory) -> mode == Mode.GRPC ? throughWorker(run, directory) : straight(run, directory));
    }

    private RunResult throughWorker(int run, Path directory) {
        long capacity = 2 * data.shape().totalBytes() + BLOCK_BYTES;
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 1, capacity));
                CacheClient client = GrpcCacheClient.connect(cluster.masterTarget(), ClientConfig.defaults().withShortCircuitWrites(false))) {
            byte[] buffer = new byte[PIECE];
            long start = workspace.ticker().read();
            long cpuStart = CpuTime.processNanos();
            for (Path file : data.paths()) {
                try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
                    long length = in.size();
                    FileIdentity identity = new FileIdentity(file.toString(), length, 1);
                    for (int index = 0; (long) index * BLOCK_BYTES < length; index++) {
                        long offset = index * BLOCK_BYTES;
                        long blockLength = Math.min(BLOCK_BYTES, length - offset);
                        try (BlockWriter writer = client.openWriter(new BlockKey(identity, index), blockLength, WriteOptions.replication(1))) {
                            for (long at = 0; at < blockLength; at += PIECE) {
                                int n = (int) Math.min(PIECE, blockLength - at);
                                read(in, offset + at, buffer, n);
                                writer.write(buffer, 0, n);
                            }
                            writer.commit();
                        }
                    }
                }
            }
            return finished(run, start, cpuStart);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private RunResult straight(int run, Path directory) {
        try {
            Files.createDirectories(directory);
            byte[] buffer = new byte[PIECE];
            long start = workspace.ticker().read();
            long cpuStart = CpuTime.processNanos();
            int block = 0;
            for (Path file : data.paths()) {
                try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
                    long length = in.size();
                    for (long offset = 0; offset < length; offset += BLOCK_BYTES) {
                        long blockLength = Math.min(BLOCK_BYTES, length - offset);
                        try (FileChannel out = FileChannel.open(directory.resolve("block-" + block++), StandardOpenOption.CREATE_NEW,
                                StandardOpenOption.WRITE)) {
                            for (long at = 0; at < blockLength; at += PIECE) {
                                int n = (int) Math.min(PIECE, blockLength - at);
                                read(in, offset + at, buffer, n);
                                ByteBuffer piece = ByteBuffer.wrap(buffer, 0, n);
                                while (piece.hasRemaining()) {
                                    out.write(piece);
                                }
                            }
                            out.force(true);
                        }
                    }
                }
            }
            return finished(run, start, cpuStart);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private RunResult finished(int run, long start, long cpuStart) {
        long nanos = workspace.ticker().read() - start;
        long cpuMillis = TimeUnit.NANOSECONDS.toMillis(CpuTime.processNanos() - cpuStart);
        return RunResult.of(run, nanos, data.shape().totalBytes(), data.shape().files(), Map.of(CPU_COUNTER, cpuMillis));
    }

    private static void read(FileChannel in, long position, byte[] buffer, int length) throws IOException {
        ByteBuffer target = ByteBuffer.wrap(buffer, 0, length);
        long at = position;
        while (target.hasRemaining()) {
            int n = in.read(target, at);
            if (n < 0) {
                throw new IOException("Unexpected end of file at " + at);
            }
            at += n;
        }
    }
}
