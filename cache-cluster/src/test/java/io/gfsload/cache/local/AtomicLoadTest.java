package io.gfsload.cache.local;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.crc32c;
import static io.gfsload.cache.testing.TestData.files;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static io.gfsload.cache.testing.TestData.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockNotFoundException;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.ScopeCommit;
import io.gfsload.cache.api.StagedBlock;
import io.gfsload.cache.api.TempArea;
import io.gfsload.cache.api.TempAreaInUseException;
import io.gfsload.cache.api.TempAreaNotFoundException;
import io.gfsload.cache.api.TempAreaRun;
import io.gfsload.cache.api.TempAreas;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.testing.MutableClock;
import io.gfsload.cache.testing.TestData;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Temp areas end to end: invisible writes, scope commits, adoption, abort and expiry on a test
 * clock; and two runs of one job (a scheduler's retry while the first attempt still loads, from
 * another host), of which the master refuses the second while the first renews the area.
 */
class AtomicLoadTest {
    private static final FileIdentity PART_0 = new FileIdentity("cosn://bucket/db/t/dt=2026-11-20/part-0", 3 * MIB, 1);
    private static final FileIdentity PART_1 = new FileIdentity("cosn://bucket/db/t/dt=2026-11-20/part-1", MIB, 1);
    private static final Duration DAY = Duration.ofHours(24);
    /** How often the runs of the tests of two runs of one job renew their temp area. */
    private static final Duration PERIOD = Duration.ofSeconds(30);

    @TempDir
    Path directory;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T01:00:00Z"));
    private final TempAreaRun firstRun = new TempAreaRun("run-1", PERIOD);
    private final TempAreaRun secondRun = new TempAreaRun("run-2", PERIOD);
    private LocalCluster cluster;
    private CacheClient client;
    private TempAreas areas;

    @BeforeEach
    void start() {
        cluster = LocalCluster.start(LocalClusterConfig.builder(directory).workers(2).workerCapacityBytes(64L * MIB)
                .heartbeatInterval(Duration.ofMillis(200)).build(), clock);
        client = cluster.newClient();
        areas = client.tempAreas();
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    @Test
    void blocksOfATempAreaAreInvisibleUntilTheirScopeIsCommittedAllAtOnce() throws Exception {
        TempArea opened = areas.openTempArea("job-1", DAY);
        assertEquals(new TempArea("job-1", clock.instant(), clock.instant().plus(DAY), false, List.of()), opened);
        byte[] data = randomBytes(MIB + 17, 1);
        BlockWriteResult first = write(new BlockKey(PART_0, 0), data, "job-1");
        write(new BlockKey(PART_0, 1), randomBytes(1000, 2), "job-1");
        write(new BlockKey(PART_1, 0), randomBytes(2000, 3), "job-1");

        assertEquals(List.of(), client.cachedBlocks(PART_0), "readers do not see a temp area");
        assertThrows(BlockNotFoundException.class, () -> client.openReader(new BlockKey(PART_0, 0)));
        assertEquals(3, areas.listTempAreas().get(0).blocks().size());

        ScopeCommit committed = areas.commitScope("job-1", List.of(new BlockKey(PART_0, 0), new BlockKey(PART_0, 1)));

        assertEquals(new ScopeCommit("job-1", 2, MIB + 17 + 1000), committed);
        assertEquals(List.of(new CachedBlock(0, data.length, crc32c(data), first.workerIds()),
                new CachedBlock(1, 1000, crc32c(randomBytes(1000, 2)), first.workerIds())), client.cachedBlocks(PART_0));
        assertArrayEquals(data, readAll(client.openReader(new BlockKey(PART_0, 0))));
        assertEquals(List.of(), client.cachedBlocks(PART_1), "the other scope is still invisible");

        BlockKey neverWritten = new BlockKey(PART_1, 7);
        BlockNotFoundException incomplete = assertThrows(BlockNotFoundException.class,
                () -> areas.commitScope("job-1", List.of(new BlockKey(PART_1, 0), neverWritten)));
        assertTrue(incomplete.getMessage().endsWith("failed: Cannot commit 2 blocks of job job-1: 1 is not in its "
                + "temp area: block 7 of " + PART_1.path() + " (NOT_FOUND)"), incomplete.getMessage());
        assertEquals(List.of(), client.cachedBlocks(PART_1), "an incomplete scope commits nothing");

        areas.commitScope("job-1", List.of(new BlockKey(PART_1, 0)));
        assertEquals(1, client.cachedBlocks(PART_1).size());
        assertEquals(List.of(), areas.listTempAreas().get(0).blocks(), "every block left the area");
        for (String workerId : first.workerIds()) {
            // The master tells the workers with their next heartbeat: the blocks are evictable again.
            TestData.await(() -> !isPinned(workerId, new BlockKey(PART_0, 0)), Duration.ofSeconds(10),
                    "worker " + workerId + " unpins the committed block");
        }
    }

    @Test
    void reopeningTheSameJobAdoptsWhatItsAreaHolds() {
        areas.openTempArea("job-2", Duration.ofHours(1));
        BlockWriteResult written = write(new BlockKey(PART_0, 2), randomBytes(5000, 4), "job-2");
        clock.advance(Duration.ofMinutes(30));

        TempArea adopted = areas.openTempArea("job-2", Duration.ofHours(1));

        assertTrue(adopted.adopted());
        assertEquals(clock.instant().plus(Duration.ofHours(1)), adopted.expiresAt(), "the re-run gets a full expiry");
        assertEquals(List.of(new StagedBlock(new BlockKey(PART_0, 2), 5000, written.crc32c(), written.workerIds())),
                adopted.blocks());
        clock.advance(Duration.ofMinutes(45));
        assertEquals(List.of(), cluster.expireTempAreas(), "the adopted area lives on past its first expiry");
        assertEquals(1, areas.commitScope("job-2", List.of(new BlockKey(PART_0, 2))).blocks());
    }

    @Test
    void anExpiredTempAreaIsDeletedOnTheMasterAndOnTheWorkers() {
        areas.openTempArea("job-3", Duration.ofHours(1));
        BlockWriteResult written = write(new BlockKey(PART_0, 0), randomBytes(MIB, 5), "job-3");
        write(new BlockKey(PART_1, 0), randomBytes(MIB, 6), "job-3");
        assertEquals(2, files(cluster.workerBlockDirectories().get(0)).size()
                + files(cluster.workerBlockDirectories().get(1)).size() - 2, "two blocks, two replicas each");

        clock.advance(Duration.ofMinutes(59));
        assertEquals(List.of(), cluster.expireTempAreas());
        clock.advance(Duration.ofMinutes(1));
        assertEquals(List.of("job-3"), cluster.expireTempAreas());

        assertEquals(List.of(), areas.listTempAreas());
        TempAreaNotFoundException commit = assertThrows(TempAreaNotFoundException.class,
                () -> areas.commitScope("job-3", List.of(new BlockKey(PART_0, 0))));
        assertTrue(commit.getMessage().contains("Cannot commit a scope of job job-3: the job has no open temp area"),
                commit.getMessage());
        TempAreaNotFoundException place = assertThrows(TempAreaNotFoundException.class,
                () -> client.openWriter(new BlockKey(PART_0, 1), 10, WriteOptions.replication(1).inTempArea("job-3")));
        assertTrue(place.getMessage().contains("Cannot place block " + new BlockKey(PART_0, 1).blockId()
                + " into the temp area of job job-3: the job has no open temp area"), place.getMessage());
        for (Path worker : cluster.workerBlockDirectories()) {
            TestData.await(() -> files(worker).isEmpty(), Duration.ofSeconds(10),
                    "the expired blocks are deleted from " + worker);
        }
        assertEquals(1.0, cluster.metrics().value("gfsload_master_temp_areas_expired_total", Map.of()).orElseThrow());
        assertEquals(2.0, cluster.metrics().value("gfsload_master_temp_area_blocks_expired_total", Map.of())
                .orElseThrow());
        for (String workerId : written.workerIds()) {
            // a worker counts a removal after deleting the block's file
            TestData.await(() -> cluster.metrics().value("gfsload_worker_master_removals_total", Map.of("worker", workerId))
                    .orElse(0.0) == 2.0, Duration.ofSeconds(10), "worker " + workerId + " counts both removals");
        }
    }

    @Test
    void abortingDeletesTheAreaButNotWhatIsCommittedElsewhere() throws Exception {
        byte[] committedData = randomBytes(3000, 7);
        try (BlockWriter writer = client.openWriter(new BlockKey(PART_1, 0), committedData.length, 2)) {
            writer.write(committedData, 0, committedData.length);
            writer.commit();
        }
        areas.openTempArea("job-4", DAY);
        write(new BlockKey(PART_1, 0), committedData, "job-4");
        write(new BlockKey(PART_0, 0), randomBytes(4000, 8), "job-4");

        assertEquals(2, areas.abortTempArea("job-4"));
        assertEquals(0, areas.abortTempArea("job-4"), "aborting twice does nothing");

        for (Path worker : cluster.workerBlockDirectories()) {
            TestData.await(() -> files(worker).size() == 1, Duration.ofSeconds(10),
                    "the aborted block is deleted from " + worker);
        }
        assertArrayEquals(committedData, readAll(client.openReader(new BlockKey(PART_1, 0))),
                "the block committed before stays");
        assertEquals(List.of(), client.cachedBlocks(PART_0));
    }

    @Test
    void unstagingAFileDeletesItsStagedBlocksFromTheWorkersAndKeepsTheRestOfTheArea() throws Exception {
        areas.openTempArea("job-6", DAY);
        write(new BlockKey(PART_0, 0), randomBytes(4000, 9), "job-6");
        write(new BlockKey(PART_0, 1), randomBytes(4000, 10), "job-6");
        byte[] kept = randomBytes(3000, 11);
        write(new BlockKey(PART_1, 0), kept, "job-6");

        assertEquals(2, areas.unstageFiles("job-6", List.of(PART_0)));

        assertEquals(List.of(new BlockKey(PART_1, 0)), areas.findTempArea("job-6").orElseThrow().blocks().stream().map(StagedBlock::block).toList());
        for (Path worker : cluster.workerBlockDirectories()) {
            // long before the area expires
            TestData.await(() -> files(worker).size() == 1, Duration.ofSeconds(10), "the unstaged blocks are deleted from " + worker);
        }
        assertEquals(0, areas.unstageFiles("job-6", List.of(PART_0)), "unstaging again removes nothing");
        assertThrows(BlockNotFoundException.class, () -> areas.commitScope("job-6", List.of(new BlockKey(PART_0, 0))));
        assertEquals(1, areas.commitScope("job-6", List.of(new BlockKey(PART_1, 0))).blocks());
        assertArrayEquals(kept, readAll(client.openReader(new BlockKey(PART_1, 0))));
        assertEquals(List.of(), client.cachedBlocks(PART_0));
        IllegalArgumentException badId = assertThrows(IllegalArgumentException.class, () -> areas.unstageFiles("../job", List.of(PART_0)));
        assertEquals("invalid job id (letters, digits, '.', '_', ':', '-'; at most 128): ../job", badId.getMessage());
    }

    @Test
    void jobIdsAndExpireTimesAreChecked() {
        IllegalArgumentException badId = assertThrows(IllegalArgumentException.class,
                () -> areas.openTempArea("../job", DAY));
        assertEquals("invalid job id (letters, digits, '.', '_', ':', '-'; at most 128): ../job", badId.getMessage());
        IllegalArgumentException badTime = assertThrows(IllegalArgumentException.class,
                () -> areas.openTempArea("job-5", Duration.ZERO));
        assertEquals("expireTime must be >= 1 ms: PT0S", badTime.getMessage());
        assertFalse(areas.listTempAreas().stream().anyMatch(area -> area.jobId().equals("job-5")));
    }

    private boolean isPinned(String workerId, BlockKey block) {
        return cluster.isPinned(Integer.parseInt(workerId.substring("worker-".length())), block.blockId());
    }

    @Test
    void aSecondRunIsRefusedWhileTheFirstRenewsTheArea() {
        areas.openTempArea("job-runs-1", DAY, firstRun);
        write(new BlockKey(PART_0, 0), randomBytes(1000, 7), "job-runs-1");
        clock.advance(Duration.ofSeconds(12));
        assertEquals(Optional.of(new TempArea.Hold("run-1", Duration.ofSeconds(12), Duration.ofSeconds(60))),
                areas.findTempArea("job-runs-1").orElseThrow().heldBy(), "the master tells who holds the area");

        TempAreaInUseException refused = assertThrows(TempAreaInUseException.class, () -> areas.openTempArea("job-runs-1", DAY, secondRun));

        assertEquals(Duration.ofSeconds(12), refused.renewedAgo());
        assertEquals(Duration.ofSeconds(60), refused.aliveWindow(), "two renewal periods of the running run");
        assertTrue(refused.getMessage().contains("Cannot adopt the temp area of job job-runs-1 for run run-2: run run-1 of the job renewed it 12 s ago "
                + "and renews it every 30 s, so it is still going; a run that has not renewed it for 60 s is taken as gone (FAILED_PRECONDITION)"),
                refused.getMessage());

        // the first run goes on: its renewals and its commit are the area's
        clock.advance(Duration.ofSeconds(18));
        areas.renewTempArea("job-runs-1", DAY, firstRun);
        clock.advance(Duration.ofSeconds(59));
        TempAreaInUseException late = assertThrows(TempAreaInUseException.class, () -> areas.openTempArea("job-runs-1", DAY, secondRun),
                "a renewal lost or late by up to a period does not make the run look gone");
        assertEquals(Duration.ofSeconds(59), late.renewedAgo());
        assertEquals(1, areas.commitScope("job-runs-1", List.of(new BlockKey(PART_0, 0))).blocks());
    }

    @Test
    void aRunThatStoppedRenewingHasItsAreaAdoptedByTheNext() {
        areas.openTempArea("job-runs-2", DAY, firstRun);
        write(new BlockKey(PART_0, 0), randomBytes(1000, 8), "job-runs-2");
        clock.advance(Duration.ofSeconds(30));
        areas.renewTempArea("job-runs-2", DAY, firstRun);
        // the first run is killed here: it renews no more
        clock.advance(Duration.ofSeconds(60));
        assertEquals(Optional.empty(), areas.findTempArea("job-runs-2").orElseThrow().heldBy(), "a run gone holds nothing");

        TempArea adopted = areas.openTempArea("job-runs-2", DAY, secondRun);

        assertTrue(adopted.adopted());
        assertEquals(1, adopted.blocks().size(), "the next run adopts what the killed one staged");
        // the area is the second run's now: the first, were it to come back, would be refused
        clock.advance(Duration.ofSeconds(5));
        assertThrows(TempAreaInUseException.class, () -> areas.openTempArea("job-runs-2", DAY, firstRun));
    }

    @Test
    void aRunThatEndedReleasesTheAreaToTheNextAtOnceKeepingItsBlocksAndExpiry() {
        TempArea opened = areas.openTempArea("job-runs-5", DAY, firstRun);
        write(new BlockKey(PART_0, 0), randomBytes(1000, 9), "job-runs-5");
        clock.advance(Duration.ofSeconds(5));

        assertFalse(areas.releaseTempArea("job-runs-5", secondRun), "a run that does not hold the area releases nothing");
        assertThrows(TempAreaInUseException.class, () -> areas.openTempArea("job-runs-5", DAY, secondRun));
        assertTrue(areas.releaseTempArea("job-runs-5", firstRun), "the first run ends");
        assertEquals(Optional.empty(), areas.findTempArea("job-runs-5").orElseThrow().heldBy(), "a run that let go holds nothing");

        TempArea adopted = areas.openTempArea("job-runs-5", DAY, secondRun);
        assertTrue(adopted.adopted());
        assertEquals(1, adopted.blocks().size(), "the release kept what the first run staged");
        assertEquals(opened.expiresAt(), adopted.expiresAt(), "and the area's expiry");
        // the area is the second run's now: the first's release, were it to come again, changes nothing
        assertFalse(areas.releaseTempArea("job-runs-5", firstRun));
        clock.advance(Duration.ofSeconds(5));
        assertThrows(TempAreaInUseException.class, () -> areas.openTempArea("job-runs-5", DAY, firstRun));
        assertFalse(areas.releaseTempArea("job-runs-6", firstRun), "a job without a temp area has nothing to release");
    }

    @Test
    void theSameRunAndClientsWithoutARunAreNotRefused() {
        areas.openTempArea("job-runs-3", DAY, firstRun);
        clock.advance(Duration.ofSeconds(5));

        assertTrue(areas.openTempArea("job-runs-3", DAY, firstRun).adopted(), "a run opens its own area again");
        assertTrue(areas.openTempArea("job-runs-3", DAY).adopted(), "a client older than runs adopts as it always did");
        assertTrue(areas.renewTempArea("job-runs-3", DAY).adopted(), "nor is its renewal refused");
        assertTrue(areas.renewTempArea("job-runs-3", DAY, firstRun).adopted(), "the run that holds the area renews it");
        assertFalse(areas.listTempAreas().isEmpty());
    }

    @Test
    void aRunWhoseAreaAnotherRunAdoptedIsRefusedItsRenewalAndDoesNotTakeTheAreaBack() {
        areas.openTempArea("job-runs-7", DAY, firstRun);
        write(new BlockKey(PART_0, 0), randomBytes(1000, 10), "job-runs-7");
        // the first run ends and lets go of the area, or its renewals do not reach the master for two periods
        assertTrue(areas.releaseTempArea("job-runs-7", firstRun));
        assertTrue(areas.openTempArea("job-runs-7", DAY, secondRun).adopted());
        clock.advance(Duration.ofSeconds(12));

        // a renewal of the first run arrives late (or its renewals reach the master again)
        TempAreaInUseException lost = assertThrows(TempAreaInUseException.class, () -> areas.renewTempArea("job-runs-7", DAY, firstRun));

        assertEquals(Duration.ofSeconds(12), lost.renewedAgo());
        assertTrue(lost.getMessage().contains("Cannot renew the temp area of job job-runs-7 for run run-1: run run-2 of the job adopted it since, "
                + "and renewed it 12 s ago; the area is that run's (FAILED_PRECONDITION)"), lost.getMessage());
        // the area is still the second run's: a third run is refused it, as the second still renews it, and the second renews it
        TempAreaInUseException refused = assertThrows(TempAreaInUseException.class,
                () -> areas.openTempArea("job-runs-7", DAY, new TempAreaRun("run-3", PERIOD)));
        assertTrue(refused.getMessage().contains("run run-2 of the job renewed it 12 s ago"), refused.getMessage());
        assertEquals(1, areas.renewTempArea("job-runs-7", DAY, secondRun).blocks().size());
        // however long ago the second run renewed it, the first does not take it back
        clock.advance(Duration.ofMinutes(5));
        assertThrows(TempAreaInUseException.class, () -> areas.renewTempArea("job-runs-7", DAY, firstRun));
        assertFalse(areas.releaseTempArea("job-runs-7", firstRun));
        assertTrue(areas.releaseTempArea("job-runs-7", secondRun), "the second run still holds the area");
    }

    @Test
    void aRunWhoseAreaAnotherRunAdoptedIsRefusedItsCommitAndDeletionWhichChangeNothing() {
        areas.openTempArea("job-runs-9", DAY, firstRun);
        write(new BlockKey(PART_0, 0), randomBytes(1000, 11), "job-runs-9");
        write(new BlockKey(PART_1, 0), randomBytes(2000, 12), "job-runs-9");
        // the first run's renewals do not reach the master for two periods: the second run adopts the area
        clock.advance(PERIOD.multipliedBy(2));
        assertTrue(areas.openTempArea("job-runs-9", DAY, secondRun).adopted());
        clock.advance(Duration.ofSeconds(7));

        // the first run commits and deletes before its next renewal would tell it
        TempAreaInUseException commit = assertThrows(TempAreaInUseException.class,
                () -> areas.commitScope("job-runs-9", List.of(new BlockKey(PART_0, 0)), firstRun));
        TempAreaInUseException deletion = assertThrows(TempAreaInUseException.class, () -> areas.abortTempArea("job-runs-9", firstRun));

        assertEquals(Duration.ofSeconds(7), commit.renewedAgo());
        assertTrue(commit.getMessage().contains("Cannot commit a scope of job job-runs-9 for run run-1: run run-2 of the job adopted it since, "
                + "and renewed it 7 s ago; the area is that run's (FAILED_PRECONDITION)"), commit.getMessage());
        assertTrue(deletion.getMessage().contains("Cannot delete the temp area of job job-runs-9 for run run-1: run run-2 of the job adopted it "
                + "since, and renewed it 7 s ago; the area is that run's (FAILED_PRECONDITION)"), deletion.getMessage());
        assertEquals(List.of(), client.cachedBlocks(PART_0), "the refused commit made a block visible");
        assertEquals(2, areas.findTempArea("job-runs-9").orElseThrow().blocks().size(), "the refused deletion removed the area or its blocks");
        assertThrows(TempAreaInUseException.class, () -> areas.openTempArea("job-runs-9", DAY, new TempAreaRun("run-3", PERIOD)),
                "the second run's hold stands");

        // the run that holds the area, and clients without a run, commit into it and delete it
        assertEquals(1, areas.commitScope("job-runs-9", List.of(new BlockKey(PART_0, 0)), secondRun).blocks());
        assertEquals(1, client.cachedBlocks(PART_0).size());
        assertEquals(1, areas.commitScope("job-runs-9", List.of(new BlockKey(PART_1, 0))).blocks());
        assertEquals(0, areas.abortTempArea("job-runs-9", secondRun));
        assertTrue(areas.findTempArea("job-runs-9").isEmpty());
        areas.openTempArea("job-runs-10", DAY, firstRun);
        assertTrue(areas.releaseTempArea("job-runs-10", firstRun));
        assertEquals(0, areas.abortTempArea("job-runs-10", secondRun), "an area no run holds is deleted by any run");
        assertTrue(areas.findTempArea("job-runs-10").isEmpty());
    }

    @Test
    void aLateReleaseOrRenewalOfAnEarlierRunWithTheSameIdLeavesTheLaterRunsHold() {
        // the runs of a job from one gfsload home share their id, each with a token of its own
        TempAreaRun earlier = new TempAreaRun("home-1", "token-1", PERIOD);
        TempAreaRun later = new TempAreaRun("home-1", "token-2", PERIOD);
        areas.openTempArea("job-runs-8", DAY, earlier);
        clock.advance(Duration.ofSeconds(5));
        assertTrue(areas.openTempArea("job-runs-8", DAY, later).adopted(), "a later run from the same home adopts the area at once");

        // the earlier run's release and renewal reach the master only now
        assertFalse(areas.releaseTempArea("job-runs-8", earlier));
        TempAreaInUseException renewal = assertThrows(TempAreaInUseException.class, () -> areas.renewTempArea("job-runs-8", DAY, earlier));

        assertTrue(renewal.getMessage().contains("Cannot renew the temp area of job job-runs-8 for run home-1: a later run of the job with the same run id "
                + "adopted it since, and renewed it 0 s ago; the area is that run's"), renewal.getMessage());
        assertThrows(TempAreaInUseException.class, () -> areas.openTempArea("job-runs-8", DAY, secondRun), "the later run's hold stands");
        assertTrue(areas.renewTempArea("job-runs-8", DAY, later).adopted());
        // a client older than tokens names the run by its id only, as it always did
        assertTrue(areas.releaseTempArea("job-runs-8", new TempAreaRun("home-1", PERIOD)));
    }

    @Test
    void frequentRenewalsMoveTheExpiryOnlyInStepsOfAThirdOfTheExpireTime() {
        Instant opened = clock.instant();
        areas.openTempArea("job-runs-4", Duration.ofHours(1), firstRun);
        clock.advance(PERIOD);

        assertEquals(opened.plus(Duration.ofHours(1)), areas.renewTempArea("job-runs-4", Duration.ofHours(1), firstRun).expiresAt(),
                "half a minute later: the area keeps its expiry, and its blocks their pins");
        clock.advance(Duration.ofMinutes(20).minus(PERIOD));
        assertEquals(clock.instant().plus(Duration.ofHours(1)), areas.renewTempArea("job-runs-4", Duration.ofHours(1), firstRun).expiresAt(),
                "a third of the expire time later: the expiry moves");
    }

    private BlockWriteResult write(BlockKey block, byte[] data, String jobId) {
        try (BlockWriter writer = client.openWriter(block, data.length, WriteOptions.replication(2).inTempArea(jobId))) {
            writer.write(data, 0, data.length);
            return writer.commit();
        }
    }
}
