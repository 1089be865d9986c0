package io.gfsload.cache.client;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static io.gfsload.cache.testing.TestData.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.rpc.DomainSockets;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client closed while another thread opens a reader or a writer to a worker over its domain
 * socket: that thread's call fails as every call of a closed client does, with a
 * {@link CacheException} that says the client is closed, and no channel is left open.
 */
class ClientClosedDuringUseTest {
    private static final FileIdentity FILE = new FileIdentity("s3a://bucket/t/part-0", 8 * MIB, 3);
    /** Below the short-circuit threshold: streamed to the worker, over its domain socket. */
    private static final int BLOCK = 200_000;

    @TempDir
    static Path directory;

    private static LocalCluster cluster;
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() {
        assumeTrue(DomainSockets.available(), "domain sockets need Netty's epoll transport (Linux)");
        cluster = LocalCluster.start(LocalClusterConfig.builder(directory).workers(1).workerCapacityBytes(16 * MIB).build());
        try (CacheClient client = cluster.newClient()) {
            write(client, 0);
        }
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    private static void write(CacheClient client, int index) {
        byte[] data = randomBytes(BLOCK, index);
        try (BlockWriter writer = client.openWriter(new BlockKey(FILE, index), data.length, 1)) {
            writer.write(data, 0, data.length);
            writer.commit();
        }
    }

    private static GrpcCacheClient client(GrpcCacheClient.HostResolver resolver) {
        return GrpcCacheClient.connect(cluster.masterTarget(), ClientConfig.defaults().withShortCircuitWrites(false), resolver);
    }

    private static void assertClosed(Throwable failure) {
        assertNotNull(failure);
        assertEquals(CacheException.class, failure.getClass(), () -> "the failure of a call of a closed client: " + failure);
        assertEquals("The cache client of master " + cluster.masterTarget() + " is closed", failure.getMessage());
    }

    @Test
    void aWorkersDomainSocketChannelMadeWhileTheClientClosesFailsAsAClosedClientsCall() throws Exception {
        CountDownLatch resolving = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        // the worker's host is resolved as its first channel is made: the client closes meanwhile
        GrpcCacheClient client = client(host -> {
            resolving.countDown();
            try {
                closed.await();
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UnknownHostException(host + ": interrupted");
            }
            return InetAddress.getLoopbackAddress();
        });
        Future<Throwable> writer = threads.submit(() -> {
            try {
                write(client, 1);
                return null;
            }
            catch (RuntimeException e) {
                return e;
            }
        });
        resolving.await();
        client.close();
        closed.countDown();

        assertClosed(writer.get());
        assertTrue(client.channelsShutDown(), "no channel left open");
    }

    @Test
    void readersAndWritersOpenedWhileTheClientClosesFailAsAClosedClientsCalls() throws Exception {
        for (int round = 0; round < 40; round++) {
            GrpcCacheClient client = client(GrpcCacheClient.HostResolver.SYSTEM);
            boolean reads = round % 2 == 0;
            int index = 2 + round;
            CountDownLatch started = new CountDownLatch(1);
            Future<Throwable> use = threads.submit(() -> {
                started.countDown();
                try {
                    if (reads) {
                        assertArrayEquals(randomBytes(BLOCK, 0), readAll(client.openReader(new BlockKey(FILE, 0))));
                    }
                    else {
                        write(client, index);
                    }
                    return null;
                }
                catch (RuntimeException e) {
                    return e;
                }
            });
            started.await();
            // a little later each round, so that the close meets the other thread at different points
            for (int spin = 0; spin < round * 2_000; spin++) {
                Thread.onSpinWait();
            }
            client.close();

            Throwable failure = use.get();
            if (failure != null) {
                // else it was done before the close
                assertClosed(failure);
            }
            assertTrue(client.channelsShutDown(), "round " + round + ": no channel left open");
        }
    }
}
