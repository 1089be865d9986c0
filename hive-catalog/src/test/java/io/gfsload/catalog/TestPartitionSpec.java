package io.gfsload.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TestPartitionSpec {
    @Test
    void parsesSingleAndMultiKeySpecs() {
        assertEquals(new PartitionSpec(List.of("dt"), List.of("2026-11-20")), PartitionSpec.parse("dt=2026-11-20"));
        assertEquals(new PartitionSpec(List.of("dt", "hr"), List.of("2026-11-20", "03")), PartitionSpec.parse("DT=2026-11-20/hr=03"));
    }

    @Test
    void unescapesAndEscapesValuesLikeHive() {
        PartitionSpec spec = PartitionSpec.parse("city=New%20York%2FNY");
        assertEquals(List.of("New York/NY"), spec.values());
        assertEquals("city=New York%2FNY", spec.toPathName());
        assertEquals(spec, PartitionSpec.parse(spec.toPathName()));
        // Hive leaves characters outside ASCII as they are in a partition's name, and so must a name the metastore is asked for
        assertEquals("city=北京/k=Zürich%3D1", new PartitionSpec(List.of("city", "k"), List.of("北京", "Zürich=1")).toPathName());
        assertEquals(List.of("北京"), PartitionSpec.parse("city=%E5%8C%97%E4%BA%AC").values());
        assertEquals("a%7F%01b", new PartitionSpec(List.of("k"), List.of("a\u007f\u0001b")).toPathName().substring(2));
        // a letter outside Unicode's basic plane (two chars in Java) beside an escape stays itself
        PartitionSpec emoji = new PartitionSpec(List.of("tag"), List.of("\uD83D\uDE00/launch"));
        assertEquals("tag=\uD83D\uDE00%2Flaunch", emoji.toPathName());
        assertEquals(emoji, PartitionSpec.parse(emoji.toPathName()));
        assertEquals(emoji, PartitionSpec.parseName(emoji.toPathName()));
    }

    @Test
    void rejectsMalformedSpecsSayingWhatASpecLooksLike() {
        for (String bad : List.of("dt", "", "=x", "dt=", "dt=1/dt=2", "dt=%zz")) {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> PartitionSpec.parse(bad));
            assertTrue(e.getMessage().startsWith("Invalid partition spec '" + bad + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("expected key=value[/key2=value2...]"), e.getMessage());
        }
    }

    @Test
    void aSlashWithNothingBesideItSaysSoAndGivesTheSpecWithoutIt() {
        // a directory's name as a shell completes it, dt=2026-11-20/, is no partition's name
        assertEquals("Invalid partition spec 'dt=2026-11-20/': it has an empty part (a '/' at its start or end, or '//'): "
                        + "write dt=2026-11-20; expected key=value[/key2=value2...], e.g. dt=2026-11-20 or dt=2026-11-20/hr=3",
                assertThrows(InvalidInputException.class, () -> PartitionSpec.parse("dt=2026-11-20/")).getMessage());
        for (String bad : List.of("/dt=2026-11-20/hr=3", "dt=2026-11-20//hr=3", " dt=2026-11-20 / hr=3 / ")) {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> PartitionSpec.parse(bad));
            assertTrue(e.getMessage().startsWith("Invalid partition spec '" + bad + "': it has an empty part"), e.getMessage());
            assertTrue(e.getMessage().contains(": write dt=2026-11-20/hr=3;"), e.getMessage());
        }
    }

    @Test
    void blanksAroundTheEqualsSignAreTheSpecsAndQuotesAreNotAValues() {
        assertEquals(PartitionSpec.parse("dt=2026-11-20/hr=03"), PartitionSpec.parse(" dt = 2026-11-20 / hr = 03 "));
        assertEquals(List.of("New York"), PartitionSpec.parse("city=New York").values());
        for (String quoted : List.of("dt='2026-11-20'", "dt=\"2026-11-20\"")) {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> PartitionSpec.parse(quoted));
            assertTrue(e.getMessage().contains("are not part of the value: write dt=2026-11-20"), e.getMessage());
        }
        // the metastore's names are taken as they are
        assertEquals(List.of("'2026-11-20'", " a "), PartitionSpec.parseName("dt='2026-11-20'/k= a ").values());
    }

    @Test
    void parsesTableNames() {
        assertEquals(new TableName("demo", "events"), TableName.parse("Demo.Events"));
        for (String bad : List.of("events", ".t", "db.", "a.b.c", "db.t-x")) {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> TableName.parse(bad));
            assertTrue(e.getMessage().contains("expected database.table"), e.getMessage());
        }
    }

    @Test
    void partitionsOrderByTheirKeysTypes() {
        List<PartitionSpec> specs = java.util.stream.Stream.of("dt=2026-11-20/hr=10", "dt=2026-11-20/hr=2", "dt=2026-11-19/hr=11",
                "dt=2026-11-20/hr=__HIVE_DEFAULT_PARTITION__", "dt=2026-11-20/hr=-1", "dt=2026-11-20").map(PartitionSpec::parse).toList();
        List<String> typed = specs.stream().sorted(PartitionSpec.byValues(List.of("string", "int"))).map(PartitionSpec::toPathName).toList();
        assertEquals(List.of("dt=2026-11-19/hr=11", "dt=2026-11-20", "dt=2026-11-20/hr=-1", "dt=2026-11-20/hr=2", "dt=2026-11-20/hr=10",
                "dt=2026-11-20/hr=__HIVE_DEFAULT_PARTITION__"), typed);
        List<String> asText = specs.stream().sorted(PartitionSpec.byValues(List.of("string", "string"))).map(PartitionSpec::toPathName).toList();
        assertEquals(typed, asText, "a string key's whole numbers compare as numbers");
        // whole numbers with leading zeros or not, a minus or not, before the other values, which compare as text
        assertEquals(List.of("v=-10", "v=-09", "v=-1", "v=0", "v=00", "v=007", "v=09", "v=9", "v=10", "v=0100", "v=99999999999999999999999",
                        "v=+5", "v=-", "v=1.10", "v=1.9", "v=10a", "v=1a", "v=2026-11-20", "v=9a", "v=late"),
                java.util.stream.Stream.of("v=1a", "v=10", "v=9", "v=late", "v=09", "v=007", "v=0100", "v=-1", "v=-10", "v=-09", "v=00", "v=0",
                        "v=2026-11-20", "v=9a", "v=10a", "v=1.9", "v=1.10", "v=+5", "v=-", "v=99999999999999999999999")
                        .map(PartitionSpec::parse).sorted(PartitionSpec.byValues(List.of("string"))).map(PartitionSpec::toPathName).toList());
        // a date key's values are no whole numbers: they compare as text, which orders yyyy-MM-dd
        assertEquals(List.of("d=2026-09-30", "d=2026-10-01"), java.util.stream.Stream.of("d=2026-10-01", "d=2026-09-30").map(PartitionSpec::parse)
                .sorted(PartitionSpec.byValues(List.of("date"))).map(PartitionSpec::toPathName).toList());
        assertEquals(List.of("p=0.5", "p=2.25", "p=10"), java.util.stream.Stream.of("p=10", "p=2.25", "p=0.5").map(PartitionSpec::parse)
                .sorted(PartitionSpec.byValues(List.of("decimal(10,2)"))).map(PartitionSpec::toPathName).toList());
    }
}
