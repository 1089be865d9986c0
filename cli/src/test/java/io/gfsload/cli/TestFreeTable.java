package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code free --table} of the demo table's partitions whose files were rewritten or deleted since they were loaded. */
class TestFreeTable {
    @TempDir
    static Path home;

    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = LocalCluster.start(new LocalClusterConfig(home.resolve("cluster"), 2, 256L << 20));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static CliRun gfsload(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--master";
        all[args.length + 1] = cluster.masterTarget();
        return CliRun.gfsload(home, all);
    }

    private static Path partition(String day) {
        return home.resolve("demo/demo.db/events/dt=" + day);
    }

    /** The identities of the data files of a partition, as they are now. */
    private static List<FileIdentity> files(String day) throws IOException {
        try (Stream<Path> files = Files.list(partition(day))) {
            return files.filter(file -> file.getFileName().toString().startsWith("part-")).sorted()
                    .map(file -> CacheContents.identity("file:" + file))
                    .toList();
        }
    }

    private static String freed(String target, List<FileIdentity> files, int blocks) {
        return "Freed %s: %d blocks, %s of %d files%n".formatted(target, blocks, Sizes.format(files.stream().mapToLong(FileIdentity::length).sum()),
                files.size());
    }

    @Test
    void freeOfPartitionsFreesEveryVersionCachedUnderTheirLocations() throws IOException {
        CliRun load = gfsload("--table", "demo.events", "--progress", "none");
        assertEquals(0, load.exitCode(), load.err());
        List<FileIdentity> cached = new ArrayList<>();
        for (String day : List.of("2026-11-18", "2026-11-19", "2026-11-20")) {
            cached.addAll(files(day));
        }
        // a file of dt=2026-11-18 rewritten in place (INSERT OVERWRITE) and loaded again, one of dt=2026-11-19 deleted
        Files.write(partition("2026-11-18").resolve("part-00002.parquet"), new byte[1000]);
        Files.delete(partition("2026-11-19").resolve("part-00002.parquet"));
        CliRun reload = gfsload("--table", "demo.events", "--partition", "dt=2026-11-18", "--progress", "none");
        assertEquals(0, reload.exitCode(), reload.err());
        FileIdentity rewritten = files("2026-11-18").get(2);
        cached.add(rewritten);

        List<FileIdentity> first = new ArrayList<>(cached.subList(0, 3));
        first.add(rewritten);
        CliRun partition = gfsload("free", "--table", "demo.events", "--partition", "dt=2026-11-18");
        assertEquals(0, partition.exitCode(), partition.err());
        assertEquals(freed("demo.events dt=2026-11-18", first, 4), partition.out());

        CliRun where = gfsload("free", "--table", "demo.events", "--where", "dt = '2026-11-19'");
        assertEquals(0, where.exitCode(), where.err());
        assertEquals(freed("demo.events where dt = '2026-11-19'", cached.subList(3, 6), 3), where.out());

        CliRun latest = gfsload("free", "--table", "demo.events", "--latest", "1");
        assertEquals(0, latest.exitCode(), latest.err());
        assertEquals(freed("demo.events latest 1", cached.subList(6, 9), 4), latest.out());

        try (CacheClient client = cluster.newClient()) {
            for (FileIdentity file : cached) {
                assertEquals(List.of(), client.cachedBlocks(file), file + " is freed");
            }
        }
    }
}
