package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.FileIdentity;
import java.io.IOException;
import java.time.Instant;

/** A UFS file no longer has the length, modification time or etag it was planned with, or is no longer a regular file. */
public class FileChangedException extends IOException {
    public FileChangedException(String message) {
        super(message);
    }

    /**
     * Fails unless the UFS file planned as {@code planned} is still a regular file of its planned
     * length, modification time and etag, as its status now says. The message says what changed,
     * times in ISO-8601 UTC: {@code File changed since it was planned: length 2111516 -> 2111600,
     * modification time 2026-11-20T01:14:05.061Z -> 2026-11-20T01:21:45.749Z}, {@code File changed
     * since it was planned: etag 9e10...d6 -> 5d41...92 (length 2111516 and modification time
     * 2026-11-20T01:14:05.061Z kept)}, or {@code File changed since it was planned: the path is now
     * a directory (planned: a file of 2111516 bytes modified 2026-11-20T01:14:05.061Z)}.
     *
     * <p>The etags are compared when both are known: an object store gives a new one to every
     * upload, so a file written again with the same length and modification time (a copy that
     * keeps times) has changed; a store without etags (a local or HDFS file: the empty string), or
     * a status without one, leaves length and modification time to tell.
     *
     * @param regularFile whether the path is a regular file now
     * @param directory whether the path is a directory now
     * @param modificationTime its modification time now, in epoch milliseconds
     * @param etag its etag now, or the empty string when its status has none
     */
    static void checkUnchanged(FileIdentity planned, boolean regularFile, boolean directory, long length, long modificationTime, String etag)
            throws FileChangedException {
        requireNonNull(planned, "planned is null");
        if (!regularFile) {
            throw new FileChangedException(Failures.CHANGED + "the path is %s (planned: a file of %d bytes modified %s)"
                    .formatted(directory ? "now a directory" : "no longer a regular file", planned.length(), time(planned.modificationTime())));
        }
        if (length != planned.length() || modificationTime != planned.modificationTime()) {
            throw new FileChangedException(Failures.CHANGED + "length %d -> %d, modification time %s -> %s"
                    .formatted(planned.length(), length, time(planned.modificationTime()), time(modificationTime)));
        }
        if (!planned.etag().isEmpty() && !etag.isEmpty() && !etag.equals(planned.etag())) {
            throw new FileChangedException(Failures.CHANGED + "etag %s -> %s (length %d and modification time %s kept)"
                    .formatted(planned.etag(), etag, length, time(modificationTime)));
        }
    }

    /**
     * A file changed since it was planned or gone whose blocks of the planned version could not be
     * uncached: they stay cached under the planned identity (readers never see them).
     */
    static final class StaysCached extends FileChangedException {
        StaysCached(String message, IOException cause) {
            super(message);
            initCause(cause);
        }
    }

    /** An epoch-milliseconds time as ISO-8601 UTC: {@code 2026-11-20T01:14:05.061Z}. */
    private static String time(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }
}
