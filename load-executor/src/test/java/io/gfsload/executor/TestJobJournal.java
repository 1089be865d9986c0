package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

class TestJobJournal {
    private static final LoadRequest REQUEST = new LoadRequest(new LoadTarget.Paths(List.of("/data/events")), 2);

    @TempDir
    Path jobs;

    @Test
    void theBytesReadAreRecordedAheadWhileOpenAndExactlyOnClose() throws RocksDBException {
        JobJournal journal = JobJournal.open(jobs, REQUEST, false);
        long read = 0;
        for (int i = 0; i < 100; i++) {
            journal.recordRead(65_536 + i);
            read += 65_536 + i;
            // what a kill -9 now would leave behind: never less than was read, at most one step more
            long recorded = recordedBytesRead(journal);
            assertTrue(recorded >= read && recorded <= read + JobJournal.READ_RECORD_STEP,
                    "recorded %d after reading %d".formatted(recorded, read));
        }
        assertEquals(read, journal.ufsBytesRead());
        journal.close();

        JobJournal reopened = JobJournal.open(jobs, REQUEST, false);
        try {
            assertEquals(read, reopened.previousUfsBytesRead());
            assertEquals(2, reopened.run());
            reopened.recordRead(10);
            assertEquals(read + 10, reopened.ufsBytesRead());
        }
        finally {
            reopened.close();
        }
        JobJournal third = JobJournal.open(jobs, REQUEST, false);
        try {
            assertEquals(read + 10, third.previousUfsBytesRead());
        }
        finally {
            third.close();
        }
    }

    @Test
    void restartForgetsWhatEarlierRunsRead() {
        JobJournal journal = JobJournal.open(jobs, REQUEST, false);
        journal.recordRead(1_000);
        journal.close();

        JobJournal restarted = JobJournal.open(jobs, REQUEST, true);
        try {
            assertEquals(0, restarted.previousUfsBytesRead());
            assertEquals(1, restarted.run());
        }
        finally {
            restarted.close();
        }
    }

    /** The figure in the journal's database, read by a second, read-only instance. */
    private long recordedBytesRead(JobJournal journal) throws RocksDBException {
        try (Options options = new Options(); RocksDB db = RocksDB.openReadOnly(options, jobs.resolve(journal.jobId()).toString())) {
            byte[] value = db.get("ufs-bytes-read".getBytes(StandardCharsets.UTF_8));
            return value == null ? 0 : ByteBuffer.wrap(value).getLong();
        }
    }
}
