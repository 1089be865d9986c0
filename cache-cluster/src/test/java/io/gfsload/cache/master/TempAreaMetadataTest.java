package io.gfsload.cache.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockNotFoundException;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.TempAreaNotFoundException;
import io.gfsload.cache.proto.BlockRecord;
import io.gfsload.cache.proto.BlockRef;
import io.gfsload.cache.proto.PinnedBlock;
import io.gfsload.cache.proto.WorkerCommand;
import io.gfsload.cache.rpc.ProtoConversions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** The master's durable temp areas, worker commands and frees, on a real RocksDB. */
class TempAreaMetadataTest {
    private static final FileIdentity FILE = new FileIdentity("cosn://bucket/t/dt=1/part-0", 1 << 30, 1000, "e1");
    private static final FileIdentity OTHER = new FileIdentity("cosn://bucket/t/dt=2/part-0", 1 << 30, 1000, "e2");
    private static final long NOW = 1_763_600_000_000L;
    private static final long HOUR = 3_600_000;

    @TempDir
    Path directory;

    @Test
    void aScopeCommitMovesExactlyItsBlocksInOneBatch() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.openTempArea("job", NOW, HOUR);
            store.stage("job", record(FILE, 0, "worker-0", "worker-1"), NOW);
            store.stage("job", record(FILE, 1, "worker-1"), NOW);
            store.stage("job", record(OTHER, 0, "worker-0"), NOW);
            assertEquals(List.of(), store.fileBlocks(FILE), "staged blocks are not committed blocks");

            BlockNotFoundException missing = assertThrows(BlockNotFoundException.class,
                    () -> store.commitScope("job", List.of(ref(FILE, 0), ref(FILE, 2)), NOW));
            assertEquals("Cannot commit 2 blocks of job job: 1 is not in its temp area: block 2 of " + FILE.path(),
                    missing.getMessage());
            assertEquals(List.of(), store.fileBlocks(FILE), "all or nothing");

            assertEquals(new BlockMetadataStore.ScopeResult(2, 2001),
                    store.commitScope("job", List.of(ref(FILE, 0), ref(FILE, 1), ref(FILE, 0)), NOW));
            assertEquals(List.of(record(FILE, 0, "worker-0", "worker-1"), record(FILE, 1, "worker-1")),
                    store.fileBlocks(FILE));
            assertEquals(List.of(record(OTHER, 0, "worker-0")), store.tempBlocks("job"));
            assertEquals(List.of(unpin(FILE, 0)), store.takeCommands("worker-0", 100));
            assertEquals(List.of(unpin(FILE, 0), unpin(FILE, 1)), store.takeCommands("worker-1", 100));
            assertEquals(List.of(), store.takeCommands("worker-1", 100), "a command is sent once");
        }
    }

    /** With {@code moreAreas} other areas open, which hold none of the blocks: past 8 others the master scans a worker's keys. */
    @ParameterizedTest
    @ValueSource(ints = {0, 9})
    void aScopeCommitLeavesPinnedWhatAnotherJobHasStagedOnTheWorker(int moreAreas) {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            openMoreAreas(store, moreAreas);
            store.openTempArea("a", NOW, HOUR);
            store.openTempArea("b", NOW, HOUR);
            store.stage("a", record(FILE, 0, "worker-0", "worker-1"), NOW);
            store.stage("b", record(FILE, 0, "worker-0"), NOW);

            store.commitScope("a", List.of(ref(FILE, 0)), NOW);

            assertEquals(List.of(), store.takeCommands("worker-0", 100), "job b's area still needs the pin");
            assertEquals(List.of(unpin(FILE, 0)), store.takeCommands("worker-1", 100));
            store.commitScope("b", List.of(ref(FILE, 0)), NOW);
            assertEquals(List.of(unpin(FILE, 0)), store.takeCommands("worker-0", 100));
        }
    }

    @Test
    void stagingNeedsAnOpenUnexpiredArea() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            TempAreaNotFoundException none = assertThrows(TempAreaNotFoundException.class,
                    () -> store.stage("job", record(FILE, 0, "worker-0"), NOW));
            assertEquals("Cannot put block 0 of " + FILE.path() + " into the temp area of job job: the job has no open "
                    + "temp area", none.getMessage());
            store.openTempArea("job", NOW, HOUR);
            TempAreaNotFoundException expired = assertThrows(TempAreaNotFoundException.class,
                    () -> store.commitScope("job", List.of(), NOW + HOUR));
            assertEquals("Cannot commit a scope of job job: its temp area expired at 2025-11-20T01:53:20Z",
                    expired.getMessage());
        }
    }

    @Test
    void reopeningAdoptsAndExtendsAndTellsTheWorkersToKeepTheBlocks() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            assertEquals(false, store.openTempArea("job", NOW, HOUR).adopted());
            store.stage("job", record(FILE, 0, "worker-0"), NOW);

            BlockMetadataStore.OpenedArea adopted = store.openTempArea("job", NOW + HOUR / 2, HOUR);

            assertTrue(adopted.adopted());
            assertEquals(NOW, adopted.area().getCreatedAtMillis());
            assertEquals(NOW + 3 * HOUR / 2, adopted.area().getExpiresAtMillis());
            assertEquals(List.of(record(FILE, 0, "worker-0")), adopted.blocks());
            assertEquals(List.of(pin(FILE, 0, NOW + 3 * HOUR / 2)), store.takeCommands("worker-0", 100));

            BlockMetadataStore.OpenedArea fresh = store.openTempArea("job", NOW + 2 * HOUR, HOUR);
            assertEquals(false, fresh.adopted(), "an expired area is deleted, not adopted");
            assertEquals(1, fresh.expiredBefore().orElseThrow().blocks());
            assertEquals(List.of(remove(FILE, 0)), store.takeCommands("worker-0", 100));
        }
    }

    @Test
    void aRenewalWithoutBlocksStillHasTheWorkersKeepThemWhenItMovesTheExpiry() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.openTempArea("job", NOW, HOUR);
            store.stage("job", record(FILE, 0, "worker-0"), NOW);
            store.takeCommands("worker-0", 100);

            BlockMetadataStore.OpenedArea unmoved = store.openTempArea("job", NOW + 1000, HOUR, true, Optional.empty(), false);
            assertEquals(List.of(), unmoved.blocks());
            assertEquals(NOW + HOUR, unmoved.area().getExpiresAtMillis(), "less than a third later: not moved");
            assertEquals(List.of(), store.takeCommands("worker-0", 100));

            BlockMetadataStore.OpenedArea moved = store.openTempArea("job", NOW + HOUR / 2, HOUR, true, Optional.empty(), false);
            assertEquals(List.of(), moved.blocks());
            assertEquals(NOW + 3 * HOUR / 2, moved.area().getExpiresAtMillis());
            assertEquals(List.of(pin(FILE, 0, NOW + 3 * HOUR / 2)), store.takeCommands("worker-0", 100), "its blocks pinned to the new expiry");
        }
    }

    @Test
    void aRenewalExtendsAnOpenAreaAndNeverOpensANewOne() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            TempAreaNotFoundException none = assertThrows(TempAreaNotFoundException.class, () -> store.openTempArea("job", NOW, HOUR, true));
            assertEquals("Renewing the temp area of job job: the job has no open temp area", none.getMessage());
            assertEquals(Optional.empty(), store.tempArea("job"), "a renewal opened an area");

            store.openTempArea("job", NOW, HOUR);
            store.stage("job", record(FILE, 0, "worker-0"), NOW);
            BlockMetadataStore.OpenedArea renewed = store.openTempArea("job", NOW + HOUR / 2, HOUR, true);
            assertEquals(NOW + 3 * HOUR / 2, renewed.area().getExpiresAtMillis());
            assertEquals(List.of(record(FILE, 0, "worker-0")), renewed.blocks());

            // expired meanwhile (the master's clock past it): the staged blocks are lost, no new area replaces it
            TempAreaNotFoundException expired = assertThrows(TempAreaNotFoundException.class,
                    () -> store.openTempArea("job", NOW + 2 * HOUR, HOUR, true));
            assertEquals("Renewing the temp area of job job: its temp area expired at " + java.time.Instant.ofEpochMilli(NOW + 3 * HOUR / 2),
                    expired.getMessage());
            assertEquals(NOW + 3 * HOUR / 2, store.tempArea("job").orElseThrow().getExpiresAtMillis(), "the expired area was renewed");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 9})
    void deletingAnAreaRemovesOnlyReplicasNobodyElseHolds(int moreAreas) {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            openMoreAreas(store, moreAreas);
            stageFileInTwoJobs(store);

            BlockMetadataStore.AreaDeletion deletion = store.deleteTempArea("a");

            assertEquals(new BlockMetadataStore.AreaDeletion("a", true, 2, 2001,
                    Set.of("worker-0", "worker-1", "worker-2")), deletion);
            assertFileUnstagedFromJobA(store);
            assertEquals(Optional.empty(), store.tempArea("a"));
        }
    }

    @Test
    void unstagingFilesRemovesOnlyTheirBlocksAndDeletesOnlyReplicasNobodyElseHolds() {
        FileIdentity rewritten = new FileIdentity(FILE.path(), FILE.length(), 2000, FILE.etag());
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            stageFileInTwoJobs(store);
            store.stage("a", record(OTHER, 0, "worker-1"), NOW);
            store.stage("a", record(rewritten, 0, "worker-1"), NOW);
            long removalsBefore = store.removals();

            BlockMetadataStore.AreaDeletion unstaged = store.unstageFiles("a", List.of(FILE));

            assertEquals(new BlockMetadataStore.AreaDeletion("a", true, 2, 2001, Set.of("worker-0", "worker-1", "worker-2")), unstaged);
            assertEquals(removalsBefore + 2, store.removals(), "the removals are counted");
            assertEquals(Set.of(record(OTHER, 0, "worker-1"), record(rewritten, 0, "worker-1")), Set.copyOf(store.tempBlocks("a")),
                    "another file, and another identity of the same path, stay staged");
            assertTrue(store.tempArea("a").isPresent(), "the area stays");
            assertFileUnstagedFromJobA(store);
            assertEquals(List.of(record(FILE, 0, "worker-0")), store.fileBlocks(FILE), "the committed block stays committed");

            BlockNotFoundException missing = assertThrows(BlockNotFoundException.class, () -> store.commitScope("a", List.of(ref(FILE, 1)), NOW));
            assertEquals("Cannot commit 1 block of job a: 1 is not in its temp area: block 1 of " + FILE.path(), missing.getMessage());
            assertEquals(new BlockMetadataStore.ScopeResult(1, 1000), store.commitScope("a", List.of(ref(FILE, 0)), NOW),
                    "unstaged but committed: readers see it");
            assertEquals(new BlockMetadataStore.AreaDeletion("a", true, 0, 0, Set.of()), store.unstageFiles("a", List.of(FILE)),
                    "unstaging again removes nothing");
            assertEquals(new BlockMetadataStore.AreaDeletion("none", false, 0, 0, Set.of()), store.unstageFiles("none", List.of(FILE)));
            assertEquals(2, store.commitScope("a", List.of(ref(OTHER, 0), ref(rewritten, 0)), NOW).blocks());
        }
    }

    @Test
    void commandsAndTempAreasSurviveReopeningInOrder() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commit(record(FILE, 0, "worker-0"));
            store.commit(record(FILE, 1, "worker-0"));
            store.openTempArea("job", NOW, HOUR);
            store.stage("job", record(OTHER, 3, "worker-0"), NOW);
            store.free(FILE);
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commit(record(OTHER, 9, "worker-0"));
            store.free(OTHER);
            assertEquals(List.of(remove(FILE, 0), remove(FILE, 1), remove(OTHER, 9)), store.takeCommands("worker-0", 100));
            assertEquals(List.of(record(OTHER, 3, "worker-0")), store.tempBlocks("job"), "a free leaves temp areas alone");
            BlockMetadataStore.ReconcileResult reconciled = store.reconcile("worker-0", List.of(blockId(OTHER, 3)));
            assertEquals(List.of(PinnedBlock.newBuilder().setBlockId(blockId(OTHER, 3)).setUntilEpochMillis(NOW + HOUR)
                    .build()), reconciled.pinned());
        }
    }

    @Test
    void freeingAPrefixFreesEveryIdentityUnderIt() {
        FileIdentity rewritten = new FileIdentity(FILE.path(), FILE.length(), 2000, FILE.etag());
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commit(record(FILE, 0, "worker-0"));
            store.commit(record(FILE, 1, "worker-0"));
            store.commit(record(rewritten, 0, "worker-1"));
            store.commit(record(OTHER, 0, "worker-1"));

            assertEquals(new BlockMetadataStore.FreeResult(2, 3, 3001), store.freePrefix("cosn://bucket/t/dt=1/"));
            assertEquals(List.of(), store.fileBlocks(FILE));
            assertEquals(List.of(), store.fileBlocks(rewritten));
            assertEquals(1, store.fileBlocks(OTHER).size());
            assertEquals(new BlockMetadataStore.FreeResult(0, 0, 0), store.freePrefix("cosn://bucket/t/dt=1/"));
        }
    }

    @Test
    void removedLocationsAreForgottenCommittedOrStaged() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commit(record(FILE, 0, "worker-0", "worker-1"));
            store.openTempArea("job", NOW, HOUR);
            store.stage("job", record(FILE, 1, "worker-0"), NOW);

            assertEquals(2, store.removeLocations("worker-0", List.of(blockId(FILE, 0), blockId(FILE, 1),
                    blockId(FILE, 5))));

            assertEquals(List.of(record(FILE, 0, "worker-0", "worker-1").toBuilder().clearWorkerIds()
                    .addWorkerIds("worker-1").build()), store.fileBlocks(FILE), "replication 2 stays recorded");
            assertEquals(List.of(), store.tempBlocks("job"));
        }
    }

    /**
     * A committed atomic load leaves a deletion in {@code worker-staged} for each of its blocks; freeing the load and
     * the worker's report of the deleted blocks look up each block's staged entries there. Each lookup steps over the
     * block's own deletion only, not over those of every block after it in key order: reads linear in the blocks, not
     * quadratic.
     */
    @Test
    void freeingACommittedLoadAndForgettingItsBlocksDoesNotWalkTheStagedDeletions() {
        int count = 2_000;
        List<BlockRef> refs = new ArrayList<>();
        List<BlockRecord> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            FileIdentity file = new FileIdentity("cosn://bucket/t/dt=1/part-%05d".formatted(i), 2048, 1000, "");
            records.add(record(file, 0, "worker-0"));
            refs.add(ref(file, 0));
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.openTempArea("job", NOW, HOUR);
            store.stageAll("job", records, NOW);
            assertEquals(count, store.commitScope("job", refs, NOW).blocks());
            assertEquals(count, store.takeCommands("worker-0", 2 * count).size(), "the unpins");

            long before = store.iteratorSkippedEntries();
            assertEquals(count, store.freePrefix("cosn://bucket/t/").files());
            long skippedByFree = store.iteratorSkippedEntries() - before;
            List<String> removed = store.takeCommands("worker-0", 2 * count).stream()
                    .map(WorkerCommand::getRemoveBlockId).toList();
            assertEquals(count, removed.size(), "the deletions");

            before = store.iteratorSkippedEntries();
            assertEquals(0, store.removeLocations("worker-0", removed), "nothing recorded there any more");
            long skippedByReport = store.iteratorSkippedEntries() - before;

            // per block, its staged entry's deletion and the entry it deletes, at most
            assertTrue(skippedByFree <= 2L * count, "deleted entries the free skipped: " + skippedByFree);
            assertTrue(skippedByReport <= 2L * count, "deleted entries the report skipped: " + skippedByReport);
        }
    }

    @Test
    void aBlockWrittenAgainAfterAFreeIsNotDeletedByTheFree() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commit(record(FILE, 0, "worker-0", "worker-1"));
            store.commit(record(FILE, 1, "worker-0"));
            store.free(FILE);

            // the same file loaded again before the workers heard of the free: block 0 onto worker-0
            store.commit(record(FILE, 0, "worker-0"));
            store.commitAll(List.of(record(FILE, 1, "worker-0").toBuilder().setIndex(1).build()));

            assertEquals(List.of(), store.takeCommands("worker-0", 100), "its files are the new ones");
            assertEquals(List.of(remove(FILE, 0)), store.takeCommands("worker-1", 100), "not written again there");
            assertEquals(List.of(record(FILE, 0, "worker-0"), record(FILE, 1, "worker-0")), store.fileBlocks(FILE));
        }
    }

    @Test
    void aBlockStagedAfterAFreeIsNotDeletedByTheFree() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commit(record(FILE, 0, "worker-0"));
            store.free(FILE);
            store.openTempArea("job", NOW, HOUR);
            store.stageAll("job", List.of(record(FILE, 0, "worker-0")), NOW);
            store.commitScope("job", List.of(ref(FILE, 0)), NOW);

            assertEquals(List.of(unpin(FILE, 0)), store.takeCommands("worker-0", 100));
            assertEquals(List.of(record(FILE, 0, "worker-0")), store.fileBlocks(FILE));
        }
    }

    @Test
    void aBlockIsNotRecordedOnAWorkerThatMayStillDeleteItUntilItsNextHeartbeat() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commit(record(FILE, 0, "worker-0"));
            store.free(FILE);
            assertEquals(List.of(remove(FILE, 0)), store.takeCommands("worker-0", 100), "the answer to a heartbeat");

            BlockBeingRemovedException refused = assertThrows(BlockBeingRemovedException.class,
                    () -> store.commit(record(FILE, 0, "worker-0")));
            assertEquals("Block 0 of " + FILE.path() + " is being deleted from worker worker-0 by an earlier free or "
                    + "temp-area deletion; write it again after the worker's next heartbeat", refused.getMessage());
            assertThrows(BlockBeingRemovedException.class, () -> store.commitAll(List.of(record(FILE, 1, "worker-0"),
                    record(FILE, 0, "worker-1", "worker-0"))));
            store.openTempArea("job", NOW, HOUR);
            assertThrows(BlockBeingRemovedException.class, () -> store.stage("job", record(FILE, 0, "worker-0"), NOW));
            assertEquals(List.of(), store.fileBlocks(FILE), "nothing recorded, not even the other blocks of the batch");
            assertEquals(List.of(), store.tempBlocks("job"));
            store.commit(record(FILE, 0, "worker-1"));

            assertEquals(List.of(), store.takeCommands("worker-0", 100), "the next heartbeat: the deletion is done");
            store.commit(record(FILE, 0, "worker-0"));
            assertEquals(List.of(record(FILE, 0, "worker-0", "worker-1").toBuilder().setReplication(1).build()),
                    store.fileBlocks(FILE), "the replication of the last commit");

            store.free(FILE);
            assertEquals(List.of(remove(FILE, 0)), store.takeCommands("worker-0", 100));
            store.reconcile("worker-0", List.of());
            store.commit(record(FILE, 0, "worker-0"));
            assertEquals(List.of(record(FILE, 0, "worker-0")), store.fileBlocks(FILE), "a registration too");
        }
    }

    @Test
    void blockDeletionsSurviveARestartOfTheMaster() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commit(record(FILE, 0, "worker-0"));
            store.free(FILE);
            assertEquals(1, store.queuedCommands());
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            assertEquals(1, store.queuedCommands());
            assertEquals(List.of(remove(FILE, 0)), store.takeCommands("worker-0", 100));
            assertEquals(0, store.queuedCommands());
        }
    }

    /**
     * Commits block 0 of {@link #FILE} on worker-0; job a stages it on worker-0 and worker-1, and
     * block 1 on worker-1 and worker-2; job b stages block 1 on worker-2.
     */
    /** Opens {@code count} empty temp areas, whose job ids sort before and after those of the tests. */
    private static void openMoreAreas(BlockMetadataStore store, int count) {
        for (int i = 0; i < count; i++) {
            store.openTempArea((i % 2 == 0 ? "0-empty-" : "z-empty-") + i, NOW, HOUR);
        }
    }

    private static void stageFileInTwoJobs(BlockMetadataStore store) {
        store.commit(record(FILE, 0, "worker-0"));
        store.openTempArea("a", NOW, HOUR);
        store.openTempArea("b", NOW, HOUR);
        store.stage("a", record(FILE, 0, "worker-0", "worker-1"), NOW);
        store.stage("a", record(FILE, 1, "worker-1", "worker-2"), NOW);
        store.stage("b", record(FILE, 1, "worker-2"), NOW);
        assertEquals(List.of(pin(FILE, 0, NOW + HOUR)), store.takeCommands("worker-0", 100),
                "committed there: pinned for the area, past any unpin queued by another job's end");
    }

    /** After {@link #stageFileInTwoJobs}, what the workers are told once job a's blocks of {@link #FILE} leave its area. */
    private static void assertFileUnstagedFromJobA(BlockMetadataStore store) {
        assertEquals(List.of(unpin(FILE, 0)), store.takeCommands("worker-0", 100), "committed there: unpinned, kept");
        assertEquals(List.of(remove(FILE, 0), remove(FILE, 1)), store.takeCommands("worker-1", 100));
        assertEquals(List.of(), store.takeCommands("worker-2", 100), "job b still has it staged there");
        assertEquals(List.of(record(FILE, 1, "worker-2")), store.tempBlocks("b"));
    }

    private static BlockRecord record(FileIdentity file, int index, String... workers) {
        return BlockRecord.newBuilder()
                .setFile(ProtoConversions.toProto(file))
                .setIndex(index)
                .setLength(1000 + index)
                .setCrc32C(index * 31)
                .setReplication(workers.length)
                .addAllWorkerIds(List.of(workers))
                .build();
    }

    private static BlockRef ref(FileIdentity file, int index) {
        return BlockRef.newBuilder().setFile(ProtoConversions.toProto(file)).setIndex(index).build();
    }

    private static WorkerCommand unpin(FileIdentity file, int index) {
        return WorkerCommand.newBuilder().setUnpinBlockId(blockId(file, index)).build();
    }

    private static WorkerCommand pin(FileIdentity file, int index, long untilMillis) {
        return WorkerCommand.newBuilder().setPin(PinnedBlock.newBuilder().setBlockId(blockId(file, index))
                .setUntilEpochMillis(untilMillis)).build();
    }

    private static WorkerCommand remove(FileIdentity file, int index) {
        return WorkerCommand.newBuilder().setRemoveBlockId(blockId(file, index)).build();
    }

    private static String blockId(FileIdentity file, int index) {
        return new BlockKey(file, index).blockId();
    }
}
