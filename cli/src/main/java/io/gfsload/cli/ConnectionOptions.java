package io.gfsload.cli;

import java.util.Optional;
import picocli.CommandLine.Option;

/** Where the cache cluster is; defaults to an embedded one. */
public final class ConnectionOptions {
    @Option(names = "--master", paramLabel = "HOST:PORT",
            description = "Cache master to load into. Default: an embedded cluster (one master, two workers) in $GFSLOAD_HOME.")
    String master;

    public Optional<String> master() {
        return Optional.ofNullable(master);
    }
}
