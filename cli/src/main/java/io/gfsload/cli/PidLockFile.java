package io.gfsload.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exclusive lock on a lock file, taken with {@link FileChannel#tryLock()}, which the operating
 * system releases when the process ends ({@code kill -9} included); its holder writes {@code pid
 * N} on its first line, so that a process refused says which process holds it. The holder deletes
 * the file, then closes its channel, as it lets go. It never opens the file but through the channel
 * it holds: closing any other descriptor of a file releases the process's locks on it.
 */
final class PidLockFile {
    private static final Logger LOG = LoggerFactory.getLogger(PidLockFile.class);

    private PidLockFile() {}

    /** What one {@link #tryLock} found. */
    sealed interface Outcome {}

    /** This process holds the lock, through {@code channel}, and wrote its pid and {@code content} into the file. */
    record Held(FileChannel channel) implements Outcome {}

    /** Another process holds it, or another holder of this JVM (its pid then); the pid, when the holder wrote it yet. */
    record HeldByOther(Optional<Long> pid) implements Outcome {}

    /** The file was deleted under the try (its holder let go as it ended, or its directory was removed): try again. */
    record Gone() implements Outcome {}

    /**
     * Tries once to lock {@code lockFile}, creating it when missing (its directory must exist).
     *
     * @param content what the holder writes after its {@code pid N} line, empty for nothing
     */
    static Outcome tryLock(Path lockFile, String content) throws IOException {
        try {
            Files.createFile(lockFile);
        }
        catch (FileAlreadyExistsException e) {
            // another holder's, held or left by one that was killed
        }
        catch (NoSuchFileException e) {
            return new Gone();
        }
        Object before;
        FileChannel channel;
        try {
            before = fileKey(lockFile);
            channel = FileChannel.open(lockFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        catch (NoSuchFileException e) {
            return new Gone();
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        }
        catch (OverlappingFileLockException e) {
            // another holder of this JVM (a test's command); the file is not read: that would release the lock
            channel.close();
            return new HeldByOther(Optional.of(ProcessHandle.current().pid()));
        }
        catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            return new HeldByOther(holderPid(lockFile));
        }
        // the file at the path, not one that its holder deleted as it ended (after the open)
        if (!before.equals(fileKeyOrNull(lockFile))) {
            channel.close();
            return new Gone();
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(("pid %d%n".formatted(ProcessHandle.current().pid()) + content).getBytes(StandardCharsets.UTF_8)), 0);
        return new Held(channel);
    }

    /** Lets go of {@code lockFile}, held through {@code channel}: deletes it, then closes the channel, which releases the lock. */
    static void release(Path lockFile, FileChannel channel) {
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
    }

    /** The pid the holder of {@code lockFile} wrote on its first line; empty when it has not yet (it has just taken the lock). */
    private static Optional<Long> holderPid(Path lockFile) {
        String content;
        try {
            content = Files.readString(lockFile, StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            // gone (deleted as its holder ended) or unreadable: nothing it says
            return Optional.empty();
        }
        String first = content.lines().findFirst().orElse("");
        return first.matches("pid \\d+") ? Optional.of(Long.parseLong(first.substring("pid ".length()))) : Optional.empty();
    }

    /** The identity of {@code file} (device and inode), read without opening it. */
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
}
