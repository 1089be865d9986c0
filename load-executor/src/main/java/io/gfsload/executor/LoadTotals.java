package io.gfsload.executor;

import java.io.Serializable;
import java.util.Collection;
import java.util.List;

/**
 * Sums over the files of a load: always their reports' figures added up, also after the end of a
 * load re-marks files failed.
 *
 * @param files files planned
 * @param filesFailed files with at least one failed block
 * @param blocks blocks planned
 * @param blocksLoaded blocks written by this run (and, in an atomic load, committed)
 * @param blocksAlreadyCached blocks found cached, not written by this run: when it planned or, in a slice, when the
 *     slice's attempt started (another load, or an earlier attempt, cached them since the plan)
 * @param blocksFailed blocks that failed
 * @param bytes bytes planned
 * @param bytesLoaded bytes of the blocks loaded
 * @param bytesAlreadyCached bytes of the blocks found cached
 * @param retries attempts repeated after transient failures
 * @param partitionsFailed partitions (or paths) whose location could not be listed: their files
 *     are unknown, so in none of the other counts
 * @param directoriesFailed directories below a listed location that could not be listed: their
 *     files are unknown, so in none of the other counts (the files beside them are)
 */
public record LoadTotals(long files, long filesFailed, long blocks, long blocksLoaded, long blocksAlreadyCached, long blocksFailed,
        long bytes, long bytesLoaded, long bytesAlreadyCached, long retries, long partitionsFailed, long directoriesFailed) implements Serializable {
    /** Sums without failed partitions or directories. */
    public LoadTotals(long files, long filesFailed, long blocks, long blocksLoaded, long blocksAlreadyCached, long blocksFailed,
            long bytes, long bytesLoaded, long bytesAlreadyCached, long retries) {
        this(files, filesFailed, blocks, blocksLoaded, blocksAlreadyCached, blocksFailed, bytes, bytesLoaded, bytesAlreadyCached, retries, 0, 0);
    }

    /** These sums, and one more partition that could not be listed. */
    LoadTotals withPartitionFailed() {
        return new LoadTotals(files, filesFailed, blocks, blocksLoaded, blocksAlreadyCached, blocksFailed, bytes, bytesLoaded, bytesAlreadyCached, retries,
                partitionsFailed + 1, directoriesFailed);
    }

    /** These sums, and {@code count} more directories that could not be listed. */
    LoadTotals withDirectoriesFailed(long count) {
        return new LoadTotals(files, filesFailed, blocks, blocksLoaded, blocksAlreadyCached, blocksFailed, bytes, bytesLoaded, bytesAlreadyCached, retries,
                partitionsFailed, directoriesFailed + count);
    }

    /** Whether anything planned is not cached: a failed block, or a partition or a directory that could not be listed. */
    public boolean anyFailed() {
        return blocksFailed > 0 || partitionsFailed > 0 || directoriesFailed > 0;
    }
    /** The sums over the totals of {@code partitions}. */
    static LoadTotals of(Collection<PartitionReport> partitions) {
        return partitions.stream().map(PartitionReport::totals).reduce(ofFiles(List.of()), LoadTotals::plus);
    }

    /** The sums over {@code reports}. */
    static LoadTotals ofFiles(Collection<FileReport> reports) {
        long files = 0;
        long filesFailed = 0;
        long blocks = 0;
        long loaded = 0;
        long cached = 0;
        long failed = 0;
        long bytes = 0;
        long bytesLoaded = 0;
        long bytesAlreadyCached = 0;
        long retries = 0;
        for (FileReport file : reports) {
            files++;
            filesFailed += file.failed() ? 1 : 0;
            blocks += file.blocks();
            loaded += file.blocksLoaded();
            cached += file.blocksAlreadyCached();
            failed += file.blocksFailed();
            bytes += file.length();
            bytesLoaded += file.bytesLoaded();
            bytesAlreadyCached += file.bytesAlreadyCached();
            retries += file.retries();
        }
        return new LoadTotals(files, filesFailed, blocks, loaded, cached, failed, bytes, bytesLoaded, bytesAlreadyCached, retries);
    }

    private LoadTotals plus(LoadTotals other) {
        return new LoadTotals(files + other.files, filesFailed + other.filesFailed, blocks + other.blocks, blocksLoaded + other.blocksLoaded,
                blocksAlreadyCached + other.blocksAlreadyCached, blocksFailed + other.blocksFailed, bytes + other.bytes,
                bytesLoaded + other.bytesLoaded, bytesAlreadyCached + other.bytesAlreadyCached, retries + other.retries,
                partitionsFailed + other.partitionsFailed, directoriesFailed + other.directoriesFailed);
    }
}
