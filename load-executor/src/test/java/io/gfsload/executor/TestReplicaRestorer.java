package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.failsafe.FailsafeException;
import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which blocks the restore after a worker loss writes again, and what it reports: over a real
 * two-worker cluster that holds every block twice, with the writes themselves replaced by what a
 * test decides (the load's own writes are covered by {@code TestLoadExecutor}).
 */
class TestReplicaRestorer {
    private static final long BLOCK = 64 << 10;
    private static final Set<String> LOST = Set.of("worker-0");

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private CacheClient client;
    private LoadPlan plan;
    private List<PartitionReport> partitions;

    @BeforeEach
    void loadTwice() throws IOException {
        cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 2, 16L << 20));
        client = cluster.newClient();
        Random random = new Random(11);
        Files.createDirectories(directory.resolve("data"));
        // "a": two whole blocks and a tail, "b": one partial block
        for (Map.Entry<String, Integer> file : Map.of("a", (int) (2 * BLOCK + 100), "b", 5000).entrySet()) {
            byte[] bytes = new byte[file.getValue()];
            random.nextBytes(bytes);
            Files.write(directory.resolve("data").resolve(file.getKey()), bytes);
        }
        plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 2);
        Settings settings = new Settings(List.of(new Setting(Settings.UFS_READ_THREADS, 2, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, 16 << 10, "bytes", "test")));
        LoadReport report = new LoadExecutor(client, new Configuration(), settings, ProgressListener.NONE, Clock.systemUTC()).execute(plan);
        assertEquals(LoadState.SUCCEEDED, report.state(), String.valueOf(report.failedFiles()));
        partitions = new ArrayList<>(report.partitions());
        for (FileLoad file : files()) {
            for (CachedBlock block : client.cachedBlocks(file.file())) {
                assertEquals(Set.of("worker-0", "worker-1"), Set.copyOf(block.workerIds()), block.toString());
            }
        }
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    @Test
    void withoutALostWorkerNothingIsWrittenOrReported() {
        List<PartitionReport> before = List.copyOf(partitions);
        ReplicaRestorer restorer = new ReplicaRestorer(client, 2, ProgressListener.NONE, (file, blocks, write, next, retries) -> {
            throw new AssertionError("nothing to restore, yet " + file.file().path() + " was written again");
        });

        assertEquals(Optional.empty(), restorer.restore(plan, partitions, Set.of()));
        assertEquals(before, partitions);
    }

    @Test
    void everyBlockWithTooFewLiveReplicasGetsOnlyTheReplicasItMissesAwayFromTheLostWorkersAndItsHolders() {
        Map<String, List<Integer>> rewritten = new TreeMap<>();
        List<WriteOptions> writes = new ArrayList<>();
        ReplicaRestorer restorer = new ReplicaRestorer(client, 2, ProgressListener.NONE, (file, blocks, write, next, retries) -> {
            rewritten.put(name(file), blocks.stream().map(BlockTask::index).toList());
            blocks.forEach(block -> {
                assertEquals(List.of("worker-1"), block.heldBy(), "the live worker that holds " + block);
                assertEquals(1, write.heldBy(block.heldBy()).replicasToPlace(), "one replica missing: " + block);
            });
            writes.add(write);
            retries.incrementAndGet();
            next.set(blocks.size());
        });

        Optional<LoadReport.ReplicaRestore> restore = restorer.restore(plan, partitions, LOST);

        assertEquals(Map.of("a", List.of(0, 1, 2), "b", List.of(0)), rewritten);
        assertEquals(List.of(WriteOptions.replication(2).excluding(LOST), WriteOptions.replication(2).excluding(LOST)), writes);
        long bytes = files().stream().mapToLong(file -> file.file().length()).sum();
        assertEquals(Optional.of(new LoadReport.ReplicaRestore(List.of("worker-0"), 4, bytes)), restore);
        for (FileReport file : partitions.get(0).files()) {
            assertFalse(file.failed(), file.toString());
            assertEquals(1, file.retries(), "the restore's retries are added to the load's: " + file);
        }
    }

    @Test
    void aFileWhoseBlockCannotBeWrittenAgainFailsNamingTheBlockAndWhy() {
        List<String> failed = new ArrayList<>();
        ProgressListener listener = new ProgressListener() {
            @Override
            public void fileFailed(String path, String error) {
                failed.add(path + ": " + error);
            }
        };
        ReplicaRestorer restorer = new ReplicaRestorer(client, 2, listener, (file, blocks, write, next, retries) -> {
            if (name(file).equals("a")) {
                next.set(1);
                throw new FailsafeException(new ConnectException("Connection refused"));
            }
            next.set(blocks.size());
        });

        Optional<LoadReport.ReplicaRestore> restore = restorer.restore(plan, partitions, LOST);

        FileReport a = report("a");
        assertTrue(a.failed());
        assertEquals(3, a.blocksFailed());
        assertEquals(0, a.blocksLoaded());
        assertEquals(0, a.bytesLoaded(), "none of its bytes count as loaded either");
        String error = "block 1 has 1 of 2 replicas on live workers after worker worker-0 was lost, and writing it again failed: "
                + Failures.describe(new ConnectException("Connection refused"));
        assertEquals(error, a.error());
        assertEquals(List.of(a.path() + ": " + error), failed);
        assertFalse(report("b").failed());
        long written = BLOCK + file("b").file().length();
        assertEquals(Optional.of(new LoadReport.ReplicaRestore(List.of("worker-0"), 2, written)), restore,
                "a's first block was written before its second failed, b's one block after");
    }

    @Test
    void aBlockThatCannotBeWrittenAgainNamesTheLostWorkerThatHeldIt() {
        // where the load put each block: on worker-0, lost, and worker-1
        ReplicaRestorer restorer = new ReplicaRestorer(client, 2, ProgressListener.NONE, (file, blocks, write, next, retries) -> {
            throw new FailsafeException(new ConnectException("Connection refused"));
        }, block -> Optional.of(List.of("worker-1", "worker-0")));

        restorer.restore(plan, partitions, Set.of("worker-0", "worker-2"));

        assertTrue(report("a").error().startsWith("block 0 has 1 of 2 replicas on live workers (lost with worker worker-0), and writing it again failed: "),
                report("a").error());
    }

    @Test
    void aFileGoneSinceItWasPlannedFailsWithItsPlannedVersionUncached() {
        FileNotFoundException gone = new FileNotFoundException("File " + file("a").file().path() + " does not exist");
        ReplicaRestorer restorer = new ReplicaRestorer(client, 2, ProgressListener.NONE, (file, blocks, write, next, retries) -> {
            if (name(file).equals("a")) {
                // as the load's rewrite fails it, once it uncached the file's blocks of the planned version
                throw new FailsafeException(gone);
            }
            next.set(blocks.size());
        });

        restorer.restore(plan, partitions, LOST);

        FileReport a = report("a");
        assertTrue(a.failed());
        assertTrue(a.plannedVersionUncached(), "a journal forgets its blocks: " + a);
        assertTrue(a.error().endsWith(Failures.describe(gone)), a.error());
        assertFalse(report("b").plannedVersionUncached());
    }

    @Test
    void aFileThatFailedDuringTheLoadIsLeftAsItIs() {
        int a = indexOf("a");
        FileReport loaded = partitions.get(0).files().get(a);
        FileReport failedDuringLoad = new FileReport(loaded.path(), loaded.length(), loaded.blocks(), 0, 0, loaded.blocks(), 0, 0, 0, "gone");
        List<FileReport> files = new ArrayList<>(partitions.get(0).files());
        files.set(a, failedDuringLoad);
        partitions.set(0, partitions.get(0).withFiles(files));
        List<String> rewritten = new ArrayList<>();
        ReplicaRestorer restorer = new ReplicaRestorer(client, 2, ProgressListener.NONE, (file, blocks, write, next, retries) -> {
            rewritten.add(name(file));
            next.set(blocks.size());
        });

        restorer.restore(plan, partitions, LOST);

        assertEquals(List.of("b"), rewritten);
        assertEquals(failedDuringLoad, report("a"));
    }

    private List<FileLoad> files() {
        assertEquals(1, plan.partitions().size());
        return plan.partitions().get(0).files();
    }

    private FileLoad file(String name) {
        return files().get(indexOf(name));
    }

    private int indexOf(String name) {
        List<FileLoad> files = files();
        for (int i = 0; i < files.size(); i++) {
            if (name(files.get(i)).equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no file " + name + " in the plan");
    }

    private FileReport report(String name) {
        return partitions.get(0).files().get(indexOf(name));
    }

    private static String name(FileLoad file) {
        String path = file.file().path();
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
