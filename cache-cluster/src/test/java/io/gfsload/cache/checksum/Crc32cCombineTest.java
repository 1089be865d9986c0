package io.gfsload.cache.checksum;

import static io.gfsload.cache.testing.TestData.crc32c;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class Crc32cCombineTest {
    @Test
    void theCombinationIsTheChecksumOfTheConcatenation() {
        byte[] data = randomBytes(300_000, 11);
        for (int split : new int[] {0, 1, 7, 4096, 65_537, 299_999, 300_000}) {
            byte[] first = Arrays.copyOfRange(data, 0, split);
            byte[] second = Arrays.copyOfRange(data, split, data.length);
            assertEquals(crc32c(data), Crc32cCombine.combine(crc32c(first), crc32c(second), second.length), "split at " + split);
        }
    }

    @Test
    void segmentByChecksumsAddUpToTheWholeChecksum() {
        byte[] data = randomBytes(5 * 4096 + 123, 12);
        int[] fullSegment = Crc32cCombine.operator(4096);
        long combined = 0;
        long withOperator = 0;
        for (int offset = 0; offset < data.length; offset += 4096) {
            byte[] segment = Arrays.copyOfRange(data, offset, Math.min(data.length, offset + 4096));
            combined = Crc32cCombine.combine(combined, crc32c(segment), segment.length);
            withOperator = segment.length == 4096
                    ? Crc32cCombine.combine(fullSegment, withOperator, crc32c(segment))
                    : Crc32cCombine.combine(withOperator, crc32c(segment), segment.length);
        }
        assertEquals(crc32c(data), combined);
        assertEquals(crc32c(data), withOperator);
    }
}
