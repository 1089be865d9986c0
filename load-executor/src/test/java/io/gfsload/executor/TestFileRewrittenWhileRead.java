package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.TempArea;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.testing.TestData;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadPlanner;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PartitionLoad;
import io.gfsload.planner.PlanStats;
import io.gfsload.planner.PlannerConfig;
import io.gfsload.ufs.simulator.FaultyConfig;
import io.gfsload.ufs.simulator.FaultyFileSystem;
import io.gfsload.ufs.simulator.ThrottledFileSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A file rewritten in place while it is read (its length kept, its modification time moved) is
 * not loaded: its blocks would mix two versions under the planned identity. The rewrite runs on
 * the loading thread between two reads, when the load hears its first block loaded; a real local
 * cluster holds the blocks.
 */
class TestFileRewrittenWhileRead {
    private static final AtomicInteger STORES = new AtomicInteger();
    private static final long BLOCK = 256 << 10;
    private static final int READ_BUFFER = 64 << 10;
    private static final long LENGTH = BLOCK * 3 + 12_345;

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private CacheClient client;
    private Path data;

    @BeforeEach
    void start() throws IOException {
        cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, 64L << 20));
        client = cluster.newClient();
        data = directory.resolve("data");
        Files.createDirectories(data);
        Random random = new Random(7);
        for (String name : List.of("part-0", "part-1")) {
            byte[] bytes = new byte[(int) LENGTH];
            random.nextBytes(bytes);
            Files.write(data.resolve(name), bytes);
        }
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    /** How the file is read, and whether the load is atomic. */
    enum Way {
        /** Hadoop's raw local file system: copied block by block through direct buffers. */
        LOCAL,
        /** As {@link #LOCAL}, atomic per file: the blocks are staged and committed with the file. */
        LOCAL_ATOMIC,
        /** An object store read through one stream per file. */
        STREAMED,
        /** An object store read as concurrent ranged reads. */
        RANGED
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Way.class)
    void aFileRewrittenInPlaceWhileItIsReadFailsAsChangedAndNothingOfItStaysCached(Way way) throws IOException {
        Configuration conf = new Configuration();
        String root = way == Way.STREAMED || way == Way.RANGED ? store(conf) : data.toString();
        LoadPlan plan = plan(root, conf);
        FileLoad rewritten = file(plan, "part-0");

        LoadReport report = executor(conf, way, rewritesAfterItsFirstBlock(rewritten)).execute(plan);

        assertFailedAsChanged(report, rewritten);
        assertEquals(List.of(), client.cachedBlocks(rewritten.file()), "nothing of the file stays cached under its planned identity");
        FileLoad neighbour = file(plan, "part-1");
        assertEquals(neighbour.blocks().size(), client.cachedBlocks(neighbour.file()).size(), "the file beside it is loaded");
        assertEquals(neighbour.blocks().size(), report.totals().blocksLoaded());
    }

    @Test
    void theBlocksAnEarlierLoadCachedOfTheFileAreUncachedToo() throws IOException {
        Configuration conf = new Configuration();
        FileLoad planned = file(plan(data.toString(), conf), "part-0");
        BlockTask first = planned.blocks().get(0);
        byte[] bytes = Arrays.copyOfRange(Files.readAllBytes(data.resolve("part-0")), 0, (int) first.length());
        try (BlockWriter writer = client.openWriter(first.key(), first.length(), 1)) {
            writer.write(bytes, 0, bytes.length);
            writer.commit();
        }
        LoadPlan plan = plan(data.toString(), conf);
        FileLoad rewritten = file(plan, "part-0");
        assertEquals(1, rewritten.blocks().stream().filter(BlockTask::cached).count());

        LoadReport report = executor(conf, Way.LOCAL, rewritesAfterItsFirstBlock(rewritten)).execute(plan);

        assertFailedAsChanged(report, rewritten);
        assertEquals(List.of(), client.cachedBlocks(rewritten.file()));
        assertEquals(0, report.totals().bytesAlreadyCached(), "the block cached before the load is not cached any more");
    }

    /**
     * A file whose block the cache holds with fewer replicas than asked (a worker that held the
     * others was lost), changed before the load reads it: the replica still cached is uncached too.
     */
    @Test
    void theReplicasLeftOfABlockMissingReplicasAreUncachedWhenTheFileChanged() throws IOException {
        Configuration conf = new Configuration();
        LoadPlan planned = plan(data.toString(), conf);
        FileLoad file = file(planned, "part-0");
        BlockTask first = file.blocks().get(0);
        byte[] bytes = Arrays.copyOfRange(Files.readAllBytes(data.resolve("part-0")), 0, (int) first.length());
        try (BlockWriter writer = client.openWriter(first.key(), first.length(), 1)) {
            writer.write(bytes, 0, bytes.length);
            writer.commit();
        }
        // as the plan has a block with a replica missing: not cached, held by the worker that has the other
        FileLoad missingReplica = new FileLoad(file.file(), file.blocks().stream()
                .map(block -> block.index() == 0 ? new BlockTask(block.file(), 0, block.offset(), block.length(), false, List.of("worker-0")) : block)
                .toList());
        PartitionLoad partition = planned.partitions().get(0);
        List<FileLoad> files = partition.files().stream().map(f -> f.file().equals(file.file()) ? missingReplica : f).toList();
        List<PartitionLoad> partitions = List.of(new PartitionLoad(partition.name(), partition.location(), files));
        LoadPlan plan = new LoadPlan(planned.request(), planned.blockSize(), partitions, List.of(), PlanStats.of(partitions));
        touch(data.resolve("part-0"), file);

        LoadReport report = executor(conf, Way.LOCAL, ProgressListener.NONE).execute(plan);

        assertEquals(List.of(file.file().path()), report.failedFiles().stream().map(FileReport::path).toList(), report.failedFiles().toString());
        assertTrue(report.failedFiles().get(0).error().startsWith("File changed since it was planned: "), report.failedFiles().toString());
        assertEquals(List.of(), client.cachedBlocks(file.file()), "the replica left of the planned version is uncached");
    }

    /**
     * The journal forgets the blocks of a file uncached as changed while it was read: it does not
     * claim them committed, and a resume of the job loads the file again, as it is now, and
     * counts none of its blocks among those the earlier run committed.
     */
    @Test
    void theJournalForgetsAFileUncachedAsChangedAndTheResumeLoadsIt() throws IOException {
        Configuration conf = new Configuration();
        LoadPlan plan = plan(data.toString(), conf);
        FileLoad rewritten = file(plan, "part-0");
        Path jobs = directory.resolve("jobs");

        LoadReport first = executeJournaled(jobs, plan, executor(conf, Way.LOCAL, rewritesAfterItsFirstBlock(rewritten)));

        assertFailedAsChanged(first, rewritten);
        assertResumeCountsOnlyTheFileBeside(jobs, data.toString(), conf);
    }

    @Test
    void aFileRewrittenWhileTheCheckAfterTheLoadReadsItAgainFailsAsChanged() throws IOException {
        Configuration conf = new Configuration();
        LoadPlan plan = plan(data.toString(), conf);
        FileLoad rewritten = file(plan, "part-0");
        Path local = data.resolve("part-0");
        AtomicInteger readsAfter = new AtomicInteger();
        ProgressListener listener = freedThenChangedAsTheCheckAfterTheLoadReadsIt(rewritten, readsAfter,
                () -> rewriteInPlace(local, rewritten, rewritten.blocks().get(1)));

        LoadReport report = executor(conf, Way.LOCAL, listener).execute(plan);

        assertTrue(readsAfter.get() > 1, "the check after the load read the file again, in more than one read: " + readsAfter);
        assertEquals(LoadState.PARTIAL, report.state(), String.valueOf(report.failedFiles()));
        assertEquals(List.of(rewritten.file().path()), report.failedFiles().stream().map(FileReport::path).toList());
        String error = report.failedFiles().get(0).error();
        assertTrue(error.contains("File changed since it was planned: length %d -> %d".formatted(LENGTH, LENGTH)), error);
        assertEquals(List.of(), client.cachedBlocks(rewritten.file()), "nothing of the file stays cached under its planned identity");
        FileLoad neighbour = file(plan, "part-1");
        assertEquals(neighbour.blocks().size(), client.cachedBlocks(neighbour.file()).size(), "the file beside it is loaded");
    }

    @Test
    void aFileWrittenAgainWithItsLengthAndModificationTimeKeptFailsAsChangedByItsEtag() throws IOException {
        Configuration conf = new Configuration();
        conf.setBoolean(ThrottledFileSystem.ETAGS_KEY, true);
        String root = store(conf);
        LoadPlan plan = plan(root, conf);
        FileLoad rewritten = file(plan, "part-0");
        String planned = rewritten.file().etag();
        assertFalse(planned.isEmpty(), "the store gives etags");
        // written again between planning and loading, as a copy that keeps times does (cp -p, distcp -pt)
        Path local = data.resolve("part-0");
        byte[] bytes = Files.readAllBytes(local);
        bytes[100] ^= 1;
        Files.write(local, bytes);
        Files.setLastModifiedTime(local, FileTime.fromMillis(rewritten.file().modificationTime()));

        LoadReport report = executor(conf, Way.STREAMED, ProgressListener.NONE).execute(plan);

        assertEquals(LoadState.PARTIAL, report.state(), String.valueOf(report.failedFiles()));
        assertEquals(List.of(rewritten.file().path()), report.failedFiles().stream().map(FileReport::path).toList());
        FileReport failed = report.failedFiles().get(0);
        FileLoad now = file(plan(root, conf), "part-0");
        assertEquals(List.of(rewritten.file().length(), rewritten.file().modificationTime()), List.of(now.file().length(), now.file().modificationTime()));
        assertEquals("File changed since it was planned: etag %s -> %s (length %d and modification time %s kept)"
                .formatted(planned, now.file().etag(), LENGTH, java.time.Instant.ofEpochMilli(rewritten.file().modificationTime())), failed.error());
        assertEquals(0, failed.retries(), "a changed file is not retried");
        assertEquals(List.of(), client.cachedBlocks(rewritten.file()), "nothing of the file is cached under its planned identity");
        FileLoad neighbour = file(plan, "part-1");
        assertEquals(neighbour.blocks().size(), client.cachedBlocks(neighbour.file()).size(), "the file beside it is loaded");
    }

    /** How a file changes while an atomic load reads it. */
    enum Change {
        /** Deleted: still read through the descriptors and streams open on it, gone at the check after its last read. */
        DELETED,
        /** Truncated after its first block: the read of its next block ends early. */
        TRUNCATED
    }

    /**
     * An atomic load does not commit a file deleted or truncated while it reads it, nor keep what
     * it staged of it: the workers delete those blocks with their next heartbeat, long before the
     * temp area expires, and the commit of the scope (here, or in the run that loads the rest) has
     * none of them.
     */
    @ParameterizedTest(name = "{0}, {1} scope, {2}")
    @CsvSource({"LOCAL_ATOMIC, FILE, DELETED", "LOCAL_ATOMIC, PARTITION, DELETED", "STREAMED, JOB, DELETED", "RANGED, FILE, DELETED",
            "LOCAL_ATOMIC, PARTITION, TRUNCATED"})
    void aFileChangedWhileAnAtomicLoadReadsItLeavesNoneOfItsBlocksStagedOnTheWorkers(Way way, AtomicOptions.Scope scope, Change change)
            throws IOException {
        Configuration conf = new Configuration();
        String root = way == Way.STREAMED || way == Way.RANGED ? store(conf) : data.toString();
        LoadPlan plan = plan(root, conf);
        FileLoad changed = file(plan, "part-0");
        FileLoad neighbour = file(plan, "part-1");
        AtomicOptions atomic = new AtomicOptions("changed-" + scope.name().toLowerCase(java.util.Locale.ROOT), scope, Duration.ofHours(1));
        AtomicInteger loaded = new AtomicInteger();

        LoadReport report = executor(conf, way, changesAfterItsFirstBlock(changed, change, loaded), Optional.of(atomic)).execute(plan);

        assertTrue(loaded.get() >= 1, "a block of the file was staged before it changed");
        FileReport failed = report.failedFiles().stream().filter(file -> file.path().equals(changed.file().path())).findFirst().orElseThrow();
        assertTrue(failed.error().contains(change == Change.DELETED ? "does not exist (deleted since it was planned?)"
                : "File changed since it was planned: it ends before byte"), failed.error());
        TempArea area = client.tempAreas().findTempArea(atomic.jobId()).orElseThrow();
        Set<FileIdentity> stillStaged = scope == AtomicOptions.Scope.FILE ? Set.of() : Set.of(neighbour.file());
        assertEquals(stillStaged, area.blocks().stream().map(block -> block.block().file()).collect(Collectors.toSet()),
                "the changed file's blocks left the temp area; the file beside it is committed, or staged for a re-run when its scope failed");
        assertEquals(scope == AtomicOptions.Scope.FILE ? 0L : neighbour.blocks().size(),
                Optional.ofNullable(report.staged()).map(LoadReport.Staged::blocks).orElse(0L), "what the report says is left staged");
        Path worker = cluster.workerBlockDirectories().get(0);
        TestData.await(() -> TestData.files(worker).stream().noneMatch(block -> block.getFileName().toString().startsWith(changed.file().fileKey())),
                Duration.ofSeconds(30), "the worker deletes the staged blocks of the changed file");

        AtomicLong adopted = new AtomicLong();
        ProgressListener adopting = new ProgressListener() {
            @Override
            public void blockAdopted(BlockTask block) {
                assertEquals(neighbour.file(), block.file(), "the re-run adopts blocks of the file beside it only");
                adopted.incrementAndGet();
            }
        };
        LoadReport rerun = executor(conf, way, adopting, Optional.of(atomic)).execute(plan(root, conf));

        assertEquals(LoadState.SUCCEEDED, rerun.state(), String.valueOf(rerun.failedFiles()));
        assertEquals(scope == AtomicOptions.Scope.FILE ? 0 : neighbour.blocks().size(), adopted.get(), "the re-run adopts what is left staged");
        assertEquals(List.of(), client.cachedBlocks(changed.file()), "nothing of the planned version is committed");
        assertEquals(neighbour.blocks().size(), client.cachedBlocks(neighbour.file()).size());
        assertEquals(Optional.empty(), client.tempAreas().findTempArea(atomic.jobId()), "every scope committed: the area is gone");
    }

    /**
     * A plain load commits a file block by block. A file truncated while it is read fails at the
     * read that ends early, before the check after its last read: what the load committed of it is
     * uncached all the same, and the journal forgets it, so that a resume counts none of its blocks
     * among those committed before.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Way.class, names = {"LOCAL", "STREAMED"})
    void aFileTruncatedWhileAPlainLoadReadsItLeavesNoneOfItsBlocksCached(Way way) throws IOException {
        Configuration conf = new Configuration();
        String root = way == Way.STREAMED ? store(conf) : data.toString();
        LoadPlan plan = plan(root, conf);
        FileLoad changed = file(plan, "part-0");
        AtomicInteger loaded = new AtomicInteger();
        Path jobs = directory.resolve("jobs");

        LoadReport report = executeJournaled(jobs, plan, executor(conf, way, changesAfterItsFirstBlock(changed, Change.TRUNCATED, loaded)));

        assertEquals(1, loaded.get(), "one block of the file was committed before it was truncated");
        assertUncachedAsChanged(report, changed, "File changed since it was planned: it ends before byte");
        assertResumeCountsOnlyTheFileBeside(jobs, root, conf);
    }

    /**
     * A file changed while a plain load waits to retry it after a transient read fault, past a
     * block of it committed, fails at the check before the retry: what the load committed of it is
     * uncached, and the journal forgets it. The store fails reads at random, from a fixed seed,
     * and the load reads one file, so the faults fall on the same reads every time.
     */
    @Test
    void aFileChangedBeforeARetryOfAPlainLoadLeavesNoneOfItsBlocksCached() throws IOException {
        Configuration conf = new Configuration();
        conf.set(FaultyConfig.TRANSIENT_FRACTION_KEY, "0.2");
        conf.set(FaultyConfig.SEED_KEY, "1");
        String root = FaultyFileSystem.SCHEME + "://changed" + STORES.incrementAndGet() + data.toAbsolutePath();
        FileSystem.get(URI.create(root), conf);
        LoadPlan plan = plan(root + "/part-0", conf);
        FileLoad changed = plan.partitions().get(0).files().get(0);
        AtomicInteger loaded = new AtomicInteger();
        AtomicInteger changedAtRetry = new AtomicInteger();
        ProgressListener changesAtARetryAfterABlock = new ProgressListener() {
            @Override
            public void blockLoaded(BlockTask block) {
                loaded.incrementAndGet();
            }

            @Override
            public void retrying(String path, int attempt, String reason) {
                if (loaded.get() > 0 && changedAtRetry.compareAndSet(0, attempt)) {
                    touch(data.resolve("part-0"), changed);
                }
            }
        };
        Path jobs = directory.resolve("jobs");

        LoadReport report = executeJournaled(jobs, plan, executor(conf, Way.STREAMED, changesAtARetryAfterABlock));

        assertTrue(changedAtRetry.get() > 0, "a read of the file failed after " + loaded + " of its blocks were committed");
        assertTrue(loaded.get() < changed.blocks().size(), "the file was not loaded whole: " + loaded);
        assertUncachedAsChanged(report, changed, "File changed since it was planned: length %d -> %d".formatted(LENGTH, LENGTH));
        assertEquals(LoadState.FAILED, report.state(), "no block of the only file counts loaded: " + report.failedFiles());
        try (JobJournal journal = JobJournal.open(jobs, plan(root + "/part-0", conf).request(), false, client.clusterInfo().clusterId(), false)) {
            assertEquals(0, journal.previousBlocks(), "the journal forgot the blocks committed of the file");
        }
    }

    /**
     * A file truncated while the check after a plain load writes its blocks again (another client
     * freed them) fails at the read that ends early: the block written again before it is
     * uncached, as the check after the last read would uncache it.
     */
    @Test
    void aFileTruncatedWhileTheCheckAfterTheLoadWritesItAgainLeavesNoneOfItsBlocksCached() throws IOException {
        Configuration conf = new Configuration();
        LoadPlan plan = plan(data.toString(), conf);
        FileLoad changed = file(plan, "part-0");
        AtomicInteger readsAfter = new AtomicInteger();
        ProgressListener listener = freedThenChangedAsTheCheckAfterTheLoadReadsIt(changed, readsAfter,
                () -> truncateToOneBlock(data.resolve("part-0"), changed));
        Path jobs = directory.resolve("jobs");

        LoadReport report = executeJournaled(jobs, plan, executor(conf, Way.LOCAL, listener));

        assertTrue(readsAfter.get() > 1, "the check after the load read the file again, past its first read: " + readsAfter);
        assertUncachedAsChanged(report, changed, "block 1 has 0 of 1 replicas on live workers, and writing it again failed: "
                + "File changed since it was planned: it ends before byte");
        assertResumeCountsOnlyTheFileBeside(jobs, data.toString(), conf);
    }

    /**
     * A listener for a load of part-0 and part-1: once {@code file} (part-0) is loaded, another
     * client frees its blocks, so that the check after the load writes them again; at the first
     * UFS read after both files finished (counted in {@code readsAfter}), {@code change} runs.
     */
    private ProgressListener freedThenChangedAsTheCheckAfterTheLoadReadsIt(FileLoad file, AtomicInteger readsAfter, Runnable change) {
        AtomicInteger finished = new AtomicInteger();
        return new ProgressListener() {
            @Override
            public void fileFinished(FileReport finishedFile) {
                if (finishedFile.path().equals(file.file().path())) {
                    client.free(file.file());
                }
                finished.incrementAndGet();
            }

            @Override
            public void ufsBytesRead(int bytes) {
                if (finished.get() == 2 && readsAfter.incrementAndGet() == 1) {
                    change.run();
                }
            }
        };
    }

    /** Runs {@code executor} on {@code plan} with the journal of its job under {@code jobs}. */
    private LoadReport executeJournaled(Path jobs, LoadPlan plan, LoadExecutor executor) {
        try (JobJournal journal = JobJournal.open(jobs, plan.request(), false, client.clusterInfo().clusterId(), false)) {
            return executor.execute(plan, Optional.of(journal));
        }
    }

    /** Asserts that {@code changed} failed with an error starting with {@code error}, and that nothing of its planned identity is cached. */
    private void assertUncachedAsChanged(LoadReport report, FileLoad changed, String error) {
        FileReport failed = report.failedFiles().stream().filter(file -> file.path().equals(changed.file().path())).findFirst().orElseThrow();
        assertTrue(failed.error().startsWith(error), failed.error());
        assertEquals(List.of(), client.cachedBlocks(changed.file()), "nothing of the file stays cached under its planned identity");
        assertEquals(0, failed.blocksLoaded());
        assertEquals(changed.blocks().size(), failed.blocksFailed());
    }

    /**
     * Resumes the job of the paths under {@code root} (its journal under {@code jobs}) after a run
     * in which part-0 changed and part-1 loaded, and asserts that it counts only part-1's blocks
     * among those the earlier run committed, and loads part-0 as it is now.
     */
    private void assertResumeCountsOnlyTheFileBeside(Path jobs, String root, Configuration conf) {
        LoadPlan again = plan(root, conf);
        FileLoad reloaded = file(again, "part-0");
        FileLoad neighbour = file(again, "part-1");

        LoadReport resumed = executeJournaled(jobs, again, executor(conf, Way.LOCAL, ProgressListener.NONE));

        assertEquals(LoadState.SUCCEEDED, resumed.state(), String.valueOf(resumed.failedFiles()));
        assertEquals(2, resumed.job().run());
        assertEquals(neighbour.blocks().size(), resumed.job().previousBlocks(), "the earlier run committed the blocks of the file beside it only");
        assertEquals(neighbour.blocks().size(), resumed.job().previousBlocksCached());
        assertEquals(0, resumed.job().previousBlocksOfChangedFiles(), "none of the uncached file's blocks is counted committed");
        assertEquals(reloaded.blocks().size(), resumed.totals().blocksLoaded(), "the resume loads the file");
        assertEquals(reloaded.blocks().size(), client.cachedBlocks(reloaded.file()).size());
    }

    /**
     * A listener that, when the first block of {@code file} this load writes is loaded, deletes it
     * or truncates it to one block (its modification time moved), counting the blocks of it loaded
     * in {@code loaded}.
     */
    private ProgressListener changesAfterItsFirstBlock(FileLoad file, Change change, AtomicInteger loaded) {
        Path local = data.resolve("part-0");
        return new ProgressListener() {
            @Override
            public void blockLoaded(BlockTask block) {
                if (block.file().equals(file.file()) && loaded.incrementAndGet() == 1) {
                    try {
                        if (change == Change.DELETED) {
                            Files.delete(local);
                        }
                        else {
                            truncateToOneBlock(local, file);
                        }
                    }
                    catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        };
    }

    /** Truncates {@code file}, at {@code local}, to its first block, and moves its modification time ({@link #touch}). */
    private static void truncateToOneBlock(Path local, FileLoad file) {
        try (FileChannel channel = FileChannel.open(local, StandardOpenOption.WRITE)) {
            channel.truncate(BLOCK);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        touch(local, file);
    }

    /** Moves the modification time of {@code file}, at {@code local}, ahead (so that a coarse clock cannot hide the change). */
    private static void touch(Path local, FileLoad file) {
        try {
            Files.setLastModifiedTime(local, FileTime.fromMillis(file.file().modificationTime() + 10_000));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertFailedAsChanged(LoadReport report, FileLoad rewritten) {
        assertEquals(LoadState.PARTIAL, report.state(), String.valueOf(report.failedFiles()));
        assertEquals(1, report.failedFiles().size(), String.valueOf(report.failedFiles()));
        FileReport failed = report.failedFiles().get(0);
        assertEquals(rewritten.file().path(), failed.path());
        assertTrue(failed.error().startsWith("File changed since it was planned: length %d -> %d, modification time %s -> "
                .formatted(LENGTH, LENGTH, java.time.Instant.ofEpochMilli(rewritten.file().modificationTime()))), failed.error());
        assertEquals(0, failed.retries(), "a changed file is not retried");
        assertEquals(0, failed.blocksLoaded());
        assertEquals(0, failed.blocksAlreadyCached());
        assertEquals(rewritten.blocks().size(), failed.blocksFailed());
    }

    /**
     * A listener that, when the first block of {@code file} this load writes is loaded, rewrites
     * bytes of its next block in place ({@link #rewriteInPlace}).
     */
    private ProgressListener rewritesAfterItsFirstBlock(FileLoad file) {
        Path local = data.resolve("part-0");
        BlockTask next = file.blocks().stream().filter(block -> !block.cached()).skip(1).findFirst().orElseThrow();
        AtomicInteger loaded = new AtomicInteger();
        return new ProgressListener() {
            @Override
            public void blockLoaded(BlockTask block) {
                if (block.file().equals(file.file()) && loaded.incrementAndGet() == 1) {
                    rewriteInPlace(local, file, next);
                }
            }
        };
    }

    /**
     * Rewrites bytes of {@code block} of {@code file} in place, as {@code dd conv=notrunc} does:
     * the length stays, the modification time moves (set ahead, so that a coarse clock cannot
     * hide the change).
     */
    private static void rewriteInPlace(Path local, FileLoad file, BlockTask block) {
        try (FileChannel channel = FileChannel.open(local, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[4096]), block.offset() + 100);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        touch(local, file);
    }

    private String store(Configuration conf) throws IOException {
        String root = ThrottledFileSystem.SCHEME + "://rewritten" + STORES.incrementAndGet() + data.toAbsolutePath();
        FileSystem.get(URI.create(root), conf);
        return root;
    }

    private LoadPlan plan(String root, Configuration conf) {
        LoadPlanner planner = new LoadPlanner(Optional.empty(), conf, client::cachedBlocks, new PlannerConfig(BLOCK, 1024, BLOCK * 4, 2));
        return planner.plan(new LoadRequest(new LoadTarget.Paths(List.of(root)), 1));
    }

    private static FileLoad file(LoadPlan plan, String name) {
        return plan.partitions().get(0).files().stream().filter(file -> file.file().path().endsWith("/" + name)).findFirst().orElseThrow();
    }

    private LoadExecutor executor(Configuration conf, Way way, ProgressListener listener) {
        return executor(conf, way, listener, way == Way.LOCAL_ATOMIC
                ? Optional.of(new AtomicOptions("rewritten-job", AtomicOptions.Scope.FILE, Duration.ofHours(1)))
                : Optional.empty());
    }

    private LoadExecutor executor(Configuration conf, Way way, ProgressListener listener, Optional<AtomicOptions> atomic) {
        Settings settings = new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, 2, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, READ_BUFFER, "bytes", "test"),
                new Setting(Settings.IN_FLIGHT_BYTES, 16L * READ_BUFFER, "bytes", "test"),
                new Setting(Settings.STREAMS_PER_FILE, way == Way.RANGED ? 4 : 1, "streams", "test")));
        ExecutorOptions options = ExecutorOptions.defaults().withRetries(3, Duration.ofMillis(1), Duration.ofMillis(10));
        if (atomic.isPresent()) {
            options = options.withAtomic(atomic.get());
        }
        return new LoadExecutor(client, conf, settings, options, listener, Clock.systemUTC());
    }
}
