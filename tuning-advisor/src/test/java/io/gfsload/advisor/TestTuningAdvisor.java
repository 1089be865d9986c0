package io.gfsload.advisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TestTuningAdvisor {
    private static final long MB = 1L << 20;
    private static final long GB = 1L << 30;

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
    }

    @ParameterizedTest(name = "{0} cores, heap {1} MiB, {2} files -> {3} threads")
    @CsvSource({
            "2,  4096, 1000, 4",    // 2 x cores
            "16, 4096, 1000, 32",   // 2 x cores
            "64, 65536, 1000, 64",  // capped
            "16, 4096, 3,    3",    // no more threads than files
            "16, 64,   1000, 4",    // 64 MiB heap / 4 / 4 MiB buffer = 4
    })
    void threadsFollowCoresFilesAndMemory(int cores, long heapMb, long files, long expected) {
        Settings settings = TuningAdvisor.recommend(new WorkloadProfile(cores, heapMb * MB, files, files * 30 * MB, 30 * MB, 30 * MB));
        assertEquals(expected, settings.value(Settings.UFS_READ_THREADS));
    }

    @ParameterizedTest(name = "heap {0} MiB")
    @CsvSource({"64", "512", "4096", "65536"})
    void bytesInFlightNeverExceedAQuarterOfTheHeap(long heapMb) {
        Settings settings = TuningAdvisor.recommend(new WorkloadProfile(32, heapMb * MB, 100_000, 100_000 * 40 * MB, 40 * MB, 40 * MB));
        assertTrue(settings.value(Settings.IN_FLIGHT_BYTES) <= heapMb * MB / 4, settings.get(Settings.IN_FLIGHT_BYTES).reason());
        assertTrue(settings.get(Settings.UFS_READ_THREADS).reason().startsWith("min(2 x 32 cores"), settings.get(Settings.UFS_READ_THREADS).reason());
    }
}
