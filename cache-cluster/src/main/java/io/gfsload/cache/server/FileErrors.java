package io.gfsload.cache.server;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
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

    private static String lowerFirst(String text) {
        return text.isEmpty() ? text : text.substring(0, 1).toLowerCase(Locale.ROOT) + text.substring(1);
    }
}
