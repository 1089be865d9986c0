package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.executor.DistributedLoad;
import io.gfsload.executor.LoadReport;
import io.gfsload.executor.SliceLoad;
import io.gfsload.executor.SliceProgress;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A Spark job's slices loaded in the test's process, one after the other, as executors would load
 * them: what the driver's code does with them is the Spark job's.
 */
final class InProcessSlices implements DistributedLoad.Slices {
    private final Consumer<SliceLoad> beforeEach;

    /** Two slices, each seen by {@code beforeEach} before it loads. */
    InProcessSlices(Consumer<SliceLoad> beforeEach) {
        this.beforeEach = requireNonNull(beforeEach, "beforeEach is null");
    }

    /** Two slices. */
    InProcessSlices() {
        this(slice -> {});
    }

    @Override
    public int parallelism() {
        return 2;
    }

    @Override
    public void run(List<SliceLoad> slices, BiConsumer<SliceLoad, SliceProgress> progress, BiConsumer<SliceLoad, LoadReport> finished) {
        for (SliceLoad slice : slices) {
            beforeEach.accept(slice);
            finished.accept(slice, slice.load());
        }
    }
}
