package io.gfsload.advisor;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Chooses how many UFS reads the executor runs at once while a load runs, from what the store
 * does: additive increase while throughput improves, multiplicative decrease when the store
 * throttles, when an increase bought no throughput, or when throughput drops or latency jumps.
 * The target stays within the advisor's bounds and never above the memory bound.
 *
 * <h2>Algorithm (one decision per window, {@link Config#window()}, 1 s by default)</h2>
 *
 * <ol>
 *   <li>Throttling errors in the window (503 SlowDown, 429): {@code target x 1/2}, then one window
 *       of {@link Decision#HOLD} to measure the new level. The halved target becomes the
 *       threshold above which increases are 1 at a time (TCP Reno's slow-start threshold), so the
 *       target creeps, not jumps, back towards the level the store refused.
 *   <li>No request completed: {@link Decision#IDLE}, nothing changes.
 *   <li>After a change, one {@link Decision#HOLD} window measures the new level: its throughput
 *       and latency become the reference.
 *   <li>Throughput below 90 % of the reference, or mean latency above 2 x the reference's without
 *       a throughput gain: {@code target x 3/4} ({@link Decision#THROUGHPUT_DROPPED},
 *       {@link Decision#LATENCY_ROSE}), then a hold.
 *   <li>Throughput at least 5 % above the reference: {@code target + step}
 *       ({@link Decision#INCREASE}); the window becomes the reference.
 *   <li>Throughput flat right after an increase: the increase bought nothing, the store is
 *       saturated: {@code target x 3/4} ({@link Decision#SATURATED}), then a hold.
 *   <li>Throughput flat otherwise: probe with {@code target + step} ({@link Decision#PROBE}).
 * </ol>
 *
 * <p>So the target climbs to the store's knee and saws around it, falls when the store's capacity
 * falls and climbs back when it returns. {@code step} is {@code max(1, ceil(max / 16))} below the
 * throttling threshold and 1 at or above it. Every
 * target is clamped to {@code [min, min(max, memory bound / bytes per slot)]}.
 *
 * <p>Deterministic: the same observations at the same ticker readings give the same targets.
 * Thread-safe: reader threads report completions concurrently; every method is synchronized on
 * this controller, and a window closes on the first call after it ends. Use either the per-request
 * methods ({@link #completed}, {@link #throttled}) with the ticker, or {@link #observe} with
 * windows aggregated elsewhere, not both.
 */
public final class AdaptiveController {
    static final double THROTTLE_DECREASE = 0.5;
    static final double CONGESTION_DECREASE = 0.75;
    static final double IMPROVEMENT = 0.05;
    static final double DROP = 0.10;
    static final double LATENCY_RISE = 2.0;
    static final int STEPS_TO_MAX = 16;

    /**
     * The bounds of the controller.
     *
     * @param minConcurrency never below this
     * @param maxConcurrency never above this
     * @param initialConcurrency where to start, clamped to the bounds
     * @param memoryBoundBytes bytes the reads may buffer at once
     * @param bytesPerSlot bytes one read buffers; the target never exceeds
     *     {@code memoryBoundBytes / bytesPerSlot}
     * @param window how long to observe before deciding
     */
    public record Config(int minConcurrency, int maxConcurrency, int initialConcurrency, long memoryBoundBytes, long bytesPerSlot, Duration window) {
        public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(1);

        public Config {
            if (minConcurrency < 1) {
                throw new IllegalArgumentException("minConcurrency must be >= 1: " + minConcurrency);
            }
            if (maxConcurrency < minConcurrency) {
                throw new IllegalArgumentException("maxConcurrency %d must be >= minConcurrency %d".formatted(maxConcurrency, minConcurrency));
            }
            if (memoryBoundBytes < 1 || bytesPerSlot < 1) {
                throw new IllegalArgumentException("memoryBoundBytes and bytesPerSlot must be > 0: %d, %d".formatted(memoryBoundBytes, bytesPerSlot));
            }
            requireNonNull(window, "window is null");
            if (window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("window must be > 0: " + window);
            }
        }

        /**
         * The advisor's bounds: {@link Settings#MIN_UFS_READ_THREADS} to
         * {@link Settings#MAX_UFS_READ_THREADS}, starting at {@link Settings#UFS_READ_THREADS}, within
         * {@link Settings#IN_FLIGHT_BYTES} of {@link Settings#READ_BUFFER_BYTES} each, 1 s windows.
         */
        public static Config from(Settings settings) {
            requireNonNull(settings, "settings is null");
            int max = Math.toIntExact(settings.value(Settings.MAX_UFS_READ_THREADS));
            int min = Math.toIntExact(Math.min(settings.value(Settings.MIN_UFS_READ_THREADS), max));
            return new Config(min, max, Math.toIntExact(settings.value(Settings.UFS_READ_THREADS)),
                    settings.value(Settings.IN_FLIGHT_BYTES), settings.value(Settings.READ_BUFFER_BYTES), DEFAULT_WINDOW);
        }

        /** The highest target allowed: the maximum, or fewer when the memory bound holds fewer slots; at least 1. */
        public int effectiveMax() {
            return (int) Math.max(1, Math.min(maxConcurrency, memoryBoundBytes / bytesPerSlot));
        }

        /** The lowest target allowed: the minimum, unless the memory bound is lower. */
        public int effectiveMin() {
            return Math.min(minConcurrency, effectiveMax());
        }

        /** The additive increase below the throttling threshold: {@code max(1, ceil(effectiveMax / 16))}. */
        public int step() {
            return Math.max(1, (effectiveMax() + STEPS_TO_MAX - 1) / STEPS_TO_MAX);
        }
    }

    /**
     * What the store did in one window.
     *
     * @param bytes bytes of the requests completed
     * @param requests requests completed
     * @param latencyNanos their latencies, summed
     * @param throttled requests refused with a throttling error (503 SlowDown, 429)
     * @param durationNanos the window's length
     */
    public record Window(long bytes, long requests, long latencyNanos, long throttled, long durationNanos) {
        public Window {
            if (bytes < 0 || requests < 0 || latencyNanos < 0 || throttled < 0 || durationNanos < 0) {
                throw new IllegalArgumentException("window counts must be >= 0: " + this);
            }
        }

        /** Bytes per second; 0 for an empty window. */
        public double throughput() {
            return durationNanos == 0 ? 0 : bytes * 1e9 / durationNanos;
        }

        /** Mean latency of the completed requests in nanoseconds; 0 without any. */
        public double meanLatencyNanos() {
            return requests == 0 ? 0 : (double) latencyNanos / requests;
        }
    }

    /** Why the target is what it is. */
    public enum Decision {
        /** No window has closed yet. */
        START,
        /** A flat window not right after an increase: try one step more. */
        PROBE,
        /** Throughput improved: one step more. */
        INCREASE,
        /** Measuring the level a change set; nothing changes. */
        HOLD,
        /** No request completed in the window; nothing changes. */
        IDLE,
        /** The store throttled: halve. */
        THROTTLED,
        /** Throughput fell at the same concurrency: the store slowed down. */
        THROUGHPUT_DROPPED,
        /** Latency jumped without a throughput gain: requests queue at the store. */
        LATENCY_ROSE,
        /** An increase bought no throughput: the store is saturated. */
        SATURATED
    }

    /**
     * The controller's state after a window: what the executor needs and what a report shows.
     *
     * @param target reads to run at once
     * @param decision why
     * @param windows windows closed so far
     * @param referenceThroughput bytes per second the next window is compared with; NaN when unknown
     * @param referenceLatencyNanos mean latency the next window is compared with; NaN when unknown
     * @param holds windows still to wait before comparing again
     * @param lastChangeWasIncrease whether the last change raised the target
     * @param threshold the target the last throttling left; increases at or above it are 1 at a
     *     time; 0 before any throttling
     */
    public record State(int target, Decision decision, long windows, double referenceThroughput, double referenceLatencyNanos, int holds,
            boolean lastChangeWasIncrease, int threshold) {
        static State initial(Config config) {
            int target = Math.max(config.effectiveMin(), Math.min(config.effectiveMax(), config.initialConcurrency()));
            return new State(target, Decision.START, 0, Double.NaN, Double.NaN, 0, false, 0);
        }
    }

    private final Config config;
    private final Ticker ticker;
    private State state;
    private long windowStart;
    private long bytes;
    private long requests;
    private long latencyNanos;
    private long throttled;

    public AdaptiveController(Config config, Ticker ticker) {
        this.config = requireNonNull(config, "config is null");
        this.ticker = requireNonNull(ticker, "ticker is null");
        this.state = State.initial(config);
        this.windowStart = ticker.nanos();
    }

    /** A controller within the advisor's bounds; see {@link Config#from}. */
    public static AdaptiveController fromSettings(Settings settings, Ticker ticker) {
        return new AdaptiveController(Config.from(settings), ticker);
    }

    public Config config() {
        return config;
    }

    /** A read of {@code readBytes} completed after {@code readLatencyNanos}. */
    public synchronized void completed(long readBytes, long readLatencyNanos) {
        if (readBytes < 0 || readLatencyNanos < 0) {
            throw new IllegalArgumentException("bytes and latency must be >= 0: %d, %d".formatted(readBytes, readLatencyNanos));
        }
        roll();
        bytes += readBytes;
        requests++;
        latencyNanos += readLatencyNanos;
    }

    /** A read was refused with a throttling error (HTTP 503 SlowDown, 429 Too Many Requests). */
    public synchronized void throttled() {
        roll();
        throttled++;
    }

    /** Reads to run at once now; closes the current window first if it has ended. */
    public synchronized int target() {
        roll();
        return state.target();
    }

    /** The state after the last closed window; closes the current window first if it has ended. */
    public synchronized State state() {
        roll();
        return state;
    }

    /**
     * Discards the window under way without a decision, keeping the target and the reference
     * throughput: for a caller that stopped reading on purpose (its load window closed and it
     * waited for the next one), so that the time it did not read is not taken for a drop in
     * throughput. Reads are measured again from now.
     */
    public synchronized void restartWindow() {
        windowStart = ticker.nanos();
        bytes = 0;
        requests = 0;
        latencyNanos = 0;
        throttled = 0;
    }

    /** Decides on a window aggregated by the caller and returns the new state. */
    public synchronized State observe(Window window) {
        requireNonNull(window, "window is null");
        state = step(state, window, config);
        return state;
    }

    private void roll() {
        long now = ticker.nanos();
        long elapsed = now - windowStart;
        if (elapsed >= config.window().toNanos()) {
            state = step(state, new Window(bytes, requests, latencyNanos, throttled, elapsed), config);
            windowStart = now;
            bytes = 0;
            requests = 0;
            latencyNanos = 0;
            throttled = 0;
        }
    }

    /** One decision: the algorithm of the class comment, as a pure function. */
    static State step(State state, Window window, Config config) {
        long windows = state.windows() + 1;
        int target = state.target();
        if (window.throttled() > 0) {
            return decrease(state, windows, THROTTLE_DECREASE, Decision.THROTTLED, config);
        }
        if (window.requests() == 0 || window.durationNanos() == 0) {
            return new State(target, Decision.IDLE, windows, state.referenceThroughput(), state.referenceLatencyNanos(), state.holds(),
                    state.lastChangeWasIncrease(), state.threshold());
        }
        double throughput = window.throughput();
        double latency = window.meanLatencyNanos();
        if (state.holds() > 0 || Double.isNaN(state.referenceThroughput())) {
            if (state.holds() > 0 || state.decision() != Decision.START) {
                return new State(target, Decision.HOLD, windows, throughput, latency, Math.max(0, state.holds() - 1), state.lastChangeWasIncrease(),
                        state.threshold());
            }
            return increase(state, windows, throughput, latency, Decision.PROBE, config);
        }
        boolean improved = throughput >= state.referenceThroughput() * (1 + IMPROVEMENT);
        if (throughput < state.referenceThroughput() * (1 - DROP)) {
            return decrease(state, windows, CONGESTION_DECREASE, Decision.THROUGHPUT_DROPPED, config);
        }
        if (!improved && latency > LATENCY_RISE * state.referenceLatencyNanos()) {
            return decrease(state, windows, CONGESTION_DECREASE, Decision.LATENCY_ROSE, config);
        }
        if (improved) {
            return increase(state, windows, throughput, latency, Decision.INCREASE, config);
        }
        if (state.lastChangeWasIncrease()) {
            return decrease(state, windows, CONGESTION_DECREASE, Decision.SATURATED, config);
        }
        return increase(state, windows, throughput, latency, Decision.PROBE, config);
    }

    private static State increase(State state, long windows, double throughput, double latency, Decision decision, Config config) {
        int target = state.target();
        int step = state.threshold() > 0 && target >= state.threshold() ? 1 : config.step();
        int raised = (int) Math.min(config.effectiveMax(), (long) target + step);
        return new State(raised, decision, windows, throughput, latency, 0, raised > target, state.threshold());
    }

    private static State decrease(State state, long windows, double factor, Decision decision, Config config) {
        int target = state.target();
        int lowered = Math.min((int) Math.floor(target * factor), target - 1);
        lowered = Math.max(config.effectiveMin(), Math.min(config.effectiveMax(), lowered));
        int threshold = decision == Decision.THROTTLED ? lowered : state.threshold();
        return new State(lowered, decision, windows, Double.NaN, Double.NaN, 1, false, threshold);
    }
}
