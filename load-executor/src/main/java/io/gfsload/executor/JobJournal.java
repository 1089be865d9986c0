package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.planner.LoadRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The checkpoint of one load job, in RocksDB under {@code <jobs>/<job id>}: the blocks its runs
 * committed and the UFS bytes they read. The job id is derived from the request, so the same
 * command after a crash finds the same journal and continues; a job that succeeds deletes its
 * journal.
 *
 * <p>Thread-safe. Writes go to RocksDB's write-ahead log, which survives the process being killed.
 */
public final class JobJournal implements AutoCloseable {
    private static final byte[] UFS_BYTES_READ = "ufs-bytes-read".getBytes(StandardCharsets.UTF_8);
    private static final byte[] RUNS = "runs".getBytes(StandardCharsets.UTF_8);
    private static final byte[] REQUEST = "request".getBytes(StandardCharsets.UTF_8);
    private static final String BLOCK_PREFIX = "block/";
    /**
     * The UFS bytes read are written ahead in steps of this size: the journal holds the bytes read
     * rounded up to the next step, and the exact figure once closed. A killed run so leaves a
     * figure at most one step above what it read, never below, at one journal write per step
     * instead of one per read.
     */
    static final long READ_RECORD_STEP = 1 << 20;

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
    private long ufsBytesRead;
    private long ufsBytesReadRecorded;

    private JobJournal(String jobId, Path directory, Options options, RocksDB db) throws RocksDBException {
        this.jobId = jobId;
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

    /** The job id of {@code request}: a 16-character hex digest of what it loads and how. */
    public static String jobId(LoadRequest request) {
        requireNonNull(request, "request is null");
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(request.target().describe().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(Integer.toString(request.replication()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest(), 0, 8);
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /**
     * Opens the journal of {@code request} under {@code jobsDirectory}, creating it, or adopting
     * what an earlier run of the same request left unless {@code restart}.
     *
     * @throws JournalException when the journal cannot be opened, for example because another
     *     process runs the same job
     */
    public static JobJournal open(Path jobsDirectory, LoadRequest request, boolean restart) {
        String jobId = jobId(request);
        Path directory = jobsDirectory.resolve(jobId);
        try {
            if (restart) {
                deleteRecursively(directory);
            }
            Files.createDirectories(directory);
            Options options = new Options().setCreateIfMissing(true);
            try {
                RocksDB db = RocksDB.open(options, directory.toString());
                db.put(REQUEST, request.target().describe().getBytes(StandardCharsets.UTF_8));
                return new JobJournal(jobId, directory, options, db);
            }
            catch (RocksDBException e) {
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
            throw new JournalException("Cannot create the journal of job %s in %s: %s".formatted(jobId, directory, e.getMessage()), e);
        }
    }

    /**
     * Runs {@code load} with the journal of {@code request} (see {@link #open}): a load that
     * succeeds deletes the journal, any other outcome keeps it for the next run, and the journal is
     * closed even when {@code load} throws.
     */
    public static LoadReport withJournal(Path jobsDirectory, LoadRequest request, boolean restart, java.util.function.Function<JobJournal, LoadReport> load) {
        JobJournal journal = open(jobsDirectory, request, restart);
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

    public String jobId() {
        return jobId;
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
