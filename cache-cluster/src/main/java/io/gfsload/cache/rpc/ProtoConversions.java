package io.gfsload.cache.rpc;

import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.proto.FileIdentityProto;

/**
 * Conversions between the api's value types and their protocol messages.
 *
 * <p>Checksums travel as protobuf {@code uint32}, which Java sees as a signed {@code int}; the api
 * holds them as an unsigned value in a {@code long}. Convert only through these methods.
 */
public final class ProtoConversions {
    private ProtoConversions() {}

    public static FileIdentityProto toProto(FileIdentity file) {
        return FileIdentityProto.newBuilder()
                .setPath(file.path())
                .setLength(file.length())
                .setModificationTime(file.modificationTime())
                .setEtag(file.etag())
                .build();
    }

    /**
     * The identity a message carries.
     *
     * @throws IllegalArgumentException when the message does not hold a valid identity
     */
    public static FileIdentity fromProto(FileIdentityProto file) {
        return new FileIdentity(file.getPath(), file.getLength(), file.getModificationTime(), file.getEtag());
    }

    /** The wire form of an unsigned 32-bit checksum. */
    public static int crcToWire(long crc32c) {
        if (crc32c < 0 || crc32c > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("crc32c must be an unsigned 32-bit value: " + crc32c);
        }
        return (int) crc32c;
    }

    /** The unsigned value of a wire checksum. */
    public static long crcFromWire(int crc32c) {
        return Integer.toUnsignedLong(crc32c);
    }

    /** A checksum as people read it in messages: {@code 0x1a2b3c4d}. */
    public static String formatCrc(long crc32c) {
        return String.format("0x%08x", crc32c);
    }
}
