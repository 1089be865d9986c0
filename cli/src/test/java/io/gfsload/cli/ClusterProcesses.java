package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.client.GrpcCacheClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * A cache cluster of real processes, one master and N workers, started and stopped as a user does
 * it ({@code gfsload cluster start|stop}), for tests that point {@code gfsload --master} at it.
 *
 * <p>Ports are ephemeral and everything (config, RocksDB, tiers, logs) lives in the given
 * directory. Heartbeats every {@link #HEARTBEAT}, so a killed worker is lost within three of them.
 * {@link #close()} stops the cluster and kills what still runs; a shutdown hook kills the
 * processes should the test JVM exit without closing it.
 *
 * <p>Public, in the module's test jar, for the tests of the modules built on the command line (the
 * Spark job's).
 */
public final class ClusterProcesses implements AutoCloseable {
    static final Duration HEARTBEAT = Duration.ofMillis(500);
    private static final String TIER_DIRECTORY = "ssd";

    private final Path directory;
    private final ClusterCommand.ClusterRecord record;
    private final CacheClient client;
    private final Thread killOnExit;

    private ClusterProcesses(Path directory, ClusterCommand.ClusterRecord record) {
        this.directory = directory;
        this.record = record;
        this.killOnExit = new Thread(() -> kill(record), "gfsload-test-kill-cluster");
        Runtime.getRuntime().addShutdownHook(killOnExit);
        this.client = GrpcCacheClient.connect(record.masterTarget());
    }

    /** Starts a master and {@code workers} workers with {@code gfsload cluster start}, each worker with a 2 GiB SSD tier. */
    public static ClusterProcesses start(Path directory, int workers) {
        return start(directory, workers, "2GiB");
    }

    /** Starts a master and {@code workers} workers with {@code gfsload cluster start}, each worker with an SSD tier of {@code quota}. */
    static ClusterProcesses start(Path directory, int workers, String quota) {
        return start(directory, workers, quota, HEARTBEAT);
    }

    /**
     * As {@link #start(Path, int, String)}, with heartbeats every {@code heartbeat}: a master
     * frozen for less than three of them counts its workers live when it goes on.
     */
    static ClusterProcesses start(Path directory, int workers, String quota, Duration heartbeat) {
        return start(directory, workers, quota, heartbeat, List.of());
    }

    /** As {@link #start(Path, int, String, Duration)}, with {@code settings} ({@code key=value}) added to the cluster's configuration file. */
    static ClusterProcesses start(Path directory, int workers, String quota, Duration heartbeat, List<String> settings) {
        Path config = directory.resolve("cache.properties");
        try {
            Files.createDirectories(directory);
            Files.writeString(config, String.join("\n",
                    "gfsload.cache.master.heartbeat-interval=" + heartbeat.toMillis() + "ms",
                    "gfsload.cache.worker.heartbeat-interval=" + heartbeat.toMillis() + "ms",
                    "gfsload.cache.worker.tier.ssd.dirs=" + directory.resolve(TIER_DIRECTORY),
                    "gfsload.cache.worker.tier.ssd.quota=" + quota,
                    // the workers pull the local files of the test beside the cluster's directory, and no other
                    "gfsload.cache.worker.pull.allowed=" + directory.toAbsolutePath().getParent().toUri(),
                    String.join("\n", settings),
                    ""));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringWriter err = new StringWriter();
        CommandLine cluster = ClusterCommand.commandLine(new CliEnvironment(directory));
        cluster.setOut(new PrintWriter(new StringWriter(), true));
        cluster.setErr(new PrintWriter(err, true));
        int code = cluster.execute("start", "--workers", Integer.toString(workers), "--data-dir", directory.toString(),
                "--config", config.toString(), "--java-option=-Xmx256m", "--java-option=-XX:TieredStopAtLevel=1",
                "--java-option=-XX:+UseSerialGC");
        // a failed start kills what it started and records nothing
        assertEquals(ExitCode.OK, code, "gfsload cluster start: " + err);
        return new ClusterProcesses(directory, readRecord(directory));
    }

    private static ClusterCommand.ClusterRecord readRecord(Path directory) {
        try {
            return new ObjectMapper().readValue(directory.resolve(ClusterCommand.CLUSTER_FILE).toFile(),
                    ClusterCommand.ClusterRecord.class);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The record of the cluster's processes as {@code cluster start} wrote it. */
    ClusterCommand.ClusterRecord record() {
        return record;
    }

    public String masterTarget() {
        return record.masterTarget();
    }

    /** A client of the master, owned by this cluster. */
    public CacheClient client() {
        return client;
    }

    List<String> workerIds() {
        return record.workers().stream().map(ClusterCommand.ProcessRecord::name).toList();
    }

    /** Kills worker {@code workerId} with SIGKILL, as {@code kill -9} does, and waits until it is gone. */
    void killWorker(String workerId) {
        ClusterCommand.ProcessRecord worker = record.workers().stream().filter(w -> w.name().equals(workerId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no worker " + workerId));
        killProcess(worker, workerId);
    }

    /** Kills the master with SIGKILL, as {@code kill -9} does, and waits until it is gone; the workers keep running. */
    void killMaster() {
        killProcess(record.master(), "the master");
    }

    /**
     * Starts the master again after {@link #killMaster}, as {@code gfsload cluster start} does with
     * the cluster's directory: on the port it had, with its metadata; the workers that run find it
     * with their next heartbeat.
     */
    void restartMaster() {
        StringWriter err = new StringWriter();
        CommandLine cluster = ClusterCommand.commandLine(new CliEnvironment(directory));
        cluster.setOut(new PrintWriter(new StringWriter(), true));
        cluster.setErr(new PrintWriter(err, true));
        assertEquals(ExitCode.OK, cluster.execute("start", "--data-dir", directory.toString(), "--timeout", "60s"), "gfsload cluster start: " + err);
        ClusterCommand.ClusterRecord restarted = readRecord(directory);
        assertEquals(record.masterTarget(), restarted.masterTarget(), "the master listens where it did");
    }

    /**
     * Freezes the master with SIGSTOP, as {@code kill -STOP} (or a long GC pause, or a host that
     * hangs) does: its connections stay open and nothing answers on them until {@link #resumeMaster}.
     */
    public void suspendMaster() {
        signal(record.master(), "STOP");
    }

    /** Lets the master go on after {@link #suspendMaster}, with SIGCONT; a master that runs is left as it is. */
    public void resumeMaster() {
        signal(record.master(), "CONT");
    }

    private static void signal(ClusterCommand.ProcessRecord process, String name) {
        ProcessHandle handle = ClusterCommand.handle(process).orElseThrow(() -> new AssertionError("the master is not running"));
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(handle.pid())).redirectErrorStream(true).start();
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (kill.waitFor() != 0) {
                throw new AssertionError("kill -" + name + " " + handle.pid() + " failed: " + output);
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted signalling the master", e);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void killProcess(ClusterCommand.ProcessRecord process, String name) {
        ProcessHandle handle = ClusterCommand.handle(process).orElseThrow(() -> new AssertionError(name + " is not running"));
        handle.destroyForcibly();
        try {
            handle.onExit().get(30, TimeUnit.SECONDS);
        }
        catch (Exception e) {
            throw new AssertionError(name + " did not end after SIGKILL", e);
        }
    }

    /** Waits until the master no longer counts {@code workerId} live. */
    void awaitLost(String workerId) {
        await(() -> client.clusterInfo().workers().stream().anyMatch(w -> w.id().equals(workerId) && !w.live()),
                Duration.ofSeconds(30), workerId + " is lost");
    }

    /** The ids of the workers the master counts live. */
    Set<String> liveWorkers() {
        Set<String> live = new TreeSet<>();
        client.clusterInfo().liveWorkers().stream().map(WorkerInfo::id).forEach(live::add);
        return live;
    }

    /** The block ids each worker holds on its disk ({@code <blockId>.block} files), by worker id. */
    Map<String, Set<String>> blocksOnDisk() {
        Map<String, Set<String>> blocks = new TreeMap<>();
        for (String worker : workerIds()) {
            Set<String> ids = new TreeSet<>();
            Path root = directory.resolve(TIER_DIRECTORY).resolve(worker);
            if (Files.isDirectory(root)) {
                try {
                    // the worker renames and deletes temp files meanwhile: a file gone before its visit is skipped
                    Files.walkFileTree(root, new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                            String name = file.getFileName().toString();
                            if (name.endsWith(".block")) {
                                ids.add(name.substring(0, name.length() - ".block".length()));
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                            if (e instanceof NoSuchFileException) {
                                return FileVisitResult.CONTINUE;
                            }
                            throw e;
                        }
                    });
                }
                catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            blocks.put(worker, ids);
        }
        return blocks;
    }

    /** The temp files of writes in progress ({@code <blockId>.<r>.tmp}) on the workers' disks. */
    List<Path> tempFilesOnDisk() {
        Path root = directory.resolve(TIER_DIRECTORY);
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".tmp")).sorted().toList();
        }
        catch (UncheckedIOException | IOException e) {
            // a temp file renamed or deleted while it is listed: look again
            return tempFilesOnDisk();
        }
    }

    /**
     * Which of {@code blockIds} the live workers hold on their disks, by worker id; workers holding
     * none are left out. Compare it with {@link CacheContents#assertCached}'s answer.
     */
    Map<String, Set<String>> liveBlocksOnDisk(Set<String> blockIds) {
        Set<String> live = liveWorkers();
        Map<String, Set<String>> result = new TreeMap<>();
        blocksOnDisk().forEach((worker, ids) -> {
            Set<String> held = new TreeSet<>(ids);
            held.retainAll(blockIds);
            if (live.contains(worker) && !held.isEmpty()) {
                result.put(worker, held);
            }
        });
        return result;
    }

    /** Stops the cluster with {@code gfsload cluster stop}, then kills any of its processes still running. */
    @Override
    public void close() {
        try {
            // a master a test froze and did not let go on would not stop
            ClusterCommand.handle(record.master()).ifPresent(master -> resumeMaster());
            client.close();
            CommandLine cluster = ClusterCommand.commandLine(new CliEnvironment(directory));
            cluster.setOut(new PrintWriter(new StringWriter(), true));
            cluster.setErr(new PrintWriter(new StringWriter(), true));
            cluster.execute("stop", "--data-dir", directory.toString(), "--timeout", "10s");
        }
        finally {
            kill(record);
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        }
    }

    /** Kills, by the pids {@code cluster.json} in {@code directory} records, whatever a test left running there. */
    static void killRecorded(Path directory) {
        if (Files.exists(directory.resolve(ClusterCommand.CLUSTER_FILE))) {
            kill(readRecord(directory));
        }
    }

    private static void kill(ClusterCommand.ClusterRecord record) {
        List<ProcessHandle> running = new ArrayList<>();
        Stream.concat(record.workers().stream(), Stream.of(record.master()))
                .forEach(process -> ClusterCommand.handle(process).ifPresent(running::add));
        running.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : running) {
            try {
                handle.onExit().get(30, TimeUnit.SECONDS);
            }
            catch (Exception e) {
                // a process that outlives SIGKILL for 30 s is beyond what a test can do
            }
        }
    }

    /** Polls {@code condition} every 50 ms until it holds; fails with {@code what} after {@code timeout}. */
    static void await(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout.toSeconds() + " s waiting until " + what);
            }
            try {
                Thread.sleep(50);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted waiting until " + what, e);
            }
        }
    }
}
