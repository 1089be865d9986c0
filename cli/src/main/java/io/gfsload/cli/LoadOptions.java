package io.gfsload.cli;

import picocli.CommandLine.Option;

/** The replication asked for and the output form, shared by the load and plan commands. */
public final class LoadOptions {
    @Option(names = "--replication", paramLabel = "N", defaultValue = "1",
            description = "Replicas of each block, on distinct workers (default: ${DEFAULT-VALUE}).")
    int replication;

    @Option(names = "--json", description = "Print the report as JSON instead of a summary.")
    boolean json;
}
