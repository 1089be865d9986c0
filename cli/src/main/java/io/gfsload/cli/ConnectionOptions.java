package io.gfsload.cli;

import io.gfsload.cache.api.FileErrors;
import io.gfsload.cache.rpc.RpcAuth;
import io.gfsload.planner.InvalidRequestException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** Where the cache cluster is, and the token its calls carry; defaults to an embedded one. */
public final class ConnectionOptions {
    /** The token's line in a cluster's properties file. */
    private static final String TOKEN_KEY = "gfsload.cache.security.token";
    private static final Pattern PROPERTY = Pattern.compile("\\s*gfsload\\.cache\\.security\\.token\\s*[=:]\\s*(.*)");
    /** A line of a properties file, {@code key=value} or {@code key: value}. */
    private static final Pattern ANY_PROPERTY = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_.-]*)\\s*[=:]\\s*(.*)");

    /** What {@code --help} says of {@code $GFSLOAD_MASTER_TIMEOUT}, after the description of {@code --master}. */
    static final String MASTER_TIMEOUT_HELP = " Each call to it has a deadline of $GFSLOAD_MASTER_TIMEOUT (default 30s: a whole number and s or min); "
            + "a master that answers no call of a load for twice that time ends the load.";

    @Option(names = "--master", paramLabel = "HOST:PORT",
            description = "Cache master to connect to. Default: an embedded cluster (one master, two workers) in $GFSLOAD_HOME."
                    + MASTER_TIMEOUT_HELP)
    String master;

    @Option(names = "--token-file", paramLabel = "FILE", defaultValue = "${env:GFSLOAD_TOKEN_FILE}",
            description = "The shared secret of a cluster that asks for one: a file holding the token on its first line, or "
                    + "a properties file with gfsload.cache.security.token, as the cluster's. Default: $GFSLOAD_TOKEN_FILE.")
    Path tokenFile;

    public Optional<String> master() {
        return Optional.ofNullable(master);
    }

    /**
     * The token of {@code --token-file}, if given.
     *
     * @throws InvalidRequestException when the file cannot be read or holds no valid token; the
     *     message never holds the file's content
     */
    public Optional<String> token() {
        if (tokenFile == null) {
            return Optional.empty();
        }
        String token;
        try {
            List<String> lines = Files.readAllLines(tokenFile, StandardCharsets.UTF_8);
            Optional<String> property = lines.stream().map(PROPERTY::matcher).filter(Matcher::matches).map(m -> m.group(1)).findFirst();
            if (property.isEmpty() && lines.stream().anyMatch(ConnectionOptions::isProperty)) {
                // another file of settings: its first line is one of them, maybe a secret, never a token to send
                throw new InvalidRequestException("Invalid --token-file %s: it is a properties file without %s: put the token alone on the first line of a file, or set %s=TOKEN in it"
                        .formatted(tokenFile, TOKEN_KEY, TOKEN_KEY));
            }
            token = property.orElse(lines.stream().findFirst().orElse("")).strip();
        }
        catch (IOException e) {
            String reason = e instanceof CharacterCodingException ? "it is not UTF-8 text" : FileErrors.reason(e);
            throw new InvalidRequestException("Cannot read --token-file %s: %s".formatted(tokenFile, reason));
        }
        try {
            return Optional.of(RpcAuth.checkToken(token));
        }
        catch (IllegalArgumentException e) {
            throw new InvalidRequestException("Invalid --token-file %s: the token (its first line, or gfsload.cache.security.token) must be %s".formatted(tokenFile,
                    e.getMessage().replaceFirst("^token must be ", "")));
        }
    }

    /**
     * Whether {@code line} is a setting, {@code key=value} or {@code key: value}, rather than a
     * token: a dotted key, or a value that is not the padding of a base64 token ({@code abc=},
     * {@code abc==}).
     */
    private static boolean isProperty(String line) {
        Matcher property = ANY_PROPERTY.matcher(line);
        if (!property.matches()) {
            return false;
        }
        String value = property.group(2).strip();
        return property.group(1).contains(".") || !value.isEmpty() && !value.startsWith("=");
    }
}
