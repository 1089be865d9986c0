package io.gfsload.executor;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Waits for time to pass, on the clock the executor was given: a test's fake clock moves its time
 * forward instead of sleeping (as Kafka's {@code MockTime} does).
 */
@FunctionalInterface
public interface Sleeper {
    /** The system's: the calling thread sleeps. */
    Sleeper SYSTEM = duration -> TimeUnit.NANOSECONDS.sleep(duration.toNanos());

    /** Returns after about {@code duration}; interrupted, throws. */
    void sleep(Duration duration) throws InterruptedException;
}
