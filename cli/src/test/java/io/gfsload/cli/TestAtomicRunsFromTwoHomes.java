package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two runs of one atomic job from two gfsload homes (a scheduler's retry on another worker): a run
 * that ends lets go of the job's temp area, and a run from the other home adopts it at once.
 */
class TestAtomicRunsFromTwoHomes {
    /** One block each (64 MiB blocks), larger than a small file: each file is staged on its own. */
    private static final int FILE_BYTES = 3 << 19;
    private static final long WORKER_BYTES = 64L << 20;

    @TempDir
    Path directory;

    @Test
    void aRunThatEndedLetsARunFromAnotherHomeAdoptTheAreaAtOnce() throws IOException {
        String path = writeFiles("atomic-released");
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, WORKER_BYTES))) {
            String[] command = {"distributedLoad", "-A", "--atomic-scope", "job", "--progress", "none", "--master", cluster.masterTarget(), path};
            CliRun failed = withUnreadablePart1("atomic-released", () -> CliRun.gfsload(directory.resolve("home-1"), command));
            assertEquals(ExitCode.FAILED, failed.exitCode(), "the job scope commits nothing: " + failed.err());

            // a retry on another host, right after the first attempt failed
            CliRun retry = CliRun.gfsload(directory.resolve("home-2"), command);

            assertEquals(ExitCode.OK, retry.exitCode(), retry.err());
            assertTrue(retry.err().contains("adopting 1 block, 1.5 MiB staged by an earlier run of the job"), retry.err());
        }
    }

    /** Two files under {@code faulty://<authority>}, whose part-1 {@link #withUnreadablePart1} makes unreadable. */
    private String writeFiles(String authority) throws IOException {
        Path data = Files.createDirectories(directory.resolve("data"));
        Files.write(data.resolve("part-0"), new byte[FILE_BYTES]);
        Files.write(data.resolve("part-1"), new byte[FILE_BYTES]);
        return "faulty://" + authority + data;
    }

    /** Runs {@code run} while part-1 under {@code faulty://<authority>} cannot be opened. */
    private static CliRun withUnreadablePart1(String authority, java.util.function.Supplier<CliRun> run) throws IOException {
        Configuration conf = new Configuration();
        conf.set("fs.faulty.permanent.paths", "/part-1");
        // the instance the in-process commands get from Hadoop's cache
        FileSystem faulty = FileSystem.get(URI.create("faulty://" + authority + "/"), conf);
        try {
            return run.get();
        }
        finally {
            faulty.close();
        }
    }
}
