package io.gfsload.executor;

import java.io.IOException;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSInputStream;

/**
 * A Hadoop input stream that reads {@code in}, for the test file systems that act on a load's
 * reads: each overrides the reads it changes. No other source to seek to.
 */
class ForwardingInputStream extends FSInputStream {
    protected final FSDataInputStream in;

    ForwardingInputStream(FSDataInputStream in) {
        this.in = in;
    }

    @Override
    public synchronized int read() throws IOException {
        return in.read();
    }

    @Override
    public synchronized int read(byte[] buffer, int offset, int length) throws IOException {
        return in.read(buffer, offset, length);
    }

    @Override
    public synchronized void seek(long position) throws IOException {
        in.seek(position);
    }

    @Override
    public synchronized long getPos() throws IOException {
        return in.getPos();
    }

    @Override
    public boolean seekToNewSource(long target) {
        return false;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
