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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

    /**
     * Readers of blocks on more workers than client.pool.max at once: a channel one reader just
     * took from the pool, which another reader's new channel evicts before the first reader's call
     * starts on it, still takes that call.
     */
    @Test
    void concurrentReadersBeyondThePoolSizeDoNotFail() throws Exception {
        LocalClusterConfig config = LocalClusterConfig.builder(directory).workers(3).workerCapacityBytes(16 * MIB).build();
        try (LocalCluster cluster = LocalCluster.start(config);
                GrpcCacheClient client = GrpcCacheClient.connect(cluster.masterTarget(), ClientConfig.defaults().withMaxWorkerChannels(1))) {
            int blocks = 6;
            for (int index = 0; index < blocks; index++) {
                byte[] data = randomBytes(1000, index);
                try (BlockWriter writer = client.openWriter(new BlockKey(FILE, index), data.length, 1)) {
                    writer.write(data, 0, data.length);
                    writer.commit();
                }
            }
            ExecutorService readers = Executors.newFixedThreadPool(4);
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int thread = 0; thread < 4; thread++) {
                    int first = thread;
                    done.add(readers.submit(() -> {
                        for (int i = 0; i < 300; i++) {
                            int index = (first + i) % blocks;
                            try {
                                assertArrayEquals(randomBytes(1000, index), readAll(client.openReader(new BlockKey(FILE, index))));
                            }
                            catch (Throwable t) {
                                failures.add(t);
                            }
                        }
                    }));
                }
                for (Future<?> future : done) {
                    future.get();
                }
            }
            finally {
                readers.shutdownNow();
            }
            assertEquals(List.of(), failures.stream().map(Throwable::toString).limit(3).toList(), failures.size() + " reads of 1200 failed");
        }
    }
}
