package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Credentials in the user information of a UFS location's URI ({@code cosn://id:key@bucket/dir}),
 * which would put them into the cache's metadata, the reports and the logs: found, and shown
 * hidden. The planner refuses the paths and the table locations that have them, and gfs:// a UFS
 * root that has them.
 */
public final class UriCredentials {
    /** Blanks: ASCII's, Unicode's spaces (a no-break space, an ideographic one) and a byte order mark. */
    private static final String BLANKS = "[\\s\\p{Z}\\x{FEFF}]*";
    /**
     * {@code scheme://user-information@}: what comes before the first {@code @} of an authority.
     * Blanks before the scheme, of any kind ({@link #BLANKS}), are passed over: Hadoop cannot
     * parse such a path, and its error repeats the whole of it.
     */
    private static final Pattern USER_INFO = Pattern.compile("^(" + BLANKS + "[A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@");
    /**
     * {@code scheme://id:key@} where the key holds characters a URI's user information may not
     * (AWS secret keys hold {@code /}): a colon, then an {@code @}. A colon followed by a port
     * number and a path is not credentials for the schemes of {@link #HOST_AND_PORT}:
     * {@code hdfs://nn:8020/dir/a@b} is a path.
     */
    private static final Pattern SECRET = Pattern.compile("^(" + BLANKS + "[A-Za-z][A-Za-z0-9+.-]*://)[^/:@]*:[^@]*@");
    private static final Pattern SECRET_NOT_A_PORT = Pattern.compile("^(" + BLANKS + "[A-Za-z][A-Za-z0-9+.-]*://)[^/:@]*:(?![0-9]*(?:/|$))[^@]*@");
    /**
     * The schemes whose authority is {@code HOST:PORT}. In any other (an object store's bucket
     * has no port), {@code s3a://id:123/key@bucket/x} is an access key and a secret key that
     * starts with digits and holds a {@code /}, not a port.
     */
    private static final Set<String> HOST_AND_PORT = Set.of("hdfs", "webhdfs", "swebhdfs", "viewfs", "har", "ofs", "o3fs", "ftp", "sftp", "http", "https",
            "alluxio");

    /**
     * The schemes whose authority names a container before an {@code @} ({@code
     * abfss://container@account.dfs.core.windows.net/dir}): what comes before it is credentials
     * only with a colon in it.
     */
    private static final Set<String> CONTAINER_AT_ACCOUNT = Set.of("abfs", "abfss", "wasb", "wasbs");

    /**
     * A URI in a text: a scheme and {@code ://}, up to a blank or a quote, as messages show a
     * value ({@code 'cosn://id:key@bucket/x' is not ...}).
     */
    private static final Pattern IN_TEXT = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://[^\\s'\"]*");

    private UriCredentials() {}

    /** {@code location} with its user information shown as {@code <hidden>}, when it has any; empty otherwise. */
    public static Optional<String> hidden(String location) {
        requireNonNull(location, "location is null");
        String scheme = scheme(location);
        Matcher credentials = USER_INFO.matcher(location);
        if (CONTAINER_AT_ACCOUNT.contains(scheme) || !credentials.find()) {
            credentials = (HOST_AND_PORT.contains(scheme) ? SECRET_NOT_A_PORT : SECRET).matcher(location);
            if (!credentials.find()) {
                return Optional.empty();
            }
        }
        return Optional.of(credentials.replaceFirst("$1<hidden>@"));
    }

    /**
     * {@code text} with the user information of every URI in it shown as {@code <hidden>}, as
     * {@link #hidden} shows it: for a message that repeats what it was given, such as a command
     * line's argument it could not take.
     */
    public static String hiddenIn(String text) {
        requireNonNull(text, "text is null");
        Matcher uri = IN_TEXT.matcher(text);
        StringBuilder result = new StringBuilder(text.length());
        while (uri.find()) {
            uri.appendReplacement(result, Matcher.quoteReplacement(hidden(uri.group()).orElse(uri.group())));
        }
        uri.appendTail(result);
        return result.toString();
    }

    /**
     * {@code failure} as a log may write it: itself when no message of it, its causes or the
     * failures suppressed in them holds a URI with credentials; else a copy of each whose message
     * shows them hidden ({@link #hiddenIn(String)}), with its stack trace, which prints as the
     * original does ({@code java.io.IOException: ... cosn://<hidden>@bucket/x}).
     */
    public static Throwable hiddenIn(Throwable failure) {
        return hiddenIn(failure, UnaryOperator.identity());
    }

    /**
     * As {@link #hiddenIn(Throwable)}, each text also passed through {@code alsoHidden}, which
     * hides other secrets in it (a JDBC URL's password, a secret setting's value).
     */
    public static Throwable hiddenIn(Throwable failure, UnaryOperator<String> alsoHidden) {
        requireNonNull(failure, "failure is null");
        requireNonNull(alsoHidden, "alsoHidden is null");
        Map<Throwable, Throwable> copies = new IdentityHashMap<>();
        Throwable copy = copy(failure, copies, alsoHidden);
        return copies.entrySet().stream().allMatch(entry -> entry.getKey().toString().equals(entry.getValue().toString())) ? failure : copy;
    }

    private static Throwable copy(Throwable failure, Map<Throwable, Throwable> copies, UnaryOperator<String> alsoHidden) {
        Throwable done = copies.get(failure);
        if (done != null) {
            return done;
        }
        Hidden copy = new Hidden(alsoHidden.apply(hiddenIn(failure.toString())));
        copies.put(failure, copy);
        copy.setStackTrace(failure.getStackTrace());
        // a failure whose getCause() is itself (as some libraries' are) has no cause to copy
        if (failure.getCause() != null && failure.getCause() != failure) {
            copy.initCause(copy(failure.getCause(), copies, alsoHidden));
        }
        for (Throwable suppressed : failure.getSuppressed()) {
            copy.addSuppressed(copy(suppressed, copies, alsoHidden));
        }
        return copy;
    }

    /** A failure's copy whose text (its class and message) hides credentials: printed as the original. */
    private static final class Hidden extends Exception {
        private final String text;

        Hidden(String text) {
            super(text);
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /**
     * Where the credentials of {@code location}'s store go instead, for a message: core-site.xml,
     * with the settings of the two object stores the README names, or a credential provider.
     */
    public static String whereTheyGo(String location) {
        String keys = switch (scheme(location)) {
            case "cosn" -> " (fs.cosn.userinfo.secretId and fs.cosn.userinfo.secretKey)";
            case "s3a" -> " (fs.s3a.access.key and fs.s3a.secret.key)";
            default -> "";
        };
        return "set them in core-site.xml" + keys + " or a Hadoop credential provider";
    }

    /** The scheme of {@code location}, in lower case, blanks before it passed over; empty without one. */
    private static String scheme(String location) {
        String stripped = location.replaceFirst("^" + BLANKS, "");
        return stripped.substring(0, Math.max(0, stripped.indexOf(':'))).toLowerCase(Locale.ROOT);
    }
}
