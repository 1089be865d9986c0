package io.gfsload.cache.rpc;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.gfsload.cache.api.Counts;
import io.gfsload.cache.api.FileErrors;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
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
    /** The most sockets of a directory {@link #sweep} looks at. */
    static final int SWEEP_LIMIT = 1_000;
    private static final Pattern SOCKET_NAME = Pattern.compile("gfsload-.+-\\d{1,5}-[0-9a-f]{16}\\.sock");
    /** How old a socket is at least before {@link #sweep} may find it gone. */
    public static final Duration SWEEP_MIN_AGE = Duration.ofSeconds(10);
    private static final Pattern NONCE = Pattern.compile("[0-9a-f]{16}\\.sock");
    private static final SecureRandom RANDOM = new SecureRandom();

    private DomainSockets() {}

    /** Whether this platform has domain sockets for gRPC (Linux with Netty's native epoll transport). */
    public static boolean available() {
        return Epoll.isAvailable();
    }

    /**
     * A new socket path for the server at {@code host:port} in {@code directory}: {@code
     * gfsload-<host>-<port>-<16 random hex digits>.sock}. Named after the address, so that a
     * client can tell it is the socket of the worker it means and the sockets of killed servers
     * can be found ({@link #sweep}); random, so that two servers never share one, not even servers
     * of two network namespaces (two containers) with the same address that share the directory.
     */
    public static Path newSocketPath(Path directory, String host, int port) {
        requireNonNull(directory, "directory is null");
        byte[] nonce = new byte[8];
        RANDOM.nextBytes(nonce);
        return directory.toAbsolutePath().resolve(namePrefix(host, port) + HexFormat.of().formatHex(nonce) + ".sock");
    }

    /** {@code gfsload-<host>-<port>-}, how the socket names of the server at {@code host:port} start. */
    private static String namePrefix(String host, int port) {
        requireNonNull(host, "host is null");
        return "gfsload-" + host.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + port + "-";
    }

    /**
     * Whether {@code socket} is a path a server at {@code host:port} may serve on: absolute,
     * normalized, named as {@link #newSocketPath} names that address's sockets. A client connects
     * to no other socket a master names, so that a master cannot send it to any local socket.
     */
    public static boolean isSocketOf(String socket, String host, int port) {
        requireNonNull(socket, "socket is null");
        try {
            Path path = Path.of(socket);
            if (!path.isAbsolute() || path.getFileName() == null || !path.normalize().equals(path)) {
                return false;
            }
            String name = path.getFileName().toString();
            String prefix = namePrefix(host, port);
            return name.startsWith(prefix) && NONCE.matcher(name.substring(prefix.length())).matches();
        }
        catch (InvalidPathException e) {
            return false;
        }
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
     * Takes back, through {@code option} ({@code NettyChannelBuilder::withOption} for a client,
     * {@code NettyServerBuilder::withChildOption} for the server's connections), the TCP option
     * gRPC sets on every connection it makes or accepts: {@code SO_KEEPALIVE}, which a domain
     * socket does not have, and for which Netty would log a warning ({@code Unknown channel option
     * 'SO_KEEPALIVE'}) at each connection. An option given no value is one Netty does not set; gRPC
     * applies the builder's options after its own.
     */
    static void withoutTcpOptions(BiConsumer<ChannelOption<Boolean>, Boolean> option) {
        option.accept(ChannelOption.SO_KEEPALIVE, null);
    }

    /**
     * Serves on {@code socket} ({@link #newSocketPath}) a server that {@code configure} sets up as
     * the TCP one; first removes the sockets of servers that are gone from
     * the directory ({@link #sweep}).
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
        Server server = null;
        try {
            Files.createDirectories(socket.getParent());
            sweep(socket.getParent());
            if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("a file is in the way");
            }
            NettyServerBuilder builder = configure.apply(NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .channelType(EpollServerDomainSocketChannel.class)
                    .bossEventLoopGroup(boss)
                    .workerEventLoopGroup(workers));
            withoutTcpOptions(builder::withChildOption);
            server = builder.build().start();
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            return Optional.of(new Listener(socket, fileIdentity(socket), server, boss, workers));
        }
        catch (IOException e) {
            // gRPC's bind failure says only "Failed to bind to address ...": its cause says why
            String reason = FileErrors.reason(e) + (e.getCause() != null && e.getCause().getMessage() != null ? ": " + e.getCause().getMessage() : "");
            return unavailable(socket, reason, server, boss, workers);
        }
        catch (RuntimeException e) {
            return unavailable(socket, e.toString(), server, boss, workers);
        }
    }

    private static Optional<Listener> unavailable(Path socket, String reason, Server started, EventLoopGroup boss, EventLoopGroup workers) {
        log.warn("Serving on TCP only: cannot serve on the domain socket {}: {}", socket, reason);
        if (started != null) {
            started.shutdownNow();
            try {
                Files.deleteIfExists(socket);
            }
            catch (IOException e) {
                log.warn("Cannot remove the domain socket {}: {}", socket, FileErrors.reason(e));
            }
        }
        stop(boss);
        stop(workers);
        return Optional.empty();
    }

    /**
     * Removes from {@code directory} the sockets of gfsload servers that are gone (a killed
     * worker's), at most {@link #SWEEP_LIMIT} of them: a {@code gfsload-<host>-<port>-<nonce>.sock}
     * older than {@link #SWEEP_MIN_AGE} on which a connection is refused. Nothing else is asked of
     * a live server (no port of it is taken, not even for a moment: its own start may need it); the
     * age leaves alone a socket a server has bound and not yet listens on. Sockets it may not remove
     * (another user's) stay.
     */
    static void sweep(Path directory) {
        int removed = 0;
        try (DirectoryStream<Path> sockets = Files.newDirectoryStream(directory, "gfsload-*.sock")) {
            int seen = 0;
            for (Path socket : sockets) {
                if (++seen > SWEEP_LIMIT) {
                    break;
                }
                if (removeIfGone(socket)) {
                    removed++;
                }
            }
        }
        catch (IOException | RuntimeException e) {
            log.debug("Cannot look for the sockets of servers that are gone in {}: {}", directory, e.toString());
        }
        if (removed > 0) {
            log.info("Removed {} of gfsload servers that are gone from {}", Counts.of(removed, "domain socket"), directory);
        }
    }

    private static boolean removeIfGone(Path socket) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!SOCKET_NAME.matcher(socket.getFileName().toString()).matches() || !attributes.isOther()
                    || attributes.lastModifiedTime().toInstant().isAfter(Instant.now().minus(SWEEP_MIN_AGE))) {
                return false;
            }
            return !listening(socket) && Files.deleteIfExists(socket);
        }
        catch (IOException | RuntimeException e) {
            // gone meanwhile, or another user's
            return false;
        }
    }

    /**
     * What tells a socket file from one made later at the same path: its inode, which a new file
     * may reuse at once, and the time of its inode's last change, to the nanosecond.
     */
    private static List<Object> fileIdentity(Path socket) throws IOException {
        Object inode = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        return Arrays.asList(inode, Files.getAttribute(socket, "unix:ctime", LinkOption.NOFOLLOW_LINKS));
    }

    /**
     * Whether a server listens on {@code socket}: a connection is made or pending (its backlog is
     * full), without waiting for it to be accepted.
     */
    private static boolean listening(Path socket) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.configureBlocking(false);
            probe.connect(UnixDomainSocketAddress.of(socket));
            return true;
        }
        catch (IOException e) {
            // refused: nothing listens; or not a socket at all
            return false;
        }
    }

    /** Stops {@code loops} at once (nothing runs on them any more) and waits a few seconds for their threads to end. */
    private static void stop(EventLoopGroup loops) {
        loops.shutdownGracefully(0, STOP_SECONDS, TimeUnit.SECONDS).awaitUninterruptibly(STOP_SECONDS, TimeUnit.SECONDS);
    }

    private static ThreadFactory threads(String nameFormat) {
        return new ThreadFactoryBuilder().setNameFormat(nameFormat).setDaemon(true).build();
    }

    /**
     * A server on a domain socket, with the event loops it owns; {@code identity} tells its socket
     * file from one a later server made at the same path.
     */
    record Listener(Path path, List<Object> identity, Server server, EventLoopGroup boss, EventLoopGroup workers) {
        Listener {
            requireNonNull(path, "path is null");
            requireNonNull(identity, "identity is null");
            requireNonNull(server, "server is null");
            requireNonNull(boss, "boss is null");
            requireNonNull(workers, "workers is null");
        }

        /**
         * Stops the event loops and removes the socket file, unless another server (a worker
         * started again on the same address meanwhile) made the file now at its path; the server
         * is shut down first.
         */
        void close() {
            stop(boss);
            stop(workers);
            try {
                if (identity.equals(fileIdentity(path))) {
                    Files.deleteIfExists(path);
                }
            }
            catch (NoSuchFileException e) {
                // removed already
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
