package io.gfsload.cli;

import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableName;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PartitionSelection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** A table and which of its partitions: by spec or by metastore filter, and of those (or of every partition) the latest N. */
public final class TableSelectionOptions {
    @Option(names = "--table", paramLabel = "DB.TABLE", description = "Hive table, e.g. demo.events.")
    String table;

    @Option(names = "--partition", paramLabel = "K=V[/K2=V2]",
            description = "A partition, e.g. dt=2026-11-20 or dt=2026-11-20/hr=3 (an integer key without leading zeros, a date key as yyyy-MM-dd); "
                    + "leading keys only (dt=2026-11-20) select every partition under them; "
                    + "blanks around a value are not part of it (a blank at its start or end is written %%20). Repeatable. Default: every partition.")
    List<String> partitions = new ArrayList<>();

    @Option(names = "--where", paramLabel = "FILTER",
            description = "Partitions matching a metastore filter, e.g. \"dt >= '2026-11-01' and dt < '2026-11-08'\". The metastore's grammar: "
                    + "comparisons, and/or, between, (dt) in ('A', 'B') with the column in parentheses, dt like 'PATTERN' matching the whole value "
                    + "with only . (any character), .* and a leading (?i) of regular expressions (2026-11-1.*), not SQL's %% and _; "
                    + "other regular-expression syntax is refused. Numeric and date keys compare as numbers and dates (hr >= 3, whole numbers only), "
                    + "which gfsload filters on the partition names where the metastore cannot.")
    String where;

    @Option(names = "--latest", paramLabel = "N", description = "The N partitions with the greatest values, of the table or of those --partition or --where selects "
            + "(--partition region=us --latest 7: the 7 latest of region us); each key compared as its type says, numbers (a string key's whole numbers too) "
            + "as numbers, other strings and dates as text; never Hive's default partition (of the rows whose key is null: __HIVE_DEFAULT_PARTITION__, "
            + "or the name hive.exec.default.partition.name sets, in $HIVE_CONF_DIR/hive-site.xml, else the metastore's), unless a --partition names it "
            + "(--partition dt=__HIVE_DEFAULT_PARTITION__ --latest 1), and then before every partition with values.")
    Integer latest;

    /**
     * The table these options select, or {@code paths}: exactly one of the two, for commands that
     * take either ({@code purpose} completes "select what to ..."); the paths are listed with
     * {@code hadoopSettings} over the site files' (see {@link UfsPaths}).
     */
    LoadTarget toTarget(CommandSpec spec, List<String> paths, String purpose, Map<String, String> hadoopSettings) {
        boolean tableOptions = table != null || !partitions.isEmpty() || where != null || latest != null;
        if (!paths.isEmpty()) {
            if (tableOptions) {
                throw new ParameterException(spec.commandLine(),
                        "--path and --table (with --partition, --where, --latest) select what to %s in different ways: use only one of them".formatted(purpose));
            }
            return UfsPaths.of(paths, hadoopSettings);
        }
        if (table == null) {
            throw new MissingParameterException(spec.commandLine(), options(spec, "--table", "--path"),
                    "Missing required option: '--table=DB.TABLE' or '--path=PATH'");
        }
        return toTarget(spec);
    }

    /** The target these options select; usage errors become {@link ParameterException}s of {@code spec}. */
    LoadTarget.Table toTarget(CommandSpec spec) {
        if (table == null) {
            throw new MissingParameterException(spec.commandLine(), options(spec, "--table"), "Missing required option: '--table=DB.TABLE'");
        }
        if (!partitions.isEmpty() && where != null) {
            throw new ParameterException(spec.commandLine(),
                    "--partition and --where select partitions in different ways: use only one of them (either with --latest N, for the latest N of what it selects)");
        }
        PartitionSelection selection;
        if (where != null) {
            selection = new PartitionSelection.Filter(where);
        }
        else if (!partitions.isEmpty()) {
            selection = new PartitionSelection.Specs(partitions.stream().map(PartitionSpec::parse).toList());
        }
        else {
            selection = new PartitionSelection.All();
        }
        if (latest != null) {
            selection = new PartitionSelection.Latest(latest, selection);
        }
        return new LoadTarget.Table(TableName.parse(table), selection);
    }

    /** The table selection options of {@code command}, if it has them. */
    static Optional<TableSelectionOptions> of(CommandSpec command) {
        return command.mixins().values().stream().map(CommandSpec::userObject)
                .filter(TableSelectionOptions.class::isInstance).map(TableSelectionOptions.class::cast).findFirst();
    }

    /**
     * For a {@code --partition} not found whose value had blanks around it ({@code p= lead}): the
     * spec's syntax leaves them out ({@code dt = 2026-11-20}), so a value that starts or ends with
     * a blank is to be written with {@code %20}; the hint gives the spec so written.
     */
    Optional<String> blanksAroundValueHint() {
        for (String spec : partitions) {
            for (String part : spec.split("/", -1)) {
                int eq = part.indexOf('=');
                String value = eq < 0 ? "" : part.substring(eq + 1);
                String stripped = value.strip();
                if (!stripped.isEmpty() && !stripped.equals(value)) {
                    int start = value.indexOf(stripped);
                    String escaped = blanksEscaped(value.substring(0, start)) + stripped + blanksEscaped(value.substring(start + stripped.length()));
                    return Optional.of("the blanks around a value in --partition '%s' are not part of it: a value that starts or ends with a blank "
                            .formatted(spec) + "is written with %%20 for each, as in %s=%s".formatted(part.substring(0, eq).strip(), escaped));
                }
            }
        }
        return Optional.empty();
    }

    private static String blanksEscaped(String blanks) {
        StringBuilder escaped = new StringBuilder();
        blanks.codePoints().forEach(c -> escaped.append(c < 0x80 ? "%%%02X".formatted(c) : Character.toString(c)));
        return escaped.toString();
    }

    /** The options of {@code spec} of these names. */
    private static List<ArgSpec> options(CommandSpec spec, String... names) {
        List<ArgSpec> options = new ArrayList<>();
        for (String name : names) {
            if (spec.findOption(name) != null) {
                options.add(spec.findOption(name));
            }
        }
        return options;
    }
}
