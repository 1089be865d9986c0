package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import com.google.common.collect.Lists;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableInfo;
import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * What P4's runs plan against, started on first use once the data set is ready: the metastore in
 * a process of its own over the data set's Derby database, and a one-worker {@link LocalCluster}
 * over its cache directory, in the harness's JVM (the planner reaches both over loopback, as it
 * would reach remote ones). Closing stops both.
 *
 * <p>A freshly started metastore answers its first calls several times slower than a warm one
 * (class loading, JIT, Derby's caches), while a production metastore has been up for days; so
 * before the first run the environment reads every partition once, untimed, the way the planner
 * will (unless told otherwise, when only the plan's content matters).
 *
 * <p>Not thread-safe; runs are sequential.
 */
final class PlanningEnvironment implements AutoCloseable {
    private final PlanningDataSet data;
    private final Path logDirectory;
    private final boolean warmUp;
    private MetastoreProcess metastore;
    private LocalCluster cluster;

    /**
     * @param logDirectory where the metastore's output goes
     * @param warmUp whether to read every partition once before the first run (for timings)
     */
    PlanningEnvironment(PlanningDataSet data, Path logDirectory, boolean warmUp) {
        this.data = requireNonNull(data, "data is null");
        this.logDirectory = requireNonNull(logDirectory, "logDirectory is null");
        this.warmUp = warmUp;
    }

    PlanningDataSet data() {
        return data;
    }

    /** {@code thrift://127.0.0.1:<port>} of the running metastore. */
    URI metastore() {
        start();
        return metastore.uri();
    }

    /** {@code host:port} of the running cache master. */
    String master() {
        start();
        return cluster.masterTarget();
    }

    private void start() {
        if (metastore == null) {
            metastore = MetastoreProcess.start(data.metastoreDirectory(), logDirectory.resolve(data.id() + "-metastore.log"));
            if (warmUp) {
                warmUp(metastore.uri());
            }
        }
        if (cluster == null) {
            cluster = LocalCluster.start(data.cacheConfig());
        }
    }

    private static void warmUp(URI uri) {
        try (ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(uri)) {
            TableInfo table = catalog.getTable(PlanningDataSet.TABLE)
                    .orElseThrow(() -> new BenchmarkException("The metastore at %s has no table %s".formatted(uri, PlanningDataSet.TABLE)));
            for (List<PartitionSpec> batch : Lists.partition(catalog.listPartitionSpecs(table), ThriftHiveCatalog.DEFAULT_BATCH_SIZE)) {
                catalog.getPartitions(table, batch);
            }
        }
    }

    @Override
    public void close() {
        try (MetastoreProcess m = metastore; LocalCluster c = cluster) {
            metastore = null;
            cluster = null;
        }
    }
}
