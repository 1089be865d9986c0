package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.CacheClient;
import io.gfsload.executor.JobJournal;
import io.gfsload.executor.JvmShutdown;
import io.gfsload.executor.LoadReport;
import io.gfsload.executor.LoadState;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a load says when SIGINT or SIGTERM ends it (exit 130 or 143), from the opening of the
 * metastore and the cache (an embedded one starts then) until its report is written: a shutdown
 * hook, held from {@link #start} to {@link #close}, prints one line on stderr, the last, saying how
 * far the load came and what became of its job's journal, as it is then: interrupted before
 * planning or while planning (nothing loaded), while loading (the journal kept; the room
 * the load's unfinished writes hold given back first, so that the same command run at once has
 * it), or as the load ended, before its report (the journal kept, or deleted when the job
 * succeeded). A dry run ({@code --dry-run}, {@code gfsload plan}) has only the first two:
 * interrupted before or while planning, no plan printed. With {@code --json}, unless the command
 * printed its report (or plan) already, it prints on stdout the FAILED document a command that
 * fails before its report prints, with that line as its {@code error} and the code the command
 * exits with; the command prints no report after it.
 *
 * <p>Thread-safe: the command's thread says where the load is, the hook reads it.
 */
final class LoadInterruption implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LoadInterruption.class);

    private final PrintWriter out;
    private final PrintWriter err;
    private final JsonOutput output;
    /** Where the load's journal is; null for a dry run, which loads nothing. */
    private final Path jobsDirectory;
    /** What the line says a command interrupted while planning left undone. */
    private final String notDone;
    /** Whether the JVM is ending: SIGINT or SIGTERM came. */
    private final BooleanSupplier jvmEnding;
    private final Thread hook = new Thread(this::interrupted, "gfsload-interrupted");
    /** Counted down once the journal is completed or closed after the load ended. */
    private final CountDownLatch journalSettled = new CountDownLatch(1);
    /** Stops the plan's progress display, once the command plans. */
    private volatile Runnable stopPlanningProgress = () -> {};
    /** Whether the command plans: the metastore and the cache are open. */
    private volatile boolean planning;
    /** Set as the load starts, with the job's id. */
    private volatile Loading loading;
    /** The load's report once it ended, before its journal is completed or closed. */
    private volatile LoadReport outcome;

    private record Loading(String jobId, ProgressReporter progress, CacheClient cache) {}

    private LoadInterruption(PrintWriter out, PrintWriter err, JsonOutput output, Path jobsDirectory, String notDone, BooleanSupplier jvmEnding) {
        this.out = requireNonNull(out, "out is null");
        this.err = requireNonNull(err, "err is null");
        this.output = requireNonNull(output, "output is null");
        this.jobsDirectory = jobsDirectory;
        this.notDone = notDone;
        this.jvmEnding = requireNonNull(jvmEnding, "jvmEnding is null");
    }

    /**
     * Says on {@code err}, when the JVM ends before {@link #close}, where the load was, its jobs'
     * journals in {@code jobsDirectory} (and on {@code out} with {@code output}'s {@code --json});
     * it opens the metastore and the cache now.
     */
    static LoadInterruption start(PrintWriter out, PrintWriter err, JsonOutput output, Path jobsDirectory) {
        return start(out, err, output, jobsDirectory, JvmShutdown::inProgress);
    }

    /** {@link #start(PrintWriter, PrintWriter, JsonOutput, Path)}, where {@code jvmEnding} says whether the JVM is ending. */
    static LoadInterruption start(PrintWriter out, PrintWriter err, JsonOutput output, Path jobsDirectory, BooleanSupplier jvmEnding) {
        return start(new LoadInterruption(out, err, output, requireNonNull(jobsDirectory, "jobsDirectory is null"), "nothing was loaded", jvmEnding));
    }

    /**
     * Says on {@code err} (and on {@code out} with {@code output}'s {@code --json}), when the JVM
     * ends before {@link #close}, that the dry run was interrupted before or while planning: no
     * plan printed.
     */
    static LoadInterruption startDryRun(PrintWriter out, PrintWriter err, JsonOutput output) {
        return start(new LoadInterruption(out, err, output, null, "no plan printed", JvmShutdown::inProgress));
    }

    private static LoadInterruption start(LoadInterruption interruption) {
        Runtime.getRuntime().addShutdownHook(interruption.hook);
        return interruption;
    }

    /** The load plans: {@code stopPlanningProgress} stops the display of its progress. */
    void planning(Runnable stopPlanningProgress) {
        this.stopPlanningProgress = requireNonNull(stopPlanningProgress, "stopPlanningProgress is null");
        planning = true;
    }

    /**
     * The load of job {@code jobId} starts: its progress shows on {@code progress}, it writes to
     * {@code cache}.
     *
     * @return false when SIGINT or SIGTERM came first, as planning ended: the hook says nothing
     *     was loaded, and the load must not start (nor its journal be written)
     */
    synchronized boolean loading(String jobId, ProgressReporter progress, CacheClient cache) {
        if (jobsDirectory == null) {
            throw new IllegalStateException("a dry run loads nothing");
        }
        if (jvmEnding.getAsBoolean()) {
            return false;
        }
        loading = new Loading(requireNonNull(jobId, "jobId is null"), requireNonNull(progress, "progress is null"), requireNonNull(cache, "cache is null"));
        return true;
    }

    /** The load ended with {@code report}; its journal is still to be completed (when it succeeded) or closed. */
    void ended(LoadReport report) {
        outcome = requireNonNull(report, "report is null");
    }

    /** The load's journal is completed or closed, as its outcome has it. */
    void journalSettled() {
        journalSettled.countDown();
    }

    /** No line from here on: the report (a dry run's plan) is being written. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (IllegalStateException e) {
            // the JVM is ending: the hook runs
        }
    }

    /** What the hook does: says where the load is, on the last line of stderr, and with {@code --json} on stdout. */
    void interrupted() {
        Loading load;
        synchronized (this) {
            // a load that has not started by now does not start: loading() sees the JVM ending
            load = loading;
        }
        if (load == null) {
            // the last line on stderr, on a line of its own: no planning line after it
            stopPlanningProgress.run();
        }
        else {
            // the last line on stderr: no progress after it of what the load hears as it stops
            load.progress().silence();
            if (outcome == null) {
                try {
                    load.cache().abortUnfinishedWrites(LoadAction.UNFINISHED_WRITES_ABORT);
                }
                catch (RuntimeException e) {
                    // the workers abort them on their own once idle; what is kept is still to say
                    LOG.warn("Aborting the load's unfinished writes failed", e);
                }
            }
            else {
                // the command's thread completes or closes the journal in a moment: say what it left
                awaitJournalSettled();
            }
        }
        String message = line(load);
        err.println("gfsload: " + message);
        err.flush();
        // the JVM exits 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM; nothing once the report prints
        output.printInterrupted(out, Signals.exitCode().orElse(143), message);
    }

    private void awaitJournalSettled() {
        try {
            journalSettled.await(LoadAction.UNFINISHED_WRITES_ABORT.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The line, without {@code gfsload: }, that says where the load ({@code load}, null before it started) is, and what is kept of it. */
    private String line(Loading load) {
        if (load == null) {
            return "interrupted %s planning: %s".formatted(planning ? "while" : "before", notDone);
        }
        boolean journalKept = JobJournal.exists(jobsDirectory, load.jobId());
        LoadReport report = outcome;
        if (report == null) {
            return journalKept ? "interrupted; " + LoadAction.journalKept(load.jobId())
                    : "interrupted as the load started: nothing was loaded";
        }
        String ended = "interrupted as the load ended (%s), before its report; ".formatted(report.state());
        if (journalKept) {
            return ended + LoadAction.journalKept(load.jobId());
        }
        return ended + (report.state() == LoadState.SUCCEEDED
                ? "the job is done, everything requested is cached, and its journal (job %s) is deleted".formatted(load.jobId())
                : "no journal of job %s is kept".formatted(load.jobId()));
    }
}
