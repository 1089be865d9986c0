package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Median and range of one metric over the runs of a contender.
 *
 * @param median the median (the mean of the middle two for an even count)
 * @param min the smallest value
 * @param max the largest value
 */
public record Summary(double median, double min, double max) {
    public Summary {
        if (!(min <= median && median <= max)) {
            throw new IllegalArgumentException("need min <= median <= max: %s, %s, %s".formatted(min, median, max));
        }
    }

    /**
     * Summarises {@code values}.
     *
     * @throws IllegalArgumentException when {@code values} is empty
     */
    public static Summary of(List<Double> values) {
        requireNonNull(values, "values is null");
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values to summarise");
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        return new Summary(median, sorted.get(0), sorted.get(n - 1));
    }
}
