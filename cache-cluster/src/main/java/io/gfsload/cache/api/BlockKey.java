package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

/**
 * One block of a UFS file: the file's identity and the block's index within it.
 *
 * @param file the UFS file
 * @param index zero-based block index
 */
public record BlockKey(FileIdentity file, int index) {
    private static final Pattern BLOCK_ID = Pattern.compile("[0-9a-f]{32}-[0-9]{1,10}");

    public BlockKey {
        requireNonNull(file, "file is null");
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0: " + index);
        }
    }

    /** The block id used on the wire and on disk: {@code <fileKey>-<index>}. */
    public String blockId() {
        return file.fileKey() + "-" + index;
    }

    /**
     * Whether {@code blockId} has the form of {@link #blockId()}. Workers reject every other
     * string, so that no id can name a path outside a tier directory.
     */
    public static boolean isValidBlockId(String blockId) {
        return blockId != null && BLOCK_ID.matcher(blockId).matches();
    }
}
