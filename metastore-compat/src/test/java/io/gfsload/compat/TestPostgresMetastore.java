package io.gfsload.compat;

import static io.gfsload.planner.PartitionedTables.CITIES;
import static io.gfsload.planner.PartitionedTables.DAYS;
import static io.gfsload.planner.PartitionedTables.EVENTS;
import static io.gfsload.planner.PartitionedTables.HOURS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gfsload.catalog.InvalidInputException;
import io.gfsload.catalog.NoSuchPartitionException;
import io.gfsload.catalog.NoSuchTableException;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableName;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import io.gfsload.planner.CacheState;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadPlanner;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PartitionLoad;
import io.gfsload.planner.PartitionSelection;
import io.gfsload.planner.PartitionedTables;
import io.gfsload.planner.PlannerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every partition selection form through our Hive 2.3.9 client against a Hive 3.1.3 standalone
 * metastore backed by PostgreSQL, both real and on loopback: the production-like pairing, where
 * {@code TestLoadPlannerOnMetastore} (load-planner) uses our embedded Derby-backed 2.3.9 server.
 *
 * <p>The table has two partition keys and 50 partitions: one with a custom location outside the
 * table directory, one empty, one with {@code _SUCCESS} and {@code .crc} files, one with a
 * zero-byte file. A second table has an escaped partition value. Three more, with empty partitions,
 * have keys of type {@code int} and {@code date}, and values that are neither at the same positions.
 *
 * <p>PostgreSQL comes from the machine ({@code initdb}, {@code pg_ctl}); where it is missing or
 * cannot be run, every test is skipped with the reason, or the class fails when the system property
 * {@code gfsload.postgres.required} is {@code true} or under CI ({@code CI=true}), so that CI cannot
 * pass with the tests silently skipped. Logs: {@code target/compat-logs}.
 */
class TestPostgresMetastore {
    private static final long BLOCK = 100;
    private static final Path HMS3_LIB = Path.of(System.getProperty("gfsload.hms3.lib", "target/hms3-lib"));
    private static final Path LOGS = Path.of(System.getProperty("gfsload.compat.logs", "target/compat-logs"));
    private static final Path SERVER_LOG = LOGS.resolve("hms3.log");
    private static final Duration METASTORE_START_TIMEOUT = Duration.ofSeconds(45);

    private static final TableName LABELS = new TableName("db", "labels");
    private static final TableName TYPED_HOURS = new TableName("db", "hours");
    private static final TableName TYPED_DAYS = new TableName("db", "days");

    @TempDir
    static Path directory;

    private static PostgresCluster postgres;
    private static Hms3Server metastore;
    private static ThriftHiveCatalog catalog;
    private static LoadPlanner planner;
    /** Why PostgreSQL cannot run here; null when it runs. */
    private static String unavailable;

    @BeforeAll
    static void start() throws IOException {
        // user postgres must reach the cluster inside; @TempDir creates the directory for its owner only
        PostgresCluster.makeTraversable(directory);
        try {
            postgres = PostgresCluster.start(Optional.ofNullable(System.getProperty("gfsload.postgres.bin")).map(Path::of),
                    directory.resolve("postgres"), LOGS, "metastore");
        }
        catch (PostgresCluster.UnavailableException e) {
            if (Boolean.getBoolean("gfsload.postgres.required") || "true".equals(System.getenv("CI"))) {
                fail("Cannot run the PostgreSQL-backed metastore tests (gfsload.postgres.required is true): " + e.getMessage());
            }
            // skipped in @BeforeEach, where Surefire counts and reports each skipped test with the reason
            unavailable = "PostgreSQL-backed metastore tests skipped: " + e.getMessage();
            System.err.println(unavailable);
            return;
        }
        metastore = Hms3Server.start(HMS3_LIB, directory.resolve("hms3"), SERVER_LOG,
                postgres.jdbcUrl("metastore"), "org.postgresql.Driver", PostgresCluster.USER, METASTORE_START_TIMEOUT);
        createTables();
        catalog = ThriftHiveCatalog.connect(metastore.uri());
        planner = new LoadPlanner(Optional.of(catalog), new Configuration(), CacheState.EMPTY, new PlannerConfig(BLOCK, 10, 1000, 4));
    }

    @BeforeEach
    void skipWithoutPostgres() {
        assumeTrue(unavailable == null, unavailable);
    }

    private static void createTables() throws IOException {
        PartitionedTables.create(directory, metastore.uri());
        try (MetastoreAdmin admin = MetastoreAdmin.connect(metastore.uri())) {
            // other tables first, so that their rows come first: values that are neither numbers nor dates at the typed keys' positions
            createEmpty(admin, LABELS, List.of(new Column("dt", "string"), new Column("hr", "string")),
                    List.of("dt=x/hr=y", "dt=2026-13-45/hr=2026-99-99", "dt=__HIVE_DEFAULT_PARTITION__/hr=__HIVE_DEFAULT_PARTITION__"));
            createEmpty(admin, TYPED_HOURS, List.of(new Column("dt", "string"), new Column("hr", "int")),
                    List.of("dt=2026-11-20/hr=1", "dt=2026-11-20/hr=3", "dt=2026-11-20/hr=12", "dt=2026-11-21/hr=__HIVE_DEFAULT_PARTITION__"));
            createEmpty(admin, TYPED_DAYS, List.of(new Column("dt", "date")), List.of("dt=2026-10-31", "dt=2026-11-01", "dt=2026-11-20"));
        }
    }

    /** A table whose partitions are empty directories. */
    private static void createEmpty(MetastoreAdmin admin, TableName name, List<Column> keys, List<String> specs) throws IOException {
        Path location = directory.resolve("data/" + name.table());
        admin.createParquetTable(name, List.of(new Column("id", "bigint")), keys, location.toUri().toString());
        Map<PartitionSpec, String> partitions = new LinkedHashMap<>();
        for (String spec : specs) {
            Path partition = Files.createDirectories(location.resolve(spec));
            partitions.put(PartitionSpec.parse(spec), PartitionedTables.location(partition));
        }
        admin.addPartitions(name, partitions);
    }

    /** Runs after a setup that failed or was skipped halfway too: closes whatever was started, last first. */
    @AfterAll
    static void stop() {
        List<AutoCloseable> started = new ArrayList<>();
        started.add(catalog);
        started.add(metastore);
        started.add(postgres);
        RuntimeException failure = null;
        for (AutoCloseable resource : started) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            }
            catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("Cannot stop the test's servers", e);
                }
                else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static LoadPlan plan(TableName table, PartitionSelection selection) {
        return planner.plan(new LoadRequest(new LoadTarget.Table(table, selection), 1));
    }

    private static LoadPlan plan(TableName table, String... specs) {
        return planner.plan(new LoadRequest(new LoadTarget.Table(table, Arrays.stream(specs).map(PartitionSpec::parse).toList()), 1));
    }

    private static List<String> names(LoadPlan plan) {
        return plan.partitions().stream().map(PartitionLoad::name).toList();
    }

    private static PartitionLoad partition(LoadPlan plan, String name) {
        return plan.partitions().get(names(plan).indexOf(name));
    }

    private static List<String> expectedNames(List<String> days, List<String> hours) {
        List<String> names = new ArrayList<>();
        for (String dt : days) {
            for (String hr : hours) {
                names.add("dt=" + dt + "/hr=" + hr);
            }
        }
        return names;
    }

    @Test
    void everyPartitionWithExactFilesAndBlocks() {
        LoadPlan plan = plan(EVENTS, new PartitionSelection.All());
        assertEquals(expectedNames(DAYS, HOURS), names(plan));
        // 47 partitions with one 150-byte file (2 blocks), one empty, one with a hidden _SUCCESS
        // and .crc beside its 150-byte file, one with a zero-byte file (0 blocks) and a 250-byte file (3 blocks)
        assertEquals(48 + 2, plan.stats().files());
        assertEquals(48 * 150 + 250, plan.stats().bytes());
        assertEquals(48 * 2 + 3, plan.stats().blocks());
        assertEquals(List.of(), partition(plan, "dt=2026-11-04/hr=00").files());
        List<FileLoad> hidden = partition(plan, "dt=2026-11-05/hr=01").files();
        assertEquals(1, hidden.size());
        assertTrue(hidden.get(0).file().path().endsWith("/dt=2026-11-05/hr=01/part-0"), hidden.get(0).file().path());
        assertTrue(partition(plan, "dt=2026-11-03/hr=02").location().endsWith("/elsewhere/custom"));
        assertEquals(plan, plan(EVENTS, new PartitionSelection.All()));
    }

    @Test
    void exactSpecUsesThePartitionsOwnLocation() {
        LoadPlan plan = plan(EVENTS, "dt=2026-11-03/hr=02");
        assertEquals(List.of("dt=2026-11-03/hr=02"), names(plan));
        assertTrue(plan.partitions().get(0).location().endsWith("/elsewhere/custom"), plan.partitions().get(0).location());
        assertEquals(1, plan.stats().files());
        assertEquals(150, plan.stats().bytes());
        assertEquals(2, plan.stats().blocks());
    }

    @Test
    void zeroByteFileIsPlannedWithoutBlocks() {
        List<FileLoad> files = plan(EVENTS, "dt=2026-11-06/hr=03").partitions().get(0).files();
        assertEquals(List.of(0L, 250L), files.stream().map(f -> f.file().length()).toList());
        assertEquals(List.of(0, 3), files.stream().map(f -> f.blocks().size()).toList());
    }

    @Test
    void prefixSpecSelectsEveryPartitionUnderIt() {
        assertEquals(expectedNames(List.of("2026-11-05"), HOURS), names(plan(EVENTS, "dt=2026-11-05")));
        assertEquals(expectedNames(List.of("2026-11-02", "2026-11-05"), HOURS), names(plan(EVENTS, "dt=2026-11-05", "dt=2026-11-02", "dt=2026-11-05/hr=03")));
    }

    @Test
    void filterIsEvaluatedByTheMetastore() throws IOException {
        long logStart = Files.size(SERVER_LOG);
        assertEquals(expectedNames(List.of("2026-11-08", "2026-11-09"), HOURS),
                names(plan(EVENTS, new PartitionSelection.Filter("dt >= '2026-11-08' and dt < '2026-11-10'"))));
        LoadPlan one = plan(EVENTS, new PartitionSelection.Filter("dt = '2026-11-06' and hr = '03'"));
        assertEquals(List.of("dt=2026-11-06/hr=03"), names(one));
        assertEquals(3, one.stats().blocks());
        assertEquals(expectedNames(DAYS, List.of("00", "04")), names(plan(EVENTS, new PartitionSelection.Filter("hr = '00' or hr = '04'"))));
        assertEquals("No partition of " + EVENTS + " matches: where dt > '2030'",
                assertThrows(NoSuchPartitionException.class, () -> plan(EVENTS, new PartitionSelection.Filter("dt > '2030'"))).getMessage());
        // as in production, the metastore turned the filters into SQL run by PostgreSQL, not into
        // DataNucleus queries (its fallback when that SQL fails)
        String log = Files.readString(SERVER_LOG);
        assertTrue(log.contains("Using direct SQL, underlying DB is POSTGRES"), "direct SQL is not in use; see " + SERVER_LOG);
        assertFalse(log.substring((int) logStart).contains("Falling back to ORM path"), "direct SQL failed; see " + SERVER_LOG);
    }

    /**
     * On PostgreSQL the metastore's direct SQL casts the values of every table at a typed key's
     * position (its guard that checks the row's table first is for Derby and Oracle only), fails on
     * a value that is not a number or a date ({@code db.cities}' {@code New York/NY}, {@code db.labels}'
     * values), and falls back to its JDO filter, which refuses keys of other types than string:
     * the catalog then filters the partition names itself.
     */
    @Test
    void typedFiltersWhateverOtherTablesHoldAtTheKeysPositions() {
        assertEquals(List.of("dt=2026-11-20/hr=3", "dt=2026-11-20/hr=12"), names(plan(TYPED_HOURS, new PartitionSelection.Filter("hr >= 3"))));
        assertEquals(List.of("dt=2026-11-20/hr=12"), names(plan(TYPED_HOURS, new PartitionSelection.Filter("dt = '2026-11-20' and hr > 3"))));
        assertEquals(List.of("dt=2026-11-20/hr=3"), names(plan(TYPED_HOURS, new PartitionSelection.Filter("hr between 2 and 9"))));
        assertEquals(List.of("dt=2026-11-20/hr=1", "dt=2026-11-20/hr=12"), names(plan(TYPED_HOURS, new PartitionSelection.Filter("(hr) in (1, 12)"))));
        assertEquals(List.of("dt=2026-11-20/hr=1", "dt=2026-11-20/hr=12"), names(plan(TYPED_HOURS, new PartitionSelection.Filter("hr != 3"))));

        assertEquals(List.of("dt=2026-11-01", "dt=2026-11-20"), names(plan(TYPED_DAYS, new PartitionSelection.Filter("dt >= '2026-11-01'"))));
        assertEquals(List.of("dt=2026-10-31", "dt=2026-11-01"), names(plan(TYPED_DAYS, new PartitionSelection.Filter("dt between '2026-10-01' and '2026-11-19'"))));
        assertEquals("No partition of db.days matches: where dt > '2026-12-01'",
                assertThrows(NoSuchPartitionException.class, () -> plan(TYPED_DAYS, new PartitionSelection.Filter("dt > '2026-12-01'"))).getMessage());

        // invalid wherever they are evaluated: still refused, with the hints
        assertEquals("Invalid filter \"hr like '1.*'\" for db.hours (partition keys: dt, hr): the partition key hr is of type int, and the metastore "
                        + "evaluates LIKE only on keys of type string: compare it with numbers, as in hr >= 10 and hr < 20",
                assertThrows(InvalidInputException.class, () -> plan(TYPED_HOURS, new PartitionSelection.Filter("hr like '1.*'"))).getMessage());
        assertEquals("Invalid filter \"dt >= '2026-11-31'\" for db.days (partition keys: dt): the partition key dt is a date, and the metastore compares "
                        + "a date only with a valid date written 'yyyy-MM-dd' (as '2026-11-20'): '2026-11-31' is not one",
                assertThrows(InvalidInputException.class, () -> plan(TYPED_DAYS, new PartitionSelection.Filter("dt >= '2026-11-31'"))).getMessage());
    }

    @Test
    void latestTakesTheGreatestValues() {
        assertEquals(List.of("dt=2026-11-10/hr=02", "dt=2026-11-10/hr=03", "dt=2026-11-10/hr=04"), names(plan(EVENTS, new PartitionSelection.Latest(3))));
        assertEquals(50, plan(EVENTS, new PartitionSelection.Latest(500)).partitions().size());
    }

    @Test
    void escapedPartitionValues() {
        LoadPlan plan = plan(CITIES, "city=New%20York%2FNY");
        assertEquals(List.of("city=New York%2FNY"), names(plan));
        assertEquals(42, plan.stats().bytes());
        assertEquals(List.of("city=New York%2FNY"), names(plan(CITIES, new PartitionSelection.Filter("city = 'New York/NY'"))));
        assertEquals(1, plan(CITIES, new PartitionSelection.Latest(1)).stats().files());
    }

    @Test
    void invalidFilterIsInvalidInput() {
        String syntax = assertThrows(InvalidInputException.class, () -> plan(EVENTS, new PartitionSelection.Filter("dt >="))).getMessage();
        assertTrue(syntax.startsWith("Invalid filter \"dt >=\" for db.events (partition keys: dt, hr): "), syntax);
        String unknownKey = assertThrows(InvalidInputException.class, () -> plan(EVENTS, new PartitionSelection.Filter("day = '1'"))).getMessage();
        assertTrue(unknownKey.startsWith("Invalid filter \"day = '1'\" for db.events (partition keys: dt, hr): "), unknownKey);
    }

    @Test
    void missingTableAndPartitionsAreNamed() {
        assertEquals("Table not found: db.nosuch", assertThrows(NoSuchTableException.class, () -> plan(TableName.parse("db.nosuch"))).getMessage());
        assertEquals("Partition not found: db.events dt=2026-12-01/hr=00",
                assertThrows(NoSuchPartitionException.class, () -> plan(EVENTS, "dt=2026-12-01/hr=00")).getMessage());
        assertEquals("Partition not found: db.events dt=2026-12-01",
                assertThrows(NoSuchPartitionException.class, () -> plan(EVENTS, "dt=2026-12-01")).getMessage());
    }
}
