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
import java.util.Optional;
import org.apache.hadoop.hive.metastore.HiveMetaStoreClient;
import org.apache.hadoop.hive.metastore.api.Partition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Filters the embedded metastore refuses, or that match nothing, for reasons its own words do not
 * give; each hint's example is run against the same metastore, so that it is one that works.
 */
class TestPartitionFilterHints {
    @TempDir
    static Path directory;

    @RegisterExtension
    static final EmbeddedMetastoreExtension METASTORE = new EmbeddedMetastoreExtension();
    private static ThriftHiveCatalog catalog;
    private static TableInfo events;
    private static TableInfo quotes;

    @BeforeAll
    static void start() {
        TableName name = new TableName("db", "events");
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            admin.ensureDatabase("db", directory.resolve("warehouse/db.db").toUri().toString());
            String location = directory.resolve("warehouse/db.db/events").toUri().toString();
            admin.createParquetTable(name, List.of(new Column("id", "bigint")), List.of(new Column("dt", "string"), new Column("hr", "int")), location);
            Map<PartitionSpec, String> partitions = new LinkedHashMap<>();
            for (String spec : List.of("dt=2026-11-18/hr=1", "dt=2026-11-19/hr=2", "dt=2026-11-20/hr=10", "dt=5/hr=3")) {
                partitions.put(PartitionSpec.parse(spec), location + "/" + spec);
            }
            admin.addPartitions(name, partitions);
        }
        TableName quoted = new TableName("db", "quotes");
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            PartitionedTables.create(admin, directory.resolve("warehouse"), quoted, List.of(new Column("s", "string"), new Column("n", "int")),
                    List.of("s=it%27s/n=1", "s=it/n=2", "s=say \"hi\"/n=3"));
        }
        catalog = METASTORE.catalog();
        events = catalog.getTable(name).orElseThrow();
        quotes = catalog.getTable(quoted).orElseThrow();
    }

    @Test
    void inAfterABareColumnSaysToWriteTheColumnInParentheses() {
        assertRefused("dt IN ('2026-11-18','2026-11-20')",
                "the metastore cannot parse it: it takes IN only after a column in parentheses, as in (dt) IN ('2026-11-18','2026-11-20')");
        assertEquals(List.of("dt=2026-11-18/hr=1", "dt=2026-11-20/hr=10"), matching("(dt) IN ('2026-11-18','2026-11-20')"));

        assertRefused("dt NOT IN ('2026-11-18','2026-11-20')",
                "the metastore cannot parse it: it takes IN only after a column in parentheses, as in (dt) NOT IN ('2026-11-18','2026-11-20')");
        assertEquals(List.of("dt=5/hr=3", "dt=2026-11-19/hr=2"), matching("(dt) NOT IN ('2026-11-18','2026-11-20')"));

        assertRefused("hr in (1, 2) and dt in('2026-11-18')",
                "the metastore cannot parse it: it takes IN only after a column in parentheses, as in (hr) in (1, 2) and (dt) in('2026-11-18')");
        assertEquals(List.of("dt=2026-11-18/hr=1"), matching("(hr) in (1, 2) and (dt) in('2026-11-18')"));

        // no IN after a bare column: the metastore's parser says no more than that
        assertRefused("dt >>> 3", "the metastore cannot parse it");
        assertRefused("dt >>> 'a IN (b'", "the metastore cannot parse it");
    }

    @Test
    void aStringKeyComparedWithANumberSaysToQuoteTheValue() {
        assertRefused("dt = 5", "the partition key dt is a string, and the filter compares it with a number: quote the value, as in dt = '5'");
        assertEquals(List.of("dt=5/hr=3"), matching("dt = '5'"));

        assertRefused("dt = '2026-11-18' or 20261119 <= dt",
                "the partition key dt is a string, and the filter compares it with a number: quote the value, as in dt = '2026-11-18' or '20261119' <= dt");
        assertRefused("dt between 1 and 5", "the partition key dt is a string, and the filter compares it with a number: quote the value, as in dt between '1' and '5'");
        assertEquals(List.of("dt=5/hr=3", "dt=2026-11-18/hr=1", "dt=2026-11-19/hr=2", "dt=2026-11-20/hr=10"), matching("dt between '1' and '5'"), "compared as strings");
        assertRefused("(dt) IN (5, 6) and hr = 3",
                "the partition key dt is a string, and the filter compares it with a number: quote the value, as in (dt) IN ('5', '6') and hr = 3");
        assertEquals(List.of("dt=5/hr=3"), matching("(dt) IN ('5', '6') and hr = 3"));

    }

    @Test
    void aStringKeyComparedWithADateWithoutQuotesBesideANumericKeySaysToQuoteTheDate() {
        // alone, the metastore compares the date with the string as text
        assertEquals(List.of("dt=2026-11-20/hr=10"), matching("dt = 2026-11-20"));
        assertRefused("dt = 2026-11-20 or hr = 3", "the partition key dt is a string, and the filter compares it with a date without quotes, "
                + "which the metastore compares with a string as text only in a filter without a condition on a key of another type than string: "
                + "quote the value, as in dt = '2026-11-20' or hr = 3");
        assertEquals(List.of("dt=5/hr=3", "dt=2026-11-20/hr=10"), matching("dt = '2026-11-20' or hr = 3"));
        assertRefused("hr > 1 and dt between 2026-11-19 and 2026-11-20", "the partition key dt is a string, and the filter compares it with a date without quotes, "
                + "which the metastore compares with a string as text only in a filter without a condition on a key of another type than string: "
                + "quote the value, as in hr > 1 and dt between '2026-11-19' and '2026-11-20'");
        assertEquals(List.of("dt=2026-11-19/hr=2", "dt=2026-11-20/hr=10"), matching("hr > 1 and dt between '2026-11-19' and '2026-11-20'"));
    }

    @Test
    void aNumericKeyComparedWithAQuotedNumberSaysToWriteTheNumberWithoutQuotes() {
        assertRefused("hr = '2'", "the partition key hr (int) is a number, and the filter compares it with a quoted value: write the value without quotes, as in hr = 2");
        assertEquals(List.of("dt=2026-11-19/hr=2"), matching("hr = 2"));

        assertRefused("dt = '2026-11-20' and '3' <= hr",
                "the partition key hr (int) is a number, and the filter compares it with a quoted value: write the value without quotes, as in dt = '2026-11-20' and 3 <= hr");
        assertEquals(List.of("dt=2026-11-20/hr=10"), matching("dt = '2026-11-20' and 3 <= hr"));
        assertRefused("(hr) IN ('1', '3')",
                "the partition key hr (int) is a number, and the filter compares it with a quoted value: write the value without quotes, as in (hr) IN (1, 3)");
        assertEquals(List.of("dt=5/hr=3", "dt=2026-11-18/hr=1"), matching("(hr) IN (1, 3)"));

        // not a number in quotes: no example to give, the metastore's words stay
        assertRefused("hr = 'two'", "Filtering is supported only on partition keys of type string");
    }

    @Test
    void likeWithSqlWildcardsThatMatchesNothingSaysLikeTakesARegularExpression() {
        assertEquals(List.of(), matching("dt like '2026-11-1%'"));
        String hint = "the metastore's LIKE matches the whole value with . for any one character and .* for any characters, not SQL's _ and %: try ";
        assertEquals(Optional.of(hint + "dt like '2026-11-1.*'"), PartitionFilterHints.noMatch("dt like '2026-11-1%'"));
        assertEquals(List.of("dt=2026-11-18/hr=1", "dt=2026-11-19/hr=2"), matching("dt like '2026-11-1.*'"));

        assertEquals(List.of(), matching("dt LIKE '2026_11_2_'"));
        assertEquals(Optional.of(hint + "dt LIKE '2026.11.2.'"), PartitionFilterHints.noMatch("dt LIKE '2026_11_2_'"));
        assertEquals(List.of("dt=2026-11-20/hr=10"), matching("dt LIKE '2026.11.2.'"));

        // the whole value: a pattern that matches part of it matches nothing
        assertEquals(List.of(), matching("dt like '2026'"));
        assertEquals(Optional.empty(), PartitionFilterHints.noMatch("dt like '2026'"));
        assertEquals(Optional.empty(), PartitionFilterHints.noMatch("dt = '2026_11%'"));
    }

    @Test
    void aDoubledQuoteInAValueIsRefusedBeforeTheMetastoreTakesPartOfTheFilter() throws Exception {
        // asked, the metastore's parser takes s = 'it' and ignores the rest: another partition than the filter says
        HiveMetaStoreClient client = METASTORE.hiveClient();
        try {
            assertEquals(List.of(List.of("it", "2")),
                    client.listPartitionsByFilter("db", "quotes", "s = 'it''s' and n = 1", (short) -1).stream().map(Partition::getValues).toList());
        }
        finally {
            client.close();
        }
        assertRefused(quotes, "s = 'it''s' and n = 1", "the metastore's filters have no escape for a quote: its parser would take 'it''s' as the value it "
                + "and ignore the rest of the filter; write a value with a ' in double quotes, as in s = \"it's\" and n = 1");
        assertEquals(List.of("s=it%27s/n=1"), matching(quotes, "s = \"it's\" and n = 1"));
        assertRefused(quotes, "s = \"say \"\"hi\"\"\"", "the metastore's filters have no escape for a quote: its parser would take \"say \"\"hi\"\"\" "
                + "as the value say  and ignore the rest of the filter; write a value with a \" in single quotes, as in s = 'say \"hi\"'");
        assertEquals(List.of("s=say %22hi%22/n=3"), matching(quotes, "s = 'say \"hi\"'"));
        // two values, or a value with both quotes: nothing to say
        assertEquals(Optional.empty(), PartitionFilterHints.doubledQuote("s = 'a' or s = 'b'"));
        assertEquals(Optional.empty(), PartitionFilterHints.doubledQuote("s = 'it''s \"x\"'"));
    }

    @Test
    void aQuoteEscapedWithABackslashThatMatchesNothingSaysToWriteTheValueInTheOtherQuotes() {
        assertEquals(List.of(), matching(quotes, "s = 'it\\'s'"));
        assertEquals(Optional.of("the metastore's filters have no escape for a quote: it takes 'it\\'s' as the value it\\'s; "
                + "write a value with a ' in double quotes, as in s = \"it's\""), PartitionFilterHints.noMatch("s = 'it\\'s'"));
    }

    @Test
    void notBeforeAConditionSaysThatNotIsOnlyInNotBetweenAndNotInAndGivesTheNegation() {
        String only = "the metastore cannot parse it: it takes NOT only in NOT BETWEEN and NOT IN; the negation of a comparison is the comparison "
                + "with the opposite operator";
        assertRefused("not (hr = 1)", only + ", as in hr <> 1");
        assertEquals(List.of("dt=5/hr=3", "dt=2026-11-19/hr=2", "dt=2026-11-20/hr=10"), matching("hr <> 1"));
        assertRefused("dt = '5' or not hr >= 3", only + ", as in dt = '5' or hr < 3");
        assertEquals(List.of("dt=5/hr=3", "dt=2026-11-18/hr=1", "dt=2026-11-19/hr=2"), matching("dt = '5' or hr < 3"));
        assertRefused("not (hr = 1 or dt = '5')", only + " (n <> 1 for not (n = 1), n >= 1 for not (n < 1)), and the negation of conditions joined by and (or) is their negations joined by or (and)");
        // NOT BETWEEN and NOT IN parse
        assertEquals(List.of("dt=2026-11-20/hr=10"), matching("hr not between 1 and 3"));
    }

    @Test
    void likeWithRegularExpressionSyntaxTheMetastoreDoesNotEvaluateIsRefusedBeforeItIsAsked() {
        String knows = ": it knows only . (any one character), .* (any characters) and a leading (?i) (ignore case) of Java's regular expressions, "
                + "and takes every other character as itself, so that the filter would match nothing; for alternatives, write them with or, "
                + "or as (key) in ('A', 'B')";
        assertRefused("dt like '2026-11-[12].*'", "the metastore's LIKE does not take character classes [ ], as in '2026-11-[12].*'" + knows);
        assertRefused("dt like '['", "the metastore's LIKE does not take character classes [ ], as in '['" + knows);
        assertRefused("hr = 1 and dt like '2026-11-18|2026-11-19'", "the metastore's LIKE does not take alternatives |, as in '2026-11-18|2026-11-19'" + knows);
        assertRefused("dt like '2026-11-1+'", "the metastore's LIKE does not take the quantifier +, as in '2026-11-1+'" + knows);
        assertRefused("dt like '2026-11-1?'", "the metastore's LIKE does not take the quantifier ?, as in '2026-11-1?'" + knows);
        assertRefused("dt like '2026-11-1{2}'", "the metastore's LIKE does not take repetitions { }, as in '2026-11-1{2}'" + knows);
        assertRefused("dt like '(2026-11-18)'", "the metastore's LIKE does not take groups ( ), as in '(2026-11-18)'" + knows);
        assertRefused("dt like '2026(?i)-11.*'", "the metastore's LIKE does not take (?i) other than at the start, as in '2026(?i)-11.*'" + knows);
        assertRefused("dt like '2026-11-1*'", "the metastore's LIKE does not take * other than after . (.*), as in '2026-11-1*'" + knows);
        assertRefused("dt like '^2026.*$'", "the metastore's LIKE does not take anchors ^ $ (a pattern always matches the whole value), as in '^2026.*$'" + knows);
        assertRefused("dt like '2026\\..*'", "the metastore's LIKE does not take backslashes \\, as in '2026\\..*'" + knows);
        assertRefused("dt LIKE \"2026-11-[12].*\"", "the metastore's LIKE does not take character classes [ ], as in \"2026-11-[12].*\"" + knows);

        // what it does evaluate, and a comparison's value, which is no pattern
        assertEquals(List.of("dt=2026-11-18/hr=1", "dt=2026-11-19/hr=2"), matching("dt like '(?i)2026-11-1.*'"));
        assertEquals(List.of("dt=2026-11-20/hr=10"), matching("dt like '2026.11.2.'"));
        assertEquals(List.of(), matching("dt = '[x]' or dt like 'x%'"));
        assertEquals(Optional.empty(), PartitionFilterHints.unsupportedLike("dt like '2026-11-1%' and dt >= '(a|b)'"));
    }

    @Test
    void likeWithAConditionOnAKeyOfAnotherTypeSaysTheMetastoreCannotCombineThem() {
        assertEquals(List.of("dt=2026-11-20/hr=10"), matching("dt like '2026-11-2.*'"), "LIKE alone works");
        assertRefused("dt like '2026-11-2.*' and hr = 10", "the metastore cannot combine LIKE with a condition on a key of another type than string, "
                + "and the filter has LIKE on dt and a condition on hr (int): write the LIKE as a range, as in dt >= '2026-11-2' and dt < '2026-11-3' and hr = 10, "
                + "or load the partitions of each condition separately");
        assertEquals(List.of("dt=2026-11-20/hr=10"), matching("dt >= '2026-11-2' and dt < '2026-11-3' and hr = 10"));

        assertRefused("dt like '2026-11-1.*' or hr > 2", "the metastore cannot combine LIKE with a condition on a key of another type than string, "
                + "and the filter has LIKE on dt and a condition on hr (int): write the LIKE as a range, as in (dt >= '2026-11-1' and dt < '2026-11-2') or hr > 2, "
                + "or load the partitions of each condition separately");
        assertEquals(List.of("dt=5/hr=3", "dt=2026-11-18/hr=1", "dt=2026-11-19/hr=2", "dt=2026-11-20/hr=10"), matching("(dt >= '2026-11-1' and dt < '2026-11-2') or hr > 2"));

        // a pattern that is no plain prefix: no example to give
        assertRefused("dt like '(?i)2026.*' and hr = 10", "the metastore cannot combine LIKE with a condition on a key of another type than string, "
                + "and the filter has LIKE on dt and a condition on hr (int): write the LIKE as a range on dt (dt >= 'A' and dt < 'B'), "
                + "or load the partitions of each condition separately");

        assertRefused("hr like '1.*'", "the partition key hr is of type int, and the metastore evaluates LIKE only on keys of type string: "
                + "compare it with numbers, as in hr >= 10 and hr < 20");
        assertEquals(List.of("dt=2026-11-20/hr=10"), matching("hr >= 10 and hr < 20"));
    }

    private static void assertRefused(String filter, String problem) {
        assertRefused(events, filter, problem);
    }

    private static void assertRefused(TableInfo table, String filter, String problem) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> catalog.listPartitionsByFilter(table, filter));
        assertEquals("Invalid filter \"%s\" for %s (partition keys: %s): %s".formatted(filter, table.name(), String.join(", ", table.partitionKeys()), problem),
                e.getMessage());
    }

    private static List<String> matching(String filter) {
        return matching(events, filter);
    }

    private static List<String> matching(TableInfo table, String filter) {
        return catalog.listPartitionsByFilter(table, filter).stream().map(partition -> partition.spec().toString()).toList();
    }
}
