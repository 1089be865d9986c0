package io.gfsload.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gfsload.catalog.testing.EmbeddedMetastoreExtension;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Filters on a {@code date} partition key that the embedded metastore refuses with words about
 * strings; each hint's example is run against the same metastore. The refusals come from the
 * filter itself (its direct SQL pushes down no date compared with a string that is not a valid
 * date, nor LIKE, and its JDO filter takes string keys only), not from other tables' values at the
 * same key position: {@code TestTypedFiltersBesideOtherTables} shows those do not matter.
 */
class TestDateKeyFilterHints {
    @TempDir
    static Path directory;

    private static final TableName DAYS = new TableName("db", "days");

    @RegisterExtension
    static final EmbeddedMetastoreExtension METASTORE = new EmbeddedMetastoreExtension();
    private static ThriftHiveCatalog catalog;

    @BeforeAll
    static void start() {
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            admin.ensureDatabase("db", directory.resolve("warehouse/db.db").toUri().toString());
            String location = directory.resolve("warehouse/db.db/days").toUri().toString();
            admin.createParquetTable(DAYS, List.of(new Column("id", "bigint")), List.of(new Column("p", "string"), new Column("d", "date")), location);
            Map<PartitionSpec, String> days = new LinkedHashMap<>();
            for (String spec : List.of("p=a/d=2026-10-31", "p=a/d=2026-11-20", "p=b/d=2026-11-21")) {
                days.put(PartitionSpec.parse(spec), location + "/" + spec);
            }
            admin.addPartitions(DAYS, days);
        }
        catalog = METASTORE.catalog();
    }

    @Test
    void aDateKeyComparedWithAnythingButAValidDateOrWithLikeSaysSo() {
        assertEquals(List.of("p=a/d=2026-11-20"), matching("d = '2026-11-20'"));
        String notADate = "the partition key d is a date, and the metastore compares a date only with a valid date written 'yyyy-MM-dd' (as '2026-11-20'): ";
        assertRefused("d = '2026-13-45'", notADate + "'2026-13-45' is not one");
        assertRefused("d = 'x'", notADate + "'x' is not one");
        assertRefused("p = 'a' and d between '2026-11-01' and '2026-11-31'", notADate + "'2026-11-31' is not one");

        assertRefused("d like '2026-11.*'", "the partition key d is of type date, and the metastore evaluates LIKE only on keys of type string: "
                + "compare it with dates written 'yyyy-MM-dd', as in d >= '2026-11-01' and d < '2026-12-01'");
        assertEquals(List.of("p=a/d=2026-11-20", "p=b/d=2026-11-21"), matching("d >= '2026-11-01' and d < '2026-12-01'"));

        assertRefused("p like 'a.*' and d > '2026-11-01'", "the metastore cannot combine LIKE with a condition on a key of another type than string, "
                + "and the filter has LIKE on p and a condition on d (date): write the LIKE as a range, as in p >= 'a' and p < 'b' and d > '2026-11-01', "
                + "or load the partitions of each condition separately");
        assertEquals(List.of("p=a/d=2026-11-20"), matching("p >= 'a' and p < 'b' and d > '2026-11-01'"));
    }

    private static void assertRefused(String filter, String problem) {
        TableInfo days = catalog.getTable(DAYS).orElseThrow();
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> catalog.listPartitionsByFilter(days, filter));
        assertEquals("Invalid filter \"%s\" for db.days (partition keys: p, d): %s".formatted(filter, problem), e.getMessage());
    }

    private static List<String> matching(String filter) {
        TableInfo days = catalog.getTable(DAYS).orElseThrow();
        return catalog.listPartitionsByFilter(days, filter).stream().map(partition -> partition.spec().toString()).toList();
    }
}
