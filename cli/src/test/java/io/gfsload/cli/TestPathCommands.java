package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands that take UFS paths (distributedLoad, plan --path, free --path) against a cluster of two workers. */
class TestPathCommands {
    @TempDir
    static Path home;

    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = LocalCluster.start(new LocalClusterConfig(home.resolve("cluster"), 2, 64L << 20));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static CliRun gfsload(String command, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = command;
        all[1] = "--master";
        all[2] = cluster.masterTarget();
        System.arraycopy(args, 0, all, 3, args.length);
        return CliRun.gfsload(home, all);
    }

    private static Path directory(String name, int files, int bytes) throws IOException {
        Path dir = Files.createDirectories(home.resolve("ufs").resolve(name));
        for (int i = 0; i < files; i++) {
            Files.write(dir.resolve("f" + i + ".bin"), new byte[bytes]);
        }
        return dir;
    }

    @Test
    void overlappingPathsAreNotEmptyLocations() throws IOException {
        Path dir = directory("overlap", 2, 5000);
        Path empty = Files.createDirectories(home.resolve("ufs/overlap-empty"));
        CliRun run = gfsload("distributedLoad", "--progress", "none", dir.toString(), dir.resolve("f1.bin").toString(), dir + "/", empty.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("files   2 planned, 0 failed"), run.out());
        assertTrue(run.err().contains("1 partition has no files (location empty or missing): " + empty + " at " + empty + System.lineSeparator()), run.err());
        assertFalse(run.err().contains("f1.bin"), "its file is loaded under the directory: " + run.err());
    }

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        }
        catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
