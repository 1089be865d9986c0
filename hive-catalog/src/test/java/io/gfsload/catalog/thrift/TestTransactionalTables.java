package io.gfsload.catalog.thrift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.catalog.TableInfo;
import io.gfsload.catalog.TableName;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.hive.metastore.api.FieldSchema;
import org.apache.hadoop.hive.metastore.api.StorageDescriptor;
import org.apache.hadoop.hive.metastore.api.Table;
import org.apache.thrift.transport.TTransportException;
import org.junit.jupiter.api.Test;

/**
 * Which tables the catalog takes for Hive ACID tables, by their parameters, read from a real Thrift
 * server: the embedded metastore (Hive 2.3 without Hive's ORC classes) refuses to create a table
 * with {@code transactional=true}, as it cannot check that its formats are ACID ones.
 */
class TestTransactionalTables {
    private static final TableName NAME = new TableName("db", "orders");

    @Test
    void aTableWhoseParameterTransactionalIsTrueIsTransactional() throws TTransportException {
        assertTrue(read(Map.of("transactional", "true", "transactional_properties", "default")).transactional());
        assertTrue(read(Map.of("transactional", "TRUE")).transactional(), "the value in any case");
        assertTrue(read(Map.of("TRANSACTIONAL", "True")).transactional(), "the key in any case, as the metastore's validation reads it");
    }

    @Test
    void anyOtherTableIsNot() throws TTransportException {
        assertFalse(read(Map.of("EXTERNAL", "TRUE")).transactional());
        assertFalse(read(Map.of("transactional", "false")).transactional());
        assertFalse(read(Map.of("transactional_properties", "insert_only")).transactional());
        assertFalse(read(null).transactional(), "a table without parameters");
    }

    @Test
    void theTableIsReadAsBefore() throws TTransportException {
        TableInfo table = read(Map.of("transactional", "true"));

        assertEquals(new TableInfo(NAME, "MANAGED_TABLE", Optional.of("file:/warehouse/orders"),
                Optional.of("org.apache.hadoop.hive.ql.io.orc.OrcInputFormat"), List.of("dt"), List.of("string"), true), table);
    }

    /** The table {@link #NAME} as the catalog reads it from a metastore whose table has {@code parameters}. */
    private static TableInfo read(Map<String, String> parameters) throws TTransportException {
        StorageDescriptor sd = new StorageDescriptor();
        sd.setCols(new ArrayList<>(List.of(new FieldSchema("id", "bigint", null))));
        sd.setLocation("file:/warehouse/orders");
        sd.setInputFormat("org.apache.hadoop.hive.ql.io.orc.OrcInputFormat");
        Table answer = new Table();
        answer.setDbName(NAME.database());
        answer.setTableName(NAME.table());
        answer.setTableType("MANAGED_TABLE");
        answer.setSd(sd);
        answer.setPartitionKeys(new ArrayList<>(List.of(new FieldSchema("dt", "string", null))));
        answer.setParameters(parameters == null ? null : new HashMap<>(parameters));
        try (StubMetastore metastore = StubMetastore.answering("get_table", arguments -> answer);
                ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(metastore.uri())) {
            return catalog.getTable(NAME).orElseThrow();
        }
    }
}
