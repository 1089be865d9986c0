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
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/** Files the CLI writes whole: readers see the old content or the new one, never half of it. */
final class AtomicFiles {
    /** As Linux's limit on the symbolic links followed in one path ({@code ELOOP}). */
    private static final int MAX_LINKS = 40;
    /** The directories of a process's open descriptors, as their real paths are. */
    private static final Pattern DESCRIPTORS = Pattern.compile("/proc/[^/]+(/task/[^/]+)?/fd");

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
     * gets instead. A new file gets the default ones. A path that is not a file
     * ({@link #whyNotAFile}: a device, a FIFO, a socket, a descriptor of the process) is refused.
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
            Optional<String> notAFile = whyNotAFile(absolute);
            if (notAFile.isPresent()) {
                // never put a regular file in the place of a device, a FIFO or what a descriptor has open
                throw new FileSystemException(target.toString(), null, notAFile.get() + ", not a file");
            }
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
        List<Path> hops = hops(file);
        Path target = hops.get(hops.size() - 1);
        Path parent = target.getParent();
        return Files.isDirectory(parent) ? parent.toRealPath().resolve(target.getFileName()) : target.normalize();
    }

    /**
     * Why {@code file} is not a path that {@link #write} may replace: empty when it names a
     * regular file or nothing yet (through its symbolic links, as {@link #target} follows them) or
     * a directory (which {@link #write} fails on by itself); else the reason, {@code it is a FIFO}
     * or {@code it leads to /proc/self/fd/1, a descriptor the process has open}. Replacing a
     * device, a FIFO or a socket would put a regular file in its place ({@code /dev/null} for every
     * process of the machine), and a path through the process's own descriptors
     * ({@code /dev/stdout}, {@code /dev/fd/N}, {@code /proc/PID/fd/N}) would replace whatever file
     * that descriptor has open (a scheduler's log that stdout is appended to).
     *
     * @throws FileSystemException when the links go round in a loop
     */
    static Optional<String> whyNotAFile(Path file) throws IOException {
        List<Path> hops = hops(file);
        for (Path hop : hops) {
            if (isDescriptor(hop)) {
                return Optional.of(hop.equals(file.toAbsolutePath())
                        ? "it is a descriptor the process has open"
                        : "it leads to %s, a descriptor the process has open".formatted(hop));
            }
        }
        Path target = target(file);
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        catch (IOException e) {
            // nothing there (or a path under a file, ENOTDIR): not a file to replace; the write says what else is wrong
            return Optional.empty();
        }
        if (attributes.isRegularFile() || attributes.isDirectory()) {
            return Optional.empty();
        }
        String kind = kind(target);
        return Optional.of(target.equals(file.toAbsolutePath()) ? "it is " + kind : "it leads to %s, %s".formatted(target, kind));
    }

    /** {@code file} and each file its symbolic links lead to in turn, the last not a link; each link's target read against the link's directory. */
    private static List<Path> hops(Path file) throws IOException {
        // not normalized on the way: ".." after a directory that is a link is the kernel's to resolve
        List<Path> hops = new ArrayList<>();
        Path hop = file.toAbsolutePath();
        hops.add(hop);
        for (int links = 0; Files.isSymbolicLink(hop); links++) {
            if (links == MAX_LINKS) {
                throw new FileSystemException(file.toString(), null, "Too many levels of symbolic links");
            }
            hop = hop.resolveSibling(Files.readSymbolicLink(hop));
            hops.add(hop);
        }
        return hops;
    }

    /**
     * Whether {@code file} is in a directory of a process's open descriptors ({@code /proc/PID/fd},
     * {@code /proc/PID/task/TID/fd}; {@code /dev/fd} and {@code /proc/self/fd} lead there): its
     * entries are not files but links to what the process has open, a pipe or a deleted file included.
     */
    private static boolean isDescriptor(Path file) {
        Path parent = file.getParent();
        if (parent == null) {
            return false;
        }
        try {
            return DESCRIPTORS.matcher(parent.toRealPath().toString()).matches();
        }
        catch (IOException e) {
            // a directory that does not exist (yet) holds no descriptors
            return false;
        }
    }

    /** What {@code file}, neither a regular file nor a directory nor a link, is: {@code a character device}. */
    private static String kind(Path file) {
        try {
            int type = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000;
            return switch (type) {
                case 0010000 -> "a FIFO";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0140000 -> "a socket";
                default -> "not a regular file";
            };
        }
        catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // no "unix" view: what it is, is not known, only what it is not
            return "not a regular file";
        }
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
