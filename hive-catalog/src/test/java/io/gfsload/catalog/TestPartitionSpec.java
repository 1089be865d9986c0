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
    void parsesTableNames() {
        assertEquals(new TableName("demo", "events"), TableName.parse("Demo.Events"));
        for (String bad : List.of("events", ".t", "db.", "a.b.c", "db.t-x")) {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> TableName.parse(bad));
            assertTrue(e.getMessage().contains("expected database.table"), e.getMessage());
        }
    }
}
