package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * A worker as the master sees it.
 *
 * @param id stable worker id
 * @param host host the worker's gRPC server listens on
 * @param port port of the worker's gRPC server
 * @param capacityBytes total quota of the worker's tiers
 * @param usedBytes bytes held in committed and in-progress blocks
 * @param live whether the worker's last heartbeat is recent enough and it has not said that it stops
 * @param tiers the space of each tier, fastest first; empty when the worker did not report tiers
 * @param domainSocket the Unix domain socket the worker also serves on, for clients on its host
 *     (the one it registered with, which a worker that is not live may no longer serve on)
 * @param stopped whether the worker said that it stops (a clean stop) and has not registered since;
 *     a worker that is neither live nor stopped is lost: it stopped heartbeating without saying so
 */
public record WorkerInfo(String id, String host, int port, long capacityBytes, long usedBytes, boolean live,
        List<TierInfo> tiers, Optional<String> domainSocket, boolean stopped) {
    public WorkerInfo {
        requireNonNull(id, "id is null");
        requireNonNull(host, "host is null");
        requireNonNull(tiers, "tiers is null");
        requireNonNull(domainSocket, "domainSocket is null");
        if (live && stopped) {
            throw new IllegalArgumentException("a worker that stopped is not live: " + id);
        }
        tiers = List.copyOf(tiers);
    }

    /** A worker that did not say that it stops: live, or lost when not live. */
    public WorkerInfo(String id, String host, int port, long capacityBytes, long usedBytes, boolean live,
            List<TierInfo> tiers, Optional<String> domainSocket) {
        this(id, host, port, capacityBytes, usedBytes, live, tiers, domainSocket, false);
    }

    /** A worker that serves on no domain socket. */
    public WorkerInfo(String id, String host, int port, long capacityBytes, long usedBytes, boolean live,
            List<TierInfo> tiers) {
        this(id, host, port, capacityBytes, usedBytes, live, tiers, Optional.empty());
    }

    /** A worker without per-tier information. */
    public WorkerInfo(String id, String host, int port, long capacityBytes, long usedBytes, boolean live) {
        this(id, host, port, capacityBytes, usedBytes, live, List.of());
    }

    /** Whether the worker stopped heartbeating without saying that it stops (killed, hung, unreachable). */
    public boolean lost() {
        return !live && !stopped;
    }

    /**
     * Bytes not used at all: over the tiers, what each one's quota leaves, or less where its
     * file systems have less room ({@link TierInfo#freeBytes}); without tiers, what the quota leaves.
     */
    public long freeBytes() {
        if (tiers.isEmpty()) {
            return Math.max(0, capacityBytes - usedBytes);
        }
        return tiers.stream().mapToLong(TierInfo::freeBytes).sum();
    }

    /** Bytes a new block may take: the free ones plus those eviction may reclaim. */
    public long availableBytes() {
        if (tiers.isEmpty()) {
            return freeBytes();
        }
        return tiers.stream().mapToLong(TierInfo::availableBytes).sum();
    }

    /**
     * Bytes that writes in progress hold and that new blocks may take once they end: what
     * {@link TierInfo#availableOnceWritesEndBytes} adds to {@link TierInfo#availableBytes}, over the
     * tiers; 0 when the worker did not report tiers.
     */
    public long writingBytes() {
        return tiers.stream().mapToLong(tier -> tier.availableOnceWritesEndBytes() - tier.availableBytes()).sum();
    }

    /**
     * The largest block the worker can ever hold: the quota of its largest tier (a block goes
     * whole into one tier), or its whole capacity when it did not report tiers. The master's
     * placement refuses a block no larger than this on no fewer workers than its replicas.
     */
    public long largestTierBytes() {
        if (tiers.isEmpty()) {
            return capacityBytes;
        }
        return tiers.stream().mapToLong(TierInfo::capacityBytes).max().orElse(0);
    }

    /** The space of {@code tier}, when the worker has it. */
    public Optional<TierInfo> tier(StorageTier tier) {
        return tiers.stream().filter(info -> info.tier() == tier).findFirst();
    }
}
