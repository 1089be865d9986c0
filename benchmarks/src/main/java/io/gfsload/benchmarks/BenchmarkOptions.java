package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What one invocation of the harness runs, and where.
 *
 * @param size the size of the data sets
 * @param runs runs per contender, >= 1
 * @param workDir where the data sets are generated and kept for the next invocation
 * @param outputDir where {@code results.json} and {@code results.md} are written
 * @param memoryDir where caches and copies go; empty for {@code /dev/shm} when it is a writable
 *     directory (the MEM tier), else {@code workDir/mem}
 * @param scenarios ids or id prefixes of the scenarios to run, e.g. {@code [P1, P3]}
 * @param plannerJvmOptions extra options of P4's planning JVMs, e.g. to record a profile
 */
public record BenchmarkOptions(Size size, int runs, Path workDir, Path outputDir, Optional<Path> memoryDir, List<String> scenarios,
        List<String> plannerJvmOptions) {
    public BenchmarkOptions {
        requireNonNull(size, "size is null");
        if (runs < 1) {
            throw new IllegalArgumentException("runs must be >= 1: " + runs);
        }
        workDir = requireNonNull(workDir, "workDir is null").toAbsolutePath().normalize();
        outputDir = requireNonNull(outputDir, "outputDir is null").toAbsolutePath().normalize();
        memoryDir = requireNonNull(memoryDir, "memoryDir is null").map(dir -> dir.toAbsolutePath().normalize());
        scenarios = List.copyOf(requireNonNull(scenarios, "scenarios is null"));
        plannerJvmOptions = List.copyOf(requireNonNull(plannerJvmOptions, "plannerJvmOptions is null"));
        for (String selector : scenarios) {
            if (Scenarios.IDS.stream().noneMatch(id -> Scenarios.selected(id, List.of(selector)))) {
                throw new IllegalArgumentException("Unknown scenario '%s': expected one of %s, or P3 for every P3".formatted(selector, Scenarios.IDS));
            }
        }
        if (scenarios.isEmpty()) {
            throw new IllegalArgumentException("scenarios is empty");
        }
    }

    /** Without extra planner JVM options. */
    public BenchmarkOptions(Size size, int runs, Path workDir, Path outputDir, Optional<Path> memoryDir, List<String> scenarios) {
        this(size, runs, workDir, outputDir, memoryDir, scenarios, List.of());
    }
}
