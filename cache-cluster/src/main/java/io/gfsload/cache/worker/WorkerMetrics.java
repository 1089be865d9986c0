package io.gfsload.cache.worker;

import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.api.TierInfo;
import io.gfsload.cache.metrics.MetricsRegistry;
import io.gfsload.cache.rpc.RpcErrors;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A worker's metrics, labelled {@code worker="<id>"}: blocks and bytes per tier, evictions, reads
 * and writes, pulls and the replicas they forwarded, calls asking about blocks, corrupt blocks,
 * pinned blocks and removals ordered by the master.
 */
final class WorkerMetrics {
    /** Client connections the worker accepted, labelled {@code transport="tcp"} or {@code "unix"} (its domain socket). */
    static final String CONNECTIONS = "gfsload_worker_connections_total";
    /** Calls asking about blocks, labelled {@code rpc="StatBlock"} or {@code "StatBlocks"} (many blocks a call). */
    static final String STAT_CALLS = "gfsload_worker_stat_calls_total";
    private static final String STAT_CALLS_HELP = "Calls asking whether the worker holds blocks, by RPC: StatBlock (one block), StatBlocks (many).";
    private static final String CONNECTIONS_HELP = "Client connections accepted, by transport: tcp, or unix (the worker's domain socket).";
    private final MetricsRegistry registry;
    private final String workerId;
    private final CounterDataPoint blocksWritten;
    private final CounterDataPoint bytesWritten;
    private final CounterDataPoint blocksRead;
    private final CounterDataPoint bytesRead;
    private final CounterDataPoint removedByMaster;
    private final CounterDataPoint shortCircuitWrites;
    private final CounterDataPoint tcpConnections;
    private final CounterDataPoint domainSocketConnections;
    private final CounterDataPoint statCalls;
    private final CounterDataPoint statBatchCalls;
    private final CounterDataPoint statBlocks;
    private final CounterDataPoint ufsPulls;
    private final CounterDataPoint ufsPulledBytes;
    private final CounterDataPoint workerPulls;
    private final CounterDataPoint workerPulledBytes;
    private final CounterDataPoint forwardedBlocks;
    private final CounterDataPoint forwardedBytes;
    private final CounterDataPoint pullBatches;
    /** By error kind ({@link RpcErrors#UFS_UNREADABLE} and the others of a pull's read). */
    private final Map<String, CounterDataPoint> pullFailures;
    private final CounterDataPoint forwardBatches;

    WorkerMetrics(MetricsRegistry registry, String workerId) {
        this.registry = registry;
        this.workerId = workerId;
        Map<String, String> labels = Map.of("worker", workerId);
        blocksWritten = registry.counter("gfsload_worker_block_writes_total", "Blocks written and stored.", labels);
        bytesWritten = registry.counter("gfsload_worker_written_bytes_total", "Bytes of blocks written and stored.",
                labels);
        blocksRead = registry.counter("gfsload_worker_block_reads_total", "Block reads served to their end.", labels);
        bytesRead = registry.counter("gfsload_worker_read_bytes_total", "Bytes sent to readers.", labels);
        shortCircuitWrites = registry.counter("gfsload_worker_short_circuit_writes_total",
                "Blocks a client on this host wrote into the worker's files itself (short-circuit writes), of the blocks written.", labels);
        tcpConnections = registry.counter(CONNECTIONS, CONNECTIONS_HELP, Map.of("worker", workerId, "transport", "tcp"));
        domainSocketConnections = registry.counter(CONNECTIONS, CONNECTIONS_HELP, Map.of("worker", workerId, "transport", "unix"));
        statCalls = registry.counter(STAT_CALLS, STAT_CALLS_HELP, Map.of("worker", workerId, "rpc", "StatBlock"));
        statBatchCalls = registry.counter(STAT_CALLS, STAT_CALLS_HELP, Map.of("worker", workerId, "rpc", "StatBlocks"));
        statBlocks = registry.counter("gfsload_worker_stat_blocks_total",
                "Blocks asked about in StatBlock and StatBlocks calls.", labels);
        String pullsHelp = "Blocks the worker read and stored itself (the pull data path), by source: ufs, or worker (a replica copied from another worker).";
        String pulledHelp = "Bytes of the blocks the worker read and stored itself, by source: ufs, or worker.";
        ufsPulls = registry.counter("gfsload_worker_pulls_total", pullsHelp, Map.of("worker", workerId, "source", "ufs"));
        ufsPulledBytes = registry.counter("gfsload_worker_pulled_bytes_total", pulledHelp, Map.of("worker", workerId, "source", "ufs"));
        workerPulls = registry.counter("gfsload_worker_pulls_total", pullsHelp, Map.of("worker", workerId, "source", "worker"));
        workerPulledBytes = registry.counter("gfsload_worker_pulled_bytes_total", pulledHelp, Map.of("worker", workerId, "source", "worker"));
        pullBatches = registry.counter("gfsload_worker_pull_batches_total",
                "PullBlocks calls: batches of small blocks the worker read itself, each block also counted in gfsload_worker_pulls_total.", labels);
        String failuresHelp = "Blocks the worker was asked to pull and could not read, by kind: ufs-unreadable (it cannot read the UFS: no file system "
                + "for the scheme, outside gfsload.cache.worker.pull.allowed), ufs-file-denied (the store refused it the file: its permissions), "
                + "ufs-file-changed, ufs-file-not-found, or pull-source-failed "
                + "(the read failed).";
        pullFailures = Stream.of(RpcErrors.UFS_UNREADABLE, RpcErrors.UFS_FILE_DENIED, RpcErrors.UFS_FILE_CHANGED, RpcErrors.UFS_FILE_NOT_FOUND, RpcErrors.PULL_SOURCE_FAILED)
                .collect(Collectors.toUnmodifiableMap(kind -> kind,
                        kind -> registry.counter("gfsload_worker_pull_failures_total", failuresHelp, Map.of("worker", workerId, "kind", kind))));
        forwardedBlocks = registry.counter("gfsload_worker_forwarded_blocks_total",
                "Replicas of pulled blocks the worker forwarded to other workers as it read them, and they stored (pipelined replicas).", labels);
        forwardedBytes = registry.counter("gfsload_worker_forwarded_bytes_total",
                "Bytes the worker sent to other workers' replicas of the blocks it pulled, as it read them.", labels);
        forwardBatches = registry.counter("gfsload_worker_forward_batches_total",
                "WriteBlocks calls that sent blocks of the worker's PullBlocks batches to other workers' replicas, many blocks per call.", labels);
        removedByMaster = registry.counter("gfsload_worker_master_removals_total",
                "Blocks deleted on the master's command: freed, or left in an aborted or expired temp area.", labels);
    }

    /** Registers the gauges read from {@code store}. */
    void watch(BlockStore store) {
        for (TierInfo tier : store.tiers()) {
            Map<String, String> labels = Map.of("worker", workerId, "tier", tier.tier().name());
            tierGauge(store, tier.tier(), "gfsload_worker_tier_blocks", "Blocks stored on the tier.", labels,
                    TierInfo::blocks);
            tierGauge(store, tier.tier(), "gfsload_worker_tier_used_bytes",
                    "Bytes of stored blocks and writes in progress on the tier.", labels, TierInfo::usedBytes);
            tierGauge(store, tier.tier(), "gfsload_worker_tier_capacity_bytes", "The tier's quota.", labels,
                    TierInfo::capacityBytes);
            tierGauge(store, tier.tier(), "gfsload_worker_tier_evictable_bytes",
                    "Bytes of stored blocks eviction may remove.", labels, TierInfo::evictableBytes);
            StorageTier kind = tier.tier();
            registry.counter("gfsload_worker_evictions_total", "Blocks evicted to make room.", labels,
                    () -> store.evictions(kind));
            registry.counter("gfsload_worker_evicted_bytes_total", "Bytes of blocks evicted to make room.", labels,
                    () -> store.evictedBytes(kind));
        }
        Map<String, String> labels = Map.of("worker", workerId);
        registry.counter("gfsload_worker_corrupt_blocks_total", "Blocks found corrupt on read and deleted.", labels,
                store::corruptBlocks);
        registry.gauge("gfsload_worker_pinned_blocks", "Blocks of open temp areas, never evicted.", labels,
                store::pinnedBlocks);
    }

    private void tierGauge(BlockStore store, StorageTier tier, String name, String help, Map<String, String> labels,
            ToDoubleFunction<TierInfo> value) {
        registry.gauge(name, help, labels, () -> store.tiers().stream()
                .filter(info -> info.tier() == tier)
                .mapToDouble(value)
                .sum());
    }

    void connectionAccepted(boolean domainSocket) {
        (domainSocket ? domainSocketConnections : tcpConnections).inc();
    }

    void blockWritten(long bytes) {
        blocksWritten.inc();
        bytesWritten.inc(bytes);
    }

    /** A block this worker read and stored itself: from the UFS, or ({@code fromUfs} false) from another worker. */
    void blockPulled(boolean fromUfs, long bytes) {
        (fromUfs ? ufsPulls : workerPulls).inc();
        (fromUfs ? ufsPulledBytes : workerPulledBytes).inc(bytes);
    }

    /** A block this worker could not read for a pull, failed with the error kind {@code kind}; not counted unless a pull's read's kind. */
    void pullFailed(String kind) {
        CounterDataPoint failures = pullFailures.get(kind);
        if (failures != null) {
            failures.inc();
        }
    }

    /** A {@code PullBlocks} call: a batch of small blocks to pull. */
    void pullBatch() {
        pullBatches.inc();
    }

    /** A WriteBlocks call sending blocks of a batched pull to another worker's replicas. */
    void forwardBatch() {
        forwardBatches.inc();
    }

    /** Bytes of a pulled block sent to one other worker's replica. */
    void bytesForwarded(long bytes) {
        forwardedBytes.inc(bytes);
    }

    /** A replica of a pulled block that another worker stored from the bytes this one forwarded. */
    void blockForwarded() {
        forwardedBlocks.inc();
    }

    void shortCircuitWritten() {
        shortCircuitWrites.inc();
    }

    void blockRead() {
        blocksRead.inc();
    }

    void bytesRead(long bytes) {
        bytesRead.inc(bytes);
    }

    /** A StatBlock call, or a StatBlocks call ({@code batch}), asking about {@code blocks} blocks. */
    void statCall(boolean batch, int blocks) {
        (batch ? statBatchCalls : statCalls).inc();
        statBlocks.inc(blocks);
    }

    void removedByMaster(int blocks) {
        removedByMaster.inc(blocks);
    }

    /** Drops this worker's samples from the registry. */
    void close() {
        registry.removeLabelled("worker", workerId);
    }
}
