package io.gfsload.cache.master;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.proto.BlockRecord;
import io.gfsload.cache.proto.BlockRef;
import io.gfsload.cache.proto.WorkerCommand;
import io.gfsload.cache.rpc.ProtoConversions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

class BlockMetadataStoreTest {
    private static final FileIdentity FILE = new FileIdentity("cosn://bucket/t/dt=1/part-0", 1 << 30, 1000, "e1");
    private static final FileIdentity OTHER = new FileIdentity("cosn://bucket/t/dt=1/part-1", 1 << 30, 1000, "e2");

    @TempDir
    Path directory;

    @Test
    void blockKeysPadTheIndexToTenDigitsSoThatAFilesBlocksSortByIndex() {
        assertEquals("0123abcd/0000000000", new String(BlockMetadataStore.blockKey("0123abcd", 0), UTF_8));
        assertEquals("0123abcd/0000000042", new String(BlockMetadataStore.blockKey("0123abcd", 42), UTF_8));
        assertEquals("0123abcd/2147483647", new String(BlockMetadataStore.blockKey("0123abcd", Integer.MAX_VALUE), UTF_8));
    }

    @Test
    void listsAFilesBlocksInIndexOrderAndSurvivesReopening() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            for (int index : new int[] {10, 2, 1, 100, 0}) {
                store.commit(record(FILE, index, "worker-1"));
            }
            store.commit(record(OTHER, 3, "worker-0"));
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            assertEquals(List.of(0, 1, 2, 10, 100), store.fileBlocks(FILE).stream().map(BlockRecord::getIndex).toList());
            assertEquals(List.of(3), store.fileBlocks(OTHER).stream().map(BlockRecord::getIndex).toList());
            assertEquals(Optional.of(record(FILE, 10, "worker-1")), store.block(FILE, 10));
            assertEquals(Optional.empty(), store.block(FILE, 11));
            FileIdentity rewritten = new FileIdentity(FILE.path(), FILE.length(), 2000, FILE.etag());
            assertEquals(List.of(), store.fileBlocks(rewritten));
        }
    }

    @Test
    void listingFilesAfterAFreeDoesNotWalkTheDeletionsOfOtherFiles() {
        int count = 2_000;
        List<FileIdentity> freed = new ArrayList<>();
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            List<BlockRecord> records = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                FileIdentity file = new FileIdentity("cosn://bucket/t/dt=1/part-%05d".formatted(i), 2048, 1000, "");
                freed.add(file);
                records.add(record(file, 0, "worker-0"));
            }
            store.commitAll(records);
            assertEquals(count, store.freePrefix("cosn://bucket/t/").files());

            long before = store.iteratorSkippedEntries();
            List<List<BlockRecord>> blocks = store.filesBlocks(freed);
            long skipped = store.iteratorSkippedEntries() - before;

            assertTrue(blocks.stream().allMatch(List::isEmpty), "freed files have no blocks");
            // each file's own deletion and the entry it deletes, at most: a seek past its prefix walks the deletions of the
            // files after it in key order too
            assertTrue(skipped <= 2L * count, "deleted entries skipped: " + skipped);
            before = store.iteratorSkippedEntries();
            store.fileBlocks(freed.get(0));
            long skippedByFile = store.iteratorSkippedEntries() - before;
            assertTrue(skippedByFile <= 2, "deleted entries skipped for one file: " + skippedByFile);
        }
    }

    /**
     * A large free, and the unpins of a large scope commit, taken in heartbeat-sized batches: each
     * take steps over the deletions of the commands it takes, not over those of every command taken
     * before (which RocksDB keeps until it compacts them), and a take with nothing to send over none.
     */
    @Test
    void takingCommandsStepsOverTheDeletionsOfTheCommandsTakenOnly() {
        int count = 20_000;
        int heartbeat = 5_000;
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            queueUnpinsAndDeletions(store, count);

            List<Long> skips = new ArrayList<>();
            int taken = 0;
            for (int take = 0; take < 2 * count / heartbeat + 3; take++) {
                long before = store.iteratorSkippedEntries();
                List<WorkerCommand> commands = store.takeCommands("worker-0", heartbeat);
                long skipped = store.iteratorSkippedEntries() - before;
                skips.add(skipped);
                taken += commands.size();
                // per command, its key's older entries (committed, queued): not the deletions of earlier takes
                assertTrue(skipped <= 2L * commands.size() + 2,
                        "take " + take + " of " + commands.size() + " commands skipped " + skipped + "; all takes: " + skips);
            }
            assertEquals(2 * count, taken, "the deletions and the unpins, once each");
        }
    }

    /**
     * Committing and staging blocks on a worker claims only the deletions queued for them: it
     * leaves no deletion of its own in the worker's queue, which its next take would step over.
     */
    @Test
    void committingBlocksLeavesNothingForAWorkersTakeToStepOver() {
        int count = 10_000;
        FileIdentity file = new FileIdentity("cosn://bucket/t/dt=1/big", 1L << 40, 1000, "e");
        List<BlockRecord> records = new ArrayList<>();
        for (int index = 0; index < count; index++) {
            records.add(record(file, index, "worker-0"));
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commitAll(records.subList(0, count / 2));
            store.openTempArea("job", 0, Long.MAX_VALUE);
            store.stageAll("job", records.subList(count / 2, count), 0);

            long before = store.iteratorSkippedEntries();
            assertEquals(List.of(), store.takeCommands("worker-0", 100));
            long skipped = store.iteratorSkippedEntries() - before;

            assertTrue(skipped <= 2, "deleted entries the take skipped: " + skipped);
        }
    }

    /**
     * Deletions queued while a worker takes its commands, for blocks before and after the one its
     * last take ended at, and unpins queued meanwhile, each reach it once; a deletion claimed by a
     * commit of the block in between does not.
     */
    @Test
    void commandsQueuedWhileAWorkerTakesItsCommandsAreSentOnceEach() {
        List<FileIdentity> first = singleBlockFiles("first", 300);
        List<FileIdentity> second = singleBlockFiles("second", 300);
        List<FileIdentity> pinned = singleBlockFiles("pinned", 150);
        List<FileIdentity> pinnedLater = singleBlockFiles("pinned-later", 150);
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commitAll(Stream.concat(first.stream(), second.stream()).map(file -> record(file, 0, "worker-0")).toList());
            commitThroughTempArea(store, pinned);
            store.freePrefix("cosn://bucket/first/");

            List<WorkerCommand> taken = new ArrayList<>(store.takeCommands("worker-0", 100));
            String lastTaken = taken.get(taken.size() - 1).getRemoveBlockId();
            assertTrue(second.stream().anyMatch(file -> blockId(file, 0).compareTo(lastTaken) < 0)
                    && second.stream().anyMatch(file -> blockId(file, 0).compareTo(lastTaken) > 0),
                    "the second deletions fall on both sides of " + lastTaken);
            store.freePrefix("cosn://bucket/second/");
            FileIdentity writtenAgain = second.stream().filter(file -> blockId(file, 0).compareTo(lastTaken) < 0)
                    .findFirst().orElseThrow();
            store.commit(record(writtenAgain, 0, "worker-0"));
            boolean pinnedMore = false;
            for (List<WorkerCommand> commands = store.takeCommands("worker-0", 100); !commands.isEmpty();
                    commands = store.takeCommands("worker-0", 100)) {
                taken.addAll(commands);
                if (!pinnedMore && commands.size() == 100 && commands.get(99).hasUnpinBlockId()) {
                    // amid the unpins
                    commitThroughTempArea(store, pinnedLater);
                    pinnedMore = true;
                }
            }

            assertTrue(pinnedMore, "unpins were queued amid the takes");
            List<String> removed = Stream.concat(first.stream(), second.stream()).filter(file -> file != writtenAgain)
                    .map(file -> blockId(file, 0)).sorted().toList();
            List<String> unpinned = Stream.concat(pinned.stream(), pinnedLater.stream()).map(file -> blockId(file, 0))
                    .sorted().toList();
            assertEquals(removed, ids(taken, WorkerCommand::hasRemoveBlockId, WorkerCommand::getRemoveBlockId));
            assertEquals(unpinned, ids(taken, WorkerCommand::hasUnpinBlockId, WorkerCommand::getUnpinBlockId));
            assertEquals(removed.size() + unpinned.size(), taken.size());
        }
    }

    /** Commands taken before the store reopens are not sent again; those queued before and after are, once. */
    @Test
    void commandsTakenBeforeAReopenAreNotSentAgain() {
        List<FileIdentity> first = singleBlockFiles("first", 300);
        List<FileIdentity> second = singleBlockFiles("second", 300);
        List<FileIdentity> pinned = singleBlockFiles("pinned", 150);
        List<WorkerCommand> taken = new ArrayList<>();
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commitAll(Stream.concat(first.stream(), second.stream()).map(file -> record(file, 0, "worker-0")).toList());
            commitThroughTempArea(store, pinned);
            store.freePrefix("cosn://bucket/first/");
            taken.addAll(store.takeCommands("worker-0", 100));
            taken.addAll(store.takeCommands("worker-0", 100));
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.freePrefix("cosn://bucket/second/");
            for (List<WorkerCommand> commands = store.takeCommands("worker-0", 100); !commands.isEmpty();
                    commands = store.takeCommands("worker-0", 100)) {
                taken.addAll(commands);
            }
        }

        List<String> removed = Stream.concat(first.stream(), second.stream()).map(file -> blockId(file, 0)).sorted().toList();
        assertEquals(removed, ids(taken, WorkerCommand::hasRemoveBlockId, WorkerCommand::getRemoveBlockId));
        assertEquals(pinned.stream().map(file -> blockId(file, 0)).sorted().toList(),
                ids(taken, WorkerCommand::hasUnpinBlockId, WorkerCommand::getUnpinBlockId));
        assertEquals(removed.size() + pinned.size(), taken.size());
    }

    /**
     * Commands answered to a worker that acknowledges answers stay queued, and go again with the
     * same answer id, until the worker names that answer; a block whose deletion is in such an
     * answer is not committed on the worker meanwhile. Named, the answer's commands leave the
     * queues, and the next answer goes on past them: every command reaches the worker once, but
     * for the answer it did not carry out, and the count of queued commands is the queues'.
     */
    @Test
    void answeredCommandsGoAgainUntilTheWorkerSaysItCarriedThemOutAndThenOnlyOnce() {
        List<FileIdentity> freed = singleBlockFiles("freed", 300);
        List<FileIdentity> pinned = singleBlockFiles("pinned", 150);
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commitAll(freed.stream().map(file -> record(file, 0, "worker-0")).toList());
            commitThroughTempArea(store, pinned);
            store.freePrefix("cosn://bucket/freed/");
            long queued = assertCountExact(store, "a free");

            BlockMetadataStore.SentAnswer first = store.answerCommands("worker-0", 0, 100);
            assertEquals(100, first.commands().size());
            assertEquals(queued, assertCountExact(store, "an answer not carried out"), "still queued");
            assertEquals(first, store.answerCommands("worker-0", 0, 100), "not carried out: the same answer");
            FileIdentity inFlight = freed.stream().filter(file -> blockId(file, 0).equals(first.commands().get(0).getRemoveBlockId()))
                    .findFirst().orElseThrow();
            assertThrows(BlockBeingRemovedException.class, () -> store.commit(record(inFlight, 0, "worker-0")));

            List<WorkerCommand> carriedOut = new ArrayList<>(first.commands());
            long last = first.id();
            for (BlockMetadataStore.SentAnswer answer = store.answerCommands("worker-0", last, 100); !answer.commands().isEmpty();
                    answer = store.answerCommands("worker-0", last, 100)) {
                assertTrue(answer.id() > last, "a new answer, a new id");
                carriedOut.addAll(answer.commands());
                last = answer.id();
            }

            assertEquals(ids(freed), ids(carriedOut, WorkerCommand::hasRemoveBlockId, WorkerCommand::getRemoveBlockId));
            assertEquals(ids(pinned), ids(carriedOut, WorkerCommand::hasUnpinBlockId, WorkerCommand::getUnpinBlockId));
            assertEquals(0, assertCountExact(store, "every answer carried out"));
            store.commit(record(inFlight, 0, "worker-0"));
            assertEquals(List.of("worker-0"), store.block(inFlight, 0).orElseThrow().getWorkerIdsList(), "committed once carried out");
        }
    }

    /**
     * The commands of an answer the worker did not say it carried out go again to it after it
     * registers, and after the store reopens (a master restart), together with those queued after
     * them, in the order queued; those of answers it carried out do not.
     */
    @Test
    void commandsAnsweredButNotCarriedOutGoAgainAfterARegistrationAndAReopen() {
        List<FileIdentity> freed = singleBlockFiles("freed", 300);
        List<FileIdentity> pinned = singleBlockFiles("pinned", 150);
        List<WorkerCommand> carriedOut = new ArrayList<>();
        List<WorkerCommand> lost = new ArrayList<>();
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commitAll(freed.stream().map(file -> record(file, 0, "worker-0")).toList());
            store.freePrefix("cosn://bucket/freed/");
            BlockMetadataStore.SentAnswer answer = store.answerCommands("worker-0", 0, 100);
            carriedOut.addAll(answer.commands());
            answer = store.answerCommands("worker-0", answer.id(), 100);
            lost.addAll(answer.commands());

            store.reconcile("worker-0", freed.stream().map(file -> blockId(file, 0)).toList());
            answer = store.answerCommands("worker-0", 0, 100);
            assertEquals(lost, answer.commands(), "after the registration, the answer not carried out first");
            carriedOut.addAll(answer.commands());
            answer = store.answerCommands("worker-0", answer.id(), 100);
            lost.clear();
            lost.addAll(answer.commands());
            commitThroughTempArea(store, pinned);
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            List<WorkerCommand> again = new ArrayList<>();
            long last = 0;
            for (BlockMetadataStore.SentAnswer answer = store.answerCommands("worker-0", last, 100); !answer.commands().isEmpty();
                    answer = store.answerCommands("worker-0", last, 100)) {
                again.addAll(answer.commands());
                last = answer.id();
            }
            assertEquals(lost, again.subList(0, lost.size()), "after the reopen, the answer not carried out first");
            carriedOut.addAll(again);
            assertEquals(0, assertCountExact(store, "every answer carried out"));
        }

        assertEquals(ids(freed), ids(carriedOut, WorkerCommand::hasRemoveBlockId, WorkerCommand::getRemoveBlockId));
        assertEquals(ids(pinned), ids(carriedOut, WorkerCommand::hasUnpinBlockId, WorkerCommand::getUnpinBlockId));
    }

    /**
     * A large free and scope commit answered to a worker that acknowledges answers: each answer
     * steps over the deletions of the commands it carries, not those of the answers carried out
     * before, as a take does.
     */
    @Test
    void answeringCommandsStepsOverTheDeletionsOfTheCommandsAnsweredOnly() {
        int count = 20_000;
        int heartbeat = 5_000;
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            queueUnpinsAndDeletions(store, count);

            List<Long> skips = new ArrayList<>();
            int answered = 0;
            long last = 0;
            for (int take = 0; take < 2 * count / heartbeat + 3; take++) {
                long before = store.iteratorSkippedEntries();
                BlockMetadataStore.SentAnswer answer = store.answerCommands("worker-0", last, heartbeat);
                long skipped = store.iteratorSkippedEntries() - before;
                skips.add(skipped);
                answered += answer.commands().size();
                last = answer.id();
                assertTrue(skipped <= 2L * answer.commands().size() + 2,
                        "answer " + take + " of " + answer.commands().size() + " commands skipped " + skipped + "; all answers: " + skips);
            }
            assertEquals(2 * count, answered, "the deletions and the unpins, once each");
            assertEquals(0, assertCountExact(store, "every answer carried out"));
        }
    }

    /**
     * More deletions queued behind where a worker's takes resume than the store remembers: the
     * worker's next takes read its deletions from the first, and each still reaches it once.
     */
    @Test
    void moreDeletionsQueuedBehindTheTakesThanRememberedAreSentOnceEach() {
        int count = BlockMetadataStore.MAX_REMOVES_BEHIND_PER_WORKER + 1;
        List<FileIdentity> files = singleBlockFiles("small", 20);
        files.sort(Comparator.comparing(FileIdentity::fileKey));
        // a file that sorts before the last of the small ones, with more blocks than are remembered
        FileIdentity large = new FileIdentity("cosn://bucket/large", 1L << 40, 1000, "e");
        for (int i = 0; large.fileKey().compareTo(files.get(files.size() - 1).fileKey()) > 0; i++) {
            large = new FileIdentity("cosn://bucket/large-" + i, 1L << 40, 1000, "e");
        }
        List<BlockRecord> records = new ArrayList<>();
        for (int index = 0; index < count; index++) {
            records.add(record(large, index, "worker-0"));
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commitAll(files.stream().map(file -> record(file, 0, "worker-0")).toList());
            store.commitAll(records);
            store.freePrefix("cosn://bucket/small/");
            List<WorkerCommand> taken = new ArrayList<>(store.takeCommands("worker-0", files.size()));
            store.free(large);
            for (List<WorkerCommand> commands = store.takeCommands("worker-0", 5_000); !commands.isEmpty();
                    commands = store.takeCommands("worker-0", 5_000)) {
                taken.addAll(commands);
            }

            List<String> removed = new ArrayList<>(files.stream().map(file -> blockId(file, 0)).toList());
            for (int index = 0; index < count; index++) {
                removed.add(blockId(large, index));
            }
            assertEquals(removed.stream().sorted().toList(),
                    ids(taken, WorkerCommand::hasRemoveBlockId, WorkerCommand::getRemoveBlockId));
        }
    }

    /**
     * The count of queued commands that the gauge reads is the count of the queues, through every
     * kind of change to them: frees, commits and stagings that claim queued deletions, temp areas
     * extended, committed, deleted and expired, partial and full takes, and a reopen.
     */
    @Test
    void theCountOfQueuedCommandsStaysThatOfTheQueues() {
        List<FileIdentity> files = singleBlockFiles("mix", 40);
        List<Long> counts = new ArrayList<>();
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commitAll(files.subList(0, 20).stream().map(file -> record(file, 0, "worker-0", "worker-1")).toList());
            counts.add(assertCountExact(store, "commits"));
            store.free(files.get(0));
            store.freePath(files.get(1).path());
            store.freePrefix("cosn://bucket/mix/part-0000");
            counts.add(assertCountExact(store, "frees"));
            store.commit(record(files.get(2), 0, "worker-0"));
            store.commitAll(List.of(record(files.get(3), 0, "worker-1"), record(files.get(30), 0, "worker-0")));
            counts.add(assertCountExact(store, "commits that claim queued deletions"));

            store.openTempArea("job-a", 0, 10);
            store.stageAll("job-a", List.of(record(files.get(4), 0, "worker-0", "worker-1"), record(files.get(12), 0, "worker-0"),
                    record(files.get(31), 0, "worker-1"), record(files.get(32), 0, "worker-0")), 0);
            store.stage("job-a", record(files.get(5), 0, "worker-1"), 0);
            counts.add(assertCountExact(store, "stagings that claim queued deletions"));
            store.openTempArea("job-a", 0, 20);
            counts.add(assertCountExact(store, "an extended temp area's pins"));
            store.commitScope("job-a", List.of(ref(files.get(4), 0), ref(files.get(31), 0)), 0);
            counts.add(assertCountExact(store, "a scope commit's unpins"));
            store.deleteTempArea("job-a");
            counts.add(assertCountExact(store, "a deleted temp area's deletions and unpins"));
            store.openTempArea("job-b", 0, 10);
            store.stageAll("job-b", List.of(record(files.get(33), 0, "worker-0"), record(files.get(13), 0, "worker-1")), 0);
            store.openTempArea("job-b", 30, 10);
            counts.add(assertCountExact(store, "an expired temp area deleted when its job opens one again"));
            store.stageAll("job-b", List.of(record(files.get(34), 0, "worker-0"), record(files.get(18), 0, "worker-1"),
                    record(files.get(35), 0, "worker-1")), 30);
            store.unstageFiles("job-b", List.of(files.get(34), files.get(18)));
            counts.add(assertCountExact(store, "a file's staged blocks removed from its temp area"));

            store.takeCommands("worker-0", 3);
            counts.add(assertCountExact(store, "a partial take"));
            store.free(files.get(14));
            store.commit(record(files.get(14), 0, "worker-1"));
            store.reconcile("worker-1", List.of(blockId(files.get(15), 0)));
            store.removeLocations("worker-0", List.of(blockId(files.get(16), 0), blockId(files.get(17), 0)));
            store.free(files.get(15));
            counts.add(assertCountExact(store, "a free, a commit, a registration and deletions reported after a take"));
            assertEquals(0, counts.get(0));
            assertTrue(counts.subList(1, counts.size()).stream().allMatch(count -> count > 0), "queued: " + counts);
            store.takeCommands("worker-1", 10_000);
            counts.add(assertCountExact(store, "a full take"));
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            assertEquals(counts.get(counts.size() - 1), assertCountExact(store, "a reopen"));
            assertTrue(store.queuedCommands() > 0, "commands of worker-0 still queued");
            store.takeCommands("worker-0", 10_000);
            assertEquals(0, assertCountExact(store, "the last take"));
        }
    }

    /**
     * After a large free and scope commit, their commands taken: reading the count of queued
     * commands (the gauge, at every scrape) steps over none of the deletions the takes left.
     */
    @Test
    void readingTheCountOfQueuedCommandsStepsOverNoDeletedEntries() {
        int count = 20_000;
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            queueUnpinsAndDeletions(store, count);
            assertEquals(2 * count, store.queuedCommands());
            assertEquals(2 * count, store.takeCommands("worker-0", 3 * count).size());

            long before = store.iteratorSkippedEntries();
            assertEquals(0, store.queuedCommands());
            long skipped = store.iteratorSkippedEntries() - before;

            assertEquals(0, skipped, "deleted entries read to count the queued commands");
            assertEquals(0, store.countQueuedCommands());
        }
    }

    /** Commands queued after a reopen get higher sequences than every one before, taken or not. */
    @Test
    void commandSequencesKeepIncreasingAcrossReopening() {
        long last;
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            commitThroughTempArea(store, singleBlockFiles("first", 3));
            last = store.lastCommandSequence();
            assertEquals(3, last);
            assertEquals(3, store.takeCommands("worker-0", 100).size());
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            assertEquals(last, store.lastCommandSequence(), "every command taken: the last sequence is kept");
            commitThroughTempArea(store, singleBlockFiles("second", 2));
            assertEquals(last + 2, store.lastCommandSequence());
            assertEquals(2, store.takeCommands("worker-0", 100).size());
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            assertEquals(last + 2, store.lastCommandSequence());
            assertEquals(0, store.queuedCommands());
        }
    }

    /**
     * A store an earlier version wrote keeps neither the last command sequence nor the count of
     * queued commands: both are read from its queues when it opens, and its commands keep their order.
     */
    @Test
    void aStoreWithoutTheLastCommandSequenceReadsItFromItsQueues() throws RocksDBException {
        List<FileIdentity> pinned = singleBlockFiles("pinned", 3);
        List<FileIdentity> pinnedLater = singleBlockFiles("pinned-later", 2);
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            commitThroughTempArea(store, pinned);
            store.commit(record(FILE, 0, "worker-0"));
            store.free(FILE);
        }
        deleteFromDefaultFamily("command-sequence", "queued-commands");

        List<WorkerCommand> taken;
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            assertEquals(3, store.lastCommandSequence());
            assertEquals(4, assertCountExact(store, "opening a store without the count"));
            commitThroughTempArea(store, pinnedLater);
            assertEquals(5, store.lastCommandSequence());
            taken = store.takeCommands("worker-0", 100);
        }
        assertEquals(List.of(blockId(FILE, 0)), ids(taken, WorkerCommand::hasRemoveBlockId, WorkerCommand::getRemoveBlockId));
        // a scope commit queues its unpins in key order
        assertEquals(Stream.concat(ids(pinned).stream(), ids(pinnedLater).stream()).toList(),
                taken.stream().filter(WorkerCommand::hasUnpinBlockId).map(WorkerCommand::getUnpinBlockId).toList(),
                "the unpins in the order queued");
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            assertEquals(5, store.lastCommandSequence());
            assertEquals(0, assertCountExact(store, "a reopen"));
        }
    }

    /**
     * After a large free and scope commit, their commands taken: opening the store steps over none
     * of the deletions the takes left, also once a store an earlier version wrote was opened once.
     */
    @Test
    void openingTheStoreStepsOverNoDeletedEntriesOfItsQueues() throws RocksDBException {
        int count = 20_000;
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            queueUnpinsAndDeletions(store, count);
            assertEquals(2 * count, store.takeCommands("worker-0", 3 * count).size());
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            assertEquals(0, store.iteratorSkippedEntries(), "deleted entries read to open the store");
            assertEquals(count, store.lastCommandSequence());
            assertEquals(0, store.queuedCommands());
        }
        deleteFromDefaultFamily("command-sequence", "queued-commands");
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            assertEquals(0, store.queuedCommands());
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            assertEquals(0, store.iteratorSkippedEntries(), "deleted entries read to open the store again");
        }
    }

    @Test
    void listsTheBlocksOfManyFilesInTheOrderAsked() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commit(record(FILE, 1, "worker-1"));
            store.commit(record(FILE, 0, "worker-1"));
            store.commit(record(OTHER, 3, "worker-0"));
            FileIdentity rewritten = new FileIdentity(FILE.path(), FILE.length(), 2000, FILE.etag());
            FileIdentity uncached = new FileIdentity("cosn://bucket/t/dt=2/part-0", 10, 1000, "");

            List<List<BlockRecord>> blocks = store.filesBlocks(List.of(OTHER, uncached, FILE, rewritten, OTHER));

            assertEquals(List.of(List.of(3), List.of(), List.of(0, 1), List.of(), List.of(3)),
                    blocks.stream().map(records -> records.stream().map(BlockRecord::getIndex).toList()).toList());
            assertEquals(store.fileBlocks(FILE), blocks.get(2));
            assertEquals(List.of(), store.filesBlocks(List.of()));
        }
    }

    @Test
    void aRecommitAddsReplicasAndADifferentBlockReplacesThem() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commit(record(FILE, 0, "worker-2"));
            assertEquals(List.of("worker-0", "worker-2"), store.commit(record(FILE, 0, "worker-0")).stored().getWorkerIdsList());

            BlockRecord changed = record(FILE, 0, "worker-1").toBuilder().setCrc32C(99).build();
            assertEquals(List.of("worker-1"), store.commit(changed).stored().getWorkerIdsList());
            // worker-0 and worker-2 no longer hold it, so their reports do not keep it.
            assertEquals(new BlockMetadataStore.ReconcileResult(0, 0, List.of(blockId(FILE, 0))),
                    store.reconcile("worker-2", List.of(blockId(FILE, 0))));
        }
    }

    @Test
    void reconcilingDropsTheBlocksAWorkerNoLongerReports() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            store.commit(record(FILE, 0, "worker-0", "worker-1"));
            store.commit(record(FILE, 1, "worker-0"));
            store.commit(record(FILE, 2, "worker-0", "worker-1"));

            BlockMetadataStore.ReconcileResult result = store.reconcile("worker-0",
                    List.of(blockId(FILE, 2), blockId(OTHER, 5)));

            assertEquals(new BlockMetadataStore.ReconcileResult(1, 2, List.of(blockId(OTHER, 5))), result);
            assertEquals(List.of("worker-1"), store.block(FILE, 0).orElseThrow().getWorkerIdsList());
            assertTrue(store.block(FILE, 1).isEmpty(), "a block without replicas is forgotten");
            assertEquals(List.of("worker-0", "worker-1"), store.block(FILE, 2).orElseThrow().getWorkerIdsList());
            assertEquals(new BlockMetadataStore.ReconcileResult(0, 2, List.of()), store.reconcile("worker-1", List.of()));
            assertEquals(List.of(2), store.fileBlocks(FILE).stream().map(BlockRecord::getIndex).toList());
        }
    }

    @Test
    void aDirectoryOpenedTwiceIsRefused() {
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            MetadataStoreException e = assertThrows(MetadataStoreException.class,
                    () -> BlockMetadataStore.open(directory));
            assertTrue(e.getMessage().startsWith("Cannot open the block metadata store in " + directory + ": "),
                    e.getMessage());
            assertEquals(List.of(), store.fileBlocks(FILE), "the first store still works");
        }
    }

    @Test
    void theClusterIdIsKeptAcrossReopeningAndAnotherDirectoryHasAnother(@TempDir Path other) {
        String clusterId;
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            clusterId = store.clusterId();
            assertEquals(clusterId, UUID.fromString(clusterId).toString(), "a UUID");
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            assertEquals(clusterId, store.clusterId());
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(other)) {
            assertNotEquals(clusterId, store.clusterId());
        }
    }

    /** A store an earlier version created has no cluster id: it gets one when opened and keeps it, blocks and all. */
    @Test
    void aStoreWithoutAClusterIdGetsOneWhenOpened() throws RocksDBException {
        String removed;
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            removed = store.clusterId();
            store.commit(record(FILE, 0, "worker-0"));
        }
        deleteFromDefaultFamily("cluster-id");

        String clusterId;
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            clusterId = store.clusterId();
            assertNotEquals(removed, clusterId);
            assertEquals(Optional.of(record(FILE, 0, "worker-0")), store.block(FILE, 0));
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            assertEquals(clusterId, store.clusterId());
        }
    }

    @Test
    void aRunningStoreFlushesItsMemtablesSoThatItsWriteAheadLogStaysBounded() throws IOException {
        MetadataMemory memory = new MetadataMemory(MetadataMemory.MIN_BYTES, MetadataMemory.MIN_BYTES);
        int files = 64;
        int blocksPerFile = 400;
        // about 10 MiB of changes in the write-ahead log: ten times its bound, far below a default
        // memtable, so that only the bound flushes them
        try (BlockMetadataStore store = BlockMetadataStore.open(directory, memory)) {
            for (int file = 0; file < files; file++) {
                List<BlockRecord> records = new ArrayList<>();
                for (int index = 0; index < blocksPerFile; index++) {
                    records.add(record(manyBlocksFile(file), index, "worker-0", "worker-1"));
                }
                store.commitAll(records);
            }

            List<Path> tables = filesEndingWith(".sst");
            assertTrue(!tables.isEmpty(), () -> "RocksDB flushed memtables while the store was open: " + listing());
            long walBytes = 0;
            for (Path log : filesEndingWith(".log")) {
                try {
                    walBytes += Files.size(log);
                }
                catch (NoSuchFileException e) {
                    // a log RocksDB let go of meanwhile
                }
            }
            assertTrue(walBytes <= 4 * memory.walLimitBytes(),
                    () -> "the write-ahead log stays near its bound of " + memory.walLimitBytes() + " bytes: " + listing());
        }
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            for (int file = 0; file < files; file++) {
                List<BlockRecord> blocks = store.fileBlocks(manyBlocksFile(file));
                assertEquals(blocksPerFile, blocks.size(), "every block of file " + file + " after reopening");
                assertEquals(record(manyBlocksFile(file), blocksPerFile - 1, "worker-0", "worker-1"),
                        blocks.get(blocksPerFile - 1));
            }
        }
    }

    private static FileIdentity manyBlocksFile(int file) {
        return new FileIdentity("cosn://bucket/warehouse/db/events_with_a_long_table_name/dt=2026-11-20/hour=07/"
                + "part-" + file + "-0123456789abcdef0123456789abcdef.snappy.parquet", 1L << 40, 1000, "etag-" + file);
    }

    private List<Path> filesEndingWith(String suffix) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(path -> path.getFileName().toString().endsWith(suffix)).toList();
        }
    }

    /** The store's files and their sizes, for messages; a file RocksDB deletes meanwhile (compacted away) is left out. */
    private String listing() {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.sorted().map(path -> {
                try {
                    return path.getFileName() + " " + Files.size(path);
                }
                catch (NoSuchFileException e) {
                    return path.getFileName() + " (deleted)";
                }
                catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList().toString();
        }
        catch (IOException e) {
            return "(cannot list " + directory + ": " + e + ")";
        }
    }

    /** Makes the closed store in {@code directory} look as an earlier version left it: without {@code keys}. */
    private void deleteFromDefaultFamily(String... keys) throws RocksDBException {
        try (Options options = new Options(); DBOptions dbOptions = new DBOptions(); ColumnFamilyOptions familyOptions = new ColumnFamilyOptions()) {
            List<ColumnFamilyDescriptor> descriptors = RocksDB.listColumnFamilies(options, directory.toString()).stream()
                    .map(name -> new ColumnFamilyDescriptor(name, familyOptions))
                    .toList();
            List<ColumnFamilyHandle> handles = new ArrayList<>();
            RocksDB db = RocksDB.open(dbOptions, directory.toString(), descriptors, handles);
            try {
                for (String key : keys) {
                    db.delete(key.getBytes(UTF_8));
                    assertEquals(null, db.get(key.getBytes(UTF_8)));
                }
            }
            finally {
                handles.forEach(ColumnFamilyHandle::close);
                db.close();
            }
        }
    }

    /** {@code count} files of one block each under {@code cosn://bucket/<directory>/}. */
    private static List<FileIdentity> singleBlockFiles(String directory, int count) {
        List<FileIdentity> files = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            files.add(new FileIdentity("cosn://bucket/" + directory + "/part-%05d".formatted(i), 2048, 1000, ""));
        }
        return files;
    }

    /** Commits block 0 of each of {@code files} on worker-0 through a temp area, which queues its unpins. */
    private static void commitThroughTempArea(BlockMetadataStore store, List<FileIdentity> files) {
        String job = "job-" + UUID.randomUUID();
        store.openTempArea(job, 0, Long.MAX_VALUE);
        store.stageAll(job, files.stream().map(file -> record(file, 0, "worker-0")).toList(), 0);
        store.commitScope(job, files.stream().map(file -> ref(file, 0)).toList(), 0);
    }

    /**
     * Commits {@code count} blocks of one file on worker-0 through a temp area, and frees the file:
     * queues an unpin and a deletion for each block.
     */
    private static void queueUnpinsAndDeletions(BlockMetadataStore store, int count) {
        FileIdentity file = new FileIdentity("cosn://bucket/t/dt=1/big", 1L << 40, 1000, "e");
        List<BlockRecord> records = new ArrayList<>();
        List<BlockRef> refs = new ArrayList<>();
        for (int index = 0; index < count; index++) {
            records.add(record(file, index, "worker-0"));
            refs.add(ref(file, index));
        }
        store.openTempArea("job", 0, Long.MAX_VALUE);
        store.stageAll("job", records, 0);
        assertEquals(count, store.commitScope("job", refs, 0).blocks());
        assertEquals(count, store.free(file).blocks());
    }

    /** The block ids of the commands of one kind, sorted: a block id sent twice shows twice. */
    private static List<String> ids(List<WorkerCommand> commands, Predicate<WorkerCommand> kind,
            Function<WorkerCommand, String> blockId) {
        return commands.stream().filter(kind).map(blockId).sorted().toList();
    }

    /** Asserts that the count of queued commands is that of a scan of the queues; returns it. */
    private static long assertCountExact(BlockMetadataStore store, String after) {
        long queued = store.queuedCommands();
        assertEquals(store.countQueuedCommands(), queued, "queued commands after " + after);
        return queued;
    }

    private static BlockRef ref(FileIdentity file, int index) {
        return BlockRef.newBuilder().setFile(ProtoConversions.toProto(file)).setIndex(index).build();
    }

    /** The ids of block 0 of {@code files}, sorted. */
    private static List<String> ids(List<FileIdentity> files) {
        return files.stream().map(file -> blockId(file, 0)).sorted().toList();
    }

    @Test
    void aBatchThatNamesABlockOrAWorkerTwiceIsRefusedAndRecordsNothing() {
        FileIdentity file = new FileIdentity("cosn://bucket/t/twice", 10_000, 1_700_000_000_000L, "");
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                    () -> store.commitAll(List.of(record(file, 0, "worker-0"), record(file, 1, "worker-0"), record(file, 0, "worker-1"))));
            assertEquals("The records of one batch name block 0 of cosn://bucket/t/twice twice", twice.getMessage());
            IllegalArgumentException worker = assertThrows(IllegalArgumentException.class, () -> store.commit(record(file, 0, "worker-0", "worker-0")));
            assertEquals("The record of block 0 of cosn://bucket/t/twice names a worker twice: [worker-0, worker-0]", worker.getMessage());
            store.openTempArea("job", 0, Long.MAX_VALUE);
            assertThrows(IllegalArgumentException.class, () -> store.stageAll("job", List.of(record(file, 2, "worker-0"), record(file, 2, "worker-1")), 0));

            assertEquals(List.of(), store.fileBlocks(file));
            assertEquals(0, store.queuedCommands());
        }
    }

    private static BlockRecord record(FileIdentity file, int index, String... workers) {
        return BlockRecord.newBuilder()
                .setFile(ProtoConversions.toProto(file))
                .setIndex(index)
                .setLength(1000 + index)
                .setCrc32C(index * 31)
                .addAllWorkerIds(List.of(workers))
                .build();
    }

    private static String blockId(FileIdentity file, int index) {
        return new BlockKey(file, index).blockId();
    }
}
