package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * The outcome of one scenario: both contenders on the same data, and how they compare.
 *
 * @param id e.g. {@code P1}
 * @param title e.g. {@code large files into the MEM tier}
 * @param description what is measured and against what
 * @param files files in the data set
 * @param bytes bytes in the data set
 * @param data e.g. {@code 4 x 256 MiB}
 * @param candidate gfsload as the user runs it
 * @param baseline what it is compared with
 * @param ratio candidate median MiB/s divided by baseline median MiB/s (the same as the ratio of
 *     median files/s, since both moved the same files); above 1 means the candidate is faster
 * @param metrics further ratios, e.g. throughput as a share of the store's aggregate cap
 * @param notes what a reader needs to interpret the numbers
 */
public record ScenarioResult(String id, String title, String description, long files, long bytes, String data, ContenderResult candidate,
        ContenderResult baseline, double ratio, Map<String, Double> metrics, List<String> notes) {
    public ScenarioResult {
        requireNonNull(id, "id is null");
        requireNonNull(title, "title is null");
        requireNonNull(description, "description is null");
        requireNonNull(data, "data is null");
        requireNonNull(candidate, "candidate is null");
        requireNonNull(baseline, "baseline is null");
        metrics = Map.copyOf(requireNonNull(metrics, "metrics is null"));
        notes = List.copyOf(requireNonNull(notes, "notes is null"));
    }
}
