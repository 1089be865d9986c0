package io.gfsload.advisor;

import static java.util.Objects.requireNonNull;

/**
 * One tunable with its value and why it has that value.
 *
 * @param name the key, e.g. {@code executor.ufs-read-threads}
 * @param value the value, in {@code unit}
 * @param unit {@code threads}, {@code bytes}, ...
 * @param reason the rule and the inputs that produced the value
 */
public record Setting(String name, long value, String unit, String reason) {
    public Setting {
        requireNonNull(name, "name is null");
        requireNonNull(unit, "unit is null");
        requireNonNull(reason, "reason is null");
    }
}
