package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Everything one invocation of the harness measured, as written to {@code results.json}.
 *
 * @param machine where it ran
 * @param size the size of the data sets, e.g. {@code reduced}
 * @param runs runs per contender
 * @param workDir where the data sets live
 * @param memoryDir where the caches and copies were written (the MEM tier when it is a tmpfs)
 * @param memoryDirType the file system type of {@code memoryDir}, e.g. {@code tmpfs}
 * @param wallSeconds wall time of the whole invocation, data generation included
 * @param scenarios one result per scenario run, in order
 */
public record BenchmarkResults(MachineInfo machine, String size, int runs, String workDir, String memoryDir, String memoryDirType,
        double wallSeconds, List<ScenarioResult> scenarios) {
    public BenchmarkResults {
        requireNonNull(machine, "machine is null");
        requireNonNull(size, "size is null");
        requireNonNull(workDir, "workDir is null");
        requireNonNull(memoryDir, "memoryDir is null");
        requireNonNull(memoryDirType, "memoryDirType is null");
        scenarios = List.copyOf(requireNonNull(scenarios, "scenarios is null"));
    }
}
