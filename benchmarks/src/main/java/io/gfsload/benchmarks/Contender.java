package io.gfsload.benchmarks;

import java.util.List;

/** One side of a comparison: something that moves a scenario's data set once per run, timed. */
interface Contender {
    /** Short name for tables, e.g. {@code gfsload} or {@code cp}. */
    String name();

    /** What exactly runs. */
    String description();

    /** The gfsload settings the last run used, each with its reason; empty for shell baselines. */
    List<String> settings();

    /**
     * Moves the whole data set once, from a clean state (an empty cache or destination), and
     * cleans up afterwards. Not thread-safe: runs are sequential.
     *
     * @param run the run number, from 1
     * @throws BenchmarkException when the run failed or did not move every file and byte
     */
    RunResult run(int run);
}
