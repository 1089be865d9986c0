package io.gfsload.cache.worker;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.worker.BlockStoreException.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's blocks in one directory, within a capacity quota.
 *
 * <p>A block is the file {@code <blockId>.block}: a {@link BlockFileHeader} with its checksums,
 * then the data. A write goes to {@code <blockId>.<random>.tmp} in the same directory and is
 * renamed into place only when complete and synced, so a crash leaves either the old block, the
 * new one, or a temp file that the next {@link #open} deletes. Block ids are checked with
 * {@link BlockKey#isValidBlockId} before they touch a path.
 *
 * <p>The quota counts block data bytes: those of stored blocks plus those reserved by writes in
 * progress. Thread-safe.
 */
final class BlockStore {
    private static final Logger log = LoggerFactory.getLogger(BlockStore.class);

    static final String BLOCK_SUFFIX = ".block";
    static final String TEMP_SUFFIX = ".tmp";

    private final String workerId;
    private final Path directory;
    private final long capacityBytes;
    private final int segmentBytes;
    private final Map<String, Long> blocks;
    private long storedBytes;
    private long reservedBytes;

    private BlockStore(String workerId, Path directory, long capacityBytes, int segmentBytes, Map<String, Long> blocks) {
        this.workerId = workerId;
        this.directory = directory;
        this.capacityBytes = capacityBytes;
        this.segmentBytes = segmentBytes;
        this.blocks = blocks;
        this.storedBytes = blocks.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Opens the store in {@code directory}, creating it when missing: deletes stale temp files and
     * block files with a damaged header, and counts the bytes of the valid blocks.
     *
     * @param segmentBytes checksum granularity of new blocks
     * @throws BlockStoreException when the directory cannot be created or listed
     */
    static OpenResult open(String workerId, Path directory, long capacityBytes, int segmentBytes) {
        requireNonNull(workerId, "workerId is null");
        requireNonNull(directory, "directory is null");
        checkArgument(capacityBytes >= 0, "capacityBytes must be >= 0: %s", capacityBytes);
        checkArgument(segmentBytes > 0, "segmentBytes must be > 0: %s", segmentBytes);
        Map<String, Long> blocks = new HashMap<>();
        int staleTempFiles = 0;
        int corruptBlocks = 0;
        try {
            Files.createDirectories(directory);
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
                for (Path path : entries) {
                    String name = path.getFileName().toString();
                    if (name.endsWith(TEMP_SUFFIX)) {
                        Files.deleteIfExists(path);
                        staleTempFiles++;
                        continue;
                    }
                    if (!name.endsWith(BLOCK_SUFFIX)) {
                        continue;
                    }
                    String blockId = name.substring(0, name.length() - BLOCK_SUFFIX.length());
                    if (!BlockKey.isValidBlockId(blockId)) {
                        continue;
                    }
                    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                        blocks.put(blockId, BlockFileHeader.read(channel, describe(workerId, blockId)).length());
                    }
                    catch (BlockStoreException e) {
                        log.warn("{}; deleting it", e.getMessage());
                        Files.deleteIfExists(path);
                        corruptBlocks++;
                    }
                }
            }
        }
        catch (IOException e) {
            throw new BlockStoreException(Kind.IO_FAILURE, "Cannot open the block directory " + directory
                    + " of worker " + workerId + ": " + e, e);
        }
        BlockStore store = new BlockStore(workerId, directory, capacityBytes, segmentBytes, blocks);
        return new OpenResult(store, staleTempFiles, corruptBlocks);
    }

    /** A store just opened, and what opening it cleaned up. */
    record OpenResult(BlockStore store, int staleTempFilesDeleted, int corruptBlocksDeleted) {}

    Path directory() {
        return directory;
    }

    long capacityBytes() {
        return capacityBytes;
    }

    /** Bytes of stored blocks plus bytes reserved by writes in progress. */
    synchronized long usedBytes() {
        return storedBytes + reservedBytes;
    }

    /** The ids of the stored blocks, sorted. */
    synchronized List<String> blockIds() {
        return blocks.keySet().stream().sorted().toList();
    }

    synchronized boolean contains(String blockId) {
        return blocks.containsKey(blockId);
    }

    /**
     * Starts writing a block of {@code length} bytes, reserving its space.
     *
     * @throws BlockStoreException {@code INVALID_REQUEST} for a bad id or a negative length,
     *     {@code NO_SPACE} when the block does not fit; nothing is created then
     */
    BlockWrite beginWrite(String blockId, long length) {
        checkBlockId(blockId);
        if (length < 0) {
            throw new BlockStoreException(Kind.INVALID_REQUEST, "Block " + blockId + " has a negative length: "
                    + length);
        }
        synchronized (this) {
            long free = capacityBytes - storedBytes - reservedBytes;
            if (length > free) {
                throw new BlockStoreException(Kind.NO_SPACE, String.format(
                        "Worker %s has no room for block %s: it needs %d bytes, %d of %d are free",
                        workerId, blockId, length, Math.max(0, free), capacityBytes));
            }
            reservedBytes += length;
        }
        Path temp = directory.resolve(blockId + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + TEMP_SUFFIX);
        try {
            FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            channel.position(BlockFileHeader.headerBytes(length, segmentBytes));
            return new BlockWrite(blockId, length, temp, channel);
        }
        catch (IOException | RuntimeException e) {
            release(length);
            deleteQuietly(temp);
            throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot create a temp file for block "
                    + blockId + ": " + e, e);
        }
    }

    /**
     * Opens a stored block for reading; its header is checked, its data is checked segment by
     * segment as it is read.
     *
     * @throws BlockStoreException {@code NOT_FOUND} when the block is not stored, {@code CORRUPT}
     *     when its header is damaged
     */
    StoredBlock openBlock(String blockId) {
        checkBlockId(blockId);
        Path path = blockPath(blockId);
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        }
        catch (NoSuchFileException e) {
            throw new BlockStoreException(Kind.NOT_FOUND, "Block " + blockId + " not found on worker " + workerId);
        }
        catch (IOException e) {
            throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot open block " + blockId + ": "
                    + e, e);
        }
        try {
            BlockFileHeader header = BlockFileHeader.read(channel, describe(workerId, blockId));
            return new StoredBlock(blockId, header, channel);
        }
        catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            if (e instanceof BlockStoreException storeException) {
                throw storeException;
            }
            throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot read block " + blockId + ": "
                    + e, e);
        }
    }

    /**
     * Deletes a stored block.
     *
     * @return whether the block was stored
     */
    boolean remove(String blockId) {
        checkBlockId(blockId);
        synchronized (this) {
            Long length = blocks.remove(blockId);
            if (length == null) {
                return false;
            }
            storedBytes -= length;
            try {
                Files.deleteIfExists(blockPath(blockId));
            }
            catch (IOException e) {
                throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot delete block " + blockId
                        + ": " + e, e);
            }
            return true;
        }
    }

    Path blockPath(String blockId) {
        return directory.resolve(blockId + BLOCK_SUFFIX);
    }

    private void checkBlockId(String blockId) {
        if (!BlockKey.isValidBlockId(blockId)) {
            throw new BlockStoreException(Kind.INVALID_REQUEST, "Invalid block id: " + blockId);
        }
    }

    private synchronized void release(long length) {
        reservedBytes -= length;
    }

    private static String describe(String workerId, String blockId) {
        return "Block " + blockId + " on worker " + workerId;
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        }
        catch (IOException e) {
            log.warn("Cannot delete {}", path, e);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        }
        catch (IOException e) {
            log.debug("Closing a block file failed", e);
        }
    }

    /**
     * A block being written to a temp file: checksums are computed as bytes arrive, the block
     * appears under its name only on {@link #finish}. Used by one thread at a time.
     */
    final class BlockWrite implements AutoCloseable {
        private final String blockId;
        private final long length;
        private final Path temp;
        private final FileChannel channel;
        private final CRC32C blockCrc = new CRC32C();
        private final CRC32C segmentCrc = new CRC32C();
        private final int[] segmentCrcs;
        private int segments;
        private int bytesInSegment;
        private long written;
        private boolean ended;

        private BlockWrite(String blockId, long length, Path temp, FileChannel channel) {
            this.blockId = blockId;
            this.length = length;
            this.temp = temp;
            this.channel = channel;
            this.segmentCrcs = new int[BlockFileHeader.segmentCount(length, segmentBytes)];
        }

        String blockId() {
            return blockId;
        }

        /**
         * Appends bytes. On failure the write is aborted.
         *
         * @throws BlockStoreException {@code INVALID_REQUEST} when the block would exceed its length
         */
        void append(byte[] data) {
            checkState();
            if (written + data.length > length) {
                abort();
                throw new BlockStoreException(Kind.INVALID_REQUEST, String.format(
                        "Block %s on worker %s: the stream has more than the %d bytes its header announced",
                        blockId, workerId, length));
            }
            blockCrc.update(data);
            int offset = 0;
            while (offset < data.length) {
                int n = Math.min(data.length - offset, segmentBytes - bytesInSegment);
                segmentCrc.update(data, offset, n);
                offset += n;
                bytesInSegment += n;
                if (bytesInSegment == segmentBytes) {
                    endSegment();
                }
            }
            try {
                ByteBuffer buffer = ByteBuffer.wrap(data);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
            catch (IOException e) {
                abort();
                throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot write block " + blockId
                        + ": " + e, e);
            }
            written += data.length;
        }

        /**
         * Completes the block: checks its size, writes the header, syncs and renames it into
         * place (replacing an earlier copy). On failure the write is aborted.
         *
         * @throws BlockStoreException {@code INVALID_REQUEST} when fewer bytes than the length
         *     arrived
         */
        WrittenBlock finish() {
            checkState();
            if (written != length) {
                abort();
                throw new BlockStoreException(Kind.INVALID_REQUEST, String.format(
                        "Block %s on worker %s: the stream ended after %d of the %d bytes its header announced",
                        blockId, workerId, written, length));
            }
            if (bytesInSegment > 0) {
                endSegment();
            }
            BlockFileHeader header = new BlockFileHeader(length, (int) blockCrc.getValue(), segmentBytes, segmentCrcs);
            try {
                ByteBuffer encoded = header.encode();
                long position = 0;
                while (encoded.hasRemaining()) {
                    position += channel.write(encoded, position);
                }
                channel.force(true);
                channel.close();
                synchronized (BlockStore.this) {
                    Files.move(temp, blockPath(blockId), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                    Long previous = blocks.put(blockId, length);
                    storedBytes += length - (previous == null ? 0 : previous);
                    reservedBytes -= length;
                    ended = true;
                }
            }
            catch (IOException e) {
                abort();
                throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot store block " + blockId
                        + ": " + e, e);
            }
            syncDirectory();
            return new WrittenBlock(length, header.crc32c());
        }

        /** Discards the temp file and the reservation, unless the block was finished. */
        void abort() {
            if (ended) {
                return;
            }
            ended = true;
            closeQuietly(channel);
            deleteQuietly(temp);
            release(length);
        }

        @Override
        public void close() {
            abort();
        }

        private void endSegment() {
            segmentCrcs[segments++] = (int) segmentCrc.getValue();
            segmentCrc.reset();
            bytesInSegment = 0;
        }

        private void checkState() {
            if (ended) {
                throw new IllegalStateException("The write of block " + blockId + " has ended");
            }
        }

        private void syncDirectory() {
            try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
                dir.force(true);
            }
            catch (IOException e) {
                log.debug("Cannot sync directory {}", directory, e);
            }
        }
    }

    /**
     * The result of a finished write.
     *
     * @param length bytes stored
     * @param crc32c CRC32C of the bytes, unsigned
     */
    record WrittenBlock(long length, long crc32c) {}

    /** An open stored block; reads verify each segment's checksum. Used by one thread at a time. */
    final class StoredBlock implements AutoCloseable {
        private final String blockId;
        private final BlockFileHeader header;
        private final FileChannel channel;

        private StoredBlock(String blockId, BlockFileHeader header, FileChannel channel) {
            this.blockId = blockId;
            this.header = header;
            this.channel = channel;
        }

        String blockId() {
            return blockId;
        }

        long length() {
            return header.length();
        }

        long crc32c() {
            return header.crc32c();
        }

        int segmentBytes() {
            return header.segmentBytes();
        }

        /**
         * Reads segment {@code segment} and checks it against its stored CRC32C.
         *
         * @throws BlockStoreException {@code CORRUPT} on a checksum mismatch
         */
        ByteBuffer readSegment(int segment) {
            checkArgument(segment >= 0 && segment < header.segmentCount(), "block %s has no segment %s", blockId,
                    segment);
            long start = (long) segment * header.segmentBytes();
            int size = (int) Math.min(header.segmentBytes(), header.length() - start);
            ByteBuffer buffer = ByteBuffer.allocate(size);
            try {
                BlockFileHeader.readFully(channel, buffer, header.dataOffset() + start, describe(workerId, blockId));
            }
            catch (IOException e) {
                throw new BlockStoreException(Kind.IO_FAILURE, "Worker " + workerId + " cannot read block " + blockId
                        + ": " + e, e);
            }
            CRC32C crc = new CRC32C();
            crc.update(buffer.array(), 0, size);
            if ((int) crc.getValue() != header.segmentCrc(segment)) {
                throw new BlockStoreException(Kind.CORRUPT, String.format(
                        "Block %s on worker %s is corrupt: bytes %d-%d have CRC32C 0x%08x, expected 0x%08x",
                        blockId, workerId, start, start + size - 1, crc.getValue(),
                        Integer.toUnsignedLong(header.segmentCrc(segment))));
            }
            return buffer.flip();
        }

        @Override
        public void close() {
            closeQuietly(channel);
        }
    }
}
