package io.gfsload.cli;

import io.gfsload.advisor.Settings;
import io.gfsload.advisor.TuningAdvisor;
import io.gfsload.advisor.WorkloadProfile;
import io.gfsload.executor.LoadExecutor;
import io.gfsload.executor.LoadReport;
import io.gfsload.executor.ProgressListener;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadPlanner;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.PlanStats;
import io.gfsload.planner.PlannerConfig;
import java.io.PrintWriter;
import java.time.Clock;
import org.apache.hadoop.conf.Configuration;

/** Plans, tunes and executes one load request against the given services. */
final class LoadRunner {
    private LoadRunner() {}

    static LoadReport run(LoadRequest request, Services services, PrintWriter status) {
        Configuration hadoopConf = new Configuration();
        LoadPlanner planner = new LoadPlanner(services.catalog(), hadoopConf, services.cache()::cachedBlocks, PlannerConfig.defaults());
        LoadPlan plan = planner.plan(request);
        PlanStats stats = plan.stats();
        Settings settings = TuningAdvisor.recommend(new WorkloadProfile(
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory(),
                stats.files(),
                stats.bytesToLoad(),
                stats.medianFileBytes(),
                stats.meanFileBytes()));
        LoadExecutor executor = new LoadExecutor(services.cache(), hadoopConf, settings, ProgressListener.NONE, Clock.systemUTC());
        executor.validate(plan);
        status.printf("Loading %d files, %d blocks, %s (%s already cached) with replication %d%n",
                stats.files(), stats.blocksToLoad(), Sizes.format(stats.bytesToLoad()), Sizes.format(stats.cachedBytes()), request.replication());
        status.flush();
        return executor.execute(plan);
    }
}
