package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableName;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What to load: partitions of a table, or UFS paths. */
public sealed interface LoadTarget {
    /**
     * Partitions of a Hive table.
     *
     * @param table the table
     * @param selection which partitions
     */
    record Table(TableName table, PartitionSelection selection) implements LoadTarget {
        public Table {
            requireNonNull(table, "table is null");
            requireNonNull(selection, "selection is null");
        }

        /** Partitions by spec; no specs means every partition. */
        public Table(TableName table, List<PartitionSpec> specs) {
            this(table, specs.isEmpty() ? new PartitionSelection.All() : new PartitionSelection.Specs(specs));
        }

        @Override
        public String describe() {
            String selected = selection.describe();
            return selected.isEmpty() ? table.toString() : table + " " + selected;
        }
    }

    /**
     * UFS files or directories, loaded recursively.
     *
     * @param paths Hadoop paths, e.g. {@code cosn://bucket/dir} or {@code /data/dir}
     * @throws InvalidRequestException when a path carries user information
     *     ({@code cosn://id:key@bucket/dir}), which would put credentials into the cache's metadata,
     *     the reports and the logs; the message does not repeat them
     */
    record Paths(List<String> paths) implements LoadTarget {
        /** {@code scheme://user-information@}: what comes before the first {@code @} of an authority. */
        private static final Pattern USER_INFO = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@");
        /**
         * {@code scheme://id:key@} where the key holds characters a URI's user information may not
         * (AWS secret keys hold {@code /}): a colon, then an {@code @}. A colon followed by a port
         * number and a path is not credentials for the schemes of {@link #HOST_AND_PORT}:
         * {@code hdfs://nn:8020/dir/a@b} is a path.
         */
        private static final Pattern SECRET = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)[^/:@]*:[^@]*@");
        private static final Pattern SECRET_NOT_A_PORT = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)[^/:@]*:(?![0-9]*(?:/|$))[^@]*@");
        /**
         * The schemes whose authority is {@code HOST:PORT}. In any other (an object store's bucket
         * has no port), {@code s3a://id:123/key@bucket/x} is an access key and a secret key that
         * starts with digits and holds a {@code /}, not a port.
         */
        private static final Set<String> HOST_AND_PORT = Set.of("hdfs", "webhdfs", "swebhdfs", "viewfs", "har", "ofs", "o3fs", "ftp", "sftp", "http", "https",
                "alluxio");

        public Paths {
            paths = List.copyOf(requireNonNull(paths, "paths is null"));
            if (paths.isEmpty()) {
                throw new IllegalArgumentException("paths is empty");
            }
            for (String path : paths) {
                Matcher credentials = USER_INFO.matcher(path);
                if (!credentials.find()) {
                    String scheme = path.substring(0, Math.max(0, path.indexOf(':'))).toLowerCase(Locale.ROOT);
                    credentials = (HOST_AND_PORT.contains(scheme) ? SECRET_NOT_A_PORT : SECRET).matcher(path);
                    if (!credentials.find()) {
                        continue;
                    }
                }
                throw new InvalidRequestException("Credentials in a path are not accepted: %s; set them in core-site.xml%s or a Hadoop credential provider"
                        .formatted(credentials.replaceFirst("$1<hidden>@"), credentialKeys(path)));
            }
        }

        /** The settings that take the credentials of {@code path}'s scheme, for the two object stores the README names. */
        private static String credentialKeys(String path) {
            if (path.startsWith("cosn:")) {
                return " (fs.cosn.userinfo.secretId and fs.cosn.userinfo.secretKey)";
            }
            if (path.startsWith("s3a:")) {
                return " (fs.s3a.access.key and fs.s3a.secret.key)";
            }
            return "";
        }

        @Override
        public String describe() {
            return String.join(", ", paths);
        }
    }

    /** A short human description, e.g. {@code demo.events dt=2026-11-20}. */
    String describe();
}
