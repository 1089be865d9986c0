package io.gfsload.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.TempArea;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.catalog.embedded.EmbeddedMetastore;
import io.gfsload.cli.ClusterProcesses;
import io.gfsload.cli.ExitCode;
import io.gfsload.cli.demo.DemoDataset;
import io.gfsload.executor.JobJournal;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.ufs.simulator.FaultyFileSystem;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job's jar run by {@code SparkSubmit} in a JVM of its own, on the classpath of a Spark 3.5.7
 * distribution (its guava 14 included) and nothing else, in local mode with two executor threads:
 * a table's partition loaded by the executors into a real cluster with a token, again (nothing to
 * load), a load within a load window, the exit codes of the command line for what it cannot do, and
 * loads that stop early: a temp area gone, a master process frozen.
 */
class TestSparkSubmitJob {
    private static final String TOKEN = "spark-job-token-5678";
    /** What the driver logs as it starts the Spark application. */
    private static final String SPARK_STARTED = "Running Spark version";

    @TempDir
    static Path directory;

    private static LocalCluster cluster;
    private static EmbeddedMetastore metastore;
    private static Path tokenFile;

    @BeforeAll
    static void start() throws IOException {
        cluster = LocalCluster.start(LocalClusterConfig.builder(directory.resolve("cluster")).workers(2).workerCapacityBytes(256L << 20)
                .token(TOKEN).build());
        metastore = EmbeddedMetastore.start(directory.resolve("metastore"));
        DemoDataset.standard().ensure(metastore.uri(), directory.resolve("demo"));
        tokenFile = Files.writeString(directory.resolve("token"), TOKEN);
    }

    @AfterAll
    static void stop() {
        if (metastore != null) {
            metastore.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private record Run(int exitCode, String out, String err) {}

    /** {@code spark-submit --master local[2] --class GfsLoadSparkJob JAR args}, with a home of its own. */
    private static Run sparkSubmit(String... args) throws IOException, InterruptedException {
        return sparkSubmit(List.of(), args);
    }

    /** As {@link #sparkSubmit(String...)}, with {@code sparkOptions} (e.g. {@code --conf k=v}) before the jar. */
    private static Run sparkSubmit(List<String> sparkOptions, String... args) throws IOException, InterruptedException {
        return sparkSubmit(true, sparkOptions, args);
    }

    private static Run sparkSubmit(boolean opens, List<String> sparkOptions, String... args) throws IOException, InterruptedException {
        return sparkSubmit(opens, Map.of(), sparkOptions, args);
    }

    private static Run sparkSubmit(boolean opens, Map<String, String> environment, List<String> sparkOptions, String... args)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile(directory, "out", ".txt");
        Path err = Files.createTempFile(directory, "err", ".txt");
        Process process = start(opens, environment, sparkOptions, out, err, args);
        if (!process.waitFor(4, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("spark-submit did not finish in 4 minutes: " + Files.readString(err));
        }
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static Process start(List<String> sparkOptions, Path out, Path err, String... args) throws IOException {
        return start(true, sparkOptions, out, err, args);
    }

    /** As {@link #start(List, Path, Path, String...)}, without the {@code --add-opens} Spark needs on Java 17 unless {@code opens}. */
    private static Process start(boolean opens, List<String> sparkOptions, Path out, Path err, String... args) throws IOException {
        return start(opens, Map.of(), sparkOptions, out, err, args);
    }

    /** As {@link #start(List, Path, Path, String...)}, with {@code environment} set for the job too. */
    private static Process start(boolean opens, Map<String, String> environment, List<String> sparkOptions, Path out, Path err, String... args)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx1g");
        if (opens) {
            command.addAll(List.of(System.getProperty("gfsload.java17.opens").trim().split("\\s+")));
        }
        String classpath = Files.readString(Path.of(System.getProperty("gfsload.spark.classpath"))).strip();
        int driverClasspath = sparkOptions.indexOf("--driver-class-path");
        if (driverClasspath >= 0) {
            // as spark-submit's launcher starts the driver's JVM of a job in client mode
            classpath = sparkOptions.get(driverClasspath + 1) + File.pathSeparator + classpath;
        }
        command.addAll(List.of("-cp", classpath,
                "org.apache.spark.deploy.SparkSubmit", "--master", "local[2]", "--conf", "spark.ui.enabled=false"));
        command.addAll(sparkOptions);
        command.addAll(List.of("--class", GfsLoadSparkJob.class.getName(), System.getProperty("gfsload.spark.job.jar")));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("GFSLOAD_HOME", directory.resolve("home").toString());
        builder.environment().putAll(environment);
        // the metastore is the test's, never one the machine's hive-site.xml names
        builder.environment().remove("HIVE_CONF_DIR");
        return builder.start();
    }

    @Test
    void aJobStoppedBySigtermWritesNoSummaryAndNoReportAndSaysTheJournalIsKept() throws Exception {
        Path data = Files.createDirectories(directory.resolve("slow"));
        for (int i = 0; i < 4; i++) {
            Files.write(data.resolve("part-" + i), new byte[8 << 20]);
        }
        Path report = directory.resolve("reports/stopped.json");
        Path out = Files.createTempFile(directory, "out", ".txt");
        Path err = Files.createTempFile(directory, "err", ".txt");
        // 32 s at 1 MB/s: the slices are still loading when the job is stopped
        Process job = start(List.of(), out, err, "distributedLoad", "--master", cluster.masterTarget(), "--token-file", tokenFile.toString(),
                "--bandwidth", "1MB/s", "--progress", "json", "--report", report.toString(), data.toString());
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!Files.readString(err).contains("in 2 slices") && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertTrue(Files.readString(err).contains("in 2 slices"), Files.readString(err));
        // the executors' first heartbeat (10 s) says what the slices wrote; then more than the
        // second between two progress lines, so that what the stopped slices say last would make one
        while (!bytesHeard(Files.readString(err)) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertTrue(bytesHeard(Files.readString(err)), Files.readString(err));
        Thread.sleep(1_500);

        job.destroy();

        assertTrue(job.waitFor(2, TimeUnit.MINUTES), "the job ends");
        assertEquals(143, job.exitValue(), Files.readString(err));
        assertEquals("", Files.readString(out), "no summary");
        assertFalse(Files.exists(report), "no report");
        assertTrue(Files.readString(err).contains("gfsload: interrupted; the journal of job "), Files.readString(err));
        assertFalse(Files.readString(err).contains("did not all finish"), Files.readString(err));
        assertFalse(Files.readString(err).contains("{\"event\":\"finished\""), "no outcome in the progress either: " + Files.readString(err));
        List<String> lines = Files.readString(err).strip().lines().toList();
        assertTrue(lines.get(lines.size() - 1).startsWith("gfsload: interrupted; the journal of job "),
                "nothing of Spark's shutdown after gfsload's last line: " + Files.readString(err));
        // the slices' writes were under way (a block is a file, 8 s at their bandwidth): their process aborted them as it stopped
        assertEquals(List.of(), tempFilesOnDisk(), "nothing of the stopped slices' writes is left on the workers");
    }

    /**
     * The cache master, a process of its own, frozen with SIGSTOP mid-load (a long GC pause, a host
     * that hangs without closing its connections): the slices, whose calls get no answer, stop on
     * their executors once it has been silent for twice the deadline of a master call
     * ({@code $GFSLOAD_MASTER_TIMEOUT}, short here, which the driver gives them), and the driver
     * ends as the command line does: exit 3, the stop reason, its progress saying meanwhile that it
     * waits for the master, the journal kept for the same command to resume the job.
     */
    @Test
    void aJobWhoseMasterIsFrozenStopsAndTheSameCommandResumesIt() throws Exception {
        Path data = Files.createDirectories(directory.resolve("frozen"));
        byte[] bytes = new byte[200 << 10];
        Random random = new Random(17);
        for (int i = 0; i < 120; i++) {
            random.nextBytes(bytes);
            Files.write(data.resolve("part-%03d".formatted(i)), bytes);
        }
        Path report = directory.resolve("reports/frozen.json");
        Path out = Files.createTempFile(directory, "out", ".txt");
        Path err = Files.createTempFile(directory, "err", ".txt");
        try (ClusterProcesses processes = ClusterProcesses.start(directory.resolve("processes"), 2)) {
            String master = processes.masterTarget();
            String[] load = {"distributedLoad", "--master", master, "--progress", "json", "--report", report.toString(), data.toString()};
            // 23.4 MiB at 2 MB/s: about 12 s, of which a few are loaded before the master freezes
            List<String> limited = new ArrayList<>(List.of(load));
            limited.addAll(1, List.of("--bandwidth", "2MB/s"));
            Process job = start(true, Map.of("GFSLOAD_MASTER_TIMEOUT", "3s"), List.of("--conf", "spark.executor.heartbeatInterval=500ms"), out, err,
                    limited.toArray(String[]::new));
            long frozen;
            try {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
                while (filesDone(Files.readString(err)) < 10 && job.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertTrue(filesDone(Files.readString(err)) >= 10, "files loaded before the master freezes: " + Files.readString(err));
                processes.suspendMaster();
                frozen = System.nanoTime();
                assertTrue(job.waitFor(2, TimeUnit.MINUTES), "the job ends while the master is frozen: " + Files.readString(err));
            }
            finally {
                processes.resumeMaster();
                job.destroyForcibly();
            }
            long waited = System.nanoTime() - frozen;
            String stderr = Files.readString(err);
            assertTrue(waited >= TimeUnit.SECONDS.toNanos(6), "the slices waited for the master at least twice the call deadline: " + waited);
            assertEquals(3, job.exitValue(), stderr);
            JsonNode saved = new ObjectMapper().readTree(Files.readString(report));
            assertEquals("PARTIAL", saved.get("state").asText(), saved.toString());
            assertEquals("the cache master at %s stopped answering".formatted(master), saved.get("stopReason").asText());
            long loaded = saved.get("totals").get("blocksLoaded").asLong();
            assertTrue(loaded >= 10 && saved.get("totals").get("filesFailed").asLong() > 0, saved.get("totals").toString());
            String jobId = saved.get("job").get("jobId").asText();
            assertTrue(stderr.lines().anyMatch(("gfsload: the cache master at %s stopped answering; the journal of job %s is kept: the same command resumes "
                    + "the job once the master is back").formatted(master, jobId)::equals), stderr);
            // the driver's progress was not silent while the slices waited for the master
            List<JsonNode> waiting = new ArrayList<>();
            for (String line : stderr.lines().filter(line -> line.startsWith("{\"event\":\"waitingForMaster\"")).toList()) {
                waiting.add(new ObjectMapper().readTree(line));
            }
            assertFalse(waiting.isEmpty(), stderr);
            for (JsonNode line : waiting) {
                assertEquals(master, line.get("master").asText(), line.toString());
                assertEquals(6, line.get("limitSeconds").asLong(), line.toString());
            }

            // the master is back: the same command, at full speed, resumes the job and loads the rest
            Run resumed = sparkSubmit(load);

            assertEquals(0, resumed.exitCode(), resumed.err());
            assertTrue(resumed.err().contains("Resuming job %s (run 2)".formatted(jobId)), resumed.err());
            JsonNode again = new ObjectMapper().readTree(Files.readString(report));
            assertEquals("SUCCEEDED", again.get("state").asText(), again.toString());
            JsonNode totals = again.get("totals");
            assertEquals(120, totals.get("blocksLoaded").asLong() + totals.get("blocksAlreadyCached").asLong(), totals.toString());
            assertTrue(totals.get("blocksAlreadyCached").asLong() >= loaded, "what the stopped run loaded is not loaded again: " + totals);
        }
    }

    /** The files the last progress line in {@code err} counts done. */
    private static long filesDone(String err) throws IOException {
        List<String> lines = err.lines().filter(line -> line.startsWith("{\"event\":\"progress\"")).toList();
        return lines.isEmpty() ? 0 : new ObjectMapper().readTree(lines.get(lines.size() - 1)).get("filesDone").asLong();
    }

    /** The temp files of writes in progress on the cluster's workers. */
    private static List<Path> tempFilesOnDisk() throws IOException {
        try (Stream<Path> files = Files.walk(directory.resolve("cluster"))) {
            return files.filter(file -> file.getFileName().toString().endsWith(".tmp")).sorted().toList();
        }
    }

    /** Whether the progress lines in {@code err} have heard bytes written by the slices. */
    private static boolean bytesHeard(String err) throws IOException {
        for (String line : err.lines().filter(line -> line.startsWith("{\"event\":\"progress\"")).toList()) {
            if (new ObjectMapper().readTree(line).get("bytesDone").asLong() > 0) {
                return true;
            }
        }
        return false;
    }

    @Test
    void helpVersionAndBadInputAreAnsweredBeforeSparkStarts() throws Exception {
        // without the --add-opens that Spark needs on Java 17: what does not start Spark does not need them
        Run help = sparkSubmit(false, List.of(), "--help");
        assertEquals(0, help.exitCode(), help.err());
        assertTrue(help.out().contains("Usage: gfsload") && help.out().contains("Exit codes:"), help.out());
        // the job has no embedded cluster or metastore: its help gives the defaults it has
        String described = help.out().replaceAll("\\s+", " ");
        assertTrue(described.contains("--master=HOST:PORT Cache master to connect to. Required: the cache cluster the driver and the executors reach."),
                help.out());
        assertTrue(described.contains("Default: hive.metastore.uris of $HIVE_CONF_DIR/hive-site.xml (every one, in order); a table load needs one or the other."),
                help.out());
        assertFalse(described.contains("embedded cluster") || described.contains("embedded metastore"), help.out());

        Run version = sparkSubmit(false, List.of(), "--version");
        assertEquals(0, version.exitCode(), version.err());
        assertTrue(version.out().startsWith("gfsload "), version.out());

        Run badValue = sparkSubmit(false, List.of(), "distributedLoad", "--master", cluster.masterTarget(), "--bandwidth", "8Mb/s", "/data");
        assertEquals(2, badValue.exitCode(), badValue.err());
        assertTrue(badValue.err().contains("gfsload: Invalid value for option '--bandwidth'"), badValue.err());

        Run badTable = sparkSubmit(false, List.of(), "--table", "no-database", "--master", cluster.masterTarget(), "--metastore", metastore.uri().toString());
        assertEquals(2, badTable.exitCode(), badTable.err());
        assertTrue(badTable.err().contains("gfsload: "), badTable.err());

        Run noMaster = sparkSubmit(false, List.of(), "--table", "demo.events", "--metastore", metastore.uri().toString());
        assertEquals(2, noMaster.exitCode(), noMaster.err());
        assertTrue(noMaster.err().contains("give its master with --master HOST:PORT"), noMaster.err());

        // HIVE_CONF_DIR is not set (start): nothing names the metastore
        Run noMetastore = sparkSubmit(false, List.of(), "--table", "demo.events", "--master", cluster.masterTarget());
        assertEquals(2, noMetastore.exitCode(), noMetastore.err());
        assertTrue(noMetastore.err().contains("A Spark job reads the metastore its cluster uses"), noMetastore.err());

        Run badMaster = sparkSubmit(false, List.of(), "--table", "demo.events", "--master", "cache-master", "--metastore", metastore.uri().toString());
        assertEquals(2, badMaster.exitCode(), badMaster.err());
        assertTrue(badMaster.err().contains("Invalid --master 'cache-master': expected HOST:PORT"), badMaster.err());

        Path missing = directory.resolve("no-such-token");
        Run badToken = sparkSubmit(false, List.of(), "--table", "demo.events", "--master", cluster.masterTarget(), "--token-file", missing.toString(),
                "--metastore", metastore.uri().toString());
        assertEquals(2, badToken.exitCode(), badToken.err());
        assertTrue(badToken.err().contains("Cannot read --token-file " + missing), badToken.err());

        for (Run run : List.of(help, version, badValue, badTable, noMaster, noMetastore, badMaster, badToken)) {
            assertFalse(run.err().contains(SPARK_STARTED), "Spark was not started: " + run.err());
        }
    }

    @Test
    void theDriversProgressHearsTheSlicesAtTheExecutorsHeartbeatsWhileTheyLoad() throws Exception {
        Path data = Files.createDirectories(directory.resolve("heard"));
        for (int i = 0; i < 2; i++) {
            Files.write(data.resolve("part-" + i), new byte[8 << 20]);
        }
        // 4 s a slice, at 2 MB/s each
        Run run = sparkSubmit(List.of("--conf", "spark.executor.heartbeatInterval=500ms"), "distributedLoad", "--master", cluster.masterTarget(),
                "--token-file", tokenFile.toString(), "--bandwidth", "4MB/s", "--progress", "json", data.toString());

        assertEquals(0, run.exitCode(), run.err());
        List<JsonNode> lines = new ArrayList<>();
        for (String line : run.err().lines().filter(line -> line.startsWith("{\"event\"")).toList()) {
            lines.add(new ObjectMapper().readTree(line));
        }
        assertFalse(lines.isEmpty(), run.err());
        JsonNode last = lines.get(lines.size() - 1);
        assertEquals("finished", last.get("event").asText(), run.err());
        assertEquals(16L << 20, last.get("bytesDone").asLong());
        assertEquals(2, last.get("filesDone").asLong());
        // less than a file: only the bytes a slice said it had written of a block can be that
        assertTrue(lines.stream().anyMatch(line -> line.get("event").asText().equals("progress") && line.get("bytesDone").asLong() > 0
                && line.get("bytesDone").asLong() < 8 << 20), "bytes heard while the slices load: " + run.err());
        for (int i = 1; i < lines.size(); i++) {
            assertTrue(lines.get(i).get("bytesDone").asLong() >= lines.get(i - 1).get("bytesDone").asLong(), "no drop: " + run.err());
        }
    }

    private static List<Path> dataFiles(String day) throws IOException {
        try (Stream<Path> files = Files.list(directory.resolve("demo/demo.db/events/dt=" + day))) {
            return files.filter(file -> file.getFileName().toString().startsWith("part-")).sorted().toList();
        }
    }

    @Test
    void theExecutorsLoadAPartitionIntoTheClusterAndASecondRunHasNothingToLoad() throws Exception {
        Path report = directory.resolve("reports/load.json");
        String[] load = {"--table", "demo.events", "--partition", "dt=2026-11-20", "--replication", "2", "--master", cluster.masterTarget(),
                "--token-file", tokenFile.toString(), "--metastore", metastore.uri().toString(), "--progress", "none", "--report", report.toString()};

        // a dry run plans in the driver, cut into the slices the application runs at once, without starting the application
        Run dryRun = sparkSubmit(Stream.concat(Arrays.stream(load), Stream.of("--dry-run", "--ufs-stream-bandwidth", "1MB/s")).toArray(String[]::new));
        assertEquals(0, dryRun.exitCode(), dryRun.err());
        assertTrue(dryRun.out().contains(" x 2 slices at a time)"), dryRun.out());
        assertFalse(dryRun.err().contains(SPARK_STARTED), "Spark was not started: " + dryRun.err());

        Run first = sparkSubmit(load);

        assertEquals(0, first.exitCode(), first.err());
        assertTrue(first.err().contains(SPARK_STARTED), first.err());
        assertTrue(first.out().startsWith("demo.events dt=2026-11-20: SUCCEEDED"), first.out());
        assertTrue(first.err().contains("in 2 slices"), "the plan's files in a slice per executor core: " + first.err());
        assertTrue(first.err().contains("collect at SparkSlices.java"), "each slice a Spark job: " + first.err());
        assertFalse((first.out() + first.err()).contains(TOKEN), "the token is in no output");
        // the executors write to the workers over their domain sockets, which take no TCP option
        assertFalse(first.err().contains("Unknown channel option"), first.err());
        JsonNode saved = new ObjectMapper().readTree(Files.readString(report));
        assertEquals("SUCCEEDED", saved.get("state").asText());
        List<Path> files = dataFiles("2026-11-20");
        long bytes = 0;
        for (Path file : files) {
            bytes += Files.size(file);
        }
        assertEquals(files.size(), saved.get("totals").get("files").asLong());
        assertEquals(bytes, saved.get("totals").get("bytesLoaded").asLong());
        try (CacheClient client = cluster.newClient()) {
            for (Path file : files) {
                FileIdentity identity = new FileIdentity("file:" + file, Files.size(file), Files.getLastModifiedTime(file).toMillis());
                List<CachedBlock> blocks = client.cachedBlocks(identity);
                assertFalse(blocks.isEmpty(), "cached: " + file);
                ByteArrayOutputStream read = new ByteArrayOutputStream();
                for (CachedBlock block : blocks) {
                    assertEquals(2, new HashSet<>(block.workerIds()).size(), "two replicas on distinct workers: " + block);
                    try (InputStream in = client.openReader(new BlockKey(identity, block.index()))) {
                        in.transferTo(read);
                    }
                }
                assertArrayEquals(Files.readAllBytes(file), read.toByteArray(), "the bytes of " + file);
            }
        }

        Run second = sparkSubmit(load);

        assertEquals(0, second.exitCode(), second.err());
        assertFalse(second.err().contains(SPARK_STARTED), "nothing to load: no slice, no application: " + second.err());
        JsonNode again = new ObjectMapper().readTree(Files.readString(report));
        assertEquals("SUCCEEDED", again.get("state").asText());
        assertEquals(0, again.get("totals").get("bytesLoaded").asLong());
        assertEquals(bytes, again.get("totals").get("bytesAlreadyCached").asLong());
    }

    /**
     * On a cluster of Spark's own in this machine ({@code local-cluster}: a master, a worker and an
     * executor, each a JVM of its own, as on a real cluster), the executor's log hides what a store
     * said of the file it failed to load: the executor hides its lines from its start.
     */
    @Test
    void anExecutorsLogHidesTheSecretsOfWhatAStoreSaidOfAFailedFile() throws Exception {
        String secret = "SessionTokenX";
        Path data = Files.createDirectories(directory.resolve("secrets"));
        Files.write(data.resolve("part-0"), new byte[100_000]);
        Files.write(data.resolve("part-1"), new byte[100_000]);
        String simulator = Path.of(FaultyFileSystem.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        String classpath = simulator + File.pathSeparator + Files.readString(Path.of(System.getProperty("gfsload.spark.classpath"))).strip();
        Path executorLog = directory.resolve("executor.log");
        Path executorLogging = Files.writeString(directory.resolve("executor-log4j2.properties"), """
                rootLogger.level = info
                rootLogger.appenderRef.file.ref = file
                appender.file.type = File
                appender.file.name = file
                appender.file.fileName = %s
                appender.file.layout.type = PatternLayout
                appender.file.layout.pattern = %%p %%c{1}: %%m%%n%%ex
                """.formatted(executorLog));
        List<String> sparkOptions = List.of("--master", "local-cluster[1,1,1024]", "--driver-class-path", simulator,
                "--conf", "spark.executor.extraClassPath=" + classpath,
                "--conf", "spark.executor.extraJavaOptions=%s -Dlog4j2.configurationFile=%s".formatted(System.getProperty("gfsload.java17.opens").strip().replaceAll("\\s+", " "),
                        executorLogging),
                "--conf", "spark.hadoop.fs.faulty.permanent.paths=/part-1",
                // as S3 repeats the signed request it refused, its session token in it
                "--conf", "spark.hadoop.fs.faulty.permanent.detail=403 Forbidden: GET /part-1?X-Amz-Security-Token=" + secret + "&X-Amz-Expires=300");
        // what Spark's worker needs to start an executor without a Spark distribution: the executor's class path is given
        Map<String, String> environment = Map.of("SPARK_HOME", Files.createDirectories(directory.resolve("spark-home")).toString(),
                "SPARK_SCALA_VERSION", "2.12", "SPARK_TESTING", "1");

        Run run = sparkSubmit(true, environment, sparkOptions, "distributedLoad", "--master", cluster.masterTarget(), "--token-file",
                tokenFile.toString(), "--progress", "none", "faulty://secrets" + data);

        assertEquals(ExitCode.PARTIAL, run.exitCode(), run.err());
        String log = Files.readString(executorLog);
        assertTrue(log.contains("Initialized executor component for plugin " + HiddenLogsPlugin.class.getName()), log);
        assertTrue(log.contains("WARN LoadExecutor: Loading faulty://secrets" + data.resolve("part-1") + " failed: ")
                && log.contains("X-Amz-Security-Token=<hidden>&X-Amz-Expires=300"), "the executor's line: " + log);
        assertTrue(run.out().contains("X-Amz-Security-Token=<hidden>&X-Amz-Expires=300"), "the summary's failed file: " + run.out());
        for (String written : List.of(log, run.out(), run.err())) {
            assertFalse(written.contains(secret), written);
        }
    }

    @Test
    void whatTheJobCannotDoEndsWithTheCommandLinesExitCodes() throws Exception {
        String master = cluster.masterTarget();
        String token = tokenFile.toString();
        String uri = metastore.uri().toString();

        Run missing = sparkSubmit("--table", "demo.events", "--partition", "dt=2099-01-01", "--master", master, "--token-file", token, "--metastore", uri);
        assertEquals(5, missing.exitCode(), missing.err());
        assertTrue(missing.err().contains("gfsload: Partition not found: demo.events dt=2099-01-01"), missing.err());

        Run noMaster = sparkSubmit("--table", "demo.events", "--metastore", uri);
        assertEquals(2, noMaster.exitCode(), noMaster.err());
        assertTrue(noMaster.err().contains("A Spark job loads through its executors, which need a cache cluster they can reach: give its master "
                + "with --master HOST:PORT"), noMaster.err());

        // a dry run the cluster refuses prints the plan's JSON in the driver, with the code and the reason
        Run refused = sparkSubmit("--table", "demo.events", "--partition", "dt=2026-11-20", "--replication", "3", "--dry-run", "--json",
                "--master", master, "--token-file", token, "--metastore", uri);
        assertEquals(2, refused.exitCode(), refused.err());
        JsonNode plan = new ObjectMapper().readTree(refused.out());
        assertEquals(2, plan.get("exitCode").asInt(), refused.out());
        assertEquals("Invalid replication 3: the cluster has only 2 workers", plan.get("error").asText(), refused.out());
        assertEquals("demo.events dt=2026-11-20", plan.get("target").asText(), refused.out());
        assertTrue(refused.err().contains("gfsload: Invalid replication 3: the cluster has only 2 workers"), refused.err());

        // the application's spark.hadoop.* settings are the Hadoop settings the driver lists the UFS with
        Run connector = sparkSubmit(List.of("--conf", "spark.hadoop.fs.nosuchscheme.impl=org.example.NoSuchFileSystem"),
                "distributedLoad", "--master", master, "--token-file", token, "nosuchscheme://bucket/data");
        assertEquals(2, connector.exitCode(), connector.err());
        assertTrue(connector.err().contains("the connector class org.example.NoSuchFileSystem is not on the classpath"), connector.err());
    }

    @Test
    void aLoadWindowGoesWithEachSliceToTheExecutors() throws Exception {
        Path data = Files.createDirectories(directory.resolve("windowed"));
        for (int i = 0; i < 4; i++) {
            Files.write(data.resolve("part-" + i), new byte[300_000 + i]);
        }
        // a load window open now, in UTC: neither the driver nor the executors wait
        LocalTime now = LocalTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
        String window = now.minusHours(1) + "-" + now.plusHours(1);

        Run run = sparkSubmit("distributedLoad", "--window", window, "--window-zone", "UTC", "--master", cluster.masterTarget(), "--token-file",
                tokenFile.toString(), "--progress", "none", "--json", data.toString());

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("UFS reads start only within the load window %s (UTC, by each executor's clock)".formatted(window)), run.err());
        assertTrue(run.err().contains("in 2 slices"), run.err());
        JsonNode report = new ObjectMapper().readTree(run.out());
        assertEquals("SUCCEEDED", report.get("state").asText());
        assertEquals(4, report.get("totals").get("files").asLong());
        assertEquals(window, report.get("window").get("window").asText());
        assertEquals("UTC", report.get("window").get("zone").asText());
        assertEquals(0, report.get("window").get("waitedMillis").asLong());
        assertEquals(0, report.get("window").get("pauses").asLong());
    }

    @Test
    void aJobTheCommandLineLeftIsResumedByTheSparkJob() throws Exception {
        Path data = Files.createDirectories(directory.resolve("left-by-the-command-line"));
        Files.write(data.resolve("part-0"), new byte[100_000]);
        LoadRequest request = new LoadRequest(new LoadTarget.Paths(List.of("file:" + data)), 1);
        String clusterId;
        try (CacheClient client = cluster.newClient()) {
            clusterId = client.clusterInfo().clusterId();
        }
        // what two partial runs of the command line leave, written by its RocksDB: enough blocks for table files
        Path jobs = directory.resolve("home").resolve("jobs");
        for (int run = 0; run < 2; run++) {
            try (JobJournal journal = JobJournal.open(jobs, request, false, clusterId, false)) {
                for (int i = 0; i < 10_000; i++) {
                    journal.recordCommitted("run-%d-block-%d".formatted(run, i));
                }
            }
        }

        // the same arguments: the same job, which the driver resumes with the distribution's RocksDB
        Run resumed = sparkSubmit("distributedLoad", "--master", cluster.masterTarget(), "--token-file", tokenFile.toString(), "--progress", "none",
                data.toString());

        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.err().contains("Resuming job %s (run 3): 20000 blocks committed".formatted(JobJournal.jobId(request, false))), resumed.err());
        assertFalse(resumed.err().contains("cannot be used"), resumed.err());
    }

    /**
     * An atomic job whose temp area is gone mid-run (aborted here, as the master does to an area
     * whose renewals it did not get in time) stops as the command line does: its slices stop at
     * their next write or commit, the files not started are not attempted, and the driver ends
     * FAILED (exit 4) with the command line's stop reason, rather than have its slices load on.
     */
    @Test
    void anAtomicJobWhoseTempAreaIsGoneStopsWithTheCommandLinesReason() throws Exception {
        Path data = Files.createDirectories(directory.resolve("area-gone"));
        for (int i = 0; i < 8; i++) {
            Files.write(data.resolve("part-" + i), new byte[2 << 20]);
        }
        Path report = directory.resolve("reports/area-gone.json");
        Path out = Files.createTempFile(directory, "out", ".txt");
        Path err = Files.createTempFile(directory, "err", ".txt");
        // two slices of four files, one file at a time each at 0.5 MB/s: 16 s, renewed every 20 minutes
        Process job = start(List.of(), out, err, "distributedLoad", "-A", "--atomic-scope", "job", "--expire-time", "1h", "--active-jobs", "2",
                "--bandwidth", "1MB/s", "--master", cluster.masterTarget(), "--token-file", tokenFile.toString(), "--progress", "none",
                "--report", report.toString(), data.toString());
        String jobId;
        try (CacheClient client = cluster.newClient()) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            List<TempArea> staging = List.of();
            while (staging.isEmpty() && job.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(100);
                staging = client.tempAreas().listTempAreas().stream().filter(area -> !area.blocks().isEmpty()).toList();
            }
            assertFalse(staging.isEmpty(), "the slices stage blocks: " + Files.readString(err));
            jobId = staging.get(0).jobId();
            // what the master does to an area whose renewals it did not answer in time
            client.tempAreas().abortTempArea(jobId);
        }

        assertTrue(job.waitFor(2, TimeUnit.MINUTES), "the job ends");
        String stderr = Files.readString(err);
        assertEquals(4, job.exitValue(), stderr);
        JsonNode saved = new ObjectMapper().readTree(Files.readString(report));
        assertEquals("FAILED", saved.get("state").asText(), saved.toString());
        String reason = "the temp area of atomic job %s is gone from the master (aborted, or expired by the master's clock; it was to expire at ".formatted(jobId);
        String stopReason = saved.get("stopReason").asText();
        assertTrue(stopReason.startsWith(reason) && stopReason.endsWith("; its staged blocks were deleted: run the same command again"), stopReason);
        List<String> errors = new ArrayList<>();
        saved.get("partitions").forEach(partition -> partition.get("files").forEach(file -> errors.add(file.get("error").asText())));
        assertEquals(8, errors.size(), errors.toString());
        assertTrue(errors.stream().anyMatch(error -> error.startsWith("not attempted: the temp area of atomic job " + jobId)),
                "the files not started when the area was found gone are not attempted: " + errors);
        assertTrue(stderr.lines().anyMatch(("gfsload: %s; the journal of job %s is kept: the same command resumes the job".formatted(stopReason, jobId))::equals),
                stderr);
        try (CacheClient client = cluster.newClient()) {
            assertTrue(client.tempAreas().findTempArea(jobId).isEmpty(), "no slice opened a new temp area for the job");
        }
    }

    @Test
    void anAtomicJobCommitsEveryBlockItsSlicesStagedAtOnce() throws Exception {
        Run atomic = sparkSubmit("--table", "demo.events", "--partition", "dt=2026-11-18", "--partition", "dt=2026-11-19", "-A", "--atomic-scope",
                "job", "--master", cluster.masterTarget(), "--token-file", tokenFile.toString(), "--metastore", metastore.uri().toString(),
                "--progress", "none", "--json");

        assertEquals(0, atomic.exitCode(), atomic.err());
        JsonNode report = new ObjectMapper().readTree(atomic.out());
        assertEquals("SUCCEEDED", report.get("state").asText());
        assertEquals(0, report.get("totals").get("blocksFailed").asLong());
        try (CacheClient client = cluster.newClient()) {
            for (String day : java.util.List.of("2026-11-18", "2026-11-19")) {
                for (Path file : dataFiles(day)) {
                    FileIdentity identity = new FileIdentity("file:" + file, Files.size(file), Files.getLastModifiedTime(file).toMillis());
                    assertFalse(client.cachedBlocks(identity).isEmpty(), "committed: " + file);
                }
            }
            String job = report.get("job").get("jobId").asText();
            assertTrue(client.tempAreas().findTempArea(job).isEmpty(), "the job's temp area is deleted once the job is committed");
        }
    }
}
