package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.executor.AtomicOptions;
import io.gfsload.executor.JobJournal;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.ufs.simulator.FaultyFileSystem;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A load with {@code -A} and one without, of the same paths, are two jobs, each with its own journal and temp area; so are atomic
 * loads at two scopes.
 */
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
            String atomicJob = JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of(path)), 1), Optional.of(AtomicOptions.Scope.JOB));
            assertTrue(atomic.err().contains("The temp area of atomic job " + atomicJob + " keeps 1 block, 293.0 KiB, not visible to readers, until "),
                    atomic.err());
            assertTrue(Files.isDirectory(home.resolve("jobs").resolve(atomicJob)), "the failed atomic job keeps its journal");

            // an atomic load at another scope is another job too: it does not adopt what the job scope staged
            CliRun partition = CliRun.gfsload(home, "distributedLoad", "-A", "--atomic-scope", "partition", "--progress", "none", path);
            String partitionJob = JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of(path)), 1), Optional.of(AtomicOptions.Scope.PARTITION));
            assertFalse(partitionJob.equals(atomicJob), partitionJob);
            assertFalse(partition.err().contains("Resuming job"), "a job of its own: " + partition.err());
            assertTrue(partition.err().contains("The atomic load of the same request (-A --atomic-scope job, job " + atomicJob
                    + ") has a temp area of 1 block, 293.0 KiB, kept until "), partition.err());
            assertFalse(partition.out().contains("adopted"), "nothing adopted: " + partition.out());
            assertTrue(Files.isDirectory(home.resolve("jobs").resolve(partitionJob)), "the failed job keeps its journal");

            CliRun plain = CliRun.gfsload(home, "distributedLoad", "--progress", "none", path);

            assertEquals(ExitCode.PARTIAL, plain.exitCode(), plain.err());
            assertFalse(plain.err().contains("Resuming job"), "a job of its own: " + plain.err());
            assertTrue(plain.err().contains("The atomic load of the same request (-A --atomic-scope job, job " + atomicJob
                    + ") has a temp area of 1 block, 293.0 KiB, kept until "), plain.err());
            assertTrue(plain.err().contains(": a run of it is under way (from this or another gfsload home), or one did not finish, which the same command "
                    + "with -A --atomic-scope job resumes"), plain.err());
            assertTrue(Files.isDirectory(home.resolve("jobs").resolve(atomicJob)), "the atomic job's journal is left to it");

            CliRun atomicAgain = CliRun.gfsload(home, "distributedLoad", "-A", "--atomic-scope", "job", "--progress", "none", path);
            assertTrue(atomicAgain.err().contains("Resuming job " + atomicJob + " (run 2)"), atomicAgain.err());
            CliRun partitionAgain = CliRun.gfsload(home, "distributedLoad", "-A", "--atomic-scope", "partition", "--progress", "none", path);
            assertTrue(partitionAgain.err().contains("Resuming job " + partitionJob + " (run 2)"), partitionAgain.err());
        }
        finally {
            store.close();
        }
    }

    @Test
    void anEmptyTempAreaOfTheAtomicJobIsNotMentioned() throws IOException {
        Files.write(data.resolve("part-0"), new byte[1000]);
        String path = "file:" + data;
        String atomicJob = JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of(path)), 1), Optional.of(AtomicOptions.Scope.FILE));
        // what an atomic run stopped before it staged anything leaves: an area of no blocks, which holds no room and has nothing to resume
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(home.resolve("cluster"), Services.EMBEDDED_WORKERS, Services.EMBEDDED_WORKER_CAPACITY));
                CacheClient client = cluster.newClient()) {
            client.tempAreas().openTempArea(atomicJob, Duration.ofHours(1));
        }

        CliRun plain = CliRun.gfsload(home, "distributedLoad", "--progress", "none", path);

        assertEquals(ExitCode.OK, plain.exitCode(), plain.err());
        assertFalse(plain.err().contains("has a temp area of"), plain.err());
    }
}
