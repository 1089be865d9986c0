package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Thrift Hive metastore in a JVM of its own ({@link MetastoreServer}), so that what it holds
 * never counts against the heap of the planner that P4 measures. Closing it ends the process's
 * standard input, which stops it; it is killed when it does not stop within 30 s.
 */
final class MetastoreProcess implements AutoCloseable {
    private static final long START_TIMEOUT_MILLIS = 180_000;

    private final Process process;
    private final URI uri;

    private MetastoreProcess(Process process, URI uri) {
        this.process = process;
        this.uri = uri;
    }

    /**
     * Starts a metastore over {@code directory} (created when missing) and waits until it serves.
     *
     * @param log where the process's output goes
     * @throws BenchmarkException when it does not start within three minutes
     */
    static MetastoreProcess start(Path directory, Path log) {
        requireNonNull(directory, "directory is null");
        requireNonNull(log, "log is null");
        Path uriFile = directory.resolve("server.uri");
        try {
            Files.createDirectories(directory);
            Files.deleteIfExists(uriFile);
            List<String> command = new ArrayList<>(JavaProcesses.java("-Xmx2g",
                    // The metastore would list each partition's directory to compute statistics it never needs.
                    "-Dhive.stats.autogather=false"));
            command.add(MetastoreServer.class.getName());
            command.add(directory.toString());
            command.add(uriFile.toString());
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
            while (!Files.exists(uriFile)) {
                if (!process.isAlive()) {
                    throw new BenchmarkException("The metastore process over %s exited with %d; its log: %s".formatted(directory, process.exitValue(), log));
                }
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new BenchmarkException("The metastore process over %s did not start within %d s; its log: %s".formatted(directory,
                            START_TIMEOUT_MILLIS / 1000, log));
                }
                Thread.sleep(50);
            }
            return new MetastoreProcess(process, URI.create(Files.readString(uriFile, StandardCharsets.UTF_8).strip()));
        }
        catch (IOException e) {
            throw new BenchmarkException("Cannot start a metastore process over %s: %s".formatted(directory, e), e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchmarkException("Interrupted while starting the metastore over " + directory, e);
        }
    }

    /** {@code thrift://127.0.0.1:<port>}. */
    URI uri() {
        return uri;
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        catch (IOException e) {
            process.destroyForcibly();
        }
        catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
