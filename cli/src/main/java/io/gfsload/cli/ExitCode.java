package io.gfsload.cli;

/** The exit codes of the command-line contract. */
public final class ExitCode {
    /** Everything requested is cached at the requested replication. */
    public static final int OK = 0;
    /** Bad usage or input. */
    public static final int USAGE = 2;
    /** Some files failed; the report lists them. */
    public static final int PARTIAL = 3;
    /** The load failed. */
    public static final int FAILED = 4;
    /** Table, partition or path not found. */
    public static final int NOT_FOUND = 5;
    /** Not enough cache capacity for the plan. */
    public static final int NO_CAPACITY = 6;

    private ExitCode() {}
}
