package io.gfsload.executor;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.planner.BlockTask;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many bytes of a load count as loaded, from its {@link ProgressListener} events: a block's
 * bytes count as they are written, the rest of it when it is loaded, and none of an attempt that is
 * abandoned. Each method returns the change to the count. Thread-safe.
 */
public final class LoadedBytes {
    private final Map<BlockKey, Long> inFlight = new ConcurrentHashMap<>();

    /** {@link ProgressListener#blockBytesWritten}: {@code bytes}. */
    public long written(BlockTask block, int bytes) {
        inFlight.merge(block.key(), (long) bytes, Long::sum);
        return bytes;
    }

    /** {@link ProgressListener#blockLoaded}: the rest of the block, beyond the bytes already written of it. */
    public long loaded(BlockTask block) {
        Long written = inFlight.remove(block.key());
        return block.length() - (written == null ? 0 : written);
    }

    /** {@link ProgressListener#blockAbandoned}: minus the bytes written of the block, which a retry writes again. */
    public long abandoned(BlockTask block) {
        Long written = inFlight.remove(block.key());
        return written == null ? 0 : -written;
    }
}
