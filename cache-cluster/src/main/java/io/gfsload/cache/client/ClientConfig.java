package io.gfsload.cache.client;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.gfsload.cache.rpc.RpcAuth;
import java.time.Duration;
import java.util.Optional;

/**
 * Settings of a {@link GrpcCacheClient}.
 *
 * @param chunkBytes largest data message a writer sends
 * @param rpcTimeout deadline of each call to the master and of replica removals
 * @param streamTimeout longest a writer or reader waits for a worker to accept or send the next
 *     chunk, or to confirm a finished block, before it gives up on that worker
 * @param maxWorkerChannels most worker connections the client keeps open ({@code client.pool.max});
 *     past it, the least recently used one is closed once its calls end
 * @param token the shared secret every call carries, if the cluster asks for one
 * @param shortCircuitWrites whether a writer whose replicas are all on workers of this host writes
 *     the block straight into their tier directories (when the workers allow it and the directories
 *     are writable here) instead of streaming it over gRPC
 * @param domainSockets whether the client talks to a worker of this host over the Unix domain
 *     socket the worker serves on, when it serves on one that is reachable here, instead of TCP
 */
public record ClientConfig(int chunkBytes, Duration rpcTimeout, Duration streamTimeout, int maxWorkerChannels,
        Optional<String> token, boolean shortCircuitWrites, boolean domainSockets) {
    public static final int DEFAULT_CHUNK_BYTES = 2 * 1024 * 1024;
    public static final int MAX_CHUNK_BYTES = 8 * 1024 * 1024;
    public static final int DEFAULT_MAX_WORKER_CHANNELS = 64;

    public ClientConfig {
        requireNonNull(rpcTimeout, "rpcTimeout is null");
        requireNonNull(streamTimeout, "streamTimeout is null");
        requireNonNull(token, "token is null");
        checkArgument(chunkBytes >= 4096 && chunkBytes <= MAX_CHUNK_BYTES, "chunkBytes must be in [4096, %s]: %s",
                MAX_CHUNK_BYTES, chunkBytes);
        checkArgument(rpcTimeout.toMillis() > 0, "rpcTimeout must be >= 1 ms: %s", rpcTimeout);
        checkArgument(streamTimeout.toMillis() > 0, "streamTimeout must be >= 1 ms: %s", streamTimeout);
        checkArgument(maxWorkerChannels >= 1, "maxWorkerChannels must be >= 1: %s", maxWorkerChannels);
        token.ifPresent(RpcAuth::checkToken);
    }

    /** Settings with the default connection pool, no token, short-circuit writes and domain sockets. */
    public ClientConfig(int chunkBytes, Duration rpcTimeout, Duration streamTimeout) {
        this(chunkBytes, rpcTimeout, streamTimeout, DEFAULT_MAX_WORKER_CHANNELS, Optional.empty(), true, true);
    }

    /**
     * 2 MiB chunks, 30 s calls, 2 min stream stalls, at most 64 worker connections, no token,
     * short-circuit writes to workers of this host and their domain sockets.
     */
    public static ClientConfig defaults() {
        return new ClientConfig(DEFAULT_CHUNK_BYTES, Duration.ofSeconds(30), Duration.ofMinutes(2));
    }

    public ClientConfig withChunkBytes(int chunkBytes) {
        return new ClientConfig(chunkBytes, rpcTimeout, streamTimeout, maxWorkerChannels, token, shortCircuitWrites, domainSockets);
    }

    public ClientConfig withStreamTimeout(Duration streamTimeout) {
        return new ClientConfig(chunkBytes, rpcTimeout, streamTimeout, maxWorkerChannels, token, shortCircuitWrites, domainSockets);
    }

    public ClientConfig withRpcTimeout(Duration rpcTimeout) {
        return new ClientConfig(chunkBytes, rpcTimeout, streamTimeout, maxWorkerChannels, token, shortCircuitWrites, domainSockets);
    }

    public ClientConfig withMaxWorkerChannels(int maxWorkerChannels) {
        return new ClientConfig(chunkBytes, rpcTimeout, streamTimeout, maxWorkerChannels, token, shortCircuitWrites, domainSockets);
    }

    public ClientConfig withToken(Optional<String> token) {
        return new ClientConfig(chunkBytes, rpcTimeout, streamTimeout, maxWorkerChannels, token, shortCircuitWrites, domainSockets);
    }

    public ClientConfig withShortCircuitWrites(boolean shortCircuitWrites) {
        return new ClientConfig(chunkBytes, rpcTimeout, streamTimeout, maxWorkerChannels, token, shortCircuitWrites, domainSockets);
    }

    public ClientConfig withDomainSockets(boolean domainSockets) {
        return new ClientConfig(chunkBytes, rpcTimeout, streamTimeout, maxWorkerChannels, token, shortCircuitWrites, domainSockets);
    }

    /** The settings, the token hidden. */
    @Override
    public String toString() {
        return RpcAuth.describeWithoutToken(this);
    }
}
