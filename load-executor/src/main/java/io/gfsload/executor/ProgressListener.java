package io.gfsload.executor;

import io.gfsload.cache.api.MasterSilence;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;

/**
 * Receives progress of a load. Called from the executor's worker threads: implementations must be
 * thread-safe and quick.
 */
public interface ProgressListener {
    ProgressListener NONE = new ProgressListener() {};

    /**
     * The load starts on {@code plan}. A load that waited for its window and then planned again
     * hears this once more, with the new plan, which replaces the first.
     */
    default void started(LoadPlan plan) {}

    /**
     * {@code block} is loaded: its whole length counts, including the bytes
     * {@link #blockBytesWritten} reported for it.
     */
    default void blockLoaded(BlockTask block) {}

    /**
     * An earlier run of the atomic job staged {@code block} in its temp area: this run commits it
     * without reading or writing it, so it is not among the bytes that {@link #blockLoaded} counts.
     */
    default void blockAdopted(BlockTask block) {}

    /**
     * Right after {@link #started}: of the plan's blocks to load, {@code blocks} of {@code bytes}
     * were staged by an earlier run of the atomic job, and this run adopts them ({@link
     * #blockAdopted}) rather than reads them; the bytes it reads are the plan's bytes to load less
     * these.
     */
    default void adopting(long blocks, long bytes) {}

    /**
     * {@code bytes} more of {@code block} were written to the cache, before the block is loaded:
     * a large block's progress while its data streams, one piece (at most a read buffer) at a
     * time. Each attempt at the block then ends with {@link #blockLoaded} or
     * {@link #blockAbandoned}; a retry writes the block again from its first byte.
     */
    default void blockBytesWritten(BlockTask block, int bytes) {}

    /**
     * The attempt at {@code block} that {@link #blockBytesWritten} reported bytes of ended without
     * loading it (it failed, or the load is being torn down): those bytes no longer count.
     */
    default void blockAbandoned(BlockTask block) {}

    /**
     * Of the blocks the plan had {@code file} load, {@code blocks} of {@code bytes} were found
     * cached when the load came to them: a {@link DistributedLoad}'s slice asks the workers as it
     * starts, and finds what another load, or an earlier attempt of the slice, cached since the
     * plan. They are already cached, as the report counts them: neither read nor written, so not
     * among what {@link #blockLoaded} counts, and no longer among the bytes to load; a file found
     * so whole ({@code blocks} all it had to load) no longer among the files to load. Heard before
     * the file's {@link #fileFinished}.
     */
    default void foundCached(FileLoad file, int blocks, long bytes) {}

    /** {@code bytes} were read from the UFS (one read of a file or of a range), e.g. for a windowed throughput. */
    default void ufsBytesRead(int bytes) {}

    default void fileFailed(String path, String error) {}

    /** {@code file} is done, loaded or failed. */
    default void fileFinished(FileReport file) {}

    /** A transient failure of {@code path}; attempt {@code attempt} follows after a backoff. */
    default void retrying(String path, int attempt, String error) {}

    /**
     * A {@link DistributedLoad}'s slice {@code slice}, loading in another process, has done
     * {@code progress} so far: each call replaces what the last one said of the slice. Heard as
     * that process says it (a Spark executor at its heartbeats), not block by block. A slice that
     * does not finish is said to have done {@link SliceProgress#NONE} at the end of the load.
     */
    default void sliceProgress(int slice, SliceProgress progress) {}

    /**
     * Slice {@code slice} finished: its files are reported next as a load in this process reports
     * them ({@link #blockLoaded}, {@link #fileFinished}, {@link #retrying}), and they replace what
     * {@link #sliceProgress} said of it.
     */
    default void sliceFinished(int slice) {}

    /**
     * The load window is closed: no UFS read starts until {@code pause.opensAt()}; reads under way
     * finish. Called once per pause, also when the load begins outside the window. A load in slices
     * ({@link DistributedLoad}) calls it only when it begins outside the window: its slices pause
     * in their own processes, unheard, and its report counts their pauses.
     */
    default void windowClosed(WindowPause pause) {}

    /** The load window opened after being closed for {@code closed}: reads start again (for a load in slices, after its wait before it began). */
    default void windowOpened(LoadWindow window, java.time.Duration closed) {}

    /**
     * The cache master has not answered for {@code silence.silentFor()}: the load waits for it,
     * and stops (its unfinished files failed) once the silence reaches {@code silence.limit()}.
     * Heard about once a second while the silence lasts.
     */
    default void waitingForMaster(MasterSilence silence) {}

    default void finished(LoadReport report) {}
}
