package io.gfsload.executor;

import java.util.List;
import java.util.function.BiConsumer;

/** Slices that a test runs in its own process, as {@code body} says. */
final class InProcessSlices implements DistributedLoad.Slices {
    /** What {@link DistributedLoad.Slices#run} does. */
    @FunctionalInterface
    interface Body {
        void run(List<SliceLoad> slices, BiConsumer<SliceLoad, SliceProgress> progress, BiConsumer<SliceLoad, LoadReport> finished);
    }

    private final int parallelism;
    private final Body body;

    private InProcessSlices(int parallelism, Body body) {
        this.parallelism = parallelism;
        this.body = body;
    }

    /** {@code parallelism} slices, run by {@code body}. */
    static DistributedLoad.Slices of(int parallelism, Body body) {
        return new InProcessSlices(parallelism, body);
    }

    /** {@code parallelism} slices, loaded one after the other. */
    static DistributedLoad.Slices oneAfterAnother(int parallelism) {
        return of(parallelism, (slices, progress, finished) -> slices.forEach(slice -> finished.accept(slice, slice.load())));
    }

    @Override
    public int parallelism() {
        return parallelism;
    }

    @Override
    public void run(List<SliceLoad> slices, BiConsumer<SliceLoad, SliceProgress> progress, BiConsumer<SliceLoad, LoadReport> finished) {
        body.run(slices, progress, finished);
    }
}
