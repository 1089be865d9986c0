package io.gfsload.cache.worker;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.CacheException;

/** A worker's block store refused or failed an operation; {@link #kind()} says how. */
public class BlockStoreException extends CacheException {
    /** What went wrong, which decides the status a caller sees. */
    public enum Kind {
        /** The request itself is wrong: a bad block id or length, or a stream of the wrong size. */
        INVALID_REQUEST,
        /** The worker does not hold the block. */
        NOT_FOUND,
        /** The block does not fit in the worker's free space. */
        NO_SPACE,
        /** A stored block does not match its checksums or its header. */
        CORRUPT,
        /** The file system failed. */
        IO_FAILURE,
    }

    private final Kind kind;
    private final boolean diskFull;
    /** The copy of the block found {@link Kind#CORRUPT}, 0 when not known. */
    private final long copy;

    public BlockStoreException(Kind kind, String message) {
        super(message);
        this.kind = requireNonNull(kind, "kind is null");
        this.diskFull = false;
        this.copy = 0;
    }

    public BlockStoreException(Kind kind, String message, Throwable cause) {
        this(kind, message, cause, false, 0);
    }

    private BlockStoreException(Kind kind, String message, Throwable cause, boolean diskFull, long copy) {
        super(message, cause);
        this.kind = requireNonNull(kind, "kind is null");
        this.diskFull = diskFull;
        this.copy = copy;
    }

    /** A {@link Kind#CORRUPT} failure of copy {@code copy} of a stored block (see {@link BlockStore}), the one read. */
    static BlockStoreException corrupt(String message, long copy, Throwable cause) {
        return new BlockStoreException(Kind.CORRUPT, message, cause, false, copy);
    }

    /** {@code failure}, a {@link Kind#CORRUPT} one, as found in copy {@code copy} of its block; any other failure as it is. */
    static BlockStoreException ofCopy(BlockStoreException failure, long copy) {
        return failure.kind == Kind.CORRUPT && failure.copy == 0 ? corrupt(failure.getMessage(), copy, failure.getCause()) : failure;
    }

    /**
     * The copy of the block found corrupt, so that only that copy is deleted, not one another write
     * stored since; 0 when not known.
     */
    long copy() {
        return copy;
    }

    /** A {@code NO_SPACE} failure of a write that the file system refused for want of room. */
    static BlockStoreException diskFull(String message, Throwable cause) {
        return new BlockStoreException(Kind.NO_SPACE, message, cause, true, 0);
    }

    /** Whether this is a write the file system refused for want of room ({@link Kind#NO_SPACE}), rather than one the quota had no room for. */
    public boolean diskFull() {
        return diskFull;
    }

    public Kind kind() {
        return kind;
    }
}
