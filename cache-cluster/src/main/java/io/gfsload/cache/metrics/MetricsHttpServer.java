package io.gfsload.cache.metrics;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Serves a {@link MetricsRegistry} at {@code GET /metrics} in the Prometheus text format (content
 * type {@code text/plain; version=0.0.4; charset=utf-8}), on {@value #THREADS} daemon threads
 * {@code gfsload-metrics-<port>-<n>}. {@link #close()} stops it.
 *
 * <p>Each exchange, from the moment the first bytes of its request arrive until its response is
 * written, may take {@link #DEFAULT_EXCHANGE_TIMEOUT} (or the timeout given to {@link #start(String,
 * int, MetricsRegistry, Duration)}); a client that sends half a request and stalls, or that stops
 * reading the response, has its connection closed then. So a stalled client holds one thread for
 * at most that long, and the other scrapers are served meanwhile. The JDK server has no limit of
 * its own per server ({@code sun.net.httpserver.maxReqTime} is one for the whole process, read
 * once): the limit interrupts the thread serving the exchange, which closes its connection (a
 * blocking socket channel is interruptible).
 *
 * <p>The server is the JDK's rather than the Prometheus client's exporter: that one has no limit
 * per exchange, and serves other paths than {@code /metrics}.
 */
public final class MetricsHttpServer implements AutoCloseable {
    /** Longest an exchange may take, request and response; a Prometheus scrape times out after 10 s by default. */
    public static final Duration DEFAULT_EXCHANGE_TIMEOUT = Duration.ofSeconds(5);
    /** Threads serving exchanges: as many clients that stall hold the page up to the timeout. */
    static final int THREADS = 8;

    private final HttpServer server;
    private final ExecutorService executor;
    private final ScheduledExecutorService timeouts;

    private MetricsHttpServer(HttpServer server, ExecutorService executor, ScheduledExecutorService timeouts) {
        this.server = server;
        this.executor = executor;
        this.timeouts = timeouts;
    }

    /**
     * Binds {@code host:port} (0 picks a free port) and starts serving, each exchange within
     * {@link #DEFAULT_EXCHANGE_TIMEOUT}.
     *
     * @throws UncheckedIOException when the address cannot be bound
     */
    public static MetricsHttpServer start(String host, int port, MetricsRegistry registry) {
        return start(host, port, registry, DEFAULT_EXCHANGE_TIMEOUT);
    }

    /**
     * As {@link #start(String, int, MetricsRegistry)}, each exchange within {@code exchangeTimeout}.
     *
     * @throws UncheckedIOException when the address cannot be bound
     */
    public static MetricsHttpServer start(String host, int port, MetricsRegistry registry, Duration exchangeTimeout) {
        requireNonNull(host, "host is null");
        requireNonNull(registry, "registry is null");
        requireNonNull(exchangeTimeout, "exchangeTimeout is null");
        checkArgument(exchangeTimeout.toMillis() > 0, "exchangeTimeout must be at least 1 ms: %s", exchangeTimeout);
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot bind the metrics server to " + host + ":" + port, e);
        }
        String name = "gfsload-metrics-" + server.getAddress().getPort();
        // an unbounded queue: the JDK server's dispatcher must never be refused; a waiting exchange waits at most a timeout per thread
        ExecutorService executor = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                new ThreadFactoryBuilder().setNameFormat(name + "-%d").setDaemon(true).build());
        ScheduledExecutorService timeouts = Executors.newSingleThreadScheduledExecutor(new ThreadFactoryBuilder()
                .setNameFormat(name + "-timeout")
                .setDaemon(true)
                .build());
        server.setExecutor(new TimedExecutor(executor, timeouts, exchangeTimeout.toMillis()));
        server.createContext("/metrics", exchange -> respond(exchange, registry));
        server.start();
        return new MetricsHttpServer(server, executor, timeouts);
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
            // the context answers every path that starts with /metrics: /metricsfoo is no endpoint
            if (!"/metrics".equals(exchange.getRequestURI().getPath())) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", PrometheusTextFormatWriter.CONTENT_TYPE);
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

    /**
     * Stops serving and waits, up to {@link #DEFAULT_EXCHANGE_TIMEOUT}, for the exchanges that run to
     * end: a scrape reads what the owner closes next (the master's metadata store).
     */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        timeouts.shutdownNow();
        try {
            executor.awaitTermination(DEFAULT_EXCHANGE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs each task the JDK server hands it (one exchange: read the request, run the handler,
     * write the response) on the pool, and interrupts it when it is still running after the
     * timeout. The interrupt closes the exchange's socket channel, which ends the exchange with
     * an I/O error; the JDK server then closes the connection.
     */
    private static final class TimedExecutor implements Executor {
        private final ExecutorService pool;
        private final ScheduledExecutorService timeouts;
        private final long timeoutMillis;

        TimedExecutor(ExecutorService pool, ScheduledExecutorService timeouts, long timeoutMillis) {
            this.pool = pool;
            this.timeouts = timeouts;
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        public void execute(Runnable exchange) {
            pool.execute(new TimedTask(exchange));
        }

        private final class TimedTask implements Runnable {
            private final Runnable exchange;
            /** The thread running the exchange while it runs; null before and after. Guarded by this. */
            private Thread running;
            private boolean done;

            TimedTask(Runnable exchange) {
                this.exchange = exchange;
            }

            @Override
            public void run() {
                synchronized (this) {
                    running = Thread.currentThread();
                }
                ScheduledFuture<?> timeout;
                try {
                    timeout = timeouts.schedule(this::expire, timeoutMillis, TimeUnit.MILLISECONDS);
                }
                catch (RuntimeException e) {
                    // the server is closing: serve without a limit, as close() stops the pool too
                    timeout = null;
                }
                try {
                    exchange.run();
                }
                finally {
                    synchronized (this) {
                        done = true;
                        running = null;
                    }
                    if (timeout != null) {
                        timeout.cancel(false);
                    }
                    // an interrupt that came while the exchange ended must not reach the next task of this thread
                    Thread.interrupted();
                }
            }

            private synchronized void expire() {
                if (!done && running != null) {
                    running.interrupt();
                }
            }
        }
    }
}
