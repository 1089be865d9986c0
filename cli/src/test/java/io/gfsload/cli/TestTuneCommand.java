package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.advisor.BackendProfile;
import io.gfsload.advisor.Settings;
import io.gfsload.advisor.TuningAdvisor;
import io.gfsload.advisor.WorkloadProfile;
import io.gfsload.planner.PlanWorkload;
import io.gfsload.ufs.simulator.ThrottledConfig;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gfsload tune} in-process: bad usage without starting anything, then against the embedded
 * metastore's demo table and against local paths, checking the printed settings and the written
 * core-site.xml and properties files.
 */
class TestTuneCommand {
    private static final long MB = 1L << 20;

    @TempDir
    Path home;

    @TempDir
    Path out;

    private CliRun gfsload(String... args) {
        return CliRun.gfsload(home, args);
    }

    /** The row of {@code name} in the printed table, split into setting, value, unit, source and reason. */
    private static List<String> row(String table, String name) {
        String line = table.lines().filter(l -> l.startsWith(name + " ")).findFirst().orElseThrow(() -> new AssertionError("no row " + name + " in\n" + table));
        String[] parts = line.split("\\s+", 5);
        return List.of(parts);
    }

    @Test
    void badUsageExitsTwoAndStartsNothing() throws IOException {
        CliRun none = gfsload("tune");
        assertEquals(2, none.exitCode());
        assertTrue(none.err().startsWith("gfsload: Missing required option: '--table=DB.TABLE' or '--path=PATH'"), none.err());

        CliRun both = gfsload("tune", "--table", "demo.events", "--path", "/data");
        assertEquals(2, both.exitCode());
        assertTrue(both.err().startsWith("gfsload: --path and --table (with --partition, --where, --latest) select what to tune for in different ways"), both.err());

        CliRun bandwidth = gfsload("tune", "--path", "/data", "--ufs-stream-bandwidth", "fast");
        assertEquals(2, bandwidth.exitCode());
        assertTrue(bandwidth.err().startsWith("gfsload: Invalid value for option '--ufs-stream-bandwidth': 'fast' is not a data rate: expected a number and a unit, such as 200MB/s"), bandwidth.err());

        CliRun heap = gfsload("tune", "--path", "/data", "--heap", "0GB");
        assertEquals(2, heap.exitCode());
        assertTrue(heap.err().startsWith("gfsload: Invalid value for option '--heap': '0GB' is not a size between 1 byte and 8 EiB"), heap.err());

        CliRun cores = gfsload("tune", "--path", "/data", "--cores", "0");
        assertEquals(2, cores.exitCode());
        assertEquals("gfsload: Invalid --cores 0: must be at least 1", cores.err().strip());

        CliRun directory = gfsload("tune", "--path", "/data", "--core-site", out.resolve("missing/core-site.xml").toString());
        assertEquals(2, directory.exitCode());
        assertTrue(directory.err().startsWith("gfsload: Cannot write --core-site " + out.resolve("missing/core-site.xml") + ": no directory"), directory.err());

        try (Stream<Path> files = Files.list(home)) {
            assertEquals(List.of(), files.toList(), "nothing started, nothing written");
        }
    }

    @Test
    void helpListsTheOptions() {
        CliRun help = gfsload("tune", "--help");
        assertEquals(0, help.exitCode());
        for (String option : List.of("--table=DB.TABLE", "--partition=K=V[/K2=V2]", "--path=PATH", "--json", "--core-site=FILE", "--cluster-properties=FILE",
                "--cores=N", "--heap=SIZE", "--worker-memory=SIZE", "--workers=N", "--ufs-latency-ms=MS", "--ufs-stream-bandwidth=RATE",
                "--ufs-aggregate-bandwidth=RATE", "--probe", "--master=HOST:PORT", "--metastore=thrift://HOST:PORT")) {
            assertTrue(help.out().contains(option), option + " in\n" + help.out());
        }
    }

    @Test
    void anExistingCoreSiteGetsTheSettingsAndKeepsItsCredentialsUnprinted() throws IOException {
        Path coreSite = out.resolve("core-site.xml");
        Files.writeString(coreSite, """
                <?xml version="1.0"?>
                <configuration>
                  <property><name>fs.cosn.userinfo.secretId</name><value>AKIDEXAMPLE</value></property>
                  <property><name>fs.cosn.userinfo.secretKey</name><value>SECRETKEYEXAMPLE</value></property>
                  <property><name>fs.cosn.upload_thread_pool</name><value>8</value></property>
                </configuration>
                """);
        Files.setPosixFilePermissions(coreSite, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

        CliRun run = gfsload("tune", "--table", "demo.events", "--partition", "dt=2026-11-20", "--cores", "16", "--core-site", coreSite.toString());

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("Wrote the 4 fs.cosn.* settings into " + coreSite + ", keeping its 2 other entries"), run.err());
        assertFalse(run.out().contains("SECRETKEYEXAMPLE") || run.err().contains("SECRETKEYEXAMPLE"), run.out() + run.err());
        Configuration conf = new Configuration(false);
        conf.addResource(new org.apache.hadoop.fs.Path(coreSite.toUri()));
        assertEquals("SECRETKEYEXAMPLE", conf.get("fs.cosn.userinfo.secretKey"));
        assertEquals("AKIDEXAMPLE", conf.get("fs.cosn.userinfo.secretId"));
        assertEquals(32, conf.getInt(Settings.COSN_UPLOAD_THREAD_POOL, 0));
        assertEquals(6, conf.size(), "the 2 credentials and the 4 settings");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(coreSite)));

        CliRun intoXml = gfsload("tune", "--path", "/data", "--cluster-properties", coreSite.toString());
        assertEquals(2, intoXml.exitCode());
        assertEquals("gfsload: Cannot update --cluster-properties " + coreSite + ": it holds XML, not properties", intoXml.err().strip());
        assertEquals("SECRETKEYEXAMPLE", conf.get("fs.cosn.userinfo.secretKey"), "left as it was");

        Files.writeString(coreSite, "<configuration><property>");
        CliRun broken = gfsload("tune", "--path", "/data", "--core-site", coreSite.toString());
        assertEquals(2, broken.exitCode());
        assertTrue(broken.err().startsWith("gfsload: Cannot update --core-site " + coreSite + ": it is not well-formed XML: "), broken.err());
        assertEquals("<configuration><property>", Files.readString(coreSite), "left as it was");
    }

    @Test
    void theBandwidthCapSizesTheReadThreadsWhereItIsBelowTheStoresRate() throws IOException {
        // 8 files of 128 MiB, never read: the advisor needs only their sizes
        Path data = Files.createDirectories(out.resolve("large"));
        for (int i = 0; i < 8; i++) {
            try (RandomAccessFile file = new RandomAccessFile(data.resolve("f" + i + ".bin").toFile(), "rw")) {
                file.setLength(128 * MB);
            }
        }
        String[] store = {"tune", "--path", data.toString(), "--json", "--cores", "2", "--heap", "6GB", "--worker-memory", "24GB",
                "--ufs-latency-ms", "20", "--ufs-stream-bandwidth", "16MB/s", "--ufs-aggregate-bandwidth", "1GB/s"};
        // 1 GiB/s x (20 ms + 4 MiB / 16 MiB/s) / 4 MiB = 70 streams, x 1.5
        assertEquals(105, readThreads(gfsload(store)).get("value").asLong());

        CliRun capped = gfsload(withArguments(store, "--bandwidth", "10MB/s"));
        assertEquals(0, capped.exitCode(), capped.err());
        JsonNode threads = readThreads(capped);
        assertEquals(4, threads.get("value").asLong(), "1 stream x 1.5 = 2, the cores' 4: " + threads);
        assertTrue(threads.get("reason").asText().contains("; --bandwidth 10 MiB/s (below the store's 1 GiB/s) needs 10 MiB/s x (20 ms + 4 MiB / 16 MiB/s) / 4 MiB = 1 streams"),
                threads.toString());
        assertEquals(10 * MB, threads.get("inputs").get("bandwidth-cap-bytes-per-second").asLong());
        assertEquals(10 * MB, new ObjectMapper().readTree(capped.out()).get("profile").get("bandwidthCapBytesPerSecond").asLong());
        assertEquals(11, readThreads(gfsload(withArguments(store, "--bandwidth", "100MB/s"))).get("value").asLong(), "7 streams x 1.5");
        assertEquals(105, readThreads(gfsload(withArguments(store, "--bandwidth", "4GB/s"))).get("value").asLong(), "the store's rate is the lesser");

        CliRun table = gfsload(Arrays.stream(withArguments(store, "--bandwidth", "10MB/s")).filter(arg -> !arg.equals("--json")).toArray(String[]::new));
        assertEquals(0, table.exitCode(), table.err());
        assertTrue(table.out().contains("UFS: latency 20 ms (given), 16.0 MiB/s (given) per stream, 1.0 GiB/s (given) in all; reads capped at 10.0 MiB/s (--bandwidth)"),
                table.out());
        assertEquals("4", row(table.out(), Settings.UFS_READ_THREADS).get(1));

        // the parser of the load commands
        CliRun bits = gfsload("tune", "--path", data.toString(), "--bandwidth", "8Mb/s");
        assertEquals(2, bits.exitCode());
        assertTrue(bits.err().startsWith("gfsload: Invalid value for option '--bandwidth': '8Mb/s' "), bits.err());
    }

    private static String[] withArguments(String[] args, String... more) {
        String[] all = Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }

    private static JsonNode readThreads(CliRun run) throws IOException {
        assertEquals(0, run.exitCode(), run.err());
        return setting(new ObjectMapper().readTree(run.out()), Settings.UFS_READ_THREADS);
    }

    @Test
    void aReplicationTheClusterCanNeverGiveIsRefusedAsALoadRefusesIt() throws IOException {
        Path coreSite = out.resolve("refused-core-site.xml");
        CliRun run = gfsload("tune", "--table", "demo.events", "--partition", "dt=2026-11-20", "--replication", "3", "--core-site", coreSite.toString());

        assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
        assertEquals("gfsload: Invalid replication 3: the cluster has only 2 workers", run.err().strip());
        assertEquals("", run.out());
        assertFalse(Files.exists(coreSite), "nothing written");
    }

    @Test
    void tunesForATablePartitionAndWritesTheClusterFiles() throws IOException {
        Path coreSite = out.resolve("core-site.xml");
        Path cluster = out.resolve("goosefs-site.properties");
        CliRun run = gfsload("tune", "--table", "demo.events", "--partition", "dt=2026-11-20",
                "--cores", "16", "--heap", "4GB", "--worker-memory", "64GB",
                "--core-site", coreSite.toString(), "--cluster-properties", cluster.toString());
        assertEquals(0, run.exitCode(), run.err());

        // 72 MiB + 5 MiB + 2 MiB of Parquet; two embedded workers
        assertTrue(run.out().startsWith("Settings for demo.events dt=2026-11-20: 3 files, 79."), run.out());
        assertTrue(run.out().contains("Executor: 16 cores, heap 4.0 GiB. Workers: 2, 64.0 GiB memory each, MEM tier 0 B. UFS: unknown (give --ufs-latency-ms, "
                + "--ufs-stream-bandwidth, --ufs-aggregate-bandwidth, or --probe)"), run.out());
        assertEquals(List.of("fs.cosn.upload_thread_pool", "32", "threads", "advisor", "2 x 16 cores = 32 -> 32"), row(run.out(), Settings.COSN_UPLOAD_THREAD_POOL));
        assertEquals(List.of("goosefs.job.worker.max.active.task.num", "36", "tasks", "advisor", "32 upload threads + 4"),
                row(run.out(), Settings.JOB_WORKER_MAX_ACTIVE_TASKS));
        assertEquals("72", row(run.out(), Settings.CLIENT_POOL_MAX).get(1));
        assertEquals("90", row(run.out(), Settings.GOOSEFS_ACTIVE_JOBS).get(1), "ceil(1.25 x 2 workers x 36 tasks)");
        assertEquals("4194304", row(run.out(), Settings.COSN_READ_AHEAD_BLOCK_SIZE).get(1), "files average tens of MB");
        assertEquals("20", row(run.out(), Settings.UFS_READ_THREADS).get(1), "no more readers than ranged reads: 79 MiB / 4 MiB");
        assertEquals("3", row(run.out(), Settings.ACTIVE_FILES).get(1), "no more files open than files");
        assertTrue(run.err().contains("Wrote the 4 fs.cosn.* settings to " + coreSite), run.err());
        assertTrue(run.err().contains("Wrote the 4 goosefs.* settings and the 2 gfsload.cache.* settings of the same meaning to " + cluster), run.err());

        Configuration conf = new Configuration(false);
        conf.addResource(new org.apache.hadoop.fs.Path(coreSite.toUri()));
        assertEquals(128 * MB, conf.getLong(Settings.COSN_BLOCK_SIZE, 0));
        assertEquals(32, conf.getInt(Settings.COSN_UPLOAD_THREAD_POOL, 0));
        assertEquals(4 * MB, conf.getLong(Settings.COSN_READ_AHEAD_BLOCK_SIZE, 0));
        assertEquals(32, conf.getInt(Settings.COSN_READ_AHEAD_QUEUE_SIZE, 0));
        assertEquals(4, conf.size(), "only the fs.cosn.* settings");
        assertTrue(Files.readString(coreSite).contains("<description>2 x 16 cores = 32 -&gt; 32. Rule: 2-3 x CPU cores (GooseFS guide)"), Files.readString(coreSite));
        assertTrue(Files.readString(coreSite).contains("<!-- COS client settings for demo.events dt=2026-11-20, by gfsload tune; gfsload tune writing "
                + "this file again replaces them and keeps any other property. -->"), "no advice to merge a file that may be core-site.xml itself: "
                + Files.readString(coreSite));

        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(cluster)) {
            properties.load(reader);
        }
        assertEquals("36", properties.getProperty(Settings.JOB_WORKER_MAX_ACTIVE_TASKS));
        assertEquals("72", properties.getProperty(Settings.CLIENT_POOL_MAX));
        assertEquals("32", properties.getProperty(Settings.JOB_WORKER_THREADPOOL_SIZE));
        assertEquals("4194304", properties.getProperty(Settings.WORKER_READER_BUFFER_SIZE));
        assertEquals("4194304", properties.getProperty("gfsload.cache.worker.reader.buffer-size"), "for gfsload's own cluster");
        assertEquals("72", properties.getProperty("gfsload.cache.client.pool.max"));
        assertEquals(6, properties.size(), "the goosefs.* settings and their gfsload.cache.* names");
        // gfsload's cluster reads the file as it is
        io.gfsload.cache.server.CacheServerConfig config = io.gfsload.cache.server.CacheServerConfig.load(cluster);
        assertEquals(4 << 20, config.with(io.gfsload.cache.server.CacheServerConfig.WORKER_ID, "w")
                .with(io.gfsload.cache.server.CacheServerConfig.WORKER_MASTER, "h:1")
                .with("gfsload.cache.worker.tier.ssd.dirs", out.resolve("ssd").toString())
                .with("gfsload.cache.worker.tier.ssd.quota", "1GiB").worker().readChunkBytes());
        assertEquals(72, config.client().maxWorkerChannels());
        assertTrue(Files.readString(cluster).contains("# Client: distributedLoad --active-jobs 90 (ceil(1.25 x 2 workers x 36 tasks) = 90"), Files.readString(cluster));
    }

    @Test
    void linkedSettingsFilesAreWrittenWhereTheyLeadKeepingModeOwnerAndGroup() throws IOException {
        Path data = Files.createDirectories(out.resolve("linked-data"));
        Files.write(data.resolve("part-00000"), new byte[1 << 20]);
        // conf/ links into a managed directory, as /etc/hadoop/conf does; the files hold credentials a service group reads
        Path managed = Files.createDirectories(out.resolve("managed"));
        Path conf = Files.createDirectories(out.resolve("conf"));
        Path coreSite = managed.resolve("core-site.xml");
        Files.writeString(coreSite, "<configuration><property><name>fs.cosn.userinfo.secretKey</name><value>SECRETKEYEXAMPLE</value></property></configuration>\n");
        Path cluster = managed.resolve("goosefs-site.properties");
        Files.writeString(cluster, "goosefs.master.hostname=master-1\n");
        int uid = 4242;
        int gid = 4243;
        for (Path file : List.of(coreSite, cluster)) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
            if ((int) Files.getAttribute(file, "unix:uid") == 0) {
                Files.setAttribute(file, "unix:uid", uid);
                Files.setAttribute(file, "unix:gid", gid);
            }
            else {
                uid = (int) Files.getAttribute(file, "unix:uid");
                gid = (int) Files.getAttribute(file, "unix:gid");
            }
        }
        Path coreSiteLink = Files.createSymbolicLink(conf.resolve("core-site.xml"), Path.of("../managed/core-site.xml"));
        Path clusterLink = Files.createSymbolicLink(conf.resolve("goosefs-site.properties"), Path.of("../managed/goosefs-site.properties"));

        CliRun run = gfsload("tune", "--path", data.toString(), "--cores", "4", "--core-site", coreSiteLink.toString(),
                "--cluster-properties", clusterLink.toString());

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("Wrote the 4 fs.cosn.* settings into %s (a link to %s), keeping its 1 other entries"
                .formatted(coreSiteLink, coreSite.toRealPath())), run.err());
        assertTrue(run.err().contains("settings of the same meaning into %s (a link to %s), keeping its 1 other entries"
                .formatted(clusterLink, cluster.toRealPath())), run.err());
        assertFalse(run.err().contains("warning"), run.err());
        assertFalse(run.out().contains("SECRETKEYEXAMPLE") || run.err().contains("SECRETKEYEXAMPLE"), run.out() + run.err());
        assertTrue(Files.isSymbolicLink(coreSiteLink) && Files.isSymbolicLink(clusterLink), "the links stay links");
        Configuration written = new Configuration(false);
        written.addResource(new org.apache.hadoop.fs.Path(coreSite.toUri()));
        assertEquals("SECRETKEYEXAMPLE", written.get("fs.cosn.userinfo.secretKey"));
        assertEquals(5, written.size(), "the credential and the 4 settings, in the managed file");
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(cluster)) {
            properties.load(reader);
        }
        assertEquals("master-1", properties.getProperty("goosefs.master.hostname"));
        assertTrue(properties.containsKey(Settings.JOB_WORKER_MAX_ACTIVE_TASKS), properties.toString());
        for (Path file : List.of(coreSite, cluster)) {
            assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), file.toString());
            assertEquals(uid, Files.getAttribute(file, "unix:uid"), file.toString());
            assertEquals(gid, Files.getAttribute(file, "unix:gid"), file.toString());
        }
        try (Stream<Path> files = Stream.concat(Files.list(conf), Files.list(managed))) {
            assertEquals(List.of(), files.filter(file -> file.getFileName().toString().endsWith(".tmp")).toList(), "no temp file left");
        }
    }

    @Test
    void tunesForWhatIsLeftToLoadNotForTheFilesAlreadyCached() throws IOException {
        Path data = Files.createDirectories(out.resolve("incremental"));
        Path large = data.resolve("part-00000");
        Files.write(large, new byte[40 << 20]);
        for (int i = 1; i <= 6; i++) {
            Files.write(data.resolve("part-%05d".formatted(i)), new byte[(int) MB]);
        }
        CliRun first = gfsload("distributedLoad", "--progress", "none", large.toString());
        assertEquals(0, first.exitCode(), first.err());

        // the large file is cached: the advisor sizes the settings for the six files of 1 MiB a load reads
        CliRun tune = gfsload("tune", "--path", data.toString(), "--cores", "4", "--heap", "1GB");
        assertEquals(0, tune.exitCode(), tune.err());
        assertTrue(tune.out().startsWith("Settings for %s: 6 files, 6.0 MiB to load (median 1.0 MiB, mean 1.0 MiB); the 40.0 MiB already cached are left out%n"
                .formatted(data)), tune.out());
        assertEquals("1048576", row(tune.out(), Settings.COSN_READ_AHEAD_BLOCK_SIZE).get(1), "the median of the files to load: " + tune.out());
        JsonNode json = new ObjectMapper().readTree(gfsload("tune", "--path", data.toString(), "--json", "--cores", "4", "--heap", "1GB").out());
        // it starts with the command's exit code, as --help says and as plan's and status's JSON do
        List<String> fields = new ArrayList<>();
        json.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("exitCode", "target", "profile", "wholePlan", "cachedBytes", "settings"), fields);
        assertEquals(0, json.get("exitCode").asInt());
        assertEquals(6, json.get("profile").get("files").asLong());
        assertEquals(6 * MB, json.get("profile").get("bytes").asLong());
        assertEquals(MB, json.get("profile").get("meanFileBytes").asLong());
        assertFalse(json.get("wholePlan").asBoolean());
        assertEquals(40 * MB, json.get("cachedBytes").asLong());

        // the load uses the same figures: its settings' inputs count the files it reads
        CliRun load = gfsload("distributedLoad", "--progress", "none", "--json", "--cores", "4", "--heap", "1GB", data.toString());
        assertEquals(0, load.exitCode(), load.err());
        assertTrue(load.err().contains("Loading 6 of 7 files"), load.err());
        JsonNode activeFiles = setting(new ObjectMapper().readTree(load.out()), Settings.ACTIVE_FILES);
        assertEquals(6, activeFiles.get("inputs").get("files").asLong(), activeFiles.toString());

        // nothing left to load: the whole plan's settings, and said so
        CliRun cached = gfsload("tune", "--path", data.toString(), "--cores", "4", "--heap", "1GB");
        assertEquals(0, cached.exitCode(), cached.err());
        assertTrue(cached.out().startsWith(("Settings for %s: nothing to load (every block cached); for the whole plan as if nothing were cached: "
                + "7 files, 46.0 MiB (median 1.0 MiB, mean 6.6 MiB)%n").formatted(data)), cached.out());
    }

    @Test
    void tunesForPathsWithABackendProfileAsJson() throws IOException {
        Path data = Files.createDirectories(out.resolve("small"));
        for (int i = 0; i < 40; i++) {
            Files.write(data.resolve("part-%05d".formatted(i)), new byte[256 << 10]);
        }
        Files.write(data.resolve("_SUCCESS"), new byte[0]);
        CliRun run = gfsload("tune", "--path", data.toString(), "--json", "--cores", "4", "--heap", "1GB", "--worker-memory", "4GB",
                "--ufs-latency-ms", "20", "--ufs-stream-bandwidth", "32MB/s", "--ufs-aggregate-bandwidth", "1GB/s");
        assertEquals(0, run.exitCode(), run.err());

        JsonNode json = new ObjectMapper().readTree(run.out());
        assertEquals(data.toString(), json.get("target").asText());
        JsonNode profile = json.get("profile");
        assertEquals(40, profile.get("files").asLong());
        assertEquals(256 << 10, profile.get("medianFileBytes").asLong());
        assertEquals(2, profile.get("workers").asInt(), "the embedded cluster's live workers");
        assertEquals(20, profile.get("requestLatencyMillis").asLong());
        assertEquals(1L << 30, profile.get("aggregateBytesPerSecond").asLong());

        JsonNode pool = setting(json, Settings.COSN_UPLOAD_THREAD_POOL);
        // per worker 512 MiB/s x (20 ms + 256 KiB / 32 MiB/s) / 256 KiB = 57 streams, above 2 x 4 cores
        assertEquals(57, pool.get("value").asLong(), pool.toString());
        assertEquals("threads", pool.get("unit").asText());
        assertEquals("ADVISOR", pool.get("source").asText());
        assertEquals(20, pool.get("inputs").get("request-latency-ms").asLong());
        assertTrue(pool.get("rule").asText().startsWith("2-3 x CPU cores (GooseFS guide)"), pool.toString());
        JsonNode threads = setting(json, Settings.UFS_READ_THREADS);
        assertEquals(40, threads.get("value").asLong(), "the store needs 114 streams, the plan has 40 files: " + threads);
        assertEquals(256 << 10, setting(json, Settings.READ_BUFFER_BYTES).get("value").asLong(), "median 256 KiB: one request per file");
        assertTrue(setting(json, Settings.IN_FLIGHT_BYTES).get("value").asLong() <= (1L << 30) / 4);
        assertFalse(run.out().contains("SETTING"), "JSON only on stdout");
    }

    @Test
    void probesTheUfsForTheFiguresNoFlagGives() throws IOException {
        Path data = Files.createDirectories(out.resolve("large"));
        for (int i = 0; i < 3; i++) {
            Files.write(data.resolve("part-%05d".formatted(i)), new byte[8 << 20]);
        }
        // the instance the command will get from Hadoop's cache: 40 ms, 8 MiB/s per stream, 24 MiB/s in all
        ThrottledConfig store = new ThrottledConfig(Duration.ofMillis(40), 8 * MB, 24 * MB, 0, 0);
        String root = "throttled://probe-cli" + data.toAbsolutePath();
        try (FileSystem fs = FileSystem.get(URI.create(root), store.applyTo(new Configuration()))) {
            CliRun run = gfsload("tune", "--path", root, "--json", "--cores", "2", "--heap", "1GB", "--probe", "--ufs-latency-ms", "5");
            assertEquals(0, run.exitCode(), run.err());

            JsonNode profile = new ObjectMapper().readTree(run.out()).get("profile");
            assertEquals(5, profile.get("requestLatencyMillis").asLong(), "the flag wins over the probe");
            assertEquals("GIVEN", profile.get("backendProvenance").get("latency").asText());
            assertEquals("PROBED", profile.get("backendProvenance").get("perStream").asText());
            assertEquals("PROBED", profile.get("backendProvenance").get("aggregate").asText());
            assertTrue(profile.get("perStreamBytesPerSecond").asLong() > 0 && profile.get("aggregateBytesPerSecond").asLong() > 0, profile.toString());
            JsonNode threads = setting(new ObjectMapper().readTree(run.out()), Settings.UFS_READ_THREADS);
            assertTrue(threads.get("reason").asText().contains("(store: latency 5 ms (given), "), threads.toString());
            assertTrue(threads.get("reason").asText().contains(" per stream (probed), "), threads.toString());

            CliRun table = gfsload("tune", "--path", root, "--cores", "2", "--heap", "1GB", "--probe");
            assertEquals(0, table.exitCode(), table.err());
            assertTrue(table.out().contains("UFS: latency ") && table.out().contains(" ms (probed), "), table.out());
        }
    }

    @Test
    void aProbedLatencyBelowAMillisecondIsInTheJsonAsTheTableShowsIt() throws IOException {
        // a store in the same data centre answers in 0.3 ms: the table says so, and the JSON is no 0 (unknown)
        WorkloadProfile profile = WorkloadProfile.builder().cores(2).maxHeapBytes(1L << 30).files(3, 24 * MB, 8 * MB, 8 * MB)
                .backend(BackendProfile.probed(Duration.ofNanos(312_500), 64 * MB, 128 * MB))
                .build();
        TuneCommand.Tuned tuned = new TuneCommand.Tuned("/data", profile, TuningAdvisor.recommend(profile), new PlanWorkload(3, 24 * MB, 8 * MB, 8 * MB, false), 0);

        assertTrue(TuneCommand.table(tuned).contains("UFS: latency 0.3 ms (probed), "), TuneCommand.table(tuned));
        JsonNode json = new ObjectMapper().readTree(TuneCommand.json(tuned)).get("profile");
        assertEquals(0.3125, json.get("requestLatencyMillis").asDouble(), 1e-9, json.toString());
        assertEquals("PROBED", json.get("backendProvenance").get("latency").asText());

        WorkloadProfile given = WorkloadProfile.builder().cores(2).maxHeapBytes(1L << 30).files(3, 24 * MB, 8 * MB, 8 * MB)
                .backend(new BackendProfile(Duration.ofMillis(20), 16 * MB, 1L << 30))
                .build();
        String whole = TuneCommand.json(new TuneCommand.Tuned("/data", given, TuningAdvisor.recommend(given), new PlanWorkload(3, 24 * MB, 8 * MB, 8 * MB, false), 0));
        assertTrue(whole.contains("\"requestLatencyMillis\" : 20,"), "whole milliseconds stay a whole number: " + whole);
    }

    @Test
    void aMemTierOfZeroIsNoMemTierAsTheDefault() throws IOException {
        Path data = Files.createDirectories(out.resolve("none"));
        Files.write(data.resolve("part-00000"), new byte[1 << 20]);
        for (String none : List.of("0", "0GB", "0.0 MiB")) {
            CliRun run = gfsload("tune", "--path", data.toString(), "--json", "--worker-memory", "8GB", "--worker-mem-tier", none);
            assertEquals(0, run.exitCode(), none + ": " + run.err());
            assertEquals(0, new ObjectMapper().readTree(run.out()).get("profile").get("memoryTierBytes").asLong(), none);
        }
        CliRun bare = gfsload("tune", "--path", data.toString(), "--worker-mem-tier", "4");
        assertEquals(2, bare.exitCode());
        assertTrue(bare.err().startsWith("gfsload: Invalid value for option '--worker-mem-tier': '4' is not a size: expected a number and a unit"), bare.err());
    }

    private static JsonNode setting(JsonNode json, String name) {
        for (JsonNode setting : json.get("settings")) {
            if (setting.get("name").asText().equals(name)) {
                return setting;
            }
        }
        throw new AssertionError("no setting " + name + " in " + json);
    }
}
