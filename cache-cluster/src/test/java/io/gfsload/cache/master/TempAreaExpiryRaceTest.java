package io.gfsload.cache.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.base.Ticker;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.metrics.MetricsRegistry;
import io.gfsload.cache.proto.BlockRecord;
import io.gfsload.cache.rpc.ProtoConversions;
import io.gfsload.cache.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The expiry of temp areas against the calls that come between its listing of the areas and its
 * deletion of one: an area renewed or opened afresh meanwhile stays, with its blocks.
 */
class TempAreaExpiryRaceTest {
    private static final FileIdentity FILE = new FileIdentity("cosn://bucket/t/dt=1/part-0", 1 << 30, 1000, "e1");
    private static final long HOUR = 3_600_000;

    @TempDir
    Path directory;

    /** A run of the job opens it again between the listing and the deletion: the expired area is replaced by a fresh one, which stays. */
    @Test
    void expiryDoesNotDeleteTheFreshAreaOfAJobReopenedMeanwhile() throws Exception {
        MutableClock clock = new MutableClock(Instant.ofEpochMilli(1_763_600_000_000L));
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            MasterService service = new MasterService(new WorkerRegistry(Ticker.systemTicker(), Duration.ofSeconds(3), Duration.ofMinutes(1)),
                    store, clock, new MasterMetrics(new MetricsRegistry()));
            store.openTempArea("job", clock.millis(), HOUR);
            clock.advance(Duration.ofHours(2));
            long now = clock.millis();
            CompletableFuture<List<String>> expired;
            synchronized (store) {
                expired = expiryWaitingForTheStore(service);
                // meanwhile the job runs again: its expired area is replaced by a fresh one, and it stages a block
                assertEquals(false, store.openTempArea("job", now, HOUR).adopted());
                store.stage("job", BlockRecord.newBuilder().setFile(ProtoConversions.toProto(FILE)).setIndex(0).setLength(100)
                        .setCrc32C(7).setReplication(1).addWorkerIds("worker-0").build(), now);
            }
            expired.get(10, TimeUnit.SECONDS);
            assertTrue(store.tempArea("job").isPresent(), "the fresh area, open until " + Instant.ofEpochMilli(now + HOUR) + ", is still there");
            assertEquals(1, store.tempBlocks("job").size(), "and its staged block");
        }
    }

    /** Runs {@code service.expireTempAreas()} on another thread while this one holds the store's lock; returns once it waits for the lock. */
    private static CompletableFuture<List<String>> expiryWaitingForTheStore(MasterService service) throws InterruptedException {
        CompletableFuture<List<String>> expired = CompletableFuture.supplyAsync(service::expireTempAreas);
        for (int i = 0; i < 500; i++) {
            for (Thread thread : Thread.getAllStackTraces().keySet()) {
                if (thread.getState() == Thread.State.BLOCKED && List.of(thread.getStackTrace()).stream()
                        .anyMatch(frame -> frame.getMethodName().equals("expireTempAreas"))) {
                    return expired;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the checker does not wait for the store");
    }

    /**
     * A renewal that read the time just before the area expired (the master reads it before it
     * takes the store's lock, which a long scope commit may hold) extends the area after the
     * listing found it expired: the area renewed stays.
     */
    @Test
    void expiryDoesNotDeleteAnAreaRenewedMeanwhile() throws Exception {
        MutableClock clock = new MutableClock(Instant.ofEpochMilli(1_763_600_000_000L));
        try (BlockMetadataStore store = BlockMetadataStore.open(directory)) {
            MasterService service = new MasterService(new WorkerRegistry(Ticker.systemTicker(), Duration.ofSeconds(3), Duration.ofMinutes(1)),
                    store, clock, new MasterMetrics(new MetricsRegistry()));
            long expiresAt = store.openTempArea("job", clock.millis(), HOUR).area().getExpiresAtMillis();
            long renewalsTime = expiresAt - 1; // read by the renewal's call before it waited for the lock
            clock.set(Instant.ofEpochMilli(expiresAt));
            CompletableFuture<List<String>> expired;
            synchronized (store) {
                expired = expiryWaitingForTheStore(service);
                long renewed = store.openTempArea("job", renewalsTime, HOUR, true).area().getExpiresAtMillis();
                assertEquals(renewalsTime + HOUR, renewed, "the renewal succeeded");
            }
            expired.get(10, TimeUnit.SECONDS);
            assertTrue(store.tempArea("job").isPresent(), "the area the job just renewed, until " + Instant.ofEpochMilli(renewalsTime + HOUR)
                    + ", is still there");
        }
    }
}
