package io.gfsload.catalog.thrift;

import static java.util.Objects.requireNonNull;

import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.URI;
import org.apache.hadoop.hive.metastore.api.ThriftHiveMetastore;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.server.TServer;
import org.apache.thrift.server.TThreadPoolServer;
import org.apache.thrift.transport.TServerSocket;
import org.apache.thrift.transport.TTransportException;

/**
 * A real Thrift metastore server on loopback that answers one call as a test says, for answers
 * the embedded metastore cannot be made to give; the calls a client makes as it connects and
 * closes are answered, any other fails as unknown. Closing it stops it.
 */
final class StubMetastore implements AutoCloseable {
    /** The answer to a call: its value, or the exception it throws. */
    @FunctionalInterface
    interface Answer {
        Object answer(Object[] arguments) throws Exception;
    }

    private final TServerSocket socket;
    private final TServer server;

    private StubMetastore(TServerSocket socket, TServer server) {
        this.socket = socket;
        this.server = server;
    }

    /** A server answering the Thrift call {@code method} ({@code get_table}) with {@code answer}. */
    static StubMetastore answering(String method, Answer answer) throws TTransportException {
        requireNonNull(method, "method is null");
        requireNonNull(answer, "answer is null");
        ThriftHiveMetastore.Iface metastore = (ThriftHiveMetastore.Iface) Proxy.newProxyInstance(StubMetastore.class.getClassLoader(),
                new Class<?>[] {ThriftHiveMetastore.Iface.class}, (proxy, called, arguments) -> {
                    if (called.getName().equals(method)) {
                        return answer.answer(arguments);
                    }
                    return switch (called.getName()) {
                        // the catalog's first call on a connection
                        case "getMetaConf" -> "";
                        // the client's last call as it closes
                        case "shutdown" -> null;
                        default -> throw new TApplicationException(TApplicationException.UNKNOWN_METHOD, called.getName());
                    };
                });
        TServerSocket socket = new TServerSocket(new InetSocketAddress("127.0.0.1", 0));
        TServer server = new TThreadPoolServer(new TThreadPoolServer.Args(socket).processor(new ThriftHiveMetastore.Processor<>(metastore)));
        Thread serving = new Thread(server::serve, "stub-metastore");
        serving.start();
        return new StubMetastore(socket, server);
    }

    /** The server's address, {@code thrift://127.0.0.1:PORT}. */
    URI uri() {
        return URI.create("thrift://127.0.0.1:" + socket.getServerSocket().getLocalPort());
    }

    @Override
    public void close() {
        server.stop();
        socket.close();
    }
}
