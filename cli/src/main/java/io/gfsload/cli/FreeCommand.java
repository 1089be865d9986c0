package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.FreeResult;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.NoSuchPathException;
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

/** {@code gfsload free --table db.t [--partition ...] | --path ...}: removes cached blocks. */
@Command(name = "free",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Removes from the cache every block cached at or under the locations of table partitions or UFS paths, "
                + "on every worker: every cached version of each file, whether the UFS still has it or not (rewritten, deleted). "
                + "A path no longer in the UFS frees what is cached of it too. The UFS is not touched.")
public final class FreeCommand implements Callable<Integer> {
    private final CliEnvironment environment;

    @Spec
    CommandSpec spec;

    @Mixin
    TableSelectionOptions selection;

    @Option(names = "--path", paramLabel = "PATH", arity = "1..*", description = "UFS file or directory instead of a table. Several after one --path, or --path repeated.")
    List<String> paths = new ArrayList<>();

    @Mixin
    JsonOutput output;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    MetastoreOptions metastore;

    public FreeCommand(CliEnvironment environment) {
        this.environment = requireNonNull(environment, "environment is null");
    }

    /**
     * What {@code --json} prints: {@code exitCode}, the command's; {@code error}, the line printed
     * on stderr (the paths neither in the UFS nor cached), else null; {@code target}, what was
     * freed (without the paths not found; null when every path was not found); the files, blocks and bytes freed in all; the paths no
     * longer in the UFS and what was freed of each; the paths not found.
     */
    record Freeing(int exitCode, String error, String target, int files, int blocks, long bytes, List<NotInUfs> notInUfs, List<String> notFound) {}

    /** A path no longer in the UFS: the files freed cached as exactly its path, and under it as a directory. */
    record NotInUfs(String path, int filesAsFile, int filesUnder) {}

    @Override
    public Integer call() {
        LoadTarget selected = selection.toTarget(spec, paths, "free", environment.hadoopSettings());
        // a path given twice is freed, and named, once
        List<String> distinctPaths = paths.stream().distinct().toList();
        LoadTarget target = selected instanceof LoadTarget.Paths ? new LoadTarget.Paths(distinctPaths) : selected;
        boolean table = target instanceof LoadTarget.Table;
        PrintWriter out = spec.commandLine().getOut();
        Freed freed = new Freed();
        List<String> notFound = new ArrayList<>();
        List<String> notFoundPaths = new ArrayList<>();
        List<NotInUfs> notInUfs = new ArrayList<>();
        AtomicBoolean freeing = new AtomicBoolean();
        // SIGINT or SIGTERM from here on, while the metastore and the cache open too: one line says what was freed by then
        try (CommandInterruption interruption = CommandInterruption.start(spec, output, () -> freeing.get()
                ? "interrupted while freeing %s: %s freed by then; the same command frees the rest".formatted(target.describe(), freed.describe())
                : "interrupted before freeing %s: nothing was freed".formatted(target.describe()));
                Services services = Services.open(environment, connection, table ? Optional.of(metastore) : Optional.empty(), spec.commandLine().getErr())) {
            LoadRunner runner = new LoadRunner(services);
            // the UFS says which locations exist (and the metastore where the partitions are); the cache
            // is freed by location: every identity of every file at or under it, present in the UFS or
            // not, so that versions rewritten or deleted since they were loaded go too
            List<String> present = new ArrayList<>();
            List<String> gone = new ArrayList<>();
            if (target instanceof LoadTarget.Table tableTarget) {
                present.addAll(runner.locations(tableTarget));
            }
            else {
                for (String path : distinctPaths) {
                    (runner.exists(path) ? present : gone).add(path);
                }
            }
            freeing.set(true);
            for (String location : present) {
                freed.add(services.cache().freePath(runner.qualifiedPath(location)));
                freed.add(services.cache().freePrefix(runner.directoryPrefix(location)));
            }
            for (String path : gone) {
                // no longer in the UFS (moved, deleted): what the cache holds of it, as a file (any
                // identity of exactly its path) or as a directory (under its path and a '/'), is freed
                String file = runner.qualifiedPath(path);
                String prefix = runner.directoryPrefix(path);
                FreeResult exact = services.cache().freePath(file);
                FreeResult under = services.cache().freePrefix(prefix);
                List<String> what = new ArrayList<>();
                if (exact.files() > 0) {
                    what.add("the %s cached as %s".formatted(Sizes.count(exact.files(), "file"), file));
                }
                if (under.files() > 0) {
                    what.add("the %s cached under %s".formatted(Sizes.count(under.files(), "file"), prefix));
                }
                if (what.isEmpty()) {
                    notFoundPaths.add(path);
                    notFound.add("%s (nor is %s or any file under %s cached)".formatted(path, file, prefix));
                }
                else {
                    notInUfs.add(new NotInUfs(path, exact.files(), under.files()));
                    if (!output.json) {
                        out.printf("%s is not in the UFS: freed %s%n", path, String.join(" and ", what));
                    }
                }
                freed.add(exact);
                freed.add(under);
            }
        }
        if (CommandInterruption.ended()) {
            // freed as SIGINT or SIGTERM came: the hook said what, and nothing more is printed
            return ExitCode.FAILED;
        }
        // the paths not found freed nothing: the line names those that did not fail
        List<String> found = distinctPaths.stream().filter(path -> !notFoundPaths.contains(path)).toList();
        String freedTarget = notFoundPaths.isEmpty() ? target.describe() : found.isEmpty() ? null : new LoadTarget.Paths(found).describe();
        NoSuchPathException missing = notFound.isEmpty() ? null : new NoSuchPathException(String.join(", ", notFound));
        if (output.json) {
            output.printing();
            out.println(JsonOutput.write(new Freeing(missing == null ? ExitCode.OK : ExitCode.NOT_FOUND, missing == null ? null : GfsLoad.message(missing),
                    freedTarget, freed.files, freed.blocks, freed.bytes, notInUfs, notFoundPaths)));
        }
        else if (freedTarget != null) {
            // the paths found, whatever was cached of them (0 B): a path not found does not hide what became of the others
            out.printf("Freed %s: %s, %s of %s%n", freedTarget, Sizes.count(freed.blocks, "block"), Sizes.format(freed.bytes),
                    Sizes.count(freed.files, "file"));
        }
        out.flush();
        if (missing != null) {
            throw missing;
        }
        return ExitCode.OK;
    }

    /** What the frees of one command uncached, summed. */
    private static final class Freed {
        int files;
        int blocks;
        long bytes;

        synchronized void add(FreeResult result) {
            files += result.files();
            blocks += result.blocks();
            bytes += result.bytes();
        }

        /** What was freed so far, {@code 3 blocks, 2.0 MiB of 2 files}, as the command's thread adds it. */
        synchronized String describe() {
            return "%s, %s of %s".formatted(Sizes.count(blocks, "block"), Sizes.format(bytes), Sizes.count(files, "file"));
        }
    }
}
