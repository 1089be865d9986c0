package io.gfsload.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
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

        assertEquals("Cannot reach the metastore at " + uri + ": connection refused", e.getMessage(),
                "one line without the types of Hive's client, which puts a stack trace into its message");
    }

    @Test
    void aMetastoreUriWithCredentialsIsRefusedWithoutRepeatingThem() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> ThriftHiveCatalog.connect(URI.create("thrift://u:SUPERSECRET123@127.0.0.1:1")));

        assertEquals("Invalid metastore URI: credentials are not accepted in a metastore address (thrift://<hidden>@...): expected thrift://host:port", e.getMessage());
    }

    @Test
    void aPortOutOfRangeIsBadInputNotAnUnreachableMetastore() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> ThriftHiveCatalog.connect(URI.create("thrift://127.0.0.1:99999")));

        assertEquals("Invalid metastore URI 'thrift://127.0.0.1:99999': the port 99999 is out of range (1 to 65535)", e.getMessage());
    }

    @Test
    void aMetastoreHostThatDoesNotResolveIsReportedInOneLine() {
        URI uri = URI.create("thrift://nohost.invalid:9083");

        MetastoreUnavailableException e = assertThrows(MetastoreUnavailableException.class, () -> ThriftHiveCatalog.connect(uri));

        assertEquals("Cannot reach the metastore at " + uri + ": unknown host nohost.invalid", e.getMessage());
    }

    @Test
    void everyMetastoreOfAListIsTriedAndTheErrorSaysWhyEachCouldNotBeReached() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        URI unknown = URI.create("thrift://nohost.invalid:9083");
        URI refused = URI.create("thrift://127.0.0.1:" + port);

        MetastoreUnavailableException e = assertThrows(MetastoreUnavailableException.class, () -> ThriftHiveCatalog.connect(List.of(unknown, refused)));

        assertEquals("Cannot reach the metastore at %s: unknown host nohost.invalid; at %s: connection refused".formatted(unknown, refused), e.getMessage());
    }

    @Test
    void credentialsAnywhereInAListAreRefusedBeforeAnyMetastoreIsTried() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> ThriftHiveCatalog.connect(List.of(URI.create("thrift://nohost.invalid:9083"), URI.create("thrift://u:SUPERSECRET123@127.0.0.1:1"))));

        assertEquals("Invalid metastore URI: credentials are not accepted in a metastore address (thrift://<hidden>@...): expected thrift://host:port", e.getMessage());
    }
}
