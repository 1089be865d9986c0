package io.gfsload.cache.master;

import static java.util.Objects.requireNonNull;

import com.google.common.base.Ticker;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.api.TierInfo;
import io.gfsload.cache.api.WorkerInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
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
 * before the stopping one and handled after it does not.
 *
 * <p>Besides what each worker last reported, the registry counts the blocks the master placed on
 * it that its reports may not include yet ({@link UnreportedPlacements}), so that placement does
 * not take room a worker reported as free that the master's own placements since have taken.
 * Thread-safe.
 */
final class WorkerRegistry {
    private final Ticker ticker;
    private final long lostAfterNanos;
    private final long unreportedExpiryNanos;
    /**
     * How long after the master serves a worker that was live before it started may take to
     * register: a heartbeat after its channel reconnects, which gRPC backs off while the master
     * was down (a second, then more).
     */
    static final Duration REGISTRATION_GRACE = Duration.ofMinutes(1);

    private final long registrationGraceNanos;
    /** When the master began to serve, by the ticker (when the registry was made, until then). */
    private volatile long servingNanos;
    /** No time: what {@link #lastCheckNanos} and {@link #resumedNanos} are until set. */
    private static final long NEVER = Long.MIN_VALUE;
    /** When the master's heartbeat checker last ran ({@link #checkerRan}); {@link #NEVER} while none runs (a master checked by hand). */
    private volatile long lastCheckNanos = NEVER;
    /**
     * When the checker last found that the master itself had not run for longer than {@code
     * lostAfter} (a long GC pause, SIGSTOP, a starved host): the workers could not be heard
     * meanwhile, and each has {@code lostAfter} from then to heartbeat again.
     */
    private volatile long resumedNanos = NEVER;
    private final Map<String, Entry> workers = new HashMap<>();

    /**
     * @param lostAfter how long after its last heartbeat a worker is lost
     * @param unreportedExpiry how long a placement of a block not committed counts against its
     *     worker's room at most
     */
    WorkerRegistry(Ticker ticker, Duration lostAfter, Duration unreportedExpiry) {
        this.ticker = requireNonNull(ticker, "ticker is null");
        this.lostAfterNanos = lostAfter.toNanos();
        this.unreportedExpiryNanos = unreportedExpiry.toNanos();
        this.registrationGraceNanos = Math.max(lostAfterNanos, REGISTRATION_GRACE.toNanos());
        this.servingNanos = ticker.read();
    }

    /** The master serves its RPCs from now on: its workers register from now on. */
    void serving() {
        servingNanos = ticker.read();
    }

    /**
     * Whether the master began to serve less than {@link #REGISTRATION_GRACE} (or
     * {@code lostAfter}, when longer) ago: a worker that was live before it started (the master
     * restarted) may not have registered yet.
     */
    boolean starting() {
        return ticker.read() - servingNanos < registrationGraceNanos;
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
        Entry entry = new Entry(host, port, domainSocket, capacityBytes, usedBytes, List.copyOf(tiers), ticker.read());
        Entry before = workers.put(id, entry);
        if (before != null) {
            // writes placed on the worker before it registered again may still begin
            entry.unreported = before.unreported;
            entry.unreported.reported();
        }
    }

    /**
     * Records a heartbeat.
     *
     * @return the worker's state before this heartbeat, or empty when the worker is not registered
     */
    synchronized Optional<WorkerInfo> heartbeat(String id, long usedBytes) {
        return heartbeat(id, usedBytes, null, List.of());
    }

    /**
     * Records a heartbeat with the space of the worker's tiers ({@code null}: unchanged) and the
     * blocks it is writing, whose room that space includes: the placements of those blocks on the
     * worker stop counting as not reported. A worker that said it stops stays stopped ({@link #isStopped}).
     *
     * @return the worker's state before this heartbeat, or empty when the worker is not registered
     */
    synchronized Optional<WorkerInfo> heartbeat(String id, long usedBytes, List<TierInfo> tiers, List<String> writingBlockIds) {
        requireNonNull(writingBlockIds, "writingBlockIds is null");
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
        entry.unreported.reported();
        entry.unreported.beingWritten(writingBlockIds);
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
     * The live workers as a placement of {@code blockId} sees them, sorted by id: each with the
     * bytes of the blocks the master placed on it that its last report may not include, other than
     * {@code blockId}'s own (placing a block again replaces its earlier placement).
     */
    synchronized List<Candidate> placementCandidates(String blockId) {
        requireNonNull(blockId, "blockId is null");
        long now = ticker.read();
        List<Candidate> result = new ArrayList<>(workers.size());
        workers.forEach((id, entry) -> {
            if (isLive(entry, now)) {
                entry.unreported.expire(now - unreportedExpiryNanos);
                result.add(new Candidate(entry.info(id, true), entry.unreported.bytesExcept(blockId)));
            }
        });
        result.sort((a, b) -> a.worker().id().compareTo(b.worker().id()));
        return result;
    }

    /**
     * Counts a placement of {@code length} bytes of {@code blockId} on each of {@code tiers}' workers,
     * on the tier given (empty for a worker that reports no tiers), until the worker's reports
     * include it; see {@link UnreportedPlacements}.
     */
    synchronized void placed(String blockId, long length, Optional<String> tempArea,
            Map<String, Optional<StorageTier>> tiers) {
        long now = ticker.read();
        tiers.forEach((id, tier) -> {
            Entry entry = workers.get(id);
            if (entry != null) {
                entry.unreported.placed(blockId, tier, length, now, tempArea);
            }
        });
    }

    /** Records that {@code blockId} was committed (or staged) on {@code workerIds}: their next reports include it. */
    synchronized void committed(String blockId, Collection<String> workerIds) {
        for (String id : workerIds) {
            Entry entry = workers.get(id);
            if (entry != null) {
                entry.unreported.committed(blockId);
            }
        }
    }

    /** Stops counting the uncommitted placements into the temp area of {@code jobId}: it was aborted or expired. */
    synchronized void tempAreaDeleted(String jobId) {
        workers.values().forEach(entry -> entry.unreported.abandoned(jobId));
    }

    /** The bytes placed on live workers that their reports may not include yet. */
    synchronized long unreportedPlacementBytes() {
        long now = ticker.read();
        long bytes = 0;
        for (Entry entry : workers.values()) {
            if (isLive(entry, now)) {
                entry.unreported.expire(now - unreportedExpiryNanos);
                bytes += entry.unreported.totalBytes();
            }
        }
        return bytes;
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

    /**
     * What the master's heartbeat checker calls each time it runs, every heartbeat interval. When
     * it last ran longer than {@code lostAfter} ago, the master was paused (or starved) that long:
     * the workers' heartbeats waited too, so none is found lost for that silence, and each has
     * {@code lostAfter} from now to be heard again.
     *
     * @return how long the master did not run, when that was longer than {@code lostAfter}
     */
    Optional<Duration> checkerRan() {
        long now = ticker.read();
        long last = lastCheckNanos;
        lastCheckNanos = now;
        if (last != NEVER && now - last > lostAfterNanos) {
            resumedNanos = now;
            return Optional.of(Duration.ofNanos(now - last));
        }
        return Optional.empty();
    }

    /**
     * Whether a worker is live at {@code now}: heard within {@code lostAfter}, and not stopped.
     * While the checker has not run for longer than {@code lostAfter} (the master is only resuming
     * from a pause, and has not heard the heartbeats that waited meanwhile), as of the checker's
     * last run: the master's own silence is no worker's.
     */
    private boolean isLive(Entry entry, long now) {
        long lastCheck = lastCheckNanos;
        long judged = lastCheck != NEVER && now - lastCheck > lostAfterNanos ? lastCheck : now;
        return !entry.stopped && judged - Math.max(entry.lastHeartbeatNanos, resumedNanos) <= lostAfterNanos;
    }

    /** A worker found lost, and how long ago it last heartbeat. */
    record LostWorker(WorkerInfo worker, Duration sinceLastHeartbeat) {}

    /**
     * A live worker as placement sees it.
     *
     * @param worker the worker as it last reported
     * @param unreportedBytes bytes placed on the worker that its report may not include, by tier
     *     ({@code Optional.empty()}: a worker that reports no tiers); tiers without any are left out
     */
    record Candidate(WorkerInfo worker, Map<Optional<StorageTier>, Long> unreportedBytes) {
        Candidate {
            requireNonNull(worker, "worker is null");
            unreportedBytes = Map.copyOf(unreportedBytes);
        }

        /** The bytes placed on {@code tier} ({@code Optional.empty()}: a worker without tiers) that the report may not include. */
        long unreportedBytes(Optional<StorageTier> tier) {
            return unreportedBytes.getOrDefault(tier, 0L);
        }
    }

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
        UnreportedPlacements unreported = new UnreportedPlacements();

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
