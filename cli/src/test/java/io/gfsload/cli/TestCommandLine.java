package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.FileErrors;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.executor.JournalException;
import io.gfsload.planner.InvalidRequestException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.TypeConversionException;

/** Parsing, help and bad input: nothing here starts a cluster or a metastore. */
class TestCommandLine {
    @TempDir
    Path home;

    private CliRun gfsload(String... args) {
        return CliRun.gfsload(home, args);
    }

    /**
     * picocli formats every description (%n, %s), and one that does not format is printed raw with
     * a warning on stderr: every command's help must format cleanly.
     */
    @Test
    void everyCommandsHelpFormats() {
        PrintStream stderr = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        List<String> helps = new ArrayList<>();
        try {
            System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
            collectHelp(GfsLoad.createCommandLine(new CliEnvironment(home)), helps);
        }
        finally {
            System.setErr(stderr);
        }
        assertTrue(helps.size() > 10, "every command and subcommand: " + helps.size());
        String printed = warnings.toString(StandardCharsets.UTF_8);
        assertFalse(printed.contains("picocli WARN"), printed);
        for (String help : helps) {
            assertFalse(help.contains("%n"), help);
        }
        String where = CliRun.gfsload(home, "--help").out().replaceAll("\\s+", " ");
        assertTrue(where.contains("not SQL's % and _; other regular-expression syntax is refused."), where);
    }

    private static void collectHelp(CommandLine command, List<String> helps) {
        helps.add(command.getUsageMessage());
        command.getSubcommands().values().stream().distinct().forEach(sub -> collectHelp(sub, helps));
    }

    @Test
    void helpShowsTheContract() {
        CliRun run = gfsload("--help");
        assertEquals(0, run.exitCode());
        for (String flag : List.of("--table=DB.TABLE", "--partition=K=V[/K2=V2]", "--replication=N", "--json", "--master=HOST:PORT",
                "--metastore=thrift://HOST:PORT", "distributedLoad", "Exit codes:")) {
            assertTrue(run.out().contains(flag), flag + " in\n" + run.out());
        }
        for (String flag : List.of("--where=FILTER", "--latest=N", "--dry-run", "--ignore-capacity", "plan")) {
            assertTrue(run.out().contains(flag), flag + " in\n" + run.out());
        }
        for (String flag : List.of("--active-jobs=N", "--bandwidth=RATE", "--window=HH:MM-HH:MM", "--window-zone=ZONE", "--report=FILE", "--progress=MODE",
                "--restart", "--verify", "status", "tune", "-A, --atomic", "--atomic-scope=SCOPE", "--expire-time=TIME", "cluster", "metastore")) {
            assertTrue(run.out().contains(flag), flag + " in\n" + run.out());
        }
        // the environment variable that bounds the calls to the master, as docs/usage.md has it
        assertTrue(run.out().replaceAll("\\s+", " ").contains("Each call to it has a deadline of $GFSLOAD_MASTER_TIMEOUT (default 30s: a whole number and "
                + "s or min); a master that answers no call of a load for twice that time ends the load."), run.out());
        List<String> exitCodes = exitCodeLines(run.out());
        for (String code : List.of("  5 +table, partition or path not found( .*)?", "  6 +not enough cache capacity for the plan",
                "  130, 143 +interrupted \\(SIGINT, SIGTERM\\) during a load: .*")) {
            assertTrue(exitCodes.stream().anyMatch(line -> line.matches(code)), code + " in\n" + run.out());
        }
        // an entry that wraps goes on under its own text, not at the left margin
        assertTrue(exitCodes.size() > 7, "entry 3's text wraps at 80 columns:\n" + run.out());
        for (String line : exitCodes) {
            assertTrue(line.startsWith("  "), "indented: '" + line + "' in\n" + run.out());
        }
        CliRun sub = gfsload("distributedLoad", "--help");
        assertEquals(0, sub.exitCode());
        assertTrue(sub.out().startsWith("Usage: gfsload distributedLoad [-AhV] [--dry-run] [--ignore-capacity] [--json]"), sub.out());
        for (String flag : List.of("[--replication=N]", "[--master=HOST:PORT]", "[--active-jobs=N]", "[--expire-time=TIME]", "[--bandwidth=RATE]",
                "--window=HH:MM-HH:MM", "[--window-zone=ZONE]", "PATH...")) {
            assertTrue(sub.out().contains(flag), flag + " in\n" + sub.out());
        }
        assertFalse(sub.out().contains("--metastore"), "distributedLoad reads no metastore");
        CliRun plan = gfsload("plan", "--help");
        assertEquals(0, plan.exitCode());
        for (String flag : List.of("--table=DB.TABLE", "--path=PATH", "--replication=N", "--json", "--bandwidth=RATE", "--active-jobs=N", "--ignore-capacity",
                "--report=FILE", "--ufs-stream-bandwidth=RATE", "--probe", "--master=HOST:PORT", "--metastore=thrift://HOST:PORT")) {
            assertTrue(plan.out().contains(flag), flag + " in\n" + plan.out());
        }
        for (String loadOnly : List.of("--window", "--atomic", "--verify", "--restart", "--progress")) {
            assertFalse(plan.out().contains(loadOnly), "plan loads nothing: " + loadOnly + " in\n" + plan.out());
        }
    }

    @Test
    void theUsageErrorsOfASparkJobNameTheJobsHelp() {
        CliEnvironment sparkJob = new CliEnvironment(home).withSlices(new InProcessSlices());
        CliRun noPath = CliRun.gfsload(sparkJob, "distributedLoad", "--master", "127.0.0.1:1");
        assertEquals(ExitCode.USAGE, noPath.exitCode(), noPath.err());
        assertEquals(List.of("gfsload: Missing required parameter: 'PATH'",
                "Try 'spark-submit --class io.gfsload.spark.GfsLoadSparkJob JAR distributedLoad --help' for its options."), noPath.err().lines().toList());
        CliRun unknown = CliRun.gfsload(sparkJob, "--bogus");
        assertEquals(List.of("gfsload: Unknown option: '--bogus'",
                "Try 'spark-submit --class io.gfsload.spark.GfsLoadSparkJob JAR --help' for the options and commands."), unknown.err().lines().toList());
    }

    @Test
    void aSparkJobHasNoCommandsThatStartTheCacheClusterOrTheMetastore() {
        CliEnvironment sparkJob = new CliEnvironment(home).withSlices(new InProcessSlices());
        String help = CliRun.gfsload(sparkJob, "--help").out();
        List<String> commands = help.lines().dropWhile(line -> !line.equals("Commands:")).skip(1).takeWhile(line -> line.startsWith("  "))
                .filter(line -> line.matches("  \\S.*")).map(line -> line.strip().split("\\s+")[0]).toList();
        assertEquals(List.of("distributedLoad", "plan", "tune", "status", "free"), commands, help);
        for (String group : List.of("cluster", "metastore")) {
            CliRun run = CliRun.gfsload(sparkJob, group, "start", "--data-dir", home.resolve(group).toString());
            assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
            // the refusal and where the job's forms are, without picocli's nearest commands (status, free), which it is not a misspelling of
            assertEquals(List.of("gfsload: '%s' is a command of the gfsload command line, not of its Spark job: run 'gfsload %s start' on a machine of its own"
                    .formatted(group, group), "Try 'spark-submit --class io.gfsload.spark.GfsLoadSparkJob JAR --help' for the options and commands."),
                    run.err().lines().toList(), run.err());
            assertFalse(Files.exists(home.resolve(group)), "nothing started: " + run.err());
        }
        assertTrue(gfsload("--help").out().contains("\n  cluster "), "the command line keeps them");
    }

    @Test
    void theHelpOfASparkJobGivesTheDefaultsTheJobHasNotTheEmbeddedOnes() {
        // loads in slices, as a Spark job's executors run them: no embedded cluster or metastore to fall back on
        CliEnvironment sparkJob = new CliEnvironment(home).withSlices(new InProcessSlices());
        for (List<String> args : List.of(List.of("--help"), List.of("plan", "--help"), List.of("distributedLoad", "--help"))) {
            CliRun run = CliRun.gfsload(sparkJob, args.toArray(String[]::new));
            assertEquals(0, run.exitCode(), run.err());
            String help = run.out().replaceAll("\\s+", " ");
            assertTrue(help.contains("--master=HOST:PORT Cache master to connect to. Required: the cache cluster the driver and the executors reach."),
                    args + ":\n" + run.out());
            assertFalse(help.contains("embedded cluster") || help.contains("embedded metastore"), args + ":\n" + run.out());
            if (!args.contains("distributedLoad")) {
                assertTrue(help.contains("Default: hive.metastore.uris of $HIVE_CONF_DIR/hive-site.xml (every one, in order); "
                        + "a table load needs one or the other."), args + ":\n" + run.out());
            }
        }
        String main = CliRun.gfsload(sparkJob, "--help").out().replaceAll("\\s+", " ");
        assertTrue(main.contains("A Spark job runs no embedded cache cluster or metastore: give it --master, and for a table --metastore "
                + "(or HIVE_CONF_DIR with a hive-site.xml that names it)."), main);
        assertFalse(main.contains("Without --master and --metastore, gfsload runs an embedded cache cluster"), main);
        // its footer as written, line by line: none so long that the help wraps it
        List<String> footer = Arrays.stream(new SparkJobHelp().getContents()).filter(entry -> entry[0].toString().startsWith("gfsload.usage.footer."))
                .map(entry -> entry[1].toString()).toList();
        List<String> lines = CliRun.gfsload(sparkJob, "--help").out().lines().toList();
        assertEquals(footer, lines.subList(lines.size() - footer.size(), lines.size()));

        // the command line keeps its defaults
        String commandLine = gfsload("--help").out().replaceAll("\\s+", " ");
        assertTrue(commandLine.contains("Default: an embedded cluster (one master, two workers) in $GFSLOAD_HOME."), commandLine);
        assertTrue(commandLine.contains("Without --master and --metastore, gfsload runs an embedded cache cluster"), commandLine);
        String distributedLoad = gfsload("distributedLoad", "--help").out();
        assertFalse(distributedLoad.contains("A Spark job"), distributedLoad);
    }

    @Test
    void theDryRunsHelpNamesEveryCodeItExitsWithAsPlansDoes() {
        String plan = gfsload("plan", "--help").out().replaceAll("\\s+", " ");
        assertTrue(plan.contains("5 when a table, partition or path is not found, 130 or 143 when SIGINT or SIGTERM comes before the plan prints."), plan);
        String main = gfsload("--help").out().replaceAll("\\s+", " ");
        assertTrue(main.contains("Exits as the load would: 2, 4 or 6 for a plan the cluster cannot take, 3 when a partition, or a directory below one, "
                + "cannot be listed, 5 when the table or a partition is not found, 130 or 143 when SIGINT or SIGTERM comes before the plan prints."), main);
        String distributedLoad = gfsload("distributedLoad", "--help").out().replaceAll("\\s+", " ");
        assertTrue(distributedLoad.contains("Exits as the load would: 2, 4 or 6 for a plan the cluster cannot take, 3 when a path, or a directory below "
                + "one, cannot be listed, 5 when a path is not found, 130 or 143 when SIGINT or SIGTERM comes before the plan prints."), distributedLoad);
    }

    /**
     * The README's usage of {@code tune} names every option the command takes, but those its
     * {@code [selection as above]}, {@code [--master ...]} and {@code [--metastore ...]} stand for.
     */
    @Test
    void theReadmesUsageOfTuneNamesEveryOptionItTakes() throws IOException {
        List<String> readme = Files.readAllLines(Path.of("..", "README.md"));
        int start = readme.indexOf(readme.stream().filter(line -> line.startsWith("gfsload tune ")).findFirst().orElseThrow());
        String usage = String.join(" ", readme.subList(start, readme.size()).stream()
                .takeWhile(line -> line == readme.get(start) || line.startsWith("               ")).toList());
        Set<String> named = Set.copyOf(List.of(usage.split("[\\s\\[\\]|]+")));
        CommandLine tune = GfsLoad.createCommandLine(new CliEnvironment(home)).getSubcommands().get("tune");
        Set<String> standFor = Set.of("--partition", "--where", "--latest", "--token-file", "--help", "--version");
        for (CommandLine.Model.OptionSpec option : tune.getCommandSpec().options()) {
            String name = option.longestName();
            if (!standFor.contains(name)) {
                assertTrue(named.contains(name), name + " in the README's usage of tune: " + usage);
            }
        }
    }

    /**
     * The README's usage of the load ({@code gfsload --table ...}), {@code distributedLoad},
     * {@code plan}, {@code status} and {@code free} names every option each takes, but those its
     * {@code [workload flags of tune]}, {@code [selection as above]} and {@code [--master ...]} stand for.
     */
    @Test
    void theReadmesUsageOfTheLoadsNamesEveryOptionTheyTake() throws IOException {
        CommandLine gfsload = GfsLoad.createCommandLine(new CliEnvironment(home));
        CommandLine tune = gfsload.getSubcommands().get("tune");
        Set<String> workloadFlags = tune.getCommandSpec().options().stream().map(CommandLine.Model.OptionSpec::longestName)
                .filter(name -> name.startsWith("--ufs-") || List.of("--cores", "--heap", "--workers", "--worker-memory", "--worker-mem-tier").contains(name))
                .collect(java.util.stream.Collectors.toSet());
        Set<String> standFor = new java.util.HashSet<>(workloadFlags);
        standFor.addAll(Set.of("--help", "--version"));
        assertNamesEveryOption(readmeUsage("gfsload --table ", "        "), gfsload, standFor);
        assertNamesEveryOption(readmeUsage("gfsload distributedLoad ", "        "), gfsload.getSubcommands().get("distributedLoad"), standFor);
        // [selection as above] and [--master ...] stand for more
        standFor.addAll(Set.of("--partition", "--where", "--latest", "--token-file"));
        for (String command : List.of("plan", "status", "free")) {
            assertNamesEveryOption(readmeUsage("gfsload " + command + " ", "               "), gfsload.getSubcommands().get(command), standFor);
        }
    }

    /** The README's usage that starts with {@code first}, with the lines after it that start with {@code indent}. */
    private static String readmeUsage(String first, String indent) throws IOException {
        List<String> readme = Files.readAllLines(Path.of("..", "README.md"));
        int start = readme.indexOf(readme.stream().filter(line -> line.startsWith(first)).findFirst().orElseThrow());
        return String.join(" ", readme.subList(start, readme.size()).stream()
                .takeWhile(line -> line == readme.get(start) || line.startsWith(indent)).toList());
    }

    private static void assertNamesEveryOption(String usage, CommandLine command, Set<String> standFor) {
        Set<String> named = Set.copyOf(List.of(usage.split("[\\s\\[\\]|]+")));
        for (CommandLine.Model.OptionSpec option : command.getCommandSpec().options()) {
            String name = option.longestName();
            if (!standFor.contains(name) && !option.hidden()) {
                assertTrue(Arrays.stream(option.names()).anyMatch(named::contains), name + " in the README's usage: " + usage);
            }
        }
    }

    /** The lines of the help's {@code Exit codes:} section, up to the blank line that ends it. */
    private static List<String> exitCodeLines(String help) {
        List<String> lines = help.lines().toList();
        int heading = lines.indexOf("Exit codes:");
        assertTrue(heading >= 0, "an exit code section in\n" + help);
        return lines.subList(heading + 1, lines.size()).stream().takeWhile(line -> !line.isBlank()).toList();
    }

    @Test
    void statusHelpSaysWhenItExitsFourAndWhenFive() {
        // a process that ended without stop (killed, crashed), or a record that cannot be used, is 4; none started, or stopped, is 5: as docs/usage.md says
        String metastore = gfsload("metastore", "status", "--help").out().replaceAll("\\s+", " ");
        assertTrue(metastore.contains("exits 4 when its process has ended (killed, crashed) or does not answer, or its record "
                + "metastore.json in the directory cannot be used, 5 when none was started in the directory or it was stopped."), metastore);
        String cluster = gfsload("cluster", "status", "--help").out().replaceAll("\\s+", " ");
        assertTrue(cluster.contains("exits 4 when the master is not running or does not answer (saying which worker processes run), "
                + "5 when no cluster was started in the directory or it was stopped."), cluster);
    }

    @Test
    void malformedPartitionSpecExitsTwoSayingWhatASpecLooksLike() {
        CliRun run = gfsload("--table", "demo.events", "--partition", "dt");
        assertEquals(2, run.exitCode());
        assertEquals("gfsload: Invalid partition spec 'dt': 'dt' has no '='; expected key=value[/key2=value2...], e.g. dt=2026-11-20 or dt=2026-11-20/hr=3",
                run.err().strip());
        assertEquals(List.of(), listHome(), "nothing started, nothing written");
    }

    @Test
    void badValuesExitTwo() {
        assertEquals(2, gfsload("--table", "events").exitCode());
        assertTrue(gfsload("--table", "events").err().contains("expected database.table"));
        CliRun notANumber = gfsload("--table", "demo.events", "--replication", "two");
        assertEquals(2, notANumber.exitCode());
        assertTrue(notANumber.err().contains("Invalid value for option '--replication': 'two' is not an int"), notANumber.err());
        CliRun noTable = gfsload();
        assertEquals(2, noTable.exitCode());
        assertEquals(List.of("gfsload: Missing required option: '--table=DB.TABLE'",
                "To load a table: gfsload --table DB.TABLE [--partition K=V]...; to load paths: gfsload distributedLoad PATH...",
                "Try 'gfsload --help' for the options and commands."), noTable.err().lines().toList());
        CliRun noPath = gfsload("distributedLoad");
        assertEquals(2, noPath.exitCode());
        assertEquals(List.of("gfsload: Missing required parameter: 'PATH'", "Try 'gfsload distributedLoad --help' for its options."),
                noPath.err().lines().toList());
        assertEquals(List.of(), listHome());
    }

    /**
     * An option the command lacks after {@code --path} (or another option that takes several values,
     * or a value) is an unknown option, not a path or value: {@code status --path D --active-jobs 2}
     * said the path {@code --active-jobs} was not found (exit 5), after reading the cluster.
     */
    @Test
    void anUnknownOptionAfterAnOptionsValuesIsNoValue() {
        CliRun status = gfsload("status", "--path", "/data/events", "--active-jobs", "2");
        assertEquals(2, status.exitCode(), status.err());
        List<String> lines = status.err().lines().toList();
        assertTrue(lines.get(0).startsWith("gfsload: Unknown option"), status.err());
        assertTrue(lines.get(0).contains("'--active-jobs'"), status.err());
        assertEquals("Try 'gfsload status --help' for its options.", lines.get(lines.size() - 1), status.err());
        CliRun free = gfsload("free", "--path", "--bogus");
        assertEquals(2, free.exitCode(), free.err());
        assertTrue(free.err().lines().findFirst().orElseThrow().startsWith("gfsload: "), free.err());
        assertFalse(free.err().contains("not found"), free.err());
        CliRun table = gfsload("--table", "--bogus");
        assertEquals(2, table.exitCode(), table.err());
        assertFalse(table.err().contains("not found"), table.err());
        assertEquals(List.of(), listHome());
        // the servers' --java-option takes java's options as its values
        for (String command : List.of("cluster", "metastore")) {
            CommandLine.ParseResult parsed = GfsLoad.createCommandLine(new CliEnvironment(home))
                    .parseArgs(command, "start", "--java-option", "-Xmx1g", "--java-option", "-Dslf4j.provider=x");
            assertEquals(List.of("-Xmx1g", "-Dslf4j.provider=x"),
                    parsed.subcommand().subcommand().matchedOptionValue("--java-option", List.of()), command);
        }
    }

    @Test
    void aCommandLineThatIsNoFormOfTheCommandSaysWhereTheFormsAre() {
        CliRun unknownOption = gfsload("--table", "demo.events", "--bogus");
        assertEquals(2, unknownOption.exitCode());
        assertEquals(List.of("gfsload: Unknown option: '--bogus'", "Try 'gfsload --help' for the options and commands."),
                unknownOption.err().lines().toList());
        // --path is an option of plan, status and free: a load of paths is distributedLoad
        CliRun pathLoad = gfsload("--path", "/data/events");
        assertEquals(2, pathLoad.exitCode());
        List<String> pathLines = pathLoad.err().lines().toList();
        assertTrue(pathLines.get(0).startsWith("gfsload: Unknown options: '--path'"), pathLoad.err());
        assertEquals(List.of("To load a table: gfsload --table DB.TABLE [--partition K=V]...; to load paths: gfsload distributedLoad PATH...",
                "Try 'gfsload --help' for the options and commands."), pathLines.subList(pathLines.size() - 2, pathLines.size()), pathLoad.err());
        CliRun unknownCommand = gfsload("--table", "demo.events", "nosuchcmd");
        assertEquals(2, unknownCommand.exitCode());
        List<String> lines = unknownCommand.err().lines().toList();
        assertEquals("gfsload: Unmatched argument at index 2: 'nosuchcmd'", lines.get(0), unknownCommand.err());
        assertEquals("Try 'gfsload --help' for the options and commands.", lines.get(lines.size() - 1), unknownCommand.err());
        CliRun misspelt = gfsload("distributedLoad", "--replicas", "2", "/data");
        assertEquals(2, misspelt.exitCode());
        lines = misspelt.err().lines().toList();
        assertTrue(lines.get(0).startsWith("gfsload: Unknown option"), misspelt.err());
        assertTrue(lines.get(1).startsWith("Possible solutions: --replication"), misspelt.err());
        assertEquals("Try 'gfsload distributedLoad --help' for its options.", lines.get(lines.size() - 1), misspelt.err());
        // an option without its value: the table is given, the ways to load one are not the hint
        CliRun noMaster = gfsload("--table", "demo.events", "--master", "--token-file", "token");
        assertEquals(2, noMaster.exitCode());
        assertEquals(List.of("gfsload: Expected parameter for option '--master' but found '--token-file'",
                "Try 'gfsload --help' for the options and commands."), noMaster.err().lines().toList());
        CliRun noValueWithoutTable = gfsload("--replication");
        assertEquals(2, noValueWithoutTable.exitCode());
        assertEquals("Try 'gfsload --help' for the options and commands.", String.join("\n", noValueWithoutTable.err().lines().skip(1).toList()),
                "the mistake is the missing value, not the missing table: " + noValueWithoutTable.err());
        CliRun noTarget = gfsload("plan");
        assertEquals(List.of("gfsload: Missing required option: '--table=DB.TABLE' or '--path=PATH'", "Try 'gfsload plan --help' for its options."),
                noTarget.err().lines().toList());

        // a bad value says what is expected: no more than its one line
        CliRun badValue = gfsload("--table", "demo.events", "--replication", "two");
        assertEquals(2, badValue.exitCode());
        assertEquals(List.of("gfsload: Invalid value for option '--replication': 'two' is not an int"), badValue.err().lines().toList());
        assertEquals(List.of(), listHome());
    }

    @Test
    void aCommandGroupWithoutItsSubcommandSaysWhichItHasAndWhereTheyAre() {
        // every group of the command line, so that one added later behaves as these
        List<CommandLine> groups = GfsLoad.createCommandLine(new CliEnvironment(home)).getSubcommands().values().stream()
                .filter(command -> !command.getSubcommands().isEmpty())
                .toList();
        assertEquals(List.of("cluster", "metastore"), groups.stream().map(CommandLine::getCommandName).sorted().toList());
        for (CommandLine group : groups) {
            String name = group.getCommandName();
            CliRun run = gfsload(name);
            assertEquals(2, run.exitCode(), run.err());
            assertEquals(List.of("gfsload: Missing required subcommand: " + choices(List.copyOf(group.getSubcommands().keySet())),
                    "Try 'gfsload " + name + " --help' for its commands."), run.err().lines().toList());
            assertEquals("", run.out());
        }
        CliRun cluster = gfsload("cluster");
        assertEquals(List.of("gfsload: Missing required subcommand: start, status or stop", "Try 'gfsload cluster --help' for its commands."),
                cluster.err().lines().toList());
        // as an unknown subcommand of the group is
        CliRun unknown = gfsload("metastore", "restart");
        assertEquals(2, unknown.exitCode(), unknown.err());
        List<String> lines = unknown.err().lines().toList();
        assertEquals("Try 'gfsload metastore --help' for its commands.", lines.get(lines.size() - 1), unknown.err());
        assertEquals(List.of(), listHome(), "nothing started, nothing written");
    }

    /** {@code start, status or stop}. */
    private static String choices(List<String> names) {
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
    }

    @Test
    void aHomeTheCommandCannotUseFailsEveryCommandWithExitFour() throws IOException {
        // a home under a regular file: no user, root included, can create it (as a read-only file system)
        Path unusable = Files.createFile(home.resolve("a-file")).resolve("home");
        CliEnvironment environment = new CliEnvironment(unusable);
        CliRun status = CliRun.gfsload(environment, "status", "--table", "demo.events");
        assertEquals(4, status.exitCode(), status.err());
        CliRun metastore = CliRun.gfsload(environment, "metastore", "start");
        assertEquals(4, metastore.exitCode(), metastore.err());
        assertTrue(metastore.err().startsWith("gfsload: Cannot create the directory " + unusable.resolve("metastore/logs") + " of the metastore: "),
                metastore.err());
        CliRun cluster = CliRun.gfsload(environment, "cluster", "start", "--workers", "1");
        assertEquals(4, cluster.exitCode(), cluster.err());
        assertTrue(cluster.err().startsWith("gfsload: Cannot create the directory " + unusable.resolve("cluster-processes") + " of the cache cluster: "),
                cluster.err());
        // a --data-dir it cannot create likewise
        CliRun dataDir = CliRun.gfsload(new CliEnvironment(home), "cluster", "start", "--data-dir", unusable.resolve("cluster").toString());
        assertEquals(4, dataDir.exitCode(), dataDir.err());
        assertEquals(List.of(home.resolve("a-file")), listHome(), "nothing started, nothing written");
    }

    @Test
    void partitionSelectionFormsDoNotMix() {
        CliRun both = gfsload("plan", "--table", "demo.events", "--partition", "dt=2026-11-20", "--where", "dt > '1'");
        assertEquals(2, both.exitCode());
        assertTrue(both.err().startsWith("gfsload: --partition and --where select partitions in different ways: use only one of them"), both.err());
        CliRun latest = gfsload("--table", "demo.events", "--latest", "0");
        assertEquals(2, latest.exitCode());
        assertEquals("gfsload: Invalid --latest 0: must be at least 1", latest.err().strip());
        assertEquals(List.of(), listHome());
    }

    @Test
    void aMasterThatCannotBeReachedIsSaidSoBeforeAnythingIsPlanned() throws IOException {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        CliRun run = gfsload("status", "--path", home.toString(), "--master", "127.0.0.1:" + port);
        assertEquals(ExitCode.FAILED, run.exitCode());
        assertEquals("gfsload: Cannot reach the cache master at 127.0.0.1:" + port + ": Connection refused", run.err().strip());
    }

    @Test
    void severalPathsFollowOnePathOption() throws IOException {
        Path a = Files.createDirectories(home.resolve("ufs/a"));
        Path b = Files.createDirectories(home.resolve("ufs/b"));
        Files.write(a.resolve("part-0"), new byte[10]);
        Files.write(b.resolve("part-0"), new byte[20]);
        CliRun run = gfsload("status", "--path", a.toString(), b.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains(a.toString()) && run.out().contains(b.toString()), run.out());
    }

    @Test
    void aPathThatIsNoPathIsBadInputNamedBeforeAnythingStarts() {
        // not a failure to retry (exit 4) with Hadoop's words for it: the path, and what is wrong with it
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("", "gfsload: Invalid path '': expected a UFS file or directory, e.g. /data/dir or cosn://bucket/dir");
        refused.put("a:b", "gfsload: Invalid path 'a:b': Relative path in absolute URI: a:b");
        refused.put("file://tmp/x", "gfsload: Invalid path 'file://tmp/x': a local file: path has no host, and 'tmp' is read as one: write file:///tmp/x");
        refused.put("file://localhost/tmp/x", "gfsload: Invalid path 'file://localhost/tmp/x': a local file: path has no host, and 'localhost' is read as one: "
                + "write file:///tmp/x");
        for (Map.Entry<String, String> path : refused.entrySet()) {
            for (List<String> args : List.of(List.of("status", "--path", path.getKey()), List.of("free", "--path", path.getKey()),
                    List.of("plan", "--path", "/tmp", path.getKey()), List.of("distributedLoad", path.getKey()))) {
                CliRun run = gfsload(args.toArray(String[]::new));
                assertEquals(ExitCode.USAGE, run.exitCode(), args + ": " + run.err());
                assertEquals(path.getValue(), run.err().strip(), args.toString());
            }
        }
        CliRun json = gfsload("free", "--path", "", "--json");
        assertEquals(ExitCode.USAGE, json.exitCode(), json.err());
        assertTrue(json.out().contains("\"exitCode\" : 2"), json.out());
        assertEquals(List.of(), listHome(), "nothing started, nothing written");
    }

    @Test
    void anHdfsPathWithoutTheNamenodesHostIsBadSetUpNamedBeforeAnythingStarts() {
        // fs.defaultFS is file:/// (no site file sets it): Hadoop would say "Incomplete HDFS URI, no host", as a failure to retry (exit 4)
        String message = "gfsload: Invalid path 'hdfs:///db/t': an HDFS path needs the namenode's host, and neither the path nor fs.defaultFS (file:///) "
                + "gives it: write hdfs://HOST:PORT/db/t, or set fs.defaultFS to hdfs://HOST:PORT in $HADOOP_CONF_DIR/core-site.xml";
        for (List<String> args : List.of(List.of("status", "--path", "hdfs:///db/t"), List.of("free", "--path", "hdfs:///db/t"),
                List.of("plan", "--path", "/tmp", "hdfs:///db/t"), List.of("tune", "--path", "hdfs:///db/t"), List.of("distributedLoad", "hdfs:///db/t"))) {
            CliRun run = gfsload(args.toArray(String[]::new));
            assertEquals(ExitCode.USAGE, run.exitCode(), args + ": " + run.err());
            assertEquals(message, run.err().strip(), args.toString());
        }
        assertEquals(List.of(), listHome(), "nothing started, nothing written");

        // a namenode that fs.defaultFS names is the host of a path of its scheme without one, and of a path without a scheme
        Map<String, String> namenode = Map.of("fs.defaultFS", "hdfs://namenode:8020");
        assertEquals(List.of("hdfs:///db/t", "/db/t"), UfsPaths.of(List.of("hdfs:///db/t", "/db/t"), namenode).paths());
        // but not of one of another scheme, nor makes a path without a scheme an HDFS one when fs.defaultFS has no host
        InvalidRequestException other = assertThrows(InvalidRequestException.class,
                () -> UfsPaths.of(List.of("webhdfs:///db/t"), namenode));
        assertTrue(other.getMessage().startsWith("Invalid path 'webhdfs:///db/t': an HDFS path needs the namenode's host"), other.getMessage());
        InvalidRequestException bare = assertThrows(InvalidRequestException.class, () -> UfsPaths.of(List.of("/db/t"), Map.of("fs.defaultFS", "hdfs:///")));
        assertTrue(bare.getMessage().contains("write hdfs://HOST:PORT/db/t"), bare.getMessage());
        assertEquals(List.of("hdfs://namenode/db/t"), UfsPaths.of(List.of("hdfs://namenode/db/t"), Map.of()).paths());
    }

    @Test
    void aMasterThatIsNotHostAndPortIsBadInput() {
        CliRun run = gfsload("status", "--path", home.toString(), "--master", "host:notaport");
        assertEquals(ExitCode.USAGE, run.exitCode());
        assertEquals("gfsload: Invalid --master 'host:notaport': expected HOST:PORT", run.err().strip());
    }

    @Test
    void aSchemeWithoutItsConnectorSaysWhereTheConnectorGoes() {
        // the installation's configuration, which a re-run cannot change: bad input, not a failure to retry
        CliRun run = gfsload("status", "--path", "nosuchscheme://bucket/db/t");
        assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("gfsload: ") && run.err().contains("No FileSystem for scheme \"nosuchscheme\""), run.err());
        assertTrue(run.err().strip().endsWith(GfsLoad.CONNECTOR_HINT.strip()), run.err());

        // Hadoop names a class for s3a, which is not on the classpath
        CliRun s3a = gfsload("distributedLoad", "s3a://bucket/db/t");
        assertEquals(ExitCode.USAGE, s3a.exitCode(), s3a.err());
        assertEquals("gfsload: Cannot list s3a://bucket/db/t: the connector class org.apache.hadoop.fs.s3a.S3AFileSystem is not on the classpath"
                + GfsLoad.CONNECTOR_HINT, s3a.err().strip());
    }

    @Test
    void aJavaThatRefusesGetSubjectIsBadSetUpNamingTheJavasThatRun() {
        // Hadoop 3.3's first file system call on Java 24 and later (a Spark job's driver: bin/gfsload refuses them first)
        UnsupportedOperationException refused = new UnsupportedOperationException("getSubject is not supported");
        assertEquals(ExitCode.USAGE, GfsLoad.exitCode(refused), "the Java the command runs on: a re-run cannot help");
        assertEquals(ExitCode.USAGE, GfsLoad.exitCode(new IllegalStateException("Cannot list file:/data/t", refused)));
        String message = GfsLoad.message(new IllegalStateException("Cannot list file:/data/t", refused));
        assertTrue(message.startsWith("Cannot list file:/data/t: Java " + GfsLoad.javaVersion() + " cannot run Hadoop 3.3 (getSubject is not supported)"), message);
        assertTrue(message.contains("Java 17 to 23") && !message.contains("+"), message);
        // any other unsupported operation is a failure as any other
        assertEquals(ExitCode.FAILED, GfsLoad.exitCode(new UnsupportedOperationException("not supported")));
    }

    @Test
    void aJournalTheUserCannotCreateSaysPermissionDeniedAndIsBadInput() {
        // as root (the tests' user in CI) no directory is denied: the exception as Files throws it
        Path journal = home.resolve("jobs/c0881a7415b72927");
        assertEquals("permission denied", FileErrors.reason(new AccessDeniedException(journal.toString()), journal));
        assertEquals("permission denied: " + home.resolve("jobs"), FileErrors.reason(new AccessDeniedException(home.resolve("jobs").toString()), journal));
        assertEquals(ExitCode.USAGE, GfsLoad.exitCode(new JournalException("Cannot create the journal", new AccessDeniedException(journal.toString()))));
        assertEquals(ExitCode.FAILED, GfsLoad.exitCode(new JournalException("Cannot create the journal",
                new FileSystemException(journal.toString(), null, "No space left on device"))), "a full disk may be freed: a retry may help");
    }

    @Test
    void theEnvironmentsHadoopSettingsAreThoseTheUfsIsListedWith() {
        // a Spark job's spark.hadoop.* settings: here, the class of a scheme
        CliEnvironment environment = new CliEnvironment(home).withHadoopSettings(java.util.Map.of("fs.nosuchscheme.impl", "org.example.NoSuchFileSystem"));
        CliRun run = CliRun.gfsload(environment, "distributedLoad", "--dry-run", "nosuchscheme://bucket/db/t");
        assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
        assertTrue(run.err().contains("the connector class org.example.NoSuchFileSystem is not on the classpath"), run.err());
        assertFalse(environment.toString().contains("org.example"), "settings may hold credentials: " + environment);
    }

    @Test
    void aMalformedSiteFileOnTheClasspathIsBadInputBeforeAnythingStarts(@TempDir Path conf) throws IOException {
        Files.writeString(conf.resolve("core-site.xml"), "<configuration><property><name>fs.defaultFS</name>\n");
        ClassLoader original = Thread.currentThread().getContextClassLoader();
        try (URLClassLoader withConf = new URLClassLoader(new URL[] {conf.toUri().toURL()}, original)) {
            Thread.currentThread().setContextClassLoader(withConf);
            for (List<String> args : List.of(List.of("plan", "--table", "demo.events"), List.of("distributedLoad", "/tmp"), List.of("status", "--path", "/tmp"))) {
                CliRun run = gfsload(args.toArray(String[]::new));
                assertEquals(ExitCode.USAGE, run.exitCode(), args + ": " + run.err());
                assertEquals("gfsload: " + conf.resolve("core-site.xml") + " is not a valid configuration file: "
                        + "Unexpected EOF; was expecting a close tag for element <property> (line 2)", run.err().strip(), args.toString());
            }
            assertEquals(0, gfsload("plan", "--help").exitCode(), "help needs no configuration");
        }
        finally {
            Thread.currentThread().setContextClassLoader(original);
        }
        assertEquals(List.of(), listHome(), "nothing started");
    }

    @Test
    void anEmbeddedClusterInUseSaysHowToRunCommandsSideBySide() {
        try (LocalCluster busy = LocalCluster.start(new LocalClusterConfig(home.resolve("cluster"), 1, 1L << 20))) {
            CliRun run = gfsload("distributedLoad", home.resolve("no-data").toString());
            assertEquals(ExitCode.FAILED, run.exitCode(), run.err());
            assertEquals("gfsload: The cache cluster in " + home.resolve("cluster") + " is in use by another LocalCluster in this process"
                    + Services.EMBEDDED_IN_USE_HINT, run.err().strip());
        }
    }

    @Test
    void aTokenFileThatCannotBeReadIsBadInput() {
        Path missing = home.resolve("no-token");
        CliRun run = gfsload("status", "--path", "/tmp", "--master", "127.0.0.1:1", "--token-file", missing.toString());
        assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
        assertEquals("gfsload: Cannot read --token-file " + missing + ": no such file or directory", run.err().strip());
    }

    @Test
    void aPropertiesFileWithoutTheTokenIsNotATokenFile() throws IOException {
        for (String content : List.of("fs.cosn.userinfo.secretKey=SUPERSECRET123\n", "# settings\nfs.cosn.userinfo.secretKey: SUPERSECRET123\n",
                "SECRET=SUPERSECRET1234567\n", "key = SUPERSECRET1234567\n", "SUPERSECRET1234567\nOTHERSECRET1234567\n",
                "gfsload.cache.master.port=19998\nSUPERSECRET1234567\n")) {
            Path settings = Files.writeString(home.resolve("settings.properties"), content);
            CliRun run = gfsload("status", "--path", "/tmp", "--master", "127.0.0.1:1", "--token-file", settings.toString());
            assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
            assertEquals("gfsload: Invalid --token-file " + settings + ": it is a properties file without gfsload.cache.security.token: "
                    + "put the token alone on one line of a file (comment lines beside it are fine), or set gfsload.cache.security.token in it to the token", run.err().strip());
        }
        // a token alone, a base64 one with its padding too, and the token's key among other settings
        ConnectionOptions options = new ConnectionOptions();
        for (String[] file : new String[][] {{"0123456789abcdef0123\n", "0123456789abcdef0123"}, {"c2VjcmV0LXRva2VuLTEyMzQ1Ng==\n", "c2VjcmV0LXRva2VuLTEyMzQ1Ng=="},
                {"c2VjcmV0LXRva2VuLTEyMzQ1=\n", "c2VjcmV0LXRva2VuLTEyMzQ1="},
                {"fs.cosn.userinfo.secretKey=SUPERSECRET123\ngfsload.cache.security.token = 0123456789abcdef0123\n", "0123456789abcdef0123"},
                // the characters a properties file escapes: as they are in a file of the token alone, escaped in a properties file
                {"s4:token=abcdef#123!xyz\\q\r\n", "s4:token=abcdef#123!xyz\\q"}, {"#tok:en=abcdef#123!xyz\n", "#tok:en=abcdef#123!xyz"},
                {"\n# the cluster's token\n  q8Zr+0Xw/LmN3aBcD9eF1gH2iJ4kL5mN6oP7qR8sTuBk=  \n\n", "q8Zr+0Xw/LmN3aBcD9eF1gH2iJ4kL5mN6oP7qR8sTuBk="},
                {"#comment\r\ngfsload.cache.security.token=s4\\:token\\=abcdef\\#123\\!xyz\\\\q\\u0041\r\n", "s4:token=abcdef#123!xyz\\qA"},
                {"gfsload.cache.security.token=q8Zr+0Xw/LmN3aBcD9eF1gH2iJ4kL5mN6oP7qR8sTuBk\\=\n", "q8Zr+0Xw/LmN3aBcD9eF1gH2iJ4kL5mN6oP7qR8sTuBk="},
                // with the byte order mark a Windows editor writes
                {"\uFEFF0123456789abcdef0123\r\n", "0123456789abcdef0123"}, {"\uFEFFgfsload.cache.security.token=0123456789abcdef0123\n", "0123456789abcdef0123"}}) {
            options.tokenFile = Files.writeString(home.resolve("token"), file[0]);
            assertEquals(java.util.Optional.of(file[1]), options.token(), file[0]);
        }
        // GFSLOAD_TOKEN_FILE= (empty) is no token file
        options.tokenFile = Path.of("");
        assertEquals(java.util.Optional.empty(), options.token());
        // the properties of a cluster started without a token on purpose: no token, as the cluster has none
        options.tokenFile = Files.writeString(home.resolve("master.properties"), "gfsload.cache.master.port=9999\ngfsload.cache.security.token=\n");
        assertEquals(java.util.Optional.empty(), options.token());
        // a file meant to hold the token alone, empty: refused
        options.tokenFile = Files.writeString(home.resolve("token"), "\n");
        InvalidRequestException empty = assertThrows(InvalidRequestException.class, options::token);
        assertTrue(empty.getMessage().startsWith("Invalid --token-file " + options.tokenFile + ": the token"), empty.getMessage());
    }

    @Test
    void optionsBeforeASubcommandAreBadInput() {
        CliRun run = gfsload("--report", home.resolve("r.json").toString(), "--json", "status", "--path", "/tmp");
        assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
        assertEquals("gfsload: --report, --json before the subcommand status: a subcommand's options go after it", run.err().strip());
        assertEquals(List.of(), listHome(), "nothing started");
    }

    @Test
    void aMetastoreAddressIsThriftHostAndPortWithoutCredentials() {
        CliRun withCredentials = gfsload("plan", "--table", "demo.events", "--metastore", "thrift://admin:hunter2pass@127.0.0.1:9083");
        assertEquals(ExitCode.USAGE, withCredentials.exitCode());
        assertEquals("gfsload: Invalid value for option '--metastore': credentials are not accepted in a metastore address "
                + "(thrift://<hidden>@...): expected thrift://HOST:PORT", withCredentials.err().strip());
        CliRun noScheme = gfsload("plan", "--table", "demo.events", "--metastore", "127.0.0.1:9083");
        assertEquals(ExitCode.USAGE, noScheme.exitCode());
        assertEquals("gfsload: Invalid value for option '--metastore': not a metastore address: expected thrift://HOST:PORT",
                noScheme.err().strip());
        CliRun credentialsInAList = gfsload("plan", "--table", "demo.events", "--metastore", "thrift://127.0.0.1:9083,thrift://admin:hunter2pass@127.0.0.1:9084");
        assertEquals(ExitCode.USAGE, credentialsInAList.exitCode());
        assertEquals("gfsload: Invalid value for option '--metastore': credentials are not accepted in a metastore address "
                + "(thrift://<hidden>@...): expected thrift://HOST:PORT", credentialsInAList.err().strip());
        CliRun emptyInAList = gfsload("plan", "--table", "demo.events", "--metastore", "thrift://127.0.0.1:9083,");
        assertEquals(ExitCode.USAGE, emptyInAList.exitCode());
        assertEquals("gfsload: Invalid value for option '--metastore': an empty metastore address: expected thrift://HOST:PORT, comma-separated",
                emptyInAList.err().strip());
        CliRun portOutOfRange = gfsload("plan", "--table", "demo.events", "--metastore", "thrift://127.0.0.1:99999");
        assertEquals(ExitCode.USAGE, portOutOfRange.exitCode(), portOutOfRange.err());
        assertEquals("gfsload: Invalid value for option '--metastore': 'thrift://127.0.0.1:99999' is not a metastore address: "
                + "the port 99999 is out of range (1 to 65535); expected thrift://HOST:PORT", portOutOfRange.err().strip());
        assertEquals(List.of(), listHome(), "nothing started");
    }

    @Test
    void aDatabaseUrlGivenAsTheMetastoreIsRefusedWithoutItsPassword() throws IOException {
        // the metastore's own database, from its hive-site.xml, instead of its Thrift address
        Path report = home.resolve("reports/plan.json");
        CliRun run = gfsload("plan", "--table", "demo.events", "--json", "--report", report.toString(),
                "--metastore", "jdbc:mysql://db:3306/hive?user=hive&password=S3cretPw");

        assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
        assertEquals("gfsload: Invalid value for option '--metastore': 'jdbc:mysql://db:3306/hive?user=hive&password=<hidden>' is not a metastore address: "
                + "expected thrift://HOST:PORT", run.err().strip());
        assertFalse(run.out().contains("S3cretPw"), run.out());
        assertFalse(Files.readString(report).contains("S3cretPw"), Files.readString(report));
    }

    @Test
    void aMasterAddressWithCredentialsIsRefusedWithoutRepeatingThem() {
        for (String master : List.of("u:SUPERSECRET123@127.0.0.1:1", "u:SUPER SECRET123@h:p")) {
            CliRun run = gfsload("status", "--path", "/tmp", "--master", master);
            assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
            assertEquals("gfsload: Invalid --master '<hidden>@" + master.substring(master.indexOf('@') + 1) + "': credentials are not accepted in a master address: "
                    + "expected HOST:PORT, and the cluster's token in --token-file", run.err().strip());
        }
        assertEquals(List.of(), listHome(), "nothing started");
    }

    @Test
    void anArgumentWithCredentialsThatTheCommandCannotTakeIsRepeatedWithoutThem() throws IOException {
        Path report = home.resolve("report.json");
        // a path without --path, and a path where a number goes: picocli repeats the argument
        CliRun unmatched = gfsload("plan", "s3a://AKIA:SUPERSECRET123@bucket/x", "--json", "--report", report.toString());
        assertEquals(ExitCode.USAGE, unmatched.exitCode(), unmatched.err());
        assertEquals("gfsload: Unmatched argument at index 1: 's3a://<hidden>@bucket/x'", unmatched.err().lines().findFirst().orElseThrow());
        assertTrue(Files.readString(report).contains("\"error\" : \"Unmatched argument at index 1: 's3a://<hidden>@bucket/x'\""), Files.readString(report));
        CliRun invalidValue = gfsload("distributedLoad", "--replication", "cosn://AKID:SUPER/SECRET123@bucket-1/x", "--json", "--report", report.toString(),
                "/tmp");
        assertEquals(ExitCode.USAGE, invalidValue.exitCode(), invalidValue.err());
        assertEquals("gfsload: Invalid value for option '--replication': 'cosn://<hidden>@bucket-1/x' is not an int", invalidValue.err().strip());
        assertTrue(invalidValue.out().contains("'cosn://<hidden>@bucket-1/x' is not an int"), invalidValue.out());
        for (String printed : List.of(unmatched.err(), unmatched.out(), invalidValue.err(), invalidValue.out(), Files.readString(report))) {
            assertFalse(printed.contains("SECRET123"), printed);
        }
    }

    @Test
    void aUriWithCredentialsWhereALocalPathGoesIsRefusedWithoutThem() throws IOException {
        // as a local path, s3a://id:key@bucket collapses to s3a:/id:key@bucket, which no longer reads as a URI
        String uri = "s3a://AKIA:SUPERSECRET123@bucket/conf/";
        String hidden = "s3a://<hidden>@bucket/conf/";
        Map<String, List<String>> commands = Map.of(
                "--report", List.of("plan", "--path", "/tmp", "--json", "--report", uri + "r.json"),
                "--core-site", List.of("tune", "--path", "/tmp", "--core-site", uri + "r.json"),
                "--cluster-properties", List.of("tune", "--path", "/tmp", "--cluster-properties", uri + "r.json"),
                "--token-file", List.of("status", "--path", "/tmp", "--token-file", uri + "r.json"),
                "--config", List.of("cluster", "start", "--data-dir", home.resolve("cluster").toString(), "--config", uri + "r.json"),
                "--data-dir", List.of("cluster", "status", "--data-dir", uri + "r.json"));
        try {
            commands.forEach((option, command) -> {
                CliRun run = gfsload(command.toArray(String[]::new));
                assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
                String message = "Invalid value for option '%s': '%sr.json' is a URI with credentials, not a local path".formatted(option, hidden);
                assertEquals("gfsload: " + message, run.err().strip());
                assertFalse(run.out().contains("SUPERSECRET123"), run.out());
            });
            CliRun json = gfsload(commands.get("--report").toArray(String[]::new));
            assertTrue(json.out().contains("\"error\" : \"Invalid value for option '--report': '%sr.json' is a URI".formatted(hidden)), json.out());
            // no FAILED report written to the local path the URI collapses to
            assertFalse(Files.exists(Path.of("s3a:")), "a directory named after the URI");

            // a URI without credentials: no file of this machine either
            for (String report : List.of("s3a://bucket/r.json", "file:///tmp/r.json")) {
                CliRun plain = gfsload("plan", "--path", "/tmp", "--report", report);
                assertEquals(ExitCode.USAGE, plain.exitCode(), plain.err());
                assertEquals("gfsload: Invalid value for option '--report': '%s' is a URI, not a local path: give a file or directory of this machine"
                        .formatted(report), plain.err().strip());
            }
            assertFalse(Files.exists(Path.of("s3a:")) || Files.exists(Path.of("file:")), "a directory named after the URI");
            assertEquals(List.of(), listHome(), "nothing started, nothing written");
        }
        finally {
            // what an unchecked --report writes in the working directory
            for (Path written : List.of(Path.of("s3a:"), Path.of("file:"))) {
                if (Files.exists(written)) {
                    try (var paths = Files.walk(written)) {
                        for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                            Files.delete(path);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aReportFileThatCannotBeWrittenIsBadInputBeforeAnythingStarts() throws IOException {
        Path file = Files.writeString(home.resolve("a-file"), "");
        CliRun directory = gfsload("--table", "demo.events", "--report", home.toString());
        assertEquals(2, directory.exitCode());
        assertEquals("gfsload: Cannot write --report " + home + ": it is a directory", directory.err().strip());
        CliRun underFile = gfsload("distributedLoad", "--report", file.resolve("sub/report.json").toString(), "/tmp");
        assertEquals(2, underFile.exitCode());
        assertEquals("gfsload: Cannot write --report " + file.resolve("sub/report.json") + ": " + file + " is not a directory", underFile.err().strip());
        CliRun proc = gfsload("distributedLoad", "--report", "/proc/version", "/tmp");
        assertEquals(2, proc.exitCode(), proc.err());
        // as root /proc passes as writable, and creating a file there fails; as another user it is not writable
        assertTrue(proc.err().strip().equals("gfsload: Cannot write --report /proc/version: cannot create a file in /proc")
                || proc.err().strip().equals("gfsload: Cannot write --report /proc/version: /proc is not writable"), proc.err());
        CliRun procDirectory = gfsload("distributedLoad", "--report", "/proc/gfsload-reports/report.json", "/tmp");
        assertEquals(2, procDirectory.exitCode(), procDirectory.err());
        assertTrue(procDirectory.err().strip().equals("gfsload: Cannot write --report /proc/gfsload-reports/report.json: cannot create a directory in /proc")
                || procDirectory.err().strip().equals("gfsload: Cannot write --report /proc/gfsload-reports/report.json: /proc is not writable"),
                procDirectory.err());
        CliRun empty = gfsload("distributedLoad", "--report", "", "/tmp");
        assertEquals(2, empty.exitCode(), empty.err());
        assertEquals("gfsload: Cannot write --report '': the path is empty", empty.err().strip());
        assertEquals(List.of(file), listHome(), "nothing started");
    }

    @Test
    void aBadValueWritesItsFailedReportWhereverTheReportIsOnTheCommandLine() throws IOException {
        Path report = home.resolve("reports/r.json");
        List<List<String>> commands = List.of(List.of("--table", "demo.events", "--partition", "dt=2026-11-20"), List.of("distributedLoad", "/tmp"),
                List.of("plan", "--path", "/tmp"));
        List<List<String>> badValues = List.of(List.of("--replication", "abc"), List.of("--bandwidth", "200"), List.of("--bandwidth", "8Mb/s"),
                List.of("--active-jobs", "x"), List.of("--heap", "4XB"), List.of("--cores", "x"), List.of("--ufs-latency-ms", "x"),
                List.of("--worker-memory", "1Q"), List.of("--ufs-stream-bandwidth", "9"), List.of("--workers", "x"));
        for (List<String> command : commands) {
            List<List<String>> values = new java.util.ArrayList<>(badValues);
            if (!command.get(0).equals("plan")) {
                values.add(List.of("-A", "--expire-time", "5y"));
            }
            if (!command.get(0).equals("distributedLoad")) {
                values.add(List.of("--latest", "x"));
            }
            for (List<String> bad : values) {
                // picocli stops at the bad value: the --report after it, in either form, is found all the same
                for (List<String> reportOption : List.of(List.of("--report", report.toString()), List.of("--report=" + report))) {
                    List<String> args = new java.util.ArrayList<>(command);
                    args.addAll(bad);
                    args.addAll(reportOption);
                    args.add("--json");
                    Files.createDirectories(report.getParent());
                    Files.writeString(report, "{\"state\": \"SUCCEEDED\"}");
                    CliRun run = gfsload(args.toArray(String[]::new));
                    assertEquals(ExitCode.USAGE, run.exitCode(), args + ": " + run.err());
                    com.fasterxml.jackson.databind.JsonNode written = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readString(report));
                    assertEquals("FAILED", written.get("state").asText(), args.toString());
                    assertEquals(ExitCode.USAGE, written.get("exitCode").asInt(), args.toString());
                    assertEquals(run.err().strip(), "gfsload: " + written.get("error").asText(), args.toString());
                    // --json, after the bad value too: stdout has the same report, and nothing else
                    assertEquals(written, new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.out()), args.toString());
                }
            }
        }
        // a report path that cannot be written: the bad value is the message, and nothing is written
        CliRun directory = gfsload("distributedLoad", "--replication", "abc", "--report", home.toString(), "/tmp");
        assertEquals(ExitCode.USAGE, directory.exitCode());
        assertEquals("gfsload: Invalid value for option '--replication': 'abc' is not an int", directory.err().strip());
        assertEquals(List.of(home.resolve("reports")), listHome(), "nothing started, nothing but the report written");
    }

    @Test
    void badExecutionFlagsExitTwoBeforeAnythingStarts() {
        // the same flags against a cluster of processes: TestLoadIntoClusterProcesses
        for (BadInput bad : BadInput.loadFlags("/tmp")) {
            bad.assertRejected(gfsload(bad.args().toArray(String[]::new)));
        }
        CliRun progress = gfsload("--table", "demo.events", "--progress", "loud");
        assertEquals(2, progress.exitCode());
        assertEquals("gfsload: Invalid --progress 'loud': expected auto, bar, json or none", progress.err().strip());
        CliRun notAtomic = gfsload("--table", "demo.events", "--expire-time", "2s");
        assertEquals(2, notAtomic.exitCode());
        assertEquals("gfsload: --expire-time applies to atomic loads: add -A", notAtomic.err().strip());
        CliRun zone = gfsload("--table", "demo.events", "--window", "01:00-06:00", "--window-zone", "Mars/Olympus");
        assertEquals(2, zone.exitCode());
        assertEquals("gfsload: Invalid value for option '--window-zone': 'Mars/Olympus' is not a time zone: "
                + "expected a region such as Asia/Shanghai, UTC or an offset such as +08:00", zone.err().strip());
        CliRun zoneAlone = gfsload("distributedLoad", "--window-zone", "UTC", "/tmp");
        assertEquals(2, zoneAlone.exitCode());
        assertEquals("gfsload: --window-zone applies to a load window: add --window", zoneAlone.err().strip());
        CliRun scope = gfsload("--table", "demo.events", "-A", "--atomic-scope", "table");
        assertEquals(2, scope.exitCode());
        assertEquals("gfsload: Invalid --atomic-scope 'table': expected file, partition or job", scope.err().strip());
        assertEquals(List.of(), listHome());
    }

    @Test
    void expireTimesUseGooseFsUnits() {
        assertEquals(java.time.Duration.ofHours(24), ExpireTime.parse("24h"));
        assertEquals(java.time.Duration.ofHours(2), ExpireTime.parse("2hour"));
        assertEquals(java.time.Duration.ofMinutes(30), ExpireTime.parse("30min"));
        assertEquals(java.time.Duration.ofSeconds(2), ExpireTime.parse("2s"));
        assertEquals(java.time.Duration.ofMillis(1500), ExpireTime.parse("1500ms"));
        assertEquals(java.time.Duration.ofDays(3650), ExpireTime.parse("3650d"));
        // a bare number is milliseconds, as GooseFS's distributedLoad reads it
        assertEquals(java.time.Duration.ofHours(1), ExpireTime.parse("3600000"));
        assertEquals(java.time.Duration.ofMillis(1500), ExpireTime.parse("1500"));
        assertEquals(java.time.Duration.ofDays(3650), ExpireTime.parse(Long.toString(java.time.Duration.ofDays(3650).toMillis())));
        TypeConversionException zero = assertThrows(TypeConversionException.class, () -> ExpireTime.parse("0"));
        assertEquals("'0' is not an expire time: it must be longer than 0", zero.getMessage());
        // shorter than a second, the area expires as soon as a renewal of the run (every third of it,
        // at least 10 ms apart) is a little late, and the run fails however often it is run again
        assertEquals(java.time.Duration.ofSeconds(1), ExpireTime.parse("1000"));
        for (String tooShort : List.of("5", "999", "100ms")) {
            TypeConversionException e = assertThrows(TypeConversionException.class, () -> ExpireTime.parse(tooShort));
            assertEquals("'%s' is not an expire time: at least 1 s (a number without a unit is milliseconds)".formatted(tooShort), e.getMessage());
        }
        TypeConversionException noNumber = assertThrows(TypeConversionException.class, () -> ExpireTime.parse("h"));
        assertEquals("'h' is not an expire time: expected a whole number of milliseconds, or a whole number and a unit, "
                + "ms, s, min, h (hour) or d (day), such as 24h or 30min", noNumber.getMessage());
        for (String tooLong : List.of("3651d", "99999999999999hour", "123456789012345678901s", "315360000001")) {
            TypeConversionException e = assertThrows(TypeConversionException.class, () -> ExpireTime.parse(tooLong));
            assertEquals("'%s' is not an expire time: at most 3650 days".formatted(tooLong), e.getMessage());
        }
    }

    @Test
    void dataRatesUseHadoopsBinaryUnits() {
        assertEquals(50L << 20, DataRate.parse("50MB/s"));
        assertEquals(50L << 20, DataRate.parse("50MiB/s"));
        assertEquals(3L << 29, DataRate.parse("1.5GB"));
        assertEquals(512L << 10, DataRate.parse("512k/s"));
        assertEquals(1000L, DataRate.parse("1000B/s"));
        assertThrows(TypeConversionException.class, () -> DataRate.parse("200"), "a rate without a unit is a slip");
        for (String bits : List.of("8Mb/s", "8mb/s", "100Mbps", "1Gbit/s", "1gbits", "500kb", "64b/s")) {
            TypeConversionException e = assertThrows(TypeConversionException.class, () -> DataRate.parse(bits), bits);
            assertEquals("'" + bits + "' reads as bits (a lower-case b, bit or bps): gfsload's rates are in bytes, such as 25MB/s "
                    + "(K, M, G are powers of 1024)", e.getMessage());
        }
        assertEquals(8L << 20, DataRate.parse("8MiB/s"));
        assertEquals(8L << 20, DataRate.parse("8m/s"));
        assertThrows(TypeConversionException.class, () -> new DataSizes.SizeConverter().convert("1"), "a size without a unit is a slip");
        assertEquals(1L << 30, new DataSizes.SizeConverter().convert("1GB"));
    }

    @Test
    void aDataRateTooLargeOrUnderAByteASecondSaysSoAndExitsTwo() {
        for (String tooLarge : List.of("99999999999999999999MB/s", "9223372036854775808B/s", "8192PB/s")) {
            TypeConversionException e = assertThrows(TypeConversionException.class, () -> DataRate.parse(tooLarge), tooLarge);
            assertEquals("'%s' is too large a data rate: at most 8 EiB/s (9223372036854775807 bytes a second); a number and a unit, such as 200MB/s or 1.5GB/s"
                    .formatted(tooLarge), e.getMessage());
        }
        assertEquals(Long.MAX_VALUE, DataRate.parse("9223372036854775807B/s"), "the largest rate");
        TypeConversionException underAByte = assertThrows(TypeConversionException.class, () -> DataRate.parse("0.5B/s"));
        assertEquals("'0.5B/s' is not a data rate: it must be at least 1 byte a second (1B/s)", underAByte.getMessage());

        CliRun run = gfsload("distributedLoad", "--bandwidth", "99999999999999999999MB/s", "/tmp");
        assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
        assertEquals("gfsload: Invalid value for option '--bandwidth': '99999999999999999999MB/s' is too large a data rate: at most 8 EiB/s "
                + "(9223372036854775807 bytes a second); a number and a unit, such as 200MB/s or 1.5GB/s", run.err().strip());
        CliRun underAByteASecond = gfsload("distributedLoad", "--bandwidth", "0.5B/s", "/tmp");
        assertEquals(ExitCode.USAGE, underAByteASecond.exitCode(), underAByteASecond.err());
        assertEquals("gfsload: Invalid value for option '--bandwidth': '0.5B/s' is not a data rate: it must be at least 1 byte a second (1B/s)",
                underAByteASecond.err().strip());
        assertEquals(List.of(), listHome(), "nothing started");
    }

    @Test
    void loadWindowsAreReadInTheirZone() {
        ExecutionOptions options = new ExecutionOptions();
        options.window = "22:00-06:00";
        options.windowZone = "Asia/Shanghai";
        io.gfsload.executor.LoadWindow window = options.loadWindow().orElseThrow();
        assertEquals("22:00-06:00", window.toString());
        assertEquals(java.time.ZoneId.of("Asia/Shanghai"), window.zone());
        options.windowZone = null;
        assertEquals(java.time.ZoneId.systemDefault(), options.loadWindow().orElseThrow().zone(), "the machine's zone by default");
        assertEquals(java.util.Optional.empty(), new ExecutionOptions().loadWindow());
    }

    @Test
    void homeComesFromTheEnvironment() {
        assertEquals(Path.of("/data/gfs"), CliEnvironment.fromSystem(Map.of("GFSLOAD_HOME", "/data/gfs"), "/home/u").home());
        assertEquals(Path.of("/home/u/.gfsload"), CliEnvironment.fromSystem(Map.of(), "/home/u").home());
    }

    private List<Path> listHome() {
        try (var files = Files.list(home)) {
            return files.toList();
        }
        catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
