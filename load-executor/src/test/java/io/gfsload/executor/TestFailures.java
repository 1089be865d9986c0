package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
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

    /**
     * Only a throttling answer lowers the reads the adaptive controller lets run at once: not a
     * connection reset of a file whose path (a date partition, a Spark part file) or offset has the
     * digits of 503 or 429.
     */
    @Test
    void aThrottlingStatusIsToldFromDigitsOfAPathOrAnOffset() {
        assertTrue(Failures.isThrottling(new IOException("503 Slow Down (simulated throttling of open throttled://s/tmp/junit-4109160299403810943/part-0)")));
        assertTrue(Failures.isThrottling(new IOException("Status Code: 503; Error Code: SlowDown; Request ID: 4442587FB7D0A2F9")));
        assertTrue(Failures.isThrottling(new IOException("HTTP 429 Too Many Requests")));
        assertTrue(Failures.isThrottling(new IOException("Please reduce your request rate. (Service: Amazon S3; Status Code: 503)")));
        assertTrue(Failures.isThrottling(new IOException("Request was throttled")));
        assertFalse(Failures.isThrottling(new IOException("Connection reset (injected) reading s3a://b/t/dt=20250312/part-0 at 0")));
        assertFalse(Failures.isThrottling(new IOException("Connection reset (injected) reading s3a://b/t/dt=2026-11-20/part-00429-c000.snappy.parquet at 0")));
        assertFalse(Failures.isThrottling(new IOException("Connection reset (injected) reading s3a://b/t/dt=2026-11-20/part-0 at 15032385")));
        assertTrue(Failures.isTransient(new IOException("Connection reset (injected) reading s3a://b/t/dt=20250312/part-0 at 0")));
    }

    /** What an atomic load removes from its temp area the staged blocks of: a file changed or gone, not one it may not read. */
    @Test
    void aFileChangedOrGoneIsToldFromOneThatCannotBeRead() {
        assertTrue(Failures.isChangedOrGone(new FileChangedException("File changed since it was planned: it ends before byte 10 of its planned length")));
        assertTrue(Failures.isChangedOrGone(new FileNotFoundException("File file:/data/d/f.bin does not exist")));
        assertTrue(Failures.isChangedOrGone(new FileNotFoundException("No such file or directory: s3a://b/d/f.bin")));
        assertFalse(Failures.isChangedOrGone(new FileNotFoundException("/data/d/f.bin (Permission denied)")));
        assertFalse(Failures.isChangedOrGone(new AccessDeniedException("/data/d/f.bin")));
        assertFalse(Failures.isChangedOrGone(new IOException("Connection reset reading /data/d/f.bin")));
    }

    /**
     * A file the process may not read, as the exceptions say it: tests run as root, which reads a
     * file of mode 000, so the exceptions a non-root load gets are built here.
     */
    /** What a slice's report says of a failed file is all the load hears of it: whether the file was uncached as changed or gone. */
    @Test
    void aFileChangedOrGoneIsUncachedUnlessItsBlocksStayCached() {
        FileChangedException changed = new FileChangedException("File changed since it was planned: it ends before byte 10 of its planned length");
        FileNotFoundException gone = new FileNotFoundException("File file:/data/d/f.bin does not exist");
        assertTrue(Failures.changedOrGoneAndUncached(changed));
        assertTrue(Failures.changedOrGoneAndUncached(gone));
        FileChangedException.StaysCached staysCached = new FileChangedException.StaysCached(
                Failures.describe(changed) + Failures.STAYS_CACHED + "the master is unavailable", changed);
        assertFalse(Failures.changedOrGoneAndUncached(staysCached), "its blocks could not be uncached");
        assertEquals("File changed since it was planned: it ends before byte 10 of its planned length; its blocks stay cached under the planned "
                + "identity: the master is unavailable", Failures.describe(staysCached));
        assertFalse(Failures.changedOrGoneAndUncached(new FileNotFoundException("/data/d/f.bin (Permission denied)")));
        assertFalse(Failures.changedOrGoneAndUncached(new IOException("Connection reset reading /data/d/f.bin")));
    }

    @Test
    void aFileTheProcessMayNotReadIsPermissionDeniedAndPermanent() {
        // Hadoop's local file system opens with java.io
        FileNotFoundException open = new FileNotFoundException("/data/d/big-0.bin (Permission denied)");
        assertEquals("permission denied: /data/d/big-0.bin", Failures.describe(open));
        assertFalse(Failures.isTransient(open));
        // a small local file is opened with java.nio, whose exception has the path alone
        AccessDeniedException channel = new AccessDeniedException("/data/d/small-0.bin");
        assertEquals("permission denied: /data/d/small-0.bin", Failures.describe(channel));
        assertFalse(Failures.isTransient(channel));
        // an object store's denial has its own reason, which stays
        assertEquals("AccessDeniedException: s3a://b/d/f: getFileStatus: 403 Forbidden",
                Failures.describe(new AccessDeniedException("s3a://b/d/f", null, "getFileStatus: 403 Forbidden")));
        // a file that is gone stays as it is said
        assertEquals("File file:/data/d/f.bin does not exist (deleted since it was planned?)",
                Failures.describe(new FileNotFoundException("File file:/data/d/f.bin does not exist")));
    }
}
