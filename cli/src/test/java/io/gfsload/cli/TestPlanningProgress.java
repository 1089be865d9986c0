package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gfsload.catalog.TableName;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PartitionSelection;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What stderr shows of a plan that takes long: the ticks of its timer are the test's, at the times the test sets. */
class TestPlanningProgress {
    private static final LoadTarget TABLE = new LoadTarget.Table(TableName.parse("db.t"), new PartitionSelection.All());

    private final StringWriter err = new StringWriter();
    private final AtomicLong nanos = new AtomicLong();

    @Test
    void aLogGetsOneLine() {
        PlanningProgress progress = progress(PlanningProgress.Display.LINE);
        progress.selected(2000);
        progress.selected(1000);
        assertEquals("", err.toString(), "nothing before the first tick, at 2 s");
        progress.tick();
        for (int i = 0; i < 100; i++) {
            progress.listed();
            nanos.addAndGet(1_000_000_000L);
            progress.tick();
        }
        progress.close();
        progress.tick();
        assertEquals(List.of("Planning db.t: listing 3,000 partitions ..."), err.toString().lines().toList());
    }

    @Test
    void aStalledMetastoreIsSaid() {
        PlanningProgress progress = progress(PlanningProgress.Display.LINE);
        progress.tick();
        progress.close();
        assertEquals(List.of("Planning db.t: reading its partitions from the metastore ..."), err.toString().lines().toList());

        StringWriter paths = new StringWriter();
        PlanningProgress ofPaths = new PlanningProgress(new LoadTarget.Paths(List.of("/a", "/b")), PlanningProgress.Display.LINE, new PrintWriter(paths),
                nanos::get, false);
        ofPaths.selected(2);
        ofPaths.tick();
        assertEquals("Planning /a, /b: listing 2 paths ...", paths.toString().strip());
    }

    @Test
    void jsonProgressGetsALineEveryFiveSeconds() {
        PlanningProgress progress = progress(PlanningProgress.Display.JSON);
        progress.selected(3000);
        progress.tick();
        for (int second = 1; second <= 12; second++) {
            progress.listed();
            nanos.addAndGet(1_000_000_000L);
            progress.tick();
        }
        progress.close();
        assertEquals(List.of(
                "Planning db.t: listing 3,000 partitions ...",
                "{\"event\":\"planning\",\"state\":\"planning\",\"partitions\":3000,\"partitionsListed\":0}",
                "{\"event\":\"planning\",\"state\":\"planning\",\"partitions\":3000,\"partitionsListed\":5}",
                "{\"event\":\"planning\",\"state\":\"planning\",\"partitions\":3000,\"partitionsListed\":10}"), err.toString().lines().toList());
    }

    @Test
    void aTerminalGetsTheLineRedrawnAndEndedWhenThePlanIsDone() {
        PlanningProgress progress = progress(PlanningProgress.Display.TERMINAL);
        progress.tick();
        progress.selected(1500);
        progress.tick();
        for (int i = 0; i < 1500; i++) {
            progress.listed();
        }
        progress.close();
        assertEquals("\rPlanning db.t: reading its partitions from the metastore ..."
                + "\rPlanning db.t: 0 of 1,500 partitions listed" + " ".repeat(17)
                + "\rPlanning db.t: 1,500 of 1,500 partitions listed" + System.lineSeparator(), err.toString());
    }

    @Test
    void aQuickPlanShowsNothing() {
        PlanningProgress progress = progress(PlanningProgress.Display.TERMINAL);
        progress.selected(10);
        progress.close();
        progress.tick();
        assertEquals("", err.toString());
    }

    private PlanningProgress progress(PlanningProgress.Display display) {
        return new PlanningProgress(TABLE, display, new PrintWriter(err), nanos::get, false);
    }
}
