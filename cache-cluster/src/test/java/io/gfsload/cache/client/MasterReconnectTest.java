package io.gfsload.cache.client;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.MasterUnavailableException;
import io.gfsload.cache.testing.ClosingServer;
import org.junit.jupiter.api.Test;

/** A client whose master is down connects again at each call, not when gRPC's reconnection backoff (up to two minutes) allows. */
class MasterReconnectTest {
    @Test
    void eachCallToAMasterThatIsDownConnectsAgain() throws Exception {
        try (ClosingServer down = ClosingServer.on(0);
                GrpcCacheClient client = GrpcCacheClient.connect(down.target(), ClientConfig.defaults())) {
            for (int call = 0; call < 10; call++) {
                assertThrows(MasterUnavailableException.class, client::clusterInfo);
                // a load's wait between two calls to a silent master, shortened
                Thread.sleep(200);
            }

            // gRPC backs a channel's reconnection off for a second, 1.6 times longer each time after: 3 connections at most in 2 s
            assertTrue(down.connections() >= 8, "connections: " + down.connections());
        }
    }
}
