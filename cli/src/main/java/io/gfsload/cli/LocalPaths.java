package io.gfsload.cli;

import io.gfsload.cache.api.UriCredentials;
import java.io.File;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.TypeConversionException;

/**
 * The values of the options that name a file or directory of this machine ({@code --report},
 * {@code --core-site}, {@code --cluster-properties}, {@code --token-file}, {@code --config},
 * {@code --data-dir}). A URI with credentials given there ({@code --report
 * s3a://id:key@bucket/r.json}) is refused: as a local path its {@code //} collapses
 * ({@code s3a:/id:key@bucket/r.json}), which no longer reads as a URI, so the key would show in
 * every message that names the path and in the names of the directories created for it.
 *
 * <p>Stateless and thread-safe.
 */
final class LocalPaths {
    private LocalPaths() {}

    /** {@code value} as a path; a URI with credentials is refused, shown without them. */
    static Path path(String value) {
        return Path.of(checked(value));
    }

    /** {@code value} as a file; a URI with credentials is refused, shown without them. */
    static File file(String value) {
        return new File(checked(value));
    }

    /** Whether {@code value} is a URI with credentials, which no option of a local path takes. */
    static boolean hasCredentials(String value) {
        return UriCredentials.hidden(value).isPresent();
    }

    private static String checked(String value) {
        Optional<String> hidden = UriCredentials.hidden(value);
        if (hidden.isPresent()) {
            throw new TypeConversionException("'%s' is a URI with credentials, not a local path".formatted(hidden.get()));
        }
        return value;
    }
}
