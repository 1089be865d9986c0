package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import com.google.common.base.Ticker;
import io.gfsload.executor.ProgressListener;
import io.gfsload.ufs.simulator.BandwidthSchedule;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The bytes a load read from the UFS over time, in slots of 100 ms from a start, from the
 * executor's progress events; and from them, how long after each change of the store's cap the
 * load's throughput was back at 90 % of the new cap. Thread-safe.
 */
final class ThroughputTimeline implements ProgressListener {
    static final Duration SLOT = Duration.ofMillis(100);
    static final Duration WINDOW = Duration.ofSeconds(1);
    /** Throughput counts as recovered at this share of the cap. */
    static final double RECOVERED = 0.9;
    private static final int MAX_SLOTS = 36_000;

    private final Ticker ticker;
    private final long startNanos;
    private final AtomicLongArray slots = new AtomicLongArray(MAX_SLOTS);

    ThroughputTimeline(Ticker ticker) {
        this.ticker = requireNonNull(ticker, "ticker is null");
        this.startNanos = ticker.read();
    }

    @Override
    public void ufsBytesRead(int bytes) {
        long slot = (ticker.read() - startNanos) / SLOT.toNanos();
        slots.addAndGet((int) Math.min(MAX_SLOTS - 1, Math.max(0, slot)), bytes);
    }

    /**
     * For each change of {@code schedule} after its first step, numbered from 1: the milliseconds
     * from the change to the end of the first 1 s window, starting at or after the change, whose
     * throughput is at least 90 % of the new cap; -1 when no such window ended before
     * {@code end} (from the start). An unlimited step never counts as recovered.
     */
    Map<String, Long> recoveries(BandwidthSchedule schedule, Duration end) {
        requireNonNull(schedule, "schedule is null");
        requireNonNull(end, "end is null");
        Map<String, Long> recoveries = new LinkedHashMap<>();
        int slotsPerWindow = (int) (WINDOW.toNanos() / SLOT.toNanos());
        long endSlot = Math.min(MAX_SLOTS, end.toNanos() / SLOT.toNanos());
        for (int i = 1; i < schedule.steps().size(); i++) {
            BandwidthSchedule.Step step = schedule.steps().get(i);
            long firstSlot = (step.offset().toNanos() + SLOT.toNanos() - 1) / SLOT.toNanos();
            long recovered = -1;
            for (long slot = firstSlot; step.bytesPerSecond() > 0 && slot + slotsPerWindow <= endSlot; slot++) {
                long bytes = 0;
                for (int k = 0; k < slotsPerWindow; k++) {
                    bytes += slots.get((int) (slot + k));
                }
                if (bytes >= RECOVERED * step.bytesPerSecond() * WINDOW.toNanos() / 1e9) {
                    recovered = (slot + slotsPerWindow) * SLOT.toMillis() - step.offset().toMillis();
                    break;
                }
            }
            recoveries.put("recovery-ms.%d".formatted(i), recovered);
        }
        return recoveries;
    }
}
