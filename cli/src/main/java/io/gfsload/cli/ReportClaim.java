package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
        try {
            Files.createDirectories(claims);
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                PidLockFile.Outcome outcome = PidLockFile.tryLock(lockFile, report + System.lineSeparator());
                if (outcome instanceof PidLockFile.Held held) {
                    return new ReportClaim(lockFile, Optional.of(held.channel()), Optional.empty());
                }
                if (outcome instanceof PidLockFile.HeldByOther other) {
                    return new ReportClaim(lockFile, Optional.empty(),
                            Optional.of(other.pid().map(pid -> "gfsload process " + pid).orElse("another gfsload process")));
                }
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
        PidLockFile.release(lockFile, channel.get());
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
