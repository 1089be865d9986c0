package io.gfsload.ufs.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.ufs.simulator.FaultyConfig.PermanentError;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.IOUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestFaultyFileSystem {
    @TempDir
    java.nio.file.Path dir;

    @Test
    void isRegisteredForItsSchemeThroughServiceLoading() throws IOException {
        try (FileSystem fs = FileSystem.newInstance(URI.create("faulty:///"), new Configuration())) {
            assertInstanceOf(FaultyFileSystem.class, fs);
        }
    }

    @Test
    void passesDataThroughUnchangedWithoutFaults() throws IOException {
        byte[] data = TestFiles.write(dir.resolve("a.bin"), 200_000, 1);
        try (FaultyFileSystem fs = newFs(FaultyConfig.defaults());
                FSDataInputStream in = fs.open(path("a.bin"))) {
            byte[] sequential = new byte[data.length];
            IOUtils.readFully(in, sequential, 0, sequential.length);
            assertArrayEquals(data, sequential);
            byte[] positioned = new byte[1000];
            in.readFully(5000, positioned);
            assertArrayEquals(Arrays.copyOfRange(data, 5000, 6000), positioned);
            FaultyFileSystem.Stats stats = fs.stats();
            assertEquals(data.length + 1000L, stats.bytesRead());
            assertEquals(0, stats.transientFaults());
            assertEquals(0, stats.permanentFaults());
        }
    }

    @Test
    void injectsExactlyTheTransientFaultsTheSeedDraws() throws IOException {
        byte[] data = TestFiles.write(dir.resolve("a.bin"), 64 << 10, 2);
        double fraction = 0.3;
        long seed = 7;
        Random expectedDraws = new Random(seed);
        List<Integer> expectedFailures = new ArrayList<>();
        List<Integer> failures = new ArrayList<>();
        int reads = 300;
        try (FaultyFileSystem fs = newFs(new FaultyConfig(fraction, List.of(), PermanentError.PERMISSION_DENIED, seed));
                FSDataInputStream in = fs.open(path("a.bin"))) {
            byte[] buffer = new byte[100];
            for (int i = 0; i < reads; i++) {
                if (expectedDraws.nextDouble() < fraction) {
                    expectedFailures.add(i);
                }
                try {
                    in.readFully(i * 200L, buffer);
                    assertArrayEquals(Arrays.copyOfRange(data, i * 200, i * 200 + 100), buffer, "read " + i + " passes data through");
                }
                catch (IOException e) {
                    assertEquals("Connection reset (injected) reading faulty:" + dir.resolve("a.bin") + " at " + i * 200L, e.getMessage());
                    failures.add(i);
                }
            }
            assertEquals(expectedFailures, failures);
            assertEquals(new FaultyFileSystem.Stats(reads, (reads - failures.size()) * 100L, failures.size(), 0), fs.stats());
            double observed = (double) failures.size() / reads;
            assertTrue(observed > 0.22 && observed < 0.38, "observed fault fraction " + observed + " for " + fraction);
        }
    }

    @Test
    void failsPermanentlyFaultyPathsWithPermissionDenied() throws IOException {
        TestFiles.write(dir.resolve("dt=1/part-0.parquet"), 10, 3);
        TestFiles.write(dir.resolve("dt=1/part-1.bad"), 10, 4);
        TestFiles.write(dir.resolve("dt=2/secret-7.parquet"), 10, 5);
        FaultyConfig config = new FaultyConfig(0, List.of(".bad", dir + "/**/secret-*.parquet"), PermanentError.PERMISSION_DENIED, 0);
        try (FaultyFileSystem fs = newFs(config)) {
            AccessDeniedException bySuffix = assertThrows(AccessDeniedException.class, () -> fs.open(path("dt=1/part-1.bad")));
            assertEquals("faulty:" + dir.resolve("dt=1/part-1.bad") + ": Permission denied (injected)", bySuffix.getMessage());
            AccessDeniedException byGlob = assertThrows(AccessDeniedException.class, () -> fs.open(path("dt=2/secret-7.parquet")));
            assertTrue(byGlob.getMessage().endsWith(FaultyFileSystem.PERMISSION_DENIED), byGlob.getMessage());
            try (FSDataInputStream in = fs.open(path("dt=1/part-0.parquet"))) {
                in.readFully(0, new byte[10]);
            }
            assertEquals(new FaultyFileSystem.Stats(1, 10, 0, 2), fs.stats());
            assertEquals(10, fs.getFileStatus(path("dt=1/part-1.bad")).getLen(), "listing and status never fail");
        }
    }

    @Test
    void failsPermanentlyFaultyPathsAsNotFoundWhenConfigured() throws IOException {
        TestFiles.write(dir.resolve("gone.bin"), 10, 6);
        try (FaultyFileSystem fs = newFs(new FaultyConfig(0, List.of("gone.bin"), PermanentError.NOT_FOUND, 0))) {
            FileNotFoundException e = assertThrows(FileNotFoundException.class, () -> fs.open(path("gone.bin")));
            assertEquals("File faulty:" + dir.resolve("gone.bin") + " does not exist (injected)", e.getMessage());
            assertEquals(1, fs.stats().permanentFaults());
            fs.resetStats();
            assertEquals(new FaultyFileSystem.Stats(0, 0, 0, 0), fs.stats());
        }
    }

    @Test
    void addsTheDetailToAPermanentFaultsMessage() throws IOException {
        TestFiles.write(dir.resolve("part-0"), 10, 7);
        String detail = "403 Forbidden, request id 4f2a";
        try (FaultyFileSystem fs = newFs(new FaultyConfig(0, List.of("part-0"), PermanentError.PERMISSION_DENIED, 0, detail))) {
            AccessDeniedException e = assertThrows(AccessDeniedException.class, () -> fs.open(path("part-0")));
            assertEquals("faulty:" + dir.resolve("part-0") + ": Permission denied (injected): " + detail, e.getMessage());
        }
        try (FaultyFileSystem fs = newFs(new FaultyConfig(0, List.of("part-0"), PermanentError.NOT_FOUND, 0, detail))) {
            FileNotFoundException e = assertThrows(FileNotFoundException.class, () -> fs.open(path("part-0")));
            assertEquals("File faulty:" + dir.resolve("part-0") + " does not exist (injected): " + detail, e.getMessage());
        }
    }

    private Path path(String relative) {
        return TestFiles.mapped("faulty", null, dir.resolve(relative));
    }

    private static FaultyFileSystem newFs(FaultyConfig config) throws IOException {
        return TestFiles.newInstance(FaultyFileSystem.class, "faulty", null, config.applyTo(new Configuration()));
    }
}
