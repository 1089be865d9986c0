package io.gfsload.cache.master;

import static java.util.Objects.requireNonNull;

import com.google.common.base.Ticker;
import io.gfsload.cache.api.TierInfo;
import io.gfsload.cache.api.WorkerInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The master's in-memory view of its workers: addresses, space and heartbeat times.
 *
 * <p>Liveness is computed from the injected ticker on every query: a worker is live while its last
 * heartbeat (or registration) is at most {@code lostAfter} old, and it has not said that it stops
 * ({@link #stopped}). Only a registration makes a stopped worker live again: a heartbeat sent
 * before the stopping one and handled after it does not. Thread-safe.
 */
final class WorkerRegistry {
    private final Ticker ticker;
    private final long lostAfterNanos;
    private final Map<String, Entry> workers = new HashMap<>();

    WorkerRegistry(Ticker ticker, Duration lostAfter) {
        this.ticker = requireNonNull(ticker, "ticker is null");
        this.lostAfterNanos = lostAfter.toNanos();
    }

    /** Adds or replaces a worker; it is live from now on. */
    synchronized void register(String id, String host, int port, long capacityBytes, long usedBytes) {
        register(id, host, port, capacityBytes, usedBytes, List.of());
    }

    /** Adds or replaces a worker with the space of its tiers; it is live from now on. */
    synchronized void register(String id, String host, int port, long capacityBytes, long usedBytes,
            List<TierInfo> tiers) {
        register(id, host, port, Optional.empty(), capacityBytes, usedBytes, tiers);
    }

    /**
     * Adds or replaces a worker that may also serve on a Unix domain socket, with the space of its
     * tiers; it is live from now on.
     */
    synchronized void register(String id, String host, int port, Optional<String> domainSocket, long capacityBytes,
            long usedBytes, List<TierInfo> tiers) {
        requireNonNull(domainSocket, "domainSocket is null");
        workers.put(id, new Entry(host, port, domainSocket, capacityBytes, usedBytes, List.copyOf(tiers), ticker.read()));
    }

    /**
     * Records a heartbeat.
     *
     * @return the worker's state before this heartbeat, or empty when the worker is not registered
     */
    synchronized Optional<WorkerInfo> heartbeat(String id, long usedBytes) {
        return heartbeat(id, usedBytes, null);
    }

    /**
     * Records a heartbeat with the space of the worker's tiers ({@code null}: unchanged). A worker
     * that said it stops stays stopped ({@link #isStopped}).
     *
     * @return the worker's state before this heartbeat, or empty when the worker is not registered
     */
    synchronized Optional<WorkerInfo> heartbeat(String id, long usedBytes, List<TierInfo> tiers) {
        Entry entry = workers.get(id);
        if (entry == null) {
            return Optional.empty();
        }
        WorkerInfo before = entry.info(id, isLive(entry, ticker.read()));
        entry.usedBytes = usedBytes;
        if (tiers != null) {
            entry.tiers = List.copyOf(tiers);
        }
        entry.lastHeartbeatNanos = ticker.read();
        if (!entry.stopped) {
            entry.reportedLost = false;
        }
        return Optional.of(before);
    }

    /**
     * Records that a worker stops cleanly: it is not live from now on, without waiting for its
     * heartbeats to be missed, and it is not reported lost ({@link #newlyLost}), until it registers
     * again.
     *
     * @return whether this is the first time the worker says it stops since it registered: false
     *     when it said so already (a stopping worker says so before and after its server drains)
     *     or is not registered
     */
    synchronized boolean stopped(String id) {
        Entry entry = workers.get(id);
        if (entry == null) {
            return false;
        }
        boolean wasStopped = entry.stopped;
        entry.stopped = true;
        entry.reportedLost = true;
        return !wasStopped;
    }

    /** Whether {@code id} said that it stops and has not registered since. */
    synchronized boolean isStopped(String id) {
        Entry entry = workers.get(id);
        return entry != null && entry.stopped;
    }

    synchronized boolean isRegistered(String id) {
        return workers.containsKey(id);
    }

    synchronized boolean isLive(String id) {
        Entry entry = workers.get(id);
        return entry != null && isLive(entry, ticker.read());
    }

    /** Every registered worker, sorted by id. */
    synchronized List<WorkerInfo> workers() {
        long now = ticker.read();
        List<WorkerInfo> result = new ArrayList<>(workers.size());
        workers.forEach((id, entry) -> result.add(entry.info(id, isLive(entry, now))));
        result.sort((a, b) -> a.id().compareTo(b.id()));
        return result;
    }

    /** The live workers, sorted by id. */
    List<WorkerInfo> liveWorkers() {
        return workers().stream().filter(WorkerInfo::live).toList();
    }

    /**
     * The workers that are lost and were not returned by an earlier call since their last
     * heartbeat; each lost worker is returned once per loss.
     */
    synchronized List<LostWorker> newlyLost() {
        long now = ticker.read();
        List<LostWorker> lost = new ArrayList<>();
        workers.forEach((id, entry) -> {
            if (!entry.reportedLost && !isLive(entry, now)) {
                entry.reportedLost = true;
                lost.add(new LostWorker(entry.info(id, false), Duration.ofNanos(now - entry.lastHeartbeatNanos)));
            }
        });
        lost.sort((a, b) -> a.worker().id().compareTo(b.worker().id()));
        return lost;
    }

    private boolean isLive(Entry entry, long now) {
        return !entry.stopped && now - entry.lastHeartbeatNanos <= lostAfterNanos;
    }

    /** A worker found lost, and how long ago it last heartbeat. */
    record LostWorker(WorkerInfo worker, Duration sinceLastHeartbeat) {}

    private static final class Entry {
        final String host;
        final int port;
        final Optional<String> domainSocket;
        final long capacityBytes;
        long usedBytes;
        List<TierInfo> tiers;
        long lastHeartbeatNanos;
        boolean reportedLost;
        boolean stopped;

        Entry(String host, int port, Optional<String> domainSocket, long capacityBytes, long usedBytes, List<TierInfo> tiers,
                long lastHeartbeatNanos) {
            this.host = host;
            this.port = port;
            this.domainSocket = domainSocket;
            this.capacityBytes = capacityBytes;
            this.usedBytes = usedBytes;
            this.tiers = tiers;
            this.lastHeartbeatNanos = lastHeartbeatNanos;
        }

        WorkerInfo info(String id, boolean live) {
            return new WorkerInfo(id, host, port, capacityBytes, usedBytes, live, tiers, domainSocket, stopped);
        }
    }
}
