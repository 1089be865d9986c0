package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.catalog.HiveCatalog;
import io.gfsload.catalog.InvalidInputException;
import io.gfsload.catalog.NoSuchPartitionException;
import io.gfsload.catalog.NoSuchTableException;
import io.gfsload.catalog.PartitionInfo;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableInfo;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.EtagSource;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Turns a {@link LoadRequest} into a {@link LoadPlan}: resolves partitions in the catalog, lists
 * their files, cuts them into blocks, marks what is already cached and packs the rest into task
 * sets.
 *
 * <p>Thread-safe; each call to {@link #plan} lists with its own short-lived thread pool.
 */
public final class LoadPlanner {
    private final Optional<HiveCatalog> catalog;
    private final Configuration hadoopConf;
    private final CacheState cacheState;
    private final PlannerConfig config;

    /**
     * @param catalog the metastore; needed only for table targets
     * @param hadoopConf configuration for the UFS file systems
     * @param cacheState what is cached already
     * @param config block size and packing
     */
    public LoadPlanner(Optional<HiveCatalog> catalog, Configuration hadoopConf, CacheState cacheState, PlannerConfig config) {
        this.catalog = requireNonNull(catalog, "catalog is null");
        this.hadoopConf = requireNonNull(hadoopConf, "hadoopConf is null");
        this.cacheState = requireNonNull(cacheState, "cacheState is null");
        this.config = requireNonNull(config, "config is null");
    }

    /**
     * Plans {@code request}.
     *
     * @throws NoSuchTableException when the table does not exist
     * @throws NoSuchPartitionException when a requested partition does not exist
     * @throws NoSuchPathException when a requested path does not exist
     * @throws InvalidInputException when a spec does not fit the table, or the table is a view or
     *     has no location
     * @throws PlanningException when the UFS cannot be listed
     */
    public LoadPlan plan(LoadRequest request) {
        requireNonNull(request, "request is null");
        List<Location> locations;
        if (request.target() instanceof LoadTarget.Table table) {
            locations = resolve(table);
        }
        else {
            locations = ((LoadTarget.Paths) request.target()).paths().stream().map(p -> new Location(p, p, true)).toList();
        }
        List<List<FileLoad>> listings = listAll(locations, request.replication());
        List<PartitionLoad> partitions = new ArrayList<>();
        for (int i = 0; i < locations.size(); i++) {
            Location location = locations.get(i);
            partitions.add(new PartitionLoad(location.name(), location.location(), listings.get(i)));
        }
        return new LoadPlan(request, config.blockSize(), partitions, pack(partitions), PlanStats.of(partitions));
    }

    private record Location(String name, String location, boolean mustExist) {}

    private List<Location> resolve(LoadTarget.Table target) {
        HiveCatalog hive = catalog.orElseThrow(() -> new IllegalStateException("a table target needs a catalog"));
        TableInfo table = hive.getTable(target.table()).orElseThrow(() -> new NoSuchTableException(target.table()));
        if (table.isView()) {
            throw new InvalidInputException("%s is a view: only tables with data files can be loaded".formatted(table.name()));
        }
        if (!table.isPartitioned()) {
            if (!(target.selection() instanceof PartitionSelection.All)) {
                throw new InvalidInputException("%s is not partitioned: it is loaded whole, without a partition selection".formatted(table.name()));
            }
            String location = table.location()
                    .orElseThrow(() -> new InvalidInputException("%s has no storage location".formatted(table.name())));
            return List.of(new Location(table.name().toString(), location, false));
        }
        List<PartitionInfo> partitions = selectPartitions(hive, table, target.selection());
        return partitions.stream()
                .map(p -> new Location(p.spec().toPathName(), p.location(), false))
                .toList();
    }

    private static List<PartitionInfo> selectPartitions(HiveCatalog hive, TableInfo table, PartitionSelection selection) {
        if (selection instanceof PartitionSelection.Filter filter) {
            return hive.listPartitionsByFilter(table, filter.expression());
        }
        if (selection instanceof PartitionSelection.Latest latest) {
            List<PartitionSpec> specs = hive.listPartitionSpecs(table);
            return hive.getPartitions(table, specs.subList(Math.max(0, specs.size() - latest.count()), specs.size()));
        }
        if (selection instanceof PartitionSelection.Specs specs) {
            Map<PartitionSpec, PartitionInfo> selected = new TreeMap<>(PartitionSpec.BY_VALUES);
            for (PartitionSpec spec : specs.specs()) {
                if (!spec.isPrefixOf(table.partitionKeys())) {
                    throw new InvalidInputException("Partition spec '%s' does not match the partition keys of %s: expected %s"
                            .formatted(spec, table.name(), String.join("/", table.partitionKeys().stream().map(k -> k + "=...").toList())));
                }
                List<PartitionInfo> found = spec.keys().size() == table.partitionKeys().size()
                        ? hive.getPartition(table, spec).stream().toList()
                        : hive.listPartitions(table, spec);
                if (found.isEmpty()) {
                    throw new NoSuchPartitionException(table.name(), spec);
                }
                found.forEach(p -> selected.put(p.spec(), p));
            }
            return List.copyOf(selected.values());
        }
        return hive.listPartitions(table);
    }

    /**
     * Lists every location and looks up what is cached of its files, on a pool of listing threads;
     * the result is in the order of {@code locations}, each list sorted by path.
     */
    private List<List<FileLoad>> listAll(List<Location> locations, int replication) {
        if (locations.isEmpty()) {
            return List.of();
        }
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(config.listingThreads(), locations.size()), runnable -> {
            Thread thread = new Thread(runnable, "gfsload-list-" + threadNumber.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<List<FileLoad>>> futures = new ArrayList<>();
            for (Location location : locations) {
                futures.add(pool.submit(() -> list(location).stream().map(status -> fileLoad(status, replication)).toList()));
            }
            List<List<FileLoad>> result = new ArrayList<>();
            for (Future<List<FileLoad>> future : futures) {
                result.add(future.get());
            }
            return result;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlanningException("Interrupted while listing files", e);
        }
        catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new PlanningException("Listing failed: " + e.getCause().getMessage(), e.getCause());
        }
        finally {
            pool.shutdownNow();
        }
    }

    /** Lists the visible files under a location, recursively, sorted by path. */
    private List<FileStatus> list(Location location) {
        Path root = new Path(location.location());
        try {
            FileSystem fs = root.getFileSystem(hadoopConf);
            FileStatus rootStatus;
            try {
                rootStatus = fs.getFileStatus(root);
            }
            catch (FileNotFoundException e) {
                if (location.mustExist()) {
                    throw new NoSuchPathException(location.location());
                }
                return List.of();
            }
            List<FileStatus> files = new ArrayList<>();
            if (rootStatus.isFile()) {
                files.add(rootStatus);
            }
            else {
                collect(fs, root, files);
            }
            files.sort(Comparator.comparing(status -> status.getPath().toString()));
            return files;
        }
        catch (IOException e) {
            throw new PlanningException("Cannot list %s: %s".formatted(location.location(), e.getMessage()), e);
        }
    }

    private static void collect(FileSystem fs, Path directory, List<FileStatus> files) throws IOException {
        RemoteIterator<FileStatus> children = fs.listStatusIterator(directory);
        while (children.hasNext()) {
            FileStatus child = children.next();
            if (isHidden(child.getPath().getName())) {
                continue;
            }
            if (child.isDirectory()) {
                collect(fs, child.getPath(), files);
            }
            else if (child.isFile()) {
                files.add(child);
            }
        }
    }

    /** Hive's rule: names starting with {@code _} or {@code .} are not data. */
    static boolean isHidden(String name) {
        return name.startsWith("_") || name.startsWith(".");
    }

    private FileLoad fileLoad(FileStatus status, int replication) {
        String etag = status instanceof EtagSource source && source.getEtag() != null ? source.getEtag() : "";
        FileIdentity file = new FileIdentity(status.getPath().toString(), status.getLen(), status.getModificationTime(), etag);
        Map<Integer, CachedBlock> cached = file.length() == 0
                ? Map.of()
                : cacheState.cachedBlocks(file).stream().collect(Collectors.toMap(CachedBlock::index, Function.identity(), (a, b) -> a));
        List<BlockTask> blocks = new ArrayList<>();
        long blockSize = config.blockSize();
        for (long offset = 0; offset < file.length(); offset += blockSize) {
            int index = Math.toIntExact(offset / blockSize);
            long length = Math.min(blockSize, file.length() - offset);
            CachedBlock hit = cached.get(index);
            boolean isCached = hit != null && hit.length() == length && hit.replicas() >= replication;
            blocks.add(new BlockTask(file, index, offset, length, isCached));
        }
        return new FileLoad(file, blocks);
    }

    /** Packs the blocks to load into task sets of about {@code taskSetTargetBytes} weight, in plan order. */
    private List<TaskSet> pack(List<PartitionLoad> partitions) {
        List<TaskSet> taskSets = new ArrayList<>();
        List<BlockTask> current = new ArrayList<>();
        long weight = 0;
        for (PartitionLoad partition : partitions) {
            for (FileLoad file : partition.files()) {
                for (BlockTask block : file.blocks()) {
                    if (block.cached()) {
                        continue;
                    }
                    current.add(block);
                    weight += Math.max(block.length(), config.openCostBytes());
                    if (weight >= config.taskSetTargetBytes()) {
                        taskSets.add(new TaskSet(taskSets.size(), current));
                        current = new ArrayList<>();
                        weight = 0;
                    }
                }
            }
        }
        if (!current.isEmpty()) {
            taskSets.add(new TaskSet(taskSets.size(), current));
        }
        return taskSets;
    }
}
