package io.gfsload.ufs.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.ufs.simulator.FaultyConfig.PermanentError;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

class TestFaultyConfig {
    @Test
    void defaultsInjectNothing() {
        FaultyConfig config = FaultyConfig.from(new Configuration(false));
        assertEquals(FaultyConfig.defaults(), config);
        assertEquals(0.0, config.transientFraction());
        assertEquals(List.of(), config.permanentPaths());
        assertEquals(PermanentError.PERMISSION_DENIED, config.permanentError());
        assertEquals(0, config.seed());
        assertEquals("", config.permanentDetail());
    }

    @Test
    void mapsEveryKey() {
        Configuration conf = new Configuration(false);
        conf.set("fs.faulty.transient.fraction", "0.1");
        conf.set("fs.faulty.permanent.paths", " .bad , /data/**/secret-*.parquet ");
        conf.set("fs.faulty.permanent.error", "not-found");
        conf.set("fs.faulty.seed", "7");
        conf.set("fs.faulty.permanent.detail", "request id 4f2a");
        FaultyConfig expected = new FaultyConfig(0.1, List.of(".bad", "/data/**/secret-*.parquet"), PermanentError.NOT_FOUND, 7, "request id 4f2a");
        assertEquals(expected, FaultyConfig.from(conf));
        assertEquals(expected, FaultyConfig.from(expected.applyTo(new Configuration(false))));
    }

    @Test
    void rejectsInvalidValuesNamingTheKey() {
        Configuration fraction = new Configuration(false);
        fraction.set("fs.faulty.transient.fraction", "-0.1");
        assertEquals("fs.faulty.transient.fraction must be within [0, 1]: -0.1",
                assertThrows(IllegalArgumentException.class, () -> FaultyConfig.from(fraction)).getMessage());
        Configuration error = new Configuration(false);
        error.set("fs.faulty.permanent.error", "teapot");
        assertEquals("fs.faulty.permanent.error must be permission-denied or not-found: 'teapot'",
                assertThrows(IllegalArgumentException.class, () -> FaultyConfig.from(error)).getMessage());
    }

    @Test
    void matchesGlobsOverTheAbsolutePathAndPlainEntriesAsSuffixes() {
        FaultyConfig config = new FaultyConfig(0, List.of(".bad", "/data/**/secret-*.parquet"), PermanentError.PERMISSION_DENIED, 0);
        assertTrue(config.isPermanentlyFaulty("/x/y/part-0.bad"));
        assertTrue(config.isPermanentlyFaulty("/data/dt=1/secret-3.parquet"));
        assertTrue(config.isPermanentlyFaulty("/data/a/b/secret-3.parquet"));
        assertFalse(config.isPermanentlyFaulty("/data/dt=1/public-3.parquet"));
        assertFalse(config.isPermanentlyFaulty("/x/y/part-0.bad.ok"));
        assertFalse(config.isPermanentlyFaulty("/other/dt=1/secret-3.parquet"));
    }
}
