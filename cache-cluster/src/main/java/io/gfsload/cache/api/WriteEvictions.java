package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * The blocks workers evicted to make room for the blocks one client wrote, as the workers' answers
 * to the writes named them, in the order they arrived. A caller takes a {@link #mark} before its
 * writes and reads what they evicted with {@link #since}. Thread-safe.
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

    private final List<Evicted> evicted = new ArrayList<>();

    /** Records that {@code workerId} evicted {@code blockId} to make room for a write of this client. */
    public synchronized void add(String workerId, String blockId, long length) {
        evicted.add(new Evicted(workerId, blockId, length));
    }

    /** The position of the next eviction recorded, for {@link #since}. */
    public synchronized long mark() {
        return evicted.size();
    }

    /** The evictions recorded since {@code mark} was taken, in the order they were recorded. */
    public synchronized List<Evicted> since(long mark) {
        if (mark < 0 || mark > evicted.size()) {
            throw new IllegalArgumentException("not a mark of these evictions: " + mark);
        }
        return List.copyOf(evicted.subList((int) mark, evicted.size()));
    }
}
