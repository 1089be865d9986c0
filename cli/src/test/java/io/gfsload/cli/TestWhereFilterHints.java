package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --where} filters that the metastore's grammar takes otherwise than SQL, and {@code --partition}
 * values given with blanks around them: the message says
 * how to write them, the exit code is that of bad input (2) or of no partition (5), and nothing is
 * loaded. The embedded metastore and cluster, with the demo table.
 */
class TestWhereFilterHints {
    @TempDir
    static Path home;

    @Test
    void eachFilterSaysHowToWriteItAndLoadsNothing() throws IOException {
        CliRun in = gfsload("--table", "demo.events", "--where", "dt IN ('2026-11-18','2026-11-20')");
        assertEquals(2, in.exitCode(), in.err());
        assertEquals("gfsload: Invalid filter \"dt IN ('2026-11-18','2026-11-20')\" for demo.events (partition keys: dt): the metastore cannot parse it: "
                + "it takes IN only after a column in parentheses, as in (dt) IN ('2026-11-18','2026-11-20')", in.err().strip());
        assertEquals("", in.out());

        CliRun number = gfsload("--table", "demo.events", "--where", "dt = 5");
        assertEquals(2, number.exitCode(), number.err());
        assertEquals("gfsload: Invalid filter \"dt = 5\" for demo.events (partition keys: dt): the partition key dt is a string, "
                + "and the filter compares it with a number: quote the value, as in dt = '5'", number.err().strip());
        assertEquals("", number.out());

        CliRun like = gfsload("--table", "demo.events", "--where", "dt like '2026-11-1%'");
        assertEquals(5, like.exitCode(), like.err());
        assertEquals("gfsload: No partition of demo.events matches: where dt like '2026-11-1%'; the metastore's LIKE matches the whole value "
                + "with . for any one character and .* for any characters, not SQL's _ and %: try dt like '2026-11-1.*'", like.err().strip());
        assertEquals("", like.out());

        // a regular expression the metastore would take character by character: refused, not "not landed yet"
        CliRun regex = gfsload("--table", "demo.events", "--where", "dt like '2026-11-[12].*'");
        assertEquals(2, regex.exitCode(), regex.err());
        assertEquals("gfsload: Invalid filter \"dt like '2026-11-[12].*'\" for demo.events (partition keys: dt): the metastore's LIKE does not take "
                + "character classes [ ], as in '2026-11-[12].*': it knows only . (any one character), .* (any characters) and a leading (?i) "
                + "(ignore case) of Java's regular expressions, and takes every other character as itself, so that the filter would match nothing; "
                + "for alternatives, write them with or, or as (key) in ('A', 'B')", regex.err().strip());
        assertEquals("", regex.out());

        CliRun status = gfsload("status", "--table", "demo.events", "--json");
        assertEquals(0, status.exitCode(), status.err());
        assertEquals(0.0, json(status.out()).get("totals").get("cachedPercent").asDouble(), "nothing loaded: " + status.out());

        // the examples the messages give are filters the metastore takes
        CliRun inParentheses = gfsload("plan", "--table", "demo.events", "--where", "(dt) IN ('2026-11-18','2026-11-20')", "--json");
        assertEquals(0, inParentheses.exitCode(), inParentheses.err());
        assertEquals(2, json(inParentheses.out()).get("partitions").size());
        CliRun regularExpression = gfsload("plan", "--table", "demo.events", "--where", "dt like '2026-11-1.*'", "--json");
        assertEquals(0, regularExpression.exitCode(), regularExpression.err());
        assertEquals(2, json(regularExpression.out()).get("partitions").size(), "dt=2026-11-18 and dt=2026-11-19");
    }

    @Test
    void aPartitionNotFoundThatWasGivenWithBlanksAroundItsValueSaysHowToWriteABlank() {
        CliRun blanks = gfsload("plan", "--table", "demo.events", "--partition", "dt= 2026-11-30 ");
        assertEquals(5, blanks.exitCode(), blanks.err());
        assertEquals("gfsload: Partition not found: demo.events dt=2026-11-30; the blanks around a value in --partition 'dt= 2026-11-30 ' "
                + "are not part of it: a value that starts or ends with a blank is written with %20 for each, as in dt=%202026-11-30%20", blanks.err().strip());

        CliRun plain = gfsload("plan", "--table", "demo.events", "--partition", "dt=2026-11-30");
        assertEquals(5, plain.exitCode(), plain.err());
        assertEquals("gfsload: Partition not found: demo.events dt=2026-11-30", plain.err().strip());

        // blanks around '=' are the spec's: such a partition that exists is found
        CliRun found = gfsload("plan", "--table", "demo.events", "--partition", "dt = 2026-11-20");
        assertEquals(0, found.exitCode(), found.err());
    }

    private static CliRun gfsload(String... args) {
        return CliRun.gfsload(home, args);
    }

    private static JsonNode json(String text) throws IOException {
        return new ObjectMapper().readTree(text);
    }
}
