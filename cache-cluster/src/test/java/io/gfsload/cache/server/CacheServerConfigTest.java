package io.gfsload.cache.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.client.ClientConfig;
import io.gfsload.cache.master.MasterConfig;
import io.gfsload.cache.master.MetadataMemory;
import io.gfsload.cache.worker.EvictionPolicy;
import io.gfsload.cache.worker.TierConfig;
import io.gfsload.cache.worker.WorkerConfig;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every key of the configuration file, its default and its parsing. */
class CacheServerConfigTest {
    private static final String TOKEN = "0123456789abcdef-token";

    @TempDir
    Path directory;

    @Test
    void defaults() {
        CacheServerConfig config = CacheServerConfig.of(Map.of(
                CacheServerConfig.MASTER_METADATA_DIR, "/var/gfsload/master",
                CacheServerConfig.WORKER_ID, "worker-0",
                CacheServerConfig.WORKER_MASTER, "127.0.0.1:19998",
                "gfsload.cache.worker.tier.ssd.dirs", "/mnt/ssd/gfsload",
                "gfsload.cache.worker.tier.ssd.quota", "100GiB"));

        assertEquals(MasterConfig.defaults(Path.of("/var/gfsload/master")), config.master());
        assertEquals(new MetadataMemory(64L << 20, 32L << 20), config.master().metadataMemory());
        assertEquals(WorkerConfig.builder("worker-0", Path.of("/mnt/ssd/gfsload"), 100L << 30, "127.0.0.1:19998")
                .build(), config.worker());
        assertEquals(ClientConfig.defaults(), config.client());
        assertEquals(Optional.empty(), config.token());
    }

    @Test
    void everyKeyIsMapped() {
        Map<String, String> all = new HashMap<>();
        all.put(CacheServerConfig.MASTER_HOST, "10.0.0.1");
        all.put(CacheServerConfig.MASTER_PORT, "19998");
        all.put(CacheServerConfig.MASTER_METADATA_DIR, "/var/gfsload/master");
        all.put(CacheServerConfig.MASTER_HEARTBEAT_INTERVAL, "2s");
        all.put(CacheServerConfig.MASTER_LOST_AFTER_HEARTBEATS, "5");
        all.put(CacheServerConfig.MASTER_METRICS_PORT, "19999");
        all.put(CacheServerConfig.MASTER_METADATA_MEMTABLES, "16MiB");
        all.put(CacheServerConfig.MASTER_METADATA_BLOCK_CACHE, "256MiB");
        all.put(CacheServerConfig.WORKER_ID, "worker-7");
        all.put(CacheServerConfig.WORKER_MASTER, "10.0.0.1:19998");
        all.put(CacheServerConfig.WORKER_HOST, "10.0.0.7");
        all.put(CacheServerConfig.WORKER_PORT, "29999");
        all.put(CacheServerConfig.WORKER_HEARTBEAT_INTERVAL, "500ms");
        all.put("gfsload.cache.worker.tier.mem.dirs", "/dev/shm/gfsload");
        all.put("gfsload.cache.worker.tier.mem.quota", "4GiB");
        all.put("gfsload.cache.worker.tier.ssd.dirs", "/mnt/ssd1/gfsload, /mnt/ssd2/gfsload");
        all.put("gfsload.cache.worker.tier.ssd.quota", "200GiB,100GB");
        all.put("gfsload.cache.worker.tier.hdd.dirs", "/mnt/hdd/gfsload");
        all.put("gfsload.cache.worker.tier.hdd.quota", "2TiB");
        all.put(CacheServerConfig.WORKER_EVICTION_POLICY, "lrfu");
        all.put(CacheServerConfig.WORKER_LRFU_LAMBDA, "0.25");
        all.put(CacheServerConfig.WORKER_SEGMENT_SIZE, "512KiB");
        all.put(CacheServerConfig.WORKER_READER_BUFFER_SIZE, "4MiB");
        all.put(CacheServerConfig.WORKER_MAX_BLOCK_SIZE, "256MiB");
        all.put(CacheServerConfig.WORKER_METRICS_PORT, "0");
        all.put(CacheServerConfig.CLIENT_POOL_MAX, "8");
        all.put(CacheServerConfig.CLIENT_CHUNK_SIZE, "4MiB");
        all.put(CacheServerConfig.WORKER_SHORT_CIRCUIT_WRITES, "false");
        all.put(CacheServerConfig.CLIENT_SHORT_CIRCUIT_WRITES, "FALSE");
        all.put(CacheServerConfig.WORKER_DOMAIN_SOCKET, "true");
        all.put(CacheServerConfig.WORKER_DOMAIN_SOCKET_DIR, "/run/gfsload");
        all.put(CacheServerConfig.WORKER_PULL_ALLOWED, "cosn://bucket/warehouse/, file:/data/");
        all.put(CacheServerConfig.WORKER_ORPHANED_WRITE_TIMEOUT, "10s");
        all.put(CacheServerConfig.CLIENT_DOMAIN_SOCKET, "false");
        all.put(CacheServerConfig.SECURITY_TOKEN, TOKEN);
        all.put("gfsload.executor.active-jobs", "4");
        assertEquals(CacheServerConfig.KEYS, Set.copyOf(all.keySet().stream()
                .filter(key -> key.startsWith(CacheServerConfig.PREFIX)).toList()), "the test sets every key");
        all.put(CacheServerConfig.WORKER_UFS_PREFIX + "fs.cosn.userinfo.secretKey", "ufs-secret");

        CacheServerConfig config = CacheServerConfig.of(all);

        assertEquals(new MasterConfig(Path.of("/var/gfsload/master"), "10.0.0.1", 19998, Duration.ofSeconds(2), 5,
                Optional.of(TOKEN), 19999, new MetadataMemory(16L << 20, 256L << 20)), config.master());
        assertEquals(new WorkerConfig("worker-7", List.of(
                        TierConfig.of(StorageTier.MEM, Path.of("/dev/shm/gfsload"), 4L << 30),
                        new TierConfig(StorageTier.SSD, List.of(
                                new TierConfig.Directory(Path.of("/mnt/ssd1/gfsload"), 200L << 30),
                                new TierConfig.Directory(Path.of("/mnt/ssd2/gfsload"), 100L << 30))),
                        TierConfig.of(StorageTier.HDD, Path.of("/mnt/hdd/gfsload"), 2L << 40)),
                "10.0.0.1:19998", "10.0.0.7", 29999, Duration.ofMillis(500), 512 << 10, 4 << 20, 256L << 20,
                EvictionPolicy.lrfu(0.25), Optional.of(TOKEN), 0, false, WorkerConfig.DEFAULT_BLOCK_FILE_CHECKS_PER_HEARTBEAT,
                WorkerConfig.DEFAULT_REMOVED_BLOCKS_PER_HEARTBEAT,
                Optional.of(Path.of("/run/gfsload")), Map.of("fs.cosn.userinfo.secretKey", "ufs-secret"),
                List.of("cosn://bucket/warehouse/", "file:/data/"), Duration.ofSeconds(10)), config.worker());
        assertFalse(config.worker().toString().contains("ufs-secret"), config.worker().toString());
        assertEquals(new ClientConfig(4 << 20, Duration.ofSeconds(30), Duration.ofMinutes(2), 8, Optional.of(TOKEN), false, false),
                config.client());
    }

    @Test
    void aWorkerServesOnADomainSocketInTheTemporaryDirectoryUnlessTurnedOff() {
        Map<String, String> settings = new HashMap<>(Map.of(CacheServerConfig.WORKER_ID, "w",
                CacheServerConfig.WORKER_MASTER, "h:1", "gfsload.cache.worker.tier.ssd.dirs", "/a",
                "gfsload.cache.worker.tier.ssd.quota", "1GiB"));
        assertEquals(Optional.of(Path.of(System.getProperty("java.io.tmpdir"))), CacheServerConfig.of(settings).worker().domainSocketDirectory());
        assertTrue(CacheServerConfig.of(settings).client().domainSockets());

        settings.put(CacheServerConfig.WORKER_DOMAIN_SOCKET, "false");
        settings.put(CacheServerConfig.WORKER_DOMAIN_SOCKET_DIR, "/run/gfsload");
        settings.put(CacheServerConfig.CLIENT_DOMAIN_SOCKET, "false");
        assertEquals(Optional.empty(), CacheServerConfig.of(settings).worker().domainSocketDirectory());
        assertFalse(CacheServerConfig.of(settings).client().domainSockets());

        settings.put(CacheServerConfig.WORKER_DOMAIN_SOCKET, "maybe");
        IllegalArgumentException mistake = assertThrows(IllegalArgumentException.class, () -> CacheServerConfig.of(settings).worker());
        assertTrue(mistake.getMessage().startsWith(CacheServerConfig.WORKER_DOMAIN_SOCKET + ":"), mistake.getMessage());
    }

    @Test
    void mistakesAreReportedWithTheirKey() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> CacheServerConfig.of(Map.of("gfsload.cache.worker.tier.ssd.quotas", "1GiB")));
        assertEquals("Unknown configuration key gfsload.cache.worker.tier.ssd.quotas", unknown.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> CacheServerConfig.of(Map.of()).master());
        assertEquals("Missing configuration key gfsload.cache.master.metadata-dir", missing.getMessage());
        IllegalArgumentException noTier = assertThrows(IllegalArgumentException.class,
                () -> CacheServerConfig.of(Map.of(CacheServerConfig.WORKER_ID, "w")).worker());
        assertEquals("The worker has no tier: set gfsload.cache.worker.tier.ssd.dirs and "
                + "gfsload.cache.worker.tier.ssd.quota (or those of mem or hdd)", noTier.getMessage());
        IllegalArgumentException badSize = assertThrows(IllegalArgumentException.class,
                () -> ConfigValues.bytes("k", "12 parsecs"));
        assertEquals("k: not a size (e.g. 4096, 64KiB, 1MiB, 8GiB, 100GB): 12 parsecs", badSize.getMessage());
        IllegalArgumentException badDuration = assertThrows(IllegalArgumentException.class,
                () -> ConfigValues.duration("k", "soon"));
        assertEquals("k: not a duration (e.g. 500ms, 1s, 5min, 24h, 2d): soon", badDuration.getMessage());
        assertEquals(Duration.ofHours(24), ConfigValues.duration("k", "24h"));
        // values the servers could not run with are named by their key, in the file's units
        Map<String, String> outOfRange = Map.of(
                CacheServerConfig.MASTER_HEARTBEAT_INTERVAL, "gfsload.cache.master.heartbeat-interval: must be longer than 0: 0s",
                CacheServerConfig.MASTER_LOST_AFTER_HEARTBEATS, "gfsload.cache.master.lost-after-heartbeats: must be at least 1: 0",
                CacheServerConfig.MASTER_PORT, "gfsload.cache.master.port: must be from 0 to 65535: 70000",
                CacheServerConfig.MASTER_METADATA_MEMTABLES, "gfsload.cache.master.metadata.memtables: must be at least 1MiB: 512KiB",
                CacheServerConfig.MASTER_METADATA_BLOCK_CACHE, "gfsload.cache.master.metadata.block-cache: must be at least 1MiB: 100");
        Map<String, String> values = Map.of(CacheServerConfig.MASTER_HEARTBEAT_INTERVAL, "0s", CacheServerConfig.MASTER_LOST_AFTER_HEARTBEATS, "0",
                CacheServerConfig.MASTER_PORT, "70000", CacheServerConfig.MASTER_METADATA_MEMTABLES, "512KiB",
                CacheServerConfig.MASTER_METADATA_BLOCK_CACHE, "100");
        outOfRange.forEach((key, message) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CacheServerConfig.of(Map.of(
                    CacheServerConfig.MASTER_METADATA_DIR, "/m", key, values.get(key))).master());
            assertEquals(message, e.getMessage());
        });
        IllegalArgumentException zeroInterval = assertThrows(IllegalArgumentException.class, () -> CacheServerConfig.of(Map.of(
                CacheServerConfig.WORKER_ID, "w", CacheServerConfig.WORKER_MASTER, "h:1", "gfsload.cache.worker.tier.ssd.dirs", "/a",
                "gfsload.cache.worker.tier.ssd.quota", "1GiB", CacheServerConfig.WORKER_HEARTBEAT_INTERVAL, "0ms")).worker());
        assertEquals("gfsload.cache.worker.heartbeat-interval: must be longer than 0: 0ms", zeroInterval.getMessage());
        IllegalArgumentException zeroSize = assertThrows(IllegalArgumentException.class, () -> ConfigValues.bytes("k", "0MiB"));
        assertEquals("k: must be more than 0: 0MiB", zeroSize.getMessage());
        assertEquals(Duration.ofMinutes(5), ConfigValues.duration("k", "5min"));
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class, () -> ConfigValues.duration("k", "999999999999999d"));
        assertEquals("k: duration too long: 999999999999999d", tooLong.getMessage());
        IllegalArgumentException quotas = assertThrows(IllegalArgumentException.class, () -> CacheServerConfig.of(Map.of(
                CacheServerConfig.WORKER_ID, "w", CacheServerConfig.WORKER_MASTER, "h:1",
                "gfsload.cache.worker.tier.ssd.dirs", "/a,/b,/c",
                "gfsload.cache.worker.tier.ssd.quota", "1GiB,2GiB")).worker());
        assertEquals("gfsload.cache.worker.tier.ssd.quota: one quota for every directory, or one per directory (3), "
                + "not 2", quotas.getMessage());
    }

    @Test
    void aWorkerDescribesTheSettingsItRunsWithButNotItsToken() {
        Map<String, String> settings = new HashMap<>(Map.of(CacheServerConfig.WORKER_ID, "w",
                CacheServerConfig.WORKER_MASTER, "h:1", "gfsload.cache.worker.tier.ssd.dirs", "/a",
                "gfsload.cache.worker.tier.ssd.quota", "1GiB", CacheServerConfig.SECURITY_TOKEN, TOKEN));
        assertEquals("reader buffer 1 MiB, checksum segment 1 MiB, max block 2 GiB, heartbeat every 1s, "
                + "short-circuit writes on, domain socket on, eviction LRU, pulls from any file but local ones",
                CacheServerConfig.of(settings).worker().describeSettings());
        settings.putAll(Map.of(CacheServerConfig.WORKER_READER_BUFFER_SIZE, "256KiB",
                CacheServerConfig.WORKER_SEGMENT_SIZE, "4100", CacheServerConfig.WORKER_MAX_BLOCK_SIZE, "64MiB",
                CacheServerConfig.WORKER_HEARTBEAT_INTERVAL, "500ms", CacheServerConfig.WORKER_SHORT_CIRCUIT_WRITES, "false",
                CacheServerConfig.WORKER_EVICTION_POLICY, "lrfu", CacheServerConfig.WORKER_LRFU_LAMBDA, "0.01",
                CacheServerConfig.WORKER_PULL_ALLOWED, "cosn://b/w/, file:/data/"));
        String described = CacheServerConfig.of(settings).worker().describeSettings();
        assertEquals("reader buffer 256 KiB, checksum segment 4100 bytes, max block 64 MiB, heartbeat every 500ms, "
                + "short-circuit writes off, domain socket on, eviction LRFU (lambda 0.01), pulls from cosn://b/w/, file:/data/", described);
    }

    @Test
    void aStoredConfigLoadsBackAndHidesItsToken() throws Exception {
        CacheServerConfig config = CacheServerConfig.of(Map.of(CacheServerConfig.MASTER_METADATA_DIR, "/m",
                CacheServerConfig.SECURITY_TOKEN, TOKEN));
        Path file = directory.resolve("cache.properties");
        config.store(file);
        assertEquals(config.values(), CacheServerConfig.load(file).values());
        assertEquals("CacheServerConfig{gfsload.cache.master.metadata-dir=/m, gfsload.cache.security.token=<hidden>}",
                config.toString());
        assertEquals(List.of(file), Files.list(directory).toList(), "no temp file is left");
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file),
                "a file with the token is its owner's only");
        // replacing a file without a token keeps the token from ever being readable by others
        Path replaced = directory.resolve("replaced.properties");
        CacheServerConfig.of(Map.of(CacheServerConfig.MASTER_METADATA_DIR, "/m")).store(replaced);
        Files.setPosixFilePermissions(replaced, PosixFilePermissions.fromString("rw-r--r--"));
        config.store(replaced);
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(replaced));
    }

    @Test
    void aFileThatCannotBeReadIsReportedWithTheReason() {
        Path missing = directory.resolve("missing.properties");
        UncheckedIOException noFile = assertThrows(UncheckedIOException.class, () -> CacheServerConfig.load(missing));
        assertEquals("Cannot read the configuration file " + missing + ": no such file or directory", noFile.getMessage());
        UncheckedIOException aDirectory = assertThrows(UncheckedIOException.class, () -> CacheServerConfig.load(directory));
        assertEquals("Cannot read the configuration file " + directory + ": is a directory", aDirectory.getMessage());
    }
}
