package io.gfsload.advisor;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * What the under file system (the object store) does with one request and with many: measured by
 * a probe or configured by the user. Unknown values are zero.
 *
 * @param requestLatency time to the first byte of one ranged read; {@link Duration#ZERO} when unknown
 * @param perStreamBytesPerSecond bandwidth of one sequential stream once it flows; 0 when unknown
 * @param aggregateBytesPerSecond bandwidth the store grants all streams together (a bucket's or
 *     account's cap, or the network's); 0 when unknown
 */
public record BackendProfile(Duration requestLatency, long perStreamBytesPerSecond, long aggregateBytesPerSecond) {
    private static final BackendProfile UNKNOWN = new BackendProfile(Duration.ZERO, 0, 0);

    public BackendProfile {
        requireNonNull(requestLatency, "requestLatency is null");
        if (requestLatency.isNegative()) {
            throw new IllegalArgumentException("requestLatency must be >= 0: " + requestLatency);
        }
        if (perStreamBytesPerSecond < 0) {
            throw new IllegalArgumentException("perStreamBytesPerSecond must be >= 0: " + perStreamBytesPerSecond);
        }
        if (aggregateBytesPerSecond < 0) {
            throw new IllegalArgumentException("aggregateBytesPerSecond must be >= 0: " + aggregateBytesPerSecond);
        }
    }

    /** Nothing known: the rules fall back to the CPU-based values of the seed. */
    public static BackendProfile unknown() {
        return UNKNOWN;
    }

    public boolean hasLatency() {
        return !requestLatency.isZero();
    }

    public boolean hasPerStreamBandwidth() {
        return perStreamBytesPerSecond > 0;
    }

    public boolean hasAggregateCap() {
        return aggregateBytesPerSecond > 0;
    }

    /** Whether anything is known. */
    public boolean isKnown() {
        return hasLatency() || hasPerStreamBandwidth() || hasAggregateCap();
    }
}
