package io.gfsload.advisor;

import static java.util.Objects.requireNonNull;

/**
 * An explicit value for one setting, which wins over the advisor's rule.
 *
 * @param name the setting, e.g. {@link Settings#UFS_READ_THREADS}
 * @param value the value, in the setting's unit
 * @param source {@link Setting.Source#FLAG} or {@link Setting.Source#CONFIG}
 * @param origin what set it, for the report: {@code --ufs-read-threads}, {@code gfsload.properties}
 */
public record SettingOverride(String name, long value, Setting.Source source, String origin) {
    public SettingOverride {
        requireNonNull(name, "name is null");
        requireNonNull(source, "source is null");
        requireNonNull(origin, "origin is null");
        if (source == Setting.Source.ADVISOR) {
            throw new IllegalArgumentException("An override of " + name + " must come from a flag or a configuration file, not the advisor");
        }
        if (value < 1) {
            throw new IllegalArgumentException("Invalid value %d for %s: must be > 0".formatted(value, name));
        }
    }

    /** A value given on the command line by {@code flag}. */
    public static SettingOverride flag(String name, long value, String flag) {
        return new SettingOverride(name, value, Setting.Source.FLAG, flag);
    }

    /** A value read from the configuration file {@code file}. */
    public static SettingOverride config(String name, long value, String file) {
        return new SettingOverride(name, value, Setting.Source.CONFIG, file);
    }
}
