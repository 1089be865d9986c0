package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.planner.LoadRequest;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gfsload distributedLoad <path>...}: loads UFS files and directories, as GooseFS's command does. */
@Command(name = "distributedLoad",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Loads the files under UFS paths into the cache (directories recursively; names starting with _ or . are skipped).")
public final class DistributedLoadCommand implements Callable<Integer> {
    private final CliEnvironment environment;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "PATH", arity = "1..*", description = "UFS file or directory, e.g. cosn://bucket/dir, hdfs://nn/dir or /local/dir.")
    List<String> paths;

    @Mixin
    LoadOptions load;

    @Mixin
    PlanningOptions planning;

    @Mixin
    ExecutionOptions execution;

    @Option(names = "--dry-run", description = "Plan and print what would be loaded, per path; load nothing (as gfsload plan --path). Exits as the load would: "
            + "2, 4 or 6 for a plan the cluster cannot take, 3 when a path, or a directory below one, cannot be listed, 5 when a path is not found, 130 or 143 when "
            + "SIGINT or SIGTERM comes before the plan prints.")
    boolean dryRun;

    @Mixin
    WorkloadOptions workload;

    @Mixin
    ConnectionOptions connection;

    public DistributedLoadCommand(CliEnvironment environment) {
        this.environment = requireNonNull(environment, "environment is null");
    }

    @Override
    public Integer call() {
        LoadRequest request = new LoadRequest(UfsPaths.of(paths, environment.hadoopSettings()), load.replication);
        planning.validate(environment.home());
        execution.validate(environment);
        workload.validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // SIGINT or SIGTERM from here on, while the metastore and the cache open too: one line says where the command was
        try (LoadInterruption interruption = dryRun ? LoadInterruption.startDryRun(out, err, load)
                : LoadInterruption.start(out, err, load, environment.jobsDirectory());
                Services services = Services.open(environment, connection, Optional.empty(), err)) {
            if (dryRun) {
                return LoadAction.dryRun(spec, services, environment, interruption, request, load, planning, workload, Optional.of(execution));
            }
            return LoadAction.load(spec, services, environment, interruption, request, load, planning, execution, workload);
        }
    }
}
