package io.gfsload.benchmarks;

import io.gfsload.advisor.BackendProfile;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.executor.DataPath;
import io.gfsload.ufs.simulator.BandwidthSchedule;
import io.gfsload.ufs.simulator.ThrottledConfig;
import io.gfsload.ufs.simulator.ThrottledFileSystem;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/** The scenarios of the benchmark harness, at a given size. */
final class Scenarios {
    /** Every scenario, in the order they run. */
    static final List<String> IDS = List.of("P1", "P2", "P3-small", "P3-large", "P3-adaptive", "C1", "C1-tcp", "C1-socket", "C1-ssd", "P4", "P5", "P5-client", "D1", "D1-local", "D2");
    /** The heap P4's planner gets: the bound. */
    static final String PLANNER_HEAP = "1g";

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
     * Builds scenario {@code id} as {@code options} say; the data set is not generated yet.
     *
     * @param cores the machine's cores, for the parallel copy baseline
     * @param tier the file system type of the scratch directory, e.g. {@code tmpfs}
     */
    static Scenario create(String id, BenchmarkOptions options, Workspace workspace, int cores, String tier) {
        Size size = options.size();
        Path workDir = options.workDir();
        return switch (id) {
            case "P1" -> largeFiles(size, workDir, workspace, tier);
            case "P2" -> smallFiles(size, workDir, workspace, cores, tier);
            case "P3-small" -> throttled(id, "small files from a throttled object store", size.throttledSmallFiles(), 3, FILES_PER_DIRECTORY, size, workDir, workspace);
            case "P3-large" -> throttled(id, "large files from a throttled object store", size.throttledLargeFiles(), 4, 0, size, workDir, workspace);
            case "C1", "C1-tcp" -> workerWrites(id, size, workDir, workspace, tier);
            case "C1-socket" -> socketWrites(size, workDir, workspace, tier);
            case "C1-ssd" -> workerWrites(id, size, workDir, workspace.onDisk(), fileSystemType(workspace.diskScratch()));
            case "P3-adaptive" -> adaptive(size, workDir, workspace);
            case "P5", "P5-client" -> warmedReads(id, size, workDir, workspace);
            case "P4" -> planning(size, workDir, workspace, options.plannerJvmOptions());
            case "D1" -> throttledDataPaths(size, workDir, workspace);
            case "D1-local" -> localDataPaths(size, workDir, workspace, tier);
            case "D2" -> smallFileDataPaths(size, workDir, workspace, tier);
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
                    data.paths().forEach(file -> command.add(file.toString()));
                    return command;
                }, workspace);
        return new Scenario("P1", "large files into " + target(tier),
                "Large local files loaded into a one-worker cache whose blocks live on " + tier + ", against cp of the same files into the same file system.",
                data, gfsload, cp, OptionalDouble.empty(), Scenario.NO_METRICS, List.of("Source files are in the page cache (read once before the first run); destination: " + tier + "."), () -> {});
    }

    /** The directory a scenario's caches and copies go into: C1-ssd's on the data sets' file system, all others' in the memory directory. */
    static Path scratch(String id, Workspace workspace) {
        return id.equals("C1-ssd") ? workspace.diskScratch() : workspace.scratch();
    }

    /**
     * Issue 3's benchmark, on P1's files: one worker's gRPC write path against writing the same
     * bytes straight into the same file system. C1 writes into the worker's MEM tier when the
     * memory directory is a tmpfs (else into an SSD tier there); C1-ssd into an SSD tier on the
     * data sets' file system, usually a disk, where both the worker and the direct write force
     * each block to it.
     */
    private static Scenario workerWrites(String id, Size size, Path workDir, Workspace workspace, String fileSystem) {
        DataSet data = new DataSet(id, workDir.resolve("p1-large-files-" + size.label()), size.largeFiles(), 1, 0);
        StorageTier tier = id.startsWith("C1") && !id.equals("C1-ssd") && "tmpfs".equals(fileSystem) ? StorageTier.MEM : StorageTier.SSD;
        boolean domainSocket = !id.equals("C1-tcp");
        Contender worker = WorkerWriteContender.throughWorker("worker over gRPC",
                "64 MiB blocks through CacheClient.openWriter into a fresh LocalCluster of 1 worker whose %s tier is on %s, short-circuit writes off, %s"
                        .formatted(tier, fileSystem, domainSocket ? "over the worker's Unix domain socket (a client on its host)" : "over loopback TCP (as a client on another host)"),
                data, tier, domainSocket, workspace);
        Contender direct = WorkerWriteContender.withoutWorker("direct write",
                "the same 64 MiB blocks written with one FileChannel each into a directory on the same " + fileSystem + ", force per block",
                data, WorkerWriteContender.Mode.DIRECT, workspace);
        return new Scenario(id, "one worker's gRPC writes into its %s tier%s against direct writes on %s"
                        .formatted(tier, domainSocket ? "" : " over loopback TCP", fileSystem),
                "The bytes of P1's files, in 64 MiB blocks, written into one worker's %s tier over gRPC on this host (%s), against the same bytes written straight into the same file system."
                        .formatted(tier, domainSocket ? "the worker's Unix domain socket" : "loopback TCP"),
                data, worker, direct, OptionalDouble.empty(), Scenario.NO_METRICS,
                List.of("Both read the files alike (4 MiB positioned reads from the page cache through a page-aligned buffer); client and worker share this JVM and the machine's cores."), () -> {});
    }

    private static String fileSystemType(Path directory) {
        try {
            return Files.getFileStore(directory).type();
        }
        catch (IOException e) {
            throw new BenchmarkException("Cannot tell the file system of " + directory + ": " + e, e);
        }
    }

    /**
     * C1's ceiling: the same bytes over a plain loopback TCP socket, checksummed on both ends and
     * written by a receiving thread, against C1's direct write. What a transport that does nothing
     * but move the bytes over the socket reaches on this machine, measured in the same run as C1.
     */
    private static Scenario socketWrites(Size size, Path workDir, Workspace workspace, String tier) {
        DataSet data = new DataSet("C1-socket", workDir.resolve("p1-large-files-" + size.label()), size.largeFiles(), 1, 0);
        Contender socket = WorkerWriteContender.withoutWorker("plain socket",
                "the same 64 MiB blocks sent over one loopback TCP connection to a thread that checksums them and writes each into a file on the same "
                        + tier + ": no gRPC, no master",
                data, WorkerWriteContender.Mode.SOCKET, workspace);
        Contender direct = WorkerWriteContender.withoutWorker("direct write",
                "the same 64 MiB blocks written with one FileChannel each into a directory on the same " + tier + ", force per block",
                data, WorkerWriteContender.Mode.DIRECT, workspace);
        return new Scenario("C1-socket", "C1's ceiling: a plain loopback socket against direct writes on " + tier,
                "C1's bytes and blocks over a plain loopback TCP socket instead of gRPC, against the same direct write: what a transport that does nothing "
                        + "but move the bytes reaches on this machine, a practical ceiling of C1's ratio.",
                data, socket, direct, OptionalDouble.empty(), Scenario.NO_METRICS,
                List.of("Both read the files alike (4 MiB positioned reads from the page cache through a page-aligned buffer); sender and receiver share this JVM and the machine's cores."),
                () -> {});
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
                data, gfsload, copy, OptionalDouble.empty(), Scenario.NO_METRICS, List.of("Source files are in the page cache (read once before the first run); destination: " + tier + "."), () -> {});
    }

    /**
     * P3-large's data set (of {@link Size#adaptiveData()}) on the P3 store whose cap drops to half
     * for one phase and comes back: {@code 0s:128MB, P:64MB, 2P:128MB}.
     */
    private static Scenario adaptive(Size size, Path workDir, Workspace workspace) {
        Size dataSize = size.adaptiveData();
        long cap = STORE.aggregateBytesPerSecond();
        long phaseMillis = size.adaptivePhase().toMillis();
        BandwidthSchedule schedule = BandwidthSchedule.parse("0s:%d,%dms:%d,%dms:%d".formatted(cap, phaseMillis, cap / 2, 2 * phaseMillis, cap));
        DataSet data = new DataSet("P3-adaptive", workDir.resolve("p3-large-files-" + dataSize.label()), dataSize.throttledLargeFiles(), 4, 0);
        String authority = "p3-adaptive";
        ThrottledConfig config = STORE.withAggregateSchedule(schedule);
        ThrottledFileSystem store = openStore(authority, config);
        Configuration conf = config.applyTo(new Configuration());
        String path = new org.apache.hadoop.fs.Path(ThrottledFileSystem.SCHEME, authority, data.directory().toString()).toString();
        StoreProbe probe = StoreProbe.of(store);
        Contender advisor = new GfsloadContender("gfsload (advisor)",
                "gfsload with the advisor's settings, told the store's first cap as in P3-large, its adaptive controller free within them",
                data, new GfsloadContender.Ufs(path, conf, probe, schedule), SettingsRule.advisor(backend(STORE)), workspace);
        Contender gooseFs = new GfsloadContender("gfsload (GooseFS defaults)",
                "gfsload with GooseFS's untuned defaults: 10 UFS read threads, 1 MiB per read", data, new GfsloadContender.Ufs(path, conf, probe, schedule),
                SettingsRule.GOOSEFS_DEFAULTS, workspace);
        String storeDescription = "store %s: %d ms to first byte per request, %s/s per stream; for all streams together %s/s, %s/s from %s, %s/s again from %s"
                .formatted(path, STORE.requestLatency().toMillis(), Units.bytes(STORE.streamBytesPerSecond()), Units.bytes(cap), Units.bytes(cap / 2),
                        Units.offset(Duration.ofMillis(phaseMillis)), Units.bytes(cap), Units.offset(Duration.ofMillis(2 * phaseMillis)));
        return new Scenario("P3-adaptive", "large files from a store whose cap halves and returns",
                "The same gfsload on a simulated object store whose aggregate cap drops to half and comes back during the load; recovery-ms.N is the time "
                        + "from the N-th change to the end of the first 1 s window (of the executor's UFS reads) at >= 90 % of the new cap, -1 for never.",
                data, advisor, gooseFs, OptionalDouble.empty(), Scenario.NO_METRICS, List.of(storeDescription), store);
    }

    /**
     * P5: the P3-large data set, read through {@code gfs://} (P5) or the cache client (P5-client)
     * after gfsload has warmed it, against reading it from the throttled store; both with enough
     * threads for the store's aggregate cap.
     */
    private static Scenario warmedReads(String id, Size size, Path workDir, Workspace workspace) {
        DataSet data = new DataSet(id, workDir.resolve("p3-large-files-" + size.label()), size.throttledLargeFiles(), 4, 0);
        String authority = id.toLowerCase(Locale.ROOT);
        ThrottledFileSystem store = openStore(authority, STORE);
        Configuration conf = STORE.applyTo(new Configuration());
        String path = new org.apache.hadoop.fs.Path(ThrottledFileSystem.SCHEME, authority, data.directory().toString()).toString();
        int readers = Math.toIntExact(2 * STORE.aggregateBytesPerSecond() / STORE.streamBytesPerSecond());
        WarmedReads reads = new WarmedReads(data, new GfsloadContender.Ufs(path, conf, StoreProbe.of(store)), workspace, readers);
        boolean gfs = id.equals("P5");
        Contender cache = gfs
                ? reads.gfsReader("gfsload gfs:// reads",
                        "every block read through the gfs:// Hadoop FileSystem (cache first, checksums verified, UFS fallback) over a one-worker LocalCluster "
                                + "that gfsload warmed before the first run")
                : reads.cacheReader("gfsload cache-client reads",
                        "every block read through gfsload's cache client (checksums verified) from a one-worker LocalCluster that gfsload warmed before the first run");
        Contender direct = reads.storeReader("throttled store reads", "the same block-sized ranges read straight from " + path);
        return new Scenario(id, gfs ? "reading a warmed data set through gfs://" : "reading a warmed data set through the cache client",
                "The P3-large files read through the cache (%s) after gfsload loaded them, against reading them from the throttled object store."
                        .formatted(gfs ? "gfs://, as a Spark or Hive job would" : "the cache client's API"),
                data, cache, direct, OptionalDouble.of(STORE.aggregateBytesPerSecond() / Units.MIB), Scenario.NO_METRICS,
                List.of(storeDescription(path), "%d reader threads on both sides, one %s block per task; the warm-up load is not timed.".formatted(readers,
                        Units.bytes(io.gfsload.planner.PlannerConfig.DEFAULT_BLOCK_SIZE)),
                        gfs ? "store.bytes-read and gfs.bytes-from-ufs of the gfs:// reads show that no byte came from the store."
                                : "store.bytes-read of the cache reads shows that no byte came from the store."),
                () -> {
                    reads.close();
                    store.close();
                });
    }

    private static Scenario throttled(String id, String title, Size.Shape shape, long seed, int filesPerDirectory, Size size, Path workDir,
            Workspace workspace) {
        DataSet data = new DataSet(id, workDir.resolve(id.toLowerCase(Locale.ROOT) + "-files-" + size.label()), shape, seed, filesPerDirectory);
        String authority = id.toLowerCase(Locale.ROOT);
        ThrottledFileSystem store = openStore(authority, STORE);
        Configuration conf = STORE.applyTo(new Configuration());
        String path = new org.apache.hadoop.fs.Path(ThrottledFileSystem.SCHEME, authority, data.directory().toString()).toString();
        StoreProbe probe = StoreProbe.of(store);
        Contender advisor = new GfsloadContender("gfsload (advisor)",
                "gfsload with the settings the tuning advisor derives on this machine, told the store's latency, per-stream bandwidth and cap "
                        + "(--ufs-latency-ms %d --ufs-stream-bandwidth %s --ufs-aggregate-bandwidth %s)".formatted(STORE.requestLatency().toMillis(),
                        flagRate(STORE.streamBytesPerSecond()), flagRate(STORE.aggregateBytesPerSecond())),
                data, new GfsloadContender.Ufs(path, conf, probe), SettingsRule.advisor(backend(STORE)), workspace);
        Contender gooseFs = new GfsloadContender("gfsload (GooseFS defaults)",
                "gfsload with GooseFS's untuned defaults: 10 UFS read threads, 1 MiB per read", data, new GfsloadContender.Ufs(path, conf, probe),
                SettingsRule.GOOSEFS_DEFAULTS, workspace);
        return new Scenario(id, title,
                "The same gfsload on a simulated object store (throttled://), with the advisor's settings against GooseFS-like defaults.",
                data, advisor, gooseFs, OptionalDouble.of(STORE.aggregateBytesPerSecond() / Units.MIB), Scenario.NO_METRICS,
                List.of(storeDescription(path), "A request is an open or one positioned read; the executor reads each block in positioned reads of one read buffer."),
                store);
    }

    private static String storeDescription(String path) {
        return "store %s: %d ms to first byte per request, %s/s per stream, %s/s for all streams together".formatted(path,
                STORE.requestLatency().toMillis(), Units.bytes(STORE.streamBytesPerSecond()), Units.bytes(STORE.aggregateBytesPerSecond()));
    }

    /** What a user tells the advisor about {@code store} with the CLI's {@code --ufs-*} flags. */
    static BackendProfile backend(ThrottledConfig store) {
        return new BackendProfile(store.requestLatency(), store.streamBytesPerSecond(), store.aggregateBytesPerSecond());
    }

    /** A rate as the CLI's flags take it, e.g. {@code 16MB/s} (the CLI reads MB as MiB). */
    private static String flagRate(long bytesPerSecond) {
        return bytesPerSecond % (1L << 20) == 0 ? (bytesPerSecond >> 20) + "MB/s" : bytesPerSecond + "B/s";
    }

    private static Scenario planning(Size size, Path workDir, Workspace workspace, List<String> jvmOptions) {
        PlanningDataSet data = new PlanningDataSet("P4", workDir.resolve("p4-planning-" + size.label()), size.table(), 5);
        PlanningEnvironment environment = new PlanningEnvironment(data, workspace.scratch(), true);
        Contender planner = new PlanningContender("gfsload plan",
                "LoadPlanner on every partition of %s, as `gfsload plan --table %s` runs it: the Thrift catalog (metastore in its own process), Hadoop listing on 8 threads, cached-block queries to a one-worker LocalCluster, in a JVM of its own with -Xmx%s"
                        .formatted(PlanningDataSet.TABLE, PlanningDataSet.TABLE, PLANNER_HEAP),
                PlanningContender.Mode.PLAN, PLANNER_HEAP, jvmOptions, environment, workspace);
        Contender listing = new PlanningContender("Hadoop listing",
                "one thread walking the table directory with Hadoop's FileSystem.listStatusIterator (the local file system), skipping hidden names: no metastore, no cache, no plan; a JVM of its own with -Xmx" + PLANNER_HEAP,
                PlanningContender.Mode.LIST, PLANNER_HEAP, jvmOptions, environment, workspace);
        return new Scenario("P4", "planning a table at scale",
                "Planning every partition of a table (sparse files of 1 B to 1 GiB; a _SUCCESS in each partition), against a bare single-threaded listing of the same files.",
                data, planner, listing, OptionalDouble.empty(), Scenarios::planningMetrics,
                List.of("Times are measured inside each run's JVM: from connecting to the metastore to the finished plan, or the whole walk; JVM start not included.",
                        "Peak heap: the most heap in use right after a garbage collection (an upper bound of the live data), and at any time (garbage included), in the run's JVM.",
                        "One file in every hundredth partition is cached before the runs, so the cached-block queries find something.",
                        "cpu-ms is the CPU time of the run's JVM (all threads); machine.load-average-x100 the machine's 1-minute load average when the run ended: on a shared machine, wall time depends on both."),
                environment::close);
    }

    /** D1's cluster: two workers, two replicas of every block. */
    private static final int DATA_PATH_WORKERS = 2;

    /**
     * D1: P3-large's data set on P3's store, loaded onto two workers with replication 2 by pulling
     * (the first worker placed reads each block from the store, the other copies it worker to
     * worker) against pushing (the executor reads each block and sends both replicas); both with
     * the advisor's settings of P3-large. The workers run in this JVM and get the same cached
     * {@code throttled://} instance as the executor, so the store's limits bind both paths alike.
     */
    private static Scenario throttledDataPaths(Size size, Path workDir, Workspace workspace) {
        DataSet data = new DataSet("D1", workDir.resolve("p3-large-files-" + size.label()), size.throttledLargeFiles(), 4, 0);
        String authority = "d1";
        ThrottledFileSystem store = openStore(authority, STORE);
        Configuration conf = STORE.applyTo(new Configuration());
        String path = new org.apache.hadoop.fs.Path(ThrottledFileSystem.SCHEME, authority, data.directory().toString()).toString();
        GfsloadContender.Ufs ufs = new GfsloadContender.Ufs(path, conf, StoreProbe.of(store));
        SettingsRule rule = SettingsRule.advisor(backend(STORE));
        return dataPaths("D1", "large files from a throttled object store onto 2 workers, replication 2", data, ufs, rule,
                "P3-large's files and store, 2 workers and replication 2, gfsload with the advisor's settings told the store's figures",
                List.of(storeDescription(path), "The workers share this JVM's cached throttled:// instance with the executor: the store's limits apply to both data paths alike."),
                workspace, store);
    }

    /** D1-local: P1's large local files onto two workers on the memory directory, replication 2, pulled against pushed. */
    private static Scenario localDataPaths(Size size, Path workDir, Workspace workspace, String tier) {
        DataSet data = new DataSet("D1-local", workDir.resolve("p1-large-files-" + size.label()), size.largeFiles(), 1, 0);
        GfsloadContender.Ufs ufs = new GfsloadContender.Ufs(data.directory().toString(), new Configuration(), StoreProbe.NONE);
        return dataPaths("D1-local", "large local files into %s of 2 workers, replication 2".formatted(target(tier)), data, ufs, SettingsRule.ADVISOR,
                "P1's files, 2 workers whose blocks live on %s and replication 2, gfsload with the advisor's settings".formatted(tier),
                List.of("Source files are in the page cache (read once before the first run); destination: " + tier + "."), workspace, () -> {});
    }

    /**
     * D2: P2's small local files onto two workers on the memory directory, replication 2, pulled
     * (in batches: one PullBlocks call per first worker of a batch) against pushed (in batches).
     */
    private static Scenario smallFileDataPaths(Size size, Path workDir, Workspace workspace, String tier) {
        DataSet data = new DataSet("D2", workDir.resolve("p2-small-files-" + size.label()), size.smallFiles(), 2, FILES_PER_DIRECTORY);
        GfsloadContender.Ufs ufs = new GfsloadContender.Ufs(data.directory().toString(), new Configuration(), StoreProbe.NONE);
        return dataPaths("D2", "many small local files into %s of 2 workers, replication 2".formatted(target(tier)), data, ufs, SettingsRule.ADVISOR,
                "P2's files, 2 workers whose blocks live on %s and replication 2, gfsload with the advisor's settings".formatted(tier),
                List.of("Source files are in the page cache (read once before the first run); destination: " + tier + ".",
                        "Both paths batch the small files alike; pulls.batches counts the workers' PullBlocks calls."),
                workspace, () -> {});
    }

    /** The same gfsload on pull (A) against push (B) onto a fresh 2-worker cluster, replication 2: {@code pulls.*} in each run's counters. */
    private static Scenario dataPaths(String id, String title, DataSet data, GfsloadContender.Ufs ufs, SettingsRule rule, String setup, List<String> notes,
            Workspace workspace, Closeable resources) {
        GfsloadContender.Cluster pull = new GfsloadContender.Cluster(DATA_PATH_WORKERS, DATA_PATH_WORKERS, DataPath.PULL);
        GfsloadContender.Cluster push = new GfsloadContender.Cluster(DATA_PATH_WORKERS, DATA_PATH_WORKERS, DataPath.PUSH);
        Contender pulled = new GfsloadContender("gfsload (pull)", "gfsload --data-path pull: " + pull.describe(), data, ufs, rule, pull, workspace);
        Contender pushed = new GfsloadContender("gfsload (push)", "gfsload --data-path push (the default): " + push.describe(), data, ufs, rule, push, workspace);
        List<String> allNotes = new ArrayList<>(notes);
        allNotes.add("Each run checks the workers' gfsload_worker_pulls_total and gfsload_worker_forwarded_blocks_total: on pull, one pull from the UFS per block, "
                + "none from a worker, and one forwarded replica per further replica (pulls.ufs, pulls.worker, forwards in the counters); on push, none.");
        return new Scenario(id, title, "The same load with the two data paths: " + setup + "; the workers pulling the blocks against the executor pushing them.",
                new Replicated(data, DATA_PATH_WORKERS), pulled, pushed, OptionalDouble.empty(), Scenario.NO_METRICS, allNotes, resources);
    }

    /** A data set a run caches {@code replicas} times over. */
    private record Replicated(DataSet data, int replicas) implements ScenarioData {
        @Override
        public String id() {
            return data.id();
        }

        @Override
        public long files() {
            return data.files();
        }

        @Override
        public long bytes() {
            return data.bytes();
        }

        @Override
        public String describe() {
            return data.describe();
        }

        @Override
        public long scratchBytes() {
            return replicas * data.scratchBytes();
        }

        @Override
        public boolean ensure() {
            return data.ensure();
        }

        @Override
        public void warm() {
            data.warm();
        }
    }

    /** Partitions per second and the planner's heap, over the candidate's runs. */
    private static Map<String, Double> planningMetrics(ContenderResult planner, ContenderResult listing) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("candidate partitions/s (median)", Summary.of(planner.runs().stream()
                .map(run -> run.counters().get("plan.partitions") / run.seconds()).toList()).median());
        metrics.put("candidate seconds (median)", planner.seconds().median());
        metrics.put("candidate CPU seconds (median)", Summary.of(planner.runs().stream().map(run -> run.counters().get("cpu-ms") / 1000.0).toList()).median());
        metrics.put("candidate heap limit MiB", planner.runs().get(0).counters().get("heap.max-bytes") / Units.MIB);
        metrics.put("candidate peak heap after GC MiB (max)", planner.runs().stream()
                .mapToLong(run -> run.counters().get("heap.peak-after-gc-bytes")).max().orElse(0) / Units.MIB);
        metrics.put("candidate peak heap used MiB (max)", planner.runs().stream()
                .mapToLong(run -> run.counters().get("heap.peak-used-bytes")).max().orElse(0) / Units.MIB);
        metrics.put("candidate heap retained by the plan MiB (max)", planner.runs().stream()
                .mapToLong(run -> run.counters().get("heap.retained-bytes")).max().orElse(0) / Units.MIB);
        return metrics;
    }

    /** The store instance the planner and executor will get from Hadoop's cache, so that its counters can be read. */
    private static ThrottledFileSystem openStore(String authority, ThrottledConfig config) {
        Configuration conf = config.applyTo(new Configuration());
        try {
            FileSystem fs = FileSystem.get(URI.create(ThrottledFileSystem.SCHEME + "://" + authority + "/"), conf);
            if (!(fs instanceof ThrottledFileSystem store)) {
                throw new BenchmarkException("throttled:// is served by " + fs.getClass().getName() + ", not ThrottledFileSystem: is ufs-simulator on the classpath?");
            }
            if (!store.config().equals(config)) {
                throw new BenchmarkException("The cached throttled://%s has other settings (%s) than P3 needs (%s)".formatted(authority, store.config(), config));
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
