package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

/** Fewer live workers with room than the requested replication. */
public class NotEnoughWorkersException extends CacheException {
    private final String reason;

    public NotEnoughWorkersException(String message) {
        this(message, message);
    }

    /**
     * @param message what failed and why, e.g. {@code Placing block b at master m failed: ...}
     * @param reason why alone, as the master put it, e.g. {@code only 1 live worker: each of 2
     *     replicas needs a worker of its own}
     */
    public NotEnoughWorkersException(String message, String reason) {
        super(message);
        this.reason = requireNonNull(reason, "reason is null");
    }

    /** Why the block could not be placed, without the call that failed. */
    public String reason() {
        return reason;
    }
}
