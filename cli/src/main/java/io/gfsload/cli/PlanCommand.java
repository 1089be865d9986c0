package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gfsload plan --table db.t ... | --path ...}: the dry run, as a command of its own. */
@Command(name = "plan",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Prints, per partition (or path), the files, bytes and blocks a load would cover, what is already cached, what it "
                + "would load and an estimated duration, and whether it fits in the cache: the dry run of gfsload --table ... --dry-run "
                + "or gfsload distributedLoad --dry-run PATH.... Loads nothing. Exits as the load would before loading: 0, or 2 when the "
                + "cluster has fewer workers than replicas, 4 when it has enough but some are lost, 6 when the plan does not fit (0 with "
                + "--ignore-capacity), 3 when a partition, or a directory below one, could not be listed (a line says why), 5 when a table, partition or path is not found, 130 or 143 when SIGINT or SIGTERM "
                + "comes before the plan prints.")
public final class PlanCommand implements Callable<Integer> {
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
    PlanningOptions planning;

    @Mixin
    WorkloadOptions workload;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    MetastoreOptions metastore;

    public PlanCommand(CliEnvironment environment) {
        this.environment = requireNonNull(environment, "environment is null");
    }

    @Override
    public Integer call() {
        LoadRequest request = new LoadRequest(selection.toTarget(spec, paths, "plan", environment.hadoopSettings()), load.replication);
        boolean table = request.target() instanceof LoadTarget.Table;
        planning.validate(environment.home());
        workload.validate();
        // the load this plans for would refuse a bad $GFSLOAD_JOURNAL_RETENTION: so does its plan, as the dry run does
        environment.journalRetention();
        PrintWriter err = spec.commandLine().getErr();
        // SIGINT or SIGTERM from here on, while the metastore and the cache open too: one line says no plan is printed
        try (LoadInterruption interruption = LoadInterruption.startDryRun(spec.commandLine().getOut(), err, load);
                Services services = Services.open(environment, connection, table ? Optional.of(metastore) : Optional.empty(), err)) {
            return LoadAction.dryRun(spec, services, environment, interruption, request, load, planning, workload, Optional.empty());
        }
    }
}
