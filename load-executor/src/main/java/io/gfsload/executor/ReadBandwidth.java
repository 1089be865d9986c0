package io.gfsload.executor;

import com.google.common.util.concurrent.RateLimiter;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@code --bandwidth} cap on UFS reads, shared by all read threads. Guava's {@link RateLimiter}
 * lets a request through at once and makes the next one pay for it, so a load of a single read
 * (one small file, one block) would not be limited at all; here the first read pays for itself
 * too. By any time, at most the rate times the time since the start has been read (plus the one
 * second of permits the limiter saves while no read asks, e.g. when the load window is shut).
 */
final class ReadBandwidth {
    private final RateLimiter limiter;
    private final AtomicBoolean started = new AtomicBoolean();

    ReadBandwidth(long bytesPerSecond) {
        this.limiter = RateLimiter.create(bytesPerSecond);
    }

    /** Waits until {@code bytes} more may be read. */
    void acquire(long bytes) {
        int permits = (int) Math.max(1, Math.min(bytes, Integer.MAX_VALUE));
        if (started.compareAndSet(false, true)) {
            limiter.acquire(permits);
        }
        limiter.acquire(permits);
    }
}
