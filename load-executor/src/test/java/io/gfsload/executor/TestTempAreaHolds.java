package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.ScopeCommit;
import io.gfsload.cache.api.StagedBlock;
import io.gfsload.cache.api.TempArea;
import io.gfsload.cache.api.TempAreaInUseException;
import io.gfsload.cache.api.TempAreaRun;
import io.gfsload.cache.api.TempAreas;
import io.gfsload.cache.api.WriteEvictions;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.testing.MutableClock;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's hold on its atomic job's temp area against a real local cluster whose master's clock
 * moves only when the test moves it: another run of the job (from another gfsload home) is
 * refused the area exactly while the hold stands, and a run that lost the area to another run
 * neither commits nor deletes it.
 */
class TestTempAreaHolds {
    private static final long BLOCK = 128 << 10;
    private static final int FILE_BYTES = 300_000;
    /** Renewed every 30 s: no renewal of the runs' own comes during a test. */
    private static final Duration EXPIRE_TIME = Duration.ofHours(1);
    private static final Duration PERIOD = Duration.ofSeconds(30);
    /** A run of the job from another gfsload home. */
    private static final TempAreaRun ANOTHER_HOME = new TempAreaRun("another-home", PERIOD);

    @TempDir
    Path directory;

    private final MutableClock masterClock = new MutableClock(Instant.parse("2026-11-20T01:00:00Z"));
    private LocalCluster cluster;
    private CacheClient client;
    private Path data;

    @BeforeEach
    void start() throws IOException {
        cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 2, 256L << 20), masterClock);
        client = cluster.newClient();
        data = Files.createDirectories(directory.resolve("data"));
        for (String name : List.of("a", "b")) {
            byte[] bytes = new byte[FILE_BYTES];
            new Random(name.hashCode()).nextBytes(bytes);
            Files.write(data.resolve(name), bytes);
        }
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    @Test
    void aRunWhoseAreaAnotherRunAdoptedStopsWithoutCommittingOrDeletingIt() {
        LoadPlan plan = LocalPlans.plan(client, data, BLOCK, 2);
        AtomicOptions atomic = new AtomicOptions("job-taken", AtomicOptions.Scope.FILE, EXPIRE_TIME);
        LoadExecutor executor = executor(client, atomic);
        try (JobJournal journal = journal(plan);
                TempAreaClaim claim = executor.claimTempArea(plan, journal)) {
            // this run's renewals do not reach the master for two periods: a run from another home adopts the area
            masterClock.sleep(PERIOD.multipliedBy(2));
            assertTrue(client.tempAreas().openTempArea(atomic.jobId(), EXPIRE_TIME, ANOTHER_HOME).adopted());
            masterClock.sleep(Duration.ofSeconds(12));

            LoadReport report = executor.execute(plan, Optional.of(journal), () -> plan, claim);

            assertEquals(LoadState.FAILED, report.state());
            String reason = "the temp area of atomic job job-taken was adopted by another run of it (from another gfsload home or host), which renewed "
                    + "it 12 s ago: this run stopped, and left what it staged to that run, neither committing nor deleting it";
            assertEquals(reason, report.stopReason());
            assertEquals(List.of("not attempted: " + reason, "not attempted: " + reason), report.failedFiles().stream().map(FileReport::error).toList());
        }
        for (FileLoad file : plan.partitions().get(0).files()) {
            assertEquals(List.of(), client.cachedBlocks(file.file()), "the run committed " + file.file().path());
        }
        TempArea area = client.tempAreas().findTempArea(atomic.jobId()).orElseThrow(() -> new AssertionError("the run deleted the other run's area"));
        assertEquals(List.of(), area.blocks());
        // the area is still the other run's: a third run is refused it, and the other run lets go of it as it ends
        TempAreaInUseException refused = assertThrows(TempAreaInUseException.class,
                () -> client.tempAreas().openTempArea(atomic.jobId(), EXPIRE_TIME, new TempAreaRun("third-home", PERIOD)));
        assertTrue(refused.getMessage().contains("run another-home of the job renewed it 12 s ago"), refused.getMessage());
        assertTrue(client.tempAreas().releaseTempArea(atomic.jobId(), ANOTHER_HOME), "the other run does not hold the area any more");
    }

    @Test
    void aRunWhoseAreaAnotherRunAdoptedBeforeItsNextRenewalFailsItsCommitAndLeavesTheAreaToThatRun() {
        LoadPlan plan = LocalPlans.plan(client, data, BLOCK, 2);
        AtomicOptions atomic = new AtomicOptions("job-taken-at-commit", AtomicOptions.Scope.FILE, EXPIRE_TIME);
        // as the run commits its first file, its renewals have not reached the master for two periods, and a run from another home
        // adopted the area: the run's next renewal is half a minute away
        AtomicBoolean adopted = new AtomicBoolean();
        TempAreas areas = new ForwardingTempAreas(client.tempAreas()) {
            @Override
            public ScopeCommit commitScope(String jobId, List<BlockKey> blocks, TempAreaRun run) {
                synchronized (adopted) {
                    if (adopted.compareAndSet(false, true)) {
                        masterClock.sleep(PERIOD.multipliedBy(2));
                        assertTrue(delegate.openTempArea(jobId, EXPIRE_TIME, ANOTHER_HOME).adopted());
                        masterClock.sleep(Duration.ofSeconds(5));
                    }
                }
                return delegate.commitScope(jobId, blocks, run);
            }
        };
        LoadExecutor executor = executor(areas, atomic);

        LoadReport report;
        try (JobJournal journal = journal(plan);
                TempAreaClaim claim = executor.claimTempArea(plan, journal)) {
            report = executor.execute(plan, Optional.of(journal), () -> plan, claim);
        }

        assertEquals(LoadState.FAILED, report.state());
        String reason = "the temp area of atomic job job-taken-at-commit was adopted by another run of it (from another gfsload home or host), which "
                + "renewed it 5 s ago: this run stopped, and left what it staged to that run, neither committing nor deleting it";
        assertEquals(reason, report.stopReason());
        List<String> errors = report.failedFiles().stream().map(FileReport::error).toList();
        assertEquals(2, errors.size(), errors.toString());
        assertTrue(errors.contains("not committed: " + reason), errors.toString());
        // the other file's commit was refused too, or it did not start once the area was lost
        assertTrue(errors.stream().allMatch(error -> error.equals("not committed: " + reason) || error.equals("not attempted: " + reason)),
                errors.toString());
        for (FileLoad file : plan.partitions().get(0).files()) {
            assertEquals(List.of(), client.cachedBlocks(file.file()), "the run committed " + file.file().path());
        }
        // what the run staged stays in the other run's area, for that run to commit
        TempArea area = client.tempAreas().findTempArea(atomic.jobId()).orElseThrow(() -> new AssertionError("the run deleted the other run's area"));
        long staged = errors.stream().filter(error -> error.startsWith("not committed: ")).count();
        assertEquals(staged * 3, area.blocks().size(), area.blocks().toString());
        TempAreaInUseException refused = assertThrows(TempAreaInUseException.class,
                () -> client.tempAreas().openTempArea(atomic.jobId(), EXPIRE_TIME, new TempAreaRun("third-home", PERIOD)));
        assertTrue(refused.getMessage().contains("run another-home of the job renewed it 5 s ago"), refused.getMessage());
        assertEquals(area.blocks().size(), client.tempAreas().commitScope(atomic.jobId(), area.blocks().stream().map(StagedBlock::block).toList(),
                ANOTHER_HOME).blocks(), "the other run commits what the run staged");
    }

    @Test
    void aLateReleaseOfARunLeavesTheHoldOfTheNextRunFromTheSameHome() {
        LoadPlan plan = LocalPlans.plan(client, data, BLOCK, 2);
        AtomicOptions atomic = new AtomicOptions("job-late-release", AtomicOptions.Scope.FILE, EXPIRE_TIME);
        // the first release this process sends is held back, as by a master that takes it only after a while
        List<Runnable> heldBack = new ArrayList<>();
        TempAreas areas = new ForwardingTempAreas(client.tempAreas()) {
            @Override
            public boolean releaseTempArea(String jobId, TempAreaRun run) {
                synchronized (heldBack) {
                    if (heldBack.isEmpty()) {
                        heldBack.add(() -> assertFalse(delegate.releaseTempArea(jobId, run), "the first run's late release ended the second's hold"));
                        return true;
                    }
                }
                return delegate.releaseTempArea(jobId, run);
            }
        };
        LoadExecutor executor = executor(areas, atomic);
        // two runs of the job from this home, one after the other: the first ends before its load
        try (JobJournal journal = journal(plan)) {
            executor.claimTempArea(plan, journal).close();
        }
        try (JobJournal journal = journal(plan);
                TempAreaClaim claim = executor.claimTempArea(plan, journal)) {
            // the first run's release reaches the master now
            heldBack.get(0).run();

            TempAreaInUseException refused = assertThrows(TempAreaInUseException.class,
                    () -> client.tempAreas().openTempArea(atomic.jobId(), EXPIRE_TIME, ANOTHER_HOME));
            assertTrue(refused.getMessage().contains("renewed it 0 s ago"), refused.getMessage());
        }
        assertTrue(client.tempAreas().openTempArea(atomic.jobId(), EXPIRE_TIME, ANOTHER_HOME).adopted(), "the second run let go of the area as it ended");
    }

    @Test
    void aRunWhoseRenewalsCannotStartLetsGoOfTheAreaItOpened() {
        AtomicOptions atomic = new AtomicOptions("job-not-started", AtomicOptions.Scope.FILE, EXPIRE_TIME);

        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> TempAreaRenewal.open(client.tempAreas(), atomic,
                Optional.of("this-home"), area -> {
                    throw new IllegalStateException("the load cannot use the area");
                }));

        assertEquals("the load cannot use the area", failure.getMessage());
        // no time passes on the master's clock: a hold the run kept would refuse another home's run
        assertTrue(client.tempAreas().openTempArea(atomic.jobId(), EXPIRE_TIME, ANOTHER_HOME).adopted());
    }

    @Test
    void aLoadThatFailsAfterOpeningItsAreaLetsGoOfIt() {
        LoadPlan plan = LocalPlans.plan(client, data, BLOCK, 2);
        AtomicOptions atomic = new AtomicOptions("job-failed-start", AtomicOptions.Scope.FILE, EXPIRE_TIME);
        LoadExecutor executor = executor(new ForwardingCacheClient(client) {
            @Override
            public WriteEvictions writeEvictions() {
                throw new IllegalStateException("cannot watch the workers' evictions");
            }
        }, atomic);

        try (JobJournal journal = journal(plan)) {
            IllegalStateException failure = assertThrows(IllegalStateException.class, () -> executor.execute(plan, Optional.of(journal)));
            assertEquals("cannot watch the workers' evictions", failure.getMessage());
        }

        assertTrue(client.tempAreas().findTempArea(atomic.jobId()).isPresent(), "the load opened its area as its run");
        assertTrue(client.tempAreas().openTempArea(atomic.jobId(), EXPIRE_TIME, ANOTHER_HOME).adopted(), "the failed load still holds its area");
    }

    @Test
    void aLoadThatFailsWhileAFileIsStillWrittenLetsGoOfItsAreaOnlyOnceTheWriteIsDone() throws Exception {
        LoadPlan plan = LocalPlans.plan(client, data, BLOCK, 2);
        AtomicOptions atomic = new AtomicOptions("job-failed-mid-load", AtomicOptions.Scope.FILE, EXPIRE_TIME);
        CountDownLatch bWriting = new CountDownLatch(1);
        CountDownLatch bMayGoOn = new CountDownLatch(1);
        AtomicBoolean bDone = new AtomicBoolean();
        // b's first write waits, heeding no interrupt (as a store's read or a worker's call may not), until the test lets it go on
        CacheClient cache = new ForwardingCacheClient(client) {
            @Override
            public BlockWriter openWriter(BlockKey block, long length, WriteOptions options) {
                if (block.file().path().endsWith("/b") && bWriting.getCount() > 0) {
                    bWriting.countDown();
                    awaitUninterruptibly(bMayGoOn);
                }
                return super.openWriter(block, length, options);
            }
        };
        // the listener fails as a finishes, b still being written
        ProgressListener listener = new ProgressListener() {
            @Override
            public void fileFinished(FileReport file) {
                if (file.path().endsWith("/a")) {
                    awaitUninterruptibly(bWriting);
                    throw new IllegalStateException("the listener failed");
                }
                bDone.set(true);
            }
        };
        LoadExecutor executor = new LoadExecutor(cache, new Configuration(), settings(), options(atomic), listener, java.time.Clock.systemUTC());
        CompletableFuture<Void> letGo = CompletableFuture.runAsync(() -> {
            awaitUninterruptibly(bWriting);
            try {
                Thread.sleep(500);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            bMayGoOn.countDown();
        });

        try (JobJournal journal = journal(plan)) {
            IllegalStateException failure = assertThrows(IllegalStateException.class, () -> executor.execute(plan, Optional.of(journal)));
            assertTrue(failure.getMessage().contains("the listener failed"), failure.getMessage());
            assertTrue(bDone.get(), "the load let go of its area while b was still being written there");
        }
        letGo.get();

        assertTrue(client.tempAreas().openTempArea(atomic.jobId(), EXPIRE_TIME, ANOTHER_HOME).adopted(), "the failed load still holds its area");
    }

    @Test
    void aRunThatKeepsItsHoldAsItEndsLeavesTheAreaToLapse() {
        AtomicOptions atomic = new AtomicOptions("job-kept", AtomicOptions.Scope.FILE, EXPIRE_TIME);
        TempAreaRenewal renewal = TempAreaRenewal.open(client.tempAreas(), atomic, Optional.of("this-home"), area -> {});

        // as a load whose writes did not stop in time ends
        renewal.keepHold();
        renewal.close();

        TempAreaInUseException refused = assertThrows(TempAreaInUseException.class,
                () -> client.tempAreas().openTempArea(atomic.jobId(), EXPIRE_TIME, ANOTHER_HOME), "the run let go of the area");
        assertTrue(refused.getMessage().contains("renewed it 0 s ago"), refused.getMessage());
        // no renewal since: the hold lapses as a killed run's does
        masterClock.sleep(PERIOD.multipliedBy(2).plusSeconds(1));
        assertTrue(client.tempAreas().openTempArea(atomic.jobId(), EXPIRE_TIME, ANOTHER_HOME).adopted());
    }

    @Test
    void aRunStoppedWithSigtermMidCommitLetsGoOfTheAreaOnlyOnceTheCommitIsDone() throws Exception {
        LoadPlan plan = LocalPlans.plan(client, data, BLOCK, 2);
        AtomicOptions atomic = new AtomicOptions("job-stopped", AtomicOptions.Scope.JOB, EXPIRE_TIME);
        CountDownLatch committing = new CountDownLatch(1);
        CountDownLatch commitMayEnd = new CountDownLatch(1);
        TempAreas areas = new ForwardingTempAreas(client.tempAreas()) {
            @Override
            public ScopeCommit commitScope(String jobId, List<BlockKey> blocks, TempAreaRun run) {
                committing.countDown();
                try {
                    commitMayEnd.await();
                }
                catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return delegate.commitScope(jobId, blocks, run);
            }
        };
        // how the shutdown hook waits for the load it stopped: the test hears that it waits
        CountDownLatch hookWaits = new CountDownLatch(1);
        Sleeper sleeper = duration -> {
            hookWaits.countDown();
            Sleeper.SYSTEM.sleep(duration);
        };
        LoadExecutor executor = executor(areas, atomic, sleeper);
        LoadReport report;
        try (JobJournal journal = journal(plan);
                TempAreaClaim claim = executor.claimTempArea(plan, journal)) {
            CompletableFuture<LoadReport> load = CompletableFuture.supplyAsync(() -> executor.execute(plan, Optional.of(journal), () -> plan, claim));
            committing.await();

            // SIGTERM as the job scope commits: the hook stops the load and waits for it, or lets go of the area and ends
            CompletableFuture<Void> hook = CompletableFuture.runAsync(claim::jvmStopping);
            while (hookWaits.getCount() > 0 && !hook.isDone()) {
                Thread.sleep(10);
            }

            TempAreaInUseException refused = assertThrows(TempAreaInUseException.class,
                    () -> client.tempAreas().openTempArea(atomic.jobId(), EXPIRE_TIME, ANOTHER_HOME), "another run adopted the area under the commit");
            assertTrue(refused.getMessage().contains("renewed it 0 s ago"), refused.getMessage());
            commitMayEnd.countDown();
            report = load.get();
            hook.get();
        }

        assertEquals(LoadState.SUCCEEDED, report.state(), "the commit under way finished: " + report.failedFiles());
        for (FileLoad file : plan.partitions().get(0).files()) {
            assertEquals(3, client.cachedBlocks(file.file()).size(), file.file().path());
        }
        assertEquals(Optional.empty(), client.tempAreas().findTempArea(atomic.jobId()), "the load deleted its committed area");
    }

    @Test
    void aRunStoppedWithSigtermBeforeItsLoadLetsGoOfTheAreaAtOnce() {
        LoadPlan plan = LocalPlans.plan(client, data, BLOCK, 2);
        AtomicOptions atomic = new AtomicOptions("job-stopped-waiting", AtomicOptions.Scope.FILE, EXPIRE_TIME);
        try (JobJournal journal = journal(plan);
                TempAreaClaim claim = executor(client, atomic).claimTempArea(plan, journal)) {
            // the command waits for its load window: no load to stop or wait for
            claim.jvmStopping();

            assertTrue(client.tempAreas().openTempArea(atomic.jobId(), EXPIRE_TIME, ANOTHER_HOME).adopted());
        }
    }

    @Test
    void aLoadThatStartsAfterSigtermLetGoOfTheAreaDoesNotHoldItAgain() {
        LoadPlan plan = LocalPlans.plan(client, data, BLOCK, 2);
        AtomicOptions atomic = new AtomicOptions("job-stopped-then-loading", AtomicOptions.Scope.FILE, EXPIRE_TIME);
        LoadExecutor executor = executor(client, atomic);
        LoadReport report;
        try (JobJournal journal = journal(plan);
                TempAreaClaim claim = executor.claimTempArea(plan, journal)) {
            // SIGTERM as the command waits for its load window, which opens just then: the load starts after the hook let go of the area
            claim.jvmStopping();
            report = executor.execute(plan, Optional.of(journal), () -> plan, claim);
        }

        assertEquals(LoadState.FAILED, report.state(), report.toString());
        assertEquals(plan.stats().files(), report.failedFiles().size());
        assertTrue(report.failedFiles().stream().allMatch(file -> file.error().equals("not attempted: " + Failures.JVM_STOPPING)),
                report.failedFiles().toString());
        assertTrue(client.tempAreas().openTempArea(atomic.jobId(), EXPIRE_TIME, ANOTHER_HOME).adopted(),
                "the run that stopped holds the area no more");
        for (FileLoad file : plan.partitions().get(0).files()) {
            assertEquals(List.of(), client.cachedBlocks(file.file()), file.file().path());
        }
    }

    @Test
    void sigtermAsTheLoadEndsWaitsForItsReleaseOfTheArea() throws Exception {
        LoadPlan plan = LocalPlans.plan(client, data, BLOCK, 2);
        AtomicOptions atomic = new AtomicOptions("job-ending", AtomicOptions.Scope.FILE, EXPIRE_TIME);
        CountDownLatch releasing = new CountDownLatch(1);
        CountDownLatch releaseMayEnd = new CountDownLatch(1);
        TempAreas areas = new ForwardingTempAreas(client.tempAreas()) {
            @Override
            public boolean releaseTempArea(String jobId, TempAreaRun run) {
                releasing.countDown();
                try {
                    releaseMayEnd.await();
                }
                catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return delegate.releaseTempArea(jobId, run);
            }
        };
        LoadExecutor executor = executor(areas, atomic);
        try (JobJournal journal = journal(plan)) {
            TempAreaClaim claim = executor.claimTempArea(plan, journal);
            // the command ends and lets go of the area; SIGTERM comes as the master takes the release
            CompletableFuture<Void> ending = CompletableFuture.runAsync(claim::close);
            releasing.await();
            CompletableFuture<Void> hook = CompletableFuture.runAsync(claim::jvmStopping);

            // the JVM halts once the hook returns: it must not return before the release is done
            assertThrows(TimeoutException.class, () -> hook.get(300, TimeUnit.MILLISECONDS), "the hook returned during the release");
            releaseMayEnd.countDown();
            hook.get();
            ending.get();
        }

        assertTrue(client.tempAreas().openTempArea(atomic.jobId(), EXPIRE_TIME, ANOTHER_HOME).adopted(), "the run let go of the area");
    }

    @Test
    void aRunStoppedWithSigtermWritesNoReplicaAgain() throws Exception {
        // a, cached whole before the run, is freed as the run commits b, and SIGTERM comes: the run restores no replica of a
        LoadPlan first = LocalPlans.plan(client, data, BLOCK, 2);
        assertEquals(LoadState.SUCCEEDED, new LoadExecutor(client, new Configuration(), settings(), ExecutorOptions.defaults(), ProgressListener.NONE,
                java.time.Clock.systemUTC()).execute(first).state());
        FileLoad a = file(first, "a");
        FileLoad b = file(first, "b");
        client.free(b.file());
        LoadPlan plan = LocalPlans.plan(client, data, BLOCK, 2);
        assertEquals(3, plan.stats().blocksToLoad(), "b is to load, a is cached");
        AtomicOptions atomic = new AtomicOptions("job-stopped-restoring", AtomicOptions.Scope.FILE, EXPIRE_TIME);
        CountDownLatch hookWaits = new CountDownLatch(1);
        Sleeper sleeper = duration -> {
            hookWaits.countDown();
            Sleeper.SYSTEM.sleep(duration);
        };
        AtomicReference<TempAreaClaim> claimed = new AtomicReference<>();
        List<CompletableFuture<Void>> hooks = new ArrayList<>();
        TempAreas areas = new ForwardingTempAreas(client.tempAreas()) {
            @Override
            public ScopeCommit commitScope(String jobId, List<BlockKey> blocks, TempAreaRun run) {
                client.free(a.file());
                hooks.add(CompletableFuture.runAsync(claimed.get()::jvmStopping));
                try {
                    hookWaits.await();
                }
                catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return delegate.commitScope(jobId, blocks, run);
            }
        };
        LoadExecutor executor = executor(areas, atomic, sleeper);
        try (JobJournal journal = journal(plan);
                TempAreaClaim claim = executor.claimTempArea(plan, journal)) {
            claimed.set(claim);
            executor.execute(plan, Optional.of(journal), () -> plan, claim);
        }
        assertEquals(1, hooks.size(), "b's commit");
        hooks.get(0).get();

        assertEquals(3, client.cachedBlocks(b.file()).size(), "the commit under way finished");
        assertEquals(List.of(), client.cachedBlocks(a.file()), "the stopped run wrote a again");
    }

    @Test
    void aLoadThatCommittedEverythingSucceedsThoughAnotherRunAdoptedTheAreaBeforeItsDeletion() {
        LoadPlan plan = LocalPlans.plan(client, data, BLOCK, 2);
        AtomicOptions atomic = new AtomicOptions("job-taken-at-the-end", AtomicOptions.Scope.FILE, EXPIRE_TIME);
        AtomicInteger commits = new AtomicInteger();
        TempAreas areas = new ForwardingTempAreas(client.tempAreas()) {
            @Override
            public ScopeCommit commitScope(String jobId, List<BlockKey> blocks, TempAreaRun run) {
                ScopeCommit commit = delegate.commitScope(jobId, blocks, run);
                commits.incrementAndGet();
                return commit;
            }

            @Override
            public TempArea renewTempArea(String jobId, Duration expireTime, TempAreaRun run) {
                if (commits.get() == 2) {
                    // both files are committed, and the run renews the area once more before it deletes it: its hold lapsed meanwhile,
                    // and a run from another home adopted the empty area
                    assertTrue(delegate.releaseTempArea(jobId, run));
                    assertTrue(delegate.openTempArea(jobId, EXPIRE_TIME, ANOTHER_HOME).adopted());
                }
                return delegate.renewTempArea(jobId, expireTime, run);
            }
        };
        LoadExecutor executor = executor(areas, atomic);
        LoadReport report;
        try (JobJournal journal = journal(plan);
                TempAreaClaim claim = executor.claimTempArea(plan, journal)) {
            report = executor.execute(plan, Optional.of(journal), () -> plan, claim);
        }

        assertEquals(LoadState.SUCCEEDED, report.state(), report.toString());
        assertEquals(null, report.stopReason());
        for (FileLoad file : plan.partitions().get(0).files()) {
            assertEquals(3, client.cachedBlocks(file.file()).size(), file.file().path());
        }
        assertTrue(client.tempAreas().findTempArea(atomic.jobId()).isPresent(), "the run deleted the area the other run holds");
    }

    @Test
    void aRenewalUnderWayAsTheRunEndsIsAnsweredBeforeTheRunLetsGoOfTheArea() throws Exception {
        LoadPlan plan = LocalPlans.plan(client, data, BLOCK, 2);
        // renewed every 20 ms
        AtomicOptions atomic = new AtomicOptions("job-renewing-at-the-end", AtomicOptions.Scope.FILE, Duration.ofMillis(60));
        CountDownLatch renewing = new CountDownLatch(1);
        CountDownLatch abandoned = new CountDownLatch(1);
        CountDownLatch mayRenew = new CountDownLatch(1);
        CountDownLatch released = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        TempAreas areas = new ForwardingTempAreas(client.tempAreas()) {
            @Override
            public TempArea renewTempArea(String jobId, Duration expireTime, TempAreaRun run) {
                if (Thread.currentThread().getName().equals("gfsload-temp-area-renewal") && first.compareAndSet(true, false)) {
                    renewing.countDown();
                    try {
                        mayRenew.await();
                    }
                    catch (InterruptedException e) {
                        // the run abandons the call, which the master, slow to take it, takes after the run's release
                        abandoned.countDown();
                        awaitUninterruptibly(released);
                    }
                }
                return delegate.renewTempArea(jobId, expireTime, run);
            }

            @Override
            public boolean releaseTempArea(String jobId, TempAreaRun run) {
                boolean held = delegate.releaseTempArea(jobId, run);
                released.countDown();
                return held;
            }
        };
        try (JobJournal journal = journal(plan)) {
            TempAreaClaim claim = executor(areas, atomic).claimTempArea(plan, journal);
            renewing.await();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(claim::close);
            // a run that abandons the renewal does so at once; one that waits for its answer gets it
            abandoned.await(1, TimeUnit.SECONDS);
            mayRenew.countDown();
            closing.get();
        }

        assertTrue(client.tempAreas().openTempArea(atomic.jobId(), EXPIRE_TIME, ANOTHER_HOME).adopted(), "the run let go of the area, and holds it no more");
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            }
            catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static FileLoad file(LoadPlan plan, String name) {
        return plan.partitions().get(0).files().stream().filter(file -> file.file().path().endsWith("/" + name)).findFirst().orElseThrow();
    }

    private JobJournal journal(LoadPlan plan) {
        return JobJournal.open(directory.resolve("jobs"), plan.request(), Optional.of(AtomicOptions.Scope.FILE), client.clusterInfo().clusterId(), false);
    }

    /** An executor of {@code atomic} that reaches the cluster's temp areas through {@code areas}. */
    private LoadExecutor executor(TempAreas areas, AtomicOptions atomic) {
        return executor(areas, atomic, Sleeper.SYSTEM);
    }

    /** As {@link #executor(TempAreas, AtomicOptions)}, waiting with {@code sleeper}: the shutdown hook waits with it for the load it stopped. */
    private LoadExecutor executor(TempAreas areas, AtomicOptions atomic, Sleeper sleeper) {
        return new LoadExecutor(new ForwardingCacheClient(client) {
            @Override
            public TempAreas tempAreas() {
                return areas;
            }
        }, new Configuration(), settings(), options(atomic), ProgressListener.NONE, java.time.Clock.systemUTC(), sleeper);
    }

    private static LoadExecutor executor(CacheClient cache, AtomicOptions atomic) {
        return new LoadExecutor(cache, new Configuration(), settings(), options(atomic), ProgressListener.NONE, java.time.Clock.systemUTC());
    }

    private static Settings settings() {
        return new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, 2, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, 64 << 10, "bytes", "test")));
    }

    private static ExecutorOptions options(AtomicOptions atomic) {
        return ExecutorOptions.defaults().withRetries(2, Duration.ofMillis(1), Duration.ofMillis(2)).withAtomic(atomic);
    }
}
