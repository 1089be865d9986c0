package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.planner.PlannerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/** Checks what a load report (its JSON) claims against what the cache holds, byte for byte. */
final class CacheContents {
    private CacheContents() {}

    /** The files of every partition of {@code report}. */
    static List<JsonNode> files(JsonNode report) {
        List<JsonNode> files = new ArrayList<>();
        report.get("partitions").forEach(partition -> partition.get("files").forEach(files::add));
        return files;
    }

    /** The local file behind a reported UFS path: {@code file:/d/f}, {@code faulty://store/d/f} and {@code /d/f} are {@code /d/f}. */
    static Path localFile(String ufsPath) {
        return Path.of(URI.create(ufsPath).getPath());
    }

    /** The identity the planner gives the local file behind {@code ufsPath}. */
    static FileIdentity identity(String ufsPath) {
        Path source = localFile(ufsPath);
        try {
            return new FileIdentity(ufsPath, Files.size(source), Files.getLastModifiedTime(source).toMillis());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Asserts that every file {@code report} does not list as failed is in the cache as the
     * report says, as {@link #assertFileCached} checks it.
     *
     * @return the ids of the blocks each worker holds, by worker id, for checks on the workers' disks
     */
    static Map<String, Set<String>> assertCached(CacheClient client, JsonNode report, int replication, Set<String> excludedWorkers) {
        long blockSize = PlannerConfig.DEFAULT_BLOCK_SIZE;
        Map<String, Set<String>> byWorker = new TreeMap<>();
        for (JsonNode file : files(report)) {
            if (file.hasNonNull("error")) {
                continue;
            }
            String path = file.get("path").asText();
            long length = identity(path).length();
            assertEquals(length, file.get("length").asLong(), "reported length of " + path);
            long blocks = (length + blockSize - 1) / blockSize;
            assertEquals(blocks, file.get("blocks").asLong(), "reported blocks of " + path);
            assertEquals(blocks, file.get("blocksLoaded").asLong() + file.get("blocksAlreadyCached").asLong(), "blocks of " + path);
            assertFileCached(client, path, replication, excludedWorkers)
                    .forEach((worker, ids) -> byWorker.computeIfAbsent(worker, w -> new TreeSet<>()).addAll(ids));
        }
        return byWorker;
    }

    /**
     * Asserts that the local file behind {@code ufsPath} is cached completely: all its 64 MiB
     * blocks, each on {@code replication} distinct live workers, none of them in {@code
     * excludedWorkers}, read back (CRC32C checked by the reader, then the whole file's compared
     * with the source's) equal to the file.
     *
     * @return the ids of the file's blocks each worker holds, by worker id
     */
    static Map<String, Set<String>> assertFileCached(CacheClient client, String ufsPath, int replication, Set<String> excludedWorkers) {
        FileIdentity identity = identity(ufsPath);
        byte[] expected = read(localFile(ufsPath));
        long blockSize = PlannerConfig.DEFAULT_BLOCK_SIZE;
        List<CachedBlock> cached = client.cachedBlocks(identity);
        assertEquals((expected.length + blockSize - 1) / blockSize, cached.size(), "cached blocks of " + ufsPath);
        Map<String, Set<String>> byWorker = new TreeMap<>();
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (CachedBlock block : cached) {
            assertEquals(replication, new HashSet<>(block.workerIds()).size(), "distinct live workers holding " + block + " of " + ufsPath);
            assertTrue(Collections.disjoint(block.workerIds(), excludedWorkers), block + " of " + ufsPath + " is on none of " + excludedWorkers);
            BlockKey key = new BlockKey(identity, block.index());
            block.workerIds().forEach(worker -> byWorker.computeIfAbsent(worker, w -> new TreeSet<>()).add(key.blockId()));
            try (InputStream in = client.openReader(key)) {
                in.transferTo(content);
            }
            catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertEquals(crc32c(expected), crc32c(content.toByteArray()), "CRC32C of " + ufsPath);
        assertArrayEquals(expected, content.toByteArray(), ufsPath);
        return byWorker;
    }

    /**
     * Asserts that {@code report} says that this run loaded every byte of its files, as they are
     * on disk, with {@code replication}, and nothing failed: state, replication, totals and each file.
     */
    static void assertLoadedEverything(JsonNode report, int replication) {
        assertEquals("SUCCEEDED", report.get("state").asText(), report.toPrettyString());
        assertEquals(replication, report.get("replication").asInt());
        long bytes = 0;
        long blocks = 0;
        for (JsonNode file : files(report)) {
            String path = file.get("path").asText();
            long length = read(localFile(path)).length;
            assertEquals(length, file.get("length").asLong(), path);
            assertEquals(length, file.get("bytesLoaded").asLong(), path);
            assertEquals(file.get("blocks").asLong(), file.get("blocksLoaded").asLong(), path);
            assertEquals(0, file.get("blocksFailed").asLong(), path);
            assertTrue(file.get("error").isNull(), path);
            bytes += length;
            blocks += file.get("blocks").asLong();
        }
        for (JsonNode partition : report.get("partitions")) {
            JsonNode partitionTotals = partition.get("totals");
            assertEquals(partition.get("files").size(), partitionTotals.get("files").asLong(), partition.get("name").asText());
            long partitionBytes = 0;
            long partitionBlocks = 0;
            for (JsonNode file : partition.get("files")) {
                partitionBytes += file.get("bytesLoaded").asLong();
                partitionBlocks += file.get("blocksLoaded").asLong();
            }
            assertEquals(partitionBytes, partitionTotals.get("bytesLoaded").asLong(), partition.get("name").asText());
            assertEquals(partitionBlocks, partitionTotals.get("blocksLoaded").asLong(), partition.get("name").asText());
        }
        JsonNode totals = report.get("totals");
        assertEquals(files(report).size(), totals.get("files").asLong());
        assertEquals(0, totals.get("filesFailed").asLong());
        assertEquals(blocks, totals.get("blocks").asLong());
        assertEquals(blocks, totals.get("blocksLoaded").asLong());
        assertEquals(0, totals.get("blocksAlreadyCached").asLong());
        assertEquals(0, totals.get("blocksFailed").asLong());
        assertEquals(bytes, totals.get("bytes").asLong());
        assertEquals(bytes, totals.get("bytesLoaded").asLong());
    }

    /** The arguments that load the demo table's partition {@code dt=2026-11-20} atomically, with 2 replicas, verified, into {@code master}. */
    static String[] demoPartitionWithTwoReplicas(String master) {
        return new String[] {"--table", "demo.events", "--partition", "dt=2026-11-20", "--replication", "2", "-A", "--verify", "--json",
                "--progress", "none", "--master", master};
    }

    /**
     * Asserts that {@code run} of {@link #demoPartitionWithTwoReplicas} loaded the partition exactly:
     * its three files (72, 5 and 2 MiB of Parquet) in four blocks, each with two replicas.
     *
     * @return the report
     */
    static JsonNode assertDemoPartitionLoaded(CliRun run) {
        assertEquals(0, run.exitCode(), run.err());
        JsonNode report;
        try {
            report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.out());
        }
        catch (IOException e) {
            throw new AssertionError("not JSON: " + run.out(), e);
        }
        assertLoadedEverything(report, 2);
        assertEquals("demo.events dt=2026-11-20", report.get("target").asText());
        assertEquals(3, report.get("totals").get("files").asLong());
        assertEquals(4, report.get("totals").get("blocks").asLong());
        assertTrue(report.get("verified").asBoolean(), "loaded with --verify");
        return report;
    }

    /** The ids of the blocks of the files of {@code report}, whether cached or not. */
    static Set<String> blockIds(JsonNode report) {
        Set<String> ids = new TreeSet<>();
        for (JsonNode file : files(report)) {
            FileIdentity identity = identity(file.get("path").asText());
            for (int i = 0; i < file.get("blocks").asInt(); i++) {
                ids.add(new BlockKey(identity, i).blockId());
            }
        }
        return ids;
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return crc.getValue();
    }
}
