package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.executor.FileReport;
import io.gfsload.executor.LoadReport;
import io.gfsload.executor.LoadState;
import io.gfsload.executor.LoadTotals;
import io.gfsload.executor.PartitionReport;
import io.gfsload.planner.DroppedPartitions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The summary's account of a load: its counts, and the time it spent outside its window. */
class TestReportPrinter {
    private static LoadReport report(LoadReport.Window window) {
        return report(null, null, window);
    }

    private static LoadReport report(LoadReport.JobSummary job, LoadReport.ReplicaRestore restore, LoadReport.Window window) {
        LoadTotals totals = new LoadTotals(1, 0, 1, 1, 0, 0, 1000, 1000, 0, 0);
        return new LoadReport("/data", LoadState.SUCCEEDED, 1, totals, List.of(), Duration.ofHours(22).toMillis(), 1000, 1000, List.of(), 1000, job, restore,
                window, null, false, null, LoadReport.Evicted.NONE, null);
    }

    @Test
    void theSecretsOfWhatTheReportRepeatsAreHiddenInTheJsonAndTheSummary() throws Exception {
        String error = "Unable to load credentials: fs.s3a.secret.key=s3cretKey2 is not valid";
        FileReport file = new FileReport("s3a://AKIDEXAMPLE:s3cretKey1@bucket/t/dt=1/a", 1000, 1, 0, 0, 1, 0, 0, 0, error);
        PartitionReport partition = new PartitionReport("dt=1", new LoadTotals(1, 1, 1, 0, 0, 1, 1000, 0, 0, 0, 0, 1), List.of(file), null,
                List.of(new io.gfsload.planner.UnlistedDirectory("s3a://AKIDEXAMPLE:s3cretKey3@bucket/t/dt=1/sub", "password=s3cretKey4")));
        LoadReport report = new LoadReport("s3a://AKIDEXAMPLE:s3cretKey5@bucket/t", LoadState.FAILED, 1, partition.totals(), List.of(partition), 1000, 0, 0,
                List.of(), 0, null, null, null, null, false, "token=s3cretKey6", LoadReport.Evicted.NONE, null);

        String json = ReportPrinter.toJson(report, 4);
        String summary = ReportPrinter.summary(report, true);

        for (String shown : List.of(json, summary)) {
            assertFalse(shown.contains("s3cret"), shown);
            assertTrue(shown.contains("s3a://<hidden>@bucket/t/dt=1/a"), shown);
            assertTrue(shown.contains("fs.s3a.secret.key=<hidden>"), shown);
        }
        JsonNode tree = new ObjectMapper().readTree(json);
        assertEquals("s3a://<hidden>@bucket/t", tree.path("target").asText());
        LoadReport warned = report.withWindow(new LoadReport.Window("22:00-06:00", "UTC", 0, 0, 0, "cannot plan again: password=s3cretKey7"));
        assertEquals("cannot plan again: password=<hidden>", new ObjectMapper().readTree(ReportPrinter.toJson(warned, 4)).path("window").path("warning").asText());
        // a partition value is no secret: a column named token keeps its values in the paths
        FileReport ofAToken = new FileReport("s3a://bucket/t/token=abc/part-0", 1000, 1, 0, 0, 1, 0, 0, 0, error);
        PartitionReport tokens = PartitionReport.of("token=abc", List.of(ofAToken));
        JsonNode named = new ObjectMapper().readTree(ReportPrinter.toJson(report.withPartitions(List.of(tokens)), 4));
        assertEquals("token=abc", named.path("partitions").get(0).path("name").asText());
        assertEquals("s3a://bucket/t/token=abc/part-0", named.path("partitions").get(0).path("files").get(0).path("path").asText());
        assertEquals("token=<hidden>", tree.path("stopReason").asText());
        assertEquals("password=<hidden>", tree.path("partitions").get(0).path("unlistedDirectories").get(0).path("error").asText());
    }

    @Test
    void theJsonStartsWithTheStateAndTheExitCode() throws Exception {
        JsonNode json = new ObjectMapper().readTree(ReportPrinter.toJson(report(null), 0));
        List<String> fields = new ArrayList<>();
        json.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("state", "exitCode", "target", "replication", "totals", "partitions"), fields.subList(0, 6), fields.toString());
        assertEquals("SUCCEEDED", json.path("state").asText());
    }

    @Test
    void theSummaryCountsOneBlockInTheSingular() {
        String resumed = ReportPrinter.summary(report(new LoadReport.JobSummary("job-1", 2, 1, 1, 0, 0, 1000, 0, 0), null, null));
        assertTrue(resumed.contains("\n  resumed job job-1, run 2: the journal records 1 block committed (1 of them cached when this run started) "
                + "and 1000 B read from the UFS by the earlier run\n"), resumed);
        String third = ReportPrinter.summary(report(new LoadReport.JobSummary("job-1", 3, 8, 5, 0, 0, 2048, 0, 0), null, null));
        assertTrue(third.contains("\n  resumed job job-1, run 3: the journal records 8 blocks committed (5 of them cached when this run started) "
                + "and 2.0 KiB read from the UFS by earlier runs\n"), third);
        String restored = ReportPrinter.summary(report(null, new LoadReport.ReplicaRestore(List.of("worker-2"), 1, 1000), null));
        assertTrue(restored.contains("\n  workers worker-2 lost or stopped during the load: 1 block (1000 B) written again to live workers\n"), restored);
    }

    @Test
    void theSummaryAndTheJsonSayWhatTheJournalCouldNotRecord() throws Exception {
        String warning = "Cannot write the journal of job job-1: IO error: No space left on device; the journal lacks 4 blocks this run committed, "
                + "which are loaded: a later run of the job counts them already cached, not committed by an earlier run";
        LoadReport report = report(new LoadReport.JobSummary("job-1", 1, 0, 0, 0, 0, 0, 0, 0).withWarning(warning), null, null);

        String summary = ReportPrinter.summary(report);
        assertTrue(summary.startsWith("/data: SUCCEEDED\n"), summary);
        assertTrue(summary.contains("\n  warning " + warning + "\n"), summary);
        assertEquals(warning, new ObjectMapper().readTree(ReportPrinter.toJson(report, 0)).path("job").path("warning").asText());
        String none = ReportPrinter.summary(report(new LoadReport.JobSummary("job-1", 1, 0, 0, 0, 0, 0, 0, 0), null, null));
        assertFalse(none.contains("warning"), none);
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

    @Test
    void theSummaryAndTheJsonNameThePartitionsDroppedWhileTheLoadPlanned() throws Exception {
        String warning = "1 selected partition was dropped from the metastore during planning, not planned: dt=4; "
                + "planned dt=2 instead: the latest 3 partitions the table has now";
        LoadReport none = report(null);
        LoadReport dropped = new LoadReport(none.target(), none.state(), 1, none.totals(), List.of(), 1000, 1000, 1000, List.of(), 1000, null, null, null,
                null, false, null, LoadReport.Evicted.NONE, new DroppedPartitions(List.of("dt=4"), warning));

        String summary = ReportPrinter.summary(dropped, true);
        assertTrue(summary.contains("\n  warning " + warning + "\n"), summary);
        JsonNode json = new ObjectMapper().readTree(ReportPrinter.toJson(dropped, 0));
        assertEquals(List.of("dt=4"), List.of(json.path("droppedPartitions").path("names").get(0).asText()));
        assertEquals(warning, json.path("droppedPartitions").path("warning").asText());
        assertFalse(ReportPrinter.summary(none).contains("warning"), ReportPrinter.summary(none));
        assertTrue(new ObjectMapper().readTree(ReportPrinter.toJson(none, 0)).path("droppedPartitions").isNull());
    }

    @Test
    void theSummaryAndTheJsonSayWhatOtherDataTheLoadEvicted() {
        LoadReport none = report(null);
        assertFalse(ReportPrinter.summary(none).contains("evicted"), ReportPrinter.summary(none));
        assertTrue(ReportPrinter.toJson(none, 0).contains("\"evicted\" : {\n    \"blocks\" : 0,\n    \"replicas\" : 0,\n    \"bytes\" : 0\n  }"),
                ReportPrinter.toJson(none, 0));

        LoadReport evicting = new LoadReport(none.target(), none.state(), 2, none.totals(), List.of(), 1000, 1000, 1000, List.of(), 1000, null, null, null,
                null, false, null, new LoadReport.Evicted(52, 60, 3L << 20), null);
        String summary = ReportPrinter.summary(evicting);
        assertTrue(summary.contains("\n  evicted 52 blocks (3.0 MiB, 60 replicas) of other cached data: the workers deleted them to make room for this load\n"),
                summary);
        assertTrue(ReportPrinter.toJson(evicting, 0).contains("\"evicted\" : {\n    \"blocks\" : 52,\n    \"replicas\" : 60,\n    \"bytes\" : 3145728\n  }"),
                ReportPrinter.toJson(evicting, 0));
        String one = ReportPrinter.summary(new LoadReport(none.target(), none.state(), 1, none.totals(), List.of(), 1000, 1000, 1000, List.of(), 1000, null,
                null, null, null, false, null, new LoadReport.Evicted(1, 1, 1000), null));
        assertTrue(one.contains("\n  evicted 1 block (1000 B) of other cached data: "), one);
    }

    @Test
    void theSummaryAndTheJsonSayWhatWasWrittenAgainBeforeAScopesCommit() throws Exception {
        LoadReport none = report(null);
        assertFalse(ReportPrinter.summary(none).contains("commit"), ReportPrinter.summary(none));
        JsonNode nothing = new ObjectMapper().readTree(ReportPrinter.toJson(none, 0)).path("rewrittenBeforeCommit");
        assertEquals(0, nothing.path("blocks").asLong(-1), nothing.toString());
        assertEquals(0, nothing.path("bytes").asLong(-1), nothing.toString());
        assertEquals(0, nothing.path("commitsRefused").asLong(-1), nothing.toString());
        assertEquals(0, nothing.path("lostWorkers").size(), nothing.toString());

        // 3 blocks of 1000 B read and written again: the load read 3000 B more than it wrote
        LoadReport rewritten = none.withUfsBytesRead(4000)
                .withRewrittenBeforeCommit(new LoadReport.RewrittenBeforeCommit(3, 3000, 2, List.of("worker-2", "worker-0")));
        String summary = ReportPrinter.summary(rewritten);
        assertTrue(summary.contains("\n  commit  2 scope commits refused for blocks with their replicas only on lost workers worker-0, worker-2:"
                + " 3 blocks (2.9 KiB) written again before committing\n"), summary);
        assertTrue(summary.contains("\n  read    3.9 KiB from the UFS, 2.9 KiB more than written: retries, blocks whose write failed,"
                + " and blocks written again before their scope's commit\n"), summary);
        assertTrue(summary.contains("\n  blocks  1 planned: 1 loaded, 0 already cached, 0 failed\n"), "loaded once: " + summary);
        JsonNode json = new ObjectMapper().readTree(ReportPrinter.toJson(rewritten, 0)).path("rewrittenBeforeCommit");
        assertEquals(3, json.path("blocks").asLong(), json.toString());
        assertEquals(3000, json.path("bytes").asLong(), json.toString());
        assertEquals(2, json.path("commitsRefused").asLong(), json.toString());
        assertEquals("[\"worker-0\",\"worker-2\"]", json.path("lostWorkers").toString());

        // and a block restored after the load: read a third time
        String one = ReportPrinter.summary(report(null, new LoadReport.ReplicaRestore(List.of("worker-1"), 1, 1000), null).withUfsBytesRead(3000)
                .withRewrittenBeforeCommit(new LoadReport.RewrittenBeforeCommit(1, 1000, 1, List.of("worker-1"))));
        assertTrue(one.contains("\n  commit  1 scope commit refused for blocks with their replicas only on lost workers worker-1:"
                + " 1 block (1000 B) written again before committing\n"), one);
        assertTrue(one.contains("more than written: retries, blocks whose write failed, blocks written again before their scope's commit,"
                + " and blocks written again after the load\n"), one);
    }

    @Test
    void theJsonOfEvictedDataHasItsFiguresOnly() {
        LoadReport none = report(null);
        // as a slice's report has them: each block, for its load to count
        LoadReport slice = none.withEvicted(new LoadReport.Evicted(2, 3, 3000, List.of(new LoadReport.Evicted.Block("0123456789abcdef0123456789abcdef-0", 2, 2000),
                new LoadReport.Evicted.Block("0123456789abcdef0123456789abcdef-1", 1, 1000))));
        assertTrue(ReportPrinter.toJson(slice, 0).contains("\"evicted\" : {\n    \"blocks\" : 2,\n    \"replicas\" : 3,\n    \"bytes\" : 3000\n  }"),
                ReportPrinter.toJson(slice, 0));
    }

    @Test
    void theJsonOfAFileHasItsFiguresAndError() throws Exception {
        FileReport changed = new FileReport("file:/data/dt=1/f", 1000, 1, 0, 0, 1, 0, 0, 0,
                "File changed since it was planned: length 1000 -> 1200, modification time 2026-11-20T01:14:05.061Z -> 2026-11-20T01:21:45.749Z", true);
        PartitionReport partition = PartitionReport.of("dt=1", List.of(changed));
        LoadReport none = report(null);
        LoadReport failed = new LoadReport(none.target(), LoadState.FAILED, 1, partition.totals(), List.of(partition), 1000, 1000, 1000, List.of(), 1000,
                null, null, null, null, false, null, LoadReport.Evicted.NONE, null);

        JsonNode file = new ObjectMapper().readTree(ReportPrinter.toJson(failed, 1)).path("partitions").path(0).path("files").path(0);

        List<String> fields = new ArrayList<>();
        file.fieldNames().forEachRemaining(fields::add);
        // whether a slice uncached the file is for the load's journal
        assertEquals(List.of("path", "length", "blocks", "blocksLoaded", "blocksAlreadyCached", "blocksFailed", "bytesLoaded", "bytesAlreadyCached",
                "retries", "error"), fields);
        assertEquals(changed.error(), file.path("error").asText());
    }
}
