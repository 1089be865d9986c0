package io.gfsload.ufs.simulator;

import org.apache.hadoop.conf.Configuration;

/** Reads typed values from a Hadoop configuration with errors that name the key. */
final class ConfigValues {
    private ConfigValues() {}

    static long getLong(Configuration conf, String key, long defaultValue) {
        String value = conf.getTrimmed(key);
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        try {
            return Long.parseLong(value);
        }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer: '" + value + "'", e);
        }
    }

    static double getDouble(Configuration conf, String key, double defaultValue) {
        String value = conf.getTrimmed(key);
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        try {
            return Double.parseDouble(value);
        }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number: '" + value + "'", e);
        }
    }
}
