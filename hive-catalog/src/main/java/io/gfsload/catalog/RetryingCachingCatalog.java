package io.gfsload.catalog;

import static java.util.Objects.requireNonNull;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * A {@link HiveCatalog} that retries calls failing with {@link MetastoreUnavailableException}
 * (exponential backoff with jitter) and caches table lookups until {@link #forgetTables()}, as one
 * plan reads the same table several times.
 *
 * <p>Thread-safe when the delegate is. Bad input ({@link InvalidInputException}) and misses are
 * never retried.
 */
public final class RetryingCachingCatalog implements HiveCatalog {
    private final HiveCatalog delegate;
    private final FailsafeExecutor<Object> retry;
    private final Cache<TableName, Optional<TableInfo>> tables = CacheBuilder.newBuilder().maximumSize(1_000).build();

    /**
     * @param delegate the catalog to call
     * @param attempts attempts per call, including the first
     * @param initialBackoff delay before the first retry, doubled up to ten times that
     */
    public RetryingCachingCatalog(HiveCatalog delegate, int attempts, Duration initialBackoff) {
        this.delegate = requireNonNull(delegate, "delegate is null");
        requireNonNull(initialBackoff, "initialBackoff is null");
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be >= 1: " + attempts);
        }
        this.retry = Failsafe.with(RetryPolicy.builder()
                .handle(MetastoreUnavailableException.class)
                .withMaxAttempts(attempts)
                .withBackoff(initialBackoff, initialBackoff.multipliedBy(10))
                .withJitter(0.25)
                .build());
    }

    private <T> T call(Supplier<T> call) {
        try {
            return retry.get(call::get);
        }
        catch (FailsafeException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    @Override
    public Optional<TableInfo> getTable(TableName name) {
        try {
            return tables.get(name, () -> call(() -> delegate.getTable(name)));
        }
        catch (ExecutionException | com.google.common.util.concurrent.UncheckedExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new CatalogException("Cannot read table " + name, e.getCause());
        }
    }

    @Override
    public Optional<PartitionInfo> getPartition(TableInfo table, PartitionSpec spec) {
        return call(() -> delegate.getPartition(table, spec));
    }

    @Override
    public List<PartitionInfo> listPartitions(TableInfo table) {
        return call(() -> delegate.listPartitions(table));
    }

    @Override
    public List<PartitionInfo> listPartitions(TableInfo table, PartitionSpec prefix) {
        return call(() -> delegate.listPartitions(table, prefix));
    }

    @Override
    public List<PartitionInfo> listPartitionsByFilter(TableInfo table, String filter) {
        return call(() -> delegate.listPartitionsByFilter(table, filter));
    }

    @Override
    public List<PartitionSpec> listPartitionSpecs(TableInfo table) {
        return call(() -> delegate.listPartitionSpecs(table));
    }

    @Override
    public List<PartitionInfo> getPartitions(TableInfo table, List<PartitionSpec> specs) {
        return call(() -> delegate.getPartitions(table, specs));
    }

    @Override
    public String defaultPartitionName() {
        return delegate.defaultPartitionName();
    }

    @Override
    public void forgetTables() {
        tables.invalidateAll();
        delegate.forgetTables();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
