package io.gfsload.ufs.simulator;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.util.Random;
import java.util.concurrent.atomic.LongAdder;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;

/**
 * Local files whose reads fail as a flaky or misconfigured store's would: {@code faulty:///abs/path}
 * (or {@code faulty://name/abs/path}) reads the local file {@code /abs/path}.
 *
 * <p>Transient faults: each read call of at least one byte (sequential or positioned) draws once
 * from a {@link Random} seeded with {@code fs.faulty.seed} and fails, with probability
 * {@code fs.faulty.transient.fraction}, with an {@link IOException} whose message contains
 * {@code Connection reset (injected)}; the stream stays usable, so a retry of the same read can
 * succeed. The draws are one sequence per instance, so a single-threaded reader sees the same
 * faults at the same reads for the same seed. Permanent faults: opening a path that matches
 * {@code fs.faulty.permanent.paths} (comma-separated globs over the absolute local path, or
 * suffixes) always fails, with an {@link AccessDeniedException} "Permission denied (injected)" or,
 * when {@code fs.faulty.permanent.error=not-found}, a {@link FileNotFoundException}. Everything
 * else passes the data through unchanged; listing, status and writes never fail.
 *
 * <table>
 *   <caption>Configuration</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code fs.faulty.transient.fraction}</td><td>0</td><td>share of read calls failing with "Connection reset (injected)"</td></tr>
 *   <tr><td>{@code fs.faulty.permanent.paths}</td><td>(none)</td><td>globs or suffixes of paths that never open</td></tr>
 *   <tr><td>{@code fs.faulty.permanent.error}</td><td>{@code permission-denied}</td><td>or {@code not-found}</td></tr>
 *   <tr><td>{@code fs.faulty.permanent.detail}</td><td>(none)</td><td>added to a permanent fault's message after {@code ": "}</td></tr>
 *   <tr><td>{@code fs.faulty.seed}</td><td>0</td><td>seed of the transient-fault draws</td></tr>
 * </table>
 *
 * <p>Registered for the scheme {@code faulty} through {@code META-INF/services}
 * ({@code fs.faulty.impl=io.gfsload.ufs.simulator.FaultyFileSystem} where service loading is off).
 * The configuration is read once per instance and Hadoop caches instances: use
 * {@link org.apache.hadoop.fs.FileSystem#newInstance} or {@code fs.faulty.impl.disable.cache=true}
 * in tests. Thread-safe.
 */
public final class FaultyFileSystem extends LocalMappedFileSystem {
    public static final String SCHEME = "faulty";
    /** Set to {@code true}, files' statuses carry an etag, the MD5 of their bytes, as an object store's do. */
    public static final String ETAGS_KEY = "fs." + SCHEME + ETAGS_SUFFIX;
    /** The message every transient fault contains. */
    public static final String CONNECTION_RESET = "Connection reset (injected)";
    /** The message a permanent permission fault contains. */
    public static final String PERMISSION_DENIED = "Permission denied (injected)";
    private static final int CHUNK_BYTES = 1 << 20;

    private FaultyConfig config = FaultyConfig.defaults();
    private Random faultDraws;
    private final LongAdder reads = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder transientFaults = new LongAdder();
    private final LongAdder permanentFaults = new LongAdder();

    /**
     * Counters of one instance since it was created or last reset.
     *
     * @param reads read calls of at least one byte, failed ones included
     * @param bytesRead bytes returned to readers
     * @param transientFaults reads failed with "Connection reset (injected)"
     * @param permanentFaults opens failed because the path is permanently faulty
     */
    public record Stats(long reads, long bytesRead, long transientFaults, long permanentFaults) {}

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public void initialize(URI name, Configuration conf) throws IOException {
        super.initialize(name, conf);
        config = FaultyConfig.from(conf);
        faultDraws = new Random(config.seed());
    }

    /** The settings this instance was created with. */
    public FaultyConfig config() {
        return config;
    }

    /** A snapshot of the counters. */
    public Stats stats() {
        return new Stats(reads.sum(), bytesRead.sum(), transientFaults.sum(), permanentFaults.sum());
    }

    /** Sets every counter to zero; the fault draws go on as they were. */
    public void resetStats() {
        reads.reset();
        bytesRead.reset();
        transientFaults.reset();
        permanentFaults.reset();
    }

    /**
     * Opens {@code f}, unless it is permanently faulty.
     *
     * @throws AccessDeniedException "Permission denied (injected)" for a permanently faulty path
     * @throws FileNotFoundException when the file does not exist, or it is permanently faulty with
     *     {@code not-found}
     */
    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        String local = toLocal(f).toUri().getPath();
        if (config.isPermanentlyFaulty(local)) {
            permanentFaults.increment();
            String detail = config.permanentDetail().isEmpty() ? "" : ": " + config.permanentDetail();
            throw switch (config.permanentError()) {
                case PERMISSION_DENIED -> new AccessDeniedException(f.toString(), null, PERMISSION_DENIED + detail);
                case NOT_FOUND -> new FileNotFoundException("File " + f + " does not exist (injected)" + detail);
            };
        }
        FileChannel channel = openChannel(f);
        try {
            return new FSDataInputStream(new SimulatedInputStream(f, channel, new Policy(f), CHUNK_BYTES));
        }
        catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private synchronized double draw() {
        return faultDraws.nextDouble();
    }

    /** Draws once per read call; counts bytes. */
    private final class Policy implements StreamPolicy {
        private final Path path;

        Policy(Path path) {
            this.path = path;
        }

        @Override
        public void beforeRequest(long position) {}

        @Override
        public void beforeRead(long position) throws IOException {
            reads.increment();
            if (draw() < config.transientFraction()) {
                transientFaults.increment();
                throw new IOException(CONNECTION_RESET + " reading " + path + " at " + position);
            }
        }

        @Override
        public void transferred(int bytes) {
            bytesRead.add(bytes);
        }

        @Override
        public void delivered() {}
    }
}
