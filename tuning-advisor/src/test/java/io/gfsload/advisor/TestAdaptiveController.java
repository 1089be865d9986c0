package io.gfsload.advisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.AdaptiveController.Config;
import io.gfsload.advisor.AdaptiveController.Decision;
import io.gfsload.advisor.AdaptiveController.State;
import io.gfsload.advisor.AdaptiveController.Window;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TestAdaptiveController {
    private static final long MB = 1L << 20;
    private static final long REQUEST = 4 * MB;
    private static final long SECOND = 1_000_000_000L;

    /**
     * A synthetic object store: each stream moves one request in {@code latency + request /
     * perStream}, all streams together at most {@code cap}; beyond the cap requests queue, so
     * latency grows as {@code concurrency x request / throughput} (Little's law). Above
     * {@code throttleAbove} streams, the excess requests are refused with 503s.
     */
    private record Store(double capMbPerSecond, double perStreamMbPerSecond, double latencySeconds, int throttleAbove) {
        static Store capped(double capMbPerSecond) {
            return new Store(capMbPerSecond, 20, 0.01, Integer.MAX_VALUE);
        }

        Window window(int concurrency) {
            double requestMb = (double) REQUEST / MB;
            double perStream = requestMb / (latencySeconds + requestMb / perStreamMbPerSecond);
            double throughputMb = Math.min(concurrency * perStream, capMbPerSecond);
            double latency = concurrency * requestMb / throughputMb;
            long requests = Math.round(throughputMb / requestMb);
            long throttled = Math.max(0, concurrency - throttleAbove);
            return new Window(requests * REQUEST, requests, (long) (latency * SECOND * requests), throttled, SECOND);
        }
    }

    private static Config config(int min, int max, int initial) {
        return new Config(min, max, initial, Long.MAX_VALUE, REQUEST, Duration.ofSeconds(1));
    }

    /** Runs {@code windows} one-second windows against the store of each window and returns the targets after each. */
    private static List<Integer> run(AdaptiveController controller, int windows, IntFunction<Store> storeAt) {
        List<Integer> targets = new ArrayList<>();
        for (int i = 0; i < windows; i++) {
            State state = controller.observe(storeAt.apply(i).window(controller.target()));
            targets.add(state.target());
        }
        return targets;
    }

    private static double mean(List<Integer> values, int from, int to) {
        return values.subList(from, to).stream().mapToInt(Integer::intValue).average().orElseThrow();
    }

    private static final class FakeTicker implements Ticker {
        private final AtomicLong nanos = new AtomicLong(1_000);

        @Override
        public long nanos() {
            return nanos.get();
        }

        void advance(Duration duration) {
            nanos.addAndGet(duration.toNanos());
        }
    }

    @Test
    void climbsWhileThroughputImprovesThenSawsAroundTheKnee() {
        // 400 MiB/s cap, 19 MiB/s per stream: the knee is at 21 streams
        AdaptiveController controller = new AdaptiveController(config(1, 64, 4), new FakeTicker());
        List<Integer> targets = run(controller, 60, i -> Store.capped(400));
        assertEquals(List.of(8, 12, 16, 20, 24), targets.subList(0, 5), "additive increase of max / 16 = 4 while throughput improves");
        for (int target : targets.subList(10, 60)) {
            assertTrue(target >= 15 && target <= 32, "saws around the knee: " + targets);
        }
        double throughput = targets.subList(10, 60).stream().mapToDouble(t -> Store.capped(400).window(t).throughput()).average().orElseThrow();
        assertTrue(throughput >= 0.9 * 400 * MB, "keeps the cap busy: " + throughput / MB + " MiB/s");
    }

    @Test
    void aCapThatHalvesMidRunLowersConcurrencyWhichRecoversWhenTheCapReturns() {
        AdaptiveController controller = new AdaptiveController(config(1, 64, 8), new FakeTicker());
        List<Integer> targets = run(controller, 120, i -> Store.capped(i >= 40 && i < 80 ? 200 : 400));
        double before = mean(targets, 20, 40);
        double halved = mean(targets, 55, 80);
        double after = mean(targets, 95, 120);
        assertTrue(halved < 0.8 * before, "concurrency decreases when the cap halves: " + before + " -> " + halved + " " + targets);
        assertTrue(after > 1.25 * halved, "and recovers when it returns: " + halved + " -> " + after + " " + targets);
        assertTrue(targets.subList(40, 43).stream().anyMatch(t -> t < targets.get(39)), "decreases within three windows of the drop: " + targets);
    }

    @ParameterizedTest(name = "{0} streams, min {1}: a throttled window -> {2}")
    @CsvSource({
            "40, 1, 20",
            "7,  1, 3",
            "3,  2, 2",
            "1,  1, 1",
    })
    void throttlingErrorsHalveTheTarget(int start, int min, int expected) {
        AdaptiveController controller = new AdaptiveController(config(min, 64, start), new FakeTicker());
        State state = controller.observe(new Window(100 * MB, 25, 25 * SECOND / 10, 3, SECOND));
        assertEquals(expected, state.target());
        assertEquals(Decision.THROTTLED, state.decision());
    }

    @Test
    void aStoreThatThrottlesAboveTenStreamsIsHeldBelowIt() {
        Store store = new Store(10_000, 20, 0.01, 10);
        AdaptiveController controller = new AdaptiveController(config(1, 64, 32), new FakeTicker());
        List<Integer> targets = run(controller, 80, i -> store);
        assertEquals(16, targets.get(0), "32 streams, 22 refused: halved");
        assertEquals(8, targets.get(1), "still throttled: halved again");
        assertEquals(List.of(8, 9, 10, 11, 5), targets.subList(2, 7), "hold, then 1 at a time above the threshold the throttling left");
        long throttledWindows = targets.subList(20, 80).stream().filter(t -> t > 10).count();
        assertTrue(throttledWindows <= 60 / 6, "at most one window in six goes above the limit: " + targets);
        assertTrue(targets.stream().allMatch(t -> t >= 1), "never below min");
    }

    @Test
    void neverExceedsTheMemoryBound() {
        // the maximum allows 64, but 40 MiB of buffers hold only ten 4 MiB reads
        Config config = new Config(1, 64, 64, 40 * MB, REQUEST, Duration.ofSeconds(1));
        assertEquals(10, config.effectiveMax());
        AdaptiveController controller = new AdaptiveController(config, new FakeTicker());
        assertEquals(10, controller.target(), "the initial target is clamped too");
        List<Integer> targets = run(controller, 50, i -> Store.capped(100_000));
        assertTrue(targets.stream().allMatch(t -> t <= 10), targets.toString());
        assertEquals(10, targets.get(49), "a store that always improves holds it at the bound");
    }

    @Test
    void neverLeavesTheConfiguredBounds() {
        AdaptiveController controller = new AdaptiveController(config(6, 12, 8), new FakeTicker());
        List<Integer> targets = run(controller, 100, i -> i % 20 < 10 ? Store.capped(100_000) : new Store(10_000, 20, 0.01, 2));
        assertTrue(targets.stream().allMatch(t -> t >= 6 && t <= 12), targets.toString());
        assertTrue(targets.contains(6) && targets.contains(12), targets.toString());
    }

    @Test
    void latencyThatJumpsWithoutMoreThroughputLowersTheTarget() {
        AdaptiveController controller = new AdaptiveController(config(1, 64, 20), new FakeTicker());
        controller.observe(new Window(400 * MB, 100, 100 * SECOND / 5, 0, SECOND));    // probe: 20 -> 24
        controller.observe(new Window(440 * MB, 110, 110 * SECOND / 5, 0, SECOND));    // +10 %: 24 -> 28
        State state = controller.observe(new Window(445 * MB, 111, 111 * SECOND / 2, 0, SECOND));  // 200 ms -> 500 ms
        assertEquals(Decision.LATENCY_ROSE, state.decision());
        assertEquals(21, state.target(), "28 x 3/4");
    }

    @Test
    void theSameObservationsGiveTheSameTargets() {
        IntFunction<Store> stores = i -> new Store(i < 30 ? 300 : 150, 25, 0.02, i % 17 == 0 ? 12 : Integer.MAX_VALUE);
        List<Integer> first = run(new AdaptiveController(config(2, 48, 6), new FakeTicker()), 60, stores);
        List<Integer> second = run(new AdaptiveController(config(2, 48, 6), new FakeTicker()), 60, stores);
        assertEquals(first, second);
    }

    @Test
    void windowsCloseOnTheTicker() {
        FakeTicker ticker = new FakeTicker();
        AdaptiveController controller = new AdaptiveController(config(1, 64, 8), ticker);
        controller.completed(4 * MB, 200_000_000L);
        ticker.advance(Duration.ofMillis(999));
        assertEquals(8, controller.target(), "the window has not ended");
        assertEquals(Decision.START, controller.state().decision());
        ticker.advance(Duration.ofMillis(1));
        assertEquals(12, controller.target(), "the first window probes upward");
        assertEquals(4 * MB, controller.state().referenceThroughput(), 1e-6);
        ticker.advance(Duration.ofSeconds(1));
        assertEquals(Decision.IDLE, controller.state().decision(), "nothing completed: nothing changes");
        controller.throttled();
        ticker.advance(Duration.ofSeconds(1));
        assertEquals(6, controller.target());
        assertEquals(Decision.THROTTLED, controller.state().decision());
        assertEquals(3, controller.state().windows());
    }

    @Test
    void aPauseOnPurposeIsNotTakenForADropInThroughput() {
        FakeTicker ticker = new FakeTicker();
        AdaptiveController ignoringThePause = new AdaptiveController(config(1, 64, 8), ticker);
        FakeTicker otherTicker = new FakeTicker();
        AdaptiveController toldOfThePause = new AdaptiveController(config(1, 64, 8), otherTicker);
        pausedForAnHour(ignoringThePause, ticker);
        State beforeThePause = pausedForAnHour(toldOfThePause, otherTicker);

        toldOfThePause.restartWindow();

        State ignored = ignoringThePause.state();
        assertEquals(Decision.THROUGHPUT_DROPPED, ignored.decision(), "without a restart the hour without reads reads as a drop");
        assertTrue(ignored.target() < beforeThePause.target(), ignored.toString());
        assertEquals(beforeThePause.target(), toldOfThePause.target(), "the restart closes no window");
        State resumed = afterOneMoreWindow(toldOfThePause, otherTicker);
        assertTrue(resumed.decision() != Decision.THROUGHPUT_DROPPED && resumed.target() >= beforeThePause.target(),
                "the window after the pause: " + resumed);
    }

    /**
     * Three windows of steady reads, the reads under way when a load window closed, then an hour
     * without reads; returns the state before the pause.
     */
    private static State pausedForAnHour(AdaptiveController controller, FakeTicker ticker) {
        for (int window = 0; window < 3; window++) {
            controller.completed(100 * MB, 50_000_000L);
            ticker.advance(Duration.ofSeconds(1));
            controller.target();
        }
        State before = controller.state();
        controller.completed(10 * MB, 50_000_000L);
        ticker.advance(Duration.ofHours(1));
        return before;
    }

    private static State afterOneMoreWindow(AdaptiveController controller, FakeTicker ticker) {
        controller.completed(100 * MB, 50_000_000L);
        ticker.advance(Duration.ofSeconds(1));
        controller.target();
        return controller.state();
    }

    @Test
    void readersReportConcurrently() throws Exception {
        FakeTicker ticker = new FakeTicker();
        AdaptiveController controller = new AdaptiveController(config(1, 64, 8), ticker);
        int threads = 8;
        int reads = 10_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < reads; i++) {
                        controller.completed(1000, 1_000_000);
                        controller.target();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get(30, TimeUnit.SECONDS);
            }
        }
        finally {
            pool.shutdownNow();
        }
        ticker.advance(Duration.ofSeconds(1));
        controller.target();
        assertEquals(threads * reads * 1000.0, controller.state().referenceThroughput(), 1e-6, "every completion counted once");
        assertEquals(1_000_000.0, controller.state().referenceLatencyNanos(), 1e-6);
    }

    @Test
    void theAdvisorsSettingsGiveTheBounds() {
        Settings settings = TuningAdvisor.recommend(new WorkloadProfile(16, 1L << 30, 1000, 1000 * 30 * MB, 30 * MB, 30 * MB));
        AdaptiveController controller = AdaptiveController.fromSettings(settings, new FakeTicker());
        assertEquals(new Config(4, 64, 32, 256 * MB, 4 * MB, Duration.ofSeconds(1)), controller.config());
        assertEquals(32, controller.target());
        assertEquals(4, controller.config().step());
    }

    @Test
    void badBoundsAreRefusedWithTheNumbers() {
        IllegalArgumentException inverted = assertThrows(IllegalArgumentException.class, () -> config(8, 4, 4));
        assertEquals("maxConcurrency 4 must be >= minConcurrency 8", inverted.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> config(0, 4, 4));
        assertEquals("minConcurrency must be >= 1: 0", zero.getMessage());
        IllegalArgumentException window = assertThrows(IllegalArgumentException.class, () -> new Config(1, 4, 4, MB, MB, Duration.ZERO));
        assertEquals("window must be > 0: PT0S", window.getMessage());
    }
}
