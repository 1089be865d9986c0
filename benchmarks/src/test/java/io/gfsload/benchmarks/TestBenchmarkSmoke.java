package io.gfsload.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Runs the whole harness at smoke size, in this JVM, so that it cannot rot: every scenario must
 * run both contenders to completion and the results must be complete. Asserts no speed.
 */
class TestBenchmarkSmoke {
    @TempDir
    Path dir;

    @Test
    void smokeRunMeasuresEveryScenarioAndWritesTheResults() throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Bench.createCommandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        Path memory = dir.resolve("mem");
        // P4 starts a metastore process and has a test of its own, TestPlanningAtScale
        List<String> ids = Scenarios.IDS.stream().filter(id -> !id.equals("P4")).toList();
        int exitCode = commandLine.execute("--size", "smoke", "--runs", "1", "--scenarios", String.join(",", ids),
                "--work-dir", dir.resolve("work").toString(), "--out-dir", dir.resolve("out").toString(), "--memory-dir", memory.toString());
        assertEquals(0, exitCode, err.toString());

        BenchmarkResults results = new ObjectMapper().readValue(dir.resolve("out/results.json").toFile(), BenchmarkResults.class);
        assertEquals("smoke", results.size());
        assertEquals(1, results.runs());
        assertTrue(results.machine().cores() >= 1);
        assertFalse(results.machine().java().isBlank());
        assertTrue(results.wallSeconds() > 0);
        assertEquals(ids, results.scenarios().stream().map(ScenarioResult::id).toList());

        List<Size.Shape> shapes = List.of(Size.SMOKE.largeFiles(), Size.SMOKE.smallFiles(), Size.SMOKE.throttledSmallFiles(), Size.SMOKE.throttledLargeFiles(),
                Size.SMOKE.adaptiveData().throttledLargeFiles(), Size.SMOKE.largeFiles(), Size.SMOKE.largeFiles(), Size.SMOKE.largeFiles(), Size.SMOKE.largeFiles(),
                Size.SMOKE.throttledLargeFiles(),
                Size.SMOKE.throttledLargeFiles(), Size.SMOKE.throttledLargeFiles(), Size.SMOKE.largeFiles(), Size.SMOKE.smallFiles());
        assertEquals(ids.size(), shapes.size());
        for (int i = 0; i < shapes.size(); i++) {
            ScenarioResult scenario = results.scenarios().get(i);
            assertEquals(shapes.get(i).files(), scenario.files(), scenario.id());
            assertEquals(shapes.get(i).totalBytes(), scenario.bytes(), scenario.id());
            for (ContenderResult contender : List.of(scenario.candidate(), scenario.baseline())) {
                assertEquals(1, contender.runs().size(), scenario.id() + " " + contender.name());
                assertTrue(contender.mibPerSecond().median() > 0, scenario.id() + " " + contender.name());
                assertTrue(contender.filesPerSecond().median() > 0, scenario.id() + " " + contender.name());
                assertTrue(contender.seconds().median() > 0, scenario.id() + " " + contender.name());
            }
            if (!scenario.id().startsWith("C1")) {
                assertTrue(scenario.candidate().name().startsWith("gfsload"), scenario.id());
                String loadSettings = scenario.id().startsWith("P5") ? "warm-up load: executor.ufs-read-threads = " : "executor.ufs-read-threads = ";
                assertTrue(scenario.candidate().settings().stream().anyMatch(s -> s.startsWith(loadSettings)), scenario.id());
            }
            assertEquals(scenario.candidate().mibPerSecond().median() / scenario.baseline().mibPerSecond().median(), scenario.ratio(), 1e-9, scenario.id());
        }
        // C1, C1-tcp, C1-socket and C1-ssd (ids, sizes and ratios are checked above for every scenario); the memory directory is no tmpfs here
        assertEquals(List.of("worker over gRPC / direct write", "worker over gRPC / direct write", "plain socket / direct write", "worker over gRPC / direct write"),
                results.scenarios().subList(5, 9).stream().map(scenario -> scenario.candidate().name() + " / " + scenario.baseline().name()).toList());
        for (ScenarioResult workerWrites : List.of(results.scenarios().get(5), results.scenarios().get(6), results.scenarios().get(8))) {
            assertTrue(workerWrites.candidate().settings().stream().anyMatch(s -> s.startsWith("worker tier SSD (force per block)")),
                    workerWrites.candidate().settings().toString());
        }
        // C1 took the worker's domain socket (the run fails when the worker counted no connection there), C1-tcp loopback TCP
        assertTrue(results.scenarios().get(5).candidate().settings().stream().anyMatch(s -> s.contains("over the worker's Unix domain socket")));
        assertTrue(results.scenarios().get(6).candidate().settings().stream().anyMatch(s -> s.contains("over loopback TCP")));
        ScenarioResult throttledLarge = results.scenarios().get(3);
        assertTrue(throttledLarge.metrics().get("candidate median / aggregate cap") > 0);
        assertTrue(throttledLarge.metrics().get("baseline median / aggregate cap") > 0);
        assertTrue(throttledLarge.candidate().runs().get(0).counters().get("store.requests") > 0);
        assertEquals(Size.SMOKE.throttledLargeFiles().totalBytes(), throttledLarge.baseline().runs().get(0).counters().get("store.bytes-read"));
        ScenarioResult adaptive = results.scenarios().get(4);
        assertEquals("P3-adaptive", adaptive.id());
        assertTrue(adaptive.candidate().runs().get(0).counters().containsKey("recovery-ms.1"), "the recovery after each change of the cap");
        assertTrue(adaptive.candidate().runs().get(0).counters().containsKey("recovery-ms.2"));
        assertTrue(adaptive.metrics().containsKey("candidate median s to >= 0.9 of the new cap after change 2"), adaptive.metrics().toString());
        assertTrue(results.scenarios().get(2).baseline().settings().contains(
                "executor.ufs-read-threads = 10 threads (GooseFS default goosefs.job.worker.threadpool.size = 10)"));

        long warmedBytes = Size.SMOKE.throttledLargeFiles().totalBytes();
        for (ScenarioResult warmedReads : results.scenarios().subList(9, 11)) {
            assertEquals(0, warmedReads.candidate().runs().get(0).counters().get("store.bytes-read"), warmedReads.id() + " reads the warmed cache, not the store");
            assertEquals(warmedBytes, warmedReads.baseline().runs().get(0).counters().get("store.bytes-read"), warmedReads.id());
        }
        assertEquals(List.of("P5", "P5-client"), results.scenarios().subList(9, 11).stream().map(ScenarioResult::id).toList());
        Map<String, Long> gfsCounters = results.scenarios().get(9).candidate().runs().get(0).counters();
        assertEquals(warmedBytes, gfsCounters.get("gfs.bytes-from-cache"), "P5 reads through gfs://");
        assertEquals(0, gfsCounters.get("gfs.bytes-from-ufs"));

        // D1, D1-local and D2: pull (A) against push (B) onto 2 workers with replication 2; the workers' pulls prove the path each took
        assertEquals(List.of("D1", "D1-local", "D2"), results.scenarios().subList(11, 14).stream().map(ScenarioResult::id).toList());
        for (ScenarioResult dataPaths : results.scenarios().subList(11, 14)) {
            long blocks = dataPaths.files() * ((dataPaths.bytes() / dataPaths.files() + (64L << 20) - 1) / (64L << 20));
            Map<String, Long> pulled = dataPaths.candidate().runs().get(0).counters();
            assertEquals(blocks, pulled.get("pulls.ufs"), dataPaths.id() + ": a worker read each block from the UFS");
            assertEquals(0, pulled.get("pulls.worker"), dataPaths.id() + ": no worker copied a replica from another");
            assertEquals(blocks, pulled.get("forwards"), dataPaths.id() + ": the first worker forwarded the second replica as it read the block");
            Map<String, Long> pushed = dataPaths.baseline().runs().get(0).counters();
            assertEquals(0, pushed.get("pulls.ufs"), dataPaths.id() + ": push pulls nothing");
            assertEquals(0, pushed.get("pulls.worker"), dataPaths.id());
            assertEquals(0, pushed.get("forwards"), dataPaths.id());
            assertTrue(dataPaths.candidate().settings().contains("data path = pull (the workers read the UFS and forward the replicas worker to worker), replication 2 on 2 workers"),
                    dataPaths.candidate().settings().toString());
            assertTrue(dataPaths.baseline().settings().contains("data path = push (the executor reads the UFS and sends every replica), replication 2 on 2 workers"),
                    dataPaths.baseline().settings().toString());
        }
        assertEquals(Size.SMOKE.throttledLargeFiles().totalBytes(), results.scenarios().get(11).candidate().runs().get(0).counters().get("store.bytes-read"),
                "on pull the workers read the store once per block");
        ScenarioResult smallFiles = results.scenarios().get(13);
        long batches = smallFiles.candidate().runs().get(0).counters().get("pulls.batches");
        assertTrue(batches >= 1 && batches < smallFiles.files(), "D2's small files are pulled in batches: " + batches);
        assertEquals(0, smallFiles.baseline().runs().get(0).counters().get("pulls.batches"), "push pulls no batch");
        long forwardBatches = smallFiles.candidate().runs().get(0).counters().get("forwards.batches");
        assertTrue(forwardBatches >= 1 && forwardBatches < smallFiles.files(), "D2's second replicas are forwarded many to a call: " + forwardBatches);
        assertEquals(0, results.scenarios().get(11).candidate().runs().get(0).counters().get("pulls.batches"), "D1's large files are pulled one by one");

        String markdown = Files.readString(dir.resolve("out/results.md"));
        assertTrue(markdown.contains("| scenario | data | A | A MiB/s | A files/s | B | B MiB/s | B files/s | A/B |"), markdown);
        for (String id : ids) {
            assertTrue(markdown.contains("| " + id + " "), id + " in the table");
            assertTrue(markdown.contains("### " + id + ": "), id + " in the details");
        }
        assertTrue(out.toString().contains("| P3-large "), "the table is printed: " + out);
        assertTrue(err.toString().contains("P1   run 1 gfsload"), "progress goes to stderr: " + err);
        try (Stream<Path> left = Files.list(memory)) {
            assertEquals(List.of(), left.map(Path::toString).toList(), "caches and copies are deleted");
        }
        try (Stream<Path> left = Files.list(dir.resolve("work"))) {
            assertEquals(List.of(), left.filter(path -> path.getFileName().toString().startsWith("gfsload-bench-")).map(Path::toString).toList(),
                    "C1-ssd's caches and copies are deleted");
        }
        assertTrue(new File(dir.resolve("work").toFile(), "p1-large-files-smoke.complete").isFile(), "data sets are kept for the next run");
    }

    @Test
    void deletesWhatAnInterruptedInvocationLeftBehindButNotWhatARunningOneUses() throws Exception {
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        Path memory = dir.resolve("mem");
        Path work = dir.resolve("work");
        Path interrupted = Files.createDirectories(memory.resolve("gfsload-bench-" + exited.pid()).resolve("P1-gfsload-run2"));
        Files.writeString(interrupted.resolve("block"), "a cache the interrupted invocation did not delete");
        Path interruptedOnDisk = Files.createDirectories(work.resolve("gfsload-bench-" + exited.pid()).resolve("C1-ssd-worker-over-gRPC-run1"));
        long running = ProcessHandle.current().parent().orElseThrow().pid();
        Path inUse = Files.createDirectories(memory.resolve("gfsload-bench-" + running));
        Path notOurs = Files.createDirectories(memory.resolve("gfsload-bench-cache"));
        StringWriter err = new StringWriter();
        CommandLine commandLine = Bench.createCommandLine();
        commandLine.setOut(new PrintWriter(new StringWriter()));
        commandLine.setErr(new PrintWriter(err));
        int exitCode = commandLine.execute("--size", "smoke", "--runs", "1", "--scenarios", "C1-socket", "--work-dir", work.toString(),
                "--out-dir", dir.resolve("out").toString(), "--memory-dir", memory.toString());

        assertEquals(0, exitCode, err.toString());
        assertFalse(Files.exists(interrupted.getParent()), "the cache of an invocation that no longer runs is deleted");
        assertFalse(Files.exists(interruptedOnDisk.getParent()), "and its SSD tier in the work directory");
        assertTrue(Files.isDirectory(inUse), "a running process's directory is kept");
        assertTrue(Files.isDirectory(notOurs), "a directory that is no invocation's is kept");
    }

    @Test
    void anOutputDirectoryThatCannotBeWrittenFailsBeforeTheFirstRun() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("results"), "a file, not a directory");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Bench.createCommandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int exitCode = commandLine.execute("--size", "smoke", "--runs", "1", "--scenarios", "C1-socket", "--work-dir", dir.resolve("work").toString(),
                "--out-dir", notADirectory.resolve("out").toString(), "--memory-dir", dir.resolve("mem").toString());

        assertEquals(1, exitCode, err.toString());
        assertTrue(err.toString().contains("bench: Cannot write the results into " + notADirectory.resolve("out")), err.toString());
        assertFalse(err.toString().contains("C1-socket "), "no scenario ran before the failure: " + err);
        assertFalse(Files.exists(dir.resolve("work/p1-large-files-smoke")), "no data set was generated");
    }
}
