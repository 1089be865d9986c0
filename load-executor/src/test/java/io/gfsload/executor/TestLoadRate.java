package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The rate a report gives for the bytes a run wrote in its time loading. */
class TestLoadRate {
    private static final long PIB = 1L << 50;

    @Test
    void bytesPerSecondOfTheTimeLoading() {
        assertEquals(0, LoadExecutor.rate(0, 1_000));
        assertEquals(1_000, LoadExecutor.rate(1_000, 1_000));
        assertEquals(333, LoadExecutor.rate(1_000, 3_000));
        assertEquals(1_500, LoadExecutor.rate(3, 2));
        // under a millisecond: as if it took one
        assertEquals(5_000, LoadExecutor.rate(5, 0));
    }

    @Test
    void aRunPastEightPebibytesHasItsRateNotANegativeOne() {
        // 10 PiB in 10 days: bytes x 1000 passes a long's range
        long tenDays = 10L * 24 * 3600 * 1000;
        assertEquals(10 * PIB / (tenDays / 1000), LoadExecutor.rate(10 * PIB, tenDays));
        assertEquals(Long.MAX_VALUE / 1000 * 1000 + Long.MAX_VALUE % 1000, LoadExecutor.rate(Long.MAX_VALUE, 1_000));
        assertEquals(Long.MAX_VALUE, LoadExecutor.rate(Long.MAX_VALUE, 0));
    }
}
