package io.gfsload.cache.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/** Helpers shared by the cache-cluster tests. */
public final class TestData {
    public static final int MIB = 1024 * 1024;

    private TestData() {}

    /** Reproducible pseudo-random bytes. */
    public static byte[] randomBytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    public static long crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return crc.getValue();
    }

    /** Reads {@code in} to its end in odd-sized pieces, so chunk boundaries do not line up. */
    public static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[77_777];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        }
    }

    /**
     * The name of the file in which a worker's block store keeps the copy numbers it reserved
     * ({@code BlockStore.COPY_NUMBERS_FILE}).
     */
    public static final String COPY_NUMBERS_FILE = "copy-numbers";

    /**
     * The name of the file by which a worker holds each of its tier directories
     * ({@code TierDirectoryLocks.LOCK_FILE}).
     */
    public static final String LOCK_FILE = ".gfsload-worker.lock";

    /**
     * The regular files directly in {@code directory}, sorted, but a worker's {@link #COPY_NUMBERS_FILE}
     * and {@link #LOCK_FILE}.
     */
    public static List<Path> files(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(Files::isRegularFile)
                    .filter(path -> !path.getFileName().toString().equals(COPY_NUMBERS_FILE))
                    .filter(path -> !path.getFileName().toString().equals(LOCK_FILE))
                    .sorted()
                    .toList();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Polls {@code condition} until it holds; fails with {@code what} after {@code timeout}. */
    public static void await(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout.toMillis() + " ms waiting until " + what);
            }
            try {
                Thread.sleep(10);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted waiting until " + what, e);
            }
        }
    }
}
