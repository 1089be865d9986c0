package io.gfsload.cache.io;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files and directories that only their owner may read: a worker's tier directories and block
 * files hold cached data that other local users must not read past the UFS's permissions and the
 * cluster's token. (The files beside the blocks, a tier directory's lock file and the store's copy
 * numbers, hold no data and keep the umask's permissions.) The permissions are given at creation ({@code rwx------} for directories,
 * {@code rw-------} for files, less the umask), never set afterwards, so no other user can open
 * them in between. A file system without POSIX permissions gets its defaults.
 */
public final class OwnerOnlyFiles {
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE);

    private OwnerOnlyFiles() {}

    /** The attributes that create a file in {@code directory} readable and writable by its owner only. */
    public static FileAttribute<?>[] fileAttributes(Path directory) {
        return posix(directory)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
    }

    /**
     * Creates {@code directory} and its missing parents, each {@code rwx------}; an existing one is
     * left as it is.
     *
     * @return whether {@code directory} itself was created
     */
    public static boolean createDirectories(Path directory) throws IOException {
        requireNonNull(directory, "directory is null");
        if (Files.isDirectory(directory)) {
            return false;
        }
        if (posix(directory)) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        else {
            Files.createDirectories(directory);
        }
        return true;
    }

    /**
     * The permissions that let users other than its owner list or enter {@code directory}
     * (read or execute for group or others); empty when there are none or the file system has no
     * POSIX permissions.
     */
    public static Set<PosixFilePermission> openToOthers(Path directory) throws IOException {
        if (!posix(directory)) {
            return Set.of();
        }
        Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
        open.addAll(Files.getPosixFilePermissions(directory));
        open.retainAll(GROUP_OR_OTHERS);
        return open;
    }

    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
