package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How the executor behaves beyond the tuned settings: bounds, retries and the failure policy.
 *
 * @param activeFiles files in flight at most (GooseFS's {@code --active-jobs}); the read threads
 *     are never more than this
 * @param bandwidthBytesPerSecond UFS bytes read per second across all threads, when limited
 * @param maxAttempts attempts per file for transient failures (timeouts, connection resets, 5xx,
 *     throttling), including the first
 * @param initialBackoff delay before the first retry; doubled each retry up to {@code maxBackoff},
 *     with jitter
 * @param maxBackoff the longest delay between retries
 * @param failureMaxFiles the job fails as a whole only when more than this many files failed...
 * @param failureMaxFraction ...and more than this fraction of the files
 * @param atomic present for an atomic load
 * @param window present when UFS reads may start only within the hours of a {@link LoadWindow}
 * @param loadBytes present when the executor loads a part of a larger load (a slice of a
 *     {@link DistributedLoad}, or its files written again after it): the bytes of the whole load
 *     with its replicas, which a file failed for the load's own evictions names as the room the
 *     load needs; empty for a load of its own plan, whose bytes are named
 * @param dataPath how blocks get from the UFS into the workers: through the executor (push), or
 *     read by the workers themselves (pull)
 */
public record ExecutorOptions(int activeFiles, OptionalLong bandwidthBytesPerSecond, int maxAttempts, Duration initialBackoff, Duration maxBackoff,
        int failureMaxFiles, double failureMaxFraction, Optional<AtomicOptions> atomic, Optional<LoadWindow> window,
        OptionalLong loadBytes, DataPath dataPath) {
    /** GooseFS's cap on active jobs. */
    public static final int DEFAULT_ACTIVE_FILES = 3000;

    public ExecutorOptions {
        requireNonNull(bandwidthBytesPerSecond, "bandwidthBytesPerSecond is null");
        requireNonNull(initialBackoff, "initialBackoff is null");
        requireNonNull(maxBackoff, "maxBackoff is null");
        requireNonNull(atomic, "atomic is null");
        requireNonNull(window, "window is null");
        requireNonNull(loadBytes, "loadBytes is null");
        requireNonNull(dataPath, "dataPath is null");
        if (activeFiles < 1) {
            throw new IllegalArgumentException("activeFiles must be >= 1: " + activeFiles);
        }
        if (bandwidthBytesPerSecond.isPresent() && bandwidthBytesPerSecond.getAsLong() <= 0) {
            throw new IllegalArgumentException("bandwidth must be > 0: " + bandwidthBytesPerSecond.getAsLong());
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1: " + maxAttempts);
        }
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("backoff must satisfy 0 <= initial <= max: %s, %s".formatted(initialBackoff, maxBackoff));
        }
        if (loadBytes.isPresent() && loadBytes.getAsLong() < 0) {
            throw new IllegalArgumentException("loadBytes must be >= 0: " + loadBytes.getAsLong());
        }
        if (failureMaxFiles < 0 || failureMaxFraction < 0 || failureMaxFraction > 1) {
            throw new IllegalArgumentException("failure threshold out of range: %d files, %s".formatted(failureMaxFiles, failureMaxFraction));
        }
    }

    /** 3000 active files, no bandwidth limit, no load window, 5 attempts from 200 ms to 10 s, fail past 100 files and 5 %, push. */
    public static ExecutorOptions defaults() {
        return new ExecutorOptions(DEFAULT_ACTIVE_FILES, OptionalLong.empty(), 5, Duration.ofMillis(200), Duration.ofSeconds(10), 100, 0.05, Optional.empty(), Optional.empty(), OptionalLong.empty(), DataPath.PUSH);
    }

    public ExecutorOptions withActiveFiles(int value) {
        return new ExecutorOptions(value, bandwidthBytesPerSecond, maxAttempts, initialBackoff, maxBackoff, failureMaxFiles, failureMaxFraction, atomic, window, loadBytes, dataPath);
    }

    public ExecutorOptions withBandwidth(long bytesPerSecond) {
        return new ExecutorOptions(activeFiles, OptionalLong.of(bytesPerSecond), maxAttempts, initialBackoff, maxBackoff, failureMaxFiles, failureMaxFraction, atomic, window, loadBytes, dataPath);
    }

    public ExecutorOptions withRetries(int attempts, Duration initial, Duration max) {
        return new ExecutorOptions(activeFiles, bandwidthBytesPerSecond, attempts, initial, max, failureMaxFiles, failureMaxFraction, atomic, window, loadBytes, dataPath);
    }

    public ExecutorOptions withFailureThreshold(int maxFiles, double maxFraction) {
        return new ExecutorOptions(activeFiles, bandwidthBytesPerSecond, maxAttempts, initialBackoff, maxBackoff, maxFiles, maxFraction, atomic, window, loadBytes, dataPath);
    }

    public ExecutorOptions withAtomic(AtomicOptions value) {
        return new ExecutorOptions(activeFiles, bandwidthBytesPerSecond, maxAttempts, initialBackoff, maxBackoff, failureMaxFiles, failureMaxFraction, Optional.of(value), window, loadBytes, dataPath);
    }

    /** These options for a load that is not atomic. */
    public ExecutorOptions withoutAtomic() {
        return new ExecutorOptions(activeFiles, bandwidthBytesPerSecond, maxAttempts, initialBackoff, maxBackoff, failureMaxFiles, failureMaxFraction, Optional.empty(), window, loadBytes, dataPath);
    }

    public ExecutorOptions withWindow(LoadWindow value) {
        return new ExecutorOptions(activeFiles, bandwidthBytesPerSecond, maxAttempts, initialBackoff, maxBackoff, failureMaxFiles, failureMaxFraction, atomic, Optional.of(value), loadBytes, dataPath);
    }

    /** These options for a part of a load whose blocks with their replicas take {@code bytes}. */
    public ExecutorOptions withLoadBytes(long bytes) {
        return new ExecutorOptions(activeFiles, bandwidthBytesPerSecond, maxAttempts, initialBackoff, maxBackoff, failureMaxFiles, failureMaxFraction, atomic, window,
                OptionalLong.of(bytes), dataPath);
    }

    public ExecutorOptions withDataPath(DataPath value) {
        return new ExecutorOptions(activeFiles, bandwidthBytesPerSecond, maxAttempts, initialBackoff, maxBackoff, failureMaxFiles, failureMaxFraction, atomic, window,
                loadBytes, value);
    }

    /** Whether {@code failed} of {@code total} files fail the job as a whole. */
    boolean jobFailed(long failed, long total) {
        return failed > failureMaxFiles && failed > failureMaxFraction * total;
    }

    /** Why a job whose {@code failed} of {@code total} files failed stopped: the report's stop reason. */
    String failedFilesReason(long failed, long total) {
        return "%d of %d files failed, more than the threshold of %s and %s %% of the files: the job stopped".formatted(failed, total,
                io.gfsload.cache.api.Counts.of(failureMaxFiles, "file"), new java.text.DecimalFormat("0.##", java.text.DecimalFormatSymbols.getInstance(java.util.Locale.ROOT))
                        .format(failureMaxFraction * 100));
    }
}
