package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

/**
 * The address given as the cache master answers, but not as a gfsload cache master: it speaks
 * HTTP (a web server, a proxy, another service), not gfsload's gRPC services, or gRPC without the
 * master's service (a cache worker's address, another gRPC service). A wrong address, which
 * calling again does not help.
 */
public final class NotACacheMasterException extends CacheException {
    private final String masterTarget;

    public NotACacheMasterException(String masterTarget, Throwable cause) {
        this(masterTarget, "it speaks HTTP, not gfsload's gRPC services", cause);
    }

    /** @param what what the address answers instead, as the message says it in parentheses */
    public NotACacheMasterException(String masterTarget, String what, Throwable cause) {
        super("%s does not answer as a gfsload cache master (%s)".formatted(masterTarget, what), cause);
        this.masterTarget = requireNonNull(masterTarget, "masterTarget is null");
    }

    /** {@code host:port} given as the master. */
    public String masterTarget() {
        return masterTarget;
    }
}
