package io.gfsload.ufs.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.IOUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mapping, data, counters and throttling draws of the throttled store; its latency and bandwidths are in {@link TestThrottledFileSystemPacing}. */
class TestThrottledFileSystem {
    @TempDir
    java.nio.file.Path dir;

    @Test
    void isRegisteredForItsSchemeThroughServiceLoading() throws IOException {
        try (FileSystem fs = FileSystem.newInstance(URI.create("throttled:///"), new Configuration())) {
            assertInstanceOf(ThrottledFileSystem.class, fs);
            assertEquals(URI.create("throttled:///"), fs.getUri());
        }
    }

    @Test
    void mapsPathsToLocalFilesWithoutChecksumFiles() throws IOException {
        byte[] data = TestFiles.write(dir.resolve("in/a.bin"), 1000, 1);
        try (ThrottledFileSystem fs = newFs(null, ThrottledConfig.defaults())) {
            Path root = TestFiles.mapped("throttled", null, dir);
            FileStatus status = fs.getFileStatus(new Path(root, "in/a.bin"));
            assertEquals(new Path("throttled:" + dir.resolve("in/a.bin")), status.getPath());
            assertEquals(1000, status.getLen());
            assertTrue(status.isFile());

            FileStatus[] listing = fs.listStatus(new Path(root, "in"));
            assertEquals(1, listing.length);
            assertEquals(status.getPath(), listing[0].getPath());
            assertEquals(Files.getOwner(dir.resolve("in/a.bin")).getName(), listing[0].getOwner(), "owner and permission of a mapped status");
            assertEquals(listing[0].getPermission(), status.getPermission());

            assertTrue(fs.mkdirs(new Path(root, "out")));
            try (FSDataOutputStream out = fs.create(new Path(root, "out/b.bin"))) {
                out.write(data);
            }
            assertArrayEquals(data, Files.readAllBytes(dir.resolve("out/b.bin")));
            try (Stream<java.nio.file.Path> files = Files.list(dir.resolve("out"))) {
                assertEquals(1, files.count(), "no .crc files next to what was written");
            }
            assertTrue(fs.rename(new Path(root, "out/b.bin"), new Path(root, "out/c.bin")));
            assertTrue(Files.exists(dir.resolve("out/c.bin")));
            assertTrue(fs.delete(new Path(root, "out"), true));
            assertFalse(Files.exists(dir.resolve("out")));
            assertEquals(0, fs.stats().requests(), "metadata operations and writes are not requests");
        }
    }

    @Test
    void keepsTheAuthorityInPaths() throws IOException {
        TestFiles.write(dir.resolve("a.bin"), 10, 1);
        try (ThrottledFileSystem fs = newFs("store-a", ThrottledConfig.defaults())) {
            Path file = TestFiles.mapped("throttled", "store-a", dir.resolve("a.bin"));
            assertEquals(file, fs.getFileStatus(file).getPath());
            assertEquals(file, fs.listStatus(TestFiles.mapped("throttled", "store-a", dir))[0].getPath());
            IllegalArgumentException wrongStore = assertThrows(IllegalArgumentException.class,
                    () -> fs.getFileStatus(TestFiles.mapped("throttled", "store-b", dir.resolve("a.bin"))));
            assertTrue(wrongStore.getMessage().startsWith("Wrong FS: throttled://store-b/"), wrongStore.getMessage());
        }
    }

    @Test
    void passesDataThroughUnchanged() throws IOException {
        byte[] data = TestFiles.write(dir.resolve("a.bin"), 300_000, 2);
        try (ThrottledFileSystem fs = newFs(null, ThrottledConfig.defaults());
                FSDataInputStream in = fs.open(TestFiles.mapped("throttled", null, dir.resolve("a.bin")))) {
            byte[] sequential = new byte[data.length];
            IOUtils.readFully(in, sequential, 0, sequential.length);
            assertArrayEquals(data, sequential);
            assertEquals(-1, in.read());

            byte[] positioned = new byte[100_000];
            in.readFully(150_000, positioned);
            assertArrayEquals(Arrays.copyOfRange(data, 150_000, 250_000), positioned);
            assertEquals(data.length, in.getPos(), "a positioned read leaves the position alone");

            in.seek(7);
            assertEquals(data[7] & 0xff, in.read());
            assertThrows(EOFException.class, () -> in.readFully(299_990, new byte[20]));
        }
    }

    @Test
    void countsEveryRequestAndByteExactly() throws IOException {
        TestFiles.write(dir.resolve("a.bin"), 1 << 20, 3);
        try (ThrottledFileSystem fs = newFs(null, ThrottledConfig.defaults())) {
            try (FSDataInputStream in = fs.open(TestFiles.mapped("throttled", null, dir.resolve("a.bin")))) {
                byte[] buffer = new byte[4096];
                in.readFully(buffer);
                in.readFully(buffer);
                in.seek(8192);
                in.readFully(buffer);
                in.seek(100_000);
                in.readFully(buffer);
                in.readFully(buffer);
                for (int i = 0; i < 5; i++) {
                    in.readFully(i * 10_000L, buffer);
                }
            }
            assertEquals(new ThrottledFileSystem.Stats(1 + 1 + 5, 10 * 4096, 0), fs.stats(),
                    "the open, one seek to a new offset (seeking to the current one is free) and five positioned reads");
            fs.resetStats();
            assertEquals(new ThrottledFileSystem.Stats(0, 0, 0), fs.stats());
            assertThrows(FileNotFoundException.class, () -> fs.open(TestFiles.mapped("throttled", null, dir.resolve("missing"))));
            assertEquals(1, fs.stats().requests(), "an open of a missing object is still a request");
        }
    }

    @Test
    void throttlesTheConfiguredFractionOfRequestsDeterministically() throws IOException {
        TestFiles.write(dir.resolve("a.bin"), 64 << 10, 4);
        double fraction = 0.25;
        long seed = 42;
        Random expectedDraws = new Random(seed);
        int requests = 0;
        int expectedErrors = 0;
        int errors = 0;
        try (ThrottledFileSystem fs = newFs(null, new ThrottledConfig(Duration.ZERO, 0, 0, fraction, seed))) {
            FSDataInputStream in = null;
            while (in == null) {
                requests++;
                expectedErrors += expectedDraws.nextDouble() < fraction ? 1 : 0;
                try {
                    in = fs.open(TestFiles.mapped("throttled", null, dir.resolve("a.bin")));
                }
                catch (IOException e) {
                    assertTrue(e.getMessage().startsWith("503 Slow Down (simulated throttling of open throttled:/"), e.getMessage());
                    errors++;
                }
            }
            try (FSDataInputStream stream = in) {
                byte[] buffer = new byte[1024];
                for (int i = 0; i < 400; i++) {
                    requests++;
                    expectedErrors += expectedDraws.nextDouble() < fraction ? 1 : 0;
                    try {
                        stream.readFully(i * 100L, buffer);
                    }
                    catch (IOException e) {
                        assertTrue(e.getMessage().contains(ThrottledFileSystem.SLOW_DOWN), e.getMessage());
                        errors++;
                    }
                }
            }
            assertEquals(expectedErrors, errors, "the same seed throttles the same requests");
            assertEquals(new ThrottledFileSystem.Stats(requests, (long) (requests - errors - 1) * 1024, errors), fs.stats());
            double observed = (double) errors / requests;
            assertTrue(observed > 0.18 && observed < 0.32, "observed throttled fraction " + observed + " for " + fraction);
        }
    }

    private ThrottledFileSystem newFs(String authority, ThrottledConfig config) throws IOException {
        return TestFiles.newInstance(ThrottledFileSystem.class, "throttled", authority, config.applyTo(new Configuration()));
    }
}
