package io.gfsload.cli;

import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableName;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Tables the tests create in a real metastore, through its Thrift API. */
final class MetastoreTables {
    private MetastoreTables() {}

    /**
     * Creates {@code db.t}, a Parquet table partitioned by {@code dt}, in database {@code db} at
     * {@code data}, with the one partition {@code dt=1} at {@code data/t/dt=1}; returns that
     * partition's directory, which the caller fills.
     */
    static Path oneDayTable(URI metastore, Path data) {
        Path partition = data.resolve("t/dt=1");
        try (MetastoreAdmin admin = MetastoreAdmin.connect(metastore)) {
            admin.ensureDatabase("db", data.toUri().toString());
            TableName table = new TableName("db", "t");
            admin.createParquetTable(table, List.of(new Column("id", "bigint")), List.of(new Column("dt", "string")), data.resolve("t").toUri().toString());
            admin.addPartitions(table, Map.of(PartitionSpec.parse("dt=1"), new org.apache.hadoop.fs.Path(partition.toUri()).toString()));
        }
        return partition;
    }
}
