package io.gfsload.spark;

import java.util.Map;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * The Spark plugin ({@code spark.plugins}) that hides the secrets of an executor's log lines
 * ({@link HiddenSparkLogs}) as the executor starts, before it runs a task of the job. The driver
 * hides its own as the job's {@code main} starts.
 */
public final class HiddenLogsPlugin implements SparkPlugin {
    /** Spark's setting that names its plugins, comma-separated. */
    static final String PLUGINS = "spark.plugins";

    /** Called by Spark, which makes its plugins by their class names. */
    public HiddenLogsPlugin() {}

    @Override
    public DriverPlugin driverPlugin() {
        return null;
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            @Override
            public void init(PluginContext context, Map<String, String> extraConf) {
                HiddenSparkLogs.installOrWarn();
            }
        };
    }
}
