package io.gfsload.cache.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockNotFoundException;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CacheUnavailableException;
import io.gfsload.cache.api.NotEnoughWorkersException;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

class RpcErrorsTest {
    @Test
    void tellsAnHttpServerFromAGrpcServerThatRefusesTheCall() {
        // an HTTP/2 server's error page, as grpc-java reports it
        assertTrue(RpcErrors.answeredHttpNotGrpc(RpcErrors.status(Status.Code.UNIMPLEMENTED,
                "HTTP status code 404\nmissing content-type in response headers\ntrailers: Metadata(:status=404)")));
        assertTrue(RpcErrors.answeredHttpNotGrpc(RpcErrors.status(Status.Code.UNKNOWN, "invalid content-type: text/html")));
        // an HTTP/1.1 server's answer to the HTTP/2 preface
        assertTrue(RpcErrors.answeredHttpNotGrpc(Status.INTERNAL.withDescription("http2 exception")
                .withCause(new IllegalStateException("First received frame was not SETTINGS. Hex dump for first 5 bytes: 485454502f")).asRuntimeException()));
        // an HTTP server that takes the preface for an HTTP/0.9 request: its error page alone, "<!DOC..."
        assertTrue(RpcErrors.answeredHttpNotGrpc(Status.INTERNAL.withDescription("http2 exception")
                .withCause(new IllegalStateException("First received frame was not SETTINGS. Hex dump for first 5 bytes: 3c21444f43")).asRuntimeException()));
        // an answer that is neither an HTTP status line nor a page is not said to be HTTP
        assertFalse(RpcErrors.answeredHttpNotGrpc(Status.INTERNAL.withDescription("http2 exception")
                .withCause(new IllegalStateException("First received frame was not SETTINGS. Hex dump for first 5 bytes: 0000000000")).asRuntimeException()));
        // a gRPC proxy whose backend is down may be back; a gRPC server without the method is a gRPC server
        assertFalse(RpcErrors.answeredHttpNotGrpc(RpcErrors.status(Status.Code.UNAVAILABLE, "HTTP status code 503")));
        assertFalse(RpcErrors.answeredHttpNotGrpc(RpcErrors.status(Status.Code.UNIMPLEMENTED, "Method not found: gfsload.Master/GetClusterInfo")));
        assertFalse(RpcErrors.answeredHttpNotGrpc(RpcErrors.status(Status.Code.UNAVAILABLE, "io exception")));
    }

    @Test
    void mapsStatusesToApiExceptionsNamingTheAction() {
        assertMaps(CacheUnavailableException.class, "Reading x failed: connection refused (UNAVAILABLE)",
                RpcErrors.status(Status.Code.UNAVAILABLE, "connection refused"));
        assertMaps(CacheUnavailableException.class, "Reading x failed: too slow (DEADLINE_EXCEEDED)",
                RpcErrors.status(Status.Code.DEADLINE_EXCEEDED, "too slow"));
        assertMaps(BlockNotFoundException.class, "Reading x failed: no such block (NOT_FOUND)",
                RpcErrors.status(Status.Code.NOT_FOUND, "no such block"));
        assertMaps(NotEnoughWorkersException.class, "Reading x failed: only 1 of 2 (FAILED_PRECONDITION)",
                RpcErrors.notEnoughWorkers("only 1 of 2"));
        assertMaps(CacheException.class, "Reading x failed: not registered (FAILED_PRECONDITION)",
                RpcErrors.status(Status.Code.FAILED_PRECONDITION, "not registered"));
        assertMaps(CacheException.class, "Reading x failed: bad crc (DATA_LOSS)",
                RpcErrors.status(Status.Code.DATA_LOSS, "bad crc"));
        assertMaps(CacheException.class, "Reading x failed: java.lang.IllegalStateException: boom",
                new IllegalStateException("boom"));
    }

    @Test
    void convertsChecksumsBetweenWireAndUnsignedValues() {
        assertEquals(0xFFFF_FFFFL, ProtoConversions.crcFromWire(ProtoConversions.crcToWire(0xFFFF_FFFFL)));
        assertEquals(-1, ProtoConversions.crcToWire(0xFFFF_FFFFL));
        assertEquals("0x0000002a", ProtoConversions.formatCrc(42));
    }

    private static void assertMaps(Class<? extends CacheException> type, String message, Throwable failure) {
        CacheException e = RpcErrors.toCacheException("Reading x", failure);
        assertSame(type, e.getClass());
        assertEquals(message, e.getMessage());
        assertSame(failure, e.getCause());
    }
}
