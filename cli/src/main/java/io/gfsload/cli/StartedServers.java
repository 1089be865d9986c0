package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server processes that a {@code start} ({@code gfsload cluster start},
 * {@code gfsload metastore start}) starts, until it has recorded them. Should the JVM end before
 * (SIGINT, SIGTERM), a shutdown hook, held from the creation until {@link #close()}, kills them,
 * waits until they have ended (the locks they hold on their directories go with them), deletes
 * their ready files, releases what the start holds (its data directory) and says so in one line on
 * stderr: no process of the start outlives it unrecorded, and the same command can run again at
 * once. A record is written whole before the hook runs or not at all ({@link #record}), and once
 * it is written the processes are the recorded ones: the hook leaves them running.
 *
 * <p>Thread-safe: the command's thread starts and records, the hook kills.
 */
final class StartedServers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StartedServers.class);

    /** How the command starts one server process. */
    @FunctionalInterface
    interface Launcher<T> {
        T launch() throws IOException;
    }

    /** How the command writes its record. */
    @FunctionalInterface
    interface Write {
        void write() throws IOException;
    }

    private record Server(String name, Process process, Path readyFile) {}

    private final PrintWriter err;
    private final String command;
    private final String subject;
    private final AutoCloseable held;
    private final Thread hook = new Thread(this::interrupted, "gfsload-start-interrupted");
    private final List<Server> servers = new ArrayList<>();
    /** Whether the JVM is ending: the hook ran, or runs. */
    private boolean ending;
    /** Whether the record names the processes started: they are no longer this start's to kill. */
    private boolean recorded;

    /**
     * @param command the command, as the line of the hook names it: {@code cluster start}
     * @param subject what the command starts, as that line says to start again: {@code the cluster}
     * @param held what the command holds until it ends (its data directory's lock), released by
     *     the hook once the processes have ended
     */
    StartedServers(PrintWriter err, String command, String subject, AutoCloseable held) {
        this.err = requireNonNull(err, "err is null");
        this.command = requireNonNull(command, "command is null");
        this.subject = requireNonNull(subject, "subject is null");
        this.held = requireNonNull(held, "held is null");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Starts a server with {@code launcher}, unless the JVM is ending.
     *
     * @param process the process of what {@code launcher} returns
     * @param readyFile the file the process writes once it serves
     * @throws Interrupted when the JVM is ending: nothing is started
     */
    synchronized <T> T start(String name, Path readyFile, Launcher<T> launcher, Function<T, Process> process)
            throws IOException {
        if (ending) {
            throw new Interrupted();
        }
        T started = launcher.launch();
        servers.add(new Server(name, process.apply(started), readyFile));
        return started;
    }

    /**
     * Writes the record of the servers started, unless the JVM is ending; from then on the hook
     * leaves them running.
     *
     * @throws Interrupted when the JVM is ending: nothing is written
     */
    synchronized void record(Write write) throws IOException {
        if (ending) {
            throw new Interrupted();
        }
        write.write();
        recorded = true;
    }

    /** Whether the JVM is ending (SIGINT, SIGTERM): the hook has killed the servers, and said so. */
    synchronized boolean ending() {
        return ending;
    }

    /** Kills the servers started, as a start that fails does, and waits until they have ended. */
    synchronized void killAll() {
        servers.forEach(server -> server.process().destroyForcibly());
        for (Server server : servers) {
            try {
                server.process().waitFor(10, TimeUnit.SECONDS);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void interrupted() {
        List<String> killed;
        synchronized (this) {
            ending = true;
            if (recorded) {
                return;
            }
            killAll();
            killed = servers.stream().map(Server::name).toList();
            for (Server server : servers) {
                try {
                    Files.deleteIfExists(server.readyFile());
                }
                catch (IOException e) {
                    LOG.debug("Cannot delete {}: {}", server.readyFile(), e.toString());
                }
            }
        }
        try {
            held.close();
        }
        catch (Exception e) {
            LOG.debug("Cannot release what {} holds: {}", command, e.toString());
        }
        err.println("gfsload: " + command + " interrupted: " + (killed.isEmpty() ? "it had started no process"
                : "killed the processes it had started (" + String.join(", ", killed) + ")") + "; run it again to start " + subject);
        err.flush();
    }

    /** Lets go of the hook: the start has ended. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (IllegalStateException e) {
            // the JVM is ending: the hook runs, or has
        }
    }

    /** A start that the JVM's end interrupted: the hook has killed what it started, and said so. */
    static final class Interrupted extends RuntimeException {
        Interrupted() {
            super("interrupted: the JVM is ending", null, false, false);
        }
    }
}
