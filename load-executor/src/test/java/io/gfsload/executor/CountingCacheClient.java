package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.BlockData;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.FreeResult;
import io.gfsload.cache.api.TempAreas;
import io.gfsload.cache.api.UnderReplication;
import io.gfsload.cache.api.WriteOptions;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real client that counts the replicas its writes stored and committed, and their bytes: every
 * worker of a committed block write (streamed, short-circuit or batched) counts once. Thread-safe.
 */
final class CountingCacheClient implements CacheClient {
    private final CacheClient delegate;
    private final AtomicLong replicas = new AtomicLong();
    private final AtomicLong replicaBytes = new AtomicLong();

    CountingCacheClient(CacheClient delegate) {
        this.delegate = requireNonNull(delegate, "delegate is null");
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
    public ClusterInfo clusterInfo() {
        return delegate.clusterInfo();
    }

    @Override
    public List<CachedBlock> cachedBlocks(FileIdentity file) {
        return delegate.cachedBlocks(file);
    }

    @Override
    public Map<FileIdentity, List<CachedBlock>> cachedBlocks(Collection<FileIdentity> files) {
        return delegate.cachedBlocks(files);
    }

    @Override
    public Map<FileIdentity, List<CachedBlock>> confirmedBlocks(Collection<FileIdentity> files) {
        return delegate.confirmedBlocks(files);
    }

    @Override
    public BlockWriter openWriter(BlockKey block, long length, int replication) {
        return openWriter(block, length, WriteOptions.replication(replication));
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

    @Override
    public InputStream openReader(BlockKey block) {
        return delegate.openReader(block);
    }

    @Override
    public InputStream openReader(BlockKey block, long offset) {
        return delegate.openReader(block, offset);
    }

    @Override
    public TempAreas tempAreas() {
        return delegate.tempAreas();
    }

    @Override
    public FreeResult free(FileIdentity file) {
        return delegate.free(file);
    }

    @Override
    public FreeResult freePath(String path) {
        return delegate.freePath(path);
    }

    @Override
    public FreeResult freePrefix(String pathPrefix) {
        return delegate.freePrefix(pathPrefix);
    }

    @Override
    public UnderReplication underReplicated(String pathPrefix, int limit) {
        return delegate.underReplicated(pathPrefix, limit);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
