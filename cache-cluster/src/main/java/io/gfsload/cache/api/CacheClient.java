package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.io.InputStream;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A client of a cache cluster: cluster state, cached-block queries, block writes and reads, temp
 * areas for atomic loads, and uncaching.
 *
 * <p>Thread-safe. Owns its connections; {@link #close()} releases them.
 *
 * <p>The methods added after the first version have default implementations that throw
 * {@link UnsupportedOperationException}, so that hand-written fakes of this interface keep
 * compiling; the gRPC client implements all of them.
 */
public interface CacheClient extends AutoCloseable {
    /** Workers, their capacity per tier and liveness. */
    ClusterInfo clusterInfo();

    /**
     * The committed blocks of {@code file} that have at least one replica on a live worker,
     * sorted by index. Blocks cached for another identity of the same path are not returned, nor
     * are blocks still in a temp area.
     */
    List<CachedBlock> cachedBlocks(FileIdentity file);

    /**
     * {@link #cachedBlocks(FileIdentity)} of each file, keyed by file in the order given (a file
     * given twice appears once). This default asks file by file; the gRPC client asks the master
     * about thousands of files per call, which is what planning a large table needs.
     */
    default Map<FileIdentity, List<CachedBlock>> cachedBlocks(Collection<FileIdentity> files) {
        Map<FileIdentity, List<CachedBlock>> result = new LinkedHashMap<>();
        for (FileIdentity file : files) {
            result.put(file, cachedBlocks(file));
        }
        return result;
    }

    /**
     * {@link #cachedBlocks(Collection)} of each file, each block with only the workers that, asked
     * now, hold its replica on disk with the length and CRC32C the master recorded. The master
     * keeps a replica's location until its worker reports the block gone, so it may still list a
     * replica whose file was deleted or lost; this asks the workers themselves, which is what a
     * check after a load needs. A worker that cannot be reached, or answers otherwise, confirms
     * nothing; a block that no worker confirms is listed with no workers. Keyed by file in the
     * order given (a file given twice appears once).
     */
    default Map<FileIdentity, List<CachedBlock>> confirmedBlocks(Collection<FileIdentity> files) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot confirm blocks with the workers");
    }

    /**
     * What the master and each live worker have removed so far ({@link RemovalMarks}): one call to
     * the master and one call with no block ids to each live worker, at once. Empty when a part
     * cannot tell (an older master or worker, a worker that does not answer), or when the cache
     * cannot count (this default): a caller then checks its blocks as if something were removed.
     */
    default Optional<RemovalMarks> removalMarks() {
        return Optional.empty();
    }

    /** {@link #confirmedBlocks(Collection)} of one file. */
    default List<CachedBlock> confirmedBlocks(FileIdentity file) {
        requireNonNull(file, "file is null");
        return confirmedBlocks(List.of(file)).get(file);
    }

    /**
     * Opens a writer for {@code block} of {@code length} bytes, placed on {@code replication}
     * distinct live workers chosen by the master.
     *
     * @throws NotEnoughWorkersException when fewer live workers than {@code replication} have room
     */
    BlockWriter openWriter(BlockKey block, long length, int replication);

    /**
     * Opens a writer for {@code block} of {@code length} bytes as {@code options} say: replication,
     * temp area, tier. With a temp area, {@link BlockWriter#commit()} puts the block into the area
     * (invisible to readers) instead of making it visible.
     *
     * @throws NotEnoughWorkersException when fewer live workers than the replication have room,
     *     the excluded ones left out
     * @throws TempAreaNotFoundException when the options name a temp area that is not open
     */
    default BlockWriter openWriter(BlockKey block, long length, WriteOptions options) {
        if (options.tempArea().isEmpty() && options.tier().isEmpty() && options.excludedWorkers().isEmpty() && options.holders().isEmpty()) {
            return openWriter(block, length, options.replication());
        }
        throw new UnsupportedOperationException(getClass().getName() + " supports no temp areas, tiers, excluded workers or holders");
    }

    /**
     * Writes many small blocks at once as {@code options} say, each as {@link #openWriter} would
     * write it (replicas on distinct live workers, CRC32C checked by every worker, recorded at the
     * master or put into the temp area), but with a few calls for all of them. Each block succeeds
     * or fails on its own: a failed block is left on no worker and recorded nowhere. Meant for
     * blocks of up to a few MiB; the caller bounds the total bytes of one call.
     *
     * @return one outcome per block, in the order given
     */
    default List<BlockWriteOutcome> writeBlocks(List<BlockData> blocks, WriteOptions options) {
        List<BlockWriteOutcome> outcomes = new java.util.ArrayList<>(blocks.size());
        for (BlockData block : blocks) {
            try (BlockWriter writer = openWriter(block.block(), block.length(), options)) {
                writer.write(block.data());
                outcomes.add(BlockWriteOutcome.written(writer.commit()));
            }
            catch (CacheException e) {
                outcomes.add(BlockWriteOutcome.failed(block.block(), e));
            }
        }
        return outcomes;
    }

    /**
     * Caches {@code length} bytes of {@code block}'s file from {@code offset} on without passing
     * them through this client (the pull data path): the first worker placed reads them from the
     * UFS itself, with its own Hadoop configuration and credentials, and every other replica is
     * copied from it, worker to worker; the block is then recorded in the master as a write would
     * record it. The workers read only the file version {@code block} names, on up to
     * {@code streams} streams at once (ranged requests of an object store; 1 reads it on one). A
     * worker that cannot read the file's store (no file system, no access) leaves the read to
     * another: a client may have another placed worker read the block and forward it the replica,
     * or place the block again.
     *
     * @throws UfsPullException when a worker could not read the UFS; its reason says whether the
     *     file changed, is gone, cannot be read by any worker the block may go to
     *     ({@code UNREADABLE}), or the read failed
     * @throws UnsupportedOperationException from clients that cannot (this default)
     */
    default BlockWriteResult pullBlock(BlockKey block, long offset, long length, int streams, WriteOptions options) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot have workers pull blocks");
    }

    /**
     * Whether each live worker can read the UFS file {@code path} as a pull would (its own file
     * system for the scheme, its own access, the files it pulls from), reading none of its bytes
     * and storing nothing: by worker id, empty for a worker that found the file, else why it could
     * not (a {@link UfsPullException} whose reason is {@code UNREADABLE}, or {@code NOT_FOUND} when
     * the file is gone, in the worker's words: {@code Worker W looking up P: why}). A worker older
     * than the question, or that does not answer, is left out.
     *
     * @throws UnsupportedOperationException from clients that cannot ask (this default)
     */
    default Map<String, Optional<UfsPullException>> checkUfs(String path) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot ask the workers about the UFS");
    }

    /**
     * Pulls many small blocks at once as {@code options} say, each as {@link #pullBlock} would
     * pull it on one stream (the first worker placed reads it from the UFS and forwards it to the
     * others; recorded at the master or put into the temp area), but with a few calls for all of
     * them: one placement, one call per first worker, one commit. Each block succeeds or fails on
     * its own: a failed block is left on no worker and recorded nowhere, and its failure is what
     * {@link #pullBlock} would have thrown (a {@link UfsPullException} when a worker could not
     * read the UFS). This default pulls the blocks one by one. Meant for blocks of up to a few MiB;
     * the caller bounds the total bytes of one call (at most 1,024 blocks and 64 MiB go in one call
     * to a worker).
     *
     * @return one outcome per block, in the order given
     * @throws UnsupportedOperationException from clients that cannot pull
     */
    default List<BlockWriteOutcome> pullBlocks(List<BlockRange> blocks, WriteOptions options) {
        List<BlockWriteOutcome> outcomes = new java.util.ArrayList<>(blocks.size());
        for (BlockRange range : blocks) {
            try {
                outcomes.add(BlockWriteOutcome.written(pullBlock(range.block(), range.offset(), range.length(), 1, options)));
            }
            catch (CacheException e) {
                outcomes.add(BlockWriteOutcome.failed(range.block(), e));
            }
        }
        return outcomes;
    }

    /**
     * Opens a committed block for reading from one of its live replicas, on this host first; the
     * stream verifies the block's CRC32C when it reaches the end and throws {@link CacheException}
     * on a mismatch.
     *
     * @throws BlockNotFoundException when no live replica holds the block
     */
    InputStream openReader(BlockKey block);

    /**
     * Opens a committed block for reading from {@code offset} to its end, as
     * {@link #openReader(BlockKey)} does. From an offset past 0 the stream cannot compare the
     * whole block's CRC32C; the workers still check every segment they send against its stored
     * CRC32C.
     *
     * @throws BlockNotFoundException when no live replica holds the block
     * @throws IllegalArgumentException when {@code offset} is negative or past the block's end
     */
    default InputStream openReader(BlockKey block, long offset) {
        if (offset == 0) {
            return openReader(block);
        }
        throw new UnsupportedOperationException(getClass().getName() + " cannot read a block from an offset");
    }

    /** The temp areas of atomic loads. */
    default TempAreas tempAreas() {
        throw new UnsupportedOperationException(getClass().getName() + " supports no temp areas");
    }

    /**
     * Uncaches every committed block of {@code file}; the workers delete the replicas with their
     * next heartbeat. Blocks in temp areas are left alone.
     */
    default FreeResult free(FileIdentity file) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot free");
    }

    /**
     * Uncaches every committed block of every identity of the file at {@code path}, whatever its
     * length, modification time and etag: what is cached of a file deleted from the UFS. Files whose
     * path merely starts with {@code path} are left alone.
     *
     * @throws IllegalArgumentException when the path is empty
     */
    default FreeResult freePath(String path) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot free");
    }

    /**
     * Uncaches every committed block of every file whose path starts with {@code pathPrefix}, e.g.
     * {@code cosn://bucket/db/t/dt=2026-11-20/}.
     *
     * @throws IllegalArgumentException when the prefix is empty
     */
    default FreeResult freePrefix(String pathPrefix) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot free");
    }

    /**
     * Committed blocks of files under {@code pathPrefix} (empty for all) whose replicas on live
     * workers are fewer than the replication they were written with: the count of all of them and
     * the first {@code limit}.
     */
    default UnderReplication underReplicated(String pathPrefix, int limit) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot report under-replication");
    }

    /**
     * Aborts the writes this client has under way whose space the workers hold until the write
     * ends (short-circuit writes, whose temp files a worker otherwise keeps until they have been
     * idle a while), so that their room is free at once, and refuses the writes that start after
     * it. For a process that stops mid-load (SIGTERM); waits at most {@code timeout} for the
     * workers' answers. Streamed writes need nothing: a worker aborts them as their connection
     * closes. This default aborts nothing.
     *
     * @return the writes aborted
     */
    default int abortUnfinishedWrites(Duration timeout) {
        requireNonNull(timeout, "timeout is null");
        return 0;
    }

    /**
     * The blocks workers evicted to make room for this client's writes, as they reported them.
     * This default records none: a new, empty log each call.
     */
    default WriteEvictions writeEvictions() {
        return new WriteEvictions();
    }

    /**
     * Whether, and for how long, the master has not answered this client: present from the start
     * of the first call that failed for want of an answer (the master unreachable, or the call's
     * deadline passed) after the last call it answered, until it answers one again. A caller that
     * waits on the master (its threads in calls or backoff) gives it up once the silence is
     * {@link MasterSilence#exceeded}, however many calls fail meanwhile. This default tells
     * nothing: empty.
     */
    default Optional<MasterSilence> masterSilence() {
        return Optional.empty();
    }

    @Override
    void close();
}
