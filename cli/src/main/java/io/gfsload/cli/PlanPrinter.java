package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.common.math.LongMath;
import io.gfsload.advisor.BackendProfile;
import io.gfsload.advisor.WorkloadProfile;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.executor.Adopted;
import io.gfsload.executor.PlanCapacity;
import io.gfsload.planner.DroppedPartitions;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PartitionLoad;
import io.gfsload.planner.UnlistedDirectory;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** Prints a dry run: per partition what would be loaded, the totals and whether it fits. */
final class PlanPrinter {
    /** The throughput a duration estimate assumes until the tuning advisor measures the UFS. */
    static final long ASSUMED_BYTES_PER_SECOND = 200L << 20;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PlanPrinter() {}

    /**
     * One partition of a dry run: {@code error} says why its location could not be listed (in the
     * totals: how many of the partitions could not be, or do not exist), {@code locationMissing}
     * whether that is because the location does not exist, {@code unlistedDirectories} which
     * directories below it could not be (in the totals: all of the plan's), their files in no count.
     * {@code blocksToLoad}, {@code bytesToLoad} and {@code estimatedSeconds} count what the load reads
     * from the UFS: not the blocks an earlier run of its atomic job staged, which it adopts
     * ({@code adoptedBlocks}, {@code adoptedBytes}; 0 for a load that is not atomic).
     */
    record PartitionSummary(String name, String location, long files, long bytes, long blocks, long blocksCached, long bytesCached,
            long blocksToLoad, long bytesToLoad, long adoptedBlocks, long adoptedBytes, double estimatedSeconds, String error, boolean locationMissing,
            List<UnlistedDirectory> unlistedDirectories) {
        /** Whether the location and every directory below it were listed. */
        boolean complete() {
            return error == null && unlistedDirectories.isEmpty();
        }
    }

    /**
     * The dry run as printed with {@code --json}; {@code droppedPartitions}, the selected
     * partitions the metastore dropped while the command planned, or null; {@code paths}, whether
     * the rows are paths rather than a table's partitions (which the tables' first column says;
     * the JSON's {@code target} shows it).
     */
    record PlanSummary(String target, int replication, long blockSize, List<PartitionSummary> partitions, PartitionSummary totals,
            int liveWorkers, long availableBytes, long neededBytes, long heldReplicaBytes, long largestBlockBytes, int workersForLargestBlock, boolean fits,
            long assumedBytesPerSecond, String assumedBecause, long adoptedBytes, DroppedPartitions droppedPartitions, @JsonIgnore boolean paths) {
        /** The head of the tables' first column: {@code PATH} or {@code PARTITION}. */
        String column() {
            return paths ? "PATH" : "PARTITION";
        }
    }

    /**
     * The UFS read rate estimates assume, and why: the least of {@code --bandwidth}, the store's
     * cap on all streams and one stream's bandwidth times the read threads, as far as they are
     * known; else {@link #ASSUMED_BYTES_PER_SECOND}.
     *
     * @param bytesPerSecond the rate
     * @param because where it comes from, e.g. {@code --bandwidth}
     */
    record UfsRate(long bytesPerSecond, String because) {
        static final UfsRate DEFAULT = new UfsRate(ASSUMED_BYTES_PER_SECOND, "no bandwidth of the UFS given or probed");

        /** The rate of a load of {@code profile} (its cap, --bandwidth, and its store) with {@code readThreads}. */
        static UfsRate of(WorkloadProfile profile, long readThreads) {
            return of(profile, readThreads, 1);
        }

        /**
         * The rate of a load of {@code profile} in {@code slicesAtATime} slices at a time (a Spark
         * job's executors), each with up to {@code readThreads}; 1 for a load in this process.
         */
        static UfsRate of(WorkloadProfile profile, long readThreads, int slicesAtATime) {
            List<UfsRate> known = new ArrayList<>();
            if (profile.bandwidthCap() > 0) {
                known.add(new UfsRate(profile.bandwidthCap(), "--bandwidth"));
            }
            BackendProfile backend = profile.backend();
            if (backend.hasAggregateCap()) {
                known.add(new UfsRate(backend.aggregateBytesPerSecond(), "the UFS's bandwidth for all streams"));
            }
            if (backend.hasPerStreamBandwidth()) {
                long threads = Math.max(1, readThreads);
                int slices = Math.max(1, slicesAtATime);
                // a stream of up to 8 EiB/s times the threads: the most a long holds, not a negative rate
                known.add(new UfsRate(LongMath.saturatedMultiply(LongMath.saturatedMultiply(backend.perStreamBytesPerSecond(), threads), slices),
                        "%s x %d read threads%s".formatted(Sizes.format(backend.perStreamBytesPerSecond()) + "/s per stream", threads,
                                slices == 1 ? "" : " x %d slices at a time".formatted(slices))));
            }
            return known.stream().min(Comparator.comparingLong(UfsRate::bytesPerSecond)).orElse(DEFAULT);
        }
    }

    static PlanSummary summarize(LoadPlan plan, ClusterInfo cluster) {
        return summarize(plan, PlanCapacity.of(plan, cluster), UfsRate.DEFAULT);
    }

    /** {@code plan} with {@code capacity}, the cluster's room for what a load of it writes. */
    static PlanSummary summarize(LoadPlan plan, PlanCapacity capacity, UfsRate rate) {
        List<PartitionSummary> partitions = new ArrayList<>();
        for (PartitionLoad partition : plan.partitions()) {
            partitions.add(summarize(partition.name(), partition.location(), partition.files(), capacity, rate.bytesPerSecond(), partition.listingError(),
                    partition.locationMissing(), partition.unlistedDirectories()));
        }
        long missing = plan.partitions().stream().filter(PartitionLoad::locationMissing).count();
        long unlisted = plan.partitions().stream().filter(p -> !p.listed()).count() - missing;
        // what is cached of a location not listed is not known, so neither is the share of the whole;
        // nor is the whole cached when some of it has no data yet
        List<String> totalErrors = new ArrayList<>();
        if (unlisted > 0) {
            totalErrors.add("%d of %d not listed: what is cached there is not known".formatted(unlisted, plan.partitions().size()));
        }
        if (missing > 0) {
            totalErrors.add("%d of %d not found: %s".formatted(missing, plan.partitions().size(),
                    missing == 1 ? "its location does not exist" : "their locations do not exist"));
        }
        String totalError = totalErrors.isEmpty() ? null : String.join("; ", totalErrors);
        PartitionSummary total = summarize("total", "", plan.partitions().stream().flatMap(p -> p.files().stream()).toList(), capacity, rate.bytesPerSecond(), totalError,
                false, plan.partitions().stream().flatMap(p -> p.unlistedDirectories().stream()).toList());
        return new PlanSummary(plan.request().target().describe(), plan.request().replication(), plan.blockSize(), partitions, total,
                capacity.liveWorkers(), capacity.availableBytes(), capacity.neededBytes(), capacity.heldBytes(), capacity.largestBlockBytes(),
                capacity.workersForLargestBlock(), capacity.fits(), rate.bytesPerSecond(), rate.because(), capacity.adoptedBytes(), plan.droppedPartitions(),
                plan.request().target() instanceof LoadTarget.Paths);
    }

    /** {@code files}, of which the load reads from the UFS what is neither cached nor adopted ({@link PlanCapacity#adopted}). */
    private static PartitionSummary summarize(String name, String location, List<FileLoad> files, PlanCapacity capacity, long bytesPerSecond, String error,
            boolean locationMissing, List<UnlistedDirectory> unlistedDirectories) {
        long bytes = files.stream().mapToLong(f -> f.file().length()).sum();
        long blocks = files.stream().mapToLong(f -> f.blocks().size()).sum();
        long blocksCached = files.stream().flatMap(f -> f.blocks().stream()).filter(b -> b.cached()).count();
        long bytesCached = files.stream().mapToLong(FileLoad::cachedBytes).sum();
        Adopted adopted = capacity.adopted(files);
        long bytesToLoad = bytes - bytesCached - adopted.bytes();
        // as every output shows them: the secrets in what the UFS said of a location it could not list hidden
        return new PartitionSummary(name, ReportPrinter.shownName(location), files.size(), bytes, blocks, blocksCached, bytesCached,
                blocks - blocksCached - adopted.blocks(), bytesToLoad, adopted.blocks(), adopted.bytes(), (double) bytesToLoad / bytesPerSecond,
                error == null ? null : ReportPrinter.shown(error), locationMissing,
                unlistedDirectories.stream().map(d -> new UnlistedDirectory(ReportPrinter.shownName(d.path()), ReportPrinter.shown(d.error()))).toList());
    }

    /**
     * The dry run as {@code --json} prints it and {@code --report} gets it: how the command ends,
     * then the plan's fields.
     *
     * @param exitCode the code the command exits with
     * @param error the line the command prints on stderr when it refuses the plan (exit 2, 4 or 6),
     *        else null
     */
    record PlanReport(int exitCode, String error, @JsonUnwrapped PlanSummary plan) {
        PlanReport {
            requireNonNull(plan, "plan is null");
        }
    }

    /** Prints {@code summary}, as {@code gfsload plan} and {@code --dry-run} do: as JSON ({@link #json}) or as the table. */
    static void print(PlanSummary summary, int exitCode, String error, boolean json, PrintWriter out) {
        if (json) {
            out.println(json(summary, exitCode, error));
        }
        else {
            out.print(table(summary));
        }
        out.flush();
    }

    /** {@code summary} as the JSON that {@code --json} prints, with the command's {@code exitCode} and {@code error} ({@link PlanReport}). */
    static String json(PlanSummary summary, int exitCode, String error) {
        try {
            return JSON.writeValueAsString(new PlanReport(exitCode, error, summary));
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write the plan as JSON", e);
        }
    }

    /**
     * The widest the partition column of the plan and status tables gets: a longer name (a value
     * of hundreds of characters) is elided in its middle there, so that it does not widen every
     * row; the JSON, and the lines of partitions not listed, keep the whole name.
     */
    static final int MAX_PARTITION_COLUMN = 60;

    /** {@code name} as the partition column shows it: whole, or its start and end around {@code ...}, {@link #MAX_PARTITION_COLUMN} characters in all. */
    static String partitionColumn(String name) {
        int length = name.codePointCount(0, name.length());
        if (length <= MAX_PARTITION_COLUMN) {
            return name;
        }
        int kept = MAX_PARTITION_COLUMN - "...".length();
        int head = (kept + 1) / 2;
        int tail = kept - head;
        return name.substring(0, name.offsetByCodePoints(0, head)) + "..." + name.substring(name.offsetByCodePoints(0, length - tail));
    }

    private static String columnsFormat(PlanSummary summary) {
        int width = Math.max(9, summary.partitions().stream().mapToInt(p -> partitionColumn(p.name()).length()).max().orElse(0));
        return "%-" + width + "s %7s %11s %7s %7s %11s %9s%n";
    }

    static String table(PlanSummary summary) {
        String format = columnsFormat(summary);
        StringBuilder out = new StringBuilder();
        out.append("Plan for %s: replication %d, %s blocks (dry run, nothing loaded)%n".formatted(summary.target(), summary.replication(), Sizes.format(summary.blockSize())));
        out.append(format.formatted(summary.column(), "FILES", "BYTES", "BLOCKS", "CACHED", "TO LOAD", "EST."));
        for (PartitionSummary p : summary.partitions()) {
            out.append(row(format, p));
        }
        out.append(row(format, summary.totals()));
        PartitionSummary totals = summary.totals();
        if (totals.adoptedBlocks() > 0) {
            out.append("Adopts %s, %s staged by an earlier run of the job: committed without reading %s again, not in TO LOAD%n".formatted(
                    Sizes.count(totals.adoptedBlocks(), "block"), Sizes.format(totals.adoptedBytes()), totals.adoptedBlocks() == 1 ? "it" : "them"));
        }
        out.append("Needs %s (%s to load x %s%s%s); %d live %s %s free or evictable: %s%n".formatted(
                Sizes.format(summary.neededBytes()), Sizes.format(totals.bytesToLoad()), Sizes.count(summary.replication(), "replica"),
                summary.heldReplicaBytes() == 0 ? "" : ", less %s of replicas already cached".formatted(Sizes.format(summary.heldReplicaBytes())),
                summary.adoptedBytes() == 0 ? "" : "; %s more staged by an earlier run of the job, adopted".formatted(Sizes.format(summary.adoptedBytes())),
                summary.liveWorkers(), summary.liveWorkers() == 1 ? "worker has" : "workers have",
                Sizes.format(summary.availableBytes()), summary.fits() ? "fits"
                        : summary.replication() > summary.liveWorkers()
                                ? summary.replication() == 1 ? "DOES NOT FIT (no live worker)" : "DOES NOT FIT (each replica of a block needs a worker of its own)"
                        : summary.workersForLargestBlock() < summary.replication()
                                ? "DOES NOT FIT (the largest block to load, %s, needs a tier that large on %s: %d of the live workers have one)".formatted(
                                        Sizes.format(summary.largestBlockBytes()), Sizes.count(summary.replication(), "worker"), summary.workersForLargestBlock())
                        : "DOES NOT FIT"));
        out.append("Estimates assume %s/s from the UFS (%s).%n".formatted(Sizes.format(summary.assumedBytesPerSecond()), summary.assumedBecause()));
        out.append(unlisted(summary, true));
        return out.toString();
    }

    /**
     * The partitions whose location does not exist, and those, and the directories below the
     * others, that could not be listed, a line each with why: their files are in no count; and the
     * partitions the metastore dropped while the command planned, in no count either. {@code loads}:
     * whether the lines are of what a load would do ({@code Not found, not loaded: ...}), as a dry
     * run's are, or of what is cached ({@code Not found: ...}), as {@code status}'s are.
     */
    private static String unlisted(PlanSummary summary, boolean loads) {
        String notLoaded = loads ? ", not loaded" : "";
        StringBuilder out = new StringBuilder();
        if (summary.droppedPartitions() != null) {
            out.append("Warning: %s%n".formatted(summary.droppedPartitions().warning()));
        }
        for (PartitionSummary p : summary.partitions()) {
            if (p.locationMissing()) {
                out.append("Not found%s: %s: %s%n".formatted(notLoaded, p.name(), p.error()));
            }
            else if (p.error() != null) {
                out.append("Not listed%s: %s: %s%n".formatted(notLoaded, p.name(), p.error()));
            }
            for (UnlistedDirectory directory : p.unlistedDirectories()) {
                out.append("Not listed%s: %s%n".formatted(notLoaded, describe(directory, p.name())));
            }
        }
        return out.toString();
    }

    /** A directory that could not be listed, in the partition {@code partition}, and why: {@code file:/d/p/secret (in /d/p): permission denied: /d/p/secret}. */
    static String describe(UnlistedDirectory directory, String partition) {
        return "%s (in %s): %s".formatted(directory.path(), partition, directory.error());
    }

    /** The cached share of each partition, as {@code gfsload status} prints it. */
    static String status(PlanSummary summary) {
        String format = columnsFormat(summary);
        StringBuilder out = new StringBuilder();
        out.append("Cached state of %s at replication %d%n".formatted(summary.target(), summary.replication()));
        out.append(format.formatted(summary.column(), "FILES", "BYTES", "BLOCKS", "CACHED", "CACHED B", "CACHED %"));
        List<PartitionSummary> rows = new ArrayList<>(summary.partitions());
        rows.add(summary.totals());
        for (PartitionSummary p : rows) {
            out.append(format.formatted(partitionColumn(p.name()), p.files(), Sizes.format(p.bytes()), p.blocks(), p.blocksCached(), Sizes.format(p.bytesCached()),
                    p.locationMissing() ? "missing" : p.error() == null ? percent(cachedPercent(p)) : "?"));
        }
        out.append(unlisted(summary, false));
        return out.toString();
    }

    /** {@code value} to a tenth, rounded down: what is not all cached never shows as {@code 100.0 %}. */
    static String percent(double value) {
        return String.format(Locale.ROOT, "%.1f %%", Math.floor(value * 10) / 10);
    }

    /** Cached bytes as a share of the bytes; an empty partition counts as fully cached. */
    static double cachedPercent(PartitionSummary p) {
        if (p.bytes() == 0 || p.bytesCached() == p.bytes()) {
            // whole: 100.0 * bytes / bytes is just below 100 for many sizes past 90 TB
            return 100.0;
        }
        // and what is not whole is below 100, however large
        return Math.min(100.0 * p.bytesCached() / p.bytes(), Math.nextDown(100.0));
    }

    private static String row(String format, PartitionSummary p) {
        return format.formatted(partitionColumn(p.name()), p.files(), Sizes.format(p.bytes()), p.blocks(), p.blocksCached(), Sizes.format(p.bytesToLoad()),
                String.format(Locale.ROOT, "%.1f s", p.estimatedSeconds()));
    }
}
