package io.gfsload.catalog.thrift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableInfo;
import io.gfsload.catalog.TableName;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Which filters the catalog evaluates on partition names when the metastore refuses them for their
 * typed keys, and how: as the metastore's direct SQL does. The filtering of a real metastore's
 * partitions is in {@code TestTypedFiltersWithoutDirectSql}.
 */
class TestTypedFilter {
    private static final TableInfo TABLE = new TableInfo(new TableName("db", "t"), "EXTERNAL_TABLE", Optional.empty(), Optional.empty(),
            List.of("dt", "hr", "d", "amount"), List.of("string", "int", "date", "decimal(10,2)"));

    private static final String DEFAULT = PartitionSpec.DEFAULT_PARTITION_VALUE;

    private static final List<String> NAMES = List.of(
            "dt=a/hr=2/d=2026-11-01/amount=1",
            "dt=a/hr=03/d=2026-11-20/amount=1",
            "dt=b/hr=10/d=2026-12-01/amount=1",
            "dt=b/hr=__HIVE_DEFAULT_PARTITION__/d=__HIVE_DEFAULT_PARTITION__/amount=1");

    @Test
    void numbersAndDatesCompareByTheirTypeAndTextAsText() {
        // 10 after 2 as numbers, 03 is 3
        assertEquals(List.of("dt=a/hr=03/d=2026-11-20/amount=1", "dt=b/hr=10/d=2026-12-01/amount=1"), matching("hr > 2"));
        assertEquals(List.of("dt=a/hr=03/d=2026-11-20/amount=1"), matching("hr = 3"));
        assertEquals(List.of("dt=a/hr=2/d=2026-11-01/amount=1", "dt=a/hr=03/d=2026-11-20/amount=1"), matching("d < '2026-12-01'"));
        assertEquals(List.of("dt=a/hr=03/d=2026-11-20/amount=1", "dt=b/hr=10/d=2026-12-01/amount=1"), matching("'2026-11-20' <= d"));
        assertEquals(List.of("dt=b/hr=10/d=2026-12-01/amount=1", "dt=b/hr=__HIVE_DEFAULT_PARTITION__/d=__HIVE_DEFAULT_PARTITION__/amount=1"),
                matching("dt >= 'b'"));
        assertEquals(List.of("dt=a/hr=03/d=2026-11-20/amount=1"), matching("DT = 'a' AND (HR) NOT IN (2, 10)"));
        // a date without quotes, which the metastore's parser reads as a date
        assertEquals(List.of("dt=a/hr=03/d=2026-11-20/amount=1", "dt=b/hr=10/d=2026-12-01/amount=1"), matching("d >= 2026-11-20"));
    }

    @Test
    void theDefaultPartitionOfATypedKeyIsNull() {
        assertEquals(List.of("dt=a/hr=2/d=2026-11-01/amount=1", "dt=b/hr=10/d=2026-12-01/amount=1"), matching("hr <> 3"));
        assertEquals(List.of("dt=a/hr=2/d=2026-11-01/amount=1", "dt=b/hr=10/d=2026-12-01/amount=1"), matching("hr not between 3 and 9"));
        assertEquals(List.of("dt=b/hr=10/d=2026-12-01/amount=1", "dt=b/hr=__HIVE_DEFAULT_PARTITION__/d=__HIVE_DEFAULT_PARTITION__/amount=1"),
                matching("hr > 5 or dt = 'b'"));
        assertEquals(List.of("dt=b/hr=10/d=2026-12-01/amount=1"), matching("hr > 5 and dt = 'b'"));
    }

    @Test
    void theDefaultPartitionOfAStringKeyIsNullButByItsName() {
        List<String> names = List.of("dt=a/hr=1/d=2026-11-01/amount=1", "dt=__HIVE_DEFAULT_PARTITION__/hr=2/d=2026-11-01/amount=1");
        assertEquals(List.of("dt=a/hr=1/d=2026-11-01/amount=1"), matching(names, "dt >= 'a'"));
        assertEquals(List.of(), matching(names, "dt != 'a'"));
        assertEquals(List.of("dt=__HIVE_DEFAULT_PARTITION__/hr=2/d=2026-11-01/amount=1"), matching(names, "dt != 'a' or hr = 2"));
        assertEquals(List.of("dt=__HIVE_DEFAULT_PARTITION__/hr=2/d=2026-11-01/amount=1"), matching(names, "dt = '__HIVE_DEFAULT_PARTITION__'"));
        assertEquals(List.of("dt=a/hr=1/d=2026-11-01/amount=1"), matching(names, "dt <> '__HIVE_DEFAULT_PARTITION__'"));
    }

    @Test
    void theDefaultPartitionIsNamedAsTheMetastoreNamesIt() {
        // hive.exec.default.partition.name=__NULL__: __HIVE_DEFAULT_PARTITION__ is a value as any other there
        List<String> names = List.of("dt=a/hr=1/d=2026-11-01/amount=1", "dt=__NULL__/hr=2/d=2026-11-01/amount=1",
                "dt=__HIVE_DEFAULT_PARTITION__/hr=3/d=2026-11-01/amount=1");
        assertEquals(List.of("dt=__HIVE_DEFAULT_PARTITION__/hr=3/d=2026-11-01/amount=1"), matching(names, "dt != 'a'", "__NULL__"));
        assertEquals(List.of("dt=__HIVE_DEFAULT_PARTITION__/hr=3/d=2026-11-01/amount=1"), matching(names, "dt < 'a'", "__NULL__"));
        assertEquals(List.of("dt=__NULL__/hr=2/d=2026-11-01/amount=1"), matching(names, "dt = '__NULL__'", "__NULL__"));
        assertEquals(names.subList(1, 3), matching(names, "dt != 'a' or hr = 2", "__NULL__"));
        assertEquals(List.of("dt=__NULL__/hr=2/d=2026-11-01/amount=1"), matching(names, "dt < 'a'", DEFAULT));
    }

    @Test
    void everyFilterOfTheMetastoreIsTakenToTellItsDefaultPartitions() {
        List<String> names = List.of("dt=2026-11-01/hr=1/d=2026-11-01/amount=1", "dt=__HIVE_DEFAULT_PARTITION__/hr=2/d=2026-11-01/amount=1");
        assertTrue(TypedFilter.parse("dt like '.*'", TABLE, DEFAULT).isEmpty());
        assertEquals(List.of("dt=2026-11-01/hr=1/d=2026-11-01/amount=1"), matchingAll(names, "dt like '.*'"));
        assertEquals(List.of("dt=2026-11-01/hr=1/d=2026-11-01/amount=1"), matchingAll(names, "dt like '(?i)2026-11.*' and hr = 1"));
        assertEquals(List.of("dt=__HIVE_DEFAULT_PARTITION__/hr=2/d=2026-11-01/amount=1"), matchingAll(names, "dt like 'x.*' or hr = 2"));
        // a date written without quotes, which the metastore's parser reads as a date
        assertEquals(List.of("dt=2026-11-01/hr=1/d=2026-11-01/amount=1"), matchingAll(names, "dt = 2026-11-01"));
        assertEquals(names, matchingAll(names, "d = 2026-11-01"));
    }

    @Test
    void aDecimalKeyComparesAsTheNumberItsNameWrites() {
        List<String> names = List.of("dt=a/hr=1/d=2026-11-01/amount=2.5", "dt=a/hr=1/d=2026-11-01/amount=10.00",
                "dt=a/hr=1/d=2026-11-01/amount=10", "dt=a/hr=1/d=2026-11-01/amount=" + PartitionSpec.DEFAULT_PARTITION_VALUE);
        assertEquals(List.of("dt=a/hr=1/d=2026-11-01/amount=10.00", "dt=a/hr=1/d=2026-11-01/amount=10"), matching(names, "amount = 10"));
        assertEquals(List.of("dt=a/hr=1/d=2026-11-01/amount=2.5"), matching(names, "amount < 3"));
        assertEquals(List.of("dt=a/hr=1/d=2026-11-01/amount=2.5"), matching(names, "amount <> 10"));
        assertEquals(names.subList(0, 3), matching(names, "amount between 2 and 10"));
        assertEquals(names.subList(0, 3), matchingAll(names, "amount >= 2"));
    }

    @Test
    void filtersOutsideTheTypedComparisonsAreNotTaken() {
        for (String filter : List.of(
                "hr like '1.*'",
                "dt like 'a.*' and hr = 3",
                "hr = '3'",
                "dt = 5",
                "d = '2026-11-31'",
                "d = '2026-1-5'",
                "d = 20261120",
                "dt = 2026-11-01 and hr = 1",
                "amount = '1'",
                "nosuch = 1",
                "hr = 99999999999999999999",
                "dt in ('a')",
                "hr >=")) {
            assertTrue(TypedFilter.parse(filter, TABLE, DEFAULT).isEmpty(), filter);
        }
    }

    private static List<String> matching(String filter) {
        return matching(NAMES, filter);
    }

    private static List<String> matching(List<String> names, String filter) {
        return matching(names, TypedFilter.parse(filter, TABLE, DEFAULT).orElseThrow(() -> new AssertionError("not taken: " + filter)));
    }

    private static List<String> matching(List<String> names, String filter, String defaultPartitionName) {
        return matching(names, TypedFilter.parse(filter, TABLE, defaultPartitionName).orElseThrow(() -> new AssertionError("not taken: " + filter)));
    }

    private static List<String> matchingAll(List<String> names, String filter) {
        return matching(names, TypedFilter.parseAll(filter, TABLE, DEFAULT).orElseThrow(() -> new AssertionError("not taken: " + filter)));
    }

    private static List<String> matching(List<String> names, TypedFilter typed) {
        return names.stream().filter(name -> typed.matches(PartitionSpec.parseName(name))).toList();
    }
}
