package io.gfsload.advisor;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Derives settings from a workload profile: the COS client's and the cache cluster's, by the
 * rules of the GooseFS distributedLoad tuning guide, and gfsload's executor's, by the same rules
 * applied to its own readers.
 *
 * <p>Every setting carries its value, unit, the rule, the inputs the rule read and a one-line
 * reason with the numbers. Memory is bounded twice, with the share stated: the executor's buffers
 * stay within {@code heap / 4}, and a worker's read memory
 * ({@code max.active.task.num x (reader buffer + readahead x queue + 1 MiB)}) within a quarter of
 * the host memory the MEM tier leaves.
 *
 * <p>When the object store's profile is known, concurrency follows Little's law: to move {@code X}
 * bytes/s in requests of {@code q} bytes that each take {@code latency + q / per-stream bandwidth},
 * {@code X x (latency + q / per-stream) / q} streams are needed, never fewer than
 * {@code X / per-stream}. High latency with small files therefore asks for many more streams.
 * gfsload's executor is sized for the lesser of the store's cap and the cap on the load's reads
 * ({@link WorkloadProfile#bandwidthCap()}), of each the share of the slice the settings are for
 * ({@link WorkloadProfile#slice()}): threads beyond what that rate needs would only wait for the
 * limiter. The COS client's and the cluster's settings are for
 * GooseFS's own loads, which that cap does not limit: they follow the store's cap alone.
 *
 * <p>Pure: no I/O, no clock, no global state; the same profile and overrides always yield equal
 * settings.
 */
public final class TuningAdvisor {
    /** Executor buffers stay within heap / 4. */
    static final int HEAP_SHARE_DIVISOR = 4;
    /** A worker's read memory stays within (host memory - MEM tier) / 4. */
    static final int WORKER_MEMORY_SHARE_DIVISOR = 4;

    static final long KIB = 1L << 10;
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;

    /** fs.cosn.block.size for big-data files. */
    static final long COSN_BLOCK_SIZE = 128 * MIB;
    /** Readahead once files average tens of MB. */
    static final long LARGE_FILE_READ_BUFFER = 4 * MIB;
    /** Files averaging at least this are "tens of MB". */
    static final long LARGE_FILE_MEAN = 10 * MIB;
    /** Below this a request costs its latency whatever its size. */
    static final long MIN_READ_BUFFER = 64 * KIB;
    static final int MIN_QUEUE = 8;
    static final int MAX_QUEUE = 32;
    /** Length of one read request a worker serves (GooseFS's default). */
    static final long READ_REQUEST_BYTES = MIB;
    /** A reader buffer below one read request stalls every request. */
    static final long MIN_READER_BUFFER = MIB;
    /** GooseFS's default reader buffer; more only lets a worker run further ahead of its client. */
    static final long MAX_READER_BUFFER = 4 * MIB;
    static final long READER_BUFFER_ALIGNMENT = 64 * KIB;
    static final int CLIENT_POOL_PER_TASK = 2;
    /** GooseFS's cap on --active-jobs. */
    static final long MAX_ACTIVE_JOBS = 3000;

    /** The CPU rule alone never sets more executor threads than this; only a known backend does. */
    static final int MAX_THREADS = 64;
    /** Hard cap on any thread count, whatever the backend asks for. */
    static final int MAX_THREADS_WITH_BACKEND = 256;
    /** The controller may back off to an eighth of the starting concurrency (three halvings). */
    static final int MIN_THREADS_DIVISOR = 8;
    /**
     * The executor starts with half again the streams Little's law asks for: a stream idles between
     * its requests (the write to the cache, scheduling), and streams above the store's knee only
     * queue at its cap while streams below it leave bandwidth unused until the controller climbs.
     */
    static final long STREAM_HEADROOM_PERCENT = 150;
    static final int TASK_SETS_PER_THREAD = 4;
    static final long MAX_TASK_SET_BYTES = GIB;

    static final String RULE_COSN_BLOCK_SIZE = "128 MB for big-data files (GooseFS guide)";
    static final String RULE_READ_AHEAD = "4 MiB when files average tens of MB (>= 10 MiB); otherwise the median file size, so that one "
            + "request fetches a whole file; within [64 KiB, 4 MiB] (GooseFS guide)";
    static final String RULE_UPLOAD_THREAD_POOL = "2-3 x CPU cores (GooseFS guide): 2 x cores, raised to the streams that fill this worker's "
            + "share of the store's cap by Little's law, at most 256; fewer if a worker's read memory cannot hold them";
    static final String RULE_MAX_ACTIVE_TASKS = "a little above fs.cosn.upload_thread_pool (GooseFS guide): pool + max(1, ceil(pool / 8))";
    static final String RULE_QUEUE = "8-32 and at most fs.cosn.block.size / fs.cosn.read.ahead.block.size, bounded by memory: one stream holds "
            + "read.ahead.block.size x queue.size (GooseFS guide)";
    static final String RULE_READER_BUFFER = "bounded by memory: max.active.task.num x (buffer + read.ahead.block.size x queue.size + 1 MiB "
            + "read request) <= (host memory - MEM tier) / 4 (GooseFS guide; the share is gfsload's); within [1 MiB, 4 MiB]";
    static final String RULE_CLIENT_POOL = "2 x goosefs.job.worker.max.active.task.num (GooseFS guide)";
    static final String RULE_THREADPOOL = "at most goosefs.job.worker.max.active.task.num (GooseFS guide): one task thread per COS read thread";
    static final String RULE_ACTIVE_JOBS = "above goosefs.job.worker.max.active.task.num, at most 3000 (GooseFS guide): "
            + "ceil(1.25 x workers x max.active.task.num) keeps every job worker busy";
    static final String RULE_EXECUTOR_READ_BUFFER = "the rule of fs.cosn.read.ahead.block.size (GooseFS guide), and at most heap / 4";
    static final String RULE_EXECUTOR_THREADS = "2 x cores up to 64 (the rule of fs.cosn.upload_thread_pool), raised to 1.5 x the streams that "
            + "fill the store's cap by Little's law, or --bandwidth when that is lower (of each a slice's share); at most executor.max-ufs-read-threads";
    static final String RULE_EXECUTOR_MAX_THREADS = "min(256, heap / 4 / read buffer, ranged reads (the files, or bytes / read buffer when more), "
            + "an explicit executor.active-files): the memory "
            + "bound the adaptive controller never exceeds (gfsload)";
    static final String RULE_EXECUTOR_MIN_THREADS = "read threads / 8, at least 1: room for the adaptive controller to back off a "
            + "throttling store (gfsload)";
    static final String RULE_IN_FLIGHT = "max read threads x read buffer; when the median file is small (<= 1 MiB), at least 128 MiB "
            + "for the batches of small blocks; at most heap / 4 (gfsload)";
    /** Files up to this size are small: the executor reads each whole and writes many of them to one cache call. */
    static final long SMALL_FILE_BYTES = MIB;
    /**
     * In-flight bytes for loads of small files, within heap / 4: the executor's batches of small
     * blocks (up to 32 MiB each, one per writer thread, the next ones read meanwhile) are what
     * their cost per file depends on.
     */
    static final long SMALL_FILE_IN_FLIGHT = 128 * MIB;
    static final String RULE_ACTIVE_FILES = "max read threads + ceil(max / 4), at most the files: a reader that finishes finds the next file "
            + "open, as GooseFS's active jobs > max.active.task.num > upload_thread_pool (gfsload)";
    static final String RULE_STREAMS_PER_FILE = "min(read threads, mean file / read buffer), at least 1: a file larger than one read buffer is "
            + "read as that many concurrent ranged reads, each on a stream of its own, so that a few large files still use every stream the "
            + "store needs; all reads together stay within the read threads and the in-flight bytes (gfsload)";
    static final String RULE_TASK_SET = "bytes to load / (4 x read threads) in whole blocks, within [1 block, 1 GiB]: four task sets or more "
            + "per reader balance uneven files (gfsload)";

    private TuningAdvisor() {}

    /** The settings for {@code profile}, every value from a rule. */
    public static Settings recommend(WorkloadProfile profile) {
        return recommend(profile, List.of());
    }

    /**
     * The settings for {@code profile}, with explicit values that win over the rules. A later rule
     * reads the explicit value (an explicit read buffer changes the threads the memory bound
     * allows), and a bound an explicit value breaks is said in the reasons, not enforced. An
     * explicit {@link Settings#UFS_READ_THREADS} also fixes the controller's minimum and maximum
     * to it, unless those are explicit too.
     *
     * @throws IllegalArgumentException when an override names an unknown setting or a setting twice
     */
    public static Settings recommend(WorkloadProfile profile, List<SettingOverride> overrides) {
        requireNonNull(profile, "profile is null");
        Derivation derivation = new Derivation(overrides);
        cosAndCluster(profile, derivation);
        executor(profile, derivation);
        return derivation.settings();
    }

    /** The COS client's settings and the cache workers' and job workers', per worker node. */
    private static void cosAndCluster(WorkloadProfile profile, Derivation derivation) {
        long blockSize = derivation.add(new Setting(Settings.COSN_BLOCK_SIZE, COSN_BLOCK_SIZE, "bytes",
                "%s for big-data files".formatted(Units.bytes(COSN_BLOCK_SIZE)),
                RULE_COSN_BLOCK_SIZE, Map.of(), Setting.Source.ADVISOR));

        ReadAhead readAheadRule = readAhead(profile);
        long readAhead = derivation.add(new Setting(Settings.COSN_READ_AHEAD_BLOCK_SIZE, readAheadRule.bytes(), "bytes", readAheadRule.reason(),
                RULE_READ_AHEAD, inputs("mean-file-bytes", profile.meanFileBytes(), "median-file-bytes", profile.medianFileBytes()),
                Setting.Source.ADVISOR));

        WorkerMemory memory = WorkerMemory.of(profile, blockSize, readAhead);
        Streams needed = Streams.toFill(
                profile.backend().aggregateBytesPerSecond() / profile.workers(), profile.backend(), requestBytes(profile, readAhead));
        long byCores = 2L * profile.cores();
        long desired = Math.min(MAX_THREADS_WITH_BACKEND, Math.max(byCores, needed.count().orElse(0)));
        long byMemory = largestPoolWithin(memory.maxTasks());
        long pool = Math.min(desired, byMemory);
        String poolReason = "2 x %d cores = %d".formatted(profile.cores(), byCores);
        if (needed.count().isPresent()) {
            poolReason += "; per worker %s (cap / %d workers) needs %s%s".formatted(
                    Units.bandwidth(profile.backend().aggregateBytesPerSecond() / profile.workers()), profile.workers(), needed.reason(), probedNote(profile));
        }
        if (desired < Math.max(byCores, needed.count().orElse(0))) {
            // more than 128 cores, or a store that asks for more streams
            poolReason += "; at most %d".formatted(MAX_THREADS_WITH_BACKEND);
        }
        if (pool < desired) {
            poolReason += "; the read memory %s holds %d tasks, so %d".formatted(Units.bytes(memory.budget()), memory.maxTasks(), pool);
        }
        long uploadThreads = derivation.add(new Setting(Settings.COSN_UPLOAD_THREAD_POOL, pool, "threads", poolReason + " -> " + pool,
                RULE_UPLOAD_THREAD_POOL, withBackend(profile, inputs("cores", profile.cores(), "workers", profile.workers(),
                        "worker-read-memory-bytes", memory.budget())),
                Setting.Source.ADVISOR));

        long tasks = derivation.add(new Setting(Settings.JOB_WORKER_MAX_ACTIVE_TASKS, aLittleAbove(uploadThreads), "tasks",
                "%d upload threads + %d".formatted(uploadThreads, aLittleAbove(uploadThreads) - uploadThreads),
                RULE_MAX_ACTIVE_TASKS, inputs(Settings.COSN_UPLOAD_THREAD_POOL, uploadThreads), Setting.Source.ADVISOR));

        long perTask = memory.budget() / Math.max(1, tasks);
        long queueFit = (perTask - READ_REQUEST_BYTES - MIN_READER_BUFFER) / readAhead;
        long queueMax = Math.max(1, Math.min(MAX_QUEUE, blockSize / readAhead));
        long queueMin = Math.min(MIN_QUEUE, queueMax);
        long queue = Math.max(queueMin, Math.min(queueMax, queueFit));
        long queueUsed = derivation.add(new Setting(Settings.COSN_READ_AHEAD_QUEUE_SIZE, queue, "requests",
                "%s per task (%s / %d tasks) fits %d x %s beside a 1 MiB buffer and request; within [%d, min(32, %s / %s = %d)] -> %d".formatted(
                        Units.bytes(perTask), Units.bytes(memory.budget()), tasks, Math.max(0, queueFit), Units.bytes(readAhead),
                        queueMin, Units.bytes(blockSize), Units.bytes(readAhead), blockSize / readAhead, queue),
                RULE_QUEUE, inputs(Settings.COSN_BLOCK_SIZE, blockSize, Settings.COSN_READ_AHEAD_BLOCK_SIZE, readAhead,
                        Settings.JOB_WORKER_MAX_ACTIVE_TASKS, tasks, "worker-read-memory-bytes", memory.budget()),
                Setting.Source.ADVISOR));

        long bufferFit = (perTask - readAhead * queueUsed - READ_REQUEST_BYTES) / READER_BUFFER_ALIGNMENT * READER_BUFFER_ALIGNMENT;
        long buffer = Math.max(MIN_READER_BUFFER, Math.min(MAX_READER_BUFFER, bufferFit));
        long bufferUsed = derivation.explicit(Settings.WORKER_READER_BUFFER_SIZE).orElse(buffer);
        long readMemory = tasks * (bufferUsed + readAhead * queueUsed + READ_REQUEST_BYTES);
        derivation.add(new Setting(Settings.WORKER_READER_BUFFER_SIZE, buffer, "bytes",
                "read memory %d tasks x (%s + %s x %d + 1 MiB) = %s %s (%s - MEM tier %s) / 4 = %s".formatted(
                        tasks, Units.bytes(bufferUsed), Units.bytes(readAhead), queueUsed, Units.bytes(readMemory),
                        readMemory <= memory.budget() ? "<=" : "EXCEEDS", Units.bytes(profile.hostMemoryBytes()),
                        Units.bytes(profile.memoryTierBytes()), Units.bytes(memory.budget())),
                RULE_READER_BUFFER, inputs("host-memory-bytes", profile.hostMemoryBytes(), "memory-tier-bytes", profile.memoryTierBytes(),
                        Settings.JOB_WORKER_MAX_ACTIVE_TASKS, tasks, Settings.COSN_READ_AHEAD_BLOCK_SIZE, readAhead,
                        Settings.COSN_READ_AHEAD_QUEUE_SIZE, queueUsed),
                Setting.Source.ADVISOR));

        derivation.add(new Setting(Settings.CLIENT_POOL_MAX, CLIENT_POOL_PER_TASK * tasks, "clients",
                "2 x %d active tasks".formatted(tasks),
                RULE_CLIENT_POOL, inputs(Settings.JOB_WORKER_MAX_ACTIVE_TASKS, tasks), Setting.Source.ADVISOR));

        long threadPool = Math.min(uploadThreads, tasks);
        derivation.add(new Setting(Settings.JOB_WORKER_THREADPOOL_SIZE, threadPool, "threads",
                "min(%d upload threads, %d active tasks)".formatted(uploadThreads, tasks),
                RULE_THREADPOOL, inputs(Settings.COSN_UPLOAD_THREAD_POOL, uploadThreads, Settings.JOB_WORKER_MAX_ACTIVE_TASKS, tasks),
                Setting.Source.ADVISOR));

        long busy = ceilDiv(5L * profile.workers() * tasks, 4);
        long activeJobs = Math.min(MAX_ACTIVE_JOBS, Math.max(tasks + 1, busy));
        derivation.add(new Setting(Settings.GOOSEFS_ACTIVE_JOBS, activeJobs, "jobs",
                "ceil(1.25 x %d workers x %d tasks) = %d, above %d, at most %d%s".formatted(profile.workers(), tasks, busy, tasks, MAX_ACTIVE_JOBS,
                        activeJobs > tasks ? "" : "; NOT above max.active.task.num"),
                RULE_ACTIVE_JOBS, inputs("workers", profile.workers(), Settings.JOB_WORKER_MAX_ACTIVE_TASKS, tasks), Setting.Source.ADVISOR));
    }

    /** gfsload's own executor: its readers, their buffers and the bounds of the adaptive controller. */
    private static void executor(WorkloadProfile profile, Derivation derivation) {
        long heapShare = profile.maxHeapBytes() / HEAP_SHARE_DIVISOR;
        ReadAhead readAheadRule = readAhead(profile);
        long bufferValue = Math.max(1, Math.min(readAheadRule.bytes(), heapShare));
        String bufferReason = readAheadRule.reason() + (bufferValue < readAheadRule.bytes() ? "; at most heap / 4 = " + Units.bytes(heapShare) : "");
        long readBuffer = derivation.add(new Setting(Settings.READ_BUFFER_BYTES, bufferValue, "bytes", bufferReason,
                RULE_EXECUTOR_READ_BUFFER, inputs("mean-file-bytes", profile.meanFileBytes(), "median-file-bytes", profile.medianFileBytes(),
                        "heap-bytes", profile.maxHeapBytes()),
                Setting.Source.ADVISOR));

        long byMemory = Math.max(1, heapShare / readBuffer);
        // a file larger than the read buffer is read as several ranges at once, so the reads that
        // can run together are the ranges, not the files
        long byRanges = Math.max(1, Math.max(profile.files(), ceilDiv(profile.bytes(), readBuffer)));
        // an explicit bound on files in flight bounds the readers too
        OptionalLong activeFilesBound = derivation.explicit(Settings.ACTIVE_FILES);
        long maxComputed = Math.min(Math.min(MAX_THREADS_WITH_BACKEND, activeFilesBound.orElse(Long.MAX_VALUE)), Math.min(byMemory, byRanges));
        long maxBound = derivation.explicit(Settings.MAX_UFS_READ_THREADS).orElse(maxComputed);

        long byCores = Math.min(2L * profile.cores(), MAX_THREADS);
        TargetRate target = TargetRate.of(profile);
        Streams needed = Streams.toFill(target.bytesPerSecond(), profile.backend(), requestBytes(profile, readBuffer));
        OptionalLong withHeadroom = needed.count().isPresent()
                ? OptionalLong.of(ceilDiv(needed.count().getAsLong() * STREAM_HEADROOM_PERCENT, 100))
                : OptionalLong.empty();
        long desired = Math.min(MAX_THREADS_WITH_BACKEND, Math.max(byCores, withHeadroom.orElse(0)));
        long threadsValue = Math.max(1, Math.min(desired, maxBound));
        String threadsReason = "min(2 x %d cores, %d) = %d".formatted(profile.cores(), MAX_THREADS, byCores);
        if (needed.count().isPresent()) {
            threadsReason += "; %s needs %s%s, x 1.5 for the gaps between a stream's requests = %d".formatted(
                    target.description(), needed.reason(), probedNote(profile), withHeadroom.getAsLong());
        }
        else if (profile.bandwidthCap() > 0) {
            // a rate alone does not say how many streams move it
            threadsReason += "; %s: the store's latency and per-stream bandwidth unknown, so no streams by Little's law".formatted(target.description());
        }
        if (desired < Math.max(byCores, withHeadroom.orElse(0)) && maxBound > MAX_THREADS_WITH_BACKEND) {
            // an explicit maximum above the cap: the cap is what bounds the threads
            threadsReason += "; at most %d".formatted(MAX_THREADS_WITH_BACKEND);
        }
        threadsReason += "; at most max read threads %d -> %d".formatted(maxBound, threadsValue);
        long threads = derivation.add(new Setting(Settings.UFS_READ_THREADS, threadsValue, "threads", threadsReason,
                RULE_EXECUTOR_THREADS, withCap(profile, withBackend(profile, inputs("cores", profile.cores(), Settings.MAX_UFS_READ_THREADS, maxBound))),
                Setting.Source.ADVISOR));
        boolean threadsFixed = derivation.isExplicit(Settings.UFS_READ_THREADS);

        long maxThreads = derivation.add(new Setting(Settings.MAX_UFS_READ_THREADS, threadsFixed ? threads : maxComputed, "threads",
                threadsFixed
                        ? "fixed to the explicit read threads %d".formatted(threads)
                        : "min(%d, heap / 4 / read buffer = %s / %s = %d, %d ranged reads of %d files%s) = %d".formatted(MAX_THREADS_WITH_BACKEND,
                                Units.bytes(heapShare), Units.bytes(readBuffer), byMemory, byRanges, profile.files(),
                                activeFilesBound.isPresent() ? ", %d explicit active files".formatted(activeFilesBound.getAsLong()) : "", maxComputed),
                RULE_EXECUTOR_MAX_THREADS, inputs("heap-bytes", profile.maxHeapBytes(), Settings.READ_BUFFER_BYTES, readBuffer, "files", profile.files(),
                        "bytes", profile.bytes()),
                Setting.Source.ADVISOR));

        long minThreads = threadsFixed ? threads : Math.max(1, threads / MIN_THREADS_DIVISOR);
        derivation.add(new Setting(Settings.MIN_UFS_READ_THREADS, Math.min(minThreads, maxThreads), "threads",
                threadsFixed ? "fixed to the explicit read threads %d".formatted(threads) : "%d read threads / %d, at least 1".formatted(threads, MIN_THREADS_DIVISOR),
                RULE_EXECUTOR_MIN_THREADS, inputs(Settings.UFS_READ_THREADS, threads), Setting.Source.ADVISOR));

        long byThreads = maxThreads * readBuffer;
        boolean smallFiles = profile.medianFileBytes() <= SMALL_FILE_BYTES;
        long forBatches = smallFiles ? Math.min(SMALL_FILE_IN_FLIGHT, heapShare) : 0;
        long inFlight = Math.max(byThreads, forBatches);
        String inFlightReason = "%d max read threads x %s = %s".formatted(maxThreads, Units.bytes(readBuffer), Units.bytes(byThreads));
        if (forBatches > byThreads) {
            inFlightReason = "median file %s (<= %s): %s for batches of small blocks (above %s)".formatted(Units.bytes(profile.medianFileBytes()),
                    Units.bytes(SMALL_FILE_BYTES), Units.bytes(forBatches), inFlightReason);
        }
        derivation.add(new Setting(Settings.IN_FLIGHT_BYTES, inFlight, "bytes",
                "%s %s heap / 4 = %s".formatted(inFlightReason, inFlight <= heapShare ? "<=" : "EXCEEDS", Units.bytes(heapShare)),
                RULE_IN_FLIGHT, inputs(Settings.MAX_UFS_READ_THREADS, maxThreads, Settings.READ_BUFFER_BYTES, readBuffer, "heap-bytes", profile.maxHeapBytes(),
                        "median-file-bytes", profile.medianFileBytes()),
                Setting.Source.ADVISOR));

        long ahead = maxThreads + ceilDiv(maxThreads, 4);
        long byFiles = Math.max(1, profile.files());
        long activeFiles = Math.min(byFiles, ahead);
        derivation.add(new Setting(Settings.ACTIVE_FILES, activeFiles, "files",
                "min(%d max read threads + %d, %d files) = %d".formatted(maxThreads, ahead - maxThreads, byFiles, activeFiles),
                RULE_ACTIVE_FILES, inputs(Settings.MAX_UFS_READ_THREADS, maxThreads, "files", profile.files()), Setting.Source.ADVISOR));

        streamsPerFile(profile, derivation, readBuffer, threads, needed.count().isPresent() ? Optional.of(target) : Optional.empty());

        long blocksToLoad = Math.max(1, ceilDiv(profile.bytes(), profile.blockBytes()));
        long maxBlocksPerSet = Math.max(1, MAX_TASK_SET_BYTES / profile.blockBytes());
        long blocksPerSet = Math.max(1, Math.min(maxBlocksPerSet, ceilDiv(blocksToLoad, TASK_SETS_PER_THREAD * threads)));
        long taskSet = blocksPerSet * profile.blockBytes();
        derivation.add(new Setting(Settings.TASK_SET_BYTES, taskSet, "bytes",
                "%s to load / (4 x %d read threads), in %s blocks, within [1 block, 1 GiB] -> %d block%s".formatted(Units.bytes(profile.bytes()), threads,
                        Units.bytes(profile.blockBytes()), blocksPerSet, blocksPerSet == 1 ? "" : "s"),
                RULE_TASK_SET, inputs("bytes", profile.bytes(), "block-bytes", profile.blockBytes(), Settings.UFS_READ_THREADS, threads),
                Setting.Source.ADVISOR));
    }

    /**
     * How many ranged reads of one file may run at once: enough for one file alone to keep the
     * streams the store needs busy (the last file of a load is alone), at most the ranges of a
     * mean file, at least 1. The read threads and the in-flight bytes bound all reads together.
     */
    private static void streamsPerFile(WorkloadProfile profile, Derivation derivation, long readBuffer, long threads, Optional<TargetRate> sizedFor) {
        long rangesPerFile = profile.meanFileBytes() <= readBuffer ? 1 : ceilDiv(profile.meanFileBytes(), readBuffer);
        long value = Math.max(1, Math.min(threads, rangesPerFile));
        String reason;
        if (rangesPerFile == 1) {
            reason = "files average %s, within one read buffer of %s: one read per file".formatted(Units.bytes(profile.meanFileBytes()), Units.bytes(readBuffer));
        }
        else {
            reason = "files average %s = %d reads of %s: min(%d read threads%s, %d) = %d ranged reads per file, each on a stream of its own, "
                    .formatted(Units.bytes(profile.meanFileBytes()), rangesPerFile, Units.bytes(readBuffer), threads,
                            sizedFor.map(rate -> " (" + rate.streams() + ")").orElse(""), rangesPerFile, value)
                    + "so that %d file%s, and the last one alone, keep every read thread busy".formatted(profile.files(), profile.files() == 1 ? "" : "s");
        }
        derivation.add(new Setting(Settings.STREAMS_PER_FILE, value, "streams", reason, RULE_STREAMS_PER_FILE,
                withCap(profile, withBackend(profile, inputs(Settings.UFS_READ_THREADS, threads, Settings.READ_BUFFER_BYTES, readBuffer,
                        "mean-file-bytes", profile.meanFileBytes(), "files", profile.files()))),
                Setting.Source.ADVISOR));
    }

    /**
     * The rate the executor's readers are sized for: the lesser of the store's cap on all streams
     * and the cap on the load's reads ({@code --bandwidth}), of each the slice's share, as far as
     * known; 0 when neither is.
     *
     * @param description the rate and where it comes from, e.g. {@code --bandwidth 10 MiB/s (below the store's 1 GiB/s)};
     *     for a slice with an even share {@code --bandwidth 400 MiB/s / 4 slices = 100 MiB/s (below the store's 1 GiB/s / 4 slices = 256 MiB/s)},
     *     for another {@code --bandwidth 400 MiB/s x 62.5% (slice 1 of 4, by the bytes it reads) = 250 MiB/s (below the store's 1 GiB/s x 62.5% = 640 MiB/s)}
     * @param streams what the streams it needs are, {@code the store's streams} or {@code the streams --bandwidth needs}
     */
    private record TargetRate(long bytesPerSecond, String description, String streams) {
        static final String STORE_STREAMS = "the store's streams";
        static final String CAP_STREAMS = "the streams --bandwidth needs";
        static final String STORE = "the store's";
        static final String CAP = "--bandwidth";

        static TargetRate of(WorkloadProfile profile) {
            // slices side by side share the store's cap on all streams as they share --bandwidth
            SliceShare slice = profile.slice();
            long whole = profile.backend().aggregateBytesPerSecond();
            long store = slice.of(whole);
            if (profile.bandwidthCap() == 0) {
                return new TargetRate(store, whole == 0 ? STORE + " " + Units.bandwidth(0) : slice.describe(STORE, whole, true), STORE_STREAMS);
            }
            long share = profile.bandwidthCapShare();
            if (store == 0) {
                return new TargetRate(share, slice.describe(CAP, profile.bandwidthCap(), true) + " (the store's cap unknown)", CAP_STREAMS);
            }
            // the two shares a slice's target is the lesser of, each as the slice has it; the first names the slice
            if (share < store) {
                return new TargetRate(share, "%s (below %s)".formatted(slice.describe(CAP, profile.bandwidthCap(), true), slice.describe(STORE, whole, false)),
                        CAP_STREAMS);
            }
            return new TargetRate(store, "%s (within %s)".formatted(slice.describe(STORE, whole, true), slice.describe(CAP, profile.bandwidthCap(), false)),
                    STORE_STREAMS);
        }
    }

    /**
     * {@code inputs} with the cap on the load's reads, when the reads are capped, and the slices
     * that share the cap and the store's rate, and this slice's share of them in parts per
     * million, when capped or in more than one slice.
     */
    private static Map<String, Long> withCap(WorkloadProfile profile, Map<String, Long> inputs) {
        if (profile.bandwidthCap() == 0 && profile.slice().slices() == 1) {
            return inputs;
        }
        Map<String, Long> all = new LinkedHashMap<>(inputs);
        if (profile.bandwidthCap() > 0) {
            all.put("bandwidth-cap-bytes-per-second", profile.bandwidthCap());
        }
        all.put("slices", (long) profile.slice().slices());
        all.put("slice-share-ppm", profile.slice().partsPerMillion());
        return all;
    }

    /** The readahead and its reason; see {@link #RULE_READ_AHEAD}. */
    private record ReadAhead(long bytes, String reason) {}

    private static ReadAhead readAhead(WorkloadProfile profile) {
        if (profile.meanFileBytes() >= LARGE_FILE_MEAN) {
            return new ReadAhead(LARGE_FILE_READ_BUFFER, "files average %s (>= 10 MiB): %s per request".formatted(
                    Units.bytes(profile.meanFileBytes()), Units.bytes(LARGE_FILE_READ_BUFFER)));
        }
        long value = Math.max(MIN_READ_BUFFER, Math.min(LARGE_FILE_READ_BUFFER, profile.medianFileBytes()));
        return new ReadAhead(value, "median file %s (files average %s): one request per file, within [64 KiB, 4 MiB] -> %s".formatted(
                Units.bytes(profile.medianFileBytes()), Units.bytes(profile.meanFileBytes()), Units.bytes(value)));
    }

    /** Bytes one request moves: a whole file when files are smaller than the readahead, else the readahead. */
    static long requestBytes(WorkloadProfile profile, long readAhead) {
        return profile.meanFileBytes() == 0 ? readAhead : Math.min(readAhead, profile.meanFileBytes());
    }

    /**
     * Largest upload pool whose {@link #aLittleAbove} active tasks fit {@code maxTasks}, at most
     * {@link #MAX_THREADS_WITH_BACKEND} (no pool is larger, and the search stays short however
     * much memory a host has); at least 1.
     */
    static long largestPoolWithin(long maxTasks) {
        long pool = Math.max(1, Math.min(MAX_THREADS_WITH_BACKEND, maxTasks));
        while (pool > 1 && aLittleAbove(pool) > maxTasks) {
            pool--;
        }
        return pool;
    }

    /** {@code n + max(1, ceil(n / 8))}: the active tasks for an upload pool of {@code n}. */
    static long aLittleAbove(long n) {
        return n + Math.max(1, ceilDiv(n, 8));
    }

    /**
     * A worker's read memory: a quarter of what the MEM tier leaves of the host, and how many
     * tasks it holds at the smallest per-task footprint (1 MiB buffer, the minimum queue, a 1 MiB
     * request).
     */
    private record WorkerMemory(long budget, long maxTasks) {
        static WorkerMemory of(WorkloadProfile profile, long blockSize, long readAhead) {
            long budget = Math.max(0, profile.hostMemoryBytes() - profile.memoryTierBytes()) / WORKER_MEMORY_SHARE_DIVISOR;
            long minQueue = Math.min(MIN_QUEUE, Math.max(1, blockSize / readAhead));
            long perTask = MIN_READER_BUFFER + readAhead * minQueue + READ_REQUEST_BYTES;
            return new WorkerMemory(budget, budget / perTask);
        }
    }

    /**
     * Streams needed to move {@code target} bytes/s by Little's law, when the backend says enough:
     * {@code ceil(target x (latency + request / per-stream) / request)}.
     */
    record Streams(OptionalLong count, String reason) {
        static Streams toFill(long target, BackendProfile backend, long requestBytes) {
            if (target <= 0 || !(backend.hasLatency() || backend.hasPerStreamBandwidth()) || requestBytes <= 0) {
                return new Streams(OptionalLong.empty(), "");
            }
            // seconds and nanoseconds apart: a latency of centuries has more nanoseconds than a long holds
            double latency = backend.requestLatency().getSeconds() + backend.requestLatency().getNano() / 1e9;
            double transfer = backend.hasPerStreamBandwidth() ? (double) requestBytes / backend.perStreamBytesPerSecond() : 0;
            double streams = target * (latency + transfer) / requestBytes;
            long count = Math.max(1, (long) Math.min(Integer.MAX_VALUE, Math.ceil(streams - 1e-9)));
            String formula = "%s x (%s + %s / %s) / %s = %d streams".formatted(Units.bandwidth(target), Units.latency(backend.requestLatency()),
                    Units.bytes(requestBytes), backend.hasPerStreamBandwidth() ? Units.bandwidth(backend.perStreamBytesPerSecond()) : "unknown",
                    Units.bytes(requestBytes), count);
            return new Streams(OptionalLong.of(count), formula);
        }
    }

    /** {@code " (store: latency 20 ms (probed), ...)"} when a probe measured any of the store's figures; else empty. */
    private static String probedNote(WorkloadProfile profile) {
        return profile.backend().anyProbed() ? " (store: %s)".formatted(profile.backend().describe()) : "";
    }

    private static Map<String, Long> withBackend(WorkloadProfile profile, Map<String, Long> inputs) {
        Map<String, Long> all = new LinkedHashMap<>(inputs);
        BackendProfile backend = profile.backend();
        if (backend.isKnown()) {
            all.put("request-latency-ms", backend.requestLatency().toMillis());
            all.put("per-stream-bytes-per-second", backend.perStreamBytesPerSecond());
            all.put("aggregate-bytes-per-second", backend.aggregateBytesPerSecond());
            all.put("mean-file-bytes", profile.meanFileBytes());
        }
        return all;
    }

    /** Inputs from name/value pairs, in order. */
    private static Map<String, Long> inputs(Object... pairs) {
        Map<String, Long> inputs = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            inputs.put((String) pairs[i], ((Number) pairs[i + 1]).longValue());
        }
        return inputs;
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }
}
