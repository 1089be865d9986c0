package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.BlockData;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the single blocks of small files to the cache many at a time: read threads hand in whole
 * blocks ({@link #add}), and writer threads {@code gfsload-cache-write-N} take whatever has
 * accumulated (up to {@link #MAX_BATCH_FILES} blocks and {@link #MAX_BATCH_BYTES}) and write it with
 * one {@link CacheClient#writeBlocks} call. A writer takes the next batch as soon as it finished the
 * last, so batches grow while the cache is busy and stay small while the UFS is the bottleneck;
 * nobody waits for a batch to fill.
 *
 * <p>Memory: a read thread {@link #reserve reserves} a block's bytes before it reads the block, and
 * they are given back once the block's batch is written, so at most the queue bound given at
 * construction (at most {@link #MAX_QUEUED_BYTES}) of small blocks are read and not yet written;
 * {@link #reserve} waits while that is reached. A block read from a local file goes into a direct
 * buffer of the batcher's ({@link #directBuffer}), which the file systems read into and the cache
 * client writes from without copying it through the heap; its reservation is the buffer's
 * capacity, a power of two, so that the buffers, kept for reuse, never exceed the bound either.
 * Each block's outcome goes to the callback given at construction, on a writer thread.
 */
final class SmallFileBatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SmallFileBatcher.class);

    /** Files whose single block to load is at most this long go through a batcher. */
    static final int MAX_BLOCK_BYTES = 1 << 20;
    static final int MAX_BATCH_FILES = 1024;
    /**
     * Bytes of one batch at most. A batch costs four cache calls whatever its size, and larger
     * ones cost less per file (P2 on 2 cores, runs 2-5: 3.3-4.0 s with 8 MiB batches, 2.9-3.7 s
     * with 32 MiB); streamed to a worker, a batch is one message, well within the 64 MiB a
     * server accepts.
     */
    static final int MAX_BATCH_BYTES = 32 << 20;
    /** Bytes read and not yet written at most, whatever the in-flight bytes: room for a batch being written and the next ones being read. */
    static final int MAX_QUEUED_BYTES = 128 << 20;
    /**
     * Writer threads: one per core, from 2 to 4. A batch costs four cache calls whatever its size,
     * so on a small machine fewer writers with larger batches spend less CPU per file (P2 on 2
     * cores: 2 writers loaded 20,000 files in 3.5-7.9 s, 4 writers in 4.4-10.5 s, run by run);
     * two keep a batch in flight while the next one is read.
     */
    static final int WRITER_THREADS = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));

    /** Smallest direct buffer: blocks smaller than this share its size class. */
    static final int MIN_DIRECT_BYTES = 4096;

    /**
     * A block read whole and waiting to be written: the remaining bytes of {@code data}, a heap
     * buffer or one of {@link #directBuffer}'s.
     */
    record Pending(FileLoad file, BlockTask block, ByteBuffer data) {
        Pending {
            requireNonNull(file, "file is null");
            requireNonNull(block, "block is null");
            requireNonNull(data, "data is null");
        }
    }

    private final CacheClient cache;
    private final Supplier<WriteOptions> writeOptions;
    private final BiConsumer<List<Pending>, List<BlockWriteOutcome>> written;
    private final Consumer<List<Pending>> crashed;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Semaphore queuedBytes;
    /** Free direct buffers by size class: index i holds buffers of {@code MIN_DIRECT_BYTES << i}. */
    private final List<ConcurrentLinkedQueue<ByteBuffer>> freeDirect = new ArrayList<>();
    private final ExecutorService writers;

    /**
     * @param writeOptions how the next batch is written, asked for each batch (the workers to
     *     exclude may grow during a load)
     * @param maxQueuedBytes bytes of small blocks read and not yet written, at most; at least
     *     {@link #MAX_BLOCK_BYTES} and at most {@link #MAX_QUEUED_BYTES}
     * @param written called with each batch and its outcomes, in the same order
     * @param crashed called with a batch whose write threw instead of returning outcomes
     */
    SmallFileBatcher(CacheClient cache, Supplier<WriteOptions> writeOptions, int maxQueuedBytes,
            BiConsumer<List<Pending>, List<BlockWriteOutcome>> written, Consumer<List<Pending>> crashed) {
        this.cache = requireNonNull(cache, "cache is null");
        this.writeOptions = requireNonNull(writeOptions, "writeOptions is null");
        if (maxQueuedBytes < MAX_BLOCK_BYTES || maxQueuedBytes > MAX_QUEUED_BYTES) {
            throw new IllegalArgumentException("maxQueuedBytes must be in [%d, %d]: %d".formatted(MAX_BLOCK_BYTES, MAX_QUEUED_BYTES, maxQueuedBytes));
        }
        this.queuedBytes = new Semaphore(maxQueuedBytes);
        for (int bytes = MIN_DIRECT_BYTES; bytes <= MAX_BLOCK_BYTES; bytes <<= 1) {
            freeDirect.add(new ConcurrentLinkedQueue<>());
        }
        this.written = requireNonNull(written, "written is null");
        this.crashed = requireNonNull(crashed, "crashed is null");
        AtomicInteger threadNumber = new AtomicInteger();
        this.writers = Executors.newFixedThreadPool(WRITER_THREADS, runnable -> {
            Thread thread = new Thread(runnable, "gfsload-cache-write-" + threadNumber.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        });
        for (int i = 0; i < WRITER_THREADS; i++) {
            writers.execute(this::writeLoop);
        }
    }

    /** Whether {@code block} is small enough to go through a batcher. */
    static boolean fits(BlockTask block) {
        return block.length() <= MAX_BLOCK_BYTES;
    }

    /**
     * Reserves room for a block of {@code bytes} before it is read, waiting while the queue bound
     * is reached. The room is given back when the block's batch is written (after {@link #add})
     * or with {@link #unreserve} when the block is not added.
     */
    void reserve(int bytes) throws InterruptedException {
        queuedBytes.acquire(bytes);
    }

    /** Gives back room {@link #reserve reserved} for a block that is not added. */
    void unreserve(int bytes) {
        queuedBytes.release(bytes);
    }

    /** The room {@link #reserve} must reserve for a {@link #directBuffer} of a block of {@code bytes}. */
    static int directCapacity(int bytes) {
        if (bytes < 0 || bytes > MAX_BLOCK_BYTES) {
            throw new IllegalArgumentException("bytes must be in [0, %d]: %d".formatted(MAX_BLOCK_BYTES, bytes));
        }
        return Math.max(MIN_DIRECT_BYTES, Integer.highestOneBit(Math.max(1, bytes - 1)) << 1);
    }

    /**
     * A direct buffer for a block of {@code bytes} (position 0, limit {@code bytes}), reused from
     * an earlier batch when one is free; {@link #directCapacity} of {@code bytes} must have been
     * {@link #reserve reserved} for it. It comes back to the batcher when its block's batch is
     * written, or with {@link #giveBack} when the block is not added.
     */
    ByteBuffer directBuffer(int bytes) {
        int capacity = directCapacity(bytes);
        ByteBuffer buffer = freeDirect.get(Integer.numberOfTrailingZeros(capacity / MIN_DIRECT_BYTES)).poll();
        return (buffer != null ? buffer.clear() : ByteBuffer.allocateDirect(capacity)).limit(bytes);
    }

    /** Takes back a {@link #directBuffer} whose block is not added; its room is given back with {@link #unreserve}. */
    void giveBack(ByteBuffer buffer) {
        if (buffer.isDirect()) {
            freeDirect.get(Integer.numberOfTrailingZeros(buffer.capacity() / MIN_DIRECT_BYTES)).add(buffer);
        }
    }

    /** The room a pending block holds: its direct buffer's capacity, or its length. */
    private static int reserved(Pending pending) {
        return pending.data().isDirect() ? pending.data().capacity() : pending.data().remaining();
    }

    /** Queues a block read whole, whose bytes were {@link #reserve reserved}. */
    void add(Pending pending) throws InterruptedException {
        queue.put(pending);
    }

    private void writeLoop() {
        while (!Thread.currentThread().isInterrupted()) {
            List<Pending> batch = new ArrayList<>();
            try {
                batch.add(queue.take());
            }
            catch (InterruptedException e) {
                return;
            }
            long bytes = reserved(batch.get(0));
            while (batch.size() < MAX_BATCH_FILES) {
                Pending next = queue.peek();
                if (next == null || bytes + reserved(next) > MAX_BATCH_BYTES) {
                    break;
                }
                // Another writer may have taken it between peek and poll.
                next = queue.poll();
                if (next == null) {
                    break;
                }
                batch.add(next);
                bytes += reserved(next);
            }
            write(batch, bytes);
        }
    }

    private void write(List<Pending> batch, long bytes) {
        try {
            List<BlockData> blocks = batch.stream().map(pending -> new BlockData(pending.block().key(), pending.data())).toList();
            List<BlockWriteOutcome> outcomes;
            try {
                outcomes = cache.writeBlocks(blocks, writeOptions.get());
            }
            catch (CacheException e) {
                LOG.debug("A batch of {} blocks failed as a whole: {}", batch.size(), e.getMessage());
                outcomes = batch.stream().map(pending -> BlockWriteOutcome.failed(pending.block().key(), e)).toList();
            }
            written.accept(batch, outcomes);
        }
        catch (RuntimeException | Error e) {
            LOG.warn("Writing a batch of {} blocks failed unexpectedly", batch.size(), e);
            crashed.accept(batch);
        }
        finally {
            batch.forEach(pending -> giveBack(pending.data()));
            queuedBytes.release(Math.toIntExact(bytes));
        }
    }

    /** Stops the writer threads; call once every queued block's outcome was reported. */
    @Override
    public void close() {
        writers.shutdownNow();
    }
}
