package io.gfsload.cache.client;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockRange;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.UfsPullException;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.proto.WorkerServiceGrpc;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls from a store with permissions per file (HDFS, Ranger): the workers may not open one file of
 * a directory and read all the others, so the one refused fails alone. And a worker that does not
 * pull is named when no worker reads a file.
 */
class PullDeniedFileTest {
    @TempDir
    Path directory;

    @Test
    void aFileNoWorkerMayOpenFailsNoOtherFileOfItsDirectory() throws IOException {
        GatedFileSystem store = GatedFileSystem.get("per-file");
        store.denyOpening("private");
        Path dt = Files.createDirectories(directory.resolve("dt=1"));
        byte[] bytes = randomBytes(MIB, 31);
        Path denied = Files.write(dt.resolve("private-0"), bytes);
        Path readable = Files.write(dt.resolve("part-0"), bytes);
        Path readableToo = Files.write(dt.resolve("part-1"), bytes);
        FileIdentity deniedId = new FileIdentity(store.uriOf(denied), MIB, Files.getLastModifiedTime(denied).toMillis());
        FileIdentity readableId = new FileIdentity(store.uriOf(readable), MIB, Files.getLastModifiedTime(readable).toMillis());
        FileIdentity readableTooId = new FileIdentity(store.uriOf(readableToo), MIB, Files.getLastModifiedTime(readableToo).toMillis());
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 2, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            // a fresh client: every worker reads part-0
            try (CacheClient fresh = cluster.newClient()) {
                assertEquals(1, fresh.pullBlock(new BlockKey(readableId, 0), 0, MIB, 1, WriteOptions.replication(1)).workerIds().size());
            }

            UfsPullException deniedFailure = assertThrows(UfsPullException.class,
                    () -> client.pullBlock(new BlockKey(deniedId, 0), 0, MIB, 1, WriteOptions.replication(1)));
            assertEquals(UfsPullException.Reason.DENIED, deniedFailure.reason(), deniedFailure.getMessage());
            assertTrue(deniedFailure.getMessage().contains("may not read it: Permission denied: user=cache"), deniedFailure.getMessage());

            // the same client, other files of the same directory, which both workers read: in a batch, and alone
            List<BlockWriteOutcome> batch = client.pullBlocks(List.of(new BlockRange(new BlockKey(readableTooId, 0), 0, MIB)), WriteOptions.replication(1));
            String batchFailure = batch.get(0).failure().map(Throwable::getMessage).orElse(null);
            String singleFailure = null;
            try {
                client.pullBlock(new BlockKey(readableId, 1), 0, MIB, 1, WriteOptions.replication(1));
            }
            catch (UfsPullException e) {
                singleFailure = e.getMessage();
            }
            assertTrue(batchFailure == null && singleFailure == null,
                    "files every worker reads failed:\n batched part-1: " + batchFailure + "\n part-0: " + singleFailure);
        }
        finally {
            store.close();
        }
    }

    @Test
    void aWorkerThatDoesNotPullIsNamedWhenNoWorkerReads() throws Exception {
        byte[] bytes = randomBytes(MIB, 32);
        Path file = Files.write(Files.createDirectories(directory.resolve("dt=2")).resolve("part-0"), bytes);
        FileIdentity identity = new FileIdentity(file.toUri().toString(), MIB, Files.getLastModifiedTime(file).toMillis());
        // a worker of before pulls: every call UNIMPLEMENTED
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new WorkerServiceGrpc.WorkerServiceImplBase() {}).build().start();
        try (LocalCluster cluster = OlderWorker.clusterWith(directory.resolve("cluster"), server);
                CacheClient client = cluster.newClient()) {
            UfsPullException none = assertThrows(UfsPullException.class, () -> client.pullBlock(new BlockKey(identity, 0), 0, MIB, 1,
                    WriteOptions.replication(1).excluding(Set.of("worker-0"))));
            assertEquals(UfsPullException.Reason.UNREADABLE, none.reason());
            assertTrue(none.getMessage().contains("worker-old"), "names the worker that cannot pull: " + none.getMessage());
        }
        finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
