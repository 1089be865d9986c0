package io.gfsload.cache.rpc;

import static java.util.Objects.requireNonNull;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.WriteBufferWaterMark;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Executor;

/** Channels to the master and the workers, configured alike. */
public final class RpcChannels {
    /**
     * Netty's write-buffer water marks of a channel: how many bytes may wait to go out on the
     * connection. HTTP/2 flow control hands a stream's data to the connection only as far as it
     * stays writable, so this caps the size of the DATA frames a block write sends; 2 MiB lets them
     * reach the 1 MiB frames workers accept (Netty's default, 64 KiB, would cap them at 64 KiB).
     */
    static final int WRITE_BUFFER_LOW_BYTES = 1024 * 1024;
    static final int WRITE_BUFFER_HIGH_BYTES = 2 * 1024 * 1024;

    private RpcChannels() {}

    /**
     * A plaintext channel to {@code target} ({@code host:port}) that carries {@code token} on every
     * call when present, runs callbacks on {@code executor} when present, accepts messages up to
     * {@link RpcServer#MAX_INBOUND_MESSAGE_BYTES}, uses the servers' flow-control window, keeps
     * up to {@link #WRITE_BUFFER_HIGH_BYTES} queued for the connection and takes its buffers from
     * {@link RpcBuffers#ALLOCATOR}.
     *
     * <p>Retries are disabled: our callers handle failures themselves, and a channel that never
     * retries serializes each message once, within {@code onNext}, which lets block writers send
     * views of their callers' buffers instead of copies.
     */
    public static ManagedChannel newChannel(String target, Optional<String> token, Optional<Executor> executor) {
        requireNonNull(target, "target is null");
        return configure(NettyChannelBuilder.forTarget(target), token, executor);
    }

    /**
     * A channel as {@link #newChannel} makes, to the server on the Unix domain {@code socket}
     * ({@link DomainSockets}), its connections on {@code loops}, without the TCP options gRPC
     * sets on every connection ({@link DomainSockets#withoutTcpOptions}).
     */
    public static ManagedChannel newDomainSocketChannel(Path socket, DomainSockets.ClientLoops loops, Optional<String> token,
            Optional<Executor> executor) {
        requireNonNull(socket, "socket is null");
        requireNonNull(loops, "loops is null");
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(loops.get());
        DomainSockets.withoutTcpOptions(builder::withOption);
        return configure(builder, token, executor);
    }

    private static ManagedChannel configure(NettyChannelBuilder builder, Optional<String> token, Optional<Executor> executor) {
        requireNonNull(token, "token is null");
        requireNonNull(executor, "executor is null");
        builder.usePlaintext()
                .disableRetry()
                .flowControlWindow(RpcServer.FLOW_CONTROL_WINDOW_BYTES)
                .withOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(WRITE_BUFFER_LOW_BYTES, WRITE_BUFFER_HIGH_BYTES))
                .withOption(ChannelOption.ALLOCATOR, RpcBuffers.ALLOCATOR)
                .maxInboundMessageSize(RpcServer.MAX_INBOUND_MESSAGE_BYTES);
        executor.ifPresent(builder::executor);
        token.ifPresent(value -> builder.intercept(RpcAuth.clientInterceptor(value)));
        return builder.build();
    }
}
