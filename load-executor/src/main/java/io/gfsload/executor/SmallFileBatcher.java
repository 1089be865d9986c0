package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.BlockData;
import io.gfsload.cache.api.BlockRange;
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
 * nobody waits for a batch to fill. On the pull data path a block is handed in without its bytes
 * (a {@link Pending} whose data is null), to be pulled by the workers with many others in one
 * {@link CacheClient#pullBlocks} call, grouped and bounded alike; a batch with blocks of both kinds
 * (a load that turned from pulling to pushing) makes one call of each.
 *
 * <p>Memory: a read thread {@link #reserve reserves} a block's bytes before it reads the block, and
 * they are given back once the block's batch is written, so at most the queue bound given at
 * construction (at most {@link #MAX_QUEUED_BYTES}) of small blocks are read and not yet written;
 * {@link #reserve} waits while that is reached. A block to pull holds no bytes here and reserves
 * none. A block read from a local file goes into a direct
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
     * buffer or one of {@link #directBuffer}'s; or, with {@code data} null, a block for the
     * workers to pull.
     */
    record Pending(FileLoad file, BlockTask block, ByteBuffer data) {
        Pending {
            requireNonNull(file, "file is null");
            requireNonNull(block, "block is null");
        }

        /** A block for the workers to pull: no bytes here. */
        static Pending pulled(FileLoad file, BlockTask block) {
            return new Pending(file, block, null);
        }

        boolean isPulled() {
            return data == null;
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

    /** The room a pending block holds: its direct buffer's capacity, or its length; none for a block to pull. */
    private static int reserved(Pending pending) {
        if (pending.isPulled()) {
            return 0;
        }
        return pending.data().isDirect() ? pending.data().capacity() : pending.data().remaining();
    }

    /** What a pending block counts against {@link #MAX_BATCH_BYTES}: the room it holds, or the length of a block to pull. */
    private static long batchBytes(Pending pending) {
        return pending.isPulled() ? pending.block().length() : reserved(pending);
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
            long bytes = batchBytes(batch.get(0));
            long reservedBytes = reserved(batch.get(0));
            while (batch.size() < MAX_BATCH_FILES) {
                Pending next = queue.peek();
                if (next == null || bytes + batchBytes(next) > MAX_BATCH_BYTES) {
                    break;
                }
                // Another writer may have taken it between peek and poll.
                next = queue.poll();
                if (next == null) {
                    break;
                }
                batch.add(next);
                bytes += batchBytes(next);
                reservedBytes += reserved(next);
            }
            write(batch, reservedBytes);
        }
    }

    /** Writes (or has the workers pull) {@code batch}, whose blocks hold {@code bytes} of reserved room. */
    private void write(List<Pending> batch, long bytes) {
        try {
            List<Integer> pushed = new ArrayList<>();
            List<Integer> pulled = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                (batch.get(i).isPulled() ? pulled : pushed).add(i);
            }
            BlockWriteOutcome[] outcomes = new BlockWriteOutcome[batch.size()];
            try {
                WriteOptions options = writeOptions.get();
                if (!pushed.isEmpty()) {
                    place(outcomes, pushed, cache.writeBlocks(pushed.stream().map(i -> new BlockData(batch.get(i).block().key(), batch.get(i).data())).toList(),
                            options));
                }
                if (!pulled.isEmpty()) {
                    place(outcomes, pulled, cache.pullBlocks(pulled.stream().map(i -> batch.get(i).block())
                            .map(block -> new BlockRange(block.key(), block.offset(), block.length())).toList(), options));
                }
            }
            catch (CacheException e) {
                LOG.debug("A batch of {} blocks failed as a whole: {}", batch.size(), e.getMessage());
                for (int i = 0; i < outcomes.length; i++) {
                    if (outcomes[i] == null) {
                        outcomes[i] = BlockWriteOutcome.failed(batch.get(i).block().key(), e);
                    }
                }
            }
            written.accept(batch, List.of(outcomes));
        }
        catch (RuntimeException | Error e) {
            LOG.warn("Writing a batch of {} blocks failed unexpectedly", batch.size(), e);
            crashed.accept(batch);
        }
        finally {
            batch.stream().filter(pending -> !pending.isPulled()).forEach(pending -> giveBack(pending.data()));
            queuedBytes.release(Math.toIntExact(bytes));
        }
    }

    /** Puts each of {@code outcomes} at its index of the batch. */
    private static void place(BlockWriteOutcome[] batch, List<Integer> indexes, List<BlockWriteOutcome> outcomes) {
        for (int i = 0; i < indexes.size(); i++) {
            batch[indexes.get(i)] = outcomes.get(i);
        }
    }

    /** Stops the writer threads; call once every queued block's outcome was reported. */
    @Override
    public void close() {
        writers.shutdownNow();
    }

    /** The writer threads, to wait for after {@link #close}: one may still be writing a batch a load that failed did not wait for. */
    ExecutorService writers() {
        return writers;
    }
}
