package io.gfsload.cli;

import picocli.CommandLine.Option;

/** The replication asked for and the output form ({@link JsonOutput}), shared by the load and plan commands. */
public final class LoadOptions extends JsonOutput {
    @Option(names = "--replication", paramLabel = "N", defaultValue = "1",
            description = "Replicas of each block, on distinct workers (default: ${DEFAULT-VALUE}).")
    int replication;
}
