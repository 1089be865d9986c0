package io.gfsload.cache.api;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Why a file operation failed, in words: the exceptions of {@link java.nio.file.Files} carry only
 * the path as their message ({@code NoSuchFileException: /etc/gfsload.properties}), which says
 * nothing to whoever reads it after the path.
 */
public final class FileErrors {
    private FileErrors() {}

    /**
     * The reason of {@code failure}: {@code no such file or directory}, {@code permission denied},
     * {@code /data/x is not a directory}, or the system's words ({@code is a directory},
     * {@code read-only file system}).
     */
    public static String reason(IOException failure) {
        if (failure instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (failure instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (failure instanceof FileAlreadyExistsException exists) {
            // what Files.createDirectories throws when a file is where a directory should be
            return exists.getFile() + " is not a directory";
        }
        if (failure instanceof FileSystemException system && system.getReason() != null) {
            return lowerFirst(system.getReason());
        }
        return failure.getMessage() == null ? failure.getClass().getSimpleName() : lowerFirst(failure.getMessage());
    }

    /**
     * The reason of {@code failure} with what it concerns, for an operation on {@code target}: as
     * {@link #reason(IOException)}, followed by the file it happened on when that is another one
     * ({@code permission denied: /data}, where creating {@code /data/gfsload/jobs} failed).
     */
    public static String reason(IOException failure, Path target) {
        String reason = reason(failure);
        if (failure instanceof FileSystemException system && !(failure instanceof FileAlreadyExistsException) && system.getFile() != null
                && !Path.of(system.getFile()).toAbsolutePath().equals(target.toAbsolutePath())) {
            return reason + ": " + system.getFile();
        }
        return reason;
    }

    private static String lowerFirst(String text) {
        return text.isEmpty() ? text : text.substring(0, 1).toLowerCase(Locale.ROOT) + text.substring(1);
    }
}
