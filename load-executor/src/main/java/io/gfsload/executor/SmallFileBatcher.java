package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.BlockData;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
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
 * <p>Memory: at most {@link #MAX_QUEUED_BYTES} of blocks wait; {@link #add} blocks while that is
 * reached. Each block's outcome goes to the callback given at construction, on a writer thread.
 */
final class SmallFileBatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SmallFileBatcher.class);

    /** Files whose single block to load is at most this long go through a batcher. */
    static final int MAX_BLOCK_BYTES = 1 << 20;
    static final int MAX_BATCH_FILES = 512;
    static final int MAX_BATCH_BYTES = 4 << 20;
    static final int MAX_QUEUED_BYTES = 32 << 20;
    static final int WRITER_THREADS = 4;

    /** A block read whole and waiting to be written. */
    record Pending(FileLoad file, BlockTask block, byte[] data) {
        Pending {
            requireNonNull(file, "file is null");
            requireNonNull(block, "block is null");
            requireNonNull(data, "data is null");
        }
    }

    private final CacheClient cache;
    private final WriteOptions writeOptions;
    private final BiConsumer<List<Pending>, List<BlockWriteOutcome>> written;
    private final Consumer<List<Pending>> crashed;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Semaphore queuedBytes = new Semaphore(MAX_QUEUED_BYTES);
    private final ExecutorService writers;

    /**
     * @param written called with each batch and its outcomes, in the same order
     * @param crashed called with a batch whose write threw instead of returning outcomes
     */
    SmallFileBatcher(CacheClient cache, WriteOptions writeOptions, BiConsumer<List<Pending>, List<BlockWriteOutcome>> written,
            Consumer<List<Pending>> crashed) {
        this.cache = requireNonNull(cache, "cache is null");
        this.writeOptions = requireNonNull(writeOptions, "writeOptions is null");
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

    /** Queues a block read whole; waits while {@link #MAX_QUEUED_BYTES} are queued. */
    void add(Pending pending) throws InterruptedException {
        queuedBytes.acquire(pending.data().length);
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
            long bytes = batch.get(0).data().length;
            while (batch.size() < MAX_BATCH_FILES) {
                Pending next = queue.peek();
                if (next == null || bytes + next.data().length > MAX_BATCH_BYTES) {
                    break;
                }
                // Another writer may have taken it between peek and poll.
                next = queue.poll();
                if (next == null) {
                    break;
                }
                batch.add(next);
                bytes += next.data().length;
            }
            write(batch, bytes);
        }
    }

    private void write(List<Pending> batch, long bytes) {
        try {
            List<BlockData> blocks = batch.stream().map(pending -> new BlockData(pending.block().key(), pending.data())).toList();
            List<BlockWriteOutcome> outcomes;
            try {
                outcomes = cache.writeBlocks(blocks, writeOptions);
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
            queuedBytes.release(Math.toIntExact(bytes));
        }
    }

    /** Stops the writer threads; call once every queued block's outcome was reported. */
    @Override
    public void close() {
        writers.shutdownNow();
    }
}
