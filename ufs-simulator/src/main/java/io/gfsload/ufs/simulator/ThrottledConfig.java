package io.gfsload.ufs.simulator;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import org.apache.hadoop.conf.Configuration;

/**
 * How a {@link ThrottledFileSystem} behaves, read once from its Hadoop configuration.
 *
 * @param requestLatency time to first byte of every request (open, positioned read, read after a
 *     seek); zero for none
 * @param streamBytesPerSecond bandwidth of one open stream in bytes per second; 0 = unlimited
 * @param aggregateBytesPerSecond bandwidth shared by all streams of one file system instance in
 *     bytes per second; 0 = unlimited
 * @param throttleFraction share of requests, in [0, 1], that fail with "503 Slow Down"
 * @param seed seed of the draws that pick the throttled requests
 * @param aggregateSchedule when not empty, the aggregate bandwidth over time, from the instance's
 *     creation or its last {@link ThrottledFileSystem#restartSchedule()}; it replaces
 *     {@code aggregateBytesPerSecond}
 */
public record ThrottledConfig(Duration requestLatency, long streamBytesPerSecond, long aggregateBytesPerSecond,
        double throttleFraction, long seed, BandwidthSchedule aggregateSchedule) {
    public static final String LATENCY_KEY = "fs.throttled.request.latency.ms";
    public static final String STREAM_BANDWIDTH_KEY = "fs.throttled.stream.bandwidth.bytes-per-second";
    public static final String AGGREGATE_BANDWIDTH_KEY = "fs.throttled.aggregate.bandwidth.bytes-per-second";
    public static final String THROTTLE_FRACTION_KEY = "fs.throttled.throttle.fraction";
    public static final String SEED_KEY = "fs.throttled.seed";
    public static final String AGGREGATE_SCHEDULE_KEY = "fs.throttled.aggregate.bandwidth.schedule";

    public ThrottledConfig {
        requireNonNull(requestLatency, "requestLatency is null");
        if (requestLatency.isNegative()) {
            throw new IllegalArgumentException(LATENCY_KEY + " must be >= 0: " + requestLatency.toMillis());
        }
        if (streamBytesPerSecond < 0) {
            throw new IllegalArgumentException(STREAM_BANDWIDTH_KEY + " must be >= 0 (0 = unlimited): " + streamBytesPerSecond);
        }
        if (aggregateBytesPerSecond < 0) {
            throw new IllegalArgumentException(AGGREGATE_BANDWIDTH_KEY + " must be >= 0 (0 = unlimited): " + aggregateBytesPerSecond);
        }
        if (!(throttleFraction >= 0 && throttleFraction <= 1)) {
            throw new IllegalArgumentException(THROTTLE_FRACTION_KEY + " must be within [0, 1]: " + throttleFraction);
        }
        requireNonNull(aggregateSchedule, "aggregateSchedule is null");
    }

    /** A store whose aggregate bandwidth does not change. */
    public ThrottledConfig(Duration requestLatency, long streamBytesPerSecond, long aggregateBytesPerSecond, double throttleFraction, long seed) {
        this(requestLatency, streamBytesPerSecond, aggregateBytesPerSecond, throttleFraction, seed, BandwidthSchedule.none());
    }

    /** This config with the aggregate bandwidth following {@code schedule}. */
    public ThrottledConfig withAggregateSchedule(BandwidthSchedule schedule) {
        return new ThrottledConfig(requestLatency, streamBytesPerSecond, aggregateBytesPerSecond, throttleFraction, seed, schedule);
    }

    /** No latency, unlimited bandwidth, no throttling, seed 0: a pass-through store. */
    public static ThrottledConfig defaults() {
        return new ThrottledConfig(Duration.ZERO, 0, 0, 0, 0);
    }

    /**
     * Reads the {@code fs.throttled.*} keys; a missing key keeps its {@link #defaults()} value.
     *
     * @throws IllegalArgumentException naming the key whose value is out of range or not a number
     */
    public static ThrottledConfig from(Configuration conf) {
        requireNonNull(conf, "conf is null");
        ThrottledConfig defaults = defaults();
        return new ThrottledConfig(
                Duration.ofMillis(ConfigValues.getLong(conf, LATENCY_KEY, defaults.requestLatency().toMillis())),
                ConfigValues.getLong(conf, STREAM_BANDWIDTH_KEY, defaults.streamBytesPerSecond()),
                ConfigValues.getLong(conf, AGGREGATE_BANDWIDTH_KEY, defaults.aggregateBytesPerSecond()),
                ConfigValues.getDouble(conf, THROTTLE_FRACTION_KEY, defaults.throttleFraction()),
                ConfigValues.getLong(conf, SEED_KEY, defaults.seed()),
                schedule(conf));
    }

    /** Writes every key of this config into {@code conf}, so that {@link #from} reads it back equal. */
    public Configuration applyTo(Configuration conf) {
        requireNonNull(conf, "conf is null");
        conf.setLong(LATENCY_KEY, requestLatency.toMillis());
        conf.setLong(STREAM_BANDWIDTH_KEY, streamBytesPerSecond);
        conf.setLong(AGGREGATE_BANDWIDTH_KEY, aggregateBytesPerSecond);
        conf.set(THROTTLE_FRACTION_KEY, Double.toString(throttleFraction));
        conf.setLong(SEED_KEY, seed);
        conf.set(AGGREGATE_SCHEDULE_KEY, aggregateSchedule.toString());
        return conf;
    }

    private static BandwidthSchedule schedule(Configuration conf) {
        String value = conf.getTrimmed(AGGREGATE_SCHEDULE_KEY, "");
        try {
            return BandwidthSchedule.parse(value);
        }
        catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("%s: %s".formatted(AGGREGATE_SCHEDULE_KEY, e.getMessage()), e);
        }
    }
}
