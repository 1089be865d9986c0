package io.gfsload.advisor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TestUnits {
    @Test
    void sizesOfDataHaveATenthOfTheirUnitAlways() {
        // as the dry run's table, the summary and the capacity message print them, in one form
        assertEquals("0 B", Units.size(0));
        assertEquals("1023 B", Units.size(1023));
        assertEquals("1.0 KiB", Units.size(1024));
        assertEquals("400.0 MiB", Units.size(400L << 20));
        assertEquals("79.4 MiB", Units.size(83_255_706));
        assertEquals("64.0 MiB", Units.size(64L << 20));
        assertEquals("1.5 GiB", Units.size(3L << 29));
        assertEquals("8.0 EiB", Units.size(Long.MAX_VALUE));
        // what rounds to 1024 of a unit is 1.0 of the next
        assertEquals("1.0 MiB", Units.size((1L << 20) - 1));
        assertEquals("1.0 GiB", Units.size((1L << 30) - 1));
        assertEquals("1023.9 KiB", Units.size(1023 * 1024 + 900));
        assertEquals("1.0 KiB", Units.size(1023 + 1));
    }

    @Test
    void theAdvisorsBytesAreExactMultiplesWithoutDecimals() {
        // a setting or a rule's figure: 4 MiB, not 4.0 MiB
        assertEquals("512 B", Units.bytes(512));
        assertEquals("4 MiB", Units.bytes(4L << 20));
        assertEquals("1 GiB", Units.bytes(1L << 30));
        assertEquals("1.5 GiB", Units.bytes(3L << 29));
        assertEquals("79.4 MiB", Units.bytes(83_255_706));
    }
}
