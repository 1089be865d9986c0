package io.gfsload.cache.fs;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.UriCredentials;
import io.gfsload.cache.client.ClientConfig;
import io.gfsload.cache.rpc.RpcAuth;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;

/**
 * The settings of one {@link GfsFileSystem} instance, read from the Hadoop configuration once
 * when the instance is created.
 *
 * <table>
 *   <caption>Keys (core-site.xml, {@code spark.hadoop.*}, or the job's configuration)</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code fs.gfs.master}</td><td>required</td><td>the cache master, {@code host:port}</td></tr>
 *   <tr><td>{@code fs.gfs.ufs.root}</td><td>required for {@code gfs:///}</td><td>the UFS directory that
 *       {@code gfs:///x} shows as {@code /x}, e.g. {@code cosn://bucket/warehouse}</td></tr>
 *   <tr><td>{@code fs.gfs.mount.<name>}</td><td>required for {@code gfs://<name>/}</td><td>the UFS
 *       directory that {@code gfs://<name>/x} shows as {@code /x}</td></tr>
 *   <tr><td>{@code fs.gfs.block-size}</td><td>64m</td><td>the block size gfsload loaded the files with
 *       (the planner's; Hadoop size suffixes k, m, g)</td></tr>
 *   <tr><td>{@code fs.gfs.master.timeout}</td><td>5s</td><td>the deadline of each call to the master
 *       (Hadoop time suffixes ms, s, m; seconds without one)</td></tr>
 *   <tr><td>{@code fs.gfs.master.retry-interval}</td><td>30s</td><td>how long an instance whose master
 *       did not answer reads every file from the UFS without asking it, before one caller asks again</td></tr>
 *   <tr><td>{@code gfsload.cache.security.token}</td><td>none</td><td>the cluster's shared secret,
 *       leading and trailing white space ignored; also read from a Hadoop credential provider</td></tr>
 *   <tr><td>{@code gfsload.cache.client.pool.max}</td><td>64</td><td>worker connections kept open</td></tr>
 *   <tr><td>{@code gfsload.cache.client.chunk-size}</td><td>2m</td><td>largest data message</td></tr>
 *   <tr><td>{@code gfsload.cache.client.domain-socket}</td><td>true</td><td>read from workers on this
 *       host over their Unix domain sockets when reachable here</td></tr>
 * </table>
 *
 * <p>The token does not appear in {@link #toString()}. A UFS root with credentials in it
 * ({@code s3a://key:secret@bucket/w}) is refused, as gfsload refuses such paths; neither
 * {@link #toString()} nor any error repeats them.
 *
 * @param master the cache master, {@code host:port}
 * @param ufsRoot the qualified UFS directory shown as the root of the gfs:// authority
 * @param blockSize the block size files were cut with when gfsload loaded them
 * @param client settings of the cache client, the token among them; its call deadline is
 *     {@code fs.gfs.master.timeout}
 * @param masterRetryInterval how long an instance whose master did not answer a call reads from the
 *     UFS without asking the master, before one caller asks it again
 * @param invalidToken why the configured token cannot be a token (its length, its characters; never
 *     the token), when it cannot: the client then has none, and the instance reads from the UFS alone
 */
public record GfsConfig(String master, URI ufsRoot, long blockSize, ClientConfig client, Duration masterRetryInterval,
        Optional<String> invalidToken) {
    public static final String MASTER = "fs.gfs.master";
    public static final String UFS_ROOT = "fs.gfs.ufs.root";
    public static final String MOUNT_PREFIX = "fs.gfs.mount.";
    public static final String BLOCK_SIZE = "fs.gfs.block-size";
    public static final String MASTER_TIMEOUT = "fs.gfs.master.timeout";
    public static final String MASTER_RETRY_INTERVAL = "fs.gfs.master.retry-interval";
    /** The same keys as the cache cluster's own configuration file. */
    public static final String SECURITY_TOKEN = "gfsload.cache.security.token";
    public static final String CLIENT_POOL_MAX = "gfsload.cache.client.pool.max";
    public static final String CLIENT_CHUNK_SIZE = "gfsload.cache.client.chunk-size";
    public static final String CLIENT_DOMAIN_SOCKET = "gfsload.cache.client.domain-socket";
    /** The planner's default block size. */
    public static final long DEFAULT_BLOCK_SIZE = 64L << 20;
    /**
     * Short, unlike a load's 30 s: a reader has the UFS to fall back on, and a query opens many
     * files; a master that answers at all answers the calls of reads within milliseconds.
     */
    public static final Duration DEFAULT_MASTER_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_MASTER_RETRY_INTERVAL = Duration.ofSeconds(30);

    public GfsConfig {
        requireNonNull(master, "master is null");
        requireNonNull(ufsRoot, "ufsRoot is null");
        requireNonNull(client, "client is null");
        requireNonNull(masterRetryInterval, "masterRetryInterval is null");
        requireNonNull(invalidToken, "invalidToken is null");
        if (master.isBlank()) {
            throw new IllegalArgumentException("master is blank");
        }
        if (ufsRoot.getScheme() == null) {
            throw new IllegalArgumentException("ufsRoot has no scheme: " + ufsRoot);
        }
        if (blockSize <= 0) {
            throw new IllegalArgumentException("blockSize must be > 0: " + blockSize);
        }
        if (masterRetryInterval.toMillis() <= 0) {
            throw new IllegalArgumentException("masterRetryInterval must be >= 1 ms: " + masterRetryInterval);
        }
    }

    /** The deadline of each call to the master ({@code fs.gfs.master.timeout}). */
    public Duration masterTimeout() {
        return client.rpcTimeout();
    }

    /**
     * The settings of the file system for {@code uri} ({@code gfs:///} or {@code gfs://<name>/}).
     *
     * @throws IOException naming the missing or malformed key
     */
    public static GfsConfig of(URI uri, Configuration conf) throws IOException {
        requireNonNull(uri, "uri is null");
        requireNonNull(conf, "conf is null");
        String master = required(conf, MASTER);
        String rootKey = rootKey(uri.getAuthority());
        if (!rootKey.equals(UFS_ROOT) && conf.getTrimmed(rootKey, "").isEmpty()) {
            // gfs://cache-master:19998/x is a natural guess: say what the authority is
            throw new IOException(("gfs://%s/ names the mount %s, which needs %s in the Hadoop configuration (core-site.xml or spark.hadoop.%s): "
                    + "the authority of a gfs:// path names a mount, not the cache master (%s); gfs:///x reads %s/x")
                    .formatted(uri.getAuthority(), uri.getAuthority(), rootKey, rootKey, MASTER, UFS_ROOT));
        }
        String root = required(conf, rootKey);
        URI ufsRoot;
        try {
            ufsRoot = withoutTrailingSlash(URI.create(root), root);
        }
        catch (IllegalArgumentException e) {
            // not e as the cause, nor its message: both repeat the whole value, credentials included
            String reason = e.getCause() instanceof URISyntaxException syntax ? " (" + syntax.getReason().toLowerCase(Locale.ROOT) + ")" : "";
            throw new IOException(rootKey + ": not a URI" + reason + ": " + redacted(root));
        }
        if (ufsRoot.getScheme() == null) {
            throw new IOException(rootKey + " must be a fully qualified URI such as cosn://bucket/warehouse: " + redacted(root));
        }
        if (UriCredentials.hidden(root).isPresent()) {
            throw new IOException("%s: credentials are not accepted in the UFS root: %s; %s".formatted(rootKey, redacted(root),
                    UriCredentials.whereTheyGo(root)));
        }
        Optional<String> token = token(conf);
        Optional<String> invalidToken = Optional.empty();
        try {
            token.ifPresent(RpcAuth::checkToken);
        }
        catch (IllegalArgumentException e) {
            // the message says what is wrong with the token, never the token
            invalidToken = Optional.of(e.getMessage());
            token = Optional.empty();
        }
        try {
            ClientConfig client = ClientConfig.defaults()
                    .withMaxWorkerChannels(conf.getInt(CLIENT_POOL_MAX, ClientConfig.DEFAULT_MAX_WORKER_CHANNELS))
                    .withChunkBytes(Math.toIntExact(conf.getLongBytes(CLIENT_CHUNK_SIZE, ClientConfig.DEFAULT_CHUNK_BYTES)))
                    .withDomainSockets(conf.getBoolean(CLIENT_DOMAIN_SOCKET, true))
                    .withRpcTimeout(duration(conf, MASTER_TIMEOUT, DEFAULT_MASTER_TIMEOUT))
                    .withToken(token);
            return new GfsConfig(master.trim(), ufsRoot, conf.getLongBytes(BLOCK_SIZE, DEFAULT_BLOCK_SIZE), client,
                    duration(conf, MASTER_RETRY_INTERVAL, DEFAULT_MASTER_RETRY_INTERVAL), invalidToken);
        }
        catch (IllegalArgumentException | ArithmeticException e) {
            throw new IOException("Invalid gfs:// settings for " + uri + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code root} without the slash that ends it ({@code cosn://bucket/warehouse/} is
     * {@code cosn://bucket/warehouse}), unless that slash is all of a root without authority:
     * {@code file:///} and {@code file:/} are the root of the local file system, which
     * {@code file://} and {@code file:} are not.
     */
    private static URI withoutTrailingSlash(URI parsed, String root) {
        if (!root.endsWith("/") || parsed.getAuthority() == null && "/".equals(parsed.getPath())) {
            return parsed;
        }
        return URI.create(root.substring(0, root.length() - 1));
    }

    /** The key naming the UFS root of the authority, {@code null} for {@code gfs:///}. */
    public static String rootKey(String authority) {
        return authority == null || authority.isEmpty() ? UFS_ROOT : MOUNT_PREFIX + authority;
    }

    private static String required(Configuration conf, String key) throws IOException {
        String value = conf.getTrimmed(key);
        if (value == null || value.isEmpty()) {
            throw new IOException("gfs:// needs " + key + " in the Hadoop configuration (core-site.xml or spark.hadoop." + key + ")");
        }
        return value;
    }

    /**
     * The configured token without the white space around it: a value that core-site.xml spreads
     * over lines ({@code <value>\n  TOKEN\n</value>}) or a credential file's final newline is not
     * part of it, as the command line's token file is trimmed.
     */
    private static Optional<String> token(Configuration conf) throws IOException {
        char[] token = conf.getPassword(SECURITY_TOKEN);
        if (token == null) {
            return Optional.empty();
        }
        String trimmed = new String(token).strip();
        return trimmed.isEmpty() ? Optional.empty() : Optional.of(trimmed);
    }

    /** A duration: Hadoop's time suffixes ({@code 500ms}, {@code 5s}, {@code 1m}), seconds without one. */
    private static Duration duration(Configuration conf, String key, Duration defaultValue) {
        long millis = conf.getTimeDuration(key, defaultValue.toMillis() + "ms", TimeUnit.SECONDS, TimeUnit.MILLISECONDS);
        if (millis <= 0) {
            throw new IllegalArgumentException(key + " must be at least 1 ms: " + conf.getTrimmed(key));
        }
        return Duration.ofMillis(millis);
    }

    /**
     * {@code value}, a URI or what should have been one, without what may be user information:
     * everything between {@code scheme://} and the first {@code @} after it, e.g.
     * {@code s3a://<hidden>@bucket/x} of {@code s3a://key:se cret@bucket/x}.
     */
    public static String redacted(String value) {
        int authority = value.indexOf("://");
        int at = authority < 0 ? -1 : value.indexOf('@', authority + 3);
        return at < 0 ? value : value.substring(0, authority + 3) + "<hidden>" + value.substring(at);
    }

    /** {@code uri} without its user information, which may hold credentials (s3a://key:secret@bucket). */
    public static String redacted(URI uri) {
        if (uri.getRawUserInfo() == null) {
            return uri.toString();
        }
        return uri.getScheme() + "://<hidden>@" + uri.getRawAuthority().substring(uri.getRawAuthority().indexOf('@') + 1)
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    @Override
    public String toString() {
        return "GfsConfig[master=%s, ufsRoot=%s, blockSize=%d, masterTimeout=%s, masterRetryInterval=%s, token=%s]".formatted(master,
                redacted(ufsRoot), blockSize, masterTimeout(), masterRetryInterval, client.token().isPresent() ? "<hidden>" : invalidToken.isPresent() ? "invalid" : "none");
    }
}
