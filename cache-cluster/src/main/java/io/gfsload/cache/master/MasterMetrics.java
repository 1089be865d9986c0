package io.gfsload.cache.master;

import com.google.common.base.Suppliers;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.metrics.MetricsRegistry;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** The master's metrics: workers live, lost and stopped, temp areas, commits and frees. */
final class MasterMetrics {
    /**
     * How long a count of the under-replicated blocks serves scrapes: counting walks every block
     * record, which should not happen at each scrape of a master with millions of blocks.
     */
    static final Duration UNDER_REPLICATED_REFRESH = Duration.ofSeconds(30);

    private final CounterDataPoint workersLost;
    private final CounterDataPoint workersStopped;
    private final CounterDataPoint blocksCommitted;
    private final CounterDataPoint blocksFreed;
    private final CounterDataPoint tempAreasOpened;
    private final CounterDataPoint tempAreasCommittedBlocks;
    private final CounterDataPoint tempAreasAborted;
    private final CounterDataPoint tempAreasExpired;
    private final CounterDataPoint tempAreaBlocksExpired;

    MasterMetrics(MetricsRegistry registry) {
        Map<String, String> none = Map.of();
        workersLost = registry.counter("gfsload_master_workers_lost_total",
                "Times a worker was found lost: no heartbeat for the configured number of intervals.", none);
        workersStopped = registry.counter("gfsload_master_workers_stopped_total",
                "Times a worker said that it stops (a clean stop): not live from then on, and not counted as lost.", none);
        blocksCommitted = registry.counter("gfsload_master_blocks_committed_total",
                "Blocks committed directly (not through a temp area).", none);
        blocksFreed = registry.counter("gfsload_master_blocks_freed_total", "Blocks uncached by free.", none);
        tempAreasOpened = registry.counter("gfsload_master_temp_areas_opened_total", "Temp areas opened (not adopted).",
                none);
        tempAreasCommittedBlocks = registry.counter("gfsload_master_temp_area_blocks_committed_total",
                "Blocks made visible by scope commits.", none);
        tempAreasAborted = registry.counter("gfsload_master_temp_areas_aborted_total", "Temp areas aborted by their job.",
                none);
        tempAreasExpired = registry.counter("gfsload_master_temp_areas_expired_total",
                "Temp areas deleted because they expired.", none);
        tempAreaBlocksExpired = registry.counter("gfsload_master_temp_area_blocks_expired_total",
                "Uncommitted blocks deleted with their expired temp area.", none);
    }

    /** Registers the gauges read from the registry and the metadata. */
    void watch(MetricsRegistry registry, WorkerRegistry workers, BlockMetadataStore metadata) {
        String help = "Registered workers by state: live; lost (missed heartbeats); stopped (said that it stops, and has not "
                + "registered since).";
        registry.gauge("gfsload_master_workers", help, Map.of("state", "live"),
                () -> workers.workers().stream().filter(WorkerInfo::live).count());
        registry.gauge("gfsload_master_workers", help, Map.of("state", "lost"),
                () -> workers.workers().stream().filter(WorkerInfo::lost).count());
        registry.gauge("gfsload_master_workers", help, Map.of("state", "stopped"),
                () -> workers.workers().stream().filter(WorkerInfo::stopped).count());
        registry.gauge("gfsload_master_temp_areas", "Temp areas recorded (open, or expired and not yet deleted).",
                Map.of(), () -> metadata.tempAreas().size());
        registry.gauge("gfsload_master_worker_commands_queued", "Commands queued for workers: not sent yet, or sent and not yet carried out.",
                Map.of(), metadata::queuedCommands);
        registry.gauge("gfsload_master_unreported_placement_bytes", "Bytes of blocks placed on live workers that their "
                + "heartbeats may not include yet, which placement takes off the workers' free room.", Map.of(),
                workers::unreportedPlacementBytes);
        Supplier<Long> underReplicated = Suppliers.memoizeWithExpiration(() -> {
            Set<String> live = new HashSet<>(workers.liveWorkers().stream().map(WorkerInfo::id).toList());
            return metadata.underReplicated("", 0, live::contains).count();
        }, UNDER_REPLICATED_REFRESH);
        registry.gauge("gfsload_master_blocks_under_replicated", "Committed blocks with fewer replicas on live workers than "
                + "their replication (a lost or stopped worker's replicas are missing), counted at most every "
                + UNDER_REPLICATED_REFRESH.toSeconds() + " s.", Map.of(), underReplicated::get);
        registry.counter("gfsload_master_metadata_iterator_skipped_entries_total", "Deleted or overwritten entries the "
                + "metadata store's reads stepped over: growing much faster than the calls, reads walk deletions.", Map.of(),
                metadata::iteratorSkippedEntries);
    }

    void workerLost() {
        workersLost.inc();
    }

    void workerStopped() {
        workersStopped.inc();
    }

    void blocksCommitted(int blocks) {
        blocksCommitted.inc(blocks);
    }

    void blocksFreed(int blocks) {
        blocksFreed.inc(blocks);
    }

    void tempAreaOpened() {
        tempAreasOpened.inc();
    }

    void scopeCommitted(int blocks) {
        tempAreasCommittedBlocks.inc(blocks);
    }

    void tempAreaAborted() {
        tempAreasAborted.inc();
    }

    void tempAreaExpired(int blocks) {
        tempAreasExpired.inc();
        tempAreaBlocksExpired.inc(blocks);
    }
}
