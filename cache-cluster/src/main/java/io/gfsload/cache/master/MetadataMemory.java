package io.gfsload.cache.master;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The native memory, and the write-ahead log, the master's RocksDB may hold; the JVM's heap limit
 * ({@code -Xmx}) does not bound either.
 *
 * <p>All column families share one memtable budget: when their memtables reach it, RocksDB flushes
 * them to SST files. The write-ahead log is bounded by the same number of bytes: past it, RocksDB
 * flushes the column families whose changes keep the oldest log alive, so that the log can go,
 * even where a family changes too rarely to fill its memtable. Memtables are charged to the block
 * cache, which holds {@code blockCacheBytes} for data, index and filter blocks besides them.
 *
 * @param memtableBytes memory of all memtables together; also the bound of the write-ahead log
 * @param blockCacheBytes memory of the block cache besides the memtables
 */
public record MetadataMemory(long memtableBytes, long blockCacheBytes) {
    public static final long MIN_BYTES = 1L << 20;
    public static final long DEFAULT_MEMTABLE_BYTES = 64L << 20;
    public static final long DEFAULT_BLOCK_CACHE_BYTES = 32L << 20;
    public static final MetadataMemory DEFAULT = new MetadataMemory(DEFAULT_MEMTABLE_BYTES, DEFAULT_BLOCK_CACHE_BYTES);

    public MetadataMemory {
        checkArgument(memtableBytes >= MIN_BYTES, "memtableBytes must be at least 1 MiB: %s", memtableBytes);
        checkArgument(blockCacheBytes >= MIN_BYTES, "blockCacheBytes must be at least 1 MiB: %s", blockCacheBytes);
    }

    /** The largest write-ahead log RocksDB keeps before it flushes the column families holding it. */
    public long walLimitBytes() {
        return memtableBytes;
    }

    /** One column family's memtable: a quarter of the budget, so that several families fill it together. */
    long columnFamilyWriteBufferBytes() {
        return memtableBytes / 4;
    }
}
