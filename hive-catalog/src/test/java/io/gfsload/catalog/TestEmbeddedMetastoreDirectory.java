package io.gfsload.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.gfsload.catalog.embedded.EmbeddedMetastore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An embedded metastore that cannot create or lock its directory says why, not only where: the
 * exceptions of {@link Files} carry the path alone. None of these cases gets as far as the
 * database, so no metastore starts.
 */
class TestEmbeddedMetastoreDirectory {
    @TempDir
    Path directory;

    @Test
    void aDirectoryUnderAFileIsNotADirectory() throws IOException {
        // what root cannot create either
        Path file = Files.writeString(directory.resolve("file"), "a file\n");
        Path metastore = file.resolve("metastore");

        CatalogException failure = assertThrows(CatalogException.class, () -> EmbeddedMetastore.start(metastore));

        assertEquals("Cannot create the embedded metastore in %s: not a directory".formatted(metastore), failure.getMessage());
    }

    @Test
    void aLockFileThatIsADirectoryIsOne() throws IOException {
        Path metastore = Files.createDirectories(directory.resolve("metastore"));
        Files.createDirectories(metastore.resolve("metastore.lock"));

        CatalogException failure = assertThrows(CatalogException.class, () -> EmbeddedMetastore.start(metastore));

        assertEquals("Cannot create the embedded metastore in %s: is a directory: %s".formatted(metastore, metastore.resolve("metastore.lock")),
                failure.getMessage());
    }

    @Test
    void aDirectoryTheUserCannotWriteIsPermissionDenied() throws IOException {
        assumeFalse("root".equals(System.getProperty("user.name")), "permissions do not stop root");
        Path parent = Files.createDirectories(directory.resolve("read-only"));
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Path metastore = parent.resolve("metastore");

            CatalogException failure = assertThrows(CatalogException.class, () -> EmbeddedMetastore.start(metastore));

            assertEquals("Cannot create the embedded metastore in %s: permission denied".formatted(metastore), failure.getMessage());
        }
        finally {
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
        }
    }
}
