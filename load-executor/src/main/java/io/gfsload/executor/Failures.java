package io.gfsload.executor;

import io.gfsload.cache.api.CacheUnavailableException;
import io.gfsload.cache.api.NotEnoughWorkersException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.util.Locale;

/** Tells transient failures, worth a retry, from permanent ones. */
final class Failures {
    private Failures() {}

    /**
     * Transient: timeouts, connection resets, 5xx and throttling answers from the UFS, an
     * unreachable cache worker. Permanent: a file that is gone, denied or changed, and anything
     * that is not I/O.
     */
    static boolean isTransient(Throwable failure) {
        if (failure instanceof FileChangedException || failure instanceof FileNotFoundException || failure instanceof AccessDeniedException
                || failure instanceof NotEnoughWorkersException) {
            return false;
        }
        if (failure instanceof CacheUnavailableException) {
            return true;
        }
        if (failure instanceof IOException) {
            String message = String.valueOf(failure.getMessage()).toLowerCase(Locale.ROOT);
            String type = failure.getClass().getSimpleName();
            return !(message.contains("permission denied") || message.contains("access denied") || message.contains("403")
                    || type.equals("AccessControlException"));
        }
        return failure instanceof io.gfsload.cache.api.CacheException;
    }

    /** Whether the store asked us to slow down: a 503 Slow Down, a 429, a throttling error. */
    static boolean isThrottling(Throwable failure) {
        String message = String.valueOf(failure.getMessage()).toLowerCase(Locale.ROOT);
        return message.contains("503") || message.contains("429") || message.contains("slow down") || message.contains("throttl");
    }

    /** {@code Type: message}, the form reports use. */
    static String describe(Throwable failure) {
        return failure.getClass().getSimpleName() + ": " + failure.getMessage();
    }
}
