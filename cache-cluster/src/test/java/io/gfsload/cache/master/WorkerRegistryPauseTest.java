package io.gfsload.cache.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Lost workers against the master's own pauses: a master that did not run for longer than a
 * worker may be silent (a long GC pause, SIGSTOP) heard no heartbeat either, and finds no worker
 * lost for that silence; a worker that stays silent once the master runs again is lost as usual.
 */
class WorkerRegistryPauseTest {
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final Duration LOST_AFTER = INTERVAL.multipliedBy(3);

    private final ManualTicker ticker = new ManualTicker();
    private final WorkerRegistry registry = new WorkerRegistry(ticker, LOST_AFTER, Duration.ofMinutes(5));

    @Test
    void aWorkerSilentWhileTheCheckerRunsIsLostAfterThreeIntervals() {
        registry.register("worker-0", "127.0.0.1", 1, 1 << 20, 0);
        for (int i = 0; i < 3; i++) {
            ticker.advance(INTERVAL);
            assertEquals(Optional.empty(), registry.checkerRan());
            assertEquals(List.of(), registry.newlyLost());
        }
        ticker.advance(Duration.ofMillis(100));
        assertEquals(Optional.empty(), registry.checkerRan());
        assertEquals(List.of("worker-0"), lost());
        assertFalse(registry.isLive("worker-0"));
    }

    @Test
    void aMasterThatPausedFindsNoWorkerLostForItsOwnSilence() {
        registry.register("worker-0", "127.0.0.1", 1, 1 << 20, 0);
        registry.register("worker-1", "127.0.0.1", 2, 1 << 20, 0);
        registry.checkerRan();

        // the master's process stops for 8 s; as it resumes, a call is answered before the checker or any heartbeat runs
        ticker.advance(Duration.ofSeconds(8));
        assertTrue(registry.isLive("worker-0"), "judged by the master's silence");

        assertEquals(Optional.of(Duration.ofSeconds(8)), registry.checkerRan());
        assertEquals(List.of(), lost());
        // the heartbeats that waited arrive: worker-0's; worker-1 was killed meanwhile, and stays silent
        registry.heartbeat("worker-0", 0);
        for (int i = 0; i < 3; i++) {
            ticker.advance(INTERVAL);
            registry.heartbeat("worker-0", 0);
            assertEquals(Optional.empty(), registry.checkerRan());
            assertEquals(List.of(), lost(), "within three intervals of the resume");
        }
        ticker.advance(Duration.ofMillis(100));
        registry.checkerRan();
        assertEquals(List.of("worker-1"), lost());
        assertTrue(registry.isLive("worker-0"));
    }

    @Test
    void aMasterCheckedByHandJudgesByTheTickerAlone() {
        registry.register("worker-0", "127.0.0.1", 1, 1 << 20, 0);

        ticker.advance(Duration.ofSeconds(8));

        assertEquals(List.of("worker-0"), lost());
    }

    private List<String> lost() {
        return registry.newlyLost().stream().map(worker -> worker.worker().id()).toList();
    }
}
