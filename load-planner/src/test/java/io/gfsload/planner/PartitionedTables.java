package io.gfsload.planner;

import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableName;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The partitioned tables every metastore test plans against, written under a directory and
 * registered in a metastore through Thrift:
 * <ul>
 *   <li>{@code db.events}, partitioned by {@code dt, hr}: 10 days x 5 hours = 50 partitions, each
 *       with one 150-byte file, except {@code dt=2026-11-03/hr=02} (located outside the table
 *       directory), {@code dt=2026-11-04/hr=00} (empty), {@code dt=2026-11-05/hr=01} (also
 *       {@code _SUCCESS} and {@code .crc} files) and {@code dt=2026-11-06/hr=03} (a zero-byte
 *       file and a 250-byte file);</li>
 *   <li>{@code db.cities}, partitioned by {@code city}, one partition with an escaped value,
 *       {@code New York/NY}, holding a 42-byte file.</li>
 * </ul>
 * Shared with the metastore-compat module through load-planner's test jar.
 */
public final class PartitionedTables {
    public static final TableName EVENTS = new TableName("db", "events");
    public static final TableName CITIES = new TableName("db", "cities");
    public static final List<String> DAYS = List.of("2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05",
            "2026-11-06", "2026-11-07", "2026-11-08", "2026-11-09", "2026-11-10");
    public static final List<String> HOURS = List.of("00", "01", "02", "03", "04");

    private PartitionedTables() {}

    /** Writes the tables' files under {@code directory} and registers both tables in {@code metastore}. */
    public static void create(Path directory, URI metastore) throws IOException {
        Path data = directory.resolve("data");
        Path table = data.resolve("events");
        Map<PartitionSpec, String> partitions = new LinkedHashMap<>();
        for (String dt : DAYS) {
            for (String hr : HOURS) {
                String name = "dt=" + dt + "/hr=" + hr;
                Path location = name.equals("dt=2026-11-03/hr=02") ? directory.resolve("elsewhere/custom") : table.resolve(name);
                Files.createDirectories(location);
                switch (name) {
                    case "dt=2026-11-04/hr=00" -> { } // empty
                    case "dt=2026-11-05/hr=01" -> {
                        write(location.resolve("part-0"), 150);
                        write(location.resolve("_SUCCESS"), 0);
                        write(location.resolve(".part-0.crc"), 12);
                    }
                    case "dt=2026-11-06/hr=03" -> {
                        write(location.resolve("part-0"), 0);
                        write(location.resolve("part-1"), 250);
                    }
                    default -> write(location.resolve("part-0"), 150);
                }
                partitions.put(PartitionSpec.parse(name), location(location));
            }
        }
        Path cities = data.resolve("cities");
        Files.createDirectories(cities.resolve("city=New York%2FNY"));
        write(cities.resolve("city=New York%2FNY/part-0"), 42);
        try (MetastoreAdmin admin = MetastoreAdmin.connect(metastore)) {
            admin.ensureDatabase("db", data.toUri().toString());
            admin.createParquetTable(EVENTS, List.of(new Column("id", "bigint")), List.of(new Column("dt", "string"), new Column("hr", "string")), table.toUri().toString());
            admin.addPartitions(EVENTS, partitions);
            admin.createParquetTable(CITIES, List.of(new Column("id", "bigint")), List.of(new Column("city", "string")), cities.toUri().toString());
            admin.addPartitions(CITIES, Map.of(PartitionSpec.parse("city=New%20York%2FNY"), location(cities.resolve("city=New York%2FNY"))));
        }
    }

    /** A location as the metastore stores it: a Hadoop path string, not a percent-encoded URI. */
    public static String location(Path path) {
        return new org.apache.hadoop.fs.Path(path.toUri()).toString();
    }

    private static void write(Path file, int length) throws IOException {
        Files.write(file, new byte[length]);
    }
}
