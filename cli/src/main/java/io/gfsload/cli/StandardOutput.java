package io.gfsload.cli;

import io.gfsload.cache.api.FileErrors;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Optional;

/**
 * The command's stdout, which keeps why a write to it failed: a {@link PrintWriter} (and
 * {@code System.out} under it) swallows the error, so that a report written to a full disk would
 * end with exit 0. Not thread-safe beyond what {@link PrintWriter} is.
 */
final class StandardOutput extends PrintWriter {
    private final FailureRecorder recorder;

    private StandardOutput(FailureRecorder recorder) {
        super(new OutputStreamWriter(recorder, charset()), true);
        this.recorder = recorder;
    }

    /** A writer on file descriptor 1; it is never closed, as stdout is not. */
    static StandardOutput open() {
        return new StandardOutput(new FailureRecorder(new FileOutputStream(FileDescriptor.out)));
    }

    /**
     * Why writing to {@code out} failed, if it did ({@code no space left on device}), flushing it
     * first; empty when it did not, or when it has no reader any more: a pipe whose reader went
     * away ({@code | head -1}) or a closed stdout, which read what it wanted, or nothing.
     */
    static Optional<String> failure(PrintWriter out) {
        if (!out.checkError()) {
            return Optional.empty();
        }
        IOException failure = out instanceof StandardOutput standard ? standard.recorder.failure : null;
        if (failure == null) {
            return Optional.of("write error");
        }
        String message = String.valueOf(failure.getMessage());
        if (message.contains("Broken pipe") || message.contains("Bad file descriptor")) {
            return Optional.empty();
        }
        return Optional.of(FileErrors.reason(failure));
    }

    private static Charset charset() {
        String name = System.getProperty("stdout.encoding", System.getProperty("sun.stdout.encoding"));
        try {
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        }
        catch (IllegalArgumentException e) {
            return Charset.defaultCharset();
        }
    }

    /** Passes bytes on and keeps the first failure, which the writers above it turn into a flag. */
    private static final class FailureRecorder extends FilterOutputStream {
        private volatile IOException failure;

        FailureRecorder(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            try {
                out.write(b);
            }
            catch (IOException e) {
                throw recorded(e);
            }
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            try {
                out.write(bytes, offset, length);
            }
            catch (IOException e) {
                throw recorded(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            }
            catch (IOException e) {
                throw recorded(e);
            }
        }

        private IOException recorded(IOException e) {
            if (failure == null) {
                failure = e;
            }
            return e;
        }
    }
}
