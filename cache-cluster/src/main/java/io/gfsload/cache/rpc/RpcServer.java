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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 *
 * <p>A server may also serve the same services on a Unix domain socket ({@link DomainSockets}),
 * for clients on its host: the kernel moves a byte between two processes there for a fraction of
 * what loopback TCP costs it.
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
    private final Optional<DomainSockets.Listener> domainSocket;
    private final ExecutorService executor;
    private final String host;
    private final int port;

    private RpcServer(Server server, Optional<DomainSockets.Listener> domainSocket, ExecutorService executor, String host) {
        this.server = server;
        this.domainSocket = domainSocket;
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
        return start(threadPrefix, host, port, token, services, transportFilters, Optional.empty());
    }

    /**
     * As {@link #start(String, String, int, Optional, List, List)}; with {@code domainSocketDirectory},
     * the server also serves on a Unix domain socket there, named after its address
     * ({@link DomainSockets#newSocketPath}), when the platform and the directory allow it (else it
     * logs why not and serves on TCP only).
     */
    public static RpcServer start(String threadPrefix, String host, int port, Optional<String> token,
            List<ServerServiceDefinition> services, List<ServerTransportFilter> transportFilters,
            Optional<Path> domainSocketDirectory) {
        requireNonNull(threadPrefix, "threadPrefix is null");
        requireNonNull(host, "host is null");
        requireNonNull(token, "token is null");
        requireNonNull(domainSocketDirectory, "domainSocketDirectory is null");
        ExecutorService executor = Executors.newCachedThreadPool(new ThreadFactoryBuilder()
                .setNameFormat(threadPrefix + "-%d")
                .setDaemon(true)
                .build());
        Server server = configure(NettyServerBuilder.forAddress(new InetSocketAddress(host, port)), executor, token,
                services, transportFilters).build();
        try {
            server.start();
        }
        catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("Cannot bind a gRPC server to " + host + ":" + port, e);
        }
        Optional<DomainSockets.Listener> domainSocket = domainSocketDirectory.flatMap(directory -> DomainSockets.listen(
                DomainSockets.newSocketPath(directory, host, server.getPort()),
                builder -> configure(builder, executor, token, services, transportFilters)));
        return new RpcServer(server, domainSocket, executor, host);
    }

    private static NettyServerBuilder configure(NettyServerBuilder builder, ExecutorService executor, Optional<String> token,
            List<ServerServiceDefinition> services, List<ServerTransportFilter> transportFilters) {
        builder.executor(executor)
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
        return builder;
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

    /** The Unix domain socket the server also serves on, if it does. */
    public Optional<Path> domainSocket() {
        return domainSocket.map(DomainSockets.Listener::path);
    }

    /**
     * Stops accepting calls on TCP and on the domain socket, lets running calls finish for
     * {@link #GRACE} (one deadline for both servers), then cancels those left and waits another
     * {@code GRACE} at most for them to end, and as long again for the threads that run their
     * handlers to return ({@link #callsEnded}): a handler does not see its call cancelled.
     */
    @Override
    public void close() {
        close(GRACE);
    }

    /** As {@link #close()}, waiting {@code grace} at each step. */
    void close(Duration grace) {
        List<Server> servers = new ArrayList<>(2);
        servers.add(server);
        domainSocket.ifPresent(listener -> servers.add(listener.server()));
        servers.forEach(Server::shutdown);
        try {
            if (!awaitTermination(servers, System.nanoTime() + grace.toNanos())) {
                servers.forEach(Server::shutdownNow);
                awaitTermination(servers, System.nanoTime() + grace.toNanos());
            }
        }
        catch (InterruptedException e) {
            servers.forEach(Server::shutdownNow);
            Thread.currentThread().interrupt();
        }
        finally {
            domainSocket.ifPresent(DomainSockets.Listener::close);
            executor.shutdownNow();
        }
        try {
            executor.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Whether no handler of a call runs any more: true once {@link #close()} has returned, unless a
     * handler went on past its grace (one that ignores interrupts, or is in a native call), whose
     * resources the owner must then not release under it.
     */
    public boolean callsEnded() {
        return executor.isTerminated();
    }

    /** Whether every one of {@code servers} terminated by {@code deadlineNanos} ({@link System#nanoTime}). */
    private static boolean awaitTermination(List<Server> servers, long deadlineNanos) throws InterruptedException {
        boolean terminated = true;
        for (Server server : servers) {
            terminated &= server.awaitTermination(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        return terminated;
    }
}
