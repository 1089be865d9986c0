package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableName;
import io.gfsload.executor.LoadReport;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code gfsload --table db.t [--partition k=v]...}: loads table partitions into the cache. */
@Command(name = "gfsload",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Warms the cache with the files behind Hive table partitions, before the queries that read them.",
        footerHeading = "%nExit codes:%n",
        footer = {
                "  0  everything requested is cached at the requested replication",
                "  2  bad usage or input",
                "  3  partial: some files failed; the report lists them",
                "  4  failed",
                "  5  table, partition or path not found",
                "",
                "Without --master and --metastore, gfsload runs an embedded cache cluster and metastore in",
                "$GFSLOAD_HOME (default ~/.gfsload), with the demo table demo.events."})
public final class GfsLoadCommand implements Callable<Integer> {
    private final CliEnvironment environment;

    @Spec
    CommandSpec spec;

    @Option(names = "--table", paramLabel = "DB.TABLE", description = "Table to load, e.g. demo.events.")
    String table;

    @Option(names = "--partition", paramLabel = "K=V[/K2=V2]",
            description = "Partition to load, e.g. dt=2026-11-20 or dt=2026-11-20/hr=03; repeatable. Default: every partition.")
    List<String> partitions = new ArrayList<>();

    @Mixin
    LoadOptions load;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    MetastoreOptions metastore;

    public GfsLoadCommand(CliEnvironment environment) {
        this.environment = requireNonNull(environment, "environment is null");
    }

    @Override
    public Integer call() {
        if (table == null) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--table=DB.TABLE'");
        }
        LoadTarget target = new LoadTarget.Table(TableName.parse(table), partitions.stream().map(PartitionSpec::parse).toList());
        LoadRequest request = new LoadRequest(target, load.replication);
        try (Services services = Services.open(environment, connection, Optional.of(metastore))) {
            LoadReport report = LoadRunner.run(request, services, spec.commandLine().getErr());
            ReportPrinter.print(report, load.json, spec.commandLine().getOut());
            return ReportPrinter.exitCode(report);
        }
    }
}
