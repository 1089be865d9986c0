package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CacheUnavailableException;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.cache.api.Counts;
import io.gfsload.cache.api.FileErrors;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.api.TempAreaSummary;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.client.ClientConfig;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.master.MasterConfig;
import io.gfsload.cache.server.CacheServerConfig;
import io.gfsload.cache.server.CacheServerMain;
import io.gfsload.cache.server.ConfigValues;
import io.gfsload.cache.worker.CacheWorker;
import io.gfsload.cache.worker.TierDirectoryInUseException;
import io.gfsload.cache.worker.WorkerConfig;
import io.gfsload.cli.ProcessRecordFile.BrokenRecordException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gfsload cluster start|status|stop}: a cache cluster of separate processes on this machine,
 * a master and N workers, each a JVM running {@link CacheServerMain} on this command's classpath.
 *
 * <p>Everything lives in the data directory: {@code cluster.json} (pids, ports, start times, JVM
 * options and the settings of {@code --config} without the token; kept after {@code stop}, so that
 * the next {@code start} gives each process the port it had and, without options, starts the
 * cluster as it ran),
 * one {@code <name>.properties} per process (the settings it runs with, from {@code --config} plus
 * its id, directories and the master's address; owner-only when it holds the token, which no
 * other file of the cluster does), {@code logs/<name>.log}, the master's RocksDB in
 * {@code master/} and, unless the config names tier directories, each worker's SSD tier in
 * {@code worker-<i>/}. The processes outlive this command; {@code stop} ends them.
 *
 * <p>One {@code start} or {@code stop} at a time runs in a data directory: each holds
 * {@code cluster.lock} there while it runs ({@link DataDirectoryLock}), and another one meanwhile
 * is refused at once (exit 2). A {@code start} that fails before any process started leaves no
 * directory it created.
 */
@Command(name = "cluster",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        usageHelpAutoWidth = true,
        description = "Runs a cache cluster as separate processes on this machine: a master and N workers.")
public final class ClusterCommand implements Callable<Integer> {
    static final String CLUSTER_FILE = "cluster.json";
    /** Locked by the {@code start} or {@code stop} that runs in the data directory, which deletes it as it ends. */
    static final String LOCK_FILE = "cluster.lock";
    static final int DEFAULT_WORKERS = 3;
    static final long DEFAULT_WORKER_QUOTA = 8L << 30;
    static final String DEFAULT_JAVA_OPTION = "-Xmx512m";
    /** Marks the space of a worker that is not live in {@code status}: the last it reported, not its space now. */
    static final String LAST_KNOWN = "last known ";
    /** The master of the worker settings checked before the master runs (and its port is known). */
    private static final String UNKNOWN_MASTER = "localhost:0";
    private static final ProcessRecordFile<ClusterRecord> RECORD = new ProcessRecordFile<>(CLUSTER_FILE, ClusterRecord.class,
            ProcessRecordFile.Subject.CACHE_CLUSTER, ClusterRecord::missingField);

    private final CliEnvironment environment;

    @Spec
    CommandSpec spec;

    public ClusterCommand(CliEnvironment environment) {
        this.environment = requireNonNull(environment, "environment is null");
    }

    /** Without a subcommand: a usage error naming the subcommands, and exit 2. */
    @Override
    public Integer call() {
        throw GfsLoad.missingSubcommand(spec);
    }

    /**
     * What {@code cluster.json} records of one process.
     *
     * @param startedAt the process's start time as the operating system reports it (ISO-8601), or
     *     null when unknown; {@code stop} signals the pid only while it still names that process
     * @param metricsPort null when the process serves no metrics
     */
    record ProcessRecord(String name, long pid, String startedAt, String host, int port, Integer metricsPort,
            String config, String log) {
        /** The first field the record lacks ({@code name}, {@code pid}, ...), if any; the others may be null. */
        Optional<String> missingField() {
            if (name == null) {
                return Optional.of("name");
            }
            if (pid <= 0) {
                return Optional.of("pid");
            }
            if (host == null) {
                return Optional.of("host");
            }
            if (port <= 0) {
                return Optional.of("port");
            }
            if (config == null) {
                return Optional.of("config");
            }
            return log == null ? Optional.of("log") : Optional.empty();
        }
    }

    /**
     * {@code cluster.json}: the processes of a cluster, kept after {@code stop} for the ports and the
     * settings.
     *
     * @param javaOptions the JVM options of the processes, which processes started again get too;
     *     null in records of earlier versions
     * @param stoppedAt when {@code stop} stopped the cluster (ISO-8601); null while it runs
     * @param settings the {@code gfsload.cache.*} settings the cluster was started with (of
     *     {@code --config}), without the token, which only the processes' owner-only properties
     *     files keep; null in records of earlier versions
     * @param hasToken whether those settings have a token; null in records of earlier versions
     */
    record ClusterRecord(String masterTarget, ProcessRecord master, List<ProcessRecord> workers, String startedAt,
            List<String> javaOptions, String stoppedAt, Map<String, String> settings, Boolean hasToken) {
        /** The first field the record lacks and every command needs ({@code master.config}, {@code workers[1].name}), if any. */
        Optional<String> missingField() {
            if (masterTarget == null) {
                return Optional.of("masterTarget");
            }
            if (master == null) {
                return Optional.of("master");
            }
            if (workers == null) {
                return Optional.of("workers");
            }
            Optional<String> field = master.missingField().map(name -> "master." + name);
            for (int i = 0; i < workers.size() && field.isEmpty(); i++) {
                String worker = "workers[" + i + "]";
                field = workers.get(i) == null ? Optional.of(worker) : workers.get(i).missingField().map(name -> worker + "." + name);
            }
            return field;
        }

        /** The master, then the workers. */
        List<ProcessRecord> processes() {
            List<ProcessRecord> processes = new ArrayList<>();
            processes.add(master);
            processes.addAll(workers);
            return processes;
        }

        ClusterRecord withProcesses(ProcessRecord master, List<ProcessRecord> workers) {
            return new ClusterRecord(masterTarget, master, workers, startedAt, javaOptions, stoppedAt, settings, hasToken);
        }

        ClusterRecord stopped(Instant at) {
            return new ClusterRecord(masterTarget, master, workers, startedAt, javaOptions, at.toString(), settings,
                    hasToken);
        }
    }

    @Command(name = "start",
            mixinStandardHelpOptions = true,
            usageHelpAutoWidth = true,
            description = {"Starts a master and N workers, waits until every worker is registered and live, and prints "
                    + "the master's address. In a data directory whose cluster ran before, each process gets the port "
                    + "it had, unless the config sets it, and the cluster starts as it ran: with its settings (token "
                    + "included), its number of workers and its JVM options, unless --config, --workers or "
                    + "--java-option give others.",
                    "On a running cluster, starts again only its processes that are not running, with the settings "
                    + "they ran with; a worker that is stopping (its process runs, and the master no longer lists it as "
                    + "live) is waited for, up to --timeout, and started again once it has ended."})
    int start(
            @Option(names = "--workers", paramLabel = "N",
                    description = "Worker processes (default: " + DEFAULT_WORKERS + ", or as many as the cluster in "
                            + "the data directory had).") Integer workersOption,
            @Option(names = "--data-dir", paramLabel = "DIR",
                    description = "Where the cluster keeps its state and logs (default: $GFSLOAD_HOME/cluster-processes).")
            Path dataDir,
            @Option(names = "--config", paramLabel = "FILE",
                    description = "Properties file of gfsload.cache.* settings: ports, tiers and quotas, eviction, token "
                            + "(default: none, or the settings the cluster in the data directory ran with).")
            Path config,
            @Option(names = "--java-option", paramLabel = "OPTION",
                    description = "JVM option of every process; repeatable (default: " + DEFAULT_JAVA_OPTION
                            + ", or the options the cluster in the data directory ran with).")
            List<String> javaOptionsOption,
            @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s",
                    description = "How long to wait for the processes to start, and for a worker that is stopping to end "
                            + "(default: ${DEFAULT-VALUE}).")
            String timeout) {
        if (workersOption != null && workersOption < 1) {
            return usage("--workers must be at least 1: " + workersOption);
        }
        Path directory = dataDir(dataDir);
        Path embedded = environment.home().resolve("cluster").toAbsolutePath().normalize();
        if (directory.normalize().equals(embedded)) {
            // its master's RocksDB would be the embedded cluster's, locked by whichever starts first
            return usage("%s is the embedded cluster's directory: give the cluster of processes a --data-dir of its own".formatted(directory));
        }
        Duration startTimeout;
        try {
            startTimeout = ConfigValues.duration("--timeout", timeout);
        }
        catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        DataDirectoryLock lock;
        try {
            lock = lock(directory);
        }
        catch (DataDirectoryLock.InUseException e) {
            return failed(ExitCode.USAGE, e.getMessage());
        }
        catch (IOException e) {
            // a $GFSLOAD_HOME (or --data-dir) the command cannot use fails as it fails any other command: 4
            return failed(ExitCode.FAILED, "Cannot create the directory " + directory + " of the cache cluster: " + FileErrors.reason(e));
        }
        catch (UncheckedIOException e) {
            return failed(ExitCode.FAILED, "Cannot start the cache cluster in " + directory + ": " + e.getMessage());
        }
        // the processes it starts are killed should the JVM end before it has recorded them
        try (lock; StartedServers servers = new StartedServers(spec.commandLine().getErr(), "cluster start", "the cluster", lock)) {
            return start(directory, workersOption, config, javaOptionsOption, startTimeout, servers);
        }
    }

    /**
     * Starts the cluster in {@code directory}, which this command holds ({@link #lock}): a start
     * that fails before any process started leaves nothing there, and the lock deletes the
     * directory when it created it.
     */
    private int start(Path directory, Integer workersOption, Path config, List<String> javaOptionsOption, Duration startTimeout,
            StartedServers servers) {
        PrintWriter out = spec.commandLine().getOut();
        Optional<ClusterRecord> previous;
        try {
            previous = readRecord(directory);
        }
        catch (BrokenRecordException e) {
            return failed(ExitCode.FAILED, e.getMessage());
        }
        // A cluster that ran in the directory starts as it ran, unless the options say otherwise.
        int workers = workersOption != null ? workersOption
                : previous.map(record -> record.workers().size()).orElse(DEFAULT_WORKERS);
        List<String> javaOptions = javaOptionsOption != null ? javaOptionsOption
                : previous.map(ClusterRecord::javaOptions).orElse(List.of(DEFAULT_JAVA_OPTION));
        CacheServerConfig settings;
        CacheServerConfig masterSettings;
        try {
            settings = config != null ? absoluteDirectories(CacheServerConfig.load(config))
                    : previous.isPresent() ? recordedSettings(directory, previous.get()) : CacheServerConfig.of(Map.of());
            masterSettings = settings.get(CacheServerConfig.MASTER_METADATA_DIR).isPresent() ? settings
                    : settings.with(CacheServerConfig.MASTER_METADATA_DIR, directory.resolve("master").toString());
            // Every value is read as the processes will read it, so that a bad one is a usage error
            // here and not a stack trace from a process started with it.
            masterSettings.master();
            settings.client();
            for (int i = 0; i < workers; i++) {
                workerSettings(settings, directory, i, UNKNOWN_MASTER).worker();
            }
            Optional<String> portSetTwice = portSetTwice(masterSettings, settings, directory, workers);
            if (portSetTwice.isPresent()) {
                throw new IllegalArgumentException(portSetTwice.get());
            }
        }
        catch (UncheckedIOException e) {
            return usage(e.getMessage());
        }
        catch (IllegalArgumentException e) {
            return usage(config == null ? e.getMessage() : config + ": " + e.getMessage());
        }
        if (previous.isPresent() && previous.get().stoppedAt() == null
                && previous.get().processes().stream().anyMatch(ClusterCommand::isRunning)) {
            return startStopped(previous.get(), directory, workersOption, config, startTimeout, javaOptions, servers);
        }
        if (config != null && previous.isPresent() && ranWithToken(previous.get())
                && settings.get(CacheServerConfig.SECURITY_TOKEN).isEmpty()) {
            return failed(ExitCode.USAGE, "The cache cluster in " + directory + " ran with a token ("
                    + CacheServerConfig.SECURITY_TOKEN + ") and " + config + " sets none: add it, or set "
                    + CacheServerConfig.SECURITY_TOKEN + "= (empty) to start the cluster without one");
        }
        Optional<String> portInUse = pinnedPortInUse(masterSettings, settings, directory, workers);
        if (portInUse.isPresent()) {
            return failed(ExitCode.USAGE, "Cannot start the cache cluster in " + directory + ": " + portInUse.get()
                    + "; free it, or set another port in the config (0: any free port)");
        }
        // A cluster started again keeps its addresses: the master's is in its clients' commands.
        Optional<ProcessRecord> previousMaster = previous.map(ClusterRecord::master);
        if (previousMaster.isPresent() && masterSettings.get(CacheServerConfig.MASTER_PORT).isEmpty()) {
            int port = previousMaster.get().port();
            if (!ServerProcesses.isFree(masterSettings.master().host(), port)) {
                return failed(ExitCode.USAGE, masterPortInUse(directory, previousMaster.get(),
                        "set gfsload.cache.master.port in --config (0: any free port)"));
            }
            masterSettings = masterSettings.with(CacheServerConfig.MASTER_PORT, Integer.toString(port));
        }
        Optional<Integer> noLogs = createLogs(directory);
        if (noLogs.isPresent()) {
            return noLogs.get();
        }
        List<String> notes = new ArrayList<>();
        List<Started> started = new ArrayList<>();
        try {
            Started master = launch(servers, "master", "master", masterSettings, directory, javaOptions);
            started.add(master);
            Properties masterReady = master.awaitReady(startTimeout);
            String masterTarget = masterReady.getProperty("host") + ":" + masterReady.getProperty("port");
            for (int i = 0; i < workers; i++) {
                CacheServerConfig worker = workerSettings(settings, directory, i, masterTarget);
                String name = worker.get(CacheServerConfig.WORKER_ID).orElseThrow();
                Optional<ProcessRecord> before = previous.flatMap(record -> record.workers().stream()
                        .filter(w -> w.name().equals(name)).findFirst());
                if (before.isPresent() && settings.get(CacheServerConfig.WORKER_PORT).isEmpty()) {
                    if (ServerProcesses.isFree(worker.worker().host(), before.get().port())) {
                        worker = worker.with(CacheServerConfig.WORKER_PORT, Integer.toString(before.get().port()));
                    }
                    else {
                        notes.add(name + " listens on another port: its port " + before.get().port() + " is in use");
                    }
                }
                started.add(launch(servers, "worker", name, worker, directory, javaOptions));
            }
            List<ProcessRecord> workerRecords = new ArrayList<>();
            for (Started worker : started.subList(1, started.size())) {
                workerRecords.add(worker.record(worker.awaitReady(startTimeout)));
            }
            awaitLive(masterTarget, settings, workerRecords.stream().map(ProcessRecord::name).toList(), startTimeout);
            ClusterRecord record = new ClusterRecord(masterTarget, master.record(masterReady), workerRecords,
                    Instant.now().toString(), List.copyOf(javaOptions), null,
                    new TreeMap<>(settings.without(CacheServerConfig.SECURITY_TOKEN).values()), settings.token().isPresent());
            servers.record(() -> writeRecord(directory, record));
            out.println("Cache cluster started in " + directory + ": master " + masterTarget + ", "
                    + Sizes.count(workers, "worker") + " live");
            notes.forEach(out::println);
            // the master's properties file is readable by its owner only and holds the token, whereas
            // --config is the user's own file, maybe readable by others, with settings clients need not read
            out.println("Use it with: gfsload --master " + masterTarget
                    + (settings.token().isPresent() ? " --token-file " + master.config() : "") + " ...");
            out.flush();
            return ExitCode.OK;
        }
        catch (TierDirectoryInUseException e) {
            // none of the new cluster's processes stays: its master and the workers that started
            servers.killAll();
            return failed(ExitCode.USAGE, "Cannot start the cache cluster in " + directory + ": " + e.getMessage());
        }
        catch (IOException | RuntimeException e) {
            servers.killAll();
            if (servers.ending()) {
                // SIGINT or SIGTERM: the shutdown hook killed the processes and said so; the JVM exits 130 or 143
                return ExitCode.FAILED;
            }
            return failed(ExitCode.FAILED, "Cannot start the cache cluster in " + directory + ": " + describe(e));
        }
    }

    /**
     * Starts again the processes of a running cluster that are not running (the master first), each
     * with the settings and the port it had, and waits until every worker is live. A worker that is
     * stopping (its process runs and the master no longer lists it as live: it told the master it
     * stops) is waited for, up to {@code timeout}, and started again once its process has ended; so
     * is a worker whose process ends while {@code start} waits.
     */
    private int startStopped(ClusterRecord record, Path directory, Integer workersOption, Path config, Duration timeout,
            List<String> javaOptions, StartedServers servers) {
        PrintWriter out = spec.commandLine().getOut();
        String running = "A cache cluster is already running in " + directory + " (master " + record.masterTarget()
                + ", pid " + record.master().pid() + ")";
        if (workersOption != null && workersOption != record.workers().size()) {
            return failed(ExitCode.USAGE, running + " with " + Sizes.count(record.workers().size(), "worker")
                    + "; stop it to start it with " + workersOption);
        }
        List<ProcessRecord> stopped = record.processes().stream().filter(process -> !isRunning(process)).toList();
        CacheServerConfig clientSettings;
        try {
            clientSettings = CacheServerConfig.load(Path.of(record.master().config()));
        }
        catch (UncheckedIOException | IllegalArgumentException e) {
            return failed(ExitCode.FAILED, "Cannot start the cache cluster in " + directory + " again: " + e.getMessage());
        }
        List<ProcessRecord> stopping = stopped.contains(record.master()) ? List.of() : stopping(record, stopped, clientSettings);
        if (stopped.isEmpty() && stopping.isEmpty()) {
            return failed(ExitCode.USAGE, running + "; all its processes run"
                    + (config == null ? "" : ": stop it to start it with the settings of --config " + config));
        }
        if (stopped.contains(record.master()) && !ServerProcesses.isFree(record.master().host(), record.master().port())) {
            return failed(ExitCode.USAGE, masterPortInUse(directory, record.master(),
                    "stop the cluster and start it with gfsload.cache.master.port in --config"));
        }
        // a metrics port is where the scrapers look: it is never changed behind them
        Optional<String> metricsPortInUse = stopped.stream().flatMap(process -> metricsPort(record, process).stream())
                .filter(FixedPort::taken).findFirst().map(FixedPort::inUse);
        if (metricsPortInUse.isPresent()) {
            return failed(ExitCode.USAGE, "Cannot start the cache cluster in " + directory + " again: " + metricsPortInUse.get()
                    + "; free it, or stop the cluster and start it with another port in --config (0: any free port)");
        }
        Optional<Integer> noLogs = createLogs(directory);
        if (noLogs.isPresent()) {
            return noLogs.get();
        }
        List<String> options = record.javaOptions() == null ? javaOptions : record.javaOptions();
        List<String> notes = new ArrayList<>();
        if (config != null) {
            notes.add("--config " + config + " is not applied to a running cluster: its processes start again with the settings "
                    + "they ran with; stop the cluster to start it with new ones");
        }
        List<Started> started = new ArrayList<>();
        List<ProcessRecord> startedAgain = new ArrayList<>(stopped);
        try {
            for (ProcessRecord process : stopped) {
                Started launched = launchAgain(servers, record, process, directory, options, notes);
                started.add(launched);
                if (launched.name().equals(record.master().name())) {
                    // the workers that run find the master again with their next heartbeat
                    launched.awaitReady(timeout);
                }
            }
            ProcessRecord master = record.master();
            Map<String, ProcessRecord> workers = new LinkedHashMap<>();
            record.workers().forEach(worker -> workers.put(worker.name(), worker));
            for (Started process : started) {
                ProcessRecord restarted = process.record(process.awaitReady(timeout));
                if (restarted.name().equals(master.name())) {
                    master = restarted;
                }
                else {
                    workers.put(restarted.name(), restarted);
                }
            }
            // the workers that ran when start began: one that is stopping, or stops meanwhile, is started again once it has ended
            List<ProcessRecord> ran = record.workers().stream().filter(worker -> !stopped.contains(worker)).toList();
            try (CacheClient client = GrpcCacheClient.connect(record.masterTarget(), clientSettings.client())) {
                long deadline = System.nanoTime() + timeout.toNanos();
                while (true) {
                    for (ProcessRecord worker : ran) {
                        if (!startedAgain.contains(worker) && !isRunning(worker)) {
                            Started launched = launchAgain(servers, record, worker, directory, options, notes);
                            started.add(launched);
                            workers.put(worker.name(), launched.record(launched.awaitReady(timeout)));
                            startedAgain.add(worker);
                            deadline = System.nanoTime() + timeout.toNanos();
                        }
                    }
                    List<String> notLive = notLive(client, workers.keySet());
                    if (notLive.isEmpty()) {
                        break;
                    }
                    if (System.nanoTime() > deadline) {
                        throw new CacheException(notLiveMessage(workers, notLive, stopping, timeout));
                    }
                    sleep(100);
                }
            }
            ProcessRecord restartedMaster = master;
            servers.record(() -> writeRecord(directory, record.withProcesses(restartedMaster, List.copyOf(workers.values()))));
            out.println("Cache cluster in " + directory + ": started " + names(startedAgain) + " again; master "
                    + record.masterTarget() + ", " + Sizes.count(workers.size(), "worker") + " live");
            notes.forEach(out::println);
            out.flush();
            return ExitCode.OK;
        }
        catch (TierDirectoryInUseException e) {
            servers.killAll();
            return failed(ExitCode.USAGE, "Cannot start the cache cluster in " + directory + " again: " + e.getMessage());
        }
        catch (IOException | RuntimeException e) {
            servers.killAll();
            if (servers.ending()) {
                // SIGINT or SIGTERM: the shutdown hook killed the processes and said so; the JVM exits 130 or 143
                return ExitCode.FAILED;
            }
            List<ProcessRecord> failed = new ArrayList<>(startedAgain);
            stopping.stream().filter(worker -> !failed.contains(worker)).forEach(failed::add);
            return failed(ExitCode.FAILED, "Cannot start " + names(failed) + " of the cache cluster in " + directory
                    + " again: " + describe(e));
        }
    }

    /**
     * The workers of {@code record} that are stopping: their process runs and the master, which
     * runs, lists them as not live (a worker tells the master when it stops, before its server
     * drains). Empty when the master does not answer.
     */
    private static List<ProcessRecord> stopping(ClusterRecord record, List<ProcessRecord> stopped, CacheServerConfig clientSettings) {
        ClusterInfo info;
        try (CacheClient client = GrpcCacheClient.connect(record.masterTarget(), clientSettings.client())) {
            info = client.clusterInfo();
        }
        catch (CacheException e) {
            return List.of();
        }
        Set<String> notLive = info.workers().stream().filter(worker -> !worker.live()).map(WorkerInfo::id).collect(Collectors.toSet());
        return record.workers().stream()
                .filter(worker -> !stopped.contains(worker) && notLive.contains(worker.name()))
                .toList();
    }

    /** Those of {@code names} that the master does not list as live; all of them when it does not answer. */
    private static List<String> notLive(CacheClient client, Collection<String> names) {
        Set<String> live;
        try {
            live = client.clusterInfo().liveWorkers().stream().map(WorkerInfo::id).collect(Collectors.toSet());
        }
        catch (CacheException e) {
            live = Set.of();
        }
        Set<String> liveWorkers = live;
        return names.stream().filter(name -> !liveWorkers.contains(name)).toList();
    }

    /** {@code only 2 of 3 workers are live after 60 s: not live worker-2 (still stopping: its process, pid 123, runs)}. */
    private static String notLiveMessage(Map<String, ProcessRecord> workers, List<String> notLive, List<ProcessRecord> stopping,
            Duration timeout) {
        int live = workers.size() - notLive.size();
        List<String> each = new ArrayList<>();
        for (String name : notLive) {
            ProcessRecord worker = workers.get(name);
            boolean runs = isRunning(worker);
            each.add(name + (stopping.contains(worker) && runs ? " (still stopping: its process, pid " + worker.pid() + ", runs)"
                    : runs ? "" : " (its process, pid " + worker.pid() + ", has exited; see " + worker.log() + ")"));
        }
        return "only " + live + " of " + Sizes.count(workers.size(), "worker") + " " + (live == 1 ? "is" : "are") + " live after "
                + timeout.toSeconds() + " s: not live " + String.join(", ", each);
    }

    /** Starts {@code process} of the cluster of {@code record} again, with its settings, on its port when it is free. */
    private static Started launchAgain(StartedServers servers, ClusterRecord record, ProcessRecord process, Path directory,
            List<String> options, List<String> notes) throws IOException {
        boolean master = process.name().equals(record.master().name());
        String portKey = master ? CacheServerConfig.MASTER_PORT : CacheServerConfig.WORKER_PORT;
        CacheServerConfig settings = CacheServerConfig.load(Path.of(process.config()));
        // the master keeps its address, which its clients have (start checked that its port is free)
        if (master || ServerProcesses.isFree(process.host(), process.port())) {
            settings = settings.with(portKey, Integer.toString(process.port()));
        }
        else {
            settings = settings.with(portKey, "0");
            notes.add(process.name() + " listens on another port: its port " + process.port() + " is in use");
        }
        return launch(servers, master ? "master" : "worker", process.name(), settings, directory, options);
    }

    /**
     * The settings the cluster of {@code record} was started with: those the record keeps, and the
     * token its master's properties file keeps (in records of earlier versions: that file's).
     *
     * @throws IllegalArgumentException when the token, or the settings of a record of an earlier
     *     version, cannot be read: a cluster that had a token never starts without it
     */
    private static CacheServerConfig recordedSettings(Path directory, ClusterRecord record) {
        if (record.settings() != null && !Boolean.TRUE.equals(record.hasToken())) {
            return CacheServerConfig.of(record.settings());
        }
        Path file = Path.of(record.master().config());
        String what = record.settings() == null ? "its settings are" : "its token (" + CacheServerConfig.SECURITY_TOKEN + ") is";
        String failure = "Cannot start the cache cluster in " + directory + " as it ran: " + what + " kept in " + file
                + " only, ";
        CacheServerConfig master;
        try {
            master = CacheServerConfig.load(file);
        }
        catch (UncheckedIOException e) {
            throw new IllegalArgumentException(failure + "which cannot be read (" + FileErrors.reason(e.getCause())
                    + "); give the cluster's settings with --config FILE", e);
        }
        catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(failure + "which is not valid (" + e.getMessage()
                    + "); give the cluster's settings with --config FILE", e);
        }
        if (record.settings() == null) {
            return master;
        }
        String token = master.token().orElseThrow(() -> new IllegalArgumentException(failure
                + "which has none; give the cluster's settings with --config FILE"));
        return CacheServerConfig.of(record.settings()).with(CacheServerConfig.SECURITY_TOKEN, token);
    }

    /** Whether the cluster of {@code record} ran with a token (in records of earlier versions: its master's file says). */
    private static boolean ranWithToken(ClusterRecord record) {
        if (record.hasToken() != null) {
            return record.hasToken();
        }
        try {
            return CacheServerConfig.load(Path.of(record.master().config())).token().isPresent();
        }
        catch (UncheckedIOException | IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * A port the settings fix for one of the cluster's servers: the master's and its metrics', and
     * each worker's and its metrics' ({@code port} is P + i for worker i, {@code index}), above 0
     * when fixed.
     */
    private record FixedPort(String key, String host, int port, String server, int index) {
        /** {@code gfsload.cache.worker.port=29000 for worker-1 (29000 + 1)}. */
        @Override
        public String toString() {
            return key + "=" + (port - index) + " for " + server + (index == 0 ? "" : " (" + (port - index) + " + " + index + ")");
        }

        /** Whether the port is fixed and another process holds it. */
        boolean taken() {
            return port > 0 && !ServerProcesses.isFree(host, port);
        }

        /** {@code key=port is in use by another process}, or for worker {@code index} > 0 the port P + index it gets. */
        String inUse() {
            return index == 0 ? key + "=" + port + " is in use by another process"
                    : key + "=" + (port - index) + " gives worker-" + index + " the port " + port + ", which is in use by another process";
        }
    }

    private static List<FixedPort> fixedPorts(CacheServerConfig masterSettings, CacheServerConfig settings, Path directory,
            int workers) {
        MasterConfig master = masterSettings.master();
        List<FixedPort> ports = new ArrayList<>();
        ports.add(new FixedPort(CacheServerConfig.MASTER_PORT, master.host(), master.port(), "the master", 0));
        ports.add(new FixedPort(CacheServerConfig.MASTER_METRICS_PORT, master.host(), master.metricsPort(),
                "the master's metrics", 0));
        for (int i = 0; i < workers; i++) {
            WorkerConfig worker = workerSettings(settings, directory, i, UNKNOWN_MASTER).worker();
            ports.add(new FixedPort(CacheServerConfig.WORKER_PORT, worker.host(), worker.port(), worker.workerId(), i));
            ports.add(new FixedPort(CacheServerConfig.WORKER_METRICS_PORT, worker.host(), worker.metricsPort(),
                    worker.workerId() + "'s metrics", i));
        }
        return ports;
    }

    /**
     * The first port the settings fix (above 0) that another process holds. Checked before any
     * process starts, so that a port in use starts nothing.
     */
    private static Optional<String> pinnedPortInUse(CacheServerConfig masterSettings, CacheServerConfig settings,
            Path directory, int workers) {
        return fixedPorts(masterSettings, settings, directory, workers).stream().filter(FixedPort::taken).findFirst()
                .map(FixedPort::inUse);
    }

    /**
     * The metrics port that the properties of {@code process}, of the cluster of {@code record}, give
     * it; empty when they cannot be read, which its start then reports.
     */
    private static Optional<FixedPort> metricsPort(ClusterRecord record, ProcessRecord process) {
        try {
            CacheServerConfig settings = CacheServerConfig.load(Path.of(process.config()));
            if (process.name().equals(record.master().name())) {
                MasterConfig master = settings.master();
                return Optional.of(new FixedPort(CacheServerConfig.MASTER_METRICS_PORT, master.host(), master.metricsPort(),
                        "the master's metrics", 0));
            }
            WorkerConfig worker = settings.worker();
            return Optional.of(new FixedPort(CacheServerConfig.WORKER_METRICS_PORT, worker.host(), worker.metricsPort(),
                    worker.workerId() + "'s metrics", record.workers().indexOf(process)));
        }
        catch (UncheckedIOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The first port the settings fix (above 0) for two of the cluster's servers, which the second
     * to bind it could not start with.
     */
    private static Optional<String> portSetTwice(CacheServerConfig masterSettings, CacheServerConfig settings,
            Path directory, int workers) {
        Map<Integer, FixedPort> byPort = new LinkedHashMap<>();
        for (FixedPort fixed : fixedPorts(masterSettings, settings, directory, workers)) {
            FixedPort first = fixed.port() > 0 ? byPort.putIfAbsent(fixed.port(), fixed) : null;
            if (first != null) {
                return Optional.of("the port " + fixed.port() + " is set twice: " + first + " and " + fixed
                        + "; give each server a port of its own (worker i gets P + i)");
            }
        }
        return Optional.empty();
    }

    private static String masterPortInUse(Path directory, ProcessRecord master, String otherPort) {
        return "Cannot start the master of the cache cluster in " + directory + ": its port " + master.port() + " ("
                + master.host() + ":" + master.port() + " when it last ran) is in use by another process; free it, or "
                + otherPort + " and give its clients the new address";
    }

    /** {@code the master}, {@code worker-1}, {@code the master and worker-0}, {@code worker-0, worker-1 and worker-2}. */
    private static String names(List<ProcessRecord> processes) {
        List<String> names = processes.stream()
                .map(process -> process.name().equals("master") ? "the master" : process.name())
                .toList();
        if (names.size() == 1) {
            return names.get(0);
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.get(names.size() - 1);
    }

    private static String describe(Exception failure) {
        if (failure instanceof UncheckedIOException unchecked) {
            return unchecked.getMessage();
        }
        if (failure instanceof FileSystemException file && file.getFile() != null) {
            return file.getFile() + ": " + FileErrors.reason(file);
        }
        return failure.getMessage();
    }

    @Command(name = "status",
            mixinStandardHelpOptions = true,
            usageHelpAutoWidth = true,
            description = "Prints the master, each worker with its liveness (yes; STOPPED: it said that it stops, by cluster "
                    + "stop or SIGTERM; LOST: it missed its heartbeats) and the space of its tiers (of a worker that is not live: the last it reported, "
                    + "marked 'last known'), the under-replicated blocks "
                    + "and the open temp areas, the workers' settings, the domain socket each live worker serves on (or why "
                    + "it serves on TCP only) and where each process serves its metrics, and exits 0 whatever the workers' liveness; exits 4 when the master is not running or "
                    + "does not answer (saying which worker processes run), 5 when no cluster was started in the directory or it was "
                    + "stopped.")
    int status(
            @Option(names = "--data-dir", paramLabel = "DIR",
                    description = "The cluster's data directory (default: $GFSLOAD_HOME/cluster-processes).")
            Path dataDir) {
        PrintWriter out = spec.commandLine().getOut();
        Path directory = dataDir(dataDir);
        Optional<ClusterRecord> found;
        try {
            found = readRecord(directory);
        }
        catch (BrokenRecordException e) {
            return failed(ExitCode.FAILED, e.getMessage());
        }
        if (found.isEmpty()) {
            return failed(ExitCode.NOT_FOUND, notStartedIn(directory));
        }
        ClusterRecord record = found.get();
        if (record.stoppedAt() != null) {
            return failed(ExitCode.NOT_FOUND, notRunning(directory, record));
        }
        if (!isRunning(record.master())) {
            return masterDown(directory, record, "is not running");
        }
        CacheServerConfig settings = CacheServerConfig.load(Path.of(record.master().config()));
        try (CacheClient client = GrpcCacheClient.connect(record.masterTarget(), settings.client())) {
            ClusterInfo info = client.clusterInfo();
            long underReplicated = client.underReplicated("", 0).count();
            List<TempAreaSummary> tempAreas = client.tempAreas().listTempAreaSummaries();
            out.printf(Locale.ROOT, "Cache cluster in %s: master %s (pid %d)%n", directory, record.masterTarget(),
                    record.master().pid());
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("WORKER", "ADDRESS", "PID", "LIVE", "MEM used/capacity", "SSD used/capacity", "HDD used/capacity"));
            for (WorkerInfo worker : info.workers()) {
                // a process that has ended shows no pid: the one recorded may be another process's by now
                String pid = record.workers().stream().filter(w -> w.name().equals(worker.id())).findFirst()
                        .filter(ClusterCommand::isRunning)
                        .map(w -> Long.toString(w.pid())).orElse("-");
                rows.add(List.of(worker.id(), worker.host() + ":" + worker.port(), pid, liveness(worker),
                        space(worker, StorageTier.MEM), space(worker, StorageTier.SSD), space(worker, StorageTier.HDD)));
            }
            // a column widens for a longer cell: a worker not live, whose space is marked as last known; a long host name
            int[] widths = {12, 22, 8, 7, 22, 22, 0};
            for (List<String> row : rows) {
                for (int column = 0; column < widths.length - 1; column++) {
                    widths[column] = Math.max(widths[column], row.get(column).length());
                }
            }
            for (List<String> row : rows) {
                StringBuilder line = new StringBuilder();
                for (int column = 0; column < row.size(); column++) {
                    line.append(column == row.size() - 1 ? row.get(column) : String.format(Locale.ROOT, "%-" + widths[column] + "s ", row.get(column)));
                }
                out.println(line);
            }
            long writing = info.liveWritingBytes();
            out.printf(Locale.ROOT, "%d of %s live%s, %s of %s used%s; %s; %s%n", info.liveWorkers().size(),
                    Sizes.count(info.workers().size(), "worker"), notLiveCounts(info),
                    Sizes.format(info.liveWorkers().stream().mapToLong(WorkerInfo::usedBytes).sum()),
                    Sizes.format(info.liveCapacityBytes()),
                    writing > 0 ? " (" + Sizes.format(writing) + " of it held by writes in progress)" : "",
                    Sizes.count(underReplicated, "under-replicated block"),
                    Sizes.count(tempAreas.size(), "open temp area"));
            if (!tempAreas.isEmpty()) {
                printTempAreas(tempAreas, out);
            }
            firstWorkerSettings(record).ifPresent(worker -> out.println("Settings: " + worker.describeSettings()));
            out.println("Domain sockets (for clients on the workers' host; others use TCP):");
            for (WorkerInfo worker : info.workers()) {
                out.printf(Locale.ROOT, "  %-12s %s%n", worker.id(), domainSocket(worker, record));
            }
            out.println("Metrics (Prometheus text format):");
            out.printf(Locale.ROOT, "  %-12s %s%n", record.master().name(), metricsEndpoint(record.master(), CacheServerConfig.MASTER_METRICS_PORT));
            for (ProcessRecord worker : record.workers()) {
                out.printf(Locale.ROOT, "  %-12s %s%n", worker.name(), metricsEndpoint(worker, CacheServerConfig.WORKER_METRICS_PORT));
            }
            out.println(describeClientKeys(settings.client()));
            out.flush();
            return ExitCode.OK;
        }
        catch (CacheUnavailableException e) {
            // the master may have ended since it was looked at
            return masterDown(directory, record, isRunning(record.master()) ? "does not answer" : "is not running");
        }
        catch (CacheException e) {
            return failed(ExitCode.FAILED, "The master of the cache cluster in " + directory + " (" + record.masterTarget()
                    + ", pid " + record.master().pid() + ") fails: " + e.getMessage());
        }
    }

    /**
     * The open temp areas of atomic jobs, one line each: what they stage (not visible to readers),
     * until when, and whether a run of the job holds the area (another run of it is refused it
     * meanwhile) or none does (the job's next run adopts it).
     */
    private static void printTempAreas(List<TempAreaSummary> areas, PrintWriter out) {
        out.println("Temp areas (blocks staged by atomic jobs, not visible to readers):");
        int width = Math.max(16, areas.stream().mapToInt(area -> area.jobId().length()).max().orElse(0));
        for (TempAreaSummary area : areas) {
            String held = area.heldBy()
                    .map(hold -> "held by a run of the job (renewed " + Counts.of(hold.renewedAgo().truncatedTo(ChronoUnit.SECONDS)) + " ago)")
                    .orElse("held by no run: the job's next run adopts it");
            out.printf(Locale.ROOT, "  %-" + width + "s %s, %s, until %s; %s%n", area.jobId(), Sizes.count(area.blocks(), "block"),
                    Sizes.format(area.bytes()), area.expiresAt(), held);
        }
    }

    /**
     * {@code yes} for a live worker; {@code STOPPED} for one that said it stops (a clean stop: {@code cluster stop},
     * SIGTERM) and has not registered since; {@code LOST} for one that stopped heartbeating without saying so.
     */
    private static String liveness(WorkerInfo worker) {
        if (worker.live()) {
            return "yes";
        }
        return worker.stopped() ? "STOPPED" : "LOST";
    }

    /**
     * The domain socket a live worker serves on, as it registered it with the master, which hands it out to clients; or
     * why it serves on TCP only: the setting is off, or the worker could not serve on its socket (too long a path, a
     * failed bind, no epoll), which its log says.
     */
    private static String domainSocket(WorkerInfo worker, ClusterRecord record) {
        if (!worker.live()) {
            return "not live";
        }
        if (worker.domainSocket().isPresent()) {
            return worker.domainSocket().get();
        }
        Optional<ProcessRecord> process = record.workers().stream().filter(w -> w.name().equals(worker.id())).findFirst();
        if (process.isEmpty()) {
            return "TCP only";
        }
        Optional<WorkerConfig> settings = workerSettings(process.get());
        if (settings.isPresent() && settings.get().domainSocketDirectory().isEmpty()) {
            return "TCP only (domain socket off)";
        }
        return "TCP only (no domain socket: see " + process.get().log() + ")";
    }

    /**
     * Where {@code process} serves its metrics, as it said when it started ({@code http://127.0.0.1:9100/metrics}), the
     * port a free one when the settings give 0; or that it serves none ({@code key} is -1), or does not run.
     */
    private static String metricsEndpoint(ProcessRecord process, String key) {
        if (!isRunning(process)) {
            return "not running";
        }
        if (process.metricsPort() == null) {
            return "none (%s=-1)".formatted(key);
        }
        return "http://%s:%d/metrics".formatted(process.host(), process.metricsPort());
    }

    /** {@code " (1 lost, 2 stopped)"}: the workers that are not live, by why; empty when all are live. */
    private static String notLiveCounts(ClusterInfo info) {
        long lost = info.workers().stream().filter(WorkerInfo::lost).count();
        long stopped = info.workers().stream().filter(WorkerInfo::stopped).count();
        List<String> parts = new ArrayList<>();
        if (lost > 0) {
            parts.add(lost + " lost");
        }
        if (stopped > 0) {
            parts.add(stopped + " stopped");
        }
        return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
    }

    /**
     * What the {@code gfsload.cache.client.*} keys of the cluster's config set, and for whom: clients
     * configured with that file, and {@code gfs://} with the same keys in its Hadoop configuration.
     * gfsload's loads do not read the cluster's config: they keep the client's defaults.
     */
    static String describeClientKeys(ClientConfig client) {
        ClientConfig defaults = ClientConfig.defaults();
        return "Client keys (gfsload.cache.client.*): up to " + Sizes.count(client.maxWorkerChannels(), "worker connection")
                + ", short-circuit writes " + onOff(client.shortCircuitWrites()) + ", domain socket " + onOff(client.domainSockets())
                + "; for clients configured with this config, and gfs:// with them in its Hadoop configuration; gfsload loads "
                + "keep their defaults (up to " + Sizes.count(defaults.maxWorkerChannels(), "worker connection") + ", short-circuit writes "
                + onOff(defaults.shortCircuitWrites()) + ", domain socket " + onOff(defaults.domainSockets()) + ")";
    }

    private static String onOff(boolean value) {
        return value ? "on" : "off";
    }

    /** The settings the first worker runs with, as its properties file has them; empty when it cannot be read. */
    private static Optional<WorkerConfig> firstWorkerSettings(ClusterRecord record) {
        if (record.workers().isEmpty()) {
            return Optional.empty();
        }
        return workerSettings(record.workers().get(0));
    }

    /** The settings a worker runs with, as its properties file has them; empty when it cannot be read. */
    private static Optional<WorkerConfig> workerSettings(ProcessRecord worker) {
        try {
            return Optional.of(CacheServerConfig.load(Path.of(worker.config())).worker());
        }
        catch (UncheckedIOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Exit 4 for a master that is not running or does not answer, with what its workers' processes do. */
    private int masterDown(Path directory, ClusterRecord record, String what) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("gfsload: The master of the cache cluster in " + directory + " (" + record.masterTarget() + ", pid "
                + record.master().pid() + ") " + what + "; its log is " + record.master().log());
        err.println("Workers: " + String.join(", ", record.workers().stream()
                .map(worker -> worker.name() + (isRunning(worker) ? " running" : " not running") + " (pid "
                        + worker.pid() + ")")
                .toList()));
        if (!isRunning(record.master())) {
            err.println("To start what is not running: gfsload cluster start --data-dir " + directory);
        }
        err.flush();
        return ExitCode.FAILED;
    }

    private static String notStartedIn(Path directory) {
        if (Files.isRegularFile(directory)) {
            // a config file given for the directory, say
            return "No cache cluster was started in " + directory + ": it is a file, not a directory; give the --data-dir a cluster was started with "
                    + "(gfsload cluster start --data-dir DIR starts one)";
        }
        return "No cache cluster was started in " + directory + " (no " + CLUSTER_FILE + "); gfsload cluster start --data-dir " + directory
                + " starts one";
    }

    private static String notRunning(Path directory, ClusterRecord record) {
        return "No cache cluster runs in " + directory + ": it was stopped at " + ProcessRecordFile.shownTime(record.stoppedAt())
                + "; gfsload cluster start --data-dir " + directory + " starts it again";
    }

    @Command(name = "stop",
            mixinStandardHelpOptions = true,
            usageHelpAutoWidth = true,
            description = "Stops the workers, then the master: asks each to stop (SIGTERM), and kills (SIGKILL) only "
                    + "the processes still running after the timeout, naming each on stderr; exits 0 once the cluster is "
                    + "stopped. A worker that stops deletes its MEM tier's blocks, and stop deletes those a worker that was "
                    + "not running or was killed left behind; a stopping worker waits 5 s at most for a master that does not answer.")
    int stop(
            @Option(names = "--data-dir", paramLabel = "DIR",
                    description = "The cluster's data directory (default: $GFSLOAD_HOME/cluster-processes).")
            Path dataDir,
            @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
                    description = "How long each process may take to stop before it is killed: the workers from "
                            + "their SIGTERM, then the master from its own (default: ${DEFAULT-VALUE}). A worker waits up "
                            + "to 5s for a master that does not answer: give more than that.")
            String timeout) {
        Path directory = dataDir(dataDir);
        Duration grace;
        try {
            grace = ConfigValues.durationOrZero("--timeout", timeout);
        }
        catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        if (!Files.isDirectory(directory)) {
            // no cluster was started there: nothing to lock, and no directory to create
            return failed(ExitCode.NOT_FOUND, notStartedIn(directory));
        }
        DataDirectoryLock lock;
        try {
            lock = lock(directory);
        }
        catch (DataDirectoryLock.InUseException e) {
            return failed(ExitCode.USAGE, e.getMessage());
        }
        catch (IOException | UncheckedIOException e) {
            return failed(ExitCode.FAILED, "Cannot stop the cache cluster in " + directory + ": " + e.getMessage());
        }
        try (lock) {
            return stop(directory, grace, timeout);
        }
    }

    /** Stops the cluster in {@code directory}, which this command holds ({@link #lock}). */
    private int stop(Path directory, Duration grace, String timeout) {
        PrintWriter out = spec.commandLine().getOut();
        Optional<ClusterRecord> found;
        try {
            found = readRecord(directory);
        }
        catch (BrokenRecordException e) {
            return failed(ExitCode.FAILED, e.getMessage());
        }
        if (found.isEmpty()) {
            return failed(ExitCode.NOT_FOUND, notStartedIn(directory));
        }
        ClusterRecord record = found.get();
        if (record.stoppedAt() != null) {
            return failed(ExitCode.NOT_FOUND, notRunning(directory, record));
        }
        List<ProcessRecord> notRunning = record.processes().stream().filter(process -> !isRunning(process)).toList();
        // the workers first, as they tell the master that they stop; each process is killed only when it outlives its own grace
        List<ProcessRecord> killed = new ArrayList<>(stopAll(record.workers(), grace));
        killed.addAll(stopAll(List.of(record.master()), grace));
        PrintWriter err = spec.commandLine().getErr();
        for (ProcessRecord process : killed) {
            err.println("gfsload: warning: " + (process.equals(record.master()) ? "the master" : process.name()) + " (pid "
                    + process.pid() + ") was still running " + timeout + " after SIGTERM: killed it (SIGKILL); its log is "
                    + process.log());
        }
        // a worker that did not stop on its own (killed before, crashed, or killed now) left its MEM tier's blocks in RAM
        for (ProcessRecord worker : record.workers()) {
            if (notRunning.contains(worker) || killed.contains(worker)) {
                deleteMemTierLeftBehind(directory, worker).ifPresent(warning -> err.println("gfsload: warning: " + warning));
            }
        }
        err.flush();
        try {
            writeRecord(directory, record.stopped(Instant.now()));
        }
        catch (IOException e) {
            return failed(ExitCode.FAILED, "Stopped the cluster but cannot write " + directory.resolve(CLUSTER_FILE) + ": "
                    + FileErrors.reason(e));
        }
        boolean masterRan = !notRunning.contains(record.master());
        int workersRan = (int) record.workers().stream().filter(worker -> !notRunning.contains(worker)).count();
        String stopped = masterRan && workersRan > 0 ? "master and " + Sizes.count(workersRan, "worker")
                : masterRan ? "master" : Sizes.count(workersRan, "worker");
        String message = notRunning.isEmpty() ? " stopped: " + stopped
                : notRunning.size() == record.processes().size() ? " stopped: none of its processes was running"
                : " stopped: " + stopped + "; " + names(notRunning) + (notRunning.size() == 1 ? " was" : " were")
                        + " not running";
        out.println("Cache cluster in " + directory + message
                + (killed.isEmpty() ? "" : " (" + killed.size() + " killed after " + timeout + ")"));
        out.flush();
        return ExitCode.OK;
    }

    /**
     * Deletes the blocks {@code worker}, whose process has ended without stopping, left in its MEM
     * tier's directories, as its next start would; returns why it could not, for a warning.
     */
    private static Optional<String> deleteMemTierLeftBehind(Path directory, ProcessRecord worker) {
        try {
            WorkerConfig config = CacheServerConfig.load(Path.of(worker.config())).worker();
            CacheWorker.deleteMemTierLeftBehind(config, "gfsload cluster stop of the cache cluster in " + directory + ", pid "
                    + ProcessHandle.current().pid());
            return Optional.empty();
        }
        catch (RuntimeException e) {
            return Optional.of("cannot delete the blocks " + worker.name() + " left in its MEM tier: " + e.getMessage()
                    + "; its next start deletes them");
        }
    }

    /**
     * Asks every running process of {@code records} to stop, gives each up to {@code grace}, kills
     * those still running after it; returns the records of the processes killed.
     */
    private static List<ProcessRecord> stopAll(List<ProcessRecord> records, Duration grace) {
        Map<Long, ProcessRecord> running = new LinkedHashMap<>();
        List<ProcessHandle> handles = new ArrayList<>();
        for (ProcessRecord record : records) {
            handle(record).ifPresent(handle -> {
                running.put(handle.pid(), record);
                handles.add(handle);
            });
        }
        return ServerProcesses.stop(handles, grace).stream().map(handle -> running.get(handle.pid())).toList();
    }

    /**
     * The running process a record names: the same pid with the same start time (a pid reused by
     * another process has another), or, where the system tells no start time, a command line naming
     * the server (the {@code -Dgfsload.cache.server=<name>} option comes first, as Linux shows only
     * the first 4 KiB of a command line). A process that has exited but is not reaped yet (a
     * zombie) does not run.
     */
    static Optional<ProcessHandle> handle(ProcessRecord record) {
        return ServerProcesses.find(record.pid(), record.startedAt(), serverOption(record.name()));
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

    /**
     * {@code settings} with every directory they name absolute: the tiers' directories, the
     * master's metadata directory and the workers' domain socket directory. A relative one is taken
     * from the working directory of the {@code start} that reads the config, as {@code --data-dir}
     * is, so that the processes, their properties files and {@code cluster.json} name the same
     * directories whatever directory a later {@code start} runs from.
     */
    static CacheServerConfig absoluteDirectories(CacheServerConfig settings) {
        List<String> keys = new ArrayList<>(List.of(CacheServerConfig.MASTER_METADATA_DIR, CacheServerConfig.WORKER_DOMAIN_SOCKET_DIR));
        for (StorageTier tier : StorageTier.values()) {
            keys.add(CacheServerConfig.tierDirsKey(tier));
        }
        CacheServerConfig absolute = settings;
        for (String key : keys) {
            List<String> directories = settings.get(key).stream()
                    .flatMap(value -> Arrays.stream(value.split(",")))
                    .map(String::strip)
                    .filter(directory -> !directory.isEmpty())
                    .toList();
            if (directories.stream().anyMatch(directory -> !Path.of(directory).isAbsolute())) {
                absolute = absolute.with(key, String.join(",",
                        directories.stream().map(directory -> Path.of(directory).toAbsolutePath().toString()).toList()));
            }
        }
        return absolute;
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

    /** Waits until the master lists every worker of {@code names} as live. */
    private static void awaitLive(String masterTarget, CacheServerConfig settings, List<String> names, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (CacheClient client = GrpcCacheClient.connect(masterTarget, settings.client())) {
            while (true) {
                List<String> notLive = notLive(client, names);
                if (notLive.isEmpty()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    int live = names.size() - notLive.size();
                    throw new CacheException("only " + live + " of " + Sizes.count(names.size(), "worker") + " "
                            + (live == 1 ? "is" : "are") + " live after " + timeout.toSeconds() + " s: not live "
                            + String.join(", ", notLive));
                }
                sleep(100);
            }
        }
    }

    /** A child process started by {@link #launch}. */
    private record Started(String name, Process process, Path readyFile, Path config, Path log, long logOffset) {
        Properties awaitReady(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!Files.exists(readyFile)) {
                if (!process.isAlive() && !Files.exists(readyFile)) {
                    throw new CacheException(name + " exited with code " + process.exitValue() + ": "
                            + ServerProcesses.startFailure(log, logOffset, CacheServerMain.class.getName()));
                }
                if (System.nanoTime() > deadline) {
                    throw new CacheException(name + " did not start within " + Counts.of(timeout) + "; see " + log);
                }
                sleep(50);
            }
            Properties ready = new Properties();
            try (Reader reader = Files.newBufferedReader(readyFile, StandardCharsets.UTF_8)) {
                ready.load(reader);
            }
            catch (IOException e) {
                throw new UncheckedIOException("Cannot read the ready file " + readyFile + " of " + name + ": "
                        + FileErrors.reason(e), e);
            }
            String refused = ready.getProperty("refused");
            if (refused != null) {
                // a worker whose tier directory another worker holds: it touched nothing
                throw new TierDirectoryInUseException(refused);
            }
            return ready;
        }

        ProcessRecord record(Properties ready) {
            return new ProcessRecord(name, process.pid(), ServerProcesses.startedAt(process), ready.getProperty("host"),
                    Integer.parseInt(ready.getProperty("port")), ready.getProperty("metrics-port") == null ? null : Integer.valueOf(ready.getProperty("metrics-port")),
                    config.toString(), log.toString());
        }
    }

    /** {@link #launch(String, String, CacheServerConfig, Path, List)} among the {@code servers} of this start, unless the JVM is ending. */
    private static Started launch(StartedServers servers, String role, String name, CacheServerConfig settings, Path directory,
            List<String> javaOptions) throws IOException {
        return servers.start(name, directory.resolve(name + ".ready"), () -> launch(role, name, settings, directory, javaOptions),
                Started::process);
    }

    /** Writes {@code <name>.properties} and starts {@link CacheServerMain} with it, logging to {@code logs/<name>.log}. */
    private static Started launch(String role, String name, CacheServerConfig settings, Path directory,
            List<String> javaOptions) throws IOException {
        Path config = directory.resolve(name + ".properties");
        // with a token, readable by its owner only
        settings.store(config);
        Path ready = directory.resolve(name + ".ready");
        Files.deleteIfExists(ready);
        Path log = directory.resolve("logs").resolve(name + ".log");
        List<String> command = ServerProcesses.javaCommand(serverOption(name), javaOptions, CacheServerMain.class.getName(),
                List.of(role, "--config", config.toString(), "--ready-file", ready.toString()));
        // what the process writes follows the earlier runs' lines
        long logOffset = Files.isRegularFile(log) ? Files.size(log) : 0;
        Process process = ServerProcesses.start(command, log);
        return new Started(name, process, ready, config, log, logOffset);
    }

    /**
     * {@code 12.0 MiB / 8.0 GiB}, the space of {@code tier} on {@code worker}; for a worker that is not
     * live (stopped or lost), {@code last known 12.0 MiB / 8.0 GiB}: what it reported in its last
     * heartbeat, which its space now may no longer be (a stopped worker deleted its MEM tier's
     * blocks, a lost one may have lost its disk). A tier whose file systems have less room left than
     * its quota leaves says so: {@code 23.0 MiB / 200.0 MiB (disk: 1.5 MiB free)}.
     */
    static String space(WorkerInfo worker, StorageTier tier) {
        return worker.tier(tier)
                .map(info -> (worker.live() ? "" : LAST_KNOWN) + Sizes.format(info.usedBytes()) + " / " + Sizes.format(info.capacityBytes())
                        + (info.diskLimited() ? " (disk: " + Sizes.format(info.freeBytes()) + " free)" : ""))
                .orElse("-");
    }

    /**
     * This command's hold on {@code directory} while it starts or stops the cluster there, creating
     * the directory when missing: another {@code start} or {@code stop} of the directory meanwhile
     * is refused at once, naming this command's pid.
     *
     * @throws DataDirectoryLock.InUseException when another command holds it
     * @throws IOException when the directory cannot be created
     * @throws UncheckedIOException when its lock file cannot be created or locked
     */
    private static DataDirectoryLock lock(Path directory) throws IOException, DataDirectoryLock.InUseException {
        return DataDirectoryLock.take(directory, LOCK_FILE, "starting or stopping the cluster");
    }

    /** Creates {@code logs/} in {@code directory}, just before a process starts; the exit code when it cannot (4), said on stderr. */
    private Optional<Integer> createLogs(Path directory) {
        Path logs = directory.resolve("logs");
        try {
            Files.createDirectories(logs);
            return Optional.empty();
        }
        catch (IOException e) {
            return Optional.of(failed(ExitCode.FAILED, "Cannot create the directory " + logs + " of the cache cluster: " + FileErrors.reason(e)));
        }
    }

    private Path dataDir(Path dataDir) {
        return (dataDir == null ? environment.home().resolve("cluster-processes") : dataDir).toAbsolutePath();
    }

    /**
     * The record of the cluster in {@code directory}; empty when no cluster was started there.
     *
     * @throws BrokenRecordException when {@code cluster.json} cannot be used
     */
    private static Optional<ClusterRecord> readRecord(Path directory) {
        return RECORD.read(directory);
    }

    private static void writeRecord(Path directory, ClusterRecord record) throws IOException {
        RECORD.write(directory, record);
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

    /**
     * Prints {@code message} and returns {@code exitCode} (2 for a directory in use, 4 for one it cannot create or whose
     * {@code cluster.json} cannot be used, 5 for one without a cluster).
     */
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
