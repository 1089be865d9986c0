package io.gfsload.catalog.testing;

import static java.util.Objects.requireNonNull;

import com.google.common.io.MoreFiles;
import io.gfsload.catalog.embedded.EmbeddedMetastore;
import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.hive.conf.HiveConf;
import org.apache.hadoop.hive.metastore.HiveMetaStoreClient;
import org.apache.hadoop.hive.metastore.api.MetaException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An embedded metastore on loopback for the tests of one class, with a Thrift catalog connected
 * to it. Registered on a static field with {@code @RegisterExtension}, it starts before the class's
 * {@code @BeforeAll} methods (which may then create tables through {@link #uri()}) and closes, with
 * its directory deleted, after the class's {@code @AfterAll} methods.
 */
public final class EmbeddedMetastoreExtension implements BeforeAllCallback, AfterAllCallback {
    private final Map<String, String> settings;
    private Path directory;
    private EmbeddedMetastore metastore;
    private ThriftHiveCatalog catalog;

    /** A metastore with the embedded defaults. */
    public EmbeddedMetastoreExtension() {
        this(Map.of());
    }

    /** A metastore with these metastore settings over the embedded defaults. */
    public EmbeddedMetastoreExtension(Map<String, String> settings) {
        this.settings = Map.copyOf(settings);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        directory = Files.createTempDirectory("metastore");
        metastore = EmbeddedMetastore.start(directory, 0, settings);
        catalog = ThriftHiveCatalog.connect(metastore.uri());
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try (EmbeddedMetastore closingMetastore = metastore; ThriftHiveCatalog closingCatalog = catalog) {
            // the catalog first, then the metastore
        }
        finally {
            if (directory != null) {
                MoreFiles.deleteRecursively(directory);
            }
        }
    }

    /** The metastore's URI, {@code thrift://127.0.0.1:<port>}. */
    public URI uri() {
        return requireNonNull(metastore, "the metastore starts before the class's @BeforeAll methods").uri();
    }

    /** A client of Hive's own connected to the metastore, to ask it what the catalog does not pass on as it is; the caller closes it. */
    public HiveMetaStoreClient hiveClient() throws MetaException {
        HiveConf conf = new HiveConf();
        conf.setVar(HiveConf.ConfVars.METASTOREURIS, uri().toString());
        conf.setBoolVar(HiveConf.ConfVars.METASTORE_EXECUTE_SET_UGI, false);
        return new HiveMetaStoreClient(conf);
    }

    /** The catalog connected to the metastore; closed with it. */
    public ThriftHiveCatalog catalog() {
        return requireNonNull(catalog, "the metastore starts before the class's @BeforeAll methods");
    }
}
