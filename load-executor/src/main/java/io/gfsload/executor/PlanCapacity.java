package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.advisor.Units;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.cache.api.StagedBlock;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.PartitionLoad;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a cache cluster can hold what a plan has left to load, as a load checks it before it
 * starts and a dry run prints it: the bytes the load writes against the live workers' free and
 * evictable space, and the largest block to load against the workers' tiers. A block goes whole
 * into one tier of a worker, so it needs a tier at least its size on as many distinct live
 * workers as its replicas: the master's placement refuses it otherwise, whatever the space.
 *
 * <p>A re-run of an atomic job adopts the blocks an earlier run staged in the job's temp area
 * ({@link Adopted}) rather than write them again: they take room on the workers already (pinned
 * there, neither free nor evictable), so they count neither as bytes to write nor as room taken
 * from the load.
 *
 * @param replication the plan's replication
 * @param liveWorkers live workers of the cluster
 * @param bytesToLoad bytes of the blocks not cached yet, less those a re-run of an atomic job adopts
 * @param neededBytes bytes the load writes to the workers: each block to load times the replicas
 *     it misses (the replication, less the replicas live workers hold already: a load adds only
 *     those missing, {@link BlockTask#replicasToWrite}); none of the blocks it adopts
 * @param availableBytes free bytes plus the bytes eviction may reclaim, over the live workers, less
 *     the committed replicas of the plan's own blocks (evicting them would only lose what the load
 *     needs): the replicas the planner found ({@link BlockTask#cached}, {@link BlockTask#heldBy}),
 *     which are the master's committed ones, never staged ones
 * @param largestBlockBytes length of the largest block to load, 0 when nothing is to load
 * @param largestTiers the largest tier of each live worker ({@link WorkerInfo#largestTierBytes}),
 *     largest first
 * @param writingBytes bytes that unfinished writes hold on the live workers, which come back to
 *     {@code availableBytes} when those writes end ({@link ClusterInfo#liveWritingBytes}): the
 *     room an interrupted load's writes keep until they are aborted
 * @param freeBytes free bytes over the live workers: what the load can write without the workers
 *     evicting ({@link ClusterInfo#liveFreeBytes}); the unfinished writes' room is not free
 * @param adoptedBytes bytes of the blocks to load that an earlier run of the atomic job staged and
 *     this run adopts, each once; 0 for a load that is not atomic
 * @param adoptedBlockIds the ids of those blocks ({@link #adopted(Collection)} sums them for some of
 *     the plan's files); empty for a load that is not atomic
 */
public record PlanCapacity(int replication, int liveWorkers, long bytesToLoad, long neededBytes, long availableBytes, long largestBlockBytes,
        List<WorkerTier> largestTiers, long writingBytes, long freeBytes, long adoptedBytes, Set<String> adoptedBlockIds) {
    /** Workers named in a message at most; the others are counted. */
    private static final int WORKERS_NAMED = 5;

    /** The largest tier of a worker: the largest block it can hold. */
    public record WorkerTier(String workerId, long bytes) {
        public WorkerTier {
            requireNonNull(workerId, "workerId is null");
        }
    }

    public PlanCapacity {
        largestTiers = List.copyOf(requireNonNull(largestTiers, "largestTiers is null"));
        adoptedBlockIds = Set.copyOf(requireNonNull(adoptedBlockIds, "adoptedBlockIds is null"));
    }

    /** The capacity for {@code plan} of a load that adopts nothing: not atomic, or without a temp area. */
    public static PlanCapacity of(LoadPlan plan, ClusterInfo cluster) {
        return of(plan, cluster, Map.of());
    }

    /**
     * The capacity for {@code plan} of a load that adopts the blocks {@code staged} (by id, as
     * {@link Adopted#usable} gives them) of its blocks to load.
     */
    public static PlanCapacity of(LoadPlan plan, ClusterInfo cluster, Map<String, StagedBlock> staged) {
        requireNonNull(plan, "plan is null");
        requireNonNull(cluster, "cluster is null");
        requireNonNull(staged, "staged is null");
        int replication = plan.request().replication();
        long largestBlock = 0;
        long needed = 0;
        long adopted = 0;
        Set<String> adoptedIds = new HashSet<>();
        // committed replicas of the plan's blocks: eviction could reclaim them, but the load needs them
        long planCached = 0;
        for (PartitionLoad partition : plan.partitions()) {
            for (FileLoad file : partition.files()) {
                for (BlockTask block : file.blocks()) {
                    StagedBlock stagedBlock = block.cached() ? null : staged.get(block.key().blockId());
                    if (stagedBlock != null && stagedBlock.length() == block.length()) {
                        // adopted, not written: its staged replicas are pinned (not evictable), its committed ones needed
                        adopted += block.length();
                        adoptedIds.add(block.key().blockId());
                        planCached += block.length() * block.heldBy().size();
                    }
                    else if (!block.cached()) {
                        largestBlock = Math.max(largestBlock, block.length());
                        needed += block.length() * block.replicasToWrite(replication);
                        planCached += block.length() * block.heldBy().size();
                    }
                    else {
                        planCached += block.length() * replication;
                    }
                }
            }
        }
        List<WorkerTier> tiers = cluster.liveWorkers().stream()
                .map(worker -> new WorkerTier(worker.id(), worker.largestTierBytes()))
                .sorted(Comparator.comparingLong(WorkerTier::bytes).reversed().thenComparing(WorkerTier::workerId))
                .toList();
        long bytesToLoad = plan.stats().bytesToLoad() - adopted;
        long evictable = cluster.liveAvailableBytes() - cluster.liveFreeBytes();
        long available = cluster.liveAvailableBytes() - Math.min(Math.max(0, evictable), planCached);
        return new PlanCapacity(replication, cluster.liveWorkers().size(), bytesToLoad, needed,
                Math.max(0, available), largestBlock, tiers, cluster.liveWritingBytes(), cluster.liveFreeBytes(), adopted, adoptedIds);
    }

    /**
     * Of the blocks to load of {@code files} (some of the plan's: a partition's, or all of them),
     * those the load adopts rather than reads: their count and bytes.
     */
    public Adopted adopted(Collection<FileLoad> files) {
        requireNonNull(files, "files is null");
        return Adopted.sum(files, block -> !block.cached() && adoptedBlockIds.contains(block.key().blockId()));
    }

    /** Bytes of the replicas that live workers already hold of the blocks to load, which the load does not write again. */
    public long heldBytes() {
        return bytesToLoad * replication - neededBytes;
    }

    /**
     * {@code 84.0 MiB (77.0 MiB to load x 2 replicas, less 70.0 MiB of replicas already cached; 5.0
     * MiB more staged by an earlier run of the job, adopted)}: the bytes the load writes, and how,
     * sizes in {@link Units#size}'s form, as the dry run's table and the summary print them.
     */
    public String describeNeed() {
        return "%s (%s to load x %d %s%s%s)".formatted(Units.size(neededBytes), Units.size(bytesToLoad), replication,
                replication == 1 ? "replica" : "replicas", heldBytes() == 0 ? "" : ", less %s of replicas already cached".formatted(Units.size(heldBytes())),
                adoptedBytes == 0 ? "" : "; %s more staged by an earlier run of the job, adopted".formatted(Units.size(adoptedBytes)));
    }

    /** Live workers with a tier that holds the largest block to load. */
    public int workersForLargestBlock() {
        return (int) largestTiers.stream().filter(tier -> tier.bytes() >= largestBlockBytes).count();
    }

    /** Whether the cluster has a live worker for each replica of a block. */
    public boolean enoughWorkers() {
        return replication <= liveWorkers;
    }

    /** Whether the bytes the load writes fit in the live workers' free and evictable space. */
    public boolean spaceFits() {
        return neededBytes <= availableBytes;
    }

    /**
     * Whether the load would fit once the unfinished writes on the workers have ended, when it does
     * not fit now only for the space they hold: the plan fits but for {@link #spaceFits}, and the
     * bytes it writes fit in the available space plus {@link #writingBytes}.
     */
    public boolean fitsOnceWritesEnd() {
        return !fits() && enoughWorkers() && largestBlockFits() && neededBytes <= availableBytes + writingBytes;
    }

    /**
     * Whether the load fits, but only by the workers evicting cached blocks, while unfinished writes
     * hold room that would spare some or all of that once they end: the bytes it writes exceed the
     * free space, and {@link #writingBytes} is not 0.
     */
    public boolean evictsForUnfinishedWrites() {
        return fits() && writingBytes > 0 && neededBytes > freeBytes;
    }

    /** Whether the largest block to load fits a tier on {@code replication} distinct live workers. */
    public boolean largestBlockFits() {
        return largestBlockBytes == 0 || workersForLargestBlock() >= replication;
    }

    /** Whether the load fits: nothing to load, or enough workers, space and tiers large enough. */
    public boolean fits() {
        return neededBytes == 0 || enoughWorkers() && spaceFits() && largestBlockFits();
    }

    /**
     * Why the load does not fit in the cache's space or tiers, when it does not (the number of
     * workers aside: see {@link #enoughWorkers}), with the numbers and what to do.
     */
    public Optional<String> shortfall() {
        if (neededBytes == 0 || spaceFits() && largestBlockFits()) {
            return Optional.empty();
        }
        List<String> reasons = new ArrayList<>();
        if (!spaceFits()) {
            reasons.add("the plan needs %s, the %d live %s %s free or evictable%s".formatted(describeNeed(), liveWorkers,
                    liveWorkers == 1 ? "worker has" : "workers have", Units.size(availableBytes), writingBytes == 0 ? ""
                            : " (%s more %s held by unfinished writes, freed as they end: a killed load's within about 35 s)"
                                    .formatted(Units.size(writingBytes), liveWorkers == 1 ? "is" : "are")));
        }
        if (!largestBlockFits()) {
            int holding = workersForLargestBlock();
            reasons.add(("the largest block to load is %s, and %s: %s (largest tier per live worker: %s); a block goes whole into one tier: "
                    + "give the workers tiers of at least %s").formatted(Units.size(largestBlockBytes),
                    replication == 1 ? "its replica needs a live worker with a tier that large"
                            : "its %d replicas need %d distinct live workers with a tier that large".formatted(replication, replication),
                    holding == 0 ? "no live worker has one" : "only %d of the %d live workers %s one".formatted(holding, liveWorkers, holding == 1 ? "has" : "have"),
                    describeTiers(), Units.size(largestBlockBytes)));
        }
        return Optional.of("Not enough cache capacity: " + String.join("; and ", reasons) + (spaceFits() ? ""
                : ". Make room with 'gfsload free' (of tables or paths cached earlier),")
                + (spaceFits() ? ". Load" : " or load") + " anyway with --ignore-capacity (the blocks the cache cannot take fail)");
    }

    /** {@code worker-0 50.0 MiB, worker-1 50.0 MiB}: the largest tiers, the first few named. */
    public String describeTiers() {
        if (largestTiers.isEmpty()) {
            return "no live worker";
        }
        StringBuilder out = new StringBuilder();
        for (WorkerTier tier : largestTiers.subList(0, Math.min(WORKERS_NAMED, largestTiers.size()))) {
            out.append(out.isEmpty() ? "" : ", ").append(tier.workerId()).append(' ').append(Units.size(tier.bytes()));
        }
        if (largestTiers.size() > WORKERS_NAMED) {
            out.append(" and %d more".formatted(largestTiers.size() - WORKERS_NAMED));
        }
        return out.toString();
    }
}
