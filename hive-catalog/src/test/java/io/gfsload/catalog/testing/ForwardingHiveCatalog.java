package io.gfsload.catalog.testing;

import io.gfsload.catalog.HiveCatalog;
import io.gfsload.catalog.PartitionInfo;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableInfo;
import io.gfsload.catalog.TableName;
import java.util.List;
import java.util.Optional;

/**
 * A catalog that passes every call to {@link #delegate()}, for a test to override only the calls
 * it changes. Closing it does not close the delegate.
 */
public abstract class ForwardingHiveCatalog implements HiveCatalog {
    /** The catalog the calls go to. */
    protected abstract HiveCatalog delegate();

    @Override
    public Optional<TableInfo> getTable(TableName name) {
        return delegate().getTable(name);
    }

    @Override
    public Optional<PartitionInfo> getPartition(TableInfo table, PartitionSpec spec) {
        return delegate().getPartition(table, spec);
    }

    @Override
    public List<PartitionInfo> listPartitions(TableInfo table) {
        return delegate().listPartitions(table);
    }

    @Override
    public List<PartitionInfo> listPartitions(TableInfo table, PartitionSpec prefix) {
        return delegate().listPartitions(table, prefix);
    }

    @Override
    public List<PartitionInfo> listPartitionsByFilter(TableInfo table, String filter) {
        return delegate().listPartitionsByFilter(table, filter);
    }

    @Override
    public List<PartitionSpec> listPartitionSpecs(TableInfo table) {
        return delegate().listPartitionSpecs(table);
    }

    @Override
    public List<PartitionInfo> getPartitions(TableInfo table, List<PartitionSpec> specs) {
        return delegate().getPartitions(table, specs);
    }

    @Override
    public String defaultPartitionName() {
        return delegate().defaultPartitionName();
    }

    @Override
    public void close() {}
}
