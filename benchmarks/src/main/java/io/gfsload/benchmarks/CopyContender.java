package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A shell baseline: a real {@code cp} (or pipeline of them) that copies the data set into an
 * empty directory in the scratch directory. The process is timed from start to exit; the copy is
 * checked (every file, every byte) and deleted after each run.
 */
final class CopyContender extends NamedContender {
    private static final long TIMEOUT_MINUTES = 60;

    private final DataSet data;
    private final Function<Path, List<String>> command;
    private final Workspace workspace;

    /**
     * @param command the command line for a destination directory
     */
    CopyContender(String name, String description, DataSet data, Function<Path, List<String>> command, Workspace workspace) {
        super(name, description);
        this.data = requireNonNull(data, "data is null");
        this.command = requireNonNull(command, "command is null");
        this.workspace = requireNonNull(workspace, "workspace is null");
    }

    @Override
    public List<String> settings() {
        return List.of();
    }

    @Override
    public RunResult run(int run) {
        String what = "%s %s run %d".formatted(data.id(), name(), run);
        Path destination = workspace.runDirectory(data.id(), name(), run);
        Path log = destination.resolveSibling(destination.getFileName() + ".log");
        RunResult result;
        try {
            result = copy(run, what, destination, log);
        }
        catch (RuntimeException e) {
            Directories.deleteAfterFailure(e, destination, log);
            throw e;
        }
        Directories.deleteAfterRun(what, destination, log);
        return result;
    }

    private RunResult copy(int run, String what, Path destination, Path log) {
        try {
            Directories.deleteRecursively(destination);
            Files.createDirectories(destination);
            ProcessBuilder builder = new ProcessBuilder(command.apply(destination)).redirectErrorStream(true).redirectOutput(log.toFile());
            long start = workspace.ticker().read();
            Process process = builder.start();
            boolean exited = process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
            long nanos = workspace.ticker().read() - start;
            if (!exited) {
                process.destroyForcibly();
                throw new BenchmarkException("%s: still running after %d minutes: %s".formatted(what, TIMEOUT_MINUTES, builder.command()));
            }
            if (process.exitValue() != 0) {
                throw new BenchmarkException("%s: exited with %d: %s".formatted(what, process.exitValue(), tail(log)));
            }
            Directories.Contents copied = Directories.contents(destination);
            if (copied.files() != data.shape().files() || copied.bytes() != data.shape().totalBytes()) {
                throw new BenchmarkException("%s: copied %d bytes in %d files, expected %d bytes in %d files".formatted(what,
                        copied.bytes(), copied.files(), data.shape().totalBytes(), data.shape().files()));
            }
            return RunResult.of(run, nanos, copied.bytes(), copied.files(), Map.of());
        }
        catch (IOException e) {
            throw new BenchmarkException("%s failed: %s".formatted(what, e), e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchmarkException(what + " was interrupted", e);
        }
    }

    private static String tail(Path log) throws IOException {
        String output = Files.readString(log, StandardCharsets.UTF_8).strip();
        return output.length() <= 2000 ? output : "..." + output.substring(output.length() - 2000);
    }
}
