package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.MoreExecutors;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.fs.GfsConfig;
import io.gfsload.cache.fs.GfsFileSystem;
import io.gfsload.cache.fs.GfsReadStatistics;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.PartitionLoad;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;

/**
 * Scenario P5's readers of one data set: every block read through {@code gfs://} (what a Spark or
 * Hive job does) or through the cache client, from a cluster gfsload warmed before the first run,
 * against the same byte ranges read straight from the throttled store. All read the same ranges
 * (the plan's blocks) with the same number of threads, one range per task, and count what they
 * read; the cache's readers also verify each block's CRC32C. A run of a cache's reader counts only
 * when no byte of it came from the store ({@code store.bytes-read} and, through {@code gfs://},
 * {@code gfs.bytes-from-ufs} 0): a block that was not in the cache would make it a store reader.
 */
final class WarmedReads implements Closeable {
    /** Bytes per read call, on both sides. */
    private static final int READ_BUFFER = 1 << 20;
    /** Room for the data set on top of its size. */
    private static final long CAPACITY_HEADROOM = 256L << 20;

    private final DataSet data;
    private final GfsloadContender.Ufs ufs;
    private final Workspace workspace;
    private final int readers;
    private LocalCluster cluster;
    private CacheClient cache;
    private List<BlockTask> blocks = List.of();
    private List<String> warmSettings = List.of();
    private GfsFileSystem gfs;

    /**
     * @param readers threads reading concurrently, for both contenders; enough for the store's
     *     aggregate cap, which one stream per range cannot reach alone
     */
    WarmedReads(DataSet data, GfsloadContender.Ufs ufs, Workspace workspace, int readers) {
        this.data = requireNonNull(data, "data is null");
        this.ufs = requireNonNull(ufs, "ufs is null");
        this.workspace = requireNonNull(workspace, "workspace is null");
        if (readers < 1) {
            throw new IllegalArgumentException("readers must be >= 1: " + readers);
        }
        this.readers = readers;
    }

    /** Reads through the cache client. */
    Contender cacheReader(String name, String description) {
        return new Reader(name, description) {
            @Override
            long read(BlockTask block, byte[] buffer) throws IOException {
                try (InputStream in = cache.openReader(block.key())) {
                    return drain(in, buffer);
                }
            }

            @Override
            boolean readsTheCache() {
                return true;
            }

            @Override
            public List<String> settings() {
                List<String> settings = new ArrayList<>(List.of("readers = %d threads, one block per task".formatted(readers)));
                warmSettings.forEach(setting -> settings.add("warm-up load: " + setting));
                return settings;
            }
        };
    }

    /**
     * Reads through a {@code gfs://} file system whose root is the data set's directory in the
     * store, one stream per block: open, seek to the block, read it, as a split reader would.
     */
    Contender gfsReader(String name, String description) {
        return new Reader(name, description) {
            @Override
            long read(BlockTask block, byte[] buffer) throws IOException {
                try (FSDataInputStream in = gfs.open(gfs.toGfsPath(new org.apache.hadoop.fs.Path(block.file().path())))) {
                    in.seek(block.offset());
                    return readRange(in, block, buffer);
                }
            }

            @Override
            boolean readsTheCache() {
                return true;
            }

            @Override
            void resetCounters() {
                gfs.readStatistics().reset();
            }

            @Override
            Map<String, Long> counters() {
                GfsReadStatistics.Snapshot stats = gfs.readStatistics().snapshot();
                return Map.of("gfs.bytes-from-cache", stats.bytesFromCache(), "gfs.bytes-from-ufs", stats.bytesFromUfs(),
                        "gfs.ufs-fallbacks", stats.ufsFallbacks());
            }

            @Override
            public List<String> settings() {
                List<String> settings = new ArrayList<>(List.of("readers = %d threads, one block per task and gfs:// stream".formatted(readers)));
                if (gfs != null) {
                    settings.add("gfs:// root = %s, block size %s".formatted(gfs.config().ufsRoot(), Units.bytes(gfs.config().blockSize())));
                }
                warmSettings.forEach(setting -> settings.add("warm-up load: " + setting));
                return settings;
            }
        };
    }

    /** Reads the same ranges from the store, one stream per range. */
    Contender storeReader(String name, String description) {
        return new Reader(name, description) {
            @Override
            long read(BlockTask block, byte[] buffer) throws IOException {
                FileSystem fs = FileSystem.get(URI.create(block.file().path()), ufs.conf());
                try (FSDataInputStream in = fs.open(new org.apache.hadoop.fs.Path(block.file().path()))) {
                    in.seek(block.offset());
                    return readRange(in, block, buffer);
                }
            }

            @Override
            public List<String> settings() {
                return List.of("readers = %d threads, one block-sized range per task and stream".formatted(readers));
            }
        };
    }

    /**
     * Starts a one-worker cluster in the scratch directory and loads the data set into it, once;
     * not timed.
     */
    private synchronized void warm() {
        if (cluster != null) {
            return;
        }
        Path directory = workspace.scratch().resolve(data.id() + "-warmed-cluster");
        cluster = LocalCluster.start(new LocalClusterConfig(directory, 1, data.shape().totalBytes() + CAPACITY_HEADROOM));
        cache = cluster.newClient();
        GfsloadContender.Load load = GfsloadContender.load(cache, ufs, SettingsRule.advisor(Scenarios.backend(Scenarios.STORE)), GfsloadContender.Cluster.ONE_WORKER,
                directory.resolve("jobs"), workspace, io.gfsload.executor.ProgressListener.NONE);
        GfsloadContender.check("P5 warm-up", data, ufs, load);
        blocks = load.plan().partitions().stream()
                .map(PartitionLoad::files)
                .flatMap(List::stream)
                .map(FileLoad::blocks)
                .flatMap(List::stream)
                .toList();
        warmSettings = GfsloadContender.describe(load.settings());
        Configuration conf = new Configuration(ufs.conf());
        conf.set(GfsConfig.MASTER, cluster.masterTarget());
        conf.set(GfsConfig.UFS_ROOT, ufs.path());
        try {
            gfs = (GfsFileSystem) FileSystem.newInstance(URI.create(GfsFileSystem.SCHEME + ":///"), conf);
        }
        catch (IOException e) {
            throw new BenchmarkException("Cannot open gfs:// over " + ufs.path() + ": " + e, e);
        }
    }

    @Override
    public synchronized void close() {
        if (gfs != null) {
            try {
                gfs.close();
            }
            catch (IOException e) {
                throw new BenchmarkException("Cannot close gfs:// over " + ufs.path() + ": " + e, e);
            }
        }
        if (cache != null) {
            cache.close();
        }
        if (cluster != null) {
            cluster.close();
            Directories.deleteAfterRun("the " + data.id() + " cluster", workspace.scratch().resolve(data.id() + "-warmed-cluster"));
        }
    }

    private static long readRange(FSDataInputStream in, BlockTask block, byte[] buffer) throws IOException {
        long read = 0;
        while (read < block.length()) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, block.length() - read));
            if (n < 0) {
                throw new IOException("%s ended at %d, expected %d bytes from %d".formatted(block.file().path(), block.offset() + read,
                        block.length(), block.offset()));
            }
            read += n;
        }
        return read;
    }

    private static long drain(InputStream in, byte[] buffer) throws IOException {
        long read = 0;
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            read += n;
        }
        return read;
    }

    /** Reads every block once with {@link #readers} threads, timed. */
    private abstract class Reader extends NamedContender {

        Reader(String name, String description) {
            super(name, description);
        }

        abstract long read(BlockTask block, byte[] buffer) throws IOException;

        /** Whether this reader reads the warmed cache, so that a run must read no byte from the store. */
        boolean readsTheCache() {
            return false;
        }

        /** Clears the reader's own counters before a run. */
        void resetCounters() {}

        /** The reader's own counters after a run, besides the store's. */
        Map<String, Long> counters() {
            return Map.of();
        }

        @Override
        public RunResult run(int run) {
            warm();
            ThreadLocal<byte[]> buffers = ThreadLocal.withInitial(() -> new byte[READ_BUFFER]);
            AtomicLong bytes = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(readers);
            ufs.probe().reset();
            resetCounters();
            long start = workspace.ticker().read();
            try {
                List<Future<?>> reads = new ArrayList<>(blocks.size());
                for (BlockTask block : blocks) {
                    reads.add(pool.submit(() -> {
                        try {
                            long read = read(block, buffers.get());
                            if (read != block.length()) {
                                throw new BenchmarkException("%s block %d: read %d bytes, expected %d".formatted(block.file().path(), block.index(), read,
                                        block.length()));
                            }
                            bytes.addAndGet(read);
                        }
                        catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }));
                }
                for (Future<?> read : reads) {
                    read.get();
                }
            }
            catch (ExecutionException e) {
                throw new BenchmarkException("P5 %s run %d failed: %s".formatted(name(), run, e.getCause()), e.getCause());
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BenchmarkException("P5 %s run %d was interrupted".formatted(name(), run), e);
            }
            finally {
                MoreExecutors.shutdownAndAwaitTermination(pool, 10, TimeUnit.SECONDS);
            }
            long end = workspace.ticker().read();
            if (bytes.get() != data.shape().totalBytes()) {
                throw new BenchmarkException("P5 %s run %d read %d bytes, expected %d".formatted(name(), run, bytes.get(), data.shape().totalBytes()));
            }
            Map<String, Long> counters = new java.util.TreeMap<>(ufs.probe().counters());
            counters.putAll(counters());
            counters.put("blocks-read", (long) blocks.size());
            long fromStore = counters.getOrDefault("store.bytes-read", 0L);
            long fromUfs = counters.getOrDefault("gfs.bytes-from-ufs", 0L);
            if (readsTheCache() && (fromStore != 0 || fromUfs != 0)) {
                throw new BenchmarkException("P5 %s run %d read %d bytes from the store (gfs.bytes-from-ufs %d), not all from the warmed cache"
                        .formatted(name(), run, fromStore, fromUfs));
            }
            return RunResult.of(run, end - start, bytes.get(), data.shape().files(), counters);
        }
    }
}
