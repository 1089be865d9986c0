package io.gfsload.executor;

import java.io.IOException;

/** A UFS file no longer has the length or modification time it was planned with. */
public class FileChangedException extends IOException {
    public FileChangedException(String message) {
        super(message);
    }
}
