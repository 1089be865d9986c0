package io.gfsload.cache.worker;

import static io.gfsload.cache.testing.TestData.randomBytes;
import static io.gfsload.cache.testing.TestData.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.client.ClientConfig;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.master.CacheMaster;
import io.gfsload.cache.master.MasterConfig;
import io.gfsload.cache.proto.HeartbeatRequest;
import io.gfsload.cache.proto.MasterServiceGrpc;
import io.gfsload.cache.testing.ClosingServer;
import io.gfsload.cache.testing.TestData;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real heartbeat threads against a master on the system ticker, with short intervals. */
class HeartbeatTest {
    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final FileIdentity FILE = new FileIdentity("hdfs://nn/t/part-0", 5000, 1);
    private static final BlockKey BLOCK = new BlockKey(FILE, 0);

    @TempDir
    Path directory;

    @Test
    void aStoppedWorkerIsLostAndARestartedOneIsBack() throws Exception {
        byte[] data = randomBytes(5000, 1);
        try (CacheMaster master = CacheMaster.start(config());
                CacheWorker worker0 = startWorker(master, 0);
                CacheClient client = GrpcCacheClient.connect(master.target())) {
            CacheWorker worker1 = startWorker(master, 1);
            try (BlockWriter writer = client.openWriter(BLOCK, data.length, 2)) {
                writer.write(data, 0, data.length);
                writer.commit();
            }
            finally {
                worker1.close();
            }

            TestData.await(() -> !client.clusterInfo().workers().get(1).live(), Duration.ofSeconds(5),
                    "worker-1 is lost");
            assertEquals(List.of(true, false), client.clusterInfo().workers().stream().map(WorkerInfo::live).toList(),
                    "worker-0 keeps heartbeating");
            assertEquals(List.of(new CachedBlock(0, data.length, TestData.crc32c(data), List.of("worker-0"))),
                    client.cachedBlocks(FILE));
            assertArrayEquals(data, readAll(client.openReader(BLOCK)));

            try (CacheWorker restarted = startWorker(master, 1)) {
                assertEquals(List.of(BLOCK.blockId()), restarted.blockIds());
                assertEquals(List.of("worker-0", "worker-1"), client.cachedBlocks(FILE).get(0).workerIds());
                assertEquals(List.of(true, true),
                        client.clusterInfo().workers().stream().map(WorkerInfo::live).toList());
            }
            assertEquals(List.of(BLOCK.blockId()), worker0.blockIds());
        }
    }

    @Test
    void aStoppingWorkerTellsTheMasterBeforeItsServerDrains() throws Exception {
        byte[] data = randomBytes(5000, 3);
        // lost only after 1,000 intervals: whatever the master stops placing on worker-1, it stops because worker-1 said it stops
        try (CacheMaster master = CacheMaster.start(config().withMissedHeartbeatsBeforeLost(1000));
                CacheWorker worker0 = startWorker(master, 0);
                CacheClient client = GrpcCacheClient.connect(master.target(), ClientConfig.defaults().withShortCircuitWrites(false))) {
            CacheWorker worker1 = startWorker(master, 1);
            // a write stream open on both workers holds worker-1's server while it stops (for 5 s, then it is cancelled)
            BlockWriter held = client.openWriter(BLOCK, data.length, 2);
            Thread stopping = new Thread(worker1::close, "stopping-worker-1");
            try {
                held.write(data, 0, 100);
                stopping.start();

                TestData.await(() -> !client.clusterInfo().workers().get(1).live(), Duration.ofSeconds(30), "worker-1 is not live");
                assertTrue(stopping.isAlive(), "the master hears that worker-1 stops while its server still drains");
                for (int index = 1; index <= 8; index++) {
                    BlockKey block = new BlockKey(FILE, index);
                    try (BlockWriter writer = client.openWriter(block, data.length, 1)) {
                        writer.write(data, 0, data.length);
                        writer.commit();
                    }
                }
                assertEquals(List.of(List.of("worker-0")), client.cachedBlocks(FILE).stream().map(CachedBlock::workerIds).distinct().toList(),
                        "nothing is placed on worker-1 while it drains");
            }
            finally {
                try {
                    held.close();
                }
                catch (CacheException e) {
                    // worker-1's end of the held stream was cancelled as its server stopped
                }
                worker1.close();
            }
            stopping.join();
            assertEquals(List.of(true, false), client.clusterInfo().workers().stream().map(WorkerInfo::live).toList());
        }
    }

    @Test
    void aHeartbeatHandledAfterTheStoppingOneDoesNotMakeTheWorkerLiveAgain() {
        try (CacheMaster master = CacheMaster.start(config().withMissedHeartbeatsBeforeLost(1000));
                CacheClient client = GrpcCacheClient.connect(master.target())) {
            CacheWorker worker = startWorker(master, 0);
            worker.close();
            assertEquals(List.of(false), client.clusterInfo().workers().stream().map(WorkerInfo::live).toList());

            // a regular heartbeat, sent before the stopping one and handled after it
            ManagedChannel channel = ManagedChannelBuilder.forTarget(master.target()).usePlaintext().build();
            try {
                MasterServiceGrpc.newBlockingStub(channel).heartbeat(HeartbeatRequest.newBuilder().setWorkerId("worker-0").build());
            }
            finally {
                channel.shutdownNow();
            }

            assertEquals(List.of(false), client.clusterInfo().workers().stream().map(WorkerInfo::live).toList(), "worker-0 stays stopped");
            try (CacheWorker restarted = startWorker(master, 0)) {
                assertEquals(List.of(true), client.clusterInfo().workers().stream().map(WorkerInfo::live).toList(), "registering revives it");
            }
        }
    }

    @Test
    void workersRegisterAgainWithARestartedMaster() {
        byte[] data = randomBytes(5000, 2);
        CacheMaster master = CacheMaster.start(config());
        int port = master.port();
        try (CacheWorker worker = startWorker(master, 0)) {
            try (CacheClient client = GrpcCacheClient.connect(master.target());
                    BlockWriter writer = client.openWriter(BLOCK, data.length, 1)) {
                writer.write(data, 0, data.length);
                writer.commit();
            }
            master.close();
            master = CacheMaster.start(config().withPort(port));
            try (CacheClient client = GrpcCacheClient.connect(master.target())) {
                TestData.await(() -> client.clusterInfo().liveWorkers().size() == 1, Duration.ofSeconds(5),
                        "worker-0 registers with the new master");
                assertEquals(List.of("worker-0"), client.cachedBlocks(FILE).get(0).workerIds());
                assertEquals(List.of(BLOCK.blockId()), worker.blockIds());
            }
        }
        finally {
            master.close();
        }
    }

    @Test
    void aWorkerTriesItsMasterAgainAtEveryHeartbeatWhileTheMasterIsDown() throws Exception {
        CacheMaster master = CacheMaster.start(config());
        try (CacheWorker worker = startWorker(master, 0)) {
            master.close();
            // the master's port taken by a server that closes every connection: a master that is not back yet
            try (ClosingServer down = ClosingServer.on(master.port())) {
                // gRPC backs a channel's reconnection off for a second, 1.6 times longer each time after: 10 attempts would
                // take it a minute; a heartbeat every 200 ms that tries again takes about two seconds
                TestData.await(() -> down.connections() >= 10, Duration.ofSeconds(10), "the worker connects to the master at its heartbeats");
            }
        }
        finally {
            master.close();
        }
    }

    private MasterConfig config() {
        return MasterConfig.defaults(directory.resolve("master")).withHeartbeatInterval(INTERVAL);
    }

    private CacheWorker startWorker(CacheMaster master, int index) {
        return CacheWorker.start(WorkerConfig.builder("worker-" + index, directory.resolve("worker-" + index), 1 << 20,
                        master.target())
                .heartbeatInterval(INTERVAL)
                .build());
    }
}
