package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.planner.LoadRequest;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code gfsload plan --table db.t ...}: the dry run, as a command of its own. */
@Command(name = "plan",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Prints, per partition, the files, bytes and blocks a load would cover, what is already cached, what it "
                + "would load and an estimated duration, and whether it fits in the cache. Loads nothing. Exits as the load would: 2 "
                + "when there are fewer live workers than replicas, 6 when the plan does not fit.")
public final class PlanCommand implements Callable<Integer> {
    private final CliEnvironment environment;

    @Spec
    CommandSpec spec;

    @Mixin
    TableSelectionOptions selection;

    @Mixin
    LoadOptions load;

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
        LoadRequest request = new LoadRequest(selection.toTarget(spec), load.replication);
        workload.validate();
        try (Services services = Services.open(environment, connection, Optional.of(metastore))) {
            LoadRunner runner = new LoadRunner(services);
            LoadRunner.Planned planned = runner.plan(request, workload, List.of());
            PlanPrinter.printDryRun(planned.plan(), services.cache().clusterInfo(), LoadRunner.ufsRate(planned, OptionalLong.empty()), load.json,
                    spec.commandLine().getOut());
            // exits as the load would: 2 or 6, with the reason, for a plan the cluster cannot take
            runner.validate(planned, false);
            return ExitCode.OK;
        }
    }
}
