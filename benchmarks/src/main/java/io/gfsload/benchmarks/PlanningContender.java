package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A P4 contender: one {@link PlanningRun} per run, in a fresh JVM with the given maximum heap, so
 * that the heap reported is the planner's alone and a plan that needs more than the limit fails
 * the run. The time is the one the run measured in its JVM (from connecting to the metastore to
 * the finished plan for gfsload; the walk for the baseline), without the JVM's start.
 *
 * <p>A run counts only when it planned (or listed) exactly the data set: every partition, file,
 * byte and block, and exactly the blocks that are cached.
 */
final class PlanningContender extends NamedContender {
    private static final long TIMEOUT_MINUTES = 30;

    /** What a run does. */
    enum Mode {
        /** gfsload's planner over the metastore, the UFS and the cache. */
        PLAN,
        /** One thread listing the table's directory with Hadoop's FileSystem API. */
        LIST
    }

    private final Mode mode;
    private final String maxHeap;
    private final List<String> jvmOptions;
    private final PlanningEnvironment environment;
    private final Workspace workspace;

    /**
     * @param maxHeap the runs' {@code -Xmx}, e.g. {@code 1g}
     * @param jvmOptions further options of the runs' JVMs
     */
    PlanningContender(String name, String description, Mode mode, String maxHeap, List<String> jvmOptions, PlanningEnvironment environment,
            Workspace workspace) {
        super(name, description);
        this.mode = requireNonNull(mode, "mode is null");
        this.maxHeap = requireNonNull(maxHeap, "maxHeap is null");
        this.jvmOptions = List.copyOf(requireNonNull(jvmOptions, "jvmOptions is null"));
        this.environment = requireNonNull(environment, "environment is null");
        this.workspace = requireNonNull(workspace, "workspace is null");
    }

    @Override
    public List<String> settings() {
        List<String> settings = new ArrayList<>(List.of("JVM -Xmx" + maxHeap));
        settings.addAll(jvmOptions);
        return settings;
    }

    @Override
    public RunResult run(int run) {
        return inRunDirectory(workspace, environment.data().id(), run, (what, runDirectory) -> runOnce(run, what, runDirectory));
    }

    private RunResult runOnce(int run, String what, Path runDirectory) {
        PlanningDataSet data = environment.data();
        Path resultFile = runDirectory.resolve("result.json");
        Path log = runDirectory.resolve("run.log");
        List<String> options = new ArrayList<>(List.of("-Xmx" + maxHeap));
        options.addAll(jvmOptions);
        List<String> command = JavaProcesses.java(options.toArray(String[]::new));
        command.add(PlanningRun.class.getName());
        if (mode == Mode.PLAN) {
            command.addAll(List.of("plan", environment.metastore().toString(), PlanningDataSet.TABLE.toString(), environment.master(), resultFile.toString()));
        }
        else {
            command.addAll(List.of("list", data.tableDirectory().toUri().toString(), resultFile.toString()));
        }
        PlanningRunResult result;
        try {
            Files.createDirectories(runDirectory);
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new BenchmarkException("%s: still running after %d minutes".formatted(what, TIMEOUT_MINUTES));
            }
            if (process.exitValue() != 0 || !Files.exists(resultFile)) {
                throw new BenchmarkException("%s: exited with %d: %s".formatted(what, process.exitValue(), tail(log)));
            }
            result = new ObjectMapper().readValue(resultFile.toFile(), PlanningRunResult.class);
        }
        catch (IOException e) {
            throw new BenchmarkException("%s failed: %s".formatted(what, e), e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchmarkException(what + " was interrupted", e);
        }
        check(what, data.expected(), result);
        Map<String, Long> counters = new TreeMap<>();
        if (mode == Mode.PLAN) {
            counters.put("plan.partitions", result.partitions());
            counters.put("plan.blocks", result.blocks());
            counters.put("plan.cached-blocks", result.cachedBlocks());
            counters.put("plan.task-sets", result.taskSets());
        }
        counters.put("files", result.files());
        counters.put("cpu-ms", TimeUnit.NANOSECONDS.toMillis(result.cpuNanos()));
        loadAverage().ifPresent(load -> counters.put("machine.load-average-x100", load));
        counters.put("heap.max-bytes", result.heapMaxBytes());
        counters.put("heap.peak-used-bytes", result.heapPeakUsedBytes());
        counters.put("heap.peak-after-gc-bytes", result.heapPeakAfterGcBytes());
        counters.put("heap.retained-bytes", result.heapRetainedBytes());
        counters.put("gc.collections", result.collections());
        return RunResult.of(run, result.nanos(), result.bytes(), result.files(), counters);
    }

    /** The machine's load average over the last minute, times 100, when /proc tells. */
    private static Optional<Long> loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).split(" ");
            return Optional.of(Math.round(Double.parseDouble(fields[0]) * 100));
        }
        catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private void check(String what, PlanningDataSet.Expected expected, PlanningRunResult result) {
        boolean exact = result.files() == expected.files() && result.bytes() == expected.bytes();
        if (mode == Mode.PLAN) {
            exact &= result.partitions() == expected.partitions() && result.blocks() == expected.blocks() && result.cachedBlocks() == expected.cachedBlocks();
        }
        if (!exact) {
            throw new BenchmarkException("%s: got %d partitions, %d files, %d bytes, %d blocks (%d cached); expected %s".formatted(what,
                    result.partitions(), result.files(), result.bytes(), result.blocks(), result.cachedBlocks(), expected));
        }
    }

    private static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "(no output)";
        }
        String output = Files.readString(log, StandardCharsets.UTF_8).strip();
        return output.length() <= 3000 ? output : "..." + output.substring(output.length() - 3000);
    }
}
