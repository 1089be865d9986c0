package io.gfsload.cache.metrics;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves a {@link MetricsRegistry} at {@code GET /metrics} in the Prometheus text format, on one
 * daemon thread {@code gfsload-metrics-<port>}. {@link #close()} stops it.
 */
public final class MetricsHttpServer implements AutoCloseable {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsHttpServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Binds {@code host:port} (0 picks a free port) and starts serving.
     *
     * @throws UncheckedIOException when the address cannot be bound
     */
    public static MetricsHttpServer start(String host, int port, MetricsRegistry registry) {
        requireNonNull(host, "host is null");
        requireNonNull(registry, "registry is null");
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot bind the metrics server to " + host + ":" + port, e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(new ThreadFactoryBuilder()
                .setNameFormat("gfsload-metrics-" + server.getAddress().getPort())
                .setDaemon(true)
                .build());
        server.setExecutor(executor);
        server.createContext("/metrics", exchange -> respond(exchange, registry));
        server.start();
        return new MetricsHttpServer(server, executor);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code host:port} of the server. */
    public String target() {
        return server.getAddress().getHostString() + ":" + port();
    }

    private static void respond(HttpExchange exchange, MetricsRegistry registry) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            if ("HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
