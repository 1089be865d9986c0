package io.gfsload.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Retries and caching over a hand-written catalog that fails on cue. */
class TestRetryingCachingCatalog {
    private static final TableName EVENTS = new TableName("db", "events");
    private static final TableInfo TABLE = new TableInfo(EVENTS, "EXTERNAL_TABLE", Optional.of("file:/t"), Optional.empty(), List.of("dt"));

    /** Fails the first {@code failures} calls as an unreachable metastore would. */
    private static final class FlakyCatalog implements HiveCatalog {
        final AtomicInteger calls = new AtomicInteger();
        final int failures;
        final RuntimeException failure;

        FlakyCatalog(int failures, RuntimeException failure) {
            this.failures = failures;
            this.failure = failure;
        }

        private void maybeFail() {
            if (calls.incrementAndGet() <= failures) {
                throw failure;
            }
        }

        @Override
        public Optional<TableInfo> getTable(TableName name) {
            maybeFail();
            return name.equals(EVENTS) ? Optional.of(TABLE) : Optional.empty();
        }

        @Override
        public Optional<PartitionInfo> getPartition(TableInfo table, PartitionSpec spec) {
            maybeFail();
            return Optional.of(new PartitionInfo(spec, "file:/t/" + spec));
        }

        @Override
        public List<PartitionInfo> listPartitions(TableInfo table) {
            maybeFail();
            return List.of();
        }

        @Override
        public List<PartitionInfo> listPartitions(TableInfo table, PartitionSpec prefix) {
            maybeFail();
            return List.of();
        }

        @Override
        public List<PartitionInfo> listPartitionsByFilter(TableInfo table, String filter) {
            maybeFail();
            return List.of();
        }

        @Override
        public List<PartitionSpec> listPartitionSpecs(TableInfo table) {
            maybeFail();
            return List.of();
        }

        @Override
        public List<PartitionInfo> getPartitions(TableInfo table, List<PartitionSpec> specs) {
            maybeFail();
            return List.of();
        }

        @Override
        public String defaultPartitionName() {
            return "__NULL__";
        }

        @Override
        public void close() {}
    }

    @Test
    void retriesAnUnreachableMetastore() {
        FlakyCatalog flaky = new FlakyCatalog(2, new MetastoreUnavailableException("connection refused", null));
        RetryingCachingCatalog catalog = new RetryingCachingCatalog(flaky, 3, Duration.ofMillis(1));
        PartitionSpec spec = PartitionSpec.parse("dt=1");
        assertEquals("file:/t/dt=1", catalog.getPartition(TABLE, spec).orElseThrow().location());
        assertEquals(3, flaky.calls.get());
    }

    @Test
    void givesUpAfterTheAttemptsWithTheMetastoresError() {
        FlakyCatalog flaky = new FlakyCatalog(10, new MetastoreUnavailableException("connection refused", null));
        RetryingCachingCatalog catalog = new RetryingCachingCatalog(flaky, 3, Duration.ofMillis(1));
        MetastoreUnavailableException e = assertThrows(MetastoreUnavailableException.class, () -> catalog.listPartitions(TABLE));
        assertEquals("connection refused", e.getMessage());
        assertEquals(3, flaky.calls.get());
    }

    @Test
    void neverRetriesBadInput() {
        FlakyCatalog flaky = new FlakyCatalog(10, new InvalidInputException("Invalid filter"));
        RetryingCachingCatalog catalog = new RetryingCachingCatalog(flaky, 3, Duration.ofMillis(1));
        assertThrows(InvalidInputException.class, () -> catalog.listPartitionsByFilter(TABLE, "dt >="));
        assertEquals(1, flaky.calls.get());
    }

    @Test
    void cachesTableLookupsIncludingMisses() {
        FlakyCatalog flaky = new FlakyCatalog(0, null);
        RetryingCachingCatalog catalog = new RetryingCachingCatalog(flaky, 3, Duration.ofMillis(1));
        assertSame(catalog.getTable(EVENTS).orElseThrow(), catalog.getTable(EVENTS).orElseThrow());
        assertEquals(Optional.empty(), catalog.getTable(TableName.parse("db.nosuch")));
        assertEquals(Optional.empty(), catalog.getTable(TableName.parse("db.nosuch")));
        assertEquals(2, flaky.calls.get());
        catalog.forgetTables();
        catalog.getTable(EVENTS);
        assertEquals(Optional.empty(), catalog.getTable(TableName.parse("db.nosuch")));
        assertEquals(4, flaky.calls.get(), "read again once forgotten");
    }

    @Test
    void namesTheDefaultPartitionAsTheMetastoreDoes() {
        RetryingCachingCatalog catalog = new RetryingCachingCatalog(new FlakyCatalog(0, null), 3, Duration.ofMillis(1));
        assertEquals("__NULL__", catalog.defaultPartitionName());
    }
}
