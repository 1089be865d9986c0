package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.testing.MutableClock;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads within a load window into a real local cluster, on a fake clock that the waits move
 * forward: nothing sleeps for hours.
 */
class TestLoadsInAWindow {
    private static final long BLOCK = 256 << 10;
    private static final int READ_THREADS = 2;
    private static final LoadWindow NIGHT = LoadWindow.parse("01:00-06:00", ZoneOffset.UTC);

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private CacheClient client;

    @BeforeEach
    void start() throws IOException {
        cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 2, 64L << 20));
        client = cluster.newClient();
        Random random = new Random(11);
        Files.createDirectories(directory.resolve("data"));
        // three files of three blocks each, read block by block, and four small ones, read whole and batched
        for (String name : List.of("a", "b", "c")) {
            write(random, "data/" + name, (int) (BLOCK * 2 + 1000 + random.nextInt(1000)));
        }
        for (String name : List.of("s1", "s2", "s3", "s4")) {
            write(random, "data/" + name, 10_000 + random.nextInt(1000));
        }
    }

    private void write(Random random, String name, int length) throws IOException {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        Files.write(directory.resolve(name), bytes);
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    private LoadPlan plan() {
        return LocalPlans.plan(client, directory.resolve("data"), BLOCK, 1);
    }

    private LoadExecutor executor(MutableClock clock, ProgressListener listener) {
        Settings settings = new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, READ_THREADS, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, 100_000, "bytes", "test")));
        return new LoadExecutor(client, new Configuration(), settings, ExecutorOptions.defaults().withWindow(NIGHT), listener, clock, clock::sleep);
    }

    /** What the listener heard, in order: window events and blocks loaded. */
    private static class Events implements ProgressListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<WindowPause> pauses = new CopyOnWriteArrayList<>();
        final AtomicInteger blocksLoadedWhileClosed = new AtomicInteger();
        /** Between a pause's two events; guarded by this. */
        private boolean paused;

        @Override
        public void started(LoadPlan plan) {
            events.add("started with " + plan.stats().files() + " files");
        }

        /**
         * Counted by the pause's events, not by the clock: the fake clock reaches the window's
         * opening before the gate reports it, and a block that finishes in between is in the pause.
         */
        @Override
        public synchronized void blockLoaded(BlockTask block) {
            if (paused) {
                blocksLoadedWhileClosed.incrementAndGet();
            }
            events.add("block");
        }

        @Override
        public synchronized void windowClosed(WindowPause pause) {
            pauses.add(pause);
            events.add("closed");
            paused = true;
        }

        @Override
        public synchronized void windowOpened(LoadWindow window, Duration closed) {
            events.add("opened after " + closed);
            paused = false;
        }
    }

    @Test
    void startedBeforeTheWindowItWaitsForItThenLoadsEverything() throws IOException {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-20T22:48:00Z"));
        Events events = new Events();
        LoadPlan plan = plan();

        LoadReport report = executor(clock, events).execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state());
        assertEquals(13, report.totals().blocksLoaded(), "9 blocks of the large files, 4 small files");
        assertEquals(List.of(new WindowPause(NIGHT, Instant.parse("2026-11-20T22:48:00Z"), Instant.parse("2026-11-21T01:00:00Z"), true)), events.pauses);
        assertEquals("waiting for the load window 01:00-06:00, opens in 2 h 12 min", events.pauses.get(0).message());
        assertEquals(List.of("started with 7 files", "closed", "opened after PT2H12M"), events.events.subList(0, 3),
                "no block before the window opened, and the same plan: started once");
        assertEquals(13, events.events.stream().filter("block"::equals).count());
        assertEquals(0, events.blocksLoadedWhileClosed.get());
        assertEquals(new LoadReport.Window("01:00-06:00", "Z", Duration.ofMinutes(132).toMillis(), 0, 0), report.window());
        assertTrue(report.durationMillis() >= Duration.ofMinutes(132).toMillis(), "the wait is part of the duration: " + report.durationMillis());
        assertCached(plan);
    }

    @Test
    void aLoadThatWaitedForItsWindowLoadsThePlanMadeWhenItOpened() throws IOException {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-20T22:48:00Z"));
        Events events = rewritingAAndAddingDWhileWaiting();
        LoadPlan before = plan();
        List<LoadPlan> made = new CopyOnWriteArrayList<>();

        LoadReport report = executor(clock, events).execute(before, java.util.Optional.empty(), () -> {
            made.add(plan());
            return made.get(0);
        });

        assertEquals(1, made.size(), "planned again once, when the window opened");
        assertEquals(LoadState.SUCCEEDED, report.state(), String.valueOf(report.failedFiles()));
        assertEquals(List.of("started with 7 files", "closed", "opened after PT2H12M", "started with 8 files"), events.events.subList(0, 4));
        assertEquals(8, report.totals().files(), "d, added while the load waited, is loaded too");
        assertEquals(new LoadReport.Window("01:00-06:00", "Z", Duration.ofMinutes(132).toMillis(), 0, 0), report.window());
        assertCached(made.get(0));
    }

    @Test
    void withoutAPlanForAfterTheWaitAFileRewrittenMeanwhileFailsAsChanged() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-20T22:48:00Z"));
        Events events = rewritingAAndAddingDWhileWaiting();

        LoadReport report = executor(clock, events).execute(plan());

        assertEquals(List.of(directory.resolve("data/a").toUri().getPath()),
                report.failedFiles().stream().map(file -> java.net.URI.create(file.path()).getPath()).toList());
        assertTrue(report.failedFiles().get(0).error().contains("changed"), report.failedFiles().get(0).error());
        assertEquals(7, report.totals().files());
    }

    /** Events of a load during whose wait for the window {@code a} is rewritten with another length and {@code d} is added. */
    private Events rewritingAAndAddingDWhileWaiting() {
        return new Events() {
            @Override
            public void windowClosed(WindowPause pause) {
                super.windowClosed(pause);
                try {
                    Random random = new Random(5);
                    write(random, "data/a", (int) (BLOCK + 77));
                    write(random, "data/d", (int) (BLOCK + 99));
                }
                catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
    }

    @Test
    void whenTheWindowClosesMidLoadItPausesAndResumesWhenItOpensAgain() throws IOException {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-21T05:00:00Z"));
        Events events = new Events() {
            private final AtomicInteger loaded = new AtomicInteger();

            @Override
            public void blockLoaded(BlockTask block) {
                super.blockLoaded(block);
                if (loaded.incrementAndGet() == 3) {
                    clock.set(Instant.parse("2026-11-21T06:00:00Z"));
                }
            }
        };
        LoadPlan plan = plan();

        LoadReport report = executor(clock, events).execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state());
        assertEquals(13, report.totals().blocksLoaded());
        assertEquals(List.of(new WindowPause(NIGHT, Instant.parse("2026-11-21T06:00:00Z"), Instant.parse("2026-11-22T01:00:00Z"), false)), events.pauses);
        assertEquals("the load window 01:00-06:00 closed: paused, it opens again in 19 h", events.pauses.get(0).message());
        int closed = events.events.indexOf("closed");
        int opened = events.events.indexOf("opened after PT19H");
        assertTrue(closed >= 3 && opened > closed, "paused after the third block: " + events.events);
        assertTrue(opened - closed - 1 <= events.blocksLoadedWhileClosed.get(), "no block started in the pause: " + events.events);
        assertTrue(events.blocksLoadedWhileClosed.get() < READ_THREADS,
                "only blocks under way when the window closed finish outside it: " + events.blocksLoadedWhileClosed.get());
        assertEquals(new LoadReport.Window("01:00-06:00", "Z", 0, 1, Duration.ofHours(19).toMillis()), report.window());
        assertFalse(NIGHT.isOpen(Instant.parse("2026-11-21T06:00:00Z")));
        assertTrue(report.durationMillis() >= Duration.ofHours(19).toMillis());
        assertTrue(report.bytesPerSecond() > report.totals().bytesLoaded() * 1000 / report.durationMillis(), "the throughput leaves the pause out");
        assertCached(plan);
    }

    /**
     * A read held back by {@code --bandwidth} as the window closes starts when the window opens
     * again, not after the close: the cap lets one small file through a second, and the window
     * closes while the second thread waits for its turn (and the first for its next).
     */
    @Test
    void aReadTheBandwidthCapHeldBackAsTheWindowClosedStartsWhenItOpens() throws IOException {
        Path capped = Files.createDirectories(directory.resolve("capped"));
        Random random = new Random(12);
        for (String name : List.of("s1", "s2", "s3", "s4")) {
            write(random, "capped/" + name, 10_000 + random.nextInt(1000));
        }
        LoadPlan plan = LocalPlans.plan(client, capped, BLOCK, 1);
        // the time of day the real time makes, from 1.5 s before the window closes; a wait for the window moves it on at once
        Instant start = Instant.parse("2026-11-21T05:59:58.500Z");
        long startNanos = System.nanoTime();
        AtomicLong waitedMillis = new AtomicLong();
        Clock clock = new Clock() {
            @Override
            public Instant instant() {
                return start.plusNanos(System.nanoTime() - startNanos).plusMillis(waitedMillis.get());
            }

            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                throw new UnsupportedOperationException();
            }
        };
        Configuration conf = new Configuration();
        ReadStartTimes.settings().forEach(conf::set);
        ReadStartTimes.clock = clock;
        ReadStartTimes.READ.clear();
        Settings settings = new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, READ_THREADS, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, 100_000, "bytes", "test")));
        Events events = new Events();

        LoadReport report = new LoadExecutor(client, conf, settings, ExecutorOptions.defaults().withWindow(NIGHT).withBandwidth(10_000), events, clock,
                duration -> waitedMillis.addAndGet(duration.toMillis())).execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
        assertEquals(1, events.pauses.size(), "closed while the cap held reads back: " + events.events);
        List<Instant> read = List.copyOf(ReadStartTimes.READ);
        assertTrue(read.size() >= 4, "each file read: " + read);
        // a thread past its window check reads within moments
        Instant close = Instant.parse("2026-11-21T06:00:00Z");
        assertTrue(read.stream().allMatch(time -> NIGHT.isOpen(time) || time.isBefore(close.plusMillis(300))),
                "every read started inside the window: " + read);
        assertCached(plan);
    }

    @Test
    void insideTheWindowNothingWaitsAndTheReportSaysSo() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-21T02:00:00Z"));
        Events events = new Events();

        LoadReport report = executor(clock, events).execute(plan());

        assertEquals(LoadState.SUCCEEDED, report.state());
        assertEquals(List.of(), events.pauses);
        assertEquals(new LoadReport.Window("01:00-06:00", "Z", 0, 0, 0), report.window());
        LoadReport unwindowed = new LoadExecutor(client, new Configuration(), new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, READ_THREADS, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, 100_000, "bytes", "test"))), ProgressListener.NONE, clock).execute(plan());
        assertNull(unwindowed.window(), "no window, no window in the report");
    }

    /** Every block of the plan is cached with the file's bytes. */
    private void assertCached(LoadPlan plan) throws IOException {
        for (FileLoad file : plan.partitions().get(0).files()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (BlockTask block : file.blocks()) {
                try (InputStream in = client.openReader(block.key())) {
                    in.transferTo(bytes);
                }
            }
            assertArrayEquals(Files.readAllBytes(Path.of(java.net.URI.create(file.file().path()))), bytes.toByteArray(), file.file().path());
        }
    }
}
