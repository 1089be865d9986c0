package io.gfsload.cache.rpc;

import io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator;
import io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator;

/**
 * The buffer pool of every gRPC connection of the cache, client and server side: gRPC's own
 * choice (pooled, direct where Netty can, 2 MiB chunks) with each pooled buffer starting on a
 * 64-byte boundary.
 *
 * <p>Netty takes a chunk's memory from {@code ByteBuffer.allocateDirect}, that is from malloc,
 * which puts it 16 bytes past a page boundary, and so every buffer in it. The kernel copies into a
 * destination that is not 64-byte aligned much more slowly (see
 * {@link io.gfsload.cache.io.AlignedBuffers}), and each socket read of a block stream is such a
 * copy, into a new place of the chunk each time. With aligned buffers the event loops of a
 * one-worker block write over loopback took 0.63 instead of 0.86 CPU seconds per GiB, and the write
 * 1.50 instead of 1.88 s per GiB (2 cores, AMD EPYC).
 */
public final class RpcBuffers {
    /** The boundary each pooled buffer starts on: a cache line. */
    static final int ALIGNMENT = 64;
    /** Chunks of 8 KiB pages times 2^8 = 2 MiB, as gRPC's own pool has. */
    private static final int MAX_ORDER = 8;

    /** Shared by every channel and server. */
    public static final ByteBufAllocator ALLOCATOR = create();

    private RpcBuffers() {}

    private static ByteBufAllocator create() {
        // Netty aligns only where it can reach memory addresses (sun.misc.Unsafe); elsewhere the
        // pool is gRPC's unaligned one.
        int alignment = PooledByteBufAllocator.isDirectMemoryCacheAlignmentSupported() ? ALIGNMENT : 0;
        return new PooledByteBufAllocator(
                PooledByteBufAllocator.defaultPreferDirect(),
                PooledByteBufAllocator.defaultNumHeapArena(),
                PooledByteBufAllocator.defaultNumDirectArena(),
                PooledByteBufAllocator.defaultPageSize(),
                MAX_ORDER,
                PooledByteBufAllocator.defaultSmallCacheSize(),
                PooledByteBufAllocator.defaultNormalCacheSize(),
                PooledByteBufAllocator.defaultUseCacheForAllThreads(),
                alignment);
    }
}
