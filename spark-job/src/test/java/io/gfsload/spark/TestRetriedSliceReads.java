package io.gfsload.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cli.CliEnvironment;
import io.gfsload.cli.GfsLoad;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskKilled;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A slice whose first task attempt is killed while it reads, and which Spark runs again, in a local
 * Spark application in this JVM against a real local cluster: the load's report counts what both
 * attempts read from the UFS.
 */
class TestRetriedSliceReads {
    private static final int FILE_BYTES = 8 << 20;
    /** A progress line that counts bytes written. */
    private static final Pattern WROTE = Pattern.compile("\"bytesDone\":[1-9]");

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private SparkApplication application;

    @BeforeEach
    void start() {
        cluster = LocalCluster.start(LocalClusterConfig.builder(directory.resolve("cluster")).workers(2).workerCapacityBytes(64L << 20)
                .heartbeatInterval(Duration.ofMillis(200)).build());
        application = new SparkApplication(new SparkConf().setMaster("local[1]").setAppName(getClass().getSimpleName())
                .set("spark.ui.enabled", "false").set("spark.executor.heartbeatInterval", "200ms"));
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
    void theReadsOfAnAttemptSparkRetriedCountInTheReportsUfsBytesRead() throws Exception {
        Path data = Files.createDirectories(directory.resolve("data"));
        byte[] bytes = new byte[FILE_BYTES];
        new Random(3).nextBytes(bytes);
        Files.write(data.resolve("part-0"), bytes);
        JavaSparkContext spark = application.context();
        List<Long> started = new CopyOnWriteArrayList<>();
        List<SparkListenerTaskEnd> ended = new CopyOnWriteArrayList<>();
        spark.sc().addSparkListener(new SparkListener() {
            @Override
            public void onTaskStart(SparkListenerTaskStart taskStart) {
                started.add(taskStart.taskInfo().taskId());
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
                ended.add(taskEnd);
            }
        });
        CliEnvironment environment = new CliEnvironment(directory.resolve("home")).withSlices(new SparkSlices(application));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // 4 s at 2 MB/s: the first attempt is killed while it reads
        CompletableFuture<Integer> load = CompletableFuture.supplyAsync(() -> {
            CommandLine commandLine = GfsLoad.createCommandLine(environment);
            commandLine.setOut(new PrintWriter(out, true));
            commandLine.setErr(new PrintWriter(err, true));
            return commandLine.execute("distributedLoad", "--master", cluster.masterTarget(), "--bandwidth", "2MB/s", "--progress", "json", "--json",
                    data.toString());
        });
        // the first attempt has read and written some of the file, as its heartbeats say
        await(() -> WROTE.matcher(err.toString()).find() || load.isDone(), "the slice's task writes: " + err);
        // as a speculative copy's loser, or a task an operator kills from the UI: Spark runs the slice again
        spark.sc().killTaskAttempt(started.get(0), true, "killed by the test while it reads");

        assertEquals(0, load.get(2, TimeUnit.MINUTES), "the retry loads the file: " + err);
        assertTrue(ended.get(0).reason() instanceof TaskKilled, "the first attempt was killed: " + ended.get(0).reason());
        assertEquals(2, started.size(), "the slice ran again");
        JsonNode report = new ObjectMapper().readTree(out.toString());
        assertEquals(FILE_BYTES, report.get("totals").get("bytesLoaded").asLong(), out.toString());
        assertTrue(report.get("ufsBytesRead").asLong() > FILE_BYTES + (512 << 10),
                "the retry read the file, and the killed attempt read before it: " + report.get("ufsBytesRead"));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 2 minutes: " + what);
            }
            Thread.sleep(20);
        }
    }
}
