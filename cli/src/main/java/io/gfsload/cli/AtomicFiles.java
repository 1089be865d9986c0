package io.gfsload.cli;

import io.gfsload.cache.api.FileErrors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.UUID;

/** Files the CLI writes whole: readers see the old content or the new one, never half of it. */
final class AtomicFiles {
    private AtomicFiles() {}

    /**
     * Replaces {@code file} with {@code content} through a temp file beside it and one rename;
     * missing directories are created. The file keeps the permissions of the file it replaces
     * (a core-site.xml may hold credentials); a new file gets the default ones.
     *
     * @param what names the file in the failure, e.g. {@code the report}
     * @throws UncheckedIOException when it cannot be written; no temp file is left then
     */
    static void write(Path file, String content, String what) {
        Path absolute = file.toAbsolutePath();
        Path temp = null;
        try {
            Files.createDirectories(absolute.getParent());
            temp = absolute.resolveSibling("." + absolute.getFileName() + "." + UUID.randomUUID() + ".tmp");
            PosixFileAttributeView existing = Files.exists(absolute) ? Files.getFileAttributeView(absolute, PosixFileAttributeView.class) : null;
            if (existing != null) {
                // never more open than the file it replaces, not even while it is written
                Set<PosixFilePermission> permissions = existing.readAttributes().permissions();
                Files.createFile(temp, PosixFilePermissions.asFileAttribute(permissions));
                Files.setPosixFilePermissions(temp, permissions);
            }
            else {
                // as any new file (createTempFile would make it readable by its owner only)
                Files.createFile(temp);
            }
            Files.writeString(temp, content, StandardCharsets.UTF_8, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            try {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + what + " to " + absolute + ": " + FileErrors.reason(e, absolute), e);
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
}
