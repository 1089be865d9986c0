package io.gfsload.cache.client;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static io.gfsload.cache.testing.TestData.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code client.pool.max}: the client never holds more worker connections than allowed, and still works. */
class ConnectionPoolTest {
    private static final FileIdentity FILE = new FileIdentity("s3a://bucket/t/part-0", 8 * MIB, 3);

    @TempDir
    Path directory;

    @Test
    void theClientKeepsABoundedPoolOfWorkerConnections() throws Exception {
        LocalClusterConfig config = LocalClusterConfig.builder(directory).workers(3).workerCapacityBytes(16 * MIB)
                .build();
        try (LocalCluster cluster = LocalCluster.start(config);
                GrpcCacheClient client = GrpcCacheClient.connect(cluster.masterTarget(),
                        ClientConfig.defaults().withMaxWorkerChannels(1))) {
            for (int index = 0; index < 6; index++) {
                byte[] data = randomBytes(70_000 + index, index);
                // Two replicas at once: the second stream's channel pushes the first one out of the
                // pool, which closes it only once its call ends.
                try (BlockWriter writer = client.openWriter(new BlockKey(FILE, index), data.length, 2)) {
                    writer.write(data, 0, data.length);
                    writer.commit();
                }
                assertTrue(client.workerChannelCount() <= 1, "pool of " + client.workerChannelCount());
            }
            for (int index = 0; index < 6; index++) {
                assertArrayEquals(randomBytes(70_000 + index, index),
                        readAll(client.openReader(new BlockKey(FILE, index))));
            }
            assertEquals(1, client.workerChannelCount());
        }
    }
}
