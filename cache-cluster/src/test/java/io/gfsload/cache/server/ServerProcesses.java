package io.gfsload.cache.server;

import io.gfsload.cache.testing.TestData;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** Starts {@link CacheServerMain} in child JVMs of the test's classpath, and kills them all at the end. */
final class ServerProcesses implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path directory;
    private final List<Process> processes = new ArrayList<>();

    ServerProcesses(Path directory) {
        this.directory = directory;
    }

    /** A started server process and where it logs. */
    record Server(String name, Process process, Path readyFile, Path log) {
        /** The ready file's properties, once the server wrote it. */
        Properties awaitReady() {
            TestData.await(() -> Files.exists(readyFile) || !process.isAlive(), START_TIMEOUT, name + " is ready");
            if (!Files.exists(readyFile)) {
                throw new AssertionError(name + " exited with " + process.exitValue() + " before it was ready:\n"
                        + logText());
            }
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(readyFile, StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
            catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return properties;
        }

        int port() {
            return Integer.parseInt(awaitReady().getProperty("port"));
        }

        String logText() {
            try {
                return Files.exists(log) ? Files.readString(log) : "(no log)";
            }
            catch (IOException e) {
                return "(log unreadable: " + e + ")";
            }
        }
    }

    /** Writes {@code settings} to {@code <name>.properties} and starts {@code role} with it. */
    Server start(String role, String name, Map<String, String> settings) {
        Path config = directory.resolve(name + ".properties");
        CacheServerConfig.of(settings).store(config);
        Path ready = directory.resolve(name + ".ready");
        Path log = directory.resolve(name + ".log");
        try {
            Files.deleteIfExists(ready);
            Process process = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                    "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                    "-cp", System.getProperty("java.class.path"),
                    CacheServerMain.class.getName(), role, "--config", config.toString(), "--ready-file", ready.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            processes.add(process);
            return new Server(name, process, ready, log);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name, e);
        }
    }

    /** Kills every process still running, as {@code kill -9} does, and waits for them. */
    @Override
    public void close() throws InterruptedException {
        for (Process process : processes) {
            process.destroyForcibly();
        }
        for (Process process : processes) {
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
