package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.BackendProfile;
import io.gfsload.planner.CacheState;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadPlanner;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PlannerConfig;
import io.gfsload.ufs.simulator.ThrottledConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The probe against throttled:// stores of known latency and bandwidths: its figures must come
 * out within a tolerance of the store's configuration. Real time on a shared machine, so the
 * tolerance is wide (a busy machine adds to every wait: 10 ms and more to a sleep at a load
 * average of 10, hence a latency of 100 ms) and one retry is allowed.
 */
class TestUfsProbe {
    private static final long MIB = 1L << 20;
    private static final double TOLERANCE = 0.3;

    @TempDir
    Path directory;

    private String store(ThrottledConfig config, String authority) throws IOException {
        Path data = directory.resolve("data");
        Files.createDirectories(data);
        Random random = new Random(3);
        for (int i = 0; i < 3; i++) {
            byte[] bytes = new byte[(int) (3 * MIB)];
            random.nextBytes(bytes);
            Files.write(data.resolve("part-" + i), bytes);
        }
        return "throttled://" + authority + data.toAbsolutePath();
    }

    private static LoadPlan plan(String root, Configuration conf) {
        LoadPlanner planner = new LoadPlanner(Optional.empty(), conf, CacheState.EMPTY, PlannerConfig.defaults());
        return planner.plan(new LoadRequest(new LoadTarget.Paths(List.of(root)), 1));
    }

    @Test
    void measuresLatencyPerStreamBandwidthAndTheCap() throws IOException {
        ThrottledConfig config = new ThrottledConfig(Duration.ofMillis(100), 8 * MIB, 24 * MIB, 0, 0);
        Configuration conf = config.applyTo(new Configuration());
        conf.setBoolean("fs.throttled.impl.disable.cache", true);
        String root = store(config, "probe-capped");
        UfsProbe probe = new UfsProbe(conf, new UfsProbe.Options(3, (int) MIB, 8));

        UfsProbe.Result result = probe.probe(plan(root, conf));
        if (!withinTolerance(result.profile(), config)) {
            result = probe.probe(plan(root, conf));
        }

        BackendProfile profile = result.profile();
        assertTrue(withinTolerance(profile, config), "probed %s, configured %s".formatted(profile, config));
        assertFalse(result.aggregateIsLowerBound(), "8 streams x 8 MiB/s hit the 24 MiB/s cap: " + result.summary());
        assertEquals(new BackendProfile.Provenance(BackendProfile.Origin.PROBED, BackendProfile.Origin.PROBED, BackendProfile.Origin.PROBED), profile.provenance());
        assertTrue(result.summary().startsWith("probed throttled://probe-capped: latency "), result.summary());
    }

    @Test
    void anUncappedStoreGivesALowerBound() throws IOException {
        ThrottledConfig config = new ThrottledConfig(Duration.ofMillis(10), 8 * MIB, 0, 0, 0);
        Configuration conf = config.applyTo(new Configuration());
        conf.setBoolean("fs.throttled.impl.disable.cache", true);
        String root = store(config, "probe-uncapped");

        UfsProbe probe = new UfsProbe(conf, new UfsProbe.Options(3, (int) MIB, 4));
        UfsProbe.Result result = probe.probe(plan(root, conf));
        if (!result.aggregateIsLowerBound()) {
            // as the capped case: a busy machine (2 cores, the build beside) can slow the four
            // streams together below 0.7 x 4 x one stream once
            result = probe.probe(plan(root, conf));
        }

        assertTrue(result.aggregateIsLowerBound(), result.summary());
        assertTrue(result.summary().contains("the streams reached no cap, so the aggregate is a lower bound"), result.summary());
    }

    @Test
    void nothingToProbeIsUnknown() throws IOException {
        Path empty = directory.resolve("empty");
        Files.createDirectories(empty);
        Files.write(empty.resolve("zero"), new byte[0]);
        UfsProbe.Result result = new UfsProbe(new Configuration(), UfsProbe.Options.defaults()).probe(plan(empty.toUri().toString(), new Configuration()));
        assertEquals(BackendProfile.unknown(), result.profile());
        assertEquals("nothing to probe: no file with bytes", result.summary());
    }

    private static boolean withinTolerance(BackendProfile probed, ThrottledConfig config) {
        return near(probed.requestLatency().toNanos(), config.requestLatency().toNanos())
                && near(probed.perStreamBytesPerSecond(), config.streamBytesPerSecond())
                && near(probed.aggregateBytesPerSecond(), config.aggregateBytesPerSecond());
    }

    private static boolean near(double measured, double expected) {
        return Math.abs(measured - expected) <= TOLERANCE * expected;
    }
}
