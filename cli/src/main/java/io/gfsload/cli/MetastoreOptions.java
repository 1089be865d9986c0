package io.gfsload.cli;

import java.net.URI;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where the Hive metastore is; defaults to an embedded one with the demo table. */
public final class MetastoreOptions {
    @Option(names = "--metastore", paramLabel = "thrift://HOST:PORT", converter = MetastoreUri.class,
            description = "Hive metastore to read tables from. Default: hive.metastore.uris of $HIVE_CONF_DIR/hive-site.xml, else the one 'gfsload metastore start' "
                    + "serves from $GFSLOAD_HOME/metastore, else an embedded metastore there with the demo table demo.events.")
    URI metastore;

    public Optional<URI> metastore() {
        return Optional.ofNullable(metastore);
    }
}
