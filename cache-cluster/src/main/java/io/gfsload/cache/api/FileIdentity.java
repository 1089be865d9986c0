package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The identity of a file in the under file system: path, length, modification time and etag.
 *
 * <p>A cached block belongs to exactly one identity, so a file rewritten in the UFS (new length,
 * modification time or etag) never matches the blocks cached for its earlier version.
 *
 * @param path fully qualified UFS path, e.g. {@code cosn://bucket/db/t/dt=1/part-0}
 * @param length file length in bytes
 * @param modificationTime modification time in epoch milliseconds as the UFS reports it
 * @param etag the store's entity tag, or the empty string when the store has none
 */
public record FileIdentity(String path, long length, long modificationTime, String etag) implements Serializable {
    /** A digest per thread: looking one up costs more than hashing a path. */
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    });

    public FileIdentity {
        requireNonNull(path, "path is null");
        requireNonNull(etag, "etag is null");
        if (path.isEmpty()) {
            throw new IllegalArgumentException("path is empty");
        }
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0: " + length);
        }
    }

    public FileIdentity(String path, long length, long modificationTime) {
        this(path, length, modificationTime, "");
    }

    /**
     * A stable 32-character lower-case hex key of this identity (a SHA-256 prefix), safe to use
     * in file names and metadata keys.
     */
    public String fileKey() {
        MessageDigest digest = SHA_256.get();
        digest.reset();
        digest.update(path.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(Long.toString(length).getBytes(StandardCharsets.US_ASCII));
        digest.update((byte) 0);
        digest.update(Long.toString(modificationTime).getBytes(StandardCharsets.US_ASCII));
        digest.update((byte) 0);
        digest.update(etag.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest.digest(), 0, 16);
    }
}
