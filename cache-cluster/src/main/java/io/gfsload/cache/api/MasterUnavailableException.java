package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;

/**
 * The cache master could not be reached, or stopped answering, during a call to it: its process
 * is down, hung or cut off. Nothing can be placed, committed or looked up until it is back.
 */
public final class MasterUnavailableException extends CacheUnavailableException {
    private final String masterTarget;
    private final Optional<Duration> unansweredWithin;

    public MasterUnavailableException(String masterTarget, String message, Throwable cause) {
        this(masterTarget, message, Optional.empty(), cause);
    }

    /**
     * @param unansweredWithin the deadline of a call the master did not answer (it took the
     *     connection, or its socket did, and said nothing), empty when it could not be reached
     */
    public MasterUnavailableException(String masterTarget, String message, Optional<Duration> unansweredWithin, Throwable cause) {
        super(message, cause);
        this.masterTarget = requireNonNull(masterTarget, "masterTarget is null");
        this.unansweredWithin = requireNonNull(unansweredWithin, "unansweredWithin is null");
    }

    /** The deadline of the call the master did not answer, when that is why it failed. */
    public Optional<Duration> unansweredWithin() {
        return unansweredWithin;
    }

    /** {@code host:port} of the master that could not be reached. */
    public String masterTarget() {
        return masterTarget;
    }
}
