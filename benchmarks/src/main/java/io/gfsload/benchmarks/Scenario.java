package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.BiFunction;

/**
 * One comparison, ready to run: a data set, gfsload and its baseline on it, and what the result
 * should carry besides the timings. Closing it releases what it holds (a throttled store).
 *
 * @param id e.g. {@code P1}
 * @param title one line for tables
 * @param description what is measured against what
 * @param data what both contenders work on
 * @param candidate gfsload
 * @param baseline the comparison
 * @param aggregateCapMiBPerSecond the store's aggregate bandwidth, when throughput should be
 *     reported as a share of it
 * @param metrics further figures derived from both contenders' runs, e.g. the planner's peak heap
 * @param notes what a reader needs to interpret the numbers
 * @param resources closed with the scenario
 */
record Scenario(String id, String title, String description, ScenarioData data, Contender candidate, Contender baseline,
        OptionalDouble aggregateCapMiBPerSecond, BiFunction<ContenderResult, ContenderResult, Map<String, Double>> metrics, List<String> notes,
        Closeable resources) implements AutoCloseable {
    Scenario {
        requireNonNull(id, "id is null");
        requireNonNull(title, "title is null");
        requireNonNull(description, "description is null");
        requireNonNull(data, "data is null");
        requireNonNull(candidate, "candidate is null");
        requireNonNull(baseline, "baseline is null");
        requireNonNull(aggregateCapMiBPerSecond, "aggregateCapMiBPerSecond is null");
        requireNonNull(metrics, "metrics is null");
        notes = List.copyOf(requireNonNull(notes, "notes is null"));
        requireNonNull(resources, "resources is null");
    }

    /** No further metrics. */
    static final BiFunction<ContenderResult, ContenderResult, Map<String, Double>> NO_METRICS = (candidate, baseline) -> Map.of();

    @Override
    public void close() {
        try {
            resources.close();
        }
        catch (IOException e) {
            throw new BenchmarkException("Cannot release the resources of " + id + ": " + e, e);
        }
    }
}
