package io.gfsload.executor;

import io.gfsload.cache.api.CacheClient;
import java.util.concurrent.TimeUnit;

/** Waits in tests for the master to count workers that were stopped or killed as lost. */
final class LiveWorkers {
    private LiveWorkers() {}

    /** Waits (30 s at most) until the master {@code client} asks counts {@code live} workers live, or fewer. */
    static void await(CacheClient client, int live) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (client.clusterInfo().liveWorkers().size() > live && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
