package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import com.google.common.collect.Lists;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.UriCredentials;
import io.gfsload.cache.ufs.UfsFiles;
import io.gfsload.catalog.HiveCatalog;
import io.gfsload.catalog.InvalidInputException;
import io.gfsload.catalog.NoSuchPartitionException;
import io.gfsload.catalog.NoSuchTableException;
import io.gfsload.catalog.PartitionFilterHints;
import io.gfsload.catalog.PartitionInfo;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableInfo;
import io.gfsload.catalog.TableName;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a {@link LoadRequest} into a {@link LoadPlan}: resolves partitions in the catalog, lists
 * their files, cuts them into blocks, marks what is already cached and packs the rest into task
 * sets. Of a Hive ACID table ({@link TableInfo#transactional()}), a location's files are those a
 * reader of the newest snapshot reads ({@link AcidSnapshot}): the obsolete ones, which Hive's
 * cleaner has not removed yet, are counted ({@link PlanningListener#obsolete}, and a log line) and
 * not planned.
 *
 * <p>Thread-safe; each call to {@link #plan} lists with its own short-lived thread pool.
 */
public final class LoadPlanner {
    /** Hadoop's message for a class it cannot load: {@code Class org.apache.hadoop.fs.s3a.S3AFileSystem not found}. */
    private static final Pattern CLASS_NOT_FOUND = Pattern.compile("Class (\\S+) not found");
    private static final Logger LOG = LoggerFactory.getLogger(LoadPlanner.class);

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
     * @throws NoSuchPartitionException when a requested partition does not exist, or no partition
     *     matches a filter, or a partitioned table has no partitions (but Hive's default ones for the latest N)
     * @throws NoSuchPathException when a requested path does not exist
     * @throws NoSuchLocationException when the location of every selected partition of a table (of
     *     an unpartitioned table: its location) does not exist; a missing location among others is
     *     a {@link PartitionLoad#locationMissing()} partition of the plan
     * @throws InvalidInputException when a spec does not fit the table, or the table is a view or
     *     has no location
     * @throws InvalidRequestException when the location of the table or of a selected partition
     *     has credentials in its URI, as a path with them has; the message hides them
     * @throws PlanningException when the UFS cannot be listed
     */
    public LoadPlan plan(LoadRequest request) {
        return plan(request, PlanningListener.NONE);
    }

    /**
     * As {@link #plan(LoadRequest)}, telling {@code listener} how far it has come.
     */
    public LoadPlan plan(LoadRequest request, PlanningListener listener) {
        requireNonNull(request, "request is null");
        requireNonNull(listener, "listener is null");
        List<PartitionLoad> partitions;
        DroppedPartitions dropped = null;
        try (Lister lister = new Lister(request.replication(), listener)) {
            if (request.target() instanceof LoadTarget.Table table) {
                Resolved resolved = resolve(table, lister::submit);
                partitions = lister.results();
                if (resolved.table().isPartitioned()) {
                    Kept kept = withoutDropped(resolved, table, partitions, lister);
                    partitions = kept.partitions();
                    dropped = kept.dropped();
                }
                lister.logObsolete(table.table());
            }
            else {
                lister.submit(((LoadTarget.Paths) request.target()).paths().stream().map(p -> new Location(p, p, true, false)).toList());
                partitions = lister.results();
            }
            // paths, or partitions of a table, whose locations are the same or nested would load a file twice
            partitions = partitions.size() > 1 ? withoutRepeatedFiles(partitions, request.target() instanceof LoadTarget.Table) : partitions;
        }
        if (request.target() instanceof LoadTarget.Table table && !partitions.isEmpty() && partitions.stream().allMatch(PartitionLoad::locationMissing)) {
            // in the metastore, not in the UFS: the data may not have landed yet, as a partition not registered yet
            throw new NoSuchLocationException(table.table(), partitions);
        }
        return new LoadPlan(request, config.blockSize(), partitions, pack(partitions), PlanStats.of(partitions), dropped);
    }

    /**
     * A location to list: a path, a partition's location, or an unpartitioned table's.
     *
     * @param acid whether it is a location of a Hive ACID table, of which only what a reader of the
     *     newest snapshot reads is planned ({@link AcidSnapshot})
     */
    private record Location(String name, String location, boolean mustExist, boolean acid) {}

    /**
     * A table target's table, as the metastore gave it, and the selected partitions it no longer
     * had when they were read by name (dropped since their names were listed).
     */
    private record Resolved(HiveCatalog hive, TableInfo table, List<PartitionSpec> gone) {}

    /** The partitions planned of a table, and those of its selection dropped while planning, or {@code null}. */
    private record Kept(List<PartitionLoad> partitions, DroppedPartitions dropped) {}

    /** Rounds of partitions planned in place of dropped ones, for {@code --latest N}, before fewer than N are planned. */
    private static final int LATEST_ROUNDS = 3;

    /** Dropped partitions a warning names; the others are counted. */
    private static final int DROPPED_NAMED = 10;

    /**
     * {@code listed} without the selected partitions the metastore dropped while planning: those
     * it no longer had when they were read, and those whose location was missing when it was
     * listed because they were dropped with their data (a location missing of a partition the
     * metastore still has is a partition without its data, {@link PartitionLoad#locationMissing()}).
     * For {@code --latest N}, the greatest of the partitions the table has then among those its
     * selection selects ({@code --latest N} with {@code --partition} or {@code --where}), not
     * already planned, are planned in place of the dropped ones, so that N are planned while N exist, in
     * at most {@link #LATEST_ROUNDS} rounds (partitions dropped meanwhile too).
     *
     * @throws NoSuchPartitionException when every selected partition was dropped and none planned
     *     in their place
     */
    private Kept withoutDropped(Resolved resolved, LoadTarget.Table target, List<PartitionLoad> listed, Lister lister) {
        TableInfo table = resolved.table();
        Set<PartitionSpec> dropped = new HashSet<>(resolved.gone());
        List<PartitionLoad> kept = new ArrayList<>(withoutDroppedLocations(resolved.hive(), table, listed, dropped));
        if (dropped.isEmpty()) {
            return new Kept(listed, null);
        }
        List<String> instead = new ArrayList<>();
        String fewer = "";
        if (target.selection() instanceof PartitionSelection.Latest latest) {
            for (int round = 0; kept.size() < latest.count(); round++) {
                Set<PartitionSpec> taken = new HashSet<>(dropped);
                kept.forEach(partition -> taken.add(PartitionSpec.parseName(partition.name())));
                List<PartitionSpec> candidates = latestCandidates(resolved.hive(), table, latest, false).stream()
                        .filter(spec -> !taken.contains(spec))
                        .toList();
                if (candidates.isEmpty()) {
                    fewer = "; the table has no other partitions%s: %d of %s planned".formatted(latest.amongDescription(), kept.size(), latest.describe());
                    break;
                }
                if (round == LATEST_ROUNDS) {
                    fewer = "; partitions went on being dropped: %d of %s planned".formatted(kept.size(), latest.describe());
                    break;
                }
                List<PartitionSpec> more = candidates.subList(Math.max(0, candidates.size() - (latest.count() - kept.size())), candidates.size());
                List<PartitionInfo> found = fetch(resolved.hive(), table, more, dropped);
                lister.submit(partitionLocations(table, found));
                List<PartitionLoad> added = withoutDroppedLocations(resolved.hive(), table, lister.results(), dropped);
                added.forEach(partition -> instead.add(partition.name()));
                kept.addAll(added);
            }
            kept.sort(Comparator.comparing(partition -> PartitionSpec.parseName(partition.name()), table.partitionOrder()));
        }
        List<String> names = dropped.stream().sorted(table.partitionOrder().thenComparing(PartitionSpec::toPathName)).map(PartitionSpec::toPathName).toList();
        if (kept.isEmpty()) {
            String selection = target.selection() instanceof PartitionSelection.All ? "all partitions" : target.selection().describe();
            throw new NoSuchPartitionException(table.name(), "%s (the metastore dropped %s during planning: %s)"
                    .formatted(selection, names.size() == 1 ? "it" : "them", named(names)));
        }
        String warning = "%s dropped from the metastore during planning, not planned: %s".formatted(
                names.size() == 1 ? "1 selected partition was" : names.size() + " selected partitions were", named(names));
        if (!instead.isEmpty() && fewer.isEmpty()) {
            warning += "; planned %s instead: the latest %d partitions the table has now%s".formatted(named(instead), kept.size(),
                    ((PartitionSelection.Latest) target.selection()).amongDescription());
        }
        else if (!instead.isEmpty()) {
            warning += "; planned %s instead".formatted(named(instead));
        }
        return new Kept(kept, new DroppedPartitions(names, warning + fewer));
    }

    /** {@code names}, the first {@link #DROPPED_NAMED} of them and how many more. */
    private static String named(List<String> names) {
        return String.join(", ", names.subList(0, Math.min(names.size(), DROPPED_NAMED)))
                + (names.size() > DROPPED_NAMED ? " and %d more".formatted(names.size() - DROPPED_NAMED) : "");
    }

    /**
     * {@code listed} without the partitions whose location was missing because the metastore
     * dropped them (with their data) after they were read: asked again, it no longer has them.
     * They go to {@code dropped}.
     */
    private static List<PartitionLoad> withoutDroppedLocations(HiveCatalog hive, TableInfo table, List<PartitionLoad> listed,
            Set<PartitionSpec> dropped) {
        List<PartitionSpec> missing = listed.stream().filter(PartitionLoad::locationMissing).map(partition -> PartitionSpec.parseName(partition.name())).toList();
        if (missing.isEmpty()) {
            return listed;
        }
        int before = dropped.size();
        fetch(hive, table, missing, dropped);
        if (dropped.size() == before) {
            return listed;
        }
        return listed.stream().filter(partition -> !(partition.locationMissing() && dropped.contains(PartitionSpec.parseName(partition.name())))).toList();
    }

    /**
     * The partitions {@code specs} names that the metastore has; those it no longer has (dropped
     * since their names were listed) go to {@code gone}.
     */
    private static List<PartitionInfo> fetch(HiveCatalog hive, TableInfo table, List<PartitionSpec> specs, Collection<PartitionSpec> gone) {
        List<PartitionInfo> found = hive.getPartitions(table, specs);
        if (found.size() < specs.size()) {
            Set<PartitionSpec> have = new HashSet<>();
            found.forEach(partition -> have.add(partition.spec()));
            synchronized (gone) {
                specs.stream().filter(spec -> !have.contains(spec)).forEach(gone::add);
            }
        }
        return found;
    }

    /**
     * The storage locations of {@code target}'s selected partitions in plan order (of an
     * unpartitioned table: its location), from the metastore alone: nothing is listed.
     *
     * @throws NoSuchTableException when the table does not exist
     * @throws NoSuchPartitionException as {@link #plan} throws it
     * @throws InvalidInputException as {@link #plan} throws it
     * @throws InvalidRequestException as {@link #plan} throws it
     */
    public List<String> locations(LoadTarget.Table target) {
        requireNonNull(target, "target is null");
        List<String> locations = new ArrayList<>();
        resolve(target, batch -> batch.forEach(location -> locations.add(location.location())));
        return locations;
    }

    /**
     * Whether {@code location} (a file or a directory) exists in the UFS, asked without listing it.
     *
     * @throws PlanningException when its store cannot be reached or has no connector here
     */
    public boolean exists(String location) {
        Path path = new Path(requireNonNull(location, "location is null"));
        try {
            return path.getFileSystem(hadoopConf).exists(path);
        }
        catch (IOException | RuntimeException e) {
            throw failure("Cannot look up", location, path, e);
        }
    }

    /**
     * {@code partitions} with each file planned once: paths that overlap ({@code /d}, {@code /d/}
     * and {@code /d/x}), or partitions of a table at the same or nested locations, would otherwise
     * load a file twice, and an atomic load would stage its blocks twice. A path's file stays under
     * the first path that has it. A partition's file goes to the partition with the deepest
     * location that has it (the one at the same location that comes first in plan order, among
     * several): a partition whose location is set inside another's holds its own files, and the
     * outer one keeps its files beside that directory. The others count the files they leave out,
     * so that they do not pass for empty.
     *
     * @param byDeepestLocation whether the partitions are a table's, whose files go to the deepest
     *     location, rather than paths, whose files go to the first
     */
    private static List<PartitionLoad> withoutRepeatedFiles(List<PartitionLoad> partitions, boolean byDeepestLocation) {
        // the index of the partition each file (and each directory not listed) is planned under
        Map<String, Integer> fileOwners = new HashMap<>();
        Map<String, Integer> unlistedOwners = new HashMap<>();
        int[] depths = new int[partitions.size()];
        for (int i = 0; i < partitions.size(); i++) {
            PartitionLoad partition = partitions.get(i);
            depths[i] = byDeepestLocation ? depth(partition.location()) : 0;
            for (FileLoad file : partition.files()) {
                claim(fileOwners, file.file().path(), i, depths);
            }
            // a directory that could not be listed is reported where its files would be
            for (UnlistedDirectory directory : partition.unlistedDirectories()) {
                claim(unlistedOwners, directory.path(), i, depths);
            }
        }
        List<PartitionLoad> result = new ArrayList<>(partitions.size());
        for (int i = 0; i < partitions.size(); i++) {
            PartitionLoad partition = partitions.get(i);
            int index = i;
            List<FileLoad> files = partition.files().stream().filter(file -> fileOwners.get(file.file().path()) == index).toList();
            List<UnlistedDirectory> unlisted = partition.unlistedDirectories().stream().filter(directory -> unlistedOwners.get(directory.path()) == index).toList();
            result.add(files.size() == partition.files().size() && unlisted.size() == partition.unlistedDirectories().size()
                    ? partition
                    : new PartitionLoad(partition.name(), partition.location(), files, partition.files().size() - files.size(), null, unlisted));
        }
        return result;
    }

    /** Gives {@code path} to the partition at {@code index} when no earlier one at a location as deep or deeper has it. */
    private static void claim(Map<String, Integer> owners, String path, int index, int[] depths) {
        owners.merge(path, index, (owner, candidate) -> depths[candidate] > depths[owner] ? candidate : owner);
    }

    /** How many directories deep {@code location} is: {@code 3} for {@code hdfs://nn/data/t/dt=1}, and for {@code /data/t/dt=1/}. */
    private static int depth(String location) {
        return new Path(location).depth();
    }

    /**
     * Resolves the table's partitions and hands them to {@code sink} in plan order, a batch at a
     * time; returns the table, and the selected partitions dropped before they were read.
     */
    private Resolved resolve(LoadTarget.Table target, Consumer<List<Location>> sink) {
        HiveCatalog hive = catalog.orElseThrow(() -> new IllegalStateException("a table target needs a catalog"));
        TableInfo table = hive.getTable(target.table()).orElseThrow(() -> new NoSuchTableException(target.table()));
        if (table.isView()) {
            throw new InvalidInputException("%s is a view, which has no data files of its own: give the tables it reads instead".formatted(table.name()));
        }
        if (!table.isPartitioned()) {
            if (!(target.selection() instanceof PartitionSelection.All)) {
                throw new InvalidInputException("%s is not partitioned: it is loaded whole, without a partition selection".formatted(table.name()));
            }
            String location = table.location()
                    .orElseThrow(() -> new InvalidInputException("%s has no storage location".formatted(table.name())));
            checkNoCredentials(table.name().toString(), location);
            sink.accept(List.of(new Location(table.name().toString(), location, false, table.transactional())));
            return new Resolved(hive, table, List.of());
        }
        List<PartitionSpec> gone = new ArrayList<>();
        selectPartitions(hive, table, target.selection(), batch -> sink.accept(partitionLocations(table, batch)), gone);
        return new Resolved(hive, table, gone);
    }

    /** The locations of {@code partitions} of {@code table}, checked for credentials. */
    private static List<Location> partitionLocations(TableInfo table, List<PartitionInfo> partitions) {
        partitions.forEach(p -> checkNoCredentials(table.name() + " " + p.spec().toPathName(), p.location()));
        return partitions.stream().map(p -> new Location(p.spec().toPathName(), p.location(), false, table.transactional())).toList();
    }

    /**
     * Refuses a table's or partition's location with credentials in its URI, as a path with them
     * is refused: listed, it would put them into the cache's metadata, the messages, the reports
     * and the logs. Checked as the metastore hands the locations over, a batch at a time, before
     * any location of the batch is listed or sent to the cache.
     *
     * @param name the table, or the table and the partition
     * @throws InvalidRequestException naming it, the credentials hidden
     */
    private static void checkNoCredentials(String name, String location) {
        Optional<String> hidden = UriCredentials.hidden(location);
        if (hidden.isPresent()) {
            throw new InvalidRequestException("Credentials in the location of %s are not accepted: %s; %s, and the location in the metastore without them"
                    .formatted(name, hidden.get(), UriCredentials.whereTheyGo(location)));
        }
    }

    /**
     * The selected partitions, sorted by their values, in batches. Every partition and the last N
     * are fetched as Hive's batch retrieval does: the partition names first, then the partitions by
     * name, {@link PlannerConfig#partitionBatchSize()} at a time and
     * {@link PlannerConfig#metastoreThreads()} batches at once, so that no metastore answer holds
     * the whole table and listing starts with the first batch. Partitions whose names were listed
     * and which the metastore no longer has when they are read go to {@code gone}.
     */
    private void selectPartitions(HiveCatalog hive, TableInfo table, PartitionSelection selection, Consumer<List<PartitionInfo>> sink,
            List<PartitionSpec> gone) {
        if (selection instanceof PartitionSelection.Filter filter) {
            List<PartitionInfo> matching = hive.listPartitionsByFilter(table, filter.expression());
            if (matching.isEmpty()) {
                // as a named partition that does not exist: the data may not have landed yet
                throw noMatch(table, filter.describe(), filter);
            }
            sink.accept(matching);
            return;
        }
        if (selection instanceof PartitionSelection.Specs specs) {
            // every spec is checked against the keys and their types before the other specs are looked up; a value
            // not of its key's type is taken only as the name of a partition registered so (MSCK REPAIR TABLE
            // registers a directory hr=abc of an int key as it is named)
            Map<PartitionSpec, List<PartitionInfo>> registeredUnfit = new HashMap<>();
            for (PartitionSpec spec : specs.specs()) {
                Optional<String> notFit = whyNotFits(table, spec, hive.defaultPartitionName());
                if (notFit.isPresent()) {
                    List<PartitionInfo> found = spec.isPrefixOf(table.partitionKeys()) ? find(hive, table, spec) : List.of();
                    if (found.isEmpty()) {
                        throw new InvalidInputException(notFit.get());
                    }
                    registeredUnfit.put(spec, found);
                }
            }
            Map<PartitionSpec, PartitionInfo> selected = new TreeMap<>(table.partitionOrder());
            for (PartitionSpec spec : specs.specs()) {
                List<PartitionInfo> found = registeredUnfit.containsKey(spec) ? registeredUnfit.get(spec) : find(hive, table, spec);
                if (found.isEmpty()) {
                    Optional<InvalidInputException> elsewhere = sameNumberElsewhere(hive, table, spec);
                    if (elsewhere.isPresent()) {
                        throw elsewhere.get();
                    }
                    throw new NoSuchPartitionException(table.name(), spec);
                }
                found.forEach(p -> selected.put(p.spec(), p));
            }
            sink.accept(List.copyOf(selected.values()));
            return;
        }
        List<PartitionSpec> names;
        if (selection instanceof PartitionSelection.Latest latest) {
            List<PartitionSpec> candidates = latestCandidates(hive, table, latest, true);
            names = candidates.subList(Math.max(0, candidates.size() - latest.count()), candidates.size());
        }
        else {
            names = hive.listPartitionSpecs(table);
            if (names.isEmpty()) {
                throw new NoSuchPartitionException(table.name(), "all partitions (the table has no partitions)");
            }
        }
        List<List<PartitionSpec>> batches = Lists.partition(names, config.partitionBatchSize());
        if (batches.size() <= 1 || config.metastoreThreads() == 1) {
            for (List<PartitionSpec> batch : batches) {
                sink.accept(fetch(hive, table, batch, gone));
            }
            return;
        }
        // Several batches in flight, handed on in order.
        ExecutorService fetchers = Executors.newFixedThreadPool(Math.min(config.metastoreThreads(), batches.size()), new ThreadFactoryBuilder()
                .setNameFormat("gfsload-metastore-%d")
                .setDaemon(true)
                .build());
        try {
            Deque<Future<List<PartitionInfo>>> inFlight = new ArrayDeque<>();
            for (List<PartitionSpec> batch : batches) {
                inFlight.add(fetchers.submit(() -> fetch(hive, table, batch, gone)));
                if (inFlight.size() >= config.metastoreThreads()) {
                    sink.accept(await(inFlight.removeFirst()));
                }
            }
            while (!inFlight.isEmpty()) {
                sink.accept(await(inFlight.removeFirst()));
            }
        }
        finally {
            fetchers.shutdownNow();
        }
    }

    /**
     * The names of the partitions {@code latest} chooses from, from the earliest to the latest:
     * those its {@link PartitionSelection.Latest#among() among} selects (every partition, those of
     * specs, those matching a filter), in partition order, without Hive's default partition (named
     * as the metastore names it, {@link HiveCatalog#defaultPartitionName()}), which holds the rows
     * without a value and is never the latest, whatever its name sorts after (the digits of a date
     * or an hour, or the numbers of a numeric key). A default partition a spec names
     * ({@code dt=__HIVE_DEFAULT_PARTITION__}, every key without a value named so), or one a filter
     * that names the default partition selects ({@code dt = '__HIVE_DEFAULT_PARTITION__'}),
     * is selected as {@code --partition} or {@code --where} alone selects it, and comes before
     * every partition with values. Names only, but for a filter, which the metastore answers with
     * the partitions.
     *
     * @param checked whether a selection that selects none is an error, as when the command plans
     *     first (rather than in place of partitions dropped meanwhile, when none is left to plan)
     * @throws NoSuchPartitionException when {@code checked} and there is none: a table without
     *     partitions, a spec or filter that selects none, or only Hive's default partitions
     * @throws InvalidInputException when {@code checked} and a spec does not fit the table, as
     *     {@code --partition} alone does
     */
    private static List<PartitionSpec> latestCandidates(HiveCatalog hive, TableInfo table, PartitionSelection.Latest latest, boolean checked) {
        PartitionSelection among = latest.among();
        List<PartitionSpec> selected;
        if (among instanceof PartitionSelection.Filter filter) {
            selected = hive.listPartitionsByFilter(table, filter.expression()).stream().map(PartitionInfo::spec).toList();
            if (checked && selected.isEmpty()) {
                throw noMatch(table, latest.describe(), filter);
            }
        }
        else {
            List<PartitionSpec> names = hive.listPartitionSpecs(table);
            if (among instanceof PartitionSelection.Specs specs) {
                if (checked) {
                    checkEverySpecSelects(hive, table, latest, specs, names);
                }
                selected = names.stream().filter(name -> specs.specs().stream().anyMatch(spec -> spec.selects(name))).toList();
            }
            else {
                if (checked && names.isEmpty()) {
                    // before its partitions are registered: not found, as a partition not registered yet, not an empty success
                    throw new NoSuchPartitionException(table.name(), latest.describe() + " (the table has no partitions)");
                }
                selected = names;
            }
        }
        String nullName = hive.defaultPartitionName();
        List<PartitionSpec> candidates = selected.stream()
                .filter(spec -> !spec.hasNullValue(nullName) || namesItsDefaults(among, spec, nullName))
                // stable: each group stays in partition order
                .sorted(Comparator.comparing((PartitionSpec spec) -> spec.hasNullValue(nullName)).reversed())
                .toList();
        if (checked && candidates.isEmpty()) {
            throw new NoSuchPartitionException(table.name(), latest.describe() + " (%s Hive's default partitions, %s, which are never the latest)".formatted(
                    among instanceof PartitionSelection.All ? "the table has no partitions but" : "the partitions selected are", nullName));
        }
        return candidates;
    }

    /**
     * Whether a spec of {@code among} that selects {@code partition} names its every key without a
     * value (Hive's default partition, {@code defaultPartitionName}), or {@code among} is a filter that names the default
     * partition: the metastore answers such a filter with a default partition only where a key is
     * compared with that name, or where the filter has no condition on the key (which names none).
     */
    private static boolean namesItsDefaults(PartitionSelection among, PartitionSpec partition, String defaultPartitionName) {
        if (among instanceof PartitionSelection.Filter filter) {
            return filter.expression().contains(defaultPartitionName);
        }
        if (!(among instanceof PartitionSelection.Specs specs)) {
            return false;
        }
        int lastDefault = partition.values().lastIndexOf(defaultPartitionName);
        return specs.specs().stream().anyMatch(spec -> spec.selects(partition) && lastDefault < spec.keys().size());
    }

    /** That no partition of {@code table} matches {@code selection}, which has {@code filter}, with what to write where a filter misleads. */
    private static NoSuchPartitionException noMatch(TableInfo table, String selection, PartitionSelection.Filter filter) {
        return new NoSuchPartitionException(table.name(), selection + PartitionFilterHints.noMatch(filter.expression()).map(hint -> "; " + hint).orElse(""));
    }

    /**
     * Refuses a spec of {@code --latest N} among specs that selects none of {@code names}, as
     * {@code --partition} alone refuses it: every spec checked against the keys and their types
     * first (a value not of its key's type taken only as the name of a partition registered so),
     * then a number written otherwise than the partition's name, then not found.
     */
    private static void checkEverySpecSelects(HiveCatalog hive, TableInfo table, PartitionSelection.Latest latest, PartitionSelection.Specs specs,
            List<PartitionSpec> names) {
        List<PartitionSpec> selectingNone = specs.specs().stream().filter(spec -> names.stream().noneMatch(spec::selects)).toList();
        for (PartitionSpec spec : selectingNone) {
            Optional<String> notFit = whyNotFits(table, spec, hive.defaultPartitionName());
            if (notFit.isPresent()) {
                throw new InvalidInputException(notFit.get());
            }
        }
        if (!selectingNone.isEmpty()) {
            PartitionSpec spec = selectingNone.get(0);
            Optional<InvalidInputException> elsewhere = sameNumberElsewhere(hive, table, spec);
            if (elsewhere.isPresent()) {
                throw elsewhere.get();
            }
            throw new NoSuchPartitionException(table.name(), latest.describe()
                    + (specs.specs().size() > 1 ? " (the table has no partition %s)".formatted(spec) : ""));
        }
    }

    /** The partitions {@code spec} names: the one partition of a full spec, or those under a prefix. */
    private static List<PartitionInfo> find(HiveCatalog hive, TableInfo table, PartitionSpec spec) {
        return spec.keys().size() == table.partitionKeys().size()
                ? hive.getPartition(table, spec).stream().toList()
                : hive.listPartitions(table, spec);
    }

    private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");
    private static final java.time.format.DateTimeFormatter LENIENT_DATE = java.time.format.DateTimeFormatter.ofPattern("u-M-d")
            .withResolverStyle(java.time.format.ResolverStyle.STRICT);

    /**
     * Why {@code spec} does not name leading keys of {@code table} with values of their types (an
     * integer of an integer key, a number of another numeric key, a {@code yyyy-MM-dd} date of a
     * date key, or Hive's default partition of any, named {@code defaultPartitionName}), naming the
     * key, its type and the form it takes; empty when it does.
     */
    private static Optional<String> whyNotFits(TableInfo table, PartitionSpec spec, String defaultPartitionName) {
        if (!spec.isPrefixOf(table.partitionKeys())) {
            return Optional.of("Partition spec '%s' does not match the partition keys of %s: expected %s"
                    .formatted(spec, table.name(), String.join("/", table.partitionKeys().stream().map(k -> k + "=...").toList())));
        }
        for (int i = 0; i < spec.keys().size(); i++) {
            String type = table.partitionKeyTypes().get(i);
            String key = spec.keys().get(i);
            String value = spec.values().get(i);
            if (value.equals(defaultPartitionName)) {
                continue;
            }
            String notFit = "Partition spec '%s' does not fit %s: its key %s is ".formatted(spec, table.name(), key);
            if (PartitionSpec.isNumeric(type) && !PartitionSpec.fitsNumericKey(value, defaultPartitionName)) {
                return Optional.of(notFit + "a number (%s), and '%s' is not one".formatted(type, value));
            }
            if (PartitionSpec.isInteger(type) && !INTEGER.matcher(value).matches()) {
                return Optional.of(notFit + "a number (%s), and '%s' is not an integer".formatted(type, value));
            }
            if (PartitionSpec.isDate(type) && !isDate(value)) {
                String written = lenientDate(value).map(date -> ": write %s=%s".formatted(key, date)).orElse(", e.g. %s=2026-11-20".formatted(key));
                return Optional.of(notFit + "a date, written yyyy-MM-dd, and '%s' is not one%s".formatted(value, written));
            }
        }
        return Optional.empty();
    }

    /**
     * For a spec found under no name, the error that names the partitions whose numeric keys have
     * the numbers it gives under another name: {@code hr=3} where Hive named the partition so and
     * {@code hr=03} was written, {@code hr=03} where a partition was registered under its
     * directory's name and {@code hr=3} was written, or {@code x=10.00} of a {@code decimal} (or
     * {@code float}, {@code double}) key where the partition is {@code x=10}. Said, not chosen for
     * the user: the spec as written stays what is asked for, as a {@code --where} filter goes as
     * given. Lists the table's partition names only for a spec with a numeric key's value, on this
     * miss.
     */
    private static Optional<InvalidInputException> sameNumberElsewhere(HiveCatalog hive, TableInfo table, PartitionSpec spec) {
        boolean aNumber = false;
        for (int i = 0; i < spec.keys().size(); i++) {
            aNumber |= number(table.partitionKeyTypes().get(i), spec.values().get(i)).isPresent();
        }
        if (!aNumber) {
            return Optional.empty();
        }
        int keys = spec.keys().size();
        List<PartitionSpec> twins = hive.listPartitionSpecs(table).stream()
                .map(name -> new PartitionSpec(name.keys().subList(0, keys), name.values().subList(0, keys)))
                .distinct()
                .filter(name -> sameNumbers(table, spec, name))
                .toList();
        if (twins.isEmpty()) {
            return Optional.empty();
        }
        String what = keys == table.partitionKeys().size() ? "partition" : "partitions under";
        String named = twins.size() == 1 ? "the %s %s %s".formatted(what, twins.get(0), keys == table.partitionKeys().size() ? "has" : "have")
                : "the %s %s have".formatted(what.equals("partition") ? "partitions" : what, String.join(" and ", twins.stream().map(PartitionSpec::toString).toList()));
        String why = twins.equals(List.of(withCanonicalIntegers(table, spec)))
                ? "an integer key's value is named without a sign or leading zeros"
                : twins.stream().allMatch(twin -> withCanonicalIntegers(table, twin).equals(withCanonicalIntegers(table, spec)))
                ? "registered with the sign or leading zeros of its directory's name, as MSCK REPAIR TABLE registers a directory"
                : "the metastore finds a partition by its name only, and names a decimal, float or double key's number as it was written when the partition was added";
        return Optional.of(new InvalidInputException("No partition %s %s; %s that number (%s): write %s".formatted(table.name(), spec, named, why,
                String.join(" ", twins.stream().map(twin -> "--partition " + twin).toList()))));
    }

    /**
     * Whether {@code name} has {@code spec}'s values, its numeric keys' as numbers: {@code hr=03} and
     * {@code hr=3}, {@code x=10.00} and {@code x=10}.
     */
    private static boolean sameNumbers(TableInfo table, PartitionSpec spec, PartitionSpec name) {
        if (name.equals(spec)) {
            return false;
        }
        for (int i = 0; i < spec.keys().size(); i++) {
            String type = table.partitionKeyTypes().get(i);
            Optional<BigDecimal> written = number(type, spec.values().get(i));
            Optional<BigDecimal> registered = number(type, name.values().get(i));
            boolean numbers = written.isPresent() && registered.isPresent();
            if (numbers ? written.get().compareTo(registered.get()) != 0 : !spec.values().get(i).equals(name.values().get(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The number {@code value} is as a value of a key of {@code type}: an integer of an integer key,
     * a number of a {@code decimal}, {@code float} or {@code double} key; empty for another value or type.
     */
    private static Optional<BigDecimal> number(String type, String value) {
        if (!PartitionSpec.isNumeric(type) || PartitionSpec.isInteger(type) && !INTEGER.matcher(value).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new BigDecimal(value));
        }
        catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean isDate(String value) {
        try {
            java.time.LocalDate.parse(value, java.time.format.DateTimeFormatter.ISO_LOCAL_DATE);
            return value.length() == "yyyy-MM-dd".length();
        }
        catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }

    /** {@code 2026-1-5} as {@code 2026-01-05}, when it is a date written otherwise. */
    private static Optional<String> lenientDate(String value) {
        try {
            return Optional.of(java.time.LocalDate.parse(value, LENIENT_DATE).toString()).filter(LoadPlanner::isDate);
        }
        catch (java.time.format.DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** {@code spec} with the values of its integer keys as Hive names them: {@code hr=03} and {@code hr=+3} as {@code hr=3}. */
    private static PartitionSpec withCanonicalIntegers(TableInfo table, PartitionSpec spec) {
        List<String> values = new ArrayList<>(spec.values());
        for (int i = 0; i < values.size(); i++) {
            if (PartitionSpec.isInteger(table.partitionKeyTypes().get(i)) && INTEGER.matcher(values.get(i)).matches()) {
                values.set(i, new BigInteger(values.get(i)).toString());
            }
        }
        return new PartitionSpec(spec.keys(), values);
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.get();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlanningException("Interrupted while reading partitions", e);
        }
        catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new PlanningException("Reading partitions failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * Lists locations on a pool of {@code gfsload-list-N} threads while the caller resolves more,
     * and looks up what is cached of their files: locations are listed in groups of consecutive
     * ones, and each group asks the cache about all its files in one call. {@link #results()}
     * returns the partitions in the order submitted, each with its files sorted by path.
     *
     * <p>Used by one planning thread; closing it stops the listing threads.
     */
    private final class Lister implements AutoCloseable {
        private final int replication;
        private final PlanningListener listener;
        private final ExecutorService pool;
        private final List<Future<List<PartitionLoad>>> groups = new ArrayList<>();
        private final AtomicInteger obsoleteLocations = new AtomicInteger();
        private final LongAdder obsoleteFiles = new LongAdder();
        private final LongAdder obsoleteBytes = new LongAdder();

        Lister(int replication, PlanningListener listener) {
            this.replication = replication;
            this.listener = listener;
            this.pool = Executors.newFixedThreadPool(config.listingThreads(), new ThreadFactoryBuilder()
                    .setNameFormat("gfsload-list-%d")
                    .setDaemon(true)
                    .build());
        }

        /**
         * Queues {@code locations} for listing, in groups small enough to keep every listing thread
         * busy (four groups per thread) and large enough to batch the cache lookups (at most
         * {@link PlannerConfig#partitionBatchSize()} locations each).
         */
        void submit(List<Location> locations) {
            listener.selected(locations.size());
            int perGroup = Math.max(1, Math.min(config.partitionBatchSize(), ceilDiv(locations.size(), 4 * config.listingThreads())));
            for (List<Location> group : Lists.partition(locations, perGroup)) {
                groups.add(pool.submit(() -> listGroup(group)));
            }
        }

        /** The partitions of the locations submitted since the last call, in the order submitted. */
        List<PartitionLoad> results() {
            List<PartitionLoad> result = new ArrayList<>();
            try {
                for (Future<List<PartitionLoad>> group : groups) {
                    result.addAll(group.get());
                }
                groups.clear();
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
            return result;
        }

        private List<PartitionLoad> listGroup(List<Location> group) {
            List<Listing> listings = new ArrayList<>(group.size());
            List<FileIdentity> withBlocks = new ArrayList<>();
            Map<Integer, String> unlisted = new HashMap<>();
            for (Location location : group) {
                Listing listing;
                try {
                    listing = list(location);
                    if (location.acid()) {
                        listing = snapshot(location, listing);
                    }
                }
                catch (ListingFailedException e) {
                    // this location's: its partition fails, the others are loaded
                    unlisted.put(listings.size(), e.getMessage());
                    listing = Listing.EMPTY;
                }
                listener.listed();
                listings.add(listing);
                for (FileIdentity file : listing.files()) {
                    if (file.length() > 0) {
                        withBlocks.add(file);
                    }
                }
            }
            Map<FileIdentity, List<CachedBlock>> cached = withBlocks.isEmpty() ? Map.of() : cacheState.cachedBlocks(withBlocks);
            List<PartitionLoad> partitions = new ArrayList<>(group.size());
            for (int i = 0; i < group.size(); i++) {
                if (unlisted.containsKey(i)) {
                    partitions.add(PartitionLoad.unlisted(group.get(i).name(), group.get(i).location(), unlisted.get(i)));
                    continue;
                }
                if (listings.get(i).missing()) {
                    partitions.add(PartitionLoad.missing(group.get(i).name(), group.get(i).location()));
                    continue;
                }
                List<FileLoad> files = new ArrayList<>(listings.get(i).files().size());
                for (FileIdentity file : listings.get(i).files()) {
                    files.add(fileLoad(file, cached.getOrDefault(file, List.of()), replication));
                }
                partitions.add(new PartitionLoad(group.get(i).name(), group.get(i).location(), files, 0, null, listings.get(i).unlistedDirectories()));
            }
            return partitions;
        }

        /**
         * What a reader of the newest snapshot of the ACID table reads of {@code listing}, the
         * listing of its {@code location}: the obsolete files are counted and heard of, not planned.
         */
        private Listing snapshot(Location location, Listing listing) {
            if (listing.missing()) {
                return listing;
            }
            AcidSnapshot.Selection live = AcidSnapshot.select(listing.root(), listing.files(), listing.unlistedDirectories());
            if (live.obsoleteFiles() > 0) {
                obsoleteLocations.incrementAndGet();
                obsoleteFiles.add(live.obsoleteFiles());
                obsoleteBytes.add(live.obsoleteBytes());
                listener.obsolete(location.location(), live.obsoleteFiles(), live.obsoleteBytes());
            }
            return new Listing(listing.root(), live.files(), live.unlistedDirectories(), false);
        }

        /**
         * Logs how many obsolete files of the ACID table {@code table} were left out of the plan,
         * when any was.
         */
        void logObsolete(TableName table) {
            if (obsoleteLocations.get() > 0) {
                long files = obsoleteFiles.sum();
                LOG.info("{} is a Hive ACID table: {} obsolete {} ({} bytes) in {} of its locations not planned: "
                        + "older bases, deltas that a base or a compacted delta replaces, and the original files under a base, "
                        + "until Hive's cleaner removes them", table, files, files == 1 ? "file" : "files", obsoleteBytes.sum(), obsoleteLocations.get());
            }
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /**
     * The visible files under a location, sorted by path, and the directories below it that could
     * not be listed, sorted by path; {@code root}, the location's qualified path, as theirs are
     * written (empty when it was not listed).
     */
    private record Listing(String root, List<FileIdentity> files, List<UnlistedDirectory> unlistedDirectories, boolean missing) {
        static final Listing EMPTY = new Listing("", List.of(), List.of(), false);
        /** A location that does not exist (and need not: a table's partition). */
        static final Listing MISSING = new Listing("", List.of(), List.of(), true);

        static Listing sorted(Path qualifiedRoot, List<FileIdentity> files, List<UnlistedDirectory> unlistedDirectories) {
            files.sort(Comparator.comparing(FileIdentity::path));
            unlistedDirectories.sort(Comparator.comparing(UnlistedDirectory::path));
            return new Listing(qualifiedRoot.toString(), files, unlistedDirectories, false);
        }
    }

    /**
     * Lists the visible files under a location, recursively. The location is listed without a
     * status call of its own: listing a file gives the file, listing a missing path fails with
     * {@link FileNotFoundException}. A directory below it that cannot be listed fails alone: it is
     * in the listing's unlisted directories, the files beside it are listed.
     *
     * @throws ListingFailedException when the location itself cannot be listed
     */
    private Listing list(Location location) {
        Path root = new Path(location.location());
        try {
            FileSystem fs = root.getFileSystem(hadoopConf);
            Path qualifiedRoot = fs.makeQualified(root);
            Optional<java.nio.file.Path> local = LocalListing.localPath(fs, root);
            if (local.isPresent()) {
                return listLocal(location, local.get(), qualifiedRoot);
            }
            RemoteIterator<FileStatus> children;
            boolean any;
            try {
                children = fs.listStatusIterator(root);
                // Some stores find out that the path is missing only when asked for the first entry.
                any = children.hasNext();
            }
            catch (FileNotFoundException e) {
                if (location.mustExist()) {
                    throw new NoSuchPathException(location.location());
                }
                return Listing.MISSING;
            }
            List<FileIdentity> files = new ArrayList<>();
            List<UnlistedDirectory> unlisted = new ArrayList<>();
            while (any) {
                FileStatus child = children.next();
                if (child.isFile() && child.getPath().equals(qualifiedRoot)) {
                    // the location is a file itself
                    files.add(UfsFiles.identity(child));
                }
                else {
                    visit(fs, root, child, files, unlisted);
                }
                any = children.hasNext();
            }
            return Listing.sorted(qualifiedRoot, files, unlisted);
        }
        catch (NoSuchPathException e) {
            throw e;
        }
        catch (IOException | RuntimeException e) {
            throw failure("Cannot list", location.location(), root, e);
        }
    }

    /**
     * What says why {@code action} ("Cannot list") of {@code location} failed with {@code failure}:
     * its store unreachable, its connector missing, or the I/O error; any other runtime exception as
     * it is.
     */
    private RuntimeException failure(String action, String location, Path root, Exception failure) {
        // a file system that cannot be created for a host that does not resolve, for one
        unreachable(root, failure);
        if (failure instanceof org.apache.hadoop.fs.UnsupportedFileSystemException) {
            // no file system for the scheme: every location of it fails alike
            return new PlanningException("%s %s: %s".formatted(action, location, failure.getMessage()), failure);
        }
        if (failure instanceof IOException io) {
            return new ListingFailedException("%s %s: %s".formatted(action, location, reason(io)), failure);
        }
        // Hadoop names a class for the scheme (s3a, for one) that is not on the classpath
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ClassNotFoundException missing) {
                Matcher matcher = CLASS_NOT_FOUND.matcher(String.valueOf(missing.getMessage()));
                return new PlanningException("%s %s: the connector class %s is not on the classpath"
                        .formatted(action, location, matcher.matches() ? matcher.group(1) : missing.getMessage()), failure);
            }
        }
        return (RuntimeException) failure;
    }

    /**
     * Why {@code failure} happened, in words: the exceptions of {@link java.nio.file.Files} (a local
     * listing's) carry only the path ({@code AccessDeniedException: /data/d/sub}).
     */
    static String reason(IOException failure) {
        if (failure instanceof java.nio.file.AccessDeniedException denied) {
            return "permission denied: " + denied.getFile();
        }
        if (failure instanceof java.nio.file.NoSuchFileException missing) {
            return "no such file or directory: " + missing.getFile();
        }
        if (failure instanceof java.nio.file.FileSystemException other && other.getReason() != null) {
            return other.getFile() + ": " + other.getReason();
        }
        return String.valueOf(failure.getMessage());
    }

    /**
     * Throws what says that the store of {@code root} could not be reached, when that is what
     * {@code failure} says: {@code Cannot reach hdfs://nn:8020: unknown host nn}.
     */
    private void unreachable(Path root, Throwable failure) {
        URI uri = root.toUri();
        if (uri.getScheme() == null || uri.getAuthority() == null) {
            uri = FileSystem.getDefaultUri(hadoopConf);
        }
        String store = uri.getScheme() + "://" + (uri.getAuthority() == null ? "" : uri.getAuthority());
        Optional<String> reason = Unreachable.reason(failure, uri.getHost());
        if (reason.isPresent()) {
            throw new PlanningException("Cannot reach %s: %s".formatted(store, reason.get()), failure);
        }
    }

    private static Listing listLocal(Location location, java.nio.file.Path local, Path qualifiedRoot) throws IOException {
        List<FileIdentity> files = new ArrayList<>();
        List<UnlistedDirectory> unlisted = new ArrayList<>();
        try {
            LocalListing.list(local, qualifiedRoot, files, unlisted);
        }
        catch (NoSuchFileException e) {
            if (location.mustExist()) {
                throw new NoSuchPathException(location.location());
            }
            return Listing.MISSING;
        }
        return Listing.sorted(qualifiedRoot, files, unlisted);
    }

    /**
     * Adds {@code status} to {@code files} when it is a visible file, and the visible files below
     * it when it is a visible directory. A directory that cannot be listed (permission denied, an
     * I/O error of its own) goes to {@code unlisted} with why, and nothing of it to {@code files},
     * so that it fails alone; one that vanished since its parent was listed has nothing below it.
     *
     * @throws PlanningException when its store cannot be reached: every location of it fails alike
     */
    private void visit(FileSystem fs, Path root, FileStatus status, List<FileIdentity> files, List<UnlistedDirectory> unlisted) {
        if (isHidden(status.getPath().getName())) {
            return;
        }
        if (status.isDirectory()) {
            int filesBefore = files.size();
            int unlistedBefore = unlisted.size();
            try {
                RemoteIterator<FileStatus> children = fs.listStatusIterator(status.getPath());
                while (children.hasNext()) {
                    visit(fs, root, children.next(), files, unlisted);
                }
            }
            catch (FileNotFoundException e) {
                // deleted since its parent was listed: nothing below it, as the local listing skips it
                files.subList(filesBefore, files.size()).clear();
                unlisted.subList(unlistedBefore, unlisted.size()).clear();
            }
            catch (IOException e) {
                unreachable(root, e);
                files.subList(filesBefore, files.size()).clear();
                unlisted.subList(unlistedBefore, unlisted.size()).clear();
                unlisted.add(new UnlistedDirectory(status.getPath().toString(), reason(e)));
            }
        }
        else if (status.isFile()) {
            files.add(UfsFiles.identity(status));
        }
    }

    /** Hive's rule: names starting with {@code _} or {@code .} are not data. */
    static boolean isHidden(String name) {
        return name.startsWith("_") || name.startsWith(".");
    }

    private FileLoad fileLoad(FileIdentity file, List<CachedBlock> cachedBlocks, int replication) {
        long blockSize = config.blockSize();
        List<BlockTask> blocks = new ArrayList<>(Math.toIntExact((file.length() + blockSize - 1) / blockSize));
        for (long offset = 0; offset < file.length(); offset += blockSize) {
            int index = Math.toIntExact(offset / blockSize);
            long length = Math.min(blockSize, file.length() - offset);
            List<String> heldBy = BlockTask.heldIn(cachedBlocks, index, length);
            boolean cached = heldBy.size() >= replication;
            blocks.add(new BlockTask(file, index, offset, length, cached, cached ? List.of() : heldBy));
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
