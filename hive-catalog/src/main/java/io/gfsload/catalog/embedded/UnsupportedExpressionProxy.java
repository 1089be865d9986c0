package io.gfsload.catalog.embedded;

import java.util.List;
import org.apache.hadoop.hive.metastore.FileFormatProxy;
import org.apache.hadoop.hive.metastore.PartitionExpressionProxy;
import org.apache.hadoop.hive.metastore.api.FileMetadataExprType;
import org.apache.hadoop.hive.metastore.api.MetaException;
import org.apache.hadoop.hive.ql.io.sarg.SearchArgument;
import org.apache.hadoop.hive.serde2.typeinfo.PrimitiveTypeInfo;

/**
 * The embedded metastore's partition expression proxy. Serialized expressions come from Hive's
 * query compiler, which gfsload does not ship; string filters
 * ({@code listPartitionsByFilter}) do not go through this class and keep working.
 */
public final class UnsupportedExpressionProxy implements PartitionExpressionProxy {
    @Override
    public String convertExprToFilter(byte[] expression) throws MetaException {
        throw new MetaException("Serialized partition expressions are not supported by the embedded metastore; use a filter string");
    }

    @Override
    public boolean filterPartitionsByExpr(List<String> columnNames, List<PrimitiveTypeInfo> columnTypes, byte[] expression,
            String defaultPartitionName, List<String> partitionNames) throws MetaException {
        throw new MetaException("Serialized partition expressions are not supported by the embedded metastore; use a filter string");
    }

    @Override
    public FileMetadataExprType getMetadataType(String inputFormat) {
        return null;
    }

    @Override
    public FileFormatProxy getFileFormatProxy(FileMetadataExprType type) {
        return null;
    }

    @Override
    public SearchArgument createSarg(byte[] expression) {
        return null;
    }
}
