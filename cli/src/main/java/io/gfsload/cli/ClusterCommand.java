package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.server.CacheServerConfig;
import io.gfsload.cache.server.CacheServerMain;
import io.gfsload.cache.server.ConfigValues;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gfsload cluster start|status|stop}: a cache cluster of separate processes on this machine,
 * a master and N workers, each a JVM running {@link CacheServerMain} on this command's classpath.
 *
 * <p>Everything lives in the data directory: {@code cluster.json} (pids, ports, start times),
 * one {@code <name>.properties} per process (the settings it runs with, from {@code --config} plus
 * its id, directories and the master's address), {@code logs/<name>.log}, the master's RocksDB in
 * {@code master/} and, unless the config names tier directories, each worker's SSD tier in
 * {@code worker-<i>/}. The processes outlive this command; {@code stop} ends them.
 */
@Command(name = "cluster",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        usageHelpAutoWidth = true,
        description = "Runs a cache cluster as separate processes on this machine: a master and N workers.")
public final class ClusterCommand implements Callable<Integer> {
    static final String CLUSTER_FILE = "cluster.json";
    static final long DEFAULT_WORKER_QUOTA = 8L << 30;
    /** The master of the worker settings checked before the master runs (and its port is known). */
    private static final String UNKNOWN_MASTER = "localhost:0";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private final CliEnvironment environment;

    @Spec
    CommandSpec spec;

    public ClusterCommand(CliEnvironment environment) {
        this.environment = requireNonNull(environment, "environment is null");
    }

    /** Without a subcommand: the usage, and exit 2. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE;
    }

    /**
     * What {@code cluster.json} records of one process.
     *
     * @param startedAt the process's start time as the operating system reports it (ISO-8601), or
     *     null when unknown; {@code stop} signals the pid only while it still names that process
     * @param metricsPort null when the process serves no metrics
     */
    record ProcessRecord(String name, long pid, String startedAt, String host, int port, Integer metricsPort,
            String config, String log) {}

    /** {@code cluster.json}: the processes of a running cluster. */
    record ClusterRecord(String masterTarget, ProcessRecord master, List<ProcessRecord> workers, String startedAt) {}

    @Command(name = "start",
            mixinStandardHelpOptions = true,
            usageHelpAutoWidth = true,
            description = "Starts a master and N workers, waits until every worker is registered and live, and prints "
                    + "the master's address.")
    int start(
            @Option(names = "--workers", paramLabel = "N", defaultValue = "3",
                    description = "Worker processes (default: ${DEFAULT-VALUE}).") int workers,
            @Option(names = "--data-dir", paramLabel = "DIR",
                    description = "Where the cluster keeps its state and logs (default: $GFSLOAD_HOME/cluster-processes).")
            Path dataDir,
            @Option(names = "--config", paramLabel = "FILE",
                    description = "Properties file of gfsload.cache.* settings: ports, tiers and quotas, eviction, token.")
            Path config,
            @Option(names = "--java-option", paramLabel = "OPTION", defaultValue = "-Xmx512m",
                    description = "JVM option of every process; repeatable (default: ${DEFAULT-VALUE}).")
            List<String> javaOptions,
            @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s",
                    description = "How long to wait for the processes to start (default: ${DEFAULT-VALUE}).")
            String timeout) {
        PrintWriter out = spec.commandLine().getOut();
        if (workers < 1) {
            return usage("--workers must be at least 1: " + workers);
        }
        Path directory = dataDir(dataDir);
        Duration startTimeout;
        CacheServerConfig settings;
        CacheServerConfig masterSettings;
        try {
            startTimeout = ConfigValues.duration("--timeout", timeout);
            settings = config == null ? CacheServerConfig.of(java.util.Map.of()) : CacheServerConfig.load(config);
            masterSettings = settings.get(CacheServerConfig.MASTER_METADATA_DIR).isPresent() ? settings
                    : settings.with(CacheServerConfig.MASTER_METADATA_DIR, directory.resolve("master").toString());
            // Every value is read as the processes will read it, so that a bad one is a usage error
            // here and not a stack trace from a process started with it.
            masterSettings.master();
            settings.client();
            for (int i = 0; i < workers; i++) {
                workerSettings(settings, directory, i, UNKNOWN_MASTER).worker();
            }
        }
        catch (IllegalArgumentException | UncheckedIOException e) {
            return usage(config == null ? e.getMessage() : config + ": " + e.getMessage());
        }
        Optional<ClusterRecord> existing = readRecord(directory);
        if (existing.isPresent() && isRunning(existing.get().master())) {
            return failed(ExitCode.USAGE, "A cache cluster is already running in " + directory + " (master "
                    + existing.get().masterTarget() + ", pid " + existing.get().master().pid() + ")");
        }
        List<Started> started = new ArrayList<>();
        try {
            Files.createDirectories(directory.resolve("logs"));
            Started master = launch("master", "master", masterSettings, directory, javaOptions);
            started.add(master);
            Properties masterReady = master.awaitReady(startTimeout);
            String masterTarget = masterReady.getProperty("host") + ":" + masterReady.getProperty("port");
            for (int i = 0; i < workers; i++) {
                started.add(launch("worker", "worker-" + i, workerSettings(settings, directory, i, masterTarget),
                        directory, javaOptions));
            }
            List<ProcessRecord> workerRecords = new ArrayList<>();
            for (Started worker : started.subList(1, started.size())) {
                workerRecords.add(worker.record(worker.awaitReady(startTimeout)));
            }
            awaitLive(masterTarget, settings, workers, startTimeout);
            ClusterRecord record = new ClusterRecord(masterTarget, master.record(masterReady), workerRecords,
                    Instant.now().toString());
            writeRecord(directory, record);
            out.println("Cache cluster started in " + directory + ": master " + masterTarget + ", " + Sizes.count(workers, "worker")
                    + " live");
            out.println("Use it with: gfsload --master " + masterTarget
                    + (settings.token().isPresent() ? " --token-file " + config.toAbsolutePath() : "") + " ...");
            out.flush();
            return ExitCode.OK;
        }
        catch (IOException | RuntimeException e) {
            for (Started process : started) {
                process.process.destroyForcibly();
            }
            String message = e instanceof UncheckedIOException unchecked ? unchecked.getCause().getMessage()
                    : e.getMessage();
            return failed(ExitCode.FAILED, "Cannot start the cache cluster in " + directory + ": " + message);
        }
    }

    @Command(name = "status",
            mixinStandardHelpOptions = true,
            usageHelpAutoWidth = true,
            description = "Prints the master, each worker with its liveness and the space of its tiers, the "
                    + "under-replicated blocks and the open temp areas.")
    int status(
            @Option(names = "--data-dir", paramLabel = "DIR",
                    description = "The cluster's data directory (default: $GFSLOAD_HOME/cluster-processes).")
            Path dataDir) {
        PrintWriter out = spec.commandLine().getOut();
        Path directory = dataDir(dataDir);
        Optional<ClusterRecord> found = readRecord(directory);
        if (found.isEmpty()) {
            return failed(ExitCode.NOT_FOUND, "No cache cluster was started in " + directory + " (no " + CLUSTER_FILE + ")");
        }
        ClusterRecord record = found.get();
        CacheServerConfig settings = CacheServerConfig.load(Path.of(record.master().config()));
        try (CacheClient client = GrpcCacheClient.connect(record.masterTarget(), settings.client())) {
            ClusterInfo info = client.clusterInfo();
            long underReplicated = client.underReplicated("", 0).count();
            int tempAreas = client.tempAreas().listTempAreas().size();
            out.printf(Locale.ROOT, "Cache cluster in %s: master %s (pid %d)%n", directory, record.masterTarget(),
                    record.master().pid());
            out.printf(Locale.ROOT, "%-12s %-22s %-8s %-5s %-22s %-22s %s%n", "WORKER", "ADDRESS", "PID", "LIVE",
                    "MEM used/capacity", "SSD used/capacity", "HDD used/capacity");
            for (WorkerInfo worker : info.workers()) {
                String pid = record.workers().stream().filter(w -> w.name().equals(worker.id())).findFirst()
                        .map(w -> Long.toString(w.pid())).orElse("-");
                out.printf(Locale.ROOT, "%-12s %-22s %-8s %-5s %-22s %-22s %s%n", worker.id(),
                        worker.host() + ":" + worker.port(), pid, worker.live() ? "yes" : "LOST",
                        space(worker, StorageTier.MEM), space(worker, StorageTier.SSD), space(worker, StorageTier.HDD));
            }
            out.printf(Locale.ROOT, "%d of %s live, %s of %s used; %s; %s%n", info.liveWorkers().size(),
                    Sizes.count(info.workers().size(), "worker"),
                    Sizes.format(info.liveWorkers().stream().mapToLong(WorkerInfo::usedBytes).sum()),
                    Sizes.format(info.liveCapacityBytes()), Sizes.count(underReplicated, "under-replicated block"),
                    Sizes.count(tempAreas, "open temp area"));
            out.flush();
            return ExitCode.OK;
        }
        catch (CacheException e) {
            return failed(ExitCode.FAILED, "The master " + record.masterTarget() + " of the cluster in " + directory
                    + " does not answer: " + e.getMessage());
        }
    }

    @Command(name = "stop",
            mixinStandardHelpOptions = true,
            usageHelpAutoWidth = true,
            description = "Stops the workers, then the master: asks each to stop (SIGTERM), and kills those still "
                    + "running after the timeout.")
    int stop(
            @Option(names = "--data-dir", paramLabel = "DIR",
                    description = "The cluster's data directory (default: $GFSLOAD_HOME/cluster-processes).")
            Path dataDir,
            @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
                    description = "How long each group of processes may take to stop before it is killed "
                            + "(default: ${DEFAULT-VALUE}).")
            String timeout) {
        PrintWriter out = spec.commandLine().getOut();
        Path directory = dataDir(dataDir);
        Duration grace;
        try {
            grace = ConfigValues.durationOrZero("--timeout", timeout);
        }
        catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        Optional<ClusterRecord> found = readRecord(directory);
        if (found.isEmpty()) {
            return failed(ExitCode.NOT_FOUND, "No cache cluster was started in " + directory + " (no " + CLUSTER_FILE + ")");
        }
        ClusterRecord record = found.get();
        int killed = stopAll(record.workers(), grace) + stopAll(List.of(record.master()), grace);
        try {
            Files.deleteIfExists(directory.resolve(CLUSTER_FILE));
        }
        catch (IOException e) {
            return failed(ExitCode.FAILED, "Stopped the cluster but cannot delete " + directory.resolve(CLUSTER_FILE) + ": " + e);
        }
        out.println("Cache cluster in " + directory + " stopped: master and " + record.workers().size() + " workers"
                + (killed > 0 ? " (" + killed + " killed after " + timeout + ")" : ""));
        out.flush();
        return ExitCode.OK;
    }

    /** Asks every running process of {@code records} to stop, waits up to {@code grace}, kills the rest. */
    private static int stopAll(List<ProcessRecord> records, Duration grace) {
        List<ProcessHandle> running = new ArrayList<>();
        for (ProcessRecord record : records) {
            handle(record).ifPresent(handle -> {
                handle.destroy();
                running.add(handle);
            });
        }
        int killed = 0;
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle handle : running) {
            long remaining = Math.max(0, deadline - System.nanoTime());
            try {
                handle.onExit().get(remaining, TimeUnit.NANOSECONDS);
            }
            catch (java.util.concurrent.TimeoutException e) {
                handle.destroyForcibly();
                killed++;
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                handle.destroyForcibly();
                killed++;
            }
            catch (java.util.concurrent.ExecutionException e) {
                // onExit() does not fail
            }
        }
        for (ProcessHandle handle : running) {
            try {
                handle.onExit().get(10, TimeUnit.SECONDS);
            }
            catch (Exception e) {
                // killed processes end at once; nothing more to do
            }
        }
        return killed;
    }

    /**
     * The live process a record names: the same pid with the same start time (a pid reused by another
     * process has another), or, where the system tells no start time, a command line naming the
     * server (the {@code -Dgfsload.cache.server=<name>} option comes first, as Linux shows only the
     * first 4 KiB of a command line).
     */
    static Optional<ProcessHandle> handle(ProcessRecord record) {
        return ProcessHandle.of(record.pid())
                .filter(ProcessHandle::isAlive)
                .filter(handle -> {
                    Optional<Instant> started = handle.info().startInstant();
                    if (record.startedAt() != null && started.isPresent()) {
                        return started.get().equals(Instant.parse(record.startedAt()));
                    }
                    return handle.info().commandLine().map(line -> line.contains(serverOption(record.name())))
                            .orElse(false);
                });
    }

    private static String serverOption(String name) {
        return "-Dgfsload.cache.server=" + name;
    }

    private static boolean isRunning(ProcessRecord record) {
        return handle(record).isPresent();
    }

    /** The settings of worker {@code index}: the user's, with its id, its master and its own directories and ports. */
    private static CacheServerConfig workerSettings(CacheServerConfig settings, Path directory, int index,
            String masterTarget) {
        String name = "worker-" + index;
        CacheServerConfig worker = settings
                .with(CacheServerConfig.WORKER_ID, name)
                .with(CacheServerConfig.WORKER_MASTER, masterTarget);
        boolean anyTier = false;
        for (StorageTier tier : StorageTier.values()) {
            List<Path> directories = settings.tierDirectories(tier);
            if (!directories.isEmpty()) {
                anyTier = true;
                worker = worker.with(CacheServerConfig.tierDirsKey(tier), String.join(",",
                        directories.stream().map(path -> path.resolve(name).toString()).toList()));
            }
        }
        if (!anyTier) {
            worker = worker
                    .with(CacheServerConfig.tierDirsKey(StorageTier.SSD), directory.resolve(name).toString())
                    .with(CacheServerConfig.tierQuotaKey(StorageTier.SSD),
                            settings.get(CacheServerConfig.tierQuotaKey(StorageTier.SSD))
                                    .orElse(Long.toString(DEFAULT_WORKER_QUOTA)));
        }
        worker = offsetPort(worker, CacheServerConfig.WORKER_PORT, index);
        return offsetPort(worker, CacheServerConfig.WORKER_METRICS_PORT, index);
    }

    /** A fixed port P of the config becomes P + index, so that workers on one machine do not collide. */
    private static CacheServerConfig offsetPort(CacheServerConfig settings, String key, int index) {
        Optional<String> port = settings.get(key);
        if (port.isEmpty()) {
            return settings;
        }
        int value = ConfigValues.integer(key, port.get());
        return value > 0 ? settings.with(key, Integer.toString(value + index)) : settings;
    }

    /** Waits until the master reports {@code workers} live workers. */
    private static void awaitLive(String masterTarget, CacheServerConfig settings, int workers, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (CacheClient client = GrpcCacheClient.connect(masterTarget, settings.client())) {
            while (true) {
                int live;
                try {
                    live = client.clusterInfo().liveWorkers().size();
                }
                catch (CacheException e) {
                    live = -1;
                }
                if (live == workers) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new CacheException("only " + Math.max(0, live) + " of " + workers + " workers are live after "
                            + timeout.toSeconds() + " s");
                }
                sleep(100);
            }
        }
    }

    /** A child process started by {@link #launch}. */
    private record Started(String name, Process process, Path readyFile, Path config, Path log) {
        Properties awaitReady(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!Files.exists(readyFile)) {
                if (!process.isAlive()) {
                    throw new CacheException(name + " exited with code " + process.exitValue() + "; its log "
                            + log + " ends with:\n" + tail(log));
                }
                if (System.nanoTime() > deadline) {
                    throw new CacheException(name + " did not start within " + timeout.toSeconds() + " s; see " + log);
                }
                sleep(50);
            }
            Properties ready = new Properties();
            try (Reader reader = Files.newBufferedReader(readyFile, StandardCharsets.UTF_8)) {
                ready.load(reader);
            }
            catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return ready;
        }

        ProcessRecord record(Properties ready) {
            return new ProcessRecord(name, process.pid(), process.info().startInstant().map(Instant::toString)
                    .orElse(null), ready.getProperty("host"), Integer.parseInt(ready.getProperty("port")),
                    ready.getProperty("metrics-port") == null ? null : Integer.valueOf(ready.getProperty("metrics-port")),
                    config.toString(), log.toString());
        }
    }

    /** Writes {@code <name>.properties} and starts {@link CacheServerMain} with it, logging to {@code logs/<name>.log}. */
    private static Started launch(String role, String name, CacheServerConfig settings, Path directory,
            List<String> javaOptions) throws IOException {
        Path config = directory.resolve(name + ".properties");
        settings.store(config);
        if (settings.token().isPresent()) {
            try {
                Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
            }
            catch (UnsupportedOperationException e) {
                // not a POSIX file system; the directory's permissions have to do
            }
        }
        Path ready = directory.resolve(name + ".ready");
        Files.deleteIfExists(ready);
        Path log = directory.resolve("logs").resolve(name + ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(serverOption(name));
        // The servers' own log lines (lost workers, expired temp areas) belong in their logs.
        command.add("-Dorg.slf4j.simpleLogger.log.io.gfsload=info");
        command.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
        command.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ");
        command.addAll(javaOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), CacheServerMain.class.getName(), role,
                "--config", config.toString(), "--ready-file", ready.toString()));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        return new Started(name, process, ready, config, log);
    }

    private static String space(WorkerInfo worker, StorageTier tier) {
        return worker.tier(tier)
                .map(info -> Sizes.format(info.usedBytes()) + " / " + Sizes.format(info.capacityBytes()))
                .orElse("-");
    }

    private Path dataDir(Path dataDir) {
        return (dataDir == null ? environment.home().resolve("cluster-processes") : dataDir).toAbsolutePath();
    }

    private static Optional<ClusterRecord> readRecord(Path directory) {
        Path file = directory.resolve(CLUSTER_FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), ClusterRecord.class));
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeRecord(Path directory, ClusterRecord record) throws IOException {
        Path file = directory.resolve(CLUSTER_FILE);
        Path temp = directory.resolve(CLUSTER_FILE + ".tmp");
        JSON.writeValue(temp.toFile(), record);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        }
        catch (IOException e) {
            return "(cannot read it: " + e.getMessage() + ")";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheException("Interrupted while waiting for the cache cluster");
        }
    }

    private int usage(String message) {
        spec.commandLine().getErr().println("gfsload: " + message);
        spec.commandLine().getErr().flush();
        return ExitCode.USAGE;
    }

    /** Prints {@code message} and returns {@code exitCode} (2 for a directory in use, 5 for one without a cluster). */
    private int failed(int exitCode, String message) {
        spec.commandLine().getErr().println("gfsload: " + message);
        spec.commandLine().getErr().flush();
        return exitCode;
    }

    /** For tests: the command line of this command alone. */
    static CommandLine commandLine(CliEnvironment environment) {
        return new CommandLine(new ClusterCommand(environment));
    }
}
