package io.gfsload.cache.master;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.StorageTier;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The blocks the master placed on one worker that the worker's reports may not include yet, and
 * their bytes by tier.
 *
 * <p>A worker reports the room a write holds from the moment the write begins, which is after the
 * master placed it, so a report taken in between does not include it. A placement counts:
 * <ul>
 * <li>until a report that lists the block among those the worker is writing: the room its write
 * holds is in that report's used bytes (counting it too would take it off the worker's room twice,
 * and a worker with free room would look full beside one whose report is older);
 * <li>until the first report after the block was committed (or staged) on the worker, which
 * includes the stored block (a report that arrives after the commit was taken after the write
 * began, unless it was under way for the whole write);
 * <li>or, for a block not committed (a write that failed, a client that went away or was never
 * going to write), until the master forgets it: when its temp area is aborted or expires, or at
 * the latest {@link MasterConfig#unreportedPlacementExpiry} after the placement. By then a write that did begin is in the
 * worker's reports; one that did not must not take the worker's room for good.
 * </ul>
 * A placement of a block the worker is already counted for replaces the earlier one. Not
 * thread-safe: the {@link WorkerRegistry} guards it.
 */
final class UnreportedPlacements {
    /** Not committed yet, oldest first. */
    private final LinkedHashMap<String, Placement> uncommitted = new LinkedHashMap<>();
    /** Committed, waiting for the worker's next report. */
    private final Map<String, Placement> committed = new LinkedHashMap<>();
    /** Bytes by tier; {@code Optional.empty()} for a worker that reports no tiers. */
    private final Map<Optional<StorageTier>, Long> bytes = new LinkedHashMap<>();

    /** Counts {@code length} bytes of {@code blockId} on {@code tier}, placed at {@code nowNanos}. */
    void placed(String blockId, Optional<StorageTier> tier, long length, long nowNanos, Optional<String> tempArea) {
        requireNonNull(blockId, "blockId is null");
        requireNonNull(tier, "tier is null");
        requireNonNull(tempArea, "tempArea is null");
        checkArgument(length >= 0, "length must be >= 0: %s", length);
        subtract(uncommitted.remove(blockId));
        subtract(committed.remove(blockId));
        Placement placement = new Placement(tier, length, nowNanos, tempArea);
        uncommitted.put(blockId, placement);
        bytes.merge(tier, length, Long::sum);
    }

    /** Records that {@code blockId} was committed on the worker: the worker's next report includes it. */
    void committed(String blockId) {
        Placement placement = uncommitted.remove(blockId);
        if (placement != null) {
            committed.put(blockId, placement);
        }
    }

    /** Forgets the committed blocks: a report of the worker includes them. */
    void reported() {
        committed.values().forEach(this::subtract);
        committed.clear();
    }

    /**
     * Forgets the uncommitted placements of {@code blockIds}, which a report lists as being written
     * on the worker: the report's used bytes hold their room.
     */
    void beingWritten(Collection<String> blockIds) {
        for (String blockId : blockIds) {
            subtract(uncommitted.remove(blockId));
        }
    }

    /** Forgets the uncommitted blocks placed into the temp area of {@code jobId}. */
    void abandoned(String jobId) {
        for (Iterator<Placement> placements = uncommitted.values().iterator(); placements.hasNext(); ) {
            Placement placement = placements.next();
            if (placement.tempArea().filter(jobId::equals).isPresent()) {
                subtract(placement);
                placements.remove();
            }
        }
    }

    /** Forgets the uncommitted blocks placed at or before {@code cutoffNanos}. */
    void expire(long cutoffNanos) {
        for (Iterator<Placement> placements = uncommitted.values().iterator(); placements.hasNext(); ) {
            Placement placement = placements.next();
            if (placement.placedAtNanos() - cutoffNanos > 0) {
                // oldest first: the rest are younger
                return;
            }
            subtract(placement);
            placements.remove();
        }
    }

    /** The bytes counted on each tier ({@code Optional.empty()}: a worker without tiers), less those of {@code blockId}. */
    Map<Optional<StorageTier>, Long> bytesExcept(String blockId) {
        Map<Optional<StorageTier>, Long> result = new LinkedHashMap<>(bytes);
        Placement own = uncommitted.get(blockId);
        if (own == null) {
            own = committed.get(blockId);
        }
        if (own != null) {
            result.merge(own.tier(), -own.bytes(), Long::sum);
        }
        result.values().removeIf(value -> value == 0);
        return Map.copyOf(result);
    }

    /** The bytes counted, over the tiers. */
    long totalBytes() {
        return bytes.values().stream().mapToLong(Long::longValue).sum();
    }

    private void subtract(Placement placement) {
        if (placement != null) {
            bytes.merge(placement.tier(), -placement.bytes(), Long::sum);
            bytes.values().removeIf(value -> value == 0);
        }
    }

    private record Placement(Optional<StorageTier> tier, long bytes, long placedAtNanos, Optional<String> tempArea) {}
}
