package io.gfsload.spark;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.Counts;
import io.gfsload.executor.DistributedLoad;
import io.gfsload.executor.LoadReport;
import io.gfsload.executor.SliceLoad;
import io.gfsload.executor.SliceProgress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the slices of a load on the executors of a Spark application: each slice a Spark job of one
 * task, all submitted at once, so that the driver hears each slice as it finishes and Spark runs
 * as many at a time as the application has cores. A task that fails is retried as Spark retries
 * tasks ({@code spark.task.maxFailures}): the retry loads what its slice has not cached yet, and the
 * slice's report counts what the failed attempts read from the UFS too. While they run, the
 * slices' counts reach the driver with the executors' heartbeats ({@link SliceAccumulators}). A load
 * that stops early (an atomic job's temp area gone) submits no more slices; those submitted find
 * the stop as they start.
 */
final class SparkSlices implements DistributedLoad.Slices {
    private static final Logger LOG = LoggerFactory.getLogger(SparkSlices.class);
    /** The most slices of one load: each is a Spark job, and a thread of the driver while it runs. */
    static final int MAX_SLICES = 64;
    /** {@code local}, {@code local[4]}, {@code local[*]}, {@code local[4,2]} (threads, failures). */
    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\d+)?\\])?");

    private final SparkApplication application;

    SparkSlices(SparkApplication application) {
        this.application = requireNonNull(application, "application is null");
    }

    /**
     * The tasks the application runs at once (its executors' cores over a task's; in local mode the
     * threads of {@code local[N]}), at most {@link #MAX_SLICES}: {@code spark.default.parallelism},
     * often set high for shuffles, would cut a load into more slices than run at once, each with a
     * smaller share of the bandwidth.
     */
    @Override
    public int parallelism() {
        return Math.max(1, Math.min(MAX_SLICES, taskSlots()));
    }

    /** In local mode, every slice in this JVM; else an executor's cores over a task's. */
    @Override
    public int slicesPerProcess() {
        SparkConf conf = application.conf();
        int cores = conf.getInt("spark.executor.cores", 0);
        if (isLocal(conf) || cores <= 0) {
            // all of them in one process, at worst: an executor of a standalone cluster takes every core of its worker
            return parallelism();
        }
        return Math.max(1, cores / Math.max(1, conf.getInt("spark.task.cpus", 1)));
    }

    /**
     * The tasks the application runs at once, from its configuration where that says it (local
     * mode's threads, the executors' instances and cores), so that a plan, a dry run or a load
     * waiting for its window does not start the application (nor ask the cluster manager for
     * executors); else, with dynamic allocation or a standalone cluster, whose executors are not
     * known up front, the application's default parallelism, which starts it.
     */
    private int taskSlots() {
        SparkConf conf = application.conf();
        int taskCpus = Math.max(1, conf.getInt("spark.task.cpus", 1));
        if (isLocal(conf)) {
            Matcher local = LOCAL.matcher(conf.get("spark.master", ""));
            if (!local.matches() || local.group(1) == null) {
                return 1;
            }
            String threads = local.group(1);
            return Math.max(1, (threads.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(threads)) / taskCpus);
        }
        int executors = conf.getInt("spark.executor.instances", 0);
        int cores = conf.getInt("spark.executor.cores", 0);
        return executors > 0 && cores > 0 ? executors * cores / taskCpus : application.context().defaultParallelism();
    }

    /** Whether the application runs in local mode ({@code local}, {@code local[N]}; not {@code local-cluster[...]}), as {@code SparkContext.isLocal} says. */
    private static boolean isLocal(SparkConf conf) {
        String master = conf.get("spark.master", "");
        return master.equals("local") || master.startsWith("local[");
    }

    @Override
    public void run(List<SliceLoad> slices, BiConsumer<SliceLoad, SliceProgress> progress, BiConsumer<SliceLoad, LoadReport> finished) {
        run(slices, progress, finished, new CompletableFuture<>());
    }

    /**
     * Once {@code stop} completes, the slices whose Spark job has not been submitted are not
     * submitted, and return no report; the others go on, and a slice whose task starts after the
     * stop finds it so itself (an atomic job's temp area gone) and reports its files not attempted.
     * A submitted job is not cancelled: the driver cannot tell for sure whether its task started,
     * and a slice cancelled while it loads would leave its report unsaid.
     */
    @Override
    public void run(List<SliceLoad> slices, BiConsumer<SliceLoad, SliceProgress> progress, BiConsumer<SliceLoad, LoadReport> finished,
            CompletionStage<String> stop) {
        JavaSparkContext spark = application.context();
        SliceAccumulators accumulators = new SliceAccumulators(spark, slices, progress);
        spark.sc().addSparkListener(accumulators);
        String group = "gfsload-" + UUID.randomUUID();
        // each slice is claimed once: by its submitter, which submits its job, or by the stop, which leaves it unsubmitted
        Set<Integer> claimed = ConcurrentHashMap.newKeySet();
        stop.thenAccept(reason -> {
            int stopped = 0;
            for (SliceLoad slice : slices) {
                if (claimed.add(slice.index())) {
                    stopped++;
                }
            }
            if (stopped > 0) {
                LOG.warn("{} of {} not started: {}", Counts.of(stopped, "slice"), slices.size(), reason);
            }
        });
        ExecutorService submitters = Executors.newFixedThreadPool(Math.max(1, slices.size()), runnable -> {
            Thread thread = new Thread(runnable, "gfsload-slice-submitter");
            thread.setDaemon(true);
            return thread;
        });
        // after run returns, a slice that still finishes is not heard: its load's report is made
        AtomicBoolean open = new AtomicBoolean(true);
        try {
            List<Future<?>> jobs = new ArrayList<>(slices.size());
            for (SliceLoad slice : slices) {
                jobs.add(submitters.submit(() -> {
                    if (!open.get() || !claimed.add(slice.index())) {
                        // run has returned (interrupted), or the load stopped: the slice is not started
                        return;
                    }
                    // cancelled (as run ends), the task is interrupted: the slice then aborts the writes it has open (SliceLoad#load)
                    spark.setJobGroup(jobGroup(group, slice.index()), "gfsload slice %d of %d".formatted(slice.index() + 1, slices.size()), true);
                    SliceProgress.Counters counters = accumulators.counters(slice);
                    List<LoadReport> report = spark.parallelize(List.of(slice), 1)
                            .map(shipped -> shipped.load(counters, TaskContext.get().attemptNumber()))
                            .collect();
                    // what the attempts Spark retried read too: merged on the driver before the job ended
                    LoadReport reported = report.get(0);
                    LoadReport read = reported.withUfsBytesRead(Math.max(reported.ufsBytesRead(), accumulators.ufsBytesRead(slice)));
                    synchronized (open) {
                        if (open.get()) {
                            finished.accept(slice, read);
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
            throw new IllegalStateException("Interrupted while the executors load", e);
        }
        finally {
            synchronized (open) {
                open.set(false);
            }
            submitters.shutdownNow();
            // the slices' jobs submitted by then, whatever the reason run ends
            for (SliceLoad slice : slices) {
                spark.cancelJobGroup(jobGroup(group, slice.index()));
            }
            spark.sc().removeSparkListener(accumulators);
        }
    }

    /** The job group of slice {@code index} of the run of {@code group}: each slice's Spark job has one of its own. */
    private static String jobGroup(String group, int index) {
        return group + "-slice-" + index;
    }
}
