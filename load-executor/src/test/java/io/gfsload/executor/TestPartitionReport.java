package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The totals of a partition and of a load are the sums of their files' figures, also after files are re-marked failed. */
class TestPartitionReport {
    private static final long MIB = 1 << 20;

    // loaded whole; cached whole before the load; half loaded, half cached before
    private static final FileReport LOADED = new FileReport("file:/d/loaded", 2 * MIB, 2, 2, 0, 0, 2 * MIB, 0, 1, null);
    private static final FileReport CACHED = new FileReport("file:/d/cached", 3 * MIB, 3, 0, 3, 0, 0, 3 * MIB, 0, null);
    private static final FileReport MIXED = new FileReport("file:/d/mixed", 2 * MIB, 2, 1, 1, 0, MIB, MIB, 2, null);

    @Test
    void totalsAreTheSumsOfTheFiles() {
        PartitionReport partition = PartitionReport.of("dt=1", List.of(LOADED, CACHED, MIXED));

        assertEquals(new LoadTotals(3, 0, 7, 3, 4, 0, 7 * MIB, 3 * MIB, 4 * MIB, 3), partition.totals());
    }

    @Test
    void filesFailedAfterTheLoadTakeTheirBytesOutOfTheTotals() {
        PartitionReport partition = PartitionReport.of("dt=1", List.of(LOADED, CACHED, MIXED));

        // the end-of-load check finds blocks of the cached and the mixed file missing
        PartitionReport checked = partition.withFiles(List.of(LOADED, Shortfall.failed(CACHED, "evicted"), Shortfall.failed(MIXED, "evicted")));

        assertEquals(new LoadTotals(3, 2, 7, 2, 0, 5, 7 * MIB, 2 * MIB, 0, 3), checked.totals());
        assertEquals(0, Shortfall.failed(MIXED, "evicted").bytesLoaded(), "none of a failed file's blocks counts as loaded, nor do their bytes");
    }

    @Test
    void theLoadsTotalsAreTheSumsOfItsPartitions() {
        PartitionReport first = PartitionReport.of("dt=1", List.of(LOADED, CACHED));
        PartitionReport second = PartitionReport.of("dt=2", List.of(MIXED));
        LoadReport report = new LoadReport("t", LoadState.SUCCEEDED, 1, LoadTotals.of(List.of(first, second)), List.of(first, second), 0, 0, 0, List.of(), 0,
                null, null, null, null, false, null, LoadReport.Evicted.NONE, null);

        LoadReport checked = report.withPartitions(List.of(first.withFiles(List.of(LOADED, CACHED.failedAs("verify: block 0 is not cached"))), second));

        assertEquals(new LoadTotals(3, 1, 7, 3, 1, 3, 7 * MIB, 3 * MIB, MIB, 3), checked.totals());
        assertEquals(checked.totals(), LoadTotals.of(checked.partitions()));
        assertTrue(checked.totals().anyFailed());
    }

    @Test
    void aFileReportRefusesNegativeBytes() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> new FileReport("file:/d/f", 10, 1, 0, 1, 0, 0, -1, 0, null));

        assertEquals("byte counts of file:/d/f are negative: 0 loaded, -1 already cached", refused.getMessage());
    }
}
