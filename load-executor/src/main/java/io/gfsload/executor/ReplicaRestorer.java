package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import dev.failsafe.FailsafeException;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.Counts;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a load, writes again the blocks of every file that is not failed and that the cache holds
 * with fewer replicas than the replication on live workers (their replicas were on workers lost
 * during the load, or were evicted or freed since they were written), and replaces the report of a file
 * whose blocks could not all be written again by a failed one; then fails the files the cache still
 * lacks a block of, so that a load says SUCCEEDED only when the cache holds every block as asked.
 * Each block gets only the replicas it misses, placed away from the lost workers and from the live
 * workers that still hold it ({@link BlockTask#heldBy}, {@link WriteOptions#heldBy}): the master adds
 * the new replicas to the ones it records, so that the block ends with the replication asked.
 */
final class ReplicaRestorer {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaRestorer.class);

    /** Writes blocks of a file again, as the load writes them: reading the UFS, with its retries and load window. */
    @FunctionalInterface
    interface BlockRewrite {
        /**
         * Writes {@code blocks} of {@code file}, in order, from block {@code next} on, advancing
         * {@code next} as each is written and counting the retries in {@code retries}. Each block
         * is written as {@code write} says, and one that live workers hold ({@link BlockTask#heldBy})
         * only with the replicas missing: {@code write.heldBy(block.heldBy())}.
         *
         * @throws RuntimeException when a block cannot be written after the retries (perhaps a
         *     {@link FailsafeException} with the last failure as its cause)
         */
        void rewrite(FileLoad file, List<BlockTask> blocks, WriteOptions write, AtomicInteger next, AtomicInteger retries);
    }

    private final CacheClient cache;
    private final int replication;
    private final ProgressListener listener;
    private final BlockRewrite rewrite;
    private final Function<BlockTask, Optional<List<String>>> placement;

    /** A restorer that does not know where the load put each block. */
    ReplicaRestorer(CacheClient cache, int replication, ProgressListener listener, BlockRewrite rewrite) {
        this(cache, replication, listener, rewrite, block -> Optional.empty());
    }

    /**
     * @param placement where the load put a block (as {@link Shortfall.Causes#placement}), so that
     *     a block that cannot be written again names the lost workers that held it
     */
    ReplicaRestorer(CacheClient cache, int replication, ProgressListener listener, BlockRewrite rewrite,
            Function<BlockTask, Optional<List<String>>> placement) {
        this.cache = requireNonNull(cache, "cache is null");
        this.replication = replication;
        this.listener = requireNonNull(listener, "listener is null");
        this.rewrite = requireNonNull(rewrite, "rewrite is null");
        this.placement = requireNonNull(placement, "placement is null");
    }

    /**
     * Writes again the blocks of the files in {@code partitions} (one per partition of {@code plan},
     * in order) that are not failed and that the cache holds with fewer replicas than asked on
     * workers not in {@code lost}: their replicas were on the lost workers, or were evicted since
     * they were written. Replaces the reports of the files it restores or fails.
     *
     * @return what was written again; empty when no worker was lost and nothing was missing
     */
    Optional<LoadReport.ReplicaRestore> restore(LoadPlan plan, List<PartitionReport> partitions, Set<String> lost) {
        return restore(plan, partitions, lost, false);
    }

    /**
     * As {@link #restore(LoadPlan, List, Set)}; with {@code onlyFoundCached}, only about the files
     * the plan found with blocks or replicas already cached ({@link Shortfall#foundCached}): when the
     * cache removed nothing during the load ({@link Shortfall#noneRemoved}), what the load wrote is
     * held, but the master may have still listed blocks at planning that a worker had removed.
     */
    Optional<LoadReport.ReplicaRestore> restore(LoadPlan plan, List<PartitionReport> partitions, Set<String> lost, boolean onlyFoundCached) {
        List<FileLoad> asked = cached(plan, partitions);
        if (onlyFoundCached) {
            asked = asked.stream().filter(Shortfall::foundCached).toList();
        }
        Map<FileLoad, List<Shortfall.Missing>> missing = Shortfall.of(cache, asked, replication, lost);
        if (missing.isEmpty()) {
            return lost.isEmpty() ? Optional.empty() : Optional.of(new LoadReport.ReplicaRestore(List.copyOf(lost), 0, 0));
        }
        long blocks = missing.values().stream().mapToLong(List::size).sum();
        if (lost.isEmpty()) {
            LOG.warn("{} of the load lack replicas in the cache, evicted or freed since they were written: writing them again", Counts.of(blocks, "block"));
        }
        else {
            LOG.warn("Workers {} were lost during the load: restoring the replicas they held ({})", lost, Counts.of(blocks, "block"));
        }
        long[] restored = new long[2];
        for (int p = 0; p < partitions.size(); p++) {
            PartitionReport partition = partitions.get(p);
            List<FileReport> files = new ArrayList<>(partition.files());
            for (int f = 0; f < files.size(); f++) {
                FileLoad file = plan.partitions().get(p).files().get(f);
                List<Shortfall.Missing> lacking = missing.get(file);
                if (lacking != null && !files.get(f).failed()) {
                    files.set(f, restoreFile(file, files.get(f), lacking, lost, restored));
                }
            }
            partitions.set(p, partition.withFiles(files));
        }
        return Optional.of(new LoadReport.ReplicaRestore(List.copyOf(lost), restored[0], restored[1]));
    }

    /** The files of {@code plan} whose reports in {@code partitions} say cached (not failed), with blocks. */
    private static List<FileLoad> cached(LoadPlan plan, List<PartitionReport> partitions) {
        List<FileLoad> files = new ArrayList<>();
        for (int p = 0; p < partitions.size(); p++) {
            List<FileReport> reports = partitions.get(p).files();
            List<FileLoad> planned = plan.partitions().get(p).files();
            for (int f = 0; f < reports.size() && f < planned.size(); f++) {
                if (!reports.get(f).failed() && !planned.get(f).blocks().isEmpty()) {
                    files.add(planned.get(f));
                }
            }
        }
        return files;
    }

    /**
     * Fails, in {@code partitions}, every file not failed that the cache lacks a block of with its
     * replicas on workers not in {@code causes.lost()}: after {@link #restore}, whose writes may have
     * evicted other blocks of the load. Each file's error names the cause {@code causes} tells
     * ({@link Shortfall#reason}).
     */
    void failShortfall(LoadPlan plan, List<PartitionReport> partitions, Shortfall.Causes causes) {
        Map<FileLoad, List<Shortfall.Missing>> missing = Shortfall.of(cache, cached(plan, partitions), replication, causes.lost());
        if (missing.isEmpty()) {
            return;
        }
        LOG.warn("{} of the load lack blocks in the cache after it: failed", Counts.of(missing.size(), "file"));
        for (int p = 0; p < partitions.size(); p++) {
            PartitionReport partition = partitions.get(p);
            List<FileReport> files = new ArrayList<>(partition.files());
            for (int f = 0; f < files.size(); f++) {
                List<Shortfall.Missing> lacking = missing.get(plan.partitions().get(p).files().get(f));
                if (lacking != null && !files.get(f).failed()) {
                    String reason = Shortfall.reason(lacking.get(0), replication, causes);
                    listener.fileFailed(files.get(f).path(), reason);
                    files.set(f, Shortfall.failed(files.get(f), reason));
                }
            }
            partitions.set(p, partition.withFiles(files));
        }
    }

    /**
     * The lost workers that held {@code block}, as a restore failure names them: {@code  (lost with
     * worker worker-1)} where the load put it; {@code  after workers worker-1, worker-2 were lost}
     * when it cannot tell which of {@code lost} held it; nothing when none was lost.
     */
    private String lostWith(BlockTask block, Set<String> lost) {
        if (lost.isEmpty()) {
            return "";
        }
        List<String> held = placement.apply(block).orElse(List.of()).stream().filter(lost::contains).distinct().sorted().toList();
        if (!held.isEmpty()) {
            return " (lost with %s)".formatted(Shortfall.workers(held));
        }
        List<String> all = List.copyOf(new TreeSet<>(lost));
        return " after %s %s lost".formatted(Shortfall.workers(all), all.size() == 1 ? "was" : "were");
    }

    /** Writes the {@code missing} blocks of {@code file} again; adds the blocks and bytes written to {@code restored}. */
    private FileReport restoreFile(FileLoad file, FileReport loaded, List<Shortfall.Missing> lacking, Set<String> lost, long[] restored) {
        // each block with the live workers that still hold it: only its missing replicas are written
        List<BlockTask> missing = lacking.stream()
                .map(block -> new BlockTask(block.block().file(), block.block().index(), block.block().offset(), block.block().length(),
                        false, block.holders()))
                .toList();
        String path = file.file().path();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger retries = new AtomicInteger();
        try {
            rewrite.rewrite(file, missing, WriteOptions.replication(replication).excluding(lost), next, retries);
            LOG.info("Wrote {} of {} again", Counts.of(missing.size(), "block"), path);
            return new FileReport(path, loaded.length(), loaded.blocks(), loaded.blocksLoaded(), loaded.blocksAlreadyCached(), 0,
                    loaded.bytesLoaded(), loaded.bytesAlreadyCached(), loaded.retries() + retries.get(), null);
        }
        catch (RuntimeException e) {
            Throwable cause = e instanceof FailsafeException && e.getCause() != null ? e.getCause() : e;
            Shortfall.Missing block = lacking.get(Math.min(next.get(), lacking.size() - 1));
            String error = "block %d has %d of %d replicas on live workers%s, and writing it again failed: %s"
                    .formatted(block.block().index(), block.replicas(), replication, lostWith(block.block(), lost), Failures.describe(cause));
            LOG.warn("Writing the blocks of {} again failed: {}", path, error);
            listener.fileFailed(path, error);
            // not cached as asked: none of its blocks counts as loaded, nor do their bytes
            FileReport failed = new FileReport(path, loaded.length(), loaded.blocks(), 0, 0, loaded.blocks(), 0, 0, loaded.retries() + retries.get(), error);
            // changed or gone since it was planned: the rewrite uncached its blocks of the planned version, which a journal forgets
            return Failures.changedOrGoneAndUncached(cause) ? failed.withPlannedVersionUncached() : failed;
        }
        finally {
            for (BlockTask written : missing.subList(0, Math.min(next.get(), missing.size()))) {
                restored[0]++;
                restored[1] += written.length();
            }
        }
    }
}
