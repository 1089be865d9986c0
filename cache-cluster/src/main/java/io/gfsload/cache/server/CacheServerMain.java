package io.gfsload.cache.server;

import io.gfsload.cache.api.FileErrors;
import io.gfsload.cache.master.CacheMaster;
import io.gfsload.cache.metrics.MetricsRegistry;
import io.gfsload.cache.worker.CacheWorker;
import io.gfsload.cache.worker.TierDirectoryInUseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a cache master or worker as its own process until it is told to stop (SIGTERM, SIGINT),
 * then shuts it down gracefully.
 *
 * <pre>
 * java -cp ... io.gfsload.cache.server.CacheServerMain master|worker --config FILE [--ready-file FILE]
 * </pre>
 *
 * The settings come from the properties file ({@link CacheServerConfig}). Once serving, the process
 * writes the ready file (when asked for), atomically: a properties file with {@code role},
 * {@code id}, {@code pid}, {@code host}, {@code port} and, when it serves metrics,
 * {@code metrics-port}; whoever started the process learns the ports it picked from it. The process
 * logs through SLF4J and never writes to standard output itself. Exit codes: 0 after a requested
 * stop, 1 when it cannot start, 2 for bad usage, 3 for a worker refused because another worker holds
 * one of its tier directories (the ready file then has only {@code refused}, the reason).
 */
public final class CacheServerMain {
    private static final Logger log = LoggerFactory.getLogger(CacheServerMain.class);

    public static final int EXIT_OK = 0;
    public static final int EXIT_START_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    /** A worker whose tier directory another worker holds: the ready file's {@code refused} says which and who. */
    public static final int EXIT_REFUSED = 3;

    private CacheServerMain() {}

    public static void main(String[] args) {
        logUncaughtFailures();
        int code = run(args);
        // After a requested stop the JVM is already shutting down; exiting again would block.
        if (code != EXIT_OK) {
            System.exit(code);
        }
    }

    /**
     * Has a failure that no thread of the process caught logged, as the process's other lines are
     * (with their secrets hidden), rather than printed on stderr as the JVM has it.
     */
    public static void logUncaughtFailures() {
        Thread.setDefaultUncaughtExceptionHandler((thread, failure) -> log.error("Thread {} ended by a failure it did not catch", thread.getName(), failure));
    }

    /** Starts the server the arguments ask for and blocks until it is stopped; returns the exit code. */
    static int run(String[] args) {
        Arguments arguments;
        try {
            arguments = Arguments.parse(List.of(args));
        }
        catch (IllegalArgumentException e) {
            log.error("{}; usage: CacheServerMain master|worker --config FILE [--ready-file FILE]", e.getMessage());
            return EXIT_USAGE;
        }
        AutoCloseable server;
        Properties ready = new Properties();
        ready.setProperty("role", arguments.role);
        ready.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
        try {
            CacheServerConfig config = CacheServerConfig.load(arguments.config);
            if (arguments.role.equals("master")) {
                CacheMaster master = CacheMaster.start(config.master());
                server = master;
                ready.setProperty("id", "master");
                ready.setProperty("host", config.master().host());
                ready.setProperty("port", Integer.toString(master.port()));
                master.metricsTarget().ifPresent(target -> ready.setProperty("metrics-port", port(target)));
            }
            else {
                // the cluster's data directory holds the process's config file (gfsload cluster start)
                Path directory = arguments.config.toAbsolutePath().getParent();
                CacheWorker worker = CacheWorker.start(config.worker(), Clock.systemUTC(), new MetricsRegistry(),
                        "the cache cluster in " + directory);
                server = worker;
                ready.setProperty("id", worker.id());
                ready.setProperty("host", config.worker().host());
                ready.setProperty("port", Integer.toString(worker.port()));
                worker.metricsTarget().ifPresent(target -> ready.setProperty("metrics-port", port(target)));
            }
        }
        catch (TierDirectoryInUseException e) {
            // one line, and in the ready file for whoever started the process: nothing was touched
            log.error("{}", e.getMessage());
            Properties refused = new Properties();
            refused.setProperty("refused", e.getMessage());
            try {
                arguments.readyFile.ifPresent(file -> writeReadyFile(file, refused));
            }
            catch (UncheckedIOException ignored) {
                // the log has the reason
            }
            return EXIT_REFUSED;
        }
        catch (RuntimeException e) {
            log.error("Cannot start the cache {} configured in {}: {}", arguments.role, arguments.config,
                    e.getMessage(), e);
            return EXIT_START_FAILED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("Stopping the cache {}", arguments.role);
            try {
                server.close();
            }
            catch (Exception e) {
                log.warn("Stopping the cache {} failed", arguments.role, e);
            }
            finally {
                stopped.countDown();
            }
        }, "gfsload-shutdown"));
        try {
            arguments.readyFile.ifPresent(file -> writeReadyFile(file, ready));
        }
        catch (UncheckedIOException e) {
            log.error("{}", e.getMessage(), e);
            return EXIT_START_FAILED;
        }
        try {
            stopped.await();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return EXIT_OK;
    }

    private static String port(String target) {
        return target.substring(target.lastIndexOf(':') + 1);
    }

    private static void writeReadyFile(Path file, Properties ready) {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (Writer writer = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                ready.store(writer, "gfsload cache server");
            }
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot write the ready file " + file + ": " + FileErrors.reason(e, file), e);
        }
    }

    /** The command line: a role, a config file, maybe a ready file. */
    private record Arguments(String role, Path config, Optional<Path> readyFile) {
        static Arguments parse(List<String> args) {
            if (args.isEmpty() || !(args.get(0).equals("master") || args.get(0).equals("worker"))) {
                throw new IllegalArgumentException("the first argument must be master or worker");
            }
            Path config = null;
            Path readyFile = null;
            for (int i = 1; i < args.size(); i++) {
                String option = args.get(i);
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                String value = args.get(++i);
                switch (option) {
                    case "--config" -> config = Path.of(value);
                    case "--ready-file" -> readyFile = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
            if (config == null) {
                throw new IllegalArgumentException("--config is required");
            }
            return new Arguments(args.get(0), config, Optional.ofNullable(readyFile));
        }
    }
}
