package io.gfsload.advisor;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One tunable with its value, where the value came from and why it has that value.
 *
 * @param name the key, e.g. {@code executor.ufs-read-threads} or {@code fs.cosn.upload_thread_pool}
 * @param value the value, in {@code unit}
 * @param unit {@code threads}, {@code bytes}, {@code tasks}, ...
 * @param reason the rule applied to the inputs, with the numbers, in one line
 * @param rule the general rule that produced the value and its source (the GooseFS guide or
 *     gfsload's own); empty for a setting made without a rule
 * @param inputs the inputs the rule read, by name (units in the names: {@code heap-bytes}), in the
 *     order the rule reads them
 * @param source who set the value: the advisor, a command-line flag or a configuration file
 */
public record Setting(String name, long value, String unit, String reason, String rule, Map<String, Long> inputs, Source source) implements Serializable {
    /** Who set a value. */
    public enum Source {
        /** Derived by the tuning advisor from the workload profile. */
        ADVISOR,
        /** Given explicitly on the command line. */
        FLAG,
        /** Given explicitly in a configuration file. */
        CONFIG
    }

    public Setting {
        requireNonNull(name, "name is null");
        requireNonNull(unit, "unit is null");
        requireNonNull(reason, "reason is null");
        requireNonNull(rule, "rule is null");
        inputs = Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(inputs, "inputs is null")));
        requireNonNull(source, "source is null");
    }

    /** A setting made by the advisor without a recorded rule or inputs. */
    public Setting(String name, long value, String unit, String reason) {
        this(name, value, unit, reason, "", Map.of(), Source.ADVISOR);
    }

    /**
     * This setting with an explicit value that wins over the advisor's; the reason keeps what the
     * advisor would have set and why.
     *
     * @param origin what set it, e.g. {@code --ufs-read-threads} or {@code gfsload.properties}
     */
    public Setting overriddenBy(long newValue, Source newSource, String origin) {
        requireNonNull(newSource, "newSource is null");
        requireNonNull(origin, "origin is null");
        if (newSource == Source.ADVISOR) {
            throw new IllegalArgumentException("An override of " + name + " must come from a flag or a configuration file, not the advisor");
        }
        String advised = source == Source.ADVISOR ? "advisor: %d, %s".formatted(value, reason) : reason;
        return new Setting(name, newValue, unit, "set by %s; %s".formatted(origin, advised), rule, inputs, newSource);
    }
}
