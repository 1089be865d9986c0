package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.FileErrors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Files the CLI writes whole: readers see the old content or the new one, never half of it. */
final class AtomicFiles {
    /** As Linux's limit on the symbolic links followed in one path ({@code ELOOP}). */
    private static final int MAX_LINKS = 40;

    private AtomicFiles() {}

    /**
     * What {@link #write} did.
     *
     * @param target the file written: the one asked for, or the file its symbolic links lead to
     * @param warning one line when the file could not keep the owner or the group of the file it
     *         replaced (a user who may not give files away); the content was written all the same
     */
    record Written(Path target, Optional<String> warning) {
        Written {
            requireNonNull(target, "target is null");
            requireNonNull(warning, "warning is null");
        }
    }

    /**
     * Replaces {@code file} with {@code content} through a temp file beside it and one rename;
     * missing directories are created. A symbolic link is followed: the file it leads to is
     * replaced, in its own directory, and the link stays (a {@code conf} managed elsewhere keeps
     * getting the change). The new file keeps the permissions, the owner and the group of the
     * file it replaces (a core-site.xml may hold credentials that a service group reads), as
     * far as the process may set them: a group or owner it cannot keep is said in
     * {@link Written#warning()}, and then no group permission is given to the group the file
     * gets instead. A new file gets the default ones.
     *
     * @param what names the file in the failure, e.g. {@code the report}
     * @throws UncheckedIOException when it cannot be written; no temp file is left then
     */
    static Written write(Path file, String content, String what) {
        Path absolute = file.toAbsolutePath();
        Path target = absolute;
        Path temp = null;
        try {
            target = target(absolute);
            Files.createDirectories(target.getParent());
            target = target.getParent().toRealPath().resolve(target.getFileName());
            temp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
            PosixFileAttributes existing = Files.exists(target, LinkOption.NOFOLLOW_LINKS)
                    ? Files.readAttributes(target, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    : null;
            Optional<String> warning = Optional.empty();
            if (existing != null) {
                // never more open than the file it replaces, not even while it is written; writable by its owner until then
                Set<PosixFilePermission> permissions = existing.permissions();
                Set<PosixFilePermission> writing = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
                writing.addAll(permissions);
                writing.removeIf(permission -> !isOwnerPermission(permission));
                Files.createFile(temp, PosixFilePermissions.asFileAttribute(writing));
                Files.setPosixFilePermissions(temp, writing);
                Files.writeString(temp, content, StandardCharsets.UTF_8, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                warning = keepOwnership(temp, existing, target);
                Files.setPosixFilePermissions(temp, warning.isPresent() && !groupOf(temp).equals(existing.group())
                        ? withoutGroupPermissions(permissions)
                        : permissions);
            }
            else {
                // as any new file (createTempFile would make it readable by its owner only)
                Files.createFile(temp);
                Files.writeString(temp, content, StandardCharsets.UTF_8, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            }
            try {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
            return new Written(target, warning);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + what + " to " + describe(absolute, target) + ": " + FileErrors.reason(e, target), e);
        }
        finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                }
                catch (IOException e) {
                    // the failure above is the one to report
                }
            }
        }
    }

    /**
     * The file {@code file} stands for: itself, or the file its symbolic links lead to (which
     * need not exist yet), each link's target read against the link's directory. Its directory
     * is given without links when it exists.
     *
     * @throws FileSystemException when the links go round in a loop
     */
    static Path target(Path file) throws IOException {
        // not normalized on the way: ".." after a directory that is a link is the kernel's to resolve
        Path target = file.toAbsolutePath();
        for (int links = 0; Files.isSymbolicLink(target); links++) {
            if (links == MAX_LINKS) {
                throw new FileSystemException(file.toString(), null, "Too many levels of symbolic links");
            }
            target = target.resolveSibling(Files.readSymbolicLink(target));
        }
        Path parent = target.getParent();
        return Files.isDirectory(parent) ? parent.toRealPath().resolve(target.getFileName()) : target.normalize();
    }

    /** {@code file}, and the file it leads to when that is another. */
    private static String describe(Path file, Path target) {
        return file.equals(target) ? file.toString() : "%s (a link to %s)".formatted(file, target);
    }

    /**
     * Gives {@code temp} the group, then the owner, of {@code existing} (a process may give a file
     * to a group of its own, only root to another user).
     *
     * @return one line saying what could not be kept, if anything
     */
    private static Optional<String> keepOwnership(Path temp, PosixFileAttributes existing, Path target) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(temp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        String groupFailure = null;
        if (!groupOf(temp).equals(existing.group())) {
            try {
                view.setGroup(existing.group());
            }
            catch (FileSystemException e) {
                groupFailure = reason(e);
            }
        }
        String ownerFailure = null;
        if (!view.getOwner().equals(existing.owner())) {
            try {
                view.setOwner(existing.owner());
            }
            catch (FileSystemException e) {
                ownerFailure = reason(e);
            }
        }
        if (groupFailure == null && ownerFailure == null) {
            return Optional.empty();
        }
        UserPrincipal owner = view.getOwner();
        GroupPrincipal group = groupOf(temp);
        if (groupFailure == null) {
            return Optional.of("%s keeps its group %s but is now owned by %s, not %s: %s"
                    .formatted(target, group.getName(), owner.getName(), existing.owner().getName(), ownerFailure));
        }
        return Optional.of("%s is now owned by %s:%s, not %s:%s, without group permissions: %s"
                .formatted(target, owner.getName(), group.getName(), existing.owner().getName(), existing.group().getName(), groupFailure));
    }

    private static GroupPrincipal groupOf(Path file) throws IOException {
        return Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).group();
    }

    private static String reason(FileSystemException e) {
        return e.getReason() == null ? e.getClass().getSimpleName() : e.getReason();
    }

    private static boolean isOwnerPermission(PosixFilePermission permission) {
        return permission == PosixFilePermission.OWNER_READ || permission == PosixFilePermission.OWNER_WRITE
                || permission == PosixFilePermission.OWNER_EXECUTE;
    }

    private static Set<PosixFilePermission> withoutGroupPermissions(Set<PosixFilePermission> permissions) {
        Set<PosixFilePermission> without = EnumSet.noneOf(PosixFilePermission.class);
        without.addAll(permissions);
        without.removeAll(EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE));
        return without;
    }
}
