package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

/**
 * One load, as the user asked for it: what to load and how many replicas.
 *
 * @param target the table partitions or paths to load
 * @param replication replicas per block, on distinct workers; >= 1
 */
public record LoadRequest(LoadTarget target, int replication) {
    public LoadRequest {
        requireNonNull(target, "target is null");
        if (replication < 1) {
            throw new InvalidRequestException("Invalid replication %d: must be at least 1".formatted(replication));
        }
    }
}
