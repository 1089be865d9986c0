package io.gfsload.executor;

import io.gfsload.cache.api.CacheClient;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadPlanner;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PlannerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/** Plans of local directories, as the executor tests load them. */
final class LocalPlans {
    private LocalPlans() {}

    /**
     * The plan of every file under {@code data}, in blocks of {@code blockBytes} and task sets of
     * four blocks, with what {@code client}'s cluster already holds marked cached.
     */
    static LoadPlan plan(CacheClient client, Path data, long blockBytes, int replication) {
        LoadPlanner planner = new LoadPlanner(Optional.empty(), new Configuration(), client::cachedBlocks,
                new PlannerConfig(blockBytes, 1024, blockBytes * 4, 2));
        return planner.plan(new LoadRequest(new LoadTarget.Paths(List.of(data.toString())), replication));
    }
}
