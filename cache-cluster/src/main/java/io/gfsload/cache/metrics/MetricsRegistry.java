package io.gfsload.cache.metrics;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Metric;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

/**
 * Counters and gauges by name and labels, kept by the Prometheus Java client and rendered by its
 * writer of the Prometheus text format (version 0.0.4). Several components may share one registry
 * (the local cluster's workers do): each name is one metric family, created on first use with the
 * label names it is first used with, and each component adds its own label values, e.g.
 * {@code worker="worker-0"}.
 *
 * <p>Thread-safe. Gauges and counters read from a function read their value when scraped, so the
 * function must be cheap and thread-safe; one that fails reads {@code NaN}.
 */
public final class MetricsRegistry {
    private static final PrometheusTextFormatWriter WRITER = PrometheusTextFormatWriter.create();

    private enum Kind {
        COUNTER("counter"), COUNTER_READ("counter read from a function"), GAUGE("gauge");

        private final String description;

        Kind(String description) {
            this.description = description;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    private final PrometheusRegistry registry = new PrometheusRegistry();
    /** By name. Guarded by this. */
    private final Map<String, Family> families = new HashMap<>();

    /**
     * The counter {@code name} with {@code labels}, created at zero on first use.
     *
     * @throws IllegalArgumentException when {@code name} is another kind of metric or has other label names
     */
    public synchronized CounterDataPoint counter(String name, String help, Map<String, String> labels) {
        Family family = family(name, help, Kind.COUNTER, labels);
        Counter counter = (Counter) family.metric();
        return labels.isEmpty() ? counter : counter.labelValues(family.values(labels));
    }

    /**
     * Registers (or replaces) the counter {@code name} with {@code labels}, read from {@code value},
     * for counts another object keeps; {@code value} must never decrease.
     *
     * @throws IllegalArgumentException when {@code name} is another kind of metric or has other label names
     */
    public synchronized void counter(String name, String help, Map<String, String> labels, DoubleSupplier value) {
        requireNonNull(value, "value is null");
        Family family = family(name, help, Kind.COUNTER_READ, labels);
        family.suppliers().put(List.of(family.values(labels)), value);
    }

    /**
     * Registers (or replaces) the gauge {@code name} with {@code labels}, read from {@code value}.
     *
     * @throws IllegalArgumentException when {@code name} is another kind of metric or has other label names
     */
    public synchronized void gauge(String name, String help, Map<String, String> labels, DoubleSupplier value) {
        requireNonNull(value, "value is null");
        Family family = family(name, help, Kind.GAUGE, labels);
        family.suppliers().put(List.of(family.values(labels)), value);
    }

    /** Drops every sample carrying {@code label="value"}, e.g. those of a worker that stopped. */
    public synchronized void removeLabelled(String label, String value) {
        requireNonNull(label, "label is null");
        requireNonNull(value, "value is null");
        for (Family family : families.values()) {
            int index = family.labelNames().indexOf(label);
            if (index >= 0) {
                if (family.metric() instanceof Counter counter) {
                    counter.removeIf(values -> values.get(index).equals(value));
                }
                family.suppliers().keySet().removeIf(values -> values.get(index).equals(value));
            }
        }
    }

    /** The current value of a sample, if registered. */
    public OptionalDouble value(String name, Map<String, String> labels) {
        requireNonNull(labels, "labels is null");
        Family family;
        synchronized (this) {
            family = families.get(name);
        }
        if (family == null) {
            return OptionalDouble.empty();
        }
        Labels wanted = Labels.of(List.copyOf(labels.keySet()), List.copyOf(labels.values()));
        for (DataPointSnapshot sample : family.metric().collect().getDataPoints()) {
            if (sample.getLabels().equals(wanted)) {
                return OptionalDouble.of(sample instanceof CounterDataPointSnapshot counter
                        ? counter.getValue()
                        : ((GaugeDataPointSnapshot) sample).getValue());
            }
        }
        return OptionalDouble.empty();
    }

    /** Every family in name order, every sample in label order, as Prometheus text. */
    public String scrape() {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        try {
            WRITER.write(text, registry.scrape());
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot render the metrics", e);
        }
        return text.toString(StandardCharsets.UTF_8);
    }

    private Family family(String name, String help, Kind kind, Map<String, String> labels) {
        requireNonNull(name, "name is null");
        requireNonNull(help, "help is null");
        requireNonNull(labels, "labels is null");
        List<String> labelNames = labels.keySet().stream().sorted().toList();
        Family family = families.get(name);
        if (family == null) {
            family = Family.register(registry, name, help, kind, labelNames);
            families.put(name, family);
        }
        checkArgument(family.kind() == kind, "metric %s is a %s, not a %s", name, family.kind(), kind);
        checkArgument(family.labelNames().equals(labelNames), "metric %s has the labels %s, not %s", name,
                family.labelNames(), labelNames);
        return family;
    }

    private static double read(DoubleSupplier value) {
        try {
            return value.getAsDouble();
        }
        catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    /**
     * A metric family of the client: a counter, or a counter or gauge whose callback reads the
     * functions in {@code suppliers}, by their label values in the order of {@code labelNames}.
     */
    private record Family(Kind kind, List<String> labelNames, Metric metric, Map<List<String>, DoubleSupplier> suppliers) {
        static Family register(PrometheusRegistry registry, String name, String help, Kind kind, List<String> labelNames) {
            String[] names = labelNames.toArray(String[]::new);
            Map<List<String>, DoubleSupplier> suppliers = new ConcurrentHashMap<>();
            Metric metric = switch (kind) {
                case COUNTER -> Counter.builder().name(name).help(help).labelNames(names).withoutExemplars().build();
                case COUNTER_READ -> CounterWithCallback.builder().name(name).help(help).labelNames(names)
                        .callback(samples -> suppliers.forEach((values, value) -> samples.call(read(value), values.toArray(String[]::new))))
                        .build();
                case GAUGE -> GaugeWithCallback.builder().name(name).help(help).labelNames(names)
                        .callback(samples -> suppliers.forEach((values, value) -> samples.call(read(value), values.toArray(String[]::new))))
                        .build();
            };
            registry.register(metric);
            return new Family(kind, labelNames, metric, suppliers);
        }

        /** The values of {@code labels} in the order of the family's label names. */
        String[] values(Map<String, String> labels) {
            return labelNames.stream().map(labels::get).toArray(String[]::new);
        }
    }
}
