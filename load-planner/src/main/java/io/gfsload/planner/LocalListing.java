package io.gfsload.planner;

import io.gfsload.cache.api.FileIdentity;
import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Lists a location of Hadoop's local file system with one {@code stat} per entry. Hadoop's own
 * listing stats every child several times and parses a URI for each, which costs more than the
 * listing itself for many small files; the identities are the same as Hadoop's: its qualified
 * paths ({@code file:/...}), lengths and modification times in milliseconds, symbolic links
 * followed, entries that vanish while listed skipped, a directory below the location that cannot
 * be listed failed alone. A symbolic link that cannot be followed (a loop, a target the user may
 * not reach) fails alone too, at the location's top as below it: it is reported with why, and the
 * files beside it are listed (Hadoop's local listing skips such a link without a word).
 *
 * <p>A symbolic link that leads back to a directory being listed on the way to it ({@code d/self ->
 * .}, {@code d/sub/up -> ..}) is a cycle: it is not descended into, but reported as a directory not
 * listed ({@code symbolic link cycle: /data/d/sub/up -> /data/d}), so that the files under it are
 * listed once, under the path without the cycle. Hadoop's listing follows such a link until the
 * kernel refuses to resolve the path (40 links deep), listing every file below it again at each
 * level, and without end with two such links. Directories are told apart by their file key (device
 * and inode). A directory reached by two paths that do not form a cycle (a link to a sibling
 * directory) is listed under each, as Hadoop lists it: the cache keeps files by path, and a reader
 * may read either.
 */
final class LocalListing {
    private LocalListing() {}

    /** The local directory or file behind {@code root}, when {@code fs} is Hadoop's local file system. */
    static Optional<java.nio.file.Path> localPath(FileSystem fs, Path root) {
        RawLocalFileSystem raw;
        if (fs instanceof LocalFileSystem local && local.getRawFileSystem() instanceof RawLocalFileSystem wrapped) {
            raw = wrapped;
        }
        else if (fs instanceof RawLocalFileSystem plain) {
            raw = plain;
        }
        else {
            return Optional.empty();
        }
        return Optional.of(raw.pathToFile(root).toPath());
    }

    /**
     * Adds the visible files under {@code local} (the location {@code qualifiedRoot}) to
     * {@code files}: the location itself when it is a file, else every file below it whose path
     * has no hidden name. A directory below the location that cannot be listed (its own listing,
     * or a {@code stat} of an entry in it, fails other than for a vanished entry) goes to
     * {@code unlisted} with why, and nothing below it to {@code files}; so does a symbolic link that
     * cannot be followed, in the location or below it, and one that leads back to a directory it is
     * in (a cycle); the files beside each are listed.
     *
     * @throws NoSuchFileException when the location does not exist
     * @throws IOException when the location itself cannot be listed
     */
    static void list(java.nio.file.Path local, Path qualifiedRoot, List<FileIdentity> files, List<UnlistedDirectory> unlisted) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(local, BasicFileAttributes.class);
        String root = qualifiedRoot.toString();
        if (!attributes.isDirectory()) {
            if (attributes.isRegularFile()) {
                files.add(identity(root, attributes));
            }
            return;
        }
        Map<Object, java.nio.file.Path> ancestors = new HashMap<>();
        enter(ancestors, attributes, local);
        listDirectory(local, root, ancestors, files, unlisted);
    }

    /**
     * Lists {@code directory} ({@code path}) recursively into {@code files}; a directory below it
     * that cannot be listed, or that is one of {@code ancestors} (the directories being listed on
     * the way to it, {@code directory} included, by file key), goes to {@code unlisted}.
     *
     * @throws IOException when {@code directory} itself cannot be listed
     */
    private static void listDirectory(java.nio.file.Path directory, String path, Map<Object, java.nio.file.Path> ancestors,
            List<FileIdentity> files, List<UnlistedDirectory> unlisted)
            throws IOException {
        String prefix = path.endsWith("/") ? path : path + "/";
        try (DirectoryStream<java.nio.file.Path> children = Files.newDirectoryStream(directory)) {
            for (java.nio.file.Path child : children) {
                String name = child.getFileName().toString();
                if (LoadPlanner.isHidden(name)) {
                    continue;
                }
                BasicFileAttributes attributes;
                try {
                    attributes = Files.readAttributes(child, BasicFileAttributes.class);
                }
                catch (NoSuchFileException e) {
                    // Gone since the directory was read, or a dangling link: Hadoop skips it too.
                    continue;
                }
                catch (IOException e) {
                    if (!isLink(child)) {
                        // the directory's entries cannot be read (no search permission, an I/O error): it fails
                        throw e;
                    }
                    // a link that cannot be followed (a loop): it fails alone, the entries beside it are listed
                    unlisted.add(new UnlistedDirectory(prefix + name, LoadPlanner.reason(e)));
                    continue;
                }
                if (attributes.isDirectory()) {
                    java.nio.file.Path ancestor = attributes.fileKey() == null ? null : ancestors.get(attributes.fileKey());
                    if (ancestor != null) {
                        // a cycle: everything below it is listed already, or is being listed
                        unlisted.add(new UnlistedDirectory(prefix + name, cycle(child, ancestor)));
                        continue;
                    }
                    listSubdirectory(child, attributes, prefix + name, ancestors, files, unlisted);
                }
                else if (attributes.isRegularFile()) {
                    files.add(identity(prefix + name, attributes));
                }
            }
        }
        catch (DirectoryIteratorException e) {
            // reading the directory's entries failed after it was opened
            throw e.getCause();
        }
        catch (NoSuchFileException e) {
            // A directory removed while it was listed: nothing below it.
        }
    }

    /**
     * Lists the directory {@code directory} below the location: when it cannot be listed, what was
     * found under it is dropped and it goes to {@code unlisted}, so that it fails alone.
     */
    private static void listSubdirectory(java.nio.file.Path directory, BasicFileAttributes attributes, String path,
            Map<Object, java.nio.file.Path> ancestors, List<FileIdentity> files, List<UnlistedDirectory> unlisted) {
        int filesBefore = files.size();
        int unlistedBefore = unlisted.size();
        enter(ancestors, attributes, directory);
        try {
            listDirectory(directory, path, ancestors, files, unlisted);
        }
        catch (IOException e) {
            files.subList(filesBefore, files.size()).clear();
            unlisted.subList(unlistedBefore, unlisted.size()).clear();
            unlisted.add(new UnlistedDirectory(path, LoadPlanner.reason(e)));
        }
        finally {
            if (attributes.fileKey() != null) {
                ancestors.remove(attributes.fileKey());
            }
        }
    }

    /**
     * Records {@code directory} as being listed, under its file key; a file system without file
     * keys has no cycles found.
     */
    private static void enter(Map<Object, java.nio.file.Path> ancestors, BasicFileAttributes attributes, java.nio.file.Path directory) {
        if (attributes.fileKey() != null) {
            ancestors.put(attributes.fileKey(), directory);
        }
    }

    /** Why {@code entry}, a directory that is {@code ancestor}, is not listed: {@code symbolic link cycle: /data/d/self -> /data/d}. */
    private static String cycle(java.nio.file.Path entry, java.nio.file.Path ancestor) {
        // not a link: the same directory mounted below itself (a bind mount)
        return "%s cycle: %s -> %s".formatted(isLink(entry) ? "symbolic link" : "directory", entry, ancestor);
    }

    /** Whether {@code entry} is a symbolic link itself, as its own status (not its target's) says. */
    private static boolean isLink(java.nio.file.Path entry) {
        try {
            return Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isSymbolicLink();
        }
        catch (IOException e) {
            return false;
        }
    }

    private static FileIdentity identity(String path, BasicFileAttributes attributes) {
        return new FileIdentity(path, attributes.size(), attributes.lastModifiedTime().toMillis(), "");
    }
}
