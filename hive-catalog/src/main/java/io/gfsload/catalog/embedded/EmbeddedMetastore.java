package io.gfsload.catalog.embedded;

import static java.util.Objects.requireNonNull;

import io.gfsload.catalog.CatalogException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.apache.hadoop.hive.conf.HiveConf;
import org.apache.hadoop.hive.metastore.HiveMetaStore;
import org.apache.hadoop.hive.metastore.IHMSHandler;
import org.apache.hadoop.hive.metastore.TSetIpAddressProcessor;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.server.TServer;
import org.apache.thrift.server.TThreadPoolServer;
import org.apache.thrift.transport.TServerSocket;
import org.apache.thrift.transport.TTransportException;
import org.apache.thrift.transport.TTransportFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Thrift Hive metastore server on a loopback port, backed by an embedded Derby database in
 * a directory, for the embedded default and for tests.
 *
 * <p>Only one embedded metastore serves at a time in a JVM: the metastore keeps its persistence
 * manager in static state. {@link #close()} stops the server; the Derby database stays open until
 * the JVM exits, so that a later metastore on the same directory in the same JVM can reuse it.
 * A lock on {@code directory/metastore.lock}, held while the metastore serves, keeps a second
 * metastore out of the directory at once, in this process or another, before Derby is asked:
 * Derby refuses a database booted by another process too, but only after the metastore's
 * retries, tens of seconds later.
 */
public final class EmbeddedMetastore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedMetastore.class);
    private static final String LOCK_FILE = "metastore.lock";

    private final Path directory;
    private final TServer server;
    private final Thread serveThread;
    private final IHMSHandler handler;
    private final int port;
    private final FileChannel lockChannel;

    private EmbeddedMetastore(Path directory, TServer server, Thread serveThread, IHMSHandler handler, int port, FileChannel lockChannel) {
        this.directory = directory;
        this.lockChannel = lockChannel;
        this.server = server;
        this.serveThread = serveThread;
        this.handler = handler;
        this.port = port;
    }

    /**
     * Starts a metastore whose Derby database lives in {@code directory/metastore_db} and whose
     * warehouse is {@code directory/warehouse}, listening on an ephemeral loopback port.
     *
     * @throws MetastoreInUseException when another metastore, in this process or another, serves
     *     from {@code directory}
     * @throws CatalogException when the database cannot be opened or the server cannot bind
     */
    public static EmbeddedMetastore start(Path directory) {
        return start(directory, 0);
    }

    /**
     * Starts a metastore as {@link #start(Path)} does, listening on loopback port {@code port}, or
     * on an ephemeral one when it is 0.
     *
     * @throws MetastoreInUseException when another metastore, in this process or another, serves
     *     from {@code directory}
     * @throws CatalogException when the database cannot be opened or the server cannot bind
     */
    public static EmbeddedMetastore start(Path directory, int port) {
        return start(directory, port, Map.of());
    }

    /**
     * Starts a metastore as {@link #start(Path, int)} does, with {@code settings} over its own
     * Hive settings: to serve as a metastore configured so does (with
     * {@code hive.metastore.try.direct.sql=false}, say, it evaluates every partition filter with
     * its JDO filter).
     *
     * @throws MetastoreInUseException when another metastore, in this process or another, serves
     *     from {@code directory}
     * @throws CatalogException when the database cannot be opened or the server cannot bind
     */
    public static EmbeddedMetastore start(Path directory, int port, Map<String, String> settings) {
        requireNonNull(directory, "directory is null");
        requireNonNull(settings, "settings is null");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0 to 65535: " + port);
        }
        Path absolute = directory.toAbsolutePath();
        FileChannel lockChannel = lock(absolute);
        try {
            return start(absolute, port, lockChannel, Map.copyOf(settings));
        }
        catch (RuntimeException e) {
            closeQuietly(lockChannel);
            throw e;
        }
    }

    /** The open channel of the directory's lock file, locked; closing it releases the lock. */
    private static FileChannel lock(Path directory) {
        FileChannel channel;
        try {
            Files.createDirectories(directory.resolve("warehouse"));
            channel = FileChannel.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        }
        catch (IOException e) {
            throw new CatalogException("Cannot create the embedded metastore in %s: %s".formatted(directory, FileFailures.reason(e, directory)), e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        }
        catch (OverlappingFileLockException e) {
            closeQuietly(channel);
            throw new MetastoreInUseException("The embedded metastore in %s is in use by another EmbeddedMetastore in this process"
                    .formatted(directory), e);
        }
        catch (IOException e) {
            closeQuietly(channel);
            throw new CatalogException("Cannot lock the embedded metastore in %s: %s".formatted(directory, FileFailures.reason(e, directory.resolve(LOCK_FILE))), e);
        }
        if (lock == null) {
            closeQuietly(channel);
            throw new MetastoreInUseException("The embedded metastore in %s is in use by another process".formatted(directory), null);
        }
        return channel;
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        }
        catch (IOException e) {
            LOG.warn("Cannot close the metastore lock file", e);
        }
    }

    private static EmbeddedMetastore start(Path absolute, int requestedPort, FileChannel lockChannel, Map<String, String> settings) {
        if (System.getProperty("derby.stream.error.file") == null) {
            System.setProperty("derby.stream.error.file", absolute.resolve("derby.log").toString());
        }

        HiveConf conf = serverConf(absolute);
        settings.forEach(conf::set);
        IHMSHandler handler;
        TServerSocket socket;
        try {
            handler = HiveMetaStore.newRetryingHMSHandler(new HiveMetaStore.HMSHandler("gfsload embedded metastore", conf, false), conf, false);
            socket = new TServerSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort));
        }
        catch (TTransportException e) {
            throw new CatalogException((requestedPort == 0 ? "Cannot bind the embedded metastore to a loopback port: "
                    : "Cannot bind the embedded metastore to the loopback port %d: ".formatted(requestedPort)) + e.getMessage(), e);
        }
        catch (Exception e) {
            String reason = rootMessage(e);
            if (String.valueOf(reason).contains("Another instance of Derby may have already booted")) {
                throw new MetastoreInUseException("The embedded metastore in %s is in use by another process".formatted(absolute), e);
            }
            throw new CatalogException("Cannot open the embedded metastore database in %s: %s".formatted(absolute, reason), e);
        }
        int port = socket.getServerSocket().getLocalPort();
        TServer server;
        try {
            server = new TThreadPoolServer(new TThreadPoolServer.Args(socket)
                    .processor(new TSetIpAddressProcessor<>(handler))
                    .transportFactory(new TTransportFactory())
                    .protocolFactory(new TBinaryProtocol.Factory())
                    .inputProtocolFactory(new TBinaryProtocol.Factory(true, true))
                    .minWorkerThreads(1)
                    .maxWorkerThreads(16));
        }
        catch (ReflectiveOperationException | RuntimeException e) {
            socket.close();
            throw new CatalogException("Cannot create the embedded metastore server: " + e.getMessage(), e);
        }
        Thread serveThread = new Thread(server::serve, "gfsload-embedded-metastore");
        serveThread.setDaemon(true);
        serveThread.start();
        LOG.info("Embedded metastore serving thrift://127.0.0.1:{} from {}", port, absolute);
        return new EmbeddedMetastore(absolute, server, serveThread, handler, port, lockChannel);
    }

    private static HiveConf serverConf(Path directory) {
        HiveConf conf = new HiveConf();
        conf.set("javax.jdo.option.ConnectionURL", "jdbc:derby:;databaseName=" + directory.resolve("metastore_db") + ";create=true");
        conf.set("javax.jdo.option.ConnectionDriverName", "org.apache.derby.jdbc.EmbeddedDriver");
        conf.set("datanucleus.connectionPoolingType", "HikariCP");
        conf.set("datanucleus.schema.autoCreateAll", "true");
        conf.set("hive.metastore.schema.verification", "false");
        conf.set("hive.metastore.warehouse.dir", directory.resolve("warehouse").toUri().toString());
        conf.set("hive.metastore.expression.proxy", UnsupportedExpressionProxy.class.getName());
        conf.set("hive.metastore.try.direct.sql", "true");
        conf.setBoolVar(HiveConf.ConfVars.METASTORE_EXECUTE_SET_UGI, false);
        return conf;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    /** The server's URI, {@code thrift://127.0.0.1:<port>}. */
    public URI uri() {
        return URI.create("thrift://127.0.0.1:" + port);
    }

    /** The warehouse directory, where managed tables are created by default. */
    public Path warehouseDirectory() {
        return directory.resolve("warehouse");
    }

    @Override
    public void close() {
        server.stop();
        try {
            serveThread.join(5_000);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            handler.shutdown();
        }
        catch (Exception e) {
            LOG.warn("Embedded metastore handler did not shut down cleanly", e);
        }
        closeQuietly(lockChannel);
        LOG.info("Embedded metastore on port {} stopped", port);
    }
}
