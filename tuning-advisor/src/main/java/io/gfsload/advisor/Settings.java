package io.gfsload.advisor;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.NoSuchElementException;

/** Every tunable the advisor set, in a fixed order, each with its reason. */
public record Settings(List<Setting> values) {
    public static final String UFS_READ_THREADS = "executor.ufs-read-threads";
    public static final String READ_BUFFER_BYTES = "executor.read-buffer-bytes";
    public static final String IN_FLIGHT_BYTES = "executor.in-flight-bytes";

    public Settings {
        values = List.copyOf(requireNonNull(values, "values is null"));
    }

    public Setting get(String name) {
        return values.stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new NoSuchElementException("No setting " + name));
    }

    public long value(String name) {
        return get(name).value();
    }
}
