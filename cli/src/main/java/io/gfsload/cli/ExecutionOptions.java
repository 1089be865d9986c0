package io.gfsload.cli;

import io.gfsload.advisor.SettingOverride;
import io.gfsload.advisor.Settings;
import io.gfsload.executor.AtomicOptions;
import io.gfsload.executor.ExecutorOptions;
import io.gfsload.executor.LoadWindow;
import io.gfsload.planner.InvalidRequestException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Option;

/** How a load runs and reports its progress: the flags of the commands that load. */
public final class ExecutionOptions {
    /** Files loaded at the same time at most, as GooseFS caps its active jobs. */
    static final int MAX_ACTIVE_JOBS = 3000;

    @Option(names = "--active-jobs", paramLabel = "N",
            description = "Files loaded at the same time at most, 1 to 3000 (GooseFS's cap). Default: tuned from the files and the machine; the read threads never exceed it.")
    Integer activeJobs;

    @Option(names = "--bandwidth", paramLabel = "RATE", converter = DataRate.class,
            description = "Cap on UFS reads across all threads, e.g. 200MB/s (K, M, G are powers of 1024).")
    Long bandwidth;

    @Option(names = "--window", paramLabel = "HH:MM-HH:MM",
            description = "Start UFS reads only within these hours of the day, e.g. 01:00-06:00, or 22:00-06:00 across midnight. "
                    + "Outside them the load waits for the window and plans again when it opens, and it pauses when the window closes "
                    + "(reads under way finish).")
    String window;

    @Option(names = "--window-zone", paramLabel = "ZONE",
            description = "The time zone of --window, e.g. UTC, Asia/Shanghai or +08:00 (default: the machine's).")
    String windowZone;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the report as JSON to FILE (its directories are created); with --dry-run, the plan.")
    File report;

    @Option(names = {"-A", "--atomic"},
            description = "Atomic load: blocks go into the job's temp area, invisible to readers, and each scope becomes visible only when all its blocks hold all their replicas.")
    boolean atomic;

    @Option(names = "--atomic-scope", paramLabel = "SCOPE",
            description = "With -A, what becomes visible at once: file, partition or job (default: file).")
    String atomicScope;

    @Option(names = "--expire-time", paramLabel = "TIME", converter = ExpireTime.class,
            description = "With -A, how long an uncommitted temp area lives after its job stops (a running job renews it) before the cluster deletes it; a re-run before then adopts it (default: 24h; ms, s, min, hour).")
    Duration expireTime;

    @Option(names = "--verify", description = "After the load, ask the workers whether they hold every block with its replicas (length and CRC32C as recorded); a file that is not counts as failed.")
    boolean verify;

    @Option(names = "--restart", description = "Start the job over: ignore what an earlier, interrupted run of the same command recorded in its journal.")
    boolean restart;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
            description = "Progress on stderr: auto (a bar on a terminal, JSON lines otherwise), bar, json or none (default: ${DEFAULT-VALUE}).")
    String progress;

    /** Checks every flag, so that bad input fails before anything starts. */
    void validate() {
        if (activeJobs != null && (activeJobs < 1 || activeJobs > MAX_ACTIVE_JOBS)) {
            throw new InvalidRequestException("Invalid --active-jobs %d: must be from 1 to %d".formatted(activeJobs, MAX_ACTIVE_JOBS));
        }
        if (!atomic && (atomicScope != null || expireTime != null)) {
            throw new InvalidRequestException("%s applies to atomic loads: add -A".formatted(atomicScope != null ? "--atomic-scope" : "--expire-time"));
        }
        scope();
        progressMode();
        loadWindow();
        checkReportFile();
    }

    /**
     * Fails before anything is loaded when {@code --report} names a file that cannot be written:
     * a directory, or a path under a file or a directory the user cannot write in. Missing
     * directories are created when the report is written.
     */
    private void checkReportFile() {
        if (report == null) {
            return;
        }
        if (report.getPath().isBlank()) {
            throw new InvalidRequestException("Cannot write --report '%s': the path is empty".formatted(report));
        }
        Path file = report.toPath().toAbsolutePath();
        if (Files.isDirectory(file)) {
            throw new InvalidRequestException("Cannot write --report %s: it is a directory".formatted(report));
        }
        Path existing = file.getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null && !Files.isDirectory(existing)) {
            throw new InvalidRequestException("Cannot write --report %s: %s is not a directory".formatted(report, existing));
        }
        if (existing != null && !Files.isWritable(existing)) {
            throw new InvalidRequestException("Cannot write --report %s: %s is not writable".formatted(report, existing));
        }
        if (existing != null && existing.equals(file.getParent())) {
            // the report is written to a temp file beside it and renamed: try that now (root may "write" to /proc)
            try {
                Files.delete(Files.createTempFile(existing, ".gfsload-report-check-", ".tmp"));
            }
            catch (IOException | UnsupportedOperationException e) {
                throw new InvalidRequestException("Cannot write --report %s: cannot create a file in %s".formatted(report, existing));
            }
        }
        else if (existing != null) {
            // the missing directories are created after the load: try the first of them now (/sys and /proc refuse)
            try {
                Files.delete(Files.createTempDirectory(existing, ".gfsload-report-check-"));
            }
            catch (IOException | UnsupportedOperationException e) {
                throw new InvalidRequestException("Cannot write --report %s: cannot create a directory in %s".formatted(report, existing));
            }
        }
    }

    /** The load window of {@code --window} in {@code --window-zone}, when given. */
    Optional<LoadWindow> loadWindow() {
        if (window == null) {
            if (windowZone != null) {
                throw new InvalidRequestException("--window-zone applies to a load window: add --window");
            }
            return Optional.empty();
        }
        ZoneId zone;
        try {
            zone = windowZone == null ? ZoneId.systemDefault() : ZoneId.of(windowZone.strip());
        }
        catch (DateTimeException e) {
            throw new InvalidRequestException("Invalid value for option '--window-zone': '%s' is not a time zone: expected a region such as Asia/Shanghai, UTC or an offset such as +08:00"
                    .formatted(windowZone));
        }
        try {
            return Optional.of(LoadWindow.parse(window, zone));
        }
        catch (IllegalArgumentException e) {
            throw new InvalidRequestException("Invalid value for option '--window': " + e.getMessage());
        }
    }

    private AtomicOptions.Scope scope() {
        if (atomicScope == null) {
            return AtomicOptions.Scope.FILE;
        }
        try {
            return AtomicOptions.Scope.valueOf(atomicScope.toUpperCase(Locale.ROOT));
        }
        catch (IllegalArgumentException e) {
            throw new InvalidRequestException("Invalid --atomic-scope '%s': expected file, partition or job".formatted(atomicScope));
        }
    }

    /** The atomic options of job {@code jobId}, when -A was given. */
    Optional<AtomicOptions> atomic(String jobId) {
        return atomic
                ? Optional.of(new AtomicOptions(jobId, scope(), expireTime == null ? AtomicOptions.DEFAULT_EXPIRE_TIME : expireTime))
                : Optional.empty();
    }

    /** The settings these flags set explicitly; they win over the advisor's. */
    List<SettingOverride> overrides() {
        return activeJobs == null ? List.of() : List.of(SettingOverride.flag(Settings.ACTIVE_FILES, activeJobs, "--active-jobs"));
    }

    /** The executor options these flags ask for, with the active files of {@code settings}. */
    ExecutorOptions toExecutorOptions(Settings settings) {
        validate();
        ExecutorOptions options = ExecutorOptions.defaults().withActiveFiles(Math.toIntExact(Math.max(1, settings.value(Settings.ACTIVE_FILES))));
        options = bandwidth == null ? options : options.withBandwidth(bandwidth);
        return loadWindow().map(options::withWindow).orElse(options);
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
