package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Map;

/**
 * What the command line takes from its surroundings, read once at start-up.
 *
 * @param home the gfsload home: embedded cluster, embedded metastore and demo data live here
 */
public record CliEnvironment(Path home) {
    public CliEnvironment {
        requireNonNull(home, "home is null");
    }

    /** {@code $GFSLOAD_HOME}, or {@code ~/.gfsload}. */
    public static CliEnvironment fromSystem(Map<String, String> env, String userHome) {
        String home = env.get("GFSLOAD_HOME");
        return new CliEnvironment(home == null || home.isBlank() ? Path.of(userHome, ".gfsload") : Path.of(home));
    }
}
