package io.gfsload.catalog.thrift;

import static java.util.Objects.requireNonNull;

import io.gfsload.catalog.CatalogException;
import io.gfsload.catalog.MetastoreUnavailableException;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableName;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.hive.common.StatsSetupConst;
import org.apache.hadoop.hive.conf.HiveConf;
import org.apache.hadoop.hive.metastore.HiveMetaStoreClient;
import org.apache.hadoop.hive.metastore.TableType;
import org.apache.hadoop.hive.metastore.api.AlreadyExistsException;
import org.apache.hadoop.hive.metastore.api.Database;
import org.apache.hadoop.hive.metastore.api.EnvironmentContext;
import org.apache.hadoop.hive.metastore.api.FieldSchema;
import org.apache.hadoop.hive.metastore.api.NoSuchObjectException;
import org.apache.hadoop.hive.metastore.api.Partition;
import org.apache.hadoop.hive.metastore.api.SerDeInfo;
import org.apache.hadoop.hive.metastore.api.StorageDescriptor;
import org.apache.hadoop.hive.metastore.api.Table;
import org.apache.thrift.TException;

/**
 * Creates databases, external Parquet tables and partitions in a Thrift metastore: the set-up of
 * the demo dataset and of test fixtures. gfsload itself never writes to a production metastore.
 *
 * <p>Not thread-safe.
 */
public final class MetastoreAdmin implements AutoCloseable {
    public static final String PARQUET_INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
    public static final String PARQUET_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";
    public static final String PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";

    /** A column: name and Hive type name. */
    public record Column(String name, String type) {
        public Column {
            requireNonNull(name, "name is null");
            requireNonNull(type, "type is null");
        }
    }

    private final URI uri;
    private final HiveMetaStoreClient client;

    private MetastoreAdmin(URI uri, HiveMetaStoreClient client) {
        this.uri = uri;
        this.client = client;
    }

    public static MetastoreAdmin connect(URI uri) {
        requireNonNull(uri, "uri is null");
        HiveConf conf = new HiveConf();
        conf.setVar(HiveConf.ConfVars.METASTOREURIS, uri.toString());
        conf.setBoolVar(HiveConf.ConfVars.METASTORE_EXECUTE_SET_UGI, false);
        try {
            return new MetastoreAdmin(uri, new HiveMetaStoreClient(conf));
        }
        catch (TException | RuntimeException e) {
            throw new MetastoreUnavailableException("Cannot connect to the metastore at %s: %s".formatted(uri, e.getMessage()), e);
        }
    }

    /** Creates {@code name} with {@code location} unless it exists. */
    public void ensureDatabase(String name, String location) {
        try {
            client.createDatabase(new Database(name, "", location, new HashMap<>()));
        }
        catch (AlreadyExistsException e) {
            // already there: nothing to do
        }
        catch (TException e) {
            throw failure("create database " + name, e);
        }
    }

    public boolean tableExists(TableName name) {
        try {
            client.getTable(name.database(), name.table());
            return true;
        }
        catch (NoSuchObjectException e) {
            return false;
        }
        catch (TException e) {
            throw failure("read table " + name, e);
        }
    }

    /** Creates an external Parquet table; {@code partitionKeys} may be empty. */
    public void createParquetTable(TableName name, List<Column> columns, List<Column> partitionKeys, String location) {
        Table table = new Table();
        table.setDbName(name.database());
        table.setTableName(name.table());
        table.setTableType(TableType.EXTERNAL_TABLE.name());
        table.setParameters(new HashMap<>(Map.of("EXTERNAL", "TRUE")));
        table.setPartitionKeys(fields(partitionKeys));
        table.setSd(storage(columns, location));
        try {
            client.createTable(table);
        }
        catch (TException e) {
            throw failure("create table " + name, e);
        }
    }

    /** Creates a view (no storage location), for tests of what the planner refuses. */
    public void createView(TableName name, List<Column> columns, String viewText) {
        createView(name, TableType.VIRTUAL_VIEW, columns, viewText, null, "create view ");
    }

    /**
     * Creates a materialized view of {@code viewText} whose rows are stored at {@code location},
     * as Hive 3 creates one (its storage a table's), unpartitioned.
     */
    public void createMaterializedView(TableName name, List<Column> columns, String viewText, String location) {
        createView(name, TableType.MATERIALIZED_VIEW, columns, viewText, location, "create materialized view ");
    }

    /** Creates an unpartitioned view of {@code type}; {@code location} null for none. */
    private void createView(TableName name, TableType type, List<Column> columns, String viewText, String location, String action) {
        Table table = new Table();
        table.setDbName(name.database());
        table.setTableName(name.table());
        table.setTableType(type.name());
        table.setViewOriginalText(viewText);
        table.setViewExpandedText(viewText);
        table.setPartitionKeys(new ArrayList<>());
        table.setSd(storage(columns, location));
        try {
            client.createTable(table);
        }
        catch (TException e) {
            throw failure(action + name, e);
        }
    }

    /** Adds the partitions {@code specs} with their locations; the table must exist. */
    public void addPartitions(TableName name, Map<PartitionSpec, String> locations) {
        try {
            Table table = client.getTable(name.database(), name.table());
            List<Partition> partitions = new ArrayList<>();
            locations.forEach((spec, location) -> {
                Partition partition = new Partition();
                partition.setDbName(name.database());
                partition.setTableName(name.table());
                partition.setValues(new ArrayList<>(spec.values()));
                StorageDescriptor sd = table.getSd().deepCopy();
                sd.setLocation(location);
                partition.setSd(sd);
                partition.setParameters(new HashMap<>());
                partitions.add(partition);
            });
            client.add_partitions(partitions);
        }
        catch (TException e) {
            throw failure("add partitions to " + name, e);
        }
    }

    /**
     * Sets the location of an existing partition, as {@code ALTER TABLE ... PARTITION ... SET
     * LOCATION} does: in the metadata only, the file system not touched (a location of a store
     * without a connector here, as for tests of what the planner refuses).
     */
    public void setPartitionLocation(TableName name, PartitionSpec spec, String location) {
        try {
            Partition partition = client.getPartition(name.database(), name.table(), new ArrayList<>(spec.values()));
            partition.getSd().setLocation(location);
            // the statistics left as they are, which would have the metastore list the location
            EnvironmentContext context = new EnvironmentContext(new HashMap<>(Map.of(StatsSetupConst.DO_NOT_UPDATE_STATS, StatsSetupConst.TRUE)));
            client.alter_partitions(name.database(), name.table(), new ArrayList<>(List.of(partition)), context);
        }
        catch (TException e) {
            throw failure("set the location of " + name + " " + spec, e);
        }
    }

    /**
     * Sets the location of an existing table, as {@code ALTER TABLE ... SET LOCATION} does: in
     * the metadata only, the file system not touched.
     */
    public void setTableLocation(TableName name, String location) {
        try {
            Table table = client.getTable(name.database(), name.table());
            table.getSd().setLocation(location);
            EnvironmentContext context = new EnvironmentContext(new HashMap<>(Map.of(StatsSetupConst.DO_NOT_UPDATE_STATS, StatsSetupConst.TRUE)));
            client.alter_table_with_environmentContext(name.database(), name.table(), table, context);
        }
        catch (TException e) {
            throw failure("set the location of " + name, e);
        }
    }

    /**
     * Drops the partition {@code spec}, as {@code ALTER TABLE ... DROP PARTITION} does, in the
     * metadata only: the tables here are external, their data left as it is.
     */
    public void dropPartition(TableName name, PartitionSpec spec) {
        try {
            client.dropPartition(name.database(), name.table(), new ArrayList<>(spec.values()), false);
        }
        catch (TException e) {
            throw failure("drop the partition %s of %s".formatted(spec, name), e);
        }
    }

    private static StorageDescriptor storage(List<Column> columns, String location) {
        StorageDescriptor sd = new StorageDescriptor();
        sd.setCols(fields(columns));
        sd.setLocation(location);
        sd.setInputFormat(PARQUET_INPUT_FORMAT);
        sd.setOutputFormat(PARQUET_OUTPUT_FORMAT);
        sd.setSerdeInfo(new SerDeInfo(null, PARQUET_SERDE, new HashMap<>()));
        sd.setParameters(new HashMap<>());
        return sd;
    }

    private static List<FieldSchema> fields(List<Column> columns) {
        return columns.stream().map(c -> new FieldSchema(c.name(), c.type(), null)).collect(java.util.stream.Collectors.toCollection(ArrayList::new));
    }

    private CatalogException failure(String action, TException e) {
        return new MetastoreUnavailableException("Cannot %s in the metastore at %s: %s".formatted(action, uri, e.getMessage()), e);
    }

    @Override
    public void close() {
        client.close();
    }
}
