package io.gfsload.ufs.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The throttled store charges every request its configured latency and every byte to the limiters
 * of its stream and of the instance, at their configured rates: what it asks of its {@link Pacing},
 * recorded instead of waited for, so that no case depends on the machine's speed. The time a read
 * takes follows from it: the latencies, then the bytes at the tightest rate they pass through
 * (Guava's limiters, {@link Pacing#SYSTEM}, hold the rates in real time).
 */
class TestThrottledFileSystemPacing {
    private static final int MIB = 1 << 20;
    private static final long LATENCY_MILLIS = 50;

    @TempDir
    java.nio.file.Path dir;

    @Test
    void everyRequestWaitsTheConfiguredLatency() throws Exception {
        TestFiles.write(dir.resolve("a.bin"), 64 << 10, 1);
        RecordingPacing pacing = new RecordingPacing();
        try (ThrottledFileSystem fs = newFs(new ThrottledConfig(Duration.ofMillis(LATENCY_MILLIS), 0, 0, 0, 0), pacing)) {
            try (FSDataInputStream in = fs.open(TestFiles.mapped("throttled", null, dir.resolve("a.bin")))) {
                byte[] buffer = new byte[1024];
                for (int i = 1; i < 30; i++) {
                    in.readFully(i * 1024L, buffer);
                }
            }
            assertEquals(30, fs.stats().requests());
        }
        assertEquals(Collections.nCopies(30, "latency 50 ms"), pacing.trace(), "the open and 29 positioned reads, no limiter");
        assertEquals(1.5, pacing.seconds(), 1e-9);
    }

    @Test
    void oneStreamReadsAtTheConfiguredBandwidth() throws Exception {
        TestFiles.write(dir.resolve("a.bin"), 8 * MIB, 2);
        RecordingPacing pacing = new RecordingPacing();
        try (ThrottledFileSystem fs = newFs(new ThrottledConfig(Duration.ZERO, 4L * MIB, 0, 0, 0), pacing)) {
            try (FSDataInputStream in = fs.open(TestFiles.mapped("throttled", null, dir.resolve("a.bin")))) {
                byte[] buffer = new byte[MIB];
                for (int i = 0; i < 8; i++) {
                    in.readFully((long) i * MIB, buffer);
                }
            }
            assertEquals(8L * MIB, fs.stats().bytesRead());
        }
        // the stream's limiter alone, no latency: each read's bytes, then one byte more, so that the
        // read returns once its own last chunk is due
        assertEquals(List.of("limiter 0 at 4194304 B/s: " + (8L * MIB + 8) + " B"), pacing.trace());
        RecordingPacing.Limiter stream = pacing.limiters().get(0);
        assertTrue(stream.largestAcquire() <= 4 * MIB / 20, "chunks of at most 1/20 s of the limit, so that it acts within a read: " + stream.largestAcquire());
        assertEquals(2.0, pacing.seconds(), 1e-5, "8 MiB at 4 MiB/s");
    }

    @Test
    void eachRequestPaysItsLatencyAndThenItsBytes() throws Exception {
        TestFiles.write(dir.resolve("a.bin"), 8 * MIB, 3);
        RecordingPacing pacing = new RecordingPacing();
        try (ThrottledFileSystem fs = newFs(new ThrottledConfig(Duration.ofMillis(LATENCY_MILLIS), 4L * MIB, 0, 0, 0), pacing)) {
            try (FSDataInputStream in = fs.open(TestFiles.mapped("throttled", null, dir.resolve("a.bin")))) {
                byte[] buffer = new byte[256 << 10];
                for (int i = 0; i < 20; i++) {
                    in.readFully((long) i * buffer.length, buffer);
                }
            }
            assertEquals(new ThrottledFileSystem.Stats(21, 20L * (256 << 10), 0), fs.stats());
        }
        // the open, then 20 ranged reads of 256 KiB: 50 ms + 20 x (50 ms + 62.5 ms)
        List<String> expected = new ArrayList<>(List.of("latency 50 ms"));
        for (int i = 0; i < 20; i++) {
            expected.add("latency 50 ms");
            expected.add("limiter 0 at 4194304 B/s: " + ((256 << 10) + 1) + " B");
        }
        assertEquals(expected, pacing.trace());
        assertEquals(2.3, pacing.seconds(), 1e-5);
    }

    @Test
    void concurrentStreamsShareTheAggregateCap() throws Exception {
        int streams = 4;
        for (int i = 0; i < streams; i++) {
            TestFiles.write(dir.resolve("f" + i + ".bin"), 4 * MIB, 10 + i);
        }
        RecordingPacing pacing = new RecordingPacing();
        // each stream alone could read at 4 MiB/s, twice its share of the 8 MiB/s cap
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(streams, runnable -> new Thread(runnable, "test-throttled-reader-" + threadNumber.getAndIncrement()));
        try (ThrottledFileSystem fs = newFs(new ThrottledConfig(Duration.ZERO, 4L * MIB, 8L * MIB, 0, 0), pacing)) {
            List<Future<?>> readers = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                Path file = TestFiles.mapped("throttled", null, dir.resolve("f" + i + ".bin"));
                readers.add(pool.submit(() -> {
                    try (FSDataInputStream in = fs.open(file)) {
                        in.readFully(0, new byte[4 * MIB]);
                    }
                    return null;
                }));
            }
            for (Future<?> reader : readers) {
                reader.get();
            }
            assertEquals(16L * MIB, fs.stats().bytesRead());
        }
        finally {
            pool.shutdownNow();
        }
        List<RecordingPacing.Limiter> limiters = pacing.limiters();
        assertEquals(1 + streams, limiters.size(), "the instance's and one per stream");
        assertEquals(8L * MIB, limiters.get(0).bytesPerSecond());
        assertEquals(16L * MIB + streams, limiters.get(0).acquired(), "every stream's bytes pass the aggregate cap");
        for (RecordingPacing.Limiter stream : limiters.subList(1, limiters.size())) {
            assertEquals(4L * MIB, stream.bytesPerSecond());
            assertEquals(4L * MIB + 1, stream.acquired());
        }
        assertEquals(2.0, pacing.seconds(), 1e-5, "16 MiB at the 8 MiB/s cap, not 4 MiB at 4 MiB/s each");
    }

    private static ThrottledFileSystem newFs(ThrottledConfig config, Pacing pacing) throws IOException {
        ThrottledFileSystem fs = TestFiles.newInstance(ThrottledFileSystem.class, "throttled", null, config.applyTo(new Configuration()));
        assertEquals(config, fs.config());
        fs.usePacing(pacing);
        return fs;
    }

    /**
     * Records what a store asks of its pacing and returns at once. {@link #seconds} is the least
     * time the same calls take in real time: the latencies, which one reader waits one after
     * another, and the bytes of the busiest limiter at its rate.
     */
    private static final class RecordingPacing implements Pacing {
        private final List<Limiter> limiters = Collections.synchronizedList(new ArrayList<>());
        private final List<String> events = Collections.synchronizedList(new ArrayList<>());
        private final LongAdder latencyNanos = new LongAdder();

        @Override
        public void sleep(Duration duration) {
            latencyNanos.add(duration.toNanos());
            events.add("latency " + duration.toMillis() + " ms");
        }

        @Override
        public synchronized Limiter limiter(long bytesPerSecond) {
            Limiter limiter = new Limiter(limiters.size(), bytesPerSecond);
            limiters.add(limiter);
            return limiter;
        }

        List<Limiter> limiters() {
            synchronized (limiters) {
                return List.copyOf(limiters);
            }
        }

        /** The calls in order, a limiter's consecutive acquires as one. */
        List<String> trace() {
            List<String> trace = new ArrayList<>();
            String limiter = null;
            long bytes = 0;
            synchronized (events) {
                for (String event : events) {
                    int colon = event.indexOf(": ");
                    String name = colon < 0 ? null : event.substring(0, colon);
                    if (limiter != null && !limiter.equals(name)) {
                        trace.add(limiter + ": " + bytes + " B");
                        limiter = null;
                    }
                    if (name == null) {
                        trace.add(event);
                    }
                    else {
                        bytes = (limiter == null ? 0 : bytes) + Long.parseLong(event.substring(colon + 2));
                        limiter = name;
                    }
                }
            }
            if (limiter != null) {
                trace.add(limiter + ": " + bytes + " B");
            }
            return trace;
        }

        double seconds() {
            double bytes = limiters().stream().mapToDouble(limiter -> (double) limiter.acquired() / limiter.bytesPerSecond()).max().orElse(0);
            return latencyNanos.sum() / 1e9 + bytes;
        }

        final class Limiter implements Pacing.Limiter {
            private final String name;
            private volatile long bytesPerSecond;
            private final LongAdder acquired = new LongAdder();
            private final AtomicInteger largest = new AtomicInteger();

            Limiter(int index, long bytesPerSecond) {
                this.name = "limiter " + index + " at " + bytesPerSecond + " B/s";
                this.bytesPerSecond = bytesPerSecond;
            }

            @Override
            public void acquire(int bytes) {
                acquired.add(bytes);
                largest.accumulateAndGet(bytes, Math::max);
                events.add(name + ": " + bytes);
            }

            @Override
            public void setRate(long rate) {
                bytesPerSecond = rate;
            }

            long bytesPerSecond() {
                return bytesPerSecond;
            }

            long acquired() {
                return acquired.sum();
            }

            int largestAcquire() {
                return largest.get();
            }
        }
    }
}
