package io.gfsload.cli;

import io.gfsload.cache.api.UriCredentials;
import java.io.File;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;
import picocli.CommandLine.TypeConversionException;

/**
 * The values of the options that name a file or directory of this machine ({@code --report},
 * {@code --core-site}, {@code --cluster-properties}, {@code --token-file}, {@code --config},
 * {@code --data-dir}). A URI with credentials given there ({@code --report
 * s3a://id:key@bucket/r.json}) is refused: as a local path its {@code //} collapses
 * ({@code s3a:/id:key@bucket/r.json}), which no longer reads as a URI, so the key would show in
 * every message that names the path and in the names of the directories created for it. Any
 * other URI ({@code --report s3a://bucket/r.json}, {@code file:///tmp/r.json}) is refused too: as a
 * path it is a relative one ({@code s3a:/bucket/r.json}) that nobody meant.
 *
 * <p>Stateless and thread-safe.
 */
final class LocalPaths {
    /** A scheme and {@code ://} at the start, blanks before it passed over. */
    private static final Pattern URI = Pattern.compile("^[\\s\\p{Z}\\x{FEFF}]*[A-Za-z][A-Za-z0-9+.-]*://");

    private LocalPaths() {}

    /** {@code value} as a path; a URI with credentials is refused, shown without them. */
    static Path path(String value) {
        return Path.of(checked(value));
    }

    /** {@code value} as a file; a URI with credentials is refused, shown without them. */
    static File file(String value) {
        return new File(checked(value));
    }

    /** Whether {@code value} is a URI ({@code scheme://...}), which no option of a local path takes. */
    static boolean isUri(String value) {
        return URI.matcher(value).find();
    }

    private static String checked(String value) {
        Optional<String> hidden = UriCredentials.hidden(value);
        if (hidden.isPresent()) {
            throw new TypeConversionException("'%s' is a URI with credentials, not a local path".formatted(hidden.get()));
        }
        if (isUri(value)) {
            // s3a://bucket/r.json as a path is the relative s3a:/bucket/r.json: directories named s3a: where the command runs
            throw new TypeConversionException("'%s' is a URI, not a local path: give a file or directory of this machine".formatted(value));
        }
        return value;
    }
}
