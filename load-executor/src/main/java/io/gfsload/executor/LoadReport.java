package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.advisor.Setting;
import io.gfsload.planner.DroppedPartitions;
import io.gfsload.planner.UnlistedDirectory;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * The honest account of a load: per partition and file, totals, state, timing and settings.
 *
 * @param target what was loaded, e.g. {@code demo.events dt=2026-11-20}
 * @param state {@link LoadState#SUCCEEDED} only when every planned block is cached; {@link
 *     LoadState#FAILED} when nothing could be cached or the failed files passed the threshold
 * @param replication the requested replicas per block
 * @param totals sums over all files
 * @param partitions per partition and per file
 * @param durationMillis wall time of the load, planning excluded, time outside the load window
 *     included
 * @param bytesPerSecond {@code bytesWritten} per second of {@code durationMillis} less the time
 *     outside the load window: the work the run did, whether its blocks were committed or not
 * @param bytesWritten bytes this run read from the UFS and wrote to the cache, once per block
 *     whatever the replication: the blocks it loaded and, in an atomic load, those it staged and
 *     did not commit; not the blocks it adopted from an earlier run's temp area, nor retries,
 *     blocks written again before their scope's commit or replicas written again after the load
 * @param settings the settings used, each with its reason
 * @param ufsBytesRead bytes this run read from the UFS, retries and the blocks written again before
 *     their scope's commit or after the load included
 * @param job the job's journal, or {@code null} when the load ran without one
 * @param restore the replicas written again after the load because workers were lost during it,
 *     or because its blocks were evicted or freed since they were written, or {@code null} when no
 *     worker was lost and nothing was written again
 * @param window the load window and how long the load waited for it, or {@code null} when the load
 *     ran without one
 * @param verified whether the blocks were checked on the workers after the load ({@code --verify}):
 *     then a file counted as cached has every block on live workers with {@code replication}
 *     replicas
 * @param staged what an atomic load left staged and not committed in its job's temp area, for
 *     the same command to adopt, or {@code null} when it left nothing there
 * @param stopReason {@code null}, or why the load ended before it could finish its work, e.g.
 *     {@code the cache master at 10.0.0.1:19998 stopped answering}: after the retries of a file,
 *     so that the files under way failed, those not started were not attempted and nothing was
 *     restored or committed after it; or during the check of {@code --verify}, which then checked
 *     no file
 * @param evicted what the workers evicted of other data (blocks not of this load's files) to make
 *     room for the blocks this run wrote, as they answered its writes
 * @param droppedPartitions the selected partitions of the table the metastore dropped while the
 *     load planned, in no count of the report, or {@code null} when none was
 * @param rewrittenBeforeCommit the blocks an atomic load wrote again before their scope's commit,
 *     as the master refused it for their replicas only on workers lost since they were staged;
 *     {@link RewrittenBeforeCommit#NONE} when it refused none
 */
public record LoadReport(String target, LoadState state, int replication, LoadTotals totals, List<PartitionReport> partitions,
        long durationMillis, long bytesPerSecond, long bytesWritten, List<Setting> settings, long ufsBytesRead, JobSummary job, ReplicaRestore restore,
        Window window, Staged staged, boolean verified, String stopReason, Evicted evicted, DroppedPartitions droppedPartitions,
        RewrittenBeforeCommit rewrittenBeforeCommit) implements Serializable {
    /** A report of a load that wrote no block again before a commit. */
    public LoadReport(String target, LoadState state, int replication, LoadTotals totals, List<PartitionReport> partitions, long durationMillis,
            long bytesPerSecond, long bytesWritten, List<Setting> settings, long ufsBytesRead, JobSummary job, ReplicaRestore restore, Window window,
            Staged staged, boolean verified, String stopReason, Evicted evicted, DroppedPartitions droppedPartitions) {
        this(target, state, replication, totals, partitions, durationMillis, bytesPerSecond, bytesWritten, settings, ufsBytesRead, job, restore, window,
                staged, verified, stopReason, evicted, droppedPartitions, RewrittenBeforeCommit.NONE);
    }

    /** This report with {@code value} as its {@link #window()}. */
    public LoadReport withWindow(Window value) {
        return new LoadReport(target, state, replication, totals, partitions, durationMillis, bytesPerSecond, bytesWritten, settings, ufsBytesRead, job, restore,
                value, staged, verified, stopReason, evicted, droppedPartitions, rewrittenBeforeCommit);
    }

    /**
     * The job a run belongs to.
     *
     * @param jobId the id derived from the request
     * @param run 1 for a job's first run, more when it resumed earlier ones
     * @param previousBlocks blocks committed by earlier runs, as the journal records them
     * @param previousBlocksCached of those, the blocks the cache still held when this run planned,
     *     of files the plan has with the same identity
     * @param previousBlocksOfChangedFiles of those, the blocks of files rewritten or deleted in the
     *     UFS since (not in this run's plan with the identity they were committed for, in a
     *     partition it selects)
     * @param previousBlocksNotSelected of those, the blocks of partitions this run's plan no longer
     *     selects (a new partition pushed them out of {@code --latest N}, or they were dropped):
     *     not loaded by this run; the rest, {@code previousBlocks - previousBlocksCached -
     *     previousBlocksOfChangedFiles - previousBlocksNotSelected}, were evicted, or lost with a
     *     worker, since, and this run loads them again
     * @param previousUfsBytesRead UFS bytes read by earlier runs, including reads a crash wasted
     * @param adoptedBlocks of the blocks this run loaded, those an earlier run of the atomic job
     *     staged in its temp area, which this run committed without reading them again (the rate
     *     leaves them out)
     * @param adoptedBytes their bytes
     * @param warning when not null, what the journal could not record of this run, and why: it
     *     failed to be written after the cache had done what the write records (the master
     *     committed blocks, which count as loaded all the same), or as the run ended
     */
    public record JobSummary(String jobId, long run, long previousBlocks, long previousBlocksCached, long previousBlocksOfChangedFiles,
            long previousBlocksNotSelected, long previousUfsBytesRead, long adoptedBlocks, long adoptedBytes, String warning) implements Serializable {
        /** A job whose journal recorded everything, without a warning. */
        public JobSummary(String jobId, long run, long previousBlocks, long previousBlocksCached, long previousBlocksOfChangedFiles,
                long previousBlocksNotSelected, long previousUfsBytesRead, long adoptedBlocks, long adoptedBytes) {
            this(jobId, run, previousBlocks, previousBlocksCached, previousBlocksOfChangedFiles, previousBlocksNotSelected, previousUfsBytesRead,
                    adoptedBlocks, adoptedBytes, null);
        }

        public JobSummary {
            requireNonNull(jobId, "jobId is null");
        }

        /** This job with {@code blocks} of {@code bytes} adopted by the run. */
        public JobSummary withAdopted(long blocks, long bytes) {
            return new JobSummary(jobId, run, previousBlocks, previousBlocksCached, previousBlocksOfChangedFiles, previousBlocksNotSelected,
                    previousUfsBytesRead, blocks, bytes, warning);
        }

        /** This job with {@code value} as its warning, after the one it has, if any. */
        public JobSummary withWarning(String value) {
            requireNonNull(value, "value is null");
            return new JobSummary(jobId, run, previousBlocks, previousBlocksCached, previousBlocksOfChangedFiles, previousBlocksNotSelected,
                    previousUfsBytesRead, adoptedBlocks, adoptedBytes, warning == null ? value : warning + "; " + value);
        }
    }

    /**
     * The blocks a load wrote again after it had written them, so that they hold their replicas on
     * live workers: their replicas were on workers lost during the load, or were evicted since they
     * were written.
     *
     * @param lostWorkers ids of the workers that a write could not reach or that the master no
     *     longer counts live, sorted; empty when only evicted blocks were written again
     * @param blocks blocks written again (each with the full replication, away from the lost workers)
     * @param bytes their bytes, read from the UFS again
     */
    public record ReplicaRestore(List<String> lostWorkers, long blocks, long bytes) implements Serializable {
        public ReplicaRestore {
            lostWorkers = List.copyOf(requireNonNull(lostWorkers, "lostWorkers is null"));
        }

        /** This restore with {@code more} lost workers besides its own, sorted. */
        public ReplicaRestore withLostWorkers(Collection<String> more) {
            java.util.SortedSet<String> all = new java.util.TreeSet<>(lostWorkers);
            all.addAll(more);
            return new ReplicaRestore(List.copyOf(all), blocks, bytes);
        }
    }

    /**
     * The blocks an atomic load staged in its job's temp area and did not commit (a scope with a
     * failed file): invisible to readers, kept until the area expires for the same command to
     * adopt rather than read again.
     *
     * @param blocks the blocks in the temp area after the run, staged by it or by earlier runs
     * @param bytes their bytes, once per block
     * @param keptUntil when the cluster deletes them unless the same command adopts them first, in
     *     ISO-8601 UTC, e.g. {@code 2026-11-21T01:14:05Z}
     * @param confirmed whether the master said so; false when it could not be asked (it stopped
     *     answering): the figures are then what the run knows, the blocks it staged and those of
     *     earlier runs it found there, not committed, and the expiry the master last gave the area
     */
    public record Staged(long blocks, long bytes, String keptUntil, boolean confirmed) implements Serializable {
        public Staged {
            requireNonNull(keptUntil, "keptUntil is null");
        }
    }

    /**
     * The hours the load was allowed to read in, and the time it spent outside them.
     *
     * @param window {@code HH:MM-HH:MM}
     * @param zone the time zone of the window, e.g. {@code Europe/Berlin}
     * @param waitedMillis time the load waited for the window before its first read; for a load in
     *     slices, before it sent them
     * @param pauses times the window closed after the load had started; for a load in slices, which
     *     run side by side and pause together in their own processes, the most of any one slice
     *     (a slice whose task started while the window was closed counts its wait as a pause), over
     *     the load's rounds of slices
     * @param pausedMillis time the load was paused by those closings; for a load in slices, the
     *     longest any one slice was, over the load's rounds of slices
     * @param warning when not null, what the load could not do as the window opened: plan again
     *     because the metastore could not be reached, and so loaded the plan made when it started
     */
    public record Window(String window, String zone, long waitedMillis, int pauses, long pausedMillis, String warning) implements Serializable {
        /** A window without a warning. */
        public Window(String window, String zone, long waitedMillis, int pauses, long pausedMillis) {
            this(window, zone, waitedMillis, pauses, pausedMillis, null);
        }

        public Window {
            requireNonNull(window, "window is null");
            requireNonNull(zone, "zone is null");
            if (waitedMillis < 0 || pauses < 0 || pausedMillis < 0) {
                throw new IllegalArgumentException("negative window figures: %d ms waited, %d pauses, %d ms paused".formatted(waitedMillis, pauses, pausedMillis));
            }
        }

        /** This window with {@code value} as its warning. */
        public Window withWarning(String value) {
            return new Window(window, zone, waitedMillis, pauses, pausedMillis, requireNonNull(value, "value is null"));
        }

        /** Time outside the window, waited or paused. */
        public long closedMillis() {
            return waitedMillis + pausedMillis;
        }
    }

    /**
     * Cached data the workers deleted to make room for a load's writes: blocks of files other than
     * the load's (other tables, paths or partitions), which readers then read from the UFS again.
     *
     * @param blocks the blocks that lost at least one replica
     * @param replicas the replicas deleted: more than {@code blocks} when a block lost several
     * @param bytes the bytes of those replicas: the room their eviction made
     * @param perBlock in the report of a slice of a load in slices ({@link SliceLoad}), each of the
     *     blocks counted, sorted by id: a slice counts the blocks not of its own files, of which
     *     those of the load's other slices are the load's own, which only the load, with the whole
     *     plan, tells apart; empty in the report of a load. As many as the slice's writes evicted of
     *     blocks not of its files, which its cache client heard of one by one
     */
    public record Evicted(long blocks, long replicas, long bytes, List<Block> perBlock) implements Serializable {
        public static final Evicted NONE = new Evicted(0, 0, 0);

        /**
         * A block the workers evicted.
         *
         * @param blockId its id ({@code BlockKey#blockId})
         * @param replicas its replicas deleted
         * @param bytes their bytes
         */
        public record Block(String blockId, long replicas, long bytes) implements Serializable {
            public Block {
                requireNonNull(blockId, "blockId is null");
                if (replicas < 1 || bytes < 0) {
                    throw new IllegalArgumentException("invalid eviction of block %s: %d replicas, %d bytes".formatted(blockId, replicas, bytes));
                }
            }
        }

        /** The figures alone, as a load's report has them. */
        public Evicted(long blocks, long replicas, long bytes) {
            this(blocks, replicas, bytes, List.of());
        }

        public Evicted {
            if (blocks < 0 || replicas < blocks || bytes < 0) {
                throw new IllegalArgumentException("invalid eviction figures: %d blocks, %d replicas, %d bytes".formatted(blocks, replicas, bytes));
            }
            perBlock = List.copyOf(requireNonNull(perBlock, "perBlock is null"));
            if (!perBlock.isEmpty() && perBlock.size() != blocks) {
                throw new IllegalArgumentException("%d blocks evicted, %d given".formatted(blocks, perBlock.size()));
            }
        }
    }

    /**
     * The blocks of an atomic load written again before their scope's commit: the master refused
     * the commit because their replicas were all on workers lost (killed, their heartbeats missed)
     * since they were staged, which readers would not see them on; the load wrote them again into
     * its temp area, away from those workers, and committed the scope again. Neither loaded twice
     * nor in {@code bytesWritten}: their second reads are in {@code ufsBytesRead}.
     *
     * @param blocks the blocks written again; one written again in two rounds (a second worker
     *     lost before the next commit) counts twice, as its bytes are read twice
     * @param bytes their bytes, read from the UFS again
     * @param commitsRefused the commits of a scope (a file, a batch of small files, a partition,
     *     the job) the master refused for such blocks, each followed by their writes again
     * @param lostWorkers ids of the workers those blocks had their replicas on, sorted
     */
    public record RewrittenBeforeCommit(long blocks, long bytes, long commitsRefused, List<String> lostWorkers) implements Serializable {
        public static final RewrittenBeforeCommit NONE = new RewrittenBeforeCommit(0, 0, 0, List.of());

        public RewrittenBeforeCommit {
            if (blocks < 0 || bytes < 0 || commitsRefused < 0) {
                throw new IllegalArgumentException("negative figures of blocks written again before a commit: %d blocks, %d bytes, %d commits refused"
                        .formatted(blocks, bytes, commitsRefused));
            }
            lostWorkers = List.copyOf(new TreeSet<>(requireNonNull(lostWorkers, "lostWorkers is null")));
        }

        /** These figures and {@code other}'s added up, the lost workers of both once each: two slices' of a load in slices. */
        public RewrittenBeforeCommit plus(RewrittenBeforeCommit other) {
            List<String> workers = new ArrayList<>(lostWorkers);
            workers.addAll(other.lostWorkers);
            return new RewrittenBeforeCommit(blocks + other.blocks, bytes + other.bytes, commitsRefused + other.commitsRefused, workers);
        }
    }

    public LoadReport {
        requireNonNull(target, "target is null");
        requireNonNull(state, "state is null");
        requireNonNull(totals, "totals is null");
        partitions = List.copyOf(requireNonNull(partitions, "partitions is null"));
        settings = List.copyOf(requireNonNull(settings, "settings is null"));
        requireNonNull(evicted, "evicted is null");
        requireNonNull(rewrittenBeforeCommit, "rewrittenBeforeCommit is null");
    }

    /** This report with {@code partitions} instead of its own, and their totals; the same state and rate. */
    public LoadReport withPartitions(List<PartitionReport> partitions) {
        return new LoadReport(target, state, replication, LoadTotals.of(partitions), partitions, durationMillis, bytesPerSecond, bytesWritten, settings,
                ufsBytesRead, job, restore, window, staged, verified, stopReason, evicted, droppedPartitions, rewrittenBeforeCommit);
    }

    /** This report with {@code value} as its {@link #job()}. */
    public LoadReport withJob(JobSummary value) {
        return new LoadReport(target, state, replication, totals, partitions, durationMillis, bytesPerSecond, bytesWritten, settings, ufsBytesRead, value,
                restore, window, staged, verified, stopReason, evicted, droppedPartitions, rewrittenBeforeCommit);
    }

    /** This report with {@code value} as its {@link #evicted()}. */
    public LoadReport withEvicted(Evicted value) {
        return new LoadReport(target, state, replication, totals, partitions, durationMillis, bytesPerSecond, bytesWritten, settings, ufsBytesRead, job,
                restore, window, staged, verified, stopReason, value, droppedPartitions, rewrittenBeforeCommit);
    }

    /** This report with {@code value} as its {@link #rewrittenBeforeCommit()}. */
    public LoadReport withRewrittenBeforeCommit(RewrittenBeforeCommit value) {
        return new LoadReport(target, state, replication, totals, partitions, durationMillis, bytesPerSecond, bytesWritten, settings, ufsBytesRead, job,
                restore, window, staged, verified, stopReason, evicted, droppedPartitions, value);
    }

    /** This report with {@code value} as its {@link #ufsBytesRead()}. */
    public LoadReport withUfsBytesRead(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("ufsBytesRead must not be negative: " + value);
        }
        return new LoadReport(target, state, replication, totals, partitions, durationMillis, bytesPerSecond, bytesWritten, settings, value, job,
                restore, window, staged, verified, stopReason, evicted, droppedPartitions, rewrittenBeforeCommit);
    }

    /** This report with {@code staged} as what its job's temp area holds after the run. */
    public LoadReport withStaged(Staged staged) {
        return new LoadReport(target, state, replication, totals, partitions, durationMillis, bytesPerSecond, bytesWritten, settings, ufsBytesRead, job,
                restore, window, staged, verified, stopReason, evicted, droppedPartitions, rewrittenBeforeCommit);
    }

    /**
     * This report with each text it repeats from elsewhere as {@code names} and {@code messages}
     * show them: the target, the partitions' names (dropped ones too), the files' and unlisted
     * directories' paths through {@code names}; the partitions', files' and directories' errors,
     * the window's warning and the stop reason,
     * which may hold what a UFS or the metastore said, through {@code messages}. What a command
     * does before it prints or writes the report, hiding secrets: a URL's keys in a name, also a
     * secret setting's value in a message.
     */
    public LoadReport withTextsShown(UnaryOperator<String> names, UnaryOperator<String> messages) {
        requireNonNull(names, "names is null");
        requireNonNull(messages, "messages is null");
        UnaryOperator<String> message = text -> text == null ? null : messages.apply(text);
        List<PartitionReport> shownPartitions = partitions.stream().map(partition -> new PartitionReport(names.apply(partition.name()),
                partition.totals(),
                partition.files().stream().map(file -> new FileReport(names.apply(file.path()), file.length(), file.blocks(), file.blocksLoaded(),
                        file.blocksAlreadyCached(), file.blocksFailed(), file.bytesLoaded(), file.bytesAlreadyCached(), file.retries(),
                        message.apply(file.error()), file.plannedVersionUncached())).toList(),
                message.apply(partition.error()),
                partition.unlistedDirectories().stream().map(directory -> new UnlistedDirectory(names.apply(directory.path()),
                        messages.apply(directory.error()))).toList(),
                partition.locationMissing())).toList();
        Window shownWindow = window == null ? null
                : new Window(window.window(), window.zone(), window.waitedMillis(), window.pauses(), window.pausedMillis(), message.apply(window.warning()));
        DroppedPartitions shownDropped = droppedPartitions == null ? null
                : new DroppedPartitions(droppedPartitions.names().stream().map(names).toList(), names.apply(droppedPartitions.warning()));
        return new LoadReport(names.apply(target), state, replication, totals, shownPartitions, durationMillis, bytesPerSecond, bytesWritten, settings,
                ufsBytesRead, job, restore, shownWindow, staged, verified, message.apply(stopReason), evicted, shownDropped, rewrittenBeforeCommit);
    }

    /** The files that failed, in plan order. */
    public List<FileReport> failedFiles() {
        return partitions.stream().flatMap(p -> p.files().stream()).filter(FileReport::failed).toList();
    }
}
