package io.gfsload.ufs.simulator;

import com.google.common.util.concurrent.RateLimiter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * How a {@link ThrottledFileSystem} spends time: the latency of each request and the limiters its
 * bytes flow through. {@link #SYSTEM} waits in real time; a test gives a store its own, which
 * records what the store asks for instead of waiting. Implementations are thread-safe.
 */
interface Pacing {
    /**
     * Real time: the calling thread sleeps, and bytes flow through Guava {@link RateLimiter}s that
     * never turn idle time into a burst. A plain {@code RateLimiter.create(rate)} saves up to a
     * second of idle time as a burst, which would hide the latency of the next request (the stream
     * idles through it); a warming-up limiter never serves saved permits faster than the stable
     * rate, and a 1 ms warm-up makes its cold start negligible. (A zero warm-up divides by zero
     * inside Guava and stops limiting.)
     */
    Pacing SYSTEM = new Pacing() {
        private static final Duration WARM_UP = Duration.ofMillis(1);

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            TimeUnit.NANOSECONDS.sleep(duration.toNanos());
        }

        @Override
        public Limiter limiter(long bytesPerSecond) {
            RateLimiter limiter = RateLimiter.create(bytesPerSecond, WARM_UP);
            return new Limiter() {
                @Override
                public void acquire(int bytes) {
                    limiter.acquire(bytes);
                }

                @Override
                public void setRate(long rate) {
                    limiter.setRate(rate);
                }
            };
        }
    };

    /** Waits {@code duration}, a request's time to first byte; interrupted, throws. */
    void sleep(Duration duration) throws InterruptedException;

    /** A limiter of {@code bytesPerSecond}, > 0. */
    Limiter limiter(long bytesPerSecond);

    /** Holds a rate as Guava's {@link RateLimiter} does: a caller waits for the bytes acquired before its own. */
    interface Limiter {
        /** Takes {@code bytes} permits, waiting as the rate requires. */
        void acquire(int bytes);

        /** Changes the rate for the bytes acquired from now on; {@code bytesPerSecond} > 0. */
        void setRate(long bytesPerSecond);
    }
}
