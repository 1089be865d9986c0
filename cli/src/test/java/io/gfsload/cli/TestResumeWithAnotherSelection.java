package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableName;
import io.gfsload.catalog.embedded.EmbeddedMetastore;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job resumed after its selection changed ({@code --latest N} of a table that has a new
 * partition since): the blocks the earlier run committed of partitions the job no longer selects
 * are counted apart from those of files rewritten or deleted since, on a real metastore (the
 * embedded one) and the embedded cache cluster.
 */
class TestResumeWithAnotherSelection {
    private static final TableName TABLE = new TableName("db", "events");

    @TempDir
    Path directory;

    private EmbeddedMetastore metastore;

    @BeforeEach
    void startMetastore() {
        metastore = EmbeddedMetastore.start(directory.resolve("metastore"));
    }

    @AfterEach
    void stopMetastore() {
        if (metastore != null) {
            metastore.close();
        }
    }

    private Path partition(String name) {
        return directory.resolve("data/events").resolve(name);
    }

    /** Registers the partitions {@code names} of the table, each at its directory (which the metastore creates when missing). */
    private void addPartitions(MetastoreAdmin admin, String... names) {
        Map<PartitionSpec, String> locations = new java.util.LinkedHashMap<>();
        for (String name : names) {
            locations.put(PartitionSpec.parse(name), new org.apache.hadoop.fs.Path(partition(name).toUri()).toString());
        }
        admin.addPartitions(TABLE, locations);
    }

    private CliRun gfsload(String... args) {
        String[] withMetastore = Arrays.copyOf(args, args.length + 2);
        withMetastore[args.length] = "--metastore";
        withMetastore[args.length + 1] = metastore.uri().toString();
        return CliRun.gfsload(directory.resolve("home"), withMetastore);
    }

    @Test
    void theBlocksOfPartitionsNoLongerSelectedAreCountedApartFromThoseOfChangedFiles() throws IOException {
        Files.write(Files.createDirectories(partition("dt=1")).resolve("part-0"), new byte[1000]);
        Files.write(Files.createDirectories(partition("dt=2")).resolve("part-0"), new byte[1000]);
        Path rewritten = Files.write(partition("dt=2").resolve("part-1"), new byte[1000]);
        try (MetastoreAdmin admin = MetastoreAdmin.connect(metastore.uri())) {
            admin.ensureDatabase("db", directory.resolve("data").toUri().toString());
            admin.createParquetTable(TABLE, List.of(new Column("id", "bigint")), List.of(new Column("dt", "string")),
                    directory.resolve("data/events").toUri().toString());
            // dt=3 registered before its data landed: the run ends partial, and keeps its journal
            addPartitions(admin, "dt=1", "dt=2", "dt=3");
        }
        Files.delete(partition("dt=3"));
        CliRun first = gfsload("--table", "db.events", "--latest", "3", "--progress", "none");
        assertEquals(ExitCode.PARTIAL, first.exitCode(), first.err());
        assertTrue(first.out().contains("blocks  3 planned: 3 loaded"), first.out());

        // since then a file of dt=2 was rewritten and dt=4 landed: the latest 3 are dt=2 to dt=4, dt=1 is no longer selected
        Files.write(rewritten, new byte[2000]);
        Files.write(Files.createDirectories(partition("dt=4")).resolve("part-0"), new byte[1000]);
        try (MetastoreAdmin admin = MetastoreAdmin.connect(metastore.uri())) {
            addPartitions(admin, "dt=4");
        }
        Path reportFile = directory.resolve("report.json");
        CliRun resumed = gfsload("--table", "db.events", "--latest", "3", "--progress", "none", "--report", reportFile.toString());

        assertEquals(ExitCode.PARTIAL, resumed.exitCode(), resumed.err());
        assertTrue(resumed.err().contains("(run 2): 3 blocks committed (1 of them cached now, 1 of files changed or deleted since, 1 of partitions "
                + "no longer selected), "), resumed.err());
        assertTrue(resumed.out().contains("3 blocks committed (1 of them cached when this run started, 1 of files changed or deleted since, "
                + "1 of partitions no longer selected)"), resumed.out());
        JsonNode job = new ObjectMapper().readTree(reportFile.toFile()).get("job");
        assertEquals(3, job.get("previousBlocks").asLong(), job.toString());
        assertEquals(1, job.get("previousBlocksCached").asLong(), job.toString());
        assertEquals(1, job.get("previousBlocksOfChangedFiles").asLong(), job.toString());
        assertEquals(1, job.get("previousBlocksNotSelected").asLong(), job.toString());
    }
}
