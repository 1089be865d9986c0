package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.executor.LoadReport;
import io.gfsload.executor.LoadState;
import io.gfsload.executor.LoadTotals;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The summary's account of the time a load spent outside its window. */
class TestReportPrinter {
    private static LoadReport report(LoadReport.Window window) {
        LoadTotals totals = new LoadTotals(1, 0, 1, 1, 0, 0, 1000, 1000, 0, 0);
        return new LoadReport("/data", LoadState.SUCCEEDED, 1, totals, List.of(), Duration.ofHours(22).toMillis(), 1000, List.of(), 1000, null, null, window, false, null);
    }

    @Test
    void theSummarySaysHowLongTheLoadWaitedAndPaused() {
        String summary = ReportPrinter.summary(report(new LoadReport.Window("01:00-06:00", "UTC", Duration.ofMinutes(132).toMillis(), 1,
                Duration.ofHours(19).toMillis())));
        assertTrue(summary.contains("\n  window  01:00-06:00 (UTC): waited 2 h 12 min for it, paused 1 time for 19 h\n"), summary);
        String twice = ReportPrinter.summary(report(new LoadReport.Window("22:00-06:00", "Asia/Shanghai", 0, 2, Duration.ofHours(32).toMillis())));
        assertTrue(twice.contains("\n  window  22:00-06:00 (Asia/Shanghai): paused 2 times for 32 h\n"), twice);
        String none = ReportPrinter.summary(report(null));
        assertFalse(none.contains("window"), none);
    }
}
