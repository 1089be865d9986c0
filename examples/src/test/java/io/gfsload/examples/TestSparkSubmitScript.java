package io.gfsload.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cli.CliEnvironment;
import io.gfsload.cli.GfsLoad;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The spark-submit example hands spark-submit a valid gfsload command line: the token file only
 * when one is given, Spark's master from {@code SPARK_MASTER}, and the report in the user's own
 * {@code $GFSLOAD_HOME/reports} (or {@code REPORT_DIR}), not at a name in {@code /tmp} another
 * user could hold. A {@code spark-submit} first on the {@code PATH} prints what it is given.
 */
class TestSparkSubmitScript {
    private static final Path SCRIPT = Path.of(System.getProperty("user.dir"), "spark", "gfsload-spark-submit.sh").toAbsolutePath();

    @TempDir
    Path directory;

    @Test
    void withoutATokenFileTheJobGetsNoTokenOption() throws Exception {
        Path home = directory.resolve("gfsload-home");
        List<String> arguments = submit(Map.of("GFSLOAD_HOME", home.toString()));

        assertFalse(arguments.contains("--token-file"), arguments.toString());
        assertEquals("yarn", arguments.get(arguments.indexOf("--class") + 3), "Spark's master: " + arguments);
        CommandLine.ParseResult parsed = gfsloadArguments(arguments);
        assertEquals(home.resolve("reports/gfsload-report-2026-11-20.json").toString(), parsed.matchedOptionValue("--report", null).toString());
        assertEquals("cache-master:19998", parsed.matchedOptionValue("--master", null));
    }

    @Test
    void theTokenFileSparksMasterAndTheReportDirectoryAreTheEnvironments() throws Exception {
        Path reports = directory.resolve("reports");
        List<String> arguments = submit(Map.of("TOKEN_FILE", "/etc/gfsload/token", "SPARK_MASTER", "local[2]", "REPORT_DIR", reports.toString()));

        assertEquals("local[2]", arguments.get(arguments.indexOf("--class") + 3), "Spark's master: " + arguments);
        CommandLine.ParseResult parsed = gfsloadArguments(arguments);
        assertEquals("/etc/gfsload/token", parsed.matchedOptionValue("--token-file", null).toString());
        assertEquals(reports.resolve("gfsload-report-2026-11-20.json").toString(), parsed.matchedOptionValue("--report", null).toString());
    }

    @Test
    void theTableIsDbEventsUnlessTableNamesAnother() throws Exception {
        CommandLine.ParseResult byDefault = gfsloadArguments(submit(Map.of()));
        assertEquals("db.events", byDefault.matchedOptionValue("--table", null));

        // the demo table 'gfsload metastore start' serves, to try the script on one machine
        List<String> arguments = submit(Map.of("TABLE", "demo.events", "SPARK_MASTER", "local[2]"));

        CommandLine.ParseResult parsed = gfsloadArguments(arguments);
        assertEquals("demo.events", parsed.matchedOptionValue("--table", null));
        assertEquals(List.of("dt=2026-11-20"), parsed.matchedOptionValue("--partition", List.of()));
        assertEquals("gfsload warm demo.events dt=2026-11-20", arguments.get(arguments.indexOf("--name") + 1), "the application's name: " + arguments);
    }

    @Test
    void aRequiredVariableMissingIsBadInputAsGfsloadsExit2AndSubmitsNothing() throws Exception {
        // the script's exit code is gfsload's: a scheduler does not retry 2, which a re-run cannot change
        for (String variable : List.of("GFSLOAD_JOB_JAR", "CACHE_MASTER", "METASTORE")) {
            Map<String, String> environment = new HashMap<>(required());
            environment.remove(variable);
            Process process = start(environment);
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(1, TimeUnit.MINUTES), "the script ends");
            assertEquals(2, process.exitValue(), output);
            assertTrue(output.contains(variable), "names the variable: " + output);
            assertFalse(output.contains("--class"), "spark-submit is not run: " + output);
        }
    }

    /** Runs the script for 2026-11-20 with {@code environment} added to the required variables; the arguments spark-submit got. */
    private List<String> submit(Map<String, String> environment) throws IOException, InterruptedException {
        Map<String, String> whole = new HashMap<>(required());
        whole.putAll(environment);
        Process process = start(whole);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(1, TimeUnit.MINUTES), "the script ends");
        assertEquals(0, process.exitValue(), output);
        return output.lines().toList();
    }

    /** The required variables, a {@code spark-submit} that prints its arguments first on the {@code PATH}, and {@code HOME}. */
    private Map<String, String> required() throws IOException {
        Path bin = Files.createDirectories(directory.resolve("bin"));
        Path sparkSubmit = bin.resolve("spark-submit");
        Files.writeString(sparkSubmit, "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(sparkSubmit, PosixFilePermissions.fromString("rwxr-xr-x"));
        return Map.of("PATH", bin + ":" + System.getenv("PATH"), "HOME", directory.resolve("user-home").toString(),
                "GFSLOAD_JOB_JAR", "gfsload-spark-job-job.jar", "CACHE_MASTER", "cache-master:19998", "METASTORE", "thrift://metastore:9083");
    }

    /** The script run for 2026-11-20 with exactly {@code environment}, its stderr with its stdout. */
    private Process start(Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString(), "2026-11-20").redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(environment);
        return builder.start();
    }

    /** The arguments after the job's jar, parsed as gfsload's command line. */
    private CommandLine.ParseResult gfsloadArguments(List<String> arguments) {
        List<String> gfsload = arguments.subList(arguments.indexOf("gfsload-spark-job-job.jar") + 1, arguments.size());
        return GfsLoad.createCommandLine(new CliEnvironment(directory.resolve("parse-home"))).parseArgs(gfsload.toArray(String[]::new));
    }
}
