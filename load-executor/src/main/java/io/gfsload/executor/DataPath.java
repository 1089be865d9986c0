package io.gfsload.executor;

import java.util.Locale;

/**
 * How the bytes of a block get from the UFS into the cache workers.
 */
public enum DataPath {
    /** The executor reads the UFS and streams each block to its replicas' workers. */
    PUSH,
    /**
     * The executor asks a worker to read the block from the UFS itself, which forwards it to the
     * other replicas' workers as it reads it: the bytes do not pass through the executor. The workers need their
     * own access to the UFS (gfsload.cache.worker.ufs.* settings or their core-site.xml).
     */
    PULL,
    /**
     * Pull while the workers can read the UFS; once a worker says it cannot (no file system for
     * the scheme, no access, an older worker), push for the rest of the load.
     */
    AUTO;

    /** What a failure of a pull because the workers cannot read the UFS adds, in parentheses: what pull needs, and the other way. */
    public static final String PULL_NEEDS_ACCESS = "--data-path pull needs the workers' own access to the UFS: gfsload.cache.worker.ufs.* settings "
            + "or their core-site.xml; --data-path push reads it here";

    /** The data path named {@code name}: push, pull or auto, in any case. */
    public static DataPath parse(String name) {
        try {
            return valueOf(name.strip().toUpperCase(Locale.ROOT));
        }
        catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'%s' is not a data path: expected push, pull or auto".formatted(name), e);
        }
    }

    /** {@code push}, {@code pull} or {@code auto}, as the command line and reports name it. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
