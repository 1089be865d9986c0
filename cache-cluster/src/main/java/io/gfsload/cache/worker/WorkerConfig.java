package io.gfsload.cache.worker;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.rpc.RpcAuth;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Settings of a {@link CacheWorker}; build with {@link #builder}.
 *
 * @param workerId stable id; a worker restarted with the same id and directories serves the
 *     blocks of its persistent tiers again
 * @param tiers the storage tiers, at most one of each kind, each with its directories and quotas
 * @param masterTarget {@code host:port} of the master
 * @param host address the worker's gRPC server binds to and advertises
 * @param port port to bind; 0 picks a free port
 * @param heartbeatInterval time between heartbeats to the master
 * @param checksumSegmentBytes bytes covered by each stored checksum; a read verifies whole
 *     segments, so this is also the read buffer of a stream
 * @param readChunkBytes largest data message a read sends, or a pull forwards to another worker's
 *     replica ({@code reader.buffer-size}); a pull's buffer on one stream
 * @param maxBlockBytes the largest block a write may announce; longer ones are refused
 * @param eviction which blocks a full tier directory gives up first
 * @param token the shared secret every call to and from the worker carries, if any
 * @param metricsPort port of the worker's Prometheus endpoint; 0 picks a free port, -1 serves none
 * @param shortCircuitWrites whether clients on the same host may write blocks straight into a
 *     temp file of a tier directory (OpenLocalWrite), the worker verifying and storing them
 * @param blockFileChecksPerHeartbeat block files whose presence each heartbeat checks, in a round
 *     over all blocks, so that a file deleted behind the worker's back is reported to the master;
 *     0 checks none (a missing file is then noticed only when the block is read or stat'ed)
 * @param removedBlocksPerHeartbeat deleted blocks one heartbeat reports at most, the oldest first;
 *     the rest go with the next heartbeats
 * @param domainSocketDirectory where the worker also serves on a Unix domain socket, for clients
 *     on its host ({@link io.gfsload.cache.rpc.DomainSockets}); empty serves on TCP only
 * @param ufsProperties Hadoop properties the worker reads the UFS with when a client asks it to
 *     pull a block (over the {@code core-site.xml} on its class path): the store's endpoint and
 *     credentials; their values never appear in {@link #toString}
 * @param pullAllowed the URI prefixes of the files the worker pulls blocks from ({@code
 *     cosn://bucket/warehouse/}, {@code file:/data/}); {@code *} allows every file; empty, every
 *     file but the local ones ({@code file:}), so that a client cannot have the worker read the
 *     files of its host
 * @param orphanedWriteTimeout how long a short-circuit write may stay idle once the connection it
 *     was opened on has closed (its client most likely killed) before the worker aborts it and
 *     frees the room it holds
 */
public record WorkerConfig(
        String workerId,
        List<TierConfig> tiers,
        String masterTarget,
        String host,
        int port,
        Duration heartbeatInterval,
        int checksumSegmentBytes,
        int readChunkBytes,
        long maxBlockBytes,
        EvictionPolicy eviction,
        Optional<String> token,
        int metricsPort,
        boolean shortCircuitWrites,
        int blockFileChecksPerHeartbeat,
        int removedBlocksPerHeartbeat,
        Optional<Path> domainSocketDirectory,
        Map<String, String> ufsProperties,
        List<String> pullAllowed,
        Duration orphanedWriteTimeout) {
    /** {@link #pullAllowed} of a worker that pulls from every file. */
    public static final String PULL_ANY = "*";
    public static final int DEFAULT_CHUNK_BYTES = 1024 * 1024;
    /** Keeps data messages well under the servers' and clients' inbound message limit. */
    public static final int MAX_CHUNK_BYTES = 8 * 1024 * 1024;
    public static final long DEFAULT_MAX_BLOCK_BYTES = BlockStore.DEFAULT_MAX_BLOCK_BYTES;
    public static final int NO_METRICS = -1;
    /** A stat each: a worker of 100,000 blocks notices a deleted block file within 100 heartbeats. */
    public static final int DEFAULT_BLOCK_FILE_CHECKS_PER_HEARTBEAT = 1_000;
    /**
     * 100,000 block ids of at most 45 bytes each and their copy numbers, about 6 MiB, well within a
     * message's 64 MiB, and deletions the master forgets in one metadata write. A worker that deleted
     * more since its last heartbeat (evicted millions of small blocks, or deleted its MEM tier as it
     * stops) reports the rest with the next heartbeats.
     */
    public static final int DEFAULT_REMOVED_BLOCKS_PER_HEARTBEAT = 100_000;
    /** Where a worker's domain socket goes by default: the system's temporary directory, short and shared. */
    public static final Path DEFAULT_DOMAIN_SOCKET_DIRECTORY = Path.of(System.getProperty("java.io.tmpdir"));
    /**
     * Long enough for a client whose connection broke to carry on writing its temp file and commit
     * on a new one; short enough that the room a killed load held comes back within a minute.
     */
    public static final Duration DEFAULT_ORPHANED_WRITE_TIMEOUT = Duration.ofSeconds(30);

    public WorkerConfig {
        requireNonNull(workerId, "workerId is null");
        requireNonNull(tiers, "tiers is null");
        requireNonNull(masterTarget, "masterTarget is null");
        requireNonNull(host, "host is null");
        requireNonNull(heartbeatInterval, "heartbeatInterval is null");
        requireNonNull(eviction, "eviction is null");
        requireNonNull(token, "token is null");
        requireNonNull(domainSocketDirectory, "domainSocketDirectory is null");
        ufsProperties = Map.copyOf(requireNonNull(ufsProperties, "ufsProperties is null"));
        pullAllowed = List.copyOf(requireNonNull(pullAllowed, "pullAllowed is null"));
        requireNonNull(orphanedWriteTimeout, "orphanedWriteTimeout is null");
        checkArgument(!workerId.isEmpty(), "workerId is empty");
        checkArgument(!tiers.isEmpty(), "worker %s has no tier", workerId);
        tiers = tiers.stream().sorted(Comparator.comparing(TierConfig::tier)).toList();
        Set<StorageTier> kinds = new HashSet<>();
        Set<Path> paths = new HashSet<>();
        for (TierConfig tier : tiers) {
            checkArgument(kinds.add(tier.tier()), "worker %s has two %s tiers", workerId, tier.tier());
            for (TierConfig.Directory directory : tier.directories()) {
                checkArgument(paths.add(directory.path()), "worker %s uses directory %s twice", workerId,
                        directory.path());
            }
        }
        checkArgument(!masterTarget.isEmpty(), "masterTarget is empty");
        checkArgument(!host.isEmpty(), "host is empty");
        checkArgument(port >= 0 && port <= 65535, "port must be in [0, 65535]: %s", port);
        checkArgument(!heartbeatInterval.isNegative() && !heartbeatInterval.isZero(),
                "heartbeatInterval must be > 0: %s", heartbeatInterval);
        checkArgument(!orphanedWriteTimeout.isNegative() && !orphanedWriteTimeout.isZero(),
                "orphanedWriteTimeout must be > 0: %s", orphanedWriteTimeout);
        checkArgument(checksumSegmentBytes >= 4096 && checksumSegmentBytes <= MAX_CHUNK_BYTES,
                "checksumSegmentBytes must be in [4096, %s]: %s", MAX_CHUNK_BYTES, checksumSegmentBytes);
        checkArgument(readChunkBytes >= 4096 && readChunkBytes <= MAX_CHUNK_BYTES,
                "readChunkBytes must be in [4096, %s]: %s", MAX_CHUNK_BYTES, readChunkBytes);
        checkArgument(maxBlockBytes > 0, "maxBlockBytes must be > 0: %s", maxBlockBytes);
        token.ifPresent(RpcAuth::checkToken);
        checkArgument(metricsPort >= NO_METRICS && metricsPort <= 65535, "metricsPort must be -1 or in [0, 65535]: %s",
                metricsPort);
        checkArgument(blockFileChecksPerHeartbeat >= 0, "blockFileChecksPerHeartbeat must be >= 0: %s", blockFileChecksPerHeartbeat);
        checkArgument(removedBlocksPerHeartbeat >= 1, "removedBlocksPerHeartbeat must be >= 1: %s", removedBlocksPerHeartbeat);
    }

    /** The first directory of the fastest tier; a single-directory worker's block directory. */
    public Path blockDirectory() {
        return tiers.get(0).directories().get(0).path();
    }

    /** The sum of every tier's quota. */
    public long capacityBytes() {
        return tiers.stream().mapToLong(TierConfig::capacityBytes).sum();
    }

    /**
     * The settings that shape the worker's reads, writes, heartbeats and eviction, for its start
     * log line and {@code gfsload cluster status}: {@code reader buffer 1 MiB, checksum segment
     * 1 MiB, max block 2 GiB, heartbeat every 1s, short-circuit writes on, eviction LRU, pulls from
     * any file but local ones}. Never the token, nor the UFS properties.
     */
    public String describeSettings() {
        return "reader buffer " + describeBytes(readChunkBytes)
                + ", checksum segment " + describeBytes(checksumSegmentBytes)
                + ", max block " + describeBytes(maxBlockBytes)
                + ", heartbeat every " + describeDuration(heartbeatInterval)
                + ", short-circuit writes " + (shortCircuitWrites ? "on" : "off")
                + ", domain socket " + (domainSocketDirectory.isPresent() ? "on" : "off")
                + ", eviction " + (eviction.kind() == EvictionPolicy.Kind.LRU ? "LRU"
                        : "LRFU (lambda " + eviction.lambda() + ")")
                + ", pulls from " + (pullAllowed.contains(PULL_ANY) ? "any file" : pullAllowed.isEmpty() ? "any file but local ones"
                        : String.join(", ", pullAllowed));
    }

    /** {@code 4 KiB}, {@code 1 MiB}, {@code 2 GiB}: exact, in the largest unit that divides it; else bytes. */
    private static String describeBytes(long bytes) {
        String[] units = {"TiB", "GiB", "MiB", "KiB"};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << (40 - 10 * i);
            if (bytes >= unit && bytes % unit == 0) {
                return bytes / unit + " " + units[i];
            }
        }
        return bytes + " bytes";
    }

    /** {@code 500ms}, {@code 1s}: as the configuration writes it. */
    private static String describeDuration(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    /**
     * A builder of a worker with one SSD tier in {@code blockDirectory}, on loopback, an ephemeral
     * port, 1 s heartbeats, 1 MiB segments and chunks, LRU eviction, no token, no metrics,
     * short-circuit writes allowed and a domain socket in the system's temporary directory.
     */
    public static Builder builder(String workerId, Path blockDirectory, long capacityBytes, String masterTarget) {
        return new Builder(workerId, List.of(TierConfig.of(StorageTier.SSD, blockDirectory, capacityBytes)),
                masterTarget);
    }

    /** As {@link #builder(String, Path, long, String)}, with the given tiers. */
    public static Builder builder(String workerId, List<TierConfig> tiers, String masterTarget) {
        return new Builder(workerId, tiers, masterTarget);
    }

    /** Builds a {@link WorkerConfig}; not thread-safe. */
    public static final class Builder {
        private final String workerId;
        private final List<TierConfig> tiers;
        private final String masterTarget;
        private String host = "127.0.0.1";
        private int port;
        private Duration heartbeatInterval = Duration.ofSeconds(1);
        private int checksumSegmentBytes = DEFAULT_CHUNK_BYTES;
        private int readChunkBytes = DEFAULT_CHUNK_BYTES;
        private long maxBlockBytes = DEFAULT_MAX_BLOCK_BYTES;
        private EvictionPolicy eviction = EvictionPolicy.lru();
        private Optional<String> token = Optional.empty();
        private int metricsPort = NO_METRICS;
        private boolean shortCircuitWrites = true;
        private int blockFileChecksPerHeartbeat = DEFAULT_BLOCK_FILE_CHECKS_PER_HEARTBEAT;
        private int removedBlocksPerHeartbeat = DEFAULT_REMOVED_BLOCKS_PER_HEARTBEAT;
        private Optional<Path> domainSocketDirectory = Optional.of(DEFAULT_DOMAIN_SOCKET_DIRECTORY);
        private Map<String, String> ufsProperties = Map.of();
        private List<String> pullAllowed = List.of();
        private Duration orphanedWriteTimeout = DEFAULT_ORPHANED_WRITE_TIMEOUT;

        private Builder(String workerId, List<TierConfig> tiers, String masterTarget) {
            this.workerId = workerId;
            this.tiers = tiers;
            this.masterTarget = masterTarget;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder heartbeatInterval(Duration heartbeatInterval) {
            this.heartbeatInterval = heartbeatInterval;
            return this;
        }

        public Builder checksumSegmentBytes(int checksumSegmentBytes) {
            this.checksumSegmentBytes = checksumSegmentBytes;
            return this;
        }

        public Builder readChunkBytes(int readChunkBytes) {
            this.readChunkBytes = readChunkBytes;
            return this;
        }

        public Builder maxBlockBytes(long maxBlockBytes) {
            this.maxBlockBytes = maxBlockBytes;
            return this;
        }

        public Builder eviction(EvictionPolicy eviction) {
            this.eviction = eviction;
            return this;
        }

        public Builder token(Optional<String> token) {
            this.token = token;
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

        /** Where the worker also serves on a Unix domain socket; empty serves on TCP only. */
        public Builder domainSocketDirectory(Optional<Path> domainSocketDirectory) {
            this.domainSocketDirectory = requireNonNull(domainSocketDirectory, "domainSocketDirectory is null");
            return this;
        }

        /** The Hadoop properties the worker reads the UFS with, over those of its class path. */
        public Builder ufsProperties(Map<String, String> ufsProperties) {
            this.ufsProperties = Map.copyOf(ufsProperties);
            return this;
        }

        /** The URI prefixes of the files the worker pulls from ({@link WorkerConfig#pullAllowed}). */
        public Builder pullAllowed(List<String> pullAllowed) {
            this.pullAllowed = List.copyOf(pullAllowed);
            return this;
        }

        /** How long an orphaned short-circuit write may stay idle ({@link WorkerConfig#orphanedWriteTimeout}). */
        public Builder orphanedWriteTimeout(Duration orphanedWriteTimeout) {
            this.orphanedWriteTimeout = requireNonNull(orphanedWriteTimeout, "orphanedWriteTimeout is null");
            return this;
        }

        public Builder blockFileChecksPerHeartbeat(int blockFileChecksPerHeartbeat) {
            this.blockFileChecksPerHeartbeat = blockFileChecksPerHeartbeat;
            return this;
        }

        public Builder removedBlocksPerHeartbeat(int removedBlocksPerHeartbeat) {
            this.removedBlocksPerHeartbeat = removedBlocksPerHeartbeat;
            return this;
        }

        public WorkerConfig build() {
            return new WorkerConfig(workerId, tiers, masterTarget, host, port, heartbeatInterval, checksumSegmentBytes,
                    readChunkBytes, maxBlockBytes, eviction, token, metricsPort, shortCircuitWrites, blockFileChecksPerHeartbeat,
                    removedBlocksPerHeartbeat, domainSocketDirectory, ufsProperties, pullAllowed, orphanedWriteTimeout);
        }
    }

    /** The settings, the token hidden. */
    @Override
    public String toString() {
        return RpcAuth.describeWithoutToken(this);
    }
}
