package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.planner.LoadRequest;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gfsload --table db.t [--partition k=v]...}: loads table partitions into the cache. */
@Command(name = "gfsload",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Warms the cache with the files behind Hive table partitions, before the queries that read them.",
        // a list, not footer lines: picocli wraps each entry under its own text, not at column 0
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:everything requested is cached at the requested replication",
                "2:bad usage or input",
                "3:partial: some files failed, or partitions (or directories below them) could not be listed or have no location in the UFS; "
                        + "the report lists them",
                "4:failed (also: more than 100 files and 5 %% of the files failed, which stops the job whatever it cached; "
                        + "stdout could not be written, e.g. a full disk)",
                "5:table, partition or path not found (also: no selected partition has its location in the UFS)",
                "6:not enough cache capacity for the plan",
                "130, 143:interrupted (SIGINT, SIGTERM) during a load: no report; the same command resumes the job (--dry-run: no plan printed)"},
        footerHeading = "%n",
        footer = {
                "Without --master and --metastore, gfsload runs an embedded cache cluster and",
                "metastore, with the demo table demo.events, in $GFSLOAD_HOME (~/.gfsload).",
                "'gfsload cluster start' and 'gfsload metastore start' run them as processes of",
                "their own, for a Spark job and for commands side by side."})
public final class GfsLoadCommand implements Callable<Integer> {
    private final CliEnvironment environment;

    @Spec
    CommandSpec spec;

    @Mixin
    TableSelectionOptions selection;

    @Mixin
    LoadOptions load;

    @Mixin
    PlanningOptions planning;

    @Mixin
    ExecutionOptions execution;

    @Option(names = "--dry-run", description = "Plan and print what would be loaded, per partition; load nothing (as gfsload plan). Exits as the load would: "
            + "2, 4 or 6 for a plan the cluster cannot take, 3 when a partition, or a directory below one, cannot be listed, 5 when the table or a "
            + "partition is not found, 130 or 143 when SIGINT or SIGTERM comes before the plan prints.")
    boolean dryRun;

    @Mixin
    WorkloadOptions workload;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    MetastoreOptions metastore;

    public GfsLoadCommand(CliEnvironment environment) {
        this.environment = requireNonNull(environment, "environment is null");
    }

    @Override
    public Integer call() {
        LoadRequest request = new LoadRequest(selection.toTarget(spec), load.replication);
        planning.validate(environment.home());
        execution.validate(environment);
        workload.validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // SIGINT or SIGTERM from here on, while the metastore and the cache open too: one line says where the command was
        try (LoadInterruption interruption = dryRun ? LoadInterruption.startDryRun(out, err, load)
                : LoadInterruption.start(out, err, load, environment.jobsDirectory());
                Services services = Services.open(environment, connection, Optional.of(metastore), err)) {
            if (dryRun) {
                return LoadAction.dryRun(spec, services, environment, interruption, request, load, planning, workload, Optional.of(execution));
            }
            return LoadAction.load(spec, services, environment, interruption, request, load, planning, execution, workload);
        }
    }
}
