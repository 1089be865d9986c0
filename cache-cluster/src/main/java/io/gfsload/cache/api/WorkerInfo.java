package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

/**
 * A worker as the master sees it.
 *
 * @param id stable worker id
 * @param host host the worker's gRPC server listens on
 * @param port port of the worker's gRPC server
 * @param capacityBytes total quota of the worker's tiers
 * @param usedBytes bytes held in committed and in-progress blocks
 * @param live whether the worker's last heartbeat is recent enough
 */
public record WorkerInfo(String id, String host, int port, long capacityBytes, long usedBytes, boolean live) {
    public WorkerInfo {
        requireNonNull(id, "id is null");
        requireNonNull(host, "host is null");
    }

    public long freeBytes() {
        return Math.max(0, capacityBytes - usedBytes);
    }
}
