package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.planner.InvalidRequestException;
import io.gfsload.planner.LoadTarget;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The UFS paths a command is given ({@code --path}, {@code distributedLoad PATH...}): a path with
 * credentials is refused without repeating them ({@link LoadTarget.Paths}), and so is a path that
 * is none: empty, not a URI Hadoop can parse ({@code a:b}), or a {@code file:} URI with a host
 * ({@code file://tmp/x}, for {@code file:///tmp/x}), which no local file system takes, or an HDFS
 * path without the namenode's host ({@code hdfs:///x}, or {@code /x} where {@code fs.defaultFS} is
 * {@code hdfs:///}) where {@code fs.defaultFS} gives none. Each of those would otherwise fail only
 * when the store is asked, as a failure that a retry might mend (exit 4).
 */
final class UfsPaths {
    /** The schemes whose file systems need a host, the namenode's, which the path or {@code fs.defaultFS} gives. */
    private static final Set<String> HDFS_SCHEMES = Set.of("hdfs", "webhdfs", "swebhdfs");

    /** The hosts a {@code file:} URI may mean this machine by, which Hadoop's local file system refuses as any other. */
    private static final Set<String> LOCAL_HOSTS = Set.of("localhost", "127.0.0.1");

    private UfsPaths() {}

    /**
     * {@code paths} as a target, listed with the site files' Hadoop settings and {@code hadoopSettings} over them.
     *
     * @throws InvalidRequestException naming the first path that is refused, and why
     */
    static LoadTarget.Paths of(List<String> paths, Map<String, String> hadoopSettings) {
        requireNonNull(paths, "paths is null");
        requireNonNull(hadoopSettings, "hadoopSettings is null");
        // credentials first: the messages below repeat the path
        LoadTarget.Paths target = new LoadTarget.Paths(paths);
        URI defaultFs = null;
        for (String path : target.paths()) {
            URI uri = check(path);
            if (needsDefaultFs(uri)) {
                if (defaultFs == null) {
                    Configuration conf = new Configuration();
                    hadoopSettings.forEach(conf::set);
                    defaultFs = FileSystem.getDefaultUri(conf);
                }
                checkHost(path, uri, defaultFs);
            }
        }
        return target;
    }

    /** Whether what file system {@code uri} is on, and its host, may come from {@code fs.defaultFS}: no host, and no scheme or an HDFS one. */
    private static boolean needsDefaultFs(URI uri) {
        return (uri.getAuthority() == null || uri.getAuthority().isEmpty()) && (uri.getScheme() == null || isHdfs(uri.getScheme()));
    }

    private static boolean isHdfs(String scheme) {
        return scheme != null && HDFS_SCHEMES.contains(scheme.toLowerCase(Locale.ROOT));
    }

    /**
     * Refuses {@code path} ({@code uri}, without a host) when it is on HDFS and {@code defaultFs}
     * gives it no namenode, as Hadoop takes it: the default file system's host for a path of its
     * scheme or without one.
     */
    private static void checkHost(String path, URI uri, URI defaultFs) {
        String scheme = uri.getScheme() == null ? defaultFs.getScheme() : uri.getScheme();
        if (!isHdfs(scheme)) {
            return;
        }
        boolean defaultScheme = scheme.equalsIgnoreCase(defaultFs.getScheme());
        if (defaultScheme && defaultFs.getAuthority() != null && !defaultFs.getAuthority().isEmpty()) {
            return;
        }
        String lower = scheme.toLowerCase(Locale.ROOT);
        throw new InvalidRequestException(("Invalid path '%s': an HDFS path needs the namenode's host, and neither the path nor fs.defaultFS (%s) gives it: "
                + "write %s://HOST:PORT%s, or set fs.defaultFS to %s://HOST:PORT in $HADOOP_CONF_DIR/core-site.xml")
                .formatted(path, defaultFs, lower, uri.getPath(), lower));
    }

    /** {@code path} as a URI, when it is one a command may take. */
    private static URI check(String path) {
        if (path.isEmpty()) {
            throw new InvalidRequestException("Invalid path '': expected a UFS file or directory, e.g. /data/dir or cosn://bucket/dir");
        }
        Path parsed;
        try {
            parsed = new Path(path);
        }
        catch (IllegalArgumentException e) {
            String reason = e.getCause() instanceof URISyntaxException syntax ? syntax.getMessage() : e.getMessage();
            throw new InvalidRequestException("Invalid path '%s': %s".formatted(path, reason));
        }
        URI uri = parsed.toUri();
        String host = uri.getAuthority();
        if ("file".equalsIgnoreCase(uri.getScheme()) && host != null && !host.isEmpty()) {
            // file://localhost/tmp is this machine's /tmp; file://tmp/x a directory tmp written as a host
            String meant = LOCAL_HOSTS.contains(host.toLowerCase(Locale.ROOT)) ? "file://" + uri.getPath() : "file:///" + host + uri.getPath();
            throw new InvalidRequestException("Invalid path '%s': a local file: path has no host, and '%s' is read as one: write %s".formatted(path, host, meant));
        }
        return uri;
    }
}
