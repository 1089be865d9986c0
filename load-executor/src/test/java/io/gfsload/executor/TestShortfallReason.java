package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gfsload.cache.api.FileIdentity;
import io.gfsload.planner.BlockTask;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Why a block the load evicted with its own writes is missing: no room for the load, or room other data held. */
class TestShortfallReason {
    private static final BlockTask BLOCK = new BlockTask(new FileIdentity("file:/data/part-00", 200_000, 1), 1, 131_072, 68_928, false);
    private static final Shortfall.Missing MISSING = new Shortfall.Missing(BLOCK, List.of());

    @Test
    void aLoadLargerThanTheCacheHasNoRoomForAllOfIt() {
        assertEquals("block 1 has 0 of 1 replicas in the cache after the load: evicted by the load's own later writes, as the cache has no room "
                + "for all of the load with its replicas (2.3 MiB with 1 replica; the live workers hold 781.3 KiB in all, other data included)",
                Shortfall.reason(MISSING, 1, causes(2_400_000, 800_000)));
    }

    @Test
    void aLoadTheCacheCouldHoldLostTheRoomToOtherData() {
        // another load side by side (or data cached before) held the room: the load alone would fit
        assertEquals("block 1 has 0 of 2 replicas in the cache after the load: evicted by the load's own later writes, as other data (another load's, "
                + "or older) held the room the rest of the load needed (585.9 KiB with 2 replicas; the live workers hold 781.3 KiB in all, other data included)",
                Shortfall.reason(MISSING, 2, causes(600_000, 800_000)));
    }

    private static Shortfall.Causes causes(long loadBytes, long capacityBytes) {
        return new Shortfall.Causes(Set.of(), block -> Optional.of(List.of("worker-0")), Set.of(BLOCK.key().blockId()), loadBytes, capacityBytes);
    }
}
