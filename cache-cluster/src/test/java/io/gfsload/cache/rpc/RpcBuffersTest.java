package io.gfsload.cache.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
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
}
