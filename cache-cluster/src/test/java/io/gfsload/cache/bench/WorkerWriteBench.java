package io.gfsload.cache.bench;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.client.ClientConfig;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * How fast one worker stores blocks written over loopback gRPC, against writing the same bytes
 * straight into the same tier directory. Not a test: run it by hand.
 *
 * <pre>
 * mvn -q -o -pl cache-cluster test-compile
 * java -cp "$(cat cache-cluster/target/test-classpath.txt):cache-cluster/target/classes:cache-cluster/target/test-classes" \
 *     io.gfsload.cache.bench.WorkerWriteBench [blocks=8] [block MiB=64] [directory=a temp dir]
 * </pre>
 *
 * The benchmark harness runs the same comparison as scenario C1 ({@code benchmarks/run.sh --scenarios C1}).
 *
 * <p>Each round writes one block through a single-worker {@link LocalCluster} (client and worker in
 * this JVM, so both share the machine's cores, as a co-located loader and worker do) and then the
 * same bytes into a file of the worker's tier directory with one {@link FileChannel}, in the same
 * 4 MiB pieces, followed by {@code force(true)}, as the worker syncs every block it stores. Rounds
 * alternate so that both see the same disk and page-cache conditions; two warm-up rounds are not
 * counted. Prints each round, the median throughput of both, and their ratio.
 */
public final class WorkerWriteBench {
    private static final int MIB = 1 << 20;
    private static final int PIECE = 4 * MIB;
    private static final int WARM_UP_ROUNDS = 2;

    private WorkerWriteBench() {}

    public static void main(String[] args) throws Exception {
        int blocks = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int blockMib = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        Path directory = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("gfsload-bench");
        long blockBytes = (long) blockMib * MIB;
        byte[] data = new byte[Math.toIntExact(blockBytes)];
        new Random(42).nextBytes(data);
        FileIdentity file = new FileIdentity("bench://worker-write/file", blockBytes * (blocks + WARM_UP_ROUNDS), 1);

        LocalClusterConfig config = LocalClusterConfig.builder(directory.resolve("cluster"))
                .workerCapacityBytes(blockBytes * (blocks + WARM_UP_ROUNDS + 1))
                .build();
        List<Double> worker = new ArrayList<>();
        List<Double> direct = new ArrayList<>();
        try (LocalCluster cluster = LocalCluster.start(config);
                // Short-circuit writes off: this measures the bytes crossing the socket.
                CacheClient client = GrpcCacheClient.connect(cluster.masterTarget(), ClientConfig.defaults().withShortCircuitWrites(false))) {
            Path tierDirectory = cluster.workerBlockDirectories().get(0);
            System.out.printf(Locale.ROOT, "%d x %d MiB blocks, tier directory %s, %d cores%n", blocks, blockMib,
                    tierDirectory, Runtime.getRuntime().availableProcessors());
            for (int round = 0; round < blocks + WARM_UP_ROUNDS; round++) {
                BlockKey block = new BlockKey(file, round);
                double viaWorker = throughput(blockBytes, () -> writeThroughWorker(client, block, data));
                Path target = tierDirectory.resolve("direct-" + round + ".bin");
                double straight = throughput(blockBytes, () -> writeStraight(target, data));
                Files.delete(target);
                boolean counted = round >= WARM_UP_ROUNDS;
                if (counted) {
                    worker.add(viaWorker);
                    direct.add(straight);
                }
                System.out.printf(Locale.ROOT, "round %2d%s: worker %8.1f MiB/s, direct %8.1f MiB/s%n", round,
                        counted ? "" : " (warm-up)", viaWorker, straight);
            }
        }
        finally {
            deleteRecursively(directory);
        }
        double workerMedian = median(worker);
        double directMedian = median(direct);
        System.out.printf(Locale.ROOT, "median: worker %.1f MiB/s, direct %.1f MiB/s, ratio worker/direct %.2f%n",
                workerMedian, directMedian, workerMedian / directMedian);
    }

    private interface Write {
        void run() throws IOException;
    }

    private static double throughput(long bytes, Write write) throws IOException {
        long start = System.nanoTime();
        write.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        return bytes / (double) MIB / seconds;
    }

    private static void writeThroughWorker(CacheClient client, BlockKey block, byte[] data) {
        try (BlockWriter writer = client.openWriter(block, data.length, 1)) {
            for (int offset = 0; offset < data.length; offset += PIECE) {
                writer.write(data, offset, Math.min(PIECE, data.length - offset));
            }
            writer.commit();
        }
    }

    private static void writeStraight(Path target, byte[] data) throws IOException {
        try (FileChannel channel = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int offset = 0; offset < data.length; offset += PIECE) {
                ByteBuffer piece = ByteBuffer.wrap(data, offset, Math.min(PIECE, data.length - offset));
                while (piece.hasRemaining()) {
                    channel.write(piece);
                }
            }
            channel.force(true);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
