package io.gfsload.cli.demo;

import static java.util.Objects.requireNonNull;

import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableName;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * The demo table {@code demo.events}: Parquet files in three daily partitions, one file larger
 * than a 64 MiB block, registered in a metastore. Data is generated from a fixed seed.
 */
public final class DemoDataset {
    public static final TableName TABLE = new TableName("demo", "events");
    public static final List<String> DAYS = List.of("2026-11-18", "2026-11-19", "2026-11-20");

    private static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
            message event {
              required int64 event_id;
              required int64 user_id;
              required binary event_type (UTF8);
              required binary payload;
            }""");
    private static final List<String> EVENT_TYPES = List.of("view", "click", "purchase", "share");
    private static final int PAYLOAD_BYTES = 1024;

    /**
     * Sizes of the files of each day. The first file of the last day is larger than one 64 MiB
     * block, so the demo shows a file cut into blocks.
     */
    private final Map<String, List<Long>> fileSizes;

    public DemoDataset(Map<String, List<Long>> fileSizes) {
        this.fileSizes = Map.copyOf(requireNonNull(fileSizes, "fileSizes is null"));
    }

    /** Three days of three files: 1-5 MiB each, and a 72 MiB file on 2026-11-20. */
    public static DemoDataset standard() {
        long mib = 1L << 20;
        return new DemoDataset(Map.of(
                "2026-11-18", List.of(3 * mib, 2 * mib, 1 * mib),
                "2026-11-19", List.of(4 * mib, 2 * mib, 1 * mib),
                "2026-11-20", List.of(72 * mib, 5 * mib, 2 * mib)));
    }

    /**
     * Creates the table unless the metastore has it: writes the files under {@code directory}
     * and registers the table and its partitions. When the metastore has it and {@code directory}
     * is gone (deleted), writes the files again as they were.
     *
     * @return whether the table was created
     */
    public boolean ensure(URI metastore, Path directory) {
        try (MetastoreAdmin admin = MetastoreAdmin.connect(metastore)) {
            Path database = directory.toAbsolutePath().resolve("demo.db");
            Path table = database.resolve("events");
            if (admin.tableExists(TABLE)) {
                if (Files.notExists(directory)) {
                    // the demo's files deleted, its directory with them: written again as they were
                    writeFiles(table);
                }
                return false;
            }
            deleteRecursively(table);
            Map<PartitionSpec, String> partitions = writeFiles(table);
            admin.ensureDatabase(TABLE.database(), location(database));
            admin.createParquetTable(TABLE,
                    List.of(new Column("event_id", "bigint"), new Column("user_id", "bigint"), new Column("event_type", "string"), new Column("payload", "binary")),
                    List.of(new Column("dt", "string")),
                    location(table));
            admin.addPartitions(TABLE, partitions);
            return true;
        }
    }

    /** Writes the files of every partition under {@code table}; returns the partitions' locations. */
    private Map<PartitionSpec, String> writeFiles(Path table) {
        Map<PartitionSpec, String> partitions = new LinkedHashMap<>();
        for (String day : DAYS) {
            Path partition = table.resolve("dt=" + day);
            List<Long> sizes = fileSizes.getOrDefault(day, List.of());
            for (int i = 0; i < sizes.size(); i++) {
                writeParquet(partition.resolve("part-%05d.parquet".formatted(i)), sizes.get(i), (day + "/" + i).hashCode());
            }
            partitions.put(PartitionSpec.parse("dt=" + day), location(partition));
        }
        return partitions;
    }

    /** A location as the metastore stores it: a Hadoop path string, not a percent-encoded URI. */
    private static String location(Path path) {
        return new org.apache.hadoop.fs.Path(path.toUri()).toString();
    }

    /** Writes a Parquet file of about {@code targetBytes} bytes of seeded random events. */
    static void writeParquet(Path file, long targetBytes, long seed) {
        Configuration conf = new Configuration();
        Random random = new Random(seed);
        SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
        byte[] payload = new byte[PAYLOAD_BYTES];
        try {
            Files.createDirectories(file.getParent());
            try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri()), conf))
                    .withType(SCHEMA)
                    .withConf(conf)
                    .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
                    .withDictionaryEncoding(false)
                    .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                    .build()) {
                long rows = Math.max(1, targetBytes / (PAYLOAD_BYTES + 24));
                for (long row = 0; row < rows; row++) {
                    random.nextBytes(payload);
                    writer.write(groups.newGroup()
                            .append("event_id", seed * 1_000_000_007L + row)
                            .append("user_id", (long) random.nextInt(1_000_000))
                            .append("event_type", EVENT_TYPES.get(random.nextInt(EVENT_TYPES.size())))
                            .append("payload", Binary.fromConstantByteArray(payload.clone())));
                }
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot write demo file " + file, e);
        }
    }

    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot clear " + directory, e);
        }
    }
}
