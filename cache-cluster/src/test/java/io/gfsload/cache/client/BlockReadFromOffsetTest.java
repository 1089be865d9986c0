package io.gfsload.cache.client;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static io.gfsload.cache.testing.TestData.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads of a block from an offset, on a real local cluster, including the hand-over to another replica. */
class BlockReadFromOffsetTest {
    private static final int LENGTH = 3 * MIB + 123;

    @TempDir
    Path directory;

    @Test
    void readsFromAnOffsetToTheEndAcrossSegmentsAndReplicas() throws IOException {
        byte[] bytes = randomBytes(LENGTH, 5);
        BlockKey block = new BlockKey(new FileIdentity("cosn://bucket/t/part-0", LENGTH, 42), 0);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 2, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            try (BlockWriter writer = client.openWriter(block, LENGTH, 2)) {
                writer.write(bytes, 0, LENGTH);
                writer.commit();
            }
            for (long offset : new long[] {0, 1, MIB - 1, MIB, 2 * MIB + 17, LENGTH - 1, LENGTH}) {
                try (InputStream in = client.openReader(block, offset)) {
                    assertArrayEquals(Arrays.copyOfRange(bytes, (int) offset, LENGTH), readAll(in), "from " + offset);
                }
            }
            cluster.killWorker(0);
            try (InputStream in = client.openReader(block, MIB + 5)) {
                assertArrayEquals(Arrays.copyOfRange(bytes, MIB + 5, LENGTH), readAll(in), "from the other replica");
            }
            IllegalArgumentException past = assertThrows(IllegalArgumentException.class, () -> client.openReader(block, LENGTH + 1));
            assertTrue(past.getMessage().contains("past the end"), past.getMessage());
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> client.openReader(block, -1));
            assertTrue(negative.getMessage().contains("offset must be >= 0"), negative.getMessage());
        }
    }
}
