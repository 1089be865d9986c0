package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.planner.InvalidRequestException;
import io.gfsload.planner.LoadTarget;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.fs.Path;

/**
 * The UFS paths a command is given ({@code --path}, {@code distributedLoad PATH...}): a path with
 * credentials is refused without repeating them ({@link LoadTarget.Paths}), and so is a path that
 * is none: empty, not a URI Hadoop can parse ({@code a:b}), or a {@code file:} URI with a host
 * ({@code file://tmp/x}, for {@code file:///tmp/x}), which no local file system takes. Each of those
 * would otherwise fail only when the store is asked, as a failure that a retry might mend (exit 4).
 */
final class UfsPaths {
    /** The hosts a {@code file:} URI may mean this machine by, which Hadoop's local file system refuses as any other. */
    private static final Set<String> LOCAL_HOSTS = Set.of("localhost", "127.0.0.1");

    private UfsPaths() {}

    /**
     * {@code paths} as a target.
     *
     * @throws InvalidRequestException naming the first path that is refused, and why
     */
    static LoadTarget.Paths of(List<String> paths) {
        requireNonNull(paths, "paths is null");
        // credentials first: the messages below repeat the path
        LoadTarget.Paths target = new LoadTarget.Paths(paths);
        target.paths().forEach(UfsPaths::check);
        return target;
    }

    private static void check(String path) {
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
    }
}
