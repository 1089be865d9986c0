package io.gfsload.benchmarks;

/**
 * Receives the progress of a harness invocation, on the harness's thread. The harness itself
 * never prints; {@link Bench} prints through one of these.
 */
public interface BenchmarkListener {
    BenchmarkListener NONE = new BenchmarkListener() {};

    /** A scenario begins; its data set is about to be generated or reused. */
    default void scenarioStarted(String id, String title, String data) {}

    /** The data set is ready and in the page cache. */
    default void dataReady(String id, boolean generated, double seconds) {}

    /** One run of one contender finished. */
    default void runFinished(String id, String contender, RunResult result) {}

    /** A scenario finished with its summaries. */
    default void scenarioFinished(ScenarioResult result) {}
}
