package io.gfsload.executor;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Hadoop's raw local file system for {@code file:} paths behind a filter, which records in
 * {@link #READ} the time of {@link #clock} at which each stream it opens is first read, for a test
 * that needs to know when a load started its UFS reads. Not a local file system itself: a load
 * reads the files through it rather than with its own local reads. {@link #settings} are the
 * Hadoop settings that read {@code file:} paths through it. A test sets {@link #clock} and clears
 * {@link #READ} before its load.
 */
public class ReadStartTimes extends FilterFileSystem {
    static final List<Instant> READ = new CopyOnWriteArrayList<>();
    static volatile Clock clock = Clock.systemUTC();

    public ReadStartTimes() {
        super(new RawLocalFileSystem());
    }

    /** The Hadoop settings that read {@code file:} paths through this file system. */
    static Map<String, String> settings() {
        return Map.of("fs.file.impl", ReadStartTimes.class.getName(), "fs.file.impl.disable.cache", "true");
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        return new FSDataInputStream(new FirstReadRecorded(super.open(f, bufferSize)));
    }

    /** {@code in}, the time of its first read recorded. */
    private static final class FirstReadRecorded extends ForwardingInputStream {
        private boolean read;

        FirstReadRecorded(FSDataInputStream in) {
            super(in);
        }

        private void reading() {
            if (!read) {
                read = true;
                READ.add(clock.instant());
            }
        }

        @Override
        public synchronized int read() throws IOException {
            reading();
            return super.read();
        }

        @Override
        public synchronized int read(byte[] buffer, int offset, int length) throws IOException {
            reading();
            return super.read(buffer, offset, length);
        }
    }
}
