package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;

/**
 * A small block with all of its bytes, for {@link CacheClient#writeBlocks}: the remaining bytes of
 * a buffer, on the heap or direct (a direct one is written to files without a copy).
 *
 * <p>The bytes are not copied: the caller must not change them until the write returns.
 *
 * @param block the block
 * @param data exactly the block's bytes, from its position to its limit; {@link #data()} gives a
 *     read-only view of them each time, so that readers never move each other's position
 */
public record BlockData(BlockKey block, ByteBuffer data) {
    public BlockData {
        requireNonNull(block, "block is null");
        data = requireNonNull(data, "data is null").slice().asReadOnlyBuffer();
    }

    /** A block whose bytes are all of {@code data}. */
    public BlockData(BlockKey block, byte[] data) {
        this(block, ByteBuffer.wrap(requireNonNull(data, "data is null")));
    }

    /** A read-only view of the block's bytes, positioned at the first. */
    @Override
    public ByteBuffer data() {
        return data.duplicate();
    }

    /** The block's length in bytes. */
    public int length() {
        return data.remaining();
    }

    /** A copy of the block's bytes. */
    public byte[] bytes() {
        byte[] bytes = new byte[length()];
        data().get(bytes);
        return bytes;
    }
}
