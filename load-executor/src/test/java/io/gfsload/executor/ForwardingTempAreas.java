package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.ScopeCommit;
import io.gfsload.cache.api.TempArea;
import io.gfsload.cache.api.TempAreaRun;
import io.gfsload.cache.api.TempAreas;
import java.time.Duration;
import java.util.List;

/** Temp areas that hand every call to other ones; tests override the calls they watch, hold back or fail. */
class ForwardingTempAreas implements TempAreas {
    protected final TempAreas delegate;

    ForwardingTempAreas(TempAreas delegate) {
        this.delegate = requireNonNull(delegate, "delegate is null");
    }

    @Override
    public TempArea openTempArea(String jobId, Duration expireTime) {
        return delegate.openTempArea(jobId, expireTime);
    }

    @Override
    public TempArea openTempArea(String jobId, Duration expireTime, TempAreaRun run) {
        return delegate.openTempArea(jobId, expireTime, run);
    }

    @Override
    public TempArea renewTempArea(String jobId, Duration expireTime) {
        return delegate.renewTempArea(jobId, expireTime);
    }

    @Override
    public TempArea renewTempArea(String jobId, Duration expireTime, TempAreaRun run) {
        return delegate.renewTempArea(jobId, expireTime, run);
    }

    @Override
    public boolean releaseTempArea(String jobId, TempAreaRun run) {
        return delegate.releaseTempArea(jobId, run);
    }

    @Override
    public ScopeCommit commitScope(String jobId, List<BlockKey> blocks) {
        return delegate.commitScope(jobId, blocks);
    }

    @Override
    public ScopeCommit commitScope(String jobId, List<BlockKey> blocks, TempAreaRun run) {
        return delegate.commitScope(jobId, blocks, run);
    }

    @Override
    public int abortTempArea(String jobId) {
        return delegate.abortTempArea(jobId);
    }

    @Override
    public int abortTempArea(String jobId, TempAreaRun run) {
        return delegate.abortTempArea(jobId, run);
    }

    @Override
    public int unstageFiles(String jobId, List<FileIdentity> files) {
        return delegate.unstageFiles(jobId, files);
    }

    @Override
    public List<TempArea> listTempAreas() {
        return delegate.listTempAreas();
    }
}
