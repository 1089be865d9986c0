package io.gfsload.cache.api;

/**
 * A storage tier of a worker, fastest first: {@link #MEM} (a tmpfs directory; its blocks do not
 * survive a worker restart), {@link #SSD}, {@link #HDD}.
 */
public enum StorageTier {
    MEM,
    SSD,
    HDD;

    /** Whether blocks on this tier survive a worker restart. */
    public boolean persistent() {
        return this != MEM;
    }
}
