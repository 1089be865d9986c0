package io.gfsload.cache.checksum;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Combines CRC32C values: the CRC32C of {@code A + B} from those of {@code A} and {@code B} and the
 * length of {@code B}, without the bytes. A block's checksum is then the combination of its
 * segments' checksums, so the worker passes over the data once instead of twice.
 *
 * <p>The method is the usual one for reflected CRCs: appending {@code n} zero bits to a CRC is a
 * linear operator over GF(2), a 32 x 32 bit matrix, raised to the power {@code n} by repeated
 * squaring. Thread-safe; costs O(log n) matrix products.
 */
public final class Crc32cCombine {
    /** The Castagnoli polynomial, reflected. */
    private static final int POLYNOMIAL = 0x82F63B78;

    private Crc32cCombine() {}

    /**
     * The CRC32C of the concatenation of two byte sequences.
     *
     * @param crc1 the CRC32C of the first sequence, unsigned
     * @param crc2 the CRC32C of the second sequence, unsigned
     * @param length2 the length of the second sequence, in bytes
     * @return the CRC32C of both, unsigned
     */
    public static long combine(long crc1, long crc2, long length2) {
        checkArgument(length2 >= 0, "length2 must be >= 0: %s", length2);
        if (length2 == 0) {
            return crc1;
        }
        if (crc1 == 0) {
            // The operator is linear: zero stays zero (the usual case of a block's first segment).
            return crc2;
        }
        return Integer.toUnsignedLong(shift((int) crc1, length2) ^ (int) crc2);
    }

    /**
     * The operator that appends {@code length} zero bytes to a CRC, for {@link #combine(int[], long, long)}:
     * combining many times with the same length (a block's full segments) then costs one product.
     */
    public static int[] operator(long length) {
        checkArgument(length > 0, "length must be > 0: %s", length);
        int[] matrix = new int[32];
        for (int n = 0; n < 32; n++) {
            matrix[n] = shift(1 << n, length);
        }
        return matrix;
    }

    /** As {@link #combine(long, long, long)}, with the operator of the second sequence's length. */
    public static long combine(int[] operator, long crc1, long crc2) {
        return Integer.toUnsignedLong(times(operator, (int) crc1) ^ (int) crc2);
    }

    /** {@code crc} with {@code length} zero bytes appended, before the final XOR of the second CRC. */
    private static int shift(int crc1, long length2) {
        int[] odd = new int[32];
        int[] even = new int[32];
        // The operator for one zero bit.
        odd[0] = POLYNOMIAL;
        int row = 1;
        for (int n = 1; n < 32; n++) {
            odd[n] = row;
            row <<= 1;
        }
        square(even, odd); // two zero bits
        square(odd, even); // four zero bits
        int crc = crc1;
        long remaining = length2;
        // The first squaring below gives the operator for one zero byte.
        do {
            square(even, odd);
            if ((remaining & 1) != 0) {
                crc = times(even, crc);
            }
            remaining >>>= 1;
            if (remaining == 0) {
                break;
            }
            square(odd, even);
            if ((remaining & 1) != 0) {
                crc = times(odd, crc);
            }
            remaining >>>= 1;
        }
        while (remaining != 0);
        return crc;
    }

    private static int times(int[] matrix, int vector) {
        int sum = 0;
        for (int i = 0; vector != 0; i++, vector >>>= 1) {
            if ((vector & 1) != 0) {
                sum ^= matrix[i];
            }
        }
        return sum;
    }

    private static void square(int[] square, int[] matrix) {
        for (int n = 0; n < 32; n++) {
            square[n] = times(matrix, matrix[n]);
        }
    }
}
