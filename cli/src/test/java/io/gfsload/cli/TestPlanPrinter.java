package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cli.PlanPrinter.PartitionSummary;
import io.gfsload.cli.PlanPrinter.PlanSummary;
import io.gfsload.planner.DroppedPartitions;
import java.util.List;

import org.junit.jupiter.api.Test;

class TestPlanPrinter {
    @Test
    void aShareThatIsNotWholeNeverShowsAsAHundredPercent() {
        assertEquals("99.9 %", PlanPrinter.percent(100.0 * 3999 / 4000), "one block of 4,000 missing");
        assertEquals("99.9 %", PlanPrinter.percent(99.99999));
        assertEquals("100.0 %", PlanPrinter.percent(100.0));
        assertEquals("50.0 %", PlanPrinter.percent(50.0));
        assertEquals("33.3 %", PlanPrinter.percent(100.0 / 3));
        assertEquals("0.0 %", PlanPrinter.percent(0.0));
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
        return new PartitionSummary(name, "file:/d/" + name, 1, 10, 1, 0, 0, 1, 10, 0.1, null, false, List.of());
    }
}
