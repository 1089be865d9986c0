package io.gfsload.cli;

import io.gfsload.cache.api.FileErrors;
import io.gfsload.cache.rpc.RpcAuth;
import io.gfsload.planner.InvalidRequestException;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** Where the cache cluster is, and the token its calls carry; defaults to an embedded one. */
public final class ConnectionOptions {
    /** The token's line in a cluster's properties file. */
    private static final String TOKEN_KEY = "gfsload.cache.security.token";
    /** A line of a properties file, {@code key=value} or {@code key: value}: the key, the separator with its blanks, the value. */
    private static final Pattern ANY_PROPERTY = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_.-]*)(\\s*[=:]\\s*)(.*?)\\s*");
    /** The name of an environment variable, as env files set them: {@code AWS_SECRET_ACCESS_KEY}. */
    private static final Pattern ENVIRONMENT_NAME = Pattern.compile("[A-Z][A-Z0-9]*(_[A-Z0-9]+)*");
    /** A line that starts a gfsload setting, whatever follows its key. */
    private static final Pattern GFSLOAD_KEY = Pattern.compile("\\s*gfsload\\.");
    /** A comment line of a properties file. */
    private static final Pattern COMMENT = Pattern.compile("\\s*[#!]");

    /** What {@code --help} says of {@code $GFSLOAD_MASTER_TIMEOUT}, after the description of {@code --master}. */
    static final String MASTER_TIMEOUT_HELP = " Each call to it has a deadline of $GFSLOAD_MASTER_TIMEOUT (default 30s: a whole number and s or min); "
            + "a master that answers no call of a load for twice that time ends the load.";

    @Option(names = "--master", paramLabel = "HOST:PORT",
            description = "Cache master to connect to. Default: an embedded cluster (one master, two workers) in $GFSLOAD_HOME."
                    + MASTER_TIMEOUT_HELP)
    String master;

    @Option(names = "--token-file", paramLabel = "FILE", defaultValue = "${env:GFSLOAD_TOKEN_FILE}",
            description = "The shared secret of a cluster that asks for one: a file holding the token alone on one line, as it is, or "
                    + "a properties file with gfsload.cache.security.token, as the cluster's (escapes as properties files write them). "
                    + "Default: $GFSLOAD_TOKEN_FILE.")
    Path tokenFile;

    public Optional<String> master() {
        return Optional.ofNullable(master);
    }

    /**
     * The token of {@code --token-file}, if given.
     *
     * <p>A file with a line whose key is a gfsload setting ({@code gfsload.}...), as properties
     * files write keys (escapes undone), is a properties file: it is read as
     * {@link Properties#load} reads it (the cluster's own, where {@code Properties#store} escapes
     * {@code =}, {@code :}, {@code #}, {@code !} and {@code \} of the token), and its token is the
     * value of {@value #TOKEN_KEY}. Any other file holds the token alone, as it is, on its one line
     * that is neither blank nor (among several lines) a comment; a file of other settings (several
     * lines, or one line {@code a.b=...} or {@code NAME=...}) is refused, so that its secrets never
     * go to a master as a token. A properties file that sets {@value #TOKEN_KEY} empty, as that of
     * a cluster started without a token on purpose, gives none.
     *
     * @throws InvalidRequestException when the file cannot be read or holds no valid token; the
     *     message never holds the file's content
     */
    public Optional<String> token() {
        if (tokenFile == null || tokenFile.toString().isEmpty()) {
            // GFSLOAD_TOKEN_FILE= (empty, as a scheduler's template leaves an unset variable) is no token file
            return Optional.empty();
        }
        String text;
        try {
            text = Files.readString(tokenFile, StandardCharsets.UTF_8);
            // a byte order mark (Windows editors write one) is not part of the token, nor of a key
            if (text.startsWith("\uFEFF")) {
                text = text.substring(1);
            }
        }
        catch (IOException e) {
            String reason = e instanceof CharacterCodingException ? "it is not UTF-8 text" : FileErrors.reason(e);
            throw new InvalidRequestException("Cannot read --token-file %s: %s".formatted(tokenFile, reason));
        }
        String token = tokenOf(text).strip();
        if (token.isEmpty() && gfsloadProperties(text).isPresent()) {
            // the cluster's own properties when it runs without a token on purpose (gfsload.cache.security.token set empty): none
            return Optional.empty();
        }
        try {
            return Optional.of(RpcAuth.checkToken(token));
        }
        catch (IllegalArgumentException e) {
            throw new InvalidRequestException("Invalid --token-file %s: the token (its only line, or gfsload.cache.security.token) must be %s".formatted(tokenFile,
                    e.getMessage().replaceFirst("^token must be ", "")));
        }
    }

    /** The token {@code text} holds, as {@link #token()} reads it. */
    private String tokenOf(String text) {
        Optional<Properties> properties = gfsloadProperties(text);
        if (properties.isPresent()) {
            String token = properties.get().getProperty(TOKEN_KEY);
            if (token == null) {
                throw notATokenFile();
            }
            return token;
        }
        List<String> lines = text.lines().filter(line -> !line.isBlank()).toList();
        if (lines.size() > 1) {
            // comments beside the token are fine; a token that starts with # or ! is one only alone in its file
            lines = lines.stream().filter(line -> !COMMENT.matcher(line).lookingAt()).toList();
        }
        if (lines.size() > 1 || lines.size() == 1 && isSetting(lines.get(0))) {
            // another file of settings: its lines may be secrets, never a token to send
            throw notATokenFile();
        }
        return lines.isEmpty() ? "" : lines.get(0);
    }

    private InvalidRequestException notATokenFile() {
        return new InvalidRequestException("Invalid --token-file %s: it is a properties file without %s: put the token alone on one line of a file (comment lines beside it are fine), or set %s in it to the token"
                .formatted(tokenFile, TOKEN_KEY, TOKEN_KEY));
    }

    /**
     * The settings of {@code text} when it is a properties file of gfsload's, one with a key that
     * starts with {@code gfsload.}; empty otherwise.
     */
    private Optional<Properties> gfsloadProperties(String text) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(text));
        }
        catch (IllegalArgumentException e) {
            // a malformed \\uXXXX escape: not a properties file, unless a line is a gfsload setting
            if (text.lines().anyMatch(line -> GFSLOAD_KEY.matcher(line).lookingAt())) {
                throw new InvalidRequestException("Invalid --token-file %s: it is a properties file that cannot be read: %s"
                        .formatted(tokenFile, e.getMessage()));
            }
            return Optional.empty();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties.stringPropertyNames().stream().anyMatch(key -> key.startsWith("gfsload."))
                ? Optional.of(properties)
                : Optional.empty();
    }

    /**
     * Whether {@code line}, the only one of a file, is a setting rather than a token: a dotted key
     * ({@code fs.s3a.secret.key=...}) or an environment variable's ({@code AWS_SECRET=...}), or a
     * key and value apart ({@code key = value}), with a value that is not the padding of a base64
     * token ({@code abc=}, {@code abc==}). A token such as {@code s4:token=abc} is not one.
     */
    private static boolean isSetting(String line) {
        Matcher property = ANY_PROPERTY.matcher(line);
        if (!property.matches()) {
            return false;
        }
        String key = property.group(1);
        String value = property.group(3);
        if (value.isEmpty() || value.startsWith("=")) {
            return false;
        }
        String separator = property.group(2);
        return key.contains(".") || separator.equals("=") && ENVIRONMENT_NAME.matcher(key).matches() || !separator.strip().equals(separator);
    }
}
