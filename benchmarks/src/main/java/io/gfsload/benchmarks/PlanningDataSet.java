package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableName;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.planner.PlannerConfig;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * P4's data: a table {@code bench.events} partitioned by {@code dt} and {@code hr} (24 partitions a
 * day from 2015-01-01), its files, the metastore that describes it and a cache that already holds
 * some of it, generated once and reused while the marker says it is complete.
 *
 * <p>Layout under {@code directory}: {@code table/dt=.../hr=.../part-NNNNN.parquet} plus a
 * {@code _SUCCESS} in each partition (which the planner must skip); {@code metastore/} (Derby);
 * {@code cache/} (the state of a one-worker {@link LocalCluster}). The data files are sparse: their
 * lengths are real to every listing and stat, yet they take no disk space, so a million of them
 * are cheap. Lengths are pseudo-random from {@code seed}: 70 % up to 8 MiB, 25 % up to 128 MiB,
 * 5 % up to 1 GiB, so a file has one to sixteen 64 MiB blocks. File 0 of every hundredth partition
 * is 4 KiB and cached.
 *
 * @param id names the data in messages
 * @param directory where it lives
 * @param table how many partitions and files
 * @param seed seed of the file lengths
 */
public record PlanningDataSet(String id, Path directory, Size.Table table, long seed) implements ScenarioData {
    public static final TableName TABLE = new TableName("bench", "events");
    /** Blocks of {@link PlannerConfig#DEFAULT_BLOCK_SIZE}, as the planner cuts them by default. */
    public static final long BLOCK_SIZE = PlannerConfig.DEFAULT_BLOCK_SIZE;
    static final long CACHED_FILE_BYTES = 4096;
    private static final int PARTITIONS_PER_CALL = 1_000;
    private static final LocalDate FIRST_DAY = LocalDate.of(2015, 1, 1);

    public PlanningDataSet {
        requireNonNull(id, "id is null");
        requireNonNull(directory, "directory is null");
        requireNonNull(table, "table is null");
        directory = directory.toAbsolutePath().normalize();
    }

    /**
     * What a plan of the whole table must hold, exactly.
     *
     * @param partitions partitions
     * @param files data files (not {@code _SUCCESS})
     * @param bytes their total length
     * @param blocks blocks of {@link #BLOCK_SIZE}
     * @param cachedBlocks blocks already cached (replication 1)
     */
    public record Expected(long partitions, long files, long bytes, long blocks, long cachedBlocks) {}

    /** Computed from the generator's lengths, not from the files. */
    public Expected expected() {
        long bytes = 0;
        long blocks = 0;
        long cached = 0;
        for (int partition = 0; partition < table.partitions(); partition++) {
            for (int file = 0; file < table.filesPerPartition(); file++) {
                long length = length(partition, file);
                bytes += length;
                blocks += (length + BLOCK_SIZE - 1) / BLOCK_SIZE;
                if (isCached(partition, file)) {
                    cached++;
                }
            }
        }
        return new Expected(table.partitions(), table.files(), bytes, blocks, cached);
    }

    @Override
    public long files() {
        return table.files();
    }

    @Override
    public long bytes() {
        return expected().bytes();
    }

    @Override
    public String describe() {
        return table.describe();
    }

    /** A run writes nothing there. */
    @Override
    public long scratchBytes() {
        return 0;
    }

    public Path tableDirectory() {
        return directory.resolve("table");
    }

    public Path metastoreDirectory() {
        return directory.resolve("metastore");
    }

    public Path cacheDirectory() {
        return directory.resolve("cache");
    }

    /** The cluster over {@link #cacheDirectory()}: one worker, 1 GiB. */
    public LocalClusterConfig cacheConfig() {
        return new LocalClusterConfig(cacheDirectory(), 1, 1L << 30);
    }

    /** The partition's spec, e.g. {@code dt=2015-01-01/hr=07}. */
    public static PartitionSpec spec(int partition) {
        return new PartitionSpec(List.of("dt", "hr"), List.of(FIRST_DAY.plusDays(partition / 24).toString(), "%02d".formatted(partition % 24)));
    }

    private Path partitionDirectory(int partition) {
        return tableDirectory().resolve(spec(partition).toPathName());
    }

    private static Path file(Path partitionDirectory, int file) {
        return partitionDirectory.resolve("part-%05d.parquet".formatted(file));
    }

    /** The length of {@code file} of {@code partition}; deterministic. */
    long length(int partition, int file) {
        if (isCached(partition, file)) {
            return CACHED_FILE_BYTES;
        }
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + (long) partition * table.filesPerPartition() + file);
        int kind = random.nextInt(100);
        if (kind < 70) {
            return 1 + random.nextLong(8L << 20);
        }
        if (kind < 95) {
            return (8L << 20) + random.nextLong(120L << 20);
        }
        return (128L << 20) + random.nextLong(896L << 20);
    }

    private static boolean isCached(int partition, int file) {
        return file == 0 && partition % 100 == 0;
    }

    private Path marker() {
        return directory.resolveSibling(directory.getFileName() + ".complete");
    }

    private String description() {
        return "table=%s partitions=%d filesPerPartition=%d seed=%d blockSize=%d%n".formatted(TABLE, table.partitions(), table.filesPerPartition(), seed, BLOCK_SIZE);
    }

    @Override
    public boolean ensure() {
        try {
            if (Files.isDirectory(directory) && Files.exists(marker())
                    && Files.readString(marker(), StandardCharsets.UTF_8).equals(description())) {
                return false;
            }
            Files.deleteIfExists(marker());
            Directories.deleteRecursively(directory);
            Files.createDirectories(directory);
            writeFiles();
            describeInMetastore();
            cacheSome();
            Files.writeString(marker(), description(), StandardCharsets.UTF_8);
            return true;
        }
        catch (IOException e) {
            throw new BenchmarkException("Cannot generate the data of %s in %s: %s".formatted(id, directory, e), e);
        }
    }

    private void writeFiles() throws IOException {
        for (int partition = 0; partition < table.partitions(); partition++) {
            Path partitionDirectory = partitionDirectory(partition);
            Files.createDirectories(partitionDirectory);
            for (int file = 0; file < table.filesPerPartition(); file++) {
                try (RandomAccessFile out = new RandomAccessFile(file(partitionDirectory, file).toFile(), "rw")) {
                    out.setLength(length(partition, file));
                }
            }
            Files.createFile(partitionDirectory.resolve("_SUCCESS"));
        }
    }

    private void describeInMetastore() {
        try (MetastoreProcess metastore = MetastoreProcess.start(metastoreDirectory(), directory.resolve("metastore.log"));
                MetastoreAdmin admin = MetastoreAdmin.connect(metastore.uri())) {
            admin.ensureDatabase(TABLE.database(), directory.resolve("warehouse").toUri().toString());
            admin.createParquetTable(TABLE,
                    List.of(new MetastoreAdmin.Column("event_id", "bigint"), new MetastoreAdmin.Column("user_id", "bigint"),
                            new MetastoreAdmin.Column("kind", "string"), new MetastoreAdmin.Column("payload", "string")),
                    List.of(new MetastoreAdmin.Column("dt", "string"), new MetastoreAdmin.Column("hr", "string")),
                    tableDirectory().toUri().toString());
            Map<PartitionSpec, String> batch = new LinkedHashMap<>();
            for (int partition = 0; partition < table.partitions(); partition++) {
                batch.put(spec(partition), partitionDirectory(partition).toUri().toString());
                if (batch.size() == PARTITIONS_PER_CALL || partition == table.partitions() - 1) {
                    admin.addPartitions(TABLE, batch);
                    batch.clear();
                }
            }
        }
    }

    /** Caches the cached files' one block each, with the identity the planner will see through Hadoop. */
    private void cacheSome() throws IOException {
        FileSystem fs = FileSystem.getLocal(new Configuration());
        byte[] zeros = new byte[(int) CACHED_FILE_BYTES];
        try (LocalCluster cluster = LocalCluster.start(cacheConfig());
                CacheClient client = cluster.newClient()) {
            for (int partition = 0; partition < table.partitions(); partition++) {
                for (int file = 0; file < table.filesPerPartition(); file++) {
                    if (!isCached(partition, file)) {
                        continue;
                    }
                    FileStatus status = fs.getFileStatus(new org.apache.hadoop.fs.Path(file(partitionDirectory(partition), file).toUri()));
                    FileIdentity identity = new FileIdentity(status.getPath().toString(), status.getLen(), status.getModificationTime());
                    try (BlockWriter writer = client.openWriter(new BlockKey(identity, 0), identity.length(), 1)) {
                        writer.write(zeros, 0, zeros.length);
                        writer.commit();
                    }
                }
            }
        }
    }

    /**
     * Walks the table's directories once, so that every run finds their entries and the files'
     * inodes in the kernel's caches (the files are sparse: there is no data to read).
     */
    @Override
    public void warm() {
        try (Stream<Path> paths = Files.walk(tableDirectory())) {
            paths.forEach(path -> path.toFile().length());
        }
        catch (IOException e) {
            throw new BenchmarkException("Cannot read the directories of %s: %s".formatted(id, e), e);
        }
    }
}
