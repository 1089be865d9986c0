package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

/**
 * A worker asked to pull a block from the under file system ({@link CacheClient#pullBlock}) could
 * not read it; {@link #reason} says why. Nothing of the block is stored.
 */
public class UfsPullException extends CacheException {
    /** Why the worker could not pull the block. */
    public enum Reason {
        /** The file is not the version named: its length or modification time differs, or it ended early. */
        CHANGED,
        /** The file is gone. */
        NOT_FOUND,
        /**
         * The worker cannot read the file's directory of the UFS: no file system for its scheme,
         * outside the prefixes it pulls from, or a worker that does not pull blocks (an older one).
         * Pushing the block may still work.
         */
        UNREADABLE,
        /**
         * The store refused the worker this file (its permissions, an access policy): the worker
         * may still read the other files of its directory. Pushing the block may still work.
         */
        DENIED,
        /** The read failed (the store answered an error, the copy from another worker broke); another try may work. */
        FAILED
    }

    private final Reason reason;

    public UfsPullException(String message, Reason reason, Throwable cause) {
        super(message, cause);
        this.reason = requireNonNull(reason, "reason is null");
    }

    public Reason reason() {
        return reason;
    }
}
