package io.gfsload.advisor;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Derives executor settings from a workload profile, following the GooseFS tuning rules.
 *
 * <p>Pure: no I/O, no global state; the same profile always yields the same settings.
 */
public final class TuningAdvisor {
    /** Share of the heap that blocks in flight may take. */
    static final int HEAP_SHARE_DIVISOR = 4;
    static final long LARGE_FILE_READ_BUFFER = 4L << 20;
    static final long MIN_READ_BUFFER = 64L << 10;
    static final long LARGE_FILE_MEAN = 10L << 20;
    static final int MAX_THREADS = 64;

    private TuningAdvisor() {}

    public static Settings recommend(WorkloadProfile profile) {
        requireNonNull(profile, "profile is null");
        Setting readBuffer = readBuffer(profile);
        Setting threads = threads(profile, readBuffer.value());
        long inFlight = threads.value() * readBuffer.value();
        Setting inFlightBytes = new Setting(Settings.IN_FLIGHT_BYTES, inFlight, "bytes",
                "read threads x read buffer = %d x %d; bounded by heap / %d = %d"
                        .formatted(threads.value(), readBuffer.value(), HEAP_SHARE_DIVISOR, profile.maxHeapBytes() / HEAP_SHARE_DIVISOR));
        return new Settings(List.of(threads, readBuffer, inFlightBytes));
    }

    /**
     * One UFS request should fetch a whole small file: the median size for KB- and MB-sized files,
     * 4 MiB once files average tens of MB (fs.cosn.read.ahead.block.size).
     */
    private static Setting readBuffer(WorkloadProfile profile) {
        if (profile.meanFileBytes() >= LARGE_FILE_MEAN) {
            return new Setting(Settings.READ_BUFFER_BYTES, LARGE_FILE_READ_BUFFER, "bytes",
                    "files average %d bytes (>= 10 MiB): 4 MiB per read".formatted(profile.meanFileBytes()));
        }
        long value = Math.max(MIN_READ_BUFFER, Math.min(LARGE_FILE_READ_BUFFER, profile.medianFileBytes()));
        return new Setting(Settings.READ_BUFFER_BYTES, value, "bytes",
                "median file is %d bytes: one read per small file, within [64 KiB, 4 MiB]".formatted(profile.medianFileBytes()));
    }

    /**
     * 2 x cores UFS readers (fs.cosn.upload_thread_pool: 2-3 x CPU count), no more than there are
     * files, and few enough that their buffers fit in a quarter of the heap.
     */
    private static Setting threads(WorkloadProfile profile, long readBuffer) {
        long byCores = 2L * profile.cores();
        long byMemory = Math.max(1, profile.maxHeapBytes() / HEAP_SHARE_DIVISOR / readBuffer);
        long byFiles = Math.max(1, profile.files());
        long value = Math.max(1, Math.min(Math.min(byCores, MAX_THREADS), Math.min(byMemory, byFiles)));
        return new Setting(Settings.UFS_READ_THREADS, value, "threads",
                "min(2 x %d cores, %d, heap / %d / read buffer = %d, %d files)".formatted(profile.cores(), MAX_THREADS, HEAP_SHARE_DIVISOR, byMemory, byFiles));
    }
}
