package io.gfsload.ufs.simulator;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;

/**
 * Local files behind the latency, bandwidth and throttling of a remote object store (COS, S3):
 * {@code throttled:///abs/path} (or {@code throttled://name/abs/path}) reads the local file
 * {@code /abs/path}.
 *
 * <p>Every request waits {@code fs.throttled.request.latency.ms} before its first byte. A request
 * is an open, a positioned read ({@code read(position, ...)}, {@code readFully(position, ...)}:
 * one ranged GET each) or the first sequential read after a seek to another offset; sequential
 * reads after an open continue the open's request. Bytes then flow at most at
 * {@code fs.throttled.stream.bandwidth.bytes-per-second} per stream and, over all streams of this
 * instance together, at {@code fs.throttled.aggregate.bandwidth.bytes-per-second} (Guava
 * {@code RateLimiter}s without burst, {@link Pacing#SYSTEM}; 0 = unlimited). A fraction
 * {@code fs.throttled.throttle.fraction} of requests, drawn from a {@link Random} seeded with
 * {@code fs.throttled.seed}, fails after its latency with an {@link IOException} whose message
 * contains {@code 503 Slow Down}. Listing, status and writes are neither delayed nor throttled.
 *
 * <p>The aggregate bandwidth can change during a run: {@code fs.throttled.aggregate.bandwidth.schedule}
 * (e.g. {@code 0s:128MB,20s:64MB,40s:128MB}) sets it over time from the instance's creation or
 * its last {@link #restartSchedule()}, and {@link #setAggregateBandwidth} sets it at once (and
 * ends the schedule). A change applies to the bytes requested after it.
 *
 * <table>
 *   <caption>Configuration</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code fs.throttled.request.latency.ms}</td><td>0</td><td>time to first byte of each request, ms</td></tr>
 *   <tr><td>{@code fs.throttled.stream.bandwidth.bytes-per-second}</td><td>0</td><td>per-stream limit, 0 = unlimited</td></tr>
 *   <tr><td>{@code fs.throttled.aggregate.bandwidth.bytes-per-second}</td><td>0</td><td>limit shared by all streams of the instance, 0 = unlimited</td></tr>
 *   <tr><td>{@code fs.throttled.throttle.fraction}</td><td>0</td><td>share of requests failing with "503 Slow Down", in [0, 1]</td></tr>
 *   <tr><td>{@code fs.throttled.seed}</td><td>0</td><td>seed of the throttling draws</td></tr>
 * </table>
 *
 * <p>Registered for the scheme {@code throttled} through {@code META-INF/services}; where service
 * loading is off, set {@code fs.throttled.impl=io.gfsload.ufs.simulator.ThrottledFileSystem}.
 * Hadoop caches one instance per scheme, authority and user, and the configuration is read once
 * when the instance is created: use {@link org.apache.hadoop.fs.FileSystem#newInstance} or
 * {@code fs.throttled.impl.disable.cache=true} for a store with other settings, or a different
 * authority. {@link #resetStats()} clears the counters of a cached instance between measurements.
 *
 * <p>Thread-safe. Latency is real time ({@link Thread#sleep}); an interrupted wait fails the
 * request with an {@link InterruptedIOException}. Tests give a store a {@link Pacing} of their own
 * ({@link #usePacing}), which sees each latency and each limiter's bytes without waiting.
 */
public final class ThrottledFileSystem extends LocalMappedFileSystem {
    public static final String SCHEME = "throttled";
    /** Set to {@code true}, files' statuses carry an etag, the MD5 of their bytes, as an object store's do. */
    public static final String ETAGS_KEY = "fs." + SCHEME + ETAGS_SUFFIX;
    /** The message every throttling error contains, as COS and S3 phrase it. */
    public static final String SLOW_DOWN = "503 Slow Down";
    /**
     * Bytes flow in chunks of about 1/20 s of the tightest limit: each chunk is one wait on a
     * limiter, and a wait that overshoots (a busy machine wakes threads late) is time lost for
     * good, so fewer, larger chunks keep a limit accurate; within these bounds a limit still acts
     * smoothly inside one large read.
     */
    private static final int CHUNKS_PER_SECOND = 20;
    private static final int MIN_CHUNK_BYTES = 64 << 10;
    private static final int MAX_CHUNK_BYTES = 1 << 20;

    private ThrottledConfig config = ThrottledConfig.defaults();
    private volatile Pacing pacing = Pacing.SYSTEM;
    /** Null while unlimited; replaced, never mutated in place, when the bandwidth changes to or from unlimited. */
    private volatile Pacing.Limiter aggregateLimiter;
    /** The aggregate bandwidth in force, 0 = unlimited; guarded by this for changes. */
    private volatile long aggregateBytesPerSecond;
    /** The schedule in force; empty once {@link #setAggregateBandwidth} took over. */
    private volatile BandwidthSchedule schedule = BandwidthSchedule.none();
    private volatile long scheduleStartNanos;
    private volatile LongSupplier nanoTime = System::nanoTime;
    private int chunkBytes = MAX_CHUNK_BYTES;
    private Random throttleDraws;
    private final LongAdder requests = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder throttledErrors = new LongAdder();

    /**
     * Counters of one instance since it was created or last reset.
     *
     * @param requests requests made, throttled ones included
     * @param bytesRead bytes returned to readers
     * @param throttledErrors requests that failed with "503 Slow Down"
     */
    public record Stats(long requests, long bytesRead, long throttledErrors) {}

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public void initialize(URI name, Configuration conf) throws IOException {
        super.initialize(name, conf);
        config = ThrottledConfig.from(conf);
        schedule = config.aggregateSchedule();
        scheduleStartNanos = nanoTime.getAsLong();
        long aggregate = schedule.isEmpty() ? config.aggregateBytesPerSecond() : schedule.bytesPerSecondAt(Duration.ZERO);
        aggregateBytesPerSecond = aggregate;
        aggregateLimiter = limiter(aggregate);
        chunkBytes = chunkBytes(config);
        throttleDraws = new Random(config.seed());
    }

    /** The settings this instance was created with. */
    public ThrottledConfig config() {
        return config;
    }

    /** A snapshot of the counters. */
    public Stats stats() {
        return new Stats(requests.sum(), bytesRead.sum(), throttledErrors.sum());
    }

    /** The aggregate bandwidth in force now, in bytes per second; 0 = unlimited. */
    public long aggregateBandwidth() {
        applySchedule();
        return aggregateBytesPerSecond;
    }

    /**
     * Sets the aggregate bandwidth shared by all streams from now on, as a bucket's cap that
     * changes under a running load would; ends the schedule, if any.
     *
     * @param bytesPerSecond 0 = unlimited
     */
    public synchronized void setAggregateBandwidth(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("bytesPerSecond must be >= 0 (0 = unlimited): " + bytesPerSecond);
        }
        schedule = BandwidthSchedule.none();
        changeAggregate(bytesPerSecond);
    }

    /**
     * Spends this store's time through {@code pacing} from now on: the latency of each request, and
     * the limiters of the aggregate bandwidth and of the streams opened from now on; for tests.
     */
    synchronized void usePacing(Pacing pacing) {
        this.pacing = requireNonNull(pacing, "pacing is null");
        aggregateLimiter = limiter(aggregateBytesPerSecond);
    }

    /** Reads the schedule's time from {@code ticker} from now on, and restarts the schedule; for tests. */
    synchronized void useTicker(LongSupplier ticker) {
        nanoTime = ticker;
        restartSchedule();
    }

    /** Starts the schedule of {@code fs.throttled.aggregate.bandwidth.schedule} over, from its first step, now. */
    public synchronized void restartSchedule() {
        schedule = config.aggregateSchedule();
        scheduleStartNanos = nanoTime.getAsLong();
        if (!schedule.isEmpty()) {
            changeAggregate(schedule.bytesPerSecondAt(Duration.ZERO));
        }
    }

    /** Moves the aggregate bandwidth to the schedule's step of now, when there is a schedule. */
    private void applySchedule() {
        BandwidthSchedule current = schedule;
        if (current.isEmpty()) {
            return;
        }
        long scheduled = current.bytesPerSecondAt(Duration.ofNanos(nanoTime.getAsLong() - scheduleStartNanos));
        if (scheduled != aggregateBytesPerSecond) {
            synchronized (this) {
                if (schedule == current && scheduled != aggregateBytesPerSecond) {
                    changeAggregate(scheduled);
                }
            }
        }
    }

    /** Guarded by this. */
    private void changeAggregate(long bytesPerSecond) {
        Pacing.Limiter limiter = aggregateLimiter;
        if (bytesPerSecond == 0) {
            aggregateLimiter = null;
        }
        else if (limiter == null) {
            aggregateLimiter = limiter(bytesPerSecond);
        }
        else {
            limiter.setRate(bytesPerSecond);
        }
        aggregateBytesPerSecond = bytesPerSecond;
    }

    /** Sets every counter to zero; the limiters and the throttling draws go on as they were. */
    public void resetStats() {
        requests.reset();
        bytesRead.reset();
        throttledErrors.reset();
    }

    /**
     * Opens {@code f} after one request's latency.
     *
     * @throws java.io.FileNotFoundException when the file does not exist or is a directory
     * @throws IOException "503 Slow Down" when the request is throttled
     */
    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        request("open", f, 0);
        FileChannel channel = openChannel(f);
        try {
            return new FSDataInputStream(new SimulatedInputStream(f, channel, new Policy(f, limiter(config.streamBytesPerSecond())), chunkBytes));
        }
        catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Counts a request, waits its latency and fails it when the draw says it is throttled. */
    private void request(String what, Path path, long position) throws IOException {
        requests.increment();
        boolean throttled = config.throttleFraction() > 0 && draw() < config.throttleFraction();
        Duration latency = config.requestLatency();
        if (latency.toNanos() > 0) {
            try {
                pacing.sleep(latency);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw (InterruptedIOException) new InterruptedIOException("Interrupted during the latency of " + what + " " + path).initCause(e);
            }
        }
        if (throttled) {
            throttledErrors.increment();
            throw new IOException(SLOW_DOWN + " (simulated throttling of " + what + " " + path + " at " + position + ")");
        }
    }

    private static int chunkBytes(ThrottledConfig config) {
        long tightest = Long.MAX_VALUE;
        long[] limits = java.util.stream.LongStream.concat(java.util.stream.LongStream.of(config.streamBytesPerSecond(), config.aggregateBytesPerSecond()),
                config.aggregateSchedule().steps().stream().mapToLong(BandwidthSchedule.Step::bytesPerSecond)).toArray();
        for (long limit : limits) {
            if (limit > 0) {
                tightest = Math.min(tightest, limit);
            }
        }
        return (int) Math.max(MIN_CHUNK_BYTES, Math.min(MAX_CHUNK_BYTES, tightest / CHUNKS_PER_SECOND));
    }

    private synchronized double draw() {
        return throttleDraws.nextDouble();
    }

    /** A limiter of {@code bytesPerSecond} from this store's pacing, null for unlimited. */
    private Pacing.Limiter limiter(long bytesPerSecond) {
        return bytesPerSecond == 0 ? null : pacing.limiter(bytesPerSecond);
    }

    /** The behaviour of one open stream: its own limiter, the instance's shared one and counters. */
    private final class Policy implements StreamPolicy {
        private final Path path;
        private final Pacing.Limiter streamLimiter;

        Policy(Path path, Pacing.Limiter streamLimiter) {
            this.path = path;
            this.streamLimiter = streamLimiter;
        }

        @Override
        public void beforeRequest(long position) throws IOException {
            request("read", path, position);
        }

        @Override
        public void beforeRead(long position) {}

        @Override
        public void transferred(int bytes) {
            // Guava charges a reservation to the next caller: each chunk waits for the ones before it...
            if (streamLimiter != null) {
                streamLimiter.acquire(bytes);
            }
            applySchedule();
            Pacing.Limiter aggregate = aggregateLimiter;
            if (aggregate != null) {
                aggregate.acquire(bytes);
            }
            bytesRead.add(bytes);
        }

        @Override
        public void delivered() {
            // ...and the read returns only once its own last chunk is paid for (a one-byte reservation).
            if (streamLimiter != null) {
                streamLimiter.acquire(1);
            }
            Pacing.Limiter aggregate = aggregateLimiter;
            if (aggregate != null) {
                aggregate.acquire(1);
            }
        }
    }
}
