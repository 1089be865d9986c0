package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadPlanner;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PlannerConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A load that fits only by evicting other cached data says how much of it the workers evicted. */
class TestEvictionsOfOtherData {
    private static final long BLOCK = 128 << 10;
    private static final Settings SETTINGS = new Settings(List.of(new Setting(Settings.UFS_READ_THREADS, 2, "threads", "test"),
            new Setting(Settings.READ_BUFFER_BYTES, 64 << 10, "bytes", "test")));

    @TempDir
    Path directory;

    @Test
    void aLoadReportsTheOtherDataItsWritesEvicted() throws IOException {
        evictingOthers(false);
    }

    @Test
    void aLoadInSlicesReportsTheOtherDataItsWritesEvicted() throws IOException {
        evictingOthers(true);
    }

    @Test
    void aLoadWithRoomEvictsNothing() throws IOException {
        Path data = files("data", 2, 1);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, 8L << 20));
                CacheClient client = cluster.newClient()) {
            LoadReport report = executor(client).execute(plan(client, data));

            assertEquals(LoadState.SUCCEEDED, report.state());
            assertEquals(LoadReport.Evicted.NONE, report.evicted());
        }
    }

    private void evictingOthers(boolean inSlices) throws IOException {
        Path other = files("other", 3, 1);
        Path data = files("data", 3, 2);
        // one worker with room for 4 of the 6 files: the second load evicts 2 of the first's
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, 800_000));
                CacheClient client = cluster.newClient()) {
            LoadPlan otherPlan = plan(client, other);
            LoadReport first = executor(client).execute(otherPlan);
            assertEquals(LoadState.SUCCEEDED, first.state());
            assertEquals(LoadReport.Evicted.NONE, first.evicted(), "the first load had room");

            LoadReport report = inSlices
                    ? new DistributedLoad(InProcessSlices.oneAfterAnother(2), client, new DistributedLoad.Connection(cluster.masterTarget(), Optional.empty(), Map.of()), share -> SETTINGS,
                            ExecutorOptions.defaults(), ProgressListener.NONE, Clock.systemUTC()).execute(plan(client, data), Optional.empty())
                    : executor(client).execute(plan(client, data));

            assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
            long lostBlocks = 0;
            long lostBytes = 0;
            for (FileLoad file : otherPlan.partitions().get(0).files()) {
                for (BlockTask block : file.blocks()) {
                    if (!BlockTask.cachedIn(client.confirmedBlocks(file.file()), block.index(), block.length(), 1)) {
                        lostBlocks++;
                        lostBytes += block.length();
                    }
                }
            }
            assertTrue(lostBytes >= 400_000, "the load needed 400 KB more than the free room: " + lostBytes);
            assertEquals(new LoadReport.Evicted(lostBlocks, lostBlocks, lostBytes), report.evicted(),
                    "the report counts the blocks of the first load the workers no longer hold");
        }
    }

    @Test
    void slicesOfOneLoadEvictingEachOthersBlocksCountOnlyTheOtherData() throws IOException {
        Path other = files("other", 1, 1);
        Path data = files("data", 6, 2);
        // one worker with room for 4 of the 7 files: the second slice evicts the other file and the first slice's blocks,
        // and the round that writes those again evicts the second slice's
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, 800_000));
                CacheClient client = cluster.newClient()) {
            LoadPlan otherPlan = plan(client, other);
            assertEquals(LoadState.SUCCEEDED, executor(client).execute(otherPlan).state());
            LoadPlan plan = plan(client, data);
            List<LoadReport> sliceReports = new ArrayList<>();

            LoadReport report = new DistributedLoad(shipped(sliceReports), client, new DistributedLoad.Connection(cluster.masterTarget(), Optional.empty(), Map.of()),
                    share -> SETTINGS, ExecutorOptions.defaults(), ProgressListener.NONE, Clock.systemUTC()).execute(plan, Optional.empty());

            long lostBlocks = 0;
            long lostBytes = 0;
            for (BlockTask block : otherPlan.partitions().get(0).files().get(0).blocks()) {
                if (!BlockTask.cachedIn(client.confirmedBlocks(block.file()), block.index(), block.length(), 1)) {
                    lostBlocks++;
                    lostBytes += block.length();
                }
            }
            assertTrue(lostBlocks > 0, "the load evicted the other file");
            // each slice counts what its writes evicted of blocks not of its own files: the other file's, and those of the other slices' files
            long countedBySlices = sliceReports.stream().mapToLong(slice -> slice.evicted().blocks()).sum();
            assertTrue(sliceReports.size() > 2 && countedBySlices > lostBlocks,
                    "the slices evicted blocks of each other's files, and a round wrote the evicted ones again: %d slices counted %d blocks, %d of the other file"
                            .formatted(sliceReports.size(), countedBySlices, lostBlocks));
            assertEquals(new LoadReport.Evicted(lostBlocks, lostBlocks, lostBytes), report.evicted(),
                    "the report counts the blocks of the other file the workers no longer hold, none of the load's own");
        }
    }

    private Path files(String name, int count, long seed) throws IOException {
        Path data = Files.createDirectories(directory.resolve(name));
        Random random = new Random(seed);
        for (int i = 0; i < count; i++) {
            byte[] bytes = new byte[200_000];
            random.nextBytes(bytes);
            Files.write(data.resolve("part-%02d".formatted(i)), bytes);
        }
        return data;
    }

    private static LoadPlan plan(CacheClient client, Path data) {
        return new LoadPlanner(Optional.empty(), new Configuration(), client::cachedBlocks, new PlannerConfig(BLOCK, 1024, BLOCK * 4, 2))
                .plan(new LoadRequest(new LoadTarget.Paths(List.of(data.toUri().toString())), 1));
    }

    private static LoadExecutor executor(CacheClient client) {
        return new LoadExecutor(client, new Configuration(), SETTINGS, ExecutorOptions.defaults(), ProgressListener.NONE, Clock.systemUTC());
    }

    /**
     * Two slices at a time, run one after the other, each sent and its report returned through Java
     * serialization, as Spark ships them; the reports, as they arrive, into {@code reports}.
     */
    private static DistributedLoad.Slices shipped(List<LoadReport> reports) {
        return InProcessSlices.of(2, (slices, progress, finished) -> {
            for (SliceLoad slice : slices) {
                LoadReport report = roundTrip(roundTrip(slice).load());
                reports.add(report);
                finished.accept(slice, report);
            }
        });
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T value) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(value);
            }
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                return (T) in.readObject();
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
