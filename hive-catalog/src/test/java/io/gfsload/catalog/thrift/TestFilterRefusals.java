package io.gfsload.catalog.thrift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.catalog.InvalidInputException;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableInfo;
import io.gfsload.catalog.TableName;
import io.gfsload.catalog.testing.EmbeddedMetastoreExtension;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.hive.metastore.HiveMetaStoreClient;
import org.apache.hadoop.hive.metastore.api.MetaException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which {@link MetaException}s of {@code get_partitions_by_filter} are the metastore's refusing
 * the filter (bad input, exit 2) and which its failing (exit 4): the refusals are those the real
 * embedded metastore gives for bad filters. The catalog opens its own metastore clients, so a
 * failure of the metastore's database is classified here by its message, as Hive words it.
 */
class TestFilterRefusals {
    @TempDir
    static Path directory;

    private static final TableName EVENTS = new TableName("db", "events");

    @RegisterExtension
    static final EmbeddedMetastoreExtension METASTORE = new EmbeddedMetastoreExtension();

    @BeforeAll
    static void start() {
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            admin.ensureDatabase("db", directory.resolve("warehouse/db.db").toUri().toString());
            String location = directory.resolve("warehouse/db.db/events").toUri().toString();
            admin.createParquetTable(EVENTS, List.of(new Column("id", "bigint")), List.of(new Column("dt", "string"), new Column("hr", "int")), location);
            admin.addPartitions(EVENTS, Map.of(PartitionSpec.parse("dt=2026-11-20/hr=1"), location + "/dt=2026-11-20/hr=1"));
        }
    }

    @Test
    void theMessagesOfTheMetastoresRefusalsOfFiltersAreRefusals() throws Exception {
        HiveMetaStoreClient client = METASTORE.hiveClient();
        try {
            for (String filter : List.of("dt IN ('a')", "dt >>> 3", "dt = 5", "hr = '1'", "nokey = 'a'", "dt like 'a.*' and hr = 1", "hr = 99999999999999999999")) {
                MetaException refusal = assertThrows(MetaException.class, () -> client.listPartitionsByFilter("db", "events", filter, (short) -1), filter);
                assertTrue(ThriftHiveCatalog.refusesFilter(refusal.getMessage()), filter + ": " + refusal.getMessage());
            }
        }
        finally {
            client.close();
        }
    }

    @Test
    void aFilterWithTextAfterACompleteConditionIsRefusedNotReadInPart() throws Exception {
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            String location = directory.resolve("warehouse/db.db/events").toUri().toString();
            admin.addPartitions(EVENTS, Map.of(PartitionSpec.parse("dt=2026-11-20/hr=2"), location + "/dt=2026-11-20/hr=2"));
        }
        HiveMetaStoreClient client = METASTORE.hiveClient();
        try {
            // the metastore's parser stops after the first condition and ignores the rest
            assertEquals(2, client.listPartitionsByFilter("db", "events", "dt = '2026-11-20' 'x' and hr = 1", (short) -1).size());
            assertEquals(2, client.listPartitionsByFilter("db", "events", "dt = '2026-11-20' garbage and hr = 1", (short) -1).size());
        }
        finally {
            client.close();
        }
        try (ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(METASTORE.uri())) {
            TableInfo events = catalog.getTable(EVENTS).orElseThrow();
            for (String filter : List.of("dt = '2026-11-20' 'x' and hr = 1", "dt = '2026-11-20' garbage and hr = 1", "(hr = 1) hr = 2")) {
                InvalidInputException refused = assertThrows(InvalidInputException.class, () -> catalog.listPartitionsByFilter(events, filter), filter);
                assertTrue(refused.getMessage().startsWith("Invalid filter \"%s\" for db.events (partition keys: dt, hr): the metastore's parser stops before "
                        .formatted(filter)), refused.getMessage());
            }
            assertEquals(1, catalog.listPartitionsByFilter(events, "dt = '2026-11-20' and hr = 1").size(), "a whole filter is read whole");
        }
    }

    @Test
    void otherMetaExceptionsAreFailuresOfTheMetastore() {
        // as Hive's ObjectStore words a failure of its database
        assertFalse(ThriftHiveCatalog.refusesFilter(new MetaException("javax.jdo.JDODataStoreException: Error executing SQL query "
                + "\"select \"PARTITIONS\".\"PART_ID\" from \"PARTITIONS\"\".\nNestedThrowables:\njava.sql.SQLNonTransientConnectionException: "
                + "No current connection.").getMessage()));
        assertFalse(ThriftHiveCatalog.refusesFilter(new MetaException("java.sql.SQLException: Connection is not available, request timed out after 30000ms.")
                .getMessage()));
        assertFalse(ThriftHiveCatalog.refusesFilter(new MetaException().getMessage()));
    }

    @Test
    void aNumberOutOfRangeAndAnUnknownKeyAreOneLineEach() {
        try (ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(METASTORE.uri())) {
            TableInfo events = catalog.getTable(EVENTS).orElseThrow();
            InvalidInputException number = assertThrows(InvalidInputException.class, () -> catalog.listPartitionsByFilter(events, "hr = 99999999999999999999"));
            assertEquals("Invalid filter \"hr = 99999999999999999999\" for db.events (partition keys: dt, hr): the number 99999999999999999999 is out of range: "
                    + "the metastore compares whole numbers from -9223372036854775808 to 9223372036854775807", number.getMessage());
            InvalidInputException key = assertThrows(InvalidInputException.class, () -> catalog.listPartitionsByFilter(events, "nokey = 'a'"));
            assertEquals("Invalid filter \"nokey = 'a'\" for db.events (partition keys: dt, hr): Specified key <nokey> is not a partitioning key for the table",
                    key.getMessage());
        }
    }
}
