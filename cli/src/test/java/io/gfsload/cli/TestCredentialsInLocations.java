package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableName;
import io.gfsload.catalog.testing.EmbeddedMetastoreExtension;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Table and partition locations with credentials in their URIs, as the metastore has them (the
 * embedded one, as a Thrift server on loopback): refused as a path with credentials is, the
 * credentials hidden, by every command, before anything is listed or sent to the cache; they
 * appear in no output, report or log.
 */
class TestCredentialsInLocations {
    private static final String SECRET = "SecretX";
    private static final String HADOOP_SETTINGS = "set them in core-site.xml (fs.s3a.access.key and fs.s3a.secret.key) or a Hadoop credential provider, "
            + "and the location in the metastore without them";

    @TempDir
    static Path directory;

    @RegisterExtension
    static final EmbeddedMetastoreExtension METASTORE = new EmbeddedMetastoreExtension();

    @BeforeAll
    static void createTables() throws IOException {
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            admin.ensureDatabase("sec", directory.resolve("data").toUri().toString());
            Path clean = Files.createDirectories(directory.resolve("data/t1/dt=2"));
            Files.write(clean.resolve("part-0"), new byte[1000]);
            TableName table = new TableName("sec", "t1");
            admin.createParquetTable(table, List.of(new Column("id", "bigint")), List.of(new Column("dt", "string")),
                    directory.resolve("data/t1").toUri().toString());
            admin.addPartitions(table, Map.of(
                    PartitionSpec.parse("dt=1"), directory.resolve("data/t1/dt=1").toUri().toString(),
                    PartitionSpec.parse("dt=2"), new org.apache.hadoop.fs.Path(clean.toUri()).toString()));
            // as ALTER TABLE sec.t1 PARTITION (dt='1') SET LOCATION does it: the metastore does not create an S3 directory
            admin.setPartitionLocation(table, PartitionSpec.parse("dt=1"), "s3a://AKIAX:" + SECRET + "@bucket/t/dt=1");
        }
    }

    private static Path home() {
        return directory.resolve("home");
    }

    private static CliRun gfsload(String... args) {
        String[] withMetastore = Arrays.copyOf(args, args.length + 2);
        withMetastore[args.length] = "--metastore";
        withMetastore[args.length + 1] = METASTORE.uri().toString();
        return CliRun.gfsload(home(), withMetastore);
    }

    @Test
    void aPartitionLocationWithCredentialsIsRefusedByEveryCommandWithoutShowingThem() throws IOException {
        String message = "gfsload: Credentials in the location of sec.t1 dt=1 are not accepted: s3a://<hidden>@bucket/t/dt=1; " + HADOOP_SETTINGS;
        Path reportFile = home().resolve("reports/load.json");
        CliRun load = gfsload("--table", "sec.t1", "--partition", "dt=1", "--progress", "none", "--report", reportFile.toString());
        assertEquals(ExitCode.USAGE, load.exitCode(), load.err());
        assertEquals(message, load.err().strip());
        JsonNode report = new ObjectMapper().readTree(reportFile.toFile());
        assertEquals(ExitCode.USAGE, report.get("exitCode").asInt(), report.toString());
        assertEquals(message.substring("gfsload: ".length()), report.get("error").asText());

        List<List<String>> commands = List.of(
                List.of("--table", "sec.t1", "--progress", "json", "--json", "--report", home().resolve("reports/all.json").toString()),
                List.of("--table", "sec.t1", "--dry-run", "--json", "--report", home().resolve("reports/dry-run.json").toString()),
                List.of("plan", "--table", "sec.t1", "--where", "dt = '1'"),
                List.of("status", "--table", "sec.t1", "--json"),
                List.of("tune", "--table", "sec.t1", "--latest", "2"),
                List.of("free", "--table", "sec.t1", "--partition", "dt=1"),
                List.of("free", "--table", "sec.t1"));
        List<String> output = new ArrayList<>();
        for (List<String> command : commands) {
            CliRun run = gfsload(command.toArray(String[]::new));
            assertEquals(ExitCode.USAGE, run.exitCode(), command + ": " + run.err());
            assertTrue(run.err().contains("s3a://<hidden>@bucket/t/dt=1"), command + ": " + run.err());
            output.add(run.out());
            output.add(run.err());
        }
        assertTrue(output.stream().noneMatch(text -> text.contains(SECRET)), output.toString());

        // as processes that log as bin/gfsload has them log: a load and a free, each with the embedded cache cluster
        for (List<String> command : List.of(List.of("--table", "sec.t1", "--progress", "json"), List.of("free", "--table", "sec.t1", "--partition", "dt=1"))) {
            List<String> args = new ArrayList<>(command);
            args.addAll(List.of("--metastore", METASTORE.uri().toString()));
            Path log = Files.createDirectories(home().resolve("logs")).resolve("gfsload-" + command.get(0).replace("-", "") + ".log");
            try (GfsLoadProcess process = GfsLoadProcess.startLogging(home(), log, args.toArray(String[]::new))) {
                CliRun run = process.awaitExit(Duration.ofSeconds(60));
                assertEquals(ExitCode.USAGE, run.exitCode(), command + ": " + run.err());
                assertTrue(run.err().contains("s3a://<hidden>@bucket/t/dt=1"), command + ": " + run.err());
                assertFalse(run.out().contains(SECRET) || run.err().contains(SECRET), command + ": " + run.out() + run.err());
            }
            assertTrue(Files.exists(log), log.toString());
        }

        // the partitions without credentials are not concerned
        CliRun clean = gfsload("--table", "sec.t1", "--partition", "dt=2", "--progress", "none");
        assertEquals(ExitCode.OK, clean.exitCode(), clean.err());
        CliRun freed = gfsload("free", "--table", "sec.t1", "--partition", "dt=2");
        assertEquals(ExitCode.OK, freed.exitCode(), freed.err());

        // neither the reports nor the logs (of the commands, and of the embedded cache cluster they ran) have them
        List<Path> written;
        try (Stream<Path> files = Files.walk(home())) {
            written = files.filter(Files::isRegularFile).filter(file -> !Files.isSymbolicLink(file)).toList();
        }
        for (Path file : written) {
            byte[] content = Files.readAllBytes(file);
            assertFalse(new String(content, StandardCharsets.ISO_8859_1).contains(SECRET), file.toString());
        }
    }
}
