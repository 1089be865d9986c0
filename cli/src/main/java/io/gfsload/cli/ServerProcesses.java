package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.FileErrors;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background servers that {@code gfsload cluster} and {@code gfsload metastore} start: JVMs on
 * this command's classpath that outlive it, found again by their pid and start time, and stopped
 * with SIGTERM, then SIGKILL.
 */
final class ServerProcesses {
    /** A server's log larger than this when it starts is rotated. */
    static final long LOG_ROTATE_BYTES = 10L << 20;
    /** The rotated logs kept of each server: {@code master.log.1} to {@code master.log.3}. */
    static final int LOGS_KEPT = 3;

    private static final Logger LOG = LoggerFactory.getLogger(ServerProcesses.class);
    /** The configuration of java.util.logging: {@code bin/gfsload}'s sends its lines to SLF4J. */
    private static final String JUL_CONFIG_PROPERTY = "java.util.logging.config.file";

    private ServerProcesses() {}

    /**
     * The command line of a server JVM: {@code marker} first (a {@code -D} option naming the server,
     * which Linux shows within the first 4 KiB of a command line), the servers' logging settings,
     * {@code javaOptions}, this command's classpath, {@code mainClass} and its {@code arguments}.
     */
    static List<String> javaCommand(String marker, List<String> javaOptions, String mainClass, List<String> arguments) {
        return javaCommand(marker, javaOptions, mainClass, arguments, Optional.ofNullable(System.getProperty(JUL_CONFIG_PROPERTY)));
    }

    /**
     * As {@link #javaCommand(String, List, String, List)}, the servers' java.util.logging configured
     * by {@code julConfig} ({@code bin/gfsload}'s, which sends its lines to SLF4J) when present.
     */
    static List<String> javaCommand(String marker, List<String> javaOptions, String mainClass, List<String> arguments, Optional<String> julConfig) {
        requireNonNull(marker, "marker is null");
        requireNonNull(javaOptions, "javaOptions is null");
        requireNonNull(mainClass, "mainClass is null");
        requireNonNull(arguments, "arguments is null");
        requireNonNull(julConfig, "julConfig is null");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(marker);
        // The servers' own log lines (lost workers, expired temp areas) belong in their logs.
        command.add("-Dorg.slf4j.simpleLogger.log.io.gfsload=info");
        // their lines hide secrets, as the command's do; those of java.util.logging (gRPC's) too, sent to SLF4J as the command's are
        command.addAll(HiddenLogs.JAVA_OPTIONS);
        julConfig.ifPresent(file -> command.add("-D" + JUL_CONFIG_PROPERTY + "=" + file));
        command.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
        command.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ");
        if (Runtime.version().feature() == 23) {
            // Hadoop 3.3 (UserGroupInformation) calls Subject.getSubject, which Java 23 allows only so,
            // as bin/gfsload runs the command; Java 24 and later, which refuse it always, bin/gfsload refuses
            command.add("-Djava.security.manager=allow");
        }
        command.addAll(javaOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(arguments);
        return command;
    }

    /**
     * Starts {@code command} with its output appended to {@code log} and no input. A log past
     * {@link #LOG_ROTATE_BYTES} is rotated first ({@link #rotate}), so that a server started again
     * and again keeps its logs bounded.
     */
    static Process start(List<String> command, Path log) throws IOException {
        rotate(log, LOG_ROTATE_BYTES, LOGS_KEPT);
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
    }

    /**
     * When {@code log} is larger than {@code rotateBytes}: renames it to {@code log.1}, an older
     * {@code log.1} to {@code log.2} and so on, keeping {@code kept} old logs (the oldest one goes),
     * so that the server starts a new log. A server logs through slf4j-simple to its stderr, which
     * has no rolling appender: the logs are rotated when it starts, and a log grows past the size
     * within one run. A log that cannot be rotated (a directory another user owns) stops nothing:
     * the server appends to it, and a warning says so.
     */
    static void rotate(Path log, long rotateBytes, int kept) {
        requireNonNull(log, "log is null");
        try {
            if (!Files.isRegularFile(log, LinkOption.NOFOLLOW_LINKS) || Files.size(log) <= rotateBytes) {
                return;
            }
            for (int i = kept; i >= 1; i--) {
                Path newer = i == 1 ? log : rotated(log, i - 1);
                if (Files.exists(newer, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(newer, rotated(log, i), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        catch (IOException e) {
            LOG.warn("Cannot rotate {}, which grows on: {}", log, FileErrors.reason(e, log));
        }
    }

    private static Path rotated(Path log, int number) {
        return log.resolveSibling(log.getFileName() + "." + number);
    }

    /**
     * The running process {@code pid} when it is the server recorded: the same start time (a pid
     * reused by another process has another), or, where the system tells no start time, a command
     * line holding {@code marker}. A process that has exited but is not reaped yet (a zombie) does
     * not run.
     *
     * @param startedAt the start time recorded (ISO-8601), or null when unknown
     */
    static Optional<ProcessHandle> find(long pid, String startedAt, String marker) {
        requireNonNull(marker, "marker is null");
        return ProcessHandle.of(pid)
                .filter(ProcessStates::isRunning)
                .filter(handle -> {
                    Optional<Instant> started = handle.info().startInstant();
                    if (startedAt != null && started.isPresent()) {
                        return started.get().equals(Instant.parse(startedAt));
                    }
                    return handle.info().commandLine().map(line -> line.contains(marker)).orElse(false);
                });
    }

    /** The start time of {@code process} as the operating system reports it (ISO-8601), or null when unknown. */
    static String startedAt(Process process) {
        return process.info().startInstant().map(Instant::toString).orElse(null);
    }

    /**
     * Asks every process of {@code running} to stop (SIGTERM) at once, gives each up to
     * {@code grace} from then, and kills (SIGKILL) only those still running after it: one process
     * that does not stop (hung, or frozen by SIGSTOP) has no bearing on the others. Returns the
     * processes killed, in the order of {@code running}.
     */
    static List<ProcessHandle> stop(List<ProcessHandle> running, Duration grace) {
        requireNonNull(running, "running is null");
        requireNonNull(grace, "grace is null");
        running.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        List<ProcessHandle> killed = new ArrayList<>();
        for (ProcessHandle handle : running) {
            if (!awaitEnd(handle, deadline)) {
                handle.destroyForcibly();
                killed.add(handle);
            }
        }
        long killedDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (ProcessHandle handle : running) {
            // killed processes end at once; nothing more to do after that
            awaitEnd(handle, killedDeadline);
        }
        return List.copyOf(killed);
    }

    /**
     * Waits until the process has ended, a zombie counting as ended (its parent reaps it, not us);
     * false when it still runs at the deadline or the wait is interrupted.
     */
    private static boolean awaitEnd(ProcessHandle handle, long deadline) {
        while (ProcessStates.isRunning(handle)) {
            if (System.nanoTime() - deadline >= 0 || Thread.currentThread().isInterrupted()) {
                return false;
            }
            try {
                Thread.sleep(20);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !ProcessStates.isRunning(handle);
            }
        }
        return true;
    }

    /** Whether a server could listen on {@code host:port} now. */
    static boolean isFree(String host, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
            return true;
        }
        catch (IOException e) {
            return false;
        }
    }

    /**
     * Why a server that exited before it was ready did, from what it wrote to {@code log} past
     * {@code offset} (the log's size when it started; from the start of a log rotated since): the
     * last line {@code logger} logged at ERROR, its message alone, without the stack trace that
     * follows it; else (a JVM that could not start logs nothing of its own) the last 20 lines.
     */
    static String startFailure(Path log, long offset, String logger) {
        String marker = " ERROR " + logger + " - ";
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            long start = Files.size(log) < offset ? 0 : offset;
            long position = 0;
            String error = null;
            for (String line : lines) {
                int at = line.indexOf(marker);
                if (position >= start && at >= 0) {
                    error = line.substring(at + marker.length());
                }
                position += line.getBytes(StandardCharsets.UTF_8).length + 1;
            }
            if (error != null) {
                return error + "; see its log " + log;
            }
        }
        catch (IOException e) {
            // the tail says why the log cannot be read
        }
        return "its log " + log + " ends with:\n" + tail(log);
    }

    /** The last 20 lines of {@code log}, or why it cannot be read. */
    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        }
        catch (IOException e) {
            return "(cannot read it: " + e.getMessage() + ")";
        }
    }
}
