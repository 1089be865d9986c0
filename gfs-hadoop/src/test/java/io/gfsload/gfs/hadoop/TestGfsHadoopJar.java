package io.gfsload.gfs.hadoop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.testing.TestData;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.spi.ToolProvider;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gfs-hadoop jar as users get it (run by failsafe after {@code package}): what it holds, and
 * gfs:// read through it in a JVM of its own whose class path is Spark 3.5.7's (Hadoop 3.3.4,
 * Guava 14, SLF4J; {@code spark-dist}) plus the jar, with neither {@code fs.gfs.impl} nor the
 * jar first.
 */
class TestGfsHadoopJar {
    private static final String PREFIX = "io/gfsload/shaded/gfs/";
    private static final int BLOCK = 256 << 10;

    @TempDir
    Path dir;

    @Test
    void theJarHoldsGfsFileSystemUnderItsNameAndItsLibrariesRelocated() throws IOException {
        List<String> entries = new ArrayList<>();
        Map<String, String> services = new LinkedHashMap<>();
        try (JarFile jar = new JarFile(jar().toFile())) {
            for (JarEntry entry : jar.stream().toList()) {
                entries.add(entry.getName());
                if (entry.getName().startsWith("META-INF/services/") && !entry.isDirectory()) {
                    services.put(entry.getName().substring("META-INF/services/".length()),
                            new String(jar.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8).strip());
                }
            }
        }
        assertTrue(entries.contains("io/gfsload/cache/fs/GfsFileSystem.class"), "GfsFileSystem under its own name");
        assertEquals("io.gfsload.cache.fs.GfsFileSystem", services.get("org.apache.hadoop.fs.FileSystem"), "Hadoop finds gfs by service loading");
        for (String library : List.of("com/google/common/", "com/google/protobuf/", "io/grpc/", "io/grpc/netty/shaded/io/netty/", "io/perfmark/", "io/gfsload/cache/client/")) {
            assertTrue(entries.stream().anyMatch(name -> name.startsWith(PREFIX + library) && name.endsWith(".class")), library + " relocated");
        }
        List<String> unrelocated = entries.stream()
                .filter(name -> name.endsWith(".class"))
                .filter(name -> !name.startsWith(PREFIX) && !name.startsWith("io/gfsload/cache/fs/"))
                .toList();
        assertEquals(List.of(), unrelocated, "every class but gfs://'s own is relocated (Guava, protobuf, gRPC and its Netty, the cache client)");
        assertFalse(entries.stream().anyMatch(name -> name.startsWith("org/apache/hadoop/") || name.startsWith(PREFIX + "org/apache/hadoop/")),
                "Hadoop is the host's");
        assertFalse(entries.stream().anyMatch(name -> name.contains("org/slf4j/")), "SLF4J is the host's");
        assertFalse(entries.stream().anyMatch(name -> name.contains("rocksdb")), "no RocksDB: the master's store");
        assertFalse(entries.stream().anyMatch(name -> name.contains("io/prometheus/")), "no Prometheus client: the servers' metrics");
        assertFalse(entries.stream().anyMatch(name -> name.startsWith(PREFIX + "io/gfsload/cache/master/")), "no master");

        // gRPC finds its transport, name resolvers and load balancers under the relocated names
        assertFalse(services.keySet().stream().anyMatch(name -> name.startsWith("io.grpc.")), services.toString());
        assertTrue(services.get("io.gfsload.shaded.gfs.io.grpc.ManagedChannelProvider")
                .contains("io.gfsload.shaded.gfs.io.grpc.netty.shaded.io.grpc.netty.NettyChannelProvider"), services.toString());
        assertTrue(services.get("io.gfsload.shaded.gfs.io.grpc.NameResolverProvider")
                .contains("io.gfsload.shaded.gfs.io.grpc.internal.DnsNameResolverProvider"), services.toString());

        // Netty looks its native library up by a name made of its (relocated) package
        for (String arch : List.of("x86_64", "aarch_64")) {
            assertTrue(entries.contains("META-INF/native/libio_gfsload_shaded_gfs_io_grpc_netty_shaded_netty_transport_native_epoll_" + arch + ".so"), arch);
        }
        assertFalse(entries.stream().anyMatch(name -> name.startsWith("META-INF/native/libio_grpc_")), "no native library under gRPC's own name");
    }

    @Test
    void everyClassOfTheCacheClientAndItsLibrariesThatTheJarNamesIsInIt() throws IOException {
        // jdeps lists each class a class of the jar refers to that neither the jar nor the host has
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = ToolProvider.findFirst("jdeps").orElseThrow().run(new PrintWriter(out), new PrintWriter(err),
                "-verbose:class", "--multi-release", "17", "-cp", sparkClassPath(), jar().toString());
        assertEquals(0, exit, err.toString());
        List<String> missing = out.toString().lines()
                .filter(line -> line.endsWith("not found"))
                .map(line -> line.trim().split("\\s+")[2])
                .filter(target -> target.startsWith("io.gfsload."))
                // annotations nothing reads at run time, and the optional codecs and TLS providers of Netty
                .filter(target -> !target.matches(".*\\.annotations(\\.[a-z]+)*\\.[A-Z][^.]*"))
                .filter(target -> !target.startsWith("io.gfsload.shaded.gfs.io.grpc.netty.shaded.io.netty."))
                .distinct()
                .sorted()
                .toList();
        assertTrue(out.toString().contains("io.gfsload.cache.fs.GfsFileSystem"), "jdeps read the jar");
        assertEquals(List.of(), missing, "classes of the cache client, gRPC, protobuf or Guava left out of the jar");
    }

    @Test
    void aJvmWithSparksClassPathAndTheJarReadsWarmedBlocksFromTheCache() throws Exception {
        Path ufs = Files.createDirectories(dir.resolve("ufs/db/t"));
        byte[] bytes = TestData.randomBytes(3 * BLOCK + 1234, 42);
        Files.write(ufs.resolve("part-0"), bytes);
        String ufsRoot = dir.resolve("ufs").toUri().toString();

        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(dir.resolve("cache"), 2, 64L << 20));
                CacheClient client = cluster.newClient()) {
            warm(client, URI.create(ufsRoot + "db/t/part-0"), bytes);

            Map<String, String> read = run(cluster.masterTarget(), ufsRoot, "gfs:///db/t/part-0");

            assertEquals("io.gfsload.cache.fs.GfsFileSystem", read.get("fileSystem"));
            assertEquals("", read.get("fsGfsImpl"), "found by service loading, not named");
            assertEquals(String.valueOf(bytes.length), read.get("length"));
            assertEquals(String.valueOf(TestData.crc32c(bytes)), read.get("crc32c"));
            assertEquals(String.valueOf(bytes.length), read.get("bytesFromCache"), "every byte from the cache: " + read);
            assertEquals("0", read.get("bytesFromUfs"), read.toString());
            assertEquals("4", read.get("cacheBlockReads"), read.toString());
            assertEquals("0", read.get("ufsFallbacks"), read.toString());
            assertEquals("0", read.get("cacheFailures"), read.toString());
            assertTrue(Long.parseLong(read.get("hadoopBytesRead")) >= bytes.length, read.toString());
            assertTrue(read.get("guava").contains("guava-14.0.1"), "Spark's Guava 14 is the one on the class path: " + read.get("guava"));
            if (epollPlatform()) {
                // the workers serve domain sockets here, and the client reads over them with the jar's epoll
                assertEquals("true", read.get("epoll"), "Netty's native epoll library loads from the jar");
            }
        }
    }

    /** Writes every block of {@code file} as gfsload's executor does, under the identity its planner records. */
    private static void warm(CacheClient client, URI file, byte[] bytes) throws IOException {
        Configuration conf = new Configuration();
        FileStatus status = FileSystem.get(file, conf).getFileStatus(new org.apache.hadoop.fs.Path(file));
        FileIdentity identity = new FileIdentity(status.getPath().toString(), status.getLen(), status.getModificationTime());
        for (int index = 0; (long) index * BLOCK < bytes.length; index++) {
            int offset = index * BLOCK;
            int length = Math.min(BLOCK, bytes.length - offset);
            try (BlockWriter writer = client.openWriter(new BlockKey(identity, index), length, 1)) {
                writer.write(bytes, offset, length);
                writer.commit();
            }
        }
    }

    /** Runs {@link ReadThroughGfs} in a JVM of its own and returns its {@code key=value} lines. */
    private Map<String, String> run(String master, String ufsRoot, String path) throws Exception {
        // Spark's jars first, as they are in an application's JVM; the test classes hold only ReadThroughGfs's main
        String classPath = String.join(File.pathSeparator, sparkClassPath(), jar().toString(), testClasses().toString());
        Path out = dir.resolve("read.out");
        Path err = dir.resolve("read.err");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", classPath, ReadThroughGfs.class.getName(), master, ufsRoot, String.valueOf(BLOCK), path)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
        }
        assertEquals(0, process.waitFor(), "exit code; stderr:\n" + Files.readString(err));
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : Files.readAllLines(out)) {
            int equals = line.indexOf('=');
            if (equals > 0) {
                values.put(line.substring(0, equals), line.substring(equals + 1));
            }
        }
        return values;
    }

    /** Spark 3.5.7's class path: Hadoop 3.3.4's client, Guava 14, SLF4J (spark-dist). */
    private static String sparkClassPath() throws IOException {
        return Files.readString(Path.of(System.getProperty("gfsload.spark.classpath"))).strip();
    }

    private static Path jar() {
        Path jar = Path.of(System.getProperty("gfsload.gfs.hadoop.jar"));
        assertTrue(Files.isRegularFile(jar), "built by package: " + jar);
        return jar;
    }

    private static Path testClasses() throws Exception {
        return Path.of(ReadThroughGfs.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static boolean epollPlatform() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux") && (arch.equals("amd64") || arch.equals("aarch64"));
    }
}
