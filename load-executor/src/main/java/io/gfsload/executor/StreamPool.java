package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Open streams of one UFS file for concurrent ranged reads: a reader borrows an idle stream or
 * opens one, so a file is opened as many times as it is read at once, not once per read. A stream
 * whose read failed is discarded, never reused.
 *
 * <p>Thread-safe. {@link #close} closes every stream; call it only when no read is under way.
 */
final class StreamPool implements Closeable {
    private final FileSystem fs;
    private final Path path;
    private final ConcurrentLinkedQueue<FSDataInputStream> idle = new ConcurrentLinkedQueue<>();
    /** Every stream opened and not discarded; guarded by itself. */
    private final List<FSDataInputStream> open = new ArrayList<>();

    StreamPool(FileSystem fs, Path path) {
        this.fs = requireNonNull(fs, "fs is null");
        this.path = requireNonNull(path, "path is null");
    }

    FSDataInputStream borrow() throws IOException {
        FSDataInputStream stream = idle.poll();
        if (stream != null) {
            return stream;
        }
        stream = fs.open(path);
        synchronized (open) {
            open.add(stream);
        }
        return stream;
    }

    void giveBack(FSDataInputStream stream) {
        idle.add(stream);
    }

    /** Closes a stream whose read failed. */
    void discard(FSDataInputStream stream) {
        synchronized (open) {
            open.remove(stream);
        }
        closeQuietly(stream);
    }

    /** Streams opened and not discarded. */
    int opened() {
        synchronized (open) {
            return open.size();
        }
    }

    @Override
    public void close() {
        List<FSDataInputStream> streams;
        synchronized (open) {
            streams = List.copyOf(open);
            open.clear();
        }
        idle.clear();
        streams.forEach(StreamPool::closeQuietly);
    }

    private static void closeQuietly(FSDataInputStream stream) {
        try {
            stream.close();
        }
        catch (IOException | RuntimeException ignored) {
            // a read stream holds nothing to flush; the close only frees the connection
        }
    }
}
