package io.gfsload.cache.client;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Settings of a {@link GrpcCacheClient}.
 *
 * @param chunkBytes largest data message a writer sends
 * @param rpcTimeout deadline of each call to the master and of replica removals
 * @param streamTimeout longest a writer or reader waits for a worker to accept or send the next
 *     chunk, or to confirm a finished block, before it gives up on that worker
 */
public record ClientConfig(int chunkBytes, Duration rpcTimeout, Duration streamTimeout) {
    public static final int DEFAULT_CHUNK_BYTES = 1024 * 1024;
    public static final int MAX_CHUNK_BYTES = 8 * 1024 * 1024;

    public ClientConfig {
        requireNonNull(rpcTimeout, "rpcTimeout is null");
        requireNonNull(streamTimeout, "streamTimeout is null");
        checkArgument(chunkBytes >= 4096 && chunkBytes <= MAX_CHUNK_BYTES, "chunkBytes must be in [4096, %s]: %s",
                MAX_CHUNK_BYTES, chunkBytes);
        checkArgument(rpcTimeout.toMillis() > 0, "rpcTimeout must be >= 1 ms: %s", rpcTimeout);
        checkArgument(streamTimeout.toMillis() > 0, "streamTimeout must be >= 1 ms: %s", streamTimeout);
    }

    /** 1 MiB chunks, 30 s calls, 2 min stream stalls. */
    public static ClientConfig defaults() {
        return new ClientConfig(DEFAULT_CHUNK_BYTES, Duration.ofSeconds(30), Duration.ofMinutes(2));
    }

    public ClientConfig withChunkBytes(int chunkBytes) {
        return new ClientConfig(chunkBytes, rpcTimeout, streamTimeout);
    }

    public ClientConfig withStreamTimeout(Duration streamTimeout) {
        return new ClientConfig(chunkBytes, rpcTimeout, streamTimeout);
    }
}
