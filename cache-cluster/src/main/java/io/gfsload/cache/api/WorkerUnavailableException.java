package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

/**
 * A worker could not be reached, or stopped answering, during a call to it. Callers may place
 * their next writes elsewhere ({@link WriteOptions#excluding}) before the master notices that the
 * worker is lost.
 */
public final class WorkerUnavailableException extends CacheUnavailableException {
    private final String workerId;

    public WorkerUnavailableException(String workerId, String message, Throwable cause) {
        super(message, cause);
        this.workerId = requireNonNull(workerId, "workerId is null");
    }

    /** The id of the worker that could not be reached. */
    public String workerId() {
        return workerId;
    }
}
