package io.gfsload.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.GarbageCollectionNotificationInfo;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.catalog.HiveCatalog;
import io.gfsload.catalog.RetryingCachingCatalog;
import io.gfsload.catalog.TableName;
import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadPlanner;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PartitionSelection;
import io.gfsload.planner.PlannerConfig;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * The main class of one P4 run, in a JVM of its own whose heap is what P4 reports: either gfsload
 * planning a whole table ({@code plan}: the Thrift catalog, Hadoop listing and the cache cluster's
 * cached-block queries, as {@code gfsload plan} runs them) or the baseline, one thread listing the
 * table's directory recursively with Hadoop's FileSystem API ({@code list}). Writes a
 * {@link PlanningRunResult} as JSON.
 *
 * <p>Arguments: {@code plan METASTORE_URI DB.TABLE MASTER RESULT_FILE} or
 * {@code list TABLE_LOCATION RESULT_FILE}.
 */
public final class PlanningRun {
    private PlanningRun() {}

    public static void main(String[] args) throws IOException {
        HeapWatch heap = HeapWatch.start();
        PlanningRunResult result;
        Path resultFile;
        if (args.length == 5 && args[0].equals("plan")) {
            resultFile = Path.of(args[4]);
            result = plan(URI.create(args[1]), TableName.parse(args[2]), args[3], heap);
        }
        else if (args.length == 3 && args[0].equals("list")) {
            resultFile = Path.of(args[2]);
            result = list(args[1], heap);
        }
        else {
            throw new IllegalArgumentException("usage: PlanningRun plan METASTORE_URI DB.TABLE MASTER RESULT_FILE | list TABLE_LOCATION RESULT_FILE");
        }
        Path temporary = resultFile.resolveSibling(resultFile.getFileName() + ".tmp");
        new ObjectMapper().writeValue(temporary.toFile(), result);
        Files.move(temporary, resultFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        // gRPC and Hadoop leave threads behind that would keep the JVM up for a while.
        System.exit(0);
    }

    private static PlanningRunResult plan(URI metastore, TableName table, String master, HeapWatch heap) {
        long start = System.nanoTime();
        long cpuStart = CpuTime.processNanos();
        LoadPlan plan;
        try (HiveCatalog catalog = new RetryingCachingCatalog(ThriftHiveCatalog.connect(metastore), 3, Duration.ofMillis(500));
                GrpcCacheClient cache = GrpcCacheClient.connect(master)) {
            LoadPlanner planner = new LoadPlanner(Optional.of(catalog), new Configuration(), cache::cachedBlocks, PlannerConfig.defaults());
            plan = planner.plan(new LoadRequest(new LoadTarget.Table(table, new PartitionSelection.All()), 1));
        }
        long nanos = System.nanoTime() - start;
        long cpuNanos = CpuTime.processNanos() - cpuStart;
        long retained = heap.retainedBytes();
        return new PlanningRunResult(nanos, cpuNanos, plan.partitions().size(), plan.stats().files(), plan.stats().bytes(), plan.stats().blocks(),
                plan.stats().cachedBlocks(), plan.taskSets().size(), heap.maxBytes(), heap.peakUsedBytes(), heap.peakAfterGcBytes(), retained,
                heap.collections());
    }

    private static PlanningRunResult list(String location, HeapWatch heap) throws IOException {
        long start = System.nanoTime();
        long cpuStart = CpuTime.processNanos();
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(location);
        FileSystem fs = root.getFileSystem(new Configuration());
        long[] totals = new long[2];
        walk(fs, root, totals);
        long nanos = System.nanoTime() - start;
        long cpuNanos = CpuTime.processNanos() - cpuStart;
        return new PlanningRunResult(nanos, cpuNanos, 0, totals[0], totals[1], 0, 0, 0, heap.maxBytes(), heap.peakUsedBytes(), heap.peakAfterGcBytes(),
                heap.retainedBytes(), heap.collections());
    }


    /** Counts the visible files under {@code directory} (Hive's rule: no names starting with {@code _} or {@code .}). */
    private static void walk(FileSystem fs, org.apache.hadoop.fs.Path directory, long[] totals) throws IOException {
        RemoteIterator<FileStatus> children = fs.listStatusIterator(directory);
        while (children.hasNext()) {
            FileStatus child = children.next();
            String name = child.getPath().getName();
            if (name.startsWith("_") || name.startsWith(".")) {
                continue;
            }
            if (child.isDirectory()) {
                walk(fs, child.getPath(), totals);
            }
            else if (child.isFile()) {
                totals[0]++;
                totals[1] += child.getLen();
            }
        }
    }

    /**
     * The heap's high-water marks: the most used just before a collection (garbage included; also
     * the pools' own peaks) and the most used just after one (an upper bound of the live data).
     */
    private static final class HeapWatch {
        private final AtomicLong peakBeforeGc = new AtomicLong();
        private final AtomicLong peakAfterGc = new AtomicLong();
        private final AtomicLong collections = new AtomicLong();

        static HeapWatch start() {
            HeapWatch watch = new HeapWatch();
            for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (collector instanceof NotificationEmitter emitter) {
                    emitter.addNotificationListener((notification, handback) -> {
                        if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                            GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
                            watch.collections.incrementAndGet();
                            watch.peakBeforeGc.accumulateAndGet(heapUsed(info.getGcInfo().getMemoryUsageBeforeGc()), Math::max);
                            watch.peakAfterGc.accumulateAndGet(heapUsed(info.getGcInfo().getMemoryUsageAfterGc()), Math::max);
                        }
                    }, null, null);
                }
            }
            return watch;
        }

        private static long heapUsed(Map<String, MemoryUsage> usage) {
            long used = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                MemoryUsage poolUsage = usage.get(pool.getName());
                if (pool.getType() == MemoryType.HEAP && poolUsage != null) {
                    used += poolUsage.getUsed();
                }
            }
            return used;
        }

        long maxBytes() {
            return Runtime.getRuntime().maxMemory();
        }

        long peakUsedBytes() {
            long pools = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    pools += pool.getPeakUsage().getUsed();
                }
            }
            return Math.max(pools, peakBeforeGc.get());
        }

        long peakAfterGcBytes() {
            return peakAfterGc.get();
        }

        long collections() {
            return collections.get();
        }

        /** The heap in use after a full collection: what the result still holds. */
        long retainedBytes() {
            System.gc();
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }
    }
}
