package io.gfsload.ufs.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestBandwidthSchedule {
    private static final long MIB = 1L << 20;

    @TempDir
    Path directory;

    @Test
    void parsesStepsWithUnits() {
        BandwidthSchedule schedule = BandwidthSchedule.parse("0s:128MB, 20s:64MiB/s,40.5s:1g,41000ms:0, 42s:512k");
        assertEquals(List.of(
                new BandwidthSchedule.Step(Duration.ZERO, 128 * MIB),
                new BandwidthSchedule.Step(Duration.ofSeconds(20), 64 * MIB),
                new BandwidthSchedule.Step(Duration.ofMillis(40_500), 1L << 30),
                new BandwidthSchedule.Step(Duration.ofSeconds(41), 0),
                new BandwidthSchedule.Step(Duration.ofSeconds(42), 512L << 10)), schedule.steps());
        assertEquals(schedule, BandwidthSchedule.parse(schedule.toString()));
        assertEquals(BandwidthSchedule.none(), BandwidthSchedule.parse(" "));
    }

    @Test
    void eachStepHoldsUntilTheNext() {
        BandwidthSchedule schedule = BandwidthSchedule.parse("0s:128MB,20s:64MB,40s:128MB");
        assertEquals(128 * MIB, schedule.bytesPerSecondAt(Duration.ZERO));
        assertEquals(128 * MIB, schedule.bytesPerSecondAt(Duration.ofMillis(19_999)));
        assertEquals(64 * MIB, schedule.bytesPerSecondAt(Duration.ofSeconds(20)));
        assertEquals(128 * MIB, schedule.bytesPerSecondAt(Duration.ofHours(1)));
    }

    @Test
    void rejectsWhatItCannotRead() {
        assertEquals("'20s' is not OFFSET:RATE, e.g. 20s:64MB", assertThrows(IllegalArgumentException.class, () -> BandwidthSchedule.parse("0s:1MB,20s")).getMessage());
        assertEquals("'0s:fast' is not OFFSET:RATE, e.g. 20s:64MB", assertThrows(IllegalArgumentException.class, () -> BandwidthSchedule.parse("0s:fast")).getMessage());
        assertEquals("the first step must start at 0s: 5000ms", assertThrows(IllegalArgumentException.class, () -> BandwidthSchedule.parse("5s:1MB")).getMessage());
        assertEquals("steps must be in increasing order of offset: 10000ms after 20000ms",
                assertThrows(IllegalArgumentException.class, () -> BandwidthSchedule.parse("0s:1MB,20s:2MB,10s:3MB")).getMessage());
        Configuration conf = new Configuration(false);
        conf.set(ThrottledConfig.AGGREGATE_SCHEDULE_KEY, "0s:1MB,x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ThrottledConfig.from(conf));
        assertEquals("fs.throttled.aggregate.bandwidth.schedule: 'x' is not OFFSET:RATE, e.g. 20s:64MB", e.getMessage());
    }

    @Test
    void theStoresCapFollowsTheScheduleFromItsStart() throws IOException {
        Configuration conf = new ThrottledConfig(Duration.ZERO, 0, 0, 0, 0)
                .withAggregateSchedule(BandwidthSchedule.parse("0s:128MB,20s:64MB,40s:0"))
                .applyTo(new Configuration());
        AtomicLong now = new AtomicLong(1_000_000);
        try (ThrottledFileSystem fs = (ThrottledFileSystem) FileSystem.newInstance(URI.create("throttled:///"), conf)) {
            fs.useTicker(now::get);
            assertEquals(128 * MIB, fs.aggregateBandwidth());
            now.addAndGet(Duration.ofSeconds(20).toNanos());
            assertEquals(64 * MIB, fs.aggregateBandwidth());
            now.addAndGet(Duration.ofSeconds(20).toNanos());
            assertEquals(0, fs.aggregateBandwidth(), "unlimited from 40 s on");

            fs.restartSchedule();
            assertEquals(128 * MIB, fs.aggregateBandwidth());
            now.addAndGet(Duration.ofSeconds(25).toNanos());
            readSomething(fs);
            assertEquals(64 * MIB, fs.aggregateBandwidth(), "a read moves the cap to the step of its time");

            fs.setAggregateBandwidth(32 * MIB);
            now.addAndGet(Duration.ofSeconds(60).toNanos());
            assertEquals(32 * MIB, fs.aggregateBandwidth(), "an explicit cap ends the schedule");
            assertThrows(IllegalArgumentException.class, () -> fs.setAggregateBandwidth(-1));
        }
    }

    private void readSomething(FileSystem fs) throws IOException {
        Path file = directory.resolve("f");
        TestFiles.write(file, 4096, 1);
        try (FSDataInputStream in = fs.open(TestFiles.mapped("throttled", "", file))) {
            byte[] buffer = new byte[4096];
            in.readFully(0, buffer);
            assertTrue(buffer.length > 0);
        }
    }
}
