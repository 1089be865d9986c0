package io.gfsload.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gfsload.catalog.embedded.EmbeddedMetastore;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metastores of a highly available service ({@code hive.metastore.uris}) are tried in order: a
 * real metastore behind one that refuses connections, and behind a relay to it that goes down
 * between two calls of a job.
 */
class TestMetastoreFailover {
    private static final TableName EVENTS = new TableName("db", "events");

    @TempDir
    static Path directory;

    private static EmbeddedMetastore metastore;

    @BeforeAll
    static void start() {
        metastore = EmbeddedMetastore.start(directory.resolve("metastore"));
        try (MetastoreAdmin admin = MetastoreAdmin.connect(metastore.uri())) {
            admin.ensureDatabase("db", directory.resolve("warehouse/db.db").toUri().toString());
            String location = directory.resolve("warehouse/db.db/events").toUri().toString();
            admin.createParquetTable(EVENTS, List.of(new Column("id", "bigint")), List.of(new Column("dt", "string")), location);
            admin.addPartitions(EVENTS, Map.of(PartitionSpec.parse("dt=2026-11-20"), location + "/dt=2026-11-20"));
        }
    }

    @AfterAll
    static void stop() {
        if (metastore != null) {
            metastore.close();
        }
    }

    private static URI refusing() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("thrift://127.0.0.1:" + socket.getLocalPort());
        }
    }

    @Test
    void aMetastoreThatRefusesConnectionsIsPassedForTheNextOne() throws IOException {
        try (ThriftHiveCatalog catalog = ThriftHiveCatalog.connect(List.of(refusing(), metastore.uri()))) {
            TableInfo table = catalog.getTable(EVENTS).orElseThrow();
            assertEquals(List.of("dt"), table.partitionKeys());
            assertEquals(1, catalog.listPartitions(table).size());
        }
    }

    @Test
    void aMetastoreThatGoesDownMidJobIsRetriedOnTheNextOne() throws IOException {
        try (Relay first = new Relay(metastore.uri().getPort());
                HiveCatalog catalog = new RetryingCachingCatalog(ThriftHiveCatalog.connect(List.of(first.uri(), metastore.uri())), 3, Duration.ofMillis(10))) {
            TableInfo table = catalog.getTable(EVENTS).orElseThrow();
            assertEquals(1, first.accepted(), "the first metastore answers while it is up");

            first.close();

            List<PartitionInfo> partitions = catalog.listPartitions(table);
            assertEquals(List.of(PartitionSpec.parse("dt=2026-11-20")), partitions.stream().map(PartitionInfo::spec).toList());
            assertEquals(1, first.accepted(), "the retry went to the second metastore");
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

    /** A metastore in front of the real one: relays the connections it accepts to it, until closed, which cuts them. */
    private static final class Relay implements AutoCloseable {
        private final ServerSocket server;
        private final int target;
        private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
        private final AtomicInteger accepted = new AtomicInteger();

        Relay(int target) throws IOException {
            this.target = target;
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(this::accept, "relay-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        URI uri() {
            return URI.create("thrift://127.0.0.1:" + server.getLocalPort());
        }

        int accepted() {
            return accepted.get();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    accepted.incrementAndGet();
                    Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                    sockets.add(client);
                    sockets.add(upstream);
                    pump(client, upstream);
                    pump(upstream, client);
                }
                catch (IOException e) {
                    // closed
                }
            }
        }

        private static void pump(Socket from, Socket to) {
            Thread thread = new Thread(() -> {
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    in.transferTo(out);
                }
                catch (IOException e) {
                    // one side closed
                }
            }, "relay-pump");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }
}
