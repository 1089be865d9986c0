package io.gfsload.executor;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.MasterUnavailableException;
import io.gfsload.cache.api.ScopeCommit;
import io.gfsload.cache.api.TempAreaRun;
import io.gfsload.cache.api.TempAreas;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Temp areas whose first scope commit the master carries out, while its answer never reaches the
 * client (the master answered too late, or the connection broke after the request went out): the
 * client hears that the master did not answer. The commits after it are answered.
 */
class CommitAnswerLostOnce extends ForwardingTempAreas {
    private final AtomicInteger commits = new AtomicInteger();

    CommitAnswerLostOnce(TempAreas delegate) {
        super(delegate);
    }

    /** The scope commits made so far, the one whose answer was lost among them. */
    int commits() {
        return commits.get();
    }

    @Override
    public ScopeCommit commitScope(String jobId, List<BlockKey> blocks, TempAreaRun run) {
        return answered(jobId, blocks, delegate.commitScope(jobId, blocks, run));
    }

    @Override
    public ScopeCommit commitScope(String jobId, List<BlockKey> blocks) {
        return answered(jobId, blocks, delegate.commitScope(jobId, blocks));
    }

    private ScopeCommit answered(String jobId, List<BlockKey> blocks, ScopeCommit done) {
        if (commits.incrementAndGet() == 1) {
            throw new MasterUnavailableException("127.0.0.1:1", "Committing " + blocks.size() + " blocks of job " + jobId
                    + " at master 127.0.0.1:1 failed: no answer within 30 s", null);
        }
        return done;
    }
}
