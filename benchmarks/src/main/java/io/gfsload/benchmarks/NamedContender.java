package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/** A contender with its name and description, as every contender of the harness has them. */
abstract class NamedContender implements Contender {
    private final String name;
    private final String description;

    NamedContender(String name, String description) {
        this.name = requireNonNull(name, "name is null");
        this.description = requireNonNull(description, "description is null");
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String description() {
        return description;
    }

    /** One run's work in its scratch directory. */
    interface RunBody {
        /**
         * @param what names the run in messages, e.g. {@code P2 gfsload run 3}
         * @param directory the run's scratch directory
         */
        RunResult run(String what, Path directory);
    }

    /**
     * Runs {@code body} in the scratch directory of run {@code run} of data set {@code dataId},
     * deleted after the run and after a failure too (a failure to delete it then is added to the
     * run's failure, {@link Directories#deleteAfterFailure}).
     */
    final RunResult inRunDirectory(Workspace workspace, String dataId, int run, RunBody body) {
        String what = "%s %s run %d".formatted(dataId, name, run);
        Path directory = workspace.runDirectory(dataId, name, run);
        RunResult result;
        try {
            result = body.run(what, directory);
        }
        catch (RuntimeException e) {
            Directories.deleteAfterFailure(e, directory);
            throw e;
        }
        Directories.deleteAfterRun(what, directory);
        return result;
    }
}
