package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import com.google.common.base.Ticker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs the selected scenarios: for each, generates (or reuses) its data set, reads it once into
 * the page cache, then runs gfsload and its baseline interleaved (A B A B ...) for the configured
 * number of runs, each from a clean state, and summarises. Writes {@code results.json} and
 * {@code results.md} into the output directory.
 *
 * <p>Caches and copies live in {@code <memory dir>/gfsload-bench-<pid>}, and those of C1-ssd (a
 * worker's SSD tier) in {@code <work dir>/gfsload-bench-<pid>}; both are deleted at the end, and
 * those of invocations whose process is gone (interrupted ones) at the start. Not thread-safe; one
 * invocation at a time per memory directory.
 */
public final class BenchmarkHarness {
    private static final Path DEV_SHM = Path.of("/dev/shm");
    /** Slack on top of a data set's size for the cache's metadata and the file system's own. */
    private static final long SPACE_HEADROOM = 128L << 20;
    /** The scratch directories are named after this and the invocation's process id. */
    private static final String SCRATCH_PREFIX = "gfsload-bench-";
    private static final Pattern SCRATCH_NAME = Pattern.compile(Pattern.quote(SCRATCH_PREFIX) + "(\\d+)");

    private final BenchmarkOptions options;
    private final Ticker ticker;
    private final Clock clock;
    private final BenchmarkListener listener;

    public BenchmarkHarness(BenchmarkOptions options, Ticker ticker, Clock clock, BenchmarkListener listener) {
        this.options = requireNonNull(options, "options is null");
        this.ticker = requireNonNull(ticker, "ticker is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.listener = requireNonNull(listener, "listener is null");
    }

    /**
     * Runs everything and writes the results.
     *
     * @throws BenchmarkException when the output directory cannot be written (before any run), a
     *     data set cannot be prepared, a run fails or moves less than its whole data set, or the
     *     results cannot be written
     */
    public BenchmarkResults run() {
        ResultsWriter.checkWritable(options.outputDir());
        long start = ticker.read();
        MachineInfo machine = MachineInfo.probe(clock);
        String name = SCRATCH_PREFIX + ProcessHandle.current().pid();
        Path scratch = memoryRoot().resolve(name);
        Path diskScratch = options.workDir().resolve(name);
        deleteLeftovers(scratch.getParent());
        deleteLeftovers(diskScratch.getParent());
        BenchmarkResults benchmark;
        try {
            benchmark = runAll(machine, new Workspace(scratch, diskScratch, ticker, clock), start);
        }
        catch (RuntimeException e) {
            Directories.deleteAfterFailure(e, scratch, diskScratch);
            throw e;
        }
        Directories.deleteAfterRun("the benchmarks", scratch, diskScratch);
        return benchmark;
    }

    private BenchmarkResults runAll(MachineInfo machine, Workspace workspace, long start) {
        Path scratch = workspace.scratch();
        try {
            for (Path directory : List.of(scratch, workspace.diskScratch())) {
                Directories.deleteRecursively(directory);
                Files.createDirectories(directory);
            }
            String tier = Files.getFileStore(scratch).type();
            List<ScenarioResult> results = new ArrayList<>();
            for (String id : Scenarios.IDS) {
                if (Scenarios.selected(id, options.scenarios())) {
                    try (Scenario scenario = Scenarios.create(id, options, workspace, machine.cores(), tier)) {
                        results.add(run(scenario, Scenarios.scratch(id, workspace)));
                    }
                }
            }
            BenchmarkResults benchmark = new BenchmarkResults(machine, options.size().label(), options.runs(), options.workDir().toString(),
                    scratch.getParent().toString(), tier, (ticker.read() - start) / 1e9, results);
            ResultsWriter.write(benchmark, options.outputDir());
            return benchmark;
        }
        catch (IOException e) {
            throw new BenchmarkException("Cannot prepare the scratch directories " + scratch + " and " + workspace.diskScratch() + ": " + e, e);
        }
    }

    /**
     * Deletes the scratch directories in {@code root} of invocations whose process is gone, which an
     * interrupted invocation (Ctrl-C) leaves behind: a cache of up to a data set's size, in memory
     * when {@code root} is a tmpfs. Best effort: what cannot be deleted (another user's) stays.
     */
    private static void deleteLeftovers(Path root) {
        if (!Files.isDirectory(root)) {
            return;
        }
        List<Path> leftovers;
        try (Stream<Path> entries = Files.list(root)) {
            leftovers = entries.filter(entry -> {
                Matcher matcher = SCRATCH_NAME.matcher(entry.getFileName().toString());
                return matcher.matches() && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) && !running(matcher.group(1));
            }).toList();
        }
        catch (IOException e) {
            return;
        }
        for (Path leftover : leftovers) {
            try {
                Directories.deleteRecursively(leftover);
            }
            catch (IOException e) {
                // not ours to delete
            }
        }
    }

    private static boolean running(String pid) {
        try {
            return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
        }
        catch (NumberFormatException e) {
            return true;
        }
    }

    private Path memoryRoot() {
        if (options.memoryDir().isPresent()) {
            return options.memoryDir().get();
        }
        return Files.isDirectory(DEV_SHM) && Files.isWritable(DEV_SHM) ? DEV_SHM : options.workDir().resolve("mem");
    }

    private ScenarioResult run(Scenario scenario, Path scratch) throws IOException {
        ScenarioData data = scenario.data();
        listener.scenarioStarted(scenario.id(), scenario.title(), data.describe());
        checkSpace(scenario, scratch);
        long prepareStart = ticker.read();
        boolean generated = data.ensure();
        data.warm();
        listener.dataReady(scenario.id(), generated, (ticker.read() - prepareStart) / 1e9);

        List<RunResult> candidateRuns = new ArrayList<>();
        List<RunResult> baselineRuns = new ArrayList<>();
        for (int run = 1; run <= options.runs(); run++) {
            candidateRuns.add(runOnce(scenario, scenario.candidate(), run));
            baselineRuns.add(runOnce(scenario, scenario.baseline(), run));
        }
        ContenderResult candidate = ContenderResult.of(scenario.candidate().name(), scenario.candidate().description(), scenario.candidate().settings(), candidateRuns);
        ContenderResult baseline = ContenderResult.of(scenario.baseline().name(), scenario.baseline().description(), scenario.baseline().settings(), baselineRuns);
        Map<String, Double> metrics = new LinkedHashMap<>();
        scenario.aggregateCapMiBPerSecond().ifPresent(cap -> {
            metrics.put("candidate median / aggregate cap", candidate.mibPerSecond().median() / cap);
            metrics.put("baseline median / aggregate cap", baseline.mibPerSecond().median() / cap);
        });
        recoveries(metrics, "candidate", candidateRuns);
        recoveries(metrics, "baseline", baselineRuns);
        metrics.putAll(scenario.metrics().apply(candidate, baseline));
        ScenarioResult result = new ScenarioResult(scenario.id(), scenario.title(), scenario.description(), data.files(), data.bytes(),
                data.describe(), candidate, baseline, candidate.mibPerSecond().median() / baseline.mibPerSecond().median(), metrics, scenario.notes());
        listener.scenarioFinished(result);
        return result;
    }

    /**
     * The median over the runs of each {@code recovery-ms.N} counter, in seconds; a run that never
     * recovered (-1) counts as the slowest.
     */
    private static void recoveries(Map<String, Double> metrics, String who, List<RunResult> runs) {
        java.util.SortedSet<String> keys = new java.util.TreeSet<>();
        runs.forEach(run -> run.counters().keySet().stream().filter(key -> key.startsWith("recovery-ms.")).forEach(keys::add));
        for (String key : keys) {
            List<Double> seconds = runs.stream()
                    .map(run -> run.counters().getOrDefault(key, -1L))
                    .map(ms -> ms < 0 ? Double.POSITIVE_INFINITY : ms / 1000.0)
                    .sorted()
                    .toList();
            double median = seconds.size() % 2 == 1 ? seconds.get(seconds.size() / 2) : (seconds.get(seconds.size() / 2 - 1) + seconds.get(seconds.size() / 2)) / 2;
            metrics.put("%s median s to >= 0.9 of the new cap after change %s".formatted(who, key.substring("recovery-ms.".length())),
                    Double.isInfinite(median) ? -1 : median);
        }
    }

    private RunResult runOnce(Scenario scenario, Contender contender, int run) {
        RunResult result = contender.run(run);
        listener.runFinished(scenario.id(), contender.name(), result);
        return result;
    }

    /** Only one run's cache or copy exists at a time. */
    private void checkSpace(Scenario scenario, Path scratch) throws IOException {
        long needed = scenario.data().scratchBytes() + SPACE_HEADROOM;
        long usable = Files.getFileStore(scratch).getUsableSpace();
        if (usable < needed) {
            throw new BenchmarkException("%s needs %s free in %s for one cache or copy, only %s is: free some or pass %s".formatted(
                    scenario.id(), Units.bytes(needed), scratch, Units.bytes(usable), scratch.getParent().equals(options.workDir()) ? "--work-dir" : "--memory-dir"));
        }
    }
}
