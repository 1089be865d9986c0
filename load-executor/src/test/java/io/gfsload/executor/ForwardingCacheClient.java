package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.BlockData;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockRange;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.FreeResult;
import io.gfsload.cache.api.MasterSilence;
import io.gfsload.cache.api.RemovalMarks;
import io.gfsload.cache.api.TempAreas;
import io.gfsload.cache.api.UfsPullException;
import io.gfsload.cache.api.UnderReplication;
import io.gfsload.cache.api.WriteEvictions;
import io.gfsload.cache.api.WriteOptions;
import java.io.InputStream;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A client that hands every call to another one; tests override the calls they count or fail. */
abstract class ForwardingCacheClient implements CacheClient {
    protected final CacheClient delegate;

    ForwardingCacheClient(CacheClient delegate) {
        this.delegate = requireNonNull(delegate, "delegate is null");
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
    public WriteEvictions writeEvictions() {
        return delegate.writeEvictions();
    }

    @Override
    public Optional<MasterSilence> masterSilence() {
        return delegate.masterSilence();
    }

    @Override
    public Optional<RemovalMarks> removalMarks() {
        return delegate.removalMarks();
    }

    @Override
    public BlockWriter openWriter(BlockKey block, long length, int replication) {
        return openWriter(block, length, WriteOptions.replication(replication));
    }

    @Override
    public BlockWriter openWriter(BlockKey block, long length, WriteOptions options) {
        return delegate.openWriter(block, length, options);
    }

    @Override
    public BlockWriteResult pullBlock(BlockKey block, long offset, long length, int streams, WriteOptions options) {
        return delegate.pullBlock(block, offset, length, streams, options);
    }

    @Override
    public Map<String, Optional<UfsPullException>> checkUfs(String path) {
        return delegate.checkUfs(path);
    }

    @Override
    public List<BlockWriteOutcome> pullBlocks(List<BlockRange> blocks, WriteOptions options) {
        return delegate.pullBlocks(blocks, options);
    }

    @Override
    public List<BlockWriteOutcome> writeBlocks(List<BlockData> blocks, WriteOptions options) {
        return delegate.writeBlocks(blocks, options);
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
