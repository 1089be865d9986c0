package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.gfsload.planner.DroppedPartitions;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.UnlistedDirectory;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gfsload status --table db.t [--partition ...] | --path ...}: how much is cached, per partition. */
@Command(name = "status",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Prints, per partition (or path), the files, bytes and blocks and how much of them is cached on live workers with "
                + "the given replication. Loads nothing.")
public final class StatusCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final CliEnvironment environment;

    @Spec
    CommandSpec spec;

    @Mixin
    TableSelectionOptions selection;

    @Option(names = "--path", paramLabel = "PATH", arity = "1..*", description = "UFS file or directory instead of a table. Several after one --path, or --path repeated.")
    List<String> paths = new ArrayList<>();

    @Mixin
    LoadOptions load;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    MetastoreOptions metastore;

    public StatusCommand(CliEnvironment environment) {
        this.environment = requireNonNull(environment, "environment is null");
    }

    /**
     * One partition's cached state, as {@code --json} prints it: the cached share of the files
     * listed; a partition that could not be listed, or whose location does not exist
     * ({@code locationMissing}), has none ({@code null}), and its error; the directories below a
     * partition that could not be listed, and why (in the totals: all of them).
     */
    record PartitionStatus(String name, long files, long bytes, long blocks, long blocksCached, long bytesCached, Double cachedPercent, String error,
            boolean locationMissing, List<UnlistedDirectory> unlistedDirectories) {
        static PartitionStatus of(PlanPrinter.PartitionSummary p) {
            return new PartitionStatus(p.name(), p.files(), p.bytes(), p.blocks(), p.blocksCached(), p.bytesCached(),
                    p.error() == null ? PlanPrinter.cachedPercent(p) : null, p.error(), p.locationMissing(), p.unlistedDirectories());
        }
    }

    /**
     * The whole status, as {@code --json} prints it: {@code exitCode}, the code the command exits
     * with; {@code error}, null, as the partitions say why one could not be listed (a status that
     * fails before it has one prints the FAILED report with its error instead); {@code
     * droppedPartitions}, the selected partitions the metastore dropped while it planned, or null.
     */
    record Status(int exitCode, String error, String target, int replication, List<PartitionStatus> partitions, PartitionStatus totals,
            DroppedPartitions droppedPartitions) {}

    @Override
    public Integer call() throws JsonProcessingException {
        LoadRequest request = new LoadRequest(selection.toTarget(spec, paths, "report on", environment.hadoopSettings()), load.replication);
        boolean table = request.target() instanceof LoadTarget.Table;
        PlanPrinter.PlanSummary summary;
        // SIGINT or SIGTERM from here on, while the metastore and the cache open too: one line says no status is printed
        AtomicBoolean planning = new AtomicBoolean();
        try (CommandInterruption interruption = CommandInterruption.start(spec, load,
                () -> "interrupted %s planning: no status printed".formatted(planning.get() ? "while" : "before"));
                Services services = Services.open(environment, connection, table ? Optional.of(metastore) : Optional.empty(), spec.commandLine().getErr())) {
            LoadRunner runner = new LoadRunner(services, spec.commandLine().getErr(), PlanningProgress.display(ProgressReporter.stderrIsTerminal()));
            interruption.planning(runner::stopPlanningProgress);
            planning.set(true);
            LoadRunner.Planned planned = runner.plan(request, new WorkloadOptions(), List.of());
            summary = PlanPrinter.summarize(planned.plan(), services.cache().clusterInfo());
        }
        if (CommandInterruption.ended()) {
            // the status was made as SIGINT or SIGTERM came: the hook said none is printed, and none is
            return ExitCode.FAILED;
        }
        // a partition, or a directory below one, that could not be listed: what is cached of it is not known;
        // a partition whose location does not exist: its data is not there, as a load would end partial
        int code = summary.partitions().stream().allMatch(PlanPrinter.PartitionSummary::complete) ? ExitCode.OK : ExitCode.PARTIAL;
        PrintWriter out = spec.commandLine().getOut();
        load.printing();
        if (load.json) {
            Status status = new Status(code, null, summary.target(), summary.replication(),
                    summary.partitions().stream().map(PartitionStatus::of).toList(), PartitionStatus.of(summary.totals()), summary.droppedPartitions());
            out.println(JSON.writeValueAsString(status));
        }
        else {
            out.print(PlanPrinter.status(summary));
        }
        out.flush();
        return code;
    }
}
