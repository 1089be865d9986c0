package io.gfsload.cache.fs;

import java.io.IOException;

/** A write (create, append, rename, delete, mkdirs) through {@code gfs://}, which is read-only. */
public class ReadOnlyFileSystemException extends IOException {
    public ReadOnlyFileSystemException(String message) {
        super(message);
    }
}
