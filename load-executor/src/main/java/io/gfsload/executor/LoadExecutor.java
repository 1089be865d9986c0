package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.InvalidRequestException;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.PartitionLoad;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
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
 * Runs a {@link LoadPlan} with local threads: reads each block from the UFS with positioned reads
 * and streams it to its replica workers.
 *
 * <p>A failed file never fails its neighbours: it is reported with its reason and the other files
 * go on. Memory is bounded by read threads x read buffer.
 */
public final class LoadExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(LoadExecutor.class);
    /** Largest piece handed to the cache client in one write: one gRPC message. */
    static final int MAX_WRITE_BYTES = 1 << 20;

    private final CacheClient cache;
    private final Configuration hadoopConf;
    private final Settings settings;
    private final ProgressListener listener;
    private final Clock clock;

    public LoadExecutor(CacheClient cache, Configuration hadoopConf, Settings settings, ProgressListener listener, Clock clock) {
        this.cache = requireNonNull(cache, "cache is null");
        this.hadoopConf = requireNonNull(hadoopConf, "hadoopConf is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.listener = requireNonNull(listener, "listener is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /**
     * Checks that the cluster can hold the plan before anything is loaded: enough live workers for
     * the replication and, when {@code checkCapacity}, enough free space for the bytes to load
     * times the replication.
     *
     * @throws InvalidRequestException when fewer workers are live than the requested replication
     * @throws InsufficientCapacityException when the plan does not fit
     */
    public void validate(LoadPlan plan, boolean checkCapacity) {
        ClusterInfo cluster = cache.clusterInfo();
        int live = cluster.liveWorkers().size();
        int replication = plan.request().replication();
        if (replication > live) {
            throw new InvalidRequestException("Invalid replication %d: only %d worker%s live".formatted(replication, live, live == 1 ? " is" : "s are"));
        }
        long needed = plan.stats().bytesToLoad() * replication;
        if (checkCapacity && needed > cluster.liveFreeBytes()) {
            throw new InsufficientCapacityException("Not enough cache capacity: the plan needs %d bytes (%d to load x %d replicas), the %d live workers have %d bytes free"
                    .formatted(needed, plan.stats().bytesToLoad(), replication, live, cluster.liveFreeBytes()));
        }
    }

    /**
     * Loads every block of {@code plan} that is not cached yet and reports what happened. Call
     * {@link #validate} first to refuse a plan the cluster cannot hold.
     */
    public LoadReport execute(LoadPlan plan) {
        requireNonNull(plan, "plan is null");
        validate(plan, false);
        long start = clock.millis();
        listener.started(plan);
        int threads = Math.toIntExact(settings.value(Settings.UFS_READ_THREADS));
        int readBuffer = Math.toIntExact(settings.value(Settings.READ_BUFFER_BYTES));
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "gfsload-ufs-read-" + threadNumber.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        });
        ThreadLocal<byte[]> buffers = ThreadLocal.withInitial(() -> new byte[readBuffer]);
        List<PartitionReport> partitions = new ArrayList<>();
        try {
            List<List<Future<FileReport>>> futures = new ArrayList<>();
            for (PartitionLoad partition : plan.partitions()) {
                List<Future<FileReport>> files = new ArrayList<>();
                for (FileLoad file : partition.files()) {
                    files.add(pool.submit(() -> loadFile(file, plan.request().replication(), buffers.get())));
                }
                futures.add(files);
            }
            for (int i = 0; i < futures.size(); i++) {
                List<FileReport> files = new ArrayList<>();
                for (Future<FileReport> future : futures.get(i)) {
                    files.add(future.get());
                }
                partitions.add(new PartitionReport(plan.partitions().get(i).name(), files));
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while loading", e);
        }
        catch (ExecutionException e) {
            throw new IllegalStateException("A load task failed unexpectedly: " + e.getCause(), e.getCause());
        }
        finally {
            pool.shutdownNow();
        }
        long duration = Math.max(0, clock.millis() - start);
        LoadTotals totals = LoadTotals.of(partitions, plan.stats().cachedBytes());
        LoadReport report = new LoadReport(
                plan.request().target().describe(),
                state(totals),
                plan.request().replication(),
                totals,
                partitions,
                duration,
                duration == 0 ? totals.bytesLoaded() * 1000 : totals.bytesLoaded() * 1000 / duration,
                settings.values());
        listener.finished(report);
        return report;
    }

    private static LoadState state(LoadTotals totals) {
        if (totals.blocksFailed() == 0) {
            return LoadState.SUCCEEDED;
        }
        return totals.blocksLoaded() + totals.blocksAlreadyCached() > 0 ? LoadState.PARTIAL : LoadState.FAILED;
    }

    private FileReport loadFile(FileLoad file, int replication, byte[] buffer) {
        int cached = (int) file.blocks().stream().filter(BlockTask::cached).count();
        int loaded = 0;
        long bytesLoaded = 0;
        List<BlockTask> toLoad = file.blocks().stream().filter(b -> !b.cached()).toList();
        String path = file.file().path();
        if (toLoad.isEmpty()) {
            return new FileReport(path, file.file().length(), file.blocks().size(), 0, cached, 0, 0, null);
        }
        Path ufsPath = new Path(path);
        try (FSDataInputStream in = ufsPath.getFileSystem(hadoopConf).open(ufsPath)) {
            for (BlockTask block : toLoad) {
                loadBlock(in, block, replication, buffer);
                loaded++;
                bytesLoaded += block.length();
                listener.blockLoaded(block);
            }
            return new FileReport(path, file.file().length(), file.blocks().size(), loaded, cached, 0, bytesLoaded, null);
        }
        catch (IOException | RuntimeException e) {
            String error = e.getClass().getSimpleName() + ": " + e.getMessage();
            LOG.warn("Loading {} failed: {}", path, error);
            listener.fileFailed(path, error);
            return new FileReport(path, file.file().length(), file.blocks().size(), loaded, cached, toLoad.size() - loaded, bytesLoaded, error);
        }
    }

    private void loadBlock(FSDataInputStream in, BlockTask block, int replication, byte[] buffer) throws IOException {
        try (BlockWriter writer = cache.openWriter(block.key(), block.length(), replication)) {
            long position = block.offset();
            long end = block.offset() + block.length();
            while (position < end) {
                int length = (int) Math.min(buffer.length, end - position);
                in.readFully(position, buffer, 0, length);
                for (int offset = 0; offset < length; offset += MAX_WRITE_BYTES) {
                    writer.write(buffer, offset, Math.min(MAX_WRITE_BYTES, length - offset));
                }
                position += length;
            }
            writer.commit();
        }
    }
}
