package io.gfsload.cache.rpc;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.gfsload.cache.api.FileErrors;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * gRPC over Unix domain sockets, between a client and a worker on the same host.
 *
 * <p>Over loopback TCP the kernel runs every byte through its TCP stack twice, once to send and
 * once to receive; over a domain socket it copies the bytes from one process to the other and
 * little else. A worker serves the same services, with the same settings, token and connection
 * watch, on a socket {@link #socketPath named after its TCP address}, which it advertises to the
 * master; a client on the worker's host connects to that socket instead of the TCP port when it
 * can. Only on Linux (Netty's epoll transport); elsewhere everything goes over TCP.
 *
 * <p>The socket file is made writable by every user, as the TCP port is reachable by every user:
 * what guards the calls is the same token. Clients that run in another container share the
 * socket's directory to use it; without it they use TCP.
 */
public final class DomainSockets {
    private static final Logger log = LoggerFactory.getLogger(DomainSockets.class);
    /** The longest socket path Linux takes ({@code sun_path} is 108 bytes, with its terminating NUL). */
    static final int MAX_PATH_BYTES = 107;
    private static final int STOP_SECONDS = 5;

    private DomainSockets() {}

    /** Whether this platform has domain sockets for gRPC (Linux with Netty's native epoll transport). */
    public static boolean available() {
        return Epoll.isAvailable();
    }

    /**
     * The socket of the server at {@code host:port} in {@code directory}: {@code
     * gfsload-<host>-<port>.sock}, so that the servers of one host, whose TCP addresses differ,
     * never share a socket.
     */
    public static Path socketPath(Path directory, String host, int port) {
        requireNonNull(directory, "directory is null");
        requireNonNull(host, "host is null");
        return directory.toAbsolutePath().resolve("gfsload-" + host.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + port + ".sock");
    }

    /**
     * Whether a client of this process may connect to {@code socket}: the platform has domain
     * sockets and the socket exists here, is no regular file or directory, and is writable (what
     * connecting to a socket takes).
     */
    public static boolean connectable(Path socket) {
        return available() && Files.exists(socket) && !Files.isRegularFile(socket) && !Files.isDirectory(socket)
                && Files.isWritable(socket);
    }

    /**
     * Serves on {@code socket} a server that {@code configure} sets up as the TCP one. Replaces a
     * socket left there by a server that is gone, never a file of another kind.
     *
     * @return the listener, or empty, logged with the reason, when it cannot serve there
     */
    static Optional<Listener> listen(Path socket, UnaryOperator<NettyServerBuilder> configure) {
        if (!available()) {
            log.info("Serving on TCP only: no domain sockets on this platform ({})", Epoll.unavailabilityCause().toString());
            return Optional.empty();
        }
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            log.warn("Serving on TCP only: the domain socket {} would be longer than the {} bytes the system allows; "
                    + "set a shorter directory", socket, MAX_PATH_BYTES);
            return Optional.empty();
        }
        EventLoopGroup boss = new EpollEventLoopGroup(1, threads("gfsload-uds-accept-%d"));
        EventLoopGroup workers = new EpollEventLoopGroup(0, threads("gfsload-uds-%d"));
        try {
            Files.createDirectories(socket.getParent());
            if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                if (Files.isRegularFile(socket, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(socket, LinkOption.NOFOLLOW_LINKS)
                        || Files.isSymbolicLink(socket)) {
                    throw new IOException("a file that is no socket is in the way");
                }
                // The TCP port is this server's now, so whatever served on this socket before is gone.
                Files.delete(socket);
            }
            Server server = configure.apply(NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .channelType(EpollServerDomainSocketChannel.class)
                    .bossEventLoopGroup(boss)
                    .workerEventLoopGroup(workers))
                    .build()
                    .start();
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            return Optional.of(new Listener(socket, server, boss, workers));
        }
        catch (IOException e) {
            return unavailable(socket, FileErrors.reason(e), boss, workers);
        }
        catch (RuntimeException e) {
            return unavailable(socket, e.toString(), boss, workers);
        }
    }

    private static Optional<Listener> unavailable(Path socket, String reason, EventLoopGroup boss, EventLoopGroup workers) {
        log.warn("Serving on TCP only: cannot serve on the domain socket {}: {}", socket, reason);
        stop(boss);
        stop(workers);
        return Optional.empty();
    }

    /** Stops {@code loops} at once (nothing runs on them any more) and waits a few seconds for their threads to end. */
    private static void stop(EventLoopGroup loops) {
        loops.shutdownGracefully(0, STOP_SECONDS, TimeUnit.SECONDS).awaitUninterruptibly(STOP_SECONDS, TimeUnit.SECONDS);
    }

    private static ThreadFactory threads(String nameFormat) {
        return new ThreadFactoryBuilder().setNameFormat(nameFormat).setDaemon(true).build();
    }

    /** A server on a domain socket, with the event loops it owns. */
    record Listener(Path path, Server server, EventLoopGroup boss, EventLoopGroup workers) {
        Listener {
            requireNonNull(path, "path is null");
            requireNonNull(server, "server is null");
            requireNonNull(boss, "boss is null");
            requireNonNull(workers, "workers is null");
        }

        /** Stops the event loops and removes the socket file; the server is shut down first. */
        void close() {
            stop(boss);
            stop(workers);
            try {
                Files.deleteIfExists(path);
            }
            catch (IOException e) {
                log.warn("Cannot remove the domain socket {}: {}", path, FileErrors.reason(e));
            }
        }
    }

    /**
     * The event loops of a client's domain-socket connections, created when its first such
     * connection is made; {@link #close} stops them, after the client's channels. Thread-safe.
     */
    public static final class ClientLoops implements AutoCloseable {
        private EventLoopGroup loops;
        private boolean closed;

        synchronized EventLoopGroup get() {
            if (closed) {
                throw new IllegalStateException("the domain-socket event loops are closed");
            }
            if (loops == null) {
                loops = new EpollEventLoopGroup(0, threads("gfsload-uds-client-%d"));
            }
            return loops;
        }

        @Override
        public void close() {
            EventLoopGroup created;
            synchronized (this) {
                closed = true;
                created = loops;
            }
            if (created != null) {
                stop(created);
            }
        }
    }
}
