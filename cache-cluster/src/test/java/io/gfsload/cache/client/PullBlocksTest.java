package io.gfsload.cache.client;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.crc32c;
import static io.gfsload.cache.testing.TestData.files;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static io.gfsload.cache.testing.TestData.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockRange;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.UfsPullException;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.master.RendezvousPlacement;
import io.gfsload.cache.proto.ForwardedReplica;
import io.gfsload.cache.proto.PullBlockRequest;
import io.gfsload.cache.proto.PullBlocksRequest;
import io.gfsload.cache.proto.PullBlocksResponse;
import io.gfsload.cache.proto.RemoveBlockRequest;
import io.gfsload.cache.proto.RemoveBlockResponse;
import io.gfsload.cache.proto.SmallBlock;
import io.gfsload.cache.proto.SmallBlockResult;
import io.gfsload.cache.proto.StorageTierProto;
import io.gfsload.cache.proto.UfsRange;
import io.gfsload.cache.proto.WorkerAddress;
import io.gfsload.cache.proto.WorkerServiceGrpc;
import io.gfsload.cache.proto.WriteBlockHeader;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.gfsload.cache.proto.WriteBlocksRequest;
import io.gfsload.cache.proto.WriteBlocksResponse;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.rpc.RpcErrors;
import io.gfsload.cache.worker.CacheWorker;
import io.gfsload.cache.worker.WorkerConfig;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batched pulls of small files on a real local cluster: one placement, one PullBlocks call per first worker, one commit. */
class PullBlocksTest {
    private static final int FILES = 24;

    @TempDir
    Path directory;

    @Test
    void aBatchOfSmallFilesIsPulledWithOneCallPerFirstWorkerAndStoredOnDistinctWorkers() throws IOException {
        List<byte[]> contents = new ArrayList<>();
        List<BlockRange> ranges = smallFiles(contents);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 3, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            List<BlockWriteOutcome> outcomes = client.pullBlocks(ranges, WriteOptions.replication(2));

            assertEquals(FILES, outcomes.size());
            Set<String> firstWorkers = new HashSet<>();
            for (int i = 0; i < FILES; i++) {
                BlockWriteOutcome outcome = outcomes.get(i);
                assertTrue(outcome.succeeded(), String.valueOf(outcome.failure()));
                List<String> workers = outcome.result().orElseThrow().workerIds();
                assertEquals(2, Set.copyOf(workers).size(), "replicas on distinct workers: " + workers);
                assertEquals(Set.copyOf(workers), Set.copyOf(client.cachedBlocks(ranges.get(i).block().file()).get(0).workerIds()), "committed");
                assertEquals(crc32c(contents.get(i)), outcome.result().orElseThrow().crc32c());
                try (InputStream in = client.openReader(ranges.get(i).block())) {
                    assertArrayEquals(contents.get(i), readAll(in));
                }
                firstWorkers.add(RendezvousPlacement.choose(ranges.get(i).block().blockId(), Set.of("worker-0", "worker-1", "worker-2"), 2).get(0));
            }
            assertEquals((double) firstWorkers.size(), sum(cluster, "gfsload_worker_pull_batches_total", Map.of()),
                    "one PullBlocks call per first worker: " + firstWorkers);
            assertEquals((double) FILES, sum(cluster, "gfsload_worker_pulls_total", Map.of("source", "ufs")), "one pull counted per block");
            assertEquals(0.0, sum(cluster, "gfsload_worker_pulls_total", Map.of("source", "worker")), "no copy from another worker");
            assertEquals((double) FILES, sum(cluster, "gfsload_worker_forwarded_blocks_total", Map.of()), "the second replicas were forwarded");
            Set<List<String>> forwardings = new HashSet<>();
            for (BlockRange range : ranges) {
                forwardings.add(RendezvousPlacement.choose(range.block().blockId(), Set.of("worker-0", "worker-1", "worker-2"), 2));
            }
            assertEquals((double) forwardings.size(), sum(cluster, "gfsload_worker_forward_batches_total", Map.of()),
                    "one WriteBlocks call from each first worker to each worker it forwards to: " + forwardings);
        }
    }

    @Test
    void theBlocksOfABatchPlacedFirstOnAWorkerThatCannotReadTheUfsAreReadByAnother() throws IOException {
        List<byte[]> contents = new ArrayList<>();
        List<BlockRange> ranges = smallFiles(contents);
        Set<String> workers = Set.of("worker-0", "worker-1", "worker-2");
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 2, 64L * MIB));
                CacheWorker unable = CacheWorker.start(WorkerConfig.builder("worker-2", directory.resolve("worker-2"), 64L * MIB, cluster.masterTarget()).build());
                CacheClient client = cluster.newClient()) {
            assertEquals(3, client.clusterInfo().liveWorkers().size());
            assertTrue(ranges.stream().anyMatch(range -> RendezvousPlacement.choose(range.block().blockId(), workers, 2).get(0).equals("worker-2")),
                    "some blocks go to worker-2 first");

            // replication 2: on the workers placed, read by the one that reads the UFS
            List<BlockWriteOutcome> outcomes = client.pullBlocks(ranges.subList(0, FILES / 2), WriteOptions.replication(2));
            for (int i = 0; i < FILES / 2; i++) {
                BlockWriteOutcome outcome = outcomes.get(i);
                assertTrue(outcome.succeeded(), String.valueOf(outcome.failure()));
                BlockKey block = ranges.get(i).block();
                assertEquals(RendezvousPlacement.choose(block.blockId(), workers, 2).stream().sorted().toList(), outcome.result().orElseThrow().workerIds());
                assertEquals(crc32c(contents.get(i)), client.cachedBlocks(block.file()).get(0).crc32c());
            }
            assertEquals(FILES / 2.0, sum(cluster, "gfsload_worker_pulls_total", Map.of("source", "ufs")), "each read once, by worker-0 or worker-1");

            // replication 1: those placed on worker-2 placed again on a worker that reads the UFS
            outcomes = client.pullBlocks(ranges.subList(FILES / 2, FILES), WriteOptions.replication(1));
            for (int i = FILES / 2; i < FILES; i++) {
                BlockWriteOutcome outcome = outcomes.get(i - FILES / 2);
                assertTrue(outcome.succeeded(), String.valueOf(outcome.failure()));
                String placed = RendezvousPlacement.choose(ranges.get(i).block().blockId(), workers, 1).get(0);
                List<String> expected = placed.equals("worker-2")
                        ? RendezvousPlacement.choose(ranges.get(i).block().blockId(), Set.of("worker-0", "worker-1"), 1)
                        : List.of(placed);
                assertEquals(expected, outcome.result().orElseThrow().workerIds());
                try (InputStream in = client.openReader(ranges.get(i).block())) {
                    assertArrayEquals(contents.get(i), readAll(in));
                }
            }
            assertEquals((double) FILES, sum(cluster, "gfsload_worker_pulls_total", Map.of("source", "ufs")));
        }
    }

    @Test
    void aBlockOfABatchThatAWorkerForwardedToDidNotStoreFailsNamingItAndNothingOfItIsLeft() throws Exception {
        List<byte[]> contents = new ArrayList<>();
        List<BlockRange> ranges = smallFiles(contents);
        RefusingWorker full = new RefusingWorker();
        Server fullServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(full).build().start();
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 2, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            WorkerInfo first = worker(client, "worker-0");
            WorkerInfo second = worker(client, "worker-1");
            WorkerAddress other = WorkerAddress.newBuilder().setWorkerId(second.id()).setHost(second.host()).setPort(second.port()).build();
            WorkerAddress refusing = WorkerAddress.newBuilder().setWorkerId("worker-full").setHost("127.0.0.1").setPort(fullServer.getPort()).build();
            WorkerAddress gone = WorkerAddress.newBuilder().setWorkerId("worker-gone").setHost("127.0.0.1").setPort(closedPort).build();
            // every third block goes to the other worker only, the others also to one that refuses its odd blocks or to one that is down
            PullBlocksRequest.Builder batch = PullBlocksRequest.newBuilder();
            for (int i = 0; i < FILES; i++) {
                FileIdentity file = ranges.get(i).block().file();
                PullBlockRequest.Builder block = pull(ranges.get(i).block().blockId(), file, file.length()).toBuilder().addForwardTo(other);
                if (i % 3 == 1) {
                    block.addForwardTo(refusing);
                    if (i % 2 == 1) {
                        full.refused.add(ranges.get(i).block().blockId());
                    }
                }
                else if (i % 3 == 2) {
                    block.addForwardTo(gone);
                }
                batch.addBlocks(block);
            }
            PullBlocksResponse answer = pullBlocks(first, batch.build());

            int stored = 0;
            for (int i = 0; i < FILES; i++) {
                SmallBlockResult result = answer.getResults(i);
                if (i % 3 == 2) {
                    assertEquals(Status.Code.UNAVAILABLE.value(), result.getError().getCode(), i + ": " + result);
                    assertEquals("worker-gone", result.getError().getFailedWorkerId());
                    assertTrue(result.getError().getMessage().contains("forwarding block " + ranges.get(i).block().blockId() + " to worker worker-gone"),
                            result.getError().getMessage());
                }
                else if (i % 3 == 1 && i % 2 == 1) {
                    assertEquals(Status.Code.RESOURCE_EXHAUSTED.value(), result.getError().getCode(), i + ": " + result);
                    assertEquals(RpcErrors.NO_ROOM, result.getError().getKind());
                    assertEquals("worker-full", result.getError().getFailedWorkerId());
                    assertTrue(result.getError().getMessage().endsWith("failed: no room for block " + ranges.get(i).block().blockId()),
                            result.getError().getMessage());
                }
                else {
                    stored++;
                    assertEquals(crc32c(contents.get(i)), ProtoConversions.crcFromWire(result.getWritten().getCrc32C()), i + ": " + result);
                    List<String> forwardedTo = result.getWritten().getForwardedList().stream().map(ForwardedReplica::getWorkerId).toList();
                    assertEquals(i % 3 == 0 ? List.of(second.id()) : List.of(second.id(), "worker-full"), forwardedTo);
                    for (ForwardedReplica replica : result.getWritten().getForwardedList()) {
                        assertEquals(result.getWritten().getCrc32C(), replica.getWritten().getCrc32C(), "the same bytes on " + replica.getWorkerId());
                    }
                    if (i % 3 == 1) {
                        assertArrayEquals(contents.get(i), full.held.get(ranges.get(i).block().blockId()));
                    }
                }
            }
            List<Path> directories = cluster.workerBlockDirectories();
            assertEquals(stored, files(directories.get(0)).size(), "only the blocks stored everywhere are left on the first worker");
            assertEquals(stored, files(directories.get(1)).size(), "the other worker's copies of the failed blocks are removed");
            assertEquals(Set.copyOf(IntStream.range(0, FILES).filter(i -> i % 3 == 1 && i % 2 == 0).mapToObj(i -> ranges.get(i).block().blockId()).toList()),
                    full.held.keySet(), "the refusing worker holds the blocks it stored");
            assertEquals(3.0, sum(cluster, "gfsload_worker_forward_batches_total", Map.of()), "one WriteBlocks call to each worker forwarded to");
        }
        finally {
            fullServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aBlockOfABatchLargerThanAForwardingCallTakesAStreamOfItsOwnAndTheSmallOnesShareOneCall() throws Exception {
        List<byte[]> contents = new ArrayList<>();
        List<BlockRange> ranges = smallFiles(contents);
        byte[] large = randomBytes(6 * MIB, 77);
        Path largeFile = Files.write(directory.resolve("large"), large);
        FileIdentity largeIdentity = new FileIdentity(largeFile.toUri().toString(), large.length, Files.getLastModifiedTime(largeFile).toMillis());
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 2, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            WorkerInfo first = worker(client, "worker-0");
            WorkerInfo second = worker(client, "worker-1");
            WorkerAddress other = WorkerAddress.newBuilder().setWorkerId(second.id()).setHost(second.host()).setPort(second.port()).build();
            PullBlocksRequest.Builder batch = PullBlocksRequest.newBuilder()
                    .addBlocks(pull(new BlockKey(largeIdentity, 0).blockId(), largeIdentity, large.length).toBuilder().addForwardTo(other));
            for (BlockRange range : ranges) {
                batch.addBlocks(pull(range.block().blockId(), range.block().file(), range.length()).toBuilder().addForwardTo(other));
            }
            PullBlocksResponse answer = pullBlocks(first, batch.build());

            assertEquals(ProtoConversions.crcToWire(crc32c(large)), answer.getResults(0).getWritten().getForwarded(0).getWritten().getCrc32C(),
                    "the large block's replica: " + answer.getResults(0));
            for (int i = 1; i <= FILES; i++) {
                assertEquals(ProtoConversions.crcToWire(crc32c(contents.get(i - 1))), answer.getResults(i).getWritten().getForwarded(0).getWritten().getCrc32C(),
                        i + ": " + answer.getResults(i));
            }
            assertEquals(FILES + 1.0, sum(cluster, "gfsload_worker_forwarded_blocks_total", Map.of()));
            assertEquals(1.0, sum(cluster, "gfsload_worker_forward_batches_total", Map.of()), "the small blocks in one call, the large one on a stream");
            for (Path blocks : cluster.workerBlockDirectories()) {
                assertEquals(FILES + 1, files(blocks).size(), "every block on " + blocks);
            }
        }
    }

    /** A worker, as a test's own gRPC server, that stores the blocks of WriteBlocks calls in memory, but for those refused: it has no room for them. */
    private static final class RefusingWorker extends WorkerServiceGrpc.WorkerServiceImplBase {
        final Set<String> refused = ConcurrentHashMap.newKeySet();
        final Map<String, byte[]> held = new ConcurrentHashMap<>();

        @Override
        public void writeBlocks(WriteBlocksRequest request, StreamObserver<WriteBlocksResponse> response) {
            WriteBlocksResponse.Builder results = WriteBlocksResponse.newBuilder();
            for (SmallBlock block : request.getBlocksList()) {
                String blockId = block.getHeader().getBlockId();
                if (refused.contains(blockId)) {
                    results.addResults(SmallBlockResult.newBuilder().setError(RpcErrors.itemError(RpcErrors.workerNoRoom("no room for block " + blockId))));
                    continue;
                }
                held.put(blockId, block.getData().toByteArray());
                results.addResults(SmallBlockResult.newBuilder().setWritten(WriteBlockResponse.newBuilder().setLength(block.getData().size())
                        .setCrc32C(block.getCrc32C()).setTier(StorageTierProto.STORAGE_TIER_MEM).setCopy(1)));
            }
            response.onNext(results.build());
            response.onCompleted();
        }

        @Override
        public void removeBlock(RemoveBlockRequest request, StreamObserver<RemoveBlockResponse> response) {
            response.onNext(RemoveBlockResponse.newBuilder().setRemoved(held.remove(request.getBlockId()) != null).build());
            response.onCompleted();
        }
    }

    @Test
    void aChangedOrDeletedFileFailsOnlyItsOwnBlockAndLeavesNothingOfIt() throws IOException {
        List<byte[]> contents = new ArrayList<>();
        List<BlockRange> ranges = smallFiles(contents);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 3, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            Path changed = Path.of(URI.create(ranges.get(3).block().file().path()));
            Files.write(changed, Arrays.copyOf(contents.get(3), contents.get(3).length + 10));
            Files.delete(Path.of(URI.create(ranges.get(7).block().file().path())));

            List<BlockWriteOutcome> outcomes = client.pullBlocks(ranges, WriteOptions.replication(2));

            UfsPullException changedFailure = assertInstanceOf(UfsPullException.class, outcomes.get(3).failure().orElseThrow());
            assertEquals(UfsPullException.Reason.CHANGED, changedFailure.reason(), changedFailure.getMessage());
            assertTrue(changedFailure.getMessage().contains("the file changed"), changedFailure.getMessage());
            UfsPullException goneFailure = assertInstanceOf(UfsPullException.class, outcomes.get(7).failure().orElseThrow());
            assertEquals(UfsPullException.Reason.NOT_FOUND, goneFailure.reason(), goneFailure.getMessage());
            assertTrue(goneFailure.getMessage().contains("the file is gone"), goneFailure.getMessage());
            for (int i = 0; i < FILES; i++) {
                if (i == 3 || i == 7) {
                    assertTrue(client.cachedBlocks(ranges.get(i).block().file()).isEmpty(), "nothing committed of block " + i);
                    continue;
                }
                assertTrue(outcomes.get(i).succeeded(), i + ": " + outcomes.get(i).failure());
                assertEquals(1, client.cachedBlocks(ranges.get(i).block().file()).size(), "block " + i + " committed");
            }
            long stored = cluster.workerBlockDirectories().stream().mapToLong(blocks -> files(blocks).size()).sum();
            assertEquals(2L * (FILES - 2), stored, "two replicas of each block pulled, nothing of the two that failed");
        }
    }

    @Test
    void aWorkerRefusesABatchOfTooManyBlocksOrBytesAndFailsABlockWithoutAUfsRangeAlone() throws IOException {
        List<BlockRange> ranges = smallFiles(new ArrayList<>());
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, 64L * MIB));
                CacheClient client = cluster.newClient()) {
            WorkerInfo worker = client.clusterInfo().workers().get(0);
            ManagedChannel channel = Grpc.newChannelBuilder(worker.host() + ":" + worker.port(), InsecureChannelCredentials.create()).build();
            try {
                WorkerServiceGrpc.WorkerServiceBlockingStub stub = WorkerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
                FileIdentity file = ranges.get(0).block().file();
                PullBlocksRequest.Builder many = PullBlocksRequest.newBuilder();
                for (int i = 0; i < 1025; i++) {
                    many.addBlocks(pull(new BlockKey(file, i).blockId(), file, 1));
                }
                StatusRuntimeException tooMany = assertThrows(StatusRuntimeException.class, () -> stub.pullBlocks(many.build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, tooMany.getStatus().getCode());
                assertTrue(tooMany.getStatus().getDescription().contains("A batched pull of 1025 blocks"), tooMany.getStatus().getDescription());

                PullBlocksRequest large = PullBlocksRequest.newBuilder()
                        .addBlocks(pull(new BlockKey(file, 0).blockId(), file, 40 * MIB))
                        .addBlocks(pull(new BlockKey(file, 1).blockId(), file, 40 * MIB))
                        .build();
                StatusRuntimeException tooLarge = assertThrows(StatusRuntimeException.class, () -> stub.pullBlocks(large));
                assertEquals(Status.Code.INVALID_ARGUMENT, tooLarge.getStatus().getCode());
                assertTrue(tooLarge.getStatus().getDescription().contains("at most 1024 blocks and 67108864 bytes per call"),
                        tooLarge.getStatus().getDescription());
                assertEquals(0.0, sum(cluster, "gfsload_worker_pulls_total", Map.of("source", "ufs")), "nothing pulled");
                assertTrue(files(cluster.workerBlockDirectories().get(0)).isEmpty());
                // a negative length does not make room in the batch's bytes for the others
                PullBlocksRequest negative = PullBlocksRequest.newBuilder()
                        .addBlocks(pull(new BlockKey(file, 0).blockId(), file, -40 * MIB))
                        .addBlocks(pull(new BlockKey(file, 1).blockId(), file, 40 * MIB))
                        .addBlocks(pull(new BlockKey(file, 2).blockId(), file, 40 * MIB))
                        .build();
                StatusRuntimeException stillTooLarge = assertThrows(StatusRuntimeException.class, () -> stub.pullBlocks(negative));
                assertEquals(Status.Code.INVALID_ARGUMENT, stillTooLarge.getStatus().getCode());
                assertTrue(files(cluster.workerBlockDirectories().get(0)).isEmpty());
                // and is refused as the block's own mistake
                PullBlocksResponse negativeAlone = stub.pullBlocks(PullBlocksRequest.newBuilder()
                        .addBlocks(pull(new BlockKey(file, 0).blockId(), file, -1)).build());
                assertEquals(Status.Code.INVALID_ARGUMENT.value(), negativeAlone.getResults(0).getError().getCode());
                assertTrue(negativeAlone.getResults(0).getError().getMessage().contains("has a negative length: -1"),
                        negativeAlone.getResults(0).getError().getMessage());

                PullBlockRequest fromWorker = PullBlockRequest.newBuilder()
                        .setHeader(WriteBlockHeader.newBuilder().setBlockId(new BlockKey(file, 1).blockId()).setLength(1))
                        .setWorker(WorkerAddress.newBuilder().setWorkerId(worker.id()).setHost(worker.host()).setPort(worker.port()))
                        .build();
                PullBlocksResponse mixed = stub.pullBlocks(PullBlocksRequest.newBuilder()
                        .addBlocks(pull(new BlockKey(file, 0).blockId(), file, file.length()))
                        .addBlocks(fromWorker)
                        .build());
                assertEquals(file.length(), mixed.getResults(0).getWritten().getLength(), "the block with a UFS range is stored");
                assertEquals(Status.Code.INVALID_ARGUMENT.value(), mixed.getResults(1).getError().getCode());
                assertTrue(mixed.getResults(1).getError().getMessage().contains("names no UFS range"), mixed.getResults(1).getError().getMessage());
                assertEquals(1, files(cluster.workerBlockDirectories().get(0)).size(), "only the block with a UFS range");
            }
            finally {
                channel.shutdownNow();
            }
        }
    }

    @Test
    void aFirstWorkerOlderThanBatchedPullsHasItsBlocksPulledOneByOne() throws Exception {
        List<byte[]> contents = new ArrayList<>();
        List<BlockRange> all = smallFiles(contents);
        // blocks whose first replica goes to the older worker, and blocks whose first goes to worker-0
        Set<String> workers = Set.of("worker-0", "worker-old");
        List<Integer> olderFirst = IntStream.range(0, FILES)
                .filter(i -> RendezvousPlacement.choose(all.get(i).block().blockId(), workers, 2).get(0).equals("worker-old")).boxed().toList();
        for (List<Integer> half : List.of(IntStream.range(0, FILES / 2).boxed().toList(), IntStream.range(FILES / 2, FILES).boxed().toList())) {
            assertTrue(half.stream().anyMatch(olderFirst::contains) && !olderFirst.containsAll(half),
                    "both workers come first for some blocks of each half: " + olderFirst);
        }
        OlderWorker older = new OlderWorker();
        Server server = older.serve();
        try (LocalCluster cluster = OlderWorker.clusterWith(directory.resolve("cluster"), server);
                CacheClient client = cluster.newClient()) {

            // two batches: the second goes one by one to the older worker without asking it for a batch again
            List<BlockWriteOutcome> outcomes = new ArrayList<>(client.pullBlocks(all.subList(0, FILES / 2), WriteOptions.replication(2)));
            outcomes.addAll(client.pullBlocks(all.subList(FILES / 2, FILES), WriteOptions.replication(2)));

            assertEquals(1, older.batchPulls.get(), "the older worker was asked for one batch");
            for (int i = 0; i < FILES; i++) {
                assertTrue(outcomes.get(i).succeeded(), i + ": " + outcomes.get(i).failure());
                assertEquals(workers, Set.copyOf(outcomes.get(i).result().orElseThrow().workerIds()));
                assertEquals(crc32c(contents.get(i)), client.cachedBlocks(all.get(i).block().file()).get(0).crc32c(), "block " + i + " committed");
            }
            assertEquals(olderFirst.size(), older.pulls.size(), "the older worker pulled its first replicas one by one");
            assertEquals(2.0, sum(cluster, "gfsload_worker_pull_batches_total", Map.of()), "worker-0 pulled its first replicas in a batch a call");
            assertEquals((double) olderFirst.size(), sum(cluster, "gfsload_worker_pulls_total", Map.of("source", "worker")),
                    "worker-0 copied the blocks the older worker read");
            older.held.clear();
            for (int i : olderFirst) {
                try (InputStream in = client.openReader(all.get(i).block())) {
                    assertArrayEquals(contents.get(i), readAll(in), "worker-0's copy of block " + i);
                }
            }
        }
        finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** {@link #FILES} small files of different lengths, their bytes in {@code contents}; block 0 of each, all of it. */
    private List<BlockRange> smallFiles(List<byte[]> contents) throws IOException {
        List<BlockRange> ranges = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            byte[] bytes = randomBytes(1000 + 997 * i, 40 + i);
            Path file = Files.write(directory.resolve("part-" + i), bytes);
            FileIdentity identity = new FileIdentity(file.toUri().toString(), bytes.length, Files.getLastModifiedTime(file).toMillis());
            contents.add(bytes);
            ranges.add(new BlockRange(new BlockKey(identity, 0), 0, bytes.length));
        }
        return ranges;
    }

    private static PullBlockRequest pull(String blockId, FileIdentity file, long length) {
        return PullBlockRequest.newBuilder()
                .setHeader(WriteBlockHeader.newBuilder().setBlockId(blockId).setLength(length))
                .setUfs(UfsRange.newBuilder().setPath(file.path()).setFileLength(file.length()).setModificationTimeMillis(file.modificationTime()))
                .build();
    }

    /** The answer of {@code worker} to {@code batch}, asked directly. */
    private static PullBlocksResponse pullBlocks(WorkerInfo worker, PullBlocksRequest batch) {
        ManagedChannel channel = Grpc.newChannelBuilder(worker.host() + ":" + worker.port(), InsecureChannelCredentials.create()).build();
        try {
            return WorkerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).pullBlocks(batch);
        }
        finally {
            channel.shutdownNow();
        }
    }

    private static WorkerInfo worker(CacheClient client, String id) throws IOException {
        return client.clusterInfo().workers().stream().filter(worker -> worker.id().equals(id)).findFirst().orElseThrow();
    }

    /** {@code metric} of the workers with {@code labels}, summed. */
    private static double sum(LocalCluster cluster, String metric, Map<String, String> labels) {
        return Stream.of("worker-0", "worker-1", "worker-2").mapToDouble(worker -> {
            Map<String, String> all = new java.util.HashMap<>(labels);
            all.put("worker", worker);
            return cluster.metrics().value(metric, all).orElse(0);
        }).sum();
    }
}
