package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableName;
import io.gfsload.catalog.embedded.EmbeddedMetastore;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without --metastore, the metastore named by $HIVE_CONF_DIR/hive-site.xml is used instead of the embedded one; of several (there or in
 * --metastore), the first that answers.
 */
class TestHiveConfDir {
    @TempDir
    Path directory;

    @Test
    void hiveSiteNamesTheMetastore() throws Exception {
        Path data = directory.resolve("data/sales/dt=1");
        Files.createDirectories(data);
        Files.write(data.resolve("part-0"), new byte[1234]);
        try (EmbeddedMetastore metastore = EmbeddedMetastore.start(directory.resolve("site-metastore"))) {
            try (MetastoreAdmin admin = MetastoreAdmin.connect(metastore.uri())) {
                admin.ensureDatabase("shop", directory.resolve("data").toUri().toString());
                TableName sales = new TableName("shop", "sales");
                admin.createParquetTable(sales, List.of(new Column("id", "bigint")), List.of(new Column("dt", "string")), directory.resolve("data/sales").toUri().toString());
                admin.addPartitions(sales, Map.of(PartitionSpec.parse("dt=1"), new org.apache.hadoop.fs.Path(data.toUri()).toString()));
            }
            Path conf = directory.resolve("hive-conf");
            Files.createDirectories(conf);
            Files.writeString(conf.resolve("hive-site.xml"), """
                    <configuration>
                      <property><name>hive.metastore.uris</name><value>%s</value></property>
                    </configuration>
                    """.formatted(metastore.uri()));
            Path home = directory.resolve("home");

            CliRun run = CliRun.gfsload(new CliEnvironment(home, Optional.of(conf)), "plan", "--table", "shop.sales", "--json");

            assertEquals(0, run.exitCode(), run.err());
            JsonNode plan = new ObjectMapper().readTree(run.out());
            assertEquals(1, plan.get("totals").get("files").asLong());
            assertEquals(1234, plan.get("totals").get("bytes").asLong());
            assertFalse(Files.exists(home.resolve("metastore")), "the embedded metastore was not started");

            // the metastores of a highly available service: the first that answers serves
            URI down = refusing();
            Files.writeString(conf.resolve("hive-site.xml"), """
                    <configuration>
                      <property><name>hive.metastore.uris</name><value>%s,%s</value></property>
                    </configuration>
                    """.formatted(down, metastore.uri()));
            CliRun second = CliRun.gfsload(new CliEnvironment(home, Optional.of(conf)), "plan", "--table", "shop.sales", "--json");
            assertEquals(0, second.exitCode(), second.err());
            assertEquals(1234, new ObjectMapper().readTree(second.out()).get("totals").get("bytes").asLong());

            CliRun given = CliRun.gfsload(new CliEnvironment(home, Optional.empty()), "plan", "--table", "shop.sales", "--json", "--metastore",
                    down + "," + metastore.uri());
            assertEquals(0, given.exitCode(), given.err());
            assertEquals(1234, new ObjectMapper().readTree(given.out()).get("totals").get("bytes").asLong());
            assertFalse(Files.exists(home.resolve("metastore")), "the embedded metastore was not started");

            URI alsoDown = refusing();
            CliRun none = CliRun.gfsload(new CliEnvironment(home, Optional.empty()), "plan", "--table", "shop.sales", "--metastore", down + ", " + alsoDown);
            assertEquals(ExitCode.FAILED, none.exitCode(), none.err());
            assertEquals("gfsload: Cannot reach the metastore at %s, %s: connection refused".formatted(down, alsoDown), none.err().strip());
        }
    }

    /**
     * The name hive-site.xml gives Hive's default partition is the one whose partitions are never
     * the latest, over the metastore's (here Hive's default name, which is then a value as any other).
     */
    @Test
    void hiveSiteNamesTheDefaultPartition() throws Exception {
        try (EmbeddedMetastore metastore = EmbeddedMetastore.start(directory.resolve("site-metastore"))) {
            try (MetastoreAdmin admin = MetastoreAdmin.connect(metastore.uri())) {
                admin.ensureDatabase("shop", directory.resolve("data").toUri().toString());
                TableName sales = new TableName("shop", "sales");
                admin.createParquetTable(sales, List.of(new Column("id", "bigint")), List.of(new Column("dt", "string")),
                        directory.resolve("data/sales").toUri().toString());
                Map<PartitionSpec, String> partitions = new java.util.LinkedHashMap<>();
                for (String dt : List.of("2026-11-20", "__NULL__", PartitionSpec.DEFAULT_PARTITION_VALUE)) {
                    Path data = directory.resolve("data/sales/dt=" + dt);
                    Files.createDirectories(data);
                    Files.write(data.resolve("part-0"), new byte[10]);
                    partitions.put(PartitionSpec.parse("dt=" + dt), new org.apache.hadoop.fs.Path(data.toUri()).toString());
                }
                admin.addPartitions(sales, partitions);
            }
            Path conf = directory.resolve("hive-conf");
            Files.createDirectories(conf);
            Path home = directory.resolve("home");
            Files.writeString(conf.resolve("hive-site.xml"), """
                    <configuration>
                      <property><name>hive.metastore.uris</name><value>%s</value></property>
                    </configuration>
                    """.formatted(metastore.uri()));
            assertEquals(List.of("dt=__NULL__"), latest(home, conf), "__NULL__ sorts after the digits, and is a value as any other");

            Files.writeString(conf.resolve("hive-site.xml"), """
                    <configuration>
                      <property><name>hive.metastore.uris</name><value>%s</value></property>
                      <property><name>hive.exec.default.partition.name</name><value>__NULL__</value></property>
                    </configuration>
                    """.formatted(metastore.uri()));
            assertEquals(List.of("dt=" + PartitionSpec.DEFAULT_PARTITION_VALUE), latest(home, conf));
        }
    }

    /** The partitions that {@code gfsload plan --table shop.sales --latest 1} plans, with {@code conf} as $HIVE_CONF_DIR. */
    private static List<String> latest(Path home, Path conf) throws IOException {
        CliRun run = CliRun.gfsload(new CliEnvironment(home, Optional.of(conf)), "plan", "--table", "shop.sales", "--latest", "1", "--json");
        assertEquals(0, run.exitCode(), run.err());
        List<String> names = new java.util.ArrayList<>();
        new ObjectMapper().readTree(run.out()).get("partitions").forEach(partition -> names.add(partition.get("name").asText()));
        return names;
    }

    private static URI refusing() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("thrift://127.0.0.1:" + socket.getLocalPort());
        }
    }
}
