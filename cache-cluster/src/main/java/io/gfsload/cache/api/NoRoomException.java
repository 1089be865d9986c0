package io.gfsload.cache.api;

/**
 * A placement found enough live workers, but too few with room for the block now: their tiers
 * are full of blocks that cannot be evicted yet (being written, or staged in temp areas). Room
 * comes back as those blocks are committed or their areas committed or deleted, so a write may
 * try again after a while. A block larger than every live worker's tier is a plain
 * {@link NotEnoughWorkersException}: it never fits.
 */
public class NoRoomException extends NotEnoughWorkersException {
    public NoRoomException(String message, String reason) {
        super(message, reason);
    }
}
