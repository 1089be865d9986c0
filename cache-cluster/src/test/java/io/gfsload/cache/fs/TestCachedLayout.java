package io.gfsload.cache.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TestCachedLayout {
    private static final FileIdentity FILE = new FileIdentity("cosn://bucket/t/part-0", 250, 1000);

    @Test
    void blocksOfTheConfiguredSizeAreUsed() {
        CachedLayout layout = CachedLayout.of(FILE, 100, List.of(block(0, 100), block(2, 50)));
        assertEquals(100, layout.blockSize());
        assertEquals(Set.of(0, 2), layout.cached().keySet());
    }

    @Test
    void blockSizeShownByABlockThatIsNotTheLastIsUsedWhenTheConfiguredOneDoesNotFit() {
        CachedLayout followed = CachedLayout.of(FILE, 64, List.of(block(1, 100), block(2, 50)));
        assertEquals(100, followed.blockSize());
        assertEquals(Set.of(1, 2), followed.cached().keySet());

        CachedLayout shortFirst = CachedLayout.of(FILE, 64, List.of(block(0, 100)));
        assertEquals(100, shortFirst.blockSize());
        assertEquals(Set.of(0), shortFirst.cached().keySet());
    }

    @Test
    void blocksThatFitNoLayoutAreLeftToTheUfs() {
        // a lone last block cannot show its file's block size
        CachedLayout layout = CachedLayout.of(FILE, 64, List.of(block(0, 64), block(3, 58), block(2, 50)));
        assertEquals(64, layout.blockSize());
        assertEquals(Set.of(0, 3), layout.cached().keySet());
    }

    @Test
    void blockLengthFollowsThePlannersCut() {
        assertEquals(100, CachedLayout.blockLength(250, 100, 0));
        assertEquals(50, CachedLayout.blockLength(250, 100, 2));
        assertEquals(-1, CachedLayout.blockLength(250, 100, 3));
    }

    private static CachedBlock block(int index, long length) {
        return new CachedBlock(index, length, 0, List.of("worker-0"));
    }
}
