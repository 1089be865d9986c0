package io.gfsload.spark;

import io.gfsload.cli.CliEnvironment;
import io.gfsload.cli.GfsLoad;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import scala.Tuple2;

/**
 * {@code gfsload} as a {@code spark-submit} job: the same arguments and exit codes as the command
 * line; the driver plans (metastore, UFS listing, advisor) and the application's executors load
 * the plan's files, a slice of them each, into the cache cluster of {@code --master}.
 *
 * <pre>
 * spark-submit --class io.gfsload.spark.GfsLoadSparkJob gfsload-spark-job-VERSION-job.jar \
 *     --table db.events --partition dt=2026-11-20 --master cache-master:19998 --metastore thrift://hms:9083
 * </pre>
 *
 * The Spark application starts when the first slice is submitted, once the driver has planned
 * (or, where the configuration does not say how many tasks it runs at once, when planning asks
 * Spark's default parallelism): {@code --help}, {@code --version}, bad input (exit 2), a dry run,
 * {@code plan}, {@code status}, {@code free} and a load with nothing to load do not start it. A successful
 * load returns from {@code main}, as Spark expects of an application that succeeded; any other
 * outcome ends the driver with the command's exit code.
 */
public final class GfsLoadSparkJob {
    private GfsLoadSparkJob() {}

    public static void main(String[] args) {
        // before anything of the job logs: the secrets of the driver's lines hidden, and its executors' as they start
        HiddenSparkLogs.installOrWarn();
        SparkConf conf = withHiddenLogs(new SparkConf().setIfMissing("spark.app.name", "gfsload"));
        int code;
        // the application starts once the command has checked its arguments (help, version and bad input exit without it)
        try (SparkApplication application = new SparkApplication(conf)) {
            CliEnvironment environment = CliEnvironment.fromSystem(System.getenv(), System.getProperty("user.home"))
                    .withSlices(new SparkSlices(application))
                    .withHadoopSettings(hadoopSettings(conf));
            code = GfsLoad.createCommandLine(environment).execute(args);
        }
        if (code != 0) {
            System.exit(code);
        }
    }

    /** {@code conf} with {@link HiddenLogsPlugin} among the application's plugins, after those it names. */
    static SparkConf withHiddenLogs(SparkConf conf) {
        String plugin = HiddenLogsPlugin.class.getName();
        String plugins = conf.get(HiddenLogsPlugin.PLUGINS, "").strip();
        if (Arrays.stream(plugins.split(",")).map(String::strip).noneMatch(plugin::equals)) {
            conf.set(HiddenLogsPlugin.PLUGINS, plugins.isEmpty() ? plugin : plugins + "," + plugin);
        }
        return conf;
    }

    /** The application's {@code spark.hadoop.*} settings, without the prefix, as Spark gives them to Hadoop. */
    static Map<String, String> hadoopSettings(SparkConf conf) {
        Map<String, String> settings = new HashMap<>();
        for (Tuple2<String, String> entry : conf.getAllWithPrefix("spark.hadoop.")) {
            settings.put(entry._1(), entry._2());
        }
        return settings;
    }
}
