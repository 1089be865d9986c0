package io.gfsload.cache.testing;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.worker.WorkerDisk;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Worker directories on file systems smaller than their quotas, without mounting anything: a
 * directory given a disk of N bytes reports N less the size of its files as usable, and a write
 * into a block file that would take its files past N fails as a full disk does, with
 * {@code IOException("No space left on device")}, after writing nothing. Other directories are
 * the real disk's. Files put into a directory by other means (a filler) count against its disk,
 * as other programs' files on a shared file system do. Several directories may share one small
 * disk ({@link #share}): each one's files count against it, and they report one file system;
 * otherwise each directory is a file system of its own.
 *
 * <p>The lowest level where the store touches the disk: the block files its writes create, and
 * the usable space it asks for. Thread-safe.
 */
public final class SmallDisks implements WorkerDisk {
    /** Each limited directory's disk; directories that share one map to the same. */
    private final Map<Path, Disk> disks = new ConcurrentHashMap<>();
    private final Map<Path, Long> overstated = new ConcurrentHashMap<>();
    private final AtomicInteger refusedWrites = new AtomicInteger();

    /** Gives {@code directory} a disk of {@code bytes}; its files count against it. */
    public SmallDisks limit(Path directory, long bytes) {
        return share(bytes, directory);
    }

    /**
     * Puts {@code directories} on one disk of {@code bytes}: the files of all of them count
     * against it, and {@link #fileSystem} tells them on one file system. A store asks that when it
     * opens: share the directories before.
     */
    public SmallDisks share(long bytes, Path... directories) {
        Disk disk = new Disk(bytes, Stream.of(directories).map(directory -> directory.toAbsolutePath().normalize()).toList());
        disk.directories().forEach(directory -> disks.put(directory, disk));
        return this;
    }

    /**
     * Makes the disk of {@code directory} report {@code bytes} more usable than it has, as a file
     * system may (space reserved for root, delayed allocation, another program filling it between
     * the question and the write): its writes then fail although it reported room.
     */
    public SmallDisks overstate(Path directory, long bytes) {
        overstated.put(directory.toAbsolutePath().normalize(), bytes);
        return this;
    }

    /** Gives {@code directory} the real disk again. */
    public SmallDisks unlimit(Path directory) {
        disks.remove(directory.toAbsolutePath().normalize());
        return this;
    }

    /** Writes the disks refused for want of room so far. */
    public int refusedWrites() {
        return refusedWrites.get();
    }

    @Override
    public long usableBytes(Path directory) throws IOException {
        Disk disk = disks.get(directory.toAbsolutePath().normalize());
        if (disk == null) {
            return WorkerDisk.system().usableBytes(directory);
        }
        return Math.max(0, disk.bytes() - disk.filesBytes()) + overstated.getOrDefault(directory.toAbsolutePath().normalize(), 0L);
    }

    /**
     * The disk {@link #share} put {@code directory} on; any other directory is a file system of
     * its own, even where the real disk is one, so that a directory limited after the store opened
     * shares nothing with the others.
     */
    @Override
    public Object fileSystem(Path directory) {
        Path normalized = directory.toAbsolutePath().normalize();
        Disk disk = disks.get(normalized);
        return disk == null ? normalized : disk;
    }

    @Override
    public FileChannel createFile(Path file) throws IOException {
        FileChannel channel = WorkerDisk.system().createFile(file);
        Path directory = file.toAbsolutePath().normalize().getParent();
        return disks.containsKey(directory) ? new SmallDiskChannel(channel, directory) : channel;
    }

    /** A small disk and the directories on it; equal only to itself, as a file system. */
    private static final class Disk {
        private final long bytes;
        private final List<Path> directories;

        Disk(long bytes, List<Path> directories) {
            this.bytes = bytes;
            this.directories = List.copyOf(directories);
        }

        long bytes() {
            return bytes;
        }

        List<Path> directories() {
            return directories;
        }

        /** The bytes of the files in its directories. */
        long filesBytes() throws IOException {
            long sum = 0;
            for (Path directory : directories) {
                sum += SmallDisks.filesBytes(directory);
            }
            return sum;
        }
    }

    private static long filesBytes(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.mapToLong(file -> {
                try {
                    return Files.isRegularFile(file) ? Files.size(file) : 0;
                }
                catch (IOException e) {
                    // deleted while listed
                    return 0;
                }
            }).sum();
        }
        catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** A block file's channel that refuses writes past its directory's disk. */
    private final class SmallDiskChannel extends FileChannel {
        private final FileChannel delegate;
        private final Path directory;

        SmallDiskChannel(FileChannel delegate, Path directory) {
            this.delegate = requireNonNull(delegate, "delegate is null");
            this.directory = directory;
        }

        /** Fails as a full disk does when {@code count} bytes at {@code position} would not fit. */
        private void checkRoom(long position, long count) throws IOException {
            long growth = Math.max(0, position + count - delegate.size());
            Disk disk = disks.get(directory);
            if (disk != null && growth > 0 && disk.filesBytes() + growth > disk.bytes()) {
                refusedWrites.incrementAndGet();
                throw new IOException("No space left on device");
            }
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return delegate.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return delegate.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            checkRoom(delegate.position(), src.remaining());
            return delegate.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long count = 0;
            for (int i = offset; i < offset + length; i++) {
                count += srcs[i].remaining();
            }
            checkRoom(delegate.position(), count);
            return delegate.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return delegate.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            delegate.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return delegate.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            delegate.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            delegate.force(metaData);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return delegate.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            checkRoom(position, count);
            return delegate.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return delegate.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            checkRoom(position, src.remaining());
            return delegate.write(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return delegate.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return delegate.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return delegate.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            delegate.close();
        }
    }
}
