package io.gfsload.executor;

import io.gfsload.cache.api.StagedBlock;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.PartitionLoad;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What a run of an atomic job took over from its temp area: blocks an earlier run staged, which
 * this run committed without reading them again.
 *
 * @param blocks those blocks
 * @param bytes their bytes
 */
public record Adopted(long blocks, long bytes) {
    public static final Adopted NONE = new Adopted(0, 0);

    /**
     * The staged blocks of a temp area that count for a run: those with {@code replication}
     * replicas on workers of {@code live} (a replica on a worker lost since does not count), by id,
     * the committed replicas of {@code plan}'s blocks that live workers hold
     * ({@link BlockTask#heldBy}) counting with the staged ones.
     */
    static Map<String, StagedBlock> usable(List<StagedBlock> area, Set<String> live, int replication, LoadPlan plan) {
        Map<String, List<String>> held = new HashMap<>();
        for (PartitionLoad partition : plan.partitions()) {
            for (FileLoad file : partition.files()) {
                for (BlockTask block : file.blocks()) {
                    if (!block.heldBy().isEmpty()) {
                        held.put(block.key().blockId(), block.heldBy());
                    }
                }
            }
        }
        Map<String, StagedBlock> staged = new HashMap<>();
        for (StagedBlock block : area) {
            Set<String> workers = new HashSet<>(block.workerIds());
            workers.addAll(held.getOrDefault(block.block().blockId(), List.of()));
            if (workers.stream().filter(live::contains).count() >= replication) {
                staged.put(block.block().blockId(), block);
            }
        }
        return staged;
    }

    /**
     * Of {@code plan}'s blocks to load, those {@code staged} (by id, as {@link #usable} gives them):
     * what a run will adopt rather than read, unless their files fail.
     */
    static Adopted planned(LoadPlan plan, Map<String, StagedBlock> staged) {
        if (staged.isEmpty()) {
            return NONE;
        }
        return sum(plan, file -> true, block -> !block.cached() && isStaged(staged, block));
    }

    /** Of {@code plan}'s blocks to load, those {@code staged} of the files that {@code partitions} report loaded. */
    static Adopted of(LoadPlan plan, Map<String, StagedBlock> staged, List<PartitionReport> partitions) {
        if (staged.isEmpty()) {
            return NONE;
        }
        Map<String, FileReport> reports = byPath(partitions);
        return sum(plan,
                file -> {
                    FileReport report = reports.get(file.file().path());
                    return report != null && !report.failed() && report.blocksLoaded() > 0;
                },
                block -> !block.cached() && isStaged(staged, block));
    }

    /** Whether {@code staged} holds {@code block} with the block's length. */
    static boolean isStaged(Map<String, StagedBlock> staged, BlockTask block) {
        StagedBlock stagedBlock = staged.get(block.key().blockId());
        return stagedBlock != null && stagedBlock.length() == block.length();
    }

    /** The reports of {@code partitions}' files, by path. */
    static Map<String, FileReport> byPath(List<PartitionReport> partitions) {
        Map<String, FileReport> reports = new HashMap<>();
        partitions.forEach(partition -> partition.files().forEach(file -> reports.put(file.path(), file)));
        return reports;
    }

    /** The count and bytes of {@code plan}'s blocks that {@code blocks} accepts, of the files {@code files} accepts. */
    static Adopted sum(LoadPlan plan, Predicate<FileLoad> files, Predicate<BlockTask> blocks) {
        return sum(plan.partitions().stream().flatMap(partition -> partition.files().stream()).filter(files).toList(), blocks);
    }

    /** The count and bytes of the blocks of {@code files} that {@code blocks} accepts. */
    static Adopted sum(Collection<FileLoad> files, Predicate<BlockTask> blocks) {
        long count = 0;
        long bytes = 0;
        for (FileLoad file : files) {
            for (BlockTask block : file.blocks()) {
                if (blocks.test(block)) {
                    count++;
                    bytes += block.length();
                }
            }
        }
        return new Adopted(count, bytes);
    }
}
