package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * All runs of one contender of a scenario and their summaries.
 *
 * @param name short name, e.g. {@code gfsload} or {@code cp}
 * @param description what exactly ran
 * @param settings the gfsload settings used, each with its reason; empty for a shell baseline
 * @param runs the runs in the order they ran
 * @param seconds wall time per run
 * @param mibPerSecond throughput per run in MiB/s
 * @param filesPerSecond files per second per run
 */
public record ContenderResult(String name, String description, List<String> settings, List<RunResult> runs, Summary seconds,
        Summary mibPerSecond, Summary filesPerSecond) {
    public ContenderResult {
        requireNonNull(name, "name is null");
        requireNonNull(description, "description is null");
        settings = List.copyOf(requireNonNull(settings, "settings is null"));
        runs = List.copyOf(requireNonNull(runs, "runs is null"));
        requireNonNull(seconds, "seconds is null");
        requireNonNull(mibPerSecond, "mibPerSecond is null");
        requireNonNull(filesPerSecond, "filesPerSecond is null");
    }

    /** Summarises {@code runs}. */
    static ContenderResult of(String name, String description, List<String> settings, List<RunResult> runs) {
        return new ContenderResult(name, description, settings, runs,
                Summary.of(runs.stream().map(RunResult::seconds).toList()),
                Summary.of(runs.stream().map(RunResult::mibPerSecond).toList()),
                Summary.of(runs.stream().map(RunResult::filesPerSecond).toList()));
    }
}
