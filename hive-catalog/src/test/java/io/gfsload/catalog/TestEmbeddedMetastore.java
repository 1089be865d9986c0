package io.gfsload.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.catalog.testing.EmbeddedMetastoreExtension;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import java.net.Socket;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The embedded metastore is a real Thrift server on loopback; the Thrift catalog reads it. */
class TestEmbeddedMetastore {
    @TempDir
    static Path directory;

    @RegisterExtension
    static final EmbeddedMetastoreExtension METASTORE = new EmbeddedMetastoreExtension();
    private static ThriftHiveCatalog catalog;

    @BeforeAll
    static void start() {
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            admin.ensureDatabase("db", directory.resolve("warehouse/db.db").toUri().toString());
            TableName events = new TableName("db", "events");
            String tableLocation = directory.resolve("warehouse/db.db/events").toUri().toString();
            admin.createParquetTable(events, List.of(new Column("id", "bigint")), List.of(new Column("dt", "string"), new Column("hr", "string")), tableLocation);
            Map<PartitionSpec, String> partitions = new LinkedHashMap<>();
            partitions.put(PartitionSpec.parse("dt=2026-11-20/hr=03"), tableLocation + "/dt=2026-11-20/hr=03");
            partitions.put(PartitionSpec.parse("dt=2026-11-19/hr=01"), "file:/elsewhere/custom");
            admin.addPartitions(events, partitions);
            TableName cities = new TableName("db", "cities");
            String citiesLocation = directory.resolve("warehouse/db.db/cities").toUri().toString();
            admin.createParquetTable(cities, List.of(new Column("id", "bigint")), List.of(new Column("city", "string"), new Column("hr", "int")), citiesLocation);
            Map<PartitionSpec, String> named = new LinkedHashMap<>();
            for (String city : List.of("北京", "Zürich", "a/b:c", "plain")) {
                PartitionSpec spec = new PartitionSpec(List.of("city", "hr"), List.of(city, "1"));
                named.put(spec, citiesLocation + "/" + spec.toPathName());
            }
            admin.addPartitions(cities, named);
            TableName tags = new TableName("db", "tags");
            String tagsLocation = directory.resolve("warehouse/db.db/tags").toUri().toString();
            admin.createParquetTable(tags, List.of(new Column("id", "bigint")), List.of(new Column("tag", "string")), tagsLocation);
            Map<PartitionSpec, String> tagged = new LinkedHashMap<>();
            // a letter outside Unicode's basic plane beside punctuation Hive escapes
            for (String tag : List.of("\uD83D\uDE00 launch: 50%", "\uD83D\uDE00", "plain")) {
                PartitionSpec spec = new PartitionSpec(List.of("tag"), List.of(tag));
                tagged.put(spec, tagsLocation + "/" + spec.toPathName());
            }
            admin.addPartitions(tags, tagged);
            admin.createParquetTable(new TableName("db", "flat"), List.of(new Column("id", "bigint")), List.of(), tableLocation + "_flat");
            admin.createView(new TableName("db", "v"), List.of(new Column("id", "bigint")), "select id from db.flat");
        }
        catalog = METASTORE.catalog();
    }

    @Test
    void listensOnLoopback() throws Exception {
        assertEquals("127.0.0.1", METASTORE.uri().getHost());
        try (Socket socket = new Socket("127.0.0.1", METASTORE.uri().getPort())) {
            assertTrue(socket.isConnected());
        }
    }

    @Test
    void readsTablesAndPartitions() {
        TableInfo table = catalog.getTable(TableName.parse("DB.Events")).orElseThrow();
        assertEquals(List.of("dt", "hr"), table.partitionKeys());
        assertEquals(Optional.of(MetastoreAdmin.PARQUET_INPUT_FORMAT), table.inputFormat());
        assertFalse(table.isView());

        PartitionInfo partition = catalog.getPartition(table, PartitionSpec.parse("dt=2026-11-20/hr=03")).orElseThrow();
        assertTrue(partition.location().endsWith("/events/dt=2026-11-20/hr=03"), partition.location());
        assertEquals(Optional.empty(), catalog.getPartition(table, PartitionSpec.parse("dt=2026-11-21/hr=03")));

        List<PartitionInfo> all = catalog.listPartitions(table);
        assertEquals(List.of("dt=2026-11-19/hr=01", "dt=2026-11-20/hr=03"), all.stream().map(p -> p.spec().toPathName()).toList());
        assertEquals("file:/elsewhere/custom", all.get(0).location());
    }

    @Test
    void partitionsWithValuesOutsideAsciiAreFoundByEveryKindOfSelection() {
        TableInfo table = catalog.getTable(TableName.parse("db.cities")).orElseThrow();
        // Hive escapes only ASCII punctuation and control characters in a partition's name
        List<String> names = List.of("city=Zürich/hr=1", "city=a%2Fb%3Ac/hr=1", "city=plain/hr=1", "city=北京/hr=1");

        assertEquals(names, catalog.listPartitions(table).stream().map(p -> p.spec().toPathName()).toList());
        List<PartitionSpec> specs = catalog.listPartitionSpecs(table);
        assertEquals(names, specs.stream().map(PartitionSpec::toPathName).toList());
        assertEquals(names, catalog.getPartitions(table, specs).stream().map(p -> p.spec().toPathName()).toList(), "read back by the names listed");
        PartitionInfo beijing = catalog.getPartition(table, PartitionSpec.parse("city=北京/hr=1")).orElseThrow();
        assertEquals(List.of("北京", "1"), beijing.spec().values());
        // a value typed escaped, as a user may copy it from a URL, is the same partition
        assertEquals(beijing, catalog.getPartition(table, PartitionSpec.parse("city=%E5%8C%97%E4%BA%AC/hr=1")).orElseThrow());
        assertEquals(List.of("city=北京/hr=1"),
                catalog.listPartitions(table, PartitionSpec.parse("city=北京")).stream().map(p -> p.spec().toPathName()).toList());
    }

    @Test
    void partitionsWithLettersOutsideTheBasicPlaneAndEscapedPunctuationAreReadBackByTheirNames() {
        TableInfo table = catalog.getTable(TableName.parse("db.tags")).orElseThrow();
        List<String> names = List.of("tag=plain", "tag=\uD83D\uDE00", "tag=\uD83D\uDE00 launch%3A 50%25");

        List<PartitionSpec> specs = catalog.listPartitionSpecs(table);
        assertEquals(names, specs.stream().map(PartitionSpec::toPathName).toList());
        assertEquals(List.of("plain", "\uD83D\uDE00", "\uD83D\uDE00 launch: 50%"), specs.stream().map(spec -> spec.values().get(0)).toList());
        // every partition and the latest N are read by the names listed: none may pass for dropped
        assertEquals(names, catalog.getPartitions(table, specs).stream().map(p -> p.spec().toPathName()).toList(), "read back by the names listed");
        assertEquals(List.of("\uD83D\uDE00 launch: 50%"),
                catalog.getPartition(table, PartitionSpec.parse("tag=\uD83D\uDE00 launch%3A 50%25")).orElseThrow().spec().values());
    }

    @Test
    void missingTablesAreEmptyAndViewsAreRecognised() {
        assertEquals(Optional.empty(), catalog.getTable(TableName.parse("db.nosuch")));
        assertEquals("Database not found: nosuchdb (of table nosuchdb.t)",
                assertThrows(NoSuchTableException.class, () -> catalog.getTable(TableName.parse("nosuchdb.t"))).getMessage());
        TableInfo view = catalog.getTable(TableName.parse("db.v")).orElseThrow();
        assertTrue(view.isView());
        TableInfo flat = catalog.getTable(TableName.parse("db.flat")).orElseThrow();
        assertFalse(flat.isPartitioned());
        assertTrue(flat.location().orElseThrow().endsWith("events_flat"));
    }
}
