package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.executor.FileReport;
import io.gfsload.executor.LoadWindow;
import io.gfsload.executor.PartitionReport;
import io.gfsload.executor.SliceProgress;
import io.gfsload.executor.WindowPause;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PlanStats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The JSON progress lines of a load: bytes within a block, and a load that waits for its window, then pauses in it. */
class TestProgressReporter {
    private static final LoadWindow NIGHT = LoadWindow.parse("01:00-06:00", ZoneOffset.UTC);

    @Test
    void jsonLinesSayWhenTheLoadWaitsPausesAndResumes() throws IOException {
        StringWriter out = new StringWriter();
        AtomicLong nanos = new AtomicLong();
        try (ProgressReporter progress = new ProgressReporter(ProgressReporter.Mode.JSON, false, new PrintWriter(out), System.err, nanos::get)) {
            Instant evening = Instant.parse("2026-11-20T21:48:00Z");
            progress.windowClosed(new WindowPause(NIGHT, evening, NIGHT.opensAt(evening), true));
            nanos.addAndGet(Duration.ofHours(3).plusMinutes(12).toNanos());
            progress.windowOpened(NIGHT, Duration.ofMinutes(192));
            Instant morning = Instant.parse("2026-11-21T06:00:00Z");
            progress.windowClosed(new WindowPause(NIGHT, morning, NIGHT.opensAt(morning), false));
        }
        String[] lines = out.toString().split("\\R");
        assertEquals(3, lines.length, out.toString());

        JsonNode waiting = new ObjectMapper().readTree(lines[0]);
        assertEquals("paused", waiting.get("event").asText());
        assertEquals("waiting", waiting.get("state").asText());
        assertEquals("01:00-06:00", waiting.get("window").asText());
        assertEquals("2026-11-21T01:00:00Z", waiting.get("opensAt").asText());
        assertEquals(Duration.ofMinutes(192).toSeconds(), waiting.get("opensInSeconds").asLong());
        assertEquals("waiting for the load window 01:00-06:00, opens in 3 h 12 min", waiting.get("message").asText());

        JsonNode resumed = new ObjectMapper().readTree(lines[1]);
        assertEquals("resumed", resumed.get("event").asText());
        assertEquals("loading", resumed.get("state").asText());
        assertEquals(Duration.ofMinutes(192).toSeconds(), resumed.get("pausedSeconds").asLong());

        JsonNode paused = new ObjectMapper().readTree(lines[2]);
        assertEquals("paused", paused.get("state").asText());
        assertTrue(paused.get("message").asText().startsWith("the load window 01:00-06:00 closed: paused"), lines[2]);
        assertTrue(waiting.get("etaSeconds").isNull() && paused.get("etaSeconds").isNull(), "no ETA while the window is shut: " + lines[2]);
    }

    @Test
    void aPlanMadeAgainWhenTheWindowOpensReplacesTheFirstAndTheWaitIsNotLoadingTime() throws IOException {
        StringWriter out = new StringWriter();
        AtomicLong nanos = new AtomicLong();
        try (ProgressReporter progress = new ProgressReporter(ProgressReporter.Mode.JSON, false, new PrintWriter(out), System.err, nanos::get)) {
            progress.started(plan(2, 2_000_000));
            Instant evening = Instant.parse("2026-11-20T21:48:00Z");
            progress.windowClosed(new WindowPause(NIGHT, evening, NIGHT.opensAt(evening), true));
            nanos.addAndGet(Duration.ofHours(3).plusMinutes(12).toNanos());
            progress.windowOpened(NIGHT, Duration.ofMinutes(192));
            progress.started(plan(3, 3_000_000));
            FileIdentity file = new FileIdentity("file:/data/f", 1_000_000, 1);
            nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            progress.blockLoaded(new BlockTask(file, 0, 0, 1_000_000, false));
            progress.finished(null);
        }
        String[] lines = out.toString().split("\\R");
        JsonNode last = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertEquals("finished", last.get("event").asText(), out.toString());
        assertEquals(3, last.get("files").asLong());
        assertEquals(3_000_000, last.get("bytes").asLong());
        assertEquals(1_000_000, last.get("bytesDone").asLong());
        assertEquals(500_000, last.get("bytesPerSecond").asLong(), "a MB in the 2 s since the second start");
        assertEquals(0, last.get("etaSeconds").asLong(), "a finished load has nothing left to wait for, loaded or not: " + lines[lines.length - 1]);
        List<String> fields = new java.util.ArrayList<>();
        last.fieldNames().forEachRemaining(fields::add);
        assertEquals(7, fields.indexOf("etaSeconds"), "in its place among the fields: " + fields);
    }

    @Test
    void theBytesMoveWhileABlockIsWrittenAndAFailedAttemptTakesItsBytesBack() throws IOException {
        long length = 24L << 20;
        int piece = 4 << 20;
        BlockTask block = new BlockTask(new FileIdentity("file:/data/f", length, 1), 0, 0, length, false);
        StringWriter out = new StringWriter();
        AtomicLong nanos = new AtomicLong();
        try (ProgressReporter progress = new ProgressReporter(ProgressReporter.Mode.JSON, false, new PrintWriter(out), System.err, nanos::get)) {
            progress.started(plan(1, length));
            // a piece of the block every 2 s, as from a UFS read at 2 MiB/s; the first attempt fails after three
            for (int i = 0; i < 3; i++) {
                nanos.addAndGet(Duration.ofSeconds(2).toNanos());
                progress.blockBytesWritten(block, piece);
            }
            progress.blockAbandoned(block);
            progress.retrying("file:/data/f", 2, "Connection reset");
            for (long written = 0; written < length; written += piece) {
                nanos.addAndGet(Duration.ofSeconds(2).toNanos());
                progress.blockBytesWritten(block, piece);
            }
            progress.blockLoaded(block);
            progress.fileFinished(new FileReport("file:/data/f", length, 1, 1, 0, 0, length, 0, 1, null));
            progress.finished(null);
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString().split("\\R")) {
            lines.add(new ObjectMapper().readTree(line));
        }
        List<Long> mebibytes = new ArrayList<>();
        for (JsonNode line : lines.subList(0, lines.size() - 1)) {
            assertEquals("progress", line.get("event").asText(), out.toString());
            assertEquals(0, line.get("filesDone").asLong(), "a file counts once it is finished: " + line);
            mebibytes.add(line.get("bytesDone").asLong() >> 20);
        }
        assertEquals(List.of(4L, 8L, 12L, 4L, 8L, 12L, 16L, 20L, 24L), mebibytes, "a line per piece, the failed attempt's bytes taken back: " + out);
        JsonNode last = lines.get(lines.size() - 1);
        assertEquals("finished", last.get("event").asText());
        assertEquals(length, last.get("bytesDone").asLong(), "the block counted once");
        assertEquals(1, last.get("filesDone").asLong());
        assertEquals(1, last.get("retries").asLong());
    }

    @Test
    void aSliceLoadingElsewhereCountsWhatItSaidUntilItFinishesAndThenItsBlocksOnce() throws IOException {
        long length = 8L << 20;
        FileIdentity first = new FileIdentity("file:/data/a", length, 1);
        FileIdentity second = new FileIdentity("file:/data/b", length, 1);
        StringWriter out = new StringWriter();
        AtomicLong nanos = new AtomicLong();
        try (ProgressReporter progress = new ProgressReporter(ProgressReporter.Mode.JSON, false, new PrintWriter(out), System.err, nanos::get)) {
            progress.started(plan(2, 2 * length));
            // slice 0 says at its process's heartbeats; its first attempt fails and the retry starts again
            nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            progress.sliceProgress(0, new SliceProgress(3L << 20, 0, 0, 1));
            nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            progress.sliceProgress(0, new SliceProgress(length + (2L << 20), 1, 0, 1));
            nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            progress.sliceProgress(0, new SliceProgress(1L << 20, 0, 0, 0));
            nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            progress.sliceProgress(0, new SliceProgress(length + (4L << 20), 1, 0, 0));
            // it finishes: its files are heard instead, and what it said counts until they have taken it up
            nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            progress.sliceFinished(0);
            progress.blockLoaded(new BlockTask(first, 0, 0, length, false));
            progress.fileFinished(new FileReport(first.path(), length, 1, 1, 0, 0, length, 0, 0, null));
            nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            progress.blockLoaded(new BlockTask(second, 0, 0, length, false));
            progress.retrying(second.path(), 2, "in its slice");
            progress.fileFinished(new FileReport(second.path(), length, 1, 1, 0, 0, length, 0, 1, null));
            progress.finished(null);
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString().split("\\R")) {
            lines.add(new ObjectMapper().readTree(line));
        }
        List<Long> mebibytes = new ArrayList<>();
        List<Long> files = new ArrayList<>();
        List<Long> retries = new ArrayList<>();
        for (JsonNode line : lines.subList(0, lines.size() - 1)) {
            mebibytes.add(line.get("bytesDone").asLong() >> 20);
            files.add(line.get("filesDone").asLong());
            retries.add(line.get("retries").asLong());
        }
        assertEquals(List.of(3L, 10L, 1L, 12L, 12L, 16L), mebibytes, "what the slice said last, then its blocks, without a drop between: " + out);
        assertEquals(List.of(0L, 1L, 0L, 1L, 1L, 1L), files, out.toString());
        assertEquals(List.of(1L, 1L, 0L, 0L, 0L, 0L), retries, "a retried slice's counts start again: " + out);
        JsonNode last = lines.get(lines.size() - 1);
        assertEquals("finished", last.get("event").asText());
        assertEquals(2 * length, last.get("bytesDone").asLong(), "each block counted once: " + out);
        assertEquals(2, last.get("filesDone").asLong());
        assertEquals(1, last.get("retries").asLong());
        for (JsonNode line : lines) {
            assertTrue(line.get("bytesDone").asLong() <= 2 * length, "never more than the plan: " + line);
        }
    }

    @Test
    void whatASliceFoundCachedSinceThePlanLeavesWhatIsToLoadAndIsNotDone() throws IOException {
        long length = 8L << 20;
        FileIdentity first = new FileIdentity("file:/data/a", length, 1);
        FileIdentity second = new FileIdentity("file:/data/b", length, 1);
        StringWriter out = new StringWriter();
        AtomicLong nanos = new AtomicLong();
        try (ProgressReporter progress = new ProgressReporter(ProgressReporter.Mode.JSON, false, new PrintWriter(out), System.err, nanos::get)) {
            progress.started(plan(2, 2 * length));
            nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            progress.sliceProgress(0, new SliceProgress(length, 1, 0, 0));
            // the slice found the second file cached as it started: its report counts it already cached
            nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            progress.sliceFinished(0);
            progress.blockLoaded(new BlockTask(first, 0, 0, length, false));
            progress.fileFinished(new FileReport(first.path(), length, 1, 1, 0, 0, length, 0, 0, null));
            progress.foundCached(new io.gfsload.planner.FileLoad(second, List.of(new BlockTask(second, 0, 0, length, false))), 1, length);
            progress.fileFinished(new FileReport(second.path(), length, 1, 0, 1, 0, 0, length, 0, null));
            nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            progress.finished(null);
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString().split("\\R")) {
            lines.add(new ObjectMapper().readTree(line));
        }
        JsonNode last = lines.get(lines.size() - 1);
        assertEquals(List.of(length, 1L, length, 1L), List.of(last.get("bytes").asLong(), last.get("files").asLong(), last.get("bytesDone").asLong(),
                last.get("filesDone").asLong()), "the file found cached is neither to load nor done: " + out);
    }

    @Test
    void aSilencedReporterPrintsNothingOfWhatTheStoppingLoadStillSays() throws IOException {
        long length = 8L << 20;
        StringWriter out = new StringWriter();
        AtomicLong nanos = new AtomicLong();
        try (ProgressReporter progress = new ProgressReporter(ProgressReporter.Mode.JSON, false, new PrintWriter(out), System.err, nanos::get)) {
            progress.started(plan(2, 2 * length));
            nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            progress.sliceProgress(0, new SliceProgress(3L << 20, 0, 0, 0));
            // SIGTERM: the line saying the journal is kept follows, and must stay the last
            progress.silence();
            // the slices' tasks, killed, say what they wrote; their files end as the load stops
            nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            progress.sliceProgress(0, new SliceProgress(5L << 20, 0, 0, 0));
            nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            progress.sliceFinished(0);
            progress.fileFinished(new FileReport("file:/data/a", length, 1, 0, 0, 1, 0, 0, 0, "not loaded: its slice of the load did not finish"));
            progress.windowClosed(new WindowPause(NIGHT, Instant.parse("2026-11-21T06:00:00Z"), NIGHT.opensAt(Instant.parse("2026-11-21T06:00:00Z")), false));
        }
        List<String> lines = out.toString().lines().toList();
        assertEquals(1, lines.size(), out.toString());
        assertEquals(3L << 20, new ObjectMapper().readTree(lines.get(0)).get("bytesDone").asLong(), out.toString());
    }

    @Test
    void aFailedFilesLineHidesTheSecretsOfItsPathAndError() throws IOException {
        StringWriter out = new StringWriter();
        try (ProgressReporter progress = new ProgressReporter(ProgressReporter.Mode.JSON, false, new PrintWriter(out), System.err, () -> 0L)) {
            progress.started(plan(1, 1000));
            progress.fileFailed("s3a://AKIDEXAMPLE:s3cretKey1@bucket/t/a", "Unable to load credentials: fs.s3a.secret.key=s3cretKey2 is not valid");
        }
        JsonNode line = new ObjectMapper().readTree(out.toString().lines().filter(l -> l.contains("fileFailed")).findFirst().orElseThrow());
        assertEquals("s3a://<hidden>@bucket/t/a", line.get("path").asText());
        assertEquals("Unable to load credentials: fs.s3a.secret.key=<hidden>", line.get("error").asText());
    }

    @Test
    void aFileThatFailsHasALineAtOnceWithItsPathAndError() throws IOException {
        StringWriter out = new StringWriter();
        AtomicLong nanos = new AtomicLong();
        String error = "File changed since it was planned: length 1000 -> 1200, modification time 1970-01-01T00:00:00.001Z -> 1970-01-01T00:00:00.002Z";
        String missing = "block 0 has 0 of 1 replicas in the cache after the load: evicted or freed by another client";
        FileReport c = new FileReport("file:/data/c", 1000, 1, 0, 0, 1, 0, 0, 0, "not loaded: its slice of the load did not finish");
        try (ProgressReporter progress = new ProgressReporter(ProgressReporter.Mode.JSON, false, new PrintWriter(out), System.err, nanos::get)) {
            progress.started(plan(3, 3000));
            nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            progress.fileFinished(new FileReport("file:/data/a", 1000, 1, 1, 0, 0, 1000, 0, 0, null));
            // within the same second: a progress line would wait, the failure does not
            progress.fileFailed("file:/data/b", error);
            progress.fileFinished(new FileReport("file:/data/b", 1000, 1, 0, 0, 1, 0, 0, 0, error));
            // a file the check after the load fails: it finished loaded before
            progress.fileFailed("file:/data/a", missing);
            // c's failure is decided as the load ends, and said by its report only
            FileReport a = new FileReport("file:/data/a", 1000, 1, 0, 0, 1, 0, 0, 0, missing);
            FileReport b = new FileReport("file:/data/b", 1000, 1, 0, 0, 1, 0, 0, 0, error);
            PartitionReport partition = PartitionReport.of("", List.of(a, b, c));
            progress.finished(new io.gfsload.executor.LoadReport("file:/data", io.gfsload.executor.LoadState.FAILED, 1, partition.totals(),
                    List.of(partition), 1000, 1000, 1000, List.of(), 1000, null, null, null, null, false, null, io.gfsload.executor.LoadReport.Evicted.NONE,
                    null));
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString().split("\\R")) {
            lines.add(new ObjectMapper().readTree(line));
        }
        assertEquals(List.of("progress", "fileFailed", "fileFailed", "fileFailed", "finished"), lines.stream().map(line -> line.get("event").asText()).toList(),
                out.toString());
        assertEquals(List.of("file:/data/b", "file:/data/a", "file:/data/c"), lines.subList(1, 4).stream().map(line -> line.get("path").asText()).toList());
        assertEquals(error, lines.get(1).get("error").asText());
        assertEquals(1, lines.get(1).get("failures").asLong(), "the progress's counts have the file among the failures");
        assertEquals(2, lines.get(2).get("failures").asLong());
        assertEquals(c.error(), lines.get(3).get("error").asText());
        assertEquals(3, lines.get(4).get("failures").asLong(), "the report's count");
    }

    @Test
    void theFileFailedLinesStopAtTheirLimit() throws IOException {
        StringWriter out = new StringWriter();
        try (ProgressReporter progress = new ProgressReporter(ProgressReporter.Mode.JSON, false, new PrintWriter(out), System.err, System::nanoTime)) {
            progress.started(plan(1, 1000));
            for (int i = 0; i <= ProgressReporter.MAX_FILE_FAILED_LINES; i++) {
                progress.fileFailed("file:/data/f" + i, "not attempted: the cache master at 127.0.0.1:1 stopped answering");
            }
        }
        List<String> lines = out.toString().lines().toList();
        assertEquals(ProgressReporter.MAX_FILE_FAILED_LINES, lines.size());
        assertTrue(lines.get(lines.size() - 1).contains("\"failures\":1000,"), lines.get(lines.size() - 1));
    }

    @Test
    void theFinishedLineHasTheReportsCounts() throws IOException {
        BlockTask block = new BlockTask(new FileIdentity("file:/data/f", 1000, 1), 0, 0, 1000, false);
        StringWriter out = new StringWriter();
        AtomicLong nanos = new AtomicLong();
        try (ProgressReporter progress = new ProgressReporter(ProgressReporter.Mode.JSON, false, new PrintWriter(out), System.err, nanos::get)) {
            progress.started(plan(2, 2000));
            progress.blockLoaded(block);
            // retries of files the end of the job then cut short: the report does not have them
            for (int attempt = 2; attempt <= 4; attempt++) {
                progress.retrying("file:/data/g", attempt, "Connection reset");
            }
            progress.finished(new io.gfsload.executor.LoadReport("file:/data", io.gfsload.executor.LoadState.PARTIAL, 1,
                    new io.gfsload.executor.LoadTotals(2, 1, 2, 1, 0, 1, 2000, 1000, 0, 1), List.of(), 1000, 1000, 1000, List.of(), 1000, null, null, null,
                    null, false, null, io.gfsload.executor.LoadReport.Evicted.NONE, null));
        }
        String[] lines = out.toString().split("\\R");
        JsonNode last = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertEquals("finished", last.get("event").asText(), out.toString());
        assertEquals(1, last.get("retries").asLong(), out.toString());
        assertEquals(1, last.get("failures").asLong());
        assertEquals(1000, last.get("bytesDone").asLong());
    }

    @Test
    void theEtaIsRoundedUpSoThatZeroMeansNothingIsLeft() throws IOException {
        BlockTask block = new BlockTask(new FileIdentity("file:/data/f", 1000, 1), 0, 0, 1000, false);
        StringWriter out = new StringWriter();
        AtomicLong nanos = new AtomicLong();
        try (ProgressReporter progress = new ProgressReporter(ProgressReporter.Mode.JSON, false, new PrintWriter(out), System.err, nanos::get)) {
            progress.started(plan(1, 1000));
            nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            // 175 B/s: 650 B take 3.7 s
            progress.blockBytesWritten(block, 350);
            nanos.addAndGet(Duration.ofSeconds(2).toNanos());
            // 225 B/s: 100 B take 0.4 s
            progress.blockBytesWritten(block, 550);
            nanos.addAndGet(Duration.ofSeconds(1).toNanos());
            progress.blockBytesWritten(block, 100);
        }
        List<Long> etas = new ArrayList<>();
        for (String line : out.toString().split("\\R")) {
            etas.add(new ObjectMapper().readTree(line).get("etaSeconds").asLong());
        }
        assertEquals(List.of(4L, 1L, 0L), etas, out.toString());
        assertEquals(3, ProgressReporter.etaSeconds(3000, 1000, 1.0), "a whole second stays whole");
        assertEquals(1, ProgressReporter.etaSeconds(1, 1_000_000, 1.0));
    }

    @Test
    void theBarsSpeedCountsTheTimeToTheNanosecond() {
        // 30 MiB in 1.5 s: the library's whole seconds would make it 30.0 MiB/s
        assertEquals("20.0 MiB/s", ProgressReporter.speed(30L << 20, Duration.ofMillis(1500), ProgressReporter.BarUnit.MIB));
        assertEquals("15.0 MiB/s", ProgressReporter.speed(30L << 20, Duration.ofSeconds(2), ProgressReporter.BarUnit.MIB));
        assertEquals("? MiB/s", ProgressReporter.speed(0, Duration.ZERO, ProgressReporter.BarUnit.MIB));
        // nothing yet, or less than a unit: a zero before the point
        assertEquals("0.0 MiB/s", ProgressReporter.speed(0, Duration.ofMillis(250), ProgressReporter.BarUnit.MIB));
        assertEquals("0.5 MiB/s", ProgressReporter.speed(1L << 19, Duration.ofSeconds(1), ProgressReporter.BarUnit.MIB));
    }

    @Test
    void theBarsFramesShowTheSpeedWithAZeroBeforeThePointAndAPercentageOfTheBytesAsTheBarIs() throws InterruptedException {
        long length = 2L << 20;
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        try (ProgressReporter progress = new ProgressReporter(ProgressReporter.Mode.BAR, true, new PrintWriter(new StringWriter()),
                new PrintStream(terminal, true, StandardCharsets.UTF_8), System::nanoTime)) {
            progress.started(plan(3, 3 * length));
            // the time a speed is measured over: the frame drawn as the bar closes has nothing loaded in it
            Thread.sleep(10);
        }
        List<String> frames = frames(terminal);
        assertTrue(frames.get(frames.size() - 1).contains(" 0.0 MiB/s"), "the speed of nothing loaded yet: " + frames);

        terminal.reset();
        try (ProgressReporter progress = new ProgressReporter(ProgressReporter.Mode.BAR, true, new PrintWriter(new StringWriter()),
                new PrintStream(terminal, true, StandardCharsets.UTF_8), System::nanoTime)) {
            progress.started(plan(3, 3 * length));
            for (int file = 0; file < 3; file++) {
                BlockTask block = new BlockTask(new FileIdentity("file:/data/f" + file, length, 1), 0, 0, length, false);
                progress.blockBytesWritten(block, 1 << 20);
                if (file < 2) {
                    progress.blockBytesWritten(block, 1 << 20);
                }
            }
        }
        frames = frames(terminal);
        String last = frames.get(frames.size() - 1);
        assertTrue(last.startsWith("Loading  83% ["), "5 of 6 MiB written: " + frames);
        assertTrue(last.contains("] 5/6 MiB "), last);
        assertTrue(last.endsWith(" 0/3 files, 0 failed"), "no file finished: " + last);
        for (String frame : frames) {
            Matcher figures = FRAME.matcher(frame);
            assertTrue(figures.find(), frame);
            int percent = Integer.parseInt(figures.group(1));
            String bar = figures.group(2);
            long filled = bar.chars().filter(c -> c == '=').count();
            // both of the bytes written: the bar's share of its width is the percentage, to a character
            assertTrue(Math.abs(100.0 * filled / bar.length() - percent) <= 100.0 / bar.length() + 1, "the bar as full as the percentage says: " + frame);
            assertEquals(percent == 100, filled == bar.length(), "a full bar at 100 %, not before: " + frame);
            assertTrue(frame.matches(".* (\\d+\\.\\d|\\?) MiB/s( .*)?"), "one decimal, a digit before the point: " + frame);
        }
    }

    @Test
    void aLoadWithNothingToReadDrawsNoBar() {
        // every block already cached: "Nothing to load: ..." says it, and no "Loading ? % [] 0/0 B" follows
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        try (ProgressReporter progress = new ProgressReporter(ProgressReporter.Mode.BAR, true, new PrintWriter(new StringWriter()),
                new PrintStream(terminal, true, StandardCharsets.UTF_8), System::nanoTime)) {
            // 3 files of 6 MiB, their 3 blocks cached
            progress.started(new LoadPlan(new LoadRequest(new LoadTarget.Paths(List.of("file:/data")), 1), 64L << 20, List.of(), List.of(),
                    new PlanStats(3, 6L << 20, 3, 3, 6L << 20, List.of(0L, 0L, 0L, 3L, 0L, 0L, 0L), 2L << 20, 2L << 20)));
        }
        assertEquals("", terminal.toString(StandardCharsets.UTF_8));
    }

    /** The percentage and the bar of a frame. */
    private static final Pattern FRAME = Pattern.compile("^Loading +(\\d+)% \\[([= >]*)]");

    /** The frames drawn on {@code terminal}, each after a carriage return. */
    @Test
    void theBarOfALoadUnderAMebibyteCountsInKibibytesOrBytes() {
        assertEquals(ProgressReporter.BarUnit.MIB, ProgressReporter.BarUnit.of(1L << 20));
        assertEquals(ProgressReporter.BarUnit.KIB, ProgressReporter.BarUnit.of((1L << 20) - 1));
        assertEquals(ProgressReporter.BarUnit.KIB, ProgressReporter.BarUnit.of(1024));
        assertEquals(ProgressReporter.BarUnit.BYTES, ProgressReporter.BarUnit.of(1023));
        assertEquals("2.0 KiB/s", ProgressReporter.speed(3 << 10, Duration.ofMillis(1500), ProgressReporter.BarUnit.KIB));

        for (long[] load : new long[][] {{300 << 10, 100 << 10, 100}, {900, 300, 300}}) {
            ByteArrayOutputStream terminal = new ByteArrayOutputStream();
            long length = load[0] / 3;
            try (ProgressReporter progress = new ProgressReporter(ProgressReporter.Mode.BAR, true, new PrintWriter(new StringWriter()),
                    new PrintStream(terminal, true, StandardCharsets.UTF_8), System::nanoTime)) {
                progress.started(plan(3, load[0]));
                BlockTask block = new BlockTask(new FileIdentity("file:/data/f0", length, 1), 0, 0, length, false);
                progress.blockBytesWritten(block, (int) load[1]);
            }
            List<String> frames = frames(terminal);
            String last = frames.get(frames.size() - 1);
            String figures = load[0] >= 1024 ? "] 100/300 KiB " : "] 300/900 B ";
            assertTrue(last.contains(figures), "a third of %d bytes written: %s".formatted(load[0], last));
            assertTrue(last.contains(load[0] >= 1024 ? " KiB/s" : " B/s"), last);
        }
    }

    private static List<String> frames(ByteArrayOutputStream terminal) {
        return Arrays.stream(terminal.toString(StandardCharsets.UTF_8).split("[\\r\\n]+")).filter(frame -> !frame.isBlank()).toList();
    }

    private static LoadPlan plan(int files, long bytes) {
        return new LoadPlan(new LoadRequest(new LoadTarget.Paths(List.of("file:/data")), 1), 64L << 20, List.of(), List.of(),
                new PlanStats(files, bytes, files, 0, 0, List.of((long) files, 0L, 0L, 0L, 0L, 0L, 0L), bytes / files, bytes / files));
    }
}
