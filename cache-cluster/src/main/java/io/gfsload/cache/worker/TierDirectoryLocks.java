package io.gfsload.cache.worker;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.FileErrors;
import io.gfsload.cache.io.OwnerOnlyFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's exclusive hold on its tier directories, for its life: a lock file in each directory,
 * locked with {@link FileChannel#tryLock()}, which the operating system releases when the process
 * ends, {@code kill -9} included. The file records who holds it, for the message of a worker
 * refused. A file lock belongs to the process, not to a channel, so the workers of one process (an
 * in-process local cluster) are kept apart by a set of the directories this process holds as well.
 *
 * <p>Thread-safe. {@link #close()} releases every directory; idempotent.
 */
final class TierDirectoryLocks implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TierDirectoryLocks.class);

    /** The lock file in each tier directory; not a block file, nor a temp file, so the store ignores it. */
    static final String LOCK_FILE = ".gfsload-worker.lock";

    /** The directories (real paths) the workers of this process hold. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final List<Held> held;
    private final AtomicBoolean closed = new AtomicBoolean();

    private TierDirectoryLocks(List<Held> held) {
        this.held = List.copyOf(held);
    }

    /**
     * Takes every directory of {@code directories} for the worker {@code workerId}, creating missing
     * ones owner-only ({@code rwx------}, {@link OwnerOnlyFiles}), before anything else touches
     * them; takes none when one is held. An existing directory keeps its permissions; one that
     * other users may list or enter is logged once at WARN.
     *
     * @param owner who holds the directories, as a refused worker's message names it: the
     *     process, the worker and its cluster
     * @throws TierDirectoryInUseException when another worker holds one of them
     * @throws CacheException when a directory or its lock file cannot be created
     */
    static TierDirectoryLocks acquire(String workerId, String owner, List<Path> directories) {
        requireNonNull(workerId, "workerId is null");
        requireNonNull(owner, "owner is null");
        requireNonNull(directories, "directories is null");
        List<Held> taken = new ArrayList<>();
        try {
            for (Path directory : directories) {
                taken.add(take(workerId, owner, directory));
            }
        }
        catch (RuntimeException e) {
            taken.forEach(Held::release);
            throw e;
        }
        return new TierDirectoryLocks(taken);
    }

    private static Held take(String workerId, String owner, Path directory) {
        Path real;
        try {
            if (!OwnerOnlyFiles.createDirectories(directory)) {
                warnWhenOpenToOthers(workerId, directory);
            }
            real = directory.toRealPath();
        }
        catch (IOException e) {
            throw new CacheException("Cache worker " + workerId + " cannot create its tier directory " + directory + ": "
                    + FileErrors.reason(e, directory), e);
        }
        if (!HELD.add(real)) {
            throw inUse(workerId, directory, real);
        }
        Path file = real.resolve(LOCK_FILE);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            }
            catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                HELD.remove(real);
                throw inUse(workerId, directory, real);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((owner + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
            return new Held(real, channel);
        }
        catch (IOException e) {
            closeQuietly(channel);
            HELD.remove(real);
            throw new CacheException("Cache worker " + workerId + " cannot lock its tier directory " + directory + " (" + file + "): " + e, e);
        }
    }

    /**
     * Says once, at WARN, that the existing tier {@code directory} lets other local users list or
     * enter it; leaves it as the operator made it.
     */
    private static void warnWhenOpenToOthers(String workerId, Path directory) {
        Set<PosixFilePermission> open;
        try {
            open = OwnerOnlyFiles.openToOthers(directory);
        }
        catch (IOException e) {
            log.debug("Cannot read the permissions of the tier directory {} of worker {}: {}", directory, workerId, e.toString());
            return;
        }
        if (!open.isEmpty()) {
            Set<PosixFilePermission> all;
            try {
                all = Files.getPosixFilePermissions(directory);
            }
            catch (IOException e) {
                all = open;
            }
            log.warn("The tier directory {} of cache worker {} is {}: users other than its owner may list it, and read "
                    + "the block files in it that were not created owner-only (rw-------), as new ones are; make it "
                    + "owner-only (chmod 700) unless it is meant to be shared", directory, workerId, PosixFilePermissions.toString(all));
        }
    }

    private static TierDirectoryInUseException inUse(String workerId, Path directory, Path real) {
        String holder;
        try {
            holder = Files.readString(real.resolve(LOCK_FILE), StandardCharsets.UTF_8).strip();
        }
        catch (IOException e) {
            holder = "";
        }
        return new TierDirectoryInUseException("Cache worker " + workerId + " cannot use the tier directory " + directory
                + ": another cache worker holds it (" + (holder.isEmpty() ? "it is starting" : holder)
                + "); a tier directory serves one worker at a time: give each worker directories of its own");
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            }
            catch (IOException ignored) {
                // the lock goes with the channel, or with the process
            }
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            held.forEach(Held::release);
        }
    }

    private record Held(Path directory, FileChannel channel) {
        void release() {
            // closing the channel releases its lock; the file stays, it records the last holder
            closeQuietly(channel);
            HELD.remove(directory);
        }
    }
}
