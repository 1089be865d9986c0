package io.gfsload.cache.worker;

import io.gfsload.cache.io.OwnerOnlyFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a worker's block store meets its disks: how much room the file system of a tier directory
 * has left, which directories share a file system, and the temp files that block writes go into. {@link #system()} is the real one; a
 * test gives a directory a small disk through its own.
 *
 * <p>Implementations must be thread-safe; {@link #usableBytes} is called at every placement on the
 * worker and every heartbeat, so it must be cheap (a {@code statvfs}).
 */
public interface WorkerDisk {
    /**
     * The bytes the file system holding {@code directory} has left for this process
     * ({@link FileStore#getUsableSpace}).
     *
     * @throws IOException when the file system cannot be asked
     */
    long usableBytes(Path directory) throws IOException;

    /**
     * What tells the file system holding {@code directory} from others: equal (by
     * {@link Object#equals}) for directories on one file system, whose room they share, and
     * unequal for directories on different ones. Asked once per directory, when the store opens.
     *
     * @throws IOException when the file system cannot be asked
     */
    Object fileSystem(Path directory) throws IOException;

    /**
     * Creates {@code file}, which must not exist, readable and writable by its owner only where
     * the file system has POSIX permissions ({@link OwnerOnlyFiles}), and opens it for reading and
     * writing.
     */
    FileChannel createFile(Path file) throws IOException;

    /** The disks as the operating system has them. */
    static WorkerDisk system() {
        return SystemDisk.INSTANCE;
    }

    /** {@link WorkerDisk#system()}: looks each directory's file store up once (which reads the mount table), then asks it. */
    final class SystemDisk implements WorkerDisk {
        private static final SystemDisk INSTANCE = new SystemDisk();

        private final Map<Path, FileStore> stores = new ConcurrentHashMap<>();

        private SystemDisk() {}

        @Override
        public long usableBytes(Path directory) throws IOException {
            FileStore store = stores.get(directory);
            if (store == null) {
                store = Files.getFileStore(directory);
                stores.put(directory, store);
            }
            return store.getUsableSpace();
        }

        /**
         * The device number of {@code directory} ({@code st_dev}), which a file system mounted
         * twice (a bind mount) keeps; the directory's {@link FileStore} where the system has none.
         */
        @Override
        public Object fileSystem(Path directory) throws IOException {
            try {
                return Files.getAttribute(directory, "unix:dev");
            }
            catch (UnsupportedOperationException | IllegalArgumentException e) {
                return Files.getFileStore(directory);
            }
        }

        @Override
        public FileChannel createFile(Path file) throws IOException {
            return FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ),
                    OwnerOnlyFiles.fileAttributes(file.toAbsolutePath().getParent()));
        }
    }
}
