package io.gfsload.cache.rpc;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC server over Netty with its own named executor, which it owns and shuts down.
 *
 * <p>Calls run on threads named {@code <threadPrefix>-<n>}; handlers may block on disk I/O.
 * Connections take large data streams with little work per byte: socket reads are chained, not
 * copied, and clients may send HTTP/2 frames of up to 1 MiB ({@link ComposingPlaintextNegotiator});
 * connections take their buffers from {@link RpcBuffers#ALLOCATOR}.
 */
public final class RpcServer implements AutoCloseable {
    /** Largest message a server accepts; covers data chunks and large block reports. */
    public static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;
    /**
     * HTTP/2 flow-control window per stream: how many bytes a sender may have in flight before the
     * receiver has consumed them. The bound of memory per stream on the receiving side.
     */
    public static final int FLOW_CONTROL_WINDOW_BYTES = 4 * 1024 * 1024;

    private static final Duration GRACE = Duration.ofSeconds(5);

    private final Server server;
    private final ExecutorService executor;
    private final String host;
    private final int port;

    private RpcServer(Server server, ExecutorService executor, String host) {
        this.server = server;
        this.executor = executor;
        this.host = host;
        this.port = server.getPort();
    }

    /**
     * Binds {@code host:port} (port 0 picks a free port) and starts serving {@code services}.
     *
     * @throws UncheckedIOException when the address cannot be bound
     */
    public static RpcServer start(String threadPrefix, String host, int port, BindableService... services) {
        return start(threadPrefix, host, port, Optional.empty(), services);
    }

    /**
     * As {@link #start(String, String, int, BindableService...)}; with a token, every call must
     * carry it ({@link RpcAuth}).
     */
    public static RpcServer start(String threadPrefix, String host, int port, Optional<String> token,
            BindableService... services) {
        return start(threadPrefix, host, port, token,
                Arrays.stream(services).map(BindableService::bindService).toList());
    }

    /** As {@link #start(String, String, int, Optional, BindableService...)}, with bound service definitions. */
    public static RpcServer start(String threadPrefix, String host, int port, Optional<String> token,
            List<ServerServiceDefinition> services) {
        return start(threadPrefix, host, port, token, services, List.of());
    }

    /**
     * As {@link #start(String, String, int, Optional, List)}; {@code transportFilters} hear each
     * client connection start and end.
     */
    public static RpcServer start(String threadPrefix, String host, int port, Optional<String> token,
            List<ServerServiceDefinition> services, List<ServerTransportFilter> transportFilters) {
        requireNonNull(threadPrefix, "threadPrefix is null");
        requireNonNull(host, "host is null");
        requireNonNull(token, "token is null");
        ExecutorService executor = Executors.newCachedThreadPool(new ThreadFactoryBuilder()
                .setNameFormat(threadPrefix + "-%d")
                .setDaemon(true)
                .build());
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .executor(executor)
                .protocolNegotiator(new ComposingPlaintextNegotiator())
                .flowControlWindow(FLOW_CONTROL_WINDOW_BYTES)
                .withChildOption(ChannelOption.ALLOCATOR, RpcBuffers.ALLOCATOR)
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES);
        transportFilters.forEach(builder::addTransportFilter);
        for (ServerServiceDefinition service : services) {
            if (token.isPresent()) {
                builder.addService(ServerInterceptors.intercept(service, RpcAuth.serverInterceptor(token.get())));
            }
            else {
                builder.addService(service);
            }
        }
        Server server = builder.build();
        try {
            server.start();
        }
        catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("Cannot bind a gRPC server to " + host + ":" + port, e);
        }
        return new RpcServer(server, executor, host);
    }

    /** The port the server is bound to. */
    public int port() {
        return port;
    }

    public String host() {
        return host;
    }

    /** {@code host:port}, the form clients connect to. */
    public String target() {
        return host + ":" + port;
    }

    /** Stops accepting calls, lets running calls finish for a few seconds, then cancels them. */
    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
                server.awaitTermination(GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        finally {
            executor.shutdownNow();
        }
    }
}
