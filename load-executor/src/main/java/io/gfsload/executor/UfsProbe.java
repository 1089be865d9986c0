package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.advisor.BackendProfile;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.PartitionLoad;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the UFS with a few ranged reads of a plan's files, to fill the advisor's
 * {@link BackendProfile} when the user gives no figures ({@code --probe}):
 *
 * <ol>
 *   <li><b>latency</b>: the median time of {@link Options#latencySamples()} one-byte positioned
 *       reads (each a ranged GET) on an open stream of the largest file;
 *   <li><b>per-stream bandwidth</b>: one positioned read of up to {@link Options#readBytes()} of
 *       the largest file, less the latency;
 *   <li><b>aggregate bandwidth</b>: {@link Options#parallelStreams()} streams, each opened on its
 *       own and reading up to {@link Options#readBytes()} at once at different offsets of the
 *       largest files, their bytes over the time the slowest took, less one latency. When the
 *       streams did not reach a cap (the aggregate is at least 70 % of streams x per-stream), the
 *       figure is a lower bound, and the reason says so.
 * </ol>
 *
 * <p>The probe reads at most {@code (parallelStreams + 1) x readBytes + latencySamples} bytes, a
 * second or two on a store of tens of MB/s per stream. Every figure it returns is
 * {@link BackendProfile.Origin#PROBED}. Not for files that change during the probe.
 */
public final class UfsProbe {
    private static final Logger LOG = LoggerFactory.getLogger(UfsProbe.class);
    /**
     * Below this share of streams x per-stream bandwidth, the parallel reads hit a cap. Parallel
     * reads on a busy machine start and end less together than one read, so an uncapped store
     * measures well below streams x per-stream; a cap at half or less of it is clear.
     */
    static final double CAPPED = 0.7;

    /**
     * How much the probe reads.
     *
     * @param latencySamples one-byte reads for the latency, >= 1
     * @param readBytes bytes of one bandwidth read, >= 1
     * @param parallelStreams streams read at once for the aggregate, >= 2
     */
    public record Options(int latencySamples, int readBytes, int parallelStreams) {
        public Options {
            if (latencySamples < 1 || readBytes < 1 || parallelStreams < 2) {
                throw new IllegalArgumentException("invalid probe options: %d samples, %d bytes, %d streams".formatted(latencySamples, readBytes, parallelStreams));
            }
        }

        /** 5 latency samples, 4 MiB reads, 16 streams at once. */
        public static Options defaults() {
            return new Options(5, 4 << 20, 16);
        }
    }

    /**
     * What the probe measured.
     *
     * @param profile the figures, each {@link BackendProfile.Origin#PROBED}
     * @param aggregateIsLowerBound whether the parallel streams reached no cap, so the store may
     *     grant more
     * @param summary one line for the user
     */
    public record Result(BackendProfile profile, boolean aggregateIsLowerBound, String summary) {
        public Result {
            requireNonNull(profile, "profile is null");
            requireNonNull(summary, "summary is null");
        }
    }

    private final Configuration conf;
    private final Options options;

    public UfsProbe(Configuration conf, Options options) {
        this.conf = requireNonNull(conf, "conf is null");
        this.options = requireNonNull(options, "options is null");
    }

    /**
     * Probes the store of {@code plan}'s files, those with blocks to load (all of them when every
     * one is cached); an empty plan (or one of empty files) probes nothing and returns
     * {@link BackendProfile#unknown()}.
     *
     * @throws UncheckedIOException when a probe read fails
     */
    public Result probe(LoadPlan plan) {
        requireNonNull(plan, "plan is null");
        List<FileLoad> files = new ArrayList<>();
        for (PartitionLoad partition : plan.partitions()) {
            partition.files().stream().filter(file -> file.file().length() > 0 && !file.fullyCached()).forEach(files::add);
        }
        if (files.isEmpty()) {
            // nothing left to load: the store is the same for the cached files
            for (PartitionLoad partition : plan.partitions()) {
                partition.files().stream().filter(file -> file.file().length() > 0).forEach(files::add);
            }
        }
        if (files.isEmpty()) {
            return new Result(BackendProfile.unknown(), false, "nothing to probe: no file with bytes");
        }
        files.sort(Comparator.comparingLong((FileLoad file) -> file.file().length()).reversed().thenComparing(file -> file.file().path()));
        try {
            return measure(files);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Probing the UFS failed: " + e.getMessage(), e);
        }
    }

    private Result measure(List<FileLoad> files) throws IOException {
        Path largest = new Path(files.get(0).file().path());
        long largestLength = files.get(0).file().length();
        FileSystem fs = largest.getFileSystem(conf);
        long[] latencies = new long[options.latencySamples()];
        int readBytes = (int) Math.min(options.readBytes(), largestLength);
        long singleNanos;
        try (FSDataInputStream in = fs.open(largest)) {
            byte[] one = new byte[1];
            for (int i = 0; i < latencies.length; i++) {
                long position = largestLength <= 1 ? 0 : (i * 7919L) % largestLength;
                long start = System.nanoTime();
                in.readFully(position, one, 0, 1);
                latencies[i] = System.nanoTime() - start;
            }
            byte[] buffer = new byte[readBytes];
            long start = System.nanoTime();
            in.readFully(0, buffer, 0, readBytes);
            singleNanos = System.nanoTime() - start;
        }
        Arrays.sort(latencies);
        long latency = latencies[latencies.length / 2];
        long perStream = bytesPerSecond(readBytes, singleNanos - latency);

        List<Range> ranges = parallelRanges(files);
        long parallelNanos = readAtOnce(fs, ranges);
        long parallelBytes = ranges.stream().mapToLong(Range::length).sum();
        long aggregate = bytesPerSecond(parallelBytes, parallelNanos - latency);
        boolean lowerBound = aggregate >= CAPPED * ranges.size() * perStream;
        BackendProfile profile = BackendProfile.probed(Duration.ofNanos(Math.max(1, latency)), perStream, aggregate);
        String summary = "probed %s: %s%s (%d one-byte reads, one read of %d bytes, %d streams at once)".formatted(
                largest.toUri().getScheme() == null ? "the UFS" : largest.toUri().getScheme() + "://" + (largest.toUri().getAuthority() == null ? "" : largest.toUri().getAuthority()),
                profile.describe(), lowerBound ? "; the streams reached no cap, so the aggregate is a lower bound" : "",
                latencies.length, readBytes, ranges.size());
        LOG.info("{}", summary);
        return new Result(profile, lowerBound, summary);
    }

    private record Range(Path path, long position, int length) {}

    /** One range per stream: the largest files in turn, each read at successive offsets. */
    private List<Range> parallelRanges(List<FileLoad> files) {
        List<Range> ranges = new ArrayList<>();
        long[] offsets = new long[files.size()];
        boolean progress = true;
        while (ranges.size() < options.parallelStreams() && progress) {
            progress = false;
            for (int i = 0; i < files.size() && ranges.size() < options.parallelStreams(); i++) {
                long length = files.get(i).file().length();
                if (offsets[i] >= length) {
                    continue;
                }
                int bytes = (int) Math.min(options.readBytes(), length - offsets[i]);
                ranges.add(new Range(new Path(files.get(i).file().path()), offsets[i], bytes));
                offsets[i] += bytes;
                progress = true;
            }
        }
        return ranges;
    }

    /** Opens a stream per range, then reads every range at once; returns the time from the first read's start to the last one's end. */
    private long readAtOnce(FileSystem fs, List<Range> ranges) throws IOException {
        AtomicInteger number = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(ranges.size(), runnable -> {
            Thread thread = new Thread(runnable, "gfsload-ufs-probe-" + number.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        });
        List<FSDataInputStream> streams = new ArrayList<>();
        try {
            for (Range range : ranges) {
                streams.add(fs.open(range.path()));
            }
            long start = System.nanoTime();
            List<Future<?>> reads = new ArrayList<>();
            for (int i = 0; i < ranges.size(); i++) {
                Range range = ranges.get(i);
                FSDataInputStream in = streams.get(i);
                reads.add(pool.submit(() -> {
                    in.readFully(range.position(), new byte[range.length()], 0, range.length());
                    return null;
                }));
            }
            for (Future<?> read : reads) {
                read.get();
            }
            return System.nanoTime() - start;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw (InterruptedIOException) new InterruptedIOException("Interrupted while probing").initCause(e);
        }
        catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("A probe read failed: " + e.getCause(), e.getCause());
        }
        finally {
            pool.shutdownNow();
            for (FSDataInputStream stream : streams) {
                stream.close();
            }
        }
    }

    private static long bytesPerSecond(long bytes, long nanos) {
        return Math.max(1, (long) (bytes * 1e9 / Math.max(1_000_000, nanos)));
    }
}
