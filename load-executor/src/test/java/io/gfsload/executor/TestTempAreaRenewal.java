package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.MasterUnavailableException;
import io.gfsload.cache.api.ScopeCommit;
import io.gfsload.cache.api.TempArea;
import io.gfsload.cache.api.TempAreaNotFoundException;
import io.gfsload.cache.api.TempAreaRun;
import io.gfsload.cache.api.TempAreas;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The renewal of a running job's temp area against a hand-written master: a renewal never opens a
 * new area (nor does a slice that joins its load's area), one that finds the area gone says why,
 * once, and renews no more, and the renewal of a run releases the run's hold on the area as it ends.
 */
class TestTempAreaRenewal {
    private static final Instant OPENED_UNTIL = Instant.parse("2026-11-20T01:00:30Z");

    @Test
    void anAreaThatExpiredWhileTheMasterDidNotAnswerStopsTheRenewalWithTheReason() throws InterruptedException {
        ScriptedAreas areas = new ScriptedAreas(
                new MasterUnavailableException("10.0.0.1:19998", "Renewing the temp area of job job-1: DEADLINE_EXCEEDED", null),
                new TempAreaNotFoundException("Renewing the temp area of job job-1: the job has no open temp area"));
        try (TempAreaRenewal renewal = TempAreaRenewal.start(areas, new AtomicOptions("job-1", AtomicOptions.Scope.JOB, Duration.ofMillis(30)), OPENED_UNTIL)) {
            awaitLost(renewal);
            // ten renewal periods and more: a renewal that went on would have run meanwhile
            Thread.sleep(100);
            assertEquals(Optional.of("the temp area of atomic job job-1 expired at 2026-11-20T01:00:30Z while the master did not answer; "
                    + "its staged blocks were deleted: run the same command again"), renewal.lost());
        }
        assertEquals(2, areas.renewals.get(), "no renewal after the area was found gone");
        assertEquals(0, areas.opens.get(), "a renewal opened a new area");
    }

    @Test
    void anAreaGoneWhileTheMasterAnsweredSaysSo() throws InterruptedException {
        ScriptedAreas areas = new ScriptedAreas(new TempAreaNotFoundException("Renewing the temp area of job job-2: the job has no open temp area"));
        try (TempAreaRenewal renewal = TempAreaRenewal.start(areas, new AtomicOptions("job-2", AtomicOptions.Scope.FILE, Duration.ofMillis(30)), OPENED_UNTIL)) {
            awaitLost(renewal);
            assertEquals(Optional.of("the temp area of atomic job job-2 is gone from the master (aborted, or expired by the master's clock; "
                    + "it was to expire at 2026-11-20T01:00:30Z); its staged blocks were deleted: run the same command again"), renewal.lost());
        }
        assertEquals(0, areas.opens.get());
    }

    @Test
    void aSliceJoiningAnAreaThatIsGoneOpensNoNewOneAndIsStoppedFromTheStart() {
        ScriptedAreas areas = new ScriptedAreas(new TempAreaNotFoundException("Renewing the temp area of job job-3: the job has no open temp area"));
        List<TempArea> joined = new ArrayList<>();
        try (TempAreaRenewal renewal = TempAreaRenewal.joinShared(areas, new AtomicOptions("job-3", AtomicOptions.Scope.FILE, Duration.ofHours(1)).inSharedArea(Optional.empty()),
                joined::add)) {
            assertEquals(Optional.of("the temp area of atomic job job-3 is gone from the master (aborted, or expired); "
                    + "its staged blocks were deleted: run the same command again"), renewal.lost());
        }
        assertEquals(List.of(), joined);
        assertEquals(1, areas.renewals.get());
        assertEquals(0, areas.opens.get(), "a slice opened a new area");
    }

    @Test
    void aWriteThatFindsTheAreaGoneStopsTheJobBeforeTheNextRenewal() {
        ScriptedAreas areas = new ScriptedAreas();
        // renewed every 20 minutes
        try (TempAreaRenewal renewal = TempAreaRenewal.start(areas, new AtomicOptions("job-4", AtomicOptions.Scope.JOB, Duration.ofHours(1)), OPENED_UNTIL)) {
            areas.fail(new TempAreaNotFoundException("Renewing the temp area of job job-4: the job has no open temp area"));

            assertEquals(Optional.of("the temp area of atomic job job-4 is gone from the master (aborted, or expired by the master's clock; "
                    + "it was to expire at 2026-11-20T01:00:30Z); its staged blocks were deleted: run the same command again"), renewal.renewNow());
            assertEquals(renewal.lost(), renewal.renewNow(), "the area is not renewed again once it is gone");
        }
        assertEquals(1, areas.renewals.get());
    }

    @Test
    void aRunReleasesItsHoldOnTheAreaOnceAsItEndsAndALoadWithoutARunHoldsNothing() {
        ScriptedAreas areas = new ScriptedAreas();
        AtomicOptions atomic = new AtomicOptions("job-5", AtomicOptions.Scope.JOB, Duration.ofHours(1));
        TempAreaRenewal renewal = TempAreaRenewal.open(areas, atomic, Optional.of("run-1"), area -> {});
        renewal.close();
        renewal.close();
        try (TempAreaRenewal withoutRun = TempAreaRenewal.open(areas, atomic, Optional.empty(), area -> {})) {
            assertEquals(Optional.empty(), withoutRun.lost());
        }

        assertEquals(List.of("job-5 run-1"), areas.released);
    }

    @Test
    void aLoadTakesOverItsRunsClaimWithoutOpeningTheAreaAgainAndReleasesItOnce() {
        ScriptedAreas areas = new ScriptedAreas();
        AtomicOptions atomic = new AtomicOptions("job-6", AtomicOptions.Scope.JOB, Duration.ofHours(1));
        List<TempArea> handed = new ArrayList<>();
        try (TempAreaRenewal claim = TempAreaRenewal.open(areas, atomic, Optional.of("run-1"), area -> {})) {
            claim.takeOver(handed::add);

            assertEquals(Optional.empty(), claim.lost());
        }

        assertEquals(1, handed.size(), "the load hears the area as the renewal found it");
        assertEquals(1, areas.opens.get(), "the load opened the area again");
        assertEquals(1, areas.renewals.get());
        assertEquals(List.of("job-6 run-1"), areas.released);
    }

    @Test
    void aLoadTakingOverAClaimWhoseAreaIsGoneOpensNoNewOneAndIsStopped() {
        ScriptedAreas areas = new ScriptedAreas(new TempAreaNotFoundException("Renewing the temp area of job job-7: the job has no open temp area"));
        List<TempArea> handed = new ArrayList<>();
        try (TempAreaRenewal claim = TempAreaRenewal.open(areas, new AtomicOptions("job-7", AtomicOptions.Scope.JOB, Duration.ofHours(1)),
                Optional.of("run-1"), area -> {})) {
            claim.takeOver(handed::add);

            assertEquals(Optional.of("the temp area of atomic job job-7 is gone from the master (aborted, or expired by the master's clock; "
                    + "it was to expire at 2026-11-20T01:01:30Z); its staged blocks were deleted: run the same command again"), claim.lost());
        }

        assertEquals(List.of(), handed);
        assertEquals(1, areas.opens.get(), "the load opened a new area");
        assertEquals(List.of(), areas.released, "a hold on an area that is gone was released");
    }

    @Test
    void aLoadRenewsEveryThirdOfTheExpireTimeAndAtLeastEveryHalfMinute() {
        // a killed run's area is adopted by the next run two periods after its last renewal: a minute, not 16 h
        assertEquals(Duration.ofSeconds(30), TempAreaRenewal.period(AtomicOptions.DEFAULT_EXPIRE_TIME));
        assertEquals(Duration.ofSeconds(20), TempAreaRenewal.period(Duration.ofMinutes(1)));
        assertEquals(Duration.ofMillis(10), TempAreaRenewal.period(Duration.ofMillis(3)));
    }

    private static void awaitLost(TempAreaRenewal renewal) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (renewal.lost().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    /** Fails the renewals with the failures given, in turn; after them renews for a minute. Opens nothing. */
    private static final class ScriptedAreas implements TempAreas {
        private final Deque<RuntimeException> failures;
        final AtomicInteger renewals = new AtomicInteger();
        final AtomicInteger opens = new AtomicInteger();
        final List<String> released = new CopyOnWriteArrayList<>();

        ScriptedAreas(RuntimeException... failures) {
            this.failures = new ArrayDeque<>(List.of(failures));
        }

        /** The next renewal fails with {@code failure}. */
        synchronized void fail(RuntimeException failure) {
            failures.add(failure);
        }

        @Override
        public synchronized TempArea renewTempArea(String jobId, Duration expireTime) {
            renewals.incrementAndGet();
            RuntimeException failure = failures.poll();
            if (failure != null) {
                throw failure;
            }
            return new TempArea(jobId, OPENED_UNTIL, OPENED_UNTIL.plusSeconds(60), true, List.of());
        }

        @Override
        public TempArea openTempArea(String jobId, Duration expireTime) {
            opens.incrementAndGet();
            return new TempArea(jobId, OPENED_UNTIL, OPENED_UNTIL.plusSeconds(60), false, List.of());
        }

        @Override
        public boolean releaseTempArea(String jobId, TempAreaRun run) {
            released.add(jobId + " " + run.runId());
            return true;
        }

        @Override
        public ScopeCommit commitScope(String jobId, List<BlockKey> blocks) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int abortTempArea(String jobId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<TempArea> listTempAreas() {
            throw new UnsupportedOperationException();
        }
    }
}
