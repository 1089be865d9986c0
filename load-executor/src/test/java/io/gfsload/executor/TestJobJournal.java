package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.FileIdentity;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.TableProperties;

class TestJobJournal {
    private static final LoadRequest REQUEST = new LoadRequest(new LoadTarget.Paths(List.of("/data/events")), 2);
    private static final String CLUSTER = "6f1c2e0a-5b7d-4c39-9a8e-2d4f61b0c7e3";
    private static final String OTHER_CLUSTER = "0d9e8f7a-1b2c-4d3e-8f40-5a6b7c8d9e0f";

    @TempDir
    Path jobs;

    @Test
    void anAtomicLoadOfTheSameRequestIsAnotherJob() {
        String plain = JobJournal.jobId(REQUEST, false);
        String atomic = JobJournal.jobId(REQUEST, true);
        assertNotEquals(plain, atomic);
        assertEquals(atomic, JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of("/data/events")), 2), true), "stable");

        JobJournal atomicRun = JobJournal.open(jobs, REQUEST, true, CLUSTER, false);
        atomicRun.recordCommitted("block-1");
        atomicRun.close();
        // a plain run after a failed atomic one starts its own job
        JobJournal plainRun = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        try {
            assertEquals(plain, plainRun.jobId());
            assertEquals(1, plainRun.run());
            assertEquals(0, plainRun.previousBlocks());
        }
        finally {
            plainRun.close();
        }
        JobJournal atomicAgain = JobJournal.open(jobs, REQUEST, true, CLUSTER, false);
        try {
            assertEquals(atomic, atomicAgain.jobId());
            assertEquals(2, atomicAgain.run());
            assertEquals(1, atomicAgain.previousBlocks());
        }
        finally {
            atomicAgain.close();
        }
    }

    @Test
    void theSamePartitionsOrPathsInAnotherOrderOrOneTwiceAreTheSameJob() {
        io.gfsload.catalog.TableName table = io.gfsload.catalog.TableName.parse("db.events");
        io.gfsload.catalog.PartitionSpec first = io.gfsload.catalog.PartitionSpec.parse("dt=2026-11-19");
        io.gfsload.catalog.PartitionSpec second = io.gfsload.catalog.PartitionSpec.parse("dt=2026-11-20");
        String sorted = JobJournal.jobId(new LoadRequest(new LoadTarget.Table(table, List.of(first, second)), 2), false);
        assertEquals(sorted, JobJournal.jobId(new LoadRequest(new LoadTarget.Table(table, List.of(second, first)), 2), false));
        assertEquals(sorted, JobJournal.jobId(new LoadRequest(new LoadTarget.Table(table, List.of(second, first, second)), 2), false));
        assertNotEquals(sorted, JobJournal.jobId(new LoadRequest(new LoadTarget.Table(table, List.of(second)), 2), false));
        assertEquals(JobJournal.jobId(new LoadRequest(new LoadTarget.Table(table, List.of(second)), 2), false),
                JobJournal.jobId(new LoadRequest(new LoadTarget.Table(table, List.of(second, second)), 2), false));
        assertEquals("db.events dt=2026-11-20, dt=2026-11-19", new LoadTarget.Table(table, List.of(second, first, second)).describe(),
                "each once, in the order given");

        String paths = JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of("/data/a", "/data/b")), 1), false);
        assertEquals(paths, JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of("/data/b", "/data/a", "/data/b")), 1), false));
        assertNotEquals(paths, JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of("/data/a")), 1), false));
        assertNotEquals(paths, JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of("/data/a, /data/b")), 1), false),
                "one path with \", \" in it is not the two it reads as");
        assertNotEquals(JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of("/data/a, /data/b", "/data/c")), 1), false),
                JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of("/data/a", "/data/b, /data/c")), 1), false));
    }

    @Test
    void anAtomicLoadAtAnotherScopeIsAnotherJob() {
        String file = JobJournal.jobId(REQUEST, Optional.of(AtomicOptions.Scope.FILE));
        String partition = JobJournal.jobId(REQUEST, Optional.of(AtomicOptions.Scope.PARTITION));
        String job = JobJournal.jobId(REQUEST, Optional.of(AtomicOptions.Scope.JOB));
        assertEquals(3, Set.of(file, partition, job).size());
        assertFalse(Set.of(file, partition, job).contains(JobJournal.jobId(REQUEST, Optional.empty())));
        // the default scope keeps the job id of the versions before scopes counted
        assertEquals(JobJournal.jobId(REQUEST, true), file);

        JobJournal jobScope = JobJournal.open(jobs, REQUEST, Optional.of(AtomicOptions.Scope.JOB), CLUSTER, false);
        jobScope.recordCommitted("block-1");
        jobScope.close();
        JobJournal partitionScope = JobJournal.open(jobs, REQUEST, Optional.of(AtomicOptions.Scope.PARTITION), CLUSTER, false);
        try {
            assertEquals(partition, partitionScope.jobId());
            assertEquals(1, partitionScope.run(), "does not resume the job scope's job");
        }
        finally {
            partitionScope.close();
        }
        JobJournal jobScopeAgain = JobJournal.open(jobs, REQUEST, Optional.of(AtomicOptions.Scope.JOB), CLUSTER, false);
        try {
            assertEquals(job, jobScopeAgain.jobId());
            assertEquals(2, jobScopeAgain.run());
            assertEquals(1, jobScopeAgain.previousBlocks());
        }
        finally {
            jobScopeAgain.close();
        }
    }

    @Test
    void theBytesReadAreRecordedAheadWhileOpenAndExactlyOnClose() throws RocksDBException {
        JobJournal journal = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        long read = 0;
        for (int i = 0; i < 100; i++) {
            journal.recordRead(65_536 + i);
            read += 65_536 + i;
            // what a kill -9 now would leave behind: never less than was read, at most one step more
            long recorded = recordedBytesRead(journal);
            assertTrue(recorded >= read && recorded <= read + JobJournal.READ_RECORD_STEP,
                    "recorded %d after reading %d".formatted(recorded, read));
        }
        assertEquals(read, journal.ufsBytesRead());
        journal.close();

        JobJournal reopened = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        try {
            assertEquals(read, reopened.previousUfsBytesRead());
            assertEquals(2, reopened.run());
            reopened.recordRead(10);
            assertEquals(read + 10, reopened.ufsBytesRead());
        }
        finally {
            reopened.close();
        }
        JobJournal third = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        try {
            assertEquals(read + 10, third.previousUfsBytesRead());
        }
        finally {
            third.close();
        }
    }

    /**
     * A load that fails while some of its writes still run (a thread stuck in a store's read past
     * the wait for it) has its journal closed: a block such a write then commits, or a file it
     * forgets, is refused as a read is, and the journal stays as the run left it, rather than
     * RocksDB writing through a closed handle and aborting the JVM.
     */
    @Test
    void aJournalClosedWhileALoadsWritesGoOnRefusesTheirRecords() {
        JobJournal journal = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        journal.recordCommitted("f1-0");
        journal.close();

        assertThrows(IllegalStateException.class, () -> journal.recordCommitted("f2-0"));
        assertThrows(IllegalStateException.class, () -> journal.recordCommitted(List.of("f2-1", "f2-2")));
        assertThrows(IllegalStateException.class, () -> journal.forget(new FileIdentity("/data/events/f1", 1_000, 1)));
        assertThrows(IllegalStateException.class, () -> journal.recordRead(10));

        JobJournal resumed = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        try {
            assertEquals(1, resumed.previousBlocks(), "the journal as the run left it");
        }
        finally {
            resumed.close();
        }
    }

    /**
     * A run killed after creating the job's directory, before RocksDB wrote anything in it (or
     * after only its LOCK file), left no journal: the next run is no resume (which waits for room
     * for what the earlier run would hold), and opens a journal there afresh.
     */
    @Test
    void aJobDirectoryWithoutAStoreIsNoJournal() throws IOException {
        String jobId = JobJournal.jobId(REQUEST, false);
        Files.createDirectories(jobs.resolve(jobId));
        assertFalse(JobJournal.exists(jobs, jobId), "an empty directory");
        Files.createFile(jobs.resolve(jobId).resolve("LOCK"));
        assertFalse(JobJournal.exists(jobs, jobId), "RocksDB's lock file only");
        JobJournal.open(jobs, REQUEST, false, CLUSTER, false).close();
        assertTrue(JobJournal.exists(jobs, jobId), "the journal the run opened");
    }

    @Test
    void aRunThatDidNotLoadLeavesTheJournalAsTheEarlierRunsLeftIt() {
        String jobId = JobJournal.jobId(REQUEST, true);
        JobJournal first = JobJournal.open(jobs, REQUEST, true, CLUSTER, false);
        String runId = first.tempAreaRunId();
        first.notRun();
        assertFalse(JobJournal.exists(jobs, jobId), "the job's first run here created the journal: it is gone");

        JobJournal.open(jobs, REQUEST, true, CLUSTER, false).close();
        JobJournal refused = JobJournal.open(jobs, REQUEST, true, CLUSTER, false);
        String kept = refused.tempAreaRunId();
        refused.notRun();
        JobJournal next = JobJournal.open(jobs, REQUEST, true, CLUSTER, false);
        try {
            assertEquals(2, next.run(), "the run that did not load is not counted");
            assertEquals(kept, next.tempAreaRunId(), "the runs from here keep their identity");
            assertFalse(runId.equals(kept), "a journal created afresh has an identity of its own");
        }
        finally {
            next.close();
        }
    }

    @Test
    void restartKeepsTheIdentityOfTheRunsFromHere() {
        // a run killed while it held the job's temp area: --restart from the same home adopts the area at once, as the same
        // command does, rather than being refused it as a run from another home until the killed run's hold lapses
        JobJournal killed = JobJournal.open(jobs, REQUEST, true, CLUSTER, false);
        String runId = killed.tempAreaRunId();
        killed.recordRead(1_000);
        killed.close();

        JobJournal restarted = JobJournal.open(jobs, REQUEST, true, CLUSTER, true);
        try {
            assertEquals(runId, restarted.tempAreaRunId(), "a run from the same home, restarted or not, has its identity");
            assertEquals(0, restarted.previousUfsBytesRead(), "the rest of the journal is forgotten");
            assertEquals(1, restarted.run());
        }
        finally {
            restarted.close();
        }
    }

    @Test
    void restartForgetsWhatEarlierRunsRead() {
        JobJournal journal = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        journal.recordRead(1_000);
        journal.close();

        JobJournal restarted = JobJournal.open(jobs, REQUEST, false, CLUSTER, true);
        try {
            assertEquals(0, restarted.previousUfsBytesRead());
            assertEquals(1, restarted.run());
        }
        finally {
            restarted.close();
        }
    }

    @Test
    void aJournalIsResumedAgainstItsClusterOnlyAndStartedAfreshAgainstAnother() {
        JobJournal journal = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        journal.recordCommitted(List.of("f1-0", "f1-1"));
        journal.recordCommitted("f2-0");
        journal.recordRead(3_000);
        journal.close();

        JobJournal resumed = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        try {
            assertEquals(2, resumed.run());
            assertEquals(3, resumed.previousBlocks());
            assertEquals(3_000, resumed.previousUfsBytesRead());
            assertEquals(Optional.empty(), resumed.discarded());
            resumed.recordCommitted("f3-0");
        }
        finally {
            resumed.close();
        }

        JobJournal elsewhere = JobJournal.open(jobs, REQUEST, false, OTHER_CLUSTER, false);
        try {
            assertEquals(1, elsewhere.run());
            assertEquals(0, elsewhere.previousBlocks());
            assertEquals(0, elsewhere.previousUfsBytesRead());
            assertEquals(0, elsewhere.ufsBytesRead());
            assertEquals(Optional.of("The journal of job %s was written against another cache cluster (%s); starting the job afresh"
                    .formatted(elsewhere.jobId(), CLUSTER)), elsewhere.discarded());
            elsewhere.recordCommitted("f1-0");
            elsewhere.recordRead(500);
        }
        finally {
            elsewhere.close();
        }

        // the journal now belongs to the other cluster
        JobJournal again = JobJournal.open(jobs, REQUEST, false, OTHER_CLUSTER, false);
        try {
            assertEquals(2, again.run());
            assertEquals(1, again.previousBlocks());
            assertEquals(500, again.previousUfsBytesRead());
            assertEquals(Optional.empty(), again.discarded());
        }
        finally {
            again.close();
        }
        JobJournal back = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        try {
            assertEquals(1, back.run());
            assertEquals(0, back.previousBlocks());
            assertTrue(back.discarded().isPresent());
        }
        finally {
            back.close();
        }
    }

    @Test
    void aJournalThatRecordsNoClusterStartsAfresh() throws RocksDBException {
        JobJournal journal = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        journal.recordCommitted("f1-0");
        journal.recordRead(1_000);
        journal.close();
        // as a gfsload older than cluster ids left it
        try (Options options = new Options(); RocksDB db = RocksDB.open(options, jobs.resolve(journal.jobId()).toString())) {
            db.delete("cluster-id".getBytes(StandardCharsets.UTF_8));
        }

        JobJournal reopened = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        try {
            assertEquals(1, reopened.run());
            assertEquals(0, reopened.previousBlocks());
            assertEquals(0, reopened.previousUfsBytesRead());
            assertEquals(Optional.of("The journal of job %s does not say which cache cluster it was written against (an older gfsload wrote it); starting the job afresh"
                    .formatted(reopened.jobId())), reopened.discarded());
        }
        finally {
            reopened.close();
        }
    }

    @Test
    void aRunOpensItsJournalWhileAnotherRunsCheckHoldsItForAMoment() throws Exception {
        JobJournal first = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        String jobId = first.jobId();
        first.close();
        // a retry of the same command checking whether the job runs: the journal opened, and closed a moment later
        CountDownLatch held = new CountDownLatch(1);
        Thread check = new Thread(() -> {
            try (Options options = new Options(); RocksDB db = RocksDB.open(options, jobs.resolve(jobId).toString())) {
                held.countDown();
                Thread.sleep(300);
            }
            catch (RocksDBException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        check.start();
        assertTrue(held.await(30, TimeUnit.SECONDS));

        JobJournal run = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);

        try {
            assertEquals(2, run.run());
        }
        finally {
            run.close();
            check.join();
        }
    }

    @Test
    void aNewJournalAndARestartedOneDiscardNothing() {
        JobJournal journal = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        assertEquals(Optional.empty(), journal.discarded());
        journal.close();
        JobJournal restarted = JobJournal.open(jobs, REQUEST, false, OTHER_CLUSTER, true);
        try {
            assertEquals(1, restarted.run());
            assertEquals(Optional.empty(), restarted.discarded(), "a restart was asked for");
        }
        finally {
            restarted.close();
        }
    }

    @Test
    void aKilledRunLeavesASmallJournal() throws Exception {
        JobJournal journal = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        try {
            for (int i = 0; i < 1_000; i++) {
                journal.recordCommitted("file-%d-0".formatted(i));
            }
            journal.recordRead(1L << 30);
            // open, as a run killed now (kill -9) leaves it: with RocksDB's default options, a
            // write-ahead log preallocated at about 70 MB and a MANIFEST at 4 MiB
            long kilobytes = diskUsageKilobytes(jobs.resolve(journal.jobId()));
            assertTrue(kilobytes < 2_048, "the journal takes %d KiB on disk".formatted(kilobytes));
        }
        finally {
            journal.close();
        }
    }

    @Test
    void theJournalsTablesAreInAFormatSparksRocksDbReads() throws Exception {
        // enough blocks for several flushes of the memtable to table files, and one when reopened
        JobJournal journal = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        for (int i = 0; i < 20_000; i++) {
            journal.recordCommitted("file-%d-0".formatted(i));
        }
        journal.close();
        JobJournal.open(jobs, REQUEST, false, CLUSTER, false).close();

        try (Options options = new Options(); RocksDB db = RocksDB.openReadOnly(options, jobs.resolve(journal.jobId()).toString())) {
            Map<String, TableProperties> tables = db.getPropertiesOfAllTables();
            assertFalse(tables.isEmpty(), "the journal has table files");
            // Spark 3.5's RocksDB (8.3.2) reads format versions up to 5
            Map<String, Integer> formats = tables.entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, table -> (int) table.getValue().getFormatVersion()));
            assertTrue(formats.values().stream().allMatch(format -> format <= 5), formats.toString());
        }
    }

    @Test
    void aJobRunManyTimesKeepsAFewInfoLogs() throws Exception {
        for (int run = 1; run <= 12; run++) {
            JobJournal journal = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
            assertEquals(run, journal.run());
            journal.close();
        }
        Path directory = jobs.resolve(JobJournal.jobId(REQUEST, false));
        try (Stream<Path> files = Files.list(directory)) {
            List<String> oldLogs = files.map(file -> file.getFileName().toString()).filter(name -> name.startsWith("LOG.old")).toList();
            assertTrue(oldLogs.size() <= JobJournal.INFO_LOG_FILES_KEPT, "old info logs kept: " + oldLogs);
        }
    }

    @Test
    void pruneDeletesTheJournalsNotWrittenForTheRetentionOnly() throws Exception {
        Instant now = Instant.now();
        Duration retention = Duration.ofDays(14);
        String stale = killedRun(new LoadRequest(new LoadTarget.Paths(List.of("/data/events/dt=2026-11-01")), 1), now.minus(Duration.ofDays(15)));
        String recent = killedRun(new LoadRequest(new LoadTarget.Paths(List.of("/data/events/dt=2026-11-19")), 1), now.minus(Duration.ofDays(13)));
        String running = killedRun(new LoadRequest(new LoadTarget.Paths(List.of("/data/events/dt=2026-11-02")), 1), now.minus(Duration.ofDays(20)));
        String current = killedRun(REQUEST, now.minus(Duration.ofDays(30)));
        long staleSize = sizeOf(jobs.resolve(stale));
        Files.createDirectories(jobs.resolve("not-a-journal"));
        touch(jobs.resolve("not-a-journal"), now.minus(Duration.ofDays(30)));

        // a run of its job holds the journal open (RocksDB's lock), waiting for its window, say
        JobJournal held = JobJournal.open(jobs, new LoadRequest(new LoadTarget.Paths(List.of("/data/events/dt=2026-11-02")), 1), false, CLUSTER, false);
        JobJournal.Pruned pruned;
        try {
            touch(jobs.resolve(running), now.minus(Duration.ofDays(20)));
            pruned = JobJournal.prune(jobs, retention, now, current);
            assertTrue(Files.exists(jobs.resolve(running)), "the journal a run holds open is kept");
            held.recordCommitted("still-writable");
        }
        finally {
            held.close();
        }

        assertEquals(1, pruned.journals());
        assertTrue(pruned.bytes() >= staleSize, "freed %d of a journal of %d bytes".formatted(pruned.bytes(), staleSize));
        assertFalse(Files.exists(jobs.resolve(stale)));
        assertTrue(Files.exists(jobs.resolve(recent)));
        assertTrue(Files.exists(jobs.resolve(current)), "the journal of the job about to run is kept");
        assertTrue(Files.exists(jobs.resolve("not-a-journal")), "only journals are deleted");
        try (Stream<Path> entries = Files.list(jobs)) {
            assertEquals(Set.of(current, recent, running, "not-a-journal"), entries.map(path -> path.getFileName().toString()).collect(Collectors.toSet()));
        }

        // the job of a deleted journal starts afresh; the others resume
        JobJournal again = JobJournal.open(jobs, new LoadRequest(new LoadTarget.Paths(List.of("/data/events/dt=2026-11-01")), 1), false, CLUSTER, false);
        try {
            assertEquals(stale, again.jobId());
            assertEquals(1, again.run());
        }
        finally {
            again.close();
        }
        JobJournal resumed = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        try {
            assertEquals(2, resumed.run());
            assertEquals(1, resumed.previousBlocks());
        }
        finally {
            resumed.close();
        }
        assertEquals(new JobJournal.Pruned(0, 0), JobJournal.prune(jobs.resolve("missing"), retention, now, current));
    }

    @Test
    void aJournalHalfDeletedInPlaceIsMovedAsideAndTheJobStartsAfresh() throws Exception {
        JobJournal journal = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        journal.recordCommitted(List.of("f1-0", "f1-1"));
        journal.close();
        Path directory = jobs.resolve(journal.jobId());
        // what a delete in place, in reverse name order, killed after the OPTIONS and MANIFEST files leaves: CURRENT names a MANIFEST that is gone
        deleteFilesStartingWith(directory, "OPTIONS", "MANIFEST");

        JobJournal afresh = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        Path aside;
        try {
            assertEquals(1, afresh.run());
            assertEquals(0, afresh.previousBlocks());
            aside = movedAside(journal.jobId());
            String discarded = afresh.discarded().orElseThrow();
            assertTrue(discarded.matches("The journal of job %s cannot be used \\(While opening a file for sequentially reading: %s/MANIFEST-\\d+: No such file or directory\\); moved it to %s and starting the job afresh"
                    .formatted(journal.jobId(), Pattern.quote(directory.toString()), Pattern.quote(aside.toString()))), discarded);
            afresh.recordCommitted("f1-0");
        }
        finally {
            afresh.close();
        }
        assertTrue(Files.exists(aside.resolve("CURRENT")), "kept for inspection");

        // the new journal is a sound one
        JobJournal resumed = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        try {
            assertEquals(2, resumed.run());
            assertEquals(1, resumed.previousBlocks());
            assertEquals(Optional.empty(), resumed.discarded());
        }
        finally {
            resumed.complete();
        }
        try (Stream<Path> entries = Files.list(jobs)) {
            assertEquals(List.of(aside), entries.toList(), "the moved-aside journal only");
        }
    }

    @Test
    void aJournalWhoseWriteAheadLogIsCorruptBeforeItsEndIsMovedAsideNotReadInPart() throws Exception {
        JobJournal journal = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        Path log = writeAheadLogOf200Commits(journal);
        // a disk's error in the middle of the log, its records after it intact
        byte[] bytes = Files.readAllBytes(log);
        for (int i = bytes.length / 3; i < bytes.length / 3 + 200; i++) {
            bytes[i] = (byte) 0xA5;
        }
        Files.write(log, bytes);

        JobJournal afresh = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        try {
            assertEquals(0, afresh.previousBlocks(), "no part of the journal adopted as if it were the whole");
            assertTrue(afresh.discarded().orElseThrow().startsWith("The journal of job %s cannot be used (checksum mismatch); moved it to "
                    .formatted(journal.jobId())), afresh.discarded().toString());
        }
        finally {
            afresh.close();
        }
    }

    @Test
    void aJournalWhoseLastWriteWasCutShortIsResumedWithTheRecordsBeforeIt() throws Exception {
        JobJournal journal = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        Path log = writeAheadLogOf200Commits(journal);
        // a run killed in the middle of writing its last record
        byte[] bytes = Files.readAllBytes(log);
        Files.write(log, Arrays.copyOf(bytes, bytes.length - 5));

        JobJournal resumed = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        try {
            assertTrue(resumed.discarded().isEmpty(), resumed.discarded().toString());
            assertEquals(199, resumed.previousBlocks(), "every record but the one cut short");
        }
        finally {
            resumed.close();
        }
    }

    @Test
    void aJournalWithoutCurrentOrWithACorruptOneIsMovedAside() throws Exception {
        JobJournal journal = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        journal.recordCommitted("f1-0");
        journal.close();
        Path directory = jobs.resolve(journal.jobId());
        // a delete in place killed a little later: CURRENT gone too, the write-ahead log still there
        deleteFilesStartingWith(directory, "OPTIONS", "MANIFEST", "LOG", "LOCK", "IDENTITY", "CURRENT");

        JobJournal afresh = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        try {
            assertEquals(1, afresh.run());
            assertEquals(0, afresh.previousBlocks(), "nothing of the half-deleted journal adopted");
            assertTrue(afresh.discarded().orElseThrow().contains("CURRENT: does not exist"), afresh.discarded().toString());
        }
        finally {
            afresh.close();
        }

        Files.writeString(directory.resolve("CURRENT"), "MANIFEST-garbage");
        JobJournal again = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        try {
            assertEquals(1, again.run());
            assertTrue(again.discarded().orElseThrow().startsWith("The journal of job %s cannot be used (CURRENT file does not end with newline); moved it to "
                    .formatted(journal.jobId())), again.discarded().toString());
        }
        finally {
            again.close();
        }
        try (Stream<Path> entries = Files.list(jobs)) {
            assertEquals(3, entries.count(), "the journal and the two moved aside");
        }
    }

    @Test
    void aJournalThatCannotBeOpenedForAnotherReasonIsKeptAndTheMessageNamesRestart() throws Exception {
        JobJournal journal = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        journal.recordCommitted("f1-0");
        journal.close();
        Path directory = jobs.resolve(journal.jobId());
        // not the store's files: RocksDB cannot take the journal's lock (as it cannot write a file it is denied)
        Files.delete(directory.resolve("LOCK"));
        Files.createDirectory(directory.resolve("LOCK"));

        JournalException e = assertThrows(JournalException.class, () -> JobJournal.open(jobs, REQUEST, false, CLUSTER, false));
        assertEquals("Cannot open the journal of job %s in %s: while open a file for lock: %s: Is a directory; the same command with --restart starts the job afresh"
                .formatted(journal.jobId(), directory, directory.resolve("LOCK")), e.getMessage());
        try (Stream<Path> entries = Files.list(jobs)) {
            assertEquals(List.of(directory), entries.toList(), "left as it is");
        }

        JobJournal restarted = JobJournal.open(jobs, REQUEST, false, CLUSTER, true);
        try {
            assertEquals(1, restarted.run());
            assertEquals(Optional.empty(), restarted.discarded());
        }
        finally {
            restarted.close();
        }
        try (Stream<Path> entries = Files.list(jobs)) {
            assertEquals(List.of(directory), entries.toList(), "the old journal deleted");
        }
    }

    @Test
    void aJournalARunHoldsOpenIsNeitherOpenedNorRestarted() {
        JobJournal held = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        try {
            held.recordCommitted("f1-0");
            String expected = "Cannot open the journal of job %s in %s: another gfsload process is running the same job"
                    .formatted(held.jobId(), jobs.resolve(held.jobId()));
            assertEquals(expected, assertThrows(JournalException.class, () -> JobJournal.open(jobs, REQUEST, false, CLUSTER, false)).getMessage());
            assertEquals(expected, assertThrows(JournalException.class, () -> JobJournal.open(jobs, REQUEST, false, CLUSTER, true)).getMessage());
            held.recordCommitted("f1-1");
        }
        finally {
            held.close();
        }
        JobJournal resumed = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        try {
            assertEquals(2, resumed.run());
            assertEquals(2, resumed.previousBlocks());
        }
        finally {
            resumed.close();
        }
    }

    @Test
    void completeLeavesNoJournalOfTheJobEvenWhenCutShortAfterTheRename() throws Exception {
        JobJournal journal = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        journal.recordCommitted("f1-0");
        journal.complete();
        try (Stream<Path> entries = Files.list(jobs)) {
            assertEquals(List.of(), entries.toList());
        }

        JobJournal second = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        second.recordCommitted("f1-0");
        second.close();
        // complete() killed once it renamed the journal, before it deleted anything
        Path deleting = JobJournal.moveToDeleting(jobs.resolve(second.jobId()));
        assertFalse(Files.exists(jobs.resolve(second.jobId())));

        JobJournal afresh = JobJournal.open(jobs, REQUEST, false, CLUSTER, false);
        try {
            assertEquals(1, afresh.run());
            assertEquals(Optional.empty(), afresh.discarded());
        }
        finally {
            afresh.close();
        }
        // the next load's pruning deletes the leftover, however recent
        JobJournal.Pruned pruned = JobJournal.prune(jobs, Duration.ofDays(14), Instant.now(), "0000000000000000");
        assertEquals(1, pruned.journals());
        assertFalse(Files.exists(deleting));
        assertTrue(Files.exists(jobs.resolve(second.jobId())), "the job's journal is recent");
    }

    @Test
    void pruneDeletesStaleJournalsItCannotOpenAndThoseMovedAsideByAge() throws Exception {
        Instant now = Instant.now();
        Duration retention = Duration.ofDays(14);
        String stale = killedRun(new LoadRequest(new LoadTarget.Paths(List.of("/data/events/dt=2026-11-01")), 1), now.minus(Duration.ofDays(15)));
        String recent = killedRun(new LoadRequest(new LoadTarget.Paths(List.of("/data/events/dt=2026-11-19")), 1), now.minus(Duration.ofDays(13)));
        deleteFilesStartingWith(jobs.resolve(stale), "OPTIONS", "MANIFEST");
        deleteFilesStartingWith(jobs.resolve(recent), "OPTIONS", "MANIFEST");
        touch(jobs.resolve(stale), now.minus(Duration.ofDays(15)));
        touch(jobs.resolve(recent), now.minus(Duration.ofDays(13)));

        assertEquals(1, JobJournal.prune(jobs, retention, now, REQUEST_JOB).journals());
        assertFalse(Files.exists(jobs.resolve(stale)));
        assertTrue(Files.exists(jobs.resolve(recent)));

        // moved aside by a run of its job: kept for the retention from the move
        JobJournal.open(jobs, new LoadRequest(new LoadTarget.Paths(List.of("/data/events/dt=2026-11-19")), 1), false, CLUSTER, false).complete();
        Path aside = movedAside(recent);
        assertEquals(0, JobJournal.prune(jobs, retention, now, REQUEST_JOB).journals());
        assertTrue(Files.exists(aside));
        assertEquals(1, JobJournal.prune(jobs, retention, now.plus(Duration.ofDays(15)), REQUEST_JOB).journals());
        try (Stream<Path> entries = Files.list(jobs)) {
            assertEquals(List.of(), entries.toList());
        }
    }

    @Test
    void aCheckWhetherARunHoldsAJournalLeavesItsAgeAsItWas() throws Exception {
        Instant now = Instant.now();
        String stale = killedRun(new LoadRequest(new LoadTarget.Paths(List.of("/data/events/dt=2026-11-02")), 1), now.minus(Duration.ofDays(15)));

        // as a dry run of the job checks it, every night: it opens the journal, which writes RocksDB's own files
        JobJournal.checkNotRunning(jobs, stale);
        JobJournal.checkNotRunning(jobs, stale);

        assertEquals(1, JobJournal.prune(jobs, Duration.ofDays(14), now, REQUEST_JOB).journals(), "no run wrote it for 15 days");
        assertFalse(Files.exists(jobs.resolve(stale)));
    }

    private static final String REQUEST_JOB = JobJournal.jobId(REQUEST, false);

    /** The directory the journal of {@code jobId} was moved aside to, the only one. */
    private Path movedAside(String jobId) throws Exception {
        try (Stream<Path> entries = Files.list(jobs)) {
            List<Path> aside = entries.filter(path -> path.getFileName().toString().matches(jobId + "\\.unusable-\\d{8}T\\d{9}Z")).toList();
            assertEquals(1, aside.size(), aside.toString());
            return aside.get(0);
        }
    }

    /** Records 200 blocks committed in {@code journal} and closes it; returns its write-ahead log, which holds them. */
    private Path writeAheadLogOf200Commits(JobJournal journal) throws Exception {
        for (int block = 0; block < 200; block++) {
            journal.recordCommitted("f%d-0".formatted(block));
        }
        journal.close();
        try (Stream<Path> files = Files.list(jobs.resolve(journal.jobId()))) {
            return files.filter(file -> file.getFileName().toString().endsWith(".log")).findFirst().orElseThrow();
        }
    }

    private static void deleteFilesStartingWith(Path directory, String... prefixes) throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                if (Stream.of(prefixes).anyMatch(file.getFileName().toString()::startsWith)) {
                    Files.delete(file);
                }
            }
        }
    }

    /** Leaves the journal of {@code request} as a killed run does, last written at {@code lastWritten}; returns its job id. */
    private String killedRun(LoadRequest request, Instant lastWritten) throws Exception {
        JobJournal journal = JobJournal.open(jobs, request, false, CLUSTER, false);
        journal.recordCommitted("f1-0");
        journal.recordRead(1_000);
        journal.close();
        touch(jobs.resolve(journal.jobId()), lastWritten);
        return journal.jobId();
    }

    private static void touch(Path directory, Instant time) throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.setLastModifiedTime(file, FileTime.from(time));
            }
        }
        Files.setLastModifiedTime(directory, FileTime.from(time));
    }

    private static long sizeOf(Path directory) throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            return files.mapToLong(file -> file.toFile().length()).sum();
        }
    }

    /** What {@code directory} takes on disk, preallocated space included, as du says. */
    private static long diskUsageKilobytes(Path directory) throws Exception {
        Process du = new ProcessBuilder("du", "-sk", directory.toString()).redirectErrorStream(true).start();
        String output = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, du.waitFor(), output);
        return Long.parseLong(output.split("\\s+")[0]);
    }

    /** The figure in the journal's database, read by a second, read-only instance. */
    private long recordedBytesRead(JobJournal journal) throws RocksDBException {
        try (Options options = new Options(); RocksDB db = RocksDB.openReadOnly(options, jobs.resolve(journal.jobId()).toString())) {
            byte[] value = db.get("ufs-bytes-read".getBytes(StandardCharsets.UTF_8));
            return value == null ? 0 : ByteBuffer.wrap(value).getLong();
        }
    }
}
