package io.gfsload.cache.rpc;

import static java.util.Objects.requireNonNull;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * The optional shared-secret token: clients put {@code authorization: Bearer <token>} on every
 * call, servers refuse calls without the right one with {@code UNAUTHENTICATED}.
 *
 * <p>The token travels in clear text, as the servers speak plaintext gRPC: it keeps strangers on
 * a shared network out, it does not protect against someone who can read the traffic.
 */
public final class RpcAuth {
    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String BEARER = "Bearer ";

    private RpcAuth() {}

    /**
     * Checks the form of a token: 16 to 256 printable ASCII characters without spaces.
     *
     * @throws IllegalArgumentException otherwise; the message does not repeat the token
     */
    public static String checkToken(String token) {
        requireNonNull(token, "token is null");
        if (token.length() < 16 || token.length() > 256 || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("token must be 16 to 256 printable ASCII characters without spaces (got "
                    + token.length() + " characters)");
        }
        return token;
    }

    /**
     * {@code settings} as a record writes itself ({@code MasterConfig[host=127.0.0.1, port=0, ...]}),
     * with its {@code Optional<String> token} shown as {@code <hidden>} (or {@code none}): for the
     * {@code toString} of settings that hold the token, which may end up in a log or a message.
     */
    public static String describeWithoutToken(Record settings) {
        StringJoiner fields = new StringJoiner(", ", settings.getClass().getSimpleName() + "[", "]");
        for (RecordComponent component : settings.getClass().getRecordComponents()) {
            Object value;
            try {
                value = component.getAccessor().invoke(settings);
            }
            catch (ReflectiveOperationException e) {
                throw new IllegalStateException("Cannot read " + component.getName() + " of " + settings.getClass().getSimpleName(), e);
            }
            if (component.getName().equals("token") && value instanceof Optional<?> token) {
                value = token.isPresent() ? "<hidden>" : "none";
            }
            else if (component.getName().equals("ufsProperties") && value instanceof Map<?, ?> properties) {
                // store credentials among them: the keys only
                value = new java.util.TreeSet<>(properties.keySet().stream().map(String::valueOf).toList());
            }
            fields.add(component.getName() + "=" + value);
        }
        return fields.toString();
    }

    /** Adds the token to every call of a channel. */
    public static ClientInterceptor clientInterceptor(String token) {
        String header = BEARER + checkToken(token);
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        headers.put(AUTHORIZATION, header);
                        super.start(listener, headers);
                    }
                };
            }
        };
    }

    /** Refuses every call that does not carry the token, comparing in constant time. */
    public static ServerInterceptor serverInterceptor(String token) {
        byte[] expected = (BEARER + checkToken(token)).getBytes(StandardCharsets.US_ASCII);
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                String presented = headers.get(AUTHORIZATION);
                byte[] actual = presented == null ? new byte[0] : presented.getBytes(StandardCharsets.US_ASCII);
                if (!MessageDigest.isEqual(expected, actual)) {
                    call.close(Status.UNAUTHENTICATED.withDescription(presented == null
                            ? "the call carries no token" : "the call's token is wrong"), new Metadata());
                    return new ServerCall.Listener<>() {};
                }
                return next.startCall(call, headers);
            }
        };
    }
}
