package io.gfsload.ufs.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

class TestThrottledConfig {
    @Test
    void defaultsArePassThrough() {
        ThrottledConfig config = ThrottledConfig.from(new Configuration(false));
        assertEquals(ThrottledConfig.defaults(), config);
        assertEquals(Duration.ZERO, config.requestLatency());
        assertEquals(0, config.streamBytesPerSecond());
        assertEquals(0, config.aggregateBytesPerSecond());
        assertEquals(0.0, config.throttleFraction());
        assertEquals(0, config.seed());
        assertEquals(BandwidthSchedule.none(), config.aggregateSchedule());
    }

    @Test
    void mapsEveryKey() {
        Configuration conf = new Configuration(false);
        conf.set("fs.throttled.request.latency.ms", "20");
        conf.set("fs.throttled.stream.bandwidth.bytes-per-second", "16777216");
        conf.set("fs.throttled.aggregate.bandwidth.bytes-per-second", "134217728");
        conf.set("fs.throttled.throttle.fraction", "0.05");
        conf.set("fs.throttled.seed", "42");
        conf.set("fs.throttled.aggregate.bandwidth.schedule", "0s:128MB,20s:64MB");
        ThrottledConfig expected = new ThrottledConfig(Duration.ofMillis(20), 16L << 20, 128L << 20, 0.05, 42,
                BandwidthSchedule.parse("0s:128MB,20s:64MB"));
        assertEquals(expected, ThrottledConfig.from(conf));
        assertEquals(expected, ThrottledConfig.from(expected.applyTo(new Configuration(false))));
    }

    @Test
    void rejectsValuesOutOfRangeNamingTheKey() {
        assertMessage("fs.throttled.throttle.fraction must be within [0, 1]: 1.5", "fs.throttled.throttle.fraction", "1.5");
        assertMessage("fs.throttled.stream.bandwidth.bytes-per-second must be >= 0 (0 = unlimited): -1",
                "fs.throttled.stream.bandwidth.bytes-per-second", "-1");
        assertMessage("fs.throttled.aggregate.bandwidth.bytes-per-second must be >= 0 (0 = unlimited): -5",
                "fs.throttled.aggregate.bandwidth.bytes-per-second", "-5");
        assertMessage("fs.throttled.request.latency.ms must be >= 0: -3", "fs.throttled.request.latency.ms", "-3");
        assertMessage("fs.throttled.request.latency.ms must be an integer: '20ms'", "fs.throttled.request.latency.ms", "20ms");
    }

    private static void assertMessage(String message, String key, String value) {
        Configuration conf = new Configuration(false);
        conf.set(key, value);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ThrottledConfig.from(conf));
        assertEquals(message, e.getMessage());
        assertTrue(e.getMessage().startsWith(key));
    }
}
