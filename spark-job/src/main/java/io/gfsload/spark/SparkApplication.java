package io.gfsload.spark;

import static java.util.Objects.requireNonNull;

import org.apache.hadoop.util.ShutdownHookManager;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The Spark application of a job, started on first use: the job's arguments are checked first, so
 * that {@code --help}, {@code --version} and bad input neither wait for Spark nor fail for its
 * reasons.
 *
 * <p>Once started, a SIGTERM or SIGINT quiets Spark's logging to errors before Spark stops the
 * application: the journal line the command prints on an interrupt stays the last thing on stderr,
 * not followed by the INFO of Spark's shutdown and of the slices' jobs that it cancels (with the
 * stack of the stopped context's creation). A run that ends otherwise logs as configured.
 *
 * <p>Thread-safe.
 */
final class SparkApplication implements AutoCloseable {
    /**
     * Above Spark's own shutdown hooks, which run in Hadoop's shutdown hook manager at
     * {@code FileSystem.SHUTDOWN_HOOK_PRIORITY + 30} (40), the SparkContext's stop among them:
     * higher priorities run first.
     */
    static final int QUIET_SHUTDOWN_PRIORITY = 100;

    private final SparkConf conf;
    private JavaSparkContext context;
    private Runnable quiet;
    private boolean closed;

    SparkApplication(SparkConf conf) {
        this.conf = requireNonNull(conf, "conf is null");
    }

    /** The application's configuration; does not start it. */
    SparkConf conf() {
        return conf;
    }

    /** Whether the application has started. */
    synchronized boolean started() {
        return context != null;
    }

    /** The application's context, started now when it is not yet. */
    synchronized JavaSparkContext context() {
        if (closed) {
            throw new IllegalStateException("The Spark application is stopped");
        }
        if (context == null) {
            JavaSparkContext started = new JavaSparkContext(conf);
            quiet = () -> {
                if (!started.sc().isStopped()) {
                    started.setLogLevel("ERROR");
                }
            };
            ShutdownHookManager.get().addShutdownHook(quiet, QUIET_SHUTDOWN_PRIORITY);
            context = started;
        }
        return context;
    }

    /** Stops the application, when it was started. */
    @Override
    public synchronized void close() {
        closed = true;
        if (context == null) {
            return;
        }
        try {
            // a run that ends of itself logs as configured to its end
            ShutdownHookManager.get().removeShutdownHook(quiet);
        }
        catch (IllegalStateException e) {
            // the JVM is shutting down (SIGTERM, SIGINT): the hook has quieted Spark's logging
        }
        context.close();
    }
}
