package io.gfsload.cache.worker;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

/**
 * Which blocks a full tier directory gives up first: the ones with the lowest priority.
 *
 * <ul>
 *   <li>{@link Kind#LRU}: the priority is the time of the last access (read or write).
 *   <li>{@link Kind#LRFU}: the combined recency and frequency (CRF) of Lee et al., "LRFU: a
 *       spectrum of policies that subsumes the least recently used and least frequently used
 *       policies" (IEEE Trans. Computers, 2001): every past access at time {@code t_i} weighs
 *       {@code F(now - t_i)} with {@code F(x) = (1/2)^(lambda * x)}, x in seconds, and the
 *       priority is their sum. It is kept incrementally: at an access, {@code crf = 1 +
 *       F(now - last) * crf}; at time {@code now}, the priority is {@code F(now - last) * crf}.
 *       A lambda near 0 weighs every access alike (LFU); a large lambda lets only the last one
 *       count (LRU).
 * </ul>
 *
 * @param kind the policy
 * @param lambda LRFU's decay per second, > 0; 0 for LRU
 */
public record EvictionPolicy(Kind kind, double lambda) {
    /** The default LRFU decay: an access loses half its weight in about 11.5 minutes. */
    public static final double DEFAULT_LRFU_LAMBDA = 0.001;

    public enum Kind { LRU, LRFU }

    public EvictionPolicy {
        requireNonNull(kind, "kind is null");
        if (kind == Kind.LRU) {
            checkArgument(lambda == 0, "LRU takes no lambda: %s", lambda);
        }
        else {
            checkArgument(lambda > 0 && Double.isFinite(lambda), "LRFU lambda must be > 0: %s", lambda);
        }
    }

    public static EvictionPolicy lru() {
        return new EvictionPolicy(Kind.LRU, 0);
    }

    public static EvictionPolicy lrfu(double lambda) {
        return new EvictionPolicy(Kind.LRFU, lambda);
    }

    /** The CRF after an access at {@code nowMillis}, given the previous one; the first access has CRF 1. */
    double crfAfterAccess(double crf, long lastAccessMillis, long nowMillis) {
        return 1 + decay(lastAccessMillis, nowMillis) * crf;
    }

    /** The eviction priority at {@code nowMillis}: lower goes first. */
    double priority(double crf, long lastAccessMillis, long nowMillis) {
        return kind == Kind.LRU ? lastAccessMillis : decay(lastAccessMillis, nowMillis) * crf;
    }

    private double decay(long fromMillis, long toMillis) {
        if (kind == Kind.LRU) {
            return 0;
        }
        double seconds = Math.max(0, toMillis - fromMillis) / 1000.0;
        return Math.pow(0.5, lambda * seconds);
    }
}
