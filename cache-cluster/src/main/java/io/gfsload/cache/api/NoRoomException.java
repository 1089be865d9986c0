package io.gfsload.cache.api;

/**
 * A placement found enough live workers, but too few it can use now: their tiers are full of
 * blocks that cannot be evicted yet (being written, or staged in temp areas), or the writer
 * excluded some (workers it could not reach, which the master still counts live: perhaps
 * restarting). Room comes back as those blocks are committed or their areas committed or deleted,
 * and a worker that restarts takes writes again, so a write may try again after a while. A block
 * larger than every live worker's tier, or more replicas than live workers, is a plain
 * {@link NotEnoughWorkersException}: it never fits.
 */
public class NoRoomException extends NotEnoughWorkersException {
    public NoRoomException(String message, String reason) {
        super(message, reason);
    }
}
