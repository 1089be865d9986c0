package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.ScopeCommit;
import io.gfsload.cache.api.StagedBlock;
import io.gfsload.cache.api.TempAreaRun;
import io.gfsload.cache.api.TempAreas;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A worker lost (kill -9, its heartbeats missed) after it took staged blocks of an atomic scope and
 * before the scope's commit: the master refuses the commit, and the load writes those blocks again
 * into its temp area and commits the scope whole, so that readers never see it with blocks missing;
 * its report counts the blocks it wrote again, and their second reads.
 */
class TestScopeCommitAfterWorkerLost {
    private static final long BLOCK = 128 << 10;

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private CacheClient client;
    private Path data;

    @BeforeEach
    void start() {
        cluster = LocalCluster.start(LocalClusterConfig.builder(directory.resolve("cluster")).workers(3).workerCapacityBytes(256L << 20)
                .heartbeatInterval(Duration.ofMillis(100)).build());
        client = cluster.newClient();
        data = directory.resolve("data");
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    /**
     * FILE with 300,000-byte files commits each file as its blocks are written, FILE with 50,000-byte
     * files each batch of small files, PARTITION and JOB the whole scope once every file is written.
     * The report counts the blocks written again before a commit: at least those of the first scope
     * the lost worker held; for PARTITION and JOB, whose one commit comes after every write, exactly
     * the blocks the worker held, and they are all the load read beyond the bytes it wrote.
     */
    @ParameterizedTest
    @CsvSource({"FILE, 300000", "FILE, 50000", "PARTITION, 300000", "JOB, 300000"})
    void blocksOnAWorkerLostBeforeTheCommitAreWrittenAgainAndTheScopeIsVisibleWhole(AtomicOptions.Scope scope, int fileBytes) throws IOException {
        LoadPlan plan = plan(fileBytes, 1);
        LosingAWorkerAtTheFirstCommit areas = new LosingAWorkerAtTheFirstCommit(client.tempAreas(), "job-lost-worker-" + scope.name().toLowerCase() + "-" + fileBytes);

        LoadReport report = load(plan, areas, scope);

        assertTrue(areas.killed.get() != null, "a worker holding a block of the first scope committed was lost before its commit");
        assertEquals(List.of(), areas.halfVisible, "what readers saw of each scope as its commit returned");
        assertEquals(List.of(), report.failedFiles().stream().map(f -> f.path() + ": " + f.error()).toList());
        assertEquals(LoadState.SUCCEEDED, report.state());
        LoadReport.RewrittenBeforeCommit rewritten = report.rewrittenBeforeCommit();
        assertEquals(List.of(areas.killed.get()), rewritten.lostWorkers(), "the worker the blocks written again were on: " + rewritten);
        assertTrue(rewritten.commitsRefused() >= 1, "the first commit refused: " + rewritten);
        assertEquals(file(plan, 0).blocks().size() + file(plan, 1).blocks().size(), report.totals().blocksLoaded(), "each block loaded once");
        assertEquals(report.totals().bytesLoaded(), report.bytesWritten(), "the blocks written again are not in the bytes written");
        if (scope == AtomicOptions.Scope.FILE) {
            // the other files' writes go on meanwhile: their blocks on the lost worker are written again at their own commits, or fail over at their writes
            assertTrue(rewritten.blocks() >= areas.onKilled.size() && rewritten.bytes() >= bytes(areas.onKilled), rewritten + " and " + areas.onKilled);
            assertTrue(report.ufsBytesRead() >= report.bytesWritten() + rewritten.bytes(), "read " + report.ufsBytesRead() + ", " + rewritten);
        }
        else {
            assertEquals(1, rewritten.commitsRefused(), "the scope's one commit refused once: " + rewritten);
            assertEquals(areas.onKilled.size(), rewritten.blocks(), "the blocks the lost worker held: " + areas.onKilled);
            assertEquals(bytes(areas.onKilled), rewritten.bytes(), "their bytes");
            assertEquals(report.bytesWritten() + rewritten.bytes(), report.ufsBytesRead(), "the blocks written again read a second time");
        }
        for (FileLoad file : plan.partitions().get(0).files()) {
            List<CachedBlock> cached = client.cachedBlocks(file.file());
            assertEquals(file.blocks().size(), cached.size(), "visible blocks of " + file.file().path());
            for (CachedBlock block : cached) {
                assertFalse(block.workerIds().contains(areas.killed.get()), "no replica listed on the lost worker: " + block);
            }
            byte[] expected = Files.readAllBytes(data.resolve(file.file().path().substring(file.file().path().lastIndexOf('/') + 1)));
            List<byte[]> read = new ArrayList<>();
            for (BlockTask block : file.blocks()) {
                try (InputStream in = client.openReader(block.key())) {
                    read.add(in.readAllBytes());
                }
            }
            byte[] all = new byte[expected.length];
            int at = 0;
            for (byte[] piece : read) {
                System.arraycopy(piece, 0, all, at, piece.length);
                at += piece.length;
            }
            assertTrue(Arrays.equals(expected, all), "the bytes of " + file.file().path());
        }
    }

    /**
     * With two replicas, a block that lost one with the worker still has the other: the scope
     * commits, its blocks under-replicated, and the load writes their missing replicas after it,
     * as for any worker lost during a load.
     */
    @ParameterizedTest
    @CsvSource({"FILE", "PARTITION"})
    void blocksThatLostOneOfTheirReplicasCommitWithTheScopeAndTheLoadRestoresThem(AtomicOptions.Scope scope) throws IOException {
        LoadPlan plan = plan(300000, 2);
        LosingAWorkerAtTheFirstCommit areas = new LosingAWorkerAtTheFirstCommit(client.tempAreas(), "job-halved-" + scope.name().toLowerCase());

        LoadReport report = load(plan, areas, scope);

        assertEquals(List.of(), areas.halfVisible, "what readers saw of each scope as its commit returned");
        assertEquals(List.of(), report.failedFiles().stream().map(f -> f.path() + ": " + f.error()).toList());
        assertEquals(LoadState.SUCCEEDED, report.state());
        assertEquals(LoadReport.RewrittenBeforeCommit.NONE, report.rewrittenBeforeCommit(), "each block kept a replica on a live worker");
        assertEquals(List.of(areas.killed.get()), report.restore().lostWorkers());
        assertTrue(report.restore().blocks() > 0, "the replicas lost with the worker written again after the load: " + report.restore());
        for (FileLoad file : plan.partitions().get(0).files()) {
            for (CachedBlock block : client.cachedBlocks(file.file())) {
                assertEquals(2, block.workerIds().stream().filter(worker -> !worker.equals(areas.killed.get())).count(), "live replicas of " + block);
            }
        }
    }

    private static FileLoad file(LoadPlan plan, int index) {
        return plan.partitions().get(0).files().get(index);
    }

    private static long bytes(List<StagedBlock> blocks) {
        return blocks.stream().mapToLong(StagedBlock::length).sum();
    }

    private LoadPlan plan(int fileBytes, int replication) throws IOException {
        Files.createDirectories(data);
        for (String name : List.of("a", "b")) {
            byte[] content = new byte[fileBytes];
            new Random(name.hashCode()).nextBytes(content);
            Files.write(data.resolve(name), content);
        }
        return LocalPlans.plan(client, data, BLOCK, replication);
    }

    private LoadReport load(LoadPlan plan, LosingAWorkerAtTheFirstCommit areas, AtomicOptions.Scope scope) {
        CacheClient cache = new ForwardingCacheClient(client) {
            @Override
            public TempAreas tempAreas() {
                return areas;
            }
        };
        ExecutorOptions options = ExecutorOptions.defaults().withRetries(2, Duration.ofMillis(1), Duration.ofMillis(2))
                .withAtomic(new AtomicOptions(areas.jobId, scope, Duration.ofHours(1)));
        Settings settings = new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, 2, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, 64 << 10, "bytes", "test")));
        return new LoadExecutor(cache, new Configuration(), settings, options, ProgressListener.NONE, java.time.Clock.systemUTC()).execute(plan);
    }

    /**
     * At the job's first commit, kills a worker that holds a staged block of the scope and waits
     * until the master counts it lost; after each commit that returns, records the blocks of the
     * scope that readers do not see.
     */
    private final class LosingAWorkerAtTheFirstCommit extends ForwardingTempAreas {
        final String jobId;
        final AtomicReference<String> killed = new AtomicReference<>();
        /** The staged blocks of the first scope committed that had all their replicas on the worker killed. */
        final List<StagedBlock> onKilled = new CopyOnWriteArrayList<>();
        final List<String> halfVisible = new CopyOnWriteArrayList<>();

        LosingAWorkerAtTheFirstCommit(TempAreas delegate, String jobId) {
            super(delegate);
            this.jobId = jobId;
        }

        @Override
        public ScopeCommit commitScope(String jobId, List<BlockKey> blocks) {
            loseAWorker(blocks);
            ScopeCommit committed = delegate.commitScope(jobId, blocks);
            checkVisible(blocks);
            return committed;
        }

        @Override
        public ScopeCommit commitScope(String jobId, List<BlockKey> blocks, TempAreaRun run) {
            loseAWorker(blocks);
            ScopeCommit committed = delegate.commitScope(jobId, blocks, run);
            checkVisible(blocks);
            return committed;
        }

        private synchronized void loseAWorker(List<BlockKey> blocks) {
            if (killed.get() != null) {
                return;
            }
            Set<String> ids = new HashSet<>(blocks.stream().map(BlockKey::blockId).toList());
            List<StagedBlock> staged = delegate.findTempArea(jobId).orElseThrow().blocks().stream()
                    .filter(block -> ids.contains(block.block().blockId())).toList();
            String worker = staged.get(0).workerIds().get(0);
            staged.stream().filter(block -> block.workerIds().equals(List.of(worker))).forEach(onKilled::add);
            killed.set(worker);
            cluster.killWorker(Integer.parseInt(worker.substring("worker-".length())));
            LiveWorkers.await(client, 2);
        }

        private void checkVisible(List<BlockKey> blocks) {
            for (BlockKey block : blocks) {
                Optional<CachedBlock> seen = client.cachedBlocks(block.file()).stream().filter(b -> b.index() == block.index()).findFirst();
                if (seen.isEmpty()) {
                    halfVisible.add("block " + block.index() + " of " + block.file().path() + " is not visible");
                }
            }
        }
    }
}
