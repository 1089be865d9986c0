package io.gfsload.cache.client;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.security.AccessControlException;

/**
 * Local files under the scheme {@code gated} ({@code gated://<name>/abs/path} is {@code /abs/path})
 * whose reads a test holds at a point of its choosing, to act while a worker's pull is under way,
 * and which refuses to open the files a test names.
 * The in-process workers get the instance a test makes ({@link #get}) from Hadoop's cache of file
 * systems, as they read the same scheme and authority.
 */
final class GatedFileSystem extends RawLocalFileSystem {
    /** The longest a held read waits for the test, so that a test that fails does not hang. */
    private static final long HOLD_SECONDS = 60;

    private URI uri;
    private volatile long holdAt = Long.MAX_VALUE;
    private volatile long heldPosition = -1;
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile CountDownLatch othersRead = new CountDownLatch(0);
    private volatile String deniedPrefix;

    /** The instance for {@code name}, which the workers of a local cluster in this JVM read through too. */
    static GatedFileSystem get(String name) throws IOException {
        Configuration conf = new Configuration();
        conf.setClass("fs.gated.impl", GatedFileSystem.class, FileSystem.class);
        return (GatedFileSystem) FileSystem.get(URI.create("gated://" + name + "/"), conf);
    }

    /** The URI of the local file {@code file} in this file system. */
    String uriOf(java.nio.file.Path file) {
        return "gated://" + uri.getAuthority() + file.toAbsolutePath();
    }

    @Override
    public void initialize(URI name, Configuration conf) throws IOException {
        super.initialize(name, conf);
        uri = URI.create("gated://" + name.getAuthority() + "/");
    }

    @Override
    public URI getUri() {
        // the local file system's until initialized: its constructor asks
        return uri == null ? super.getUri() : uri;
    }

    @Override
    public String getScheme() {
        return "gated";
    }

    /** Holds the first stream read at or past file position {@code position} until {@link #release}. */
    void holdAt(long position) {
        holdAt = position;
    }

    /** Holds the ranged read at {@code position} until {@code others} ranged reads at other positions have ended. */
    void holdUntilOthersRead(long position, int others) {
        othersRead = new CountDownLatch(others);
        heldPosition = position;
    }

    /** Waits until a read is held at the position of {@link #holdAt}. */
    void awaitHeld() throws InterruptedException {
        if (!held.await(HOLD_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError("No read reached the held position");
        }
    }

    /** Lets the held read go on. */
    void release() {
        released.countDown();
    }

    /** Refuses to open the files whose names start with {@code prefix}, as a store refuses a user a file (its permissions). */
    void denyOpening(String prefix) {
        deniedPrefix = prefix;
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        String denied = deniedPrefix;
        if (denied != null && f.getName().startsWith(denied)) {
            throw new AccessControlException("Permission denied: user=cache, access=READ, inode=\"" + f.toUri().getPath() + "\"");
        }
        return new FSDataInputStream(new GatedStream(super.open(f, bufferSize)));
    }

    private void await(CountDownLatch latch) throws IOException {
        try {
            latch.await(HOLD_SECONDS, TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while held");
        }
    }

    private final class GatedStream extends FSInputStream {
        private final FSDataInputStream in;

        GatedStream(FSDataInputStream in) {
            this.in = in;
        }

        private void holdIfDue(long position) throws IOException {
            if (position >= holdAt && held.getCount() > 0) {
                held.countDown();
                await(released);
            }
        }

        @Override
        public int read() throws IOException {
            holdIfDue(in.getPos());
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            holdIfDue(in.getPos());
            return in.read(b, off, len);
        }

        @Override
        public void readFully(long position, byte[] buffer, int offset, int length) throws IOException {
            if (position == heldPosition) {
                await(othersRead);
                in.readFully(position, buffer, offset, length);
            }
            else {
                in.readFully(position, buffer, offset, length);
                othersRead.countDown();
            }
        }

        @Override
        public int read(long position, byte[] buffer, int offset, int length) throws IOException {
            return in.read(position, buffer, offset, length);
        }

        @Override
        public void seek(long pos) throws IOException {
            in.seek(pos);
        }

        @Override
        public long getPos() throws IOException {
            return in.getPos();
        }

        @Override
        public boolean seekToNewSource(long targetPos) {
            return false;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
