package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.TreeMap;

/**
 * One timed run of one contender.
 *
 * @param run the run number, from 1
 * @param seconds wall time of the measured work
 * @param mibPerSecond bytes moved per second, in MiB (2^20 bytes)
 * @param filesPerSecond files moved per second
 * @param counters what the run observed besides time, e.g. the requests the throttled store served
 */
public record RunResult(int run, double seconds, double mibPerSecond, double filesPerSecond, Map<String, Long> counters) {
    public RunResult {
        if (run < 1) {
            throw new IllegalArgumentException("run must be >= 1: " + run);
        }
        if (!(seconds > 0)) {
            throw new IllegalArgumentException("seconds must be > 0: " + seconds);
        }
        counters = Map.copyOf(requireNonNull(counters, "counters is null"));
    }

    /** The run that moved {@code bytes} in {@code files} files in {@code nanos}. */
    static RunResult of(int run, long nanos, long bytes, long files, Map<String, Long> counters) {
        double seconds = Math.max(nanos, 1) / 1e9;
        return new RunResult(run, seconds, bytes / Units.MIB / seconds, files / seconds, new TreeMap<>(counters));
    }
}
