package io.gfsload.cache.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockNotFoundException;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.ScopeCommit;
import io.gfsload.cache.api.TempArea;
import io.gfsload.cache.client.ClientConfig;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.proto.CommitBlockRequest;
import io.gfsload.cache.proto.CommitBlocksRequest;
import io.gfsload.cache.proto.CommitScopeRequest;
import io.gfsload.cache.proto.ListTempAreasRequest;
import io.gfsload.cache.proto.ListTempAreasResponse;
import io.gfsload.cache.proto.MasterServiceGrpc;
import io.gfsload.cache.proto.OpenTempAreaRequest;
import io.gfsload.cache.proto.RegisterWorkerRequest;
import io.gfsload.cache.proto.TempAreaInfo;
import io.gfsload.cache.rpc.ProtoConversions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scope commits and temp-area listings of many blocks against a real master, its blocks staged by their records. */
class ScopeCommitAtScaleTest {
    private static final FileIdentity FILE = new FileIdentity("cosn://bucket/db/t/dt=1/part-0", 1L << 40, 1234, "");

    @TempDir
    Path directory;

    private CacheMaster master;
    private ManagedChannel channel;
    private MasterServiceGrpc.MasterServiceBlockingStub stub;

    @BeforeEach
    void start() {
        master = CacheMaster.start(MasterConfig.defaults(directory).withHeartbeatInterval(Duration.ofSeconds(1)), new ManualTicker(), false);
        channel = Grpc.newChannelBuilder(master.target(), InsecureChannelCredentials.create()).build();
        stub = MasterServiceGrpc.newBlockingStub(channel).withMaxInboundMessageSize(64 << 20);
        stub().registerWorker(RegisterWorkerRequest.newBuilder().setWorkerId("worker-0").setHost("127.0.0.1").setPort(40000)
                .setCapacityBytes(1L << 50).build());
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        master.close();
    }

    @Test
    void aCommitOfManyBlocksOutlastingTheUsualDeadlineSucceedsAndATryAgainCountsTheBlocksCommitted() {
        int blocks = 60_000;
        open("big");
        stage("big", FILE, IntStream.range(0, blocks).boxed().toList());
        List<BlockKey> scope = IntStream.range(0, blocks).mapToObj(index -> new BlockKey(FILE, index)).toList();
        // far shorter than the master takes over 60,000 blocks
        try (CacheClient client = GrpcCacheClient.connect(master.target(), ClientConfig.defaults().withRpcTimeout(Duration.ofMillis(200)))) {
            assertEquals(new ScopeCommit("big", blocks, 100L * blocks), client.tempAreas().commitScope("big", scope));
            assertTrue(client.masterSilence().isEmpty());

            // the same commit again, as after an answer lost: the blocks are committed
            assertEquals(new ScopeCommit("big", blocks, 100L * blocks), client.tempAreas().commitScope("big", scope));
        }
        try (CacheClient client = GrpcCacheClient.connect(master.target())) {
            assertEquals(blocks, client.cachedBlocks(FILE).size());
        }
    }

    @Test
    void aRenewalItsCallerGaveUpOnBehindALongCommitDoesNothingOnceItsTurnComes() throws Exception {
        int blocks = 60_000;
        open("big");
        open("other");
        stage("big", FILE, IntStream.range(0, blocks).boxed().toList());
        CommitScopeRequest.Builder scope = CommitScopeRequest.newBuilder().setJobId("big");
        IntStream.range(0, blocks).forEach(index -> scope.addBlockIds(new BlockKey(FILE, index).blockId()));
        CompletableFuture<Integer> commit = CompletableFuture.supplyAsync(() -> stub().commitScope(scope.build()).getBlocks());
        // the commit holds the master's metadata for a second or more here
        Thread.sleep(300);
        OpenTempAreaRequest renewal = OpenTempAreaRequest.newBuilder().setJobId("other").setExpireMillis(3_600_000).setRenew(true).setOmitBlocks(true)
                .setRunId("run-1").setRunToken("token-1").setRenewPeriodMillis(30_000).build();
        StatusRuntimeException unanswered = assertThrows(StatusRuntimeException.class,
                () -> stub.withDeadlineAfter(200, TimeUnit.MILLISECONDS).openTempArea(renewal));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, unanswered.getStatus().getCode());
        assertFalse(commit.isDone(), "the renewal waited behind the commit");

        assertEquals(blocks, commit.get(60, TimeUnit.SECONDS));
        TempAreaInfo other = stub().listTempAreas(ListTempAreasRequest.newBuilder().setJobId("other").setOmitBlocks(true).build()).getAreas(0);
        assertEquals("", other.getHeldByRunId(), "the renewal given up took no hold of the area");
    }

    @Test
    void aBlockNeitherStagedNorCommittedFailsTheCommitAndOneCommittedCounts() {
        FileIdentity other = new FileIdentity("cosn://bucket/db/t/dt=1/part-1", 1L << 40, 1234, "");
        open("a");
        open("b");
        stage("a", other, List.of(0));
        stage("b", FILE, List.of(0));
        try (CacheClient client = GrpcCacheClient.connect(master.target())) {
            assertEquals(1, client.tempAreas().commitScope("a", List.of(new BlockKey(other, 0))).blocks());
            // job b's scope: its own block, and one job a committed
            assertEquals(new ScopeCommit("b", 2, 200), client.tempAreas().commitScope("b", List.of(new BlockKey(FILE, 0), new BlockKey(other, 0))));
            BlockNotFoundException missing = assertThrows(BlockNotFoundException.class,
                    () -> client.tempAreas().commitScope("b", List.of(new BlockKey(FILE, 0), new BlockKey(FILE, 1))));
            assertTrue(missing.getMessage().contains("1 is not in its temp area: block 1 of " + FILE.path() + " ("), missing.getMessage());
        }
    }

    @Test
    void aFailedCommitNamesEachMissingBlockByItsIndexAndPath() {
        open("job");
        List<Integer> staged = new ArrayList<>(IntStream.range(0, 12).boxed().toList());
        // the id of block 1 begins those of blocks 10 and 11
        staged.removeAll(List.of(1, 10, 11));
        stage("job", FILE, staged);
        List<BlockKey> scope = IntStream.range(0, 12).mapToObj(index -> new BlockKey(FILE, index)).toList();
        try (CacheClient client = GrpcCacheClient.connect(master.target())) {
            BlockNotFoundException missing = assertThrows(BlockNotFoundException.class, () -> client.tempAreas().commitScope("job", scope));
            assertTrue(missing.getMessage().contains("3 are not in its temp area: block 1 of %s, block 10 of %s, block 11 of %s ("
                    .formatted(FILE.path(), FILE.path(), FILE.path())), missing.getMessage());
        }
    }

    @Test
    void aPagedListingOfSeveralLargeAreasIsAPageInAllAndTheClientListsEveryBlock() {
        FileIdentity longNamed = new FileIdentity("cosn://bucket/" + "d".repeat(1000) + "/part-0", 1L << 40, 1234, "");
        for (String job : List.of("a", "b", "c")) {
            open(job);
            stage(job, longNamed, IntStream.range(0, 2500).boxed().toList());
        }
        ListTempAreasResponse listed = stub().listTempAreas(ListTempAreasRequest.newBuilder().setPaged(true).build());
        assertEquals(3, listed.getAreasCount());
        assertTrue(listed.getSerializedSize() < 3 << 20, "about a page: " + listed.getSerializedSize());
        assertEquals(0, listed.getAreas(2).getBlocksCount(), "the last area from its first block on");
        assertFalse(listed.getAreas(2).getNextBlockKey().isEmpty());

        try (CacheClient client = GrpcCacheClient.connect(master.target())) {
            List<TempArea> areas = client.tempAreas().listTempAreas();
            assertEquals(List.of("a", "b", "c"), areas.stream().map(TempArea::jobId).toList());
            for (TempArea area : areas) {
                assertEquals(IntStream.range(0, 2500).boxed().toList(), area.blocks().stream().map(block -> block.block().index()).toList(), area.jobId());
            }
        }
    }

    private MasterServiceGrpc.MasterServiceBlockingStub stub() {
        return stub.withDeadlineAfter(120, TimeUnit.SECONDS);
    }

    private void open(String job) {
        stub().openTempArea(OpenTempAreaRequest.newBuilder().setJobId(job).setExpireMillis(3_600_000).build());
    }

    private void stage(String job, FileIdentity file, List<Integer> indexes) {
        for (int from = 0; from < indexes.size(); from += 1000) {
            CommitBlocksRequest.Builder batch = CommitBlocksRequest.newBuilder();
            for (int index : indexes.subList(from, Math.min(from + 1000, indexes.size()))) {
                batch.addBlocks(CommitBlockRequest.newBuilder().setFile(ProtoConversions.toProto(file)).setIndex(index).setLength(100).setCrc32C(7)
                        .addWorkerIds("worker-0").setTempArea(job));
            }
            stub().commitBlocks(batch.build());
        }
    }
}
