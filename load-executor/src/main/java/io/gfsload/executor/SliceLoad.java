package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.advisor.Settings;
import io.gfsload.cache.client.ClientConfig;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PartitionLoad;
import io.gfsload.planner.PlanStats;
import java.io.Serializable;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;

/**
 * One slice of a load, loaded in another process (a Spark executor) on its own: files of the plan,
 * grouped by their partitions, and what that process needs to load them: the cache master and its
 * token, the Hadoop settings of the UFS, the tuned settings and the executor's options. Serialized
 * to the process; its {@link #toString} leaves out the token and the Hadoop settings, which may
 * hold credentials.
 *
 * @param index the slice's place among the slices of its load
 * @param masterTarget the cache master, {@code host:port}
 * @param token the cluster's token, or {@code null} for a cluster without one
 * @param hadoopConf the Hadoop settings the UFS is read with
 * @param settings the settings the advisor derived for the load
 * @param replication replicas per block
 * @param blockSize the plan's block size
 * @param partitions the slice's files, by partition, in plan order
 * @param options the executor's options, the slice's share of the load's bounds (active files,
 *     bandwidth)
 */
public record SliceLoad(int index, String masterTarget, String token, Map<String, String> hadoopConf, Settings settings, int replication,
        long blockSize, List<PartitionLoad> partitions, Options options) implements Serializable {
    /**
     * The serializable part of {@link ExecutorOptions} a slice runs with; no load window, which the
     * load that sends the slice would have to wait for as a whole.
     *
     * @param bandwidthBytesPerSecond 0 when not limited
     * @param atomic the atomic load's options, in the temp area of the load that sends the slice;
     *     {@code null} for a load that is not atomic
     */
    public record Options(int activeFiles, long bandwidthBytesPerSecond, int maxAttempts, Duration initialBackoff, Duration maxBackoff,
            int failureMaxFiles, double failureMaxFraction, AtomicOptions atomic) implements Serializable {
        ExecutorOptions executorOptions() {
            return new ExecutorOptions(activeFiles, bandwidthBytesPerSecond > 0 ? OptionalLong.of(bandwidthBytesPerSecond) : OptionalLong.empty(),
                    maxAttempts, initialBackoff, maxBackoff, failureMaxFiles, failureMaxFraction, Optional.ofNullable(atomic), Optional.empty());
        }
    }

    public SliceLoad {
        requireNonNull(masterTarget, "masterTarget is null");
        hadoopConf = new TreeMap<>(requireNonNull(hadoopConf, "hadoopConf is null"));
        requireNonNull(settings, "settings is null");
        partitions = List.copyOf(requireNonNull(partitions, "partitions is null"));
        requireNonNull(options, "options is null");
        if (partitions.isEmpty()) {
            throw new IllegalArgumentException("a slice without partitions");
        }
    }

    /** The slice as a plan of its own: its partitions' files, planned as the load planned them. */
    LoadPlan plan() {
        return new LoadPlan(new LoadRequest(new LoadTarget.Paths(partitions.stream().map(PartitionLoad::location).distinct().toList()), replication),
                blockSize, partitions, List.of(), PlanStats.of(partitions));
    }

    /** Loads the slice's files into the cache cluster, in this process, and reports on them. */
    public LoadReport load() {
        Configuration conf = new Configuration();
        hadoopConf.forEach(conf::set);
        try (GrpcCacheClient cache = GrpcCacheClient.connect(masterTarget, ClientConfig.defaults().withToken(Optional.ofNullable(token)))) {
            return new LoadExecutor(cache, conf, settings, options.executorOptions(), ProgressListener.NONE, Clock.systemUTC()).execute(plan());
        }
    }

    @Override
    public String toString() {
        long files = partitions.stream().mapToLong(partition -> partition.files().size()).sum();
        return "SliceLoad[index=%d, master=%s, %d partitions, %d files, replication=%d]".formatted(index, masterTarget, partitions.size(), files,
                replication);
    }
}
