package io.gfsload.cache.checksum;

import static io.gfsload.cache.testing.TestData.crc32c;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SegmentedCrc32cTest {
    private static final int SEGMENT = 1000;

    @Test
    void segmentsAndTheWholeMatchTheirBytesWhateverThePiecesAdded() {
        byte[] data = randomBytes(4 * SEGMENT + 123, 1);
        int[] expected = new int[5];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (int) crc32c(Arrays.copyOfRange(data, i * SEGMENT, Math.min(data.length, (i + 1) * SEGMENT)));
        }
        for (int piece : new int[] {1, 7, SEGMENT - 1, SEGMENT, SEGMENT + 1, data.length}) {
            SegmentedCrc32c crc = new SegmentedCrc32c(SEGMENT, 10);
            for (int offset = 0; offset < data.length; offset += piece) {
                crc.update(data, offset, Math.min(piece, data.length - offset));
            }
            assertEquals(crc32c(data), crc.value(), "pieces of " + piece);
            assertArrayEquals(expected, crc.segmentCrcs(), "pieces of " + piece);
            assertEquals(crc32c(data), SegmentedCrc32c.combine(crc.segmentCrcs(), SEGMENT, data.length), "pieces of " + piece);
        }
    }

    @Test
    void emptyAndExactlyFullBlocks() {
        SegmentedCrc32c empty = new SegmentedCrc32c(SEGMENT, 0);
        assertEquals(0, empty.value());
        assertArrayEquals(new int[0], empty.segmentCrcs());
        assertEquals(0, SegmentedCrc32c.combine(new int[0], SEGMENT, 0));

        byte[] data = randomBytes(2 * SEGMENT, 2);
        SegmentedCrc32c full = new SegmentedCrc32c(SEGMENT, data.length);
        full.update(ByteBuffer.wrap(data));
        assertEquals(2, full.segmentCrcs().length);
        assertEquals(crc32c(data), SegmentedCrc32c.combine(full.segmentCrcs(), SEGMENT, data.length));
    }

    @Test
    void givenSegmentChecksumsMakeTheBlocksAndTakeNoMoreBytes() {
        byte[] data = randomBytes(2 * SEGMENT + 5, 3);
        SegmentedCrc32c computed = new SegmentedCrc32c(SEGMENT, data.length);
        computed.update(data, 0, data.length);

        SegmentedCrc32c given = SegmentedCrc32c.of(computed.segmentCrcs(), SEGMENT, data.length);

        assertEquals(crc32c(data), given.value());
        assertArrayEquals(computed.segmentCrcs(), given.segmentCrcs());
        assertThrows(IllegalStateException.class, () -> given.update(data, 0, 1));
    }

    @Test
    void combineRejectsACountThatDoesNotFitTheLength() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SegmentedCrc32c.combine(new int[2], SEGMENT, 3 * SEGMENT));
        assertEquals("2 segments of 1000 bytes cannot hold 3000 bytes", e.getMessage());
    }
}
