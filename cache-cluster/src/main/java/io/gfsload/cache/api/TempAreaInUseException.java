package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Another run of the job renewed its temp area recently: it is still going, and an open or
 * adoption of the area by this run ({@link TempAreas#openTempArea(String, Duration, TempAreaRun)})
 * was refused rather than have two runs stage into, commit and end one area. A run that died
 * stops renewing; the area can be adopted once the other run has not renewed it for {@link
 * #aliveWindow()}.
 */
public class TempAreaInUseException extends CacheException {
    private final Duration renewedAgo;
    private final Duration aliveWindow;

    /**
     * @param renewedAgo how long before the refused call the other run last opened or renewed the area
     * @param aliveWindow how long after its last renewal the other run is taken as still going
     */
    public TempAreaInUseException(String message, Duration renewedAgo, Duration aliveWindow) {
        this(message, renewedAgo, aliveWindow, null);
    }

    public TempAreaInUseException(String message, Duration renewedAgo, Duration aliveWindow, Throwable cause) {
        super(message, cause);
        this.renewedAgo = requireNonNull(renewedAgo, "renewedAgo is null");
        this.aliveWindow = requireNonNull(aliveWindow, "aliveWindow is null");
    }

    /** How long before the refused call the other run last opened or renewed the area. */
    public Duration renewedAgo() {
        return renewedAgo;
    }

    /** How long after its last renewal the other run is taken as still going: two of its renewal periods. */
    public Duration aliveWindow() {
        return aliveWindow;
    }
}
