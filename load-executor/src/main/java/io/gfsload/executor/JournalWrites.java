package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.Counts;
import io.gfsload.cache.api.FileIdentity;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a load writes to its job's journal as it goes: the blocks the master committed, the files
 * the cache dropped as changed or gone, the UFS bytes read. Each is written after the cache already
 * did it, which a journal that cannot be written ({@link JournalException}: a full disk, its store
 * failing) does not undo: the failure is logged at WARN, the load goes on as if the write had
 * succeeded (the files committed count as loaded), and {@link #warning} says what the journal
 * lacks, for the load's report. A journal closed meanwhile still fails the write with {@link
 * IllegalStateException}: only a load that already failed, or a JVM that is ending, closes it.
 *
 * <p>Thread-safe.
 */
final class JournalWrites {
    private static final Logger LOG = LoggerFactory.getLogger(JournalWrites.class);

    private final Optional<JobJournal> journal;
    private final AtomicLong blocksNotRecorded = new AtomicLong();
    private final AtomicLong filesNotForgotten = new AtomicLong();
    private final AtomicBoolean readsNotRecorded = new AtomicBoolean();
    /** The first write that failed, as the journal said; null while none did. */
    private final AtomicReference<String> failure = new AtomicReference<>();

    /** The writes of a load to {@code journal}; none for a load without one. */
    JournalWrites(Optional<JobJournal> journal) {
        this.journal = requireNonNull(journal, "journal is null");
    }

    /** Whether the load has a journal. */
    boolean present() {
        return journal.isPresent();
    }

    /** Records {@code blockIds}, committed, in one write. */
    void committed(Collection<String> blockIds) {
        if (journal.isEmpty() || blockIds.isEmpty()) {
            return;
        }
        try {
            journal.get().recordCommitted(blockIds);
        }
        catch (JournalException e) {
            blocksNotRecorded.addAndGet(blockIds.size());
            failed(e, "%s committed and loaded".formatted(Counts.of(blockIds.size(), "block")));
        }
    }

    /** Records {@code blockId}, committed. */
    void committed(String blockId) {
        committed(List.of(blockId));
    }

    /** Adds {@code bytes} read from the UFS to the job's total. */
    void read(long bytes) {
        if (journal.isEmpty()) {
            return;
        }
        try {
            journal.get().recordRead(bytes);
        }
        catch (JournalException e) {
            readsNotRecorded.set(true);
            failed(e, "UFS bytes read");
        }
    }

    /** Forgets the blocks of {@code file}, which the cache no longer holds ({@link JobJournal#forget}). */
    void forget(FileIdentity file) {
        if (journal.isEmpty()) {
            return;
        }
        try {
            journal.get().forget(file);
        }
        catch (JournalException e) {
            filesNotForgotten.incrementAndGet();
            failed(e, "that the blocks of %s are uncached".formatted(file.path()));
        }
    }

    private void failed(JournalException e, String what) {
        if (failure.compareAndSet(null, e.getMessage())) {
            LOG.warn("{}; not recorded: {}. The load goes on, and its report says what the journal lacks", e.getMessage(), what);
        }
        else {
            LOG.debug("{}; not recorded: {}", e.getMessage(), what);
        }
    }

    /**
     * What the journal lacks of what the load did, when a write failed: e.g. {@code Cannot write
     * the journal of job 0123456789abcdef: IO error: No space left on device; the journal lacks 4
     * blocks this run committed, which are loaded: a later run of the job counts them already
     * cached, not committed by an earlier run}. Empty when every write succeeded.
     */
    Optional<String> warning() {
        String first = failure.get();
        if (first == null) {
            return Optional.empty();
        }
        List<String> lacking = new ArrayList<>();
        long blocks = blocksNotRecorded.get();
        if (blocks > 0) {
            lacking.add("%s this run committed, which are loaded: a later run of the job counts them already cached, not committed by an earlier run"
                    .formatted(Counts.of(blocks, "block")));
        }
        long files = filesNotForgotten.get();
        if (files > 0) {
            lacking.add("that the blocks of %s this run uncached as changed or gone are no longer cached: a later run of the job counts them"
                    .formatted(Counts.of(files, "file")) + " committed by an earlier run, of files changed since");
        }
        if (readsNotRecorded.get()) {
            lacking.add("some of the UFS bytes this run read: a later run counts fewer read by the earlier runs");
        }
        return Optional.of("%s; the journal lacks %s".formatted(first, String.join("; and ", lacking)));
    }

    /** {@code job} with {@link #warning}, if there is one. */
    LoadReport.JobSummary withWarning(LoadReport.JobSummary job) {
        return warning().map(job::withWarning).orElse(job);
    }
}
