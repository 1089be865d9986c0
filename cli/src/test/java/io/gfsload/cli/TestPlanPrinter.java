package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.advisor.BackendProfile;
import io.gfsload.advisor.WorkloadProfile;
import io.gfsload.cli.PlanPrinter.PartitionSummary;
import io.gfsload.cli.PlanPrinter.PlanSummary;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.planner.DroppedPartitions;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PartitionLoad;
import io.gfsload.planner.PlanStats;
import io.gfsload.planner.UnlistedDirectory;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class TestPlanPrinter {
    @Test
    void aStreamFasterThanAnyCapGivesTheLargestRateNotANegativeOne() {
        // --ufs-stream-bandwidth 8000PB/s, the most a flag takes, on a machine of 1 core: 2 read threads
        long perStream = 8000L << 50;
        WorkloadProfile profile = WorkloadProfile.builder().cores(1).maxHeapBytes(1L << 30).files(3, 3L << 30, 1L << 30, 1L << 30)
                .backend(new BackendProfile(Duration.ZERO, perStream, 0))
                .build();

        PlanPrinter.UfsRate rate = PlanPrinter.UfsRate.of(profile, 2);
        assertEquals(Long.MAX_VALUE, rate.bytesPerSecond(), rate.toString());
        assertTrue(rate.because().endsWith(" per stream x 2 read threads"), rate.because());
        assertEquals(Long.MAX_VALUE, PlanPrinter.UfsRate.of(profile, 1, 3).bytesPerSecond(), "x 3 slices at a time");

        WorkloadProfile capped = WorkloadProfile.builder().cores(1).maxHeapBytes(1L << 30).files(3, 3L << 30, 1L << 30, 1L << 30)
                .backend(new BackendProfile(Duration.ZERO, perStream, 0))
                .bandwidthCap(100L << 20)
                .build();
        assertEquals(new PlanPrinter.UfsRate(100L << 20, "--bandwidth"), PlanPrinter.UfsRate.of(capped, 2), "the cap is the least rate");
    }

    @Test
    void whatTheUfsSaidOfALocationItCouldNotListIsShownWithItsSecretsHidden() {
        PartitionLoad unlisted = PartitionLoad.unlisted("dt=1", "s3a://bucket/t/dt=1", "Cannot list: fs.s3a.secret.key=s3cretKey1 is invalid");
        PartitionLoad partly = new PartitionLoad("dt=2", "s3a://bucket/t/dt=2", List.of(), 0, null,
                List.of(new UnlistedDirectory("s3a://AKIDEXAMPLE:s3cretKey2@bucket/t/dt=2/sub", "denied: password=s3cretKey3")));
        LoadPlan plan = new LoadPlan(new LoadRequest(new LoadTarget.Paths(List.of("s3a://bucket/t")), 1), 64L << 20, List.of(unlisted, partly), List.of(),
                new PlanStats(0, 0, 0, 0, 0, List.of(0L, 0L, 0L, 0L, 0L, 0L, 0L), 0, 0));

        PlanSummary summary = PlanPrinter.summarize(plan, new ClusterInfo("cluster", List.of()));

        for (String text : List.of(PlanPrinter.table(summary), PlanPrinter.status(summary), PlanPrinter.json(summary, 3, null))) {
            assertFalse(text.contains("s3cret"), text);
            assertTrue(text.contains("fs.s3a.secret.key=<hidden>"), text);
            assertTrue(text.contains("s3a://<hidden>@bucket/t/dt=2/sub"), text);
        }
    }

    @Test
    void aShareThatIsNotWholeNeverShowsAsAHundredPercent() {
        assertEquals("99.9 %", PlanPrinter.percent(100.0 * 3999 / 4000), "one block of 4,000 missing");
        assertEquals("99.9 %", PlanPrinter.percent(99.99999));
        assertEquals("100.0 %", PlanPrinter.percent(100.0));
        assertEquals("50.0 %", PlanPrinter.percent(50.0));
        assertEquals("33.3 %", PlanPrinter.percent(100.0 / 3));
        assertEquals("0.0 %", PlanPrinter.percent(0.0));
    }

    /**
     * A table of hundreds of terabytes cached whole is 100 % cached, in the table and in the JSON:
     * {@code 100.0 * bytes / bytes} is 99.99999999999999 in doubles for about a fifth of the sizes
     * past 90 TB, which the table showed as 99.9 %.
     */
    @Test
    void aLargeTableCachedWholeShowsAsAHundredPercent() {
        long bytes = 398_041_012_925_301L;
        PartitionSummary whole = new PartitionSummary("total", "", 3650, bytes, 5_931_000, 5_931_000, bytes, 0, 0, 0, 0, 0, null, false, List.of());
        PlanSummary summary = new PlanSummary("db.t", 1, 64 << 20, List.of(whole), whole, 2, 1L << 30, 0, 0, 0, 2, true,
                200L << 20, "no bandwidth of the UFS given or probed", 0, null, false);

        assertEquals(100.0, PlanPrinter.cachedPercent(whole));
        assertEquals(100.0, StatusCommand.PartitionStatus.of(whole).cachedPercent(), "the JSON's share");
        assertTrue(PlanPrinter.status(summary).contains("100.0 %"), PlanPrinter.status(summary));
        assertFalse(PlanPrinter.status(summary).contains("99.9 %"), PlanPrinter.status(summary));

        PartitionSummary oneByteShort = new PartitionSummary("total", "", 3650, bytes, 5_931_000, 5_930_999, bytes - 1, 1, 1, 0, 0, 0, null, false,
                List.of());
        assertTrue(PlanPrinter.cachedPercent(oneByteShort) < 100.0, "what is not all cached is less");
    }

    @Test
    void aLongPartitionNameIsElidedInTheTablesButNotInTheJson() {
        String value = "v".repeat(120) + "END";
        String name = "dt=2026-11-20/p=" + value;
        PartitionSummary longName = partition(name);
        PartitionSummary shortName = partition("dt=2026-11-21/p=a");
        PlanSummary summary = new PlanSummary("db.t", 1, 64 << 20, List.of(longName, shortName), partition("total"), 2, 1L << 30, 0, 0, 0, 2, true,
                200L << 20, "no bandwidth of the UFS given or probed", 0, null, false);

        String elided = "dt=2026-11-20/p=" + "v".repeat(13) + "..." + "v".repeat(25) + "END";
        assertEquals(PlanPrinter.MAX_PARTITION_COLUMN, elided.length());
        assertEquals(elided, PlanPrinter.partitionColumn(name));
        assertEquals("dt=2026-11-21/p=a", PlanPrinter.partitionColumn("dt=2026-11-21/p=a"));
        assertEquals("北".repeat(29) + "..." + "京".repeat(28), PlanPrinter.partitionColumn("北".repeat(100) + "京".repeat(100)), "whole characters");

        for (String text : List.of(PlanPrinter.table(summary), PlanPrinter.status(summary))) {
            List<String> rows = text.lines().filter(line -> line.startsWith("dt=") || line.startsWith("PARTITION") || line.startsWith("total")).toList();
            assertEquals(4, rows.size(), text);
            assertTrue(rows.get(1).startsWith(elided + " "), text);
            for (String row : rows) {
                assertTrue(row.length() < 120, "no row as wide as the name: " + row);
                assertEquals(rows.get(0).length(), row.length(), "columns aligned: " + text);
            }
        }
        assertTrue(PlanPrinter.json(summary, 0, null).contains(value), "the JSON keeps the whole name");
    }

    @Test
    void thePlanAndTheStatusNameThePartitionsDroppedWhileTheyPlanned() throws Exception {
        String warning = "2 selected partitions were dropped from the metastore during planning, not planned: dt=1, dt=3";
        PlanSummary summary = new PlanSummary("db.t", 1, 64 << 20, List.of(partition("dt=2")), partition("total"), 2, 1L << 30, 0, 0, 0, 2, true,
                200L << 20, "no bandwidth of the UFS given or probed", 0, new DroppedPartitions(List.of("dt=1", "dt=3"), warning), false);

        for (String text : List.of(PlanPrinter.table(summary), PlanPrinter.status(summary))) {
            assertTrue(text.lines().anyMatch(line -> line.equals("Warning: " + warning)), text);
        }
        JsonNode json = new ObjectMapper().readTree(PlanPrinter.json(summary, 0, null));
        assertEquals("dt=3", json.path("droppedPartitions").path("names").get(1).asText());
        assertEquals(warning, json.path("droppedPartitions").path("warning").asText());
    }

    private static PartitionSummary partition(String name) {
        return new PartitionSummary(name, "file:/d/" + name, 1, 10, 1, 0, 0, 1, 10, 0, 0, 0.1, null, false, List.of());
    }
}
