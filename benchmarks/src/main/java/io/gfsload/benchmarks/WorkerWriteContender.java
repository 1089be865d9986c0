package io.gfsload.benchmarks;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.base.Throwables;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.client.ClientConfig;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.io.AlignedBuffers;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.CRC32C;

/**
 * Issue 3's write benchmark: the bytes of a data set's files, in 64 MiB blocks, written into a
 * tier of one worker over loopback gRPC (short-circuit writes off, so that the bytes cross the
 * socket), or written straight into a directory of the same file system with one
 * {@link FileChannel} per block and a final {@code force} (which the worker makes too on a
 * persistent tier, and skips on a MEM tier, a tmpfs, where it has nothing to do). All read the
 * files the same way, so that the ratio is the cost of the worker's write path: 4 MiB positioned
 * reads from the page cache into a page-aligned direct buffer, copied into the heap. (Read straight
 * into the heap, through the JDK's direct buffer, whose alignment is malloc's, the same read cost
 * 0.8 CPU seconds per GiB or 0.34, from one JVM to the next: see {@link AlignedBuffers}.) The
 * cluster's start and stop are not timed. A third way, over a plain loopback TCP socket
 * ({@link Mode#SOCKET}), measures in the same run what any transport over the socket costs on
 * this machine: the floor under the gRPC path.
 *
 * <p>A worker is a long-running process, so this measures its steady state: before its first run
 * each contender makes {@link #WARM_UP_PASSES} unmeasured passes over the data, in which the JIT
 * compiles the path (a cold JVM takes about twice as long for its first GiB through gRPC, and on
 * 2 cores the gRPC path was still getting faster over its third to fifth pass; the benchmark's
 * few runs would otherwise time the compiler as much as the worker).
 */
final class WorkerWriteContender extends NamedContender {
    static final long BLOCK_BYTES = 64L << 20;
    static final int WARM_UP_PASSES = 6;
    private static final int PIECE = 4 << 20;
    /** The most a socket read of {@link Mode#SOCKET} takes at once: the client's chunk, as a worker gets it. */
    private static final int SOCKET_READ_BYTES = ClientConfig.DEFAULT_CHUNK_BYTES;
    /** The CPU time of the benchmark's JVM during a run (all threads: reader, event loops, worker), in ms. */
    static final String CPU_COUNTER = "cpu-ms";

    /**
     * How the bytes get into the directory: through a worker over gRPC, straight from the reading
     * thread, or over a plain loopback TCP socket to a thread that checksums and writes them (the
     * transport's floor on this machine: no HTTP/2, no protobuf, no master, one connection).
     */
    enum Mode { GRPC, DIRECT, SOCKET }

    private final DataSet data;
    private final Mode mode;
    /** The worker's tier, in {@link Mode#GRPC} only. */
    private final Optional<StorageTier> tier;
    /**
     * In {@link Mode#GRPC}, whether the client talks to the worker over its Unix domain socket, as a
     * client on the worker's host does by default, or over loopback TCP, as a client elsewhere does.
     */
    private final boolean domainSocket;
    private final Workspace workspace;
    /** Where each piece is read before it is copied into the heap; used by the thread that sends. */
    private final ByteBuffer readBuffer = AlignedBuffers.allocate(PIECE);

    private WorkerWriteContender(String name, String description, DataSet data, Mode mode, Optional<StorageTier> tier, boolean domainSocket,
            Workspace workspace) {
        super(name, description);
        this.data = requireNonNull(data, "data is null");
        this.mode = requireNonNull(mode, "mode is null");
        this.tier = requireNonNull(tier, "tier is null");
        this.domainSocket = domainSocket;
        this.workspace = requireNonNull(workspace, "workspace is null");
    }

    /**
     * Writes through a worker over gRPC ({@link Mode#GRPC}) whose blocks go into the run directory
     * as {@code tier}'s, synced per block when the tier is persistent (SSD, HDD), not when it is MEM;
     * over the worker's domain socket or over loopback TCP.
     */
    static WorkerWriteContender throughWorker(String name, String description, DataSet data, StorageTier tier, boolean domainSocket,
            Workspace workspace) {
        return new WorkerWriteContender(name, description, data, Mode.GRPC, Optional.of(tier), domainSocket, workspace);
    }

    /** Writes without a worker: {@link Mode#DIRECT} or {@link Mode#SOCKET}. */
    static WorkerWriteContender withoutWorker(String name, String description, DataSet data, Mode mode, Workspace workspace) {
        checkArgument(mode != Mode.GRPC, "a write through a worker needs its tier");
        return new WorkerWriteContender(name, description, data, mode, Optional.empty(), false, workspace);
    }

    @Override
    public List<String> settings() {
        String path = switch (mode) {
            case GRPC -> "worker tier " + tier.orElseThrow() + (tier.orElseThrow().persistent() ? " (force per block)" : " (no force)")
                    + (domainSocket ? ", over the worker's Unix domain socket" : ", over loopback TCP") + ", client chunk "
                    + (ClientConfig.DEFAULT_CHUNK_BYTES >> 20) + " MiB, short-circuit writes off";
            case DIRECT -> "FileChannel, force per block";
            case SOCKET -> "socket reads of up to " + (SOCKET_READ_BYTES >> 20) + " MiB into a page-aligned direct buffer, CRC32C on both ends, force per block";
        };
        return List.of("block 64 MiB", "write piece 4 MiB, read into a page-aligned direct buffer and copied into the heap", path, WARM_UP_PASSES + " unmeasured passes over the data before the first run");
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
        return inRunDirectory(workspace, label, run, (what, directory) -> switch (mode) {
            case GRPC -> throughWorker(run, directory);
            case DIRECT -> straight(run, directory);
            case SOCKET -> overSocket(run, directory);
        });
    }

    /** Fails the run when its bytes did not take the transport it is named after. */
    private void checkTransport(LocalCluster cluster) {
        String transport = domainSocket ? "unix" : "tcp";
        double connections = cluster.metrics().value("gfsload_worker_connections_total", Map.of("worker", "worker-0", "transport", transport))
                .orElse(0);
        if (connections == 0) {
            throw new BenchmarkException("The client wrote to the worker without a " + transport + " connection"
                    + (domainSocket ? ": the worker serves on no domain socket here (see its log)" : ""));
        }
    }

    private RunResult throughWorker(int run, Path directory) {
        long capacity = 2 * data.shape().totalBytes() + BLOCK_BYTES;
        try (LocalCluster cluster = LocalCluster.start(LocalClusterConfig.builder(directory).tier(tier.orElseThrow(), capacity).build());
                CacheClient client = GrpcCacheClient.connect(cluster.masterTarget(), ClientConfig.defaults().withShortCircuitWrites(false).withDomainSockets(domainSocket))) {
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
            RunResult result = finished(run, start, cpuStart);
            checkTransport(cluster);
            return result;
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

    /**
     * Sends the blocks over one loopback TCP connection, each followed by its CRC32C, to a thread
     * that receives them into a direct buffer, checksums them, writes each into its own file with
     * a final {@code force} and checks the sender's CRC32C.
     */
    private RunResult overSocket(int run, Path directory) {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            Files.createDirectories(directory);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            List<Long> blockLengths = new ArrayList<>();
            for (Path file : data.paths()) {
                long length = Files.size(file);
                for (long offset = 0; offset < length; offset += BLOCK_BYTES) {
                    blockLengths.add(Math.min(BLOCK_BYTES, length - offset));
                }
            }
            byte[] buffer = new byte[PIECE];
            long start = workspace.ticker().read();
            long cpuStart = CpuTime.processNanos();
            CompletableFuture<Void> receiver = CompletableFuture.runAsync(() -> receive(server, blockLengths, directory),
                    command -> new Thread(command, "c1-socket-receiver").start());
            try (SocketChannel out = SocketChannel.open(server.getLocalAddress())) {
                send(out, buffer);
            }
            catch (IOException e) {
                // A receiver that failed closed the connection: say why, not only that the pipe broke.
                try {
                    receiver.get(10, TimeUnit.SECONDS);
                }
                catch (ExecutionException failure) {
                    e.addSuppressed(failure.getCause());
                }
                catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
                catch (TimeoutException stillRunning) {
                    // the sender's failure is all there is to report
                }
                throw e;
            }
            receiver.join();
            return finished(run, start, cpuStart);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (CompletionException e) {
            Throwables.throwIfUnchecked(e.getCause());
            throw e;
        }
    }

    private void send(SocketChannel out, byte[] buffer) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer trailer = ByteBuffer.allocate(Long.BYTES);
        for (Path file : data.paths()) {
            try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
                long length = in.size();
                for (long offset = 0; offset < length; offset += BLOCK_BYTES) {
                    long blockLength = Math.min(BLOCK_BYTES, length - offset);
                    crc.reset();
                    for (long at = 0; at < blockLength; at += PIECE) {
                        int n = (int) Math.min(PIECE, blockLength - at);
                        read(in, offset + at, buffer, n);
                        crc.update(buffer, 0, n);
                        writeFully(out, ByteBuffer.wrap(buffer, 0, n));
                    }
                    writeFully(out, trailer.clear().putLong(crc.getValue()).flip());
                }
            }
        }
    }

    private static void receive(ServerSocketChannel server, List<Long> blockLengths, Path directory) {
        try (SocketChannel in = server.accept()) {
            ByteBuffer buffer = AlignedBuffers.allocate(SOCKET_READ_BYTES);
            CRC32C crc = new CRC32C();
            for (int block = 0; block < blockLengths.size(); block++) {
                crc.reset();
                try (FileChannel out = FileChannel.open(directory.resolve("block-" + block), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    for (long left = blockLengths.get(block); left > 0; ) {
                        buffer.clear().limit((int) Math.min(buffer.capacity(), left));
                        readSome(in, buffer);
                        buffer.flip();
                        left -= buffer.remaining();
                        crc.update(buffer.duplicate());
                        while (buffer.hasRemaining()) {
                            out.write(buffer);
                        }
                    }
                    out.force(true);
                }
                buffer.clear().limit(Long.BYTES);
                while (buffer.hasRemaining()) {
                    readSome(in, buffer);
                }
                if (buffer.flip().getLong() != crc.getValue()) {
                    throw new IllegalStateException("C1 socket: block " + block + " arrived with another CRC32C than it was sent with");
                }
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void readSome(SocketChannel in, ByteBuffer buffer) throws IOException {
        if (in.read(buffer) < 0) {
            throw new IOException("C1 socket: the sender closed the connection early");
        }
    }

    private static void writeFully(SocketChannel out, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    private RunResult finished(int run, long start, long cpuStart) {
        long nanos = workspace.ticker().read() - start;
        long cpuMillis = TimeUnit.NANOSECONDS.toMillis(CpuTime.processNanos() - cpuStart);
        return RunResult.of(run, nanos, data.shape().totalBytes(), data.shape().files(), Map.of(CPU_COUNTER, cpuMillis));
    }

    /** Reads {@code length} bytes from {@code position} into {@code buffer}, through {@link #readBuffer}. */
    private void read(FileChannel in, long position, byte[] buffer, int length) throws IOException {
        ByteBuffer target = readBuffer.clear().limit(length);
        long at = position;
        while (target.hasRemaining()) {
            int n = in.read(target, at);
            if (n < 0) {
                throw new IOException("Unexpected end of file at " + at);
            }
            at += n;
        }
        target.flip().get(buffer, 0, length);
    }
}
