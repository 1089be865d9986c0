package io.gfsload.cli;

import io.gfsload.advisor.BackendProfile;
import io.gfsload.advisor.SettingOverride;
import io.gfsload.advisor.Settings;
import io.gfsload.advisor.SliceShare;
import io.gfsload.advisor.TuningAdvisor;
import io.gfsload.advisor.WorkloadProfile;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.cache.api.MasterSilence;
import io.gfsload.cache.api.TempAreaInUseException;
import io.gfsload.cache.api.UfsPullException;
import io.gfsload.catalog.HiveCatalog;
import io.gfsload.catalog.MetastoreUnavailableException;
import io.gfsload.executor.Adopted;
import io.gfsload.executor.DataPath;
import io.gfsload.executor.AtomicOptions;
import io.gfsload.executor.DistributedLoad;
import io.gfsload.executor.ExecutorOptions;
import io.gfsload.executor.FileReport;
import io.gfsload.executor.JobJournal;
import io.gfsload.executor.LoadExecutor;
import io.gfsload.executor.LoadReport;
import io.gfsload.executor.LoadWindow;
import io.gfsload.executor.PlanCapacity;
import io.gfsload.executor.ProgressListener;
import io.gfsload.executor.SliceProgress;
import io.gfsload.executor.TempAreaClaim;
import io.gfsload.executor.UfsProbe;
import io.gfsload.executor.WindowPause;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadPlanner;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PartitionLoad;
import io.gfsload.planner.PlanStats;
import io.gfsload.planner.PlannerConfig;
import io.gfsload.planner.PlanningException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** Plans, tunes and executes load requests against the given services. */
final class LoadRunner {
    /** Partitions without files named by the warning before a load; the others are counted. */
    static final int EMPTY_PARTITIONS_NAMED = 5;

    private final Services services;
    private final Configuration hadoopConf;
    /** Where a plan that takes long says so, and how; empty: nowhere. */
    private final Optional<PrintWriter> planningStatus;
    private final PlanningProgress.Display planningDisplay;
    /** The progress of the plan being made, while one shows. */
    private volatile PlanningProgress planningProgress;

    LoadRunner(Services services) {
        this(services, Optional.empty(), PlanningProgress.Display.LINE);
    }

    /** A runner whose plans show on {@code status} as {@code display} says when they take longer than {@link PlanningProgress#QUIET}. */
    LoadRunner(Services services, PrintWriter status, PlanningProgress.Display display) {
        this(services, Optional.of(status), display);
    }

    private LoadRunner(Services services, Optional<PrintWriter> planningStatus, PlanningProgress.Display planningDisplay) {
        this.services = services;
        this.hadoopConf = services.hadoopConf();
        this.planningStatus = planningStatus;
        this.planningDisplay = planningDisplay;
    }

    /**
     * A plan, the workload it makes, and the settings the advisor derived for it: in a Spark job,
     * for the share of the load's rates of the slice that reads the most, whose read threads are
     * the most any slice starts with.
     *
     * @param overrides the values the user set explicitly, which win over the advisor's
     * @param clusterId the id of the cache cluster planned against, which a job's journal records
     * @param plannedAt when the plan was made
     */
    record Planned(LoadPlan plan, WorkloadProfile profile, List<SettingOverride> overrides, Settings settings, String clusterId, Instant plannedAt) {
        Planned {
            overrides = List.copyOf(overrides);
        }

        /** The settings of a slice with {@code share} of the load's rates (a Spark job's). */
        Settings settings(SliceShare share) {
            return TuningAdvisor.recommend(profile.withSlice(share), overrides);
        }
    }

    /**
     * Plans {@code request} and tunes for it: {@code workload} describes the machines and the UFS,
     * {@code overrides} are the values the user set explicitly, which win over the advisor's.
     */
    Planned plan(LoadRequest request, WorkloadOptions workload, List<SettingOverride> overrides) {
        return plan(request, workload, overrides, Optional.empty());
    }

    /**
     * As {@link #plan(LoadRequest, WorkloadOptions, List)}, for a load that is atomic at
     * {@code atomic}'s scope when given. In a Spark job the settings are a slice's: its read
     * threads are sized for its share of {@code --bandwidth} and of the store's rate, which the
     * slices the plan is cut into hold in proportion to the bytes each reads; those of the slice
     * that reads the most.
     */
    Planned plan(LoadRequest request, WorkloadOptions workload, List<SettingOverride> overrides, Optional<AtomicOptions.Scope> atomic) {
        Instant plannedAt = services.clock().instant();
        LoadPlan plan;
        if (planningStatus.isEmpty()) {
            plan = planner().plan(request);
        }
        else {
            try (PlanningProgress progress = PlanningProgress.start(request.target(), planningDisplay, planningStatus.get())) {
                planningProgress = progress;
                plan = planner().plan(request, progress);
            }
            finally {
                planningProgress = null;
            }
        }
        BackendProfile probed = workload.shouldProbe() ? new UfsProbe(hadoopConf, UfsProbe.Options.defaults()).probe(plan).profile() : BackendProfile.unknown();
        ClusterInfo cluster = services.cache().clusterInfo();
        // sized for the files the load reads: an incremental run's cached files take no threads, buffers or streams
        LoadPlan planned = plan;
        SliceShare slice = services.slices().map(where -> DistributedLoad.largest(DistributedLoad.sliceShares(planned, where.parallelism(), atomic)))
                .orElse(SliceShare.WHOLE);
        WorkloadProfile profile = workload.profile(plan.workload(), plan.blockSize(), cluster, probed, slice);
        return new Planned(plan, profile, overrides, TuningAdvisor.recommend(profile, overrides), cluster.clusterId(), plannedAt);
    }

    /**
     * Stops showing the progress of the plan being made, if one shows, from any thread: nothing
     * more of it goes to stderr, and a terminal's line is ended.
     */
    void stopPlanningProgress() {
        PlanningProgress progress = planningProgress;
        if (progress != null) {
            progress.close();
        }
    }

    /**
     * The UFS read rate a dry run's estimates assume for {@code planned}, with its cap (--bandwidth)
     * when given: of this process's read threads, or of those of the slices a Spark job's executors
     * load at a time, each with up to as many.
     */
    PlanPrinter.UfsRate ufsRate(Planned planned) {
        return PlanPrinter.UfsRate.of(planned.profile(), planned.settings().value(Settings.UFS_READ_THREADS),
                services.slices().map(DistributedLoad.Slices::parallelism).orElse(1));
    }

    /**
     * Checks the plan against the cluster before anything is loaded or journalled: enough live
     * workers for the replication and, unless {@code ignoreCapacity}, enough free space for what a
     * load writes: with {@code atomic}, not the blocks an earlier run of the job staged, which it adopts.
     */
    void validate(Planned planned, boolean ignoreCapacity, Optional<AtomicOptions> atomic) {
        checker(planned, atomic).validate(planned.plan(), !ignoreCapacity);
    }

    /**
     * Checks, for a dry run of an atomic load ({@code atomic}), that no other run of its job holds
     * the job's temp area than the runs from this gfsload home, whose identity the job's journal
     * under {@code jobsDirectory} keeps: the load would be refused the area.
     *
     * @throws io.gfsload.cache.api.TempAreaInUseException when another run holds it
     */
    void checkTempAreaNotHeld(Planned planned, Optional<AtomicOptions> atomic, java.nio.file.Path jobsDirectory) {
        if (atomic.isPresent()) {
            checker(planned, atomic).checkTempAreaNotHeld(JobJournal.readTempAreaRunId(jobsDirectory, atomic.get().jobId()));
        }
    }

    /**
     * What the live workers said, asked whether they read the UFS of the files of a plan still to
     * load: the workers that cannot read a store, with why.
     *
     * @param unable the workers that cannot read a store, those with the same reason together
     *     ({@code worker-0 and worker-1 cannot read P: why}); empty when all can (or, older than
     *     the question, cannot tell)
     * @param noneReads whether of some store, none of the workers that answered reads it: a load
     *     that pulls could not pull its files, where a worker that reads a store reads the blocks
     *     of those that cannot and forwards them their replicas
     */
    record UfsAccess(List<String> unable, boolean noneReads) {
        UfsAccess {
            unable = List.copyOf(unable);
        }

        static final UfsAccess UNASKED = new UfsAccess(List.of(), false);
    }

    /**
     * For a dry run of a load that pulls: whether the live workers can read the stores the plan
     * loads from, as the load's pulls would, asking each about one file to load of each store
     * (scheme and authority), reading none of it.
     */
    UfsAccess workersUfsAccess(Planned planned) {
        Map<String, String> oneFilePerStore = new LinkedHashMap<>();
        for (PartitionLoad partition : planned.plan().partitions()) {
            for (FileLoad file : partition.files()) {
                if (!file.fullyCached()) {
                    URI uri = new Path(file.file().path()).toUri();
                    oneFilePerStore.putIfAbsent(uri.getScheme() + "://" + Objects.toString(uri.getAuthority(), ""), file.file().path());
                }
            }
        }
        List<String> reasons = new ArrayList<>();
        boolean noneReads = false;
        for (String path : oneFilePerStore.values()) {
            Map<String, List<String>> workersByReason = new LinkedHashMap<>();
            boolean oneReads = false;
            for (Map.Entry<String, Optional<UfsPullException>> answer : services.cache().checkUfs(path).entrySet()) {
                Optional<UfsPullException> unreadable = answer.getValue()
                        .filter(failure -> failure.reason() == UfsPullException.Reason.UNREADABLE || failure.reason() == UfsPullException.Reason.DENIED);
                if (unreadable.isEmpty()) {
                    // reads the store (a file gone is the load's to find)
                    oneReads = true;
                    continue;
                }
                String prefix = "Worker " + answer.getKey() + " looking up " + path + ": ";
                String message = unreadable.get().getMessage();
                String why = message.startsWith(prefix) ? message.substring(prefix.length()) : message;
                workersByReason.computeIfAbsent(why, reason -> new ArrayList<>()).add(answer.getKey());
            }
            workersByReason.forEach((why, workers) -> reasons.add(and(workers) + " cannot read " + path + ": " + why));
            noneReads |= !workersByReason.isEmpty() && !oneReads;
        }
        return new UfsAccess(reasons, noneReads);
    }

    /** {@code a}, {@code a and b}, {@code a, b and c}. */
    private static String and(List<String> names) {
        return names.size() == 1 ? names.get(0)
                : String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.get(names.size() - 1);
    }

    /**
     * The cluster's room for what a load of {@code planned} writes, as {@link #validate} checks it:
     * with {@code atomic}, the blocks an earlier run of the job staged are adopted, not written.
     */
    PlanCapacity capacity(Planned planned, Optional<AtomicOptions> atomic) {
        return checker(planned, atomic).capacity(planned.plan(), services.cache().clusterInfo());
    }

    /** An executor that checks {@code planned} against the cluster, and loads nothing. */
    private LoadExecutor checker(Planned planned, Optional<AtomicOptions> atomic) {
        ExecutorOptions options = atomic.map(ExecutorOptions.defaults()::withAtomic).orElse(ExecutorOptions.defaults());
        return new LoadExecutor(services.cache(), hadoopConf, planned.settings(), options, ProgressListener.NONE, Clock.systemUTC());
    }

    /**
     * As {@link #validate(Planned, boolean, Optional)}, for a load: a plan that does not fit only for the room
     * unfinished writes hold on the workers (an interrupted load's) waits for it, saying so on
     * {@code status}, before it is refused; when {@code resuming} an interrupted job, so does one
     * that would make the workers evict for that room ({@link LoadExecutor#validate(LoadPlan, boolean, boolean, java.util.function.Consumer)}).
     */
    void validateToLoad(Planned planned, boolean ignoreCapacity, boolean resuming, Optional<AtomicOptions> atomic, PrintWriter status) {
        checker(planned, atomic).validate(planned.plan(), !ignoreCapacity, resuming, line -> {
            status.println(line);
            status.flush();
        });
    }

    /**
     * The prefix of the cached paths under {@code location} taken as a directory, as the planner
     * names the files it lists there: its qualified path with a trailing {@code /}
     * ({@code /data/d} -> {@code file:/data/d/}).
     */
    String directoryPrefix(String location) {
        String qualified = qualifiedPath(location);
        return qualified.endsWith("/") ? qualified : qualified + "/";
    }

    /**
     * The cached path of {@code location} taken as a file, as the planner names the files it lists:
     * its qualified path ({@code /data/d/f.bin} -> {@code file:/data/d/f.bin}).
     */
    String qualifiedPath(String location) {
        Path path = new Path(location);
        try {
            return path.getFileSystem(hadoopConf).makeQualified(path).toString();
        }
        catch (IOException e) {
            throw new PlanningException("Cannot resolve %s: %s".formatted(location, e.getMessage()), e);
        }
    }

    /**
     * The request whose job id ({@code JobJournal.jobId}) a load of {@code request} runs under:
     * of paths, the same paths qualified as the planner lists them ({@code small},
     * {@code ./small/} and {@code /data/d//small} run from {@code /data/d} are all
     * {@code file:/data/d/small}), so that the same data is the same job whatever the working
     * directory or spelling; a table's request as it is.
     */
    LoadRequest jobRequest(LoadRequest request) {
        if (!(request.target() instanceof LoadTarget.Paths paths)) {
            return request;
        }
        return new LoadRequest(new LoadTarget.Paths(paths.paths().stream().map(this::qualifiedPath).toList()), request.replication());
    }

    /** The storage locations of the partitions {@code target} selects, from the metastore: nothing is listed. */
    List<String> locations(LoadTarget.Table target) {
        return planner().locations(target);
    }

    /** Whether {@code location} exists in the UFS. */
    boolean exists(String location) {
        return planner().exists(location);
    }


    private LoadPlanner planner() {
        return new LoadPlanner(services.catalog(), hadoopConf, services.cache()::cachedBlocks, PlannerConfig.defaults());
    }

    /**
     * Loads a plan that passed {@link #validate}, reporting progress to {@code progress}. Started
     * outside its load window, the load waits for it and then loads a plan made when it opened
     * (checked as {@link #validate} checks, with the same settings), so that files rewritten,
     * added or deleted meanwhile are loaded as they are then. An atomic load's run claims its temp
     * area first ({@link LoadExecutor#claimTempArea}), which stays its, renewed, until the load
     * ends, or the command does before it.
     */
    LoadReport load(Planned planned, boolean verify, boolean ignoreCapacity, ExecutorOptions options, ProgressListener progress, JobJournal journal,
            PrintWriter status) {
        // with --verify the load finishes after the check, with its outcome
        LoadExecutor executor = new LoadExecutor(services.cache(), hadoopConf, planned.settings(), options,
                verify ? new FinishAfterVerify(progress) : progress, services.clock(), services.sleeper());
        // blocks an interrupted run of the atomic job staged: committed without reading them again. The area is opened as this
        // run first, so that a run refused it (another run of the job still renews it) says nothing of what it would load, and
        // leaves the journal as it found it
        TempAreaClaim claim;
        try {
            claim = executor.claimTempArea(planned.plan(), journal);
        }
        catch (TempAreaInUseException e) {
            try {
                journal.notRun();
            }
            catch (RuntimeException notRun) {
                // the refusal is what the command says; the journal's trouble goes with it to the log
                e.addSuppressed(notRun);
            }
            throw e;
        }
        // renewed from here on, while the command waits for its window too; the load takes the claim over and ends it, and a
        // command that ends before (a table gone when the window opened, say) lets go of the area here
        try (claim) {
            return loadClaimed(planned, verify, ignoreCapacity, options, progress, journal, status, executor, claim);
        }
    }

    /** As {@link #load}, once the run has {@code claim}ed its temp area (a claim that holds nothing for a load that is not atomic). */
    private LoadReport loadClaimed(Planned planned, boolean verify, boolean ignoreCapacity, ExecutorOptions options, ProgressListener progress, JobJournal journal,
            PrintWriter status, LoadExecutor executor, TempAreaClaim claim) {
        PlanStats stats = planned.plan().stats();
        // what became of the job's journal first: it explains the counts of the Loading line that follows
        journal.discarded().ifPresent(status::println);
        if (journal.run() > 1) {
            String earlier = journal.run() == 2 ? "the earlier run" : "the " + (journal.run() - 1) + " earlier runs";
            // a Spark job's journal hears a slice when it finishes: a slice cut short is not in it,
            // though what it committed is cached, and the plan skips it
            boolean slices = services.slices().isPresent();
            // the journal counts what its runs committed, not what the cache still holds of it (evicted since, or lost with a worker);
            // a block of a file rewritten or deleted in the UFS since, or of a partition no longer selected, is in no plan: not the cache's loss
            LoadReport.JobSummary job = journal.starting(planned.plan());
            status.printf("Resuming job %s (run %d): %s%s%n", journal.jobId(), journal.run(),
                    job.previousBlocks() == 0 && job.previousUfsBytesRead() == 0
                            ? slices ? "no slice of %s finished".formatted(earlier) : earlier + " committed nothing"
                            : "%s committed (%d of them cached now%s), %s read from the UFS by %s".formatted(Sizes.count(job.previousBlocks(), "block"),
                                    job.previousBlocksCached(), ReportPrinter.notCached(job), Sizes.format(job.previousUfsBytesRead()),
                                    slices ? "the slices that finished in " + earlier : earlier),
                    slices ? "; blocks of the plan already cached are not loaded again" : "");
        }
        if (stats.blocksToLoad() == 0) {
            status.printf("Nothing to load: %s, %s, %s already cached with replication %d%n",
                    Sizes.count(stats.files(), "file"), Sizes.count(stats.blocks(), "block"), Sizes.format(stats.cachedBytes()),
                    planned.plan().request().replication());
        }
        else {
            // in a Spark job the read threads are each slice's (within its share of its executor's heap), not this process's
            String threads = Sizes.count(executor.readThreads(), "read thread");
            boolean pulls = options.dataPath() == DataPath.PULL;
            status.printf("Loading %s with replication %d, %s%s%n", toLoad(planned.plan(), claim.adopting()), planned.plan().request().replication(),
                    switch (options.dataPath()) {
                        case PUSH -> "";
                        case PULL -> "pulled by the workers, ";
                        case AUTO -> "pulled by the workers while they can read the UFS, ";
                    },
                    services.slices().isPresent()
                            ? "in slices on the Spark executors, %d at a time, up to %s each".formatted(services.slices().get().parallelism(), threads)
                            : (pulls ? Sizes.count(executor.readThreads(), "file") + " at a time" : threads) + executor.adaptiveReads()
                                    .filter(reads -> reads.min() < reads.max())
                                    .map(reads -> " (%d %s at once to start, adapting between %d and %d)".formatted(reads.start(), pulls ? "pulling" : "reading",
                                            reads.min(), reads.max()))
                                    .orElse(""));
        }
        if (planned.plan().droppedPartitions() != null) {
            // not failures, the table no longer has them: said, as the report says it
            status.println("gfsload: warning: " + planned.plan().droppedPartitions().warning());
        }
        List<PartitionLoad> empty = planned.plan().partitions().stream().filter(PartitionLoad::locationEmpty).toList();
        if (!empty.isEmpty()) {
            // a partition whose data has not landed (or was moved) loads nothing: said, not hidden in a SUCCEEDED
            // (a path whose files an earlier, overlapping path covers is not empty)
            // a path is its location: named once, as given
            boolean paths = planned.plan().request().target() instanceof LoadTarget.Paths;
            status.printf("%s no files%s: %s%s%n", Sizes.count(empty.size(), paths ? "path" : "partition") + (empty.size() == 1 ? " has" : " have"),
                    paths ? "" : " (location empty)",
                    String.join(", ", empty.stream().limit(EMPTY_PARTITIONS_NAMED).map(p -> paths ? p.name() : p.name() + " at " + p.location()).toList()),
                    empty.size() > EMPTY_PARTITIONS_NAMED ? " and %d more".formatted(empty.size() - EMPTY_PARTITIONS_NAMED) : "");
        }
        List<PartitionLoad> missing = planned.plan().partitions().stream().filter(PartitionLoad::locationMissing).toList();
        if (!missing.isEmpty()) {
            // in the metastore, not in the UFS: the load ends partial, the report lists them
            status.printf("%s not found, not loaded (location does not exist): %s%s%n", missing.size() == 1 ? "1 partition" : missing.size() + " partitions",
                    String.join(", ", missing.stream().limit(EMPTY_PARTITIONS_NAMED).map(p -> p.name() + " at " + p.location()).toList()),
                    missing.size() > EMPTY_PARTITIONS_NAMED ? " and %d more".formatted(missing.size() - EMPTY_PARTITIONS_NAMED) : "");
        }
        options.window().ifPresent(window -> {
            Instant now = services.clock().instant();
            // in a Spark job the executors start the reads: each checks the window on its own clock
            status.printf("UFS reads start only within the load window %s (%s%s)%s%n", window, window.zone().getId(),
                    services.slices().isPresent() ? ", by each executor's clock" : "",
                    window.isOpen(now) ? ""
                            : "; it is closed now and opens in " + LoadWindow.describe(window.untilOpen(now))
                                    + (stats.blocksToLoad() == 0 ? ", when the load plans again (files may change meanwhile)" : ""));
        });
        for (AtomicOptions.Scope scope : AtomicOptions.Scope.values()) {
            if (options.atomic().map(AtomicOptions::scope).equals(Optional.of(scope))) {
                continue;
            }
            // an atomic load of the same request, at another scope or this one plain, is another job: say what it has staged, running or not
            String atomicJob = JobJournal.jobId(jobRequest(planned.plan().request()), Optional.of(scope));
            String flags = scope == AtomicOptions.Scope.FILE ? "-A" : "-A --atomic-scope " + scope.name().toLowerCase(Locale.ROOT);
            // an area of no blocks (a run stopped before it staged any) holds no room and has nothing to resume
            services.cache().tempAreas().findTempAreaSummary(atomicJob).filter(area -> area.blocks() > 0)
                    .ifPresent(area -> status.printf("The atomic load of the same request (%s, job %s) has a temp area of %s, %s, kept until %s: "
                            + "a run of it is under way (from this or another gfsload home), or one did not finish, which the same command with %s "
                            + "resumes%n", flags, atomicJob, Sizes.count(area.blocks(), "block"),
                            Sizes.format(area.bytes()), area.expiresAt(), flags));
        }
        status.flush();
        LoadPlan[] loaded = {planned.plan()};
        String[] replanWarning = {null};
        Supplier<LoadPlan> planAfterWait = () -> {
            try {
                // the table as it is now: altered (another location), or dropped and created anew, while the load waited
                services.catalog().ifPresent(HiveCatalog::forgetTables);
                loaded[0] = planner().plan(planned.plan().request());
            }
            catch (MetastoreUnavailableException e) {
                // The first plan was made and checked when the command started: a metastore down for a moment at the
                // window's opening would otherwise cost the night's load. Files changed since fail as changed, as
                // they do after a pause. A table or partition gone meanwhile (found missing, exit 5) still fails.
                java.time.ZoneId zone = options.window().map(LoadWindow::zone).orElse(java.time.ZoneOffset.UTC);
                replanWarning[0] = "Cannot reach the metastore when the window opened (%s): loading the plan made at %s (%s)".formatted(e.getMessage(),
                        java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss").format(planned.plannedAt().atZone(zone)), zone.getId());
                status.println("gfsload: warning: " + replanWarning[0]);
                status.flush();
                return planned.plan();
            }
            executor.validate(loaded[0], !ignoreCapacity, line -> {
                status.println(line);
                status.flush();
            });
            status.printf("The load window is open: planned again, %s%n", toLoad(loaded[0], executor.adoptable(loaded[0])));
            status.flush();
            return loaded[0];
        };
        Optional<DistributedLoad.Slices> slices = services.slices();
        // in a Spark job, the plan's files are loaded by its executors, a slice each
        LoadReport report = slices.isPresent()
                ? new DistributedLoad(slices.get(), services.cache(), services.sliceConnection(hadoopConf), planned::settings, options,
                        verify ? new FinishAfterVerify(progress) : progress, services.clock(), services.sleeper())
                        .execute(planned.plan(), Optional.of(journal), planAfterWait, claim)
                : executor.execute(planned.plan(), Optional.of(journal), planAfterWait, claim);
        if (replanWarning[0] != null && report.window() != null) {
            report = report.withWindow(report.window().withWarning(replanWarning[0]));
        }
        if (!verify) {
            return report;
        }
        if (report.stopReason() != null) {
            // the check asks the master, which stopped answering: the report stays unverified
            progress.finished(report);
            return report;
        }
        LoadReport verified = executor.verify(loaded[0], report);
        progress.finished(verified);
        return verified;
    }

    /**
     * What {@code plan} has to load, each count of the same files: {@code 6 of 9 files, 6 blocks,
     * 13.1 MiB (79.4 MiB already cached)}, or {@code 3 files, ...} when none is cached whole. The
     * blocks and bytes are those to read: of a run that adopts blocks an earlier run of its atomic
     * job staged, {@code adopting}, they leave those out, which it names ({@code 3 files, 1 block,
     * 1.0 MiB (0 B already cached; adopting 6 blocks, 6.0 MiB staged by an earlier run of the job)}).
     */
    static String toLoad(LoadPlan plan, Adopted adopting) {
        PlanStats stats = plan.stats();
        long files = plan.filesToLoad();
        String adopted = adopting.blocks() == 0 ? ""
                : "; adopting %s, %s staged by an earlier run of the job".formatted(Sizes.count(adopting.blocks(), "block"), Sizes.format(adopting.bytes()));
        return "%s, %s, %s (%s already cached%s)".formatted(files == stats.files() ? Sizes.count(files, "file") : files + " of " + Sizes.count(stats.files(), "file"),
                Sizes.count(stats.blocksToLoad() - adopting.blocks(), "block"), Sizes.format(stats.bytesToLoad() - adopting.bytes()), Sizes.format(stats.cachedBytes()),
                adopted);
    }

    /** All of the executor's progress but its {@code finished}, which comes after the check of {@code --verify}. */
    private record FinishAfterVerify(ProgressListener progress) implements ProgressListener {
        @Override
        public void started(LoadPlan plan) {
            progress.started(plan);
        }

        @Override
        public void blockLoaded(BlockTask block) {
            progress.blockLoaded(block);
        }

        @Override
        public void blockAdopted(BlockTask block) {
            progress.blockAdopted(block);
        }

        @Override
        public void adopting(long blocks, long bytes) {
            progress.adopting(blocks, bytes);
        }

        @Override
        public void foundCached(FileLoad file, int blocks, long bytes) {
            progress.foundCached(file, blocks, bytes);
        }

        @Override
        public void blockBytesWritten(BlockTask block, int bytes) {
            progress.blockBytesWritten(block, bytes);
        }

        @Override
        public void blockAbandoned(BlockTask block) {
            progress.blockAbandoned(block);
        }

        @Override
        public void sliceProgress(int slice, SliceProgress sliceProgress) {
            progress.sliceProgress(slice, sliceProgress);
        }

        @Override
        public void sliceFinished(int slice) {
            progress.sliceFinished(slice);
        }

        @Override
        public void ufsBytesRead(int bytes) {
            progress.ufsBytesRead(bytes);
        }

        @Override
        public void fileFailed(String path, String error) {
            progress.fileFailed(path, error);
        }

        @Override
        public void fileFinished(FileReport file) {
            progress.fileFinished(file);
        }

        @Override
        public void retrying(String path, int attempt, String error) {
            progress.retrying(path, attempt, error);
        }

        @Override
        public void windowClosed(WindowPause pause) {
            progress.windowClosed(pause);
        }

        @Override
        public void windowOpened(LoadWindow window, Duration closed) {
            progress.windowOpened(window, closed);
        }

        @Override
        public void waitingForMaster(MasterSilence silence) {
            progress.waitingForMaster(silence);
        }
    }
}
