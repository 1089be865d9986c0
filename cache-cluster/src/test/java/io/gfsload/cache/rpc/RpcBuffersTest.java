package io.gfsload.cache.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.PoolArenaMetric;
import io.grpc.netty.shaded.io.netty.buffer.PoolChunkListMetric;
import io.grpc.netty.shaded.io.netty.buffer.PoolChunkMetric;
import io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RpcBuffersTest {
    @Test
    void pooledDirectBuffersStartOnACacheLine() {
        assertTrue(PooledByteBufAllocator.isDirectMemoryCacheAlignmentSupported(), "this JVM lets Netty align");
        List<ByteBuf> buffers = new ArrayList<>();
        try {
            // Sizes of socket reads and of gRPC's message buffers, several of each so that they sit at different places of a chunk.
            for (int size : new int[] {2048, 16 * 1024, 64 * 1024, 1024 * 1024}) {
                for (int i = 0; i < 5; i++) {
                    ByteBuf buffer = RpcBuffers.ALLOCATOR.directBuffer(size);
                    buffers.add(buffer);
                    assertTrue(buffer.isDirect());
                    assertEquals(0, buffer.memoryAddress() % RpcBuffers.ALIGNMENT, "a buffer of " + size + " bytes");
                }
            }
        }
        finally {
            buffers.forEach(ByteBuf::release);
        }
    }

    @Test
    void streamingBlocksTakesAChunkPerBlockAtMost() {
        // gRPC's own pool (2 MiB chunks) takes a new chunk for every few MiB streamed.
        int blocks = 4;
        assertTrue(chunksTakenWhileStreaming(RpcBuffers.create(8), blocks) > 2 * blocks, "2 MiB chunks come and go");
        int taken = chunksTakenWhileStreaming(RpcBuffers.create(RpcBuffers.MAX_ORDER), blocks);
        assertTrue(taken <= blocks, taken + " chunks for " + blocks + " blocks");
    }

    /**
     * How many chunks {@code allocator} takes while {@code blocks} blocks of 16 MiB stream through
     * it as gRPC serializes them: in buffers of 1 MiB (the largest it takes), at most six at a
     * time (a write stream's queue of two 2 MiB chunks and the chunk going to the socket), each
     * released once written, and all of them at the end of a block.
     */
    private static int chunksTakenWhileStreaming(PooledByteBufAllocator allocator, int blocks) {
        Set<PoolChunkMetric> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<ByteBuf> inFlight = new ArrayDeque<>();
        try {
            for (int block = 0; block < blocks; block++) {
                for (int mib = 0; mib < 16; mib++) {
                    inFlight.addLast(allocator.directBuffer(1 << 20, 1 << 20));
                    for (PoolArenaMetric arena : allocator.metric().directArenas()) {
                        for (PoolChunkListMetric list : arena.chunkLists()) {
                            list.forEach(seen::add);
                        }
                    }
                    if (inFlight.size() == 6) {
                        inFlight.removeFirst().release();
                    }
                }
                while (!inFlight.isEmpty()) {
                    inFlight.removeFirst().release();
                }
            }
        }
        finally {
            inFlight.forEach(ByteBuf::release);
        }
        return seen.size();
    }
}
