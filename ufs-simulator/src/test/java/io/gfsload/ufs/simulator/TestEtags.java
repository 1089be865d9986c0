package io.gfsload.ufs.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.EtagSource;
import org.apache.hadoop.fs.FileStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With {@code fs.<scheme>.etags}, file statuses carry the MD5 of the file's bytes as their etag, as an object store's do. */
class TestEtags {
    @TempDir
    Path directory;

    @Test
    void aFileWrittenAgainWithItsLengthAndModificationTimeKeptHasAnotherEtag() throws IOException, NoSuchAlgorithmException {
        Path file = directory.resolve("d/part-0");
        byte[] bytes = TestFiles.write(file, 100_000, 1);
        Configuration conf = new Configuration();
        conf.setBoolean(ThrottledFileSystem.ETAGS_KEY, true);
        try (ThrottledFileSystem fs = TestFiles.newInstance(ThrottledFileSystem.class, ThrottledFileSystem.SCHEME, "etags", conf)) {
            org.apache.hadoop.fs.Path path = TestFiles.mapped(ThrottledFileSystem.SCHEME, "etags", file);
            String etag = etag(fs.getFileStatus(path));
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes)), etag);
            FileStatus[] listed = fs.listStatus(path.getParent());
            assertEquals(1, listed.length);
            assertEquals(etag, etag(listed[0]), "a listing gives the same etag");
            assertFalse(fs.getFileStatus(path.getParent()) instanceof EtagSource, "a directory has none");

            FileTime modified = Files.getLastModifiedTime(file);
            bytes[0] ^= 1;
            Files.write(file, bytes);
            Files.setLastModifiedTime(file, modified);
            FileStatus rewritten = fs.getFileStatus(path);
            assertEquals(bytes.length, rewritten.getLen());
            assertEquals(modified.toMillis(), rewritten.getModificationTime());
            assertNotEquals(etag, etag(rewritten));
        }
    }

    @Test
    void statusesHaveNoEtagByDefault() throws IOException {
        Path file = directory.resolve("part-0");
        TestFiles.write(file, 10, 1);
        try (FaultyFileSystem fs = TestFiles.newInstance(FaultyFileSystem.class, FaultyFileSystem.SCHEME, "plain", new Configuration())) {
            assertFalse(fs.getFileStatus(TestFiles.mapped(FaultyFileSystem.SCHEME, "plain", file)) instanceof EtagSource);
        }
    }

    private static String etag(FileStatus status) {
        assertTrue(status instanceof EtagSource, "a file's status has an etag: " + status);
        return ((EtagSource) status).getEtag();
    }
}
