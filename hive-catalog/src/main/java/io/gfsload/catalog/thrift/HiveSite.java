package io.gfsload.catalog.thrift;

import static java.util.Objects.requireNonNull;

import io.gfsload.catalog.InvalidInputException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/**
 * Reads the metastore address, and the name of Hive's default partition, from a Hive configuration
 * directory's {@code hive-site.xml}.
 */
public final class HiveSite {
    private HiveSite() {}

    /** Hive 3's name of the metastore addresses, which its metastore client reads before {@link #HIVE_KEY}. */
    static final String METASTORE_KEY = "metastore.thrift.uris";
    /** The name of the metastore addresses that every Hive version reads. */
    static final String HIVE_KEY = "hive.metastore.uris";

    /**
     * The {@code metastore.thrift.uris} of {@code confDir/hive-site.xml} (Hive 3's name) or else
     * its {@code hive.metastore.uris}, as Hive's metastore client takes them, in their order (the
     * metastores of a highly available service), or empty when there is no such file or it names
     * no metastore (Hive then runs an embedded one).
     *
     * @throws InvalidInputException when the file is malformed or names a URI that is not
     *     {@code thrift://host:port}, or one with a user and password (not repeated)
     */
    public static List<URI> metastoreUris(Path confDir) {
        requireNonNull(confDir, "confDir is null");
        Path file = confDir.resolve("hive-site.xml");
        Optional<Configuration> site = read(file);
        if (site.isEmpty()) {
            return List.of();
        }
        Configuration conf = site.get();
        String key = conf.get(METASTORE_KEY) != null ? METASTORE_KEY : HIVE_KEY;
        List<String> values = Arrays.stream(conf.getTrimmed(key, "").split(",")).map(String::strip).filter(u -> !u.isEmpty()).toList();
        if (values.stream().anyMatch(value -> value.contains("@"))) {
            // as --metastore: the Thrift protocol takes no user and password there, and the address ends up in messages and logs
            throw new InvalidInputException("Invalid %s in %s: credentials are not accepted in a metastore address (thrift://<hidden>@...): "
                    .formatted(key, file) + "expected thrift://host:port");
        }
        List<URI> uris = new ArrayList<>(values.size());
        for (String value : values) {
            URI uri;
            try {
                uri = new URI(value);
            }
            catch (URISyntaxException e) {
                uri = null;
            }
            if (uri == null || !"thrift".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() <= 0) {
                throw new InvalidInputException("Invalid %s '%s' in %s: expected thrift://host:port".formatted(key, value, file));
            }
            uris.add(uri);
        }
        return List.copyOf(uris);
    }

    /**
     * The {@code hive.exec.default.partition.name} of {@code confDir/hive-site.xml}: how Hive,
     * configured so, names its default partition (the partitions of the rows whose key is null),
     * as its queries write and prune them; empty when there is no such file or it does not set it
     * (or sets it blank), for the metastore's name to hold.
     *
     * @throws InvalidInputException when the file is malformed
     */
    public static Optional<String> defaultPartitionName(Path confDir) {
        requireNonNull(confDir, "confDir is null");
        return read(confDir.resolve("hive-site.xml"))
                .map(conf -> conf.getTrimmed(ThriftHiveCatalog.DEFAULT_PARTITION_NAME_KEY, ""))
                .filter(name -> !name.isEmpty());
    }

    /** The settings of {@code file}, checked, or empty when there is no such file. */
    private static Optional<Configuration> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        SiteFiles.check(toUrl(file));
        Configuration conf = new Configuration(false);
        conf.addResource(new org.apache.hadoop.fs.Path(file.toUri()));
        return Optional.of(conf);
    }

    private static URL toUrl(Path file) {
        try {
            return file.toUri().toURL();
        }
        catch (MalformedURLException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
