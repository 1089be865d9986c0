package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.FileErrors;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoint of one load job, in RocksDB under {@code <jobs>/<job id>}: the blocks its runs
 * committed and the UFS bytes they read, and the id of the cache cluster they loaded into. The job
 * id is derived from the request, so the same command after a crash finds the same journal and
 * continues; a job that succeeds deletes its journal. The journal is tied to its cluster: run
 * against another cluster (another master, or one whose metadata was wiped), which holds none of
 * the blocks it records, the job starts afresh.
 *
 * <p>Thread-safe. Writes go to RocksDB's write-ahead log, which survives the process being killed.
 */
public final class JobJournal implements AutoCloseable {
    private static final byte[] UFS_BYTES_READ = "ufs-bytes-read".getBytes(StandardCharsets.UTF_8);
    private static final byte[] RUNS = "runs".getBytes(StandardCharsets.UTF_8);
    private static final byte[] REQUEST = "request".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CLUSTER_ID = "cluster-id".getBytes(StandardCharsets.UTF_8);
    /** Above every key: keys are UTF-8, which never has a byte 0xFF. */
    private static final byte[] END_OF_KEYS = {(byte) 0xFF};
    private static final String BLOCK_PREFIX = "block/";
    private static final String DELETING = ".deleting";
    /**
     * The name of a journal's directory, its job id ({@link #jobId}), or of one {@link #prune}
     * renamed to delete it.
     */
    private static final Pattern JOURNAL = Pattern.compile("[0-9a-f]{16}|\\.[0-9a-f]{16}\\.deleting");
    /**
     * The UFS bytes read are written ahead in steps of this size: the journal holds the bytes read
     * rounded up to the next step, and the exact figure once closed. A killed run so leaves a
     * figure at most one step above what it read, never below, at one journal write per step
     * instead of one per read.
     */
    static final long READ_RECORD_STEP = 1 << 20;
    /**
     * The memtable's size. A journal holds tens of bytes a block, kilobytes for most jobs, and
     * RocksDB preallocates its write-ahead log at about this size (about 70 MB with the default
     * 64 MiB, which a killed run leaves on disk): a small one keeps a journal small on disk, at the
     * cost of a flush to a table file every this many bytes of blocks recorded.
     */
    static final long WRITE_BUFFER_SIZE = 256 << 10;
    /** The MANIFEST's preallocation (RocksDB's default is 4 MiB): a journal's MANIFEST holds a few hundred bytes. */
    static final long MANIFEST_PREALLOCATION_SIZE = 64 << 10;
    /**
     * RocksDB's info log: each open of a journal starts a new one (about 30 KB, the options it runs
     * with), so that a job run again and again would otherwise keep up to 1,000 old ones.
     */
    static final long INFO_LOG_FILES_KEPT = 2;
    static final long INFO_LOG_MAX_SIZE = 1 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(JobJournal.class);

    static {
        RocksDB.loadLibrary();
    }

    private final String jobId;
    private final Path directory;
    private final Options options;
    private final RocksDB db;
    private final long previousUfsBytesRead;
    private final long previousBlocks;
    private final long run;
    private final Optional<String> discarded;
    private long ufsBytesRead;
    private long ufsBytesReadRecorded;
    private LoadPlan cachedCountedIn;
    private long previousBlocksCached;

    private JobJournal(String jobId, Path directory, Options options, RocksDB db, Optional<String> discarded) throws RocksDBException {
        this.jobId = jobId;
        this.discarded = discarded;
        this.directory = directory;
        this.options = options;
        this.db = db;
        this.previousUfsBytesRead = readLong(UFS_BYTES_READ);
        this.ufsBytesRead = previousUfsBytesRead;
        this.ufsBytesReadRecorded = previousUfsBytesRead;
        long blocks = 0;
        try (var iterator = db.newIterator()) {
            byte[] prefix = BLOCK_PREFIX.getBytes(StandardCharsets.UTF_8);
            for (iterator.seek(prefix); iterator.isValid() && startsWith(iterator.key(), prefix); iterator.next()) {
                blocks++;
            }
        }
        this.previousBlocks = blocks;
        this.run = readLong(RUNS) + 1;
        db.put(RUNS, toBytes(run));
    }

    /**
     * The job id of {@code request}: a 16-character hex digest of what it loads and how. An atomic
     * load ({@code -A}) of the same request is another job, with its own journal and temp area:
     * a plain re-run does not resume it, nor it a plain run. So is an atomic load at another
     * scope: a scope is what becomes visible at once, and a run at one scope that adopted a temp
     * area staged at another would commit what that run staged to be visible with the rest of its
     * scope only. The default scope ({@code file}) adds nothing to the digest, so that its job
     * ids are those of the gfsload versions before scopes counted.
     *
     * @param atomic the scope of an atomic load; empty for a plain one
     */
    public static String jobId(LoadRequest request, Optional<AtomicOptions.Scope> atomic) {
        requireNonNull(request, "request is null");
        requireNonNull(atomic, "atomic is null");
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(request.target().describe().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(Integer.toString(request.replication()).getBytes(StandardCharsets.UTF_8));
            if (atomic.isPresent()) {
                digest.update((byte) 0);
                digest.update("atomic".getBytes(StandardCharsets.UTF_8));
                if (atomic.get() != AtomicOptions.Scope.FILE) {
                    digest.update((byte) 0);
                    digest.update(atomic.get().name().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
                }
            }
            return HexFormat.of().formatHex(digest.digest(), 0, 8);
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** The job id of a plain load of {@code request}, or of an atomic one at the default scope ({@code file}). */
    public static String jobId(LoadRequest request, boolean atomic) {
        return jobId(request, defaultScope(atomic));
    }

    private static Optional<AtomicOptions.Scope> defaultScope(boolean atomic) {
        return atomic ? Optional.of(AtomicOptions.Scope.FILE) : Optional.empty();
    }

    /**
     * Opens the journal of {@code request}, atomic (at a scope) or not ({@link #jobId}), under
     * {@code jobsDirectory} for a run against the cache cluster {@code clusterId}, creating it, or
     * adopting what an earlier run of the same request left unless {@code restart}. A journal that
     * earlier runs wrote against another cluster is not adopted: the job starts afresh as with
     * {@code restart}, and {@link #discarded()} says so.
     *
     * @param clusterId the id of the cache cluster the run loads into ({@code ClusterInfo.clusterId()})
     * @throws JournalException when the journal cannot be opened, for example because another
     *     process runs the same job
     */
    public static JobJournal open(Path jobsDirectory, LoadRequest request, Optional<AtomicOptions.Scope> atomic, String clusterId, boolean restart) {
        requireNonNull(jobsDirectory, "jobsDirectory is null");
        requireNonNull(clusterId, "clusterId is null");
        String jobId = jobId(request, atomic);
        Path directory = jobsDirectory.resolve(jobId);
        try {
            if (restart) {
                deleteRecursively(directory);
            }
            Files.createDirectories(directory);
            Options options = options();
            RocksDB db = null;
            try {
                db = RocksDB.open(options, directory.toString());
                Optional<String> discarded = foreignJournal(db, jobId, clusterId);
                if (discarded.isPresent()) {
                    // emptied in place, so that the job's lock is held throughout
                    db.deleteRange(new byte[0], END_OF_KEYS);
                }
                db.put(REQUEST, request.target().describe().getBytes(StandardCharsets.UTF_8));
                db.put(CLUSTER_ID, clusterId.getBytes(StandardCharsets.UTF_8));
                JobJournal journal = new JobJournal(jobId, directory, options, db, discarded);
                discarded.ifPresent(line -> LOG.warn("{}", line));
                return journal;
            }
            catch (RocksDBException | RuntimeException e) {
                if (db != null) {
                    db.close();
                }
                options.close();
                throw e;
            }
        }
        catch (RocksDBException e) {
            String reason = e.getMessage() != null && e.getMessage().contains("lock")
                    ? "another gfsload process is running the same job"
                    : e.getMessage();
            throw new JournalException("Cannot open the journal of job %s in %s: %s".formatted(jobId, directory, reason), e);
        }
        catch (IOException e) {
            // the exceptions of Files say only the path: "permission denied" is the part a user needs
            throw new JournalException("Cannot create the journal of job %s in %s: %s".formatted(jobId, directory, FileErrors.reason(e, directory)), e);
        }
    }

    /**
     * What {@link #prune} deleted.
     *
     * @param journals the journals deleted
     * @param bytes the disk space they took: at least their files' sizes, and what the file
     *     system reported freed when more (space RocksDB preallocated past a file's end)
     */
    public record Pruned(int journals, long bytes) {
        public Pruned {
            if (journals < 0 || bytes < 0) {
                throw new IllegalArgumentException("journals and bytes must be >= 0: %d, %d".formatted(journals, bytes));
            }
        }
    }

    /**
     * Deletes the journals under {@code jobsDirectory} that no run has written for
     * {@code retention} before {@code now} (their directory's and files' newest modification time):
     * those of jobs killed, failed or partial and never run again, a new job each night for a
     * nightly load of a new partition. Never the journal of {@code keepJobId} (the job about to
     * run), nor one that a run holds open, in this process or another (RocksDB's lock): a journal
     * is deleted only while this method holds that lock, renamed out of the way first, so that a
     * run of its job starting meanwhile starts afresh rather than losing its journal. A journal
     * that cannot be opened or deleted (another user's, say) is left as it is: pruning never stops
     * a load.
     */
    public static Pruned prune(Path jobsDirectory, Duration retention, Instant now, String keepJobId) {
        requireNonNull(jobsDirectory, "jobsDirectory is null");
        requireNonNull(retention, "retention is null");
        requireNonNull(now, "now is null");
        requireNonNull(keepJobId, "keepJobId is null");
        Instant before = now.minus(retention);
        List<Path> candidates;
        try (Stream<Path> entries = Files.list(jobsDirectory)) {
            candidates = entries.filter(path -> JOURNAL.matcher(path.getFileName().toString()).matches())
                    .filter(path -> !path.getFileName().toString().equals(keepJobId))
                    .sorted()
                    .toList();
        }
        catch (NoSuchFileException e) {
            return new Pruned(0, 0);
        }
        catch (IOException e) {
            LOG.warn("Cannot list the job journals in {}: {}", jobsDirectory, e.toString());
            return new Pruned(0, 0);
        }
        int journals = 0;
        long bytes = 0;
        for (Path directory : candidates) {
            try {
                if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS) || !lastWritten(directory).isBefore(before)) {
                    continue;
                }
                OptionalLong freed = directory.getFileName().toString().endsWith(DELETING)
                        // what a prune cut short left: renamed under the lock, no run opens it
                        ? OptionalLong.of(delete(directory))
                        : deleteUnlessOpen(directory);
                if (freed.isPresent()) {
                    journals++;
                    bytes += freed.getAsLong();
                }
            }
            catch (IOException | UncheckedIOException e) {
                LOG.warn("Cannot delete the stale job journal {}: {}", directory, e.toString());
            }
        }
        return new Pruned(journals, bytes);
    }

    /** The newest modification time of {@code directory} and of the files in it. */
    private static Instant lastWritten(Path directory) throws IOException {
        Instant newest = Files.getLastModifiedTime(directory, LinkOption.NOFOLLOW_LINKS).toInstant();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Instant modified = Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toInstant();
                if (modified.isAfter(newest)) {
                    newest = modified;
                }
            }
        }
        return newest;
    }

    /**
     * Deletes the journal in {@code directory} unless a run holds it open, returning the space
     * freed; empty when it is held, or cannot be opened as a journal.
     */
    private static OptionalLong deleteUnlessOpen(Path directory) throws IOException {
        Path deleting = directory.resolveSibling("." + directory.getFileName() + DELETING);
        deleteRecursively(deleting);
        // measured before the open, which replays the write-ahead log and deletes it
        Freeing freeing = Freeing.of(directory);
        try (Options options = options().setCreateIfMissing(false); RocksDB db = RocksDB.open(options, directory.toString())) {
            // the lock held: a run of the job that starts from now on finds no journal, and starts afresh
            Files.move(directory, deleting, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (RocksDBException e) {
            if (e.getMessage() == null || !e.getMessage().contains("lock")) {
                LOG.warn("Cannot open the stale job journal {} to delete it: {}", directory, e.getMessage());
            }
            return OptionalLong.empty();
        }
        deleteRecursively(deleting);
        return OptionalLong.of(freeing.freed());
    }

    /** Deletes {@code directory}, returning the space freed. */
    private static long delete(Path directory) throws IOException {
        Freeing freeing = Freeing.of(directory);
        deleteRecursively(directory);
        return freeing.freed();
    }

    /**
     * The space a directory about to be deleted takes: its files' sizes, and the file system's
     * unallocated space before, to tell what the deletion freed. The file sizes leave out what
     * RocksDB preallocated past a file's end (the write-ahead log's, 70 MB in a journal of an older
     * gfsload); what else the disk saw meanwhile may blur the file system's figure, never below
     * the sizes.
     */
    private record Freeing(FileStore store, long unallocatedBefore, long size) {
        static Freeing of(Path directory) throws IOException {
            // the store of the directory above: the directory's own cannot be asked once it is deleted
            FileStore store = Files.getFileStore(directory.getParent());
            return new Freeing(store, store.getUnallocatedSpace(), sizeOf(directory));
        }

        long freed() throws IOException {
            return Math.max(size, store.getUnallocatedSpace() - unallocatedBefore);
        }
    }

    private static long sizeOf(Path directory) throws IOException {
        long size = 0;
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                size += Files.size(file);
            }
        }
        return size;
    }

    /** The RocksDB options of a journal: sized for kilobytes to megabytes of records, not RocksDB's defaults. */
    private static Options options() {
        return new Options()
                .setCreateIfMissing(true)
                .setWriteBufferSize(WRITE_BUFFER_SIZE)
                .setManifestPreallocationSize(MANIFEST_PREALLOCATION_SIZE)
                .setKeepLogFileNum(INFO_LOG_FILES_KEPT)
                .setMaxLogFileSize(INFO_LOG_MAX_SIZE);
    }

    /** Opens the journal of a plain load of {@code request}, or of an atomic one at the default scope; see {@link #open(Path, LoadRequest, Optional, String, boolean)}. */
    public static JobJournal open(Path jobsDirectory, LoadRequest request, boolean atomic, String clusterId, boolean restart) {
        return open(jobsDirectory, request, defaultScope(atomic), clusterId, restart);
    }

    /**
     * Why the journal in {@code db}, left by earlier runs, is not adopted by a run against the
     * cluster {@code clusterId}, if it is not: they loaded into another cluster.
     */
    private static Optional<String> foreignJournal(RocksDB db, String jobId, String clusterId) throws RocksDBException {
        if (db.get(RUNS) == null) {
            // a new journal: no earlier run to adopt
            return Optional.empty();
        }
        byte[] recorded = db.get(CLUSTER_ID);
        if (recorded == null) {
            // Written by a gfsload that did not record the cluster: whether its blocks are in this
            // cluster cannot be told, and adopting them when they are not is what reports blocks
            // the cluster does not hold as committed by earlier runs. Starting afresh costs only the
            // figures of those runs: blocks this cluster holds are still found cached and skipped.
            return Optional.of("The journal of job %s does not say which cache cluster it was written against (an older gfsload wrote it); starting the job afresh"
                    .formatted(jobId));
        }
        String previous = new String(recorded, StandardCharsets.UTF_8);
        if (previous.equals(clusterId)) {
            return Optional.empty();
        }
        return Optional.of("The journal of job %s was written against another cache cluster (%s); starting the job afresh"
                .formatted(jobId, previous.isEmpty() ? "id unknown" : previous));
    }

    /**
     * Runs {@code load} with the journal of {@code request} for a run against the cache cluster
     * {@code clusterId} (see {@link #open}): a load that succeeds deletes the journal, any other
     * outcome keeps it for the next run, and the journal is closed even when {@code load} throws.
     */
    public static LoadReport withJournal(Path jobsDirectory, LoadRequest request, Optional<AtomicOptions.Scope> atomic, String clusterId, boolean restart,
            java.util.function.Function<JobJournal, LoadReport> load) {
        JobJournal journal = open(jobsDirectory, request, atomic, clusterId, restart);
        LoadReport report;
        try {
            report = load.apply(journal);
        }
        catch (RuntimeException e) {
            journal.close();
            throw e;
        }
        if (report.state() == LoadState.SUCCEEDED) {
            journal.complete();
        }
        else {
            journal.close();
        }
        return report;
    }

    /** Runs {@code load} with the journal of a plain load of {@code request}, or of an atomic one at the default scope; see {@link #withJournal(Path, LoadRequest, Optional, String, boolean, java.util.function.Function)}. */
    public static LoadReport withJournal(Path jobsDirectory, LoadRequest request, boolean atomic, String clusterId, boolean restart,
            java.util.function.Function<JobJournal, LoadReport> load) {
        return withJournal(jobsDirectory, request, defaultScope(atomic), clusterId, restart, load);
    }

    public String jobId() {
        return jobId;
    }

    /**
     * Why this run starts the job afresh although earlier runs left a journal of it, if it does:
     * they loaded into another cache cluster. One line, e.g. {@code The journal of job
     * 0123456789abcdef was written against another cache cluster (<its id>); starting the job
     * afresh}. Empty when the journal was adopted, new, or discarded on request ({@code restart}).
     */
    public Optional<String> discarded() {
        return discarded;
    }

    /** Which run of the job this is: 1 for the first. */
    public long run() {
        return run;
    }

    /**
     * UFS bytes read by the earlier runs of this job; after a run that was killed, up to
     * {@link #READ_RECORD_STEP} more than it read.
     */
    public long previousUfsBytesRead() {
        return previousUfsBytesRead;
    }

    /** Blocks the earlier runs of this job committed. */
    public long previousBlocks() {
        return previousBlocks;
    }

    /**
     * How many of the blocks the journal records committed are among {@code blockIds}. The journal
     * records what its runs committed, not what the cache keeps: blocks evicted since, or lost with
     * a worker, are in {@link #previousBlocks()} and not in a plan's cached blocks.
     */
    private long previousBlocksAmong(Set<String> blockIds) {
        requireNonNull(blockIds, "blockIds is null");
        long among = 0;
        try (var iterator = db.newIterator()) {
            byte[] prefix = BLOCK_PREFIX.getBytes(StandardCharsets.UTF_8);
            for (iterator.seek(prefix); iterator.isValid() && startsWith(iterator.key(), prefix); iterator.next()) {
                String blockId = new String(iterator.key(), prefix.length, iterator.key().length - prefix.length, StandardCharsets.UTF_8);
                if (blockIds.contains(blockId)) {
                    among++;
                }
            }
        }
        return among;
    }

    /**
     * Of the {@link #previousBlocks()}, those {@code plan} found cached: what the cache still holds
     * of the blocks the earlier runs committed, the others evicted or lost with a worker since.
     * Call it with the plan a run starts with, before the run records a block (a block this run
     * records counts too); the count is kept, so that calls with the same plan (the status line,
     * then the report) count once and agree.
     */
    public synchronized long previousBlocksCached(LoadPlan plan) {
        requireNonNull(plan, "plan is null");
        if (plan != cachedCountedIn) {
            previousBlocksCached = previousBlocks == 0 ? 0 : previousBlocksAmong(plan.partitions().stream()
                    .flatMap(partition -> partition.files().stream())
                    .flatMap(file -> file.blocks().stream())
                    .filter(BlockTask::cached)
                    .map(block -> new BlockKey(block.file(), block.index()).blockId())
                    .collect(Collectors.toUnmodifiableSet()));
            cachedCountedIn = plan;
        }
        return previousBlocksCached;
    }

    /** Adds {@code bytes} read from the UFS to the job's total. */
    public synchronized void recordRead(long bytes) {
        ufsBytesRead += bytes;
        if (ufsBytesRead > ufsBytesReadRecorded) {
            long ahead = (ufsBytesRead / READ_RECORD_STEP + 1) * READ_RECORD_STEP;
            put(UFS_BYTES_READ, toBytes(ahead));
            ufsBytesReadRecorded = ahead;
        }
    }

    /** Records a committed block. */
    public void recordCommitted(String blockId) {
        put((BLOCK_PREFIX + blockId).getBytes(StandardCharsets.UTF_8), new byte[0]);
    }

    /** Records committed blocks, in one write. */
    public void recordCommitted(java.util.Collection<String> blockIds) {
        try (WriteBatch batch = new WriteBatch(); WriteOptions write = new WriteOptions()) {
            for (String blockId : blockIds) {
                batch.put((BLOCK_PREFIX + blockId).getBytes(StandardCharsets.UTF_8), new byte[0]);
            }
            db.write(write, batch);
        }
        catch (RocksDBException e) {
            throw new JournalException("Cannot write the journal of job %s: %s".formatted(jobId, e.getMessage()), e);
        }
    }

    /** UFS bytes read by every run of the job so far, this one included. */
    public synchronized long ufsBytesRead() {
        return ufsBytesRead;
    }

    private void put(byte[] key, byte[] value) {
        try {
            db.put(key, value);
        }
        catch (RocksDBException e) {
            throw new JournalException("Cannot write the journal of job %s: %s".formatted(jobId, e.getMessage()), e);
        }
    }

    private long readLong(byte[] key) throws RocksDBException {
        byte[] value = db.get(key);
        return value == null ? 0 : ByteBuffer.wrap(value).getLong();
    }

    private static byte[] toBytes(long value) {
        return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        if (key.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (key[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Closes and deletes the journal: the job is done. */
    public void complete() {
        close();
        try {
            deleteRecursively(directory);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot delete the journal " + directory, e);
        }
    }

    @Override
    public synchronized void close() {
        if (db.isOwningHandle()) {
            try {
                if (ufsBytesReadRecorded != ufsBytesRead) {
                    put(UFS_BYTES_READ, toBytes(ufsBytesRead));
                    ufsBytesReadRecorded = ufsBytesRead;
                }
            }
            finally {
                db.close();
                options.close();
            }
        }
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
