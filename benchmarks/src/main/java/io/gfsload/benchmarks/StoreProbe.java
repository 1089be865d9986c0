package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

import io.gfsload.ufs.simulator.ThrottledFileSystem;
import java.util.Map;

/** Counters of the store a contender reads, reset before and read after each run. */
interface StoreProbe {
    StoreProbe NONE = new StoreProbe() {
        @Override
        public void reset() {}

        @Override
        public Map<String, Long> counters() {
            return Map.of();
        }
    };

    void reset();

    Map<String, Long> counters();

    /** The counters of a throttled store: requests, bytes read and throttling errors; a reset also starts its cap's schedule over. */
    static StoreProbe of(ThrottledFileSystem store) {
        requireNonNull(store, "store is null");
        return new StoreProbe() {
            @Override
            public void reset() {
                store.resetStats();
                store.restartSchedule();
            }

            @Override
            public Map<String, Long> counters() {
                ThrottledFileSystem.Stats stats = store.stats();
                return Map.of("store.requests", stats.requests(), "store.bytes-read", stats.bytesRead(), "store.throttled-errors", stats.throttledErrors());
            }
        };
    }
}
