package io.gfsload.gfs.hadoop;

import io.gfsload.cache.fs.GfsConfig;
import io.gfsload.cache.fs.GfsFileSystem;
import io.gfsload.cache.fs.GfsReadStatistics;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32C;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What a query engine does with gfs://, as the main class of a JVM whose class path is a host's
 * (Hadoop, Guava 14, SLF4J) plus the gfs-hadoop jar: finds the scheme by Hadoop's service loading
 * ({@code fs.gfs.impl} unset), reads one file, and prints what it read and from where as
 * {@code key=value} lines for {@link TestGfsHadoopJar}.
 *
 * <p>Arguments: the cache master ({@code host:port}), the UFS root, the block size in bytes and
 * the {@code gfs://} path to read.
 */
public final class ReadThroughGfs {
    /** Netty's epoll transport as the jar relocates it: domain sockets to the workers need it. */
    static final String RELOCATED_EPOLL = "io.gfsload.shaded.gfs.io.grpc.netty.shaded.io.netty.channel.epoll.Epoll";

    private ReadThroughGfs() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: ReadThroughGfs MASTER UFS_ROOT BLOCK_SIZE GFS_PATH");
        }
        Configuration conf = new Configuration();
        conf.set(GfsConfig.MASTER, args[0]);
        conf.set(GfsConfig.UFS_ROOT, args[1]);
        conf.set(GfsConfig.BLOCK_SIZE, args[2]);
        Path path = new Path(args[3]);

        FileSystem fs = FileSystem.get(path.toUri(), conf);
        CRC32C crc = new CRC32C();
        long length = 0;
        try (InputStream in = fs.open(path)) {
            byte[] buffer = new byte[100_000];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                crc.update(buffer, 0, n);
                length += n;
            }
        }
        System.out.println("fileSystem=" + fs.getClass().getName());
        System.out.println("fsGfsImpl=" + conf.get("fs.gfs.impl", ""));
        System.out.println("length=" + length);
        System.out.println("crc32c=" + crc.getValue());
        GfsReadStatistics.Snapshot stats = ((GfsFileSystem) fs).readStatistics().snapshot();
        System.out.println("bytesFromCache=" + stats.bytesFromCache());
        System.out.println("bytesFromUfs=" + stats.bytesFromUfs());
        System.out.println("cacheBlockReads=" + stats.cacheBlockReads());
        System.out.println("ufsFallbacks=" + stats.ufsFallbacks());
        System.out.println("cacheFailures=" + stats.cacheFailures());
        System.out.println("hadoopBytesRead=" + FileSystem.getGlobalStorageStatistics().get(GfsFileSystem.SCHEME).getLong("bytesRead"));
        System.out.println("guava=" + codeSource("com.google.common.base.Preconditions"));
        System.out.println("epoll=" + Class.forName(RELOCATED_EPOLL).getMethod("isAvailable").invoke(null));
        fs.close();
    }

    private static String codeSource(String className) {
        try {
            return Class.forName(className).getProtectionDomain().getCodeSource().getLocation().toString();
        }
        catch (ClassNotFoundException e) {
            return "none";
        }
    }
}
