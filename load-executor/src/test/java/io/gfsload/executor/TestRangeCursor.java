package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.gfsload.cache.api.FileIdentity;
import io.gfsload.executor.RangeCursor.Range;
import io.gfsload.planner.BlockTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TestRangeCursor {
    private static final int MB = 1 << 20;
    private static final FileIdentity FILE = new FileIdentity("cosn://bucket/t/large", 40L * MB, 1);
    /** Four blocks of 10 MiB. */
    private static final List<BlockTask> BLOCKS = List.of(block(0), block(1), block(2), block(3));

    @Test
    void rangesAreOneBufferAndNeverCrossABlocksEnd() {
        RangeCursor cursor = new RangeCursor(BLOCKS, 0, block -> false, 1);

        List<Range> ranges = drain(cursor, 4 * MB);

        assertEquals(List.of(new Range(0, 4 * MB), new Range(4L * MB, 4 * MB), new Range(8L * MB, 2 * MB), new Range(10L * MB, 4 * MB)),
                ranges.subList(0, 4));
        assertEquals(12, ranges.size(), "three ranges per 10 MiB block");
        assertEquals(40L * MB, ranges.stream().mapToLong(Range::length).sum());
    }

    @Test
    void theEndOfTheFileIsSharedAmongTheStreams() {
        RangeCursor cursor = new RangeCursor(List.of(block(3)), 0, block -> false, 4);

        List<Range> ranges = drain(cursor, 4 * MB);

        // 10 MiB on 4 streams: ranges of ceil(remaining / 4), at least 1 MiB, so the last reads end together
        assertEquals(List.of(2_621_440, 1_966_080, 1_474_560, 1_105_920, MB, MB, MB, 172_032),
                ranges.stream().map(Range::length).toList());
        long position = 30L * MB;
        for (Range range : ranges) {
            assertEquals(position, range.position(), "ranges follow each other");
            position += range.length();
        }
        assertEquals(40L * MB, position);
    }

    @Test
    void stagedBlocksAndBlocksBeforeTheFirstAreSkipped() {
        Set<Integer> staged = Set.of(1, 3);
        RangeCursor cursor = new RangeCursor(BLOCKS, 0, block -> staged.contains(block.index()), 1);

        List<Range> ranges = drain(cursor, 16 * MB);

        assertEquals(List.of(new Range(0, 10 * MB), new Range(20L * MB, 10 * MB)), ranges);
        RangeCursor fromThird = new RangeCursor(BLOCKS, 2, block -> false, 1);
        assertEquals(20L * MB, fromThird.position());
        assertEquals(List.of(new Range(20L * MB, 10 * MB), new Range(30L * MB, 10 * MB)), drain(fromThird, 16 * MB));
        assertFalse(new RangeCursor(BLOCKS, 0, block -> true, 2).hasNext());
    }

    private static List<Range> drain(RangeCursor cursor, int maxBytes) {
        List<Range> ranges = new ArrayList<>();
        while (cursor.hasNext()) {
            ranges.add(cursor.next(maxBytes));
        }
        return ranges;
    }

    private static BlockTask block(int index) {
        return new BlockTask(FILE, index, index * 10L * MB, 10L * MB, false);
    }
}
