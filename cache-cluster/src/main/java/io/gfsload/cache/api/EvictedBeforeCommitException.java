package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A block was written, but a worker evicted its copy before the commit reached the master, which
 * therefore did not record the block there: the master holds fewer replicas than asked, or none.
 * The write failed; writing the block again (a load's retry) stores and records a new copy.
 */
public final class EvictedBeforeCommitException extends CacheException {
    private final String blockId;
    private final List<String> workerIds;

    /**
     * @param blockId the block written
     * @param workerIds the workers the master did not record the block on, sorted
     */
    public EvictedBeforeCommitException(String blockId, List<String> workerIds) {
        super(message(blockId, workerIds));
        this.blockId = blockId;
        this.workerIds = List.copyOf(workerIds);
    }

    private static String message(String blockId, List<String> workerIds) {
        requireNonNull(blockId, "blockId is null");
        requireNonNull(workerIds, "workerIds is null");
        if (workerIds.isEmpty()) {
            throw new IllegalArgumentException("no worker evicted block " + blockId);
        }
        return String.format("Block %s was evicted from %s %s before its commit reached the master; write it again",
                blockId, workerIds.size() == 1 ? "worker" : "workers", String.join(", ", workerIds));
    }

    /** The block written. */
    public String blockId() {
        return blockId;
    }

    /** The workers the master did not record the block on, sorted. */
    public List<String> workerIds() {
        return workerIds;
    }
}
