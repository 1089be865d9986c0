package io.gfsload.cache.worker;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * The header at the start of every block file: the block's length and CRC32C, and a CRC32C per
 * segment of {@code segmentBytes}, so that any range can be verified without reading the whole
 * block. The data follows the header; keeping both in one file makes the final rename the single
 * atomic step of a write.
 *
 * <pre>
 *   0  int    magic "GFSB"
 *   4  int    format version (1)
 *   8  long   block length
 *  16  int    block CRC32C
 *  20  int    segment size in bytes
 *  24  int    segment count n = ceil(length / segment size)
 *  28  int[n] segment CRC32Cs
 *  28 + 4n    int CRC32C of the header bytes before it
 *  32 + 4n    block data
 * </pre>
 *
 * All integers are big-endian.
 */
public final class BlockFileHeader {
    static final int MAGIC = 0x47465342;
    static final int VERSION = 1;
    private static final int FIXED_BYTES = 28;

    private final long length;
    private final int crc32c;
    private final int segmentBytes;
    private final int[] segmentCrcs;

    BlockFileHeader(long length, int crc32c, int segmentBytes, int[] segmentCrcs) {
        checkArgument(length >= 0, "length must be >= 0: %s", length);
        checkArgument(segmentBytes > 0, "segmentBytes must be > 0: %s", segmentBytes);
        checkArgument(segmentCrcs.length == segmentCount(length, segmentBytes),
                "a block of %s bytes has %s segments of %s bytes, got %s checksums", length,
                segmentCount(length, segmentBytes), segmentBytes, segmentCrcs.length);
        this.length = length;
        this.crc32c = crc32c;
        this.segmentBytes = segmentBytes;
        this.segmentCrcs = segmentCrcs.clone();
    }

    /** Segments of a block of {@code length} bytes; fails when a header could not hold them. */
    public static int segmentCount(long length, int segmentBytes) {
        long count = (length + segmentBytes - 1) / segmentBytes;
        checkArgument(count <= (Integer.MAX_VALUE - FIXED_BYTES) / 4 - 1,
                "a block of %s bytes has too many segments of %s bytes", length, segmentBytes);
        return (int) count;
    }

    /** Bytes of the header of a block of {@code length} bytes, i.e. where its data starts. */
    public static long headerBytes(long length, int segmentBytes) {
        return FIXED_BYTES + 4L * segmentCount(length, segmentBytes) + 4;
    }

    long length() {
        return length;
    }

    /** The block's CRC32C as an unsigned value. */
    long crc32c() {
        return Integer.toUnsignedLong(crc32c);
    }

    int segmentBytes() {
        return segmentBytes;
    }

    int segmentCount() {
        return segmentCrcs.length;
    }

    int segmentCrc(int segment) {
        return segmentCrcs[segment];
    }

    long dataOffset() {
        return headerBytes(length, segmentBytes);
    }

    ByteBuffer encode() {
        return encode(length, crc32c(), segmentBytes, segmentCrcs);
    }

    /**
     * The header of a block of {@code length} bytes with these checksums, ready to be written at
     * the start of its file. Public for the short-circuit writers on a worker's host, who write
     * whole block files.
     *
     * @param crc32c the block's CRC32C, unsigned
     */
    public static ByteBuffer encode(long length, long crc32c, int segmentBytes, int[] segmentCrcs) {
        checkArgument(length >= 0, "length must be >= 0: %s", length);
        checkArgument(segmentBytes > 0, "segmentBytes must be > 0: %s", segmentBytes);
        checkArgument(segmentCrcs.length == segmentCount(length, segmentBytes),
                "a block of %s bytes has %s segments of %s bytes, got %s checksums", length,
                segmentCount(length, segmentBytes), segmentBytes, segmentCrcs.length);
        ByteBuffer buffer = ByteBuffer.allocate((int) headerBytes(length, segmentBytes));
        buffer.putInt(MAGIC).putInt(VERSION).putLong(length).putInt((int) crc32c).putInt(segmentBytes)
                .putInt(segmentCrcs.length);
        for (int crc : segmentCrcs) {
            buffer.putInt(crc);
        }
        CRC32C headerCrc = new CRC32C();
        headerCrc.update(buffer.array(), 0, buffer.position());
        buffer.putInt((int) headerCrc.getValue());
        return buffer.flip();
    }

    /**
     * Reads and checks the header of a block file.
     *
     * @param describe names the block in failure messages
     * @throws BlockStoreException of kind {@code CORRUPT} when the header is damaged or does not
     *     match the file's size
     */
    static BlockFileHeader read(FileChannel channel, String describe) throws IOException {
        long fileSize = channel.size();
        if (fileSize < FIXED_BYTES + 4) {
            throw corrupt(describe, "the file has only " + fileSize + " bytes");
        }
        ByteBuffer fixed = ByteBuffer.allocate(FIXED_BYTES);
        readFully(channel, fixed, 0, describe);
        fixed.flip();
        int magic = fixed.getInt();
        int version = fixed.getInt();
        long length = fixed.getLong();
        int crc32c = fixed.getInt();
        int segmentBytes = fixed.getInt();
        int segmentCount = fixed.getInt();
        if (magic != MAGIC) {
            throw corrupt(describe, String.format("bad magic number 0x%08x", magic));
        }
        if (version != VERSION) {
            throw corrupt(describe, "unknown format version " + version);
        }
        if (length < 0 || segmentBytes <= 0 || segmentCount < 0
                || (length + segmentBytes - 1) / segmentBytes != segmentCount) {
            throw corrupt(describe, "inconsistent header: length " + length + ", " + segmentCount + " segments of "
                    + segmentBytes + " bytes");
        }
        long expectedSize = FIXED_BYTES + 4L * segmentCount + 4 + length;
        if (fileSize != expectedSize) {
            throw corrupt(describe, "the file has " + fileSize + " bytes, its header says " + expectedSize);
        }
        ByteBuffer rest = ByteBuffer.allocate(4 * segmentCount + 4);
        readFully(channel, rest, FIXED_BYTES, describe);
        rest.flip();
        int[] segmentCrcs = new int[segmentCount];
        for (int i = 0; i < segmentCount; i++) {
            segmentCrcs[i] = rest.getInt();
        }
        int storedHeaderCrc = rest.getInt();
        CRC32C headerCrc = new CRC32C();
        headerCrc.update(fixed.array());
        headerCrc.update(rest.array(), 0, 4 * segmentCount);
        if ((int) headerCrc.getValue() != storedHeaderCrc) {
            throw corrupt(describe, "the header checksum does not match");
        }
        return new BlockFileHeader(length, crc32c, segmentBytes, segmentCrcs);
    }

    /** Fills {@code buffer} from {@code position}; a short file is corrupt. */
    static void readFully(FileChannel channel, ByteBuffer buffer, long position, String describe) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, at);
            if (read < 0) {
                throw corrupt(describe, "the file ends at byte " + at);
            }
            at += read;
        }
    }

    private static BlockStoreException corrupt(String describe, String why) {
        return new BlockStoreException(BlockStoreException.Kind.CORRUPT, describe + " is corrupt: " + why);
    }
}
