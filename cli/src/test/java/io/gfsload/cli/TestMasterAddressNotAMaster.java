package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A {@code --master} that answers, but not as a gfsload cache master, or is no address, is one line naming the address and what it means. */
class TestMasterAddressNotAMaster {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    @Test
    void anHttpServerIsAWrongAddress() throws Exception {
        Path data = Files.createDirectories(home.resolve("data"));
        Files.write(data.resolve("part-0"), new byte[1_000]);
        // a plain HTTP/1.1 server: it answers gRPC's HTTP/2 preface with HTTP/1.1
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] page = "<html>not found</html>".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(404, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        server.start();
        try {
            String master = "127.0.0.1:" + server.getAddress().getPort();
            CliRun run = CliRun.gfsload(home, "distributedLoad", "--json", "--progress", "none", "--master", master, data.toString());

            String expected = master + " does not answer as a gfsload cache master (it speaks HTTP, not gfsload's gRPC services): check --master";
            assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
            assertEquals(List.of("gfsload: " + expected), run.err().lines().toList());
            JsonNode report = JSON.readTree(run.out());
            assertEquals(expected, report.path("error").asText());
            assertEquals(ExitCode.USAGE, report.path("exitCode").asInt());
        }
        finally {
            server.stop(0);
        }
    }

    @Test
    void anHttpServerThatTakesThePrefaceForHttp09IsAWrongAddress() throws Exception {
        Path data = Files.createDirectories(home.resolve("data"));
        Files.write(data.resolve("part-0"), new byte[1_000]);
        // as `python3 -m http.server` answers gRPC's HTTP/2 preface ("PRI * HTTP/2.0"): a 505 error page, as to an HTTP/0.9
        // request, without a status line or headers, then the connection closed
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread answering = new Thread(() -> {
                while (!server.isClosed()) {
                    try (java.net.Socket socket = server.accept()) {
                        java.io.InputStream in = socket.getInputStream();
                        for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
                            // the request line
                        }
                        String page = "<!DOCTYPE HTML>\n<html lang=\"en\">\n<head><title>Error response</title></head>\n"
                                + "<body><h1>Error response</h1><p>Error code: 505</p><p>Message: Invalid HTTP version (2.0).</p></body>\n</html>\n";
                        socket.getOutputStream().write(page.getBytes(StandardCharsets.UTF_8));
                        socket.shutdownOutput();
                        // read what the client sent until it closes, so that closing does not reset the connection
                        socket.setSoTimeout(5_000);
                        while (in.read(new byte[4096]) != -1) {
                            // drained
                        }
                    }
                    catch (java.io.IOException e) {
                        // closed, or the client went away
                    }
                }
            }, "http-server");
            answering.setDaemon(true);
            answering.start();
            String master = "127.0.0.1:" + server.getLocalPort();
            CliRun run = CliRun.gfsload(home, "plan", "--json", "--master", master, "--path", data.toString());

            String expected = master + " does not answer as a gfsload cache master (it speaks HTTP, not gfsload's gRPC services): check --master";
            assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
            assertEquals(List.of("gfsload: " + expected), run.err().lines().toList());
            assertEquals(expected, JSON.readTree(run.out()).path("error").asText());
        }
    }

    @Test
    void aCacheWorkersAddressIsAWrongAddress() throws Exception {
        Path data = Files.createDirectories(home.resolve("data"));
        Files.write(data.resolve("part-0"), new byte[1_000]);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(home.resolve("cluster"), 1, 64L << 20));
                CacheClient client = cluster.newClient()) {
            WorkerInfo worker = client.clusterInfo().liveWorkers().get(0);
            String master = worker.host() + ":" + worker.port();
            CliRun run = CliRun.gfsload(home, "plan", "--json", "--master", master, "--path", data.toString());

            String expected = master + " does not answer as a gfsload cache master (it answers gRPC without the master's service: a cache worker's "
                    + "address, or another gRPC service): check --master";
            assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
            assertEquals(List.of("gfsload: " + expected), run.err().lines().toList());
            assertEquals(expected, JSON.readTree(run.out()).path("error").asText());
        }
    }

    @Test
    void portZeroIsNoMasterAddress() {
        CliRun run = CliRun.gfsload(home, "status", "--master", "127.0.0.1:0", "--path", home.toString());

        assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
        assertEquals(List.of("gfsload: Invalid --master '127.0.0.1:0': expected HOST:PORT"), run.err().lines().toList());
    }

    @Test
    void aServerThatTakesTheConnectionAndSaysNothingDidNotAnswer() throws Exception {
        Path data = Files.createDirectories(home.resolve("data"));
        Files.write(data.resolve("part-0"), new byte[1_000]);
        try (SilentServer silent = new SilentServer()) {
            String master = silent.address();
            long started = System.nanoTime();
            CliRun run = CliRun.gfsload(home, "plan", "--json", "--master", master, "--path", data.toString());

            String expected = "The cache master at " + master + " did not answer within 30 s";
            assertEquals(ExitCode.FAILED, run.exitCode(), run.err());
            assertEquals(List.of("gfsload: " + expected), run.err().lines().toList());
            assertEquals(expected, JSON.readTree(run.out()).path("error").asText());
            assertTrue(System.nanoTime() - started >= 29_000_000_000L, "the call's deadline was waited for");
        }
    }
}
