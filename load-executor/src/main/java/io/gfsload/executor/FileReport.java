package io.gfsload.executor;

import java.io.Serializable;

import static java.util.Objects.requireNonNull;

/**
 * What happened to one file.
 *
 * @param path the UFS path
 * @param length the file's length
 * @param blocks blocks planned
 * @param blocksLoaded blocks written by this run (and, in an atomic load, committed)
 * @param blocksAlreadyCached blocks found cached, not written by this run: when it planned or, in a slice, when the
 *     slice's attempt started (another load, or an earlier attempt, cached them since the plan)
 * @param blocksFailed blocks not cached because of {@code error}
 * @param bytesLoaded bytes of the blocks loaded (once per block, whatever the replication); the
 *     blocks an atomic load staged and did not commit do not count
 * @param bytesAlreadyCached bytes of the blocks found cached ({@code blocksAlreadyCached})
 * @param retries attempts repeated after transient failures
 * @param error why the file failed, or {@code null} when it did not
 */
public record FileReport(String path, long length, int blocks, int blocksLoaded, int blocksAlreadyCached, int blocksFailed, long bytesLoaded,
        long bytesAlreadyCached, int retries, String error) implements Serializable {
    public FileReport {
        requireNonNull(path, "path is null");
        if (blocksLoaded + blocksAlreadyCached + blocksFailed != blocks) {
            throw new IllegalArgumentException("block counts of %s do not add up: %d + %d + %d != %d"
                    .formatted(path, blocksLoaded, blocksAlreadyCached, blocksFailed, blocks));
        }
        if (bytesLoaded < 0 || bytesAlreadyCached < 0) {
            throw new IllegalArgumentException("byte counts of %s are negative: %d loaded, %d already cached".formatted(path, bytesLoaded, bytesAlreadyCached));
        }
    }

    /** This file failed for {@code error}: none of its blocks counts as loaded or cached, nor do their bytes. */
    public FileReport failedAs(String error) {
        return new FileReport(path, length, blocks, 0, 0, blocks, 0, 0, retries, requireNonNull(error, "error is null"));
    }

    public boolean failed() {
        return blocksFailed > 0;
    }

    /** Whether the load had blocks of the file to write: it loaded or failed some. */
    public boolean attempted() {
        return blocksLoaded + blocksFailed > 0;
    }
}
