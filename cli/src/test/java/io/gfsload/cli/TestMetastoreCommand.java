package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.catalog.PartitionInfo;
import io.gfsload.catalog.TableInfo;
import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import io.gfsload.cli.demo.DemoDataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gfsload metastore start|status|stop} with a real metastore process, read through its Thrift address. */
class TestMetastoreCommand {
    /** Where the test of records that cannot be used makes them. */
    private static final String BROKEN = "broken";

    @TempDir
    Path home;

    record Run(int exitCode, String out, String err) {}

    private Run metastore(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = MetastoreCommand.commandLine(new CliEnvironment(home));
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return new Run(commandLine.execute(args), out.toString(), err.toString());
    }

    /** Kills whatever a failed test left running, by the pid the command recorded (the records made broken on purpose start none). */
    @AfterEach
    void killLeftovers() throws IOException {
        try (var files = Files.walk(home)) {
            for (Path file : files.filter(path -> path.getFileName().toString().equals(MetastoreCommand.METASTORE_FILE)
                    && !path.startsWith(home.resolve(BROKEN))).toList()) {
                MetastoreCommand.handle(file.getParent(), record(file.getParent())).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void aMetastoreThatCannotStartIsReportedInOneLineWithItsReason() throws Exception {
        Path directory = Files.createDirectories(home.resolve("unusable"));
        // where its warehouse directory goes, a file
        Files.writeString(directory.resolve("warehouse"), "not a directory");

        Run start = metastore("start", "--data-dir", directory.toString());

        assertEquals(4, start.exitCode(), start.err());
        List<String> lines = start.err().lines().toList();
        assertEquals(1, lines.size(), "one line, not the log's stack trace: " + start.err());
        assertTrue(lines.get(0).startsWith("gfsload: Cannot start the metastore in " + directory + ": it exited with code "), lines.get(0));
        assertTrue(lines.get(0).contains("warehouse") && lines.get(0).endsWith("; see its log " + directory.resolve("logs").resolve("metastore.log")),
                lines.get(0));
    }

    @Test
    void servesTheDemoTableToThriftClientsAndToCommandsWithoutMetastore() throws Exception {
        Path directory = home.resolve("metastore");
        Run start = metastore("start", "--java-option=-Xmx256m", "--java-option=-XX:TieredStopAtLevel=1");
        assertEquals(ExitCode.OK, start.exitCode(), start.err());
        MetastoreCommand.MetastoreRecord record = record(directory);
        URI uri = URI.create("thrift://127.0.0.1:" + record.port());
        assertEquals("Metastore started in " + directory + ": " + uri + " (pid " + record.pid() + ")\n"
                + "Created the demo table demo.events in it, its files under " + home.resolve("demo") + "\n"
                + "Use it with: --metastore " + uri + "\n"
                + "Commands that would start the embedded metastore in " + directory + " use it instead\n", start.out());
        assertEquals("", start.err());
        assertTrue(ProcessHandle.of(record.pid()).map(ProcessStates::isRunning).orElse(false), "the metastore outlives the command");
        assertEquals(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"), record.javaOptions());

        Run status = metastore("status");
        assertEquals(ExitCode.OK, status.exitCode(), status.err());
        assertEquals("Metastore in " + directory + ": " + uri + " (pid " + record.pid() + "), with the demo table demo.events\n", status.out());

        // a Thrift client reads the demo table, whose files a job on this machine can read
        try (ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(uri)) {
            TableInfo table = catalog.getTable(DemoDataset.TABLE).orElseThrow();
            List<PartitionInfo> partitions = catalog.listPartitions(table);
            assertEquals(DemoDataset.DAYS.size(), partitions.size());
            for (PartitionInfo partition : partitions) {
                URI location = URI.create(partition.location());
                assertEquals("file", location.getScheme(), partition.location());
                assertTrue(Path.of(location.getPath()).startsWith(home.resolve("demo")), partition.location());
                try (var files = Files.list(Path.of(location.getPath()))) {
                    assertEquals(3, files.filter(file -> file.getFileName().toString().endsWith(".parquet")).count(), partition.location());
                }
            }
        }

        // a command without --metastore uses it, and says so, where it would start the embedded metastore
        CliRun plan = CliRun.gfsload(home, "plan", "--table", "demo.events", "--partition", "dt=2026-11-20");
        assertEquals(ExitCode.OK, plan.exitCode(), plan.err());
        assertEquals("Using the metastore that 'gfsload metastore start' serves from " + directory + ": " + uri, plan.err().strip());
        assertTrue(plan.out().contains("dt=2026-11-20       3    79.4 MiB       4"), plan.out());

        Run again = metastore("start");
        assertEquals(ExitCode.USAGE, again.exitCode());
        assertEquals("gfsload: A metastore is already running in " + directory + ": " + uri + " (pid " + record.pid() + ")\n", again.err());

        Run stop = metastore("stop");
        assertEquals(ExitCode.OK, stop.exitCode(), stop.err());
        assertEquals("Metastore in " + directory + " stopped: " + uri + " (pid " + record.pid() + ")\n", stop.out());
        assertFalse(ProcessHandle.of(record.pid()).map(ProcessStates::isRunning).orElse(false), "the process is gone");
        assertTrue(Files.readString(Path.of(record.log())).contains("Stopping the metastore in " + directory), "asked to stop, not killed");
        assertTrue(MetastoreCommand.serving(directory).isEmpty(), "commands start the embedded metastore again");

        String stoppedAt = record(directory).stoppedAt();
        Run gone = metastore("status");
        assertEquals(ExitCode.NOT_FOUND, gone.exitCode());
        // the time in UTC to the second, not to the nanosecond the record has
        String shownStoppedAt = Instant.parse(stoppedAt).truncatedTo(ChronoUnit.SECONDS).toString();
        assertTrue(shownStoppedAt.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z"), shownStoppedAt);
        assertEquals("gfsload: No metastore runs in " + directory + ": it was stopped at " + shownStoppedAt
                + "; gfsload metastore start --data-dir " + directory + " starts it again\n", gone.err());
        assertEquals(ExitCode.NOT_FOUND, metastore("stop").exitCode());

        // started again: the same port, JVM options and tables
        Run restart = metastore("start");
        assertEquals(ExitCode.OK, restart.exitCode(), restart.err());
        MetastoreCommand.MetastoreRecord restarted = record(directory);
        assertEquals(record.port(), restarted.port());
        assertEquals(record.javaOptions(), restarted.javaOptions());
        assertFalse(restart.out().contains("Created the demo table"), restart.out());

        // killed: status says it is not running, and commands no longer use it
        ProcessHandle handle = ProcessHandle.of(restarted.pid()).orElseThrow();
        handle.destroyForcibly();
        handle.onExit().get(30, TimeUnit.SECONDS);
        Run dead = metastore("status");
        assertEquals(ExitCode.FAILED, dead.exitCode());
        assertEquals("gfsload: The metastore in " + directory + " (" + uri + ", pid " + restarted.pid() + ") is not running; its log is "
                + restarted.log() + "\nTo start it again: gfsload metastore start --data-dir " + directory + "\n", dead.err());
        assertTrue(MetastoreCommand.serving(directory).isEmpty());
        Run stopDead = metastore("stop");
        assertEquals(ExitCode.OK, stopDead.exitCode(), stopDead.err());
        assertEquals("Metastore in " + directory + " stopped: it was not running\n", stopDead.out());

        Run none = metastore("status", "--data-dir", home.resolve("none").toString());
        assertEquals(ExitCode.NOT_FOUND, none.exitCode());
        assertEquals("gfsload: No metastore was started in " + home.resolve("none") + " (no metastore.json); gfsload metastore start --data-dir "
                + home.resolve("none") + " starts one\n", none.err());
    }

    @Test
    void aMetastoreRecordThatCannotBeUsedFailsEveryCommandWithExitFourSayingWhatToDo() throws IOException {
        Path parent = home.resolve(BROKEN);
        Map<Path, String> broken = new BrokenRecords(parent, MetastoreCommand.METASTORE_FILE)
                .unreadable("{\"pid\": 12345, \"port\": 19083, \"log\": \"/var/log/meta", 52)
                .with("no-log", """
                        {"pid": 12345, "startedAt": "2026-11-22T10:00:00Z", "port": 19083, "javaOptions": ["-Xmx512m"]}
                        """, "is not the record of a metastore (it has no log)")
                .with("no-port", """
                        {"pid": 12345, "log": "metastore.log", "javaOptions": []}
                        """, "is not the record of a metastore (it has no port)")
                .with("wrong-type", """
                        {"pid": 12345, "port": 19083, "log": "metastore.log", "javaOptions": {"heap": "-Xmx512m"}}
                        """, "is not the record of a metastore (its field javaOptions has a value of the wrong type)")
                .with("not-an-object", "[12345, 19083]", "is not the record of a metastore (not a JSON object of its fields)")
                .reasons();

        for (Map.Entry<Path, String> entry : broken.entrySet()) {
            Path dir = entry.getKey();
            Path file = dir.resolve(MetastoreCommand.METASTORE_FILE);
            String expected = "gfsload: Cannot use the metastore in " + dir + ": " + file + ", the record of its process, " + entry.getValue()
                    + ". Stop its process by hand if it runs (its command line names " + dir + ": pgrep -af " + dir + "/), then remove "
                    + file + " to start it again there (its tables are kept), or start one in another directory with --data-dir\n";
            for (String command : List.of("status", "stop", "start")) {
                Run run = metastore(command, "--data-dir", dir.toString());
                assertEquals(ExitCode.FAILED, run.exitCode(), command + " in " + dir + ": " + run.err());
                assertEquals(expected, run.err(), command + " in " + dir);
                assertEquals("", run.out());
            }
            // the whole command line exits so too
            CliRun status = CliRun.gfsload(home, "metastore", "status", "--data-dir", dir.toString());
            assertEquals(ExitCode.FAILED, status.exitCode(), status.err());
            assertEquals(expected, status.err());
            // commands that would start the embedded metastore there are not sent to it
            assertTrue(MetastoreCommand.serving(dir).isEmpty(), dir.toString());
            try (var files = Files.list(dir)) {
                assertEquals(List.of(file), files.toList(), "nothing started, the record left as it was");
            }
        }
    }

    /**
     * SIGTERM (as Ctrl-C's SIGINT) while start waits for the metastore to serve kills the process it
     * started and records nothing, saying so in one line: the same start then runs again at once.
     */
    @Test
    void aStartInterruptedWhileItWaitsKillsTheProcessAndRunsAgain() throws Exception {
        Path directory = home.resolve("interrupted");
        List<ProcessHandle> started = new ArrayList<>();
        try (GfsLoadProcess start = GfsLoadProcess.start(home, "metastore", "start", "--data-dir", directory.toString(),
                "--java-option=-XX:TieredStopAtLevel=1")) {
            ClusterProcesses.await(() -> {
                started.clear();
                ProcessHandle.of(start.pid()).stream().flatMap(ProcessHandle::descendants)
                        .filter(process -> process.info().commandLine().orElse("").contains("-Dgfsload.metastore.server=" + directory))
                        .forEach(started::add);
                return !start.isAlive() || !started.isEmpty();
            }, Duration.ofSeconds(60), "the start starts the metastore");
            assertEquals(1, started.size(), "the metastore: " + start.errLines());

            CliRun interrupted = start.terminate();

            assertEquals(143, interrupted.exitCode(), interrupted.err());
            ClusterProcesses.await(() -> started.stream().noneMatch(ProcessStates::isRunning), Duration.ofSeconds(10),
                    "the metastore the start had started ends");
            assertEquals("gfsload: metastore start interrupted: killed the processes it had started (metastore); run it again to start "
                    + "the metastore", interrupted.err().lines().reduce((first, last) -> last).orElse(""), interrupted.err());
        }
        finally {
            started.forEach(ProcessHandle::destroyForcibly);
        }
        assertFalse(Files.exists(directory.resolve(MetastoreCommand.METASTORE_FILE)), "nothing recorded");

        Run again = metastore("start", "--data-dir", directory.toString(), "--java-option=-XX:TieredStopAtLevel=1");
        assertEquals(ExitCode.OK, again.exitCode(), again.err());
        assertEquals(ExitCode.OK, metastore("stop", "--data-dir", directory.toString()).exitCode());
    }

    @Test
    void aStartTimeoutUnderASecondIsSaidAsGiven() {
        Path directory = home.resolve("slow");
        Run start = metastore("start", "--data-dir", directory.toString(), "--timeout", "1ms");
        assertEquals(ExitCode.FAILED, start.exitCode(), start.err());
        assertEquals("gfsload: Cannot start the metastore in " + directory + ": it did not start within 1 ms; see "
                + directory.resolve("logs").resolve("metastore.log") + "\n", start.err());
    }

    @Test
    void aBadPortOrAPortInUseStartsNothing() throws IOException {
        Path directory = home.resolve("m");
        Run tooLarge = metastore("start", "--data-dir", directory.toString(), "--port", "70000");
        assertEquals(ExitCode.USAGE, tooLarge.exitCode());
        assertEquals("gfsload: --port: must be from 0 to 65535: 70000\n", tooLarge.err());
        Run notANumber = metastore("start", "--data-dir", directory.toString(), "--port", "thrift");
        assertEquals(ExitCode.USAGE, notANumber.exitCode());
        assertEquals("gfsload: --port: not an integer: thrift\n", notANumber.err());

        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();
            Run inUse = metastore("start", "--data-dir", directory.toString(), "--port", Integer.toString(port));
            assertEquals(ExitCode.USAGE, inUse.exitCode());
            assertEquals("gfsload: Cannot start the metastore in " + directory + ": the port " + port + " is in use by another process; "
                    + "free it, or give another with --port (0: any free port)\n", inUse.err());
        }
        assertFalse(Files.exists(directory.resolve(MetastoreCommand.METASTORE_FILE)), "nothing started");
    }

    @Test
    void aDirectoryInUseByAnotherProcessIsRefused() throws IOException {
        Path directory = Files.createDirectories(home.resolve("busy"));
        // as a command that runs the embedded metastore there holds it
        try (FileChannel channel = FileChannel.open(directory.resolve("metastore.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.lock()) {
            Run start = metastore("start", "--data-dir", directory.toString(), "--java-option=-XX:TieredStopAtLevel=1");
            assertEquals(ExitCode.FAILED, start.exitCode(), start.err());
            assertEquals("gfsload: Cannot start the metastore in " + directory + ": it is in use by another process (a gfsload command "
                    + "running the embedded metastore there?); start it once that command has ended\n", start.err());
            assertEquals("", start.out());
        }
        assertFalse(Files.exists(directory.resolve(MetastoreCommand.METASTORE_FILE)), "nothing started");
    }

    private static MetastoreCommand.MetastoreRecord record(Path directory) {
        try {
            return new ObjectMapper().readValue(directory.resolve(MetastoreCommand.METASTORE_FILE).toFile(), MetastoreCommand.MetastoreRecord.class);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
