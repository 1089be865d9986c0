package io.gfsload.executor;

import io.gfsload.planner.BlockTask;
import java.io.Serializable;

/**
 * What a slice of a {@link DistributedLoad} has done so far, in the process that loads it, in its
 * current attempt: a retried slice starts again from {@link #NONE}.
 *
 * @param bytesLoaded bytes written to the cache: the blocks loaded whole and the bytes streamed so
 *     far of the blocks being written (an attempt at a block that fails takes its bytes back)
 * @param filesFinished files done, loaded or failed, that had blocks to load
 * @param filesFailed of those, the files that failed
 * @param retries attempts repeated after transient failures
 * @param masterSilentMillis how long the cache master has not answered the slice's process, as its
 *     client counts the silence ({@link io.gfsload.cache.api.MasterSilence}); 0 while it answers
 */
public record SliceProgress(long bytesLoaded, long filesFinished, long filesFailed, long retries, long masterSilentMillis) implements Serializable {
    public static final SliceProgress NONE = new SliceProgress(0, 0, 0, 0);

    /** A slice's counts while the master answers it. */
    public SliceProgress(long bytesLoaded, long filesFinished, long filesFailed, long retries) {
        this(bytesLoaded, filesFinished, filesFailed, retries, 0);
    }

    /**
     * Where the process that loads a slice counts what it does. It is shipped with the slice to that
     * process (a Spark task's accumulators), so implementations are serializable; they are called
     * from the load's threads and must be thread-safe and quick.
     */
    public interface Counters extends Serializable {
        /** {@code bytes} more written to the cache; negative when an attempt at a block takes its bytes back. */
        void bytesLoaded(long bytes);

        /** A file with blocks to load is done. */
        void fileFinished(boolean failed);

        /** A transient failure: an attempt follows. */
        void retrying();

        /**
         * {@code bytes} more read from the UFS: what the report's {@link LoadReport#ufsBytesRead()}
         * counts. Where slices' processes count it for the driver, the attempts of a slice that end
         * without a report (failed, or killed) read the UFS too.
         */
        default void ufsBytesRead(long bytes) {}

        /**
         * The cache master has not answered the slice's process for {@code silentMillis} (0: it
         * answers again). Said about once a second while it is silent, and once when it answers.
         */
        default void masterSilence(long silentMillis) {}
    }

    /** Counts nothing. */
    public enum NoCounters implements Counters {
        INSTANCE;

        @Override
        public void bytesLoaded(long bytes) {}

        @Override
        public void fileFinished(boolean failed) {}

        @Override
        public void retrying() {}
    }

    /** A load's events as {@link Counters} count them. */
    static ProgressListener counting(Counters counters) {
        return new ProgressListener() {
            private final LoadedBytes loaded = new LoadedBytes();

            @Override
            public void blockBytesWritten(BlockTask block, int bytes) {
                counters.bytesLoaded(loaded.written(block, bytes));
            }

            @Override
            public void blockLoaded(BlockTask block) {
                counters.bytesLoaded(loaded.loaded(block));
            }

            @Override
            public void blockAbandoned(BlockTask block) {
                long taken = loaded.abandoned(block);
                if (taken != 0) {
                    counters.bytesLoaded(taken);
                }
            }

            @Override
            public void fileFinished(FileReport file) {
                if (file.attempted()) {
                    counters.fileFinished(file.failed());
                }
            }

            @Override
            public void retrying(String path, int attempt, String error) {
                counters.retrying();
            }

            @Override
            public void ufsBytesRead(int bytes) {
                counters.ufsBytesRead(bytes);
            }
        };
    }
}
