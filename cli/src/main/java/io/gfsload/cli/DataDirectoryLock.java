package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.FileErrors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A command's exclusive hold on a data directory while it starts or stops the processes there
 * ({@code gfsload cluster start|stop}): a lock on a lock file in the directory, taken with
 * {@link FileChannel#tryLock()}, which the operating system releases when the process ends,
 * {@code kill -9} included. The holder writes its pid in the file, so that a command refused
 * meanwhile says which process holds the directory.
 *
 * <p>{@link #close()} deletes the lock file, then the directories that {@link #take} created (the
 * data directory, and its parents that did not exist) when they are empty: a command that failed
 * before it wrote anything there leaves the file system as it found it. A directory that existed
 * before is never deleted. The holder never opens the lock file but through the channel it holds:
 * closing any other descriptor of a file releases the process's locks on it.
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
                try {
                    Files.createFile(lockFile);
                }
                catch (FileAlreadyExistsException e) {
                    // another command's, held or left by one that was killed
                }
                catch (NoSuchFileException e) {
                    // the directory was deleted meanwhile by a command that had created it, as it failed
                    continue;
                }
                Object before;
                FileChannel channel;
                try {
                    before = fileKey(lockFile);
                    channel = FileChannel.open(lockFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
                }
                catch (NoSuchFileException e) {
                    // deleted by the command that held it, as it ended
                    continue;
                }
                FileLock lock;
                try {
                    lock = channel.tryLock();
                }
                catch (OverlappingFileLockException e) {
                    // another command of this JVM holds it
                    channel.close();
                    throw new InUseException(directory, what, "pid " + ProcessHandle.current().pid());
                }
                if (lock == null) {
                    channel.close();
                    throw new InUseException(directory, what, describeHolder(lockFile));
                }
                // the file at the path, not one that the command that held it deleted as it ended (after the open)
                if (before.equals(fileKeyOrNull(lockFile))) {
                    channel.truncate(0);
                    channel.write(ByteBuffer.wrap("pid %d%n".formatted(ProcessHandle.current().pid())
                            .getBytes(StandardCharsets.UTF_8)), 0);
                    return new DataDirectoryLock(lockFile, channel, created);
                }
                channel.close();
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
        try {
            Files.deleteIfExists(lockFile);
        }
        catch (IOException e) {
            LOG.debug("Cannot delete {}: {}", lockFile, e.toString());
        }
        try {
            channel.close();
        }
        catch (IOException e) {
            LOG.debug("Cannot close {}: {}", lockFile, e.toString());
        }
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

    private static String describeHolder(Path lockFile) {
        String content;
        try {
            content = Files.readString(lockFile, StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            content = "";
        }
        // "pid 1234" on the first line, as the holder wrote it; not yet written when it has just taken the lock
        String first = content.lines().findFirst().orElse("");
        return first.matches("pid \\d+") ? first : "pid unknown";
    }

    /** The identity of {@code file} (device and inode), read without opening it: closing a file this process has locked would release the lock. */
    private static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    }

    private static Object fileKeyOrNull(Path file) {
        try {
            return fileKey(file);
        }
        catch (IOException e) {
            return null;
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
