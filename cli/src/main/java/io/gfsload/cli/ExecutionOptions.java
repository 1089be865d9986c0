package io.gfsload.cli;

import io.gfsload.advisor.Settings;
import io.gfsload.executor.AtomicOptions;
import io.gfsload.executor.DataPath;
import io.gfsload.executor.ExecutorOptions;
import io.gfsload.executor.LoadWindow;
import io.gfsload.planner.InvalidRequestException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Option;

/** How a load runs and reports its progress: the flags of the commands that load, beyond those of {@link PlanningOptions}. */
public final class ExecutionOptions {
    @Option(names = "--window", paramLabel = "HH:MM-HH:MM",
            description = "Start UFS reads only within these hours of the day, e.g. 01:00-06:00, or 22:00-06:00 across midnight. "
                    + "Outside them the load waits for the window and plans again when it opens (also with nothing to load at the start: "
                    + "files may land or change before it opens), and it pauses when the window closes "
                    + "(reads under way finish; in a Spark job each executor pauses its slices, by its own clock).")
    String window;

    @Option(names = "--window-zone", paramLabel = "ZONE",
            description = "The time zone of --window, e.g. UTC, Asia/Shanghai or +08:00 (default: the machine's; in a Spark job the driver's, "
                    + "which the executors follow).")
    String windowZone;

    @Option(names = {"-A", "--atomic"},
            description = "Atomic load: blocks go into the job's temp area, invisible to readers, and each scope becomes visible only when all its blocks hold all their replicas.")
    boolean atomic;

    @Option(names = "--atomic-scope", paramLabel = "SCOPE",
            description = "With -A, what becomes visible at once: file, partition or job (default: file).")
    String atomicScope;

    @Option(names = "--expire-time", paramLabel = "TIME", converter = ExpireTime.class,
            description = "With -A, how long an uncommitted temp area lives after its job stops (a running job renews it) before the cluster deletes it; a re-run before then adopts it (default: 24h; ms, s, min, h, d; a bare number is milliseconds, as in GooseFS; at least 1s).")
    Duration expireTime;

    @Option(names = "--data-path", paramLabel = "PATH", defaultValue = "push",
            description = "How blocks get into the cache: push (this process, or the Spark executors, read the UFS and stream the blocks to the workers), "
                    + "pull (a worker reads each block from the UFS itself and forwards it to the other replicas' workers as it reads it, so the bytes "
                    + "do not pass through here; the workers need their own access to the UFS) or auto (pull while a worker can read the UFS, "
                    + "else push); a worker that cannot read the UFS leaves its blocks for another placed worker to read and forward it (default: ${DEFAULT-VALUE}).")
    String dataPath;

    @Option(names = "--verify", description = "After the load, ask the workers whether they hold every block with its replicas (length and CRC32C as recorded); a file that is not counts as failed.")
    boolean verify;

    @Option(names = "--restart", description = "Start the job over: ignore what an earlier, interrupted run of the same command recorded in its journal "
                    + "(in $GFSLOAD_HOME/jobs; a load deletes the journals of jobs not run for $GFSLOAD_JOURNAL_RETENTION, default 14d), "
                    + "also one that cannot be opened.")
    boolean restart;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
            description = "Progress on stderr: auto (a bar when stderr is a terminal, JSON lines otherwise), bar, json or none (default: ${DEFAULT-VALUE}).")
    String progress;

    /** Checks every flag, and the journal retention of {@code environment}, so that bad input fails before anything starts. */
    void validate(CliEnvironment environment) {
        // a load deletes the journals of jobs not run for $GFSLOAD_JOURNAL_RETENTION: a bad one is bad input, said with the flags
        environment.journalRetention();
        validate();
    }

    /** Checks every flag. */
    private void validate() {
        if (!atomic && (atomicScope != null || expireTime != null)) {
            throw new InvalidRequestException("%s applies to atomic loads: add -A".formatted(atomicScope != null ? "--atomic-scope" : "--expire-time"));
        }
        scope();
        progressMode();
        loadWindow();
        dataPath();
    }

    /** The data path of {@code --data-path}. */
    DataPath dataPath() {
        try {
            return DataPath.parse(dataPath == null ? "push" : dataPath);
        }
        catch (IllegalArgumentException e) {
            throw new InvalidRequestException("Invalid --data-path: " + e.getMessage());
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

    AtomicOptions.Scope scope() {
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

    /** The scope of an atomic load, when -A was given: with the request, what the job id derives from. */
    Optional<AtomicOptions.Scope> atomicScope() {
        return atomic ? Optional.of(scope()) : Optional.empty();
    }

    /** The atomic options of job {@code jobId}, when -A was given. */
    Optional<AtomicOptions> atomic(String jobId) {
        return atomic
                ? Optional.of(new AtomicOptions(jobId, scope(), expireTime == null ? AtomicOptions.DEFAULT_EXPIRE_TIME : expireTime))
                : Optional.empty();
    }

    /**
     * The executor options these flags ask for, with the active files of {@code planned}'s settings
     * and the cap (--bandwidth) its read threads were sized for.
     */
    ExecutorOptions toExecutorOptions(LoadRunner.Planned planned) {
        validate();
        Settings settings = planned.settings();
        ExecutorOptions options = ExecutorOptions.defaults().withActiveFiles(Math.toIntExact(Math.max(1, settings.value(Settings.ACTIVE_FILES))));
        long cap = planned.profile().bandwidthCap();
        options = cap == 0 ? options : options.withBandwidth(cap);
        options = options.withDataPath(dataPath());
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
}
