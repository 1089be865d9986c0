package io.gfsload.spark;

import static java.util.Objects.requireNonNull;

import io.gfsload.executor.DistributedLoad;
import io.gfsload.executor.LoadReport;
import io.gfsload.executor.SliceLoad;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Loads the slices of a load on the executors of a Spark application: each slice a Spark job of one
 * task, all submitted at once, so that the driver hears each slice as it finishes and Spark runs
 * as many at a time as the application has cores. A task that fails is retried as Spark retries
 * tasks ({@code spark.task.maxFailures}): the retry loads its slice again.
 */
final class SparkSlices implements DistributedLoad.Slices {
    private final JavaSparkContext spark;

    SparkSlices(JavaSparkContext spark) {
        this.spark = requireNonNull(spark, "spark is null");
    }

    @Override
    public int parallelism() {
        return spark.defaultParallelism();
    }

    /** In local mode, every slice in this JVM; else an executor's cores over a task's. */
    @Override
    public int slicesPerProcess() {
        if (spark.isLocal()) {
            return Math.max(1, spark.defaultParallelism());
        }
        return Math.max(1, spark.getConf().getInt("spark.executor.cores", 1) / Math.max(1, spark.getConf().getInt("spark.task.cpus", 1)));
    }

    @Override
    public void run(List<SliceLoad> slices, BiConsumer<SliceLoad, LoadReport> finished) {
        ExecutorService submitters = Executors.newFixedThreadPool(Math.max(1, slices.size()), runnable -> {
            Thread thread = new Thread(runnable, "gfsload-slice-submitter");
            thread.setDaemon(true);
            return thread;
        });
        // after run returns, a slice that still finishes is not heard: its load's report is made
        AtomicBoolean open = new AtomicBoolean(true);
        String group = "gfsload-" + UUID.randomUUID();
        try {
            List<Future<?>> jobs = new ArrayList<>(slices.size());
            for (SliceLoad slice : slices) {
                jobs.add(submitters.submit(() -> {
                    spark.setJobGroup(group, "gfsload slice %d of %d".formatted(slice.index() + 1, slices.size()), true);
                    List<LoadReport> report = spark.parallelize(List.of(slice), 1).map(SliceLoad::load).collect();
                    synchronized (open) {
                        if (open.get()) {
                            finished.accept(slice, report.get(0));
                        }
                    }
                }));
            }
            RuntimeException failure = null;
            for (Future<?> job : jobs) {
                try {
                    job.get();
                }
                catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            spark.cancelJobGroup(group);
            throw new IllegalStateException("Interrupted while the executors load", e);
        }
        finally {
            synchronized (open) {
                open.set(false);
            }
            submitters.shutdownNow();
        }
    }
}
