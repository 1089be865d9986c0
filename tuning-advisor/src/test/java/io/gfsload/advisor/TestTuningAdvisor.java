package io.gfsload.advisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TestTuningAdvisor {
    private static final long KB = 1L << 10;
    private static final long MB = 1L << 20;
    private static final long GB = 1L << 30;

    private static final List<String> ALL_NAMES = List.of(
            Settings.COSN_BLOCK_SIZE, Settings.COSN_READ_AHEAD_BLOCK_SIZE, Settings.COSN_UPLOAD_THREAD_POOL,
            Settings.JOB_WORKER_MAX_ACTIVE_TASKS, Settings.COSN_READ_AHEAD_QUEUE_SIZE, Settings.WORKER_READER_BUFFER_SIZE,
            Settings.CLIENT_POOL_MAX, Settings.JOB_WORKER_THREADPOOL_SIZE, Settings.GOOSEFS_ACTIVE_JOBS,
            Settings.READ_BUFFER_BYTES, Settings.UFS_READ_THREADS, Settings.MAX_UFS_READ_THREADS, Settings.MIN_UFS_READ_THREADS,
            Settings.IN_FLIGHT_BYTES, Settings.ACTIVE_FILES, Settings.STREAMS_PER_FILE, Settings.TASK_SET_BYTES);

    /** {@code files} files of {@code meanBytes} each (median = mean) on a machine of {@code cores} and {@code hostMemory}. */
    private static WorkloadProfile.Builder profile(int cores, long heap, long hostMemory, long files, long medianBytes, long meanBytes) {
        return WorkloadProfile.builder()
                .cores(cores)
                .maxHeapBytes(heap)
                .hostMemoryBytes(hostMemory)
                .files(files, files * meanBytes, medianBytes, meanBytes);
    }

    /** Read memory of one worker by the guide's formula. */
    private static long workerReadMemory(Settings settings) {
        return settings.value(Settings.JOB_WORKER_MAX_ACTIVE_TASKS) * (settings.value(Settings.WORKER_READER_BUFFER_SIZE)
                + settings.value(Settings.COSN_READ_AHEAD_BLOCK_SIZE) * settings.value(Settings.COSN_READ_AHEAD_QUEUE_SIZE) + MB);
    }

    // --- fs.cosn.read.ahead.block.size and the executor's read buffer

    @ParameterizedTest(name = "mean {0} B, median {1} B -> read buffer {2} B")
    @CsvSource({
            "31457280, 31457280, 4194304",   // files averaging 30 MB: 4 MiB
            "204800,   204800,   204800",    // median 200 KB: one read per file
            "1000,     1000,     65536",     // tiny files: at least 64 KiB
            "8388608,  6291456,  4194304",   // MB-sized files: the median, at most 4 MiB
    })
    void readBufferFollowsFileSizes(long mean, long median, long expected) {
        Settings settings = TuningAdvisor.recommend(new WorkloadProfile(4, 4 * GB, 1000, 1000 * mean, median, mean));
        assertEquals(expected, settings.value(Settings.READ_BUFFER_BYTES));
        assertEquals(expected, settings.value(Settings.COSN_READ_AHEAD_BLOCK_SIZE), "the same rule for the COS client");
    }

    @Test
    void readBufferFitsASmallHeap() {
        Settings settings = TuningAdvisor.recommend(new WorkloadProfile(4, 8 * MB, 10, 10 * 30 * MB, 30 * MB, 30 * MB));
        assertEquals(2 * MB, settings.value(Settings.READ_BUFFER_BYTES));
        assertTrue(settings.get(Settings.READ_BUFFER_BYTES).reason().endsWith("at most heap / 4 = 2 MiB"), settings.get(Settings.READ_BUFFER_BYTES).reason());
        assertEquals(4 * MB, settings.value(Settings.COSN_READ_AHEAD_BLOCK_SIZE), "the workers' readahead does not depend on the executor's heap");
    }

    // --- the executor's threads

    @ParameterizedTest(name = "{0} cores, heap {1} MiB, {2} files -> {3} threads")
    @CsvSource({
            "2,  4096, 1000, 4",    // 2 x cores
            "16, 4096, 1000, 32",   // 2 x cores
            "64, 65536, 1000, 64",  // capped without a backend profile
            "16, 4096, 3,    23",   // no more threads than ranged reads: 3 x 30 MiB / 4 MiB
            "16, 64,   1000, 4",    // 64 MiB heap / 4 / 4 MiB buffer = 4
    })
    void threadsFollowCoresFilesAndMemory(int cores, long heapMb, long files, long expected) {
        Settings settings = TuningAdvisor.recommend(new WorkloadProfile(cores, heapMb * MB, files, files * 30 * MB, 30 * MB, 30 * MB));
        assertEquals(expected, settings.value(Settings.UFS_READ_THREADS));
    }

    // --- large files: ranged reads

    @ParameterizedTest(name = "{0} files of {1} MiB, backend {2} -> {3} read threads, {4} per file, max {5}")
    @CsvSource({
            // the P3 store: 20 ms, 16 MiB/s per stream, 128 MiB/s in all: 128 x (20 ms + 4 MiB / 16 MiB/s) / 4 MiB = 8.64 -> 9 streams,
            // x 1.5 = 14
            "4,    128, true,  14, 14, 128",
            "1,    512, true,  14, 14, 128",   // one file alone gets every stream the store needs
            "4,    128, false, 4,  4,  128",   // no backend: 2 x cores, each file may use them all
            "1000, 128, true,  14, 14, 256",   // many files: still ranged, the total stays the store's streams
            "1000, 2,   true,  15, 1,  256",   // 2 MiB files fit one read: 128 x (20 ms + 2 MiB / 16 MiB/s) / 2 MiB = 9.3 -> 10, x 1.5
            "4,    8,   true,  14, 2,  8",     // 8 MiB files: two reads of 4 MiB each; at most 8 ranged reads in all
    })
    void largeFilesAreReadAsEnoughConcurrentRanges(long files, long fileMb, boolean backend, long threads, long perFile, long max) {
        WorkloadProfile profile = profile(2, 6 * GB, 24 * GB, files, fileMb * MB, fileMb * MB)
                .backend(backend ? new BackendProfile(Duration.ofMillis(20), 16 * MB, 128 * MB) : BackendProfile.unknown()).build();
        Settings settings = TuningAdvisor.recommend(profile);
        assertEquals(max, settings.value(Settings.MAX_UFS_READ_THREADS), settings.get(Settings.MAX_UFS_READ_THREADS).reason());
        assertEquals(Math.min(threads, max), settings.value(Settings.UFS_READ_THREADS), settings.get(Settings.UFS_READ_THREADS).reason());
        assertEquals(perFile, settings.value(Settings.STREAMS_PER_FILE), settings.get(Settings.STREAMS_PER_FILE).reason());
        assertTrue(settings.value(Settings.STREAMS_PER_FILE) <= settings.value(Settings.UFS_READ_THREADS));
    }

    @Test
    void theStreamsPerFileSayWhy() {
        WorkloadProfile profile = profile(2, 6 * GB, 24 * GB, 4, 128 * MB, 128 * MB)
                .backend(new BackendProfile(Duration.ofMillis(20), 16 * MB, 128 * MB)).build();
        Settings settings = TuningAdvisor.recommend(profile);
        assertEquals("files average 128 MiB = 32 reads of 4 MiB: min(14 read threads (the store's streams), 32) = 14 ranged reads per file, "
                + "each on a stream of its own, so that 4 files, and the last one alone, keep every read thread busy",
                settings.get(Settings.STREAMS_PER_FILE).reason());
        assertTrue(settings.get(Settings.UFS_READ_THREADS).reason().contains("128 MiB/s x (20 ms + 4 MiB / 16 MiB/s) / 4 MiB = 9 streams, x 1.5 for the gaps between a stream's requests = 14"),
                settings.get(Settings.UFS_READ_THREADS).reason());
        assertEquals(Map.of("executor.ufs-read-threads", 14L, "executor.read-buffer-bytes", 4 * MB, "mean-file-bytes", 128 * MB, "files", 4L,
                        "request-latency-ms", 20L, "per-stream-bytes-per-second", 16 * MB, "aggregate-bytes-per-second", 128 * MB),
                settings.get(Settings.STREAMS_PER_FILE).inputs());
        assertEquals("files average 64 KiB, within one read buffer of 64 KiB: one read per file",
                TuningAdvisor.recommend(profile(2, 6 * GB, 24 * GB, 1000, 64 * KB, 64 * KB).build()).get(Settings.STREAMS_PER_FILE).reason());
    }

    @Test
    void givenFiguresWinOverProbedOnesAndTheReasonsSayWhichWereProbed() {
        BackendProfile probed = BackendProfile.probed(Duration.ofMillis(22), 15 * MB, 120 * MB);
        BackendProfile given = new BackendProfile(Duration.ofMillis(20), 0, 0);
        BackendProfile merged = given.orElse(probed);
        assertEquals(Duration.ofMillis(20), merged.requestLatency());
        assertEquals(15 * MB, merged.perStreamBytesPerSecond());
        assertEquals(new BackendProfile.Provenance(BackendProfile.Origin.GIVEN, BackendProfile.Origin.PROBED, BackendProfile.Origin.PROBED), merged.provenance());
        assertEquals("latency 20 ms (given), 15 MiB/s per stream (probed), 120 MiB/s in all (probed)", merged.describe());

        Settings settings = TuningAdvisor.recommend(profile(2, 6 * GB, 24 * GB, 4, 128 * MB, 128 * MB).backend(merged).build());
        assertTrue(settings.get(Settings.UFS_READ_THREADS).reason().contains(
                "(store: latency 20 ms (given), 15 MiB/s per stream (probed), 120 MiB/s in all (probed))"), settings.get(Settings.UFS_READ_THREADS).reason());
        Settings configured = TuningAdvisor.recommend(profile(2, 6 * GB, 24 * GB, 4, 128 * MB, 128 * MB)
                .backend(new BackendProfile(Duration.ofMillis(20), 15 * MB, 120 * MB)).build());
        assertFalse(configured.get(Settings.UFS_READ_THREADS).reason().contains("probed"), configured.get(Settings.UFS_READ_THREADS).reason());
    }

    @ParameterizedTest(name = "heap {0} MiB")
    @CsvSource({"128, 32", "512, 128", "6144, 128"})
    void smallFilesGetRoomForTheirBatchesWithinAQuarterOfTheHeap(long heapMb, long expectedMb) {
        Settings settings = TuningAdvisor.recommend(new WorkloadProfile(2, heapMb * MB, 100_000, 100_000 * 64 * KB, 64 * KB, 64 * KB));

        assertEquals(expectedMb * MB, settings.value(Settings.IN_FLIGHT_BYTES), settings.get(Settings.IN_FLIGHT_BYTES).reason());
        assertTrue(settings.get(Settings.IN_FLIGHT_BYTES).reason().startsWith("median file 64 KiB (<= 1 MiB): %d MiB for batches of small blocks"
                .formatted(expectedMb)), settings.get(Settings.IN_FLIGHT_BYTES).reason());
        Settings large = TuningAdvisor.recommend(new WorkloadProfile(2, heapMb * MB, 1000, 1000 * 2 * MB, 2 * MB, 2 * MB));
        assertEquals(large.value(Settings.MAX_UFS_READ_THREADS) * large.value(Settings.READ_BUFFER_BYTES), large.value(Settings.IN_FLIGHT_BYTES),
                "files above 1 MiB are not batched");
    }

    @ParameterizedTest(name = "heap {0} MiB")
    @CsvSource({"8", "64", "512", "4096", "65536"})
    void bytesInFlightNeverExceedAQuarterOfTheHeap(long heapMb) {
        Settings settings = TuningAdvisor.recommend(new WorkloadProfile(32, heapMb * MB, 100_000, 100_000 * 40 * MB, 40 * MB, 40 * MB));
        long inFlight = settings.value(Settings.IN_FLIGHT_BYTES);
        assertTrue(inFlight <= heapMb * MB / 4, settings.get(Settings.IN_FLIGHT_BYTES).reason());
        assertEquals(settings.value(Settings.MAX_UFS_READ_THREADS) * settings.value(Settings.READ_BUFFER_BYTES), inFlight);
        assertTrue(settings.value(Settings.UFS_READ_THREADS) <= settings.value(Settings.MAX_UFS_READ_THREADS));
        assertTrue(settings.get(Settings.UFS_READ_THREADS).reason().startsWith("min(2 x 32 cores"), settings.get(Settings.UFS_READ_THREADS).reason());
        assertTrue(settings.get(Settings.IN_FLIGHT_BYTES).reason().contains("<= heap / 4"), settings.get(Settings.IN_FLIGHT_BYTES).reason());
    }

    @ParameterizedTest(name = "{0} threads -> min {1}")
    @CsvSource({"4, 1", "8, 1", "16, 2", "64, 8"})
    void theControllerMayBackOffToAnEighth(int cores2x, long expectedMin) {
        Settings settings = TuningAdvisor.recommend(profile(cores2x / 2, 16 * GB, 64 * GB, 1000, 30 * MB, 30 * MB).build());
        assertEquals(cores2x, settings.value(Settings.UFS_READ_THREADS));
        assertEquals(expectedMin, settings.value(Settings.MIN_UFS_READ_THREADS));
    }

    @ParameterizedTest(name = "{0} files, max {1} threads -> {2} active files")
    @CsvSource({
            "1000, 8192, 320",   // 256 max threads + 64
            "10,   8192, 10",    // no more than the files
            "1000, 64,   5",     // 64 MiB heap: 4 max threads + 1
    })
    void activeFilesAreALittleAboveTheReaders(long files, long heapMb, long expected) {
        Settings settings = TuningAdvisor.recommend(new WorkloadProfile(16, heapMb * MB, files, files * 30 * MB, 30 * MB, 30 * MB));
        assertEquals(expected, settings.value(Settings.ACTIVE_FILES));
        assertTrue(settings.value(Settings.ACTIVE_FILES) >= Math.min(files, settings.value(Settings.MAX_UFS_READ_THREADS)));
    }

    @ParameterizedTest(name = "{0} MiB to load, {1} cores -> task sets of {2} MiB")
    @CsvSource({
            "79,      2,  64",     // less than one block per reader: one block
            "30720,   16, 256",    // 30 GiB / (4 x 32 readers) = 240 MiB -> 4 blocks
            "10485760, 16, 1024",  // 10 TiB: at most 1 GiB
    })
    void taskSetsGiveEveryReaderFourOrMore(long loadMb, int cores, long expectedMb) {
        Settings settings = TuningAdvisor.recommend(profile(cores, 16 * GB, 64 * GB, 1000, loadMb * MB / 1000, loadMb * MB / 1000).build());
        assertEquals(expectedMb * MB, settings.value(Settings.TASK_SET_BYTES));
        assertEquals(0, settings.value(Settings.TASK_SET_BYTES) % WorkloadProfile.DEFAULT_BLOCK_BYTES, "whole blocks");
    }

    // --- fs.cosn.upload_thread_pool and the job workers

    @ParameterizedTest(name = "{0} cores -> upload thread pool in [2 x, 3 x] cores")
    @CsvSource({"1", "2", "4", "8", "16", "32", "64"})
    void uploadThreadPoolIsTwoToThreeTimesTheCores(int cores) {
        Settings settings = TuningAdvisor.recommend(profile(cores, 4 * GB, 64 * GB, 1000, 30 * MB, 30 * MB).build());
        long pool = settings.value(Settings.COSN_UPLOAD_THREAD_POOL);
        assertTrue(pool >= 2L * cores && pool <= 3L * cores, pool + " threads for " + cores + " cores");
    }

    @Test
    void moreThan128CoresGiveThePoolItsCapAndSaySo() {
        Settings settings = TuningAdvisor.recommend(profile(200, 8 * GB, 256 * GB, 1000, 30 * MB, 30 * MB).build());
        assertEquals(256, settings.value(Settings.COSN_UPLOAD_THREAD_POOL));
        assertEquals("2 x 200 cores = 400; at most 256 -> 256", settings.get(Settings.COSN_UPLOAD_THREAD_POOL).reason());

        Settings explicitMax = TuningAdvisor.recommend(profile(4, 64 * GB, 256 * GB, 100_000, 30 * MB, 30 * MB)
                .backend(new BackendProfile(Duration.ofMillis(100), 10 * MB, 10 * GB)).build(),
                List.of(SettingOverride.config(Settings.MAX_UFS_READ_THREADS, 1000, "gfsload.properties")));
        assertEquals(256, explicitMax.value(Settings.UFS_READ_THREADS));
        assertTrue(explicitMax.get(Settings.UFS_READ_THREADS).reason().endsWith("; at most 256; at most max read threads 1000 -> 256"),
                explicitMax.get(Settings.UFS_READ_THREADS).reason());
    }

    @Test
    void sixteenCoresGiveAnUploadPoolOf32To48() {
        Settings settings = TuningAdvisor.recommend(profile(16, 4 * GB, 64 * GB, 1000, 30 * MB, 30 * MB).build());
        assertEquals(32, settings.value(Settings.COSN_UPLOAD_THREAD_POOL));
        assertEquals(36, settings.value(Settings.JOB_WORKER_MAX_ACTIVE_TASKS));
        assertEquals(72, settings.value(Settings.CLIENT_POOL_MAX));
        assertEquals(32, settings.value(Settings.JOB_WORKER_THREADPOOL_SIZE));
        assertEquals(45, settings.value(Settings.GOOSEFS_ACTIVE_JOBS));
        assertEquals(128 * MB, settings.value(Settings.COSN_BLOCK_SIZE));
        assertEquals(32, settings.value(Settings.COSN_READ_AHEAD_QUEUE_SIZE));
        assertEquals(4 * MB, settings.value(Settings.WORKER_READER_BUFFER_SIZE));
    }

    @ParameterizedTest(name = "{0} cores, host {1} GiB, {2} workers, median {3} B")
    @CsvSource({
            "1,  4,   1,  1000",
            "4,  4,   1,  204800",
            "16, 4,   1,  31457280",
            "16, 64,  1,  31457280",
            "16, 64,  8,  204800",
            "64, 64,  200, 31457280",
            "64, 256, 1,  6291456",
            "2,  1,   3,  31457280",
    })
    void jobWorkerSettingsKeepTheGuidesRelations(int cores, long hostGb, int workers, long median) {
        Settings settings = TuningAdvisor.recommend(profile(cores, 4 * GB, hostGb * GB, 1000, median, median).workers(workers).build());
        long pool = settings.value(Settings.COSN_UPLOAD_THREAD_POOL);
        long tasks = settings.value(Settings.JOB_WORKER_MAX_ACTIVE_TASKS);
        assertTrue(tasks > pool, "max active tasks a little above the upload pool: " + tasks + " vs " + pool);
        assertTrue(tasks <= pool + Math.max(1, (pool + 7) / 8), "only a little: " + tasks + " vs " + pool);
        assertEquals(2 * tasks, settings.value(Settings.CLIENT_POOL_MAX), "client pool max = 2 x max active tasks");
        assertTrue(settings.value(Settings.JOB_WORKER_THREADPOOL_SIZE) <= tasks, "thread pool <= max active tasks");
        long activeJobs = settings.value(Settings.GOOSEFS_ACTIVE_JOBS);
        assertTrue(activeJobs > tasks, "active jobs > max active tasks: " + activeJobs + " vs " + tasks);
        assertTrue(activeJobs <= 3000, "GooseFS caps active jobs at 3000: " + activeJobs);
    }

    @ParameterizedTest(name = "{0} cores, host {1} GiB, median {2} B, queue in [8, 32] and <= block / readahead")
    @CsvSource({
            "2,  4,  1000",
            "16, 4,  31457280",
            "16, 64, 31457280",
            "16, 64, 204800",
            "64, 4,  6291456",
            "64, 64, 6291456",
            "8,  1,  31457280",
    })
    void readAheadQueueIsEightToThirtyTwoAndWithinABlock(int cores, long hostGb, long median) {
        Settings settings = TuningAdvisor.recommend(profile(cores, 4 * GB, hostGb * GB, 1000, median, median).build());
        long queue = settings.value(Settings.COSN_READ_AHEAD_QUEUE_SIZE);
        assertTrue(queue >= 8 && queue <= 32, "queue " + queue);
        assertTrue(queue <= settings.value(Settings.COSN_BLOCK_SIZE) / settings.value(Settings.COSN_READ_AHEAD_BLOCK_SIZE), "queue " + queue);
    }

    @Test
    void aReadAheadOfAQuarterBlockCapsTheQueueBelowEight() {
        Settings settings = TuningAdvisor.recommend(profile(16, 4 * GB, 64 * GB, 1000, 30 * MB, 30 * MB).build(),
                List.of(SettingOverride.flag(Settings.COSN_READ_AHEAD_BLOCK_SIZE, 32 * MB, "--read-ahead")));
        assertEquals(4, settings.value(Settings.COSN_READ_AHEAD_QUEUE_SIZE), "128 MiB / 32 MiB: never more than block / readahead");
    }

    @ParameterizedTest(name = "host {0} GiB, MEM tier {1} GiB, {2} cores, median {3} B")
    @CsvSource({
            "4,  0,  2,  31457280",
            "4,  0,  16, 31457280",
            "4,  0,  64, 31457280",
            "4,  0,  16, 204800",
            "4,  2,  16, 31457280",
            "64, 0,  2,  31457280",
            "64, 0,  16, 31457280",
            "64, 0,  64, 31457280",
            "64, 0,  64, 204800",
            "64, 48, 64, 31457280",
    })
    void workerReadMemoryStaysWithinAQuarterOfTheHost(long hostGb, long memTierGb, int cores, long median) {
        WorkloadProfile profile = profile(cores, 4 * GB, hostGb * GB, 1000, median, median)
                .tiers(List.of(new Tier(Tier.Medium.MEM, memTierGb * GB), new Tier(Tier.Medium.SSD, 500 * GB)))
                .build();
        Settings settings = TuningAdvisor.recommend(profile);
        long budget = (hostGb - memTierGb) * GB / 4;
        assertTrue(workerReadMemory(settings) <= budget,
                "tasks x (buffer + readahead x queue + 1 MiB) = " + workerReadMemory(settings) + " > " + budget + ": " + settings.get(Settings.WORKER_READER_BUFFER_SIZE).reason());
        long buffer = settings.value(Settings.WORKER_READER_BUFFER_SIZE);
        assertTrue(buffer >= MB && buffer <= 4 * MB, "reader buffer " + buffer);
        assertTrue(settings.get(Settings.WORKER_READER_BUFFER_SIZE).reason().contains(" <= "), settings.get(Settings.WORKER_READER_BUFFER_SIZE).reason());
    }

    @Test
    void aSmallHostTakesThreadsBeforeMemory() {
        Settings settings = TuningAdvisor.recommend(profile(16, 4 * GB, 4 * GB, 1000, 30 * MB, 30 * MB).build());
        // 1 GiB / (1 MiB + 4 MiB x 8 + 1 MiB) = 30 tasks, so 26 upload threads instead of 32
        assertEquals(26, settings.value(Settings.COSN_UPLOAD_THREAD_POOL));
        assertEquals(30, settings.value(Settings.JOB_WORKER_MAX_ACTIVE_TASKS));
        assertEquals(8, settings.value(Settings.COSN_READ_AHEAD_QUEUE_SIZE));
        assertEquals("2 x 16 cores = 32; the read memory 1 GiB holds 30 tasks, so 26 -> 26", settings.get(Settings.COSN_UPLOAD_THREAD_POOL).reason());
    }

    @ParameterizedTest(name = "{0} tasks fit -> pool {1}")
    @CsvSource({"0, 1", "2, 1", "30, 26", "288, 256", "9223372036854775807, 256"})
    void theMemoryBoundOnThePoolIsTheLargestWhoseTasksFit(long maxTasks, long expected) {
        assertEquals(expected, TuningAdvisor.largestPoolWithin(maxTasks));
    }

    @Test
    void aHostOfExabytesIsBoundByTheCores() {
        Settings settings = TuningAdvisor.recommend(profile(4, 4 * GB, Long.MAX_VALUE, 1000, 64 * KB, 64 * KB).build());
        assertEquals(8, settings.value(Settings.COSN_UPLOAD_THREAD_POOL), settings.get(Settings.COSN_UPLOAD_THREAD_POOL).reason());
        assertEquals("2 x 4 cores = 8 -> 8", settings.get(Settings.COSN_UPLOAD_THREAD_POOL).reason());
    }

    // --- the backend profile

    @ParameterizedTest(name = "cap {0} MiB/s, per stream {1} MiB/s, {2} workers")
    @CsvSource({
            "2048, 20,  1",
            "2048, 20,  4",
            "1024, 100, 2",
            "400,  20,  1",
            "10240, 50, 8",
    })
    void threadsFillTheCapAtThePerStreamBandwidth(long capMb, long perStreamMb, int workers) {
        WorkloadProfile profile = profile(4, 16 * GB, 64 * GB, 100_000, 30 * MB, 30 * MB)
                .workers(workers)
                .backend(new BackendProfile(Duration.ZERO, perStreamMb * MB, capMb * MB))
                .build();
        Settings settings = TuningAdvisor.recommend(profile);
        long executorNeeds = (capMb + perStreamMb - 1) / perStreamMb;
        assertTrue(settings.value(Settings.UFS_READ_THREADS) >= Math.min(256, executorNeeds),
                settings.get(Settings.UFS_READ_THREADS).reason());
        long perWorkerNeeds = (capMb / workers + perStreamMb - 1) / perStreamMb;
        assertTrue(settings.value(Settings.COSN_UPLOAD_THREAD_POOL) >= Math.min(256, perWorkerNeeds),
                settings.get(Settings.COSN_UPLOAD_THREAD_POOL).reason());
        assertTrue(settings.value(Settings.COSN_UPLOAD_THREAD_POOL) >= 8, "never below 2 x cores");
    }

    @Test
    void highLatencyWithSmallFilesAsksForMoreConcurrency() {
        WorkloadProfile.Builder smallFiles = profile(4, 4 * GB, 64 * GB, 100_000, 256 * KB, 256 * KB);
        Settings withoutLatency = TuningAdvisor.recommend(smallFiles.backend(new BackendProfile(Duration.ZERO, 32 * MB, 256 * MB)).build());
        Settings withLatency = TuningAdvisor.recommend(smallFiles.backend(new BackendProfile(Duration.ofMillis(20), 32 * MB, 256 * MB)).build());
        assertEquals(12, withoutLatency.value(Settings.UFS_READ_THREADS), "256 / 32 = 8 streams, x 1.5");
        // 256 MiB/s x (20 ms + 256 KiB / 32 MiB/s) / 256 KiB = 28.5
        assertEquals(44, withLatency.value(Settings.UFS_READ_THREADS));
        assertEquals("min(2 x 4 cores, 64) = 8; the store's 256 MiB/s needs 256 MiB/s x (20 ms + 256 KiB / 32 MiB/s) / 256 KiB = 29 streams, "
                + "x 1.5 for the gaps between a stream's requests = 44; at most max read threads 256 -> 44", withLatency.get(Settings.UFS_READ_THREADS).reason());
        assertEquals(20, withLatency.get(Settings.UFS_READ_THREADS).inputs().get("request-latency-ms"));

        Settings bigFiles = TuningAdvisor.recommend(profile(4, 4 * GB, 64 * GB, 100_000, 64 * MB, 64 * MB)
                .backend(new BackendProfile(Duration.ofMillis(20), 32 * MB, 256 * MB)).build());
        // 256 MiB/s x (20 ms + 4 MiB / 32 MiB/s) / 4 MiB = 9.3: latency matters little with 4 MiB requests
        assertEquals(15, bigFiles.value(Settings.UFS_READ_THREADS), "10 streams, x 1.5");
    }

    @Test
    void noThreadCountExceedsTheHardCap() {
        Settings settings = TuningAdvisor.recommend(profile(8, 64 * GB, 64 * GB, 1_000_000, 64 * KB, 64 * KB)
                .backend(new BackendProfile(Duration.ofMillis(100), 10 * MB, 10 * GB)).build());
        assertEquals(256, settings.value(Settings.UFS_READ_THREADS));
        assertEquals(256, settings.value(Settings.COSN_UPLOAD_THREAD_POOL));
    }

    @Test
    void aLatencyOfCenturiesAsksForTheMostThreads() {
        // 10^13 ms: more nanoseconds than a long holds
        Duration centuries = Duration.ofMillis(10_000_000_000_000L);
        Settings settings = TuningAdvisor.recommend(profile(4, 4 * GB, 64 * GB, 100, 30 * MB, 30 * MB)
                .backend(new BackendProfile(centuries, 16 * MB, GB)).build());
        assertEquals(256, settings.value(Settings.UFS_READ_THREADS), settings.get(Settings.UFS_READ_THREADS).reason());
        assertEquals(256, settings.value(Settings.COSN_UPLOAD_THREAD_POOL), settings.get(Settings.COSN_UPLOAD_THREAD_POOL).reason());
        assertTrue(settings.get(Settings.UFS_READ_THREADS).reason().contains("1 GiB/s x (10000000000000 ms + 4 MiB / 16 MiB/s) / 4 MiB"),
                settings.get(Settings.UFS_READ_THREADS).reason());
        assertEquals("0.6 ms", Units.latency(Duration.ofNanos(600_000)));
        assertEquals("20 ms", Units.latency(Duration.ofMillis(20)));
    }

    @Test
    void aBackendWithoutACapChangesNothing() {
        WorkloadProfile.Builder builder = profile(16, 4 * GB, 64 * GB, 1000, 30 * MB, 30 * MB);
        Settings unknown = TuningAdvisor.recommend(builder.build());
        Settings latencyOnly = TuningAdvisor.recommend(builder.backend(new BackendProfile(Duration.ofMillis(30), 0, 0)).build());
        assertEquals(unknown.value(Settings.UFS_READ_THREADS), latencyOnly.value(Settings.UFS_READ_THREADS));
        assertEquals(unknown.value(Settings.COSN_UPLOAD_THREAD_POOL), latencyOnly.value(Settings.COSN_UPLOAD_THREAD_POOL));
    }

    // --- the cap on the load's reads (--bandwidth)

    /** 8 files of 128 MiB on 2 cores, from a store of 20 ms, 16 MiB/s per stream and 1 GiB/s in all: 105 read threads uncapped. */
    private static WorkloadProfile.Builder capped(long capBytesPerSecond) {
        return profile(2, 6 * GB, 24 * GB, 8, 128 * MB, 128 * MB)
                .backend(new BackendProfile(Duration.ofMillis(20), 16 * MB, GB))
                .bandwidthCap(capBytesPerSecond);
    }

    @ParameterizedTest(name = "--bandwidth {0} MiB/s -> {1} read threads")
    @CsvSource({
            "0,    105",   // not capped: 1 GiB/s x (20 ms + 4 MiB / 16 MiB/s) / 4 MiB = 70 streams, x 1.5
            "10,   4",     // 1 stream, x 1.5 = 2: the cores' 4
            "100,  11",    // 7 streams, x 1.5
            "400,  41",    // 27 streams, x 1.5
            "1024, 105",   // the store's cap, no lower
            "4096, 105",   // above the store's cap: the store's
    })
    void readThreadsAreSizedForTheLesserOfTheCapAndTheStoresRate(long capMb, long threads) {
        Settings settings = TuningAdvisor.recommend(capped(capMb * MB).build());
        assertEquals(threads, settings.value(Settings.UFS_READ_THREADS), settings.get(Settings.UFS_READ_THREADS).reason());
    }

    @Test
    void aCapBelowTheStoresRateSizesTheExecutorAsAStoreOfThatRateWould() {
        Settings capped = TuningAdvisor.recommend(capped(100 * MB).build());
        Settings slowStore = TuningAdvisor.recommend(capped(0).backend(new BackendProfile(Duration.ofMillis(20), 16 * MB, 100 * MB)).build());
        Settings uncapped = TuningAdvisor.recommend(capped(0).build());
        for (Setting setting : capped.values()) {
            if (setting.name().startsWith("executor.")) {
                assertEquals(slowStore.value(setting.name()), setting.value(), setting.name() + ": " + setting.reason());
            }
            else {
                // GooseFS's own loads are not limited by gfsload's cap
                assertEquals(uncapped.get(setting.name()), setting, setting.name());
            }
        }
        assertEquals("min(2 x 2 cores, 64) = 4; --bandwidth 100 MiB/s (below the store's 1 GiB/s) needs 100 MiB/s x (20 ms + 4 MiB / 16 MiB/s) / 4 MiB "
                + "= 7 streams, x 1.5 for the gaps between a stream's requests = 11; at most max read threads 256 -> 11",
                capped.get(Settings.UFS_READ_THREADS).reason());
        assertEquals(100 * MB, capped.get(Settings.UFS_READ_THREADS).inputs().get("bandwidth-cap-bytes-per-second"));
        assertEquals(1, capped.value(Settings.MIN_UFS_READ_THREADS), "11 capped threads / 8");
        assertEquals("files average 128 MiB = 32 reads of 4 MiB: min(11 read threads (the streams --bandwidth needs), 32) = 11 ranged reads per file, "
                + "each on a stream of its own, so that 8 files, and the last one alone, keep every read thread busy",
                capped.get(Settings.STREAMS_PER_FILE).reason());
    }

    @Test
    void aCapAboveTheStoresRateIsNamedAndChangesNothing() {
        Settings capped = TuningAdvisor.recommend(capped(4 * GB).build());
        Settings uncapped = TuningAdvisor.recommend(capped(0).build());
        assertEquals(uncapped.value(Settings.UFS_READ_THREADS), capped.value(Settings.UFS_READ_THREADS));
        assertTrue(capped.get(Settings.UFS_READ_THREADS).reason().contains("; the store's 1 GiB/s (within --bandwidth 4 GiB/s) needs 1 GiB/s x "),
                capped.get(Settings.UFS_READ_THREADS).reason());
        assertTrue(capped.get(Settings.STREAMS_PER_FILE).reason().contains("(the store's streams)"), capped.get(Settings.STREAMS_PER_FILE).reason());
    }

    @Test
    void withoutTheStoresRateTheCapIsTheRateToSizeFor() {
        BackendProfile noCap = new BackendProfile(Duration.ofMillis(20), 16 * MB, 0);
        Settings uncapped = TuningAdvisor.recommend(capped(0).backend(noCap).build());
        assertEquals(4, uncapped.value(Settings.UFS_READ_THREADS), "2 x cores: no rate to size for");
        Settings capped = TuningAdvisor.recommend(capped(400 * MB).backend(noCap).build());
        assertEquals(41, capped.value(Settings.UFS_READ_THREADS), capped.get(Settings.UFS_READ_THREADS).reason());
        assertTrue(capped.get(Settings.UFS_READ_THREADS).reason().contains("; --bandwidth 400 MiB/s (the store's cap unknown) needs 400 MiB/s x "),
                capped.get(Settings.UFS_READ_THREADS).reason());

        // nothing known of the store: a rate alone does not say how many streams move it
        Settings unknownStore = TuningAdvisor.recommend(capped(10 * MB).backend(BackendProfile.unknown()).build());
        assertEquals(4, unknownStore.value(Settings.UFS_READ_THREADS));
        assertEquals("min(2 x 2 cores, 64) = 4; --bandwidth 10 MiB/s (the store's cap unknown): the store's latency and per-stream bandwidth unknown, "
                + "so no streams by Little's law; at most max read threads 256 -> 4", unknownStore.get(Settings.UFS_READ_THREADS).reason());
    }

    @Test
    void eachSliceIsSizedForItsShareOfTheCap() {
        Settings slice = TuningAdvisor.recommend(capped(400 * MB).slice(SliceShare.even(4).get(0)).build());
        assertEquals(TuningAdvisor.recommend(capped(100 * MB).build()).value(Settings.UFS_READ_THREADS), slice.value(Settings.UFS_READ_THREADS));
        // compared with the slice's share of the store, not with the whole store
        assertTrue(slice.get(Settings.UFS_READ_THREADS).reason().contains(
                "; --bandwidth 400 MiB/s / 4 slices = 100 MiB/s (below the store's 1 GiB/s / 4 slices = 256 MiB/s) needs "),
                slice.get(Settings.UFS_READ_THREADS).reason());
        assertEquals(4L, slice.get(Settings.UFS_READ_THREADS).inputs().get("slices"));
    }

    @Test
    void aSliceThatReadsMostOfTheLoadIsSizedForItsLargerShare() {
        // one slice reads a file of 1 GiB, three others 32 MiB each: each holds a share of the cap in proportion to what it reads
        List<SliceShare> shares = SliceShare.byBytes(new long[] {1024 * MB, 32 * MB, 32 * MB, 32 * MB});
        // the small ones at a quarter of an even share (1120 MiB / 4 / 4 = 70 MiB), the large one at the rest of the cap
        assertEquals(List.of(1024 * MB, 70 * MB, 70 * MB, 70 * MB), shares.stream().map(SliceShare::weight).toList());
        long cap = 400 * MB;
        List<Settings> slices = shares.stream().map(share -> TuningAdvisor.recommend(capped(cap).slice(share).build())).toList();
        long even = TuningAdvisor.recommend(capped(cap).slice(SliceShare.even(4).get(0)).build()).value(Settings.UFS_READ_THREADS);

        // each slice as one load capped at its share: 400 MiB/s x 1024 / 1234 = 331.9 MiB/s needs 23 streams, 22.7 MiB/s 2 (the cores' 4 threads)
        for (int i = 0; i < shares.size(); i++) {
            long share = shares.get(i).of(cap);
            assertEquals(TuningAdvisor.recommend(capped(share).build()).value(Settings.UFS_READ_THREADS), slices.get(i).value(Settings.UFS_READ_THREADS),
                    slices.get(i).get(Settings.UFS_READ_THREADS).reason());
        }
        assertEquals(35, slices.get(0).value(Settings.UFS_READ_THREADS), slices.get(0).get(Settings.UFS_READ_THREADS).reason());
        assertEquals(4, slices.get(1).value(Settings.UFS_READ_THREADS), slices.get(1).get(Settings.UFS_READ_THREADS).reason());
        assertTrue(slices.get(0).value(Settings.UFS_READ_THREADS) > even && even > slices.get(1).value(Settings.UFS_READ_THREADS),
                "the large slice above an even share's %d threads, the small ones below".formatted(even));
        // the threads follow the streams: the large slice's reads take more ranged reads of a file at once, and fewer bytes per task set
        assertTrue(slices.get(0).value(Settings.STREAMS_PER_FILE) > slices.get(1).value(Settings.STREAMS_PER_FILE));
        assertTrue(slices.get(0).value(Settings.TASK_SET_BYTES) <= slices.get(1).value(Settings.TASK_SET_BYTES));

        // the reasons name the slice and its share of both rates
        assertTrue(slices.get(0).get(Settings.UFS_READ_THREADS).reason().contains("; --bandwidth 400 MiB/s x 83.0% (slice 1 of 4, by the bytes it reads) "
                + "= 331.9 MiB/s (below the store's 1 GiB/s x 83.0% = 849.7 MiB/s) needs 331.9 MiB/s x "), slices.get(0).get(Settings.UFS_READ_THREADS).reason());
        assertTrue(slices.get(1).get(Settings.UFS_READ_THREADS).reason().contains("; --bandwidth 400 MiB/s x 5.7% (slice 2 of 4, by the bytes it reads) "
                + "= 22.7 MiB/s (below the store's 1 GiB/s x 5.7% = 58.1 MiB/s) needs "), slices.get(1).get(Settings.UFS_READ_THREADS).reason());
        assertEquals(829_821L, slices.get(0).get(Settings.UFS_READ_THREADS).inputs().get("slice-share-ppm"));
        assertEquals(4L, slices.get(0).get(Settings.UFS_READ_THREADS).inputs().get("slices"));

        // without a cap the store's rate is shared the same way
        Settings uncapped = TuningAdvisor.recommend(capped(0).slice(shares.get(0)).build());
        assertEquals(TuningAdvisor.recommend(capped(0).backend(new BackendProfile(Duration.ofMillis(20), 16 * MB, shares.get(0).of(GB))).build())
                .value(Settings.UFS_READ_THREADS), uncapped.value(Settings.UFS_READ_THREADS));
        assertTrue(uncapped.get(Settings.UFS_READ_THREADS).reason().contains("; the store's 1 GiB/s x 83.0% (slice 1 of 4, by the bytes it reads) = 849.7 MiB/s needs "),
                uncapped.get(Settings.UFS_READ_THREADS).reason());
    }

    @Test
    void slicesShareTheRatesInProportionToWhatTheyRead() {
        List<SliceShare> shares = SliceShare.byBytes(new long[] {1L << 40, 64 * MB, 0, 0});
        long[] rates = shares.stream().mapToLong(share -> share.of(1000)).toArray();
        assertTrue(rates[0] > 700 && rates[1] == rates[2] && rates[2] == rates[3], Arrays.toString(rates));
        assertTrue(Arrays.stream(rates).sum() <= 1000 && Arrays.stream(rates).sum() > 1000 - 4, Arrays.toString(rates));
        // nothing to read: even shares, as for a load cut evenly
        assertEquals(SliceShare.even(3), SliceShare.byBytes(new long[3]));
        assertTrue(SliceShare.even(3).get(2).isEven());
        assertEquals(250, SliceShare.even(4).get(0).of(1000));
        assertEquals(0, SliceShare.even(4).get(0).of(0), "no rate, no share");
        assertEquals(1, SliceShare.byBytes(new long[] {1L << 50, 0}).get(1).of(2), "at least a byte a second");
        assertEquals(1000, SliceShare.WHOLE.of(1000));
    }

    @Test
    void slicesShareTheStoresRate() {
        // four slices side by side on a 1 GiB/s store: each is sized for a quarter of it, as one load on a 256 MiB/s store
        Settings slice = TuningAdvisor.recommend(capped(0).slice(SliceShare.even(4).get(0)).build());
        Settings quarterStore = TuningAdvisor.recommend(capped(0).backend(new BackendProfile(Duration.ofMillis(20), 16 * MB, 256 * MB)).build());
        assertEquals(quarterStore.value(Settings.UFS_READ_THREADS), slice.value(Settings.UFS_READ_THREADS));
        assertTrue(slice.value(Settings.UFS_READ_THREADS) < TuningAdvisor.recommend(capped(0).build()).value(Settings.UFS_READ_THREADS));
        assertTrue(slice.get(Settings.UFS_READ_THREADS).reason().contains("; the store's 1 GiB/s / 4 slices = 256 MiB/s needs 256 MiB/s x "),
                slice.get(Settings.UFS_READ_THREADS).reason());
        assertEquals(4L, slice.get(Settings.UFS_READ_THREADS).inputs().get("slices"));
        // a cap above each slice's share of the store: the store's share is what each is sized for
        Settings within = TuningAdvisor.recommend(capped(2048 * MB).slice(SliceShare.even(4).get(0)).build());
        assertEquals(quarterStore.value(Settings.UFS_READ_THREADS), within.value(Settings.UFS_READ_THREADS));
        assertTrue(within.get(Settings.UFS_READ_THREADS).reason().contains(
                "; the store's 1 GiB/s / 4 slices = 256 MiB/s (within --bandwidth 2 GiB/s / 4 slices = 512 MiB/s) needs "),
                within.get(Settings.UFS_READ_THREADS).reason());
    }

    @Test
    void anExplicitThreadCountWinsOverTheCap() {
        Settings settings = TuningAdvisor.recommend(capped(10 * MB).build(), List.of(SettingOverride.flag(Settings.UFS_READ_THREADS, 50, "--ufs-read-threads")));
        assertEquals(50, settings.value(Settings.UFS_READ_THREADS));
        assertEquals(50, settings.value(Settings.MAX_UFS_READ_THREADS));
    }

    @Test
    void theCapAndTheSlicesMustBeValid() {
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> capped(-1).build());
        assertEquals("bandwidthCap must be >= 0: -1", negative.getMessage());
        IllegalArgumentException noSlice = assertThrows(IllegalArgumentException.class, () -> new SliceShare(0, 0, 1, 1));
        assertEquals("slices must be >= 1: 0", noSlice.getMessage());
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class, () -> new SliceShare(4, 4, 1, 4));
        assertEquals("index must be in [0, 4): 4", outside.getMessage());
        IllegalArgumentException noWeight = assertThrows(IllegalArgumentException.class, () -> SliceShare.byBytes(new long[0]));
        assertEquals("no slices", noWeight.getMessage());
        assertEquals(1, capped(1).slice(SliceShare.even(4).get(0)).build().bandwidthCapShare(), "at least a byte a second");
    }

    // --- every setting, provenance and overrides

    @Test
    void everySettingHasAValueUnitRuleAndReason() {
        Settings settings = TuningAdvisor.recommend(profile(16, 4 * GB, 64 * GB, 1000, 30 * MB, 30 * MB).build());
        assertEquals(ALL_NAMES, settings.values().stream().map(Setting::name).toList());
        for (Setting setting : settings.values()) {
            assertTrue(setting.value() > 0, setting.toString());
            assertFalse(setting.unit().isBlank(), setting.toString());
            assertFalse(setting.rule().isBlank(), setting.toString());
            assertFalse(setting.reason().isBlank(), setting.toString());
            assertEquals(Setting.Source.ADVISOR, setting.source(), setting.toString());
        }
        assertEquals(Map.of("cores", 16L, "workers", 1L, "worker-read-memory-bytes", 16 * GB), settings.get(Settings.COSN_UPLOAD_THREAD_POOL).inputs());
        assertEquals(4, settings.withPrefix(Settings.CORE_SITE_PREFIX).size());
        assertEquals(4, settings.withPrefix(Settings.CLUSTER_PREFIX).size());
    }

    @Test
    void aPlanWithNothingToLoadStillGetsSettings() {
        Settings settings = TuningAdvisor.recommend(new WorkloadProfile(4, GB, 0, 0, 0, 0));
        assertEquals(64 * KB, settings.value(Settings.READ_BUFFER_BYTES));
        assertEquals(1, settings.value(Settings.UFS_READ_THREADS));
        assertEquals(1, settings.value(Settings.ACTIVE_FILES));
        assertEquals(64 * MB, settings.value(Settings.TASK_SET_BYTES));
        assertEquals(8, settings.value(Settings.COSN_UPLOAD_THREAD_POOL), "the cluster's settings do not depend on this plan's size");
    }

    @Test
    void theSameProfileGivesEqualSettings() {
        WorkloadProfile profile = profile(12, 3 * GB, 48 * GB, 4321, 700 * KB, 3 * MB).workers(3)
                .backend(new BackendProfile(Duration.ofMillis(15), 40 * MB, 900 * MB)).build();
        assertEquals(TuningAdvisor.recommend(profile), TuningAdvisor.recommend(profile));
    }

    @Test
    void theSixArgumentProfileFillsInTheDocumentedDefaults() {
        WorkloadProfile old = new WorkloadProfile(8, 2 * GB, 10, 100 * MB, 10 * MB, 10 * MB);
        assertEquals(8 * GB, old.hostMemoryBytes());
        assertEquals(64 * MB, old.blockBytes());
        assertEquals(1, old.workers());
        assertEquals(List.of(), old.tiers());
        assertEquals(BackendProfile.unknown(), old.backend());
        assertEquals(0, old.bandwidthCap(), "not capped");
        assertEquals(SliceShare.WHOLE, old.slice(), "in one process");
        assertEquals(old, WorkloadProfile.builder().cores(8).maxHeapBytes(2 * GB).files(10, 100 * MB, 10 * MB, 10 * MB).build());
    }

    @Test
    void anExplicitThreadCountWinsAndFixesTheControllersBounds() {
        WorkloadProfile profile = profile(16, 4 * GB, 64 * GB, 1000, 30 * MB, 30 * MB).build();
        Settings settings = TuningAdvisor.recommend(profile, List.of(SettingOverride.flag(Settings.UFS_READ_THREADS, 8, "--ufs-read-threads")));
        Setting threads = settings.get(Settings.UFS_READ_THREADS);
        assertEquals(8, threads.value());
        assertEquals(Setting.Source.FLAG, threads.source());
        assertEquals("set by --ufs-read-threads; advisor: 32, min(2 x 16 cores, 64) = 32; at most max read threads 256 -> 32", threads.reason());
        assertEquals(8, settings.value(Settings.MAX_UFS_READ_THREADS));
        assertEquals(8, settings.value(Settings.MIN_UFS_READ_THREADS));
        assertEquals(Setting.Source.ADVISOR, settings.get(Settings.MAX_UFS_READ_THREADS).source(), "derived from the flag by the advisor");
        assertEquals(8 * 4 * MB, settings.value(Settings.IN_FLIGHT_BYTES), "recomputed from the explicit threads");
        assertEquals(List.of(threads), settings.from(Setting.Source.FLAG));
    }

    @Test
    void anExplicitReadBufferMovesTheMemoryBound() {
        WorkloadProfile profile = profile(16, 1 * GB, 64 * GB, 100_000, 30 * MB, 30 * MB).build();
        Settings settings = TuningAdvisor.recommend(profile, List.of(SettingOverride.config(Settings.READ_BUFFER_BYTES, 16 * MB, "gfsload.properties")));
        assertEquals(Setting.Source.CONFIG, settings.get(Settings.READ_BUFFER_BYTES).source());
        assertEquals(16, settings.value(Settings.MAX_UFS_READ_THREADS), "256 MiB / 16 MiB");
        assertEquals(16, settings.value(Settings.UFS_READ_THREADS));
        assertEquals(256 * MB, settings.value(Settings.IN_FLIGHT_BYTES));
    }

    @Test
    void anExplicitBoundOnActiveFilesBoundsTheReaders() {
        WorkloadProfile profile = profile(16, 4 * GB, 64 * GB, 1000, 30 * MB, 30 * MB).build();
        Settings settings = TuningAdvisor.recommend(profile, List.of(SettingOverride.flag(Settings.ACTIVE_FILES, 6, "--active-jobs")));
        assertEquals(6, settings.value(Settings.ACTIVE_FILES));
        assertEquals(6, settings.value(Settings.MAX_UFS_READ_THREADS));
        assertEquals(6, settings.value(Settings.UFS_READ_THREADS));
        assertEquals("min(256, heap / 4 / read buffer = 1 GiB / 4 MiB = 256, 7500 ranged reads of 1000 files, 6 explicit active files) = 6",
                settings.get(Settings.MAX_UFS_READ_THREADS).reason());
    }

    @Test
    void explicitValuesThatBreakABoundAreReportedNotHidden() {
        WorkloadProfile profile = profile(16, 1 * GB, 4 * GB, 1000, 30 * MB, 30 * MB).build();
        Settings settings = TuningAdvisor.recommend(profile, List.of(
                SettingOverride.flag(Settings.UFS_READ_THREADS, 200, "--ufs-read-threads"),
                SettingOverride.flag(Settings.COSN_UPLOAD_THREAD_POOL, 100, "--cosn-threads")));
        assertEquals(200 * 4 * MB, settings.value(Settings.IN_FLIGHT_BYTES));
        assertTrue(settings.get(Settings.IN_FLIGHT_BYTES).reason().contains("EXCEEDS heap / 4"), settings.get(Settings.IN_FLIGHT_BYTES).reason());
        assertEquals(113, settings.value(Settings.JOB_WORKER_MAX_ACTIVE_TASKS), "a little above the explicit pool");
        assertTrue(settings.get(Settings.WORKER_READER_BUFFER_SIZE).reason().contains("EXCEEDS"), settings.get(Settings.WORKER_READER_BUFFER_SIZE).reason());
    }

    @Test
    void overridesMustNameKnownSettingsOnce() {
        WorkloadProfile profile = profile(16, 1 * GB, 4 * GB, 1000, 30 * MB, 30 * MB).build();
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> TuningAdvisor.recommend(profile, List.of(SettingOverride.flag("executor.threads", 8, "--threads"))));
        assertTrue(unknown.getMessage().startsWith("Unknown setting executor.threads; the settings are executor.active-files,"), unknown.getMessage());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> TuningAdvisor.recommend(profile, List.of(
                SettingOverride.flag(Settings.UFS_READ_THREADS, 8, "--ufs-read-threads"),
                SettingOverride.config(Settings.UFS_READ_THREADS, 9, "gfsload.properties"))));
        assertEquals("Setting executor.ufs-read-threads is given twice", twice.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> SettingOverride.flag(Settings.UFS_READ_THREADS, 0, "--ufs-read-threads"));
        assertEquals("Invalid value 0 for executor.ufs-read-threads: must be > 0", zero.getMessage());
    }

    @Test
    void withOverrideReplacesOneValueAndSaysWhereItCameFrom() {
        Settings advised = TuningAdvisor.recommend(profile(16, 4 * GB, 64 * GB, 1000, 30 * MB, 30 * MB).build());
        Settings overridden = advised.withOverride(Settings.READ_BUFFER_BYTES, MB, Setting.Source.FLAG);
        assertEquals(MB, overridden.value(Settings.READ_BUFFER_BYTES));
        assertEquals(Setting.Source.FLAG, overridden.get(Settings.READ_BUFFER_BYTES).source());
        assertTrue(overridden.get(Settings.READ_BUFFER_BYTES).reason().startsWith("set by a flag; advisor: 4194304, files average 30 MiB"),
                overridden.get(Settings.READ_BUFFER_BYTES).reason());
        for (String name : ALL_NAMES) {
            if (!name.equals(Settings.READ_BUFFER_BYTES)) {
                assertEquals(advised.get(name), overridden.get(name), name);
            }
        }
        NoSuchElementException missing = assertThrows(NoSuchElementException.class, () -> advised.withOverride("no.such", 1, Setting.Source.CONFIG));
        assertEquals("No setting no.such", missing.getMessage());
        IllegalArgumentException byAdvisor = assertThrows(IllegalArgumentException.class,
                () -> advised.withOverride(Settings.READ_BUFFER_BYTES, 1, Setting.Source.ADVISOR));
        assertEquals("An override of executor.read-buffer-bytes must come from a flag or a configuration file, not the advisor", byAdvisor.getMessage());
    }

    @Test
    void theFourArgumentSettingComesFromTheAdvisor() {
        Setting setting = new Setting("x", 1, "threads", "why");
        assertEquals(Setting.Source.ADVISOR, setting.source());
        assertEquals("", setting.rule());
        assertEquals(Map.of(), setting.inputs());
        IllegalArgumentException duplicate = assertThrows(IllegalArgumentException.class, () -> new Settings(List.of(setting, setting)));
        assertEquals("Duplicate setting x", duplicate.getMessage());
    }
}
