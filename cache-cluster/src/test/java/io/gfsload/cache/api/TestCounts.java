package io.gfsload.cache.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TestCounts {
    @Test
    void countsSayTheirNounInTheSingularForOneOnly() {
        assertEquals("0 blocks", Counts.of(0, "block"));
        assertEquals("1 block", Counts.of(1, "block"));
        assertEquals("2 blocks", Counts.of(2, "block"));
    }

    @Test
    void timesAreWholeSecondsOrMilliseconds() {
        assertEquals("30 s", Counts.of(Duration.ofSeconds(30)));
        assertEquals("600 s", Counts.of(Duration.ofMinutes(10)));
        assertEquals("500 ms", Counts.of(Duration.ofMillis(500)));
        assertEquals("1500 ms", Counts.of(Duration.ofMillis(1500)));
    }
}
