package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.executor.JobJournal;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.ufs.simulator.FaultyFileSystem;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A load with {@code -A} and one without, of the same paths, are two jobs, each with its own journal and temp area. */
class TestAtomicAndPlainJobs {
    @TempDir
    Path home;

    @TempDir
    Path data;

    @Test
    void aPlainRunDoesNotResumeTheFailedAtomicJobAndSaysWhatItLeft() throws IOException {
        Files.write(data.resolve("part-0"), new byte[300_000]);
        Files.write(data.resolve("part-1"), new byte[200_000]);
        String path = "faulty://atomic-and-plain" + data;
        Configuration conf = new Configuration();
        conf.set("fs.faulty.permanent.paths", "/part-1");
        // the instance the in-process commands get from Hadoop's cache
        FileSystem store = FileSystem.get(URI.create("faulty://atomic-and-plain/"), conf);
        try {
            CliRun atomic = CliRun.gfsload(home, "distributedLoad", "-A", "--atomic-scope", "job", "--progress", "none", path);
            assertEquals(ExitCode.FAILED, atomic.exitCode(), atomic.err());
            assertTrue(atomic.out().contains("  blocks  2 planned: 0 loaded, 0 already cached, 2 failed"), atomic.out());
            assertTrue(atomic.out().contains("  bytes   488.3 KiB planned: 0 B loaded, 0 B already cached"), "staged is not loaded: " + atomic.out());
            String atomicJob = JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of(path)), 1), true);
            assertTrue(atomic.err().contains("The temp area of atomic job " + atomicJob + " keeps 1 block, 293.0 KiB, not visible to readers, until "),
                    atomic.err());
            assertTrue(Files.isDirectory(home.resolve("jobs").resolve(atomicJob)), "the failed atomic job keeps its journal");

            CliRun plain = CliRun.gfsload(home, "distributedLoad", "--progress", "none", path);

            assertEquals(ExitCode.PARTIAL, plain.exitCode(), plain.err());
            assertFalse(plain.err().contains("Resuming job"), "a job of its own: " + plain.err());
            assertTrue(plain.err().contains("The atomic load of the same request (-A, job " + atomicJob
                    + ") left a temp area of 1 block, 293.0 KiB, kept until "), plain.err());
            assertTrue(plain.err().contains("; the same command with -A resumes it"), plain.err());
            assertTrue(Files.isDirectory(home.resolve("jobs").resolve(atomicJob)), "the atomic job's journal is left to it");

            CliRun atomicAgain = CliRun.gfsload(home, "distributedLoad", "-A", "--atomic-scope", "job", "--progress", "none", path);
            assertTrue(atomicAgain.err().contains("Resuming job " + atomicJob + " (run 2)"), atomicAgain.err());
        }
        finally {
            store.close();
        }
    }
}
