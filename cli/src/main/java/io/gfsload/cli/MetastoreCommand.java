package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.Counts;
import io.gfsload.cache.api.FileErrors;
import io.gfsload.cache.server.ConfigValues;
import io.gfsload.catalog.CatalogException;
import io.gfsload.catalog.embedded.MetastoreServerMain;
import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import io.gfsload.cli.ProcessRecordFile.BrokenRecordException;
import io.gfsload.cli.demo.DemoDataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gfsload metastore start|status|stop}: the embedded Hive metastore (a Thrift server on a
 * loopback port over Derby) as a process of its own on this machine, with the demo table, so that
 * a Spark job ({@code --metastore thrift://127.0.0.1:PORT}) and commands side by side can read it.
 *
 * <p>By default it serves from the embedded metastore's directory, {@code $GFSLOAD_HOME/metastore},
 * so that it holds what the embedded default holds; commands that would start the embedded
 * metastore there use the served one instead ({@link #serving}). The directory keeps
 * {@code metastore.json} (pid, port, start time, JVM options; kept after {@code stop}, so that
 * the next {@code start} serves on the same port) and {@code logs/metastore.log}. The process
 * outlives this command; {@code stop} ends it.
 */
@Command(name = "metastore",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        usageHelpAutoWidth = true,
        description = {"Serves the embedded Hive metastore, with the demo table demo.events, as a process of its own on this "
                + "machine: for a Spark job (--metastore thrift://127.0.0.1:PORT) and for commands side by side.",
                "While it serves from $GFSLOAD_HOME/metastore, commands that would start the embedded metastore use it instead."})
public final class MetastoreCommand implements Callable<Integer> {
    static final String METASTORE_FILE = "metastore.json";
    static final String DEFAULT_JAVA_OPTION = "-Xmx512m";
    /** The metastore listens on the loopback interface only. */
    static final String HOST = "127.0.0.1";
    private static final ProcessRecordFile<MetastoreRecord> RECORD = new ProcessRecordFile<>(METASTORE_FILE, MetastoreRecord.class,
            ProcessRecordFile.Subject.METASTORE, MetastoreRecord::missingField);

    private final CliEnvironment environment;

    @Spec
    CommandSpec spec;

    public MetastoreCommand(CliEnvironment environment) {
        this.environment = requireNonNull(environment, "environment is null");
    }

    /** Without a subcommand: a usage error naming the subcommands, and exit 2. */
    @Override
    public Integer call() {
        throw GfsLoad.missingSubcommand(spec);
    }

    /**
     * {@code metastore.json}: the metastore process of a directory, kept after {@code stop} for its
     * port and JVM options.
     *
     * @param startedAt the process's start time as the operating system reports it (ISO-8601), or
     *     null when unknown; {@code stop} signals the pid only while it still names that process
     * @param stoppedAt when {@code stop} stopped it (ISO-8601); null while it serves
     * @param log null only in a record read from a file, which {@link #missingField} refuses
     * @param javaOptions null only in a record read from a file, which {@link #missingField} refuses
     */
    record MetastoreRecord(long pid, String startedAt, int port, String log, List<String> javaOptions, String stoppedAt) {
        MetastoreRecord {
            javaOptions = javaOptions == null ? null : List.copyOf(javaOptions);
        }

        /** The first field the record lacks and every command needs ({@code pid}, {@code port}, ...), if any. */
        Optional<String> missingField() {
            if (pid <= 0) {
                return Optional.of("pid");
            }
            if (port <= 0) {
                return Optional.of("port");
            }
            if (log == null) {
                return Optional.of("log");
            }
            return javaOptions == null ? Optional.of("javaOptions") : Optional.empty();
        }

        URI uri() {
            return URI.create("thrift://" + HOST + ":" + port);
        }

        MetastoreRecord stopped(Instant at) {
            return new MetastoreRecord(pid, startedAt, port, log, javaOptions, at.toString());
        }
    }

    @Command(name = "start",
            mixinStandardHelpOptions = true,
            usageHelpAutoWidth = true,
            description = {"Starts the metastore as a background process on a loopback port, creates the demo table "
                    + "demo.events in it unless it has it, and prints its address, thrift://127.0.0.1:PORT. In a data "
                    + "directory whose metastore ran before, it serves on the port it had, unless --port gives another.",
                    "The data directory is the embedded metastore's by default, so that it serves the same tables; "
                    + "one process at a time serves from a directory."})
    int start(
            @Option(names = "--port", paramLabel = "N",
                    description = "Loopback port to listen on; 0 for any free port (default: the port it had in the data "
                            + "directory, else any free port).") String portOption,
            @Option(names = "--data-dir", paramLabel = "DIR",
                    description = "Where the metastore keeps its database, state and log (default: $GFSLOAD_HOME/metastore, the "
                            + "embedded metastore's). The demo table's files go into $GFSLOAD_HOME/demo for the default, else "
                            + "into DIR/demo.") Path dataDir,
            @Option(names = "--java-option", paramLabel = "OPTION",
                    description = "JVM option of the process; repeatable (default: " + DEFAULT_JAVA_OPTION
                            + ", or the options it ran with in the data directory).") List<String> javaOptionsOption,
            @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s",
                    description = "How long to wait for the metastore to start (default: ${DEFAULT-VALUE}).") String timeout) {
        PrintWriter out = spec.commandLine().getOut();
        Path directory = dataDir(dataDir);
        Optional<Integer> requestedPort;
        Duration startTimeout;
        try {
            requestedPort = portOption == null ? Optional.empty() : Optional.of(ConfigValues.port("--port", portOption));
            startTimeout = ConfigValues.duration("--timeout", timeout);
        }
        catch (IllegalArgumentException e) {
            return failed(ExitCode.USAGE, e.getMessage());
        }
        Optional<MetastoreRecord> previous;
        try {
            previous = RECORD.read(directory);
        }
        catch (BrokenRecordException e) {
            return failed(ExitCode.FAILED, e.getMessage());
        }
        if (previous.isPresent() && previous.get().stoppedAt() == null && isRunning(directory, previous.get())) {
            return failed(ExitCode.USAGE, "A metastore is already running in " + directory + ": " + previous.get().uri() + " (pid "
                    + previous.get().pid() + ")");
        }
        // A metastore started again keeps its address: it is in its clients' commands.
        int port = requestedPort.orElse(previous.map(MetastoreRecord::port).orElse(0));
        if (port > 0 && !ServerProcesses.isFree(HOST, port)) {
            String which = requestedPort.isPresent() ? "the port " + port
                    : "its port " + port + " (" + previous.orElseThrow().uri() + " when it last ran)";
            return failed(ExitCode.USAGE, "Cannot start the metastore in " + directory + ": " + which
                    + " is in use by another process; free it, or give another with --port (0: any free port)");
        }
        List<String> javaOptions = javaOptionsOption != null ? javaOptionsOption
                : previous.map(MetastoreRecord::javaOptions).orElse(List.of(DEFAULT_JAVA_OPTION));
        Path logs = directory.resolve("logs");
        try {
            Files.createDirectories(logs);
        }
        catch (IOException e) {
            // a $GFSLOAD_HOME (or --data-dir) the command cannot use fails as it fails any other command: 4
            return failed(ExitCode.FAILED, "Cannot create the directory " + logs + " of the metastore: " + FileErrors.reason(e));
        }
        Path log = logs.resolve("metastore.log");
        Path readyFile = directory.resolve("metastore.ready");
        // the process is killed should the JVM end (SIGINT, SIGTERM) before it is recorded
        StartedServers servers = new StartedServers(spec.commandLine().getErr(), "metastore start", "the metastore", () -> {});
        try (servers) {
            Files.deleteIfExists(readyFile);
            // what the process writes follows the earlier runs' lines
            long logOffset = Files.isRegularFile(log) ? Files.size(log) : 0;
            List<String> command = ServerProcesses.javaCommand(serverOption(directory), javaOptions,
                    MetastoreServerMain.class.getName(), List.of("--directory", directory.toString(), "--port", Integer.toString(port),
                            "--ready-file", readyFile.toString()));
            Process process = servers.start("metastore", readyFile, () -> ServerProcesses.start(command, log), started -> started);
            Optional<Properties> ready = awaitReady(process, readyFile, startTimeout);
            if (ready.isEmpty()) {
                return notStarted(process, directory, log, logOffset, startTimeout);
            }
            MetastoreRecord record = new MetastoreRecord(process.pid(), ServerProcesses.startedAt(process),
                    Integer.parseInt(ready.get().getProperty("port")), log.toString(), javaOptions, null);
            Path demo = demoDirectory(directory);
            boolean created = DemoDataset.standard().ensure(record.uri(), demo);
            servers.record(() -> RECORD.write(directory, record));
            out.println("Metastore started in " + directory + ": " + record.uri() + " (pid " + record.pid() + ")");
            if (created) {
                out.println("Created the demo table " + DemoDataset.TABLE + " in it, its files under " + demo);
            }
            out.println("Use it with: --metastore " + record.uri());
            if (directory.equals(defaultDirectory())) {
                out.println("Commands that would start the embedded metastore in " + directory + " use it instead");
            }
            out.flush();
            return ExitCode.OK;
        }
        catch (IOException | RuntimeException e) {
            servers.killAll();
            if (servers.ending()) {
                // SIGINT or SIGTERM: the shutdown hook killed the process and said so; the JVM exits 130 or 143
                return ExitCode.FAILED;
            }
            String reason = e instanceof UncheckedIOException unchecked ? unchecked.getMessage()
                    : e instanceof IOException io ? FileErrors.reason(io) : e.getMessage();
            return failed(ExitCode.FAILED, "Cannot start the metastore in " + directory + ": " + reason);
        }
    }

    /** Waits until the process writes its ready file; empty when it exits first or the timeout passes. */
    private static Optional<Properties> awaitReady(Process process, Path readyFile, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(readyFile)) {
            if (!process.isAlive() || System.nanoTime() - deadline > 0) {
                return Optional.empty();
            }
            try {
                Thread.sleep(50);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CatalogException("Interrupted while waiting for the metastore to start");
            }
        }
        Properties ready = new Properties();
        try (Reader reader = Files.newBufferedReader(readyFile, StandardCharsets.UTF_8)) {
            ready.load(reader);
        }
        return Optional.of(ready);
    }

    /** Why the process did not start: another metastore has the directory (4), it exited (4), or it took too long (4; killed). */
    private int notStarted(Process process, Path directory, Path log, long logOffset, Duration timeout) {
        if (process.isAlive()) {
            process.destroyForcibly();
            return failed(ExitCode.FAILED, "Cannot start the metastore in " + directory + ": it did not start within "
                    + Counts.of(timeout) + "; see " + log);
        }
        if (process.exitValue() == MetastoreServerMain.EXIT_IN_USE) {
            return failed(ExitCode.FAILED, "Cannot start the metastore in " + directory + ": it is in use by another process "
                    + "(a gfsload command running the embedded metastore there?); start it once that command has ended");
        }
        // the error it logged, said once: "Cannot start the metastore in D: ..." is this line's start too
        String prefix = "Cannot start the metastore in " + directory + ": ";
        String why = ServerProcesses.startFailure(log, logOffset, MetastoreServerMain.class.getName());
        return failed(ExitCode.FAILED, prefix + "it exited with code " + process.exitValue() + ": "
                + (why.startsWith(prefix) ? why.substring(prefix.length()) : why));
    }

    @Command(name = "status",
            mixinStandardHelpOptions = true,
            usageHelpAutoWidth = true,
            description = "Prints the metastore's address and pid, once it has answered a call; exits 4 when its process has ended "
                    + "(killed, crashed) or does not answer, or its record " + METASTORE_FILE + " in the directory cannot be used, "
                    + "5 when none was started in the directory or it was stopped.")
    int status(
            @Option(names = "--data-dir", paramLabel = "DIR",
                    description = "The metastore's data directory (default: $GFSLOAD_HOME/metastore).") Path dataDir) {
        PrintWriter out = spec.commandLine().getOut();
        Path directory = dataDir(dataDir);
        MetastoreRecord record;
        try {
            record = started(directory);
        }
        catch (Refused e) {
            return e.exitCode;
        }
        if (!isRunning(directory, record)) {
            return down(directory, record, "is not running");
        }
        try (ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(record.uri())) {
            boolean demo = catalog.getTable(DemoDataset.TABLE).isPresent();
            out.println("Metastore in " + directory + ": " + record.uri() + " (pid " + record.pid() + ")"
                    + (demo ? ", with the demo table " + DemoDataset.TABLE : ""));
            out.flush();
            return ExitCode.OK;
        }
        catch (CatalogException e) {
            return down(directory, record, isRunning(directory, record) ? "does not answer (" + e.getMessage() + ")" : "is not running");
        }
    }

    @Command(name = "stop",
            mixinStandardHelpOptions = true,
            usageHelpAutoWidth = true,
            description = "Stops the metastore: asks it to stop (SIGTERM), and kills it when it still runs after the timeout.")
    int stop(
            @Option(names = "--data-dir", paramLabel = "DIR",
                    description = "The metastore's data directory (default: $GFSLOAD_HOME/metastore).") Path dataDir,
            @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
                    description = "How long it may take to stop before it is killed (default: ${DEFAULT-VALUE}).") String timeout) {
        PrintWriter out = spec.commandLine().getOut();
        Path directory = dataDir(dataDir);
        Duration grace;
        try {
            grace = ConfigValues.durationOrZero("--timeout", timeout);
        }
        catch (IllegalArgumentException e) {
            return failed(ExitCode.USAGE, e.getMessage());
        }
        MetastoreRecord record;
        try {
            record = started(directory);
        }
        catch (Refused e) {
            return e.exitCode;
        }
        List<ProcessHandle> running = handle(directory, record).stream().toList();
        int killed = ServerProcesses.stop(running, grace).size();
        try {
            RECORD.write(directory, record.stopped(Instant.now()));
        }
        catch (IOException e) {
            return failed(ExitCode.FAILED, "Stopped the metastore but cannot write " + directory.resolve(METASTORE_FILE) + ": "
                    + FileErrors.reason(e));
        }
        out.println("Metastore in " + directory + " stopped: " + (running.isEmpty() ? "it was not running"
                : record.uri() + " (pid " + record.pid() + ")" + (killed > 0 ? ", killed after " + timeout : "")));
        out.flush();
        return ExitCode.OK;
    }

    /**
     * The address of the metastore that {@code gfsload metastore start} serves from
     * {@code directory}, when it runs; empty when none was started there, it was stopped, or its
     * process has ended.
     */
    static Optional<URI> serving(Path directory) {
        requireNonNull(directory, "directory is null");
        Path absolute = directory.toAbsolutePath().normalize();
        Optional<MetastoreRecord> record;
        try {
            record = RECORD.read(absolute);
        }
        catch (BrokenRecordException e) {
            // a record that cannot be read serves nothing; the embedded metastore says whether the directory is free
            return Optional.empty();
        }
        return record.filter(found -> found.stoppedAt() == null && isRunning(absolute, found)).map(MetastoreRecord::uri);
    }

    /** Exit 4 for a metastore that is not running or does not answer. */
    private int down(Path directory, MetastoreRecord record, String what) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("gfsload: The metastore in " + directory + " (" + record.uri() + ", pid " + record.pid() + ") " + what
                + "; its log is " + record.log());
        if (!isRunning(directory, record)) {
            err.println("To start it again: gfsload metastore start --data-dir " + directory);
        }
        err.flush();
        return ExitCode.FAILED;
    }

    private static String notStartedIn(Path directory) {
        return "No metastore was started in " + directory + " (no " + METASTORE_FILE + "); gfsload metastore start --data-dir " + directory
                + " starts one";
    }

    private static String notRunning(Path directory, MetastoreRecord record) {
        return "No metastore runs in " + directory + ": it was stopped at " + ProcessRecordFile.shownTime(record.stoppedAt())
                + "; gfsload metastore start --data-dir " + directory + " starts it again";
    }

    /** The running process of {@code record}: its pid with its start time, or a command line naming its directory. */
    static Optional<ProcessHandle> handle(Path directory, MetastoreRecord record) {
        return ServerProcesses.find(record.pid(), record.startedAt(), serverOption(directory));
    }

    private static boolean isRunning(Path directory, MetastoreRecord record) {
        return handle(directory, record).isPresent();
    }

    private static String serverOption(Path directory) {
        return "-Dgfsload.metastore.server=" + directory;
    }

    private Path defaultDirectory() {
        return environment.home().resolve("metastore").toAbsolutePath().normalize();
    }

    private Path dataDir(Path dataDir) {
        return dataDir == null ? defaultDirectory() : dataDir.toAbsolutePath().normalize();
    }

    /** Where the demo table's files go: beside the embedded metastore's for its directory, so that both have the same data. */
    private Path demoDirectory(Path directory) {
        return directory.equals(defaultDirectory()) ? environment.home().resolve("demo").toAbsolutePath() : directory.resolve("demo");
    }

    /**
     * The record of the metastore started in {@code directory} and not stopped since.
     *
     * @throws Refused when there is none (5), or its record cannot be used (4), said on stderr
     */
    private MetastoreRecord started(Path directory) throws Refused {
        Optional<MetastoreRecord> found;
        try {
            found = RECORD.read(directory);
        }
        catch (BrokenRecordException e) {
            throw new Refused(failed(ExitCode.FAILED, e.getMessage()));
        }
        if (found.isEmpty()) {
            throw new Refused(failed(ExitCode.NOT_FOUND, notStartedIn(directory)));
        }
        if (found.get().stoppedAt() != null) {
            throw new Refused(failed(ExitCode.NOT_FOUND, notRunning(directory, found.get())));
        }
        return found.get();
    }

    /** A subcommand that cannot go on, its reason already said: it exits with {@link #exitCode}. */
    private static final class Refused extends Exception {
        private final int exitCode;

        Refused(int exitCode) {
            super(null, null, false, false);
            this.exitCode = exitCode;
        }
    }

    /** Prints {@code message} and returns {@code exitCode}. */
    private int failed(int exitCode, String message) {
        spec.commandLine().getErr().println("gfsload: " + message);
        spec.commandLine().getErr().flush();
        return exitCode;
    }

    /** For tests: the command line of this command alone. */
    static CommandLine commandLine(CliEnvironment environment) {
        return new CommandLine(new MetastoreCommand(environment));
    }
}
