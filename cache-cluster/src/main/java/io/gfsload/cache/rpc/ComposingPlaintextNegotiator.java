package io.gfsload.cache.rpc;

import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.handler.codec.ByteToMessageDecoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Settings;
import io.grpc.netty.shaded.io.netty.util.AsciiString;

/**
 * The plaintext negotiation of a server, with each connection set up to take large data streams
 * (block writes) with less work per byte: bytes read from the socket are chained instead of
 * copied, and clients may send larger HTTP/2 frames.
 *
 * <p>An HTTP/2 frame rarely ends where a socket read does, so the decoder keeps the start of a
 * frame and waits for the next read. Netty's default then copies that whole next read behind the
 * kept bytes ({@code MERGE_CUMULATOR}): every byte of a block write would be copied once more on
 * the worker, between the socket and the data message. With {@code COMPOSITE_CUMULATOR} the reads
 * are chained instead, and the data frames (and so the messages the worker's zero-copy parser
 * builds) are views of the buffers the socket was read into. grpc-java sets no cumulator of its own
 * (it disabled its adaptive one), so this changes how the bytes are held, not what is decoded.
 *
 * <p>Right after grpc-java's own SETTINGS frame, the server sends a second one that raises
 * {@code SETTINGS_MAX_FRAME_SIZE} from HTTP/2's default of 16 KiB to {@link #MAX_FRAME_BYTES}, so
 * that a client sends a data message (2 MiB by default) in 1 MiB DATA frames rather than 16 KiB
 * ones, each of which costs the event loops of both sides a frame's bookkeeping. The flow-control
 * window still bounds what a stream may have in flight. A peer applies settings in the order
 * they arrive (RFC 9113, 6.5.3), and the server accepts the larger frames once the client
 * acknowledged them.
 *
 * <p>Uses grpc-java's {@code Internal*} negotiation API, the only hook to the connection handler.
 */
final class ComposingPlaintextNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
    /** Largest HTTP/2 frame the server accepts, and so the largest a client sends it. */
    static final int MAX_FRAME_BYTES = 1024 * 1024;

    private final InternalProtocolNegotiator.ProtocolNegotiator plaintext = InternalProtocolNegotiators.serverPlaintext();

    @Override
    public AsciiString scheme() {
        return plaintext.scheme();
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        grpcHandler.setCumulator(ByteToMessageDecoder.COMPOSITE_CUMULATOR);
        return new LargeFrameSettings(plaintext.newHandler(grpcHandler), grpcHandler);
    }

    @Override
    public void close() {
        plaintext.close();
    }

    /**
     * Puts the negotiation handler behind itself and, once the negotiation has installed the
     * gRPC handler (which sent its SETTINGS preface then), sends the larger frame size and leaves
     * the pipeline. Runs on the connection's event loop, as all handlers do.
     */
    private static final class LargeFrameSettings extends ChannelInboundHandlerAdapter {
        private final ChannelHandler negotiation;
        private final GrpcHttp2ConnectionHandler grpcHandler;

        LargeFrameSettings(ChannelHandler negotiation, GrpcHttp2ConnectionHandler grpcHandler) {
            this.negotiation = negotiation;
            this.grpcHandler = grpcHandler;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.pipeline().addAfter(ctx.name(), null, negotiation);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.fireChannelActive();
            sendOnceNegotiated(ctx);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            ctx.fireUserEventTriggered(event);
            sendOnceNegotiated(ctx);
        }

        private void sendOnceNegotiated(ChannelHandlerContext ctx) {
            ChannelHandlerContext grpcContext = ctx.pipeline().context(grpcHandler);
            if (grpcContext == null || !ctx.channel().isActive() || ctx.isRemoved()) {
                return;
            }
            ctx.pipeline().remove(this);
            grpcHandler.encoder().writeSettings(grpcContext, new Http2Settings().maxFrameSize(MAX_FRAME_BYTES),
                    grpcContext.newPromise());
            grpcContext.flush();
        }
    }
}
