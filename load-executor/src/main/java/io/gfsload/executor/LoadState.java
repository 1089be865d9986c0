package io.gfsload.executor;

/** The outcome of a load. */
public enum LoadState {
    /** Every planned block is cached with the requested replication. */
    SUCCEEDED,
    /** Some files failed; the others are cached. */
    PARTIAL,
    /** Nothing could be cached. */
    FAILED
}
