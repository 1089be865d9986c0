package io.gfsload.cache.metrics;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * Counters and gauges by name and labels, rendered in the Prometheus text exposition format
 * (version 0.0.4). Several components may share one registry (the local cluster's workers do), each
 * labelling its samples, e.g. {@code worker="worker-0"}.
 *
 * <p>Thread-safe. Gauges read their value when scraped, so they must be cheap and thread-safe.
 */
public final class MetricsRegistry {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private enum Type { COUNTER, GAUGE }

    private final SortedMap<String, Family> families = new TreeMap<>();

    /**
     * The counter {@code name} with {@code labels}, created at zero on first use.
     *
     * @throws IllegalArgumentException when {@code name} is already a gauge, or a name is malformed
     */
    public synchronized Counter counter(String name, String help, Map<String, String> labels) {
        Family family = family(name, help, Type.COUNTER);
        String key = labels(labels);
        Object sample = family.samples.computeIfAbsent(key, ignored -> new Counter());
        if (!(sample instanceof Counter counter)) {
            throw new IllegalArgumentException("counter " + name + key + " is read from a function");
        }
        return counter;
    }

    /**
     * Registers (or replaces) the counter {@code name} with {@code labels}, read from {@code value},
     * for counts another object keeps; {@code value} must never decrease.
     */
    public synchronized void counter(String name, String help, Map<String, String> labels, DoubleSupplier value) {
        requireNonNull(value, "value is null");
        family(name, help, Type.COUNTER).samples.put(labels(labels), value);
    }

    /**
     * Registers (or replaces) the gauge {@code name} with {@code labels}, read from {@code value}.
     *
     * @throws IllegalArgumentException when {@code name} is already a counter, or a name is malformed
     */
    public synchronized void gauge(String name, String help, Map<String, String> labels, DoubleSupplier value) {
        requireNonNull(value, "value is null");
        family(name, help, Type.GAUGE).samples.put(labels(labels), value);
    }

    /** Drops every sample carrying {@code label="value"}, e.g. those of a worker that stopped. */
    public synchronized void removeLabelled(String label, String value) {
        String needle = label + "=\"" + escape(value) + "\"";
        for (Iterator<Family> families = this.families.values().iterator(); families.hasNext(); ) {
            Family family = families.next();
            family.samples.keySet().removeIf(key -> key.equals("{" + needle + "}") || key.startsWith("{" + needle + ",")
                    || key.contains("," + needle + ",") || key.endsWith("," + needle + "}"));
            if (family.samples.isEmpty()) {
                families.remove();
            }
        }
    }

    /** The current value of a sample, if registered. */
    public synchronized OptionalDouble value(String name, Map<String, String> labels) {
        Family family = families.get(name);
        if (family == null) {
            return OptionalDouble.empty();
        }
        Object sample = family.samples.get(labels(labels));
        return sample == null ? OptionalDouble.empty() : OptionalDouble.of(read(sample));
    }

    /** Every family in name order, every sample in label order, as Prometheus text. */
    public String scrape() {
        List<String> lines = new ArrayList<>();
        synchronized (this) {
            families.forEach((name, family) -> {
                lines.add("# HELP " + name + " " + family.help.replace("\\", "\\\\").replace("\n", "\\n"));
                lines.add("# TYPE " + name + " " + family.type.name().toLowerCase(java.util.Locale.ROOT));
                family.samples.forEach((labels, sample) -> lines.add(name + labels + " " + format(read(sample))));
            });
        }
        StringBuilder text = new StringBuilder();
        lines.forEach(line -> text.append(line).append('\n'));
        return text.toString();
    }

    private Family family(String name, String help, Type type) {
        requireNonNull(help, "help is null");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid metric name: " + name);
        }
        Family family = families.computeIfAbsent(name, ignored -> new Family(type, help));
        if (family.type != type) {
            throw new IllegalArgumentException("metric " + name + " is a " + family.type + ", not a " + type);
        }
        return family;
    }

    private static String labels(Map<String, String> labels) {
        requireNonNull(labels, "labels is null");
        if (labels.isEmpty()) {
            return "";
        }
        StringBuilder key = new StringBuilder("{");
        new TreeMap<>(labels).forEach((label, value) -> {
            if (!LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("invalid label name: " + label);
            }
            if (key.length() > 1) {
                key.append(',');
            }
            key.append(label).append("=\"").append(escape(value)).append('"');
        });
        return key.append('}').toString();
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static double read(Object sample) {
        if (sample instanceof Counter counter) {
            return counter.value();
        }
        try {
            return ((DoubleSupplier) sample).getAsDouble();
        }
        catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private static String format(double value) {
        if (value == Math.rint(value) && !Double.isInfinite(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        return Double.toString(value);
    }

    private static final class Family {
        final Type type;
        final String help;
        /** Rendered label set ({@code {a="1",b="2"}} or empty) to a {@link Counter} or a {@link DoubleSupplier}. */
        final SortedMap<String, Object> samples = new TreeMap<>();

        Family(Type type, String help) {
            this.type = type;
            this.help = help;
        }
    }
}
