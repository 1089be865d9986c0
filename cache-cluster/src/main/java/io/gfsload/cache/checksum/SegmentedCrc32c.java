package io.gfsload.cache.checksum;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.zip.CRC32C;

/**
 * The checksums of a block as its file stores them: a CRC32C per segment of {@code segmentBytes}
 * (the last one may be shorter) and the block's CRC32C, combined from the segments' so that the
 * bytes are passed over once. Bytes are added in order with {@link #update}. Not thread-safe.
 */
public final class SegmentedCrc32c {
    /** The operator of each segment length in use (there are few), which costs 32 combinations to build. */
    private static final ConcurrentMap<Integer, int[]> FULL_SEGMENT_OPERATORS = new ConcurrentHashMap<>();

    private final int segmentBytes;
    private final int[] fullSegmentOperator;
    private final CRC32C segmentCrc = new CRC32C();
    private int[] segmentCrcs;
    private int segments;
    private int bytesInSegment;
    /** The CRC32C of the finished segments, unsigned. */
    private long finishedCrc;
    /** Made from given checksums: no bytes may be added. */
    private boolean complete;

    /**
     * @param segmentBytes the length of a segment, > 0
     * @param expectedLength the block's length, to size the list of segments; more may follow
     */
    public SegmentedCrc32c(int segmentBytes, long expectedLength) {
        checkArgument(segmentBytes > 0, "segmentBytes must be > 0: %s", segmentBytes);
        checkArgument(expectedLength >= 0, "expectedLength must be >= 0: %s", expectedLength);
        this.segmentBytes = segmentBytes;
        this.fullSegmentOperator = fullSegmentOperator(segmentBytes);
        this.segmentCrcs = new int[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(1, (expectedLength + segmentBytes - 1) / segmentBytes))];
    }

    /**
     * The checksums of a whole block from its segments' checksums, as a writer that computed them
     * gives them; nothing more can be added.
     *
     * @param segmentCrcs the checksum of each segment, all of {@code segmentBytes} but the last
     * @param length the block's length
     */
    public static SegmentedCrc32c of(int[] segmentCrcs, int segmentBytes, long length) {
        SegmentedCrc32c checksums = new SegmentedCrc32c(segmentBytes, length);
        checksums.finishedCrc = combine(segmentCrcs, segmentBytes, length);
        checksums.segmentCrcs = segmentCrcs.clone();
        checksums.segments = segmentCrcs.length;
        checksums.complete = true;
        return checksums;
    }

    public int segmentBytes() {
        return segmentBytes;
    }

    /** Adds {@code count} bytes of {@code data} from {@code offset}. */
    public void update(byte[] data, int offset, int count) {
        update(ByteBuffer.wrap(data, offset, count));
    }

    /** Adds the remaining bytes of {@code data}, leaving its position where it was. */
    public void update(ByteBuffer data) {
        requireNonNull(data, "data is null");
        checkState(!complete, "the checksums were given whole; no bytes can be added");
        ByteBuffer view = data.duplicate();
        while (view.hasRemaining()) {
            int n = Math.min(view.remaining(), segmentBytes - bytesInSegment);
            ByteBuffer piece = view.slice();
            piece.limit(n);
            segmentCrc.update(piece);
            view.position(view.position() + n);
            bytesInSegment += n;
            if (bytesInSegment == segmentBytes) {
                endSegment();
            }
        }
    }

    /** The CRC32C of every byte added so far, unsigned. */
    public long value() {
        return Crc32cCombine.combine(finishedCrc, segmentCrc.getValue(), bytesInSegment);
    }

    /** The checksums of the segments so far, the last one possibly shorter; ends the segment in progress. */
    public int[] segmentCrcs() {
        if (bytesInSegment > 0) {
            endSegment();
        }
        return Arrays.copyOf(segmentCrcs, segments);
    }

    private void endSegment() {
        if (segments == segmentCrcs.length) {
            segmentCrcs = Arrays.copyOf(segmentCrcs, segmentCrcs.length * 2);
        }
        segmentCrcs[segments++] = (int) segmentCrc.getValue();
        finishedCrc = bytesInSegment == segmentBytes
                ? Crc32cCombine.combine(fullSegmentOperator, finishedCrc, segmentCrc.getValue())
                : Crc32cCombine.combine(finishedCrc, segmentCrc.getValue(), bytesInSegment);
        segmentCrc.reset();
        bytesInSegment = 0;
    }

    /**
     * The CRC32C of a block from its segments' checksums.
     *
     * @param segmentCrcs the checksum of each segment, all of {@code segmentBytes} but the last
     * @param length the block's length
     */
    public static long combine(int[] segmentCrcs, int segmentBytes, long length) {
        checkArgument(segmentBytes > 0, "segmentBytes must be > 0: %s", segmentBytes);
        checkArgument(segmentCrcs.length == (length + segmentBytes - 1) / segmentBytes,
                "%s segments of %s bytes cannot hold %s bytes", segmentCrcs.length, segmentBytes, length);
        int[] operator = fullSegmentOperator(segmentBytes);
        long crc = 0;
        for (int i = 0; i < segmentCrcs.length; i++) {
            long segmentLength = Math.min(segmentBytes, length - (long) i * segmentBytes);
            long segment = Integer.toUnsignedLong(segmentCrcs[i]);
            crc = segmentLength == segmentBytes ? Crc32cCombine.combine(operator, crc, segment) : Crc32cCombine.combine(crc, segment, segmentLength);
        }
        return crc;
    }

    private static int[] fullSegmentOperator(int segmentBytes) {
        return FULL_SEGMENT_OPERATORS.computeIfAbsent(segmentBytes, Crc32cCombine::operator);
    }
}
