package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class TestFailures {
    @Test
    void workersWithoutRoomNowAreTransientButTooFewWorkersAreNot() {
        assertTrue(Failures.isTransient(new io.gfsload.cache.api.NoRoomException("Placing block b failed: only 0 of 1 live workers have room",
                "only 0 of 1 live workers have room")));
        assertFalse(Failures.isTransient(new io.gfsload.cache.api.NotEnoughWorkersException("only 0 of 1 live workers have a tier that large")));
    }

    @Test
    void aBlockEvictedBeforeItsCommitIsTransient() {
        assertTrue(Failures.isTransient(new io.gfsload.cache.api.EvictedBeforeCommitException("b-0", java.util.List.of("worker-0"))));
    }

    @Test
    void aForbiddenStatusIsPermanentButDigitsOfAPathAreNot() {
        assertFalse(Failures.isTransient(new IOException("Status Code: 403; Error Code: AccessDenied")));
        assertFalse(Failures.isTransient(new IOException("HTTP 403 Forbidden")));
        assertTrue(Failures.isTransient(new IOException("503 Slow Down (simulated throttling of open throttled://s/tmp/junit-4109160299403810943/part-0)")));
        assertTrue(Failures.isTransient(new IOException("Connection reset reading /data/part-14032")));
    }
}
