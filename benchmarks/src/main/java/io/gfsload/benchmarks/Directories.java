package io.gfsload.benchmarks;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Directory helpers for the harness. */
final class Directories {
    private Directories() {}

    /** Deletes {@code directory} and everything under it; nothing when it does not exist. */
    static void deleteRecursively(Path directory) throws IOException {
        if (Files.exists(directory)) {
            MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
        }
    }

    /**
     * Deletes what a run left behind.
     *
     * @throws BenchmarkException naming the run when a path cannot be deleted
     */
    static void deleteAfterRun(String run, Path... paths) {
        for (Path path : paths) {
            try {
                deleteRecursively(path);
            }
            catch (IOException e) {
                throw new BenchmarkException("Cannot delete %s after %s: %s".formatted(path, run, e), e);
            }
        }
    }

    /** Deletes what a failed run left behind; a failure to delete is added to {@code failure}. */
    static void deleteAfterFailure(RuntimeException failure, Path... paths) {
        for (Path path : paths) {
            try {
                deleteRecursively(path);
            }
            catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /** Regular files under {@code directory} and their total size. */
    record Contents(long files, long bytes) {}

    static Contents contents(Path directory) throws IOException {
        long[] totals = new long[2];
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.filter(Files::isRegularFile).forEach(file -> {
                totals[0]++;
                totals[1] += file.toFile().length();
            });
        }
        return new Contents(totals[0], totals[1]);
    }
}
