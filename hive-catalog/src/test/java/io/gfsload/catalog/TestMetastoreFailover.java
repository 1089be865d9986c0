package io.gfsload.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.catalog.testing.EmbeddedMetastoreExtension;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metastores of a highly available service ({@code hive.metastore.uris}) are tried in order: a
 * real metastore behind one that refuses connections; one that takes connections and closes them,
 * never answers, or answers HTTP; and behind a relay to it that goes down between two calls of a job.
 */
class TestMetastoreFailover {
    private static final TableName EVENTS = new TableName("db", "events");

    @TempDir
    static Path directory;

    @RegisterExtension
    static final EmbeddedMetastoreExtension METASTORE = new EmbeddedMetastoreExtension();

    @BeforeAll
    static void start() {
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            admin.ensureDatabase("db", directory.resolve("warehouse/db.db").toUri().toString());
            String location = directory.resolve("warehouse/db.db/events").toUri().toString();
            admin.createParquetTable(EVENTS, List.of(new Column("id", "bigint")), List.of(new Column("dt", "string")), location);
            admin.addPartitions(EVENTS, Map.of(PartitionSpec.parse("dt=2026-11-20"), location + "/dt=2026-11-20"));
        }
    }

    private static URI refusing() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("thrift://127.0.0.1:" + socket.getLocalPort());
        }
    }

    @Test
    void aMetastoreThatRefusesConnectionsIsPassedForTheNextOne() throws IOException {
        try (ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(List.of(refusing(), METASTORE.uri()))) {
            TableInfo table = catalog.getTable(EVENTS).orElseThrow();
            assertEquals(List.of("dt"), table.partitionKeys());
            assertEquals(1, catalog.listPartitions(table).size());
        }
    }

    @Test
    void aMetastoreThatGoesDownMidJobIsRetriedOnTheNextOne() throws IOException {
        try (Relay first = new Relay(METASTORE.uri().getPort());
                HiveCatalog catalog = new RetryingCachingCatalog(ThriftHiveCatalog.connect(List.of(first.uri(), METASTORE.uri())), 3, Duration.ofMillis(10))) {
            TableInfo table = catalog.getTable(EVENTS).orElseThrow();
            int accepted = first.accepted();
            assertTrue(accepted > 0, "the first metastore answers while it is up");

            first.close();

            List<PartitionInfo> partitions = catalog.listPartitions(table);
            assertEquals(List.of(PartitionSpec.parse("dt=2026-11-20")), partitions.stream().map(PartitionInfo::spec).toList());
            assertEquals(accepted, first.accepted(), "the retry went to the second metastore");
        }
    }

    @Test
    void aCallWhoseConnectionIsCutSaysSo() throws IOException {
        try (Relay only = new Relay(METASTORE.uri().getPort());
                ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(List.of(only.uri()))) {
            TableInfo table = catalog.getTable(EVENTS).orElseThrow();

            only.close();

            MetastoreUnavailableException e = assertThrows(MetastoreUnavailableException.class, () -> catalog.listPartitions(table));
            String prefix = "Cannot list partitions of db.events in the metastore at %s: the connection was closed".formatted(only.uri());
            assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
        }
    }

    @Test
    void afterAFailoverNewConnectionsGoToTheMetastoreThatAnswered() throws Exception {
        try (Dropping first = new Dropping();
                ThriftHiveCatalog thrift = ThriftHiveCatalog.connect(List.of(first.uri(), METASTORE.uri()))) {
            HiveCatalog catalog = new RetryingCachingCatalog(thrift, 3, Duration.ofMillis(10));
            TableInfo table = catalog.getTable(EVENTS).orElseThrow();
            int triedFirst = first.accepted();
            assertTrue(triedFirst > 0, "the first connection went to the first metastore");

            // calls side by side grow the pool: each new connection goes to the metastore that answered
            ExecutorService calls = Executors.newFixedThreadPool(ThriftHiveCatalog.DEFAULT_MAX_CONNECTIONS * 2);
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    results.add(calls.submit(() -> thrift.listPartitions(table).size()));
                }
                for (Future<Integer> result : results) {
                    assertEquals(1, result.get());
                }
            }
            finally {
                calls.shutdownNow();
            }
            assertEquals(1, catalog.listPartitions(table).size());
            assertEquals(triedFirst, first.accepted(), "no connection went back to the first metastore");
        }
    }

    @Test
    void aMetastoreThatDropsConnectionAttemptsIsPassedAfterTheConnectTimeout() throws IOException {
        try (Blackhole first = new Blackhole();
                ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(List.of(first.uri(), METASTORE.uri()), ThriftHiveCatalog.DEFAULT_BATCH_SIZE,
                        ThriftHiveCatalog.DEFAULT_MAX_CONNECTIONS, Duration.ofMillis(500))) {
            assertEquals(List.of("dt"), catalog.getTable(EVENTS).orElseThrow().partitionKeys());

            MetastoreUnavailableException e = assertThrows(MetastoreUnavailableException.class, () -> ThriftHiveCatalog.connect(List.of(first.uri()),
                    ThriftHiveCatalog.DEFAULT_BATCH_SIZE, ThriftHiveCatalog.DEFAULT_MAX_CONNECTIONS, Duration.ofMillis(500)));
            assertEquals("Cannot reach the metastore at %s: connection timed out".formatted(first.uri()), e.getMessage());
        }
    }

    @Test
    void aMetastoreThatTakesConnectionsAndClosesThemIsPassedForTheNextOne() throws IOException {
        try (Dropping first = new Dropping();
                ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(List.of(first.uri(), METASTORE.uri()))) {
            // no retry: the connection itself went to the second metastore
            TableInfo table = catalog.getTable(EVENTS).orElseThrow();
            assertEquals(1, catalog.listPartitions(table).size());
            assertTrue(first.accepted() > 0, "the first metastore was tried");

            MetastoreUnavailableException e = assertThrows(MetastoreUnavailableException.class, () -> ThriftHiveCatalog.connect(List.of(first.uri())));
            assertEquals("Cannot connect to the metastore at %s: the connection was closed".formatted(first.uri()), e.getMessage());
        }
    }

    @Test
    void aMetastoreThatTakesConnectionsAndNeverAnswersIsPassedAfterTheConnectTimeout() throws IOException {
        try (Silent first = new Silent();
                ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(List.of(first.uri(), METASTORE.uri()), ThriftHiveCatalog.DEFAULT_BATCH_SIZE,
                        ThriftHiveCatalog.DEFAULT_MAX_CONNECTIONS, Duration.ofMillis(500))) {
            TableInfo table = catalog.getTable(EVENTS).orElseThrow();
            assertEquals(1, catalog.listPartitions(table).size());
            assertTrue(first.accepted() > 0, "the first metastore was tried");

            long start = System.nanoTime();
            MetastoreUnavailableException e = assertThrows(MetastoreUnavailableException.class, () -> ThriftHiveCatalog.connect(List.of(first.uri()),
                    ThriftHiveCatalog.DEFAULT_BATCH_SIZE, ThriftHiveCatalog.DEFAULT_MAX_CONNECTIONS, Duration.ofMillis(500)));
            assertEquals("Cannot connect to the metastore at %s: no answer to its first call within 0.5 s".formatted(first.uri()), e.getMessage());
            assertTrue(System.nanoTime() - start >= Duration.ofMillis(500).toNanos(), "it waited for the first call's answer");
        }
    }

    @Test
    void aMetastoreAddressThatAnswersHttpIsPassedForTheNextOne() throws IOException {
        try (Http first = new Http();
                ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(List.of(first.uri(), METASTORE.uri()))) {
            TableInfo table = catalog.getTable(EVENTS).orElseThrow();
            assertEquals(1, catalog.listPartitions(table).size());
            assertTrue(first.accepted() > 0, "the first metastore was tried");

            MetastoreUnavailableException e = assertThrows(MetastoreUnavailableException.class, () -> ThriftHiveCatalog.connect(List.of(first.uri())));
            assertEquals("Cannot connect to the metastore at %s: the answer is not a metastore's (not Thrift)".formatted(first.uri()), e.getMessage());
        }
    }

    @Test
    void whenNoneAnswersTheErrorNamesThemAll() throws IOException {
        URI a = refusing();
        URI b = refusing();

        MetastoreUnavailableException e = assertThrows(MetastoreUnavailableException.class,
                () -> ThriftHiveCatalog.connect(List.of(a, b)));

        assertEquals("Cannot reach the metastore at %s, %s: connection refused".formatted(a, b), e.getMessage());
    }

    /** A metastore whose host is up and its service broken: accepts connections, counts them, and closes them at once. */
    private static final class Dropping extends Listener {
        Dropping() throws IOException {
            super("dropping");
        }

        @Override
        void serve(Socket client) {}
    }

    /** A metastore whose process hangs: accepts connections, counts them, reads what comes and never answers. */
    private static final class Silent extends Listener {
        Silent() throws IOException {
            super("silent");
        }

        @Override
        void serve(Socket client) throws IOException {
            client.getInputStream().transferTo(OutputStream.nullOutputStream());
        }
    }

    /** An HTTP server (a proxy, a load balancer's health page) at a metastore's address: answers every connection with a 400 and closes it. */
    private static final class Http extends Listener {
        Http() throws IOException {
            super("http");
        }

        @Override
        void serve(Socket client) throws IOException {
            client.getInputStream().read(new byte[4096]);
            client.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
        }
    }

    /** A listener that serves each connection it accepts on a thread of its own, and counts them. */
    private abstract static class Listener implements AutoCloseable {
        private final ServerSocket server;
        private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
        private final AtomicInteger accepted = new AtomicInteger();

        Listener(String name) throws IOException {
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        accepted.incrementAndGet();
                        sockets.add(client);
                        Thread connection = new Thread(() -> {
                            try (client) {
                                serve(client);
                            }
                            catch (IOException e) {
                                // the client went away
                            }
                        }, name + "-connection");
                        connection.setDaemon(true);
                        connection.start();
                    }
                    catch (IOException e) {
                        // closed
                    }
                }
            }, name + "-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        abstract void serve(Socket client) throws IOException;

        /** Closes {@code socket} with the listener, as it does the connections it accepted. */
        Socket track(Socket socket) {
            sockets.add(socket);
            return socket;
        }

        URI uri() {
            return URI.create("thrift://127.0.0.1:" + server.getLocalPort());
        }

        int accepted() {
            return accepted.get();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    /**
     * A metastore whose packets are dropped: a listener that never accepts, its accept queue full,
     * so that the system drops the connection attempts (SYNs) to it, as a firewall would.
     */
    private static final class Blackhole implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> queued = new ArrayList<>();

        Blackhole() throws IOException {
            this.server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            for (int i = 0; i < 10; i++) {
                Socket socket = new Socket();
                try {
                    socket.connect(server.getLocalSocketAddress(), 200);
                    queued.add(socket);
                }
                catch (SocketTimeoutException e) {
                    socket.close();
                    return;
                }
            }
            throw new IllegalStateException("The accept queue of " + server.getLocalSocketAddress() + " does not fill");
        }

        URI uri() {
            return URI.create("thrift://127.0.0.1:" + server.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            for (Socket socket : queued) {
                socket.close();
            }
            server.close();
        }
    }

    /** A metastore in front of the real one: relays the connections it accepts to it, until closed, which cuts them. */
    private static final class Relay extends Listener {
        private final int target;

        Relay(int target) throws IOException {
            super("relay");
            this.target = target;
        }

        @Override
        void serve(Socket client) throws IOException {
            Socket upstream = track(new Socket(InetAddress.getLoopbackAddress(), target));
            Thread back = new Thread(() -> pump(upstream, client), "relay-pump");
            back.setDaemon(true);
            back.start();
            pump(client, upstream);
        }

        private static void pump(Socket from, Socket to) {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            }
            catch (IOException e) {
                // one side closed
            }
        }
    }
}
