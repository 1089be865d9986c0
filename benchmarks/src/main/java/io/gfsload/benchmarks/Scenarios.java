package io.gfsload.benchmarks;

import io.gfsload.ufs.simulator.ThrottledConfig;
import io.gfsload.ufs.simulator.ThrottledFileSystem;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/** The scenarios P1-P3 of the benchmark issue and C1 of the cache-tier issue, at a given size. */
final class Scenarios {
    /** Every scenario, in the order they run. */
    static final List<String> IDS = List.of("P1", "P2", "P3-small", "P3-large", "C1");

    /**
     * The simulated object store of P3, the same at every size: 20 ms to first byte per request,
     * 16 MiB/s per stream, 128 MiB/s for all streams together, no throttling errors.
     */
    static final ThrottledConfig STORE = new ThrottledConfig(Duration.ofMillis(20), 16L << 20, 128L << 20, 0, 0);

    /** Small files go into subdirectories of this many, as a table's partitions would hold them. */
    private static final int FILES_PER_DIRECTORY = 1000;

    private Scenarios() {}

    /** Whether {@code id} is selected by one of {@code selectors}: its id, or its prefix ({@code P3} selects both P3s). */
    static boolean selected(String id, List<String> selectors) {
        return selectors.stream().anyMatch(selector -> id.equalsIgnoreCase(selector) || id.toUpperCase(Locale.ROOT).startsWith(selector.toUpperCase(Locale.ROOT) + "-"));
    }

    /**
     * Builds scenario {@code id}; the data set is not generated yet.
     *
     * @param cores the machine's cores, for the parallel copy baseline
     * @param tier the file system type of the scratch directory, e.g. {@code tmpfs}
     */
    static Scenario create(String id, Size size, Path workDir, Workspace workspace, int cores, String tier) {
        return switch (id) {
            case "P1" -> largeFiles(size, workDir, workspace, tier);
            case "P2" -> smallFiles(size, workDir, workspace, cores, tier);
            case "P3-small" -> throttled(id, "small files from a throttled object store", size.throttledSmallFiles(), 3, FILES_PER_DIRECTORY, size, workDir, workspace);
            case "P3-large" -> throttled(id, "large files from a throttled object store", size.throttledLargeFiles(), 4, 0, size, workDir, workspace);
            case "C1" -> workerWrites(size, workDir, workspace, tier);
            default -> throw new IllegalArgumentException("Unknown scenario " + id + ": expected one of " + IDS);
        };
    }

    private static Scenario largeFiles(Size size, Path workDir, Workspace workspace, String tier) {
        DataSet data = new DataSet("P1", workDir.resolve("p1-large-files-" + size.label()), size.largeFiles(), 1, 0);
        Contender gfsload = new GfsloadContender("gfsload", gfsloadDescription(tier), data,
                new GfsloadContender.Ufs(data.directory().toString(), new Configuration(), StoreProbe.NONE), SettingsRule.ADVISOR, workspace);
        Contender cp = new CopyContender("cp", "cp -t DST FILE... (coreutils, one process) into an empty directory on the same " + tier, data,
                destination -> {
                    List<String> command = new ArrayList<>(List.of("cp", "-t", destination.toString()));
                    data.files().forEach(file -> command.add(file.toString()));
                    return command;
                }, workspace);
        return new Scenario("P1", "large files into " + target(tier),
                "Large local files loaded into a one-worker cache whose blocks live on " + tier + ", against cp of the same files into the same file system.",
                data, gfsload, cp, OptionalDouble.empty(), List.of("Source files are in the page cache (read once before the first run); destination: " + tier + "."), () -> {});
    }

    /** Issue 3's benchmark, on P1's files: one worker's gRPC write path against writing the same bytes straight into the same file system. */
    private static Scenario workerWrites(Size size, Path workDir, Workspace workspace, String tier) {
        DataSet data = new DataSet("C1", workDir.resolve("p1-large-files-" + size.label()), size.largeFiles(), 1, 0);
        Contender worker = new WorkerWriteContender("worker over gRPC",
                "64 MiB blocks through CacheClient.openWriter into a fresh LocalCluster of 1 worker on " + tier + ", short-circuit writes off",
                data, WorkerWriteContender.Mode.GRPC, workspace);
        Contender direct = new WorkerWriteContender("direct write",
                "the same 64 MiB blocks written with one FileChannel each into a directory on the same " + tier + ", force per block",
                data, WorkerWriteContender.Mode.DIRECT, workspace);
        return new Scenario("C1", "one worker's gRPC writes against direct writes on " + tier,
                "The bytes of P1's files, in 64 MiB blocks, written into one worker over loopback gRPC, against the same bytes written straight into the same file system.",
                data, worker, direct, OptionalDouble.empty(),
                List.of("Both read the files alike (4 MiB positioned reads from the page cache); client and worker share this JVM and the machine's cores."), () -> {});
    }

    private static Scenario smallFiles(Size size, Path workDir, Workspace workspace, int cores, String tier) {
        DataSet data = new DataSet("P2", workDir.resolve("p2-small-files-" + size.label()), size.smallFiles(), 2, FILES_PER_DIRECTORY);
        int parallelism = 2 * cores;
        Contender gfsload = new GfsloadContender("gfsload", gfsloadDescription(tier), data,
                new GfsloadContender.Ufs(data.directory().toString(), new Configuration(), StoreProbe.NONE), SettingsRule.ADVISOR, workspace);
        String pipeline = "find \"$1\" -type f -print0 | xargs -0 -P \"$2\" -n 64 cp -t \"$3\"";
        Contender copy = new CopyContender("parallel cp",
                "find SRC -type f -print0 | xargs -0 -P %d -n 64 cp -t DST (2 x %d cores) into an empty directory on the same %s".formatted(parallelism, cores, tier),
                data, destination -> List.of("sh", "-c", pipeline, "sh", data.directory().toString(), Integer.toString(parallelism), destination.toString()),
                workspace);
        return new Scenario("P2", "many small files into " + target(tier),
                "Many small local files (%d per directory) loaded into a one-worker cache on %s, against a parallel cp of the same files.".formatted(FILES_PER_DIRECTORY, tier),
                data, gfsload, copy, OptionalDouble.empty(), List.of("Source files are in the page cache (read once before the first run); destination: " + tier + "."), () -> {});
    }

    private static Scenario throttled(String id, String title, Size.Shape shape, long seed, int filesPerDirectory, Size size, Path workDir,
            Workspace workspace) {
        DataSet data = new DataSet(id, workDir.resolve(id.toLowerCase(Locale.ROOT) + "-files-" + size.label()), shape, seed, filesPerDirectory);
        String authority = id.toLowerCase(Locale.ROOT);
        ThrottledFileSystem store = openStore(authority);
        Configuration conf = STORE.applyTo(new Configuration());
        String path = new org.apache.hadoop.fs.Path(ThrottledFileSystem.SCHEME, authority, data.directory().toString()).toString();
        StoreProbe probe = StoreProbe.of(store);
        Contender advisor = new GfsloadContender("gfsload (advisor)",
                "gfsload with the settings the tuning advisor derives on this machine", data, new GfsloadContender.Ufs(path, conf, probe), SettingsRule.ADVISOR, workspace);
        Contender gooseFs = new GfsloadContender("gfsload (GooseFS defaults)",
                "gfsload with GooseFS's untuned defaults: 10 UFS read threads, 1 MiB per read", data, new GfsloadContender.Ufs(path, conf, probe),
                SettingsRule.GOOSEFS_DEFAULTS, workspace);
        String storeDescription = "store %s: %d ms to first byte per request, %s/s per stream, %s/s for all streams together".formatted(path,
                STORE.requestLatency().toMillis(), Units.bytes(STORE.streamBytesPerSecond()), Units.bytes(STORE.aggregateBytesPerSecond()));
        return new Scenario(id, title,
                "The same gfsload on a simulated object store (throttled://), with the advisor's settings against GooseFS-like defaults.",
                data, advisor, gooseFs, OptionalDouble.of(STORE.aggregateBytesPerSecond() / Units.MIB),
                List.of(storeDescription, "A request is an open or one positioned read; the executor reads each block in positioned reads of one read buffer."),
                store);
    }

    /** The store instance the planner and executor will get from Hadoop's cache, so that its counters can be read. */
    private static ThrottledFileSystem openStore(String authority) {
        Configuration conf = STORE.applyTo(new Configuration());
        try {
            FileSystem fs = FileSystem.get(URI.create(ThrottledFileSystem.SCHEME + "://" + authority + "/"), conf);
            if (!(fs instanceof ThrottledFileSystem store)) {
                throw new BenchmarkException("throttled:// is served by " + fs.getClass().getName() + ", not ThrottledFileSystem: is ufs-simulator on the classpath?");
            }
            if (!store.config().equals(STORE)) {
                throw new BenchmarkException("The cached throttled://%s has other settings (%s) than P3 needs (%s)".formatted(authority, store.config(), STORE));
            }
            return store;
        }
        catch (IOException e) {
            throw new BenchmarkException("Cannot open the throttled store throttled://" + authority + ": " + e, e);
        }
    }

    /** {@code the MEM tier} when the scratch directory is a tmpfs, else what it is. */
    private static String target(String tier) {
        return "tmpfs".equals(tier) ? "the MEM tier" : "a cache on " + tier;
    }

    private static String gfsloadDescription(String tier) {
        return "planner -> advisor -> executor as `gfsload distributedLoad DIR` runs them, into a fresh LocalCluster of 1 worker on " + tier + ", replication 1";
    }
}
