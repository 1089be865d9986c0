package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A committed block with fewer replicas on live workers than the replication it was written with.
 *
 * @param block the block
 * @param replication the replication it was written with
 * @param liveWorkerIds live workers holding a replica, sorted
 * @param lostWorkerIds workers recorded as holding a replica that are lost now, sorted
 */
public record UnderReplicatedBlock(BlockKey block, int replication, List<String> liveWorkerIds,
        List<String> lostWorkerIds) {
    public UnderReplicatedBlock {
        requireNonNull(block, "block is null");
        requireNonNull(liveWorkerIds, "liveWorkerIds is null");
        requireNonNull(lostWorkerIds, "lostWorkerIds is null");
        liveWorkerIds = List.copyOf(liveWorkerIds);
        lostWorkerIds = List.copyOf(lostWorkerIds);
    }

    /** Replicas missing to reach the replication. */
    public int missingReplicas() {
        return replication - liveWorkerIds.size();
    }
}
