package io.gfsload.advisor;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings of one {@link TuningAdvisor#recommend} call, in the order the rules derive them.
 * An explicit value replaces the rule's as the setting is added, so every later rule reads the
 * value that will be used.
 *
 * <p>Not thread-safe; lives for one call.
 */
final class Derivation {
    private final Map<String, SettingOverride> overrides = new LinkedHashMap<>();
    private final List<Setting> settings = new ArrayList<>();

    Derivation(List<SettingOverride> explicit) {
        for (SettingOverride override : requireNonNull(explicit, "overrides is null")) {
            if (overrides.put(override.name(), override) != null) {
                throw new IllegalArgumentException("Setting %s is given twice".formatted(override.name()));
            }
        }
    }

    /** Adds the rule's setting, or the explicit value that replaces it, and returns the value used. */
    long add(Setting derived) {
        SettingOverride override = overrides.get(derived.name());
        Setting used = override == null ? derived : derived.overriddenBy(override.value(), override.source(), override.origin());
        settings.add(used);
        return used.value();
    }

    /** Whether {@code name} has an explicit value. */
    boolean isExplicit(String name) {
        return overrides.containsKey(name);
    }

    /** The explicit value of {@code name}, if any, before its rule runs. */
    OptionalLong explicit(String name) {
        SettingOverride override = overrides.get(name);
        return override == null ? OptionalLong.empty() : OptionalLong.of(override.value());
    }

    /** @throws IllegalArgumentException when an explicit value names no setting the advisor knows */
    Settings settings() {
        Set<String> known = new TreeSet<>();
        settings.forEach(s -> known.add(s.name()));
        for (String name : overrides.keySet()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("Unknown setting %s; the settings are %s".formatted(name, String.join(", ", known)));
            }
        }
        return new Settings(settings);
    }
}
