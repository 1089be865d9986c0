package io.gfsload.ufs.simulator;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/** Small helpers shared by the simulator tests. */
final class TestFiles {
    private TestFiles() {}

    /** Writes {@code length} bytes drawn from {@code seed} to {@code file} and returns them. */
    static byte[] write(Path file, int length, long seed) throws IOException {
        byte[] data = new byte[length];
        new Random(seed).nextBytes(data);
        Files.createDirectories(file.getParent());
        Files.write(file, data);
        return data;
    }

    /** The path of {@code file} in the simulated store {@code scheme://authority}. */
    static org.apache.hadoop.fs.Path mapped(String scheme, String authority, Path file) {
        return new org.apache.hadoop.fs.Path(scheme, authority, file.toAbsolutePath().toString());
    }

    /** A new, uncached instance for {@code scheme://authority/} configured with {@code conf}. */
    static <T extends FileSystem> T newInstance(Class<T> type, String scheme, String authority, Configuration conf) throws IOException {
        return type.cast(FileSystem.newInstance(URI.create(scheme + "://" + (authority == null ? "" : authority) + "/"), conf));
    }
}
