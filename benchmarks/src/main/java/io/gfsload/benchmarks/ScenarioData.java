package io.gfsload.benchmarks;

/**
 * What a scenario works on, generated once and reused while its marker says it is complete: a
 * directory of files ({@link DataSet}), or a partitioned table with its metastore
 * ({@link PlanningDataSet}).
 */
interface ScenarioData {
    /** Names the data in messages, e.g. {@code P2}. */
    String id();

    /** Files in the data. */
    long files();

    /** Their total length. */
    long bytes();

    /** E.g. {@code 4 x 256 MiB}. */
    String describe();

    /** Bytes one run writes to the scratch directory at most. */
    long scratchBytes();

    /**
     * Generates the data unless a complete one of the same description is there already.
     *
     * @return true when it was generated now
     * @throws BenchmarkException when it cannot be generated
     */
    boolean ensure();

    /** Reads the data once, so that the first timed run does not pay for what the later ones do not. */
    void warm();
}
