package io.gfsload.executor;

import io.gfsload.cache.api.CacheUnavailableException;
import io.gfsload.cache.api.Counts;
import io.gfsload.cache.api.EvictedBeforeCommitException;
import io.gfsload.cache.api.MasterUnavailableException;
import io.gfsload.cache.api.NoRoomException;
import io.gfsload.cache.api.NotEnoughWorkersException;
import io.gfsload.cache.api.TempAreaNotFoundException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Tells transient failures, worth a retry, from permanent ones. */
final class Failures {
    /** An HTTP 403 status in a message: the number alone, not digits of a longer number (a path, an id). */
    private static final Pattern FORBIDDEN = Pattern.compile("\\b403\\b");
    /**
     * An HTTP 503 or 429 status in a message, as {@link #FORBIDDEN}: the number alone, not digits of
     * a longer number (a date partition's {@code dt=20250312}, a part file's {@code part-00429}, an
     * offset).
     */
    private static final Pattern THROTTLED = Pattern.compile("\\b(?:503|429)\\b");
    /** What {@code java.io} says of a file the process may not open: {@code /data/d/f.bin (Permission denied)}. */
    private static final Pattern OPEN_DENIED = Pattern.compile("(.+) \\(Permission denied\\)");

    private Failures() {}

    /**
     * Transient: timeouts, connection resets, 5xx and throttling answers from the UFS, an
     * unreachable cache worker, workers without room for a block now, a block a worker evicted
     * before its commit reached the master. Permanent: a file that is gone, denied or changed, and anything
     * that is not I/O.
     */
    static boolean isTransient(Throwable failure) {
        if (failure instanceof NoRoomException) {
            // the workers' room comes back as the blocks being written are committed
            return true;
        }
        if (failure instanceof EvictedBeforeCommitException) {
            // a worker evicted the block before its commit reached the master: writing it again stores a new copy
            return true;
        }
        if (failure instanceof FileChangedException || failure instanceof FileNotFoundException || failure instanceof AccessDeniedException
                || failure instanceof NotEnoughWorkersException) {
            return false;
        }
        if (failure instanceof CacheUnavailableException) {
            return true;
        }
        if (failure instanceof TempAreaNotFoundException) {
            // the job's temp area expired or was aborted: a block staged again has no area to go to
            return false;
        }
        if (failure instanceof IOException) {
            String message = String.valueOf(failure.getMessage()).toLowerCase(Locale.ROOT);
            String type = failure.getClass().getSimpleName();
            return !(message.contains("permission denied") || message.contains("access denied") || FORBIDDEN.matcher(message).find()
                    || type.equals("AccessControlException"));
        }
        return failure instanceof io.gfsload.cache.api.CacheException;
    }

    /** How the message of a file changed since it was planned starts ({@link FileChangedException}). */
    static final String CHANGED = "File changed since it was planned: ";
    /** What {@link #describe} adds to the message of a file gone since it was planned. */
    static final String GONE = " (deleted since it was planned?)";
    /** What follows the reason a file changed or is gone when its blocks of the planned version could not be uncached. */
    static final String STAYS_CACHED = "; its blocks stay cached under the planned identity: ";

    /**
     * Whether {@code failure} says that the file changed since it was planned or is no longer
     * there: no run of the job loads that version of it again.
     */
    static boolean isChangedOrGone(Throwable failure) {
        return failure instanceof FileChangedException || failure instanceof FileNotFoundException && isMissing(failure.getMessage());
    }

    /**
     * Whether {@code failure}, a failed file's as reported, says that the file changed or is gone
     * and that none of its blocks of the planned version stays cached: the load uncached them, or
     * they were not cached ({@link FileReport#plannedVersionUncached}).
     */
    static boolean changedOrGoneAndUncached(Throwable failure) {
        return isChangedOrGone(failure) && !(failure instanceof FileChangedException.StaysCached);
    }

    /**
     * Whether the message of a {@link FileNotFoundException} says that the file is not there,
     * rather than, say, that it cannot be opened ({@code /d/x (Permission denied)}).
     */
    private static boolean isMissing(String message) {
        String lower = String.valueOf(message).toLowerCase(Locale.ROOT);
        return message != null && (lower.contains("does not exist") || lower.contains("no such file") || lower.contains("not found"));
    }

    /**
     * Whether the store asked us to slow down: a 503 Slow Down, a 429, a throttling error; not a
     * failure whose message has those digits within a path or an offset, which would have the
     * adaptive controller lower the reads at once for a connection reset.
     */
    static boolean isThrottling(Throwable failure) {
        String message = String.valueOf(failure.getMessage()).toLowerCase(Locale.ROOT);
        return THROTTLED.matcher(message).find() || message.contains("slow down") || message.contains("throttl");
    }

    /** How a report says that the cache master at {@code masterTarget} could not be reached: {@code the cache master at HOST:PORT stopped answering}. */
    static String masterStopped(String masterTarget) {
        return "the cache master at %s stopped answering".formatted(masterTarget);
    }

    /** Whether a report's stop reason is {@link #masterStopped}'s. */
    static boolean isMasterStopped(String reason) {
        return reason != null && reason.startsWith("the cache master at ") && reason.endsWith(" stopped answering");
    }

    /** Why a load stopped as the JVM stopped (SIGINT, SIGTERM): files not attempted, scopes not committed. */
    static final String JVM_STOPPING = "the load stopped as the JVM did (SIGINT or SIGTERM)";

    /**
     * Why a run of atomic job {@code jobId} stopped when another run of the job, which renewed the
     * area {@code renewedAgo} ago, adopted its temp area (a renewal of this run was refused): {@code
     * the temp area of atomic job J was adopted by another run of it (from another gfsload home or
     * host), which renewed it 12 s ago: this run stopped, and left what it staged to that run,
     * neither committing nor deleting it}.
     */
    static String tempAreaTaken(String jobId, Duration renewedAgo) {
        return ("the temp area of atomic job %s was adopted by another run of it (from another gfsload home or host), which renewed it %s ago: "
                + "this run stopped, and left what it staged to that run, neither committing nor deleting it").formatted(jobId, Counts.of(renewedAgo));
    }

    /** Whether a report's stop reason says that the job's temp area is gone, or another run's ({@link TempAreaRenewal#lost()}). */
    static boolean isTempAreaLost(String reason) {
        return reason != null && reason.startsWith("the temp area of atomic job ")
                && (reason.endsWith("; its staged blocks were deleted: run the same command again")
                        || reason.endsWith(": this run stopped, and left what it staged to that run, neither committing nor deleting it"));
    }

    /** Whether {@code failure} or one of its causes says that the job's temp area is not open on the master (expired or aborted). */
    static boolean isTempAreaNotFound(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof TempAreaNotFoundException) {
                return true;
            }
        }
        return false;
    }

    /** The failure of the master in {@code failure} or its causes, if any. */
    static Optional<MasterUnavailableException> masterUnavailable(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof MasterUnavailableException master) {
                return Optional.of(master);
            }
        }
        return Optional.empty();
    }

    /**
     * The form reports use: a master that stopped answering as {@link #masterStopped}, without the
     * call's status; gfsload's own failures by their message, which says what happened
     * ({@code File changed since it was planned: ...}); a file that is gone by the file system's
     * words and the likely cause ({@code File file:/data/x does not exist (deleted since it was
     * planned?)}); a file the process may not read as {@code permission denied: /data/x}, as a
     * directory that cannot be listed is reported, rather than the words of {@code java.io}
     * ({@code FileNotFoundException: /data/x (Permission denied)}, Hadoop's local file system) or
     * {@code java.nio} ({@code AccessDeniedException: /data/x}, the path alone); others as
     * {@code Type: message}, since the type of a file system's exception says much (an object
     * store's {@code AccessDeniedException} with its own reason).
     */
    static String describe(Throwable failure) {
        if (failure instanceof MasterUnavailableException master) {
            return masterStopped(master.masterTarget());
        }
        if (failure instanceof FileNotFoundException && isMissing(failure.getMessage())) {
            // "File file:/d/x does not exist", "File does not exist: /d/x": the type adds nothing
            return failure.getMessage().strip() + GONE;
        }
        if (failure instanceof FileNotFoundException && failure.getMessage() != null) {
            Matcher denied = OPEN_DENIED.matcher(failure.getMessage().strip());
            if (denied.matches()) {
                return "permission denied: " + denied.group(1);
            }
        }
        if (failure instanceof AccessDeniedException denied && denied.getReason() == null && denied.getFile() != null) {
            // the path alone: the type is the reason
            return "permission denied: " + denied.getFile();
        }
        if (failure instanceof NotEnoughWorkersException notEnough) {
            // the master's reason says it all; the call and the block id that failed add nothing for the file
            return notEnough.reason();
        }
        return failure.getClass().getName().startsWith("io.gfsload.") && failure.getMessage() != null
                ? failure.getMessage()
                : failure.getClass().getSimpleName() + ": " + failure.getMessage();
    }
}
