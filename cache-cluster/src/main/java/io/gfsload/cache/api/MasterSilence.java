package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The cache master has not answered a client for {@code silentFor}: a call to it failed for want
 * of an answer (it could not be reached, or its deadline passed), and none has been answered since
 * that call started. A master paused (SIGSTOP, a long GC pause) or on a host that died without
 * closing its connections looks so to every caller until it answers again.
 *
 * @param masterTarget {@code host:port} of the master
 * @param silentFor since the start of the first call that failed after the last answer
 * @param limit how long a silence the client's users wait for before they give the master up:
 *     twice the client's deadline of a master call, so that a call started once the master is
 *     back has its whole deadline to be answered
 */
public record MasterSilence(String masterTarget, Duration silentFor, Duration limit) {
    public MasterSilence {
        requireNonNull(masterTarget, "masterTarget is null");
        requireNonNull(silentFor, "silentFor is null");
        requireNonNull(limit, "limit is null");
    }

    /** Whether the silence has lasted {@link #limit} or longer: the master is given up. */
    public boolean exceeded() {
        return silentFor.compareTo(limit) >= 0;
    }

    /** The failure to report once the silence is {@link #exceeded}. */
    public MasterUnavailableException failure() {
        return new MasterUnavailableException(masterTarget, "The cache master at %s has not answered for %d s (at most %d s are waited for)"
                .formatted(masterTarget, silentFor.toSeconds(), limit.toSeconds()), null);
    }
}
