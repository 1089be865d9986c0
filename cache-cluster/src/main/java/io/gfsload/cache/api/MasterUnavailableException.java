package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

/**
 * The cache master could not be reached, or stopped answering, during a call to it: its process
 * is down, hung or cut off. Nothing can be placed, committed or looked up until it is back.
 */
public final class MasterUnavailableException extends CacheUnavailableException {
    private final String masterTarget;

    public MasterUnavailableException(String masterTarget, String message, Throwable cause) {
        super(message, cause);
        this.masterTarget = requireNonNull(masterTarget, "masterTarget is null");
    }

    /** {@code host:port} of the master that could not be reached. */
    public String masterTarget() {
        return masterTarget;
    }
}
