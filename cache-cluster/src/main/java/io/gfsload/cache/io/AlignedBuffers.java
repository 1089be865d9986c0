package io.gfsload.cache.io;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.ByteBuffer;

/**
 * Direct buffers that start on a page boundary, for large reads from files.
 *
 * <p>{@link ByteBuffer#allocateDirect} takes its memory from malloc, which puts a buffer of a
 * megabyte or so 16 bytes past a page boundary, and the kernel copies into a destination that is
 * not 64-byte aligned much more slowly: on a 2-core AMD EPYC machine, reading 1 GiB from the page
 * cache into a 1-4 MiB buffer took 0.7 CPU seconds unaligned and 0.2 aligned (copies of 256 KiB
 * were not slowed). A read into a heap buffer goes through such a direct buffer of the JDK's, and
 * pays the same. The JVM-wide {@code -Dsun.nio.PageAlignDirectMemory=true} aligns every direct
 * buffer, at a page more for each, which made loads of many small files slower.
 */
public final class AlignedBuffers {
    /** The alignment: a page on x86-64 and most other platforms, and a multiple of a cache line. */
    public static final int ALIGNMENT = 4096;

    private AlignedBuffers() {}

    /** A direct buffer of {@code capacity} bytes (position 0, limit its capacity) whose first byte is page-aligned. */
    public static ByteBuffer allocate(int capacity) {
        checkArgument(capacity >= 0 && capacity <= Integer.MAX_VALUE - ALIGNMENT, "capacity out of range: %s", capacity);
        ByteBuffer whole = ByteBuffer.allocateDirect(capacity + ALIGNMENT - 1);
        int skip = (ALIGNMENT - whole.alignmentOffset(0, ALIGNMENT)) % ALIGNMENT;
        // The slice keeps the whole allocation reachable, so the memory lives as long as the slice.
        return whole.position(skip).limit(skip + capacity).slice();
    }
}
