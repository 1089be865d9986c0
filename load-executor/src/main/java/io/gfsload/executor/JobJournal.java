package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.FileErrors;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.PartitionLoad;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;
import org.rocksdb.WriteBatch;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoint of one load job, in RocksDB under {@code <jobs>/<job id>}: the blocks its runs
 * committed (each with its partition) and the UFS bytes they read, and the id of the cache cluster
 * they loaded into. The job id is derived from the request, so the same command after a crash
 * finds the same journal and continues; a job that succeeds deletes its journal. The journal is
 * tied to its cluster: run against another cluster (another master, or one whose metadata was
 * wiped), which holds none of the blocks it records, the job starts afresh.
 *
 * <p>Thread-safe. Writes go to RocksDB's write-ahead log, which survives the process being killed.
 */
public final class JobJournal implements AutoCloseable {
    private static final byte[] UFS_BYTES_READ = "ufs-bytes-read".getBytes(StandardCharsets.UTF_8);
    private static final byte[] RUNS = "runs".getBytes(StandardCharsets.UTF_8);
    private static final byte[] REQUEST = "request".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CLUSTER_ID = "cluster-id".getBytes(StandardCharsets.UTF_8);
    private static final byte[] TEMP_AREA_RUN = "temp-area-run".getBytes(StandardCharsets.UTF_8);
    /** Above every key: keys are UTF-8, which never has a byte 0xFF. */
    private static final byte[] END_OF_KEYS = {(byte) 0xFF};
    private static final String BLOCK_PREFIX = "block/";
    /** How long a run waits for a journal that another run's check holds open for a moment. */
    private static final Duration CHECK_HOLD = Duration.ofSeconds(2);
    private static final String DELETING = ".deleting";
    private static final String UNUSABLE = ".unusable-";
    /** The name of a journal's directory: its job id ({@link #jobId}). */
    private static final Pattern JOURNAL = Pattern.compile("[0-9a-f]{16}");
    /**
     * The name a journal's directory is renamed to before it is deleted, out of the job ids'
     * namespace: a run of the job finds no journal from the rename on, never a half-deleted one.
     */
    private static final Pattern DELETING_JOURNAL = Pattern.compile("\\.[0-9a-f]{16}\\.deleting");
    /** The name an unusable journal is moved aside to, kept for inspection until {@link #prune} deletes it. */
    private static final Pattern UNUSABLE_JOURNAL = Pattern.compile("[0-9a-f]{16}\\.unusable-[0-9]{8}T[0-9]{9}Z");
    private static final DateTimeFormatter UNUSABLE_TIME = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmssSSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final String LOCKED = "another gfsload process is running the same job";
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
    /**
     * The format of the journal's table files. A job's journal is read by whichever gfsload runs
     * the same command next: the command line, with the RocksDB it ships (10.x, whose default is
     * format 6), or a Spark job, whose jar leaves RocksDB to the Spark distribution's (8.3.2 in
     * Spark 3.5), which cannot read format 6 ({@code Corrupt or unsupported format_version: 6}).
     * Format 5 is read and written by both; so are the rest of a journal's files (write-ahead log,
     * MANIFEST, Snappy compression) with the options set here.
     */
    static final int TABLE_FORMAT_VERSION = 5;

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
    private final String tempAreaRunId;
    private final Optional<String> discarded;
    private long ufsBytesRead;
    private long ufsBytesReadRecorded;
    private LoadPlan cachedCountedIn;
    private long previousBlocksCached;
    private long previousBlocksOfChangedFiles;
    private long previousBlocksNotSelected;
    /** The partition of each file of the plan this run loads, by file key ({@link FileIdentity#fileKey()}): see {@link #loading}. */
    private volatile Map<String, String> partitionOfFile = Map.of();
    /** When not null, why every write of the journal fails, as its store would say: see {@link #failWrites}. */
    private volatile String writeFailure;

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
        byte[] tempAreaRun = db.get(TEMP_AREA_RUN);
        if (tempAreaRun == null) {
            tempAreaRun = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
            db.put(TEMP_AREA_RUN, tempAreaRun);
        }
        this.tempAreaRunId = new String(tempAreaRun, StandardCharsets.UTF_8);
    }

    /**
     * The run id under which the runs of the job from this journal open and renew its temp area
     * ({@link io.gfsload.cache.api.TempAreaRun}): the same for every run from this gfsload home,
     * which run one at a time under the journal's lock, so that a run adopts at once what a killed
     * or failed run from here staged; random, so that a run of the job from another home or host
     * has another, and is refused the area while a run from here renews it.
     */
    public String tempAreaRunId() {
        return tempAreaRunId;
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
            // the partitions or paths in any order, or one twice, are the same job
            digest.update(request.target().canonical().getBytes(StandardCharsets.UTF_8));
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
     * Whether {@code jobsDirectory} has a journal of job {@code jobId}: an earlier run of the job
     * was killed, failed or ended partial, and the same command resumes it. The job's directory
     * without RocksDB's {@code CURRENT} file (a run killed between creating the directory and
     * opening the store in it) holds no journal: {@link #open} starts the job afresh there.
     */
    public static boolean exists(Path jobsDirectory, String jobId) {
        return Files.isRegularFile(jobsDirectory.resolve(jobId).resolve("CURRENT"));
    }

    /**
     * Opens the journal of {@code request}, atomic (at a scope) or not ({@link #jobId}), under
     * {@code jobsDirectory} for a run against the cache cluster {@code clusterId}, creating it, or
     * adopting what an earlier run of the same request left unless {@code restart}. A journal that
     * earlier runs wrote against another cluster is not adopted: the job starts afresh as with
     * {@code restart}, and {@link #discarded()} says so. So is a journal whose store is unusable
     * (its CURRENT, MANIFEST or another of RocksDB's own files missing or corrupt, as a process
     * killed while deleting it leaves it): it is moved aside to {@code <job id>.unusable-<time>},
     * kept for inspection until {@link #prune} deletes it, and {@link #discarded()} names it. The
     * plan is deterministic and the cache records what it holds, so that starting afresh loses
     * only the figures of the earlier runs.
     *
     * @param clusterId the id of the cache cluster the run loads into ({@code ClusterInfo.clusterId()})
     * @throws JournalException when the journal cannot be opened: because another process runs the
     *     same job (with {@code restart} too), or for another reason than an unusable store (a
     *     permission, a full disk), which the message names with {@code --restart} as the way to
     *     start the job afresh
     */
    public static JobJournal open(Path jobsDirectory, LoadRequest request, Optional<AtomicOptions.Scope> atomic, String clusterId, boolean restart) {
        requireNonNull(jobsDirectory, "jobsDirectory is null");
        requireNonNull(clusterId, "clusterId is null");
        checkJobsDirectory(jobsDirectory);
        String jobId = jobId(request, atomic);
        Path directory = jobsDirectory.resolve(jobId);
        try {
            // the identity of the runs from this home outlives --restart: a run killed while it held the job's temp area
            // is this home's, whose restarted run adopts the area at once rather than being refused it as another home's
            Optional<byte[]> identity = restart ? discard(directory, jobId) : Optional.empty();
            Files.createDirectories(directory);
            Options options = options();
            RocksDB db = null;
            try {
                Optional<String> unusable = Optional.empty();
                try {
                    // a journal left by an earlier run is opened as it is, never created anew over what is left of it
                    db = openWaitingForChecks(options.setCreateIfMissing(isEmpty(directory)), directory);
                }
                catch (RocksDBException e) {
                    if (locked(e) || !unusable(e, directory)) {
                        throw e;
                    }
                    Path aside = moveAside(directory, jobId, e);
                    unusable = Optional.of("The journal of job %s cannot be used (%s); moved it to %s and starting the job afresh"
                            .formatted(jobId, e.getMessage(), aside));
                    Files.createDirectories(directory);
                    db = RocksDB.open(options.setCreateIfMissing(true), directory.toString());
                }
                Optional<String> discarded = unusable.isPresent() ? unusable : foreignJournal(db, jobId, clusterId);
                if (discarded.isPresent()) {
                    // emptied in place, so that the job's lock is held throughout
                    db.deleteRange(new byte[0], END_OF_KEYS);
                }
                db.put(REQUEST, request.target().describe().getBytes(StandardCharsets.UTF_8));
                db.put(CLUSTER_ID, clusterId.getBytes(StandardCharsets.UTF_8));
                if (identity.isPresent()) {
                    db.put(TEMP_AREA_RUN, identity.get());
                }
                JobJournal journal = new JobJournal(jobId, directory, options, db, discarded);
                discarded.ifPresent(line -> LOG.warn("{}", line));
                return journal;
            }
            catch (RocksDBException | IOException | RuntimeException e) {
                if (db != null) {
                    db.close();
                }
                options.close();
                throw e;
            }
        }
        catch (RocksDBException e) {
            if (locked(e)) {
                throw lockedByAnother(jobId, directory, e);
            }
            throw new JournalException("Cannot open the journal of job %s in %s: %s; the same command with --restart starts the job afresh"
                    .formatted(jobId, directory, e.getMessage()), e);
        }
        catch (IOException e) {
            // the exceptions of Files say only the path: "permission denied" is the part a user needs
            throw new JournalException("Cannot create the journal of job %s in %s: %s".formatted(jobId, directory, FileErrors.reason(e, directory)), e);
        }
    }

    /**
     * Fails when {@code jobsDirectory}, where the journals of jobs go, exists and is not a
     * directory (a file where the directory goes): no journal can be kept there, and no retry
     * changes that. A directory that does not exist yet passes: {@link #open} creates it.
     *
     * @throws JournalException naming it, caused by a {@link NotDirectoryException}
     */
    public static void checkJobsDirectory(Path jobsDirectory) {
        if (Files.exists(jobsDirectory) && !Files.isDirectory(jobsDirectory)) {
            throw new JournalException("Cannot keep the journals of load jobs in %s: it is %snot a directory"
                    .formatted(jobsDirectory, Files.isRegularFile(jobsDirectory) ? "a file, " : ""), new NotDirectoryException(jobsDirectory.toString()));
        }
    }

    /**
     * Fails when another run holds the journal of job {@code jobId} open, in another process (or
     * this one): that run has the job, and this one would fail to open the journal after planning.
     * Checked before planning, a run started while the same job runs stops at once, before it
     * asks the metastore, the UFS or the cache anything. A check, not a hold: a run that passes it
     * can still find the journal held when it opens it ({@link #open}), with the same exception.
     * A journal that does not exist, or cannot be opened for another reason, passes: {@link #open}
     * deals with it. The check leaves the journal's age as it was ({@link #prune} counts it from
     * the last write of a run), so that a dry run of the job, every night, does not keep it.
     *
     * @throws JobLockedException when another run holds the journal open
     */
    public static void checkNotRunning(Path jobsDirectory, String jobId) {
        Path directory = jobsDirectory.resolve(jobId);
        if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Optional<Instant> age = lastWrittenIfKnown(directory);
        // opened and closed at once, as prune tells a journal a run holds; never created
        try (Options options = options().setCreateIfMissing(false); RocksDB db = RocksDB.open(options, directory.toString())) {
            LOG.debug("The journal of job {} is not held by another run", jobId);
        }
        catch (RocksDBException e) {
            if (locked(e)) {
                throw lockedByAnother(jobId, directory, e);
            }
        }
        finally {
            // the open writes RocksDB's own files (a new manifest, its log): no run wrote the journal
            age.ifPresent(lastWritten -> keepAge(directory, lastWritten));
        }
    }

    private static Optional<Instant> lastWrittenIfKnown(Path directory) {
        try {
            return Optional.of(lastWritten(directory));
        }
        catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** Sets the modification time of {@code directory} and of its files written after {@code lastWritten} back to it, best effort. */
    private static void keepAge(Path directory, Instant lastWritten) {
        FileTime time = FileTime.from(lastWritten);
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                setModifiedIfAfter(file, time);
            }
            setModifiedIfAfter(directory, time);
        }
        catch (IOException | UncheckedIOException e) {
            LOG.debug("Cannot keep the age of the journal in {}: {}", directory, e.toString());
        }
    }

    private static void setModifiedIfAfter(Path file, FileTime time) {
        try {
            if (Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).compareTo(time) > 0) {
                Files.setLastModifiedTime(file, time);
            }
        }
        catch (IOException e) {
            // gone meanwhile (RocksDB deletes the files it replaces): nothing to keep
        }
    }

    /**
     * The identity of the runs of job {@code jobId} from this home ({@link #tempAreaRunId}), as its
     * journal under {@code jobsDirectory} keeps it, read without opening the journal for a run (a
     * run may hold it open); empty when the job has no journal there, or it cannot be read.
     */
    public static Optional<String> readTempAreaRunId(Path jobsDirectory, String jobId) {
        Path directory = jobsDirectory.resolve(jobId);
        if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try (Options options = options().setCreateIfMissing(false); RocksDB db = RocksDB.openReadOnly(options, directory.toString())) {
            return Optional.ofNullable(db.get(TEMP_AREA_RUN)).map(run -> new String(run, StandardCharsets.UTF_8));
        }
        catch (RocksDBException e) {
            LOG.debug("The journal of job {} could not be read", jobId, e);
            return Optional.empty();
        }
    }

    /**
     * Opens the store in {@code directory}, waiting up to {@link #CHECK_HOLD} while it is held
     * open: by another run's {@link #checkNotRunning} or {@link #prune}, which open and close it
     * at once, and must not make a run that owns the job fail. A run that holds it longer fails.
     */
    private static RocksDB openWaitingForChecks(Options options, Path directory) throws RocksDBException {
        try {
            return Failsafe.with(RetryPolicy.<RocksDB>builder()
                            .handleIf(failure -> failure instanceof RocksDBException e && locked(e))
                            .withDelay(Duration.ofMillis(50))
                            .withMaxDuration(CHECK_HOLD)
                            .withMaxAttempts(-1)
                            .build())
                    .get(() -> RocksDB.open(options, directory.toString()));
        }
        catch (FailsafeException e) {
            if (e.getCause() instanceof RocksDBException cause) {
                throw cause;
            }
            throw e;
        }
    }

    private static JobLockedException lockedByAnother(String jobId, Path directory, RocksDBException cause) {
        return new JobLockedException(jobId, "Cannot open the journal of job %s in %s: %s".formatted(jobId, directory, LOCKED), cause);
    }

    /** Whether RocksDB refused to open a journal because a run, in this process or another, holds it open (its lock). */
    private static boolean locked(RocksDBException e) {
        String message = e.getMessage();
        // "While lock file: <dir>/LOCK: Resource temporarily unavailable" (another process), "lock hold by current process, ..."
        return message != null && (message.contains("While lock file") || message.contains("lock hold by current process"));
    }

    /**
     * Whether RocksDB refused to open the journal in {@code directory} because its store is
     * incomplete or corrupt: CURRENT missing or corrupt, or a file of the store that it names gone
     * (a MANIFEST, as a delete in place cut short left it). Not a permission, a full disk or a lock,
     * which say nothing of what the journal holds.
     */
    private static boolean unusable(RocksDBException e, Path directory) {
        Status status = e.getStatus();
        String message = e.getMessage();
        if (status == null || message == null) {
            return false;
        }
        return switch (status.getCode()) {
            case Corruption -> true;
            case InvalidArgument -> message.contains(directory.resolve("CURRENT") + ": does not exist");
            case IOError -> message.contains(directory + "/") && message.endsWith(": No such file or directory");
            default -> false;
        };
    }

    /**
     * Moves the unusable journal in {@code directory} aside, out of the job ids' namespace, to a
     * directory kept for inspection that {@link #prune} deletes once the retention has passed since
     * the move; returns where it went.
     */
    private static Path moveAside(Path directory, String jobId, RocksDBException cause) {
        Instant now = Instant.now();
        Path aside = directory.resolveSibling(jobId + UNUSABLE + UNUSABLE_TIME.format(now));
        try {
            Files.move(directory, aside, StandardCopyOption.ATOMIC_MOVE);
            // the retention counts from the move, not from the last write of what is left of the journal
            Files.setLastModifiedTime(aside, FileTime.from(now));
        }
        catch (IOException e) {
            JournalException failure = new JournalException("Cannot move the unusable journal of job %s in %s (%s) aside to %s: %s"
                    .formatted(jobId, directory, cause.getMessage(), aside, FileErrors.reason(e, directory)), e);
            failure.addSuppressed(cause);
            throw failure;
        }
        LOG.warn("The journal of job {} in {} cannot be used ({}): moved it to {}", jobId, directory, cause.getMessage(), aside);
        return aside;
    }

    /**
     * Deletes the journal in {@code directory} for a run that starts the job over: renamed out of
     * the job ids' namespace first, while holding its lock when it can be opened, and not at all
     * when another run holds it open.
     *
     * @return the identity of the runs that wrote it ({@link #tempAreaRunId}), when it could be read
     */
    private static Optional<byte[]> discard(Path directory, String jobId) throws IOException {
        if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        Renamed renamed = renameHeld(directory);
        if (renamed.unopened().isPresent()) {
            if (locked(renamed.unopened().get())) {
                throw lockedByAnother(jobId, directory, renamed.unopened().get());
            }
            // not a journal any run can open: nothing in it to keep
            moveToDeleting(directory);
        }
        deleteRecursively(deleting(directory));
        return renamed.tempAreaRun();
    }

    /**
     * What {@link #renameHeld} did: the reason the journal could not be opened, and was left as it
     * is; else the identity of the runs that wrote it ({@link #tempAreaRunId}), when it has one.
     */
    private record Renamed(Optional<RocksDBException> unopened, Optional<byte[]> tempAreaRun) {}

    /**
     * Renames the journal in {@code directory} to its {@link #deleting} name while holding its lock
     * (a run of its job starting meanwhile finds no journal, and starts afresh), reading the
     * identity of its runs first; the reason it could not be opened, and was left as it is,
     * otherwise.
     */
    private static Renamed renameHeld(Path directory) throws IOException {
        deleteRecursively(deleting(directory));
        try (Options options = options().setCreateIfMissing(false); RocksDB db = RocksDB.open(options, directory.toString())) {
            Optional<byte[]> tempAreaRun = Optional.ofNullable(db.get(TEMP_AREA_RUN));
            Files.move(directory, deleting(directory), StandardCopyOption.ATOMIC_MOVE);
            return new Renamed(Optional.empty(), tempAreaRun);
        }
        catch (RocksDBException e) {
            return new Renamed(Optional.of(e), Optional.empty());
        }
    }

    /**
     * Renames the journal in {@code directory}, which no run holds open, to its {@link #deleting}
     * name, the first step of deleting it: from the rename on, the job has no journal, and what a
     * deletion cut short leaves is deleted by the next {@link #prune}, whatever its age.
     */
    static Path moveToDeleting(Path directory) throws IOException {
        Path deleting = deleting(directory);
        deleteRecursively(deleting);
        Files.move(directory, deleting, StandardCopyOption.ATOMIC_MOVE);
        return deleting;
    }

    private static Path deleting(Path directory) {
        return directory.resolveSibling("." + directory.getFileName() + DELETING);
    }

    private static boolean isEmpty(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.findAny().isEmpty();
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
     * run of its job starting meanwhile starts afresh rather than losing its journal. A stale
     * journal that cannot be opened otherwise (its store incomplete or corrupt) is deleted by its
     * age alone, as is an unusable journal that {@link #open} moved aside (its age counted from
     * the move); what a deletion cut short left (a journal renamed to be deleted) is deleted
     * whatever its age. A journal that cannot be deleted (another user's, say) is left as it is:
     * pruning never stops a load.
     */
    public static Pruned prune(Path jobsDirectory, Duration retention, Instant now, String keepJobId) {
        requireNonNull(jobsDirectory, "jobsDirectory is null");
        requireNonNull(retention, "retention is null");
        requireNonNull(now, "now is null");
        requireNonNull(keepJobId, "keepJobId is null");
        Instant before = now.minus(retention);
        List<Path> candidates;
        try (Stream<Path> entries = Files.list(jobsDirectory)) {
            candidates = entries.filter(path -> isJournal(path.getFileName().toString()))
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
                if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                String name = directory.getFileName().toString();
                if (!DELETING_JOURNAL.matcher(name).matches() && !lastWritten(directory).isBefore(before)) {
                    continue;
                }
                OptionalLong freed = JOURNAL.matcher(name).matches()
                        ? deleteUnlessOpen(directory)
                        // renamed out of the job ids' namespace (to be deleted, or aside): no run opens it
                        : OptionalLong.of(delete(directory));
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

    private static boolean isJournal(String name) {
        return JOURNAL.matcher(name).matches() || DELETING_JOURNAL.matcher(name).matches() || UNUSABLE_JOURNAL.matcher(name).matches();
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
     * freed; empty when it is held.
     */
    private static OptionalLong deleteUnlessOpen(Path directory) throws IOException {
        // measured before the open, which replays the write-ahead log and deletes it
        Freeing freeing = Freeing.of(directory);
        Optional<RocksDBException> unopened = renameHeld(directory).unopened();
        if (unopened.isPresent()) {
            if (locked(unopened.get())) {
                return OptionalLong.empty();
            }
            // incomplete or corrupt: no run can open it either, and it is stale
            LOG.info("Deleting the stale job journal {}, which cannot be opened: {}", directory, unopened.get().getMessage());
            moveToDeleting(directory);
        }
        deleteRecursively(deleting(directory));
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

    /**
     * The RocksDB options of a journal: sized for kilobytes to megabytes of records, not RocksDB's
     * defaults. Its write-ahead log is read to its end or not at all: a last record cut short (a
     * run killed as it wrote it) is left out, but a corrupt one before the end makes the journal
     * unusable (moved aside, the job started afresh, saying so), where RocksDB's default would
     * silently keep only the records before it, and the resumed job would count less than its
     * earlier runs did.
     */
    private static Options options() {
        return new Options()
                .setCreateIfMissing(true)
                .setWalRecoveryMode(WALRecoveryMode.TolerateCorruptedTailRecords)
                .setWriteBufferSize(WRITE_BUFFER_SIZE)
                .setManifestPreallocationSize(MANIFEST_PREALLOCATION_SIZE)
                .setKeepLogFileNum(INFO_LOG_FILES_KEPT)
                .setMaxLogFileSize(INFO_LOG_MAX_SIZE)
                .setTableFormatConfig(new BlockBasedTableConfig().setFormatVersion(TABLE_FORMAT_VERSION));
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
     * A journal that cannot be closed or deleted then loses nothing of the load: its report is
     * returned with a {@linkplain LoadReport.JobSummary#warning() warning} that says so, and the
     * failure of a load that threw is the one thrown (the journal's suppressed in it).
     */
    public static LoadReport withJournal(Path jobsDirectory, LoadRequest request, Optional<AtomicOptions.Scope> atomic, String clusterId, boolean restart,
            java.util.function.Function<JobJournal, LoadReport> load) {
        JobJournal journal = open(jobsDirectory, request, atomic, clusterId, restart);
        LoadReport report;
        try {
            report = load.apply(journal);
        }
        catch (RuntimeException e) {
            try {
                journal.close();
            }
            catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        try {
            if (report.state() == LoadState.SUCCEEDED) {
                journal.complete();
            }
            else {
                journal.close();
            }
        }
        catch (JournalException | UncheckedIOException e) {
            // what the load did is done: the journal only counts it for the job's later runs
            String failure = e instanceof UncheckedIOException unchecked ? "%s: %s".formatted(e.getMessage(), FileErrors.reason(unchecked.getCause()))
                    : e.getMessage();
            String warning = report.state() == LoadState.SUCCEEDED
                    ? "%s; the job is done, and the same command finds its journal and resumes it, loading only what is not cached".formatted(failure)
                    : "%s; the journal keeps the count of the UFS bytes read it last recorded, not this run's exact figure".formatted(failure);
            LOG.warn("{}", warning);
            if (report.job() != null) {
                return report.withJob(report.job().withWarning(warning));
            }
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
     * they loaded into another cache cluster, or what they left cannot be used. One line, e.g.
     * {@code The journal of job 0123456789abcdef was written against another cache cluster (<its
     * id>); starting the job afresh}, or {@code The journal of job 0123456789abcdef cannot be used
     * (<RocksDB's reason>); moved it to <directory> and starting the job afresh}. Empty when the
     * journal was adopted, new, or discarded on request ({@code restart}).
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
     * Counts the blocks the journal records committed against {@code plan}: those among its cached
     * blocks, and those not among its blocks at all, of a partition {@code plan} has or of one it
     * no longer selects. The journal records what its runs committed, not what the cache keeps:
     * blocks evicted since, or lost with a worker, are in {@link #previousBlocks()} and not in a
     * plan's cached blocks; a block id names the file's identity (path, length, modification
     * time), so the blocks of a file rewritten or deleted in the UFS since are in no plan of the
     * job; and a job whose partitions are chosen as it plans ({@code --latest}, {@code --where},
     * every partition of a table) may no longer select a partition an earlier run loaded. A block
     * recorded without its partition (by a gfsload that did not record it) counts as of a changed
     * file.
     */
    private void countPreviousBlocks(LoadPlan plan) {
        Set<String> planned = new HashSet<>();
        Set<String> cached = new HashSet<>();
        Set<String> selected = new HashSet<>();
        plan.partitions().forEach(partition -> selected.add(partition.name()));
        plan.partitions().stream()
                .flatMap(partition -> partition.files().stream())
                .flatMap(file -> file.blocks().stream())
                .forEach(block -> {
                    String blockId = new BlockKey(block.file(), block.index()).blockId();
                    planned.add(blockId);
                    if (block.cached()) {
                        cached.add(blockId);
                    }
                });
        long inCache = 0;
        long ofChangedFiles = 0;
        long notSelected = 0;
        try (var iterator = db.newIterator()) {
            byte[] prefix = BLOCK_PREFIX.getBytes(StandardCharsets.UTF_8);
            for (iterator.seek(prefix); iterator.isValid() && startsWith(iterator.key(), prefix); iterator.next()) {
                String blockId = new String(iterator.key(), prefix.length, iterator.key().length - prefix.length, StandardCharsets.UTF_8);
                if (cached.contains(blockId)) {
                    inCache++;
                }
                else if (!planned.contains(blockId)) {
                    String partition = new String(iterator.value(), StandardCharsets.UTF_8);
                    if (partition.isEmpty() || selected.contains(partition)) {
                        ofChangedFiles++;
                    }
                    else {
                        notSelected++;
                    }
                }
            }
        }
        previousBlocksCached = inCache;
        previousBlocksOfChangedFiles = ofChangedFiles;
        previousBlocksNotSelected = notSelected;
    }

    /**
     * The job as this run starts it with {@code plan}, nothing adopted yet: its id, the run, and
     * the {@link #previousBlocks()} counted against {@code plan}. Of those blocks, {@code
     * previousBlocksCached} are those {@code plan} found cached: what the cache still holds of the
     * blocks the earlier runs committed of files {@code plan} has with the same identity; {@code
     * previousBlocksOfChangedFiles} those of files that {@code plan} no longer has with the
     * identity they had when they were committed, in a partition it still selects: files
     * rewritten (another length or modification time) or deleted in the UFS since, whose old
     * blocks the cache may still hold, served to no reader; {@code previousBlocksNotSelected}
     * those of partitions {@code plan} no longer selects: the partitions the job selects changed
     * since (a new partition pushed one out of {@code --latest N}, a partition was dropped),
     * neither changed files nor the cache's loss, and not loaded by this run. The others were
     * evicted or lost with a worker since. Call it with the plan a run starts with, before the run
     * records a block (a block this run records counts too); the count is kept, so that calls
     * with the same plan (the status line, then the report) count once and agree.
     */
    public synchronized LoadReport.JobSummary starting(LoadPlan plan) {
        count(plan);
        return new LoadReport.JobSummary(jobId, run, previousBlocks, previousBlocksCached, previousBlocksOfChangedFiles, previousBlocksNotSelected,
                previousUfsBytesRead, 0, 0);
    }

    private void count(LoadPlan plan) {
        requireNonNull(plan, "plan is null");
        if (plan != cachedCountedIn) {
            if (previousBlocks == 0) {
                previousBlocksCached = 0;
                previousBlocksOfChangedFiles = 0;
                previousBlocksNotSelected = 0;
            }
            else {
                countPreviousBlocks(plan);
            }
            cachedCountedIn = plan;
        }
    }

    /**
     * Adds {@code bytes} read from the UFS to the job's total.
     *
     * @throws IllegalStateException when the journal is closed (a JVM ending closes it while the
     *     load's threads still run)
     */
    public synchronized void recordRead(long bytes) {
        checkOpen();
        ufsBytesRead += bytes;
        if (ufsBytesRead > ufsBytesReadRecorded) {
            long ahead = (ufsBytesRead / READ_RECORD_STEP + 1) * READ_RECORD_STEP;
            put(UFS_BYTES_READ, toBytes(ahead));
            ufsBytesReadRecorded = ahead;
        }
    }

    /**
     * Tells the journal the plan this run loads: the blocks it then records of a file of {@code
     * plan} are recorded with the file's partition, so that a later run of the job whose plan no
     * longer selects that partition counts them apart ({@link #starting}). Call it before the run
     * records a block, and again with the plan it loads instead (planned again when its load
     * window opened).
     */
    public void loading(LoadPlan plan) {
        requireNonNull(plan, "plan is null");
        Map<String, String> partitions = new HashMap<>();
        for (PartitionLoad partition : plan.partitions()) {
            // a file with every block cached has none for this run to record
            partition.files().stream().filter(file -> file.blocks().stream().anyMatch(block -> !block.cached()))
                    .forEach(file -> partitions.put(file.file().fileKey(), partition.name()));
        }
        partitionOfFile = partitions;
    }

    /**
     * Records a committed block.
     *
     * @throws IllegalStateException when the journal is closed (a load that failed closes it while
     *     writes it could not stop still run)
     */
    public synchronized void recordCommitted(String blockId) {
        checkOpen();
        put((BLOCK_PREFIX + blockId).getBytes(StandardCharsets.UTF_8), partitionOf(blockId));
    }

    /**
     * Records committed blocks, in one write.
     *
     * @throws IllegalStateException when the journal is closed, as {@link #recordCommitted(String)}
     */
    public synchronized void recordCommitted(java.util.Collection<String> blockIds) {
        checkOpen();
        try (WriteBatch batch = new WriteBatch(); WriteOptions write = new WriteOptions()) {
            checkWritable();
            for (String blockId : blockIds) {
                batch.put((BLOCK_PREFIX + blockId).getBytes(StandardCharsets.UTF_8), partitionOf(blockId));
            }
            db.write(write, batch);
        }
        catch (RocksDBException e) {
            throw writeFailed(e);
        }
    }

    /**
     * Forgets the blocks of {@code file} that the journal records committed, by any run: the cache
     * no longer holds them (the file changed while it was read, and its blocks were uncached), and
     * a later run of the job does not count them among the blocks the earlier runs committed.
     *
     * @throws IllegalStateException when the journal is closed, as {@link #recordCommitted(String)}
     */
    public synchronized void forget(FileIdentity file) {
        checkOpen();
        String blocks = BLOCK_PREFIX + file.fileKey();
        // the keys <file key>-<index>: '.' follows '-'
        try {
            checkWritable();
            db.deleteRange((blocks + "-").getBytes(StandardCharsets.UTF_8), (blocks + ".").getBytes(StandardCharsets.UTF_8));
        }
        catch (RocksDBException e) {
            throw writeFailed(e);
        }
    }

    /**
     * The partition of the block {@code blockId} ({@code <file key>-<index>}), as {@link #loading}
     * gave it; empty when the run's plan does not have the file.
     */
    private byte[] partitionOf(String blockId) {
        int index = blockId.lastIndexOf('-');
        String partition = index < 0 ? null : partitionOfFile.get(blockId.substring(0, index));
        return partition == null ? new byte[0] : partition.getBytes(StandardCharsets.UTF_8);
    }

    /** UFS bytes read by every run of the job so far, this one included. */
    public synchronized long ufsBytesRead() {
        return ufsBytesRead;
    }

    /**
     * Fails unless the journal is open: RocksDB written through a closed handle does not fail, it
     * aborts the JVM. Called under this object's lock, which {@link #close} takes.
     */
    private void checkOpen() {
        if (!db.isOwningHandle()) {
            throw new IllegalStateException("The journal of job %s is closed".formatted(jobId));
        }
    }

    private void put(byte[] key, byte[] value) {
        try {
            checkWritable();
            db.put(key, value);
        }
        catch (RocksDBException e) {
            throw writeFailed(e);
        }
    }

    /**
     * Makes every write of the journal from now on fail as RocksDB fails one whose disk is full or
     * whose files are gone, with {@code reason}; {@code null} lets them succeed again. The journal's
     * store cannot be made to fail at a chosen moment otherwise: this is how tests make it fail
     * right after the master committed what the write records.
     */
    void failWrites(String reason) {
        writeFailure = reason;
    }

    private void checkWritable() throws RocksDBException {
        String failure = writeFailure;
        if (failure != null) {
            throw new RocksDBException(failure);
        }
    }

    private JournalException writeFailed(RocksDBException e) {
        return new JournalException("Cannot write the journal of job %s: %s".formatted(jobId, e.getMessage()), e);
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

    /**
     * Closes and deletes the journal: the job is done. The journal is renamed out of the job ids'
     * namespace first, so that a process killed while deleting it leaves no half-deleted journal
     * for the next run of the job, only a directory that the next load's {@link #prune} deletes.
     */
    public void complete() {
        try {
            close();
        }
        catch (JournalException e) {
            // closed all the same: what it could not write goes with it
            LOG.debug("Closing the journal of the completed job {}: {}", jobId, e.getMessage());
        }
        Path deleting;
        try {
            deleting = moveToDeleting(directory);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot delete the journal " + directory, e);
        }
        try {
            deleteRecursively(deleting);
        }
        catch (IOException | UncheckedIOException e) {
            // the job has no journal any more: what is left goes with the next load's pruning
            LOG.warn("Cannot delete {}, the journal of the completed job {}: {}", deleting, jobId, e.toString());
        }
    }

    /**
     * Closes the journal as the earlier runs of the job left it, for a run that did not load (the
     * master refused it the job's temp area, which a run from another gfsload home still renews):
     * their run count stays theirs, and a journal this run created (the job's first run here, or one
     * that started afresh) is deleted, as {@link #complete()} deletes it. Call it before the run
     * records anything.
     */
    public synchronized void notRun() {
        if (run == 1) {
            complete();
            return;
        }
        if (db.isOwningHandle()) {
            put(RUNS, toBytes(run - 1));
        }
        close();
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

    /**
     * Deletes {@code directory} and what it holds, if it exists. Files that disappear meanwhile
     * are no failure: another process's {@link #prune} may be deleting the same leftover.
     */
    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(directory, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
