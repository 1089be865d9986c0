package io.gfsload.spark;

import static java.util.Objects.requireNonNull;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The Spark application of a job, started on first use: the job's arguments are checked first, so
 * that {@code --help}, {@code --version} and bad input neither wait for Spark nor fail for its
 * reasons.
 *
 * <p>Thread-safe.
 */
final class SparkApplication implements AutoCloseable {
    private final SparkConf conf;
    private JavaSparkContext context;
    private boolean closed;

    SparkApplication(SparkConf conf) {
        this.conf = requireNonNull(conf, "conf is null");
    }

    /** The application's context, started now when it is not yet. */
    synchronized JavaSparkContext context() {
        if (closed) {
            throw new IllegalStateException("The Spark application is stopped");
        }
        if (context == null) {
            context = new JavaSparkContext(conf);
        }
        return context;
    }

    /** Stops the application, when it was started. */
    @Override
    public synchronized void close() {
        closed = true;
        if (context != null) {
            context.close();
        }
    }
}
