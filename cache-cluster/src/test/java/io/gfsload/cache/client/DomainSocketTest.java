package io.gfsload.cache.client;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static io.gfsload.cache.testing.TestData.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.rpc.DomainSockets;
import io.gfsload.cache.rpc.RpcServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker also serves on a Unix domain socket, and a client on its host talks to it there; a
 * client that cannot reach the socket, or is told not to, uses TCP.
 */
class DomainSocketTest {
    private static final FileIdentity FILE = new FileIdentity("s3a://bucket/t/part-0", 8 * MIB, 3);
    private static final String CONNECTIONS = "gfsload_worker_connections_total";

    @TempDir
    Path directory;

    @BeforeAll
    static void linux() {
        assumeTrue(DomainSockets.available(), "domain sockets need Netty's epoll transport (Linux)");
    }

    @Test
    void aClientOnTheWorkersHostWritesAndReadsOverTheWorkersDomainSocket() throws Exception {
        Path socket;
        try (LocalCluster cluster = LocalCluster.start(LocalClusterConfig.builder(directory).workerCapacityBytes(16 * MIB).build());
                GrpcCacheClient client = GrpcCacheClient.connect(cluster.masterTarget(), ClientConfig.defaults().withShortCircuitWrites(false))) {
            WorkerInfo worker = client.clusterInfo().workers().get(0);
            socket = Path.of(worker.domainSocket().orElseThrow());
            assertEquals(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath(), socket.getParent());
            assertTrue(DomainSockets.isSocketOf(socket.toString(), worker.host(), worker.port()), socket.toString());
            assertTrue(DomainSockets.connectable(socket), socket + " is a socket every user may connect to");

            byte[] data = writeAndReadBack(client, 0, 3 * MIB + 17);

            assertEquals(0, connections(cluster, "tcp"), "no TCP connection to the worker");
            assertTrue(connections(cluster, "unix") >= 1, "the client connected over the domain socket");
            assertArrayEquals(data, readAll(client.openReader(new BlockKey(FILE, 0))));
        }
        assertFalse(Files.exists(socket), "a stopped worker removes its socket");
    }

    @Test
    void aConnectionOverTheDomainSocketAsksNoTcpOptionOfEitherEnd() throws Exception {
        // Netty warns of an option a channel does not know (SO_KEEPALIVE, which gRPC sets on every
        // connection and a domain socket does not have) when the connection is made, on each side:
        // the test's logger (SLF4J's simple one) writes to the System.err of the moment
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(new TeeStream(original, logged), true, StandardCharsets.UTF_8));
        try (LocalCluster cluster = LocalCluster.start(LocalClusterConfig.builder(directory).workerCapacityBytes(16 * MIB).build());
                GrpcCacheClient client = GrpcCacheClient.connect(cluster.masterTarget(), ClientConfig.defaults().withShortCircuitWrites(false))) {
            writeAndReadBack(client, 0, MIB);

            assertTrue(connections(cluster, "unix") >= 1, "the client connected over the domain socket");
        }
        finally {
            System.setErr(original);
        }
        String log = logged.toString(StandardCharsets.UTF_8);
        assertFalse(log.contains("Unknown channel option"), log);
    }

    @Test
    void aClientToldNotToUseDomainSocketsUsesTcp() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalClusterConfig.builder(directory).workerCapacityBytes(16 * MIB).build());
                GrpcCacheClient client = GrpcCacheClient.connect(cluster.masterTarget(),
                        ClientConfig.defaults().withShortCircuitWrites(false).withDomainSockets(false))) {
            writeAndReadBack(client, 0, MIB);

            assertEquals(0, connections(cluster, "unix"));
            assertTrue(connections(cluster, "tcp") >= 1);
        }
    }

    @Test
    void aClientThatCannotReachTheSocketUsesTcp() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalClusterConfig.builder(directory).workerCapacityBytes(16 * MIB).build());
                GrpcCacheClient client = GrpcCacheClient.connect(cluster.masterTarget(), ClientConfig.defaults().withShortCircuitWrites(false))) {
            // As for a client in a container that does not share the socket's directory.
            Files.delete(Path.of(client.clusterInfo().workers().get(0).domainSocket().orElseThrow()));

            writeAndReadBack(client, 0, MIB);

            assertEquals(0, connections(cluster, "unix"));
            assertTrue(connections(cluster, "tcp") >= 1);
        }
    }

    @Test
    void twoServersOfTheSameAddressNeverShareASocket() throws Exception {
        // as two workers with the same address in two network namespaces (containers) sharing the directory
        int port = freePort();
        Path first = DomainSockets.newSocketPath(directory, "127.0.0.1", port);
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(first));
            try (RpcServer server = RpcServer.start("second", "127.0.0.1", port, Optional.empty(), List.of(), List.of(), Optional.of(directory))) {
                Path second = server.domainSocket().orElseThrow();
                assertNotEquals(first, second);
                assertTrue(DomainSockets.isSocketOf(second.toString(), "127.0.0.1", port));
                try (SocketChannel connection = SocketChannel.open(UnixDomainSocketAddress.of(first))) {
                    assertTrue(connection.isConnected(), "the other server keeps its socket");
                }
            }
        }
    }

    @Test
    void aServerRemovesTheSocketAKilledServerOfItsAddressLeft() throws Exception {
        int port = freePort();
        Path dead = killedServersSocket(port);
        try (RpcServer server = RpcServer.start("again", "127.0.0.1", port, Optional.empty(), List.of(), List.of(), Optional.of(directory))) {
            assertTrue(server.domainSocket().isPresent());
            assertFalse(Files.exists(dead), "the socket its killed predecessor left is removed");
        }
    }

    @Test
    void aServerRemovesTheSocketsOfServersThatAreGoneAndOnlyThose() throws Exception {
        Path dead = killedServersSocket(freePort());
        Path notASocket = directory.resolve("gfsload-notes.sock");
        Files.writeString(notASocket, "kept");
        try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                ServerSocketChannel starting = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            // a running server (of this host or of another network namespace sharing the directory)
            Path listening = DomainSockets.newSocketPath(directory, "127.0.0.1", freePort());
            live.bind(UnixDomainSocketAddress.of(listening));
            age(listening);
            // a server that has just bound its socket, and listens a moment later
            Path fresh = DomainSockets.newSocketPath(directory, "127.0.0.1", freePort());
            starting.bind(UnixDomainSocketAddress.of(fresh));
            starting.close();

            try (RpcServer server = RpcServer.start("sweeper", "127.0.0.1", 0, Optional.empty(), List.of(), List.of(), Optional.of(directory))) {
                assertTrue(server.domainSocket().isPresent());
                assertFalse(Files.exists(dead), "a killed server's socket is removed");
                assertTrue(Files.exists(listening), "a socket something listens on stays");
                assertTrue(Files.exists(fresh), "a socket younger than the sweep's minimum age stays");
                assertEquals("kept", Files.readString(notASocket));
            }
        }
    }

    @Test
    void aClientConnectsOnlyToASocketNamedAfterTheWorkersAddress() {
        assertTrue(DomainSockets.isSocketOf("/tmp/gfsload-127.0.0.1-5-0123456789abcdef.sock", "127.0.0.1", 5));
        assertTrue(DomainSockets.isSocketOf(DomainSockets.newSocketPath(Path.of("/run/gfsload"), "127.0.0.1", 5).toString(), "127.0.0.1", 5));
        assertFalse(DomainSockets.isSocketOf("/tmp/gfsload-127.0.0.1-6-0123456789abcdef.sock", "127.0.0.1", 5));
        assertFalse(DomainSockets.isSocketOf("/tmp/gfsload-127.0.0.1-5.sock", "127.0.0.1", 5));
        assertFalse(DomainSockets.isSocketOf("/run/docker.sock", "127.0.0.1", 5));
        assertFalse(DomainSockets.isSocketOf("gfsload-127.0.0.1-5-0123456789abcdef.sock", "127.0.0.1", 5), "relative");
        assertFalse(DomainSockets.isSocketOf("/tmp/x/../gfsload-127.0.0.1-5-0123456789abcdef.sock", "127.0.0.1", 5));
        assertFalse(DomainSockets.isSocketOf("", "127.0.0.1", 5));
    }

    @Test
    void aSocketPathLongerThanTheSystemAllowsLeavesTheServerOnTcp() throws Exception {
        Path deep = directory.resolve("d".repeat(60)).resolve("e".repeat(60));
        try (RpcServer server = RpcServer.start("deep", "127.0.0.1", 0, Optional.empty(), List.of(), List.of(), Optional.of(deep))) {
            assertEquals(Optional.empty(), server.domainSocket());
            assertTrue(server.port() > 0);
        }
    }

    private static byte[] writeAndReadBack(GrpcCacheClient client, int index, int length) throws Exception {
        byte[] data = randomBytes(length, index);
        try (BlockWriter writer = client.openWriter(new BlockKey(FILE, index), data.length, 1)) {
            writer.write(data, 0, data.length);
            writer.commit();
        }
        assertArrayEquals(data, readAll(client.openReader(new BlockKey(FILE, index))));
        return data;
    }

    private static double connections(LocalCluster cluster, String transport) {
        return cluster.metrics().value(CONNECTIONS, Map.of("worker", "worker-0", "transport", transport)).orElseThrow();
    }

    /** What a server of port {@code port} killed a while ago left in the directory: its socket, on which nothing listens. */
    private Path killedServersSocket(int port) throws IOException {
        Path socket = DomainSockets.newSocketPath(directory, "127.0.0.1", port);
        try (ServerSocketChannel gone = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            gone.bind(UnixDomainSocketAddress.of(socket));
        }
        age(socket);
        return socket;
    }

    /** Makes {@code socket} older than the sweep's minimum age. */
    private static void age(Path socket) throws IOException {
        Files.setLastModifiedTime(socket, FileTime.from(Instant.now().minus(DomainSockets.SWEEP_MIN_AGE).minusSeconds(60)));
    }

    /** Writes to two streams. */
    private static final class TeeStream extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        TeeStream(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
            first.write(bytes, offset, length);
            second.write(bytes, offset, length);
        }

        @Override
        public synchronized void flush() throws IOException {
            first.flush();
            second.flush();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
