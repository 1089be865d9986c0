package io.gfsload.cache.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.FileIdentity;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RendezvousPlacementTest {
    private static final Set<String> WORKERS = Set.of("worker-0", "worker-1", "worker-2", "worker-3", "worker-4");

    @Test
    void theSameBlockAndWorkersGiveTheSamePlacementWhateverTheirOrder() {
        String blockId = blockId(42);
        List<String> placement = RendezvousPlacement.choose(blockId, WORKERS, 3);
        Set<String> reversed = new LinkedHashSet<>(List.of("worker-4", "worker-3", "worker-2", "worker-1", "worker-0"));

        assertEquals(placement, RendezvousPlacement.choose(blockId, reversed, 3));
        assertEquals(placement, RendezvousPlacement.choose(blockId, Set.copyOf(WORKERS), 3));
        assertEquals(3, Set.copyOf(placement).size(), "distinct workers");
        assertEquals(placement.subList(0, 2), RendezvousPlacement.choose(blockId, WORKERS, 2),
                "fewer replicas are a prefix of more");
    }

    @Test
    void blocksSpreadOverAllWorkers() {
        Map<String, Integer> firstReplicas = new HashMap<>();
        for (int index = 0; index < 1000; index++) {
            firstReplicas.merge(RendezvousPlacement.choose(blockId(index), WORKERS, 1).get(0), 1, Integer::sum);
        }
        assertEquals(WORKERS, firstReplicas.keySet());
        firstReplicas.values().forEach(count -> assertTrue(count > 120 && count < 280, "balanced: " + firstReplicas));
    }

    @Test
    void losingAWorkerMovesOnlyItsReplicas() {
        Set<String> remaining = Set.of("worker-0", "worker-1", "worker-3", "worker-4");
        for (int index = 0; index < 200; index++) {
            List<String> before = RendezvousPlacement.choose(blockId(index), WORKERS, 2);
            List<String> after = RendezvousPlacement.choose(blockId(index), remaining, 2);
            if (!before.contains("worker-2")) {
                assertEquals(before, after, "block " + index);
            }
            else {
                assertTrue(after.containsAll(before.stream().filter(w -> !w.equals("worker-2")).toList()),
                        "block " + index + " keeps its other replica");
            }
        }
    }

    @Test
    void tooFewCandidatesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RendezvousPlacement.choose(blockId(0), Set.of("worker-0"), 2));
        assertEquals("2 replicas need as many candidates, got 1", e.getMessage());
    }

    private static String blockId(int index) {
        return new BlockKey(new FileIdentity("s3a://bucket/t/part-" + index, 1000, 1), index).blockId();
    }
}
