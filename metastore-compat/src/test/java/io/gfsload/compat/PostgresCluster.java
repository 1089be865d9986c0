package io.gfsload.compat;

import static java.util.Objects.requireNonNull;

import com.sun.security.auth.module.UnixSystem;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL cluster in a directory, listening on a loopback port, with one
 * superuser {@value #USER} that needs no password.
 *
 * <p>The binaries are the ones of the machine ({@code initdb}, {@code pg_ctl}, {@code createdb}).
 * PostgreSQL refuses to run as root, so when the JVM runs as root the server runs as user
 * {@code postgres} through {@code runuser}. The server's log goes to a file of the caller's
 * choosing, opened by this JVM, so it may live where user {@code postgres} cannot write.
 *
 * <p>Not thread-safe. {@link #close()} stops the server; the directory is the caller's to delete.
 */
final class PostgresCluster implements AutoCloseable {
    static final String USER = "hive";
    private static final String SERVER_USER_WHEN_ROOT = "postgres";
    private static final long COMMAND_TIMEOUT_SECONDS = 60;
    private static final List<String> LOGS = List.of("initdb.log", "postgres.log", "createdb.log", "pg_ctl-stop.log");

    /** PostgreSQL cannot run here: missing binaries, no way to run them, or they fail. */
    static final class UnavailableException extends Exception {
        UnavailableException(String message) {
            super(message);
        }
    }

    private final List<String> runAs;
    private final Path bin;
    private final Path data;
    private final Path logs;
    private final int port;
    private final Thread stopOnExit;

    private PostgresCluster(List<String> runAs, Path bin, Path data, Path logs, int port) {
        this.runAs = runAs;
        this.bin = bin;
        this.data = data;
        this.logs = logs;
        this.port = port;
        this.stopOnExit = new Thread(this::stop, "gfsload-postgres-stop");
    }

    /**
     * Creates a cluster in {@code directory} (which must not exist; its parent must be traversable
     * by user {@code postgres} when running as root) with the binaries in {@code binaries} (default:
     * the first {@code pg_ctl} of {@link #binaryDirectories()}), starts it on a free loopback port
     * and creates the database {@code database}. Writes {@code initdb.log}, {@code postgres.log} (the server's
     * own log), {@code createdb.log} and {@code pg_ctl-stop.log} to {@code logs}.
     *
     * @throws UnavailableException when PostgreSQL is not installed, cannot be run by this user, or
     *     fails to start; the message says which and why
     */
    static PostgresCluster start(Optional<Path> binaries, Path directory, Path logs, String database) throws UnavailableException, IOException {
        requireNonNull(binaries, "binaries is null");
        requireNonNull(directory, "directory is null");
        requireNonNull(logs, "logs is null");
        requireNonNull(database, "database is null");
        List<Path> searched = binaries.map(List::of).orElseGet(PostgresCluster::binaryDirectories);
        Path pgCtl = searched.stream().map(d -> d.resolve("pg_ctl")).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new UnavailableException("PostgreSQL is not installed: no pg_ctl in " + binaries
                        .map(Path::toString)
                        .orElse("/usr/local/bin, on PATH or in /usr/lib/postgresql/VERSION/bin")));
        // on Debian /usr/local/bin/pg_ctl may be a link into /usr/lib/postgresql/15/bin, where createdb is
        Path bin = pgCtl.toRealPath().getParent();
        for (String tool : List.of("initdb", "pg_ctl", "createdb")) {
            if (!Files.isExecutable(bin.resolve(tool))) {
                throw new UnavailableException("PostgreSQL is incomplete: no executable %s in %s".formatted(tool, bin));
            }
        }
        List<String> runAs = runAs(bin);

        Files.createDirectories(logs);
        for (String log : LOGS) {
            // the commands append, the server included: start each run with fresh logs
            Files.deleteIfExists(logs.resolve(log));
        }
        Files.createDirectory(directory);
        if (!runAs.isEmpty()) {
            UserPrincipal postgres = directory.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(SERVER_USER_WHEN_ROOT);
            Files.setOwner(directory, postgres);
        }
        Path data = directory.resolve("data");
        int port = FreePort.find();
        PostgresCluster cluster = new PostgresCluster(runAs, bin, data, logs, port);

        cluster.run(true, logs.resolve("initdb.log"), "initdb", "-D", data.toString(), "-U", USER, "--auth=trust",
                "--encoding=UTF8", "--no-locale", "--no-sync");
        // without -l the server writes to pg_ctl's output, a file this JVM opened
        String serverOptions = String.join(" ", "-p", Integer.toString(port), "-k", directory.toString(),
                "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off");
        Runtime.getRuntime().addShutdownHook(cluster.stopOnExit);
        try {
            cluster.run(true, logs.resolve("postgres.log"), "pg_ctl", "-D", data.toString(), "-w", "-t", "30", "-o", serverOptions, "start");
            cluster.run(false, logs.resolve("createdb.log"), "createdb", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", USER, database);
        }
        catch (UnavailableException | IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:%d/%s".formatted(port, database);
    }

    /** Stops the server ({@code pg_ctl stop -m fast}); a failure is printed to stderr, not thrown. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        }
        catch (IllegalStateException e) {
            // the JVM is exiting: the hook runs (or ran) stop()
            return;
        }
        stop();
    }

    private void stop() {
        if (!Files.exists(data.resolve("postmaster.pid"))) {
            return;
        }
        try {
            run(true, logs.resolve("pg_ctl-stop.log"), "pg_ctl", "-D", data.toString(), "-m", "fast", "-w", "-t", "30", "stop");
        }
        catch (UnavailableException | IOException e) {
            System.err.println("Cannot stop PostgreSQL in " + data + ": " + e.getMessage());
        }
    }

    /** Runs {@code bin/tool args}, as the server user when {@code asServerUser}, output appended to {@code log}. */
    private void run(boolean asServerUser, Path log, String tool, String... args) throws UnavailableException, IOException {
        List<String> command = new ArrayList<>(asServerUser ? runAs : List.of());
        command.add(bin.resolve(tool).toString());
        command.addAll(List.of(args));
        // the cluster's directory: a working directory the server user can enter
        int exit = execute(command, data.getParent(), log);
        if (exit != 0) {
            throw new UnavailableException("PostgreSQL failed: `%s` exited with %d; %s:%n%s".formatted(
                    String.join(" ", command), exit, log, Logs.tail(log, 20)));
        }
    }

    private static int execute(List<String> command, Path workingDirectory, Path log) throws UnavailableException, IOException {
        Process process = new ProcessBuilder(command)
                .directory(workingDirectory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        try {
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new UnavailableException("PostgreSQL failed: `%s` did not finish within %d s; %s:%n%s".formatted(
                        String.join(" ", command), COMMAND_TIMEOUT_SECONDS, log, Logs.tail(log, 20)));
            }
            return process.exitValue();
        }
        catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while running " + command, e);
        }
    }

    /**
     * The command prefix that runs a PostgreSQL binary as a user PostgreSQL accepts: empty for a
     * non-root user (initdb and the server run as any user but root), {@code runuser -u postgres --}
     * for root.
     */
    private static List<String> runAs(Path bin) throws UnavailableException, IOException {
        if (new UnixSystem().getUid() != 0) {
            return List.of();
        }
        Path runuser = Stream.of("/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser")
                .map(Path::of)
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow(() -> new UnavailableException(
                        "PostgreSQL refuses to run as root, and runuser is not installed to run it as user " + SERVER_USER_WHEN_ROOT));
        List<String> runAs = List.of(runuser.toString(), "-u", SERVER_USER_WHEN_ROOT, "--");
        List<String> probe = new ArrayList<>(runAs);
        probe.add(bin.resolve("initdb").toString());
        probe.add("--version");
        Path log = Files.createTempFile("gfsload-runuser", ".log");
        try {
            if (execute(probe, Path.of("/"), log) != 0) {
                throw new UnavailableException("PostgreSQL refuses to run as root, and it cannot be run as user %s: `%s` said: %s"
                        .formatted(SERVER_USER_WHEN_ROOT, String.join(" ", probe), Logs.tail(log, 5).strip()));
            }
        }
        finally {
            Files.deleteIfExists(log);
        }
        return runAs;
    }

    /** Where PostgreSQL is looked for: /usr/local/bin, PATH, then /usr/lib/postgresql/VERSION/bin newest first (Debian). */
    private static List<Path> binaryDirectories() {
        List<Path> directories = new ArrayList<>();
        directories.add(Path.of("/usr/local/bin"));
        String path = System.getenv("PATH");
        if (path != null) {
            Stream.of(path.split(File.pathSeparator)).filter(entry -> !entry.isBlank()).map(Path::of).forEach(directories::add);
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                versions.filter(v -> v.getFileName().toString().matches("\\d+"))
                        .sorted(Comparator.comparingInt((Path v) -> Integer.parseInt(v.getFileName().toString())).reversed())
                        .forEach(v -> directories.add(v.resolve("bin")));
            }
            catch (IOException e) {
                // unreadable: not a place to find PostgreSQL in
            }
        }
        return directories;
    }

    /** Makes {@code directory} traversable by other users (user {@code postgres} must reach the cluster inside). */
    static void makeTraversable(Path directory) throws IOException {
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
