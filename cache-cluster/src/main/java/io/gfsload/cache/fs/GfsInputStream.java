package io.gfsload.cache.fs;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockNotFoundException;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.MasterUnavailableException;
import io.gfsload.cache.ufs.UfsFiles;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Instant;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSExceptionMessages;
import org.apache.hadoop.fs.FSInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one UFS file block by block: a cached block from the cache workers, any other block from
 * the UFS. Seekable; positioned reads are a seek, a read and a seek back (both lazy, so they cost
 * no stream reopening by themselves).
 *
 * <p>A cached block entered at its first byte is read whole, so that the reader compares the
 * block's CRC32C with the master's record when the read reaches the block's end; a block entered
 * elsewhere (a seek, a positioned read) is read from that offset, and a short forward seek within
 * it skips what lies between. The workers check every segment they send against its stored CRC32C
 * in any case. A block whose
 * replicas all fail (down, evicted since the open, corrupt) or whose checksum does not match is
 * read from the UFS for the rest of this stream's life; the bytes of a read that failed are not
 * returned, the same range is read from the UFS instead. Opening a cached block asks the master
 * where it is: while the master does not answer ({@link MasterBackoff}), blocks are read from the UFS.
 *
 * <p>The cached blocks are those of the file's identity (path, length, modification time, etag)
 * when the stream was opened: blocks cached for an earlier version of the file are never read.
 * Nor is another version read from the UFS beside them: when a stream with cached blocks first
 * reads the UFS, it checks that the file there still has that identity, and fails the read
 * ("changed since it was opened") rather than return bytes of two versions. (A stream without
 * cached blocks reads the UFS alone, as a reader of the UFS itself would, without that check.)
 *
 * <p>Thread-safe (every method is synchronized), as Hadoop's positioned reads expect.
 */
final class GfsInputStream extends FSInputStream {
    private static final Logger log = LoggerFactory.getLogger(GfsInputStream.class);
    private static final int SKIP_BUFFER_BYTES = 64 << 10;
    /** Forward seeks within the open block up to this far read on; longer ones reopen at the target. */
    private static final long MAX_SKIP_BYTES = 1 << 20;

    private final CacheClient cache;
    private final MasterBackoff master;
    private final FileSystem ufs;
    private final Path ufsPath;
    private final FileIdentity file;
    private final CachedLayout layout;
    private final GfsReadStatistics stats;
    private final FileSystem.Statistics hadoopStatistics;
    private final Set<Integer> failedBlocks = new HashSet<>();

    private long position;
    private boolean closed;
    /** The cached block being read, its reader and the offset in the block of its next byte. */
    private int cacheBlock = -1;
    private InputStream cacheIn;
    private long cacheOffset;
    private byte[] skipBuffer;
    /** The UFS stream, opened on the first block the cache cannot serve, and the block it served last. */
    private FSDataInputStream ufsIn;
    private int ufsBlock = -1;

    /**
     * @param hadoopStatistics the file system's Hadoop statistics, or {@code null}
     */
    GfsInputStream(CacheClient cache, MasterBackoff master, FileSystem ufs, Path ufsPath, FileIdentity file, CachedLayout layout,
            GfsReadStatistics stats, FileSystem.Statistics hadoopStatistics) {
        this.cache = requireNonNull(cache, "cache is null");
        this.master = requireNonNull(master, "master is null");
        this.ufs = requireNonNull(ufs, "ufs is null");
        this.ufsPath = requireNonNull(ufsPath, "ufsPath is null");
        this.file = requireNonNull(file, "file is null");
        this.layout = requireNonNull(layout, "layout is null");
        this.stats = requireNonNull(stats, "stats is null");
        this.hadoopStatistics = hadoopStatistics;
    }

    @Override
    public synchronized int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    /** Reads at most to the end of the block at the current position. */
    @Override
    public synchronized int read(byte[] buffer, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        checkOpen();
        if (length == 0) {
            return 0;
        }
        if (position >= file.length()) {
            return -1;
        }
        int index = Math.toIntExact(position / layout.blockSize());
        long blockStart = index * layout.blockSize();
        int wanted = (int) Math.min(length, Math.min(file.length(), blockStart + layout.blockSize()) - position);
        CachedBlock cached = layout.cached().get(index);
        if (cached != null && !failedBlocks.contains(index)) {
            int n = readCache(index, cached, position - blockStart, buffer, offset, wanted);
            if (n > 0) {
                ufsBlock = -1;
                position += n;
                stats.readFromCache(n);
                countRead(n);
                return n;
            }
        }
        int n = readUfs(index, buffer, offset, wanted);
        position += n;
        stats.readFromUfs(n);
        countRead(n);
        return n;
    }

    @Override
    public synchronized void seek(long target) throws IOException {
        checkOpen();
        if (target < 0) {
            throw new EOFException(FSExceptionMessages.NEGATIVE_SEEK + ": " + target);
        }
        if (target > file.length()) {
            throw new EOFException(FSExceptionMessages.CANNOT_SEEK_PAST_EOF + ": " + target + " > " + file.length() + " in " + file.path());
        }
        position = target;
    }

    @Override
    public synchronized long skip(long n) throws IOException {
        checkOpen();
        if (n <= 0) {
            return 0;
        }
        // not position + n, which overflows for skip(Long.MAX_VALUE)
        long skipped = Math.min(n, file.length() - position);
        position += skipped;
        return skipped;
    }

    @Override
    public synchronized long getPos() {
        return position;
    }

    @Override
    public boolean seekToNewSource(long targetPos) {
        return false;
    }

    @Override
    public synchronized int available() throws IOException {
        checkOpen();
        return 0;
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        closeCacheReader();
        if (ufsIn != null) {
            ufsIn.close();
            ufsIn = null;
        }
        super.close();
    }

    /**
     * Reads from the cached block {@code index}; -1 when the cache cannot serve it.
     *
     * @throws InterruptedIOException when the reading thread was interrupted (a cancelled task):
     *     the read stops, rather than go on from the UFS with the block counted failed (or the
     *     master counted silent, which every stream of the file system would wait out)
     */
    private int readCache(int index, CachedBlock cached, long offsetInBlock, byte[] buffer, int offset, int wanted)
            throws InterruptedIOException {
        try {
            if (cacheIn == null || cacheBlock != index || cacheOffset > offsetInBlock || offsetInBlock - cacheOffset > MAX_SKIP_BYTES) {
                closeCacheReader();
                if (!master.tryAsk()) {
                    // the master has not answered lately: not asked where the block is, not a failure of the block
                    return -1;
                }
                try {
                    BlockKey key = new BlockKey(file, index);
                    cacheIn = offsetInBlock == 0 ? cache.openReader(key) : cache.openReader(key, offsetInBlock);
                    master.answered();
                }
                catch (MasterUnavailableException e) {
                    checkNotInterrupted(index, e);
                    master.unanswered(e.getMessage());
                    log.debug("Cannot locate block {} of {}, reading it from the UFS: {}", index, file.path(), e.getMessage());
                    return -1;
                }
                catch (CacheException e) {
                    // the master answered: the block is not cached (any more), or what it said cannot be used
                    master.answered();
                    throw e;
                }
                finally {
                    master.done();
                }
                cacheBlock = index;
                cacheOffset = offsetInBlock;
                stats.cacheBlockOpened();
            }
            skipCache(offsetInBlock - cacheOffset);
            int n = cacheIn.read(buffer, offset, wanted);
            if (n < 0) {
                throw new EOFException("the block ended after " + cacheOffset + " of " + cached.length() + " bytes");
            }
            cacheOffset += n;
            if (cacheOffset == cached.length()) {
                // Reading on from the end makes a whole-block reader compare the block's CRC32C with the master's record.
                if (cacheIn.read() >= 0) {
                    throw new IOException("the worker sent more than the block's " + cached.length() + " bytes");
                }
                closeCacheReader();
            }
            return n;
        }
        catch (CacheException | IOException e) {
            closeCacheReader();
            checkNotInterrupted(index, e);
            failedBlocks.add(index);
            stats.cacheFailure();
            if (e instanceof BlockNotFoundException) {
                log.debug("Block {} of {} is no longer cached, reading it from the UFS: {}", index, file.path(), e.getMessage());
            }
            else {
                log.warn("Reading block {} of {} from the cache failed, reading it from the UFS: {}", index, file.path(), e.getMessage());
            }
            return -1;
        }
    }

    private void skipCache(long bytes) throws IOException {
        if (bytes <= 0) {
            return;
        }
        if (skipBuffer == null) {
            skipBuffer = new byte[SKIP_BUFFER_BYTES];
        }
        long left = bytes;
        while (left > 0) {
            int n = cacheIn.read(skipBuffer, 0, (int) Math.min(skipBuffer.length, left));
            if (n < 0) {
                throw new EOFException("the block ended after " + cacheOffset + " bytes");
            }
            cacheOffset += n;
            left -= n;
        }
    }

    /**
     * Fails with an {@link InterruptedIOException} when this thread was interrupted: the cache's
     * {@code failure} of block {@code index} is that of the interrupt (a call cancelled, a channel
     * closed by it), no fault of the block or the master.
     */
    private void checkNotInterrupted(int index, Exception failure) throws InterruptedIOException {
        if (Thread.currentThread().isInterrupted()) {
            if (failure instanceof InterruptedIOException thrown) {
                throw thrown;
            }
            InterruptedIOException interrupted = new InterruptedIOException("Interrupted while reading block " + index + " of " + file.path());
            interrupted.initCause(failure);
            throw interrupted;
        }
    }

    private int readUfs(int index, byte[] buffer, int offset, int wanted) throws IOException {
        if (ufsIn == null) {
            FSDataInputStream opened = ufs.open(ufsPath);
            try {
                // after the open: a stream opened on this identity reads it to the end where the UFS keeps the
                // version open (local, HDFS), and the object stores check their own etags on reopening
                if (!layout.cached().isEmpty()) {
                    checkUnchanged();
                }
            }
            catch (IOException | RuntimeException e) {
                opened.close();
                throw e;
            }
            ufsIn = opened;
        }
        if (ufsBlock != index) {
            ufsBlock = index;
            stats.ufsFallback();
        }
        if (ufsIn.getPos() != position) {
            ufsIn.seek(position);
        }
        int n = ufsIn.read(buffer, offset, wanted);
        if (n < 0) {
            throw new EOFException("%s ended at %d in the UFS, but it had %d bytes when it was opened: it changed while being read"
                    .formatted(file.path(), position, file.length()));
        }
        return n;
    }

    /** Fails when the UFS file is no longer the version the stream was opened on. */
    private void checkUnchanged() throws IOException {
        FileIdentity now = UfsFiles.identity(ufs.getFileStatus(ufsPath));
        if (now.equals(file)) {
            return;
        }
        String etags = file.etag().equals(now.etag()) ? "" : ", etag %s -> %s".formatted(file.etag(), now.etag());
        throw new IOException(("%s changed since it was opened: length %d -> %d, modification time %s -> %s%s; "
                + "its bytes from the UFS would not match those already read. Open it again to read its current version")
                .formatted(file.path(), file.length(), now.length(), Instant.ofEpochMilli(file.modificationTime()),
                        Instant.ofEpochMilli(now.modificationTime()), etags));
    }

    private void closeCacheReader() {
        if (cacheIn != null) {
            try {
                cacheIn.close();
            }
            catch (IOException | CacheException e) {
                log.debug("Closing the reader of block {} of {} failed: {}", cacheBlock, file.path(), e.getMessage());
            }
            cacheIn = null;
            cacheBlock = -1;
        }
    }

    private void countRead(int bytes) {
        if (hadoopStatistics != null) {
            hadoopStatistics.incrementBytesRead(bytes);
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException(FSExceptionMessages.STREAM_IS_CLOSED + ": " + file.path());
        }
    }
}
