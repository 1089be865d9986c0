package io.gfsload.catalog.embedded;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Why a file operation of the embedded metastore failed, in words: the exceptions of
 * {@link java.nio.file.Files} carry only the path as their message.
 *
 * <p>The cache side has the same helper ({@code io.gfsload.cache.api.FileErrors}); hive-catalog
 * depends on nothing of ours (DESIGN.md's module table, checked by the layering test), and these
 * few lines do not make a module of their own worth having. Keep the two saying the same things.
 */
final class FileFailures {
    private FileFailures() {}

    /**
     * The reason of {@code failure} on {@code target}: {@code permission denied},
     * {@code no such file or directory}, {@code X is not a directory}, or the system's words
     * ({@code read-only file system}, {@code not a directory}), followed by the file it happened on
     * when that is another one ({@code permission denied: /data}, where creating
     * {@code /data/metastore} failed).
     */
    static String reason(IOException failure, Path target) {
        String reason;
        if (failure instanceof NoSuchFileException) {
            reason = "no such file or directory";
        }
        else if (failure instanceof AccessDeniedException) {
            reason = "permission denied";
        }
        else if (failure instanceof FileAlreadyExistsException exists) {
            // what Files.createDirectories throws when a file is where a directory goes
            return exists.getFile() + " is not a directory";
        }
        else if (failure instanceof FileSystemException system && system.getReason() != null) {
            reason = lowerFirst(system.getReason());
        }
        else {
            return failure.getMessage() == null ? failure.getClass().getSimpleName() : lowerFirst(failure.getMessage());
        }
        if (failure instanceof FileSystemException system && system.getFile() != null
                && !Path.of(system.getFile()).toAbsolutePath().equals(target.toAbsolutePath())) {
            return reason + ": " + system.getFile();
        }
        return reason;
    }

    private static String lowerFirst(String text) {
        return text.isEmpty() ? text : text.substring(0, 1).toLowerCase(Locale.ROOT) + text.substring(1);
    }
}
