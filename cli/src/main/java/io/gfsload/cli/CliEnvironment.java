package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.executor.DistributedLoad;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What the command line takes from its surroundings, read once at start-up.
 *
 * @param home the gfsload home: embedded cluster, embedded metastore and demo data live here
 * @param hiveConfDir a Hive configuration directory whose {@code hive-site.xml} may name the
 *     metastore to use when {@code --metastore} is not given
 * @param slices where loads run when not in this process: the executors of the Spark job the
 *     command runs in; empty for the command line
 * @param hadoopSettings Hadoop settings over those of the site files (a Spark job's
 *     {@code spark.hadoop.*}): the UFS is listed and read with them
 */
public record CliEnvironment(Path home, Optional<Path> hiveConfDir, Optional<DistributedLoad.Slices> slices, Map<String, String> hadoopSettings) {
    public CliEnvironment {
        requireNonNull(home, "home is null");
        requireNonNull(hiveConfDir, "hiveConfDir is null");
        requireNonNull(slices, "slices is null");
        hadoopSettings = Map.copyOf(requireNonNull(hadoopSettings, "hadoopSettings is null"));
    }

    public CliEnvironment(Path home, Optional<Path> hiveConfDir) {
        this(home, hiveConfDir, Optional.empty(), Map.of());
    }

    public CliEnvironment(Path home) {
        this(home, Optional.empty());
    }

    /** This environment, with loads run in slices by {@code value}. */
    public CliEnvironment withSlices(DistributedLoad.Slices value) {
        return new CliEnvironment(home, hiveConfDir, Optional.of(value), hadoopSettings);
    }

    /** This environment, with {@code value} over the Hadoop site files' settings. */
    public CliEnvironment withHadoopSettings(Map<String, String> value) {
        return new CliEnvironment(home, hiveConfDir, slices, value);
    }

    @Override
    public String toString() {
        // the Hadoop settings may hold credentials
        return "CliEnvironment[home=%s, hiveConfDir=%s, slices=%s, %d Hadoop settings]".formatted(home, hiveConfDir, slices.isPresent(),
                hadoopSettings.size());
    }

    /** {@code $GFSLOAD_HOME}, or {@code ~/.gfsload}; {@code $HIVE_CONF_DIR} when set. */
    public static CliEnvironment fromSystem(Map<String, String> env, String userHome) {
        String home = env.get("GFSLOAD_HOME");
        String hiveConf = env.get("HIVE_CONF_DIR");
        return new CliEnvironment(
                home == null || home.isBlank() ? Path.of(userHome, ".gfsload") : Path.of(home),
                hiveConf == null || hiveConf.isBlank() ? Optional.empty() : Optional.of(Path.of(hiveConf)));
    }
}
