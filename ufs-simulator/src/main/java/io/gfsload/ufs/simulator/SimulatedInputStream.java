package io.gfsload.ufs.simulator;

import static java.util.Objects.requireNonNull;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Objects;
import org.apache.hadoop.fs.FSInputStream;
import org.apache.hadoop.fs.Path;

/**
 * A seekable, positioned-readable stream over a local file whose reads go through a
 * {@link StreamPolicy} in chunks of at most a given size, so that a bandwidth limit acts smoothly
 * within one large read.
 *
 * <p>Sequential reads continue the request that the open (or the last seek) started; a seek to
 * another offset makes the next sequential read a new request. Every positioned read is a request
 * of its own. Reads at or past the end of the file return -1 without a request. Positioned reads
 * may run concurrently; sequential reads and seeks are synchronized.
 */
final class SimulatedInputStream extends FSInputStream {
    private final Path path;
    private final FileChannel channel;
    private final long length;
    private final StreamPolicy policy;
    private final int chunkBytes;
    private long position;
    private boolean inRequest = true;
    private volatile boolean closed;

    /**
     * @param chunkBytes the most bytes transferred between two calls of
     *     {@link StreamPolicy#transferred}, >= 1
     */
    SimulatedInputStream(Path path, FileChannel channel, StreamPolicy policy, int chunkBytes) throws IOException {
        this.path = requireNonNull(path, "path is null");
        this.channel = requireNonNull(channel, "channel is null");
        this.policy = requireNonNull(policy, "policy is null");
        if (chunkBytes < 1) {
            throw new IllegalArgumentException("chunkBytes must be >= 1: " + chunkBytes);
        }
        this.chunkBytes = chunkBytes;
        this.length = channel.size();
    }

    @Override
    public synchronized void seek(long pos) throws IOException {
        checkOpen();
        if (pos < 0) {
            throw new EOFException("Cannot seek to a negative offset " + pos + " in " + path);
        }
        if (pos > length) {
            throw new EOFException("Cannot seek to " + pos + " past the end (" + length + ") of " + path);
        }
        if (pos != position) {
            inRequest = false;
            position = pos;
        }
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
    public synchronized int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] buffer, int offset, int len) throws IOException {
        checkOpen();
        Objects.checkFromIndexSize(offset, len, buffer.length);
        if (len == 0) {
            return 0;
        }
        if (position >= length) {
            return -1;
        }
        if (!inRequest) {
            policy.beforeRequest(position);
            inRequest = true;
        }
        policy.beforeRead(position);
        int n = transfer(position, buffer, offset, len);
        position += n;
        return n == 0 ? -1 : n;
    }

    @Override
    public int read(long pos, byte[] buffer, int offset, int len) throws IOException {
        checkOpen();
        validatePositionedReadArgs(pos, buffer, offset, len);
        if (len == 0) {
            return 0;
        }
        if (pos >= length) {
            return -1;
        }
        policy.beforeRequest(pos);
        policy.beforeRead(pos);
        int n = transfer(pos, buffer, offset, len);
        return n == 0 ? -1 : n;
    }

    @Override
    public void readFully(long pos, byte[] buffer, int offset, int len) throws IOException {
        checkOpen();
        validatePositionedReadArgs(pos, buffer, offset, len);
        if (len == 0) {
            return;
        }
        if (pos + len > length) {
            throw new EOFException("Cannot read " + len + " bytes at " + pos + " of " + path + ": it has " + length + " bytes");
        }
        policy.beforeRequest(pos);
        policy.beforeRead(pos);
        int n = transfer(pos, buffer, offset, len);
        if (n < len) {
            throw new EOFException("End of " + path + " reached after " + n + " of " + len + " bytes at " + pos);
        }
    }

    @Override
    public synchronized int available() throws IOException {
        checkOpen();
        return (int) Math.min(Integer.MAX_VALUE, length - position);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        channel.close();
    }

    /** Reads up to {@code len} bytes at {@code pos}, chunk by chunk; returns the bytes read, 0 at the end. */
    private int transfer(long pos, byte[] buffer, int offset, int len) throws IOException {
        int total = 0;
        while (total < len) {
            int chunk = Math.min(chunkBytes, len - total);
            int n = channel.read(ByteBuffer.wrap(buffer, offset + total, chunk), pos + total);
            if (n < 0) {
                break;
            }
            policy.transferred(n);
            total += n;
        }
        policy.delivered();
        return total;
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("Stream of " + path + " is closed");
        }
    }
}
