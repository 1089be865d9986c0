package io.gfsload.planner;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/** Why a store could not be reached, in plain words, from the network failure behind an exception. */
final class Unreachable {
    private Unreachable() {}

    /**
     * The reason {@code failure} or one of its causes gives for not reaching {@code host}: {@code
     * unknown host nohost}, {@code connection refused}, {@code no route to host}, {@code connection
     * timed out}; empty when the failure is not about reaching it.
     */
    static Optional<String> reason(Throwable failure, String host) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof UnknownHostException) {
                return Optional.of("unknown host " + (host == null || host.isEmpty() ? cause.getMessage() : host));
            }
            if (cause instanceof NoRouteToHostException) {
                return Optional.of("no route to host");
            }
            if (cause instanceof ConnectException) {
                String message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
                return Optional.of(message.contains("refused") ? "connection refused" : "cannot connect");
            }
            if (cause instanceof SocketTimeoutException && String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT).contains("connect")) {
                return Optional.of("connection timed out");
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return Optional.empty();
    }
}
