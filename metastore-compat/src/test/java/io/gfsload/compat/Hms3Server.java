package io.gfsload.compat;

import static java.util.Objects.requireNonNull;

import io.gfsload.catalog.CatalogException;
import io.gfsload.catalog.TableName;
import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;

/**
 * A Hive 3.1.3 standalone metastore server (Thrift) in a JVM of its own, backed by a database over
 * JDBC. Its jars come from a directory (the build copies them to {@code target/hms3-lib}): they
 * cannot share a classpath with the Hive 2.3.9 client under test, whose classes have the same
 * names.
 *
 * <p>The schema is created by DataNucleus ({@code datanucleus.schema.autoCreateAll}), so the
 * background tasks that need the ACID tables of the full schema script are not started.
 *
 * <p>Not thread-safe.
 */
final class Hms3Server implements AutoCloseable {
    static final String MAIN_CLASS = "org.apache.hadoop.hive.metastore.HiveMetaStore";
    private static final List<String> JVM_OPTIONS = List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    /** Environment variables through which the metastore would read configuration other than ours. */
    private static final List<String> FOREIGN_CONFIGURATION = List.of(
            "HIVE_CONF_DIR", "HIVE_HOME", "METASTORE_CONF_DIR", "METASTORE_HOME", "HADOOP_CONF_DIR", "HADOOP_HOME", "HADOOP_CLASSPATH");

    private final Process process;
    private final Path log;
    private final int port;
    private final Thread destroyOnExit;

    private Hms3Server(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.destroyOnExit = new Thread(process::destroy, "gfsload-hms3-stop");
    }

    /**
     * Writes {@code directory/conf/metastore-site.xml}, starts the server with its output in
     * {@code log}, and waits until it answers a Thrift call.
     *
     * @param lib the server's jars
     * @param directory for the configuration and the warehouse; the server's working directory
     * @throws IllegalStateException when {@code lib} holds no metastore, or the server exits or does
     *     not answer within {@code timeout}; the message ends with the tail of the log
     */
    static Hms3Server start(Path lib, Path directory, Path log, String jdbcUrl, String jdbcDriver, String jdbcUser, Duration timeout) throws IOException {
        requireNonNull(lib, "lib is null");
        requireNonNull(directory, "directory is null");
        requireNonNull(log, "log is null");
        requireNonNull(jdbcUrl, "jdbcUrl is null");
        requireNonNull(jdbcDriver, "jdbcDriver is null");
        requireNonNull(jdbcUser, "jdbcUser is null");
        requireNonNull(timeout, "timeout is null");
        if (!containsMetastore(lib)) {
            throw new IllegalStateException("No hive-standalone-metastore jar in %s: run `mvn process-test-resources` in metastore-compat first".formatted(lib));
        }
        int port = FreePort.find();
        Path conf = directory.resolve("conf");
        Path warehouse = directory.resolve("warehouse");
        Files.createDirectories(conf);
        Files.createDirectories(warehouse);
        Files.createDirectories(log.getParent());
        writeSite(conf.resolve("metastore-site.xml"), Map.of(
                "javax.jdo.option.ConnectionURL", jdbcUrl,
                "javax.jdo.option.ConnectionDriverName", jdbcDriver,
                "javax.jdo.option.ConnectionUserName", jdbcUser,
                "datanucleus.schema.autoCreateAll", "true",
                "metastore.schema.verification", "false",
                // the defaults add DumpDirCleanerTask (in hive-exec, not here) and a task on the ACID tables
                "metastore.task.threads.always", "org.apache.hadoop.hive.metastore.events.EventCleanerTask",
                // the default proxy (PartitionExpressionForMetastore) is in hive-exec; string filters do not need it
                "metastore.expression.proxy", "org.apache.hadoop.hive.metastore.DefaultPartitionExpressionProxy",
                "metastore.thrift.port", Integer.toString(port),
                "metastore.warehouse.dir", warehouse.toUri().toString(),
                "metastore.server.min.threads", "4"));

        ProcessBuilder builder = new ProcessBuilder(Stream.of(
                        Stream.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()),
                        JVM_OPTIONS.stream(),
                        // our configuration directory first: MetastoreConf looks for metastore-site.xml on the classpath
                        Stream.of("-cp", conf + File.pathSeparator + lib.resolve("*"), MAIN_CLASS, "-p", Integer.toString(port)))
                .flatMap(s -> s)
                .toList())
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        FOREIGN_CONFIGURATION.forEach(builder.environment()::remove);
        Hms3Server server = new Hms3Server(builder.start(), log, port);
        Runtime.getRuntime().addShutdownHook(server.destroyOnExit);
        try {
            server.awaitReady(timeout);
        }
        catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    URI uri() {
        return URI.create("thrift://127.0.0.1:" + port);
    }

    /** Waits until the port accepts connections and a Thrift call (a table lookup) succeeds. */
    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastFailure = "the port never accepted a connection";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The Hive 3.1.3 metastore exited with %d while starting; %s:%n%s"
                        .formatted(process.exitValue(), log, Logs.tail(log, 40)));
            }
            if (accepts()) {
                try (ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(uri())) {
                    catalog.getTable(new TableName("default", "gfsload_probe"));
                    return;
                }
                catch (CatalogException e) {
                    lastFailure = e.getMessage();
                }
            }
            sleep(100);
        }
        throw new IllegalStateException("The Hive 3.1.3 metastore did not answer on port %d within %d s (%s); %s:%n%s"
                .formatted(port, timeout.toSeconds(), lastFailure, log, Logs.tail(log, 40)));
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        }
        catch (IOException e) {
            return false;
        }
    }

    /** Stops the server (SIGTERM, then SIGKILL after 15 s). */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(destroyOnExit);
        }
        catch (IllegalStateException e) {
            // the JVM is exiting: the hook destroys the process
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static boolean containsMetastore(Path lib) throws IOException {
        if (!Files.isDirectory(lib)) {
            return false;
        }
        try (Stream<Path> jars = Files.list(lib)) {
            return jars.anyMatch(jar -> jar.getFileName().toString().startsWith("hive-standalone-metastore-"));
        }
    }

    private static void writeSite(Path file, Map<String, String> properties) throws IOException {
        Configuration site = new Configuration(false);
        properties.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(p -> site.set(p.getKey(), p.getValue()));
        try (OutputStream out = Files.newOutputStream(file)) {
            site.writeXml(out);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the metastore", e);
        }
    }
}
