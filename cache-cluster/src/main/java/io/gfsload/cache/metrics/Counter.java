package io.gfsload.cache.metrics;

import java.util.concurrent.atomic.LongAdder;

/** A monotonically increasing count. Thread-safe. */
public final class Counter {
    private final LongAdder value = new LongAdder();

    Counter() {}

    public void inc() {
        value.increment();
    }

    /** Adds {@code amount}, which must be >= 0. */
    public void inc(long amount) {
        if (amount < 0) {
            throw new IllegalArgumentException("a counter cannot decrease: " + amount);
        }
        value.add(amount);
    }

    public long value() {
        return value.sum();
    }
}
