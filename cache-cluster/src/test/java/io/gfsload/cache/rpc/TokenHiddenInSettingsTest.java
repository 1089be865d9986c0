package io.gfsload.cache.rpc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.client.ClientConfig;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.master.MasterConfig;
import io.gfsload.cache.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The settings that hold the cluster's token never write it out: a log line or a message with them shows it hidden. */
class TokenHiddenInSettingsTest {
    private static final String TOKEN = "SUPERSECRET-0123456789-token";

    @Test
    void everySettingsRecordHidesItsToken() {
        List<Record> settings = List.of(
                ClientConfig.defaults().withToken(Optional.of(TOKEN)),
                new MasterConfig(Path.of("/m"), "127.0.0.1", 19998, Duration.ofSeconds(1), 3, Optional.of(TOKEN), MasterConfig.NO_METRICS),
                WorkerConfig.builder("worker-0", Path.of("/w"), 1 << 20, "127.0.0.1:19998").token(Optional.of(TOKEN)).build(),
                LocalClusterConfig.builder(Path.of("/c")).token(TOKEN).build());
        for (Record record : settings) {
            String shown = record.toString();
            assertFalse(shown.contains(TOKEN), shown);
            assertTrue(shown.startsWith(record.getClass().getSimpleName() + "["), shown);
            assertTrue(shown.contains(", token=<hidden>, "), shown);
        }
        // the other settings as a record writes them
        assertTrue(settings.get(1).toString().startsWith("MasterConfig[metadataDirectory=/m, host=127.0.0.1, port=19998, heartbeatInterval=PT1S, "
                + "missedHeartbeatsBeforeLost=3, token=<hidden>, metricsPort=-1, metadataMemory="), settings.get(1).toString());
        assertTrue(ClientConfig.defaults().toString().contains(", token=none, "), ClientConfig.defaults().toString());
    }
}
