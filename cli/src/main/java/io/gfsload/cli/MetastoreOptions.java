package io.gfsload.cli;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where the Hive metastore is; defaults to an embedded one with the demo table. */
public final class MetastoreOptions {
    @Option(names = "--metastore", paramLabel = "thrift://HOST:PORT[,...]", converter = MetastoreUri.class,
            description = "Hive metastore to read tables from; several, comma-separated (the metastores of a highly available service), are tried in order at first, then starting with the one that last answered; one that does not take the connection and answer a first call within 10 s is passed for the next. "
                    + "Default: hive.metastore.uris of $HIVE_CONF_DIR/hive-site.xml (every one, in order), else the one 'gfsload metastore start' "
                    + "serves from $GFSLOAD_HOME/metastore, else an embedded metastore there with the demo table demo.events.")
    MetastoreUri.Addresses metastore;

    /** The metastores of {@code --metastore}, in the order they are tried, or empty when it is not given. */
    public Optional<List<URI>> metastore() {
        return Optional.ofNullable(metastore).map(MetastoreUri.Addresses::uris);
    }
}
