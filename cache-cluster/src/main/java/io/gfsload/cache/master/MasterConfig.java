package io.gfsload.cache.master;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.gfsload.cache.rpc.RpcAuth;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Settings of a {@link CacheMaster}.
 *
 * @param metadataDirectory the RocksDB directory holding block metadata and temp areas; created
 *     when missing
 * @param host address the gRPC server binds to
 * @param port port the gRPC server binds to; 0 picks a free port
 * @param heartbeatInterval how often workers are expected to heartbeat; also how often the master
 *     looks for lost workers and expired temp areas
 * @param missedHeartbeatsBeforeLost a worker whose last heartbeat is older than this many
 *     intervals is lost: not placed on and not reported as a block location
 * @param token the shared secret every call must carry, if any
 * @param metricsPort port of the Prometheus endpoint; 0 picks a free port, -1 serves none
 * @param metadataMemory the memory and write-ahead log the metadata's RocksDB may hold
 */
public record MasterConfig(
        Path metadataDirectory,
        String host,
        int port,
        Duration heartbeatInterval,
        int missedHeartbeatsBeforeLost,
        Optional<String> token,
        int metricsPort,
        MetadataMemory metadataMemory) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(1);
    public static final int DEFAULT_MISSED_HEARTBEATS_BEFORE_LOST = 3;
    public static final int NO_METRICS = -1;
    /**
     * Heartbeat intervals a placement of a block that is not committed counts against its worker's
     * room at most; see {@link #unreportedPlacementExpiry}.
     */
    public static final int UNREPORTED_PLACEMENT_HEARTBEATS = 10;

    public MasterConfig {
        requireNonNull(metadataDirectory, "metadataDirectory is null");
        requireNonNull(host, "host is null");
        requireNonNull(heartbeatInterval, "heartbeatInterval is null");
        requireNonNull(token, "token is null");
        requireNonNull(metadataMemory, "metadataMemory is null");
        checkArgument(!host.isEmpty(), "host is empty");
        checkArgument(port >= 0 && port <= 65535, "port must be in [0, 65535]: %s", port);
        checkArgument(!heartbeatInterval.isNegative() && !heartbeatInterval.isZero(),
                "heartbeatInterval must be > 0: %s", heartbeatInterval);
        checkArgument(missedHeartbeatsBeforeLost >= 1, "missedHeartbeatsBeforeLost must be >= 1: %s",
                missedHeartbeatsBeforeLost);
        token.ifPresent(RpcAuth::checkToken);
        checkArgument(metricsPort >= NO_METRICS && metricsPort <= 65535, "metricsPort must be -1 or in [0, 65535]: %s",
                metricsPort);
    }

    /** Settings with the default metadata memory. */
    public MasterConfig(Path metadataDirectory, String host, int port, Duration heartbeatInterval,
            int missedHeartbeatsBeforeLost, Optional<String> token, int metricsPort) {
        this(metadataDirectory, host, port, heartbeatInterval, missedHeartbeatsBeforeLost, token, metricsPort,
                MetadataMemory.DEFAULT);
    }

    /** Settings without a token and without metrics. */
    public MasterConfig(Path metadataDirectory, String host, int port, Duration heartbeatInterval,
            int missedHeartbeatsBeforeLost) {
        this(metadataDirectory, host, port, heartbeatInterval, missedHeartbeatsBeforeLost, Optional.empty(), NO_METRICS);
    }

    /** Loopback, an ephemeral port, 1 s heartbeats, lost after 3 missed ones, no token, no metrics. */
    public static MasterConfig defaults(Path metadataDirectory) {
        return new MasterConfig(metadataDirectory, DEFAULT_HOST, 0, DEFAULT_HEARTBEAT_INTERVAL,
                DEFAULT_MISSED_HEARTBEATS_BEFORE_LOST);
    }

    public MasterConfig withHost(String host) {
        return new MasterConfig(metadataDirectory, host, port, heartbeatInterval, missedHeartbeatsBeforeLost, token,
                metricsPort, metadataMemory);
    }

    public MasterConfig withPort(int port) {
        return new MasterConfig(metadataDirectory, host, port, heartbeatInterval, missedHeartbeatsBeforeLost, token,
                metricsPort, metadataMemory);
    }

    public MasterConfig withHeartbeatInterval(Duration heartbeatInterval) {
        return new MasterConfig(metadataDirectory, host, port, heartbeatInterval, missedHeartbeatsBeforeLost, token,
                metricsPort, metadataMemory);
    }

    public MasterConfig withMissedHeartbeatsBeforeLost(int missedHeartbeatsBeforeLost) {
        return new MasterConfig(metadataDirectory, host, port, heartbeatInterval, missedHeartbeatsBeforeLost, token,
                metricsPort, metadataMemory);
    }

    public MasterConfig withToken(Optional<String> token) {
        return new MasterConfig(metadataDirectory, host, port, heartbeatInterval, missedHeartbeatsBeforeLost, token,
                metricsPort, metadataMemory);
    }

    public MasterConfig withMetricsPort(int metricsPort) {
        return new MasterConfig(metadataDirectory, host, port, heartbeatInterval, missedHeartbeatsBeforeLost, token,
                metricsPort, metadataMemory);
    }

    public MasterConfig withMetadataMemory(MetadataMemory metadataMemory) {
        return new MasterConfig(metadataDirectory, host, port, heartbeatInterval, missedHeartbeatsBeforeLost, token,
                metricsPort, metadataMemory);
    }

    /**
     * How long a placement of a block that is not committed counts against its worker's free room
     * at most: {@value #UNREPORTED_PLACEMENT_HEARTBEATS} heartbeat intervals. A write begins right
     * after its placement and the worker's heartbeats report the room it holds from then on; a
     * block committed stops counting with the worker's next heartbeat.
     */
    public Duration unreportedPlacementExpiry() {
        return heartbeatInterval.multipliedBy(UNREPORTED_PLACEMENT_HEARTBEATS);
    }

    /** How long after its last heartbeat a worker counts as lost. */
    public Duration lostAfter() {
        return heartbeatInterval.multipliedBy(missedHeartbeatsBeforeLost);
    }

    /** The settings, the token hidden. */
    @Override
    public String toString() {
        return RpcAuth.describeWithoutToken(this);
    }
}
