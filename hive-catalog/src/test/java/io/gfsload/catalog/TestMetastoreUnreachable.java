package io.gfsload.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import org.junit.jupiter.api.Test;

class TestMetastoreUnreachable {
    @Test
    void aMetastoreThatRefusesConnectionsIsReportedInOneLine() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        URI uri = URI.create("thrift://127.0.0.1:" + port);

        MetastoreUnavailableException e = assertThrows(MetastoreUnavailableException.class, () -> ThriftHiveCatalog.connect(uri));

        assertEquals(1, e.getMessage().lines().count(), "Hive's client puts a stack trace into its message:\n" + e.getMessage());
        assertTrue(e.getMessage().startsWith("Cannot connect to the metastore at " + uri + ": "), e.getMessage());
        assertTrue(e.getMessage().endsWith("Connection refused"), e.getMessage());
    }
}
