package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The blocks workers evicted to make room for the blocks one client wrote, as the workers' answers
 * to the writes named them, in the order they arrived. A caller {@linkplain #start starts} a
 * recording before its writes and reads what they evicted with {@link Recording#evicted}, then
 * closes it. Evictions are kept only while a recording that started before them is open, so a
 * long-lived client holds none when no one records. Thread-safe.
 *
 * <p>A block evicted for a write the client then failed (a checksum mismatch, a commit the master
 * refused) counts too: the worker deleted it all the same. Evictions for other clients' writes, and
 * those of workers too old to report them, are not here.
 */
public final class WriteEvictions {
    /**
     * A block a worker evicted.
     *
     * @param workerId the worker that deleted its copy
     * @param blockId the block's id ({@link BlockKey#blockId})
     * @param length its bytes
     */
    public record Evicted(String workerId, String blockId, long length) {
        public Evicted {
            requireNonNull(workerId, "workerId is null");
            requireNonNull(blockId, "blockId is null");
        }
    }

    /** What this client's writes evicted from its start until it is closed. */
    public final class Recording implements AutoCloseable {
        private final long start;
        private boolean closed;

        private Recording(long start) {
            this.start = start;
        }

        /** The evictions recorded since this recording started, in the order they were recorded. */
        public List<Evicted> evicted() {
            synchronized (WriteEvictions.this) {
                if (closed) {
                    throw new IllegalStateException("the recording is closed");
                }
                return List.copyOf(evicted.subList((int) (start - dropped), evicted.size()));
            }
        }

        /** Stops this recording; the evictions no open recording needs are let go. */
        @Override
        public void close() {
            synchronized (WriteEvictions.this) {
                if (!closed) {
                    closed = true;
                    stop(start);
                }
            }
        }
    }

    private final List<Evicted> evicted = new ArrayList<>();
    /** The evictions let go before the first of {@link #evicted}. */
    private long dropped;
    /** The open recordings by the position they started at. */
    private final SortedMap<Long, Integer> open = new TreeMap<>();

    /** Records that {@code workerId} evicted {@code blockId} to make room for a write of this client. */
    public synchronized void add(String workerId, String blockId, long length) {
        Evicted block = new Evicted(workerId, blockId, length);
        if (open.isEmpty()) {
            dropped++;
            return;
        }
        evicted.add(block);
    }

    /** Starts recording the evictions from now on; close the recording when done with it. */
    public synchronized Recording start() {
        long position = dropped + evicted.size();
        open.merge(position, 1, Integer::sum);
        return new Recording(position);
    }

    /** How many evictions are kept: those an open recording may still return. */
    public synchronized int retained() {
        return evicted.size();
    }

    private void stop(long start) {
        open.computeIfPresent(start, (position, count) -> count == 1 ? null : count - 1);
        long keepFrom = open.isEmpty() ? dropped + evicted.size() : open.firstKey();
        int letGo = (int) (keepFrom - dropped);
        evicted.subList(0, letGo).clear();
        dropped += letGo;
    }
}
