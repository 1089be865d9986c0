package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Optional;

/**
 * The log file {@code bin/gfsload} opened for this command ({@code $GFSLOAD_HOME/logs/gfsload-<UTC
 * time>-<pid>.log}, passed as {@code -Dgfsload.log.file}), and {@code gfsload.log}, the link to
 * the newest log beside it.
 */
final class CommandLog {
    /** The system property {@code bin/gfsload} names this command's log file with. */
    static final String PROPERTY = "gfsload.log.file";
    /**
     * The system property {@code bin/gfsload} names the outermost directory it created for the log
     * file with: the logs directory, or a {@code $GFSLOAD_HOME} above it that did not exist either;
     * not set when the logs directory was there already.
     */
    static final String CREATED_PROPERTY = "gfsload.log.created";
    static final String LINK = "gfsload.log";

    private CommandLog() {}

    /**
     * Deletes {@code logFile} when nothing was logged to it: a command line that is not one of the
     * command's forms, or a bad value, exits 2 having done no work, and a scheduler retrying a
     * mistyped command would fill the logs directory with empty logs. {@code gfsload.log}, when it
     * leads to that file, is linked to the newest log left (removed when none is). The directories
     * {@code bin/gfsload} created for the log ({@code created}: the outermost of them) are removed
     * too when that leaves them empty, so that bad input leaves a fresh {@code $GFSLOAD_HOME} as it
     * was; a directory that holds anything, or that {@code created} does not cover, is left as it
     * is. Best effort: a file, link or directory that cannot be changed is left as it is.
     */
    static void discardIfEmpty(Path logFile, Optional<Path> created) {
        requireNonNull(logFile, "logFile is null");
        requireNonNull(created, "created is null");
        try {
            if (discard(logFile)) {
                created.ifPresent(outermost -> removeCreated(logFile.toAbsolutePath().getParent(), outermost.toAbsolutePath()));
            }
        }
        catch (IOException | RuntimeException e) {
            // the logs never stop a command, nor change how it ends
        }
    }

    /** Deletes {@code logFile} when it is empty, and mends the link to it; whether it deleted it. */
    private static boolean discard(Path logFile) throws IOException {
        if (!Files.isRegularFile(logFile, LinkOption.NOFOLLOW_LINKS) || Files.size(logFile) > 0) {
            return false;
        }
        Files.delete(logFile);
        Path directory = logFile.toAbsolutePath().getParent();
        Path link = directory.resolve(LINK);
        if (!Files.isSymbolicLink(link) || !Files.readSymbolicLink(link).equals(logFile.getFileName())) {
            return true;
        }
        Optional<Path> newest = newestLog(directory);
        if (newest.isEmpty()) {
            Files.delete(link);
            return true;
        }
        // a new link renamed over the old one, as ln -sfn leaves no moment without it
        Path temp = directory.resolve("." + LINK + "." + ProcessHandle.current().pid());
        Files.deleteIfExists(temp);
        Files.createSymbolicLink(temp, newest.get().getFileName());
        Files.move(temp, link, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    /**
     * Removes {@code directory} and its parents up to {@code outermost}, each while it is empty: a
     * directory that holds anything (another command's log, the state of one that ran meanwhile)
     * stops it, as deleting a directory that is not empty fails.
     */
    private static void removeCreated(Path directory, Path outermost) {
        for (Path next = directory; next != null && next.startsWith(outermost); next = next.getParent()) {
            try {
                if (!Files.isDirectory(next, LinkOption.NOFOLLOW_LINKS)) {
                    return;
                }
                Files.delete(next);
            }
            catch (IOException e) {
                return;
            }
        }
    }

    private static Optional<Path> newestLog(Path directory) throws IOException {
        Path newest = null;
        FileTime newestTime = null;
        try (DirectoryStream<Path> logs = Files.newDirectoryStream(directory, "gfsload-*.log")) {
            for (Path log : logs) {
                FileTime time = Files.getLastModifiedTime(log, LinkOption.NOFOLLOW_LINKS);
                if (newestTime == null || time.compareTo(newestTime) > 0) {
                    newest = log;
                    newestTime = time;
                }
            }
        }
        return Optional.ofNullable(newest);
    }
}
