package io.gfsload.cache.rpc;

import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.api.TierInfo;
import io.gfsload.cache.proto.FileIdentityProto;
import io.gfsload.cache.proto.StorageTierProto;
import io.gfsload.cache.proto.TierUsage;
import java.util.Optional;

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

    public static StorageTierProto toProto(StorageTier tier) {
        return switch (tier) {
            case MEM -> StorageTierProto.STORAGE_TIER_MEM;
            case SSD -> StorageTierProto.STORAGE_TIER_SSD;
            case HDD -> StorageTierProto.STORAGE_TIER_HDD;
        };
    }

    /** The tier a message names; empty for {@code UNSPECIFIED} or a value this version does not know. */
    public static Optional<StorageTier> fromProto(StorageTierProto tier) {
        return switch (tier) {
            case STORAGE_TIER_MEM -> Optional.of(StorageTier.MEM);
            case STORAGE_TIER_SSD -> Optional.of(StorageTier.SSD);
            case STORAGE_TIER_HDD -> Optional.of(StorageTier.HDD);
            default -> Optional.empty();
        };
    }

    public static TierUsage toProto(TierInfo info) {
        TierUsage.Builder usage = TierUsage.newBuilder()
                .setTier(toProto(info.tier()))
                .setCapacityBytes(info.capacityBytes())
                .setUsedBytes(info.usedBytes())
                .setEvictableBytes(info.evictableBytes())
                .setBlocks(info.blocks())
                .setWritingBytes(info.writingBytes());
        if (info.diskFreeBytes() >= 0) {
            usage.setDiskFreeBytes(info.diskFreeBytes());
        }
        return usage.build();
    }

    /** The tier space a message carries; empty when its tier is unknown. */
    public static Optional<TierInfo> fromProto(TierUsage usage) {
        return fromProto(usage.getTier()).map(tier -> new TierInfo(tier, usage.getCapacityBytes(),
                usage.getUsedBytes(), usage.getEvictableBytes(), usage.getBlocks(), usage.getWritingBytes(),
                usage.hasDiskFreeBytes() && usage.getDiskFreeBytes() >= 0 ? usage.getDiskFreeBytes() : TierInfo.NO_DISK_LIMIT));
    }
}
