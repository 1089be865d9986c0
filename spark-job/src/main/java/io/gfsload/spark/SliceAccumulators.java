package io.gfsload.spark;

import static java.util.Objects.requireNonNull;

import io.gfsload.executor.SliceLoad;
import io.gfsload.executor.SliceProgress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.util.LongAccumulator;
import scala.Option;
import scala.Tuple4;
import scala.collection.Iterator;
import scala.collection.Seq;

/**
 * The slices' progress as Spark carries it: each slice counts into accumulators of its own (named
 * {@code gfsload slice N ...}, in the application's UI), whose values for a running task the
 * executors send with their heartbeats ({@code spark.executor.heartbeatInterval}, 10 s by default);
 * a listener on the driver hears them and says each slice's counts, those of its latest attempt,
 * and how long the cache master has not answered it. Each slice also counts the bytes it reads
 * from the UFS into an accumulator that counts failed values, which Spark merges on the driver for
 * every attempt that ends, failed or killed ones too.
 */
final class SliceAccumulators extends SparkListener {
    private static final int BYTES = 0;
    private static final int FILES = 1;
    private static final int FAILED = 2;
    private static final int RETRIES = 3;
    private static final int MASTER_SILENT = 4;

    /** Where an accumulator's value goes: the slice and which of its counts. */
    private record Count(SliceLoad slice, int which) {}

    /** A slice's counts as its latest task attempt said them. */
    private static final class Attempt {
        private final long taskId;
        private final long[] counts = new long[5];

        Attempt(long taskId) {
            this.taskId = taskId;
        }
    }

    private final Map<Long, Count> counts = new HashMap<>();
    /** Each slice's UFS reads, of all its task attempts: Spark merges a failed or killed attempt's too. */
    private final Map<Integer, LongAccumulator> reads = new HashMap<>();
    private final Map<Integer, Counters> counters = new HashMap<>();
    private final Map<Integer, Attempt> latest = new HashMap<>();
    private final Map<Integer, SliceLoad> slices = new HashMap<>();
    private final BiConsumer<SliceLoad, SliceProgress> progress;

    /** Registers five accumulators per slice in {@code spark}, whose heartbeats then reach {@code progress}. */
    SliceAccumulators(JavaSparkContext spark, List<SliceLoad> slices, BiConsumer<SliceLoad, SliceProgress> progress) {
        this.progress = requireNonNull(progress, "progress is null");
        for (SliceLoad slice : slices) {
            this.slices.put(slice.index(), slice);
            String name = "gfsload slice " + (slice.index() + 1);
            LongAccumulator[] accumulators = {
                    spark.sc().longAccumulator(name + " bytes loaded"),
                    spark.sc().longAccumulator(name + " files finished"),
                    spark.sc().longAccumulator(name + " files failed"),
                    spark.sc().longAccumulator(name + " retries"),
                    spark.sc().longAccumulator(name + " master silent ms")};
            for (int which = 0; which < accumulators.length; which++) {
                counts.put(accumulators[which].id(), new Count(slice, which));
            }
            // counting failed values: the driver's value has what every attempt read, not only the one that reports
            LongAccumulator read = new LongAccumulator();
            read.register(spark.sc(), Option.apply(name + " UFS bytes read, every attempt"), true);
            reads.put(slice.index(), read);
            counters.put(slice.index(), new Counters(accumulators[BYTES], accumulators[FILES], accumulators[FAILED], accumulators[RETRIES],
                    accumulators[MASTER_SILENT], read));
        }
    }

    /**
     * The bytes every task attempt of {@code slice} read from the UFS so far, as the driver has
     * merged them: a successful attempt's once its task ended, and a failed or killed attempt's
     * too (an accumulator that counts failed values), but not those of an attempt whose executor
     * was lost.
     */
    long ufsBytesRead(SliceLoad slice) {
        return reads.get(slice.index()).value();
    }

    /** What {@code slice}'s task counts into: shipped with the task. */
    SliceProgress.Counters counters(SliceLoad slice) {
        return counters.get(slice.index());
    }

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        Iterator<Tuple4<Object, Object, Object, Seq<AccumulableInfo>>> tasks = update.accumUpdates().iterator();
        while (tasks.hasNext()) {
            Tuple4<Object, Object, Object, Seq<AccumulableInfo>> task = tasks.next();
            long taskId = (Long) task._1();
            Map<Integer, Attempt> heard = new HashMap<>();
            Iterator<AccumulableInfo> infos = task._4().iterator();
            while (infos.hasNext()) {
                AccumulableInfo info = infos.next();
                Count count = counts.get(info.id());
                if (count == null || info.update().isEmpty() || !(info.update().get() instanceof Long value)) {
                    continue;
                }
                Attempt attempt = attempt(count.slice(), taskId);
                if (attempt != null) {
                    attempt.counts[count.which()] = value;
                    heard.put(count.slice().index(), attempt);
                }
            }
            heard.forEach((index, attempt) -> progress.accept(slices.get(index), new SliceProgress(attempt.counts[BYTES], attempt.counts[FILES],
                    attempt.counts[FAILED], attempt.counts[RETRIES], attempt.counts[MASTER_SILENT])));
        }
    }

    /**
     * The counts of {@code slice}'s attempt {@code taskId}: a new attempt's start from nothing, and an
     * earlier attempt's (a task Spark has given up on, still heard) are {@code null}.
     */
    private Attempt attempt(SliceLoad slice, long taskId) {
        Attempt current = latest.get(slice.index());
        if (current == null || current.taskId < taskId) {
            current = new Attempt(taskId);
            latest.put(slice.index(), current);
        }
        return current.taskId == taskId ? current : null;
    }

    /**
     * A slice's counts in its task: the accumulators Spark ships with it. The load's threads count
     * into them one at a time (a task's accumulators are not thread-safe). The master's silence is
     * a value, not a count: its accumulator is moved to it.
     */
    private record Counters(LongAccumulator bytes, LongAccumulator files, LongAccumulator failed, LongAccumulator retries, LongAccumulator silent,
            LongAccumulator read) implements SliceProgress.Counters {
        @Override
        public synchronized void bytesLoaded(long loaded) {
            bytes.add(loaded);
        }

        @Override
        public synchronized void fileFinished(boolean failedFile) {
            files.add(1);
            if (failedFile) {
                failed.add(1);
            }
        }

        @Override
        public synchronized void retrying() {
            retries.add(1);
        }

        @Override
        public synchronized void ufsBytesRead(long bytes) {
            read.add(bytes);
        }

        @Override
        public synchronized void masterSilence(long silentMillis) {
            // the task's own copy: its value is what this attempt said last
            silent.add(silentMillis - silent.value());
        }
    }
}
