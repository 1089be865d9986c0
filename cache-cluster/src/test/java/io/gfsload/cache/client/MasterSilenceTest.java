package io.gfsload.cache.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.MasterSilence;
import io.gfsload.cache.api.MasterUnavailableException;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CacheClient#masterSilence()}: how long the master has answered none of a client's calls,
 * from the start of the first call it left unanswered, with twice the call deadline as its limit.
 */
class MasterSilenceTest {
    private static final Duration DEADLINE = Duration.ofMillis(300);

    @TempDir
    Path directory;

    @Test
    void aMasterThatAcceptsConnectionsAndNeverAnswersIsSilentFromTheFirstUnansweredCall() throws Exception {
        // a frozen master: the kernel accepts the connection, nothing answers on it
        try (ServerSocket frozen = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                GrpcCacheClient client = GrpcCacheClient.connect("127.0.0.1:" + frozen.getLocalPort(), ClientConfig.defaults().withRpcTimeout(DEADLINE))) {
            assertTrue(client.masterSilence().isEmpty(), "silent before any call");
            Thread acceptor = new Thread(() -> {
                try (Socket ignored = frozen.accept()) {
                    Thread.sleep(Long.MAX_VALUE);
                }
                catch (Exception e) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();

            assertThrows(MasterUnavailableException.class, client::clusterInfo);
            MasterSilence silence = client.masterSilence().orElseThrow();
            assertEquals("127.0.0.1:" + frozen.getLocalPort(), silence.masterTarget());
            assertEquals(DEADLINE.multipliedBy(2), silence.limit());
            assertTrue(silence.silentFor().compareTo(DEADLINE) >= 0, "silent since the call started: " + silence);
            assertFalse(silence.exceeded(), silence.toString());

            // a second call that fails does not restart the silence
            assertThrows(MasterUnavailableException.class, client::clusterInfo);
            MasterSilence longer = client.masterSilence().orElseThrow();
            assertTrue(longer.silentFor().compareTo(DEADLINE.multipliedBy(2)) >= 0, longer.toString());
            assertTrue(longer.exceeded(), longer.toString());
            assertEquals("127.0.0.1:" + frozen.getLocalPort(), longer.failure().masterTarget());
            acceptor.interrupt();
        }
    }

    @Test
    void aMasterThatAnswersIsNotSilent() {
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, 64L << 20));
                CacheClient client = cluster.newClient()) {
            client.clusterInfo();
            assertTrue(client.masterSilence().isEmpty());
        }
    }
}
