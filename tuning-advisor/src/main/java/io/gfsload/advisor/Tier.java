package io.gfsload.advisor;

import static java.util.Objects.requireNonNull;

/**
 * One storage tier of a cache worker.
 *
 * @param medium where the tier keeps blocks
 * @param capacityBytes the tier's quota on one worker
 */
public record Tier(Medium medium, long capacityBytes) {
    /** Storage media of the tiered block store, fastest first. */
    public enum Medium {
        /** RAM (a ramdisk): its quota is memory the worker's reads cannot use. */
        MEM,
        SSD,
        HDD
    }

    public Tier {
        requireNonNull(medium, "medium is null");
        if (capacityBytes < 0) {
            throw new IllegalArgumentException("capacityBytes must be >= 0: " + capacityBytes);
        }
    }
}
