package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.executor.DistributedLoad;
import io.gfsload.executor.Sleeper;
import io.gfsload.planner.InvalidRequestException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import picocli.CommandLine.TypeConversionException;

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
 * @param journalRetentionSetting {@code $GFSLOAD_JOURNAL_RETENTION} as set, when set: see
 *     {@link #journalRetention()}
 * @param masterTimeoutSetting {@code $GFSLOAD_MASTER_TIMEOUT} as set, when set: see
 *     {@link #masterTimeout()}
 * @param clock the time a load's {@code --window} is checked by
 * @param sleeper how a load waits for its window on {@code clock}: a test's fake clock moves its time instead
 */
public record CliEnvironment(Path home, Optional<Path> hiveConfDir, Optional<DistributedLoad.Slices> slices, Map<String, String> hadoopSettings,
        Optional<String> journalRetentionSetting, Optional<String> masterTimeoutSetting, Clock clock, Sleeper sleeper) {
    /** The variable that sets {@link #journalRetention()}. */
    static final String JOURNAL_RETENTION = "GFSLOAD_JOURNAL_RETENTION";
    static final Duration DEFAULT_JOURNAL_RETENTION = Duration.ofDays(14);
    /** The shortest retention: a job killed a moment ago must be able to resume. */
    static final Duration MIN_JOURNAL_RETENTION = Duration.ofHours(1);
    /** The variable that sets {@link #masterTimeout()}. */
    static final String MASTER_TIMEOUT = "GFSLOAD_MASTER_TIMEOUT";
    static final Duration DEFAULT_MASTER_TIMEOUT = Duration.ofSeconds(30);
    /** A master timeout: a whole number of seconds or minutes, a unit required. */
    private static final Pattern TIMEOUT = Pattern.compile("\\d+\\s*(s|sec|seconds?|m|min|minutes?)");
    /** A retention: {@link ExpireTime}'s times, without its milliseconds (a unit required). */
    private static final Pattern RETENTION = Pattern.compile("\\d+\\s*(s|sec|seconds?|m|min|minutes?|h|hours?|d|days?)");

    public CliEnvironment {
        requireNonNull(home, "home is null");
        requireNonNull(hiveConfDir, "hiveConfDir is null");
        requireNonNull(slices, "slices is null");
        hadoopSettings = Map.copyOf(requireNonNull(hadoopSettings, "hadoopSettings is null"));
        requireNonNull(journalRetentionSetting, "journalRetentionSetting is null");
        requireNonNull(masterTimeoutSetting, "masterTimeoutSetting is null");
        requireNonNull(clock, "clock is null");
        requireNonNull(sleeper, "sleeper is null");
    }

    public CliEnvironment(Path home, Optional<Path> hiveConfDir) {
        this(home, hiveConfDir, Optional.empty(), Map.of(), Optional.empty(), Optional.empty(), Clock.systemUTC(), Sleeper.SYSTEM);
    }

    public CliEnvironment(Path home) {
        this(home, Optional.empty());
    }

    /** This environment, with loads run in slices by {@code value}. */
    public CliEnvironment withSlices(DistributedLoad.Slices value) {
        return new CliEnvironment(home, hiveConfDir, Optional.of(value), hadoopSettings, journalRetentionSetting, masterTimeoutSetting, clock, sleeper);
    }

    /** This environment, with {@code value} over the Hadoop site files' settings. */
    public CliEnvironment withHadoopSettings(Map<String, String> value) {
        return new CliEnvironment(home, hiveConfDir, slices, value, journalRetentionSetting, masterTimeoutSetting, clock, sleeper);
    }

    /** This environment, with {@code $GFSLOAD_JOURNAL_RETENTION} set to {@code value}. */
    public CliEnvironment withJournalRetention(String value) {
        return new CliEnvironment(home, hiveConfDir, slices, hadoopSettings, Optional.of(value), masterTimeoutSetting, clock, sleeper);
    }

    /** This environment, with loads checking their window on {@code clock} and waiting for it with {@code sleeper}. */
    public CliEnvironment withClock(Clock clock, Sleeper sleeper) {
        return new CliEnvironment(home, hiveConfDir, slices, hadoopSettings, journalRetentionSetting, masterTimeoutSetting, clock, sleeper);
    }

    /** This environment, with {@code $GFSLOAD_MASTER_TIMEOUT} set to {@code value}. */
    public CliEnvironment withMasterTimeout(String value) {
        return new CliEnvironment(home, hiveConfDir, slices, hadoopSettings, journalRetentionSetting, Optional.of(value), clock, sleeper);
    }

    /**
     * The deadline of each call a load makes to the cache master ({@code $GFSLOAD_MASTER_TIMEOUT},
     * default 30 s): a load whose master answers no call for twice that time stops as for a master
     * that stopped answering. A whole number and a unit, {@code s} or {@code min}, at least 1 s.
     *
     * @throws InvalidRequestException when the variable holds no such time
     */
    public Duration masterTimeout() {
        return duration(MASTER_TIMEOUT, masterTimeoutSetting, DEFAULT_MASTER_TIMEOUT, TIMEOUT,
                "a whole number of seconds or minutes and its unit, s or min, such as 30s", Duration.ofSeconds(1), "at least 1 s");
    }

    /** Where the journals of load jobs are kept: {@code $GFSLOAD_HOME/jobs}. */
    public Path jobsDirectory() {
        return home.resolve("jobs");
    }

    /**
     * How long the journal of a job no run has written for is kept ({@code $GFSLOAD_JOURNAL_RETENTION},
     * default 14 days): a load deletes older ones as it starts. A whole number and a unit, as
     * {@code --expire-time} takes them ({@code 14d}, {@code 36h}); unlike there, a number without a
     * unit, or in milliseconds, is refused, as is less than {@link #MIN_JOURNAL_RETENTION}: either
     * would delete the journals of the loads killed a moment ago.
     *
     * @throws InvalidRequestException when the variable holds no such time
     */
    public Duration journalRetention() {
        // whole seconds at least: milliseconds would delete the journals of loads killed a moment ago, and no unit means them
        return duration(JOURNAL_RETENTION, journalRetentionSetting, DEFAULT_JOURNAL_RETENTION, RETENTION,
                "a whole number and a unit, s, min, h (hour) or d (day), such as 14d", MIN_JOURNAL_RETENTION,
                "at least 1 h, so that a job killed a moment ago can resume");
    }

    /**
     * The time environment variable {@code variable} holds ({@code setting}), {@code defaultValue}
     * when it is not set or blank: a time {@code form} matches (in lower case), read as
     * {@code --expire-time} reads it, of at least {@code least} and at most {@link ExpireTime#MAX}.
     *
     * @param expected what the message of a value {@code form} does not match says is expected
     * @param tooShort what the message of a value of that form shorter than {@code least} (zero included) says
     * @throws InvalidRequestException when the variable holds no such time
     */
    private static Duration duration(String variable, Optional<String> setting, Duration defaultValue, Pattern form, String expected, Duration least,
            String tooShort) {
        if (setting.isEmpty() || setting.get().isBlank()) {
            return defaultValue;
        }
        String value = setting.get();
        InvalidRequestException invalid = new InvalidRequestException("Invalid %s '%s': expected %s".formatted(variable, value, expected));
        Duration time;
        try {
            if (!form.matcher(value.strip().toLowerCase(Locale.ROOT)).matches()) {
                throw invalid;
            }
            time = ExpireTime.parseUnbounded(value);
        }
        catch (TypeConversionException e) {
            throw invalid;
        }
        // a value of the right form: say what is wrong with its length, not what form is expected
        if (time.compareTo(least) < 0) {
            throw new InvalidRequestException("Invalid %s '%s': %s".formatted(variable, value, tooShort));
        }
        if (time.compareTo(ExpireTime.MAX) > 0) {
            throw new InvalidRequestException("Invalid %s '%s': at most 3650 days".formatted(variable, value));
        }
        return time;
    }

    @Override
    public String toString() {
        // the Hadoop settings may hold credentials
        return "CliEnvironment[home=%s, hiveConfDir=%s, slices=%s, %d Hadoop settings, journalRetention=%s, masterTimeout=%s]".formatted(home,
                hiveConfDir, slices.isPresent(), hadoopSettings.size(), journalRetentionSetting, masterTimeoutSetting);
    }

    /**
     * {@code $GFSLOAD_HOME}, or {@code ~/.gfsload}; {@code $HIVE_CONF_DIR}, {@code $GFSLOAD_JOURNAL_RETENTION} and
     * {@code $GFSLOAD_MASTER_TIMEOUT} when set.
     */
    public static CliEnvironment fromSystem(Map<String, String> env, String userHome) {
        String home = env.get("GFSLOAD_HOME");
        String hiveConf = env.get("HIVE_CONF_DIR");
        return new CliEnvironment(
                home == null || home.isBlank() ? Path.of(userHome, ".gfsload") : Path.of(home),
                hiveConf == null || hiveConf.isBlank() ? Optional.empty() : Optional.of(Path.of(hiveConf)),
                Optional.empty(), Map.of(), Optional.ofNullable(env.get(JOURNAL_RETENTION)), Optional.ofNullable(env.get(MASTER_TIMEOUT)),
                Clock.systemUTC(), Sleeper.SYSTEM);
    }
}
