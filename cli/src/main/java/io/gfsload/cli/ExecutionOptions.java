package io.gfsload.cli;

import io.gfsload.executor.ExecutorOptions;
import io.gfsload.planner.InvalidRequestException;
import java.io.File;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Option;

/** How a load runs and reports its progress: the flags of the commands that load. */
public final class ExecutionOptions {
    @Option(names = "--active-jobs", paramLabel = "N", defaultValue = "" + ExecutorOptions.DEFAULT_ACTIVE_FILES,
            description = "Files loaded at the same time at most (default: ${DEFAULT-VALUE}); the tuned read threads never exceed it.")
    int activeJobs;

    @Option(names = "--bandwidth", paramLabel = "RATE", converter = DataRate.class,
            description = "Cap on UFS reads across all threads, e.g. 200MB/s (MB = 10^6 bytes, MiB = 2^20).")
    Long bandwidth;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the report as JSON to FILE.")
    File report;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
            description = "Progress on stderr: auto (a bar on a terminal, JSON lines otherwise), bar, json or none (default: ${DEFAULT-VALUE}).")
    String progress;

    /** Checks every flag, so that bad input fails before anything starts. */
    void validate() {
        toExecutorOptions();
        progressMode();
    }

    /** The executor options these flags ask for. */
    ExecutorOptions toExecutorOptions() {
        if (activeJobs < 1) {
            throw new InvalidRequestException("Invalid --active-jobs %d: must be at least 1".formatted(activeJobs));
        }
        ExecutorOptions options = ExecutorOptions.defaults().withActiveFiles(activeJobs);
        return bandwidth == null ? options : options.withBandwidth(bandwidth);
    }

    ProgressReporter.Mode progressMode() {
        try {
            return ProgressReporter.Mode.valueOf(progress.toUpperCase(Locale.ROOT));
        }
        catch (IllegalArgumentException e) {
            throw new InvalidRequestException("Invalid --progress '%s': expected auto, bar, json or none".formatted(progress));
        }
    }

    Optional<File> reportFile() {
        return Optional.ofNullable(report);
    }
}
