package io.gfsload.cli;

import io.gfsload.advisor.SettingOverride;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.FileErrors;
import io.gfsload.planner.InvalidRequestException;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The flags that shape a plan's settings, estimates and checks, and where its report goes: shared
 * by the commands that load and by {@code plan}, so that a dry run and the load it stands for
 * take the same flags and exit alike.
 */
public final class PlanningOptions {
    private static final Logger LOG = LoggerFactory.getLogger(PlanningOptions.class);
    /** Files loaded at the same time at most, as GooseFS caps its active jobs. */
    static final int MAX_ACTIVE_JOBS = 3000;

    @Option(names = "--active-jobs", paramLabel = "N",
            description = "Files loaded at the same time at most, 1 to 3000 (GooseFS's cap): the setting executor.active-files. Default: tuned from the files and the machine; the read threads never exceed it.")
    Integer activeJobs;

    @Option(names = "--ignore-capacity", description = "Load even when the plan needs more than the workers' free and evictable space, or a block larger than the largest tier of enough live workers; the workers then evict other cached data for its blocks (the report's evicted line says how much).")
    boolean ignoreCapacity;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the report as JSON to FILE (its directories are created; a symbolic link is followed); with --dry-run or plan, the plan. "
            + "FILE must be a file or nothing yet: a device, a FIFO or /dev/stdout is refused (--json prints the report on stdout). "
            + "A run that fails before its report (a bad value included, wherever it is) writes a FAILED one with the exit code and the error instead. "
            + "A run started while another gfsload process running with the same --report holds FILE leaves FILE to that one, whatever its outcome, and says so on stderr.")
    File report;

    /** Whether this command wrote its report (or plan) to {@code --report}. */
    private boolean reportWritten;

    /** Whether this command left {@code --report} to the process that holds it, and said so. */
    private boolean reportLeft;

    /** This run's claim on {@code --report}, once taken; see {@link ReportClaim}. */
    private ReportClaim claim;

    /**
     * Checks every flag, so that bad input fails before anything starts; then claims the file of
     * {@code --report} for this run (locks under {@code home}) and removes the report an earlier
     * run left there, so that a run that ends without a report of its own (interrupted, killed)
     * does not leave the earlier one standing for it. A file that another gfsload process holds
     * (any command with the same {@code --report}, still running) is left as it is, now and when
     * this run ends ({@link #writeReport}): it is that run's to write.
     */
    void validate(Path home) {
        if (activeJobs != null && (activeJobs < 1 || activeJobs > MAX_ACTIVE_JOBS)) {
            throw new InvalidRequestException("Invalid --active-jobs %d: must be from 1 to %d".formatted(activeJobs, MAX_ACTIVE_JOBS));
        }
        checkReportFile();
        if (report != null && claim(home).otherHolder().isEmpty()) {
            try {
                // a link stays, the file it leads to goes: the report is written there
                Files.deleteIfExists(AtomicFiles.target(report.toPath()));
            }
            catch (IOException e) {
                throw new UncheckedIOException("Cannot replace the report %s: %s".formatted(report, FileErrors.reason(e, report.toPath())), e);
            }
        }
    }

    /**
     * Writes {@code json}, the report or the plan, to {@code --report} if given, through a temp
     * file and a rename, so readers never see half a report; unless another gfsload process held
     * the file when this run claimed it ({@link #validate}): that run, whatever its command, writes
     * its report there as it ends, and this one says on {@code err} that it wrote none, whatever
     * its outcome (its exit code stays the one of its work).
     */
    void writeReport(String json, PrintWriter err) {
        if (report == null) {
            return;
        }
        Optional<String> holder = claim == null ? Optional.empty() : claim.otherHolder();
        if (holder.isPresent()) {
            if (reportLeft) {
                // said once: the plan refused (exit 6) and the failure's report after it
                return;
            }
            reportLeft = true;
            err.println("gfsload: wrote no report to %s: %s, running with the same --report, writes its report there".formatted(report, holder.get()));
            err.flush();
            return;
        }
        AtomicFiles.write(report.toPath(), json + System.lineSeparator(), "the report").warning()
                .ifPresent(warning -> LOG.warn("The report: {}", warning));
        reportWritten = true;
    }

    /**
     * Writes the short report of a command that failed before it had a report of its own, so that
     * a scheduler reading {@code --report} never takes an earlier run's for this one:
     * {@code {"state": "FAILED", "exitCode": N, "error": "..."}}, {@code error} being the one line
     * the command printed. Nothing is written when the command wrote its report, or when
     * {@code --report} was not given or names a file that cannot be written, nor when another
     * gfsload process holds the file ({@link ReportClaim}): a run with the same {@code --report}
     * that still runs (often the same command, that this run failed for: it holds the job's
     * journal, or the embedded services) writes its report there; this run says so on
     * {@code err} instead.
     */
    void writeFailureReport(Path home, int exitCode, String error, PrintWriter err) {
        if (report == null || reportWritten) {
            return;
        }
        try {
            checkReportFile();
            // taken here when the command failed before validate; another holder's file is left to it
            claim(home);
            writeReport(JsonOutput.failureJson(exitCode, error), err);
        }
        catch (InvalidRequestException | UncheckedIOException e) {
            LOG.warn("Cannot write the failure report to {}: {}", report, e.getMessage());
        }
    }

    /**
     * This run's claim on {@code --report} (given), taken on first use, with its lock file in
     * {@code $GFSLOAD_HOME/reports}; a claim of nothing when the report's path cannot be resolved.
     */
    private ReportClaim claim(Path home) {
        if (claim == null) {
            try {
                claim = ReportClaim.claim(home.resolve("reports"), AtomicFiles.target(report.toPath()));
            }
            catch (IOException e) {
                // a link loop: checkReportFile refuses the file
                claim = ReportClaim.claim(home.resolve("reports"), report.toPath());
            }
        }
        return claim;
    }

    /** Gives up the claim on {@code --report}, once the command is done with the file. */
    void releaseReport() {
        if (claim != null) {
            claim.close();
        }
    }

    /**
     * Takes {@code --report} from {@code arguments}, the command's raw arguments, when a parse
     * that failed stopped before it: a bad value anywhere before {@code --report FILE} still gets
     * its FAILED report there.
     */
    void reportFromArguments(List<String> arguments) {
        if (report == null) {
            // a URI names no file of this machine: no report, nor directories named after it (or its key)
            CommandArguments.value(arguments, "--report").filter(value -> !LocalPaths.isUri(value)).map(File::new)
                    .ifPresent(file -> report = file);
        }
    }

    /** The planning options of {@code command}, when it has them. */
    static Optional<PlanningOptions> of(CommandSpec command) {
        return command.mixins().values().stream().map(CommandSpec::userObject)
                .filter(PlanningOptions.class::isInstance).map(PlanningOptions.class::cast).findFirst();
    }

    /**
     * Fails before anything is loaded when {@code --report} names a file that cannot be written:
     * a directory; a device, a FIFO, a socket or a descriptor of the process ({@code /dev/stdout},
     * {@code /dev/fd/N}, {@code /proc/self/fd/N}), itself or where its links lead, which the
     * report would replace; or a path under a file or a directory the user cannot write in.
     * Missing directories are created when the report is written.
     */
    private void checkReportFile() {
        if (report == null) {
            return;
        }
        if (report.getPath().isBlank()) {
            throw new InvalidRequestException("Cannot write --report '%s': the path is empty".formatted(report));
        }
        Path file;
        try {
            // the file a link leads to, as the report is written there
            file = AtomicFiles.target(report.toPath());
        }
        catch (IOException e) {
            throw new InvalidRequestException("Cannot write --report %s: %s".formatted(report, e.getMessage()));
        }
        if (Files.isDirectory(file)) {
            throw new InvalidRequestException("Cannot write --report %s: it is a directory".formatted(report));
        }
        Optional<String> notAFile;
        try {
            notAFile = AtomicFiles.whyNotAFile(report.toPath());
        }
        catch (IOException e) {
            throw new InvalidRequestException("Cannot write --report %s: %s".formatted(report, e.getMessage()));
        }
        if (notAFile.isPresent()) {
            // the report replaces the file: never /dev/null, a FIFO, or the file behind stdout
            throw new InvalidRequestException("Cannot write --report %s: %s, not a file; --report needs the path of a file, and --json prints the report on stdout"
                    .formatted(report, notAFile.get()));
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

    /** The settings these flags set explicitly; they win over the advisor's. */
    List<SettingOverride> overrides() {
        return activeJobs == null ? List.of() : List.of(SettingOverride.flag(Settings.ACTIVE_FILES, activeJobs, "--active-jobs"));
    }
}
