package io.gfsload.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code gfsload} in a child JVM of the test's classpath, started as a user starts it (with
 * {@code $GFSLOAD_HOME}), so that a test can kill it or kill a cache worker while it loads. Its
 * stderr (status and {@code --progress json} lines) goes to a file, read as it grows (a pipe
 * would lose what the process prints as it ends: the JDK closes the pipe under a reader when the
 * process exits); its stdout goes to a file too. {@link #close()} kills it if it still runs.
 */
final class GfsLoadProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path out;
    private final Path err;

    private GfsLoadProcess(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /** Starts {@code gfsload args...} with {@code home} as {@code $GFSLOAD_HOME}; its stdout goes to a file in {@code home}. */
    static GfsLoadProcess start(Path home, String... args) {
        return start(home, null, args);
    }

    /**
     * Starts {@code gfsload args...} with {@code home} as {@code $GFSLOAD_HOME} and its stdout
     * sent to {@code stdout} ({@code /dev/full}, a pipe), or to a file in {@code home} when null;
     * what {@link #awaitExit} returns as its stdout is then empty.
     */
    static GfsLoadProcess start(Path home, ProcessBuilder.Redirect stdout, String... args) {
        return start(home, Map.<String, String>of(), stdout, args);
    }

    /** As {@link #start(Path, String...)}, with {@code environment} added to its environment ({@code $GFSLOAD_MASTER_TIMEOUT}, say). */
    static GfsLoadProcess startWithEnvironment(Path home, Map<String, String> environment, String... args) {
        return start(home, environment, null, args);
    }

    /** Starts {@code gfsload args...} as {@link #start(Path, String...)} does, in {@code workingDirectory}. */
    static GfsLoadProcess startIn(Path workingDirectory, Path home, String... args) {
        return start(command(args), home, Map.of(), home, null, workingDirectory.toFile());
    }

    private static GfsLoadProcess start(Path home, Map<String, String> environment, ProcessBuilder.Redirect stdout, String... args) {
        return start(command(args), home, environment, home, stdout, null);
    }

    /**
     * Starts {@code gfsload args...} as {@link #start(Path, String...)} does, logging as
     * {@code bin/gfsload} has it log (its libraries' info, warnings and errors) to {@code logFile}.
     */
    static GfsLoadProcess startLogging(Path home, Path logFile, String... args) {
        return start(command(List.of("-Dorg.slf4j.simpleLogger.logFile=" + logFile), args), home, Map.of(), home, null);
    }

    private static List<String> command(String... args) {
        return command(List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=error"), args);
    }

    private static List<String> command(List<String> logOptions, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path")));
        command.addAll(logOptions);
        command.add(GfsLoad.class.getName());
        command.addAll(List.of(args));
        return command;
    }

    /**
     * Starts {@code bin/gfsload args...}, the launcher script, from {@code installation} (a copy of
     * the checkout's {@code bin} with a {@code cli/target} that needs no build) with {@code home}
     * as {@code $GFSLOAD_HOME}; the JVM is the test's, with the test's classpath as
     * {@code $GFSLOAD_CLASSPATH}. Its stdout and stderr go to files in {@code output}.
     */
    static GfsLoadProcess startLauncher(Path installation, Path home, Path output, String... args) {
        return startLauncherScript(installation.resolve("bin/gfsload"), home, Map.of(), output, args);
    }

    /**
     * Starts {@code script args...}, the launcher script or a link to it, as {@link #startLauncher}
     * does, with {@code environment} over the environment it gives ({@code JAVA_HOME}, a
     * {@code PATH}).
     */
    static GfsLoadProcess startLauncherScript(Path script, Path home, Map<String, String> environment, Path output, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(args));
        Map<String, String> whole = new HashMap<>(Map.of(
                "JAVA_HOME", System.getProperty("java.home"),
                "GFSLOAD_CLASSPATH", System.getProperty("java.class.path"),
                "GFSLOAD_JAVA_OPTS", "-Xmx512m -XX:TieredStopAtLevel=1"));
        whole.putAll(environment);
        return start(command, home, whole, output, null);
    }

    /**
     * Starts {@code bin/gfsload args...} from {@code installation} as {@link #startLauncher} does,
     * but with {@code environment} as its whole environment (as {@code env -i} or a systemd unit
     * starts it: no {@code HOME}, no {@code $GFSLOAD_HOME} unless given), the test's JVM
     * ({@code JAVA_HOME}) and classpath ({@code GFSLOAD_CLASSPATH}) added.
     */
    static GfsLoadProcess startLauncherInEnvironment(Path installation, Map<String, String> environment, Path output, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", installation.resolve("bin/gfsload").toString()));
        command.addAll(List.of(args));
        Map<String, String> whole = new HashMap<>(environment);
        whole.put("JAVA_HOME", System.getProperty("java.home"));
        whole.put("GFSLOAD_CLASSPATH", System.getProperty("java.class.path"));
        whole.putIfAbsent("GFSLOAD_JAVA_OPTS", "-Xmx512m -XX:TieredStopAtLevel=1");
        try {
            Files.createDirectories(output);
            Path out = Files.createTempFile(output, "gfsload-", ".out");
            Path err = Files.createTempFile(output, "gfsload-", ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            builder.environment().clear();
            builder.environment().putAll(whole);
            return new GfsLoadProcess(builder.start(), out, err);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot start gfsload", e);
        }
    }

    private static GfsLoadProcess start(List<String> command, Path home, Map<String, String> environment, Path output, ProcessBuilder.Redirect stdout) {
        return start(command, home, environment, output, stdout, null);
    }

    private static GfsLoadProcess start(List<String> command, Path home, Map<String, String> environment, Path output, ProcessBuilder.Redirect stdout,
            File workingDirectory) {
        try {
            Files.createDirectories(output);
            Path out = stdout == null ? Files.createTempFile(output, "gfsload-", ".out") : null;
            Path err = Files.createTempFile(output, "gfsload-", ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(out == null ? stdout : ProcessBuilder.Redirect.to(out.toFile()))
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .directory(workingDirectory);
            builder.environment().put("GFSLOAD_HOME", home.toString());
            builder.environment().remove("HIVE_CONF_DIR");
            builder.environment().remove("GFSLOAD_JAVA_OPTS");
            builder.environment().putAll(environment);
            return new GfsLoadProcess(builder.start(), out, err);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot start gfsload", e);
        }
    }

    /**
     * Waits until its JSON progress says {@code files} files are done, their blocks committed (its
     * bytes count blocks still being written); fails when the process ends first or after
     * {@code timeout}.
     */
    void awaitFilesDone(long files, Duration timeout) {
        awaitProgress("filesDone", files, timeout);
    }

    private void awaitProgress(String field, long value, Duration timeout) {
        ClusterProcesses.await(() -> {
            if (progress(field) >= value) {
                return true;
            }
            if (!process.isAlive()) {
                throw new AssertionError("gfsload exited with " + process.exitValue() + " before " + field + " reached " + value
                        + "; it printed " + errLines());
            }
            return false;
        }, timeout, field + " reaches " + value + "; gfsload printed " + errLines());
    }

    /** The highest {@code field} of its JSON progress lines so far. */
    private long progress(String field) {
        long done = 0;
        for (String line : errLines()) {
            if (line.startsWith("{")) {
                try {
                    JsonNode progress = JSON.readTree(line);
                    if (progress.has(field)) {
                        done = Math.max(done, progress.get(field).asLong());
                    }
                }
                catch (IOException e) {
                    // a line cut short by a kill
                }
            }
        }
        return done;
    }

    /** Its process id. */
    long pid() {
        return process.pid();
    }

    /** Whether it still runs. */
    boolean isAlive() {
        return process.isAlive();
    }

    /** The bytes gfsload wrote to its stdout, when that is a pipe, that nothing has read yet. */
    int stdoutUnread() {
        try {
            return process.getInputStream().available();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What it printed to stderr so far; the last line may be cut short. */
    List<String> errLines() {
        try {
            return Files.readAllLines(err, StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The process, for its stdout when it goes to a pipe. */
    Process process() {
        return process;
    }

    /** Kills gfsload with SIGKILL, as {@code kill -9} does, and waits until it is gone. */
    void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /**
     * Freezes gfsload with SIGSTOP, as {@code kill -STOP} does: it holds what it holds (its open
     * writes and the room they keep on the workers, its connections) until {@link #resume()} or a kill.
     */
    void suspend() {
        signal("STOP");
    }

    /** Lets gfsload go on after {@link #suspend()}, with SIGCONT. */
    void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .redirectErrorStream(true)
                    .start();
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (kill.waitFor() != 0) {
                throw new AssertionError("kill -" + name + " " + process.pid() + " failed: " + output);
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted signalling gfsload", e);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stops gfsload with SIGTERM, as {@code kill} or a scheduler does, its stdout left open (a
     * {@link Process#destroy()} closes this end of its pipes too); what it printed, stderr as lines.
     */
    CliRun terminate() {
        signal("TERM");
        return awaitExit(Duration.ofSeconds(30));
    }

    /** Waits until gfsload exits; what it printed, stderr as lines. */
    CliRun awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("gfsload did not exit within " + timeout.toSeconds() + " s; it printed " + errLines());
            }
            return new CliRun(process.exitValue(), out == null ? "" : Files.readString(out), String.join("\n", errLines()));
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted waiting for gfsload", e);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
