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
 * @param plannedVersionUncached whether the file failed because it changed since it was planned or is
 *     gone, and none of its blocks of the planned version stays cached: the load uncached them, or
 *     none was cached. No run of the job loads that version again: a journal forgets its blocks
 */
public record FileReport(String path, long length, int blocks, int blocksLoaded, int blocksAlreadyCached, int blocksFailed, long bytesLoaded,
        long bytesAlreadyCached, int retries, String error, boolean plannedVersionUncached) implements Serializable {
    public FileReport {
        requireNonNull(path, "path is null");
        if (blocksLoaded + blocksAlreadyCached + blocksFailed != blocks) {
            throw new IllegalArgumentException("block counts of %s do not add up: %d + %d + %d != %d"
                    .formatted(path, blocksLoaded, blocksAlreadyCached, blocksFailed, blocks));
        }
        if (plannedVersionUncached && error == null) {
            throw new IllegalArgumentException("%s did not fail: its planned version cannot be uncached as changed".formatted(path));
        }
        if (bytesLoaded < 0 || bytesAlreadyCached < 0) {
            throw new IllegalArgumentException("byte counts of %s are negative: %d loaded, %d already cached".formatted(path, bytesLoaded, bytesAlreadyCached));
        }
    }

    /** A file that did not fail, or failed for something other than a change since it was planned. */
    public FileReport(String path, long length, int blocks, int blocksLoaded, int blocksAlreadyCached, int blocksFailed, long bytesLoaded,
            long bytesAlreadyCached, int retries, String error) {
        this(path, length, blocks, blocksLoaded, blocksAlreadyCached, blocksFailed, bytesLoaded, bytesAlreadyCached, retries, error, false);
    }

    /** This failed file, which changed since it was planned or is gone, with none of its blocks of the planned version cached. */
    FileReport withPlannedVersionUncached() {
        return new FileReport(path, length, blocks, blocksLoaded, blocksAlreadyCached, blocksFailed, bytesLoaded, bytesAlreadyCached, retries, error, true);
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
