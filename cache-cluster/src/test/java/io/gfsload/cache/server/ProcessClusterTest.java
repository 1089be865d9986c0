package io.gfsload.cache.server;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.crc32c;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static io.gfsload.cache.testing.TestData.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.StagedBlock;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.api.TempArea;
import io.gfsload.cache.api.UnderReplicatedBlock;
import io.gfsload.cache.api.UnderReplication;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.master.CacheMaster;
import io.gfsload.cache.master.MasterConfig;
import io.gfsload.cache.testing.TestData;
import io.gfsload.cache.worker.CacheWorker;
import io.gfsload.cache.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real processes killed with SIGKILL ({@link Process#destroyForcibly()}): a worker process, whose
 * loss the master notices and whose replicas readers do without; and a master process, whose
 * metadata survives in RocksDB. And worker processes stopped with SIGTERM ({@link Process#destroy()}),
 * which delete their MEM tier, where one killed leaves it to its next start.
 */
class ProcessClusterTest {
    private static final Logger log = LoggerFactory.getLogger(ProcessClusterTest.class);
    private static final Duration HEARTBEAT = Duration.ofMillis(500);
    private static final FileIdentity FILE = new FileIdentity("cosn://bucket/db/events/dt=2026-11-20/part-0",
            8 * MIB, 1_763_600_000_000L, "etag-7");

    @TempDir
    Path directory;

    @Test
    void aKilledWorkerIsLostWithinThreeHeartbeatsAndReadsGoOnFromItsOtherReplica() throws Exception {
        try (CacheMaster master = CacheMaster.start(MasterConfig.defaults(directory.resolve("master"))
                        .withHeartbeatInterval(HEARTBEAT));
                ServerProcesses processes = new ServerProcesses(directory);
                CacheClient client = GrpcCacheClient.connect(master.target())) {
            List<ServerProcesses.Server> workers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                workers.add(processes.start("worker", "worker-" + i, Map.of(
                        CacheServerConfig.WORKER_ID, "worker-" + i,
                        CacheServerConfig.WORKER_MASTER, master.target(),
                        CacheServerConfig.WORKER_HEARTBEAT_INTERVAL, HEARTBEAT.toMillis() + "ms",
                        "gfsload.cache.worker.tier.ssd.dirs", directory.resolve("worker-" + i).toString(),
                        "gfsload.cache.worker.tier.ssd.quota", "64MiB")));
            }
            workers.forEach(ServerProcesses.Server::awaitReady);
            TestData.await(() -> master.clusterInfo().liveWorkers().size() == 3, Duration.ofSeconds(30),
                    "3 worker processes are live");

            byte[] data = randomBytes(3 * MIB + 5, 1);
            BlockWriteResult written;
            try (BlockWriter writer = client.openWriter(new BlockKey(FILE, 0), data.length, 2)) {
                writer.write(data, 0, data.length);
                written = writer.commit();
            }
            assertEquals(2, written.workerIds().size());
            assertNotEquals(written.workerIds().get(0), written.workerIds().get(1), "replicas on distinct workers");

            String victim = written.workerIds().get(0);
            String survivor = written.workerIds().get(1);
            ServerProcesses.Server victimProcess = workers.get(Integer.parseInt(victim.substring("worker-".length())));
            long killed = System.nanoTime();
            victimProcess.process().destroyForcibly();
            victimProcess.process().waitFor();

            // Before the master notices, a reader asking the dead worker first moves on to the other replica.
            assertArrayEquals(data, readAll(client.openReader(new BlockKey(FILE, 0))));

            TestData.await(() -> master.clusterInfo().workers().stream()
                    .anyMatch(worker -> worker.id().equals(victim) && !worker.live()), Duration.ofSeconds(30),
                    victim + " is lost");
            Duration detection = Duration.ofNanos(System.nanoTime() - killed);
            log.info("{} was found lost {} ms after kill -9 (heartbeat {} ms, lost after 3 missed)", victim,
                    detection.toMillis(), HEARTBEAT.toMillis());
            // Lost exactly when its last heartbeat is 3 intervals old, so at most 3 intervals after
            // the kill; the slack covers polling on a loaded machine.
            assertTrue(detection.compareTo(HEARTBEAT.multipliedBy(3).plusSeconds(5)) < 0, "lost after " + detection);
            assertEquals(List.of(true, true), master.clusterInfo().workers().stream()
                    .filter(worker -> !worker.id().equals(victim)).map(WorkerInfo::live).toList());

            assertEquals(List.of(new CachedBlock(0, data.length, written.crc32c(), List.of(survivor))),
                    client.cachedBlocks(FILE));
            assertArrayEquals(data, readAll(client.openReader(new BlockKey(FILE, 0))));
            assertEquals(new UnderReplication(1, List.of(new UnderReplicatedBlock(new BlockKey(FILE, 0), 2,
                    List.of(survivor), List.of(victim)))), client.underReplicated("", 100));
        }
    }

    @Test
    void aKilledMasterComesBackWithItsMetadataAndTempAreas() throws Exception {
        Map<String, String> masterSettings = Map.of(
                CacheServerConfig.MASTER_METADATA_DIR, directory.resolve("master").toString(),
                CacheServerConfig.MASTER_HEARTBEAT_INTERVAL, HEARTBEAT.toMillis() + "ms");
        try (ServerProcesses processes = new ServerProcesses(directory)) {
            ServerProcesses.Server first = processes.start("master", "master", masterSettings);
            int port = first.port();
            String target = "127.0.0.1:" + port;
            byte[] committed = randomBytes(2 * MIB, 2);
            byte[] staged = randomBytes(MIB, 3);
            try (CacheWorker worker = CacheWorker.start(WorkerConfig.builder("worker-0", directory.resolve("worker-0"),
                            64 * MIB, target).heartbeatInterval(HEARTBEAT).build());
                    CacheClient client = GrpcCacheClient.connect(target)) {
                write(client, new BlockKey(FILE, 0), committed, WriteOptions.replication(1));
                client.tempAreas().openTempArea("job-1", Duration.ofHours(24));
                BlockWriteResult stagedResult = write(client, new BlockKey(FILE, 1), staged,
                        WriteOptions.replication(1).inTempArea("job-1"));
                List<CachedBlock> before = client.cachedBlocks(FILE);

                first.process().destroyForcibly();
                first.process().waitFor();
                ServerProcesses.Server second = processes.start("master", "master-restarted", Map.of(
                        CacheServerConfig.MASTER_METADATA_DIR, masterSettings.get(CacheServerConfig.MASTER_METADATA_DIR),
                        CacheServerConfig.MASTER_HEARTBEAT_INTERVAL, HEARTBEAT.toMillis() + "ms",
                        CacheServerConfig.MASTER_PORT, Integer.toString(port)));
                assertEquals(port, second.port());
                TestData.await(() -> client.clusterInfo().liveWorkers().size() == 1, Duration.ofSeconds(30),
                        "worker-0 registers with the restarted master");

                assertEquals(before, client.cachedBlocks(FILE), "committed metadata is intact");
                assertArrayEquals(committed, readAll(client.openReader(new BlockKey(FILE, 0))));
                List<TempArea> areas = client.tempAreas().listTempAreas();
                assertEquals(List.of(List.of(new StagedBlock(new BlockKey(FILE, 1), staged.length, stagedResult.crc32c(),
                        List.of("worker-0")))), areas.stream().map(TempArea::blocks).toList(), "the temp area is intact");
                assertEquals(1, client.tempAreas().commitScope("job-1", List.of(new BlockKey(FILE, 1))).blocks());
                assertArrayEquals(staged, readAll(client.openReader(new BlockKey(FILE, 1))));
                assertEquals(2, worker.blockIds().size());
            }
        }
    }

    @Test
    void aWorkerStoppedWithSigtermDeletesItsMemTierAndOneKilledLeavesItToItsNextStart() throws Exception {
        try (CacheMaster master = CacheMaster.start(MasterConfig.defaults(directory.resolve("master"))
                        .withHeartbeatInterval(HEARTBEAT));
                ServerProcesses processes = new ServerProcesses(directory);
                CacheClient client = GrpcCacheClient.connect(master.target())) {
            List<ServerProcesses.Server> workers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                workers.add(processes.start("worker", "worker-" + i, Map.of(
                        CacheServerConfig.WORKER_ID, "worker-" + i,
                        CacheServerConfig.WORKER_MASTER, master.target(),
                        CacheServerConfig.WORKER_HEARTBEAT_INTERVAL, HEARTBEAT.toMillis() + "ms",
                        "gfsload.cache.worker.tier.mem.dirs", memDirectory(i).toString(),
                        "gfsload.cache.worker.tier.mem.quota", "16MiB",
                        "gfsload.cache.worker.tier.ssd.dirs", directory.resolve("worker-" + i + "-ssd").toString(),
                        "gfsload.cache.worker.tier.ssd.quota", "16MiB")));
            }
            workers.forEach(ServerProcesses.Server::awaitReady);
            TestData.await(() -> master.clusterInfo().liveWorkers().size() == 2, Duration.ofSeconds(30),
                    "2 worker processes are live");
            byte[] inMemory = randomBytes(2 * MIB, 4);
            byte[] onSsd = randomBytes(MIB, 5);
            write(client, new BlockKey(FILE, 0), inMemory, WriteOptions.replication(2).onTier(StorageTier.MEM));
            write(client, new BlockKey(FILE, 1), onSsd, WriteOptions.replication(2).onTier(StorageTier.SSD));
            for (int i = 0; i < 2; i++) {
                assertEquals(1, TestData.files(memDirectory(i)).size(), "worker-" + i + " holds the MEM block");
            }

            ServerProcesses.Server stopped = workers.get(0);
            stopped.process().destroy();
            stopped.process().waitFor();
            assertEquals(List.of(), TestData.files(memDirectory(0)), "SIGTERM: the MEM tier is emptied");
            assertEquals(1, TestData.files(directory.resolve("worker-0-ssd")).size(), "the SSD tier stays");
            assertTrue(stopped.logText().matches("(?s).*Worker worker-0 deleted 1 block \\(\\d+ bytes\\) and 0 temp files of its "
                    + "MEM tier as it stops.*"), "one line says what was deleted: " + stopped.logText());

            ServerProcesses.Server killed = workers.get(1);
            killed.process().destroyForcibly();
            killed.process().waitFor();
            assertEquals(1, TestData.files(memDirectory(1)).size(), "kill -9 leaves the MEM tier to the next start");

            ServerProcesses.Server restarted = processes.start("worker", "worker-1-restarted", Map.of(
                    CacheServerConfig.WORKER_ID, "worker-1",
                    CacheServerConfig.WORKER_MASTER, master.target(),
                    CacheServerConfig.WORKER_HEARTBEAT_INTERVAL, HEARTBEAT.toMillis() + "ms",
                    "gfsload.cache.worker.tier.mem.dirs", memDirectory(1).toString(),
                    "gfsload.cache.worker.tier.mem.quota", "16MiB",
                    "gfsload.cache.worker.tier.ssd.dirs", directory.resolve("worker-1-ssd").toString(),
                    "gfsload.cache.worker.tier.ssd.quota", "16MiB"));
            restarted.awaitReady();
            assertEquals(List.of(), TestData.files(memDirectory(1)), "the next start deletes it");
            List<CachedBlock> expected = List.of(new CachedBlock(1, onSsd.length, crc32c(onSsd), List.of("worker-1")));
            TestData.await(() -> client.cachedBlocks(FILE).equals(expected), Duration.ofSeconds(30),
                    "the MEM block is gone from the master's metadata, and worker-0 is lost: " + client.cachedBlocks(FILE));
        }
    }

    @Test
    void aWorkerStoppedWithSigtermIsNoLongerListedWithoutWaitingToBeFoundLost() throws Exception {
        // lost only after 500 s: whatever the master stops listing, it stops listing because the worker said it stops
        try (CacheMaster master = CacheMaster.start(MasterConfig.defaults(directory.resolve("master"))
                        .withHeartbeatInterval(HEARTBEAT).withMissedHeartbeatsBeforeLost(1000));
                ServerProcesses processes = new ServerProcesses(directory);
                CacheClient client = GrpcCacheClient.connect(master.target())) {
            List<ServerProcesses.Server> workers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                workers.add(processes.start("worker", "worker-" + i, tieredWorker(i, master.target())));
            }
            workers.forEach(ServerProcesses.Server::awaitReady);
            TestData.await(() -> master.clusterInfo().liveWorkers().size() == 2, Duration.ofSeconds(30),
                    "2 worker processes are live");
            byte[] inMemory = randomBytes(2 * MIB, 6);
            byte[] onSsd = randomBytes(MIB, 7);
            write(client, new BlockKey(FILE, 0), inMemory, WriteOptions.replication(2).onTier(StorageTier.MEM));
            write(client, new BlockKey(FILE, 1), onSsd, WriteOptions.replication(2).onTier(StorageTier.SSD));
            assertEquals(List.of(List.of("worker-0", "worker-1"), List.of("worker-0", "worker-1")),
                    client.cachedBlocks(FILE).stream().map(CachedBlock::workerIds).toList());

            ServerProcesses.Server stopped = workers.get(0);
            stopped.process().destroy();
            stopped.process().waitFor();
            assertEquals(List.of(false, true), client.clusterInfo().workers().stream().map(WorkerInfo::live).toList(),
                    "worker-0 is gone at once, not found lost after missed heartbeats");
            assertEquals(List.of(true, false), client.clusterInfo().workers().stream().map(WorkerInfo::stopped).toList(),
                    "worker-0 is listed as stopped, not as lost");
            assertFalse(client.clusterInfo().workers().get(0).lost());
            assertEquals(List.of(new CachedBlock(0, inMemory.length, crc32c(inMemory), List.of("worker-1")),
                            new CachedBlock(1, onSsd.length, crc32c(onSsd), List.of("worker-1"))),
                    client.cachedBlocks(FILE), "neither block is listed on worker-0");
            assertEquals(new UnderReplication(2, List.of(
                            new UnderReplicatedBlock(new BlockKey(FILE, 0), 2, List.of("worker-1"), List.of()),
                            new UnderReplicatedBlock(new BlockKey(FILE, 1), 2, List.of("worker-1"), List.of("worker-0")))),
                    client.underReplicated("", 100),
                    "the MEM block's replica is forgotten; the SSD block's stays recorded for the worker's next start");
            assertTrue(stopped.logText().contains("Worker worker-0 told master " + master.target() + " that it stops"),
                    stopped.logText());

            ServerProcesses.Server restarted = processes.start("worker", "worker-0-restarted",
                    tieredWorker(0, master.target()));
            restarted.awaitReady();
            assertEquals(List.of(true, true), client.clusterInfo().workers().stream().map(WorkerInfo::live).toList());
            assertEquals(List.of(false, false), client.clusterInfo().workers().stream().map(WorkerInfo::stopped).toList(),
                    "its registration revives it");
            assertEquals(List.of(new CachedBlock(0, inMemory.length, crc32c(inMemory), List.of("worker-1")),
                            new CachedBlock(1, onSsd.length, crc32c(onSsd), List.of("worker-0", "worker-1"))),
                    client.cachedBlocks(FILE), "the restarted worker serves its SSD block again");

            // A master that cannot be reached does not hold up the stop: the worker says so and ends.
            master.close();
            ServerProcesses.Server unheard = workers.get(1);
            unheard.process().destroy();
            unheard.process().waitFor();
            assertEquals(List.of(), TestData.files(memDirectory(1)), "the MEM tier is emptied all the same");
            assertTrue(unheard.logText().contains("Telling master " + master.target() + " that worker worker-1 stops failed"),
                    unheard.logText());
        }
    }

    private Map<String, String> tieredWorker(int worker, String masterTarget) {
        return Map.of(
                CacheServerConfig.WORKER_ID, "worker-" + worker,
                CacheServerConfig.WORKER_MASTER, masterTarget,
                CacheServerConfig.WORKER_HEARTBEAT_INTERVAL, HEARTBEAT.toMillis() + "ms",
                "gfsload.cache.worker.tier.mem.dirs", memDirectory(worker).toString(),
                "gfsload.cache.worker.tier.mem.quota", "16MiB",
                "gfsload.cache.worker.tier.ssd.dirs", directory.resolve("worker-" + worker + "-ssd").toString(),
                "gfsload.cache.worker.tier.ssd.quota", "16MiB");
    }

    private Path memDirectory(int worker) {
        return directory.resolve("worker-" + worker + "-mem");
    }

    private static BlockWriteResult write(CacheClient client, BlockKey block, byte[] data, WriteOptions options) {
        try (BlockWriter writer = client.openWriter(block, data.length, options)) {
            writer.write(data, 0, data.length);
            return writer.commit();
        }
    }
}
