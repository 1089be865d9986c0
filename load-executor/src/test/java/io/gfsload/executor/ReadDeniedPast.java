package io.gfsload.executor;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.util.Map;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Hadoop's raw local file system for {@code file:} paths, which refuses the reads of the files
 * whose name ends with {@link #SUFFIX} from byte {@link #FROM} on, as a store whose credentials
 * expired while a file was read refuses its later requests: an {@link AccessDeniedException}, which
 * no retry gets past. The bytes before it read as they are. {@link #settings} are the Hadoop
 * settings that read {@code file:} paths through it, in a load's process or a slice's.
 */
public class ReadDeniedPast extends RawLocalFileSystem {
    static final String SUFFIX = "gfsload.test.read-denied.suffix";
    static final String FROM = "gfsload.test.read-denied.from";

    /** The Hadoop settings that refuse the reads of files named {@code ...suffix} from byte {@code from} on. */
    static Map<String, String> settings(String suffix, long from) {
        return Map.of("fs.file.impl", ReadDeniedPast.class.getName(), "fs.file.impl.disable.cache", "true", SUFFIX, suffix, FROM, Long.toString(from));
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        FSDataInputStream in = super.open(f, bufferSize);
        String suffix = getConf().get(SUFFIX);
        if (suffix == null || !f.getName().endsWith(suffix)) {
            return in;
        }
        return new FSDataInputStream(new Denied(in, f.toString(), getConf().getLong(FROM, 0)));
    }

    /** Reads {@code in} up to byte {@code from}, and refuses every read from there on. */
    private static final class Denied extends ForwardingInputStream {
        private final String path;
        private final long from;

        Denied(FSDataInputStream in, String path, long from) {
            super(in);
            this.path = path;
            this.from = from;
        }

        @Override
        public synchronized int read() throws IOException {
            check();
            return in.read();
        }

        @Override
        public synchronized int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            check();
            return in.read(buffer, offset, (int) Math.min(length, from - in.getPos()));
        }

        private void check() throws IOException {
            if (in.getPos() >= from) {
                throw new AccessDeniedException(path, null, "Permission denied (injected) from byte " + from);
            }
        }
    }
}
