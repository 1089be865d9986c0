package io.gfsload.cache.rpc;

import io.gfsload.cache.api.BlockNotFoundException;
import io.gfsload.cache.api.CacheAuthenticationException;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CacheUnavailableException;
import io.gfsload.cache.api.NoRoomException;
import io.gfsload.cache.api.NotEnoughWorkersException;
import io.gfsload.cache.api.TempAreaInUseException;
import io.gfsload.cache.api.TempAreaNotFoundException;
import io.gfsload.cache.api.UfsPullException;
import io.gfsload.cache.proto.ItemError;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;

/**
 * The error contract between servers and clients: which gRPC status a failure travels as, and
 * which {@link CacheException} a client turns it back into.
 *
 * <p>A status code alone is ambiguous ({@code FAILED_PRECONDITION} has several causes), so the
 * servers also put a {@link #ERROR_KIND} trailer on the failures a client must tell apart.
 */
public final class RpcErrors {
    /** Trailer naming the kind of a failure when the status code alone does not. */
    public static final Metadata.Key<String> ERROR_KIND =
            Metadata.Key.of("gfsload-error-kind", Metadata.ASCII_STRING_MARSHALLER);

    /** {@link #ERROR_KIND} of a placement that found fewer live workers with room than replicas. */
    public static final String NOT_ENOUGH_WORKERS = "not-enough-workers";

    /**
     * {@link #ERROR_KIND} of a placement that found enough workers that could hold the block, but
     * too few with room now.
     */
    public static final String NO_ROOM = "no-room";

    /** {@link #ERROR_KIND} of a call naming a temp area that is not open. */
    public static final String TEMP_AREA_NOT_FOUND = "temp-area-not-found";

    /** {@link #ERROR_KIND} of an open of a temp area that another run of the job still renews. */
    public static final String TEMP_AREA_IN_USE = "temp-area-in-use";

    /** {@link #ERROR_KIND} of a pull whose UFS file is not the version named, or is shorter than its range. */
    public static final String UFS_FILE_CHANGED = "ufs-file-changed";

    /** {@link #ERROR_KIND} of a pull whose UFS file is gone. */
    public static final String UFS_FILE_NOT_FOUND = "ufs-file-not-found";

    /** {@link #ERROR_KIND} of a pull from a UFS the worker cannot read: no file system for its scheme, or outside the prefixes it pulls from. */
    public static final String UFS_UNREADABLE = "ufs-unreadable";

    /** {@link #ERROR_KIND} of a pull of a UFS file the store refused the worker (its permissions): other files may be readable. */
    public static final String UFS_FILE_DENIED = "ufs-file-denied";

    /** {@link #ERROR_KIND} (with {@code ABORTED}) of a pull whose read of the UFS, or copy from another worker, failed. */
    public static final String PULL_SOURCE_FAILED = "pull-source-failed";

    /** Why a pull failed, by the {@link #ERROR_KIND} of its failure. */
    private static final java.util.Map<String, UfsPullException.Reason> PULL_FAILURES = java.util.Map.of(
            UFS_FILE_CHANGED, UfsPullException.Reason.CHANGED,
            UFS_FILE_NOT_FOUND, UfsPullException.Reason.NOT_FOUND,
            UFS_UNREADABLE, UfsPullException.Reason.UNREADABLE,
            UFS_FILE_DENIED, UfsPullException.Reason.DENIED,
            PULL_SOURCE_FAILED, UfsPullException.Reason.FAILED);

    /**
     * Trailer of a pull that failed because a worker it forwarded the block to failed
     * ({@code PullBlockRequest.forward_to}): that worker's id. The status code and
     * {@link #ERROR_KIND} are that worker's.
     */
    public static final Metadata.Key<String> FAILED_WORKER =
            Metadata.Key.of("gfsload-failed-worker", Metadata.ASCII_STRING_MARSHALLER);

    /** Trailer of a {@link #TEMP_AREA_IN_USE} failure: how long ago the other run renewed the area, in milliseconds. */
    public static final Metadata.Key<String> RENEWED_MILLIS_AGO =
            Metadata.Key.of("gfsload-renewed-millis-ago", Metadata.ASCII_STRING_MARSHALLER);

    /** Trailer of a {@link #TEMP_AREA_IN_USE} failure: how long after its last renewal the other run is taken as going, in milliseconds. */
    public static final Metadata.Key<String> ALIVE_WINDOW_MILLIS =
            Metadata.Key.of("gfsload-alive-window-millis", Metadata.ASCII_STRING_MARSHALLER);

    /** How Netty says that an answer to the HTTP/2 preface is not an HTTP/2 frame, before the hex of its first 5 bytes. */
    private static final String NOT_HTTP_2_FIRST_BYTES = "First received frame was not SETTINGS. Hex dump for first 5 bytes: ";

    /** {@code HTTP/} in hex: an HTTP/1.x status line. */
    private static final String HTTP_1_FIRST_BYTES = "485454502f";

    /**
     * {@code <} in hex: an HTML page without a status line, as a server that takes the preface
     * ({@code PRI * HTTP/2.0}) for an HTTP/0.9 request answers it (Python's {@code http.server}).
     */
    private static final String HTML_FIRST_BYTE = "3c";

    private RpcErrors() {}

    /** A status exception with {@code message} as its description. */
    public static StatusRuntimeException status(Status.Code code, String message) {
        return Status.fromCode(code).withDescription(message).asRuntimeException();
    }

    /** A status exception with {@code message} as its description and {@code kind} in its {@link #ERROR_KIND} trailer. */
    public static StatusRuntimeException status(Status.Code code, String kind, String message) {
        Metadata trailers = new Metadata();
        trailers.put(ERROR_KIND, kind);
        return Status.fromCode(code).withDescription(message).asRuntimeException(trailers);
    }

    /** The failure of a placement that found too few live workers with room. */
    public static StatusRuntimeException notEnoughWorkers(String message) {
        return status(Status.Code.FAILED_PRECONDITION, NOT_ENOUGH_WORKERS, message);
    }

    /** The failure of a placement that found enough workers whose tiers could hold the block, but too few with room now. */
    public static StatusRuntimeException noRoom(String message) {
        return status(Status.Code.FAILED_PRECONDITION, NO_ROOM, message);
    }

    /** A worker's refusal of a block it has no room for now (its tier is full of blocks it cannot evict yet). */
    public static StatusRuntimeException workerNoRoom(String message) {
        return status(Status.Code.RESOURCE_EXHAUSTED, NO_ROOM, message);
    }

    /** The failure of a call naming a job whose temp area is not open. */
    public static StatusRuntimeException tempAreaNotFound(String message) {
        return status(Status.Code.NOT_FOUND, TEMP_AREA_NOT_FOUND, message);
    }

    /** The refusal of an open of a temp area that another run of the job still renews. */
    public static StatusRuntimeException tempAreaInUse(TempAreaInUseException refusal) {
        Metadata trailers = new Metadata();
        trailers.put(ERROR_KIND, TEMP_AREA_IN_USE);
        trailers.put(RENEWED_MILLIS_AGO, Long.toString(refusal.renewedAgo().toMillis()));
        trailers.put(ALIVE_WINDOW_MILLIS, Long.toString(refusal.aliveWindow().toMillis()));
        return Status.FAILED_PRECONDITION.withDescription(refusal.getMessage()).asRuntimeException(trailers);
    }

    /**
     * The api exception for a failed call.
     *
     * @param action what was attempted, naming the block, worker or master, e.g. {@code "Reading
     *     block 1f..-0 from worker worker-1 (127.0.0.1:4567)"}; the message is {@code "<action>
     *     failed: <description> (<status code>)"}
     * @param failure what the call failed with, usually a {@link StatusRuntimeException}
     */
    public static CacheException toCacheException(String action, Throwable failure) {
        Status status = Status.fromThrowable(failure);
        if (status.getCode() == Status.Code.UNKNOWN && status.getDescription() == null) {
            return new CacheException(action + " failed: " + failure, failure);
        }
        String description = status.getDescription() != null ? status.getDescription() : describe(status);
        String message = action + " failed: " + description + " (" + status.getCode() + ")";
        Metadata trailers = Status.trailersFromThrowable(failure);
        String kind = trailers == null ? null : trailers.get(ERROR_KIND);
        UfsPullException.Reason pullFailure = kind == null ? null : PULL_FAILURES.get(kind);
        if (pullFailure != null) {
            return new UfsPullException(message, pullFailure, failure);
        }
        switch (status.getCode()) {
            case UNAVAILABLE:
            case DEADLINE_EXCEEDED:
                return new CacheUnavailableException(message, failure);
            case NOT_FOUND:
                if (TEMP_AREA_NOT_FOUND.equals(kind)) {
                    return withCause(new TempAreaNotFoundException(message), failure);
                }
                return withCause(new BlockNotFoundException(message), failure);
            case UNAUTHENTICATED:
                return withCause(new CacheAuthenticationException(message), failure);
            case RESOURCE_EXHAUSTED:
                if (NO_ROOM.equals(kind)) {
                    return withCause(new NoRoomException(message, description), failure);
                }
                return new CacheException(message, failure);
            case FAILED_PRECONDITION:
                if (NOT_ENOUGH_WORKERS.equals(kind)) {
                    return withCause(new NotEnoughWorkersException(message, description), failure);
                }
                if (NO_ROOM.equals(kind)) {
                    return withCause(new NoRoomException(message, description), failure);
                }
                if (TEMP_AREA_IN_USE.equals(kind)) {
                    return new TempAreaInUseException(message, millis(trailers, RENEWED_MILLIS_AGO), millis(trailers, ALIVE_WINDOW_MILLIS), failure);
                }
                return new CacheException(message, failure);
            default:
                return new CacheException(message, failure);
        }
    }

    /**
     * Whether {@code failure} says that the server answered HTTP but not gRPC: an HTTP/2 server's
     * error page ({@code HTTP status code 404}, an {@code invalid content-type}), or an HTTP/1.x
     * server's answer to the HTTP/2 preface (a first frame that is {@code HTTP/...}, or an error
     * page without a status line, {@code <!DOCTYPE HTML>...}). A gRPC
     * proxy's {@code 502}, {@code 503} or {@code 504} (its backend down) is not: that is a
     * server that may be back.
     */
    public static boolean answeredHttpNotGrpc(Throwable failure) {
        Status status = Status.fromThrowable(failure);
        String description = status.getDescription() == null ? "" : status.getDescription();
        if (description.startsWith("HTTP status code ")) {
            return status.getCode() != Status.Code.UNAVAILABLE;
        }
        if (description.startsWith("invalid content-type")) {
            return true;
        }
        if (status.getCode() == Status.Code.INTERNAL || status.getCode() == Status.Code.UNAVAILABLE) {
            // Netty's "First received frame was not SETTINGS. Hex dump for first 5 bytes: 485454502f" ("HTTP/")
            for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
                String message = cause.getMessage();
                int dump = message == null ? -1 : message.indexOf(NOT_HTTP_2_FIRST_BYTES);
                if (dump >= 0) {
                    String firstBytes = message.substring(dump + NOT_HTTP_2_FIRST_BYTES.length());
                    if (firstBytes.startsWith(HTTP_1_FIRST_BYTES) || firstBytes.startsWith(HTML_FIRST_BYTE)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The failure of one item of a batch call, as the single call would have failed. */
    public static ItemError itemError(StatusRuntimeException failure) {
        Status status = failure.getStatus();
        Metadata trailers = failure.getTrailers();
        String kind = trailers == null ? null : trailers.get(ERROR_KIND);
        ItemError.Builder error = ItemError.newBuilder()
                .setCode(status.getCode().value())
                .setMessage(status.getDescription() != null ? status.getDescription() : describe(status));
        if (kind != null) {
            error.setKind(kind);
        }
        String failedWorker = trailers == null ? null : trailers.get(FAILED_WORKER);
        if (failedWorker != null) {
            error.setFailedWorkerId(failedWorker);
        }
        return error.build();
    }

    /** The api exception for a failed item of a batch call; see {@link #toCacheException(String, Throwable)}. */
    public static CacheException toCacheException(String action, ItemError error) {
        Metadata trailers = new Metadata();
        if (!error.getKind().isEmpty()) {
            trailers.put(ERROR_KIND, error.getKind());
        }
        if (!error.getFailedWorkerId().isEmpty()) {
            trailers.put(FAILED_WORKER, error.getFailedWorkerId());
        }
        return toCacheException(action, Status.fromCodeValue(error.getCode()).withDescription(error.getMessage())
                .asRuntimeException(trailers));
    }

    /** The duration in trailer {@code key}, zero when it is missing or not a number. */
    private static Duration millis(Metadata trailers, Metadata.Key<String> key) {
        try {
            return Duration.ofMillis(Math.max(0, Long.parseLong(trailers.get(key))));
        }
        catch (NumberFormatException e) {
            return Duration.ZERO;
        }
    }

    private static String describe(Status status) {
        return status.getCause() != null ? String.valueOf(status.getCause()) : "no description";
    }

    private static CacheException withCause(CacheException exception, Throwable cause) {
        exception.initCause(cause);
        return exception;
    }
}
