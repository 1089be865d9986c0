package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.api.TempArea;
import io.gfsload.cache.api.TempAreaRun;
import io.gfsload.cache.api.TierInfo;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.client.ClientConfig;
import io.gfsload.cache.client.GrpcCacheClient;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gfsload cluster start|status|stop} with real master and worker processes. */
class TestClusterCommand {
    private static final String TOKEN = "cluster-test-token-0123456789";

    @Test
    void statusShowsATierWhoseDiskHasLessRoomThanItsQuota() {
        long mib = 1 << 20;
        WorkerInfo worker = new WorkerInfo("worker-1", "127.0.0.1", 4567, 1224 * mib, 23 * mib, true, List.of(
                new TierInfo(StorageTier.SSD, 200 * mib, 23 * mib, 23 * mib, 5, 0, 0),
                new TierInfo(StorageTier.HDD, 1024 * mib, 0, 0, 0, 0, TierInfo.NO_DISK_LIMIT)));

        assertEquals("23.0 MiB / 200.0 MiB (disk: 0 B free)", ClusterCommand.space(worker, StorageTier.SSD));
        assertEquals("0 B / 1.0 GiB", ClusterCommand.space(worker, StorageTier.HDD), "its disk does not limit the HDD tier");
        assertEquals("-", ClusterCommand.space(worker, StorageTier.MEM));
        assertEquals(1024 * mib, worker.freeBytes(), "the worker's free room counts its full disk");
    }

    @TempDir
    Path home;

    @TempDir
    Path dataDir;

    record Run(int exitCode, String out, String err) {}

    private Run cluster(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = ClusterCommand.commandLine(new CliEnvironment(home));
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return new Run(commandLine.execute(args), out.toString(), err.toString());
    }

    /** Kills whatever a failed test left running, by the pids the command recorded. */
    @AfterEach
    void killLeftovers() {
        ClusterProcesses.killRecorded(dataDir);
    }

    @Test
    void aStartTimeoutUnderASecondIsSaidAsGiven() throws Exception {
        Run start = cluster("start", "--workers", "1", "--data-dir", dataDir.toString(), "--timeout", "1ms");
        assertEquals(ExitCode.FAILED, start.exitCode(), start.err());
        assertEquals("gfsload: Cannot start the cache cluster in " + dataDir + ": master did not start within 1 ms; see "
                + dataDir.resolve("logs/master.log") + "\n", start.err());
    }

    @Test
    void startsReportsAndStopsAClusterOfProcesses() throws Exception {
        Path config = dataDir.resolve("cache.properties");
        Files.writeString(config, String.join("\n",
                "gfsload.cache.security.token=" + TOKEN,
                "gfsload.cache.master.heartbeat-interval=500ms",
                "gfsload.cache.worker.heartbeat-interval=500ms",
                "gfsload.cache.worker.tier.mem.dirs=" + dataDir.resolve("mem"),
                "gfsload.cache.worker.tier.mem.quota=16MiB",
                "gfsload.cache.worker.tier.ssd.dirs=" + dataDir.resolve("ssd"),
                "gfsload.cache.worker.tier.ssd.quota=64MiB",
                "gfsload.executor.active-jobs=4",
                ""));

        Run start = cluster("start", "--workers", "2", "--data-dir", dataDir.toString(), "--config", config.toString(),
                "--java-option=-Xmx256m", "--java-option=-XX:TieredStopAtLevel=1");

        assertEquals(0, start.exitCode(), start.err());
        JsonNode record = new ObjectMapper().readTree(dataDir.resolve(ClusterCommand.CLUSTER_FILE).toFile());
        String master = record.get("masterTarget").asText();
        assertEquals("Cache cluster started in " + dataDir + ": master " + master + ", 2 workers live\n"
                + "Use it with: gfsload --master " + master + " --token-file " + dataDir.resolve("master.properties") + " ...\n", start.out());
        assertEquals(2, record.get("workers").size());
        List<ProcessHandle> processes = new ArrayList<>();
        processes.add(ProcessHandle.of(record.get("master").get("pid").asLong()).orElseThrow());
        record.get("workers").forEach(worker -> processes.add(ProcessHandle.of(worker.get("pid").asLong()).orElseThrow()));
        assertTrue(processes.stream().allMatch(ProcessHandle::isAlive));
        assertTrue(Files.isDirectory(dataDir.resolve("ssd").resolve("worker-1")), "each worker has its own directory");
        assertTrue(Files.exists(dataDir.resolve("logs").resolve("worker-0.log")));

        Run again = cluster("start", "--workers", "2", "--data-dir", dataDir.toString());
        assertEquals(ExitCode.USAGE, again.exitCode());
        assertTrue(again.err().startsWith("gfsload: A cache cluster is already running in " + dataDir), again.err());

        byte[] data = new byte[3 << 20];
        new Random(1).nextBytes(data);
        BlockKey block = new BlockKey(new FileIdentity("cosn://bucket/t/part-0", data.length, 1), 0);
        try (CacheClient client = GrpcCacheClient.connect(master, ClientConfig.defaults().withToken(Optional.of(TOKEN)));
                BlockWriter writer = client.openWriter(block, data.length, 2)) {
            writer.write(data, 0, data.length);
            writer.commit();
            assertArrayEquals(data, readAll(client.openReader(block)));
        }

        Path ufs = Files.createDirectories(dataDir.resolve("ufs"));
        Files.write(ufs.resolve("part-0"), data);
        CliRun withToken = CliRun.gfsload(dataDir.resolve("home"), "status", "--path", ufs.toString(), "--master", master,
                "--token-file", dataDir.resolve("master.properties").toString());
        assertEquals(0, withToken.exitCode(), withToken.err());
        CliRun withConfig = CliRun.gfsload(dataDir.resolve("home"), "status", "--path", ufs.toString(), "--master", master,
                "--token-file", config.toString());
        assertEquals(0, withConfig.exitCode(), "the config file has the token too: " + withConfig.err());
        CliRun withoutToken = CliRun.gfsload(dataDir.resolve("home"), "status", "--path", ufs.toString(), "--master", master);
        assertEquals(ExitCode.USAGE, withoutToken.exitCode(), "the command's configuration");
        assertEquals("gfsload: Getting the cluster info at master " + master + " failed: the call carries no token; give the cluster's token "
                + "with --token-file FILE (or GFSLOAD_TOKEN_FILE)", withoutToken.err().strip());
        Path wrong = Files.writeString(dataDir.resolve("short-token"), "s3cr3t\n");
        CliRun badToken = CliRun.gfsload(dataDir.resolve("home"), "status", "--path", ufs.toString(), "--master", master,
                "--token-file", wrong.toString());
        assertEquals(ExitCode.USAGE, badToken.exitCode());
        assertEquals("gfsload: Invalid --token-file " + wrong + ": the token (its only line, or gfsload.cache.security.token) must be "
                + "16 to 256 printable ASCII characters without spaces (got 6 characters)", badToken.err().strip());

        // Workers report their space with their heartbeats, so the status may need a heartbeat of each to show both replicas.
        Run status = cluster("status", "--data-dir", dataDir.toString());
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!status.out().contains("6.0 MiB of 160.0 MiB used") && System.nanoTime() < deadline) {
            Thread.sleep(100);
            status = cluster("status", "--data-dir", dataDir.toString());
        }
        assertEquals(0, status.exitCode(), status.err());
        List<String> lines = status.out().lines().toList();
        assertEquals("Cache cluster in " + dataDir + ": master " + master + " (pid " + processes.get(0).pid() + ")",
                lines.get(0));
        assertTrue(lines.get(1).startsWith("WORKER       ADDRESS                PID      LIVE    MEM used/capacity"),
                lines.get(1));
        assertTrue(lines.get(2).startsWith("worker-0 "), lines.get(2));
        assertTrue(lines.get(2).contains(" " + processes.get(1).pid() + " "), lines.get(2));
        assertTrue(lines.get(2).contains(" yes "), lines.get(2));
        assertTrue(lines.get(2).contains("3.0 MiB / 16.0 MiB"), "the block went to MEM: " + lines.get(2));
        assertTrue(lines.get(2).contains("0 B / 64.0 MiB"), lines.get(2));
        assertEquals("2 of 2 workers live, 6.0 MiB of 160.0 MiB used; 0 under-replicated blocks; 0 open temp areas",
                lines.get(4));
        assertTrue(lines.stream().noneMatch(line -> line.endsWith(" ")), "no trailing spaces: " + lines);

        // the temp areas of atomic jobs: one a run of its job holds, one no run holds
        TempArea held;
        TempArea left;
        try (CacheClient client = GrpcCacheClient.connect(master, ClientConfig.defaults().withToken(Optional.of(TOKEN)))) {
            held = client.tempAreas().openTempArea("job-held", Duration.ofHours(1), new TempAreaRun("run-1", Duration.ofSeconds(30)));
            left = client.tempAreas().openTempArea("job-left", Duration.ofHours(2));
        }
        List<String> withAreas = cluster("status", "--data-dir", dataDir.toString()).out().lines().toList();
        assertTrue(withAreas.get(4).endsWith("; 2 open temp areas"), withAreas.get(4));
        assertEquals("Temp areas (blocks staged by atomic jobs, not visible to readers):", withAreas.get(5));
        assertTrue(withAreas.get(6).matches("  job-held         0 blocks, 0 B, until " + held.expiresAt() + "; held by a run of the job \\(renewed \\d+ s ago\\)"),
                withAreas.get(6));
        assertEquals("  job-left         0 blocks, 0 B, until " + left.expiresAt() + "; held by no run: the job's next run adopts it", withAreas.get(7));

        Run stop = cluster("stop", "--data-dir", dataDir.toString());
        assertEquals(0, stop.exitCode(), stop.err());
        assertEquals("Cache cluster in " + dataDir + " stopped: master and 2 workers\n", stop.out());
        assertTrue(processes.stream().noneMatch(ProcessStates::isRunning), "every process is gone (exited; a zombie until the JVM that started it reaps it)");
        assertTrue(Files.readString(dataDir.resolve("logs").resolve("master.log")).contains("Stopping the cache master"),
                "the master was asked to stop, not killed");
        String stoppedAt = new ObjectMapper().readTree(dataDir.resolve(ClusterCommand.CLUSTER_FILE).toFile())
                .get("stoppedAt").asText();

        Run gone = cluster("status", "--data-dir", dataDir.toString());
        assertEquals(ExitCode.NOT_FOUND, gone.exitCode());
        // the time in UTC to the second, not to the nanosecond the record has
        String shownStoppedAt = Instant.parse(stoppedAt).truncatedTo(ChronoUnit.SECONDS).toString();
        assertTrue(shownStoppedAt.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z"), shownStoppedAt);
        assertEquals("gfsload: No cache cluster runs in " + dataDir + ": it was stopped at " + shownStoppedAt
                + "; gfsload cluster start --data-dir " + dataDir + " starts it again\n", gone.err());
        Run stoppedAgain = cluster("stop", "--data-dir", dataDir.toString());
        assertEquals(ExitCode.NOT_FOUND, stoppedAgain.exitCode());
        assertEquals(gone.err(), stoppedAgain.err());

        Run none = cluster("status", "--data-dir", dataDir.resolve("none").toString());
        assertEquals(ExitCode.NOT_FOUND, none.exitCode());
        assertEquals("gfsload: No cache cluster was started in " + dataDir.resolve("none") + " (no cluster.json); gfsload cluster start --data-dir "
                + dataDir.resolve("none") + " starts one\n", none.err());
    }

    @Test
    void aDataDirectoryThatIsAFileIsSaidToBeNoDirectory() throws IOException {
        Path file = Files.writeString(dataDir.resolve("cluster.properties"), "gfsload.cache.worker.port=0\n");
        for (String command : List.of("status", "stop")) {
            Run run = cluster(command, "--data-dir", file.toString());

            assertEquals(ExitCode.NOT_FOUND, run.exitCode(), command);
            assertEquals("gfsload: No cache cluster was started in " + file + ": it is a file, not a directory; give the --data-dir a cluster was "
                    + "started with (gfsload cluster start --data-dir DIR starts one)\n", run.err(), command);
        }
    }

    /**
     * Tokens as {@code openssl rand -base64 32} makes them ({@code +}, {@code /}, a trailing
     * {@code =}) and with the characters a properties file escapes: the master's properties file
     * that {@code cluster start} names, and a file with the token alone, both work for a load and
     * {@code status}.
     */
    @Test
    void tokensWithTheCharactersPropertiesFilesEscapeWorkFromTheClustersFileAndAlone() throws Exception {
        Path ufs = Files.createDirectories(dataDir.resolve("ufs"));
        Files.write(ufs.resolve("part-0"), new byte[64 << 10]);
        int cluster = 0;
        for (String token : List.of("q8Zr+0Xw/LmN3aBcD9eF1gH2iJ4kL5mN6oP7qR8sTuBk=", "s4:token=abcdef#123!xyz\\path")) {
            Path directory = dataDir.resolve("cluster-" + cluster++);
            Files.createDirectories(directory);
            Properties settings = new Properties();
            settings.setProperty("gfsload.cache.security.token", token);
            settings.setProperty("gfsload.cache.worker.tier.ssd.dirs", directory.resolve("ssd").toString());
            settings.setProperty("gfsload.cache.worker.tier.ssd.quota", "64MiB");
            Path config = directory.resolve("cache.properties");
            try (Writer writer = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
                settings.store(writer, null);
            }
            try {
                Run start = cluster("start", "--workers", "1", "--data-dir", directory.toString(), "--config", config.toString(),
                        "--java-option=-Xmx256m", "--java-option=-XX:TieredStopAtLevel=1", "--java-option=-XX:+UseSerialGC");
                assertEquals(0, start.exitCode(), start.err());
                String master = new ObjectMapper().readTree(directory.resolve(ClusterCommand.CLUSTER_FILE).toFile()).get("masterTarget").asText();
                Path masterProperties = directory.resolve("master.properties");
                assertTrue(start.out().endsWith("Use it with: gfsload --master " + master + " --token-file " + masterProperties + " ...\n"), start.out());
                assertFalse(start.out().contains(token) || start.err().contains(token), "the token is never shown");
                Path alone = Files.writeString(directory.resolve("token"), token + "\n");
                Path aloneCrlf = Files.writeString(directory.resolve("token-crlf"), "\r\n# the cluster's token\r\n" + token + "\r\n");

                Path home = directory.resolve("home");
                CliRun load = CliRun.gfsload(home, "distributedLoad", "--master", master, "--token-file", alone.toString(), ufs.toString());
                assertEquals(ExitCode.OK, load.exitCode(), token + ": " + load.err());
                for (Path tokenFile : List.of(masterProperties, alone, aloneCrlf)) {
                    CliRun status = CliRun.gfsload(home, "status", "--json", "--path", ufs.toString(), "--master", master, "--token-file", tokenFile.toString());
                    assertEquals(ExitCode.OK, status.exitCode(), tokenFile + ": " + status.err());
                    assertEquals(100.0, new ObjectMapper().readTree(status.out()).get("totals").get("cachedPercent").asDouble(), status.out());
                }
                Files.write(ufs.resolve("part-" + cluster), new byte[32 << 10]);
                CliRun again = CliRun.gfsload(home, "distributedLoad", "--json", "--master", master, "--token-file", masterProperties.toString(), ufs.toString());
                assertEquals(ExitCode.OK, again.exitCode(), token + ": " + again.err());
                assertFalse(again.out().contains(token) || again.err().contains(token), "the token is never shown");
            }
            finally {
                ClusterProcesses.killRecorded(directory);
            }
        }
    }

    @Test
    void aClusterRecordThatCannotBeUsedFailsEveryCommandWithExitFourSayingWhatToDo() throws IOException {
        // not in dataDir itself: what a test leaves running is killed by the record there
        Map<Path, String> broken = new BrokenRecords(dataDir, ClusterCommand.CLUSTER_FILE)
                .unreadable("{\"masterTarget\": \"127.0.0.1:19998\", \"master\": {\"name\": \"mas", 60)
                .with("no-config", """
                        {"masterTarget": "127.0.0.1:19998", "workers": [],
                         "master": {"name": "master", "pid": 12345, "host": "127.0.0.1", "port": 19998, "log": "master.log"}}
                        """, "is not the record of a cache cluster (it has no master.config)")
                .with("no-worker-name", """
                        {"masterTarget": "127.0.0.1:19998",
                         "master": {"name": "master", "pid": 12345, "host": "127.0.0.1", "port": 19998, "config": "m.properties", "log": "m.log"},
                         "workers": [{"pid": 12346, "host": "127.0.0.1", "port": 19999, "config": "w.properties", "log": "w.log"}]}
                        """, "is not the record of a cache cluster (it has no workers[0].name)")
                .with("not-an-object", "[\"127.0.0.1:19998\"]", "is not the record of a cache cluster (not a JSON object of its fields)")
                .reasons();

        for (Map.Entry<Path, String> entry : broken.entrySet()) {
            Path dir = entry.getKey();
            String expected = "gfsload: Cannot use the cache cluster in " + dir + ": " + dir.resolve(ClusterCommand.CLUSTER_FILE)
                    + ", the record of its processes, " + entry.getValue() + ". Stop its processes by hand if any runs (their command "
                    + "lines name " + dir + ": pgrep -af " + dir + "/), then remove " + dir + " to start a new cluster there, or start one "
                    + "in another directory with --data-dir\n";
            for (String command : List.of("status", "stop", "start")) {
                Run run = cluster(command, "--data-dir", dir.toString());
                assertEquals(ExitCode.FAILED, run.exitCode(), command + " in " + dir + ": " + run.err());
                assertEquals(expected, run.err(), command + " in " + dir);
                assertEquals("", run.out());
            }
            // the whole command line exits so too
            CliRun status = CliRun.gfsload(home, "cluster", "status", "--data-dir", dir.toString());
            assertEquals(ExitCode.FAILED, status.exitCode(), status.err());
            assertEquals(expected, status.err());
            try (var files = Files.list(dir)) {
                assertEquals(List.of(dir.resolve(ClusterCommand.CLUSTER_FILE)), files.toList(), "nothing started, the record left as it was");
            }
        }
    }

    @Test
    void aClusterStartedAgainKeepsItsAddressesAndStartsOnlyWhatIsNotRunning() throws Exception {
        Path config = quickConfig();
        String[] start = quickStart(2, config);
        Run first = cluster(start);
        assertEquals(0, first.exitCode(), first.err());
        ClusterCommand.ClusterRecord record = record();
        String master = record.masterTarget();

        // A worker that died is started again alone, on its port; the others keep running.
        long worker0 = record.workers().get(0).pid();
        kill(record.workers().get(1));
        ClusterProcesses.await(() -> cluster("status", "--data-dir", dataDir.toString()).out().lines()
                .anyMatch(line -> line.startsWith("worker-1 ") && line.contains(" LOST ")), Duration.ofSeconds(30),
                "worker-1 is lost");
        Run restartWorker = cluster("start", "--data-dir", dataDir.toString());
        assertEquals(0, restartWorker.exitCode(), restartWorker.err());
        assertEquals("Cache cluster in " + dataDir + ": started worker-1 again; master " + master + ", 2 workers live\n",
                restartWorker.out());
        ClusterCommand.ClusterRecord afterWorker = record();
        assertEquals(worker0, afterWorker.workers().get(0).pid(), "worker-0 kept running");
        assertTrue(afterWorker.workers().get(1).pid() != record.workers().get(1).pid());
        assertEquals(record.workers().get(1).port(), afterWorker.workers().get(1).port());
        assertEquals(record.masterTarget(), afterWorker.masterTarget());

        Run allRun = cluster("start", "--data-dir", dataDir.toString());
        assertEquals(ExitCode.USAGE, allRun.exitCode());
        assertEquals("gfsload: A cache cluster is already running in " + dataDir + " (master " + master + ", pid "
                + record.master().pid() + "); all its processes run\n", allRun.err());
        // a --config that all its processes running leave unapplied says so, as --workers does
        Run allRunWithConfig = cluster("start", "--data-dir", dataDir.toString(), "--config", config.toString());
        assertEquals(ExitCode.USAGE, allRunWithConfig.exitCode());
        assertEquals("gfsload: A cache cluster is already running in " + dataDir + " (master " + master + ", pid "
                + record.master().pid() + "); all its processes run: stop it to start it with the settings of --config " + config + "\n",
                allRunWithConfig.err());
        Run moreWorkers = cluster("start", "--workers", "3", "--data-dir", dataDir.toString());
        assertEquals(ExitCode.USAGE, moreWorkers.exitCode());
        assertTrue(moreWorkers.err().endsWith(" with 2 workers; stop it to start it with 3\n"), moreWorkers.err());

        // a master that died is started again on its address, and the workers that run find it there
        kill(afterWorker.master());
        Path newConfig = Files.writeString(dataDir.resolve("new-settings.properties"), "gfsload.cache.worker.heartbeat-interval=2s\n");
        Run restartMaster = cluster("start", "--data-dir", dataDir.toString(), "--config", newConfig.toString());
        assertEquals(0, restartMaster.exitCode(), restartMaster.err());
        assertEquals("Cache cluster in " + dataDir + ": started the master again; master " + master + ", 2 workers live\n"
                + "--config " + newConfig + " is not applied to a running cluster: its processes start again with the settings they ran "
                + "with; stop the cluster to start it with new ones\n", restartMaster.out());
        Run status = cluster("status", "--data-dir", dataDir.toString());
        assertEquals(0, status.exitCode(), status.err());
        assertTrue(status.out().contains("2 of 2 workers live"), status.out());

        // stop says which processes were not running
        ClusterCommand.ClusterRecord afterMaster = record();
        kill(afterMaster.workers().get(0));
        Run stop = cluster("stop", "--data-dir", dataDir.toString());
        assertEquals(0, stop.exitCode(), stop.err());
        assertEquals("Cache cluster in " + dataDir + " stopped: master and 1 worker; worker-0 was not running\n", stop.out());

        // started again after stop: the same master and worker ports
        Run again = cluster(start);
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().startsWith("Cache cluster started in " + dataDir + ": master " + master + ", 2 workers live\n"),
                again.out());
        assertEquals(ports(record.workers()), ports(record().workers()));
        assertEquals(ExitCode.OK, cluster("stop", "--data-dir", dataDir.toString()).exitCode());

        // the master's port is taken: nothing starts; a worker's port is taken: it takes another
        int masterPort = record.master().port();
        int workerPort = record.workers().get(1).port();
        try (ServerSocket worker = listen(workerPort)) {
            try (ServerSocket taken = listen(masterPort)) {
                Run blocked = cluster(start);
                assertEquals(ExitCode.USAGE, blocked.exitCode());
                assertEquals("gfsload: Cannot start the master of the cache cluster in " + dataDir + ": its port "
                        + masterPort + " (" + master + " when it last ran) is in use by another process; free it, or set "
                        + "gfsload.cache.master.port in --config (0: any free port) and give its clients the new address\n",
                        blocked.err());
                assertTrue(new ObjectMapper().readTree(dataDir.resolve(ClusterCommand.CLUSTER_FILE).toFile()).has("stoppedAt"),
                        "nothing started");
            }
            Run moved = cluster(start);
            assertEquals(0, moved.exitCode(), moved.err());
            assertTrue(moved.out().contains("\nworker-1 listens on another port: its port " + workerPort + " is in use\n"),
                    moved.out());
            assertEquals(master, record().masterTarget());
            assertTrue(record().workers().get(1).port() != workerPort);
            assertEquals(ExitCode.OK, cluster("stop", "--data-dir", dataDir.toString()).exitCode());
        }

        // a port of 0 in the config: any free port
        Files.writeString(config, "gfsload.cache.master.port=0\n", StandardOpenOption.APPEND);
        try (ServerSocket taken = listen(masterPort)) {
            Run anyPort = cluster(start);
            assertEquals(0, anyPort.exitCode(), anyPort.err());
            assertTrue(record().master().port() != masterPort);
        }
    }

    @Test
    void aWorkerThatIsStoppingIsStartedAgainOnceItHasStopped() throws Exception {
        Path config = quickConfig();
        Run first = cluster(quickStart(3, config));
        assertEquals(0, first.exitCode(), first.err());
        ClusterCommand.ClusterRecord record = record();
        ClusterCommand.ProcessRecord worker2 = record.workers().get(2);

        // a connection held open to worker-2 (no gRPC on it) makes its stop wait for its server's drain, seconds
        try (Socket held = new Socket(worker2.host(), worker2.port())) {
            kill(record.workers().get(1));
            ProcessHandle stopping = ClusterCommand.handle(worker2).orElseThrow();
            stopping.destroy();
            // it tells the master it stops before its server drains
            ClusterProcesses.await(() -> cluster("status", "--data-dir", dataDir.toString()).out().lines()
                    .anyMatch(line -> line.startsWith("worker-2 ") && line.contains(" STOPPED ")), Duration.ofSeconds(30),
                    "worker-2 is no longer live at the master: it said that it stops");
            assertTrue(stopping.isAlive(), "worker-2 is still stopping when start begins");

            Run start = cluster("start", "--data-dir", dataDir.toString(), "--timeout", "30s");

            assertEquals(0, start.exitCode(), start.err());
            assertEquals("Cache cluster in " + dataDir + ": started worker-1 and worker-2 again; master " + record.masterTarget()
                    + ", 3 workers live\n", start.out());
            assertFalse(stopping.isAlive(), "the stopping worker-2 was waited for");
        }
        ClusterCommand.ClusterRecord after = record();
        assertEquals(record.workers().get(0).pid(), after.workers().get(0).pid(), "worker-0 kept running");
        assertTrue(after.workers().get(2).pid() != worker2.pid(), "worker-2 was started again");
        assertEquals(worker2.port(), after.workers().get(2).port());
        Run status = cluster("status", "--data-dir", dataDir.toString());
        assertTrue(status.out().contains("3 of 3 workers live"), status.out());
    }

    @Test
    void statusTellsAWorkerStoppedCleanlyFromALostOneAndWhatEachWorkerServesOn() throws Exception {
        Path config = quickConfig();
        Files.writeString(config, "gfsload.cache.master.metrics.port=0\n", StandardOpenOption.APPEND);
        Run first = cluster(quickStart(3, config));
        assertEquals(0, first.exitCode(), first.err());
        ClusterCommand.ClusterRecord record = record();
        byte[] data = new byte[1 << 20];
        new Random(2).nextBytes(data);
        try (CacheClient client = GrpcCacheClient.connect(record.masterTarget(), ClientConfig.defaults());
                BlockWriter writer = client.openWriter(new BlockKey(new FileIdentity("cosn://bucket/t/part-0", data.length, 1), 0),
                        data.length, 3)) {
            writer.write(data, 0, data.length);
            writer.commit();
            // a write under way holds its block's room until it ends
            try (BlockWriter unfinished = client.openWriter(new BlockKey(new FileIdentity("cosn://bucket/t/part-1", data.length, 1), 0),
                    data.length, 1)) {
                unfinished.write(data, 0, data.length / 2);
                ClusterProcesses.await(() -> cluster("status", "--data-dir", dataDir.toString()).out()
                        .contains(" used (1.0 MiB of it held by writes in progress); "), Duration.ofSeconds(30),
                        "status says how much of the used space writes in progress hold");
            }
            ClusterProcesses.await(() -> !cluster("status", "--data-dir", dataDir.toString()).out().contains("held by writes in progress"),
                    Duration.ofSeconds(30), "an aborted write holds no room");
        }

        // worker-1 is killed: it stops heartbeating; worker-2 is asked to stop (SIGTERM, as cluster stop does) and says so
        kill(record.workers().get(1));
        ProcessHandle stopped = ClusterCommand.handle(record.workers().get(2)).orElseThrow();
        stopped.destroy();
        stopped.onExit().get(30, TimeUnit.SECONDS);
        ClusterProcesses.await(() -> cluster("status", "--data-dir", dataDir.toString()).out().lines()
                .anyMatch(line -> line.startsWith("worker-1 ") && line.contains(" LOST ")), Duration.ofSeconds(30),
                "worker-1 is lost");

        Run status = cluster("status", "--data-dir", dataDir.toString());
        assertEquals(0, status.exitCode(), "workers that are not live are not a failure of the status: " + status.err());
        List<String> lines = status.out().lines().toList();
        assertTrue(lines.get(1).startsWith("WORKER       ADDRESS                PID      LIVE    MEM used/capacity"), lines.get(1));
        assertTrue(lines.get(2).startsWith("worker-0 ") && lines.get(2).contains(" yes "), lines.get(2));
        assertTrue(lines.get(3).startsWith("worker-1 ") && lines.get(3).contains(" LOST "), lines.get(3));
        assertTrue(lines.get(4).startsWith("worker-2 ") && lines.get(4).contains(" STOPPED "), lines.get(4));
        // the space of a worker that is not live is the last it reported, not its space now, and says so
        int ssd = lines.get(1).indexOf("SSD used/capacity");
        int hdd = lines.get(1).indexOf("HDD used/capacity");
        assertEquals("1.0 MiB / 64.0 MiB", lines.get(2).substring(ssd, hdd).strip(), lines.get(2));
        assertEquals("last known 1.0 MiB / 64.0 MiB", lines.get(3).substring(ssd, hdd).strip(), lines.get(3));
        assertEquals("last known 1.0 MiB / 64.0 MiB", lines.get(4).substring(ssd, hdd).strip(), lines.get(4));
        for (String line : lines.subList(2, 5)) {
            assertEquals(hdd, line.lastIndexOf(' ') + 1, "the columns stay aligned: " + status.out());
            assertEquals("-", line.substring(lines.get(1).indexOf("MEM used/capacity"), ssd).strip(), line);
        }
        assertEquals(List.of(Long.toString(record.workers().get(0).pid()), "-", "-"),
                lines.subList(2, 5).stream().map(line -> line.split("\\s+")[2]).toList(), "no pid for a process that has ended");
        assertTrue(lines.get(5).startsWith("1 of 3 workers live (1 lost, 1 stopped), "), lines.get(5));
        assertTrue(lines.get(5).contains("; 1 under-replicated block; "), "a stopped worker's replicas are missing all the same: "
                + lines.get(5));

        // the master's check for lost workers counts worker-1 at its next round, which may come after status shows it LOST
        List<String> expected = List.of("gfsload_master_workers{state=\"live\"} 1.0", "gfsload_master_workers{state=\"lost\"} 1.0",
                "gfsload_master_workers{state=\"stopped\"} 1.0", "gfsload_master_workers_lost_total 1.0",
                "gfsload_master_workers_stopped_total 1.0", "gfsload_master_blocks_under_replicated 1.0");
        URI metricsUri = URI.create("http://" + record.master().host() + ":" + record.master().metricsPort() + "/metrics");
        ClusterProcesses.await(() -> metrics(metricsUri).lines().toList().containsAll(expected), Duration.ofSeconds(30),
                "the master's metrics count a live, a lost and a stopped worker: " + expected);
        assertTrue(status.out().contains("\nDomain sockets (for clients on the workers' host; others use TCP):\n"
                + "  worker-0     /"), status.out());
        assertTrue(status.out().contains("\n  worker-1     not live\n  worker-2     not live\n"), status.out());
        // where each process serves its metrics: the master's free port, as it started with it
        List<String> endpoints = status.out().lines().dropWhile(line -> !line.equals("Metrics (Prometheus text format):")).skip(1).limit(4).toList();
        assertEquals(List.of("  master       " + metricsUri, "  worker-0     none (gfsload.cache.worker.metrics.port=-1)",
                "  worker-1     not running", "  worker-2     not running"), endpoints, status.out());

        // worker-1 starts again with a socket directory too long for a socket path (107 bytes), worker-2 without a socket
        Path longDirectory = dataDir.resolve("sockets-" + "d".repeat(100));
        Files.writeString(Path.of(record.workers().get(1).config()), "gfsload.cache.worker.domain-socket.dir=" + longDirectory + "\n",
                StandardOpenOption.APPEND);
        Files.writeString(Path.of(record.workers().get(2).config()), "gfsload.cache.worker.domain-socket=false\n",
                StandardOpenOption.APPEND);
        Run again = cluster("start", "--data-dir", dataDir.toString());
        assertEquals(0, again.exitCode(), again.err());

        Run serving = cluster("status", "--data-dir", dataDir.toString());
        assertEquals(0, serving.exitCode(), serving.err());
        List<String> sockets = serving.out().lines().dropWhile(line -> !line.startsWith("Domain sockets ")).skip(1).limit(3).toList();
        String worker0 = "  worker-0     ";
        assertTrue(sockets.get(0).startsWith(worker0), sockets.toString());
        Path socket = Path.of(sockets.get(0).substring(worker0.length()));
        assertTrue(socket.getFileName().toString().matches("gfsload-127\\.0\\.0\\.1-" + record.workers().get(0).port()
                + "-[0-9a-f]{16}\\.sock"), sockets.get(0));
        assertTrue(Files.exists(socket), "worker-0 serves on " + socket);
        Path log1 = dataDir.resolve("logs").resolve("worker-1.log");
        assertEquals("  worker-1     TCP only (no domain socket: see " + log1 + ")", sockets.get(1));
        assertTrue(Files.readString(log1).contains("Serving on TCP only: the domain socket " + longDirectory),
                "the log says why");
        assertEquals("  worker-2     TCP only (domain socket off)", sockets.get(2));
    }

    @Test
    void aStoppedClusterStartsAgainAsItRanWithItsTokenSettingsAndWorkers() throws Exception {
        Path config = dataDir.resolve("tok.properties");
        Files.writeString(config, String.join("\n",
                "gfsload.cache.security.token=" + TOKEN,
                "gfsload.cache.master.heartbeat-interval=500ms",
                "gfsload.cache.worker.heartbeat-interval=500ms",
                "gfsload.cache.worker.tier.ssd.quota=48MiB",
                "gfsload.cache.worker.reader.buffer-size=256KiB",
                "gfsload.cache.client.pool.max=8",
                "gfsload.cache.client.short-circuit-writes=false",
                "gfsload.cache.client.domain-socket=false",
                ""));
        Run first = cluster("start", "--workers", "2", "--data-dir", dataDir.toString(), "--config", config.toString(),
                "--java-option=-Xmx256m", "--java-option=-XX:TieredStopAtLevel=1");
        assertEquals(0, first.exitCode(), first.err());
        String master = record().masterTarget();
        assertFalse(Files.readString(dataDir.resolve(ClusterCommand.CLUSTER_FILE)).contains(TOKEN), "the record keeps no token");
        assertEquals(ExitCode.OK, cluster("stop", "--data-dir", dataDir.toString()).exitCode());

        // as the messages of stop and status say: without --config and --workers, the cluster starts as it ran
        Run again = cluster("start", "--data-dir", dataDir.toString());
        assertEquals(0, again.exitCode(), again.err());
        Path masterProperties = dataDir.resolve("master.properties");
        assertEquals("Cache cluster started in " + dataDir + ": master " + master + ", 2 workers live\n"
                + "Use it with: gfsload --master " + master + " --token-file " + masterProperties + " ...\n", again.out());
        assertEquals(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"), record().javaOptions(), "the JVM options it ran with");
        for (String file : List.of("master.properties", "worker-0.properties", "worker-1.properties")) {
            assertEquals(PosixFilePermissions.fromString("rw-------"),
                    Files.getPosixFilePermissions(dataDir.resolve(file)), file + " has the token");
        }
        assertFalse(Files.readString(dataDir.resolve(ClusterCommand.CLUSTER_FILE)).contains(TOKEN));
        Path ufs = Files.createDirectories(dataDir.resolve("ufs"));
        Files.write(ufs.resolve("part-0"), new byte[1024]);
        CliRun withoutToken = CliRun.gfsload(dataDir.resolve("home"), "status", "--path", ufs.toString(), "--master", master);
        assertEquals(ExitCode.USAGE, withoutToken.exitCode(), "the cluster still wants its token: " + withoutToken.err());
        CliRun withToken = CliRun.gfsload(dataDir.resolve("home"), "status", "--path", ufs.toString(), "--master", master,
                "--token-file", masterProperties.toString());
        assertEquals(0, withToken.exitCode(), withToken.err());
        ClusterProcesses.await(() -> cluster("status", "--data-dir", dataDir.toString()).out()
                .contains("\n2 of 2 workers live, 0 B of 96.0 MiB used;"), Duration.ofSeconds(20), "both workers have their quota");
        Run status = cluster("status", "--data-dir", dataDir.toString());
        // the client keys are the config's, for clients configured with it; gfsload's loads keep their defaults
        assertTrue(status.out().contains("\nSettings: reader buffer 256 KiB, checksum segment 1 MiB, max block 2 GiB, "
                + "heartbeat every 500ms, short-circuit writes on, domain socket on, eviction LRU, pulls from any file but local ones\n"
                + "Domain sockets (for clients on the workers' host; others use TCP):\n  worker-0     /"), status.out());
        assertTrue(status.out().endsWith(".sock\n"
                + "Metrics (Prometheus text format):\n"
                + "  master       none (gfsload.cache.master.metrics.port=-1)\n"
                + "  worker-0     none (gfsload.cache.worker.metrics.port=-1)\n"
                + "  worker-1     none (gfsload.cache.worker.metrics.port=-1)\n"
                + "Client keys (gfsload.cache.client.*): up to 8 worker connections, short-circuit writes off, domain socket off; "
                + "for clients configured with this config, and gfs:// with them in its Hadoop configuration; gfsload loads keep their "
                + "defaults (up to 64 worker connections, short-circuit writes on, domain socket on)\n"),
                status.out());
        String workerLog = Files.readString(dataDir.resolve("logs").resolve("worker-1.log"));
        assertTrue(workerLog.contains("; reader buffer 256 KiB, checksum segment 1 MiB, max block 2 GiB, heartbeat every "
                + "500ms, short-circuit writes on, domain socket on, eviction LRU"), workerLog);
        assertFalse(workerLog.contains(TOKEN));
        assertEquals(ExitCode.OK, cluster("stop", "--data-dir", dataDir.toString()).exitCode());

        // the token is never dropped: not when the file that keeps it is gone, not by a config without one
        Files.move(masterProperties, dataDir.resolve("master.properties.saved"));
        Run tokenGone = cluster("start", "--data-dir", dataDir.toString());
        assertEquals(ExitCode.USAGE, tokenGone.exitCode());
        assertEquals("gfsload: Cannot start the cache cluster in " + dataDir + " as it ran: its token "
                + "(gfsload.cache.security.token) is kept in " + masterProperties + " only, which cannot be read (no such "
                + "file or directory); give the cluster's settings with --config FILE\n", tokenGone.err());
        Path open = dataDir.resolve("open.properties");
        Files.writeString(open, "gfsload.cache.worker.heartbeat-interval=500ms\ngfsload.cache.worker.tier.ssd.quota=32MiB\n");
        Run noToken = cluster("start", "--data-dir", dataDir.toString(), "--config", open.toString());
        assertEquals(ExitCode.USAGE, noToken.exitCode());
        assertEquals("gfsload: The cache cluster in " + dataDir + " ran with a token (gfsload.cache.security.token) and "
                + open + " sets none: add it, or set gfsload.cache.security.token= (empty) to start the cluster without "
                + "one\n", noToken.err());
        assertTrue(record().stoppedAt() != null, "nothing started");

        // a new config applies as a whole, and after a stop another number of workers may start
        Files.writeString(open, "gfsload.cache.security.token=\n", StandardOpenOption.APPEND);
        Run fewer = cluster("start", "--workers", "1", "--data-dir", dataDir.toString(), "--config", open.toString());
        assertEquals(0, fewer.exitCode(), fewer.err());
        assertEquals("Cache cluster started in " + dataDir + ": master " + master + ", 1 worker live\n"
                + "Use it with: gfsload --master " + master + " ...\n", fewer.out());
        CliRun openCluster = CliRun.gfsload(dataDir.resolve("home"), "status", "--path", ufs.toString(), "--master", master);
        assertEquals(0, openCluster.exitCode(), openCluster.err());
        assertEquals(1, record().workers().size());
        assertEquals(ExitCode.OK, cluster("stop", "--data-dir", dataDir.toString()).exitCode());
    }

    @Test
    void aPortTheConfigFixesThatIsInUseStartsNothing() throws IOException {
        Path config = dataDir.resolve("pin.properties");
        try (ServerSocket taken = listenWithFreePortBelow()) {
            int port = taken.getLocalPort();
            String end = " is in use by another process; free it, or set another port in the config (0: any free port)\n";
            for (String pinned : List.of("gfsload.cache.master.port", "gfsload.cache.master.metrics.port",
                    "gfsload.cache.worker.port", "gfsload.cache.worker.metrics.port")) {
                Files.writeString(config, pinned + "=" + port + "\n");
                Run start = cluster("start", "--workers", "1", "--data-dir", dataDir.toString(), "--config", config.toString());
                assertEquals(ExitCode.USAGE, start.exitCode(), start.err());
                assertEquals("gfsload: Cannot start the cache cluster in " + dataDir + ": " + pinned + "=" + port + end,
                        start.err());
            }
            // worker i gets the port P + i
            Files.writeString(config, "gfsload.cache.worker.port=" + (port - 1) + "\n");
            Run second = cluster("start", "--workers", "2", "--data-dir", dataDir.toString(), "--config", config.toString());
            assertEquals(ExitCode.USAGE, second.exitCode(), second.err());
            assertEquals("gfsload: Cannot start the cache cluster in " + dataDir + ": gfsload.cache.worker.port="
                    + (port - 1) + " gives worker-1 the port " + port + ", which" + end, second.err());
        }
        assertEquals(List.of(config), Files.list(dataDir).toList(), "nothing started, nothing written");
    }

    /**
     * A start that fails before any process started (a port in use) leaves no directory it created:
     * neither the data directory nor its missing parents; one that existed is kept as it was.
     */
    @Test
    void aStartThatFailsBeforeAnyProcessLeavesNoDirectoryItCreated() throws IOException {
        Path config = dataDir.resolve("pin.properties");
        Path created = dataDir.resolve("new");
        Path directory = created.resolve("cluster");
        try (ServerSocket taken = listenWithFreePortBelow()) {
            Files.writeString(config, "gfsload.cache.master.port=" + taken.getLocalPort() + "\n");
            for (Path dir : List.of(directory, dataDir)) {
                Run start = cluster("start", "--workers", "1", "--data-dir", dir.toString(), "--config", config.toString());
                assertEquals(ExitCode.USAGE, start.exitCode(), start.err());
                assertTrue(start.err().startsWith("gfsload: Cannot start the cache cluster in " + dir + ": gfsload.cache.master.port="),
                        start.err());
            }
        }
        assertFalse(Files.exists(created), "the directories the start created are gone");
        assertEquals(List.of(config), Files.list(dataDir).toList(), "the existing data directory is as it was");
    }

    /**
     * While a start runs, another start or a stop of the same data directory is refused at once
     * with one line naming the command that holds it (exit 2), and the first start goes on.
     */
    @Test
    void aStartOrStopWhileAStartRunsIsRefusedAtOnce() throws Exception {
        Path config = quickConfig();
        String[] start = quickStart(1, config);
        try (GfsLoadProcess first = GfsLoadProcess.start(home, "cluster", "start", "--workers", "1", "--data-dir", dataDir.toString(),
                "--config", config.toString(), "--java-option=-Xmx256m", "--java-option=-XX:TieredStopAtLevel=1")) {
            // the first start waits for its master
            ClusterProcesses.await(() -> !first.isAlive() || ProcessHandle.of(first.pid()).stream().flatMap(ProcessHandle::descendants)
                    .anyMatch(process -> process.info().commandLine().orElse("").contains("-Dgfsload.cache.server=master")),
                    Duration.ofSeconds(60), "the first start starts its master");
            String refused = "gfsload: another gfsload command is starting or stopping the cluster in " + dataDir + " (pid " + first.pid()
                    + "); run this command once it has ended\n";
            Run second = cluster(start);
            assertEquals(ExitCode.USAGE, second.exitCode(), second.err());
            assertEquals(refused, second.err());
            Run stop = cluster("stop", "--data-dir", dataDir.toString());
            assertEquals(ExitCode.USAGE, stop.exitCode(), stop.err());
            assertEquals(refused, stop.err());

            CliRun started = first.awaitExit(Duration.ofSeconds(120));
            assertEquals(ExitCode.OK, started.exitCode(), started.err());
        }
        assertEquals(ExitCode.OK, cluster("status", "--data-dir", dataDir.toString()).exitCode());
        assertFalse(Files.exists(dataDir.resolve(ClusterCommand.LOCK_FILE)), "the lock file goes with the command that held it");
        assertEquals(ExitCode.OK, cluster("stop", "--data-dir", dataDir.toString()).exitCode());
    }

    /** Ports the config fixes for two of the cluster's servers: a usage error naming both, and nothing starts. */
    @Test
    void aPortTheConfigFixesForTwoServersStartsNothing() throws IOException {
        Path config = dataDir.resolve("clash.properties");
        int port;
        try (ServerSocket free = listenWithFreePortBelow()) {
            port = free.getLocalPort() - 1;
        }
        String start = "gfsload: " + config + ": the port ";
        String end = "; give each server a port of its own (worker i gets P + i)\n";

        Files.writeString(config, "gfsload.cache.master.port=" + port + "\ngfsload.cache.master.metrics.port=" + port + "\n");
        Run master = cluster("start", "--workers", "1", "--data-dir", dataDir.toString(), "--config", config.toString());
        assertEquals(ExitCode.USAGE, master.exitCode(), master.err());
        assertEquals(start + port + " is set twice: gfsload.cache.master.port=" + port + " for the master and "
                + "gfsload.cache.master.metrics.port=" + port + " for the master's metrics" + end, master.err());

        // worker i gets P + i of each key: worker-0's metrics port is worker-1's port
        Files.writeString(config, "gfsload.cache.worker.port=" + port + "\ngfsload.cache.worker.metrics.port=" + (port + 1) + "\n");
        Run workers = cluster("start", "--workers", "2", "--data-dir", dataDir.toString(), "--config", config.toString());
        assertEquals(ExitCode.USAGE, workers.exitCode(), workers.err());
        assertEquals(start + (port + 1) + " is set twice: gfsload.cache.worker.metrics.port=" + (port + 1) + " for worker-0's "
                + "metrics and gfsload.cache.worker.port=" + port + " for worker-1 (" + port + " + 1)" + end, workers.err());

        assertFalse(Files.exists(dataDir.resolve(ClusterCommand.CLUSTER_FILE)), "nothing started");
        assertFalse(Files.exists(dataDir.resolve("logs")), "no process started");
    }

    /**
     * A process started again keeps the metrics port the config fixes, where the scrapers look: taken
     * by another process meanwhile, start exits 2 naming it and starts nothing.
     */
    @Test
    void aProcessStartedAgainWhoseMetricsPortIsInUseStartsNothing() throws Exception {
        int port;
        try (ServerSocket free = listenWithFreePortBelow()) {
            port = free.getLocalPort() - 1;
        }
        Path config = dataDir.resolve("metrics.properties");
        Files.writeString(config, "gfsload.cache.worker.metrics.port=" + port + "\n");
        String[] start = {"start", "--workers", "2", "--data-dir", dataDir.toString(), "--config", config.toString(),
                "--java-option=-Xmx256m", "--java-option=-XX:TieredStopAtLevel=1"};
        Run first = cluster(start);
        assertEquals(0, first.exitCode(), first.err());
        ClusterCommand.ProcessRecord lost = record().workers().get(1);
        kill(lost);
        try (ServerSocket taken = listen(port + 1)) {
            Run again = cluster("start", "--data-dir", dataDir.toString());
            assertEquals(ExitCode.USAGE, again.exitCode(), again.err());
            assertEquals("gfsload: Cannot start the cache cluster in " + dataDir + " again: gfsload.cache.worker.metrics.port="
                    + port + " gives worker-1 the port " + (port + 1) + ", which is in use by another process; free it, or "
                    + "stop the cluster and start it with another port in --config (0: any free port)\n", again.err());
            assertEquals(lost, record().workers().get(1), "worker-1 was not started");
        }
        Run freed = cluster("start", "--data-dir", dataDir.toString());
        assertEquals(0, freed.exitCode(), freed.err());
        assertEquals(port + 1, record().workers().get(1).metricsPort());
        assertEquals(ExitCode.OK, cluster("stop", "--data-dir", dataDir.toString()).exitCode());
    }

    @Test
    void aProcessThatExitedButIsNotReapedDoesNotRun() throws Exception {
        assumeTrue(Files.isRegularFile(Path.of("/proc/self/stat")), "a system that tells zombies in /proc");
        Run start = cluster("start", "--workers", "1", "--data-dir", dataDir.toString(), "--java-option=-Xmx256m",
                "--java-option=-XX:TieredStopAtLevel=1");
        assertEquals(0, start.exitCode(), start.err());
        ClusterCommand.ClusterRecord record = record();
        String master = record.masterTarget();
        try (Zombie zombie = Zombie.create()) {
            assertTrue(ProcessHandle.of(zombie.pid()).map(ProcessHandle::isAlive).orElse(false),
                    "Java counts a zombie alive");
            // the worker ended, and its parent has not reaped it (as a container's PID 1 that never reaps)
            kill(record.workers().get(0));
            writeRecord(record.withProcesses(record.master(), List.of(zombie.as(record.workers().get(0)))));
            Run restart = cluster("start", "--data-dir", dataDir.toString());
            assertEquals(0, restart.exitCode(), restart.err());
            assertEquals("Cache cluster in " + dataDir + ": started worker-0 again; master " + master + ", 1 worker live\n",
                    restart.out());

            // likewise the master, for status and stop
            record = record();
            kill(record.master());
            ClusterCommand.ProcessRecord zombieMaster = zombie.as(record.master());
            writeRecord(record.withProcesses(zombieMaster, record.workers()));
            Run status = cluster("status", "--data-dir", dataDir.toString());
            assertEquals(ExitCode.FAILED, status.exitCode());
            assertTrue(status.err().startsWith("gfsload: The master of the cache cluster in " + dataDir + " (" + master
                    + ", pid " + zombie.pid() + ") is not running; its log is "), status.err());
            Run stop = cluster("stop", "--data-dir", dataDir.toString(), "--timeout", "20s");
            assertEquals(0, stop.exitCode(), stop.err());
            assertEquals("Cache cluster in " + dataDir + " stopped: 1 worker; the master was not running\n", stop.out());
        }
    }

    /** A process that has exited and that its parent never reaps: a shell's child, the shell having become a sleep. */
    private record Zombie(Process parent, long pid) implements AutoCloseable {
        static Zombie create() throws IOException {
            // the child outlives the exec by a second, so that no shell can reap it
            Process parent = new ProcessBuilder("sh", "-c", "sleep 1 & echo $!; exec sleep 300")
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String line = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            Zombie zombie = new Zombie(parent, Long.parseLong(line.strip()));
            ClusterProcesses.await(() -> ProcessStates.hasExited(zombie.pid()), Duration.ofSeconds(30),
                    "the child " + zombie.pid() + " is a zombie");
            return zombie;
        }

        /** {@code process} as its record would name the zombie: its pid and start time. */
        ClusterCommand.ProcessRecord as(ClusterCommand.ProcessRecord process) {
            String startedAt = ProcessHandle.of(pid).orElseThrow().info().startInstant().orElseThrow().toString();
            return new ClusterCommand.ProcessRecord(process.name(), pid, startedAt, process.host(), process.port(),
                    process.metricsPort(), process.config(), process.log());
        }

        /** Ends the parent; whoever inherits the zombie reaps it. */
        @Override
        public void close() throws InterruptedException {
            parent.destroyForcibly();
            parent.waitFor();
        }
    }

    @Test
    void statusAndStopSayWhichProcessesAreNotRunning() throws Exception {
        Run start = cluster("start", "--workers", "2", "--data-dir", dataDir.toString(), "--java-option=-Xmx256m",
                "--java-option=-XX:TieredStopAtLevel=1");
        assertEquals(0, start.exitCode(), start.err());
        ClusterCommand.ClusterRecord record = record();
        kill(record.workers().get(0));
        kill(record.master());

        Run status = cluster("status", "--data-dir", dataDir.toString());
        assertEquals(ExitCode.FAILED, status.exitCode());
        assertEquals("", status.out());
        assertEquals("gfsload: The master of the cache cluster in " + dataDir + " (" + record.masterTarget() + ", pid "
                + record.master().pid() + ") is not running; its log is " + dataDir.resolve("logs").resolve("master.log") + "\n"
                + "Workers: worker-0 not running (pid " + record.workers().get(0).pid() + "), worker-1 running (pid "
                + record.workers().get(1).pid() + ")\n"
                + "To start what is not running: gfsload cluster start --data-dir " + dataDir + "\n", status.err());

        Run stop = cluster("stop", "--data-dir", dataDir.toString());
        assertEquals(0, stop.exitCode(), stop.err());
        assertEquals("Cache cluster in " + dataDir + " stopped: 1 worker; the master and worker-0 were not running\n",
                stop.out());
        assertTrue(ClusterCommand.handle(record.workers().get(1)).isEmpty(), "worker-1 was stopped");
    }

    @Test
    void aMasterThatDoesNotAnswerIsKilledAloneAndItsWorkersStopCleanly() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(dataDir, 2)) {
            ClusterCommand.ClusterRecord record = cluster.record();
            Run stop;
            // a master that hangs (a long GC pause, a host that hangs): the workers' stopping heartbeats get no answer
            cluster.suspendMaster();
            try {
                stop = cluster("stop", "--data-dir", dataDir.toString(), "--timeout", "10s");
            }
            finally {
                ClusterCommand.handle(record.master()).ifPresent(master -> cluster.resumeMaster());
            }

            assertEquals(ExitCode.OK, stop.exitCode(), stop.err());
            assertEquals("Cache cluster in " + dataDir + " stopped: master and 2 workers (1 killed after 10s)\n", stop.out());
            assertEquals("gfsload: warning: the master (pid " + record.master().pid() + ") was still running 10s after SIGTERM: "
                    + "killed it (SIGKILL); its log is " + record.master().log() + "\n", stop.err());
            assertTrue(ClusterCommand.handle(record.master()).isEmpty(), "the master was killed");
            for (ClusterCommand.ProcessRecord worker : record.workers()) {
                assertTrue(ClusterCommand.handle(worker).isEmpty(), worker.name() + " stopped");
                // the last line of a clean stop, after its tiers were closed and their directories released
                List<String> log = Files.readAllLines(Path.of(worker.log()), StandardCharsets.UTF_8);
                assertTrue(log.stream().anyMatch(line -> line.contains("Cache worker " + worker.name() + " on ")
                        && line.endsWith(" stopped")), worker.name() + " stopped on SIGTERM: " + String.join("\n", log));
            }
        }
    }

    @Test
    void filesThatCannotBeUsedAreReportedWithTheReason() throws IOException {
        Path missing = dataDir.resolve("missing.properties");
        Run noConfig = cluster("start", "--data-dir", dataDir.toString(), "--config", missing.toString());
        assertEquals(ExitCode.USAGE, noConfig.exitCode());
        assertEquals("gfsload: Cannot read the configuration file " + missing + ": no such file or directory\n", noConfig.err());

        Run directoryConfig = cluster("start", "--data-dir", dataDir.toString(), "--config", dataDir.toString());
        assertEquals(ExitCode.USAGE, directoryConfig.exitCode());
        assertEquals("gfsload: Cannot read the configuration file " + dataDir + ": is a directory\n", directoryConfig.err());

        Path file = Files.writeString(dataDir.resolve("file"), "");
        // a data directory that cannot be created fails as a $GFSLOAD_HOME that cannot be used does
        Run fileAsDataDir = cluster("start", "--data-dir", file.toString());
        assertEquals(ExitCode.FAILED, fileAsDataDir.exitCode());
        assertEquals("gfsload: Cannot create the directory " + file + " of the cache cluster: " + file + " is not a directory\n",
                fileAsDataDir.err());
        Run underAFile = cluster("start", "--data-dir", file.resolve("cluster").toString());
        assertEquals(ExitCode.FAILED, underAFile.exitCode());
        assertEquals("gfsload: Cannot create the directory " + file.resolve("cluster") + " of the cache cluster: not a directory\n",
                underAFile.err());
        assertEquals(List.of(file), Files.list(dataDir).toList(), "nothing was started or written");
    }

    private ClusterCommand.ClusterRecord record() throws IOException {
        return new ObjectMapper().readValue(dataDir.resolve(ClusterCommand.CLUSTER_FILE).toFile(),
                ClusterCommand.ClusterRecord.class);
    }

    private void writeRecord(ClusterCommand.ClusterRecord record) throws IOException {
        new ObjectMapper().writeValue(dataDir.resolve(ClusterCommand.CLUSTER_FILE).toFile(), record);
    }

    /** A socket on a port P whose port P - 1 is free. */
    private static ServerSocket listenWithFreePortBelow() throws IOException {
        while (true) {
            ServerSocket socket = listen(0);
            try (ServerSocket below = listen(socket.getLocalPort() - 1)) {
                return socket;
            }
            catch (IOException e) {
                socket.close();
            }
        }
    }

    private static List<Integer> ports(List<ClusterCommand.ProcessRecord> processes) {
        return processes.stream().map(ClusterCommand.ProcessRecord::port).toList();
    }

    private static ServerSocket listen(int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress("127.0.0.1", port));
        return socket;
    }

    /** Kills a process of the cluster with SIGKILL and waits until it is gone. */
    private static void kill(ClusterCommand.ProcessRecord process) throws Exception {
        ProcessHandle handle = ClusterCommand.handle(process).orElseThrow();
        handle.destroyForcibly();
        handle.onExit().get(30, TimeUnit.SECONDS);
    }

    @Test
    void stopDeletesTheMemTierBlocksOfAWorkerThatWasKilled() throws Exception {
        Path config = dataDir.resolve("cache.properties");
        Files.writeString(config, String.join("\n",
                "gfsload.cache.master.heartbeat-interval=500ms",
                "gfsload.cache.worker.heartbeat-interval=500ms",
                "gfsload.cache.worker.tier.mem.dirs=" + dataDir.resolve("mem"),
                "gfsload.cache.worker.tier.mem.quota=16MiB",
                "gfsload.cache.worker.tier.ssd.dirs=" + dataDir.resolve("ssd"),
                "gfsload.cache.worker.tier.ssd.quota=64MiB",
                ""));
        assertEquals(ExitCode.OK, cluster(quickStart(2, config)).exitCode());
        ClusterCommand.ClusterRecord record = new ObjectMapper().readValue(dataDir.resolve(ClusterCommand.CLUSTER_FILE).toFile(),
                ClusterCommand.ClusterRecord.class);
        byte[] data = new byte[1 << 20];
        new Random(3).nextBytes(data);
        BlockKey block = new BlockKey(new FileIdentity("cosn://bucket/t/part-0", data.length, 1), 0);
        try (CacheClient client = GrpcCacheClient.connect(record.masterTarget(), ClientConfig.defaults());
                BlockWriter writer = client.openWriter(block, data.length, 2)) {
            writer.write(data, 0, data.length);
            writer.commit();
        }
        Path memOfKilled = dataDir.resolve("mem").resolve("worker-1");
        assertEquals(1, blockFiles(memOfKilled).size(), "the block went to MEM on both workers");

        kill(record.workers().get(1));
        assertEquals(1, blockFiles(memOfKilled).size(), "kill -9 leaves the MEM tier's blocks behind");
        Run stop = cluster("stop", "--data-dir", dataDir.toString());

        assertEquals(ExitCode.OK, stop.exitCode(), stop.err());
        assertEquals("Cache cluster in " + dataDir + " stopped: master and 1 worker; worker-1 was not running\n", stop.out());
        assertEquals("", stop.err());
        assertEquals(List.of(), blockFiles(dataDir.resolve("mem").resolve("worker-0")), "the worker that stopped deleted its own");
        assertEquals(List.of(), blockFiles(memOfKilled), "a stopped cluster holds no RAM, a worker killed before the stop included");
    }

    private static List<Path> blockFiles(Path directory) throws IOException {
        try (var files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".block")).toList();
        }
    }

    @Test
    void badUsageExitsTwoAndStartsNothing() throws IOException {
        Run zero = cluster("start", "--workers", "0", "--data-dir", dataDir.toString());
        assertEquals(ExitCode.USAGE, zero.exitCode());
        assertEquals("gfsload: --workers must be at least 1: 0\n", zero.err());

        Path config = dataDir.resolve("bad.properties");
        Files.writeString(config, "gfsload.cache.worker.tier.ssd.quotas=1GiB\n");
        Run badKey = cluster("start", "--data-dir", dataDir.toString(), "--config", config.toString());
        assertEquals(ExitCode.USAGE, badKey.exitCode());
        assertEquals("gfsload: " + config + ": Unknown configuration key gfsload.cache.worker.tier.ssd.quotas\n", badKey.err());

        // A bad value is found before the master starts, not by a worker started with it.
        Files.writeString(config, "gfsload.cache.worker.tier.ssd.quota=lots\n");
        Run badValue = cluster("start", "--data-dir", dataDir.toString(), "--config", config.toString());
        assertEquals(ExitCode.USAGE, badValue.exitCode(), badValue.err());
        assertTrue(badValue.err().startsWith("gfsload: " + config + ": "), badValue.err());
        assertTrue(badValue.err().contains("gfsload.cache.worker.tier.ssd.quota") && badValue.err().contains("lots"), badValue.err());
        assertEquals(1, badValue.err().lines().count(), badValue.err());
        Files.writeString(config, "gfsload.cache.master.heartbeat-interval=often\n");
        assertEquals(ExitCode.USAGE, cluster("start", "--data-dir", dataDir.toString(), "--config", config.toString()).exitCode());
        Files.writeString(config, "gfsload.cache.worker.heartbeat-interval=0s\n");
        Run zeroInterval = cluster("start", "--data-dir", dataDir.toString(), "--config", config.toString());
        assertEquals("gfsload: " + config + ": gfsload.cache.worker.heartbeat-interval: must be longer than 0: 0s\n", zeroInterval.err());

        Run zeroTimeout = cluster("start", "--data-dir", dataDir.toString(), "--timeout", "0s");
        assertEquals(ExitCode.USAGE, zeroTimeout.exitCode());
        assertEquals("gfsload: --timeout: must be longer than 0: 0s\n", zeroTimeout.err());
        Run badTimeout = cluster("stop", "--data-dir", dataDir.toString(), "--timeout", "soon");
        assertEquals(ExitCode.USAGE, badTimeout.exitCode());
        assertEquals(List.of(config), Files.list(dataDir).toList(), "nothing was started or written");

        Run embedded = cluster("start", "--data-dir", home.resolve("cluster").toString());
        assertEquals(ExitCode.USAGE, embedded.exitCode());
        assertEquals("gfsload: " + home.resolve("cluster").toAbsolutePath() + " is the embedded cluster's directory: give the cluster of processes a "
                + "--data-dir of its own\n", embedded.err());
        assertFalse(Files.exists(home.resolve("cluster")), "nothing was started or written");

        Run bare = cluster();
        assertEquals(ExitCode.USAGE, bare.exitCode());
        for (String subcommand : List.of("start", "status", "stop")) {
            assertTrue(bare.err().contains(subcommand), subcommand + " in\n" + bare.err());
        }
        Run help = cluster("start", "--help");
        assertEquals(0, help.exitCode());
        for (String option : List.of("--workers=N", "--data-dir=DIR", "--config=FILE", "--timeout=DURATION")) {
            assertTrue(help.out().contains(option), option + " in\n" + help.out());
        }
    }

    @Test
    void aWorkerThatCannotStartFailsTheStartAndLeavesNothingRunning() throws IOException {
        Path config = dataDir.resolve("cache.properties");
        // A worker whose tier directory cannot be made (a file is in its place) exits.
        Path notADirectory = Files.writeString(dataDir.resolve("ssd"), "");
        Files.writeString(config, "gfsload.cache.worker.tier.ssd.dirs=" + notADirectory + "\n"
                + "gfsload.cache.worker.tier.ssd.quota=1GiB\n");

        Run start = cluster("start", "--workers", "1", "--data-dir", dataDir.toString(), "--config", config.toString(),
                "--java-option=-XX:TieredStopAtLevel=1");

        assertEquals(ExitCode.FAILED, start.exitCode());
        // one line: the worker's error, without the stack trace its log has after it
        assertTrue(start.err().startsWith("gfsload: Cannot start the cache cluster in " + dataDir + ": worker-0 exited with code 1: "
                + "Cannot start the cache worker configured in " + dataDir.resolve("worker-0.properties") + ": Cache worker worker-0 "
                + "cannot create its tier directory " + notADirectory.resolve("worker-0") + ": not a directory"), start.err());
        assertTrue(start.err().endsWith("; see its log " + dataDir.resolve("logs").resolve("worker-0.log") + "\n"), start.err());
        assertEquals(1, start.err().lines().count(), start.err());
        assertFalse(Files.exists(dataDir.resolve(ClusterCommand.CLUSTER_FILE)));
    }

    /**
     * A cluster started on the tier directories of another running cluster exits 2 naming the
     * directory and who holds it, touches nothing there (a write in progress of the other cluster
     * stays), and leaves none of its own processes running: neither its master nor the workers that
     * could start.
     */
    @Test
    void aClusterOnTheTierDirectoriesOfARunningClusterStartsNothing() throws IOException {
        Path other = home.resolve("other-cluster");
        try (ClusterProcesses running = ClusterProcesses.start(other, 1)) {
            Path tiers = other.resolve("ssd");
            Path inProgress = Files.writeString(tiers.resolve("worker-0").resolve("0123456789abcdef.7.tmp"), "in progress");
            long pid = new ObjectMapper().readValue(other.resolve(ClusterCommand.CLUSTER_FILE).toFile(), ClusterCommand.ClusterRecord.class)
                    .workers().get(0).pid();
            Path config = dataDir.resolve("cache.properties");
            Files.writeString(config, "gfsload.cache.worker.tier.ssd.dirs=" + tiers + "\n"
                    + "gfsload.cache.worker.tier.ssd.quota=64MiB\n");

            Run start = cluster("start", "--workers", "2", "--data-dir", dataDir.toString(), "--config", config.toString(),
                    "--java-option=-Xmx256m", "--java-option=-XX:TieredStopAtLevel=1");

            assertEquals(ExitCode.USAGE, start.exitCode(), start.err());
            assertEquals("gfsload: Cannot start the cache cluster in " + dataDir + ": Cache worker worker-0 cannot use the tier directory "
                    + tiers.resolve("worker-0") + ": another cache worker holds it (worker worker-0 of the cache cluster in " + other
                    + ", pid " + pid + "); a tier directory serves one worker at a time: give each worker directories of its own\n", start.err());
            assertTrue(Files.exists(inProgress), "the refused worker deleted a write in progress of the other cluster");
            assertFalse(Files.exists(dataDir.resolve(ClusterCommand.CLUSTER_FILE)));
            ClusterProcesses.await(() -> ProcessHandle.current().descendants()
                            .noneMatch(process -> process.isAlive() && process.info().commandLine().orElse("").contains(dataDir.toString())),
                    Duration.ofSeconds(30), "the processes of the refused cluster to end");
            assertEquals(List.of("worker-0"), running.client().clusterInfo().workers().stream()
                    .filter(worker -> worker.live()).map(worker -> worker.id()).toList());
        }
    }

    /**
     * SIGTERM (as Ctrl-C's SIGINT) while start waits for its processes to come up kills the
     * processes it started and records nothing, saying so in one line: the same start then runs
     * again at once.
     */
    @Test
    void aStartInterruptedWhileItWaitsKillsWhatItStartedAndRunsAgain() throws Exception {
        Path config = quickConfig();
        List<ProcessHandle> servers = new ArrayList<>();
        try (GfsLoadProcess start = GfsLoadProcess.start(home, "cluster", "start", "--workers", "1", "--data-dir", dataDir.toString(),
                "--config", config.toString(), "--java-option=-Xmx256m", "--java-option=-XX:TieredStopAtLevel=1")) {
            ClusterProcesses.await(() -> !start.isAlive() || !servers(start.pid(), "worker-0").isEmpty(), Duration.ofSeconds(60),
                    "the start starts its worker");
            servers.addAll(servers(start.pid(), ""));
            assertEquals(2, servers.size(), "the master and the worker: " + start.errLines());

            CliRun interrupted = start.terminate();

            assertEquals(143, interrupted.exitCode(), interrupted.err());
            ClusterProcesses.await(() -> servers.stream().noneMatch(ProcessStates::isRunning), Duration.ofSeconds(10),
                    "the processes the start had started end");
            assertEquals("gfsload: cluster start interrupted: killed the processes it had started (master, worker-0); run it again "
                    + "to start the cluster", interrupted.err().lines().reduce((first, last) -> last).orElse(""), interrupted.err());
        }
        finally {
            servers.forEach(ProcessHandle::destroyForcibly);
        }
        assertFalse(Files.exists(dataDir.resolve(ClusterCommand.CLUSTER_FILE)), "nothing recorded");
        assertFalse(Files.exists(dataDir.resolve(ClusterCommand.LOCK_FILE)));
        assertFalse(Files.exists(dataDir.resolve("master.ready")));

        Run again = cluster(quickStart(1, config));
        assertEquals(ExitCode.OK, again.exitCode(), again.err());
        assertEquals(ExitCode.OK, cluster("stop", "--data-dir", dataDir.toString()).exitCode());
    }

    /** The server processes that the gfsload process {@code pid} started whose name starts with {@code name}. */
    private static List<ProcessHandle> servers(long pid, String name) {
        return ProcessHandle.of(pid).stream().flatMap(ProcessHandle::descendants)
                .filter(process -> process.info().commandLine().orElse("").contains("-Dgfsload.cache.server=" + name))
                .toList();
    }

    /**
     * Relative directories of the config are taken from the working directory of the start that
     * reads it and kept absolute, in the processes' properties files and in {@code cluster.json}:
     * a start run from another directory later uses the same tiers and metadata.
     */
    @Test
    void relativeDirectoriesOfTheConfigAreKeptAbsolute() throws Exception {
        Path work = Files.createDirectories(home.resolve("work"));
        Path config = Files.writeString(work.resolve("cache.properties"), String.join("\n",
                "gfsload.cache.worker.tier.ssd.dirs=reltiers",
                "gfsload.cache.worker.tier.ssd.quota=64MiB",
                "gfsload.cache.master.metadata-dir=relmeta",
                ""));
        CliRun start;
        try (GfsLoadProcess process = GfsLoadProcess.startIn(work, home, "cluster", "start", "--workers", "1", "--data-dir",
                dataDir.toString(), "--config", "cache.properties", "--java-option=-Xmx256m", "--java-option=-XX:TieredStopAtLevel=1")) {
            start = process.awaitExit(Duration.ofSeconds(120));
        }
        assertEquals(ExitCode.OK, start.exitCode(), start.err());
        Path tiers = work.resolve("reltiers");
        assertEquals(tiers.toString(), record().settings().get("gfsload.cache.worker.tier.ssd.dirs"));
        assertEquals(work.resolve("relmeta").toString(), record().settings().get("gfsload.cache.master.metadata-dir"));
        assertEquals(tiers.resolve("worker-0").toString(), properties(dataDir.resolve("worker-0.properties"))
                .getProperty("gfsload.cache.worker.tier.ssd.dirs"));
        assertTrue(Files.isDirectory(tiers.resolve("worker-0")), "the worker's tier is under the start's working directory");
        assertTrue(Files.isDirectory(work.resolve("relmeta")), "the master's metadata is under the start's working directory");
        assertEquals(ExitCode.OK, cluster("stop", "--data-dir", dataDir.toString()).exitCode());

        // this JVM runs in another working directory: the cluster starts again on the same directories
        Run again = cluster("start", "--data-dir", dataDir.toString(), "--java-option=-Xmx256m", "--java-option=-XX:TieredStopAtLevel=1");
        assertEquals(ExitCode.OK, again.exitCode(), again.err());
        assertEquals(tiers.resolve("worker-0").toString(), properties(dataDir.resolve("worker-0.properties"))
                .getProperty("gfsload.cache.worker.tier.ssd.dirs"));
        assertEquals(work.resolve("relmeta").toString(), properties(dataDir.resolve("master.properties"))
                .getProperty("gfsload.cache.master.metadata-dir"));
        assertEquals(ExitCode.OK, cluster("stop", "--data-dir", dataDir.toString()).exitCode());
    }

    private static Properties properties(Path file) throws IOException {
        Properties properties = new Properties();
        try (var reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        }
        return properties;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    /** Settings of a cluster that finds lost workers within seconds, with a 64 MiB SSD tier per worker. */
    private Path quickConfig() throws IOException {
        Path config = dataDir.resolve("cache.properties");
        Files.writeString(config, String.join("\n",
                "gfsload.cache.master.heartbeat-interval=500ms",
                "gfsload.cache.worker.heartbeat-interval=500ms",
                "gfsload.cache.worker.tier.ssd.quota=64MiB",
                ""));
        return config;
    }

    /** {@code cluster start} of {@code workers} workers with {@code config}, in small JVMs that start quickly. */
    private String[] quickStart(int workers, Path config) {
        return new String[] {"start", "--workers", Integer.toString(workers), "--data-dir", dataDir.toString(), "--config", config.toString(),
                "--java-option=-Xmx256m", "--java-option=-XX:TieredStopAtLevel=1"};
    }

    private static String metrics(URI uri) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
