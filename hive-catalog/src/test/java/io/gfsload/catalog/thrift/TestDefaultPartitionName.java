package io.gfsload.catalog.thrift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gfsload.catalog.PartitionSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.hive.metastore.api.ConfigValSecurityException;
import org.apache.hadoop.hive.metastore.api.MetaException;
import org.apache.thrift.transport.TTransportException;
import org.junit.jupiter.api.Test;

/**
 * How the catalog learns the name of Hive's default partition as it connects: the metastore's
 * {@code hive.exec.default.partition.name}, else Hive's default name where the metastore does not
 * say (it refuses the key, does not have the call, or fails), without failing to connect. A real
 * metastore's answer is in {@code TestFiltersWithTheMetastoresDefaultPartitionName}.
 */
class TestDefaultPartitionName {
    @Test
    void theMetastoresNameIsTheCatalogs() throws TTransportException {
        List<Object> asked = new java.util.ArrayList<>();
        try (StubMetastore metastore = StubMetastore.answering("get_config_value", arguments -> {
                    asked.addAll(List.of(arguments));
                    return "__NULL__";
                });
                ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(metastore.uri())) {
            assertEquals("__NULL__", catalog.defaultPartitionName());
        }
        assertEquals(List.of("hive.exec.default.partition.name", PartitionSpec.DEFAULT_PARTITION_VALUE), asked);
    }

    @Test
    void aMetastoreThatRefusesTheKeyLeavesHivesDefaultName() throws TTransportException {
        assertEquals(PartitionSpec.DEFAULT_PARTITION_VALUE, nameOfAMetastoreAnswering(arguments -> {
            throw new ConfigValSecurityException("For security reasons, the config key hive.exec.default.partition.name cannot be accessed");
        }));
    }

    @Test
    void aMetastoreThatFailsLeavesHivesDefaultName() throws TTransportException {
        assertEquals(PartitionSpec.DEFAULT_PARTITION_VALUE, nameOfAMetastoreAnswering(arguments -> {
            throw new MetaException("Error reading configuration");
        }));
        assertEquals(PartitionSpec.DEFAULT_PARTITION_VALUE, nameOfAMetastoreAnswering(arguments -> " "), "a blank name");
    }

    @Test
    void aMetastoreWithoutTheCallLeavesHivesDefaultName() throws TTransportException {
        // the stub answers no call but the one it is given, as a metastore that does not have get_config_value
        try (StubMetastore metastore = StubMetastore.answering("get_table", arguments -> null);
                ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(metastore.uri())) {
            assertEquals(PartitionSpec.DEFAULT_PARTITION_VALUE, catalog.defaultPartitionName());
        }
    }

    @Test
    void aNameGivenIsTakenWithoutAskingTheMetastore() throws TTransportException {
        AtomicInteger asked = new AtomicInteger();
        try (StubMetastore metastore = StubMetastore.answering("get_config_value", arguments -> {
                    asked.incrementAndGet();
                    return "__NULL__";
                });
                ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(List.of(metastore.uri()), ThriftHiveCatalog.DEFAULT_BATCH_SIZE,
                        ThriftHiveCatalog.DEFAULT_MAX_CONNECTIONS, ThriftHiveCatalog.DEFAULT_CONNECT_TIMEOUT, Optional.of("__EMPTY__"))) {
            assertEquals("__EMPTY__", catalog.defaultPartitionName());
        }
        assertEquals(0, asked.get());
        assertEquals("defaultPartitionName is blank", assertThrows(IllegalArgumentException.class, () -> ThriftHiveCatalog.connect(
                List.of(java.net.URI.create("thrift://127.0.0.1:1")), 1, 1, Duration.ofSeconds(1), Optional.of(" "))).getMessage());
    }

    /** The catalog's name of the default partition, of a metastore that answers {@code get_config_value} with {@code answer}. */
    private static String nameOfAMetastoreAnswering(StubMetastore.Answer answer) throws TTransportException {
        try (StubMetastore metastore = StubMetastore.answering("get_config_value", answer);
                ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(metastore.uri())) {
            return catalog.defaultPartitionName();
        }
    }
}
