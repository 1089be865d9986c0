package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.advisor.Units;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.Counts;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.RemovalMarks;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the cache lacks of a load's files once the load has written them: blocks with fewer
 * replicas than asked on live workers, evicted since they were written (a load larger than the
 * room the cache has for it evicts its own blocks, and loads side by side evict each other's),
 * freed by another client or lost with a worker; and which of those causes a load can name.
 */
final class Shortfall {
    /**
     * A block the cache holds on {@code holders}, live workers (not lost) that confirm their
     * replica, fewer than asked.
     */
    record Missing(BlockTask block, List<String> holders) {
        Missing {
            holders = List.copyOf(holders);
        }

        /** The replicas the cache holds on live workers. */
        int replicas() {
            return holders.size();
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(Shortfall.class);
    /** The cause of a missing replica that the load neither lost with a worker nor evicted itself. */
    private static final String OTHER_CLIENT = "evicted or freed by another client (another load, or gfsload free) since it was written";

    private Shortfall() {}

    /**
     * Whether the plan found blocks of {@code file}, or replicas of them, already cached: the
     * master's answer, which may be a heartbeat behind a worker that has removed them.
     */
    static boolean foundCached(FileLoad file) {
        return file.blocks().stream().anyMatch(block -> block.cached() || !block.heldBy().isEmpty());
    }

    /**
     * What {@code cache} has removed so far ({@link CacheClient#removalMarks}), or empty when it
     * cannot tell: then {@link #noneRemoved} is false and the load's blocks are checked.
     */
    static Optional<RemovalMarks> removalMarks(CacheClient cache) {
        try {
            return cache.removalMarks();
        }
        catch (RuntimeException e) {
            LOG.debug("Cannot ask the cache what it removed: {}", e.toString());
            return Optional.empty();
        }
    }

    /**
     * Whether {@code cache} has removed no block since {@code atStart} was taken: the master and
     * every live worker count what they removed (evicted, freed, found corrupt or missing, lost with a
     * restart), and the counts and the live workers are the same now. Then every block a load wrote
     * since is still held, and asking the workers about each ({@link #of}, about 20 µs a block) can
     * be skipped. False when either count cannot be had.
     */
    static boolean noneRemoved(CacheClient cache, Optional<RemovalMarks> atStart) {
        return atStart.isPresent() && removalMarks(cache).equals(atStart);
    }

    /**
     * The blocks of {@code files} that the cache holds with fewer than {@code replication} replicas
     * on workers not in {@code lost}, by file, in the order given; files without such blocks are
     * left out. The workers themselves confirm their replicas ({@link CacheClient#confirmedBlocks}):
     * the master hears of an eviction only with the worker's next heartbeat.
     */
    static Map<FileLoad, List<Missing>> of(CacheClient cache, List<FileLoad> files, int replication, Set<String> lost) {
        List<FileLoad> withBlocks = files.stream().filter(file -> !file.blocks().isEmpty()).toList();
        Map<FileLoad, List<Missing>> result = new LinkedHashMap<>();
        if (withBlocks.isEmpty()) {
            return result;
        }
        List<FileIdentity> identities = withBlocks.stream().map(FileLoad::file).distinct().toList();
        Map<FileIdentity, List<CachedBlock>> cached;
        try {
            cached = cache.confirmedBlocks(identities);
        }
        catch (UnsupportedOperationException e) {
            // a cache that cannot ask its workers: what its master records
            cached = cache.cachedBlocks(identities);
        }
        for (FileLoad file : withBlocks) {
            Map<Integer, CachedBlock> byIndex = new LinkedHashMap<>();
            cached.getOrDefault(file.file(), List.of()).forEach(block -> byIndex.putIfAbsent(block.index(), block));
            List<Missing> missing = new ArrayList<>();
            for (BlockTask block : file.blocks()) {
                CachedBlock held = byIndex.get(block.index());
                List<String> holders = held == null || held.length() != block.length() ? List.of()
                        : held.workerIds().stream().filter(id -> !lost.contains(id)).distinct().sorted().toList();
                if (holders.size() < replication) {
                    missing.add(new Missing(block, holders));
                }
            }
            if (!missing.isEmpty()) {
                result.put(file, missing);
            }
        }
        return result;
    }

    /**
     * What a load knows, once it has written its blocks, of where they went and what removed
     * them: what {@link #reason} names as the cause of a block the cache lacks.
     *
     * @param lost the workers lost during the load, as the load sees them at its last check
     * @param placement where the load last put a block, or, for a block it did not write, where
     *     the plan found its replicas ({@link BlockTask#heldBy}); empty when it cannot tell (a
     *     block found cached, or written by a slice in another process)
     * @param evictedByLoad ids of the blocks the load's own writes evicted since the cache last
     *     confirmed the load's blocks ({@link io.gfsload.cache.api.WriteEvictions}); other data's
     *     may be among them
     * @param loadBytes the bytes of the load's blocks times the replication: the room it needs
     * @param capacityBytes the capacity of the live workers, whatever they hold
     */
    record Causes(Set<String> lost, Function<BlockTask, Optional<List<String>>> placement, Set<String> evictedByLoad, long loadBytes, long capacityBytes) {
        Causes {
            lost = Set.copyOf(requireNonNull(lost, "lost is null"));
            requireNonNull(placement, "placement is null");
            requireNonNull(evictedByLoad, "evictedByLoad is null");
        }
    }

    /**
     * Why a file whose block {@code missing} the cache lacks after the load is not cached as asked:
     * {@code block 3 has 1 of 2 replicas in the cache after the load: } then the cause the load
     * knows of. Replicas on workers lost during the load were lost with them; the others were
     * evicted by the load's own writes when {@code causes} says so (the cache has no room for all
     * of the load with its replicas, or other data held the room it needed), else by another
     * client's, or freed by one.
     */
    static String reason(Missing missing, int replication, Causes causes) {
        BlockTask block = missing.block();
        Optional<List<String>> placed = causes.placement().apply(block);
        List<String> lostWith = placed.orElse(List.of()).stream().filter(causes.lost()::contains).distinct().sorted().toList();
        List<String> why = new ArrayList<>(2);
        if (!lostWith.isEmpty()) {
            why.add("lost with " + workers(lostWith));
        }
        if (lostWith.size() < replication - missing.replicas()) {
            if (causes.evictedByLoad().contains(block.key().blockId())) {
                String room = causes.loadBytes() > causes.capacityBytes()
                        ? "as the cache has no room for all of the load with its replicas"
                        : "as other data (another load's, or older) held the room the rest of the load needed";
                why.add(("evicted by the load's own later writes, %s (%s with %s; the live workers hold %s in all, other data included)")
                        .formatted(room, Units.size(causes.loadBytes()), Counts.of(replication, "replica"), Units.size(causes.capacityBytes())));
            }
            else if (placed.isEmpty() && !causes.lost().isEmpty()) {
                // found cached by the plan, or written in another process: where it was is not known here
                List<String> lost = List.copyOf(new TreeSet<>(causes.lost()));
                why.add((lost.size() == 1 ? "lost with " : "lost with one of ") + workers(lost) + ", or " + OTHER_CLIENT);
            }
            else {
                why.add(OTHER_CLIENT);
            }
        }
        return "block %d has %d of %d replicas in the cache after the load: %s".formatted(block.index(), missing.replicas(), replication,
                String.join(", and ", why));
    }

    /** {@code worker worker-1}, {@code workers worker-0, worker-1}. */
    static String workers(List<String> ids) {
        return (ids.size() == 1 ? "worker " : "workers ") + String.join(", ", ids);
    }

    /** {@code loaded}, which the load reported cached, failed for {@code reason}: none of its blocks counts as loaded or cached, nor do their bytes. */
    static FileReport failed(FileReport loaded, String reason) {
        return loaded.failedAs(reason);
    }
}
