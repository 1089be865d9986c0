package io.gfsload.spark;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.Counts;
import io.gfsload.executor.DistributedLoad;
import io.gfsload.executor.LoadReport;
import io.gfsload.executor.SliceLoad;
import io.gfsload.executor.SliceProgress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.Iterator;

/**
 * Loads the slices of a load on the executors of a Spark application: each slice a Spark job of one
 * task, all submitted at once, so that the driver hears each slice as it finishes and Spark runs
 * as many at a time as the application has cores. A task that fails is retried as Spark retries
 * tasks ({@code spark.task.maxFailures}): the retry loads what its slice has not cached yet. While they run, the
 * slices' counts reach the driver with the executors' heartbeats ({@link SliceAccumulators}). A load
 * that stops early (an atomic job's temp area gone) cancels the slices whose task has not started.
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

    /** Starts the Spark application. */
    @Override
    public void start() {
        application.context();
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
        JavaSparkContext spark = application.context();
        int cores = spark.getConf().getInt("spark.executor.cores", 0);
        if (spark.isLocal() || cores <= 0) {
            // all of them in one process, at worst: an executor of a standalone cluster takes every core of its worker
            return parallelism();
        }
        return Math.max(1, cores / Math.max(1, spark.getConf().getInt("spark.task.cpus", 1)));
    }

    private int taskSlots() {
        JavaSparkContext spark = application.context();
        int taskCpus = Math.max(1, spark.getConf().getInt("spark.task.cpus", 1));
        if (spark.isLocal()) {
            Matcher local = LOCAL.matcher(spark.master());
            if (!local.matches() || local.group(1) == null) {
                return 1;
            }
            String threads = local.group(1);
            return Math.max(1, (threads.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(threads)) / taskCpus);
        }
        int executors = spark.getConf().getInt("spark.executor.instances", 0);
        int cores = spark.getConf().getInt("spark.executor.cores", 0);
        // with dynamic allocation or a standalone cluster the executors are not known up front
        return executors > 0 && cores > 0 ? executors * cores / taskCpus : spark.defaultParallelism();
    }

    @Override
    public void run(List<SliceLoad> slices, BiConsumer<SliceLoad, SliceProgress> progress, BiConsumer<SliceLoad, LoadReport> finished) {
        run(slices, progress, finished, new CompletableFuture<>());
    }

    /**
     * Once {@code stop} completes, the slices whose task has not started (as the driver heard) are
     * not started: their Spark jobs are cancelled, and they return no report; the others go on.
     */
    @Override
    public void run(List<SliceLoad> slices, BiConsumer<SliceLoad, SliceProgress> progress, BiConsumer<SliceLoad, LoadReport> finished,
            CompletionStage<String> stop) {
        JavaSparkContext spark = application.context();
        SliceAccumulators accumulators = new SliceAccumulators(spark, slices, progress);
        spark.sc().addSparkListener(accumulators);
        String group = "gfsload-" + UUID.randomUUID();
        SliceStarts starts = new SliceStarts(group);
        spark.sc().addSparkListener(starts);
        // the slices not started when the load stopped: their jobs cancelled, no report expected
        Set<Integer> stopped = ConcurrentHashMap.newKeySet();
        stop.thenAccept(reason -> {
            for (SliceLoad slice : slices) {
                if (!starts.started(slice.index())) {
                    stopped.add(slice.index());
                    spark.cancelJobGroup(SliceStarts.group(group, slice.index()));
                }
            }
            if (!stopped.isEmpty()) {
                LOG.warn("{} of {} not started: {}", Counts.of(stopped.size(), "slice"), slices.size(), reason);
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
                    if (!open.get() || stopped.contains(slice.index())) {
                        // run has returned (interrupted), or the load stopped: the slice is not started
                        return;
                    }
                    // cancelled, the task is interrupted: the slice then aborts the writes it has open (SliceLoad#load)
                    spark.setJobGroup(SliceStarts.group(group, slice.index()), "gfsload slice %d of %d".formatted(slice.index() + 1, slices.size()), true);
                    SliceProgress.Counters counters = accumulators.counters(slice);
                    List<LoadReport> report;
                    try {
                        report = spark.parallelize(List.of(slice), 1).map(shipped -> shipped.load(counters, TaskContext.get().attemptNumber())).collect();
                    }
                    catch (RuntimeException e) {
                        if (stopped.contains(slice.index())) {
                            // cancelled before its task started, as the load stopped
                            return;
                        }
                        throw e;
                    }
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
            throw new IllegalStateException("Interrupted while the executors load", e);
        }
        finally {
            synchronized (open) {
                open.set(false);
            }
            submitters.shutdownNow();
            // the slices' jobs submitted by then, whatever the reason run ends
            for (SliceLoad slice : slices) {
                spark.cancelJobGroup(SliceStarts.group(group, slice.index()));
            }
            spark.sc().removeSparkListener(accumulators);
            spark.sc().removeSparkListener(starts);
        }
    }

    /**
     * Which slices of a run have started their task, as the driver hears the tasks start: each
     * slice's Spark job is in a job group of its own, {@link #group}.
     */
    private static final class SliceStarts extends SparkListener {
        private static final String JOB_GROUP = "spark.jobGroup.id";

        private final String prefix;
        /** The slice of each stage of the run's jobs. */
        private final Map<Integer, Integer> stages = new ConcurrentHashMap<>();
        private final Set<Integer> started = ConcurrentHashMap.newKeySet();

        SliceStarts(String group) {
            this.prefix = group + "-slice-";
        }

        /** The job group of slice {@code index} of the run of {@code group}. */
        static String group(String group, int index) {
            return group + "-slice-" + index;
        }

        boolean started(int index) {
            return started.contains(index);
        }

        @Override
        public void onJobStart(SparkListenerJobStart jobStart) {
            String jobGroup = jobStart.properties() == null ? null : jobStart.properties().getProperty(JOB_GROUP);
            if (jobGroup == null || !jobGroup.startsWith(prefix)) {
                return;
            }
            int index = Integer.parseInt(jobGroup.substring(prefix.length()));
            Iterator<Object> stageIds = jobStart.stageIds().iterator();
            while (stageIds.hasNext()) {
                stages.put((Integer) stageIds.next(), index);
            }
        }

        @Override
        public void onTaskStart(SparkListenerTaskStart taskStart) {
            Integer index = stages.get(taskStart.stageId());
            if (index != null) {
                started.add(index);
            }
        }
    }
}
