package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.FileErrors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A command's exclusive hold on a data directory while it starts or stops the processes there
 * ({@code gfsload cluster start|stop}): a {@link PidLockFile} in the directory, so that a command
 * refused meanwhile says which process holds the directory.
 *
 * <p>{@link #close()} deletes the lock file, then the directories that {@link #take} created (the
 * data directory, and its parents that did not exist) when they are empty: a command that failed
 * before it wrote anything there leaves the file system as it found it. A directory that existed
 * before is never deleted.
 *
 * <p>{@link #close()} is safe to call from any thread (a shutdown hook), and more than once.
 */
final class DataDirectoryLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DataDirectoryLock.class);
    private static final int ATTEMPTS = 5;

    private final Path lockFile;
    private final FileChannel channel;
    /** The directories {@link #take} created, the deepest first. */
    private final List<Path> created;

    private DataDirectoryLock(Path lockFile, FileChannel channel, List<Path> created) {
        this.lockFile = lockFile;
        this.channel = channel;
        this.created = List.copyOf(created);
    }

    /**
     * Locks {@code directory} for this process with the lock file {@code fileName} in it, creating
     * the directory (and its missing parents) first.
     *
     * @param what what the holder does there, as the message of a command refused says it:
     *     {@code starting or stopping the cluster}
     * @throws InUseException when another command holds the directory
     * @throws IOException when the directory cannot be created
     * @throws UncheckedIOException when its lock file cannot be created or locked, with a message
     *     naming the file and why
     */
    static DataDirectoryLock take(Path directory, String fileName, String what) throws IOException, InUseException {
        requireNonNull(directory, "directory is null");
        requireNonNull(fileName, "fileName is null");
        requireNonNull(what, "what is null");
        List<Path> created = new ArrayList<>();
        Path lockFile = directory.resolve(fileName);
        try {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                createDirectories(directory, created);
                PidLockFile.Outcome outcome = PidLockFile.tryLock(lockFile, "");
                if (outcome instanceof PidLockFile.Held held) {
                    return new DataDirectoryLock(lockFile, held.channel(), created);
                }
                if (outcome instanceof PidLockFile.HeldByOther other) {
                    throw new InUseException(directory, what, other.pid().map(pid -> "pid " + pid).orElse("pid unknown"));
                }
                // gone: deleted by the command that held it as it ended, or the directory by one that had created it, as it failed
            }
            throw new IOException("its lock file was deleted " + ATTEMPTS + " times as it was locked");
        }
        catch (InUseException e) {
            deleteCreated(created);
            throw e;
        }
        catch (IOException e) {
            deleteCreated(created);
            if (!Files.isDirectory(directory)) {
                throw e;
            }
            throw new UncheckedIOException("Cannot lock " + lockFile + ": " + FileErrors.reason(e, lockFile), e);
        }
    }

    /** Creates {@code directory} and its missing parents, adding each created to {@code created}, the deepest first. */
    private static void createDirectories(Path directory, List<Path> created) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (Path path = directory; path != null && !Files.exists(path); path = path.getParent()) {
            missing.add(path);
        }
        Files.createDirectories(directory);
        for (Path path : missing) {
            if (!created.contains(path)) {
                created.add(path);
            }
        }
    }

    /** Deletes the lock file and closes the channel that holds its lock, then deletes the directories it created that are empty. */
    @Override
    public synchronized void close() {
        if (!channel.isOpen()) {
            return;
        }
        PidLockFile.release(lockFile, channel);
        deleteCreated(created);
    }

    /** Deletes {@code created}, the deepest first, up to the first that is not empty. */
    private static void deleteCreated(List<Path> created) {
        for (Path directory : created) {
            try {
                Files.deleteIfExists(directory);
            }
            catch (DirectoryNotEmptyException e) {
                // it holds what the command wrote (its processes' logs), or another command's lock file
                return;
            }
            catch (IOException e) {
                LOG.debug("Cannot delete {}: {}", directory, e.toString());
                return;
            }
        }
    }

    /** Another command holds the data directory: {@code another gfsload command is starting or stopping the cluster in D (pid 1234)}. */
    static final class InUseException extends Exception {
        InUseException(Path directory, String what, String holder) {
            super("another gfsload command is " + what + " in " + directory + " (" + holder + "); run this command once it has ended",
                    null, false, false);
        }
    }
}
