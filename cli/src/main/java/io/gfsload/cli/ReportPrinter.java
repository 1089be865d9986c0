package io.gfsload.cli;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.gfsload.cache.api.UriCredentials;
import io.gfsload.catalog.Secrets;
import io.gfsload.executor.FileReport;
import io.gfsload.executor.LoadReport;
import io.gfsload.executor.LoadState;
import io.gfsload.executor.LoadTotals;
import io.gfsload.executor.LoadWindow;
import io.gfsload.executor.PartitionReport;
import io.gfsload.planner.UnlistedDirectory;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Prints a load report as a summary for people or as JSON for machines. */
final class ReportPrinter {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).addMixIn(LoadReport.class, StateFirst.class)
            .addMixIn(LoadReport.Evicted.class, FiguresOnly.class).addMixIn(FileReport.class, FileFigures.class);

    /** The report's JSON starts with how the load ended, its {@code state} (then the command's {@code exitCode}), as a failure's report does. */
    @JsonPropertyOrder({"state"})
    private interface StateFirst {}

    /** The evicted data's figures: the blocks of a slice's report are for its load to count, and a load's report has none. */
    @JsonIgnoreProperties({"perBlock"})
    private interface FiguresOnly {}

    /** A file's figures and error: whether a slice uncached a changed file is for its load's journal. */
    @JsonIgnoreProperties({"plannedVersionUncached"})
    private interface FileFigures {}

    private ReportPrinter() {}

    /** Prints {@code report} on {@code out}: as JSON ({@link #toJson}) with {@code exitCode}, the command's, or as the summary. */
    static void print(LoadReport report, int exitCode, boolean json, PrintWriter out) {
        print(report, exitCode, json, false, out);
    }

    /**
     * As {@link #print(LoadReport, int, boolean, PrintWriter)}; with {@code namePartitions} (a
     * selection such as {@code --latest} that does not name them) the summary names the partitions loaded.
     */
    static void print(LoadReport report, int exitCode, boolean json, boolean namePartitions, PrintWriter out) {
        out.print(json ? toJson(report, exitCode) + System.lineSeparator() : summary(report, namePartitions));
        out.flush();
    }

    /**
     * {@code report} as JSON, with {@code exitCode}, the code the command exits with, after its
     * {@code state}, as the report of a command that fails before it loads has it.
     */
    static String toJson(LoadReport report, int exitCode) {
        String json;
        try {
            json = JSON.writeValueAsString(shown(report));
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write the report as JSON", e);
        }
        // Inserted into the text, not through a tree of the report: a Spark driver's class path may pair
        // this jackson-databind with an older jackson-core, with which databind's token buffers fail.
        // The report's top-level fields are indented by two spaces, and a value has no line break.
        int state = json.indexOf(STATE_FIELD);
        int lineEnd = state < 0 ? -1 : json.indexOf('\n', state + STATE_FIELD.length());
        if (lineEnd < 0 || json.charAt(lineEnd - 1) != ',') {
            throw new IllegalStateException("The report's JSON has no state followed by other fields: " + json);
        }
        return json.substring(0, lineEnd) + "\n  \"exitCode\" : " + exitCode + "," + json.substring(lineEnd);
    }

    /**
     * {@code report} as it is shown: a secret in what it repeats from a UFS or the metastore (a
     * store URL's keys, a setting's value in an error) is hidden.
     */
    static LoadReport shown(LoadReport report) {
        return report.withTextsShown(ReportPrinter::shownName, ReportPrinter::shown);
    }

    /** {@code text}, which repeats what a UFS or the metastore said, with the secrets in it hidden: a URL's keys, a setting's value. */
    static String shown(String text) {
        return Secrets.hiddenIn(UriCredentials.hiddenIn(text));
    }

    /**
     * {@code name}, a path or a partition's name, with a URL's keys in it hidden: its partition
     * values stay as they are, as a column named {@code token} has them ({@code .../token=abc/part-0}).
     */
    static String shownName(String name) {
        return UriCredentials.hiddenIn(name);
    }

    /** The start of the report's {@code state} in its JSON: a top-level field. */
    private static final String STATE_FIELD = "\n  \"state\" : ";

    static String summary(LoadReport report) {
        return summary(report, false);
    }

    /**
     * Of the blocks the earlier runs of {@code job} committed, those not cached for reasons other
     * than the cache's, as a resume counts them after the cached ones ({@code , 2 of files changed
     * or deleted since, 3 of partitions no longer selected}); empty when there are none.
     */
    static String notCached(LoadReport.JobSummary job) {
        return (job.previousBlocksOfChangedFiles() == 0 ? "" : ", %d of files changed or deleted since".formatted(job.previousBlocksOfChangedFiles()))
                + (job.previousBlocksNotSelected() == 0 ? "" : ", %d of partitions no longer selected".formatted(job.previousBlocksNotSelected()));
    }

    /** Partitions a summary names, with {@code namePartitions}; the others are counted. */
    static final int PARTITIONS_NAMED = 10;

    static String summary(LoadReport unhidden, boolean namePartitions) {
        LoadReport report = shown(unhidden);
        LoadTotals t = report.totals();
        StringBuilder out = new StringBuilder();
        out.append("%s: %s%n".formatted(report.target(), report.state()));
        if (namePartitions && !report.partitions().isEmpty()) {
            // "latest 1" says how many, not which: the partitions chosen, so that a wrong choice shows
            List<String> names = report.partitions().stream().map(PartitionReport::name).toList();
            out.append("  chosen  %s%s%n".formatted(String.join(", ", names.subList(0, Math.min(names.size(), PARTITIONS_NAMED))),
                    names.size() > PARTITIONS_NAMED ? " and %d more".formatted(names.size() - PARTITIONS_NAMED) : ""));
        }
        if (report.droppedPartitions() != null) {
            out.append("  warning %s%n".formatted(report.droppedPartitions().warning()));
        }
        long missing = report.partitions().stream().filter(PartitionReport::locationMissing).count();
        if (missing > 0) {
            out.append("  partitions %d not found (location does not exist), nothing loaded there%n".formatted(missing));
        }
        if (t.partitionsFailed() - missing > 0) {
            out.append("  partitions %d not listed, their files not loaded%n".formatted(t.partitionsFailed() - missing));
        }
        if (t.directoriesFailed() > 0) {
            out.append("  directories %d not listed, their files not loaded%n".formatted(t.directoriesFailed()));
        }
        out.append("  files   %d planned, %d failed%n".formatted(t.files(), t.filesFailed()));
        out.append("  blocks  %d planned: %d loaded, %d already cached, %d failed%n"
                .formatted(t.blocks(), t.blocksLoaded(), t.blocksAlreadyCached(), t.blocksFailed()));
        out.append("  bytes   %s planned: %s loaded, %s already cached%n"
                .formatted(Sizes.format(t.bytes()), Sizes.format(t.bytesLoaded()), Sizes.format(t.bytesAlreadyCached())));
        if (report.staged() != null) {
            LoadReport.Staged staged = report.staged();
            if (staged.confirmed()) {
                out.append("  staged  %s, %s, in the temp area and not committed (invisible to readers), kept until %s: the same command adopts them%n"
                        .formatted(Sizes.count(staged.blocks(), "block"), Sizes.format(staged.bytes()), staged.keptUntil()));
            }
            else {
                out.append("  staged  %s, %s, by this run and earlier ones in the temp area and not committed (invisible to readers), as this run knows"
                        .formatted(Sizes.count(staged.blocks(), "block"), Sizes.format(staged.bytes()))
                        + " them (the master could not be asked), kept until %s unless renewed: the same command adopts them%n".formatted(staged.keptUntil()));
            }
        }
        if (report.job() != null && report.job().run() > 1) {
            out.append("  resumed job %s, run %d: the journal records %s committed (%d of them cached when this run started%s) and %s read from the UFS by %s%n"
                    .formatted(report.job().jobId(), report.job().run(), Sizes.count(report.job().previousBlocks(), "block"), report.job().previousBlocksCached(),
                            notCached(report.job()), Sizes.format(report.job().previousUfsBytesRead()), report.job().run() == 2 ? "the earlier run" : "earlier runs"));
        }
        if (report.job() != null && report.job().adoptedBlocks() > 0) {
            out.append("  adopted %s, %s, that earlier runs staged in the temp area: committed without reading them again (not in the rate)%n"
                    .formatted(Sizes.count(report.job().adoptedBlocks(), "block"), Sizes.format(report.job().adoptedBytes())));
        }
        if (report.job() != null && report.job().warning() != null) {
            // what is loaded stays loaded: the journal only counts it for the job's later runs
            out.append("  warning %s%n".formatted(report.job().warning()));
        }
        if (report.restore() != null && !report.restore().lostWorkers().isEmpty()) {
            out.append("  workers %s lost or stopped during the load: %s (%s) written again to live workers%n"
                    .formatted(String.join(", ", report.restore().lostWorkers()), Sizes.count(report.restore().blocks(), "block"),
                            Sizes.format(report.restore().bytes())));
        }
        else if (report.restore() != null) {
            out.append("  %s (%s) of the load missing from the workers after it (evicted, freed, or lost with a restarted worker): written again%n"
                    .formatted(Sizes.count(report.restore().blocks(), "block"), Sizes.format(report.restore().bytes())));
        }
        if (report.rewrittenBeforeCommit().commitsRefused() > 0) {
            LoadReport.RewrittenBeforeCommit rewritten = report.rewrittenBeforeCommit();
            // the blocks were read and written a second time: loaded once, and in the read line's excess over bytes written
            out.append("  commit  %s refused for blocks with their replicas only on lost workers %s: %s (%s) written again before committing%n"
                    .formatted(Sizes.count(rewritten.commitsRefused(), "scope commit"), String.join(", ", rewritten.lostWorkers()),
                            Sizes.count(rewritten.blocks(), "block"), Sizes.format(rewritten.bytes())));
        }
        if (report.evicted().replicas() > 0) {
            LoadReport.Evicted evicted = report.evicted();
            String replicas = evicted.replicas() == evicted.blocks() ? "" : ", %s".formatted(Sizes.count(evicted.replicas(), "replica"));
            out.append("  evicted %s (%s%s) of other cached data: the workers deleted them to make room for this load%n"
                    .formatted(Sizes.count(evicted.blocks(), "block"), Sizes.format(evicted.bytes()), replicas));
        }
        if (report.window() != null) {
            LoadReport.Window window = report.window();
            List<String> closed = new ArrayList<>();
            if (window.waitedMillis() > 0) {
                closed.add("waited %s for it".formatted(LoadWindow.describe(Duration.ofMillis(window.waitedMillis()))));
            }
            if (window.pauses() > 0) {
                closed.add("paused %s for %s".formatted(Sizes.count(window.pauses(), "time"), LoadWindow.describe(Duration.ofMillis(window.pausedMillis()))));
            }
            out.append("  window  %s (%s): %s%n".formatted(window.window(), window.zone(), closed.isEmpty() ? "loaded within it, no wait" : String.join(", ", closed)));
            if (window.warning() != null) {
                out.append("  warning %s%n".formatted(window.warning()));
            }
        }
        if (t.retries() > 0) {
            out.append("  retries %d after transient failures%n".formatted(t.retries()));
        }
        // the rate is of the work done: what the run read and wrote, which is what it loaded unless it staged without committing, or adopted
        String written = report.bytesWritten() == t.bytesLoaded() ? "" : " (%s read and written by this run)".formatted(Sizes.format(report.bytesWritten()));
        out.append("  time    %s, %s/s%s, replication %d%n"
                .formatted(String.format(Locale.ROOT, "%.1f s", report.durationMillis() / 1000.0), Sizes.format(report.bytesPerSecond()), written,
                        report.replication()));
        if (report.ufsBytesRead() > report.bytesWritten()) {
            // what the job's journal counts, and a resumed run says the earlier ones read
            // blocks written again before their scope's commit or by the check after the load were read again: the commit and restore lines count them
            List<String> reasons = new ArrayList<>(List.of("retries", "blocks whose write failed"));
            if (report.rewrittenBeforeCommit().blocks() > 0) {
                reasons.add("blocks written again before their scope's commit");
            }
            if (report.restore() != null && report.restore().blocks() > 0) {
                reasons.add("blocks written again after the load");
            }
            String why = String.join(", ", reasons.subList(0, reasons.size() - 1)) + ", and " + reasons.get(reasons.size() - 1);
            out.append("  read    %s from the UFS, %s more than written: %s%n"
                    .formatted(Sizes.format(report.ufsBytesRead()), Sizes.format(report.ufsBytesRead() - report.bytesWritten()), why));
        }
        if (report.verified()) {
            String replicas = report.replication() == 1 ? "its replica" : "its %d replicas".formatted(report.replication());
            out.append("  verify  %s every block on live workers with %s%n"
                    .formatted(t.filesFailed() == 0 ? "each file has" : "each file not failed has", replicas));
        }
        if (report.stopReason() != null) {
            out.append("  cause   %s%n".formatted(report.stopReason()));
        }
        if (report.state() != LoadState.SUCCEEDED) {
            if (missing > 0) {
                out.append("  partitions not found:%n".formatted());
                report.partitions().stream().filter(PartitionReport::locationMissing)
                        .forEach(partition -> out.append("    %s: %s%n".formatted(partition.name(), partition.error())));
            }
            if (t.partitionsFailed() - missing > 0) {
                out.append("  partitions not listed:%n".formatted());
                report.partitions().stream().filter(partition -> partition.error() != null && !partition.locationMissing())
                        .forEach(partition -> out.append("    %s: %s%n".formatted(partition.name(), partition.error())));
            }
            if (t.directoriesFailed() > 0) {
                out.append("  directories not listed:%n".formatted());
                for (PartitionReport partition : report.partitions()) {
                    for (UnlistedDirectory directory : partition.unlistedDirectories()) {
                        out.append("    %s%n".formatted(PlanPrinter.describe(directory, partition.name())));
                    }
                }
            }
            if (t.filesFailed() > 0 || t.partitionsFailed() == 0 && t.directoriesFailed() == 0) {
                out.append("  failed files:%n".formatted());
                for (FileReport file : report.failedFiles()) {
                    out.append("    %s: %s%n".formatted(file.path(), file.error()));
                }
            }
        }
        return out.toString();
    }

    static int exitCode(LoadReport report) {
        return switch (report.state()) {
            case SUCCEEDED -> ExitCode.OK;
            case PARTIAL -> ExitCode.PARTIAL;
            case FAILED -> ExitCode.FAILED;
        };
    }
}
