package io.gfsload.cache.client;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.files;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockData;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GrpcCacheClient#abortUnfinishedWrites} racing short-circuit batches, against a real local
 * cluster: the abort is made to land just before the client creates a temp file the worker handed out.
 */
class AbortUnfinishedWritesTest {
    @TempDir
    Path directory;

    @Test
    void anAbortJustBeforeTheClientCreatesATempFileLeavesNoFileOnTheWorkers() {
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 2, 64L * MIB));
                GrpcCacheClient client = GrpcCacheClient.connect(cluster.masterTarget())) {
            List<Path> handedOut = new ArrayList<>();
            Consumer<Path> abortOnFirstFile = path -> {
                if (handedOut.isEmpty()) {
                    client.abortUnfinishedWrites(Duration.ofSeconds(10));
                }
                handedOut.add(path);
            };
            List<BlockData> blocks = blocks(4, 50_000);

            List<BlockWriteOutcome> outcomes = new BatchBlockWriter(client, WriteOptions.replication(2), abortOnFirstFile).write(blocks);

            assertFalse(handedOut.isEmpty(), "the batch was written short-circuit");
            for (BlockWriteOutcome outcome : outcomes) {
                assertTrue(outcome.failure().isPresent(), "the worker dropped the write: " + outcome);
                assertEquals(List.of(), client.cachedBlocks(outcome.block().file()));
            }
            handedOut.forEach(path -> assertFalse(Files.exists(path), "no temp file left behind: " + path));
            for (Path blockDirectory : cluster.workerBlockDirectories()) {
                assertEquals(List.of(), files(blockDirectory), "nothing left in " + blockDirectory);
            }
        }
    }

    private static List<BlockData> blocks(int count, int size) {
        List<BlockData> blocks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] data = randomBytes(size + i, i);
            blocks.add(new BlockData(new BlockKey(new FileIdentity("cosn://bucket/t/part-" + i, data.length, 1), 0), data));
        }
        return blocks;
    }
}
