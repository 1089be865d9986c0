package io.gfsload.ufs.simulator;

import static java.util.Objects.requireNonNull;

import java.nio.file.FileSystems;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;

/**
 * How a {@link FaultyFileSystem} fails, read once from its Hadoop configuration.
 *
 * @param transientFraction share of read calls, in [0, 1], that fail with "Connection reset (injected)"
 * @param permanentPaths patterns of the local paths that can never be opened: an entry with a glob
 *     character ({@code * ? [ {}) is a {@link java.nio.file.FileSystem#getPathMatcher glob} over the
 *     absolute path ({@code **} crosses directories); any other entry is a suffix of the path
 * @param permanentError what opening such a path throws
 * @param seed seed of the draws that pick the failing reads
 * @param permanentDetail added to a permanent fault's message after {@code ": "} when not empty:
 *     what a store's error can repeat of the request it refused (a signed URL, a session token)
 */
public record FaultyConfig(double transientFraction, List<String> permanentPaths, PermanentError permanentError, long seed, String permanentDetail) {
    public static final String TRANSIENT_FRACTION_KEY = "fs.faulty.transient.fraction";
    public static final String PERMANENT_PATHS_KEY = "fs.faulty.permanent.paths";
    public static final String PERMANENT_ERROR_KEY = "fs.faulty.permanent.error";
    public static final String SEED_KEY = "fs.faulty.seed";
    public static final String PERMANENT_DETAIL_KEY = "fs.faulty.permanent.detail";

    /** The exception a permanently faulty path fails with. */
    public enum PermanentError {
        /** {@link java.nio.file.AccessDeniedException} "Permission denied (injected)", as S3A reports a 403. */
        PERMISSION_DENIED("permission-denied"),
        /** {@link java.io.FileNotFoundException} "... (injected)", as for an object deleted after listing. */
        NOT_FOUND("not-found");

        private final String key;

        PermanentError(String key) {
            this.key = key;
        }

        /** The configuration value, e.g. {@code permission-denied}. */
        public String key() {
            return key;
        }

        static PermanentError fromKey(String value) {
            String normalized = value.trim().toLowerCase(Locale.ROOT);
            for (PermanentError error : values()) {
                if (error.key.equals(normalized)) {
                    return error;
                }
            }
            throw new IllegalArgumentException(PERMANENT_ERROR_KEY + " must be permission-denied or not-found: '" + value + "'");
        }
    }

    public FaultyConfig {
        if (!(transientFraction >= 0 && transientFraction <= 1)) {
            throw new IllegalArgumentException(TRANSIENT_FRACTION_KEY + " must be within [0, 1]: " + transientFraction);
        }
        permanentPaths = List.copyOf(requireNonNull(permanentPaths, "permanentPaths is null"));
        for (String pattern : permanentPaths) {
            if (pattern.isBlank()) {
                throw new IllegalArgumentException(PERMANENT_PATHS_KEY + " has an empty entry: " + permanentPaths);
            }
        }
        requireNonNull(permanentError, "permanentError is null");
        requireNonNull(permanentDetail, "permanentDetail is null");
    }

    /** A config whose permanent faults add nothing to their message. */
    public FaultyConfig(double transientFraction, List<String> permanentPaths, PermanentError permanentError, long seed) {
        this(transientFraction, permanentPaths, permanentError, seed, "");
    }

    /** No faults, permission-denied for permanent ones with nothing added to their message, seed 0. */
    public static FaultyConfig defaults() {
        return new FaultyConfig(0, List.of(), PermanentError.PERMISSION_DENIED, 0);
    }

    /**
     * Reads the {@code fs.faulty.*} keys; a missing key keeps its {@link #defaults()} value.
     *
     * @throws IllegalArgumentException naming the key whose value is invalid
     */
    public static FaultyConfig from(Configuration conf) {
        requireNonNull(conf, "conf is null");
        FaultyConfig defaults = defaults();
        String error = conf.getTrimmed(PERMANENT_ERROR_KEY);
        return new FaultyConfig(
                ConfigValues.getDouble(conf, TRANSIENT_FRACTION_KEY, defaults.transientFraction()),
                List.of(conf.getTrimmedStrings(PERMANENT_PATHS_KEY)),
                error == null || error.isEmpty() ? defaults.permanentError() : PermanentError.fromKey(error),
                ConfigValues.getLong(conf, SEED_KEY, defaults.seed()),
                conf.get(PERMANENT_DETAIL_KEY, defaults.permanentDetail()));
    }

    /** Writes every key of this config into {@code conf}, so that {@link #from} reads it back equal. */
    public Configuration applyTo(Configuration conf) {
        requireNonNull(conf, "conf is null");
        conf.set(TRANSIENT_FRACTION_KEY, Double.toString(transientFraction));
        conf.setStrings(PERMANENT_PATHS_KEY, permanentPaths.toArray(String[]::new));
        conf.set(PERMANENT_ERROR_KEY, permanentError.key());
        conf.setLong(SEED_KEY, seed);
        conf.set(PERMANENT_DETAIL_KEY, permanentDetail);
        return conf;
    }

    /** Whether the local absolute path {@code localPath} matches one of {@link #permanentPaths}. */
    boolean isPermanentlyFaulty(String localPath) {
        java.nio.file.Path path = java.nio.file.Path.of(localPath);
        for (String pattern : permanentPaths) {
            if (isGlob(pattern)) {
                PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
                if (matcher.matches(path)) {
                    return true;
                }
            }
            else if (localPath.endsWith(pattern)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isGlob(String pattern) {
        return pattern.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }
}
