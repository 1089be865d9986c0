package io.gfsload.cache.rpc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The socket file of a server that stops, and that of a server started after it at the same path. */
class DomainSocketsTest {
    @TempDir
    Path directory;

    @Test
    void aListenerThatStopsLeavesTheSocketOfAServerStartedAfterItAlone() throws Exception {
        assumeTrue(DomainSockets.available(), "domain sockets need Netty's epoll transport (Linux)");
        Path socket = DomainSockets.newSocketPath(directory, "127.0.0.1", 4242);
        DomainSockets.Listener first = DomainSockets.listen(socket, builder -> builder).orElseThrow();
        // its server stops first, which removes the socket (Netty does); a worker started again on
        // the same address makes its own before the first one's event loops have stopped
        first.server().shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        assertFalse(Files.exists(socket));
        try (ServerSocketChannel successor = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            successor.bind(UnixDomainSocketAddress.of(socket));

            first.close();

            assertTrue(Files.exists(socket), "the successor's socket stays");
        }
    }
}
