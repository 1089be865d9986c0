package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.FreeResult;
import io.gfsload.planner.LoadPlan;
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

/** {@code gfsload free --table db.t [--partition ...] | --path ...}: removes cached blocks. */
@Command(name = "free",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Removes from the cache every block of the files behind table partitions or UFS paths, on every worker. "
                + "The UFS is not touched.")
public final class FreeCommand implements Callable<Integer> {
    private final CliEnvironment environment;

    @Spec
    CommandSpec spec;

    @Mixin
    TableSelectionOptions selection;

    @Option(names = "--path", paramLabel = "PATH", arity = "1..*", description = "UFS file or directory instead of a table. Several after one --path, or --path repeated.")
    List<String> paths = new ArrayList<>();

    @Mixin
    ConnectionOptions connection;

    @Mixin
    MetastoreOptions metastore;

    public FreeCommand(CliEnvironment environment) {
        this.environment = requireNonNull(environment, "environment is null");
    }

    @Override
    public Integer call() {
        LoadRequest request = new LoadRequest(selection.toTarget(spec, paths, "free"), 1);
        boolean table = request.target() instanceof LoadTarget.Table;
        int files = 0;
        int blocks = 0;
        long bytes = 0;
        try (Services services = Services.open(environment, connection, table ? Optional.of(metastore) : Optional.empty())) {
            LoadPlan plan = new LoadRunner(services).plan(request, new WorkloadOptions(), List.of()).plan();
            for (FileIdentity file : plan.partitions().stream().flatMap(p -> p.files().stream()).map(f -> f.file()).toList()) {
                FreeResult freed = services.cache().free(file);
                files += freed.files();
                blocks += freed.blocks();
                bytes += freed.bytes();
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("Freed %s: %d blocks, %s of %d files%n", request.target().describe(), blocks, Sizes.format(bytes), files);
        out.flush();
        return ExitCode.OK;
    }
}
