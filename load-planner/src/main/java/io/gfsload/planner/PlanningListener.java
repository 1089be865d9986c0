package io.gfsload.planner;

/**
 * Hears how far a plan has come, so that a caller can show it: the partitions (or paths) selected
 * for listing, and each one listed. Called from the planning thread ({@link #selected}) and from
 * the listing threads ({@link #listed}, {@link #obsolete}) at once: implementations are thread-safe, and quick.
 */
public interface PlanningListener {
    /** Hears nothing. */
    PlanningListener NONE = new PlanningListener() {};

    /** {@code count} more partitions (or paths) were selected and are to be listed. */
    default void selected(int count) {}

    /** One more partition (or path) was listed, or found missing, or could not be listed. */
    default void listed() {}

    /**
     * Of {@code location}, a location of a Hive ACID table (a partition's, or the table's),
     * {@code files} files of {@code bytes} bytes in all are obsolete and not planned: an older
     * base, deltas that a base or a compacted delta replaces, original files under a base (see
     * {@link LoadPlanner}). Called from the listing threads, before {@link #listed()} of the
     * location.
     */
    default void obsolete(String location, int files, long bytes) {}
}
