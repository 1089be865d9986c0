package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

/**
 * The address given as the cache master answers, but not as a gfsload cache master: it speaks
 * HTTP (a web server, a proxy, another service), not gfsload's gRPC services. A wrong address,
 * which calling again does not help.
 */
public final class NotACacheMasterException extends CacheException {
    private final String masterTarget;

    public NotACacheMasterException(String masterTarget, Throwable cause) {
        super("%s does not answer as a gfsload cache master (it speaks HTTP, not gfsload's gRPC services)".formatted(masterTarget), cause);
        this.masterTarget = requireNonNull(masterTarget, "masterTarget is null");
    }

    /** {@code host:port} given as the master. */
    public String masterTarget() {
        return masterTarget;
    }
}
