package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.planner.BlockTask;

/**
 * One attempt at writing a block, as the {@link ProgressListener} hears it: the bytes written to
 * the cache as they go ({@link ProgressListener#blockBytesWritten}), then the block loaded, or,
 * when the attempt ends otherwise, the block abandoned, so that the bytes of a failed attempt never
 * count twice. Used by the one thread that writes the block.
 */
final class BlockProgress implements AutoCloseable {
    private final ProgressListener listener;
    private final BlockTask block;
    private boolean written;
    private boolean loaded;

    BlockProgress(ProgressListener listener, BlockTask block) {
        this.listener = requireNonNull(listener, "listener is null");
        this.block = requireNonNull(block, "block is null");
    }

    /** {@code bytes} more of the block were written. */
    void written(int bytes) {
        written = true;
        listener.blockBytesWritten(block, bytes);
    }

    /** The block is committed (and recorded): the listener hears it loaded. */
    void loaded() {
        loaded = true;
        listener.blockLoaded(block);
    }

    /** Unless the block was loaded, the listener hears it abandoned when bytes of it were reported. */
    @Override
    public void close() {
        if (written && !loaded) {
            listener.blockAbandoned(block);
        }
    }
}
