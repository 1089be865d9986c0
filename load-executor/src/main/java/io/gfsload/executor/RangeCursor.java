package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.planner.BlockTask;
import java.util.List;
import java.util.function.Predicate;

/**
 * The ranges of the blocks of a large file still to load, in order, skipping blocks loaded
 * already (staged by an earlier run, or pulled ahead of the blocks before them); not thread-safe.
 * A range is one read buffer, except near the end of the file: once less than {@code streams}
 * buffers remain, a range is the remaining bytes divided among the streams (at least
 * {@link #MIN_TAIL_RANGE_BYTES}), so that the file's last reads end together instead of one
 * stream reading its last buffer alone.
 */
final class RangeCursor {
    /** The smallest range the end of a file is divided into among its streams. */
    static final long MIN_TAIL_RANGE_BYTES = 1 << 20;

    /** A range of the file: {@code length} bytes from {@code position}. */
    record Range(long position, int length) {}

    private final List<BlockTask> blocks;
    private final Predicate<BlockTask> loaded;
    private final int streams;
    private int block;
    private long position;
    private long remaining;

    /**
     * @param blocks the file's blocks to load, in order
     * @param first the first of them still to load
     * @param loaded whether a block is loaded already (and so skipped): in the job's temp area, or committed
     * @param streams the streams the file is read on at once
     */
    RangeCursor(List<BlockTask> blocks, int first, Predicate<BlockTask> loaded, int streams) {
        this.blocks = requireNonNull(blocks, "blocks is null");
        this.loaded = requireNonNull(loaded, "loaded is null");
        if (streams < 1) {
            throw new IllegalArgumentException("streams must be >= 1: " + streams);
        }
        this.streams = streams;
        this.block = first;
        for (BlockTask task : blocks.subList(first, blocks.size())) {
            remaining += loaded.test(task) ? 0 : task.length();
        }
        skipLoaded();
    }

    boolean hasNext() {
        return block < blocks.size();
    }

    /** Where the next range starts. */
    long position() {
        return position;
    }

    /** The next range of at most {@code maxBytes}, never crossing a block's end. */
    Range next(int maxBytes) {
        BlockTask current = blocks.get(block);
        long share = Math.max(MIN_TAIL_RANGE_BYTES, (remaining + streams - 1) / streams);
        int length = (int) Math.min(Math.min(maxBytes, share), current.offset() + current.length() - position);
        Range range = new Range(position, length);
        position += length;
        remaining -= length;
        if (position == current.offset() + current.length()) {
            block++;
            skipLoaded();
        }
        return range;
    }

    private void skipLoaded() {
        while (block < blocks.size() && (loaded.test(blocks.get(block)) || blocks.get(block).length() == 0)) {
            block++;
        }
        if (block < blocks.size()) {
            position = blocks.get(block).offset();
        }
    }
}
