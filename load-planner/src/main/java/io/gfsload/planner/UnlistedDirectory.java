package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;

/**
 * A directory below a listed location that could not be listed itself (permission denied, an I/O
 * error), or a symbolic link in the location or below it that could not be followed (a loop) or
 * leads back to a directory it is in (a cycle, whose files are planned under the path without it):
 * its files are unknown and none is planned, while the files beside it are.
 *
 * @param path the directory (or link), qualified as the planned files' paths are ({@code file:/data/d/secret})
 * @param error why it could not be listed ({@code permission denied: /data/d/secret}, {@code
 *     symbolic link cycle: /data/d/self -> /data/d})
 */
public record UnlistedDirectory(String path, String error) implements Serializable {
    public UnlistedDirectory {
        requireNonNull(path, "path is null");
        requireNonNull(error, "error is null");
    }
}
