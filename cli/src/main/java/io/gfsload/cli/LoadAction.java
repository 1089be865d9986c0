package io.gfsload.cli;

import io.gfsload.cache.api.MasterUnavailableException;
import io.gfsload.cache.api.UfsPullException;
import io.gfsload.executor.AtomicOptions;
import io.gfsload.executor.DataPath;
import io.gfsload.executor.ExecutorOptions;
import io.gfsload.executor.JobJournal;
import io.gfsload.executor.JobLockedException;
import io.gfsload.executor.JvmShutdown;
import io.gfsload.executor.LoadReport;
import io.gfsload.executor.LoadState;
import io.gfsload.executor.LoadTotals;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PartitionLoad;
import io.gfsload.planner.PartitionSelection;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;

/** What the load commands share: plan, load with progress, print and save the report, pick the exit code. */
final class LoadAction {
    /** Longest an interrupted load waits for the workers to abort its unfinished writes before it exits. */
    static final Duration UNFINISHED_WRITES_ABORT = Duration.ofSeconds(2);

    private LoadAction() {}

    /**
     * Loads {@code request}, journalled in the environment's jobs directory: the same command after
     * a crash continues the job unless it runs against another cache cluster, and a job that
     * succeeds deletes its journal. As the load starts, it deletes the journals of other jobs no
     * run has written for the environment's journal retention.
     *
     * @param interruption started before {@code services} opened: SIGINT or SIGTERM from then until
     *     the report is written (exit 130 or 143) has one line say where the load was; closed as
     *     this returns
     */
    static int load(CommandSpec spec, Services services, CliEnvironment environment, LoadInterruption interruption, LoadRequest request, LoadOptions load,
            PlanningOptions planning, ExecutionOptions execution, WorkloadOptions workload) {
        try (interruption) {
            return load(spec, services, environment, request, load, planning, execution, workload, interruption);
        }
    }

    private static int load(CommandSpec spec, Services services, CliEnvironment environment, LoadRequest request, LoadOptions load, PlanningOptions planning,
            ExecutionOptions execution, WorkloadOptions workload, LoadInterruption interruption) {
        Path jobsDirectory = environment.jobsDirectory();
        Duration journalRetention = environment.journalRetention();
        ProgressReporter.Mode mode = execution.progressMode();
        boolean ignoreCapacity = planning.ignoreCapacity;
        LoadRunner runner = new LoadRunner(services, spec.commandLine().getErr(), PlanningProgress.display(mode, ProgressReporter.stderrIsTerminal()));
        interruption.planning(runner::stopPlanningProgress);
        // a file where the journals go: said before planning, as a job another process runs
        JobJournal.checkJobsDirectory(jobsDirectory);
        checkJobNotRunning(runner, request, execution, jobsDirectory);
        LoadRunner.Planned planned = runner.plan(request, workload, planning.overrides(), execution.atomicScope());
        ExecutorOptions base = execution.toExecutorOptions(planned);
        // the job of the data planned, however its paths were spelled
        LoadRequest jobRequest = runner.jobRequest(request);
        String jobId = JobJournal.jobId(jobRequest, execution.atomicScope());
        ExecutorOptions options = execution.atomic(jobId).map(base::withAtomic).orElse(base);
        // a plan the cluster cannot take is refused before a journal or a progress display exists
        PrintWriter err = spec.commandLine().getErr();
        // a job an earlier run left a journal of (killed, failed or partial; --restart or not) may find that
        // run's unfinished writes still holding room
        runner.validateToLoad(planned, ignoreCapacity, JobJournal.exists(jobsDirectory, jobId), options.atomic(), err);
        LoadReport report;
        JobJournal.Pruned pruned = JobJournal.prune(jobsDirectory, journalRetention, Clock.systemUTC().instant(), jobId);
        if (pruned.journals() > 0) {
            err.println("Deleted %s of jobs not run for %s (%s), %s freed, from %s".formatted(Sizes.count(pruned.journals(), "journal"),
                    describe(journalRetention), CliEnvironment.JOURNAL_RETENTION, Sizes.format(pruned.bytes()), jobsDirectory));
            err.flush();
        }
        ProgressReporter progress = new ProgressReporter(mode, ProgressReporter.stderrIsTerminal(), err, System.err, System::nanoTime);
        // SIGINT or SIGTERM mid-load: the room the load's unfinished writes hold is given back, and the line says what is kept
        if (!interruption.loading(jobId, progress, services.cache())) {
            // SIGINT or SIGTERM came as planning ended: the hook says nothing was loaded, and nothing is
            return ExitCode.FAILED;
        }
        try (progress) {
            report = JobJournal.withJournal(jobsDirectory, jobRequest, execution.atomicScope(), planned.clusterId(), execution.restart, journal -> {
                LoadReport ended = runner.load(planned, execution.verify, ignoreCapacity, options, progress, journal, err);
                // before the journal is deleted (the job succeeded) or closed
                interruption.ended(ended);
                return ended;
            });
        }
        catch (MasterUnavailableException e) {
            // the master stopped answering before the load had a report (as it started): nothing to summarize
            String message = resumable("the cache master at %s stopped answering".formatted(e.masterTarget()), jobId);
            progress.failed(message);
            err.println("gfsload: " + message);
            err.flush();
            planning.writeFailureReport(environment.home(), ExitCode.FAILED, message, err);
            load.printFailure(spec.commandLine().getOut(), ExitCode.FAILED, message);
            return ExitCode.FAILED;
        }
        catch (RuntimeException e) {
            // a failure without a report (a path or table gone when the window opened): the command says it as any other, and
            // the progress's last line is still the finished one
            progress.failed(GfsLoad.message(e));
            throw e;
        }
        finally {
            interruption.journalSettled();
        }
        if (JvmShutdown.inProgress()) {
            // SIGINT or SIGTERM ended the load (a Spark job's slices stop with it): no summary and no
            // report, as when the JVM ends the load itself; the hook says what is kept
            return ExitCode.FAILED;
        }
        // the summary first: a report file that cannot be written does not hide what was loaded
        int code = ReportPrinter.exitCode(report);
        if (!load.printing()) {
            // SIGINT or SIGTERM came as the load ended: the hook printed the FAILED document (--json), and no report follows it
            return ExitCode.FAILED;
        }
        PrintWriter out = spec.commandLine().getOut();
        // --latest N chooses the partitions: the summary names them
        boolean chosen = request.target() instanceof LoadTarget.Table table && table.selection() instanceof PartitionSelection.Latest;
        ReportPrinter.print(report, code, load.json, chosen, out);
        // from here on a signal ends the command without a line: the report's file lands whole or not at all (a temp file, renamed)
        interruption.close();
        if (JvmShutdown.inProgress()) {
            // the signal came while the summary printed (stdout a pipe that stalled, say): the hook said so, and an
            // interrupted load writes no report, also when its stdout drains before the JVM ends
            return ExitCode.FAILED;
        }
        // the file has the code the command exits with, 4 when what it printed on stdout was lost
        planning.writeReport(ReportPrinter.toJson(report, GfsLoad.exitCodeGiven(out, code)), err);
        if (report.stopReason() != null) {
            err.println("gfsload: " + ReportPrinter.shown(resumable(report.stopReason(), jobId)));
            err.flush();
        }
        else if (load.json && report.state() != LoadState.SUCCEEDED) {
            // the summary that says why is not printed: a scheduler's log shows stderr
            err.println("gfsload: %s: %s; the report lists them".formatted(report.state(), whatFailed(report.totals())));
            err.flush();
        }
        if (report.stopReason() == null && execution.atomic && report.state() != LoadState.SUCCEEDED) {
            // what the failed scopes left staged, invisible to readers, and for how long
            services.cache().tempAreas().findTempAreaSummary(jobId).filter(area -> area.blocks() > 0)
                    .ifPresent(area -> {
                        err.println("The temp area of atomic job %s keeps %s, %s, not visible to readers, until %s; the same command resumes the job"
                                .formatted(jobId, Sizes.count(area.blocks(), "block"), Sizes.format(area.bytes()), area.expiresAt()));
                        err.flush();
                    });
        }
        return code;
    }

    /**
     * Fails at once when another gfsload process is running the job of {@code request} (it holds
     * the job's journal), before planning: this run would fail to open the journal once it had
     * planned, and its plan would see the cache that the other run is filling.
     *
     * @throws JobLockedException when another process runs the job
     */
    private static void checkJobNotRunning(LoadRunner runner, LoadRequest request, ExecutionOptions execution, Path jobsDirectory) {
        String jobId;
        try {
            jobId = JobJournal.jobId(runner.jobRequest(request), execution.atomicScope());
        }
        catch (RuntimeException e) {
            // a path that cannot be resolved (no file system for its scheme): the planner says why
            return;
        }
        JobJournal.checkNotRunning(jobsDirectory, jobId);
    }

    /**
     * The dry run of {@code request}, as {@code --dry-run} and {@code gfsload plan} do it: prints
     * the plan (and writes it to {@code --report}), loads nothing, and exits as the load would
     * before loading: 2, 4 or 6, with the reason, for a plan the cluster cannot take (4 too when
     * another gfsload process of {@code environment}'s home runs the job; when another run of its
     * atomic job, from another home or host, holds the job's temp area, which the home's journal of
     * the job tells from its own runs; and, with {@code --data-path pull}, when no worker can read
     * a store, where with {@code auto} it says the load would push, and when only some cannot,
     * names them); 3 when a
     * partition, or a directory below one, could not be listed. The plan's JSON has that exit code
     * and the reason. {@code execution} holds the load's options ({@code -A} among them), empty for
     * {@code gfsload plan}, which describes a plain load.
     *
     * @param interruption started before {@code services} opened ({@link LoadInterruption#startDryRun}):
     *     SIGINT or SIGTERM from then until the plan prints (exit 130 or 143) has one line say no plan
     *     is printed; closed before the plan prints
     */
    static int dryRun(CommandSpec spec, Services services, CliEnvironment environment, LoadInterruption interruption, LoadRequest request, LoadOptions load,
            PlanningOptions planning, WorkloadOptions workload, Optional<ExecutionOptions> execution) {
        LoadRunner runner = new LoadRunner(services, spec.commandLine().getErr(), PlanningProgress.display(ProgressReporter.stderrIsTerminal()));
        LoadRunner.Planned planned;
        PlanPrinter.PlanSummary summary;
        RuntimeException refused = null;
        LoadRunner.UfsAccess ufsAccess = LoadRunner.UfsAccess.UNASKED;
        DataPath dataPath = execution.map(ExecutionOptions::dataPath).orElse(DataPath.PUSH);
        try (interruption) {
            interruption.planning(runner::stopPlanningProgress);
            planned = runner.plan(request, workload, planning.overrides(), execution.flatMap(ExecutionOptions::atomicScope));
            // an atomic load adopts what an earlier run of its job staged: the load's verdict counts it so
            Optional<AtomicOptions> atomic = execution.flatMap(options -> options.atomic(JobJournal.jobId(runner.jobRequest(request), options.atomicScope())));
            summary = PlanPrinter.summarize(planned.plan(), runner.capacity(planned, atomic), runner.ufsRate(planned));
            // checked before the plan is printed, so that its JSON says how the command ends; the command still
            // prints the plan first, then fails with the reason as the load would
            try {
                runner.validate(planned, planning.ignoreCapacity, atomic);
                if (execution.isPresent()) {
                    // as the load would stop at once: another gfsload process of this home runs the job
                    checkJobNotRunning(runner, request, execution.get(), environment.jobsDirectory());
                }
                // as the load would be refused its job's temp area
                runner.checkTempAreaNotHeld(planned, atomic, environment.jobsDirectory());
                if (dataPath != DataPath.PUSH) {
                    // as the load's pulls would find the UFS: pull fails those files, auto pushes them
                    ufsAccess = runner.workersUfsAccess(planned);
                    if (ufsAccess.noneReads() && dataPath == DataPath.PULL) {
                        throw new UfsPullException("With --data-path pull the load would fail the files the workers cannot read: "
                                + String.join("; ", ufsAccess.unable()) + " (" + DataPath.PULL_NEEDS_ACCESS + ")", UfsPullException.Reason.UNREADABLE, null);
                    }
                }
            }
            catch (RuntimeException e) {
                refused = e;
            }
        }
        if (JvmShutdown.inProgress()) {
            // the plan was made as SIGINT or SIGTERM came: the hook said no plan is printed, and none is
            return ExitCode.FAILED;
        }
        // a partition, or a directory below one, that could not be listed: the load would be partial
        int code = refused != null ? GfsLoad.exitCode(refused)
                : planned.plan().partitions().stream().allMatch(PartitionLoad::complete) ? ExitCode.OK : ExitCode.PARTIAL;
        String error = refused == null ? null : GfsLoad.message(refused);
        if (!load.printing()) {
            // printed by the hook of a signal that came as the plan was made: no plan after it
            return ExitCode.FAILED;
        }
        PrintWriter out = spec.commandLine().getOut();
        PlanPrinter.print(summary, code, error, load.json, out);
        if (refused == null && !ufsAccess.unable().isEmpty()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println((ufsAccess.noneReads()
                    ? "The workers cannot read the UFS, so the load would read it here and push the blocks (--data-path auto): "
                    : "Some workers cannot read the UFS, so the others would read the blocks they were to pull and forward them their replicas: ")
                    + String.join("; ", ufsAccess.unable()));
            err.flush();
        }
        // the file has the code the command exits with, 4 when what it printed on stdout was lost
        planning.writeReport(PlanPrinter.json(summary, GfsLoad.exitCodeGiven(out, code), error), spec.commandLine().getErr());
        if (refused != null) {
            // the reason on stderr and the exit code, as for any failure
            throw refused;
        }
        return code;
    }

    /** A retention (whole seconds) in the largest unit that holds it whole: {@code 14 days}, {@code 36 h}, {@code 90 min}, {@code 45 s}. */
    static String describe(Duration retention) {
        long seconds = retention.toSeconds();
        if (seconds > 0 && seconds % Duration.ofDays(1).toSeconds() == 0) {
            return Sizes.count(retention.toDays(), "day");
        }
        if (seconds > 0 && seconds % Duration.ofHours(1).toSeconds() == 0) {
            return retention.toHours() + " h";
        }
        if (seconds > 0 && seconds % Duration.ofMinutes(1).toSeconds() == 0) {
            return retention.toMinutes() + " min";
        }
        return seconds + " s";
    }

    /**
     * What a load says when it stopped before it could finish: {@code cause}, and that the same
     * command resumes job {@code jobId}, once the master is back when it was the master that
     * stopped answering.
     */
    /** What of a load that did not succeed is not cached, e.g. {@code 3 of 300 files failed, 1 directory not listed}. */
    static String whatFailed(LoadTotals totals) {
        List<String> failed = new ArrayList<>();
        if (totals.filesFailed() > 0) {
            failed.add("%d of %s failed".formatted(totals.filesFailed(), Sizes.count(totals.files(), "file")));
        }
        if (totals.partitionsFailed() > 0) {
            failed.add("%d %s not listed or not found".formatted(totals.partitionsFailed(), totals.partitionsFailed() == 1 ? "partition (or path)" : "partitions (or paths)"));
        }
        if (totals.directoriesFailed() > 0) {
            failed.add("%d %s not listed".formatted(totals.directoriesFailed(), totals.directoriesFailed() == 1 ? "directory" : "directories"));
        }
        if (failed.isEmpty()) {
            failed.add("%d of %s not cached".formatted(totals.blocksFailed(), Sizes.count(totals.blocks(), "block")));
        }
        return String.join(", ", failed);
    }

    private static String resumable(String cause, String jobId) {
        return "%s; %s%s".formatted(cause, journalKept(jobId), cause.contains("stopped answering") ? " once the master is back" : "");
    }

    /** {@code the journal of job <id> is kept: the same command resumes the job}. */
    static String journalKept(String jobId) {
        return "the journal of job %s is kept: the same command resumes the job".formatted(jobId);
    }
}
