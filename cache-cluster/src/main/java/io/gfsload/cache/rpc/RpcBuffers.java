package io.gfsload.cache.rpc;

import io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator;
import io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator;
import io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent;

/**
 * The buffer pool of every gRPC connection of the cache, client and server side: pooled, direct
 * where Netty can, as gRPC's own, but with 8 MiB chunks where gRPC has 2 MiB, and each pooled
 * buffer starting on a 64-byte boundary.
 *
 * <p>Netty takes a chunk's memory from {@code ByteBuffer.allocateDirect}, that is from malloc,
 * which puts it 16 bytes past a page boundary, and so every buffer in it. The kernel copies into a
 * destination that is not 64-byte aligned much more slowly (see
 * {@link io.gfsload.cache.io.AlignedBuffers}), and each socket read of a block stream is such a
 * copy, into a new place of the chunk each time. With aligned buffers the event loops of a
 * one-worker block write over loopback took 0.63 instead of 0.86 CPU seconds per GiB, and the write
 * 1.50 instead of 1.88 s per GiB (2 cores, AMD EPYC).
 *
 * <p>gRPC serializes a message of a block stream into buffers of up to 1 MiB. Netty frees a chunk
 * whose use fell to nothing after it had passed a quarter, and takes a new one from
 * {@code allocateDirect}, which zeroes it. With 2 MiB chunks (gRPC's) a few such buffers, or a
 * window of socket reads held until the worker wrote them, did that again and again: a new chunk
 * for every few MiB streamed, 3.5 % of the CPU samples of a one-worker block write over loopback.
 * With 8 MiB chunks a stream's few buffers in flight stay under the quarter, or pass it only
 * until the end of the block; that write took no new chunk in 3 GiB. The pool keeps an 8 MiB
 * chunk at least per arena in use; there are at most twice as many arenas as cores, and fewer
 * when the direct memory limit is small.
 */
public final class RpcBuffers {
    /** The boundary each pooled buffer starts on: a cache line. */
    static final int ALIGNMENT = 64;
    /** Chunks of 8 KiB pages times 2^10 = 8 MiB. */
    static final int MAX_ORDER = 10;

    /** Shared by every channel and server. */
    public static final ByteBufAllocator ALLOCATOR = create(MAX_ORDER);

    private RpcBuffers() {}

    /** The pool described above, with chunks of {@code 2^maxOrder} pages ({@link #ALLOCATOR} has {@link #MAX_ORDER}). */
    static PooledByteBufAllocator create(int maxOrder) {
        // Netty aligns only where it can reach memory addresses (sun.misc.Unsafe); elsewhere the
        // pool's buffers are unaligned.
        int alignment = PooledByteBufAllocator.isDirectMemoryCacheAlignmentSupported() ? ALIGNMENT : 0;
        int pageSize = PooledByteBufAllocator.defaultPageSize();
        long chunkSize = (long) pageSize << maxOrder;
        // Netty's own bound, no more arenas than a sixth of the direct memory limit holds chunks,
        // but one at least unless Netty was told to pool no direct memory.
        int defaultArenas = PooledByteBufAllocator.defaultNumDirectArena();
        int directArenas = defaultArenas == 0 ? 0
                : (int) Math.max(1, Math.min(defaultArenas, PlatformDependent.maxDirectMemory() / chunkSize / 6));
        return new PooledByteBufAllocator(
                PooledByteBufAllocator.defaultPreferDirect(),
                PooledByteBufAllocator.defaultNumHeapArena(),
                directArenas,
                pageSize,
                maxOrder,
                PooledByteBufAllocator.defaultSmallCacheSize(),
                PooledByteBufAllocator.defaultNormalCacheSize(),
                PooledByteBufAllocator.defaultUseCacheForAllThreads(),
                alignment);
    }
}
