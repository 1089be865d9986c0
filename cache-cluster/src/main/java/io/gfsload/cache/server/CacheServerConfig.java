package io.gfsload.cache.server;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.FileErrors;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.client.ClientConfig;
import io.gfsload.cache.master.MasterConfig;
import io.gfsload.cache.master.MetadataMemory;
import io.gfsload.cache.worker.EvictionPolicy;
import io.gfsload.cache.worker.TierConfig;
import io.gfsload.cache.worker.WorkerConfig;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * The settings of a master, a worker or a client, as {@code gfsload.cache.*} keys of a properties
 * file. Keys outside {@code gfsload.cache.} are ignored, so one file may configure several parts of
 * gfsload; an unknown {@code gfsload.cache.} key is an error (a misspelt key never goes unnoticed).
 *
 * <pre>
 * gfsload.cache.master.host=127.0.0.1               address the master binds to and workers reach it at
 * gfsload.cache.master.port=0                       0: a free port
 * gfsload.cache.master.metadata-dir=/var/gfsload/master
 * gfsload.cache.master.heartbeat-interval=1s
 * gfsload.cache.master.lost-after-heartbeats=3
 * gfsload.cache.master.metrics.port=-1             Prometheus endpoint; -1: none, 0: a free port
 * gfsload.cache.master.metadata.memtables=64MiB     RocksDB memtables of all column families; also bounds its write-ahead log
 * gfsload.cache.master.metadata.block-cache=32MiB   RocksDB block cache besides the memtables
 * gfsload.cache.worker.id=worker-0
 * gfsload.cache.worker.master=127.0.0.1:19998
 * gfsload.cache.worker.host=127.0.0.1
 * gfsload.cache.worker.port=0
 * gfsload.cache.worker.heartbeat-interval=1s
 * gfsload.cache.worker.tier.mem.dirs=/dev/shm/gfsload   comma-separated; MEM is emptied when the worker stops and starts
 * gfsload.cache.worker.tier.mem.quota=4GiB              per directory, or one per directory, comma-separated
 * gfsload.cache.worker.tier.ssd.dirs=/mnt/ssd1/gfsload,/mnt/ssd2/gfsload
 * gfsload.cache.worker.tier.ssd.quota=200GiB
 * gfsload.cache.worker.tier.hdd.dirs=...
 * gfsload.cache.worker.tier.hdd.quota=...
 * gfsload.cache.worker.eviction.policy=LRU              LRU or LRFU
 * gfsload.cache.worker.eviction.lrfu.lambda=0.001       LRFU decay per second
 * gfsload.cache.worker.checksum.segment-size=1MiB
 * gfsload.cache.worker.reader.buffer-size=1MiB         largest chunk a read sends, or a pull forwards to another worker
 * gfsload.cache.worker.block.max-size=2GiB
 * gfsload.cache.worker.metrics.port=-1
 * gfsload.cache.worker.short-circuit-writes=true        clients on this host may write blocks into the tier directories
 * gfsload.cache.worker.domain-socket=true               also serve on a Unix domain socket, for clients on this host
 * gfsload.cache.worker.domain-socket.dir=/tmp           where that socket goes (the system's temporary directory)
 * gfsload.cache.worker.pull.allowed=cosn://bucket/,file:/data/   URI prefixes of the files the worker pulls
 *                                                       blocks from; * for any; unset: any but local (file:) ones
 * gfsload.cache.worker.orphaned-write-timeout=30s       how long a short-circuit write may stay idle once its
 *                                                       connection closed (a killed load) before it is aborted
 * gfsload.cache.worker.ufs.&lt;hadoop key&gt;=...             a Hadoop property the worker reads the UFS with when asked
 *                                                       to pull blocks (--data-path pull), e.g.
 *                                                       gfsload.cache.worker.ufs.fs.cosn.userinfo.secretKey
 * gfsload.cache.client.pool.max=64                      worker connections a client keeps
 * gfsload.cache.client.chunk-size=2MiB                  largest data message a writer sends
 * gfsload.cache.client.short-circuit-writes=true        write straight into the tier directories of workers on this host
 * gfsload.cache.client.domain-socket=true               talk to workers on this host over their domain sockets
 * gfsload.cache.security.token=...                      shared secret on every call; none when unset
 * </pre>
 *
 * Immutable.
 */
public final class CacheServerConfig {
    public static final String PREFIX = "gfsload.cache.";

    public static final String MASTER_HOST = "gfsload.cache.master.host";
    public static final String MASTER_PORT = "gfsload.cache.master.port";
    public static final String MASTER_METADATA_DIR = "gfsload.cache.master.metadata-dir";
    public static final String MASTER_HEARTBEAT_INTERVAL = "gfsload.cache.master.heartbeat-interval";
    public static final String MASTER_LOST_AFTER_HEARTBEATS = "gfsload.cache.master.lost-after-heartbeats";
    public static final String MASTER_METRICS_PORT = "gfsload.cache.master.metrics.port";
    public static final String MASTER_METADATA_MEMTABLES = "gfsload.cache.master.metadata.memtables";
    public static final String MASTER_METADATA_BLOCK_CACHE = "gfsload.cache.master.metadata.block-cache";
    public static final String WORKER_ID = "gfsload.cache.worker.id";
    public static final String WORKER_MASTER = "gfsload.cache.worker.master";
    public static final String WORKER_HOST = "gfsload.cache.worker.host";
    public static final String WORKER_PORT = "gfsload.cache.worker.port";
    public static final String WORKER_HEARTBEAT_INTERVAL = "gfsload.cache.worker.heartbeat-interval";
    public static final String WORKER_EVICTION_POLICY = "gfsload.cache.worker.eviction.policy";
    public static final String WORKER_LRFU_LAMBDA = "gfsload.cache.worker.eviction.lrfu.lambda";
    public static final String WORKER_SEGMENT_SIZE = "gfsload.cache.worker.checksum.segment-size";
    public static final String WORKER_READER_BUFFER_SIZE = "gfsload.cache.worker.reader.buffer-size";
    public static final String WORKER_MAX_BLOCK_SIZE = "gfsload.cache.worker.block.max-size";
    public static final String WORKER_METRICS_PORT = "gfsload.cache.worker.metrics.port";
    public static final String CLIENT_POOL_MAX = "gfsload.cache.client.pool.max";
    public static final String CLIENT_CHUNK_SIZE = "gfsload.cache.client.chunk-size";
    public static final String CLIENT_SHORT_CIRCUIT_WRITES = "gfsload.cache.client.short-circuit-writes";
    public static final String WORKER_SHORT_CIRCUIT_WRITES = "gfsload.cache.worker.short-circuit-writes";
    public static final String WORKER_DOMAIN_SOCKET = "gfsload.cache.worker.domain-socket";
    public static final String WORKER_DOMAIN_SOCKET_DIR = "gfsload.cache.worker.domain-socket.dir";
    public static final String CLIENT_DOMAIN_SOCKET = "gfsload.cache.client.domain-socket";
    public static final String SECURITY_TOKEN = "gfsload.cache.security.token";
    public static final String WORKER_PULL_ALLOWED = "gfsload.cache.worker.pull.allowed";
    public static final String WORKER_ORPHANED_WRITE_TIMEOUT = "gfsload.cache.worker.orphaned-write-timeout";
    /** The prefix of the Hadoop properties a worker reads the UFS with: {@code gfsload.cache.worker.ufs.fs.cosn.impl=...}. */
    public static final String WORKER_UFS_PREFIX = "gfsload.cache.worker.ufs.";

    /** Every key this class reads. */
    public static final Set<String> KEYS;

    static {
        Set<String> keys = new LinkedHashSet<>(List.of(MASTER_HOST, MASTER_PORT, MASTER_METADATA_DIR,
                MASTER_HEARTBEAT_INTERVAL, MASTER_LOST_AFTER_HEARTBEATS, MASTER_METRICS_PORT, MASTER_METADATA_MEMTABLES,
                MASTER_METADATA_BLOCK_CACHE, WORKER_ID, WORKER_MASTER,
                WORKER_HOST, WORKER_PORT, WORKER_HEARTBEAT_INTERVAL, WORKER_EVICTION_POLICY, WORKER_LRFU_LAMBDA,
                WORKER_SEGMENT_SIZE, WORKER_READER_BUFFER_SIZE, WORKER_MAX_BLOCK_SIZE, WORKER_METRICS_PORT,
                WORKER_SHORT_CIRCUIT_WRITES, WORKER_DOMAIN_SOCKET, WORKER_DOMAIN_SOCKET_DIR, WORKER_PULL_ALLOWED, WORKER_ORPHANED_WRITE_TIMEOUT, CLIENT_POOL_MAX, CLIENT_CHUNK_SIZE,
                CLIENT_SHORT_CIRCUIT_WRITES, CLIENT_DOMAIN_SOCKET,
                SECURITY_TOKEN));
        for (StorageTier tier : StorageTier.values()) {
            keys.add(tierDirsKey(tier));
            keys.add(tierQuotaKey(tier));
        }
        KEYS = Set.copyOf(keys);
    }

    private final Map<String, String> values;

    private CacheServerConfig(Map<String, String> values) {
        this.values = values;
    }

    /**
     * The {@code gfsload.cache.} keys of {@code properties}.
     *
     * @throws IllegalArgumentException naming an unknown {@code gfsload.cache.} key
     */
    public static CacheServerConfig of(Map<String, String> properties) {
        requireNonNull(properties, "properties is null");
        Map<String, String> values = new TreeMap<>();
        properties.forEach((key, value) -> {
            if (key.startsWith(PREFIX)) {
                if (!KEYS.contains(key) && !(key.startsWith(WORKER_UFS_PREFIX) && key.length() > WORKER_UFS_PREFIX.length())) {
                    throw new IllegalArgumentException("Unknown configuration key " + key);
                }
                values.put(key, value.trim());
            }
        });
        return new CacheServerConfig(values);
    }

    /**
     * Reads a properties file.
     *
     * @throws UncheckedIOException when it cannot be read
     * @throws IllegalArgumentException naming an unknown {@code gfsload.cache.} key
     */
    public static CacheServerConfig load(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read the configuration file " + file + ": " + FileErrors.reason(e), e);
        }
        Map<String, String> map = new TreeMap<>();
        properties.stringPropertyNames().forEach(name -> map.put(name, properties.getProperty(name)));
        return of(map);
    }

    /**
     * Writes the settings as a properties file, atomically (a temp file renamed into place). With a
     * token or UFS properties (credentials), the file is readable by its owner only from its
     * creation on (on POSIX file systems).
     */
    public void store(Path file) {
        Properties properties = new Properties();
        properties.putAll(values);
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(temp);
            if (values.containsKey(SECURITY_TOKEN) || values.keySet().stream().anyMatch(key -> key.startsWith(WORKER_UFS_PREFIX))) {
                try {
                    Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                }
                catch (UnsupportedOperationException e) {
                    // not a POSIX file system; the directory's permissions have to do
                }
            }
            try (Writer writer = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                properties.store(writer, "gfsload cache settings");
            }
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot write the configuration file " + file + ": " + FileErrors.reason(e), e);
        }
    }

    /** The settings, by key, sorted. */
    public Map<String, String> values() {
        return Map.copyOf(values);
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** These settings with {@code key} set to {@code value}. */
    public CacheServerConfig with(String key, String value) {
        Map<String, String> copy = new TreeMap<>(values);
        copy.put(key, value);
        return of(copy);
    }

    /** These settings without {@code key}. */
    public CacheServerConfig without(String key) {
        Map<String, String> copy = new TreeMap<>(values);
        copy.remove(key);
        return of(copy);
    }

    public Optional<String> token() {
        return get(SECURITY_TOKEN).filter(token -> !token.isEmpty());
    }

    /**
     * The master's settings.
     *
     * @throws IllegalArgumentException when {@link #MASTER_METADATA_DIR} is missing or a value is
     *     malformed
     */
    public MasterConfig master() {
        Path metadata = Path.of(required(MASTER_METADATA_DIR));
        return new MasterConfig(
                metadata,
                get(MASTER_HOST).orElse(MasterConfig.DEFAULT_HOST),
                get(MASTER_PORT).map(value -> ConfigValues.port(MASTER_PORT, value)).orElse(0),
                get(MASTER_HEARTBEAT_INTERVAL).map(value -> ConfigValues.duration(MASTER_HEARTBEAT_INTERVAL, value))
                        .orElse(MasterConfig.DEFAULT_HEARTBEAT_INTERVAL),
                get(MASTER_LOST_AFTER_HEARTBEATS).map(value -> ConfigValues.integer(MASTER_LOST_AFTER_HEARTBEATS, value, 1, Integer.MAX_VALUE))
                        .orElse(MasterConfig.DEFAULT_MISSED_HEARTBEATS_BEFORE_LOST),
                token(),
                get(MASTER_METRICS_PORT).map(value -> ConfigValues.integer(MASTER_METRICS_PORT, value, -1, 65_535))
                        .orElse(MasterConfig.NO_METRICS),
                new MetadataMemory(
                        metadataMemoryBytes(MASTER_METADATA_MEMTABLES, MetadataMemory.DEFAULT_MEMTABLE_BYTES),
                        metadataMemoryBytes(MASTER_METADATA_BLOCK_CACHE, MetadataMemory.DEFAULT_BLOCK_CACHE_BYTES)));
    }

    private long metadataMemoryBytes(String key, long defaultBytes) {
        long bytes = get(key).map(value -> ConfigValues.bytes(key, value)).orElse(defaultBytes);
        if (bytes < MetadataMemory.MIN_BYTES) {
            throw new IllegalArgumentException(key + ": must be at least 1MiB: " + get(key).orElseThrow());
        }
        return bytes;
    }

    /**
     * The worker's settings.
     *
     * @throws IllegalArgumentException when the id, the master or every tier is missing, or a
     *     value is malformed
     */
    public WorkerConfig worker() {
        List<TierConfig> tiers = new ArrayList<>();
        for (StorageTier tier : StorageTier.values()) {
            tier(tier).ifPresent(tiers::add);
        }
        if (tiers.isEmpty()) {
            throw new IllegalArgumentException("The worker has no tier: set " + tierDirsKey(StorageTier.SSD) + " and "
                    + tierQuotaKey(StorageTier.SSD) + " (or those of mem or hdd)");
        }
        String policy = get(WORKER_EVICTION_POLICY).orElse("LRU").toUpperCase(Locale.ROOT);
        EvictionPolicy eviction = switch (policy) {
            case "LRU" -> EvictionPolicy.lru();
            case "LRFU" -> EvictionPolicy.lrfu(get(WORKER_LRFU_LAMBDA)
                    .map(value -> ConfigValues.decimal(WORKER_LRFU_LAMBDA, value))
                    .orElse(EvictionPolicy.DEFAULT_LRFU_LAMBDA));
            default -> throw new IllegalArgumentException(WORKER_EVICTION_POLICY + ": LRU or LRFU, not " + policy);
        };
        WorkerConfig.Builder builder = WorkerConfig.builder(required(WORKER_ID), tiers, required(WORKER_MASTER))
                .eviction(eviction)
                .token(token());
        get(WORKER_HOST).ifPresent(builder::host);
        get(WORKER_PORT).ifPresent(value -> builder.port(ConfigValues.port(WORKER_PORT, value)));
        get(WORKER_HEARTBEAT_INTERVAL).ifPresent(value ->
                builder.heartbeatInterval(ConfigValues.duration(WORKER_HEARTBEAT_INTERVAL, value)));
        get(WORKER_ORPHANED_WRITE_TIMEOUT).ifPresent(value ->
                builder.orphanedWriteTimeout(ConfigValues.duration(WORKER_ORPHANED_WRITE_TIMEOUT, value)));
        get(WORKER_SEGMENT_SIZE).ifPresent(value ->
                builder.checksumSegmentBytes(ConfigValues.intBytes(WORKER_SEGMENT_SIZE, value)));
        get(WORKER_READER_BUFFER_SIZE).ifPresent(value ->
                builder.readChunkBytes(ConfigValues.intBytes(WORKER_READER_BUFFER_SIZE, value)));
        get(WORKER_MAX_BLOCK_SIZE).ifPresent(value ->
                builder.maxBlockBytes(ConfigValues.bytes(WORKER_MAX_BLOCK_SIZE, value)));
        get(WORKER_METRICS_PORT).ifPresent(value ->
                builder.metricsPort(ConfigValues.integer(WORKER_METRICS_PORT, value, -1, 65_535)));
        get(WORKER_SHORT_CIRCUIT_WRITES).ifPresent(value ->
                builder.shortCircuitWrites(ConfigValues.bool(WORKER_SHORT_CIRCUIT_WRITES, value)));
        boolean domainSocket = get(WORKER_DOMAIN_SOCKET).map(value -> ConfigValues.bool(WORKER_DOMAIN_SOCKET, value)).orElse(true);
        builder.domainSocketDirectory(domainSocket
                ? Optional.of(get(WORKER_DOMAIN_SOCKET_DIR).map(Path::of).orElse(WorkerConfig.DEFAULT_DOMAIN_SOCKET_DIRECTORY))
                : Optional.empty());
        Map<String, String> ufs = new TreeMap<>();
        values.forEach((key, value) -> {
            if (key.startsWith(WORKER_UFS_PREFIX)) {
                ufs.put(key.substring(WORKER_UFS_PREFIX.length()), value);
            }
        });
        builder.ufsProperties(ufs);
        get(WORKER_PULL_ALLOWED).ifPresent(value -> builder.pullAllowed(
                java.util.Arrays.stream(value.split(",")).map(String::strip).filter(prefix -> !prefix.isEmpty()).toList()));
        return builder.build();
    }

    /** A client's settings: the connection pool, the chunk size, short-circuit writes, domain sockets and the token. */
    public ClientConfig client() {
        ClientConfig config = ClientConfig.defaults().withToken(token());
        if (get(CLIENT_POOL_MAX).isPresent()) {
            config = config.withMaxWorkerChannels(ConfigValues.integer(CLIENT_POOL_MAX, get(CLIENT_POOL_MAX).get(), 1, Integer.MAX_VALUE));
        }
        if (get(CLIENT_CHUNK_SIZE).isPresent()) {
            config = config.withChunkBytes(ConfigValues.intBytes(CLIENT_CHUNK_SIZE, get(CLIENT_CHUNK_SIZE).get()));
        }
        if (get(CLIENT_SHORT_CIRCUIT_WRITES).isPresent()) {
            config = config.withShortCircuitWrites(ConfigValues.bool(CLIENT_SHORT_CIRCUIT_WRITES,
                    get(CLIENT_SHORT_CIRCUIT_WRITES).get()));
        }
        if (get(CLIENT_DOMAIN_SOCKET).isPresent()) {
            config = config.withDomainSockets(ConfigValues.bool(CLIENT_DOMAIN_SOCKET, get(CLIENT_DOMAIN_SOCKET).get()));
        }
        return config;
    }

    /** The configured directories of {@code tier}, without quotas; empty when the tier is not configured. */
    public List<Path> tierDirectories(StorageTier tier) {
        return get(tierDirsKey(tier)).map(CacheServerConfig::split).orElse(List.of()).stream().map(Path::of).toList();
    }

    private Optional<TierConfig> tier(StorageTier tier) {
        List<Path> directories = tierDirectories(tier);
        Optional<String> quota = get(tierQuotaKey(tier));
        if (directories.isEmpty() && quota.isEmpty()) {
            return Optional.empty();
        }
        if (directories.isEmpty() || quota.isEmpty()) {
            throw new IllegalArgumentException("Tier " + tier + " needs both " + tierDirsKey(tier) + " and "
                    + tierQuotaKey(tier));
        }
        List<String> quotas = split(quota.get());
        if (quotas.size() != 1 && quotas.size() != directories.size()) {
            throw new IllegalArgumentException(tierQuotaKey(tier) + ": one quota for every directory, or one per "
                    + "directory (" + directories.size() + "), not " + quotas.size());
        }
        List<TierConfig.Directory> result = new ArrayList<>();
        for (int i = 0; i < directories.size(); i++) {
            String value = quotas.size() == 1 ? quotas.get(0) : quotas.get(i);
            result.add(new TierConfig.Directory(directories.get(i), ConfigValues.bytes(tierQuotaKey(tier), value)));
        }
        return Optional.of(new TierConfig(tier, result));
    }

    public static String tierDirsKey(StorageTier tier) {
        return "gfsload.cache.worker.tier." + tier.name().toLowerCase(Locale.ROOT) + ".dirs";
    }

    public static String tierQuotaKey(StorageTier tier) {
        return "gfsload.cache.worker.tier." + tier.name().toLowerCase(Locale.ROOT) + ".quota";
    }

    private String required(String key) {
        return get(key).filter(value -> !value.isEmpty())
                .orElseThrow(() -> new IllegalArgumentException("Missing configuration key " + key));
    }

    private static List<String> split(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).filter(part -> !part.isEmpty()).toList();
    }

    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>(values);
        shown.computeIfPresent(SECURITY_TOKEN, (key, value) -> "<hidden>");
        return "CacheServerConfig" + shown;
    }
}
