package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.WriteOptions;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestSmallFileBatcherBuffers {
    @Test
    void aDirectBufferReservesThePowerOfTwoThatHoldsItsBlock() {
        assertEquals(4096, SmallFileBatcher.directCapacity(0));
        assertEquals(4096, SmallFileBatcher.directCapacity(1));
        assertEquals(4096, SmallFileBatcher.directCapacity(4096));
        assertEquals(8192, SmallFileBatcher.directCapacity(4097));
        assertEquals(65_536, SmallFileBatcher.directCapacity(65_536));
        assertEquals(131_072, SmallFileBatcher.directCapacity(65_537));
        assertEquals(SmallFileBatcher.MAX_BLOCK_BYTES, SmallFileBatcher.directCapacity(SmallFileBatcher.MAX_BLOCK_BYTES));
        assertThrows(IllegalArgumentException.class, () -> SmallFileBatcher.directCapacity(SmallFileBatcher.MAX_BLOCK_BYTES + 1));
        assertThrows(IllegalArgumentException.class, () -> SmallFileBatcher.directCapacity(-1));
    }

    @Test
    void aBufferGivenBackIsHandedOutAgainForABlockOfItsSizeClass() {
        try (SmallFileBatcher batcher = new SmallFileBatcher(unusedCache(), () -> WriteOptions.replication(1),
                SmallFileBatcher.MAX_BLOCK_BYTES, (batch, outcomes) -> {}, batch -> {})) {
            ByteBuffer first = batcher.directBuffer(50_000);
            assertTrue(first.isDirect());
            assertEquals(0, first.position());
            assertEquals(50_000, first.limit());
            assertEquals(65_536, first.capacity());
            first.put(new byte[10]);
            batcher.giveBack(first);

            ByteBuffer again = batcher.directBuffer(65_000);
            assertSame(first, again);
            assertEquals(0, again.position());
            assertEquals(65_000, again.limit());
            ByteBuffer other = batcher.directBuffer(60_000);
            assertEquals(65_536, other.capacity(), "a second buffer of the class while the first is out");
            assertEquals(4096, batcher.directBuffer(100).capacity());
        }
    }

    /** The batcher under test writes no batch: any call to the cache fails the test. */
    private static CacheClient unusedCache() {
        return new CacheClient() {
            @Override
            public ClusterInfo clusterInfo() {
                throw new AssertionError("unexpected call");
            }

            @Override
            public List<CachedBlock> cachedBlocks(FileIdentity file) {
                throw new AssertionError("unexpected call");
            }

            @Override
            public BlockWriter openWriter(BlockKey block, long length, int replication) {
                throw new AssertionError("unexpected call");
            }

            @Override
            public InputStream openReader(BlockKey block) {
                throw new AssertionError("unexpected call");
            }

            @Override
            public void close() {}
        };
    }
}
