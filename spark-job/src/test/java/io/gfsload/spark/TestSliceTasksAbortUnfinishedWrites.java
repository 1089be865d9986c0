package io.gfsload.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cli.CliEnvironment;
import io.gfsload.cli.GfsLoad;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskKilled;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A Spark job's slices killed while they write, in a local Spark application in this JVM (two
 * executor threads) against a real local cluster whose workers are on this host, so that the slices
 * write short-circuit: the workers' files and reserved room, which a worker keeps until it hears the
 * write aborted (or long after, as idle). When the slices' tasks have ended, the workers hold
 * nothing of their unfinished writes.
 */
class TestSliceTasksAbortUnfinishedWrites {
    private static final int FILES = 2;
    private static final int FILE_BYTES = 8 << 20;

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private SparkApplication application;

    @BeforeEach
    void start() {
        cluster = LocalCluster.start(LocalClusterConfig.builder(directory.resolve("cluster")).workers(2).workerCapacityBytes(64L << 20)
                .heartbeatInterval(Duration.ofMillis(200)).build());
        application = new SparkApplication(new SparkConf().setMaster("local[2]").setAppName(getClass().getSimpleName())
                .set("spark.ui.enabled", "false"));
    }

    @AfterEach
    void stop() {
        if (application != null) {
            application.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theTasksOfACancelledLoadAbortTheWritesTheyHaveOpen() throws Exception {
        Path data = writeFiles(directory.resolve("data"));
        JavaSparkContext spark = application.context();
        List<SparkListenerTaskEnd> ended = new CopyOnWriteArrayList<>();
        spark.sc().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
                ended.add(taskEnd);
            }
        });
        CliEnvironment environment = new CliEnvironment(directory.resolve("home")).withSlices(new SparkSlices(application));
        StringWriter err = new StringWriter();
        // 16 s at 1 MB/s: each slice holds its block's room on the workers while it reads
        CompletableFuture<Integer> load = CompletableFuture.supplyAsync(() -> {
            CommandLine commandLine = GfsLoad.createCommandLine(environment);
            commandLine.setOut(new PrintWriter(new StringWriter(), true));
            commandLine.setErr(new PrintWriter(err, true));
            return commandLine.execute("distributedLoad", "--master", cluster.masterTarget(), "--bandwidth", "1MB/s", "--progress", "none",
                    data.toString());
        });
        await(() -> writingBytes() >= 2L * FILE_BYTES || load.isDone(), "both slices write: " + err);
        assertEquals(List.of(), ended, "no slice ended yet: " + err);

        // as a stage cancelled from the UI, or the driver's job group cancelled: the tasks are killed
        spark.cancelAllJobs();

        assertEquals(4, load.get(2, TimeUnit.MINUTES), "the load fails: " + err);
        assertTrue(err.toString().contains("the slices of the load did not all finish"), err.toString());
        await(() -> ended.size() == FILES, "the killed tasks end");
        for (SparkListenerTaskEnd task : ended) {
            assertTrue(task.reason() instanceof TaskKilled, "killed: " + task.reason());
        }
        assertEquals(List.of(), tempFilesOnDisk(), "the workers deleted the temp files of the killed tasks' writes");
        assertEquals(0, writingBytes(), "no room is held for the killed tasks' writes");
    }

    /**
     * Bytes the workers' tiers use, as the workers count them now, less the replicas of the blocks
     * committed: the room writes in progress hold.
     */
    private long writingBytes() {
        double used = 0;
        for (int worker = 0; worker < cluster.config().workers(); worker++) {
            used += cluster.metrics().value("gfsload_worker_tier_used_bytes", Map.of("worker", "worker-" + worker, "tier", "SSD")).orElse(0);
        }
        try (CacheClient client = cluster.newClient(); Stream<Path> files = Files.list(directory.resolve("data"))) {
            long committed = 0;
            for (Path file : files.toList()) {
                FileIdentity identity = new FileIdentity("file:" + file, Files.size(file), Files.getLastModifiedTime(file).toMillis());
                committed += client.cachedBlocks(identity).stream().mapToLong(block -> block.length() * block.workerIds().size()).sum();
            }
            return (long) used - committed;
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Path> tempFilesOnDisk() throws IOException {
        try (Stream<Path> files = Files.walk(directory.resolve("cluster"))) {
            return files.filter(file -> file.getFileName().toString().endsWith(".tmp")).sorted().toList();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 2 minutes: " + what);
            }
            Thread.sleep(50);
        }
    }

    private static Path writeFiles(Path data) throws IOException {
        Files.createDirectories(data);
        Random random = new Random(7);
        byte[] bytes = new byte[FILE_BYTES];
        for (int i = 0; i < FILES; i++) {
            random.nextBytes(bytes);
            Files.write(data.resolve("part-" + i), bytes);
        }
        return data;
    }
}
