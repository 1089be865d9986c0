package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --report} replaces a file: a path that is not one (a FIFO, a device, a socket, or one of
 * the process's own descriptors, {@code /dev/stdout} and the file a scheduler appends stdout to
 * behind it) is refused before anything runs, and nothing there is deleted or replaced. The
 * devices are the test's own nodes, never the machine's {@code /dev/null}.
 */
class TestReportNotAFile {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final String NEEDS_A_FILE = "not a file; --report needs the path of a file, and --json prints the report on stdout";

    @TempDir
    Path directory;

    private Path home;
    private Path data;

    @BeforeEach
    void setUp() throws IOException {
        home = directory.resolve("home");
        data = Files.createDirectories(directory.resolve("data"));
        Files.write(data.resolve("f.bin"), new byte[10_000]);
    }

    @Test
    void aFifoIsRefusedAndStays() throws IOException, InterruptedException {
        Path fifo = directory.resolve("report.fifo");
        assertEquals(0, run("mkfifo", fifo.toString()), "mkfifo");
        Path link = Files.createSymbolicLink(directory.resolve("report-link.json"), fifo);

        assertRefused(CliRun.gfsload(home, "plan", "--path", data.toString(), "--report", fifo.toString()), fifo, "it is a FIFO");
        assertRefused(CliRun.gfsload(home, "distributedLoad", "--report", link.toString(), data.toString()), link, "it leads to %s, a FIFO".formatted(fifo));
        // a bad value before it: its FAILED report is not written there either
        CliRun badValue = CliRun.gfsload(home, "distributedLoad", "--replication", "abc", "--report", fifo.toString(), data.toString());
        assertEquals(ExitCode.USAGE, badValue.exitCode(), badValue.err());
        assertEquals("gfsload: Invalid value for option '--replication': 'abc' is not an int", badValue.err().strip());

        assertTrue(isFifo(fifo), "the FIFO is still one");
        assertTrue(Files.isSymbolicLink(link), "the link stays");
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void tuneRefusesToReadOrReplaceAFifo() throws IOException, InterruptedException {
        Path fifo = directory.resolve("core-site.fifo");
        assertEquals(0, run("mkfifo", fifo.toString()), "mkfifo");

        // reading it would wait for a writer for ever
        CliRun coreSite = CliRun.gfsload(home, "tune", "--path", data.toString(), "--core-site", fifo.toString());
        CliRun properties = CliRun.gfsload(home, "tune", "--path", data.toString(), "--cluster-properties", fifo.toString());

        assertEquals(ExitCode.USAGE, coreSite.exitCode(), coreSite.err());
        assertEquals("gfsload: Cannot write --core-site %s: it is a FIFO, not a file".formatted(fifo), coreSite.err().strip());
        assertEquals(ExitCode.USAGE, properties.exitCode(), properties.err());
        assertEquals("gfsload: Cannot write --cluster-properties %s: it is a FIFO, not a file".formatted(fifo), properties.err().strip());
        assertTrue(isFifo(fifo), "the FIFO is still one");
    }

    @Test
    void aPathThatLeadsToADeviceIsRefusedAndTheDeviceStays() throws IOException, InterruptedException {
        // a node of the test's own, the same device as /dev/null: without the check, only it would be replaced
        Path device = directory.resolve("null-device");
        assumeTrue(run("mknod", device.toString(), "c", "1", "3") == 0, "mknod runs here (root with CAP_MKNOD)");
        Path link = Files.createSymbolicLink(directory.resolve("report.json"), device);

        assertRefused(CliRun.gfsload(home, "plan", "--path", data.toString(), "--report", link.toString()), link,
                "it leads to %s, a character device".formatted(device));
        assertRefused(CliRun.gfsload(home, "--table", "demo.events", "--report", device.toString()), device, "it is a character device");

        assertTrue(isCharacterDevice(device), "the device is still one");
        assertTrue(Files.isSymbolicLink(link), "the link stays");
        assertTrue(isCharacterDevice(Path.of("/dev/null")), "/dev/null is still a device");
    }

    @Test
    void theProcessOwnDescriptorsAreRefusedAndTheFileBehindStdoutKeepsItsContent() throws IOException {
        Path stdout = directory.resolve("stdout.txt");
        String log = "the scheduler's log of earlier steps\n";
        Files.writeString(stdout, log);
        Object inode = Files.readAttributes(stdout, "unix:ino").get("ino");
        for (String report : List.of("/dev/stdout", "/proc/self/fd/1", "/dev/fd/1")) {
            try (GfsLoadProcess plan = GfsLoadProcess.start(home, ProcessBuilder.Redirect.appendTo(stdout.toFile()),
                    "plan", "--path", data.toString(), "--report", report)) {
                CliRun run = plan.awaitExit(TIMEOUT);
                assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
                assertEquals("gfsload: Cannot write --report %s: %s, %s".formatted(report, descriptor(report), NEEDS_A_FILE), run.err().strip());
            }
            assertEquals(log, Files.readString(stdout), report + ": the file behind stdout keeps its content");
            assertEquals(inode, Files.readAttributes(stdout, "unix:ino").get("ino"), report + ": the same file, not one put in its place");
        }
        // stdout a pipe: the same refusal, not a failure to create a file among the descriptors
        try (GfsLoadProcess plan = GfsLoadProcess.start(home, ProcessBuilder.Redirect.PIPE, "plan", "--path", data.toString(), "--report", "/dev/stdout")) {
            String printed = new String(plan.process().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            CliRun run = plan.awaitExit(TIMEOUT);
            assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
            assertEquals("gfsload: Cannot write --report /dev/stdout: it leads to /proc/self/fd/1, a descriptor the process has open, " + NEEDS_A_FILE,
                    run.err().strip());
            assertEquals("", printed);
        }
    }

    private static String descriptor(String report) {
        return report.equals("/dev/stdout") ? "it leads to /proc/self/fd/1, a descriptor the process has open" : "it is a descriptor the process has open";
    }

    private void assertRefused(CliRun run, Path report, String why) throws IOException {
        assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
        assertEquals("gfsload: Cannot write --report %s: %s, %s".formatted(report, why, NEEDS_A_FILE), run.err().strip());
        assertEquals("", run.out());
        assertTrue(!Files.exists(home) || listHome().isEmpty(), "nothing started: " + (Files.exists(home) ? listHome() : List.of()));
    }

    private List<Path> listHome() throws IOException {
        try (var files = Files.list(home)) {
            return files.toList();
        }
    }

    private static boolean isFifo(Path file) throws IOException {
        return fileType(file) == 0010000;
    }

    private static boolean isCharacterDevice(Path file) throws IOException {
        return fileType(file) == 0020000;
    }

    private static int fileType(Path file) throws IOException {
        return (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000;
    }

    /** Runs a system command; its exit code. */
    private static int run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!process.waitFor(1, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("%s did not exit within a minute".formatted(String.join(" ", command)));
        }
        return process.exitValue();
    }
}
