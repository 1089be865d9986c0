package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/gfsload}, the launcher script, run as a user runs it: its per-command logs (the newest
 * 50 kept, {@code gfsload.log} linking to the newest) never stop the command. An old log it cannot
 * remove, a link it cannot make, a logs directory it cannot create or write are skipped with one
 * warning line, and what is wrong with {@code $GFSLOAD_HOME} is the command's to report, with its
 * exit code and its {@code --report}. The script runs from a copy of the checkout's {@code bin}
 * whose build output is in place, so that it never builds.
 */
class TestLauncherScript {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @TempDir
    static Path installation;

    @TempDir
    Path directory;

    @BeforeAll
    static void install() throws IOException {
        Path checkout = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
        Path bin = Files.createDirectories(installation.resolve("bin"));
        for (String file : List.of("gfsload", "jvm.options", "logging.properties")) {
            Files.copy(checkout.resolve("bin").resolve(file), bin.resolve(file));
        }
        // the classes come from GFSLOAD_CLASSPATH: an empty jar and lib, newer than any source, so the script does not build
        Path target = Files.createDirectories(installation.resolve("cli/target/lib"));
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(target.resolveSibling("gfsload-cli-0.1.0-SNAPSHOT.jar")))) {
            jar.finish();
        }
    }

    private CliRun launch(Path home, String... args) {
        try (GfsLoadProcess process = GfsLoadProcess.startLauncher(installation, home, directory.resolve("output"), args)) {
            return process.awaitExit(TIMEOUT);
        }
    }

    /** {@code count} old logs, one a second from 2026-01-01 on, the oldest first. */
    private static List<Path> oldLogs(Path logs, int count) throws IOException {
        Files.createDirectories(logs);
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        List<Path> old = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Instant time = start.plusSeconds(i);
            Path log = logs.resolve("gfsload-20260101T0%05dZ-%d.log".formatted(i, 1000 + i));
            Files.writeString(log, "old\n");
            Files.setLastModifiedTime(log, FileTime.from(time));
            old.add(log);
        }
        return old;
    }

    private static List<String> logNames(Path logs) throws IOException {
        try (Stream<Path> files = Files.list(logs)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.matches("gfsload-.*\\.log")).sorted().toList();
        }
    }

    /** The warning lines gfsload printed. */
    private static List<String> warnings(CliRun run) {
        return run.err().lines().filter(line -> line.startsWith("gfsload: warning: ")).toList();
    }

    @Test
    void eachCommandLogsToAFileOfItsOwnTheNewestFiftyKept() throws IOException {
        Path home = directory.resolve("home");
        Path logs = home.resolve("logs");
        List<Path> old = oldLogs(logs, 60);

        CliRun run = launch(home, "cluster", "status", "--data-dir", directory.resolve("no-cluster").toString());

        assertEquals(ExitCode.NOT_FOUND, run.exitCode(), run.err());
        assertEquals(List.of(), warnings(run));
        List<String> names = logNames(logs);
        assertEquals(50, names.size(), names.toString());
        String newest = Files.readSymbolicLink(logs.resolve("gfsload.log")).toString();
        assertTrue(names.contains(newest), newest + " in " + names);
        assertFalse(newest.startsWith("gfsload-20260101T"), "the link goes to this command's log: " + newest);
        for (int i = 0; i < 60; i++) {
            assertEquals(i >= 11, Files.exists(old.get(i)), "the newest 49 old logs and the new one are kept: " + old.get(i));
        }
    }

    @Test
    void theLogHidesTheSecretsOfWhatAStoreSaidOfAFailedFile() throws IOException {
        String secret = "SessionTokenX";
        Path data = Files.createDirectories(directory.resolve("data"));
        Files.write(data.resolve("part-0"), new byte[100_000]);
        Files.write(data.resolve("part-1"), new byte[100_000]);
        // as S3 repeats the signed request it refused, its session token in it
        Path conf = Files.createDirectories(directory.resolve("conf"));
        Files.writeString(conf.resolve("core-site.xml"), """
                <configuration>
                  <property><name>fs.faulty.permanent.paths</name><value>/part-1</value></property>
                  <property><name>fs.faulty.permanent.detail</name><value>403 Forbidden: GET /part-1?X-Amz-Security-Token=%s&amp;X-Amz-Expires=300</value></property>
                </configuration>
                """.formatted(secret));
        Path home = directory.resolve("home");
        Path report = directory.resolve("report.json");

        CliRun run;
        try (GfsLoadProcess process = GfsLoadProcess.startLauncherScript(installation.resolve("bin/gfsload"), home,
                Map.of("HADOOP_CONF_DIR", conf.toString()), directory.resolve("output"),
                "distributedLoad", "--progress", "json", "--report", report.toString(), "faulty://secrets" + data)) {
            run = process.awaitExit(TIMEOUT);
        }

        assertEquals(ExitCode.PARTIAL, run.exitCode(), run.err());
        String log = Files.readString(home.resolve("logs/gfsload.log"));
        assertTrue(log.contains("Loading faulty://secrets" + data.resolve("part-1") + " failed: ")
                && log.contains("X-Amz-Security-Token=<hidden>&X-Amz-Expires=300"), log);
        for (String written : List.of(log, run.out(), run.err(), Files.readString(report))) {
            assertFalse(written.contains(secret), written);
        }
    }

    @Test
    void helpAndVersionLeaveTheLogsAsTheyAre() throws IOException {
        // they do no work: a log of theirs would push a run's out of the 50 kept
        Path home = directory.resolve("home");
        Path logs = home.resolve("logs");
        oldLogs(logs, 50);
        List<String> before = logNames(logs);

        for (List<String> args : List.of(List.of("--help"), List.of("--version"), List.of("distributedLoad", "--help"), List.of("plan", "-h"),
                List.of("cluster", "start", "--help"), List.of("-V"))) {
            CliRun run = launch(home, args.toArray(String[]::new));

            assertEquals(0, run.exitCode(), args + ": " + run.err());
            assertFalse(run.out().isBlank(), args + " prints");
            assertEquals(before, logNames(logs), args + " leaves the logs as they are");
            assertFalse(Files.exists(logs.resolve("gfsload.log"), LinkOption.NOFOLLOW_LINKS), args + " links no log");
        }
    }

    @Test
    void usageErrorsLeaveNoLogBehind() throws IOException {
        // a scheduler retrying a mistyped command must not fill the logs with empty ones
        Path home = directory.resolve("home");
        Path logs = home.resolve("logs");
        List<Path> old = oldLogs(logs, 3);
        Files.createSymbolicLink(logs.resolve("gfsload.log"), old.get(2).getFileName());
        List<String> before = logNames(logs);

        for (List<String> args : List.of(List.of("--tabel", "demo.events"), List.of("--table", "demo.events", "--replication", "0"), List.of("bogus"),
                List.of("plan", "--tabel", "x"), List.of("cluster"), List.of("--table", "a..b"))) {
            CliRun run = launch(home, args.toArray(String[]::new));

            assertEquals(ExitCode.USAGE, run.exitCode(), args + ": " + run.err());
            assertTrue(run.err().startsWith("gfsload: "), args + " says why: " + run.err());
            assertEquals(before, logNames(logs), args + " leaves the logs as they are");
            assertEquals(old.get(2).getFileName(), Files.readSymbolicLink(logs.resolve("gfsload.log")), args + " leaves the link to the newest log");
        }

        // a command that does work still logs
        CliRun run = launch(home, "cluster", "status", "--data-dir", directory.resolve("no-cluster").toString());
        assertEquals(ExitCode.NOT_FOUND, run.exitCode(), run.err());
        List<String> after = logNames(logs);
        assertEquals(before.size() + 1, after.size(), after.toString());
        assertTrue(after.contains(Files.readSymbolicLink(logs.resolve("gfsload.log")).toString()), "linked to its log: " + after);
    }

    @Test
    void usageErrorsInAFreshHomeLeaveNothingBehind() throws IOException {
        // a first, mistyped command: neither the logs directory nor the home (nor a directory above it) it created are left
        Path created = directory.resolve("new");
        Path fresh = created.resolve("home");
        for (List<String> args : List.of(List.of("--partition", "dt"), List.of("--table", "demo.events", "--replication", "0"), List.of("bogus"))) {
            CliRun run = launch(fresh, args.toArray(String[]::new));

            assertEquals(ExitCode.USAGE, run.exitCode(), args + ": " + run.err());
            assertFalse(Files.exists(created, LinkOption.NOFOLLOW_LINKS), args + " leaves nothing it created: " + created);
        }

        // a home that was there, empty: kept, without the logs directory the command created in it
        Path home = Files.createDirectories(directory.resolve("home"));
        // a logs directory that was there, empty: kept
        Path withLogs = Files.createDirectories(directory.resolve("home-with-logs"));
        Path logs = Files.createDirectories(withLogs.resolve("logs"));
        for (Path existing : List.of(home, withLogs)) {
            CliRun run = launch(existing, "--partition", "dt");

            assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
        }
        assertEquals(List.of(), entries(home), "the logs directory it created is removed");
        assertEquals(List.of(), entries(logs), "the logs directory that was there is kept, as it was");

        // a command that does work keeps its log, and the directories it is in
        CliRun run = launch(fresh, "cluster", "status", "--data-dir", directory.resolve("no-cluster").toString());
        assertEquals(ExitCode.NOT_FOUND, run.exitCode(), run.err());
        assertEquals(1, logNames(fresh.resolve("logs")).size(), "its log");
    }

    private static List<String> entries(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void oldLogsThatCannotBeRemovedAndALinkThatCannotBeMadeAreSkipped() throws IOException {
        // what root cannot remove either: "logs" that are directories with files in them, and gfsload.log one too
        Path home = directory.resolve("home");
        Path logs = home.resolve("logs");
        List<Path> old = oldLogs(logs, 60);
        for (Path log : old.subList(0, 5)) {
            Files.delete(log);
            Files.writeString(Files.createDirectories(log).resolve("kept"), "kept\n");
            Files.setLastModifiedTime(log, FileTime.from(Instant.parse("2025-12-31T00:00:00Z")));
        }
        Files.writeString(Files.createDirectories(logs.resolve("gfsload.log")).resolve("kept"), "kept\n");
        Path report = directory.resolve("report.json");
        Files.writeString(report, "{\"state\": \"SUCCEEDED\"}");
        Path missing = directory.resolve("nosuch");

        CliRun run = launch(home, "distributedLoad", "--dry-run", "--progress", "none", "--report", report.toString(), missing.toString());

        assertEquals(ExitCode.NOT_FOUND, run.exitCode(), run.err());
        List<String> warnings = warnings(run);
        assertEquals(1, warnings.size(), run.err());
        assertTrue(warnings.get(0).startsWith("gfsload: warning: cannot remove 5 old logs in " + logs + " nor link gfsload.log to this command's log"
                + " (another user's?); it logs to " + logs + "/gfsload-"), warnings.get(0));
        assertTrue(run.err().contains("gfsload: Path not found: " + missing), run.err());
        JsonNode written = JSON.readTree(Files.readString(report));
        assertEquals("FAILED", written.get("state").asText());
        assertEquals(ExitCode.NOT_FOUND, written.get("exitCode").asInt());
        List<String> names = logNames(logs);
        assertEquals(49 + 5 + 1, names.size(), "the 49 newest old logs, the 5 that cannot be removed and this command's: " + names);
        for (int i = 5; i < 11; i++) {
            assertFalse(Files.exists(old.get(i)), "removed: " + old.get(i));
        }
        String log = warnings.get(0).substring(warnings.get(0).lastIndexOf('/') + 1);
        assertTrue(Files.isRegularFile(logs.resolve(log)), log + " in " + names);
    }

    @Test
    void logsThatCannotBeCreatedLeaveGfsloadHomeToTheCommand() throws IOException {
        // a logs path that is a file: no log file, and the command runs
        Path home = directory.resolve("home");
        Files.createDirectories(home);
        Files.writeString(home.resolve("logs"), "not a directory\n");
        Path report = directory.resolve("report.json");
        Files.writeString(report, "{\"state\": \"SUCCEEDED\"}");
        Path missing = directory.resolve("nosuch");

        CliRun run = launch(home, "distributedLoad", "--dry-run", "--progress", "none", "--report", report.toString(), missing.toString());

        assertEquals(ExitCode.NOT_FOUND, run.exitCode(), run.err());
        assertEquals(List.of("gfsload: warning: no log file: cannot write in " + home.resolve("logs") + " (not a directory); errors go to stderr"),
                warnings(run));
        assertEquals(ExitCode.NOT_FOUND, JSON.readTree(Files.readString(report)).get("exitCode").asInt());

        // a GFSLOAD_HOME under a file: the command says what is wrong with it, with its exit code and report
        Path underFile = home.resolve("logs/home");
        CliRun noHome = launch(underFile, "distributedLoad", "--dry-run", "--progress", "none", "--report", report.toString(), directory.toString());

        assertEquals(ExitCode.FAILED, noHome.exitCode(), noHome.err());
        assertEquals(1, warnings(noHome).size(), noHome.err());
        JsonNode failed = JSON.readTree(Files.readString(report));
        assertEquals("FAILED", failed.get("state").asText());
        assertEquals(ExitCode.FAILED, failed.get("exitCode").asInt());
        assertTrue(failed.get("error").asText().startsWith("Cannot start the cache cluster in " + underFile.resolve("cluster")), failed.toString());
        assertTrue(noHome.err().contains("gfsload: " + failed.get("error").asText()), noHome.err());
    }

    @Test
    void aReadOnlyHomeIsTheCommandsToReport() throws IOException, InterruptedException {
        Path home = directory.resolve("read-only");
        Files.createDirectories(home);
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            // permissions do not stop root: a read-only file system does
            assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", home.toString()),
                    "root may not mount a tmpfs here, and permissions cannot make a directory read-only for root");
        }
        try {
            Path logs = home.resolve("logs");
            oldLogs(logs, 60);
            if (root) {
                assertTrue(run("mount", "-o", "remount,ro", home.toString()), "remount read-only");
            }
            else {
                Files.setPosixFilePermissions(logs, PosixFilePermissions.fromString("r-xr-xr-x"));
                Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("r-xr-xr-x"));
            }
            Path report = directory.resolve("report.json");
            Files.writeString(report, "{\"state\": \"SUCCEEDED\"}");

            CliRun run = launch(home, "distributedLoad", "--dry-run", "--progress", "none", "--report", report.toString(), directory.toString());

            assertEquals(ExitCode.FAILED, run.exitCode(), run.err());
            List<String> warnings = warnings(run);
            assertEquals(1, warnings.size(), run.err());
            assertTrue(warnings.get(0).startsWith("gfsload: warning: no log file: cannot write in " + logs + " ("), warnings.get(0));
            JsonNode failed = JSON.readTree(Files.readString(report));
            assertEquals(ExitCode.FAILED, failed.get("exitCode").asInt());
            assertTrue(failed.get("error").asText().startsWith("Cannot start the cache cluster in " + home.resolve("cluster")), failed.toString());
            assertEquals(60, logNames(logs).size(), "the old logs are left as they were");
        }
        finally {
            if (root) {
                run("umount", home.toString());
            }
            else {
                Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
                Files.setPosixFilePermissions(home.resolve("logs"), PosixFilePermissions.fromString("rwx------"));
            }
        }
    }

    @Test
    void withoutHomeTheHomeInThePasswordDatabaseIsTheDefault() throws IOException {
        // as a systemd unit or `env -i` starts it: neither HOME nor GFSLOAD_HOME; the password
        // database (a getent first on the PATH, so that the test keeps out of the real home) has the user's home
        Path userHome = Files.createDirectories(directory.resolve("user-home"));
        Path fakeBin = passwordDatabase("""
                if [[ "$1" == passwd && "$2" == "$(id -u)" ]]; then
                  echo "gfsload:x:$(id -u):$(id -g)::%s:/bin/sh"
                else
                  exit 2
                fi
                """.formatted(userHome));

        CliRun run = launchWithout(fakeBin, "cluster", "status", "--data-dir", directory.resolve("no-cluster").toString());

        assertEquals(ExitCode.NOT_FOUND, run.exitCode(), run.err());
        assertEquals(List.of(), warnings(run));
        assertTrue(run.err().contains("gfsload cluster start --data-dir"), run.err());
        Path logs = userHome.resolve(".gfsload/logs");
        assertEquals(1, logNames(logs).size(), "this command's log in " + logs);
    }

    @Test
    void theCommandKeepsItsStateWhereTheScriptKeepsItsLogs() throws IOException {
        // HOME set to another directory than the password database's home (a container, CI, sudo -E),
        // GFSLOAD_HOME not set, or blank: ~/.gfsload is $HOME/.gfsload for the state as for the logs
        for (String gfsloadHome : List.of("", "  ")) {
            Path root = Files.createDirectories(directory.resolve("case-" + gfsloadHome.length()));
            Path home = Files.createDirectories(root.resolve("home"));
            Path passwordHome = Files.createDirectories(root.resolve("password-home"));
            Path data = Files.createDirectories(root.resolve("data"));
            Files.write(data.resolve("part-0"), new byte[10_000]);
            Map<String, String> environment = new HashMap<>(Map.of("PATH", System.getenv("PATH"), "HOME", home.toString(),
                    "GFSLOAD_JAVA_OPTS", "-Xmx512m -XX:TieredStopAtLevel=1 -Duser.home=" + passwordHome));
            if (!gfsloadHome.isEmpty()) {
                environment.put("GFSLOAD_HOME", gfsloadHome);
            }
            CliRun run;
            try (GfsLoadProcess process = GfsLoadProcess.startLauncherInEnvironment(installation, environment, root.resolve("output"),
                    "distributedLoad", "--progress", "none", data.toString())) {
                run = process.awaitExit(TIMEOUT);
            }

            assertEquals(0, run.exitCode(), run.err());
            assertEquals(1, logNames(home.resolve(".gfsload/logs")).size(), "this command's log");
            assertTrue(Files.isDirectory(home.resolve(".gfsload/cluster")), "the embedded cluster under $HOME/.gfsload");
            assertFalse(Files.exists(passwordHome.resolve(".gfsload")), "nothing under the password database's home");
        }
    }

    @Test
    void aPathWithCharactersBeyondAsciiIsFoundWithoutALocale() throws IOException {
        // the test's own JVM must be able to name the directory
        assumeTrue("UTF-8".equals(System.getProperty("sun.jnu.encoding")), "file names are UTF-8 in this JVM");
        Path data = Files.createDirectories(directory.resolve("données"));
        Files.write(data.resolve("part-0"), new byte[10_000]);
        // as env -i, a systemd unit or cron starts it: no LANG, LC_ALL or LC_CTYPE; then with a locale that is not UTF-8
        for (Map<String, String> locale : List.of(Map.<String, String>of(), Map.of("LANG", "C"), Map.of("LC_ALL", "C", "LANG", "C.UTF-8"))) {
            Path home = directory.resolve("home-" + locale.size() + locale.keySet().stream().sorted().toList());
            Map<String, String> environment = new HashMap<>(locale);
            environment.putAll(Map.of("PATH", System.getenv("PATH"), "GFSLOAD_HOME", home.toString()));
            CliRun run;
            try (GfsLoadProcess process = GfsLoadProcess.startLauncherInEnvironment(installation, environment, directory.resolve("output"),
                    "distributedLoad", "--progress", "none", "--json", data.toString())) {
                run = process.awaitExit(TIMEOUT);
            }

            assertEquals(0, run.exitCode(), locale + ": " + run.err());
            JsonNode report = JSON.readTree(run.out());
            assertEquals("SUCCEEDED", report.get("state").asText(), locale + ": " + report);
            assertEquals(10_000, report.get("totals").get("bytesLoaded").asLong(), locale + ": " + report);
            assertTrue(report.toString().contains("données/part-0"), locale + ": the file by its name: " + report);
        }
    }

    @Test
    void withoutHomeNorAHomeInThePasswordDatabaseTheCommandSaysToSetGfsloadHome() throws IOException, InterruptedException {
        // a user id the password database does not know (a container's arbitrary one)
        Path fakeBin = passwordDatabase("exit 2\n");

        CliRun run = launchWithout(fakeBin, "--help");

        assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
        assertEquals(List.of("gfsload: no home for gfsload's state and logs: HOME is not set and user id %s has no home in the password database; "
                .formatted(userId()) + "set GFSLOAD_HOME"), run.err().lines().toList());
        assertEquals("", run.out(), "the command does not run");
    }

    /** A directory with a {@code getent} running {@code body} (bash), to put first on the PATH. */
    private Path passwordDatabase(String body) throws IOException {
        Path fakeBin = Files.createDirectories(directory.resolve("fake-bin"));
        Path getent = fakeBin.resolve("getent");
        Files.writeString(getent, "#!/usr/bin/env bash\n" + body);
        Files.setPosixFilePermissions(getent, PosixFilePermissions.fromString("rwxr-xr-x"));
        return fakeBin;
    }

    /** Runs the launcher with a PATH that has {@code fakeBin} first, and neither HOME nor GFSLOAD_HOME. */
    private CliRun launchWithout(Path fakeBin, String... args) {
        Map<String, String> environment = Map.of("PATH", fakeBin + ":" + System.getenv("PATH"));
        try (GfsLoadProcess process = GfsLoadProcess.startLauncherInEnvironment(installation, environment, directory.resolve("output"), args)) {
            return process.awaitExit(TIMEOUT);
        }
    }

    private static String userId() throws IOException, InterruptedException {
        Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, id.waitFor());
        return uid;
    }

    @Test
    void progressIsABarWhereStderrIsATerminalWhateverStdoutIs() throws IOException, InterruptedException {
        // script(1) gives the command a terminal: stdout goes to a file, stderr stays on the terminal
        assumeTrue(run("script", "-qec", "true", "/dev/null"), "script(1) runs here");
        Path data = Files.createDirectories(directory.resolve("data"));
        Files.write(data.resolve("part-0"), new byte[300_000]);
        Path report = directory.resolve("report.json");
        Path typescript = directory.resolve("terminal.txt");
        String command = "bash %s distributedLoad --json %s > %s".formatted(installation.resolve("bin/gfsload"), data, report);
        ProcessBuilder builder = new ProcessBuilder("script", "-qec", command, typescript.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("GFSLOAD_HOME", directory.resolve("home").toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("GFSLOAD_CLASSPATH", System.getProperty("java.class.path"));
        builder.environment().put("GFSLOAD_JAVA_OPTS", "-Xmx512m -XX:TieredStopAtLevel=1");
        builder.environment().remove("HIVE_CONF_DIR");
        Process process = builder.start();
        assertTrue(process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "gfsload under script(1) ends");

        String terminal = Files.readString(typescript);
        assertTrue(terminal.contains("Loading 100%"), "the bar: " + terminal);
        assertFalse(terminal.contains("\"event\""), "no JSON progress lines on a terminal: " + terminal);
        assertEquals("SUCCEEDED", JSON.readTree(report.toFile()).get("state").asText(), "stdout, a file, has the report alone");
    }

    @Test
    void aLinkToTheScriptOrToItsDirectoryRunsTheInstallationItLeadsTo() throws IOException {
        // /usr/local/bin/gfsload -> .../bin/gfsload, and a link to bin itself; the build output is
        // where the links lead: the script neither builds nor looks for it beside the links
        Path links = Files.createDirectories(directory.resolve("links"));
        Path toScript = Files.createSymbolicLink(links.resolve("gfsload"), installation.resolve("bin/gfsload"));
        Path toLink = Files.createSymbolicLink(links.resolve("gfsload-again"), Path.of("gfsload"));
        Path toDirectory = Files.createSymbolicLink(links.resolve("bin"), installation.resolve("bin"));
        // where readlink has no -f (older BSDs): the links are followed one by one
        Path noReadlinkF = fakeCommand("readlink", """
                for argument in "$@"; do
                  [[ "$argument" == -f ]] && { echo "readlink: illegal option -- f" >&2; exit 1; }
                done
                exec %s "$@"
                """.formatted(which("readlink")));
        Map<String, String> withoutReadlinkF = Map.of("PATH", noReadlinkF + ":" + System.getenv("PATH"));
        for (Map<String, String> environment : List.of(Map.<String, String>of(), withoutReadlinkF)) {
            for (Path script : List.of(toScript, toLink, toDirectory.resolve("gfsload"))) {
                CliRun run;
                try (GfsLoadProcess process = GfsLoadProcess.startLauncherScript(script, directory.resolve("home"), environment,
                        directory.resolve("output"), "--version")) {
                    run = process.awaitExit(TIMEOUT);
                }

                String context = script + " with " + environment + ": " + run.err();
                assertEquals(0, run.exitCode(), context);
                assertTrue(run.out().startsWith("gfsload "), run.out());
                assertFalse(run.err().contains("building from source"), context);
                assertFalse(Files.exists(directory.resolve("cli")), "no build beside the links: " + context);
            }
        }
    }

    @Test
    void aJavaThatCannotRunGfsloadIsRefusedBeforeAnythingElse() throws IOException {
        // Java 24 and later refuse Hadoop's Subject.getSubject: every load would fail at its first file system call
        for (String version : List.of("25.0.3", "24", "1.8.0_402", "11.0.2")) {
            Path javaHome = fakeJavaHome("java-" + version, version, "exit 1\n");
            Path home = directory.resolve("home-" + version);

            CliRun run = launchWithJava(javaHome, home, "--version");

            assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
            assertEquals(List.of(("gfsload: Java %s at %s (JAVA_HOME) cannot run gfsload: it needs Java 17 to 23 (Hadoop 3.3 cannot run on Java 24 "
                    + "and later); set JAVA_HOME to a Java 17 to 23 JDK").formatted(version, javaHome.resolve("bin/java"))), run.err().lines().toList());
            assertEquals("", run.out());
            assertFalse(Files.exists(home), "nothing done before the check: " + home);
        }
    }

    @Test
    void java23RunsGfsloadWithTheSecurityManagerAllowed() throws IOException {
        // Java 23 allows Subject.getSubject, which Hadoop calls, only with -Djava.security.manager=allow
        Path arguments = directory.resolve("java-arguments");
        Path javaHome = fakeJavaHome("java-23", "23.0.2", """
                printf '%%s\\n' "$@" > %s
                exec %s "$@"
                """.formatted(arguments, Path.of(System.getProperty("java.home"), "bin", "java")));

        CliRun run = launchWithJava(javaHome, directory.resolve("home"), "--version");

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("gfsload "), run.out());
        assertTrue(Files.readAllLines(arguments).contains("-Djava.security.manager=allow"), Files.readString(arguments));
    }

    @Test
    void aJavaThatIsMissingOrDoesNotRunIsBadSetUpWithItsFailedReport() throws IOException {
        // a JAVA_HOME without java (a quote in its path, to be escaped in the report), and one whose java does not run
        Path missing = directory.resolve("no\"such-jdk");
        Path broken = directory.resolve("broken-jdk");
        Path brokenJava = Files.createDirectories(broken.resolve("bin")).resolve("java");
        Files.writeString(brokenJava, "#!/usr/bin/env bash\necho \"Error: could not find libjava.so\" >&2\nexit 1\n");
        Files.setPosixFilePermissions(brokenJava, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<Path, String> errors = Map.of(
                missing, "Cannot run %s/bin/java (JAVA_HOME): no such file; gfsload needs Java 17 to 23: set JAVA_HOME to its JDK".formatted(missing),
                broken, "Cannot run %s/bin/java (JAVA_HOME): Error: could not find libjava.so; gfsload needs Java 17 to 23: set JAVA_HOME to its JDK"
                        .formatted(broken));
        for (Map.Entry<Path, String> javaHome : errors.entrySet()) {
            Path report = directory.resolve("reports/old.json");
            Files.createDirectories(report.getParent());
            Files.writeString(report, "{\"state\": \"SUCCEEDED\", \"exitCode\": 0}");
            Path newReport = directory.resolve("new/reports/report.json");
            Files.deleteIfExists(newReport);

            CliRun run = launchWithJava(javaHome.getKey(), directory.resolve("home"),
                    "distributedLoad", "--json", "--report", report.toString(), directory.toString());
            CliRun equalsForm = launchWithJava(javaHome.getKey(), directory.resolve("home"), "plan", "--report=" + newReport, "--path", "/data");

            String error = javaHome.getValue();
            String failure = JsonOutput.failureJson(ExitCode.USAGE, error);
            assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
            assertEquals(List.of("gfsload: " + error), run.err().lines().toList());
            assertEquals(failure + "\n", run.out(), "with --json, stdout has the FAILED report");
            assertEquals(failure + "\n", Files.readString(report), "no earlier run's report stands");
            assertEquals(error, JSON.readTree(report.toFile()).get("error").asText());
            assertEquals(ExitCode.USAGE, equalsForm.exitCode(), equalsForm.err());
            assertEquals("", equalsForm.out(), "without --json, stdout is empty");
            assertEquals(failure + "\n", Files.readString(newReport), "--report=FILE, its directories created");
        }
    }

    @Test
    void theFailedReportOfAMissingJavaIsNeverWrittenWhereNoFileIs() throws IOException, InterruptedException {
        Path missing = directory.resolve("no-such-jdk");
        Path fifo = directory.resolve("report.fifo");
        assertTrue(run("mkfifo", fifo.toString()), "mkfifo");
        Path toFifo = Files.createSymbolicLink(directory.resolve("fifo-link.json"), fifo);
        // a node of the test's own, the same device as /dev/null: without the check, only it would be replaced
        Path device = directory.resolve("null-device");
        boolean devices = run("mknod", device.toString(), "c", "1", "3");
        List<String> reports = new ArrayList<>(List.of(fifo.toString(), toFifo.toString(), "/proc/self/fd/1", "/dev/stdout", "/dev/fd/1"));
        if (devices) {
            reports.add(Files.createSymbolicLink(directory.resolve("device-link.json"), device).toString());
        }
        for (String report : reports) {
            // the launcher's stdout goes to a file, as a scheduler's log: it is not replaced by the report
            CliRun run = launchWithJava(missing, directory.resolve("home"), "plan", "--report", report, "--path", "/data");
            assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
            assertEquals(List.of("gfsload: Cannot run %s/bin/java (JAVA_HOME): no such file; gfsload needs Java 17 to 23: set JAVA_HOME to its JDK"
                    .formatted(missing)), run.err().lines().toList());
            assertEquals("", run.out(), report + ": stdout, a file, is not replaced by the report");
        }
        assertEquals(0010000, (Integer) Files.getAttribute(fifo, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000, "the FIFO is still one");
        if (devices) {
            assertEquals(0020000, (Integer) Files.getAttribute(device, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000, "the device is still one");
        }
    }

    /** A JDK whose {@code bin/java} says it is Java {@code version} and otherwise runs {@code body} (bash). */
    private Path fakeJavaHome(String name, String version, String body) throws IOException {
        Path javaHome = directory.resolve(name);
        Path java = Files.createDirectories(javaHome.resolve("bin")).resolve("java");
        Files.writeString(java, """
                #!/usr/bin/env bash
                if [[ "$1" == -version ]]; then
                  echo 'openjdk version "%s" 2025-10-21' >&2
                  echo 'OpenJDK Runtime Environment (build %s)' >&2
                  exit 0
                fi
                """.formatted(version, version) + body);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return javaHome;
    }

    private CliRun launchWithJava(Path javaHome, Path home, String... args) {
        try (GfsLoadProcess process = GfsLoadProcess.startLauncherScript(installation.resolve("bin/gfsload"), home,
                Map.of("JAVA_HOME", javaHome.toString()), directory.resolve("output"), args)) {
            return process.awaitExit(TIMEOUT);
        }
    }

    /** A directory with an executable {@code name} running {@code body} (bash), to put first on the PATH. */
    private Path fakeCommand(String name, String body) throws IOException {
        Path fakeBin = Files.createDirectories(directory.resolve("fake-" + name));
        Path command = fakeBin.resolve(name);
        Files.writeString(command, "#!/usr/bin/env bash\n" + body);
        Files.setPosixFilePermissions(command, PosixFilePermissions.fromString("rwxr-xr-x"));
        return fakeBin;
    }

    /** The path of {@code command} on the PATH. */
    private static String which(String command) {
        return Stream.of(System.getenv("PATH").split(":")).map(entry -> Path.of(entry, command)).filter(Files::isExecutable)
                .findFirst().orElseThrow(() -> new AssertionError(command + " is not on the PATH")).toString();
    }

    /** Runs a system command; whether it exited 0. */
    private static boolean run(String... command) throws InterruptedException {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(1, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        }
        catch (IOException e) {
            return false;
        }
    }
}
