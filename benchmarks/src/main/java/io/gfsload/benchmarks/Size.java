package io.gfsload.benchmarks;

import java.time.Duration;
import java.util.Locale;

/**
 * How big the scenarios' data sets are, and how many runs each contender gets by default.
 *
 * <p>{@code SMOKE} only checks that the harness works (seconds; its numbers mean little);
 * {@code REDUCED} is the documented few-minute run; {@code FULL} is the size the issue describes.
 */
public enum Size {
    SMOKE(1, new Shape(2, 4L << 20), new Shape(200, 64L << 10), new Shape(40, 64L << 10), new Shape(2, 8L << 20), "smoke", Duration.ofMillis(50), new Table(200, 10)),
    REDUCED(5, new Shape(4, 256L << 20), new Shape(20_000, 64L << 10), new Shape(1_000, 64L << 10), new Shape(4, 128L << 20), "full", Duration.ofSeconds(5),
            new Table(10_000, 10)),
    FULL(3, new Shape(16, 256L << 20), new Shape(100_000, 64L << 10), new Shape(10_000, 64L << 10), new Shape(16, 128L << 20), "full", Duration.ofSeconds(5),
            new Table(100_000, 10));

    /**
     * A data set of equal-sized files.
     *
     * @param files number of files, >= 1
     * @param fileBytes bytes per file, >= 1
     */
    public record Shape(int files, long fileBytes) {
        public Shape {
            if (files < 1) {
                throw new IllegalArgumentException("files must be >= 1: " + files);
            }
            if (fileBytes < 1) {
                throw new IllegalArgumentException("fileBytes must be >= 1: " + fileBytes);
            }
        }

        public long totalBytes() {
            return files * fileBytes;
        }

        /** E.g. {@code 4 x 256 MiB}. */
        public String describe() {
            return "%,d x %s".formatted(files, Units.bytes(fileBytes));
        }
    }

    /**
     * A partitioned table of P4.
     *
     * @param partitions partitions, >= 1
     * @param filesPerPartition data files in each partition, >= 1
     */
    public record Table(int partitions, int filesPerPartition) {
        public Table {
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions must be >= 1: " + partitions);
            }
            if (filesPerPartition < 1) {
                throw new IllegalArgumentException("filesPerPartition must be >= 1: " + filesPerPartition);
            }
        }

        public long files() {
            return (long) partitions * filesPerPartition;
        }

        /** E.g. {@code 100,000 partitions, 1,000,000 files}. */
        public String describe() {
            return "%,d partitions, %,d files".formatted(partitions, files());
        }
    }

    private final int defaultRuns;
    private final Shape largeFiles;
    private final Shape smallFiles;
    private final Shape throttledSmallFiles;
    private final Shape throttledLargeFiles;
    private final String adaptiveDataSize;
    private final Duration adaptivePhase;
    private final Table table;

    Size(int defaultRuns, Shape largeFiles, Shape smallFiles, Shape throttledSmallFiles, Shape throttledLargeFiles, String adaptiveDataSize,
            Duration adaptivePhase, Table table) {
        this.defaultRuns = defaultRuns;
        this.largeFiles = largeFiles;
        this.smallFiles = smallFiles;
        this.throttledSmallFiles = throttledSmallFiles;
        this.throttledLargeFiles = throttledLargeFiles;
        this.adaptiveDataSize = adaptiveDataSize;
        this.adaptivePhase = adaptivePhase;
        this.table = table;
    }

    /** Runs per contender when {@code --runs} is not given. */
    public int defaultRuns() {
        return defaultRuns;
    }

    /** P1. */
    public Shape largeFiles() {
        return largeFiles;
    }

    /** P2. */
    public Shape smallFiles() {
        return smallFiles;
    }

    /** P3, small files. */
    public Shape throttledSmallFiles() {
        return throttledSmallFiles;
    }

    /** P3, large files. */
    public Shape throttledLargeFiles() {
        return throttledLargeFiles;
    }

    /**
     * P3-adaptive reads the P3-large data set of this size (reduced reads the full one: its cap
     * changes need a load of about 20 s).
     */
    public Size adaptiveData() {
        return Size.valueOf(adaptiveDataSize.toUpperCase(Locale.ROOT));
    }

    /** P3-adaptive's cap: 128 MiB/s for one phase, 64 MiB/s for the next, then 128 MiB/s again. */
    public Duration adaptivePhase() {
        return adaptivePhase;
    }

    /** P4. */
    public Table table() {
        return table;
    }

    /** The lower-case name used on the command line and in results, e.g. {@code reduced}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
