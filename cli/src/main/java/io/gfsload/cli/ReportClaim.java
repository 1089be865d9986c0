package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's claim on its {@code --report} file: a lock on
 * {@code $GFSLOAD_HOME/reports/<hash of the file's path>.lock}, held from the start of the
 * command to its end, in which the run writes its pid. While one run holds it, another run with
 * the same report file (a scheduler's retry of a step whose first attempt still runs, whose
 * second attempt then fails on the job's journal or the embedded services the first one holds;
 * or another command given the same file) knows that the file is that run's to write, and which
 * process that is, and leaves it alone whatever its own outcome. Runs see each other's claims
 * only under the same {@code $GFSLOAD_HOME}.
 *
 * <p>One command, one thread; {@link #close()} alone is safe to call from any thread. The lock
 * file is deleted on {@link #close()} while it is held, and when the JVM ends before (SIGINT,
 * SIGTERM: a shutdown hook closes the claim), so that date-stamped report paths leave nothing
 * behind; a run that took the lock of
 * a file deleted meanwhile notices (the path names another file than it locked) and takes the
 * lock of the new one. The holder never opens the lock file but through the channel it holds:
 * closing any other descriptor of a file releases the process's locks on it. A lock that cannot be taken for another reason (a read-only home) is
 * no claim either way: the run behaves as if no other run held the file.
 */
final class ReportClaim implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReportClaim.class);
    private static final int ATTEMPTS = 5;

    private final Path lockFile;
    private final Optional<FileChannel> channel;
    private final Optional<String> holder;
    /** Closes the claim held when the JVM ends before {@link #close()} (SIGINT, SIGTERM); present while it is held. */
    private final Optional<Thread> onShutdown;

    private ReportClaim(Path lockFile, Optional<FileChannel> channel, Optional<String> holder) {
        this.lockFile = lockFile;
        this.channel = channel;
        this.holder = holder;
        this.onShutdown = channel.map(held -> new Thread(this::release, "gfsload-report-claim"));
        onShutdown.ifPresent(Runtime.getRuntime()::addShutdownHook);
    }

    /**
     * Claims {@code report} (the file a {@code --report} leads to) for this process, with the lock
     * files in {@code claims}; when another process holds it, a claim that says which
     * ({@link #otherHolder()}).
     */
    static ReportClaim claim(Path claims, Path report) {
        requireNonNull(claims, "claims is null");
        requireNonNull(report, "report is null");
        Path lockFile = claims.resolve(hash(report.toAbsolutePath().normalize().toString()) + ".lock");
        String content = "pid %d%n%s%n".formatted(ProcessHandle.current().pid(), report);
        try {
            Files.createDirectories(claims);
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                try {
                    Files.createFile(lockFile);
                }
                catch (FileAlreadyExistsException e) {
                    // another run's, held or left
                }
                Object before;
                FileChannel channel;
                try {
                    before = fileKey(lockFile);
                    channel = FileChannel.open(lockFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
                }
                catch (NoSuchFileException e) {
                    // deleted by the run that held it, as it ended
                    continue;
                }
                FileLock lock;
                try {
                    lock = channel.tryLock();
                }
                catch (OverlappingFileLockException e) {
                    // another command of this JVM (a test's) holds it; the file is not read: closing a
                    // file this process has locked releases the lock
                    channel.close();
                    return new ReportClaim(lockFile, Optional.empty(), Optional.of("gfsload process " + ProcessHandle.current().pid()));
                }
                if (lock == null) {
                    channel.close();
                    return new ReportClaim(lockFile, Optional.empty(), Optional.of(describeHolder(lockFile)));
                }
                // the file at the path, not one that the run that held it deleted as it ended (after the open)
                if (before.equals(fileKeyOrNull(lockFile))) {
                    channel.truncate(0);
                    channel.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)), 0);
                    return new ReportClaim(lockFile, Optional.of(channel), Optional.empty());
                }
                channel.close();
            }
        }
        catch (IOException | RuntimeException e) {
            LOG.warn("Cannot lock {} for the report {}: {}", lockFile, report, e.toString());
        }
        return new ReportClaim(lockFile, Optional.empty(), Optional.empty());
    }

    /** The process that holds the report file, {@code gfsload process 1234}, when another does; empty when this run holds it or no lock could be taken. */
    Optional<String> otherHolder() {
        return holder;
    }

    /** Releases the claim, deleting its lock file first. */
    @Override
    public void close() {
        onShutdown.ifPresent(hook -> {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            catch (IllegalStateException e) {
                // the JVM is ending: the hook releases the claim, or has
            }
        });
        release();
    }

    /** Deletes the lock file, then closes the channel that holds its lock: once, from the command's thread or the shutdown hook. */
    private synchronized void release() {
        if (channel.isEmpty() || !channel.get().isOpen()) {
            return;
        }
        try {
            Files.deleteIfExists(lockFile);
        }
        catch (IOException e) {
            LOG.debug("Cannot delete {}: {}", lockFile, e.toString());
        }
        try {
            channel.get().close();
        }
        catch (IOException e) {
            LOG.debug("Cannot close {}: {}", lockFile, e.toString());
        }
    }

    private static String describeHolder(Path lockFile) {
        String content = readOrEmpty(lockFile);
        // "pid 1234" on the first line, as the holder wrote it; not yet written when it has just taken the lock
        String first = content.lines().findFirst().orElse("");
        return first.matches("pid \\d+") ? "gfsload process " + first.substring("pid ".length()) : "another gfsload process";
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

    private static String readOrEmpty(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            // gone (deleted as its holder ended) or unreadable: nothing it says
            return "";
        }
    }

    private static String hash(String path) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(path.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }
}
