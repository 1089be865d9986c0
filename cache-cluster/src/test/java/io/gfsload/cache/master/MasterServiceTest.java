package io.gfsload.cache.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.FreeResult;
import io.gfsload.cache.api.NoRoomException;
import io.gfsload.cache.api.NotEnoughWorkersException;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.api.TierInfo;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.proto.BlockLocations;
import io.gfsload.cache.proto.CommitBlockRequest;
import io.gfsload.cache.proto.BlockRef;
import io.gfsload.cache.proto.CommitScopeRequest;
import com.google.protobuf.ByteString;
import io.gfsload.cache.api.TempArea;
import io.gfsload.cache.api.TempAreaSummary;
import io.gfsload.cache.proto.BlockRecord;
import io.gfsload.cache.proto.TempAreaInfo;
import io.gfsload.cache.proto.ListTempAreaBlocksResponse;
import io.gfsload.cache.proto.ListTempAreaBlocksRequest;
import io.gfsload.cache.proto.ListTempAreasResponse;
import io.gfsload.cache.proto.ListTempAreasRequest;
import io.gfsload.cache.proto.CommitBlocksRequest;
import io.gfsload.cache.proto.FreeRequest;
import io.gfsload.cache.proto.GetFilesBlocksRequest;
import io.gfsload.cache.proto.GetFilesBlocksResponse;
import io.gfsload.cache.proto.HeartbeatRequest;
import io.gfsload.cache.proto.HeartbeatResponse;
import io.gfsload.cache.proto.MasterServiceGrpc;
import io.gfsload.cache.proto.OpenTempAreaRequest;
import io.gfsload.cache.proto.AbortTempAreaRequest;
import io.gfsload.cache.proto.BlockPlacement;
import io.gfsload.cache.proto.PlaceBlockRequest;
import io.gfsload.cache.proto.PlaceBlocksRequest;
import io.gfsload.cache.proto.RegisterWorkerRequest;
import io.gfsload.cache.proto.RegisterWorkerResponse;
import io.gfsload.cache.proto.WorkerAddress;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.rpc.RpcErrors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The master's protocol against workers that exist only as registrations: the master never calls
 * its workers, so none need to run. Time is a {@link ManualTicker}.
 */
class MasterServiceTest {
    private static final FileIdentity FILE = new FileIdentity("cosn://bucket/db/t/dt=1/part-0", 10_000, 1234, "");
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    /** A worker with free room for three blocks of 100 bytes. */
    private static final TierInfo FULLER = new TierInfo(StorageTier.SSD, 1000, 700, 700, 7);
    /** A worker with free room for many. */
    private static final TierInfo EMPTY = new TierInfo(StorageTier.SSD, 100_000, 0, 0, 0);

    @TempDir
    Path directory;

    private final ManualTicker ticker = new ManualTicker();
    private CacheMaster master;
    private ManagedChannel channel;
    private MasterServiceGrpc.MasterServiceBlockingStub stub;
    private CacheClient client;

    @BeforeEach
    void start() {
        startMaster();
    }

    @AfterEach
    void stop() throws InterruptedException {
        stopMaster();
    }

    @Test
    void aDomainSocketNotNamedAfterTheWorkersAddressIsNotHandedOut() {
        stub().registerWorker(RegisterWorkerRequest.newBuilder().setWorkerId("worker-0").setHost("127.0.0.1").setPort(40000)
                .setCapacityBytes(1000).setDomainSocket("/tmp/gfsload-127.0.0.1-40000-0123456789abcdef.sock").build());
        stub().registerWorker(RegisterWorkerRequest.newBuilder().setWorkerId("worker-1").setHost("127.0.0.1").setPort(40001)
                .setCapacityBytes(1000).setDomainSocket("/run/docker.sock").build());
        stub().registerWorker(RegisterWorkerRequest.newBuilder().setWorkerId("worker-2").setHost("127.0.0.1").setPort(40002)
                .setCapacityBytes(1000).setDomainSocket("/tmp/gfsload-127.0.0.1-40000-0123456789abcdef.sock").build());

        assertEquals(List.of(Optional.of("/tmp/gfsload-127.0.0.1-40000-0123456789abcdef.sock"), Optional.empty(), Optional.empty()),
                client.clusterInfo().workers().stream().map(WorkerInfo::domainSocket).toList());
    }

    @Test
    void anAreaOfManyBlocksIsListedInPagesAndItsRenewalsCarryNone() {
        register("worker-0", 1L << 40);
        for (String job : List.of("big", "small")) {
            stub().openTempArea(OpenTempAreaRequest.newBuilder().setJobId(job).setExpireMillis(60_000).build());
        }
        // records of about 1.1 KB: more blocks than the 2 MiB of one page holds, and than a 4 MiB message (the default limit of a channel)
        FileIdentity file = new FileIdentity("cosn://bucket/" + "d".repeat(1000) + "/part-0", 1L << 40, 1234, "");
        int blocks = 4_500;
        for (int from = 0; from < blocks; from += 1000) {
            CommitBlocksRequest.Builder batch = CommitBlocksRequest.newBuilder();
            for (int index = from; index < Math.min(from + 1000, blocks); index++) {
                batch.addBlocks(CommitBlockRequest.newBuilder().setFile(ProtoConversions.toProto(file)).setIndex(index).setLength(100).setCrc32C(7)
                        .addWorkerIds("worker-0").setTempArea("big"));
            }
            stub().commitBlocks(batch.build());
        }
        stub().commitBlock(CommitBlockRequest.newBuilder().setFile(ProtoConversions.toProto(FILE)).setIndex(0).setLength(100).setCrc32C(7)
                .addWorkerIds("worker-0").setTempArea("small").build());

        ListTempAreasResponse listed = stub().listTempAreas(ListTempAreasRequest.newBuilder().setJobId("big").setPaged(true).build());
        assertEquals(List.of("big"), listed.getAreasList().stream().map(TempAreaInfo::getJobId).toList(), "the one job's area");
        TempAreaInfo first = listed.getAreas(0);
        assertTrue(first.getBlocksCount() > 0 && first.getBlocksCount() < blocks, "a first page: " + first.getBlocksCount());
        assertTrue(first.getSerializedSize() < (2 << 20) + (64 << 10), "at most 2 MiB of records: " + first.getSerializedSize());
        List<Integer> indexes = new ArrayList<>(first.getBlocksList().stream().map(BlockRecord::getIndex).toList());
        ByteString next = first.getNextBlockKey();
        int pages = 1;
        while (!next.isEmpty()) {
            ListTempAreaBlocksResponse page = stub().listTempAreaBlocks(ListTempAreaBlocksRequest.newBuilder().setJobId("big").setStartKey(next).build());
            assertTrue(page.getSerializedSize() < (2 << 20) + (64 << 10), "at most 2 MiB of records: " + page.getSerializedSize());
            page.getBlocksList().forEach(block -> indexes.add(block.getIndex()));
            next = page.getNextBlockKey();
            pages++;
        }
        assertEquals(3, pages);
        assertEquals(IntStream.range(0, blocks).boxed().toList(), indexes.stream().sorted().toList(), "every block once");

        StatusRuntimeException otherJobs = assertThrows(StatusRuntimeException.class, () -> stub().listTempAreaBlocks(
                ListTempAreaBlocksRequest.newBuilder().setJobId("small").setStartKey(first.getNextBlockKey()).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, otherJobs.getStatus().getCode(), otherJobs.getMessage());
        assertEquals(0, stub().openTempArea(OpenTempAreaRequest.newBuilder().setJobId("big").setExpireMillis(60_000).setRenew(true)
                .setOmitBlocks(true).build()).getArea().getBlocksCount(), "a renewal answered without blocks");
        assertEquals(blocks, stub().withMaxInboundMessageSize(64 << 20).listTempAreas(ListTempAreasRequest.getDefaultInstance()).getAreas(0).getBlocksCount(),
                "every block to a client that does not ask for pages");

        // the client puts the pages together
        assertEquals(blocks, client.tempAreas().findTempArea("big").orElseThrow().blocks().size());
        assertEquals(1, client.tempAreas().findTempArea("small").orElseThrow().blocks().size());
        assertEquals(Optional.empty(), client.tempAreas().findTempArea("none"));
        assertEquals(blocks, client.tempAreas().openTempArea("big", Duration.ofMinutes(1)).blocks().size());
        assertEquals(Map.of("big", blocks, "small", 1), client.tempAreas().listTempAreas().stream()
                .collect(java.util.stream.Collectors.toMap(TempArea::jobId, area -> area.blocks().size())));
        // summaries: counts, no blocks
        TempAreaInfo summary = stub().listTempAreas(ListTempAreasRequest.newBuilder().setJobId("big").setOmitBlocks(true).build()).getAreas(0);
        assertEquals(0, summary.getBlocksCount());
        assertEquals(List.of((long) blocks, 100L * blocks), List.of(summary.getBlockCount(), summary.getBlockBytes()));
        assertEquals(Map.of("big", (long) blocks, "small", 1L), client.tempAreas().listTempAreaSummaries().stream()
                .collect(java.util.stream.Collectors.toMap(TempAreaSummary::jobId, TempAreaSummary::blocks)));
        assertEquals(TempAreaSummary.of(client.tempAreas().findTempArea("big").orElseThrow()), client.tempAreas().findTempAreaSummary("big").orElseThrow());
        assertEquals(Optional.empty(), client.tempAreas().findTempAreaSummary("none"));
        assertEquals(client.tempAreas().findTempArea("big").orElseThrow().expiresAt(),
                client.tempAreas().renewTempAreaExpiry("big", Duration.ofMinutes(1), Optional.empty()), "the area's expiry");
    }

    @Test
    void aScopeIsCommittedByBlockIdsAllOrNone() {
        register("worker-0", 1L << 40);
        stub().openTempArea(OpenTempAreaRequest.newBuilder().setJobId("job").setExpireMillis(60_000).build());
        for (int index = 0; index < 3; index++) {
            stub().commitBlock(CommitBlockRequest.newBuilder().setFile(ProtoConversions.toProto(FILE)).setIndex(index).setLength(100).setCrc32C(7)
                    .addWorkerIds("worker-0").setTempArea("job").build());
        }
        FileIdentity rewritten = new FileIdentity(FILE.path(), FILE.length(), FILE.modificationTime() + 1, "");

        StatusRuntimeException notStaged = assertThrows(StatusRuntimeException.class, () -> stub().commitScope(CommitScopeRequest.newBuilder()
                .setJobId("job").addBlockIds(blockId(0)).addBlockIds(new BlockKey(rewritten, 1).blockId()).build()));
        assertEquals(Status.Code.NOT_FOUND, notStaged.getStatus().getCode());
        assertTrue(notStaged.getStatus().getDescription().contains("1 is not in its temp area: block " + new BlockKey(rewritten, 1).blockId()),
                notStaged.getStatus().getDescription());
        assertEquals(List.of(), client.cachedBlocks(FILE), "none committed");
        for (CommitScopeRequest.Builder bad : List.of(CommitScopeRequest.newBuilder().addBlockIds("../etc/passwd"),
                CommitScopeRequest.newBuilder().addBlockIds(FILE.fileKey() + "-9999999999"),
                CommitScopeRequest.newBuilder().addBlockIds(blockId(0)).addBlocks(BlockRef.newBuilder().setFile(ProtoConversions.toProto(FILE))))) {
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> stub().commitScope(bad.setJobId("job").build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode(), refused.getMessage());
        }

        assertEquals(2, stub().commitScope(CommitScopeRequest.newBuilder().setJobId("job").addBlockIds(blockId(0)).addBlockIds(blockId(2))
                .addBlockIds(blockId(0)).build()).getBlocks());
        assertEquals(List.of(0, 2), client.cachedBlocks(FILE).stream().map(CachedBlock::index).toList());
        assertEquals(List.of(blockId(1)), client.tempAreas().findTempArea("job").orElseThrow().blocks().stream()
                .map(block -> block.block().blockId()).toList(), "the rest stays staged");
    }

    @Test
    void aWorkerThatStopsHeartbeatingIsLostAndItsReplicasAreNotReported() {
        register("worker-0", 1000);
        register("worker-1", 1000);
        commit(0, "worker-0", "worker-1");

        ticker.advance(Duration.ofSeconds(2));
        heartbeat("worker-0");
        ticker.advance(Duration.ofSeconds(1));
        assertEquals(List.of(), master.checkWorkers(), "3 s without heartbeat is still live");
        ticker.advance(Duration.ofMillis(1));

        assertEquals(List.of(true, false), client.clusterInfo().workers().stream().map(WorkerInfo::live).toList());
        assertEquals(List.of(new CachedBlock(0, 100, 7, List.of("worker-0"))), client.cachedBlocks(FILE));
        assertEquals(List.of("worker-1"), master.checkWorkers().stream().map(WorkerInfo::id).toList());
        assertEquals(List.of(), master.checkWorkers(), "a lost worker is reported once");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> place(blockId(1), 100, 2));
        assertEquals("Cannot place 2 replicas of a block: only 1 live worker, and each replica needs a worker of its own",
                e.getStatus().getDescription());

        ticker.advance(Duration.ofSeconds(10));
        assertEquals(List.of(), client.cachedBlocks(FILE), "no live replica, no cached block");

        heartbeat("worker-1");
        assertEquals(List.of(new CachedBlock(0, 100, 7, List.of("worker-1"))), client.cachedBlocks(FILE));
    }

    @Test
    void listsTheCachedBlocksOfManyFilesInOneCallWithLiveReplicasOnly() {
        register("worker-0", 1000);
        register("worker-1", 1000);
        commit(0, "worker-0", "worker-1");
        commit(1, "worker-1");
        FileIdentity other = new FileIdentity("cosn://bucket/db/t/dt=2/part-0", 100, 1234, "");
        FileIdentity rewritten = new FileIdentity(FILE.path(), FILE.length(), FILE.modificationTime() + 1, "");
        commit(other, 0, "worker-0");

        GetFilesBlocksResponse response = stub().getFilesBlocks(GetFilesBlocksRequest.newBuilder()
                .addFiles(ProtoConversions.toProto(other))
                .addFiles(ProtoConversions.toProto(rewritten))
                .addFiles(ProtoConversions.toProto(FILE))
                .build());
        assertEquals(List.of(List.of(0), List.of(), List.of(0, 1)), response.getFilesList().stream()
                .map(file -> file.getBlocksList().stream().map(BlockLocations::getIndex).toList()).toList());
        assertEquals(List.of("worker-0", "worker-1"), response.getFiles(2).getBlocks(0).getWorkersList().stream()
                .map(WorkerAddress::getWorkerId).toList());

        ticker.advance(Duration.ofSeconds(2));
        heartbeat("worker-1");
        ticker.advance(Duration.ofMillis(1_001));
        assertEquals(Map.of(other, List.of(), FILE, List.of(new CachedBlock(0, 100, 7, List.of("worker-1")),
                        new CachedBlock(1, 100, 7, List.of("worker-1")))),
                client.cachedBlocks(List.of(other, FILE)), "only replicas on live workers count");
        assertEquals(List.of(other, FILE), List.copyOf(client.cachedBlocks(List.of(other, FILE)).keySet()));
    }

    @Test
    void freeingAPathFreesEveryIdentityOfExactlyThatPath() {
        register("worker-0", 1000);
        register("worker-1", 1000);
        FileIdentity rewritten = new FileIdentity(FILE.path(), 200, FILE.modificationTime() + 1, "etag-2");
        FileIdentity sibling = new FileIdentity(FILE.path() + "2", 100, 1234, "");
        FileIdentity under = new FileIdentity(FILE.path() + "/part-0", 100, 1234, "");
        commit(0, "worker-0", "worker-1");
        commit(1, "worker-0");
        commit(rewritten, 0, "worker-1");
        commit(sibling, 0, "worker-0");
        commit(under, 0, "worker-1");

        assertEquals(new FreeResult(2, 3, 300), client.freePath(FILE.path()));

        assertEquals(List.of(), client.cachedBlocks(FILE));
        assertEquals(List.of(), client.cachedBlocks(rewritten));
        assertEquals(List.of(new CachedBlock(0, 100, 7, List.of("worker-0"))), client.cachedBlocks(sibling),
                "a path that only starts with the same name is another file");
        assertEquals(List.of(new CachedBlock(0, 100, 7, List.of("worker-1"))), client.cachedBlocks(under),
                "a path under it is another file");
        assertEquals(sorted(List.of(blockId(0), blockId(1))), sorted(heartbeatRemoves("worker-0")));
        assertEquals(sorted(List.of(blockId(0), new BlockKey(rewritten, 0).blockId())), sorted(heartbeatRemoves("worker-1")));
        assertEquals(new FreeResult(0, 0, 0), client.freePath(FILE.path()), "nothing left of it");

        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> client.freePath(""));
        assertEquals("path is empty", empty.getMessage());
        StatusRuntimeException emptyOnTheWire = assertThrows(StatusRuntimeException.class,
                () -> stub().free(FreeRequest.newBuilder().setPath("").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, emptyOnTheWire.getStatus().getCode());
        assertEquals("Invalid request: the path to free is empty", emptyOnTheWire.getStatus().getDescription());
    }

    /**
     * A worker that acknowledges answers gets an answer's commands, with the same answer id, until
     * a heartbeat names that id (a stopping one too), and a commit on it of a block whose deletion
     * it has not carried out is refused meanwhile; one that does not (an older worker) gets them once.
     */
    @Test
    void anAnswersCommandsGoAgainUntilTheWorkerNamesItAndOnceToAWorkerThatDoesNotAcknowledge() {
        register("worker-0", 1000);
        register("worker-1", 1000);
        commit(0, "worker-0", "worker-1");
        commit(1, "worker-0", "worker-1");
        client.free(FILE);

        assertEquals(sorted(List.of(blockId(0), blockId(1))), sorted(heartbeatRemoves("worker-1")), "an older worker's answer");
        assertEquals(List.of(), heartbeatRemoves("worker-1"), "taken once, whether the older worker got them or not");

        HeartbeatResponse first = acknowledgingHeartbeat("worker-0", 0);
        assertEquals(sorted(List.of(blockId(0), blockId(1))), sorted(first.getRemoveBlockIdsList()));
        assertTrue(first.getAnswerId() > 0, "an answer with commands has an id");
        assertEquals(first, acknowledgingHeartbeat("worker-0", 0), "not carried out: the same answer again");
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> commit(0, "worker-0"));
        assertTrue(refused.getStatus().getDescription().contains("is being deleted from worker worker-0"),
                refused.getStatus().getDescription());
        assertEquals(first, acknowledgingHeartbeat("worker-0", first.getAnswerId() - 1), "an earlier id is not this answer's");

        assertEquals(HeartbeatResponse.getDefaultInstance(), acknowledgingHeartbeat("worker-0", first.getAnswerId()),
                "carried out: nothing more");
        commit(0, "worker-0");
        assertEquals(List.of(new CachedBlock(0, 100, 7, List.of("worker-0"))), client.cachedBlocks(FILE));

        client.free(FILE);
        HeartbeatResponse second = acknowledgingHeartbeat("worker-0", first.getAnswerId());
        assertEquals(List.of(blockId(0)), second.getRemoveBlockIdsList());
        assertNotEquals(first.getAnswerId(), second.getAnswerId());
        stub().heartbeat(HeartbeatRequest.newBuilder().setWorkerId("worker-0").setStopping(true).setAcknowledgesAnswers(true)
                .setCarriedOutAnswerId(second.getAnswerId()).build());
        register("worker-0", 1000);
        assertEquals(HeartbeatResponse.getDefaultInstance(), acknowledgingHeartbeat("worker-0", 0),
                "carried out before the worker stopped: not sent again after it registers");
    }

    /** A registration sends again, from the worker's next heartbeat on, the commands of an answer it did not carry out. */
    @Test
    void anAnswerNotCarriedOutGoesAgainAfterTheWorkerRegisters() {
        register("worker-0", 1000);
        commit(0, "worker-0");
        commit(1, "worker-0");
        client.free(FILE);
        HeartbeatResponse lost = acknowledgingHeartbeat("worker-0", 0);
        assertEquals(2, lost.getRemoveBlockIdsCount());

        register("worker-0", 1000, blockId(0), blockId(1));
        HeartbeatResponse again = acknowledgingHeartbeat("worker-0", 0);
        assertEquals(sorted(lost.getRemoveBlockIdsList()), sorted(again.getRemoveBlockIdsList()));
        assertEquals(HeartbeatResponse.getDefaultInstance(), acknowledgingHeartbeat("worker-0", again.getAnswerId()));
    }

    @Test
    void theClientAsksAboutManyFilesInChunksAndKeepsTheirOrder() {
        register("worker-0", 1000);
        List<FileIdentity> files = new ArrayList<>();
        for (int i = 0; i < 4_500; i++) {
            // 5 TiB each, so that the byte bound cuts chunks too.
            long length = i % 1_000 == 999 ? 5L << 40 : 100;
            files.add(new FileIdentity("cosn://bucket/t/part-%05d".formatted(4_500 - i), length, 1));
        }
        for (int i = 0; i < files.size(); i += 700) {
            commit(files.get(i), 0, "worker-0");
        }

        Map<FileIdentity, List<CachedBlock>> cached = client.cachedBlocks(files);

        assertEquals(files, List.copyOf(cached.keySet()));
        for (int i = 0; i < files.size(); i++) {
            assertEquals(i % 700 == 0 ? List.of(new CachedBlock(0, 100, 7, List.of("worker-0"))) : List.of(),
                    cached.get(files.get(i)), files.get(i).path());
        }
    }

    @Test
    void aBatchOfCachedBlockQueriesIsLimited() {
        GetFilesBlocksRequest.Builder request = GetFilesBlocksRequest.newBuilder();
        for (int i = 0; i <= MasterService.MAX_FILES_PER_CALL; i++) {
            request.addFiles(ProtoConversions.toProto(new FileIdentity("cosn://bucket/t/part-" + i, 1, 1)));
        }
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub().getFilesBlocks(request.build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("Invalid request: 10001 files in one call, at most 10000 are allowed", e.getStatus().getDescription());
    }

    @Test
    void placementIsDeterministicAndSkipsWorkersWithoutRoom() {
        register("worker-0", 1000);
        register("worker-1", 1000);
        register("worker-2", 500);
        register("worker-3", 1000);

        List<String> placement = place(blockId(3), 600, 2);
        assertEquals(placement, place(blockId(3), 600, 2));
        assertEquals(RendezvousPlacement.choose(blockId(3), Set.of("worker-0", "worker-1", "worker-3"), 2),
                placement);
        assertEquals(3, place(blockId(3), 600, 3).size());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> place(blockId(3), 600, 4));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertEquals(RpcErrors.NOT_ENOUGH_WORKERS, e.getTrailers().get(RpcErrors.ERROR_KIND));
        assertEquals("Cannot place 4 replicas of block " + blockId(3) + " (600 bytes): only 3 of 4 live workers have "
                + "a tier that large", e.getStatus().getDescription(), "worker-2 holds 500 bytes in all");
    }

    @Test
    void placementLeavesOutTheExcludedWorkers() {
        register("worker-0", 1000);
        register("worker-1", 1000);
        register("worker-2", 1000);

        List<String> placement = place(blockId(5), 100, 2);
        String excluded = placement.get(0);
        List<String> elsewhere = stub().placeBlock(PlaceBlockRequest.newBuilder()
                        .setBlockId(blockId(5)).setLength(100).setReplication(2).addExcludedWorkerIds(excluded).build())
                .getWorkersList().stream().map(WorkerAddress::getWorkerId).toList();
        assertEquals(2, elsewhere.size());
        assertFalse(elsewhere.contains(excluded), excluded + " is excluded: " + elsewhere);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub().placeBlock(PlaceBlockRequest.newBuilder()
                .setBlockId(blockId(5)).setLength(100).setReplication(2).addExcludedWorkerIds("worker-0").addExcludedWorkerIds("worker-2")
                .build()));
        assertEquals(RpcErrors.NO_ROOM, e.getTrailers().get(RpcErrors.ERROR_KIND), "the excluded workers may be back in a moment");
        assertEquals("Cannot place 2 replicas of a block: only 1 live worker (not counting worker-0, worker-2, which the client could "
                + "not reach), and each replica needs a worker of its own", e.getStatus().getDescription());
        NotEnoughWorkersException notEnough = (NotEnoughWorkersException) RpcErrors.toCacheException("Placing block b at master m", e);
        assertEquals(e.getStatus().getDescription(), notEnough.reason(), "what a failed file's report says");
    }

    @Test
    void aPlacementWithoutAnyLiveWorkerMayWaitForThemToRegister() {
        StatusRuntimeException none = assertThrows(StatusRuntimeException.class, () -> place(blockId(7), 100, 1));
        assertEquals(RpcErrors.NO_ROOM, none.getTrailers().get(RpcErrors.ERROR_KIND), "a master just started: its workers are on their way");
        assertTrue(none.getStatus().getDescription().endsWith("the workers may be registering with a master that just started"),
                none.getStatus().getDescription());
        register("worker-0", 1000);
        StatusRuntimeException tooFew = assertThrows(StatusRuntimeException.class, () -> place(blockId(7), 100, 2));
        assertEquals(RpcErrors.NOT_ENOUGH_WORKERS, tooFew.getTrailers().get(RpcErrors.ERROR_KIND), "live workers, too few of them");
    }

    @Test
    void placementPrefersFreeRoomToEvictionAndHonoursTheTier() {
        registerWithTiers("worker-0", new TierInfo(StorageTier.SSD, 1000, 900, 900, 9));
        registerWithTiers("worker-1", new TierInfo(StorageTier.SSD, 1000, 100, 100, 1));
        registerWithTiers("worker-2", new TierInfo(StorageTier.MEM, 500, 0, 0, 0),
                new TierInfo(StorageTier.SSD, 1000, 1000, 0, 10));

        assertEquals(List.of("worker-1", "worker-2"), sorted(place(blockId(1), 400, 2)),
                "workers with free room first");
        assertEquals(place(blockId(1), 400, 2).subList(0, 1), place(blockId(1), 400, 1).subList(0, 1));
        List<String> three = place(blockId(1), 400, 3);
        assertEquals("worker-0", three.get(2), "then workers that can evict");
        assertEquals(List.of("worker-2"), placeOn(blockId(2), 400, 1, StorageTier.MEM));
        StatusRuntimeException noRoom = assertThrows(StatusRuntimeException.class,
                () -> placeOn(blockId(2), 600, 1, StorageTier.MEM));
        assertEquals("Cannot place 1 replica of block " + blockId(2) + " (600 bytes on MEM): only 0 of 3 live workers "
                + "have a tier that large", noRoom.getStatus().getDescription());
        assertEquals(RpcErrors.NOT_ENOUGH_WORKERS, noRoom.getTrailers().get(RpcErrors.ERROR_KIND), "it never fits");
        StatusRuntimeException pinned = assertThrows(StatusRuntimeException.class,
                () -> placeOn(blockId(2), 600, 3, StorageTier.SSD));
        assertEquals("Cannot place 3 replicas of block " + blockId(2) + " (600 bytes on SSD): only 2 of 3 live workers "
                + "have room; the others are full of blocks that cannot be evicted yet (being written or staged)",
                pinned.getStatus().getDescription(), "worker-2's SSD is full of pinned blocks");
        assertEquals(RpcErrors.NO_ROOM, pinned.getTrailers().get(RpcErrors.ERROR_KIND));
        assertTrue(RpcErrors.toCacheException("Placing block b at master m", pinned) instanceof io.gfsload.cache.api.NoRoomException,
                "room may come back: a write tries again");
        assertFalse(RpcErrors.toCacheException("Placing block b at master m", noRoom) instanceof io.gfsload.cache.api.NoRoomException);
    }

    @Test
    void blocksPlacedBeforeAHeartbeatDoNotGoBeyondAWorkersFreeRoomWhileAnotherHasRoom() throws Exception {
        registerWithTiers("worker-0", FULLER);
        registerWithTiers("worker-1", EMPTY);
        List<Integer> blocks = IntStream.range(0, 60).boxed().toList();
        assertTrue(blocks.stream().filter(index -> prefersWorker0(blockId(index))).count() > 20,
                "rendezvous hashing alone puts many of them on worker-0");

        // four writers at once, one block at a time and in batches, before any heartbeat
        List<String> workers = new ArrayList<>();
        ExecutorService writers = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<String>>> placed = new ArrayList<>();
            for (int writer = 0; writer < 4; writer++) {
                List<Integer> mine = blocks.subList(writer * 15, writer * 15 + 15);
                boolean batched = writer % 2 == 0;
                placed.add(writers.submit(() -> batched ? placeAll(mine) : mine.stream().map(index -> place(blockId(index), 100, 1).get(0)).toList()));
            }
            for (Future<List<String>> future : placed) {
                workers.addAll(future.get(30, TimeUnit.SECONDS));
            }
        }
        finally {
            writers.shutdownNow();
        }
        assertEquals(3, workers.stream().filter("worker-0"::equals).count(), "worker-0 has free room for 3 blocks: " + workers);

        // a heartbeat taken before the writes began does not include them
        heartbeatWithTiers("worker-0", FULLER);
        assertEquals(List.of("worker-1"), place(blockId(preferringWorker0(60)), 100, 1));

        // once committed, the worker's next heartbeat includes them
        List<Integer> onWorker0 = IntStream.range(0, blocks.size()).filter(i -> workers.get(i).equals("worker-0")).boxed().toList();
        onWorker0.forEach(index -> commit(index, "worker-0"));
        heartbeatWithTiers("worker-0", new TierInfo(StorageTier.SSD, 1000, 1000, 1000, 10));
        // its 3 blocks freed again: the worker reports their room, which the master no longer counts
        heartbeatWithTiers("worker-0", FULLER);
        assertEquals(List.of("worker-0"), place(blockId(preferringWorker0(60)), 100, 1));
    }

    /**
     * A block being written is in its worker's report (the room its write holds is used bytes): the
     * master's count of its placement stops, so that the worker's free room is not taken off twice.
     * Counted twice, worker-1 would look as full as worker-0, whose report predates the block placed
     * on it, and the next block could go to worker-0, which evicts, while worker-1 has free room.
     */
    @Test
    void aBlockTheWorkersReportListsAsBeingWrittenNoLongerCountsAgainstItsRoom() {
        registerWithTiers("worker-0", new TierInfo(StorageTier.SSD, 1000, 900, 900, 9));
        registerWithTiers("worker-1", new TierInfo(StorageTier.SSD, 1000, 800, 800, 8));
        int first = IntStream.iterate(0, index -> index + 1).filter(index -> !prefersWorker0(blockId(index))).findFirst().orElseThrow();
        assertEquals(List.of("worker-1"), place(blockId(first), 100, 1));
        // worker-1 is writing it: its report holds the write's 100 bytes
        heartbeatWithTiers("worker-1", List.of(blockId(first)), new TierInfo(StorageTier.SSD, 1000, 900, 800, 8, 100));
        int second = preferringWorker0(first + 1);
        assertEquals(List.of("worker-0"), place(blockId(second), 100, 1), "worker-0 has free room for one block");

        // worker-0's last report predates that block; worker-1 has free room for one more
        assertEquals(List.of("worker-1"), place(blockId(preferringWorker0(second + 1)), 100, 1),
                "the block goes where there is free room, not where it would evict");
    }

    @Test
    void aPlacementNeverWrittenStopsCountingAgainstTheWorkersRoomAfterTenHeartbeatIntervals() {
        registerWithTiers("worker-0", FULLER);
        registerWithTiers("worker-1", EMPTY);
        List<String> workers = placeAll(IntStream.range(0, 20).boxed().toList());
        assertEquals(3, workers.stream().filter("worker-0"::equals).count(), "worker-0 has free room for 3 blocks: " + workers);

        int next = preferringWorker0(20);
        for (int second = 1; second < 10; second++) {
            ticker.advance(INTERVAL);
            heartbeatWithTiers("worker-0", FULLER);
            heartbeatWithTiers("worker-1", EMPTY);
        }
        assertEquals(List.of("worker-1"), place(blockId(next), 100, 1), "9 s after they were placed, the blocks still count");
        ticker.advance(INTERVAL);
        heartbeatWithTiers("worker-0", FULLER);
        heartbeatWithTiers("worker-1", EMPTY);
        assertEquals(List.of("worker-0"), place(blockId(preferringWorker0(next + 1)), 100, 1),
                "never written, never committed: after 10 s the worker's room is its report's");
    }

    @Test
    void placementsIntoATempAreaStopCountingWhenTheAreaIsAborted() {
        registerWithTiers("worker-0", FULLER);
        registerWithTiers("worker-1", EMPTY);
        stub().openTempArea(OpenTempAreaRequest.newBuilder().setJobId("job-1").setExpireMillis(60_000).build());
        List<String> workers = new ArrayList<>();
        for (int index = 0; index < 20; index++) {
            workers.add(stub().placeBlock(PlaceBlockRequest.newBuilder().setBlockId(blockId(index)).setLength(100).setReplication(1)
                    .setTempArea("job-1").build()).getWorkers(0).getWorkerId());
        }
        assertEquals(3, workers.stream().filter("worker-0"::equals).count(), "worker-0 has free room for 3 blocks: " + workers);
        int next = preferringWorker0(20);
        assertEquals(List.of("worker-1"), place(blockId(next), 100, 1));

        stub().abortTempArea(AbortTempAreaRequest.newBuilder().setJobId("job-1").build());
        assertEquals(List.of("worker-0"), place(blockId(preferringWorker0(next + 1)), 100, 1),
                "the job's writes are aborted: its placements no longer take worker-0's room");
    }

    @Test
    void countingThePlacedBlocksNeverRefusesAPlacementAndPrefersReportedFreeRoomToEviction() {
        registerWithTiers("worker-0", FULLER);
        registerWithTiers("worker-1", new TierInfo(StorageTier.SSD, 1000, 1000, 1000, 10));

        List<String> workers = placeAll(IntStream.range(0, 10).boxed().toList());
        assertEquals(IntStream.range(0, 10).mapToObj(i -> "worker-0").toList(), workers,
                "worker-0 reported free room, which may be ahead of the master's count; worker-1 would evict");
        assertEquals(List.of("worker-0", "worker-1"), sorted(place(blockId(10), 100, 2)));
    }

    @Test
    void aRegistrationInPartsReconcilesTheBlocksOfAllItsParts() {
        register("worker-0", 1000);
        register("worker-1", 1000);
        commit(0, "worker-0", "worker-1");
        commit(1, "worker-0");
        commit(2, "worker-0");

        RegisterWorkerResponse first = stub().registerWorker(registration("worker-0", 0, true, blockId(1)));
        assertEquals(RegisterWorkerResponse.getDefaultInstance(), first, "a part before the last is only kept");
        assertEquals(3, client.cachedBlocks(FILE).stream().filter(block -> block.workerIds().contains("worker-0")).count(),
                "nothing is reconciled before the last part");
        RegisterWorkerResponse last = stub().registerWorker(registration("worker-0", 1, false, blockId(2), blockId(9)));

        assertEquals(2, last.getBlocksKept(), "the blocks of both parts are kept");
        assertEquals(1, last.getBlocksDropped(), "block 0, in neither part");
        assertEquals(List.of(blockId(9)), last.getUnrecordedBlockIdsList());
        assertEquals(1, last.getUnrecordedBlocks());
        assertEquals(List.of(new CachedBlock(0, 100, 7, List.of("worker-1")), new CachedBlock(1, 100, 7, List.of("worker-0")),
                new CachedBlock(2, 100, 7, List.of("worker-0"))), client.cachedBlocks(FILE));

        // a later part without the ones before it (the master restarted between them) is refused: the worker starts again from part 0
        StatusRuntimeException orphan = assertThrows(StatusRuntimeException.class,
                () -> stub().registerWorker(registration("worker-0", 1, false, blockId(1))));
        assertTrue(orphan.getStatus().getDescription().contains("without the parts before it"), orphan.getStatus().toString());
        // part 0 starts anew: what an earlier, unfinished registration sent is forgotten
        stub().registerWorker(registration("worker-0", 0, true, blockId(1)));
        RegisterWorkerResponse again = stub().registerWorker(registration("worker-0", 0, false, blockId(2)));
        assertEquals(1, again.getBlocksKept());
        assertEquals(1, again.getBlocksDropped(), "block 1, of a registration that part 0 started over");
    }

    private static RegisterWorkerRequest registration(String workerId, int part, boolean moreParts, String... blockIds) {
        return RegisterWorkerRequest.newBuilder()
                .setWorkerId(workerId)
                .setHost("127.0.0.1")
                .setPort(40000 + Integer.parseInt(workerId.substring(7)))
                .setCapacityBytes(1000)
                .setPart(part)
                .setMoreParts(moreParts)
                .addAllBlockIds(List.of(blockIds))
                .build();
    }

    @Test
    void reRegisteringReconcilesTheWorkersBlocks() {
        register("worker-0", 1000);
        register("worker-1", 1000);
        commit(0, "worker-0", "worker-1");
        commit(1, "worker-0");

        RegisterWorkerResponse response = register("worker-0", 1000, blockId(1), blockId(9));

        assertEquals(1, response.getBlocksKept());
        assertEquals(1, response.getBlocksDropped());
        assertEquals(List.of(blockId(9)), response.getUnrecordedBlockIdsList());
        assertEquals(List.of(new CachedBlock(0, 100, 7, List.of("worker-1")),
                new CachedBlock(1, 100, 7, List.of("worker-0"))), client.cachedBlocks(FILE));
    }

    @Test
    void metadataSurvivesAMasterRestart() throws InterruptedException {
        register("worker-0", 1000);
        commit(5, "worker-0");
        stopMaster();
        startMaster();

        assertEquals(List.of(), client.cachedBlocks(FILE), "worker-0 has not registered with the new master");
        register("worker-0", 1000, blockId(5));
        assertEquals(List.of(new CachedBlock(5, 100, 7, List.of("worker-0"))), client.cachedBlocks(FILE));
    }

    @Test
    void theClusterIdSurvivesAMasterRestartAndAnotherMetadataDirectoryIsAnotherCluster(@TempDir Path other)
            throws InterruptedException {
        String clusterId = client.clusterInfo().clusterId();
        assertEquals(clusterId, UUID.fromString(clusterId).toString(), "a UUID");
        assertEquals(clusterId, master.clusterInfo().clusterId(), "the same through gRPC as in the master");
        stopMaster();
        startMaster();
        assertEquals(clusterId, client.clusterInfo().clusterId(), "the same after a restart on the same metadata");

        try (CacheMaster another = CacheMaster.start(MasterConfig.defaults(other), ticker, false);
                CacheClient anotherClient = GrpcCacheClient.connect(another.target())) {
            assertNotEquals(clusterId, anotherClient.clusterInfo().clusterId());
        }
    }

    @Test
    void aPlacementAfterARestartWaitsForTheWorkersLiveBeforeItRatherThanFailForTooFewWorkers() throws InterruptedException {
        register("worker-0", 1000);
        register("worker-1", 1000);
        register("worker-2", 1000);
        stopMaster();
        startMaster();
        register("worker-1", 1000);

        StatusRuntimeException early = assertThrows(StatusRuntimeException.class, () -> place(blockId(7), 100, 2));
        assertEquals(RpcErrors.NO_ROOM, early.getTrailers().get(RpcErrors.ERROR_KIND), "the client waits, as for room");
        assertEquals("Cannot place 2 replicas of a block: only 1 live worker, and each replica needs a worker of its own; "
                + "worker-0, worker-2, which were live before the master started, may be registering with it",
                early.getStatus().getDescription());
        register("worker-2", 1000);
        assertEquals(2, place(blockId(7), 100, 2).size());

        StatusRuntimeException tooMany = assertThrows(StatusRuntimeException.class, () -> place(blockId(7), 100, 4));
        assertEquals(RpcErrors.NOT_ENOUGH_WORKERS, tooMany.getTrailers().get(RpcErrors.ERROR_KIND),
                "worker-0 back would still be too few");
        // a worker live before the master started would have registered by now
        ticker.advance(WorkerRegistry.REGISTRATION_GRACE);
        heartbeat("worker-1");
        heartbeat("worker-2");
        StatusRuntimeException late = assertThrows(StatusRuntimeException.class, () -> place(blockId(7), 100, 3));
        assertEquals(RpcErrors.NOT_ENOUGH_WORKERS, late.getTrailers().get(RpcErrors.ERROR_KIND), "worker-0 is gone");
    }

    @Test
    void aCommitNamingAWorkerNotRegisteredYetWithAMasterJustStartedIsToBeWrittenAgainOnceItIs() throws InterruptedException {
        register("worker-0", 1000);
        stopMaster();
        startMaster();

        StatusRuntimeException early = assertThrows(StatusRuntimeException.class, () -> commit(5, "worker-0"));
        CacheException refused = RpcErrors.toCacheException("Committing block 5", early);
        assertTrue(refused instanceof NoRoomException, "the client waits, as for room: " + refused);
        assertEquals("Cannot commit block 5 of " + FILE.path() + ": worker worker-0 is not registered with this master yet; "
                + "the workers may be registering with a master that just started", early.getStatus().getDescription());

        register("worker-0", 1000);
        commit(5, "worker-0");
        assertEquals(List.of(new CachedBlock(5, 100, 7, List.of("worker-0"))), client.cachedBlocks(FILE));
    }

    @Test
    void rejectsBadRequestsWithMessages() {
        StatusRuntimeException badId = assertThrows(StatusRuntimeException.class, () -> register("../w", 10));
        assertEquals(Status.Code.INVALID_ARGUMENT, badId.getStatus().getCode());
        assertEquals("Invalid request: invalid worker id (letters, digits, '.', '_', '-'; at most 64): ../w",
                badId.getStatus().getDescription());

        StatusRuntimeException badBlock = assertThrows(StatusRuntimeException.class, () -> place("../x", 1, 1));
        assertEquals("Invalid request: invalid block id: ../x", badBlock.getStatus().getDescription());

        // a worker live before the master started would have registered by now
        ticker.advance(WorkerRegistry.REGISTRATION_GRACE);
        StatusRuntimeException unknownWorker = assertThrows(StatusRuntimeException.class, () -> commit(0, "worker-9"));
        assertEquals(Status.Code.FAILED_PRECONDITION, unknownWorker.getStatus().getCode());
        assertFalse(RpcErrors.toCacheException("commit", unknownWorker) instanceof NoRoomException, "not a wait for room");
        assertEquals("Cannot commit block 0 of " + FILE.path() + ": worker worker-9 is not registered with this master",
                unknownWorker.getStatus().getDescription());

        StatusRuntimeException unknownHeartbeat = assertThrows(StatusRuntimeException.class,
                () -> heartbeat("worker-9"));
        assertEquals(Status.Code.NOT_FOUND, unknownHeartbeat.getStatus().getCode());
        assertEquals("Worker worker-9 is not registered with this master",
                unknownHeartbeat.getStatus().getDescription());
    }

    @Test
    void clusterInfoReportsSpace() {
        register("worker-1", 1000);
        register("worker-0", 2000);
        heartbeatWithUsed("worker-0", 1500);

        List<WorkerInfo> workers = client.clusterInfo().workers();
        assertEquals(List.of(new WorkerInfo("worker-0", "127.0.0.1", 40000, 2000, 1500, true),
                new WorkerInfo("worker-1", "127.0.0.1", 40001, 1000, 0, true)), workers);
        assertEquals(1500, client.clusterInfo().liveFreeBytes());
    }

    private void startMaster() {
        // Without the checker thread, so that only the test decides when lost workers are reported.
        master = CacheMaster.start(MasterConfig.defaults(directory).withHeartbeatInterval(INTERVAL), ticker, false);
        channel = Grpc.newChannelBuilder(master.target(), InsecureChannelCredentials.create()).build();
        stub = MasterServiceGrpc.newBlockingStub(channel);
        client = GrpcCacheClient.connect(master.target());
    }

    private void stopMaster() throws InterruptedException {
        client.close();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        master.close();
    }

    private RegisterWorkerResponse register(String workerId, long capacity, String... blockIds) {
        int port = 40000 + (workerId.startsWith("worker-") ? Integer.parseInt(workerId.substring(7)) : 99);
        return stub().registerWorker(RegisterWorkerRequest.newBuilder()
                .setWorkerId(workerId)
                .setHost("127.0.0.1")
                .setPort(port)
                .setCapacityBytes(capacity)
                .addAllBlockIds(List.of(blockIds))
                .build());
    }

    private void registerWithTiers(String workerId, TierInfo... tiers) {
        RegisterWorkerRequest.Builder request = RegisterWorkerRequest.newBuilder()
                .setWorkerId(workerId)
                .setHost("127.0.0.1")
                .setPort(40000 + Integer.parseInt(workerId.substring(7)));
        for (TierInfo tier : tiers) {
            request.addTiers(ProtoConversions.toProto(tier));
            request.setCapacityBytes(request.getCapacityBytes() + tier.capacityBytes());
            request.setUsedBytes(request.getUsedBytes() + tier.usedBytes());
        }
        stub().registerWorker(request.build());
    }

    private List<String> placeOn(String blockId, long length, int replication, StorageTier tier) {
        return stub().placeBlock(PlaceBlockRequest.newBuilder()
                        .setBlockId(blockId)
                        .setLength(length)
                        .setReplication(replication)
                        .setTier(ProtoConversions.toProto(tier))
                        .build())
                .getWorkersList().stream().map(WorkerAddress::getWorkerId).toList();
    }

    private static List<String> sorted(List<String> ids) {
        return ids.stream().sorted().toList();
    }

    private void heartbeat(String workerId) {
        heartbeatWithUsed(workerId, 0);
    }

    private List<String> heartbeatRemoves(String workerId) {
        return stub().heartbeat(HeartbeatRequest.newBuilder().setWorkerId(workerId).build()).getRemoveBlockIdsList();
    }

    /** A heartbeat of a worker that acknowledges answers, naming {@code carriedOut} as the last it carried out. */
    private HeartbeatResponse acknowledgingHeartbeat(String workerId, long carriedOut) {
        return stub().heartbeat(HeartbeatRequest.newBuilder().setWorkerId(workerId).setAcknowledgesAnswers(true)
                .setCarriedOutAnswerId(carriedOut).build());
    }

    private void heartbeatWithUsed(String workerId, long used) {
        stub().heartbeat(HeartbeatRequest.newBuilder().setWorkerId(workerId).setUsedBytes(used).build());
    }

    private void commit(int index, String... workers) {
        commit(FILE, index, workers);
    }

    private void commit(FileIdentity file, int index, String... workers) {
        stub().commitBlock(CommitBlockRequest.newBuilder()
                .setFile(ProtoConversions.toProto(file))
                .setIndex(index)
                .setLength(100)
                .setCrc32C(7)
                .addAllWorkerIds(List.of(workers))
                .build());
    }

    private List<String> place(String blockId, long length, int replication) {
        return stub().placeBlock(PlaceBlockRequest.newBuilder()
                        .setBlockId(blockId)
                        .setLength(length)
                        .setReplication(replication)
                        .build())
                .getWorkersList().stream().map(WorkerAddress::getWorkerId).toList();
    }

    private MasterServiceGrpc.MasterServiceBlockingStub stub() {
        return stub.withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static String blockId(int index) {
        return new BlockKey(FILE, index).blockId();
    }

    /** Whether rendezvous hashing alone puts {@code blockId} on worker-0 rather than worker-1. */
    private static boolean prefersWorker0(String blockId) {
        return RendezvousPlacement.choose(blockId, Set.of("worker-0", "worker-1"), 1).equals(List.of("worker-0"));
    }

    /** The first index from {@code from} whose block rendezvous hashing puts on worker-0. */
    private static int preferringWorker0(int from) {
        return IntStream.iterate(from, index -> index + 1).filter(index -> prefersWorker0(blockId(index))).findFirst().orElseThrow();
    }

    /** Places one replica of each of the blocks of {@link #FILE} at {@code indexes}, 100 bytes each, in one call. */
    private List<String> placeAll(List<Integer> indexes) {
        PlaceBlocksRequest.Builder request = PlaceBlocksRequest.newBuilder();
        indexes.forEach(index -> request.addBlocks(PlaceBlockRequest.newBuilder().setBlockId(blockId(index)).setLength(100).setReplication(1)));
        List<String> workers = new ArrayList<>();
        for (BlockPlacement placement : stub().placeBlocks(request.build()).getPlacementsList()) {
            assertTrue(placement.hasPlacement(), placement.toString());
            assertEquals(1, placement.getPlacement().getWorkersCount(), placement.toString());
            workers.add(placement.getPlacement().getWorkers(0).getWorkerId());
        }
        return workers;
    }

    private void heartbeatWithTiers(String workerId, TierInfo... tiers) {
        heartbeatWithTiers(workerId, List.of(), tiers);
    }

    /** A heartbeat with the space of {@code tiers}, taken while the worker writes {@code writing}. */
    private void heartbeatWithTiers(String workerId, List<String> writing, TierInfo... tiers) {
        HeartbeatRequest.Builder request = HeartbeatRequest.newBuilder().setWorkerId(workerId).addAllWritingBlockIds(writing);
        for (TierInfo tier : tiers) {
            request.addTiers(ProtoConversions.toProto(tier));
            request.setUsedBytes(request.getUsedBytes() + tier.usedBytes());
        }
        stub().heartbeat(request.build());
    }
}
