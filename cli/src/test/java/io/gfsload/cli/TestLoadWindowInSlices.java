package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.executor.DistributedLoad;
import io.gfsload.executor.LoadWindow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A load in slices, as a Spark job runs it, takes {@code --window} as the command line does: each
 * slice carries the window to its process, and the command says that the executors check it.
 */
class TestLoadWindowInSlices {
    @TempDir
    Path home;

    @TempDir
    Path clusterDirectory;

    @Test
    void aLoadInSlicesRunsWithinItsWindow() throws Exception {
        Path data = home.resolve("data");
        Files.createDirectories(data);
        for (int i = 0; i < 3; i++) {
            Files.write(data.resolve("part-%d".formatted(i)), new byte[100_000 + i]);
        }
        List<LoadWindow> windows = Collections.synchronizedList(new ArrayList<>());
        DistributedLoad.Slices inProcess = new InProcessSlices(slice -> windows.add(slice.options().window()));
        // a load window open now, in UTC: the load does not wait
        LocalTime now = LocalTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
        String window = now.minusHours(1) + "-" + now.plusHours(1);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(clusterDirectory, 1, 1L << 30))) {
            CliRun run = CliRun.gfsload(new CliEnvironment(home).withSlices(inProcess), "distributedLoad", "--progress", "none", "--json",
                    "--master", cluster.masterTarget(), "--window", window, "--window-zone", "UTC", data.toString());

            assertEquals(0, run.exitCode(), run.err());
            assertTrue(run.err().contains("UFS reads start only within the load window %s (UTC, by each executor's clock)%n".formatted(window)),
                    run.err());
            assertEquals(List.of(LoadWindow.parse(window, ZoneId.of("UTC")), LoadWindow.parse(window, ZoneId.of("UTC"))), windows,
                    "each slice carries the window");
            JsonNode report = new ObjectMapper().readTree(run.out());
            assertEquals("SUCCEEDED", report.get("state").asText());
            assertEquals(3, report.get("totals").get("blocksLoaded").asLong());
            assertEquals(window, report.get("window").get("window").asText());
            assertEquals("UTC", report.get("window").get("zone").asText());
            assertEquals(0, report.get("window").get("waitedMillis").asLong());
            assertEquals(0, report.get("window").get("pauses").asLong());
        }
    }
}
