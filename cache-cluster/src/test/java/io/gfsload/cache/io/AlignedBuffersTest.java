package io.gfsload.cache.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class AlignedBuffersTest {
    @Test
    void startsOnAPageAndHoldsExactlyTheCapacity() {
        for (int capacity : new int[] {0, 1, 4095, 4096, 65536 + 17, 4 << 20}) {
            ByteBuffer buffer = AlignedBuffers.allocate(capacity);
            assertTrue(buffer.isDirect());
            assertEquals(capacity, buffer.capacity());
            assertEquals(0, buffer.position());
            assertEquals(capacity, buffer.limit());
            assertEquals(0, buffer.alignmentOffset(0, AlignedBuffers.ALIGNMENT), "capacity " + capacity);
        }
    }

    @Test
    void theWholeCapacityIsUsable() {
        ByteBuffer buffer = AlignedBuffers.allocate(8192 + 3);
        for (int i = 0; i < buffer.capacity(); i++) {
            buffer.put((byte) i);
        }
        buffer.flip();
        for (int i = 0; i < buffer.limit(); i++) {
            assertEquals((byte) i, buffer.get(i));
        }
    }

    @Test
    void rejectsANegativeCapacity() {
        assertThrows(IllegalArgumentException.class, () -> AlignedBuffers.allocate(-1));
    }
}
