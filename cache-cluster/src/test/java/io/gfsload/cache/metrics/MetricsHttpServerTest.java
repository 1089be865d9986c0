package io.gfsload.cache.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsHttpServerTest {
    /** Far longer than a scrape takes here: a scrape that needs it waited for a stalled client. */
    private static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(30);
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String PARTIAL_REQUEST = "GET /metrics HTTP/1.1\r\nHost: x\r\n";

    @Test
    void aStalledClientDoesNotHoldUpOtherScrapes() throws Exception {
        MetricsRegistry registry = registry();
        // a timeout no scrape of this test reaches: the others are served while the stalled client waits
        try (MetricsHttpServer server = MetricsHttpServer.start("127.0.0.1", 0, registry, Duration.ofMinutes(10));
                Socket stalled = stall(server)) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> response = scrape(server);
                assertEquals(200, response.statusCode());
                assertEquals(registry.scrape(), response.body());
                assertEquals(CONTENT_TYPE, response.headers().firstValue("Content-Type").orElseThrow());
            }
        }
    }

    @Test
    void aStalledClientIsDisconnectedAfterTheExchangeTimeout() throws Exception {
        Duration timeout = Duration.ofSeconds(1);
        try (MetricsHttpServer server = MetricsHttpServer.start("127.0.0.1", 0, registry(), timeout)) {
            long start = System.nanoTime();
            try (Socket stalled = stall(server)) {
                stalled.setSoTimeout((int) Duration.ofMinutes(2).toMillis());
                assertEndOfStream(stalled);
            }
            assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(timeout) >= 0, "closed before the timeout");
            assertEquals(200, scrape(server).statusCode());
        }
    }

    @Test
    void moreStalledClientsThanThreadsHoldTheScrapesUpOnlyUntilTheTimeout() throws Exception {
        MetricsRegistry registry = registry();
        try (MetricsHttpServer server = MetricsHttpServer.start("127.0.0.1", 0, registry, Duration.ofSeconds(1))) {
            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < MetricsHttpServer.THREADS + 2; i++) {
                    stalled.add(stall(server));
                }
                HttpResponse<String> response = scrape(server);
                assertEquals(200, response.statusCode());
                assertEquals(registry.scrape(), response.body());
            }
            finally {
                for (Socket socket : stalled) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void onlyTheMetricsPathIsServed() throws Exception {
        try (MetricsHttpServer server = MetricsHttpServer.start("127.0.0.1", 0, registry(), SCRAPE_TIMEOUT)) {
            assertEquals(200, get(server, "/metrics").statusCode());
            assertEquals(200, get(server, "/metrics?format=text").statusCode(), "a query is no other path");
            for (String path : List.of("/metricsfoo", "/metrics/x", "/", "/other")) {
                assertEquals(404, get(server, path).statusCode(), path);
            }
        }
    }

    @Test
    void theMetricsAreReadWithGetOrHead() throws Exception {
        try (MetricsHttpServer server = MetricsHttpServer.start("127.0.0.1", 0, registry(), SCRAPE_TIMEOUT)) {
            HttpResponse<String> head = send(server, "/metrics", "HEAD");
            assertEquals(200, head.statusCode());
            assertEquals(CONTENT_TYPE, head.headers().firstValue("Content-Type").orElseThrow());
            assertEquals("", head.body());
            HttpResponse<String> post = send(server, "/metrics", "POST");
            assertEquals(405, post.statusCode());
            assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElseThrow());
            assertEquals("""
                    # HELP gfsload_master_temp_areas Open temp areas.
                    # TYPE gfsload_master_temp_areas gauge
                    gfsload_master_temp_areas 2.0
                    # HELP gfsload_worker_reads_total Blocks read.
                    # TYPE gfsload_worker_reads_total counter
                    gfsload_worker_reads_total{worker="w-0"} 7.0
                    """, get(server, "/metrics").body());
        }
    }

    private static MetricsRegistry registry() {
        MetricsRegistry registry = new MetricsRegistry();
        registry.counter("gfsload_worker_reads_total", "Blocks read.", Map.of("worker", "w-0")).inc(7);
        registry.gauge("gfsload_master_temp_areas", "Open temp areas.", Map.of(), () -> 2);
        return registry;
    }

    /** A connection that sends the start of a request and nothing more, once the server has its bytes. */
    private static Socket stall(MetricsHttpServer server) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
        OutputStream out = socket.getOutputStream();
        out.write(PARTIAL_REQUEST.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    private static HttpResponse<String> scrape(MetricsHttpServer server) throws IOException, InterruptedException {
        return get(server, "/metrics");
    }

    private static HttpResponse<String> get(MetricsHttpServer server, String path) throws IOException, InterruptedException {
        return send(server, path, "GET");
    }

    private static HttpResponse<String> send(MetricsHttpServer server, String path, String method) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + server.target() + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(SCRAPE_TIMEOUT)
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Reads until the server closes the connection; nothing is sent to a request that never ended. */
    private static void assertEndOfStream(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[1024];
        int total = 0;
        try {
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                total += read;
            }
        }
        catch (SocketException e) {
            // a reset is a close too
        }
        assertEquals(0, total, "bytes sent to a request that never ended");
    }
}
