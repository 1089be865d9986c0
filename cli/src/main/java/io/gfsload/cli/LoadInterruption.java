package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.CacheClient;
import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a load says when SIGINT or SIGTERM ends it (exit 130 or 143), from its plan until it has
 * loaded: a shutdown hook, held from {@link #start} to {@link #close}, prints one line on stderr,
 * the last, saying how far the load came: interrupted while planning (nothing loaded), or while
 * loading (the journal kept; the room the load's unfinished writes hold given back first, so that
 * the same command run at once has it).
 *
 * <p>Thread-safe: the command's thread says where the load is, the hook reads it.
 */
final class LoadInterruption implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LoadInterruption.class);

    private final PrintWriter err;
    private final Thread hook = new Thread(this::interrupted, "gfsload-interrupted");
    /** Set as the load starts, with the job's id. */
    private volatile Loading loading;

    private record Loading(String jobId, ProgressReporter progress, CacheClient cache) {}

    private LoadInterruption(PrintWriter err) {
        this.err = requireNonNull(err, "err is null");
    }

    /** Says on {@code err}, when the JVM ends before {@link #close}, where the load was; it plans now. */
    static LoadInterruption start(PrintWriter err) {
        LoadInterruption interruption = new LoadInterruption(err);
        Runtime.getRuntime().addShutdownHook(interruption.hook);
        return interruption;
    }

    /** The load of job {@code jobId} starts: its progress shows on {@code progress}, it writes to {@code cache}. */
    void loading(String jobId, ProgressReporter progress, CacheClient cache) {
        loading = new Loading(requireNonNull(jobId, "jobId is null"), requireNonNull(progress, "progress is null"), requireNonNull(cache, "cache is null"));
    }

    /** No line from here on: the load has ended. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (IllegalStateException e) {
            // the JVM is ending: the hook runs
        }
    }

    private void interrupted() {
        Loading load = loading;
        if (load != null) {
            // the last line on stderr: no progress after it of what the load hears as it stops
            load.progress().silence();
            try {
                load.cache().abortUnfinishedWrites(LoadAction.UNFINISHED_WRITES_ABORT);
            }
            catch (RuntimeException e) {
                // the workers abort them on their own once idle; what is kept is still to say
                LOG.warn("Aborting the load's unfinished writes failed", e);
            }
        }
        err.println(line());
        err.flush();
    }

    /** The line that says where the load is, and what is kept of it. */
    private String line() {
        Loading load = loading;
        if (load == null) {
            return "gfsload: interrupted while planning: nothing was loaded";
        }
        return "gfsload: interrupted; " + LoadAction.journalKept(load.jobId());
    }
}
