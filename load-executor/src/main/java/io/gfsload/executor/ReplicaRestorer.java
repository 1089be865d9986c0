package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import dev.failsafe.FailsafeException;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a load during which workers were lost, writes the blocks of every file that is not failed
 * and has fewer replicas than the replication on the other workers again, onto live workers, and
 * replaces the report of a file whose blocks could not all be restored by a failed one. Each such
 * block is written with the full replication, placed away from the lost workers: the master adds
 * the new replicas to the ones it records.
 */
final class ReplicaRestorer {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaRestorer.class);

    /** Writes blocks of a file again, as the load writes them: reading the UFS, with its retries and load window. */
    @FunctionalInterface
    interface BlockRewrite {
        /**
         * Writes {@code blocks} of {@code file}, in order, from block {@code next} on, advancing
         * {@code next} as each is written and counting the retries in {@code retries}.
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

    ReplicaRestorer(CacheClient cache, int replication, ProgressListener listener, BlockRewrite rewrite) {
        this.cache = requireNonNull(cache, "cache is null");
        this.replication = replication;
        this.listener = requireNonNull(listener, "listener is null");
        this.rewrite = requireNonNull(rewrite, "rewrite is null");
    }

    /**
     * Restores the replicas that were on {@code lost} workers, replacing the reports in
     * {@code partitions} (one per partition of {@code plan}, in order) of files it restores or
     * fails.
     *
     * @return what was restored; empty when no worker was lost
     */
    Optional<LoadReport.ReplicaRestore> restore(LoadPlan plan, List<PartitionReport> partitions, Set<String> lost) {
        if (lost.isEmpty()) {
            return Optional.empty();
        }
        LOG.warn("Workers {} were lost during the load: restoring the replicas they held", lost);
        long[] restored = new long[2];
        for (int p = 0; p < partitions.size(); p++) {
            PartitionReport partition = partitions.get(p);
            List<FileReport> files = new ArrayList<>(partition.files());
            for (int f = 0; f < files.size(); f++) {
                FileLoad file = plan.partitions().get(p).files().get(f);
                if (!files.get(f).failed() && !file.blocks().isEmpty()) {
                    files.set(f, restoreFile(file, files.get(f), lost, restored));
                }
            }
            partitions.set(p, partition.withFiles(files));
        }
        return Optional.of(new LoadReport.ReplicaRestore(List.copyOf(lost), restored[0], restored[1]));
    }

    /** Restores the blocks of {@code file} that lack live replicas; adds the blocks and bytes written to {@code restored}. */
    private FileReport restoreFile(FileLoad file, FileReport loaded, Set<String> lost, long[] restored) {
        Map<Integer, CachedBlock> cached = new HashMap<>();
        for (CachedBlock block : cache.cachedBlocks(file.file())) {
            cached.put(block.index(), block);
        }
        List<BlockTask> missing = file.blocks().stream()
                .filter(block -> liveReplicas(cached.get(block.index()), block, lost) < replication)
                .toList();
        if (missing.isEmpty()) {
            return loaded;
        }
        String path = file.file().path();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger retries = new AtomicInteger();
        try {
            rewrite.rewrite(file, missing, WriteOptions.replication(replication).excluding(lost), next, retries);
            LOG.info("Restored the replicas of {} blocks of {}", missing.size(), path);
            return new FileReport(path, loaded.length(), loaded.blocks(), loaded.blocksLoaded(), loaded.blocksAlreadyCached(), 0,
                    loaded.bytesLoaded(), loaded.retries() + retries.get(), null);
        }
        catch (RuntimeException e) {
            Throwable cause = e instanceof FailsafeException && e.getCause() != null ? e.getCause() : e;
            BlockTask block = missing.get(Math.min(next.get(), missing.size() - 1));
            String error = "block %d has %d of %d replicas on live workers after %s were lost, and writing it again failed: %s"
                    .formatted(block.index(), liveReplicas(cached.get(block.index()), block, lost), replication, lost, Failures.describe(cause));
            LOG.warn("Restoring the replicas of {} failed: {}", path, error);
            listener.fileFailed(path, error);
            return new FileReport(path, loaded.length(), loaded.blocks(), 0, 0, loaded.blocks(), loaded.bytesLoaded(),
                    loaded.retries() + retries.get(), error);
        }
        finally {
            for (BlockTask written : missing.subList(0, Math.min(next.get(), missing.size()))) {
                restored[0]++;
                restored[1] += written.length();
            }
        }
    }

    /** Replicas of {@code block} on workers not in {@code lost}; 0 when it is not cached as planned. */
    private static int liveReplicas(CachedBlock cached, BlockTask block, Set<String> lost) {
        if (cached == null || cached.length() != block.length()) {
            return 0;
        }
        return (int) cached.workerIds().stream().filter(id -> !lost.contains(id)).count();
    }
}
