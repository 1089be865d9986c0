package io.gfsload.executor;

import io.gfsload.cache.api.BlockData;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.WriteOptions;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real client that counts the replicas its writes stored and committed, and their bytes: every
 * worker of a committed block write (streamed, short-circuit or batched) counts once. Thread-safe.
 */
final class CountingCacheClient extends ForwardingCacheClient {
    private final AtomicLong replicas = new AtomicLong();
    private final AtomicLong replicaBytes = new AtomicLong();

    CountingCacheClient(CacheClient delegate) {
        super(delegate);
    }

    /** Replicas committed since the client was made or last {@link #reset}. */
    long replicasWritten() {
        return replicas.get();
    }

    /** Bytes of the replicas committed: each block's length once per worker written. */
    long replicaBytesWritten() {
        return replicaBytes.get();
    }

    void reset() {
        replicas.set(0);
        replicaBytes.set(0);
    }

    private BlockWriteResult counted(BlockWriteResult result) {
        replicas.addAndGet(result.workerIds().size());
        replicaBytes.addAndGet(result.length() * result.workerIds().size());
        return result;
    }

    @Override
    public BlockWriter openWriter(BlockKey block, long length, WriteOptions options) {
        BlockWriter writer = delegate.openWriter(block, length, options);
        return new BlockWriter() {
            @Override
            public void write(byte[] buffer, int offset, int count) {
                writer.write(buffer, offset, count);
            }

            @Override
            public void write(ByteBuffer data) {
                writer.write(data);
            }

            @Override
            public BlockWriteResult commit() {
                return counted(writer.commit());
            }

            @Override
            public void close() {
                writer.close();
            }
        };
    }

    @Override
    public List<BlockWriteOutcome> writeBlocks(List<BlockData> blocks, WriteOptions options) {
        List<BlockWriteOutcome> outcomes = delegate.writeBlocks(blocks, options);
        outcomes.forEach(outcome -> outcome.result().ifPresent(this::counted));
        return outcomes;
    }

}
