package io.gfsload.cache.rpc;

import static java.util.Objects.requireNonNull;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Optional;
import java.util.concurrent.Executor;

/** Channels to the master and the workers, configured alike. */
public final class RpcChannels {
    private RpcChannels() {}

    /**
     * A plaintext channel to {@code target} ({@code host:port}) that carries {@code token} on every
     * call when present, runs callbacks on {@code executor} when present, accepts messages up to
     * {@link RpcServer#MAX_INBOUND_MESSAGE_BYTES} and uses the servers' flow-control window.
     *
     * <p>Retries are disabled: our callers handle failures themselves, and a channel that never
     * retries serializes each message once, within {@code onNext}, which lets block writers send
     * views of their callers' buffers instead of copies.
     */
    public static ManagedChannel newChannel(String target, Optional<String> token, Optional<Executor> executor) {
        requireNonNull(target, "target is null");
        requireNonNull(token, "token is null");
        requireNonNull(executor, "executor is null");
        NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target)
                .usePlaintext()
                .disableRetry()
                .flowControlWindow(RpcServer.FLOW_CONTROL_WINDOW_BYTES)
                .maxInboundMessageSize(RpcServer.MAX_INBOUND_MESSAGE_BYTES);
        executor.ifPresent(builder::executor);
        token.ifPresent(value -> builder.intercept(RpcAuth.clientInterceptor(value)));
        return builder.build();
    }
}
