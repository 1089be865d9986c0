package io.gfsload.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gfsload.catalog.embedded.EmbeddedMetastore;
import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.metastore.hooks.JDOConnectionURLHook;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A metastore that cannot open its database answers with the database's JDBC URL in its error
 * (Hive 2's default pool, BoneCP: {@code Unable to open a test connection to the given database.
 * JDBC url = ..., username = ...}); the catalog repeats that error without the URL's passwords.
 */
class TestMetastoreDatabaseFailure {
    private static final String FAILING_URL = "jdbc:mysql://hive:Us3rPass@db.example.com:3306/metastore?useSSL=true&password=S3cretPw";

    /** The database URL the metastore uses: its own Derby database while it starts, then {@link #FAILING_URL}. */
    private static volatile String databaseUrl;

    /**
     * Gives the metastore its database URL, as Hive's {@code hive.metastore.ds.connection.url.hook}
     * does (Hive asks it as it starts and as its threads open the database), so that the
     * metastore starts with a working database and then opens one it cannot reach.
     */
    public static final class DatabaseUrlHook implements JDOConnectionURLHook {
        @Override
        public String getJdoConnectionUrl(Configuration conf) {
            return databaseUrl;
        }

        @Override
        public void notifyBadConnectionUrl(String url) {}
    }

    @TempDir
    Path directory;

    private EmbeddedMetastore metastore;

    @BeforeEach
    void start() {
        databaseUrl = "jdbc:derby:;databaseName=" + directory.resolve("metastore_db") + ";create=true";
        metastore = EmbeddedMetastore.start(directory, 0, Map.of(
                "datanucleus.connectionPoolingType", "BONECP",
                "hive.metastore.ds.connection.url.hook", DatabaseUrlHook.class.getName(),
                // one attempt, at once: the failure is the same at each
                "hive.hmshandler.retry.attempts", "1",
                "hive.hmshandler.retry.interval", "0ms"));
        databaseUrl = FAILING_URL;
    }

    @AfterEach
    void stop() {
        if (metastore != null) {
            metastore.close();
        }
    }

    @Test
    void theJdbcUrlInTheMetastoresErrorIsRepeatedWithoutItsPasswords() {
        MetastoreUnavailableException e;
        try (ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(metastore.uri())) {
            e = assertThrows(MetastoreUnavailableException.class, () -> catalog.getTable(new TableName("db", "events")));
        }

        assertEquals(("Cannot read table db.events in the metastore at %s: Unable to open a test connection to the given database. "
                + "JDBC url = jdbc:mysql://<hidden>@db.example.com:3306/metastore?useSSL=true&password=<hidden> username = APP. "
                + "Terminating connection pool (set lazyInit to true if you expect to start your database after your app). Original Exception: ------")
                .formatted(metastore.uri()), e.getMessage());
        StringWriter logged = new StringWriter();
        e.printStackTrace(new PrintWriter(logged));
        assertFalse(logged.toString().contains("S3cretPw") || logged.toString().contains("Us3rPass"),
                "the failure as a log prints it, with the metastore's error as its cause, holds no password: " + logged);
    }
}
