package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import com.google.common.base.Ticker;
import java.nio.file.Path;
import java.time.Clock;

/**
 * What every contender of one harness invocation shares.
 *
 * @param scratch where caches and copies are written and deleted again (the MEM tier when it is on
 *     a tmpfs); owned by the harness, which deletes it at the end
 * @param diskScratch the same on the file system of the data sets, usually a disk: where a
 *     worker's SSD tier goes (C1-ssd); owned by the harness like {@code scratch}
 * @param ticker measures run times
 * @param clock the executor's clock
 */
record Workspace(Path scratch, Path diskScratch, Ticker ticker, Clock clock) {
    Workspace {
        requireNonNull(scratch, "scratch is null");
        requireNonNull(diskScratch, "diskScratch is null");
        requireNonNull(ticker, "ticker is null");
        requireNonNull(clock, "clock is null");
    }

    /** This workspace with {@link #diskScratch} as its scratch directory. */
    Workspace onDisk() {
        return new Workspace(diskScratch, diskScratch, ticker, clock);
    }

    /** A path in the scratch directory for one run of one contender, e.g. {@code P1-cp-run2}. */
    Path runDirectory(String scenario, String contender, int run) {
        return scratch.resolve("%s-%s-run%d".formatted(scenario, contender.replaceAll("[^A-Za-z0-9]+", "-"), run));
    }
}
