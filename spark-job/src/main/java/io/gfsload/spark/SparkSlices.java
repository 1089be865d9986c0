package io.gfsload.spark;

import static java.util.Objects.requireNonNull;

import io.gfsload.executor.DistributedLoad;
import io.gfsload.executor.LoadReport;
import io.gfsload.executor.SliceLoad;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

    @Override
    public void run(List<SliceLoad> slices, BiConsumer<SliceLoad, LoadReport> finished) {
        ExecutorService submitters = Executors.newFixedThreadPool(Math.max(1, slices.size()), runnable -> {
            Thread thread = new Thread(runnable, "gfsload-slice-submitter");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<?>> jobs = new ArrayList<>(slices.size());
            for (SliceLoad slice : slices) {
                jobs.add(submitters.submit(() -> {
                    spark.setJobDescription("gfsload slice %d of %d".formatted(slice.index() + 1, slices.size()));
                    List<LoadReport> report = spark.parallelize(List.of(slice), 1).map(SliceLoad::load).collect();
                    finished.accept(slice, report.get(0));
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
            throw new IllegalStateException("Interrupted while the executors load", e);
        }
        finally {
            submitters.shutdownNow();
        }
    }
}
