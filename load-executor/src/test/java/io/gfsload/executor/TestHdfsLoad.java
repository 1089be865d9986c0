package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.fs.GfsConfig;
import io.gfsload.cache.fs.GfsFileSystem;
import io.gfsload.cache.fs.GfsReadStatistics;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadPlanner;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PartitionLoad;
import io.gfsload.planner.PlannerConfig;
import io.gfsload.planner.UnlistedDirectory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Path;
import java.security.PrivilegedExceptionAction;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.security.UserGroupInformation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads from a real HDFS ({@link MiniDFSCluster}: a NameNode and a DataNode on loopback) into a
 * real local cluster: what a warehouse on HDFS brings that a local directory does not. Listings
 * come a page at a time, a gfsload block spans HDFS blocks, paths carry the NameNode's authority,
 * and the NameNode checks permissions and tells a deleted or appended file. A query's reads
 * through gfs:// find what the load cached under the identity it recorded.
 */
class TestHdfsLoad {
    /** gfsload's block: not a divisor of HDFS's, so that most blocks span two HDFS blocks. */
    private static final long BLOCK = 256 << 10;
    private static final long HDFS_BLOCK = 384 << 10;

    @TempDir
    static Path hdfsDirectory;

    private static MiniDFSCluster hdfs;
    private static FileSystem fs;
    private static String root;

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private CacheClient client;

    @BeforeAll
    static void startHdfs() throws IOException {
        Configuration conf = new Configuration();
        conf.setLong("dfs.blocksize", HDFS_BLOCK);
        conf.setLong("dfs.namenode.fs-limits.min-block-size", 0);
        // a listing answers four entries at a time: every directory below takes several calls
        conf.setInt("dfs.ls.limit", 4);
        conf.setBoolean("dfs.permissions.enabled", true);
        hdfs = new MiniDFSCluster.Builder(conf, hdfsDirectory.toFile()).numDataNodes(1).build();
        hdfs.waitActive();
        fs = hdfs.getFileSystem();
        root = fs.getUri() + "/warehouse/events";
    }

    @AfterAll
    static void stopHdfs() throws IOException {
        if (hdfs != null) {
            hdfs.shutdown();
        }
        // the executor's FileSystem instances for the NameNode, which is gone now
        FileSystem.closeAll();
    }

    @BeforeEach
    void start() throws IOException {
        cluster = LocalCluster.start(LocalClusterConfig.builder(directory.resolve("cluster")).workers(2).workerCapacityBytes(64L << 20).build());
        client = cluster.newClient();
        fs.delete(new org.apache.hadoop.fs.Path(root), true);
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    @Test
    void loadsAnHdfsDirectoryEveryPageOfItsListingEveryBlockAsHdfsHoldsIt() throws IOException {
        Random random = new Random(11);
        Map<String, byte[]> visible = new java.util.TreeMap<>();
        // spans five gfsload blocks and four HDFS blocks
        visible.put("dt=1/part-00000", write("dt=1/part-00000", bytes(random, (int) (BLOCK * 4 + 12_345))));
        visible.put("dt=1/empty", write("dt=1/empty", new byte[0]));
        for (int i = 0; i < 11; i++) {
            // small files, loaded in batches; more of them than a listing page holds
            String name = "dt=2/part-%05d".formatted(i);
            visible.put(name, write(name, bytes(random, 20_000 + random.nextInt(20_000))));
        }
        write("dt=1/_SUCCESS", new byte[0]);
        write("dt=2/.hive-staging/part-00000", bytes(random, 1000));

        LoadPlan plan = plan(new Configuration(), 2);
        Map<String, FileLoad> planned = files(plan);
        assertEquals(visible.keySet(), planned.keySet(), "every visible file of every listing page, nothing hidden");
        assertTrue(planned.get("dt=1/part-00000").file().path().startsWith("hdfs://" + fs.getUri().getAuthority() + "/warehouse/events/"),
                planned.get("dt=1/part-00000").file().path());

        LoadReport report = executor(new Configuration()).execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state(), String.valueOf(report.failedFiles()));
        assertEquals(plan.stats().bytes(), report.totals().bytesLoaded());
        assertEquals(visible.values().stream().mapToLong(b -> b.length).sum(), report.ufsBytesRead(), "every byte read from HDFS once");
        for (Map.Entry<String, byte[]> file : visible.entrySet()) {
            FileLoad load = planned.get(file.getKey());
            ByteArrayOutputStream cached = new ByteArrayOutputStream();
            for (BlockTask block : load.blocks()) {
                CachedBlock held = client.cachedBlocks(load.file()).stream().filter(b -> b.index() == block.index()).findFirst().orElseThrow();
                assertEquals(2, new HashSet<>(held.workerIds()).size(), "two distinct workers for " + held);
                try (InputStream in = client.openReader(block.key())) {
                    in.transferTo(cached);
                }
            }
            assertArrayEquals(file.getValue(), cached.toByteArray(), file.getKey());
        }
    }

    @Test
    void gfsReadsWhatTheLoadCachedFromTheCacheAndTheRestFromHdfs() throws IOException {
        Random random = new Random(13);
        byte[] loaded = write("dt=1/part-0", bytes(random, (int) (BLOCK * 2 + 777)));
        LoadReport report = executor(new Configuration()).execute(plan(new Configuration(), 1));
        assertEquals(LoadState.SUCCEEDED, report.state(), String.valueOf(report.failedFiles()));
        byte[] later = write("dt=1/part-1", bytes(random, 5000));

        Configuration conf = new Configuration();
        conf.set(GfsConfig.MASTER, cluster.masterTarget());
        conf.set(GfsConfig.UFS_ROOT, fs.getUri() + "/warehouse");
        conf.set(GfsConfig.BLOCK_SIZE, String.valueOf(BLOCK));
        try (GfsFileSystem gfs = (GfsFileSystem) FileSystem.newInstance(URI.create("gfs:///"), conf)) {
            assertArrayEquals(loaded, readAll(gfs, "gfs:///events/dt=1/part-0"));
            // the identity gfs:// asks the cache for is the one the planner recorded from HDFS
            assertEquals(new GfsReadStatistics.Snapshot(loaded.length, 0, 3, 0, 0), gfs.readStatistics().snapshot());

            assertArrayEquals(later, readAll(gfs, "gfs:///events/dt=1/part-1"));
            assertEquals(later.length, gfs.readStatistics().snapshot().bytesFromUfs(), "a file the load did not see comes from HDFS");
        }
    }

    @Test
    void aDeletedAnAppendedAndADeniedFileFailEachForItsReasonWithoutRetriesAndNothingElse() throws Exception {
        Random random = new Random(12);
        for (String name : List.of("part-0", "part-1", "part-2", "part-3", "part-4")) {
            write("dt=1/" + name, bytes(random, (int) (BLOCK + 5000)));
        }
        // the load runs as a user of its own, whom the NameNode holds to the files' permissions
        UserGroupInformation loader = UserGroupInformation.createUserForTesting("loader", new String[] {"analysts"});
        fs.setPermission(new org.apache.hadoop.fs.Path("/"), new FsPermission((short) 0755));
        fs.setPermission(new org.apache.hadoop.fs.Path("/warehouse"), new FsPermission((short) 0755));
        Configuration conf = new Configuration();
        LoadPlan plan = loader.doAs((PrivilegedExceptionAction<LoadPlan>) () -> plan(conf, 1));
        assertEquals(5, files(plan).size());

        fs.delete(new org.apache.hadoop.fs.Path(root + "/dt=1/part-1"), false);
        try (FSDataOutputStream out = fs.append(new org.apache.hadoop.fs.Path(root + "/dt=1/part-2"))) {
            out.write(new byte[100]);
        }
        // readable by its owner only, and the load's user is not its owner
        fs.setPermission(new org.apache.hadoop.fs.Path(root + "/dt=1/part-3"), new FsPermission((short) 0600));

        LoadReport report = loader.doAs((PrivilegedExceptionAction<LoadReport>) () -> executor(conf).execute(plan));

        assertEquals(LoadState.PARTIAL, report.state());
        Map<String, FileReport> failed = report.failedFiles().stream().collect(Collectors.toMap(f -> name(f.path()), Function.identity()));
        assertEquals(java.util.Set.of("dt=1/part-1", "dt=1/part-2", "dt=1/part-3"), failed.keySet(), String.valueOf(failed));
        assertTrue(failed.get("dt=1/part-1").error().contains("not found") || failed.get("dt=1/part-1").error().contains("does not exist"),
                failed.get("dt=1/part-1").error());
        assertTrue(failed.get("dt=1/part-2").error().startsWith("File changed since it was planned: length " + (BLOCK + 5000) + " -> " + (BLOCK + 5100)),
                failed.get("dt=1/part-2").error());
        assertTrue(failed.get("dt=1/part-3").error().contains("Permission denied"), failed.get("dt=1/part-3").error());
        failed.values().forEach(file -> assertEquals(0, file.retries(), "a permanent failure is not retried: " + file));
        for (FileLoad file : plan.partitions().get(0).files()) {
            if (!failed.containsKey(name(file.file().path()))) {
                assertEquals(file.blocks().size(), client.cachedBlocks(file.file()).size(), file.file().path());
            }
            else {
                assertTrue(client.cachedBlocks(file.file()).isEmpty(), "nothing of a failed file is cached: " + file.file().path());
            }
        }
    }

    @Test
    void aDirectoryTheLoadsUserMayNotListFailsAloneAndTheFilesBesideItAreLoaded() throws Exception {
        Random random = new Random(14);
        write("dt=1/part-0", bytes(random, 5000));
        write("dt=1/hr=1/part-1", bytes(random, (int) (BLOCK + 5000)));
        write("dt=1/private/part-2", bytes(random, 5000));
        write("dt=1/private/deeper/part-3", bytes(random, 5000));
        UserGroupInformation loader = UserGroupInformation.createUserForTesting("loader", new String[] {"analysts"});
        fs.setPermission(new org.apache.hadoop.fs.Path("/"), new FsPermission((short) 0755));
        fs.setPermission(new org.apache.hadoop.fs.Path("/warehouse"), new FsPermission((short) 0755));
        // listable by its owner only, and the load's user is not its owner
        fs.setPermission(new org.apache.hadoop.fs.Path(root + "/dt=1/private"), new FsPermission((short) 0700));
        Configuration conf = new Configuration();

        LoadPlan plan = loader.doAs((PrivilegedExceptionAction<LoadPlan>) () -> plan(conf, 1));

        assertEquals(java.util.Set.of("dt=1/part-0", "dt=1/hr=1/part-1"), files(plan).keySet(), "the files beside it, none below it");
        PartitionLoad partition = plan.partitions().get(0);
        assertTrue(partition.listed(), "the location itself was listed");
        assertEquals(1, partition.unlistedDirectories().size(), String.valueOf(partition.unlistedDirectories()));
        UnlistedDirectory unlisted = partition.unlistedDirectories().get(0);
        assertEquals(root + "/dt=1/private", unlisted.path());
        assertTrue(unlisted.error().contains("Permission denied: user=loader"), unlisted.error());

        LoadReport report = loader.doAs((PrivilegedExceptionAction<LoadReport>) () -> executor(conf).execute(plan));

        assertEquals(LoadState.PARTIAL, report.state(), "not SUCCEEDED: the files below the directory are not cached");
        assertEquals(3, report.totals().blocksLoaded());
        assertEquals(0, report.totals().filesFailed());
        assertEquals(0, report.totals().partitionsFailed());
        assertEquals(1, report.totals().directoriesFailed());
        assertEquals(List.of(unlisted), report.partitions().get(0).unlistedDirectories());
        assertEquals(1, report.partitions().get(0).totals().directoriesFailed());
    }

    private LoadPlan plan(Configuration conf, int replication) {
        LoadPlanner planner = new LoadPlanner(Optional.empty(), conf, client::cachedBlocks, new PlannerConfig(BLOCK, 1024, BLOCK * 4, 2));
        return planner.plan(new LoadRequest(new LoadTarget.Paths(List.of(root)), replication));
    }

    private LoadExecutor executor(Configuration conf) {
        Settings settings = new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, 3, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, 100_000, "bytes", "test: not a divisor of either block size")));
        return new LoadExecutor(client, conf, settings, ProgressListener.NONE, Clock.systemUTC());
    }

    private static Map<String, FileLoad> files(LoadPlan plan) {
        return plan.partitions().stream().map(PartitionLoad::files).flatMap(List::stream)
                .collect(Collectors.toMap(file -> name(file.file().path()), Function.identity()));
    }

    /** {@code path} below the table's directory. */
    private static String name(String path) {
        return path.substring(path.indexOf("/warehouse/events/") + "/warehouse/events/".length());
    }

    private static byte[] write(String name, byte[] bytes) throws IOException {
        try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(root + "/" + name))) {
            out.write(bytes);
        }
        return bytes;
    }

    private static byte[] readAll(FileSystem gfs, String path) throws IOException {
        try (InputStream in = gfs.open(new org.apache.hadoop.fs.Path(path))) {
            return in.readAllBytes();
        }
    }

    private static byte[] bytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
