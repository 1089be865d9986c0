package io.gfsload.advisor;

/**
 * A monotonic nanosecond clock, injected so that tests drive time. Only differences between two
 * readings mean anything.
 */
@FunctionalInterface
public interface Ticker {
    /** Nanoseconds since an arbitrary origin. */
    long nanos();

    /** {@link System#nanoTime()}. */
    static Ticker system() {
        return System::nanoTime;
    }
}
