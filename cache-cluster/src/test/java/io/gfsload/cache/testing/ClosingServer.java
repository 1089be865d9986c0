package io.gfsload.cache.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A server on loopback that closes every connection as soon as it takes it, counting them: a
 * master that is not serving yet, as a client sees it after connecting.
 */
public final class ClosingServer implements AutoCloseable {
    private final ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();

    private ClosingServer(int port) {
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread closer = new Thread(() -> {
            try {
                while (true) {
                    server.accept().close();
                    connections.incrementAndGet();
                }
            }
            catch (IOException e) {
                // closed
            }
        }, "closing-server");
        closer.setDaemon(true);
        closer.start();
    }

    /** On {@code port} (a master's, closed just now), or on any free port when 0. */
    public static ClosingServer on(int port) {
        return new ClosingServer(port);
    }

    /** Where it listens: {@code 127.0.0.1:PORT}. */
    public String target() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** The connections it took and closed so far. */
    public int connections() {
        return connections.get();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
