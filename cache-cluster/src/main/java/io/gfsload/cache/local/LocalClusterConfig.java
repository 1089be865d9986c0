package io.gfsload.cache.local;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.rpc.RpcAuth;
import io.gfsload.cache.worker.EvictionPolicy;
import io.gfsload.cache.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Settings of a {@link LocalCluster}. The three-argument constructor gives the embedded default:
 * one SSD tier per worker in {@code <directory>/worker-<i>}; {@link #builder} gives everything else.
 *
 * @param directory holds the cluster's state: {@code master/} (block metadata),
 *     {@code worker-<i>/} (blocks) and {@code cluster.lock}
 * @param workers number of workers, at least 1
 * @param workerCapacityBytes block quota of each worker in bytes, at least 1; with tiers, the sum
 *     of their quotas
 * @param tiers the tiers of each worker; empty for one SSD tier in {@code <directory>/worker-<i>}
 * @param eviction the workers' eviction policy
 * @param heartbeatInterval how often workers heartbeat; a worker silent for 3 intervals is lost
 * @param token the shared secret every call must carry, if any
 * @param metricsPort port of the cluster's Prometheus endpoint (master and workers together); 0
 *     picks a free port, -1 serves none
 * @param shortCircuitWrites whether the workers let clients on this host write blocks into their
 *     files themselves
 * @param blockFileChecksPerHeartbeat block files each worker checks are still there at each
 *     heartbeat ({@link WorkerConfig#blockFileChecksPerHeartbeat()}); 0 checks none
 */
public record LocalClusterConfig(
        Path directory,
        int workers,
        long workerCapacityBytes,
        List<LocalTier> tiers,
        EvictionPolicy eviction,
        Duration heartbeatInterval,
        Optional<String> token,
        int metricsPort,
        boolean shortCircuitWrites,
        int blockFileChecksPerHeartbeat) {
    public static final int NO_METRICS = -1;

    public LocalClusterConfig {
        requireNonNull(directory, "directory is null");
        requireNonNull(tiers, "tiers is null");
        requireNonNull(eviction, "eviction is null");
        requireNonNull(heartbeatInterval, "heartbeatInterval is null");
        requireNonNull(token, "token is null");
        tiers = List.copyOf(tiers);
        checkArgument(workers >= 1, "workers must be >= 1: %s", workers);
        checkArgument(workerCapacityBytes > 0, "workerCapacityBytes must be > 0: %s", workerCapacityBytes);
        Set<StorageTier> kinds = new HashSet<>();
        for (LocalTier tier : tiers) {
            checkArgument(kinds.add(tier.tier()), "tier %s is configured twice", tier.tier());
        }
        checkArgument(tiers.isEmpty() || tiers.stream().mapToLong(LocalTier::quotaBytesPerWorker).sum()
                == workerCapacityBytes, "workerCapacityBytes must be the sum of the tiers' quotas: %s",
                workerCapacityBytes);
        checkArgument(heartbeatInterval.toMillis() > 0, "heartbeatInterval must be >= 1 ms: %s", heartbeatInterval);
        token.ifPresent(RpcAuth::checkToken);
        checkArgument(metricsPort >= NO_METRICS && metricsPort <= 65535, "metricsPort must be -1 or in [0, 65535]: %s",
                metricsPort);
    }

    /** The embedded default: one SSD tier per worker, LRU, 1 s heartbeats, no token, no metrics, short-circuit writes. */
    public LocalClusterConfig(Path directory, int workers, long workerCapacityBytes) {
        this(directory, workers, workerCapacityBytes, List.of(), EvictionPolicy.lru(), Duration.ofSeconds(1),
                Optional.empty(), NO_METRICS, true, WorkerConfig.DEFAULT_BLOCK_FILE_CHECKS_PER_HEARTBEAT);
    }

    /** A builder of a cluster of one worker in {@code directory}, otherwise as the three-argument constructor. */
    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    /**
     * A tier of every worker of the cluster.
     *
     * @param tier the tier
     * @param root where the workers' directories of this tier go, as {@code <root>/worker-<i>/<tier>};
     *     empty for the cluster directory. A MEM tier belongs on tmpfs, e.g. {@code /dev/shm/gfsload}
     * @param quotaBytesPerWorker each worker's quota on this tier
     */
    public record LocalTier(StorageTier tier, Optional<Path> root, long quotaBytesPerWorker) {
        public LocalTier {
            requireNonNull(tier, "tier is null");
            requireNonNull(root, "root is null");
            checkArgument(quotaBytesPerWorker > 0, "quota of tier %s must be > 0: %s", tier, quotaBytesPerWorker);
        }
    }

    /** Builds a {@link LocalClusterConfig}; not thread-safe. */
    public static final class Builder {
        private final Path directory;
        private int workers = 1;
        private long workerCapacityBytes = 8L << 30;
        private final List<LocalTier> tiers = new ArrayList<>();
        private EvictionPolicy eviction = EvictionPolicy.lru();
        private Duration heartbeatInterval = Duration.ofSeconds(1);
        private Optional<String> token = Optional.empty();
        private int metricsPort = NO_METRICS;
        private boolean shortCircuitWrites = true;
        private int blockFileChecksPerHeartbeat = WorkerConfig.DEFAULT_BLOCK_FILE_CHECKS_PER_HEARTBEAT;

        private Builder(Path directory) {
            this.directory = directory;
        }

        public Builder workers(int workers) {
            this.workers = workers;
            return this;
        }

        /** The quota of the single SSD tier used when no tier is added. */
        public Builder workerCapacityBytes(long workerCapacityBytes) {
            this.workerCapacityBytes = workerCapacityBytes;
            return this;
        }

        /** Adds a tier in the cluster directory. */
        public Builder tier(StorageTier tier, long quotaBytesPerWorker) {
            tiers.add(new LocalTier(tier, Optional.empty(), quotaBytesPerWorker));
            return this;
        }

        /** Adds a tier under {@code root}. */
        public Builder tier(StorageTier tier, Path root, long quotaBytesPerWorker) {
            tiers.add(new LocalTier(tier, Optional.of(root), quotaBytesPerWorker));
            return this;
        }

        public Builder eviction(EvictionPolicy eviction) {
            this.eviction = eviction;
            return this;
        }

        public Builder heartbeatInterval(Duration heartbeatInterval) {
            this.heartbeatInterval = heartbeatInterval;
            return this;
        }

        public Builder token(String token) {
            this.token = Optional.of(token);
            return this;
        }

        public Builder metricsPort(int metricsPort) {
            this.metricsPort = metricsPort;
            return this;
        }

        public Builder shortCircuitWrites(boolean shortCircuitWrites) {
            this.shortCircuitWrites = shortCircuitWrites;
            return this;
        }

        public Builder blockFileChecksPerHeartbeat(int blockFileChecksPerHeartbeat) {
            this.blockFileChecksPerHeartbeat = blockFileChecksPerHeartbeat;
            return this;
        }

        public LocalClusterConfig build() {
            long capacity = tiers.isEmpty() ? workerCapacityBytes
                    : tiers.stream().mapToLong(LocalTier::quotaBytesPerWorker).sum();
            return new LocalClusterConfig(directory, workers, capacity, tiers, eviction, heartbeatInterval, token,
                    metricsPort, shortCircuitWrites, blockFileChecksPerHeartbeat);
        }
    }

    /** The settings, the token hidden. */
    @Override
    public String toString() {
        return RpcAuth.describeWithoutToken(this);
    }
}
