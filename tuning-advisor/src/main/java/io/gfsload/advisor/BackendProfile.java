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
 * @param provenance where each figure came from
 */
public record BackendProfile(Duration requestLatency, long perStreamBytesPerSecond, long aggregateBytesPerSecond, Provenance provenance) {
    private static final BackendProfile UNKNOWN = new BackendProfile(Duration.ZERO, 0, 0);

    /** Where one figure of the profile came from. */
    public enum Origin {
        UNKNOWN,
        /** Given by the user (a flag or configuration). */
        GIVEN,
        /** Measured by a probe of the store. */
        PROBED;

        static Origin of(boolean known) {
            return known ? GIVEN : UNKNOWN;
        }
    }

    /** Where the latency, the per-stream bandwidth and the aggregate bandwidth came from. */
    public record Provenance(Origin latency, Origin perStream, Origin aggregate) {
        public Provenance {
            requireNonNull(latency, "latency is null");
            requireNonNull(perStream, "perStream is null");
            requireNonNull(aggregate, "aggregate is null");
        }
    }

    /** Figures given by the user: each known one is {@link Origin#GIVEN}. */
    public BackendProfile(Duration requestLatency, long perStreamBytesPerSecond, long aggregateBytesPerSecond) {
        this(requestLatency, perStreamBytesPerSecond, aggregateBytesPerSecond, new Provenance(
                Origin.of(requestLatency != null && !requestLatency.isZero()), Origin.of(perStreamBytesPerSecond > 0), Origin.of(aggregateBytesPerSecond > 0)));
    }

    /** Figures measured by a probe: each known one is {@link Origin#PROBED}. */
    public static BackendProfile probed(Duration requestLatency, long perStreamBytesPerSecond, long aggregateBytesPerSecond) {
        BackendProfile given = new BackendProfile(requestLatency, perStreamBytesPerSecond, aggregateBytesPerSecond);
        return new BackendProfile(requestLatency, perStreamBytesPerSecond, aggregateBytesPerSecond, new Provenance(
                probedIf(given.provenance.latency()), probedIf(given.provenance.perStream()), probedIf(given.provenance.aggregate())));
    }

    private static Origin probedIf(Origin origin) {
        return origin == Origin.UNKNOWN ? Origin.UNKNOWN : Origin.PROBED;
    }

    /** This profile's known figures, and {@code other}'s where this one knows nothing: explicit values win over probed ones. */
    public BackendProfile orElse(BackendProfile other) {
        requireNonNull(other, "other is null");
        return new BackendProfile(
                hasLatency() ? requestLatency : other.requestLatency,
                hasPerStreamBandwidth() ? perStreamBytesPerSecond : other.perStreamBytesPerSecond,
                hasAggregateCap() ? aggregateBytesPerSecond : other.aggregateBytesPerSecond,
                new Provenance(
                        hasLatency() ? provenance.latency() : other.provenance.latency(),
                        hasPerStreamBandwidth() ? provenance.perStream() : other.provenance.perStream(),
                        hasAggregateCap() ? provenance.aggregate() : other.provenance.aggregate()));
    }

    /** Whether any figure was measured by a probe. */
    public boolean anyProbed() {
        return provenance.latency() == Origin.PROBED || provenance.perStream() == Origin.PROBED || provenance.aggregate() == Origin.PROBED;
    }

    /** E.g. {@code latency 20 ms (probed), 16 MiB/s per stream (given), 128 MiB/s in all (probed)}; unknown figures are left out. */
    public String describe() {
        java.util.List<String> parts = new java.util.ArrayList<>();
        if (hasLatency()) {
            parts.add("latency %s (%s)".formatted(Units.latency(requestLatency), origin(provenance.latency())));
        }
        if (hasPerStreamBandwidth()) {
            parts.add("%s per stream (%s)".formatted(Units.bandwidth(perStreamBytesPerSecond), origin(provenance.perStream())));
        }
        if (hasAggregateCap()) {
            parts.add("%s in all (%s)".formatted(Units.bandwidth(aggregateBytesPerSecond), origin(provenance.aggregate())));
        }
        return parts.isEmpty() ? "unknown" : String.join(", ", parts);
    }

    private static String origin(Origin origin) {
        return origin.name().toLowerCase(java.util.Locale.ROOT);
    }

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
        requireNonNull(provenance, "provenance is null");
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
