package io.gfsload.cache.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.proto.RegisterWorkerRequest;
import io.gfsload.cache.proto.TierBlocks;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.rpc.RpcServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RegistrationPartsTest {
    private static final RegisterWorkerRequest.Builder BASE = RegisterWorkerRequest.newBuilder()
            .setWorkerId("worker-0")
            .setHost("127.0.0.1")
            .setPort(40000)
            .setCapacityBytes(1000);

    @Test
    void aWorkerWithFewBlocksRegistersInOneRequest() {
        Map<StorageTier, List<String>> ids = new TreeMap<>(Map.of(StorageTier.MEM, ids("a", 2), StorageTier.SSD, List.of()));

        List<RegisterWorkerRequest> parts = CacheWorker.registrationParts(BASE, ids, 3);

        assertEquals(1, parts.size());
        assertFalse(parts.get(0).getMoreParts());
        assertEquals(0, parts.get(0).getPart());
        assertEquals(ids, byTier(parts));
        assertEquals(List.of(StorageTier.MEM, StorageTier.SSD), parts.get(0).getTierBlocksList().stream().map(tier -> ProtoConversions.fromProto(tier.getTier()).orElseThrow()).toList(),
                "every tier is named, an empty one too");
    }

    @Test
    void aWorkerWithMoreBlocksThanAPartHoldsRegistersInNumberedParts() {
        Map<StorageTier, List<String>> ids = new TreeMap<>(Map.of(StorageTier.MEM, ids("a", 4), StorageTier.SSD, ids("b", 5)));

        List<RegisterWorkerRequest> parts = CacheWorker.registrationParts(BASE, ids, 3);

        assertEquals(List.of(0, 1, 2), parts.stream().map(RegisterWorkerRequest::getPart).toList());
        assertEquals(List.of(true, true, false), parts.stream().map(RegisterWorkerRequest::getMoreParts).toList());
        assertEquals(List.of(3, 3, 3), parts.stream().map(RegistrationPartsTest::blocks).toList());
        assertEquals(ids, byTier(parts));
        for (RegisterWorkerRequest part : parts) {
            assertEquals("worker-0", part.getWorkerId());
            assertEquals(40000, part.getPort());
            assertEquals(1000, part.getCapacityBytes());
        }
    }

    @Test
    void aPartOfTheLongestBlockIdsFitsInOneMessage() {
        List<String> longest = IntStream.range(0, CacheWorker.REGISTRATION_PART_BLOCKS)
                .mapToObj(i -> "%032x-%010d".formatted(i, Integer.MAX_VALUE))
                .toList();
        assertTrue(BlockKey.isValidBlockId(longest.get(0)), longest.get(0));
        assertEquals(43, longest.get(0).length(), "the longest block id");
        Map<StorageTier, List<String>> ids = new TreeMap<>(Map.of(StorageTier.SSD, longest, StorageTier.HDD, ids("c", 1)));

        List<RegisterWorkerRequest> parts = CacheWorker.registrationParts(BASE, ids, CacheWorker.REGISTRATION_PART_BLOCKS);

        assertEquals(2, parts.size());
        assertTrue(parts.get(0).getSerializedSize() < RpcServer.MAX_INBOUND_MESSAGE_BYTES, "part of " + parts.get(0).getSerializedSize() + " bytes");
    }

    @Test
    void theLastPartAlsoReportsTheBlocksWrittenSinceTheReportWasTaken() {
        Map<StorageTier, List<String>> reported = new TreeMap<>(Map.of(StorageTier.MEM, ids("a", 4), StorageTier.SSD, List.of()));
        List<RegisterWorkerRequest> parts = CacheWorker.registrationParts(BASE, reported, 3);
        // as the last part goes: a-3 was removed, a-4 and b-0 were written
        Map<StorageTier, List<String>> now = new TreeMap<>(Map.of(StorageTier.MEM, List.of("a-0", "a-1", "a-2", "a-4"), StorageTier.SSD, List.of("b-0")));

        RegisterWorkerRequest last = CacheWorker.withBlocksAdded(parts.get(1), reported, now);

        assertEquals(1, last.getPart());
        assertFalse(last.getMoreParts());
        List<RegisterWorkerRequest> sent = List.of(parts.get(0), last);
        assertEquals(Map.of(StorageTier.MEM, List.of("a-0", "a-1", "a-2", "a-3", "a-4"), StorageTier.SSD, List.of("b-0")), byTier(sent),
                "the report and what was written since; a removal goes with the next heartbeat");
        assertEquals(parts.get(1), CacheWorker.withBlocksAdded(parts.get(1), reported, reported), "nothing written since: the part as it was");
    }

    private static List<String> ids(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + "-" + i).toList();
    }

    private static int blocks(RegisterWorkerRequest part) {
        return part.getTierBlocksList().stream().mapToInt(TierBlocks::getBlockIdsCount).sum();
    }

    private static Map<StorageTier, List<String>> byTier(List<RegisterWorkerRequest> parts) {
        Map<StorageTier, List<String>> result = new TreeMap<>();
        for (RegisterWorkerRequest part : parts) {
            for (TierBlocks tier : part.getTierBlocksList()) {
                result.computeIfAbsent(ProtoConversions.fromProto(tier.getTier()).orElseThrow(), t -> new ArrayList<>()).addAll(tier.getBlockIdsList());
            }
        }
        return result;
    }
}
