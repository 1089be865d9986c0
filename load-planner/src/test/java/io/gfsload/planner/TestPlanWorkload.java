package io.gfsload.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gfsload.cache.api.FileIdentity;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestPlanWorkload {
    private static final long MIB = 1L << 20;

    /** A file of {@code length} bytes in 4 MiB blocks, its first {@code cachedBlocks} blocks cached. */
    private static FileLoad file(String name, long length, int cachedBlocks) {
        FileIdentity identity = new FileIdentity("file:/data/" + name, length, 1000, "");
        List<BlockTask> blocks = new ArrayList<>();
        for (long offset = 0; offset < length; offset += 4 * MIB) {
            int index = (int) (offset / (4 * MIB));
            blocks.add(new BlockTask(identity, index, offset, Math.min(4 * MIB, length - offset), index < cachedBlocks));
        }
        return new FileLoad(identity, blocks);
    }

    @Test
    void countsTheFilesWithBlocksToLoadByTheirBytesLeft() {
        PlanWorkload workload = PlanWorkload.of(List.of(new PartitionLoad("p", "/data", List.of(
                file("cached", 40 * MIB, 10),
                file("half", 8 * MIB, 1),
                file("a", 2 * MIB, 0),
                file("b", 3 * MIB, 0)))));
        // "half" has 4 MiB left; "cached" is read by no one
        assertEquals(new PlanWorkload(3, 9 * MIB, 3 * MIB, 3 * MIB, false), workload);
    }

    @Test
    void nothingLeftToLoadGivesTheWholePlanSaidSo() {
        PlanWorkload workload = PlanWorkload.of(List.of(new PartitionLoad("p", "/data", List.of(file("a", 40 * MIB, 10), file("b", 2 * MIB, 1)))));
        assertEquals(new PlanWorkload(2, 42 * MIB, 2 * MIB, 21 * MIB, true), workload);
        assertEquals(new PlanWorkload(0, 0, 0, 0, true), PlanWorkload.of(List.of()));
    }
}
