package io.gfsload.cache.worker;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of a {@link CacheWorker}; build with {@link #builder}.
 *
 * @param workerId stable id; a worker restarted with the same id and directory serves the blocks
 *     it held
 * @param blockDirectory where block files live; created when missing
 * @param capacityBytes quota for block data in bytes
 * @param masterTarget {@code host:port} of the master
 * @param host address the worker's gRPC server binds to and advertises
 * @param port port to bind; 0 picks a free port
 * @param heartbeatInterval time between heartbeats to the master
 * @param checksumSegmentBytes bytes covered by each stored checksum; a read verifies whole segments
 * @param readChunkBytes largest data message a read sends
 */
public record WorkerConfig(
        String workerId,
        Path blockDirectory,
        long capacityBytes,
        String masterTarget,
        String host,
        int port,
        Duration heartbeatInterval,
        int checksumSegmentBytes,
        int readChunkBytes) {
    public static final int DEFAULT_CHUNK_BYTES = 1024 * 1024;
    /** Keeps data messages well under the servers' and clients' inbound message limit. */
    public static final int MAX_CHUNK_BYTES = 8 * 1024 * 1024;

    public WorkerConfig {
        requireNonNull(workerId, "workerId is null");
        requireNonNull(blockDirectory, "blockDirectory is null");
        requireNonNull(masterTarget, "masterTarget is null");
        requireNonNull(host, "host is null");
        requireNonNull(heartbeatInterval, "heartbeatInterval is null");
        checkArgument(!workerId.isEmpty(), "workerId is empty");
        checkArgument(capacityBytes >= 0, "capacityBytes must be >= 0: %s", capacityBytes);
        checkArgument(!masterTarget.isEmpty(), "masterTarget is empty");
        checkArgument(!host.isEmpty(), "host is empty");
        checkArgument(port >= 0 && port <= 65535, "port must be in [0, 65535]: %s", port);
        checkArgument(!heartbeatInterval.isNegative() && !heartbeatInterval.isZero(),
                "heartbeatInterval must be > 0: %s", heartbeatInterval);
        checkArgument(checksumSegmentBytes >= 4096 && checksumSegmentBytes <= MAX_CHUNK_BYTES,
                "checksumSegmentBytes must be in [4096, %s]: %s", MAX_CHUNK_BYTES, checksumSegmentBytes);
        checkArgument(readChunkBytes >= 4096 && readChunkBytes <= MAX_CHUNK_BYTES,
                "readChunkBytes must be in [4096, %s]: %s", MAX_CHUNK_BYTES, readChunkBytes);
    }

    /** A builder with loopback, an ephemeral port, 1 s heartbeats and 1 MiB segments and chunks. */
    public static Builder builder(String workerId, Path blockDirectory, long capacityBytes, String masterTarget) {
        return new Builder(workerId, blockDirectory, capacityBytes, masterTarget);
    }

    /** Builds a {@link WorkerConfig}; not thread-safe. */
    public static final class Builder {
        private final String workerId;
        private final Path blockDirectory;
        private final long capacityBytes;
        private final String masterTarget;
        private String host = "127.0.0.1";
        private int port;
        private Duration heartbeatInterval = Duration.ofSeconds(1);
        private int checksumSegmentBytes = DEFAULT_CHUNK_BYTES;
        private int readChunkBytes = DEFAULT_CHUNK_BYTES;

        private Builder(String workerId, Path blockDirectory, long capacityBytes, String masterTarget) {
            this.workerId = workerId;
            this.blockDirectory = blockDirectory;
            this.capacityBytes = capacityBytes;
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

        public WorkerConfig build() {
            return new WorkerConfig(workerId, blockDirectory, capacityBytes, masterTarget, host, port,
                    heartbeatInterval, checksumSegmentBytes, readChunkBytes);
        }
    }
}
