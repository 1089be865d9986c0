package io.gfsload.cache.io;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.util.Locale;

/** Tells a write that failed because its file system is full from other I/O failures. */
public final class NoSpace {
    private NoSpace() {}

    /**
     * Whether {@code failure}, or one of its causes, says that the file system has no room:
     * {@code ENOSPC} ("No space left on device") or {@code EDQUOT} ("Disk quota exceeded"), as the
     * JDK words them in an {@link IOException}'s message or a {@link FileSystemException}'s reason.
     * The JDK gives no error number, so the words are what there is; a caller that can also ask
     * the file system how much room it has left should do so as well.
     */
    public static boolean isNoSpace(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof IOException) {
                String text = cause instanceof FileSystemException fileSystem && fileSystem.getReason() != null
                        ? fileSystem.getReason() + " " + cause.getMessage()
                        : String.valueOf(cause.getMessage());
                String lower = text.toLowerCase(Locale.ROOT);
                if (lower.contains("no space left on device") || lower.contains("disk quota exceeded")) {
                    return true;
                }
            }
        }
        return false;
    }
}
