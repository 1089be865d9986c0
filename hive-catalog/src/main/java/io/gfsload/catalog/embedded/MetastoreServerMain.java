package io.gfsload.catalog.embedded;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves an {@link EmbeddedMetastore} as a process of its own until it is told to stop (SIGTERM,
 * SIGINT), then stops it.
 *
 * <pre>
 * java -cp ... io.gfsload.catalog.embedded.MetastoreServerMain --directory DIR [--port N] [--ready-file FILE]
 * </pre>
 *
 * Once serving, the process writes the ready file (when asked for), atomically: a properties file
 * with {@code pid}, {@code port} and {@code uri}. It logs through SLF4J and never writes to
 * standard output itself. Exit codes: 0 after a requested stop, 1 when it cannot start, 2 for bad
 * usage, 3 when another metastore serves from the directory.
 */
public final class MetastoreServerMain {
    private static final Logger LOG = LoggerFactory.getLogger(MetastoreServerMain.class);

    public static final int EXIT_OK = 0;
    public static final int EXIT_START_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_IN_USE = 3;

    private MetastoreServerMain() {}

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
        Thread.setDefaultUncaughtExceptionHandler((thread, failure) -> LOG.error("Thread {} ended by a failure it did not catch", thread.getName(), failure));
    }

    /** Starts the metastore the arguments ask for and blocks until it is stopped; returns the exit code. */
    static int run(String[] args) {
        Arguments arguments;
        try {
            arguments = Arguments.parse(List.of(args));
        }
        catch (IllegalArgumentException e) {
            LOG.error("{}; usage: MetastoreServerMain --directory DIR [--port N] [--ready-file FILE]", e.getMessage());
            return EXIT_USAGE;
        }
        EmbeddedMetastore metastore;
        try {
            metastore = EmbeddedMetastore.start(arguments.directory(), arguments.port());
        }
        catch (MetastoreInUseException e) {
            LOG.error("{}", e.getMessage());
            return EXIT_IN_USE;
        }
        catch (RuntimeException e) {
            LOG.error("Cannot start the metastore in {}: {}", arguments.directory(), e.getMessage(), e);
            return EXIT_START_FAILED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("Stopping the metastore in {}", arguments.directory());
            try {
                metastore.close();
            }
            catch (RuntimeException e) {
                LOG.warn("Stopping the metastore in {} failed", arguments.directory(), e);
            }
            finally {
                stopped.countDown();
            }
        }, "gfsload-shutdown"));
        Properties ready = new Properties();
        ready.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
        ready.setProperty("port", Integer.toString(metastore.uri().getPort()));
        ready.setProperty("uri", metastore.uri().toString());
        try {
            arguments.readyFile().ifPresent(file -> writeReadyFile(file, ready));
        }
        catch (UncheckedIOException e) {
            LOG.error("{}", e.getMessage(), e);
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

    private static void writeReadyFile(Path file, Properties ready) {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (Writer writer = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                ready.store(writer, "gfsload metastore");
            }
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot write the ready file " + file + ": " + FileFailures.reason(e, file), e);
        }
    }

    /** The command line: a directory, maybe a port (0, any free one, when not), maybe a ready file. */
    private record Arguments(Path directory, int port, Optional<Path> readyFile) {
        Arguments {
            requireNonNull(directory, "directory is null");
            requireNonNull(readyFile, "readyFile is null");
        }

        static Arguments parse(List<String> args) {
            Path directory = null;
            int port = 0;
            Path readyFile = null;
            for (int i = 0; i < args.size(); i++) {
                String option = args.get(i);
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                String value = args.get(++i);
                switch (option) {
                    case "--directory" -> directory = Path.of(value);
                    case "--port" -> port = port(value);
                    case "--ready-file" -> readyFile = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
            if (directory == null) {
                throw new IllegalArgumentException("--directory is required");
            }
            return new Arguments(directory, port, Optional.ofNullable(readyFile));
        }

        private static int port(String value) {
            int port;
            try {
                port = Integer.parseInt(value);
            }
            catch (NumberFormatException e) {
                throw new IllegalArgumentException("--port must be a number: " + value);
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("--port must be 0 to 65535: " + port);
            }
            return port;
        }
    }
}
